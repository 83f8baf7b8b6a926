//! R45: after a restart the server restores pending callbacks into a fresh engine with their
//! ids, and new interactions continue the numbering; R1 also covers dialled customers.
//! Method: feed `Input::RestoreCallback` to a new engine, then route as usual.

use sentral_engine::testing::*;
use sentral_engine::*;

#[test]
fn r45_a_pending_callback_is_restored_with_its_id_and_offered() {
    let mut h = Harness::new();
    h.engine.continue_numbering_after(InteractionId(41));
    let restored = h
        .input(Input::RestoreCallback {
            interaction: InteractionId(40),
            kind: InteractionKind::WebCallback,
            queue: Q_SALES,
            number: "+47 91 23 45 67".into(),
            name: Some("Kari".into()),
            dnis: None,
        })
        .expect("restored");
    assert_eq!(restored, Some(InteractionId(40)));
    assert!(
        h.records()
            .iter()
            .all(|r| !matches!(r, Record::InteractionCreated { .. })),
        "already in the history"
    );
    h.ready(ANNA, SALES);
    let offer = h.events_for(ANNA).into_iter().find_map(|e| match e {
        DesktopEvent::Offer(offer) => Some(offer),
        _ => None,
    });
    let callback = offer.expect("offered").callback.expect("callback popover");
    assert_eq!(callback.customer_number, "+4791234567");
    assert_eq!(callback.customer_name.as_deref(), Some("Kari"));
    let (next, _) = h.arrive(DN_SALG);
    assert_eq!(
        next,
        InteractionId(42),
        "numbering continues after the history's last id"
    );
}

#[test]
fn r45_restoring_anything_but_a_callback_or_an_existing_id_is_refused() {
    let mut h = Harness::new();
    let restore = |interaction, kind| Input::RestoreCallback {
        interaction,
        kind,
        queue: Q_SALES,
        number: "+4791234567".into(),
        name: None,
        dnis: None,
    };
    let inbound = h
        .input(restore(InteractionId(7), InteractionKind::Inbound))
        .unwrap_err();
    assert_eq!(inbound.code, Code::Invalid);
    h.input(restore(InteractionId(7), InteractionKind::CourtesyCallback))
        .expect("restored");
    let twice = h
        .input(restore(InteractionId(7), InteractionKind::CourtesyCallback))
        .unwrap_err();
    assert_eq!(twice.code, Code::Invalid);
    assert!(h.last.is_empty(), "a refused restore changes nothing");
}

#[test]
fn r1_a_dialled_customer_is_denoised_too() {
    let mut h = Harness::new();
    h.ready(ANNA, SALES);
    h.command(
        ANNA,
        Command::Outdial {
            number: "+4722334455".into(),
        },
    )
    .expect("outdial");
    h.answer(ANNA);
    let dialled = h.dialled_leg().expect("customer dialled");
    assert!(h.commands().contains(&TelephonyCommand::Denoise {
        leg: dialled,
        on: true
    }));
}
