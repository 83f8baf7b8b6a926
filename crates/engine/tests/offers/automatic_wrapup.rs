//! Goal: with the organisation's automatic wrap-up on, an agent whose call ended becomes
//! offerable again after the configured delay without touching the desktop, through the same
//! wrap-up an agent submits, recorded as automatic; an agent who wraps up first is not wrapped
//! up twice; without the option the wrap-up waits for the agent.
//! Method: connect a call, let the customer hang up while another call waits, move the clock
//! to just before and to the deadline, and check records, desktop events and the next offer;
//! validate configurations whose automatic reason is unknown or not offered by a queue.
//! Proves: R36 (automatic wrap-up, with R45 for the record).

use crate::support::*;
use sentral_engine::testing::*;
use sentral_engine::*;

/// The small configuration with automatic wrap-up after `after_ms` with "resolved".
fn auto_config(after_ms: u64) -> Config {
    let mut config = small_config();
    config.org.auto_wrapup = Some(AutoWrapUp {
        after_ms,
        reason: "resolved".into(),
    });
    config
}

/// ANNA answers a Sales call and the customer hangs up; returns the interaction.
fn answered_then_hung_up(h: &mut Harness) -> InteractionId {
    h.ready(ANNA, SALES);
    let (id, customer) = h.arrive(DN_SALG);
    h.answer(ANNA);
    h.telephony(TelephonyEvent::HungUp { leg: customer });
    id
}

#[test]
fn r36_automatic_wrap_up_frees_the_agent_after_the_delay() {
    let mut h = Harness::with_config(auto_config(1_000));
    let first = answered_then_hung_up(&mut h);
    assert_eq!(h.agent(ANNA).wrapups, vec![first]);
    let (second, _) = h.arrive(DN_SALG);
    h.advance(999);
    assert_eq!(h.agent(ANNA).wrapups, vec![first], "not before the delay");
    assert_eq!(h.view(second).phase, "queued");

    h.advance(1);
    assert_eq!(
        h.records()
            .into_iter()
            .filter(|r| matches!(r, Record::WrapUp { .. }))
            .collect::<Vec<_>>(),
        vec![Record::WrapUp {
            interaction: first,
            agent: ANNA,
            reason: "resolved".into(),
            automatic: true,
            at_unix_ms: 1_000,
        }]
    );
    assert!(
        h.events_for(ANNA)
            .contains(&DesktopEvent::WrapUpDone { interaction: first }),
        "the desktop closes its wrap-up dialog as after a submission"
    );
    assert!(h.agent(ANNA).wrapups.is_empty());
    assert!(
        rang(&h, ANNA, second),
        "offered as soon as the wrap-up is in"
    );
    assert!(
        h.engine.interaction_view(first).is_none(),
        "done with the first"
    );
}

#[test]
fn r36_an_agent_who_wraps_up_first_is_not_wrapped_up_again() {
    let mut h = Harness::with_config(auto_config(5_000));
    let id = answered_then_hung_up(&mut h);
    h.advance(1_000);
    h.command(
        ANNA,
        Command::SubmitWrapUp {
            interaction: id,
            reason: "follow_up".into(),
        },
    )
    .expect("the agent may still wrap up first");
    assert!(h.records().contains(&Record::WrapUp {
        interaction: id,
        agent: ANNA,
        reason: "follow_up".into(),
        automatic: false,
        at_unix_ms: 1_000,
    }));
    h.advance(10_000);
    assert!(
        !h.records()
            .iter()
            .any(|r| matches!(r, Record::WrapUp { .. })),
        "the due automatic wrap-up finds nothing pending"
    );
    assert!(h.last.is_empty());
}

#[test]
fn r36_without_automatic_wrap_up_the_agent_wraps_up() {
    let mut h = Harness::new();
    let id = answered_then_hung_up(&mut h);
    h.advance(3_600_000);
    assert_eq!(
        h.agent(ANNA).wrapups,
        vec![id],
        "still the agent's to submit"
    );
}

#[test]
fn r36_automatic_wrap_up_needs_a_reason_every_queue_offers() {
    let mut unknown = auto_config(1_000);
    unknown.org.auto_wrapup.as_mut().expect("set").reason = "lunch".into();
    let errors = unknown
        .validate()
        .expect_err("an idle reason is no wrap-up reason");
    assert!(errors.iter().any(|e| e.field == "org.auto_wrapup_reason"));

    let mut narrow = auto_config(1_000);
    queue_mut(&mut narrow, Q_SALES).wrapup_reasons = vec!["follow_up".into()];
    let errors = narrow
        .validate()
        .expect_err("Sales does not offer resolved");
    assert!(
        errors
            .iter()
            .any(|e| e.field == "org.auto_wrapup_reason" && e.message.contains("Sales"))
    );

    let errors = auto_config(0).validate().expect_err("at once is no delay");
    assert!(errors.iter().any(|e| e.field == "org.auto_wrapup_after"));
    auto_config(1_000).validate().expect("valid");
}
