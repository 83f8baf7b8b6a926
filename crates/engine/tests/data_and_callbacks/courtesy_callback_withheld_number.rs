//! Goal: a caller whose number is withheld or not diallable ("anonymous") cannot be called
//! back, so they are never offered a courtesy callback and pressing 1 leaves them waiting in
//! the queue. Otherwise the caller would hang up believing they will be called, and the
//! callback would bounce between agents forever: every agent who answers it sees a dial that
//! cannot be placed (reported as the call limit, R2, although the limit is not reached) and the
//! callback goes straight back to its queue.
//! Method: a call to Kundeservice (courtesy callback offered after 60 s) from "anonymous"
//! waits with no agent free; the clock passes the offer time; the caller presses 1; DAVID
//! becomes Available.
//! Proves: R37 (courtesy callback offered only when the caller can be called back), R2.

use sentral_engine::testing::*;
use sentral_engine::*;

#[test]
fn r37_a_caller_with_a_withheld_number_is_not_offered_a_courtesy_callback() {
    let mut h = Harness::new();
    let leg = LegId(77);
    let id = h
        .input(Input::Telephony(TelephonyEvent::CallArrived {
            leg,
            dnis: DN_KUNDESERVICE.into(),
            ani: "anonymous".into(),
        }))
        .expect("the call is taken")
        .expect("it creates an interaction");
    h.advance(60_000);
    assert!(
        !h.all
            .iter()
            .any(|o| matches!(o, Output::Telephony(TelephonyCommand::PlayPrompt { .. }))),
        "R37: no \"press 1\" for a caller who cannot be called back"
    );

    h.telephony(TelephonyEvent::Dtmf { leg, digit: '1' });
    assert!(h.commands().is_empty(), "the caller is not hung up");
    assert_eq!(h.view(id).kind, InteractionKind::Inbound);
    assert_eq!(h.engine.n_customer_calls(), 1);

    h.ready(DAVID, SUPPORT);
    h.answer(DAVID);
    assert_eq!(h.view(id).phase, "connected", "the caller talks to DAVID");
    assert!(
        !h.events_for(DAVID)
            .iter()
            .any(|e| matches!(e, DesktopEvent::LimitReached { .. })),
        "R2: the limit is not reached"
    );
}
