//! Goal: when the organisation enabled "end call for web callback", an agent cancels a web
//! callback before the customer answers and the wrap-up opens; cancelling is refused when the
//! organisation did not enable it, for a courtesy callback, and once the customer answered.
//! Method: offer callbacks, answer, then send `Command::CancelCallback` and check the hang-ups,
//! `CallEnded` + `WrapUpRequired`, the final record, or the R39 rejection.
//! Proves: R39 (with R36 for the wrap-up, R45 for the final record).

use crate::support::*;
use sentral_engine::testing::*;
use sentral_engine::*;

/// A web callback in Support, offered to and answered by DAVID; returns it and the dialled leg.
fn dialing_web_callback(h: &mut Harness) -> (InteractionId, LegId) {
    let id = web_callback(h, Q_SUPPORT, "Kari", "+4791234567").expect("queued");
    h.ready(DAVID, SUPPORT);
    h.answer(DAVID);
    let (leg, interaction, _) = the_dial(h);
    assert_eq!(interaction, id);
    (id, leg)
}

fn cancel(h: &mut Harness, interaction: InteractionId) -> Result<(), Rejection> {
    h.command(DAVID, Command::CancelCallback { interaction })
}

#[test]
fn r39_cancelling_a_web_callback_before_the_customer_answers_opens_wrap_up() {
    let mut h = Harness::new();
    assert!(h.engine.config().org.web_callback_cancel);
    let (id, customer) = dialing_web_callback(&mut h);
    let agent_leg = h.ringing_leg(DAVID).expect("DAVID's phone");
    assert!(
        all_events_for(&h, DAVID).contains(&DesktopEvent::CallbackDialing {
            interaction: id,
            cancellable: true,
        })
    );
    h.telephony(TelephonyEvent::Ringing { leg: customer });

    cancel(&mut h, id).expect("R39: cancel before the customer answers");
    let commands = h.commands();
    assert!(commands.contains(&TelephonyCommand::HangUp { leg: customer }));
    assert!(commands.contains(&TelephonyCommand::HangUp { leg: agent_leg }));
    let events = h.events_for(DAVID);
    assert!(events.contains(&DesktopEvent::CallEnded {
        interaction: id,
        reason: EndReason::CallbackCancelled,
    }));
    assert!(
        events.iter().any(
            |e| matches!(e, DesktopEvent::WrapUpRequired { interaction, .. } if *interaction == id)
        ),
        "R39: wrap-up opens: {events:?}"
    );
    assert_eq!(h.agent(DAVID).wrapups, [id]);
    assert_eq!(ended_records(&h, id), [EndReason::CallbackCancelled]);
    assert_eq!(h.engine.n_customer_calls(), 0);

    h.command(
        DAVID,
        Command::SubmitWrapUp {
            interaction: id,
            reason: "follow_up".into(),
        },
    )
    .expect("wrap-up");
    assert!(h.engine.interaction_view(id).is_none());
}

#[test]
fn r39_cancel_is_refused_when_the_organisation_did_not_enable_it() {
    let mut h = harness_with(|c| c.org.web_callback_cancel = false);
    let (id, _) = dialing_web_callback(&mut h);
    assert!(
        all_events_for(&h, DAVID).contains(&DesktopEvent::CallbackDialing {
            interaction: id,
            cancellable: false,
        }),
        "the desktop shows Ringing, not Cancel"
    );
    let result = cancel(&mut h, id);
    rejected(&h, result, Rule::R39);
    assert_eq!(h.view(id).phase, "dialing");
}

#[test]
fn r39_a_courtesy_callback_cannot_be_cancelled() {
    let mut h = Harness::new();
    let (id, leg) = h.arrive(DN_KUNDESERVICE);
    h.advance(60_000);
    h.telephony(TelephonyEvent::Dtmf { leg, digit: '1' });
    h.ready(DAVID, SUPPORT);
    h.answer(DAVID);
    assert_eq!(h.view(id).phase, "dialing");
    let result = cancel(&mut h, id);
    rejected(&h, result, Rule::R39);
    assert_eq!(h.view(id).phase, "dialing");
    assert!(ended_records(&h, id).is_empty());
}

#[test]
fn r39_cancel_is_refused_once_the_customer_answered() {
    let mut h = Harness::new();
    let (id, customer) = dialing_web_callback(&mut h);
    h.telephony(TelephonyEvent::Answered { leg: customer });
    assert_eq!(h.view(id).phase, "connected");
    let result = cancel(&mut h, id);
    rejected(&h, result, Rule::R39);
    assert_eq!(h.view(id).phase, "connected");
}

#[test]
fn r39_an_inbound_call_is_not_a_callback_to_cancel() {
    let mut h = Harness::new();
    let call = connected_call(&mut h, DAVID, SUPPORT, DN_KUNDESERVICE);
    let result = cancel(&mut h, call.id);
    rejected(&h, result, Rule::R39);
}
