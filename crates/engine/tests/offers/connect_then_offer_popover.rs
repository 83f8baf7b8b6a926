//! Goal: an offer shows the connect popover (the contact is reserved), then the
//! contact-request popover with the RONA timeout; no answer before the timeout is RONA.
//! Method: offer a call and read the agent's desktop events in order; check the timeout the
//! popover carries (the queue's, or the organisation's default when the queue sets none) and
//! that RONA happens exactly when it runs out, not before, and not at all after an answer.
//! Proves: R6, R7 (and R12 at the timeout).

use crate::support::*;
use sentral_engine::testing::*;
use sentral_engine::*;

#[test]
fn r6_r7_connect_popover_comes_before_the_contact_request_popover() {
    let mut h = Harness::new();
    h.ready(ANNA, SALES);
    h.advance(2_000);
    let (id, _) = h.arrive(DN_SALG);
    let events = h.events_for(ANNA);
    let reserved = events
        .iter()
        .position(|e| {
            *e == DesktopEvent::Reserved {
                interaction: id,
                channel: Channel::Voice,
            }
        })
        .expect("R6: connect popover");
    let offer = events
        .iter()
        .position(|e| matches!(e, DesktopEvent::Offer(o) if o.interaction == id))
        .expect("R7: contact-request popover");
    assert!(
        reserved < offer,
        "R7: the request follows the connect popover"
    );
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, DesktopEvent::Ringing { .. })),
        "Ringing waits for the phone to report it (R13)"
    );

    let offer = the_offer(&h, ANNA);
    assert_eq!(offer.channel, Channel::Voice);
    assert_eq!(offer.kind, InteractionKind::Inbound);
    assert_eq!(
        offer.rona_timeout_ms, 15_000,
        "the Sales queue's RONA timeout"
    );
    assert_eq!(offer.offered_at_unix_ms, 2_000);
    assert!(h.records().iter().any(|r| matches!(
        r,
        Record::InteractionState { interaction, state: "offered", agent: Some(ANNA), .. }
            if *interaction == id
    )));
}

#[test]
fn r7_the_organisation_rona_timeout_applies_when_the_queue_sets_none() {
    let mut config = small_config();
    config.org.rona_timeout_ms = 8_000;
    queue_mut(&mut config, Q_SALES).rona_timeout_ms = None;
    let mut h = Harness::with_config(config);
    h.ready(ANNA, SALES);
    let (id, _) = h.arrive(DN_SALG);
    assert_eq!(the_offer(&h, ANNA).rona_timeout_ms, 8_000);

    h.advance(7_999);
    assert_eq!(h.view(id).offered_to, Some(ANNA), "not yet");
    assert_eq!(state(&h, ANNA), AgentStateView::Available);
    h.advance(1);
    assert_eq!(state(&h, ANNA), AgentStateView::Rona, "R12 at the timeout");
    assert!(
        h.events_for(ANNA)
            .contains(&DesktopEvent::Rona { interaction: id })
    );
}

#[test]
fn r7_no_answer_before_the_rona_timeout_is_rona() {
    let mut h = Harness::new();
    h.ready(ANNA, SALES);
    let (id, _) = h.arrive(DN_SALG);
    let leg = h.ringing_leg(ANNA).expect("rings");
    h.advance(5_000);
    h.telephony(TelephonyEvent::Ringing { leg });
    h.advance(9_999);
    assert_eq!(h.view(id).phase, "offered");

    h.advance(1);
    assert!(
        h.commands().contains(&TelephonyCommand::HangUp { leg }),
        "the phone stops ringing"
    );
    assert!(
        h.events_for(ANNA)
            .contains(&DesktopEvent::Rona { interaction: id })
    );
    assert_eq!(state(&h, ANNA), AgentStateView::Rona);
    assert_eq!(h.view(id).phase, "queued");
}

#[test]
fn r7_an_answer_just_before_the_timeout_stops_it() {
    let mut h = Harness::new();
    h.ready(ANNA, SALES);
    let (id, _) = h.arrive(DN_SALG);
    h.advance(14_999);
    h.answer(ANNA);
    assert_eq!(h.view(id).phase, "connected");
    h.advance(60_000);
    assert_eq!(state(&h, ANNA), AgentStateView::Available);
    assert!(
        !h.events_for(ANNA)
            .iter()
            .any(|e| matches!(e, DesktopEvent::Rona { .. }))
    );
    assert_eq!(h.view(id).owner, Some(ANNA));
}

#[test]
fn r7_the_calls_view_gives_the_offers_deadline_for_a_reloaded_countdown() {
    // Goal: a desktop that reloads while an offer is shown, and so never saw the offer event,
    // can count down the time that is really left.
    // Method: offer a call at 2 s with the Sales queue's 15 s RONA timeout; the call's view
    // gives 17 s as the deadline while the phone rings, and none once answered.
    let mut h = Harness::new();
    h.ready(ANNA, SALES);
    h.advance(2_000);
    let (id, _) = h.arrive(DN_SALG);
    h.advance(5_000);
    let view = h.view(id);
    assert_eq!(view.phase, "offered");
    assert_eq!(view.offer_deadline_unix_ms, Some(2_000 + 15_000));
    h.answer(ANNA);
    assert_eq!(
        h.view(id).offer_deadline_unix_ms,
        None,
        "answered: no countdown"
    );
}
