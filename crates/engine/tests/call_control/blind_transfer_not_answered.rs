//! Blind transfer to an agent in wrap-up, and a transfer nobody answers (R28).
//!
//! Goal: a call cannot be transferred to an agent in wrap-up; if the target agent does not
//! answer, the call is dropped by default (the seed's behaviour), or goes back to its queue at
//! its place when the organisation chose `TransferNoAnswer::Requeue`; the target goes to RONA
//! either way.
//! Method: DAVID transfers a Kundeservice call to EVA; EVA is in wrap-up, or lets her phone
//! ring past the RONA timeout; the tests check the rejection, the hang-up of the customer and
//! the final record, or the call waiting in Support and reaching the next agent.
//! Proves: R28.

use crate::*;
use sentral_engine::testing::*;
use sentral_engine::*;

fn transfer_to_eva(h: &mut Harness, call: &Call) -> LegId {
    h.command(
        DAVID,
        Command::Transfer {
            interaction: call.id,
            target: Target::Agent(EVA),
        },
    )
    .expect("transfer");
    let leg = consult_leg_rang(h, EVA);
    h.telephony(TelephonyEvent::Ringing { leg });
    leg
}

#[test]
fn r28_transfer_to_an_agent_in_wrap_up_is_refused() {
    let mut h = Harness::new();
    // EVA takes a call first and ends it: she is in wrap-up (and still Available).
    let first = connected_call(&mut h, EVA, SUPPORT, DN_KUNDESERVICE);
    h.command(
        EVA,
        Command::End {
            interaction: first.id,
        },
    )
    .expect("EVA ends");
    assert_eq!(h.agent(EVA).wrapups, vec![first.id]);
    assert_eq!(h.agent(EVA).state, AgentStateView::Available);

    let call = david_call(&mut h);
    let code = rejected(
        &mut h,
        DAVID,
        Command::Transfer {
            interaction: call.id,
            target: Target::Agent(EVA),
        },
    );
    assert_eq!(code, Code::Rule(Rule::R28));
    assert_eq!(h.view(call.id).owner, Some(DAVID));

    submit_wrapup(&mut h, EVA, first.id);
    transfer_to_eva(&mut h, &call);
    assert_eq!(
        h.view(call.id).offered_to,
        Some(EVA),
        "after wrap-up it works"
    );
}

#[test]
fn r28_a_transfer_the_target_does_not_answer_is_dropped_by_default() {
    let mut h = Harness::new();
    let call = david_call(&mut h);
    h.ready(EVA, SUPPORT);
    let eva_leg = transfer_to_eva(&mut h, &call);
    h.advance(15_000);
    let legs = hung_up(&h);
    assert!(legs.contains(&eva_leg), "EVA's phone stops ringing");
    assert!(legs.contains(&call.customer), "the call is dropped");
    assert!(h.records().iter().any(|r| matches!(
        r,
        Record::InteractionEnded { interaction, reason: EndReason::TransferNotAnswered, .. }
            if *interaction == call.id
    )));
    assert_eq!(h.agent(EVA).state, AgentStateView::Rona);
    assert_eq!(h.agent(EVA).call, None);
    assert!(h.agent(EVA).wrapups.is_empty());
    assert_eq!(
        h.agent(DAVID).wrapups,
        vec![call.id],
        "R29: DAVID still wraps up"
    );
    assert_eq!(h.view(call.id).phase, "ended");
}

#[test]
fn r28_a_transfer_to_a_number_nobody_answers_is_dropped_by_default() {
    let mut h = Harness::new();
    let call = david_call(&mut h);
    h.command(
        DAVID,
        Command::Transfer {
            interaction: call.id,
            target: Target::DialNumber("+4799887766".into()),
        },
    )
    .expect("transfer");
    let leg = h.dialled_leg().expect("dialled");
    h.telephony(TelephonyEvent::Failed {
        leg,
        cause: FailCause::Busy,
    });
    assert!(hung_up(&h).contains(&call.customer));
    assert_eq!(ended_record(&h), Some(EndReason::TransferNotAnswered));
}

#[test]
fn r28_with_requeue_an_unanswered_transfer_goes_back_to_its_queue() {
    let mut config = small_config();
    config.org.transfer_no_answer = TransferNoAnswer::Requeue;
    let mut h = Harness::with_config(config);
    let call = david_call(&mut h);
    h.ready(EVA, SUPPORT);
    let eva_leg = transfer_to_eva(&mut h, &call);
    // A later caller waits in Support meanwhile.
    let (later, _) = h.arrive(DN_KUNDESERVICE);
    assert_eq!(h.view(later).phase, "queued");
    h.advance(15_000);
    let legs = hung_up(&h);
    assert_eq!(legs, vec![eva_leg], "the customer stays on the line");
    assert_eq!(ended_record(&h), None);
    assert_eq!(h.agent(EVA).state, AgentStateView::Rona);
    let view = h.view(call.id);
    assert_eq!(view.phase, "queued");
    assert_eq!(view.queue, Some(Q_SUPPORT));
    assert_eq!(h.engine.n_waiting(Q_SUPPORT), 2);

    // Back at its original place: ahead of the later caller.
    h.ready(FREDRIK, SUPPORT);
    assert_eq!(h.view(call.id).offered_to, Some(FREDRIK));
    assert_eq!(h.view(later).phase, "queued");
    let fredrik_leg = h.answer(FREDRIK);
    assert!(h.commands().contains(&TelephonyCommand::Bridge {
        a: call.customer,
        b: fredrik_leg,
    }));
}

/// The offer the last input sent EVA's desktop for `call`.
fn offer_to_eva(h: &Harness, call: &Call) -> OfferView {
    h.events_for(EVA)
        .into_iter()
        .rev()
        .find_map(|event| match event {
            DesktopEvent::Offer(offer) if offer.interaction == call.id => Some(*offer),
            _ => None,
        })
        .expect("EVA was offered the call")
}

/// R28, R12: the transfer's offer says what happens if the target does not answer, as the
/// organisation chose: the call ends by default, goes back to its queue with `Requeue`; and a
/// call offered from its queue always goes back there. The task says it too (a reloaded
/// popover reads it there), and only while the call is offered.
#[test]
fn r28_the_transfer_offer_says_whether_an_unanswered_call_ends_or_goes_back_to_the_queue() {
    for (choice, expected) in [
        (TransferNoAnswer::Drop, IfUnanswered::Ends),
        (TransferNoAnswer::Requeue, IfUnanswered::BackToQueue),
    ] {
        let mut config = small_config();
        config.org.transfer_no_answer = choice;
        let mut h = Harness::with_config(config);
        let call = david_call(&mut h);
        assert_eq!(
            h.view(call.id).if_unanswered,
            None,
            "connected, not offered"
        );
        h.ready(EVA, SUPPORT);
        h.command(
            DAVID,
            Command::Transfer {
                interaction: call.id,
                target: Target::Agent(EVA),
            },
        )
        .expect("transfer");
        assert_eq!(
            offer_to_eva(&h, &call).if_unanswered,
            expected,
            "{choice:?}"
        );
        assert_eq!(h.view(call.id).if_unanswered, Some(expected), "{choice:?}");
    }

    let mut h = Harness::new();
    h.ready(EVA, SUPPORT);
    let (id, _) = h.arrive(DN_KUNDESERVICE);
    let call = h.view(id);
    assert_eq!(call.offered_to, Some(EVA));
    let offer = h
        .events_for(EVA)
        .into_iter()
        .find_map(|event| match event {
            DesktopEvent::Offer(offer) if offer.interaction == id => Some(*offer),
            _ => None,
        })
        .expect("offered from the queue");
    assert_eq!(offer.if_unanswered, IfUnanswered::BackToQueue);
    assert_eq!(call.if_unanswered, Some(IfUnanswered::BackToQueue));
}
