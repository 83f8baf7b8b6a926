//! Goal: a website or chat bot asks for a callback with a name and a number; it waits in the
//! queue like a call, with the number normalised; a request with an invalid number or no name
//! is refused.
//! Method: feed `Input::WebCallback` and check the interaction it creates (view and
//! `Record::InteractionCreated`), its place in the queue, and the rejections.
//! Proves: R37 (web callback), with R30 for the number.

use crate::support::*;
use sentral_engine::testing::*;
use sentral_engine::*;

#[test]
fn r37_a_web_callback_waits_in_its_queue_with_a_normalised_number() {
    let mut h = Harness::new();
    let id = web_callback(&mut h, Q_SALES, "Kari Nordmann", "+47 912 34 567").expect("accepted");
    let view = h.view(id);
    assert_eq!(view.kind, InteractionKind::WebCallback);
    assert_eq!(view.phase, "queued");
    assert_eq!(view.queue, Some(Q_SALES));
    assert_eq!(view.customer_number.as_deref(), Some("+4791234567"));
    assert_eq!(h.engine.n_waiting(Q_SALES), 1);
    assert!(h.records().iter().any(|r| matches!(
        r,
        Record::InteractionCreated {
            interaction,
            kind: InteractionKind::WebCallback,
            customer_number: Some(number),
            ..
        } if *interaction == id && number == "+4791234567"
    )));
    assert_eq!(h.engine.n_customer_calls(), 0, "nobody is dialled yet");
}

#[test]
fn r37_web_callbacks_wait_in_order_of_request() {
    let mut h = Harness::new();
    let first = web_callback(&mut h, Q_SALES, "Kari", "+4791234567").expect("first");
    h.advance(1_000);
    let second = web_callback(&mut h, Q_SALES, "Ola", "+4791234568").expect("second");
    h.ready(ANNA, SALES);
    assert_eq!(h.view(first).offered_to, Some(ANNA));
    assert_eq!(h.view(second).phase, "queued");
}

#[test]
fn r37_a_web_callback_needs_a_valid_number_and_a_name() {
    let mut h = Harness::new();
    let result = web_callback(&mut h, Q_SALES, "Kari", "ring me");
    rejected(&h, result, Rule::R30);
    let result = web_callback(&mut h, Q_SALES, "Kari", "12");
    rejected(&h, result, Rule::R30);
    let no_name = web_callback(&mut h, Q_SALES, "  ", "+4791234567").expect_err("no name");
    assert_eq!(no_name.code, Code::Invalid);
    let no_queue =
        web_callback(&mut h, QueueId(99), "Kari", "+4791234567").expect_err("unknown queue");
    assert_eq!(no_queue.code, Code::NotFound);
    assert_eq!(h.engine.n_waiting(Q_SALES), 0);
    assert!(all_records(&h).is_empty(), "no interaction was created");
}
