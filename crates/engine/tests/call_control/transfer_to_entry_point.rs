//! A call transferred to an entry point never comes back to the transferring agent (R29).
//!
//! Goal: after a blind transfer to an entry point (chosen from the list or typed as its dial
//! number, R20), the call is never offered to the agent who transferred it, even when that
//! agent is the only Available one and even after the call overflows to another queue; after
//! any transfer the transferring agent gets the wrap-up dialog.
//! Method: DAVID, the only Support agent, transfers a Kundeservice call back to Kundeservice,
//! submits his wrap-up and stays Available; the tests check the call keeps waiting and goes to
//! the next agent who becomes Available.
//! Proves: R29.

use crate::*;
use sentral_engine::testing::*;
use sentral_engine::*;

fn transfer_back_to_kundeservice(h: &mut Harness, target: Target) -> Call {
    let call = david_call(h);
    h.command(
        DAVID,
        Command::Transfer {
            interaction: call.id,
            target,
        },
    )
    .expect("transfer to the entry point");
    assert!(
        wrapup_required(h, DAVID, call.id),
        "R29: wrap-up after transfer"
    );
    assert_eq!(h.view(call.id).phase, "queued");
    submit_wrapup(h, DAVID, call.id);
    assert_eq!(h.agent(DAVID).state, AgentStateView::Available);
    assert_eq!(h.agent(DAVID).call, None);
    call
}

#[test]
fn r29_a_call_transferred_to_an_entry_point_is_never_routed_back_to_the_transferring_agent() {
    let mut h = Harness::new();
    let call = transfer_back_to_kundeservice(&mut h, Target::EntryPoint(EP_KUNDESERVICE));
    assert!(
        !h.commands()
            .iter()
            .any(|c| matches!(c, TelephonyCommand::RingAgent { agent: DAVID, .. })),
        "DAVID is Available and free, yet not offered the call"
    );
    let view = h.view(call.id);
    assert_eq!(view.phase, "queued");
    assert_eq!(view.offered_to, None);

    h.ready(EVA, SUPPORT);
    assert_eq!(
        h.view(call.id).offered_to,
        Some(EVA),
        "the next agent gets it"
    );
}

#[test]
fn r29_the_transferring_agent_is_excluded_when_the_entry_point_is_typed_as_its_number() {
    let mut h = Harness::new();
    let call = transfer_back_to_kundeservice(&mut h, Target::DialNumber(DN_KUNDESERVICE.into()));
    assert_eq!(h.view(call.id).phase, "queued");
    assert_eq!(h.view(call.id).entry_point, Some(EP_KUNDESERVICE));
    assert!(
        !h.commands()
            .iter()
            .any(|c| matches!(c, TelephonyCommand::Dial { .. })),
        "an entry-point number is not dialled outside (R20)"
    );
    assert_eq!(h.view(call.id).offered_to, None);
}

#[test]
fn r29_the_exclusion_survives_overflow_to_another_queue() {
    let mut h = Harness::new();
    let call = transfer_back_to_kundeservice(&mut h, Target::EntryPoint(EP_KUNDESERVICE));
    // Support overflows to Overflow after 120 s; DAVID serves Overflow too.
    h.advance(120_000);
    let view = h.view(call.id);
    assert_eq!(view.queue, Some(Q_OVERFLOW));
    assert_eq!(view.phase, "queued");
    assert_eq!(view.offered_to, None);
    // A Sales agent, who serves Overflow, gets it.
    h.ready(ANNA, SALES);
    assert_eq!(h.view(call.id).offered_to, Some(ANNA));
}

#[test]
fn r29_after_any_kind_of_transfer_the_transferring_agent_wraps_up() {
    let targets = [
        Target::Agent(EVA),
        Target::Queue(Q_SALES),
        Target::EntryPoint(EP_SALG),
        Target::DialNumber("+4799887766".into()),
        Target::Expert(ExpertId(1)),
    ];
    for target in targets {
        let mut h = Harness::new();
        let call = david_call(&mut h);
        h.ready(EVA, SUPPORT);
        h.command(
            DAVID,
            Command::Transfer {
                interaction: call.id,
                target: target.clone(),
            },
        )
        .expect("transfer");
        assert!(wrapup_required(&h, DAVID, call.id), "{target:?}");
        assert_eq!(h.agent(DAVID).wrapups, vec![call.id], "{target:?}");
    }
    // And after a consult transfer.
    let mut h = Harness::new();
    let (call, _) = david_consults_eva(&mut h);
    h.command(
        DAVID,
        Command::ConsultTransfer {
            interaction: call.id,
        },
    )
    .expect("consult transfer");
    assert!(wrapup_required(&h, DAVID, call.id));
}
