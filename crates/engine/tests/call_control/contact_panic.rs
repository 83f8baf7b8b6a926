//! Issue 18, isolation: a panic in one contact ends that contact only. Its legs are hung up,
//! it has exactly one final record (`internal_error`), its agents are freed with a notice on
//! their desktops, and every other contact and the engine go on.
//!
//! Method: two connected calls (DAVID's and ANNA's); the test hook makes the next step of
//! DAVID's call panic once it has run; then ANNA's call is handled to its end and DAVID takes
//! the next call. The harness checks the engine's invariants after every input, and the engine
//! checks them itself after every input in debug builds.

use crate::*;
use sentral_engine::testing::*;
use sentral_engine::*;

#[test]
fn contact_panic_ends_only_that_contact() {
    // Requirement (issue 18): a panic in one contact ends that contact only.
    let mut h = Harness::new();
    let david = david_call(&mut h);
    let anna = connected_call(&mut h, ANNA, SALES, DN_SALG);

    h.engine.inject_contact_panic(david.id);
    let hold = Command::Hold {
        interaction: david.id,
        party: Party::Customer,
    };
    h.command(DAVID, hold)
        .expect("the panic ends the contact; the input is not refused");

    let commands = h.commands();
    for leg in [david.customer, david.agent_leg] {
        assert!(
            commands.contains(&TelephonyCommand::HangUp { leg }),
            "{leg} is hung up: {commands:?}"
        );
    }
    for leg in [anna.customer, anna.agent_leg] {
        assert!(
            !commands.contains(&TelephonyCommand::HangUp { leg }),
            "ANNA's call keeps {leg}"
        );
    }
    assert_eq!(ended(&h, david.id), vec![EndReason::InternalError]);
    assert!(h.engine.interaction_view(david.id).is_none(), "forgotten");
    assert!(
        h.events_for(DAVID).contains(&DesktopEvent::CallEnded {
            interaction: david.id,
            reason: EndReason::InternalError,
        }),
        "DAVID's desktop is told"
    );
    let david_view = h.agent(DAVID);
    assert_eq!(david_view.call, None, "DAVID is freed");
    assert!(david_view.wrapups.is_empty(), "nothing to wrap up");
    assert_eq!(h.engine.n_customer_calls(), 1, "only ANNA's customer is on");

    // ANNA's call goes on as if nothing happened.
    assert_eq!(h.view(anna.id).phase, "connected");
    assert_eq!(h.view(anna.id).owner, Some(ANNA));
    h.command(
        ANNA,
        Command::Hold {
            interaction: anna.id,
            party: Party::Customer,
        },
    )
    .expect("hold");
    assert_eq!(
        h.commands(),
        vec![TelephonyCommand::Hold { leg: anna.customer }]
    );
    h.command(
        ANNA,
        Command::Resume {
            interaction: anna.id,
            party: Party::Customer,
        },
    )
    .expect("resume");
    h.command(
        ANNA,
        Command::End {
            interaction: anna.id,
        },
    )
    .expect("end");
    assert_eq!(ended(&h, anna.id), vec![EndReason::AgentEnded]);
    h.command(
        ANNA,
        Command::SubmitWrapUp {
            interaction: anna.id,
            reason: "resolved".into(),
        },
    )
    .expect("wrap-up");

    // DAVID, freed and still Available, takes the next call.
    let (next, _) = h.arrive(DN_KUNDESERVICE);
    assert_eq!(h.view(next).offered_to, Some(DAVID));
    assert_eq!(ended(&h, david.id), vec![EndReason::InternalError], "once");
}

#[test]
fn contact_panic_while_ringing_frees_the_agent_without_rona() {
    // Requirement (issue 18): a panic in one contact ends that contact only, in any phase.
    let mut h = Harness::new();
    let anna = connected_call(&mut h, ANNA, SALES, DN_SALG);
    h.ready(DAVID, SUPPORT);
    let (id, customer) = h.arrive(DN_KUNDESERVICE);
    let ringing = h.ringing_leg(DAVID).expect("DAVID's phone rings");

    h.engine.inject_contact_panic(id);
    h.telephony(TelephonyEvent::Ringing { leg: ringing });

    let commands = h.commands();
    assert!(commands.contains(&TelephonyCommand::HangUp { leg: customer }));
    assert!(commands.contains(&TelephonyCommand::HangUp { leg: ringing }));
    assert_eq!(ended(&h, id), vec![EndReason::InternalError]);
    let david = h.agent(DAVID);
    assert_eq!(david.call, None);
    assert!(!david.popover_shown);
    assert_eq!(
        david.state,
        AgentStateView::Available,
        "not RONA: DAVID did nothing"
    );
    assert_eq!(h.view(anna.id).phase, "connected");

    // The RONA timer of the hung-up offer is gone: nothing fires for it later.
    h.advance(60_000);
    assert_eq!(ended(&h, id), vec![EndReason::InternalError]);
    assert_eq!(h.agent(DAVID).state, AgentStateView::Available);
}

#[test]
fn contact_panic_mid_consult_frees_both_agents_and_hangs_up_every_leg() {
    // Requirement (issue 18): a panic in one contact ends that contact only, with all its
    // agents and legs, here a consult's too.
    let mut h = Harness::new();
    let anna = connected_call(&mut h, ANNA, SALES, DN_SALG);
    let (david, eva_leg) = david_consults_eva(&mut h);

    h.engine.inject_contact_panic(david.id);
    let hold_eva = Command::Hold {
        interaction: david.id,
        party: Party::Consulted,
    };
    h.command(DAVID, hold_eva)
        .expect("the panic ends the contact; the input is not refused");

    let commands = h.commands();
    for leg in [david.customer, david.agent_leg, eva_leg] {
        assert!(
            commands.contains(&TelephonyCommand::HangUp { leg }),
            "{leg} is hung up: {commands:?}"
        );
    }
    assert_eq!(ended(&h, david.id), vec![EndReason::InternalError]);
    for agent in [DAVID, EVA] {
        assert!(
            h.events_for(agent).contains(&DesktopEvent::CallEnded {
                interaction: david.id,
                reason: EndReason::InternalError,
            }),
            "{agent}'s desktop is told"
        );
        let view = h.agent(agent);
        assert_eq!(view.call, None, "{agent} is freed");
        assert!(view.wrapups.is_empty(), "{agent} has nothing to wrap up");
    }
    assert_eq!(h.view(anna.id).phase, "connected");
    assert_eq!(h.engine.n_customer_calls(), 1, "only ANNA's customer is on");

    // Both are offered calls again.
    let (first, _) = h.arrive(DN_KUNDESERVICE);
    let (second, _) = h.arrive(DN_KUNDESERVICE);
    let offered: Vec<Option<AgentId>> = [first, second]
        .iter()
        .map(|&id| h.view(id).offered_to)
        .collect();
    assert!(
        offered.contains(&Some(DAVID)) && offered.contains(&Some(EVA)),
        "{offered:?}"
    );
}

#[test]
fn contact_panic_while_being_offered_ends_it_and_frees_the_agent() {
    // Requirement (issue 18): a panic in one contact ends that contact only, also when the
    // router offers it to an agent.
    let mut h = Harness::new();
    let anna = connected_call(&mut h, ANNA, SALES, DN_SALG);
    let (id, customer) = h.arrive(DN_KUNDESERVICE);
    assert_eq!(h.view(id).phase, "queued", "nobody serves Support yet");

    h.engine.inject_contact_panic(id);
    h.ready(DAVID, SUPPORT);

    let ringing = h.ringing_leg(DAVID).expect("the offer rang DAVID's phone");
    let commands = h.commands();
    for leg in [customer, ringing] {
        assert!(
            commands.contains(&TelephonyCommand::HangUp { leg }),
            "{leg} is hung up: {commands:?}"
        );
    }
    assert_eq!(ended(&h, id), vec![EndReason::InternalError]);
    assert!(h.events_for(DAVID).contains(&DesktopEvent::CallEnded {
        interaction: id,
        reason: EndReason::InternalError,
    }));
    let david = h.agent(DAVID);
    assert_eq!(david.call, None);
    assert_eq!(david.state, AgentStateView::Available);
    assert_eq!(h.engine.n_waiting(Q_SUPPORT), 0, "not left in the queue");
    assert_eq!(h.view(anna.id).phase, "connected");

    let (next, _) = h.arrive(DN_KUNDESERVICE);
    assert_eq!(h.view(next).offered_to, Some(DAVID));
}

/// The end reasons of every `InteractionEnded` written so far for `id`.
fn ended(h: &Harness, id: InteractionId) -> Vec<EndReason> {
    h.all
        .iter()
        .filter_map(|output| match output {
            Output::Record(Record::InteractionEnded {
                interaction,
                reason,
                ..
            }) if *interaction == id => Some(*reason),
            _ => None,
        })
        .collect()
}
