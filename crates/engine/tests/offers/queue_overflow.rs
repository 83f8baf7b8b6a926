//! Goal: a contact that waits a queue's maximum wait moves to the queue's overflow target,
//! where that queue's agents are offered it; a contact offered or answered in time does not
//! move.
//! Method: the demo's Support queue overflows to Overflow after 120 s and only Sales agents
//! are Available; advance the clock to just before and exactly at the limit and check the
//! queue, the supervisors' waiting counts, the records and which phone rings.
//! Proves: R43 (maximum wait and overflow target).

use crate::support::*;
use sentral_engine::testing::*;
use sentral_engine::*;

#[test]
fn r43_a_contact_waiting_past_the_maximum_moves_to_the_overflow_queue() {
    let mut h = Harness::new();
    h.ready(ANNA, SALES);
    let (id, _) = h.arrive(DN_KUNDESERVICE);
    assert_eq!(h.view(id).queue, Some(Q_SUPPORT));
    assert!(rings(&h).is_empty(), "ANNA does not serve Support");

    h.advance(119_999);
    assert_eq!(h.view(id).queue, Some(Q_SUPPORT));
    assert_eq!(h.view(id).phase, "queued");

    h.advance(1);
    assert_eq!(h.view(id).queue, Some(Q_OVERFLOW));
    assert!(
        rang(&h, ANNA, id),
        "offered to an agent of the overflow queue"
    );
    let events = supervisor_events(&h);
    assert!(events.contains(&DesktopEvent::QueueChanged {
        queue: Q_SUPPORT,
        n_waiting: 0,
    }));
    assert!(events.contains(&DesktopEvent::QueueChanged {
        queue: Q_OVERFLOW,
        n_waiting: 1,
    }));
    assert!(h.records().iter().any(|r| matches!(
        r,
        Record::InteractionState { interaction, state: "queued", queue: Some(Q_OVERFLOW), .. }
            if *interaction == id
    )));
    assert_eq!(
        the_offer(&h, ANNA)
            .variables
            .iter()
            .find(|v| v.name == "language")
            .map(|v| v.value.as_str()),
        Some("nb"),
        "the flow's variables travel with it"
    );
}

#[test]
fn r43_a_contact_answered_in_time_does_not_overflow() {
    let mut h = Harness::new();
    h.ready(ANNA, SALES);
    let (id, _) = h.arrive(DN_KUNDESERVICE);
    h.advance(100_000);
    h.ready(DAVID, SUPPORT);
    assert!(rang(&h, DAVID, id));
    h.answer(DAVID);
    h.advance(60_000);
    let view = h.view(id);
    assert_eq!(view.phase, "connected");
    assert_eq!(view.queue, Some(Q_SUPPORT));
    assert_eq!(view.owner, Some(DAVID));
    assert_eq!(h.agent(ANNA).call, None);
}

#[test]
fn r43_without_overflow_agents_the_contact_waits_in_the_overflow_queue() {
    let mut h = Harness::new();
    let (id, _) = h.arrive(DN_KUNDESERVICE);
    h.advance(120_000);
    assert_eq!(h.view(id).queue, Some(Q_OVERFLOW));
    assert_eq!(h.view(id).phase, "queued");
    assert_eq!(h.engine.n_waiting(Q_OVERFLOW), 1);
    assert_eq!(h.engine.n_waiting(Q_SUPPORT), 0);
    h.advance(600_000);
    assert_eq!(
        h.view(id).queue,
        Some(Q_OVERFLOW),
        "Overflow has no overflow"
    );

    h.ready(EVA, SUPPORT);
    assert!(rang(&h, EVA, id), "Support agents serve Overflow too");
}

#[test]
fn r43_r12_rona_before_the_maximum_keeps_the_original_deadline() {
    let mut h = Harness::new();
    h.ready(ANNA, SALES);
    let (id, _) = h.arrive(DN_KUNDESERVICE);
    h.advance(100_000);
    h.ready(DAVID, SUPPORT);
    assert!(rang(&h, DAVID, id));
    h.advance(15_000);
    assert_eq!(state(&h, DAVID), AgentStateView::Rona);
    assert_eq!(
        h.view(id).queue,
        Some(Q_SUPPORT),
        "back in Support at 115 s"
    );

    h.advance(5_000);
    assert_eq!(
        h.view(id).queue,
        Some(Q_OVERFLOW),
        "R12: it kept its place, so its wait in Support still ends at 120 s"
    );
    assert!(rang(&h, ANNA, id));
}

#[test]
fn r43_r12_a_contact_whose_maximum_ran_out_while_ringing_overflows_on_rona() {
    let mut h = Harness::new();
    h.ready(ANNA, SALES);
    let (id, _) = h.arrive(DN_KUNDESERVICE);
    h.advance(110_000);
    h.ready(DAVID, SUPPORT);
    assert!(rang(&h, DAVID, id));
    h.advance(10_000);
    assert_eq!(
        h.view(id).offered_to,
        Some(DAVID),
        "the maximum wait does not interrupt a ringing offer"
    );

    h.advance(5_000);
    assert_eq!(state(&h, DAVID), AgentStateView::Rona, "RONA at 125 s");
    assert_eq!(
        h.view(id).queue,
        Some(Q_OVERFLOW),
        "R12/R43: back at its place, it has waited past Support's maximum already"
    );
    assert!(rang(&h, ANNA, id));
}
