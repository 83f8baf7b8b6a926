//! Goal: a callback popover shows the callback label, the customer's number, the DNIS (for a
//! courtesy callback), the queue that routed it and the time it was offered (for its timer).
//! Method: create a web callback with `Input::WebCallback` and a courtesy callback (the caller
//! presses 1 after the prompt), make an agent Available later, and read the offer popover.
//! Proves: R11 (with R37 and R38 for how the callbacks arise and are offered).

use crate::support::*;
use sentral_engine::testing::*;
use sentral_engine::*;

#[test]
fn r11_web_callback_popover_shows_label_number_name_and_queue() {
    let mut h = Harness::new();
    let id = h
        .input(Input::WebCallback {
            queue: Q_SALES,
            name: "Kari Nordmann".into(),
            number: "+47 (900) 00-001".into(),
        })
        .expect("web callback accepted")
        .expect("an interaction");
    assert_eq!(h.view(id).phase, "queued");
    assert!(rings(&h).is_empty());

    h.advance(4_000);
    h.ready(ANNA, SALES);
    assert!(
        rang(&h, ANNA, id),
        "R38: offered as an inbound call request"
    );
    let offer = the_offer(&h, ANNA);
    assert_eq!(offer.kind, InteractionKind::WebCallback);
    assert_eq!(
        offer.offered_at_unix_ms, 4_000,
        "the popover timer counts from here"
    );
    assert_eq!(
        offer.callback,
        Some(CallbackView {
            label: "Web callback",
            customer_number: "+4790000001".into(),
            customer_name: Some("Kari Nordmann".into()),
            dnis: None,
            queue: "Sales".into(),
        })
    );
    assert!((3..=6).contains(&offer.variables.len()));
}

#[test]
fn r11_courtesy_callback_popover_shows_the_number_dialled() {
    let mut h = Harness::new();
    let (id, customer) = h.arrive(DN_KUNDESERVICE);
    let ani = h.view(id).customer_number.expect("ani");
    h.advance(60_000);
    assert!(h.commands().contains(&TelephonyCommand::PlayPrompt {
        leg: customer,
        prompt: Prompt::CourtesyCallbackOffer,
    }));
    h.telephony(TelephonyEvent::Dtmf {
        leg: customer,
        digit: '1',
    });
    assert!(
        h.commands()
            .contains(&TelephonyCommand::HangUp { leg: customer })
    );
    assert_eq!(h.view(id).kind, InteractionKind::CourtesyCallback);

    h.advance(1_000);
    h.ready(DAVID, SUPPORT);
    let offer = the_offer(&h, DAVID);
    assert_eq!(offer.kind, InteractionKind::CourtesyCallback);
    assert_eq!(offer.offered_at_unix_ms, 61_000);
    assert_eq!(
        offer.callback,
        Some(CallbackView {
            label: "Courtesy callback",
            customer_number: ani,
            customer_name: None,
            dnis: Some(DN_KUNDESERVICE.into()),
            queue: "Support".into(),
        })
    );
}

#[test]
fn r11_an_inbound_call_popover_has_no_callback_fields() {
    let mut h = Harness::new();
    h.ready(ANNA, SALES);
    h.arrive(DN_SALG);
    assert_eq!(the_offer(&h, ANNA).callback, None);
}

#[test]
fn r11_the_callback_customer_is_dialled_once_the_agent_answers() {
    let mut h = Harness::new();
    h.ready(ANNA, SALES);
    let id = h
        .input(Input::WebCallback {
            queue: Q_SALES,
            name: "Kari".into(),
            number: "+4790000001".into(),
        })
        .expect("accepted")
        .expect("an interaction");
    assert!(
        !h.commands()
            .iter()
            .any(|c| matches!(c, TelephonyCommand::Dial { .. })),
        "R38: the agent is offered the callback before the customer is dialled"
    );
    h.answer(ANNA);
    assert!(h.commands().iter().any(|c| matches!(
        c,
        TelephonyCommand::Dial { interaction, number, .. }
            if *interaction == id && number.as_str() == "+4790000001"
    )));
    assert!(h.events_for(ANNA).contains(&DesktopEvent::CallbackDialing {
        interaction: id,
        cancellable: true,
    }));
}
