//! Goal: when an agent is available, a callback is offered to them as an inbound call request:
//! the R11 callback popover (label, customer number, DNIS, queue, timer since offered) and the
//! phone rings; when the agent answers, the customer is dialled and the desktop is told.
//! Method: queue a web callback and a courtesy callback, make an agent Available, then check
//! the `Offer` popover, `RingAgent`, the `Ringing` event, and after the answer the `Dial` of
//! the customer's number and `CallbackDialing`.
//! Proves: R38 (with R11 for the popover, R13 for ringing).

use crate::support::*;
use sentral_engine::testing::*;
use sentral_engine::*;

#[test]
fn r38_a_web_callback_is_offered_to_an_available_agent_then_the_customer_is_dialled() {
    let mut h = Harness::new();
    h.advance(1_000);
    let id = web_callback(&mut h, Q_SUPPORT, "Kari Nordmann", "+47 912 34 567").expect("queued");
    h.telephony(TelephonyEvent::DeviceRegistered {
        extension: "1004".into(),
    });
    h.command(
        DAVID,
        Command::LogIn {
            team: SUPPORT,
            extension: "1004".into(),
        },
    )
    .expect("log in");
    assert_eq!(h.view(id).phase, "queued", "R3: not offered while Idle");
    h.advance(2_000);
    h.ready_again(DAVID);

    assert!(h.events_for(DAVID).contains(&DesktopEvent::Reserved {
        interaction: id,
        channel: Channel::Voice,
    }));
    let offer = offer_popover(&h, DAVID);
    assert_eq!(offer.interaction, id);
    assert_eq!(offer.kind, InteractionKind::WebCallback);
    assert_eq!(
        offer.offered_at_unix_ms, 3_000,
        "R11: the popover timer starts now"
    );
    assert_eq!(
        offer.callback,
        Some(CallbackView {
            label: "Web callback",
            customer_number: "+4791234567".into(),
            customer_name: Some("Kari Nordmann".into()),
            dnis: None,
            queue: "Support".into(),
        }),
        "R11: the callback popover's fields"
    );
    let ring = h.commands().into_iter().find_map(|c| match c {
        TelephonyCommand::RingAgent {
            leg,
            interaction,
            agent,
            extension,
            ..
        } => Some((leg, interaction, agent, extension)),
        _ => None,
    });
    let (agent_leg, interaction, agent, extension) = ring.expect("R38: the agent's phone rings");
    assert_eq!(
        (interaction, agent, extension.as_str()),
        (id, DAVID, "1004")
    );
    assert!(
        dials(&h).is_empty(),
        "the customer is dialled only after the agent answers"
    );

    h.telephony(TelephonyEvent::Ringing { leg: agent_leg });
    assert_eq!(
        h.events_for(DAVID),
        [DesktopEvent::Ringing { interaction: id }],
        "status Ringing"
    );
    h.telephony(TelephonyEvent::Answered { leg: agent_leg });
    let (_, interaction, number) = the_dial(&h);
    assert_eq!((interaction, number.as_str()), (id, "+4791234567"));
    assert!(
        h.events_for(DAVID)
            .contains(&DesktopEvent::CallbackDialing {
                interaction: id,
                cancellable: true,
            })
    );
    let view = h.view(id);
    assert_eq!((view.phase, view.owner), ("dialing", Some(DAVID)));
    assert_eq!(
        h.engine.n_customer_calls(),
        1,
        "the dialled leg counts (R2)"
    );
}

#[test]
fn r38_a_courtesy_callback_popover_shows_the_number_dialled_and_the_queue() {
    let mut h = Harness::new();
    let (id, leg) = h.arrive(DN_KUNDESERVICE);
    h.advance(60_000);
    h.telephony(TelephonyEvent::Dtmf { leg, digit: '1' });
    let caller = h.view(id).customer_number.expect("the caller's number");
    h.ready(EVA, SUPPORT);
    let offer = offer_popover(&h, EVA);
    assert_eq!(offer.kind, InteractionKind::CourtesyCallback);
    assert_eq!(
        offer.callback,
        Some(CallbackView {
            label: "Courtesy callback",
            customer_number: caller.clone(),
            customer_name: None,
            dnis: Some(DN_KUNDESERVICE.into()),
            queue: "Support".into(),
        })
    );
    assert!(
        (3..=6).contains(&offer.variables.len()),
        "R9: {:?}",
        offer.variables
    );
    h.answer(EVA);
    let (_, interaction, number) = the_dial(&h);
    assert_eq!((interaction, number.to_string()), (id, caller));
    assert!(h.events_for(EVA).contains(&DesktopEvent::CallbackDialing {
        interaction: id,
        cancellable: false,
    }));
}
