//! Goal: the organisation's concurrent-call limit (R2).
//! Method: set `org.calls_max` small, fill it with inbound calls, and check that the next
//! inbound call is refused with `Reject { cause: TooManyCalls }`, a `Rule::R2` rejection and a
//! `LimitReached` for supervisors, while calls under the limit are answered; an agent's own
//! phone leg does not count, a freed slot is usable again, and a callback that cannot dial its
//! customer because of the limit tells the agent.
//! Proves: R2.

use crate::support::*;
use sentral_engine::testing::*;
use sentral_engine::*;

fn limited(calls_max: u32) -> Harness {
    let mut config = small_config();
    config.org.calls_max = calls_max;
    Harness::with_config(config)
}

#[test]
fn r2_inbound_call_over_the_limit_is_rejected_with_too_many_calls() {
    let mut h = limited(2);
    h.arrive(DN_KUNDESERVICE);
    h.arrive(DN_SALG);
    assert_eq!(h.engine.n_customer_calls(), 2);

    let over = LegId(900);
    let rejection = call_in(&mut h, over, DN_SALG).expect_err("over the limit");
    assert_eq!(rejection.code, Code::Rule(Rule::R2));
    assert_eq!(
        h.commands(),
        vec![TelephonyCommand::Reject {
            leg: over,
            cause: RejectCause::TooManyCalls,
        }],
        "R2: refused with a clear SIP response, never answered"
    );
    assert!(
        supervisor_events(&h).contains(&DesktopEvent::LimitReached { code: "R2" }),
        "R2: the desktop shows the matching reason code"
    );
    // R2, R45: the refusal is in the history: created and ended at once, with the reason.
    let records = h.records();
    assert!(
        matches!(
            records.as_slice(),
            [
                Record::InteractionCreated { .. },
                ..,
                Record::InteractionEnded {
                    reason: EndReason::LimitReached,
                    connected_at_unix_ms: None,
                    ..
                }
            ]
        ),
        "{records:?}"
    );
    assert_eq!(h.engine.n_customer_calls(), 2);
}

#[test]
fn r2_inbound_call_under_the_limit_is_answered() {
    let mut h = limited(2);
    let first = LegId(901);
    let id = call_in(&mut h, first, DN_SALG)
        .expect("under the limit")
        .expect("an interaction");
    assert!(
        h.commands()
            .contains(&TelephonyCommand::Answer { leg: first })
    );
    assert!(h.records().iter().any(|r| matches!(
        r,
        Record::InteractionCreated { interaction, kind: InteractionKind::Inbound, .. }
            if *interaction == id
    )));
    assert_eq!(h.view(id).phase, "queued");

    let second = LegId(902);
    call_in(&mut h, second, DN_KUNDESERVICE).expect("the limit itself is allowed");
    assert!(
        h.commands()
            .contains(&TelephonyCommand::Answer { leg: second })
    );
    assert!(
        !supervisor_events(&h)
            .iter()
            .any(|e| matches!(e, DesktopEvent::LimitReached { .. }))
    );
}

#[test]
fn r2_a_freed_call_makes_room_for_the_next_one() {
    let mut h = limited(1);
    let (first, leg) = h.arrive(DN_SALG);
    assert_eq!(
        call_in(&mut h, LegId(903), DN_SALG).unwrap_err().code,
        Code::Rule(Rule::R2)
    );
    h.telephony(TelephonyEvent::HungUp { leg });
    assert_eq!(ended_reason(&h, first), EndReason::CustomerHungUp);
    assert_eq!(h.engine.n_customer_calls(), 0);

    let again = LegId(904);
    call_in(&mut h, again, DN_SALG).expect("room again");
    assert!(
        h.commands()
            .contains(&TelephonyCommand::Answer { leg: again })
    );
}

#[test]
fn r2_an_agents_own_phone_leg_does_not_count() {
    let mut h = limited(1);
    h.ready(ANNA, SALES);
    let (id, _) = h.arrive(DN_SALG);
    assert!(h.ringing_leg(ANNA).is_some(), "ANNA's phone rings");
    assert_eq!(
        h.engine.n_customer_calls(),
        1,
        "the ringing agent leg is not a customer-facing call"
    );
    h.answer(ANNA);
    assert_eq!(h.view(id).phase, "connected");
    assert_eq!(h.engine.n_customer_calls(), 1);

    let rejection = call_in(&mut h, LegId(905), DN_SALG).expect_err("the customer call counts");
    assert_eq!(rejection.code, Code::Rule(Rule::R2));
}

#[test]
fn r2_a_callback_that_would_exceed_the_limit_is_not_dialled() {
    let mut h = limited(1);
    // The only customer-facing call the organisation may have waits in Support.
    h.arrive(DN_KUNDESERVICE);
    let callback = h
        .input(Input::WebCallback {
            queue: Q_SALES,
            name: "Kari".into(),
            number: "+4790000001".into(),
        })
        .expect("web callback accepted")
        .expect("an interaction");
    h.ready(ANNA, SALES);
    assert!(rang(&h, ANNA, callback));

    h.answer(ANNA);
    assert!(
        h.events_for(ANNA)
            .contains(&DesktopEvent::LimitReached { code: "R2" }),
        "R2: the agent sees why the callback was not placed"
    );
    assert!(
        !h.commands()
            .iter()
            .any(|c| matches!(c, TelephonyCommand::Dial { .. })),
        "R2: no customer call is dialled over the limit"
    );
    assert_ne!(h.view(callback).phase, "dialing");
    assert!(
        final_records(&h, callback).is_empty(),
        "the callback is not lost"
    );
    assert_eq!(h.engine.n_customer_calls(), 1);
}
