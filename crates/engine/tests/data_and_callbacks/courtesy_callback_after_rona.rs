//! Goal: a caller whose courtesy-callback time comes while their call rings an agent who then
//! does not answer still hears the "press 1" offer once the call is back in the queue; the
//! offer is not lost because the timer fell due during the ring.
//! Method: Kundeservice offers a courtesy callback after 60 s. The call waits 50 s, then rings
//! DAVID, who lets it ring past the 15 s RONA timeout (60 s falls inside the ring); the call
//! goes back to the queue (R12); the caller then presses 1.
//! Proves: R37 (courtesy callback offered to waiting callers), with R12.

use sentral_engine::testing::*;
use sentral_engine::*;

fn prompted(h: &Harness, leg: LegId) -> bool {
    h.commands().contains(&TelephonyCommand::PlayPrompt {
        leg,
        prompt: Prompt::CourtesyCallbackOffer,
    })
}

#[test]
fn r37_the_courtesy_callback_offer_is_made_when_a_call_rona_returns_to_the_queue() {
    let mut h = Harness::new();
    let (id, leg) = h.arrive(DN_KUNDESERVICE);
    h.advance(50_000);
    h.ready(DAVID, SUPPORT);
    assert_eq!(h.view(id).offered_to, Some(DAVID));
    h.advance(10_000);
    assert!(!prompted(&h, leg), "not while the agent's phone rings");
    h.advance(5_000);
    assert_eq!(h.agent(DAVID).state, AgentStateView::Rona);
    assert_eq!(h.view(id).phase, "queued", "R12: back in the queue");
    assert!(
        prompted(&h, leg),
        "R37: the caller, waiting again, hears \"press 1\": {:?}",
        h.commands()
    );

    h.telephony(TelephonyEvent::Dtmf { leg, digit: '1' });
    assert_eq!(h.view(id).kind, InteractionKind::CourtesyCallback);
}
