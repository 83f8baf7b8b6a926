//! Goal: when the customer answers a callback they are connected to the agent; when they do
//! not, the callback waits out the retry spacing and goes back to the queue at its original
//! place, and after `org.callback_attempts_max` unanswered attempts it is given up with a final
//! record.
//! Method: queue two web callbacks in Sales, make ANNA Available, answer, then let the dialled
//! customer answer, fail (busy) or ring out (`Harness::advance` past `dial_timeout_ms`).
//! Proves: R40 (with R12's "keeps its place" and R45 for the final record). The spacing and
//! the per-queue settings are in `callback_retry`.

use crate::support::*;
use sentral_engine::testing::*;
use sentral_engine::*;

/// Two web callbacks in Sales, the first offered to and answered by ANNA; returns both and the
/// dialled customer leg of the first.
fn two_callbacks(h: &mut Harness) -> (InteractionId, InteractionId, LegId) {
    let first = web_callback(h, Q_SALES, "Kari", "+4791234567").expect("first");
    h.advance(1_000);
    let second = web_callback(h, Q_SALES, "Ola", "+4791234568").expect("second");
    h.ready(ANNA, SALES);
    assert_eq!(h.view(first).offered_to, Some(ANNA));
    h.answer(ANNA);
    let (leg, interaction, _) = the_dial(h);
    assert_eq!(interaction, first);
    (first, second, leg)
}

#[test]
fn r40_the_customer_answers_and_is_connected() {
    let mut h = Harness::new();
    let (first, _, customer) = two_callbacks(&mut h);
    let agent_leg = h.ringing_leg(ANNA).expect("ANNA's phone");
    h.advance(4_000);
    h.telephony(TelephonyEvent::Ringing { leg: customer });
    h.telephony(TelephonyEvent::Answered { leg: customer });
    assert!(h.commands().contains(&TelephonyCommand::Bridge {
        a: customer,
        b: agent_leg
    }));
    assert!(h.events_for(ANNA).contains(&DesktopEvent::Connected {
        interaction: first,
        at_unix_ms: 5_000,
    }));
    assert!(h.commands().contains(&TelephonyCommand::StartRecording {
        interaction: first,
        leg: customer
    }));
    let view = h.view(first);
    assert_eq!((view.phase, view.owner), ("connected", Some(ANNA)));
    assert_eq!(view.connected_at_unix_ms, Some(5_000));
}

#[test]
fn r40_an_unanswered_callback_goes_back_to_the_queue() {
    let mut h = Harness::new();
    let (first, second, customer) = two_callbacks(&mut h);
    let agent_leg = h.ringing_leg(ANNA).expect("ANNA's phone");
    h.telephony(TelephonyEvent::Failed {
        leg: customer,
        cause: FailCause::Busy,
    });
    assert!(
        h.commands()
            .contains(&TelephonyCommand::HangUp { leg: agent_leg })
    );
    assert!(
        h.events_for(ANNA)
            .contains(&DesktopEvent::OfferWithdrawn { interaction: first })
    );
    assert!(ended_records(&h, first).is_empty(), "not given up yet");
    assert!(
        h.agent(ANNA).wrapups.is_empty(),
        "no wrap-up for an attempt"
    );
    assert!(h.records().iter().any(|r| matches!(
        r,
        Record::InteractionState { interaction, state: "retry_wait", attempt: Some(1), .. }
            if *interaction == first
    )));
    assert_eq!(
        h.view(first).phase,
        "retry_wait",
        "R40: the customer is not redialled at once"
    );
    assert_eq!(
        h.view(second).offered_to,
        Some(ANNA),
        "the free agent serves the next callback meanwhile"
    );
    let retry_after_ms = h.engine.config().org.callback_retry_after_ms;
    h.advance(retry_after_ms);
    assert_eq!(h.view(first).phase, "queued", "R40: back in the queue");
}

#[test]
fn r40_an_unanswered_callback_keeps_its_original_place_in_the_queue() {
    let mut h = Harness::new();
    let (first, second, customer) = two_callbacks(&mut h);
    // ANNA chooses to go Idle after this call, so nobody is free when the dial fails.
    h.command(
        ANNA,
        Command::SetState(StateRequest::Idle {
            reason: "lunch".into(),
        }),
    )
    .expect("idle after this call");
    h.advance(10_000);
    h.telephony(TelephonyEvent::Failed {
        leg: customer,
        cause: FailCause::Busy,
    });
    assert_eq!(h.view(first).phase, "retry_wait");
    h.advance(h.engine.config().org.callback_retry_after_ms);
    assert_eq!(h.view(first).phase, "queued");
    assert_eq!(h.engine.n_waiting(Q_SALES), 2);
    h.ready(BJORN, SALES);
    assert_eq!(
        h.view(first).offered_to,
        Some(BJORN),
        "R40: the callback went back to its original place, ahead of the later request"
    );
    assert_eq!(h.view(second).phase, "queued");
}

#[test]
fn r40_a_callback_rings_out_and_goes_back_to_the_queue() {
    let mut h = Harness::new();
    let (first, second, customer) = two_callbacks(&mut h);
    let dial_timeout_ms = h.engine.config().org.dial_timeout_ms;
    h.advance(dial_timeout_ms - 1);
    assert_eq!(h.view(first).phase, "dialing");
    h.advance(1);
    assert!(
        h.commands()
            .contains(&TelephonyCommand::HangUp { leg: customer }),
        "the unanswered dial is cancelled"
    );
    assert_eq!(h.view(first).phase, "retry_wait");
    assert_eq!(h.view(second).offered_to, Some(ANNA));
}

#[test]
fn r40_a_callback_is_given_up_after_the_maximum_attempts() {
    let mut h = Harness::new();
    let attempts_max = h.engine.config().org.callback_attempts_max;
    assert_eq!(attempts_max, 3);
    let retry_after_ms = h.engine.config().org.callback_retry_after_ms;
    let (first, second, mut customer) = two_callbacks(&mut h);
    for attempt in 1..=attempts_max {
        // ANNA goes Idle after each attempt, so that she is free for the callback only once
        // it is back in the queue, ahead of the second one.
        let idle = StateRequest::Idle {
            reason: "lunch".into(),
        };
        h.command(ANNA, Command::SetState(idle)).expect("idle");
        h.telephony(TelephonyEvent::Failed {
            leg: customer,
            cause: FailCause::NoAnswer,
        });
        if attempt == attempts_max {
            break;
        }
        h.advance(retry_after_ms);
        h.ready_again(ANNA);
        assert_eq!(h.view(first).offered_to, Some(ANNA), "attempt {attempt}");
        h.answer(ANNA);
        let (leg, interaction, _) = the_dial(&h);
        assert_eq!(interaction, first);
        customer = leg;
    }
    let n_dials = all_commands(&h)
        .iter()
        .filter(
            |c| matches!(c, TelephonyCommand::Dial { interaction, .. } if *interaction == first),
        )
        .count();
    assert_eq!(n_dials, 3, "dialled once per attempt");
    assert_eq!(ended_records(&h, first), [EndReason::CallbackNotAnswered]);
    assert!(h.engine.interaction_view(first).is_none(), "given up");
    h.ready_again(ANNA);
    assert_eq!(
        h.view(second).offered_to,
        Some(ANNA),
        "the next callback comes up"
    );
}

#[test]
fn r40_callback_attempts_follow_the_organisation_setting() {
    let mut h = harness_with(|c| c.org.callback_attempts_max = 1);
    let (first, _, customer) = two_callbacks(&mut h);
    h.telephony(TelephonyEvent::Failed {
        leg: customer,
        cause: FailCause::Declined,
    });
    assert_eq!(ended_records(&h, first), [EndReason::CallbackNotAnswered]);
    let ended = h.records().into_iter().find_map(|r| match r {
        Record::InteractionEnded {
            interaction,
            agents,
            connected_at_unix_ms,
            ..
        } if interaction == first => Some((agents, connected_at_unix_ms)),
        _ => None,
    });
    assert_eq!(ended, Some((vec![ANNA], None)));
}

#[test]
fn r40_a_callback_back_in_the_queue_does_not_jump_ahead_of_an_earlier_caller() {
    let mut h = Harness::new();
    let (caller, _) = h.arrive(DN_SALG);
    h.advance(1_000);
    let callback = web_callback(&mut h, Q_SALES, "Kari", "+4791234567").expect("queued");
    h.ready(BJORN, SALES);
    assert_eq!(h.view(caller).offered_to, Some(BJORN));
    h.ready(ANNA, SALES);
    assert_eq!(h.view(callback).offered_to, Some(ANNA));
    h.answer(ANNA);
    let (customer, _, _) = the_dial(&h);
    // BJORN does not answer: the caller goes back to its place, the first in the queue (R12).
    h.advance(15_000);
    assert_eq!(h.agent(BJORN).state, AgentStateView::Rona);
    assert_eq!(h.view(caller).phase, "queued");
    // The callback's customer does not answer: it goes back behind the earlier caller.
    h.telephony(TelephonyEvent::Failed {
        leg: customer,
        cause: FailCause::NoAnswer,
    });
    assert_eq!(
        h.view(caller).offered_to,
        Some(ANNA),
        "R40/R12: the caller who has waited since 0 s is served before the callback of 1 s"
    );
    assert_eq!(h.view(callback).phase, "retry_wait");
    h.advance(h.engine.config().org.callback_retry_after_ms);
    assert_eq!(h.view(callback).phase, "queued");
}
