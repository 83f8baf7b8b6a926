//! Goal: stacked requests are ordered e-mail, social, chat, calls from top to bottom, earliest
//! first within a channel; more than five show "1-5 of <total>"; only digital requests can be
//! accepted with "Accept <n> requests".
//! Method: take real voice offers from the engine (two agents' contact-request popovers, with
//! their offer times) and stack them with digital requests through `offer_stack`.
//! Proves: R8.

use crate::support::*;
use sentral_engine::testing::*;
use sentral_engine::*;

/// Two voice offers made by the engine at 1 000 and 3 000 ms.
fn voice_offers() -> Vec<(InteractionId, Channel, i64)> {
    let mut h = Harness::new();
    h.ready(ANNA, SALES);
    h.ready(BJORN, SALES);
    h.advance(1_000);
    h.arrive(DN_SALG);
    let first = the_offer(&h, ANNA);
    h.advance(2_000);
    h.arrive(DN_SALG);
    let second = the_offer(&h, BJORN);
    [first, second]
        .iter()
        .map(|o| (o.interaction, o.channel, o.offered_at_unix_ms))
        .collect()
}

#[test]
fn r8_calls_go_below_digital_requests_and_more_than_five_show_1_5_of_total() {
    let voice = voice_offers();
    assert_eq!(voice[0].2, 1_000);
    assert_eq!(voice[1].2, 3_000);
    let chat_late = (InteractionId(101), Channel::Chat, 4_000);
    let email = (InteractionId(102), Channel::Email, 5_000);
    let social = (InteractionId(103), Channel::Social, 6_000);
    let chat_early = (InteractionId(104), Channel::Chat, 500);
    let mut offers = voice.clone();
    offers.extend([chat_late, email, social, chat_early]);

    let stack = offer_stack(&offers);
    assert_eq!(
        stack.shown,
        vec![email.0, social.0, chat_early.0, chat_late.0, voice[0].0],
        "e-mail, social, chats (earliest first), then the earliest call"
    );
    assert_eq!(stack.label.as_deref(), Some("1-5 of 6"));
    assert_eq!(stack.n_acceptable, 4, "Accept 4 requests: the digital ones");
}

#[test]
fn r8_calls_alone_are_stacked_earliest_first_without_accept_all() {
    let voice = voice_offers();
    let reversed: Vec<_> = voice.iter().rev().copied().collect();
    let stack = offer_stack(&reversed);
    assert_eq!(stack.shown, vec![voice[0].0, voice[1].0], "earliest on top");
    assert_eq!(stack.label, None);
    assert_eq!(
        stack.n_acceptable, 0,
        "a call is answered on the phone (R13)"
    );
}

#[test]
fn r8_exactly_five_requests_need_no_label() {
    let offers: Vec<_> = (0..5)
        .map(|i| (InteractionId(i), Channel::Email, i as i64))
        .collect();
    let stack = offer_stack(&offers);
    assert_eq!(stack.shown.len(), OFFER_STACK_SHOWN);
    assert_eq!(stack.label, None);
    let mut six = offers.clone();
    six.push((InteractionId(9), Channel::Email, 9));
    assert_eq!(offer_stack(&six).label.as_deref(), Some("1-5 of 6"));
}
