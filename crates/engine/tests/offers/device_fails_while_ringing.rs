//! Goal: when the agent's phone fails while an offer rings (it unregisters, is busy, declines,
//! is unavailable, errors, or the phone hangs up before answering), the agent goes to RONA and
//! the call goes back to its queue at its place.
//! Method: offer a call with a later call waiting behind it, then feed
//! `DeviceUnregistered`, `Failed { cause }` or `HungUp` for the ringing leg; check the RONA
//! event and state, which legs are hung up, and that the next agent gets the first call.
//! Proves: R21 (offer part), with R12 for the requeue.

use crate::support::*;
use sentral_engine::testing::*;
use sentral_engine::*;

/// ANNA is offered a first call, a second waits behind it; returns both and ANNA's leg.
fn offered_with_one_behind(h: &mut Harness) -> (InteractionId, InteractionId, LegId) {
    h.ready(ANNA, SALES);
    let (first, _) = h.arrive(DN_SALG);
    let leg = h.ringing_leg(ANNA).expect("rings");
    h.telephony(TelephonyEvent::Ringing { leg });
    let (second, _) = h.arrive(DN_SALG);
    (first, second, leg)
}

fn assert_rona_and_requeued(h: &mut Harness, first: InteractionId, second: InteractionId) {
    assert!(
        h.events_for(ANNA)
            .contains(&DesktopEvent::Rona { interaction: first })
    );
    assert_eq!(state(h, ANNA), AgentStateView::Rona);
    assert_eq!(h.agent(ANNA).call, None);
    assert_eq!(h.view(first).phase, "queued");
    assert!(final_records(h, first).is_empty());
    h.ready(BJORN, SALES);
    assert!(rang(h, BJORN, first), "the first call kept its place");
    assert_eq!(h.view(second).phase, "queued");
}

#[test]
fn r21_a_phone_that_unregisters_while_ringing_is_rona_and_the_call_requeues() {
    let mut h = Harness::new();
    let (first, second, leg) = offered_with_one_behind(&mut h);
    h.telephony(TelephonyEvent::DeviceUnregistered {
        extension: extension(ANNA),
    });
    assert!(
        h.commands().contains(&TelephonyCommand::HangUp { leg }),
        "the ring is cancelled"
    );
    assert_rona_and_requeued(&mut h, first, second);

    h.ready_again(ANNA);
    assert_eq!(state(&h, ANNA), AgentStateView::Available);
    assert!(rings(&h).is_empty(), "R3: no phone, no offer");
    assert_eq!(h.view(second).phase, "queued");
}

#[test]
fn r21_a_phone_that_fails_while_ringing_is_rona_and_the_call_requeues() {
    for cause in [
        FailCause::Busy,
        FailCause::Unavailable,
        FailCause::Declined,
        FailCause::NoAnswer,
        FailCause::Error,
    ] {
        let mut h = Harness::new();
        let (first, second, leg) = offered_with_one_behind(&mut h);
        h.telephony(TelephonyEvent::Failed { leg, cause });
        assert!(
            !h.commands().contains(&TelephonyCommand::HangUp { leg }),
            "{cause:?}: the failed leg is already gone"
        );
        assert_rona_and_requeued(&mut h, first, second);
    }
}

#[test]
fn r21_a_phone_that_hangs_up_before_answering_is_rona() {
    let mut h = Harness::new();
    let (first, second, leg) = offered_with_one_behind(&mut h);
    h.telephony(TelephonyEvent::HungUp { leg });
    assert_rona_and_requeued(&mut h, first, second);
}

#[test]
fn r21_after_a_failure_only_the_new_offers_rona_timer_runs() {
    let mut h = Harness::new();
    let (first, _, leg) = offered_with_one_behind(&mut h);
    h.advance(10_000);
    h.telephony(TelephonyEvent::Failed {
        leg,
        cause: FailCause::Busy,
    });
    h.ready_again(ANNA);
    assert!(rang(&h, ANNA, first), "back to ANNA once she is Available");
    let new_leg = h.ringing_leg(ANNA).expect("rings again");
    assert_ne!(new_leg, leg);
    assert_eq!(the_offer(&h, ANNA).rona_timeout_ms, 15_000);

    h.advance(5_000);
    assert_eq!(
        h.view(first).offered_to,
        Some(ANNA),
        "the failed ring's timer (due at 15 s) is gone"
    );
    h.advance(9_999);
    assert_eq!(state(&h, ANNA), AgentStateView::Available);
    h.advance(1);
    assert_eq!(
        state(&h, ANNA),
        AgentStateView::Rona,
        "the new offer's timer, at 25 s"
    );
}
