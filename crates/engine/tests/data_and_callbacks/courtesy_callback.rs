//! Goal: a caller who waits in Kundeservice is offered a courtesy callback after 60 s; pressing
//! 1 hangs up the customer's leg and turns the call into a courtesy callback that keeps its
//! place in the queue, ahead of callers who came later; anything else changes nothing.
//! Method: callers arrive with no agent free; `Harness::advance` fires the flow's offer timer
//! (`PlayPrompt CourtesyCallbackOffer`); `TelephonyEvent::Dtmf` presses keys; an agent who
//! becomes Available then gets the courtesy callback first, and its answer dials the caller.
//! Proves: R37 (courtesy callback; with R38 for the dial-back).

use crate::support::*;
use sentral_engine::testing::*;
use sentral_engine::*;

fn offered_callback(h: &Harness, leg: LegId) -> bool {
    h.commands().contains(&TelephonyCommand::PlayPrompt {
        leg,
        prompt: Prompt::CourtesyCallbackOffer,
    })
}

fn press(h: &mut Harness, leg: LegId, digit: char) {
    h.telephony(TelephonyEvent::Dtmf { leg, digit });
}

#[test]
fn r37_a_waiting_caller_is_offered_a_courtesy_callback_after_60_seconds() {
    let mut h = Harness::new();
    let (id, leg) = h.arrive(DN_KUNDESERVICE);
    let (_, salg_leg) = h.arrive(DN_SALG);
    h.advance(59_999);
    assert!(!offered_callback(&h, leg), "not before 60 s");
    h.advance(1);
    assert!(
        offered_callback(&h, leg),
        "R37: \"press 1\" after 60 s: {:?}",
        h.commands()
    );
    assert_eq!(h.view(id).phase, "queued", "the caller still waits");
    assert_eq!(h.view(id).kind, InteractionKind::Inbound);
    h.advance(50_000);
    assert!(
        !all_commands(&h).iter().any(|c| matches!(
            c,
            TelephonyCommand::PlayPrompt { leg, .. } if *leg == salg_leg
        )),
        "Salg's flow offers no courtesy callback"
    );
}

#[test]
fn r37_a_caller_already_with_an_agent_is_not_offered_a_callback() {
    let mut h = Harness::new();
    let call = connected_call(&mut h, DAVID, SUPPORT, DN_KUNDESERVICE);
    h.advance(60_000);
    assert!(
        !all_commands(&h)
            .iter()
            .any(|c| matches!(c, TelephonyCommand::PlayPrompt { .. })),
        "only callers who wait hear the offer"
    );
    press(&mut h, call.customer, '1');
    assert_eq!(h.view(call.id).phase, "connected");
    assert_eq!(h.view(call.id).kind, InteractionKind::Inbound);
    assert!(h.commands().is_empty());
}

#[test]
fn r37_pressing_1_makes_a_courtesy_callback_that_keeps_its_place_in_the_queue() {
    let mut h = Harness::new();
    let (first, first_leg) = h.arrive(DN_KUNDESERVICE);
    h.advance(10_000);
    let (second, _) = h.arrive(DN_KUNDESERVICE);
    h.advance(50_000);
    assert!(offered_callback(&h, first_leg));

    press(&mut h, first_leg, '1');
    assert_eq!(
        h.commands(),
        [
            TelephonyCommand::PlayPrompt {
                leg: first_leg,
                prompt: Prompt::CourtesyCallbackConfirmed
            },
            TelephonyCommand::HangUp { leg: first_leg }
        ],
        "R37: the caller hears the confirmation and the leg is hung up"
    );
    let view = h.view(first);
    assert_eq!(view.kind, InteractionKind::CourtesyCallback);
    assert_eq!(view.phase, "queued");
    assert_eq!(view.queue, Some(Q_SUPPORT));
    assert_eq!(h.engine.n_waiting(Q_SUPPORT), 2, "still waiting, not ended");
    assert!(ended_records(&h, first).is_empty());
    assert!(h.records().iter().any(|r| matches!(
        r,
        Record::InteractionState { interaction, state: "courtesy_callback", .. } if *interaction == first
    )));
    assert_eq!(
        h.engine.n_customer_calls(),
        1,
        "only the second caller's line is up"
    );

    h.advance(5_000);
    h.ready(DAVID, SUPPORT);
    assert_eq!(
        h.view(first).offered_to,
        Some(DAVID),
        "R37 (ours): the callback kept its place ahead of the later caller"
    );
    assert_eq!(h.view(second).phase, "queued");
    let offer = offer_popover(&h, DAVID);
    assert_eq!(offer.kind, InteractionKind::CourtesyCallback);

    h.answer(DAVID);
    let (_, interaction, number) = the_dial(&h);
    assert_eq!(interaction, first);
    assert_eq!(
        Some(number.to_string()),
        h.view(first).customer_number,
        "the caller's own number is called back"
    );
}

#[test]
fn r37_other_keys_or_a_key_before_the_offer_change_nothing() {
    let mut h = Harness::new();
    let (id, leg) = h.arrive(DN_KUNDESERVICE);
    h.advance(30_000);
    press(&mut h, leg, '1');
    assert!(h.last.is_empty(), "no offer was made yet: {:?}", h.last);
    assert_eq!(h.view(id).kind, InteractionKind::Inbound);
    h.advance(30_000);
    assert!(offered_callback(&h, leg));
    for digit in ['2', '9', '#', '*', '0'] {
        press(&mut h, leg, digit);
        assert!(h.last.is_empty(), "{digit} does nothing");
    }
    let view = h.view(id);
    assert_eq!(view.kind, InteractionKind::Inbound);
    assert_eq!(
        h.engine.n_customer_calls(),
        1,
        "the caller is still on the line"
    );
    press(&mut h, leg, '1');
    assert_eq!(h.view(id).kind, InteractionKind::CourtesyCallback);
}
