//! Goal: routing picks the right pair: the longest-available agent first; within a queue the
//! higher contact priority, then the earlier arrival; an agent serving several queues gets
//! the best contact across them (higher queue priority first, then place); a queue's required
//! skills keep agents without them from its contacts.
//! Method: make agents Available at different times and let calls wait in different queues
//! with different priorities (extra entry points and queue settings on the demo
//! organisation), then check which phone rings for which call.
//! Proves: R3 (Available agents, longest first) and R43 (queue priority, flow priority,
//! skills as configured).

use crate::support::*;
use sentral_engine::testing::*;
use sentral_engine::*;

const DN_VIP: &str = "+4721000009";
const DN_OVERFLOW: &str = "+4721000008";

#[test]
fn r3_the_longest_available_agent_is_offered_first() {
    let mut h = Harness::new();
    h.ready(BJORN, SALES);
    h.advance(1_000);
    h.ready(CECILIE, SALES);
    h.advance(1_000);
    h.ready(ANNA, SALES);

    let (first, _) = h.arrive(DN_SALG);
    assert_eq!(rings(&h).len(), 1);
    assert!(rang(&h, BJORN, first), "BJORN has waited longest");
    let (second, _) = h.arrive(DN_SALG);
    assert!(rang(&h, CECILIE, second));

    // BJORN finishes his call: he goes to the back of the line.
    h.answer(BJORN);
    h.command(BJORN, Command::End { interaction: first })
        .expect("end");
    h.advance(1_000);
    h.command(
        BJORN,
        Command::SubmitWrapUp {
            interaction: first,
            reason: "resolved".into(),
        },
    )
    .expect("wrap up");
    let (third, _) = h.arrive(DN_SALG);
    assert!(
        rang(&h, ANNA, third),
        "ANNA was available before BJORN came back"
    );
    let (fourth, _) = h.arrive(DN_SALG);
    assert!(rang(&h, BJORN, fourth));
}

#[test]
fn r43_a_higher_priority_contact_is_served_before_an_earlier_one() {
    let mut config = small_config();
    add_entry_point(&mut config, 9, "Salg VIP", DN_VIP, Q_SALES, 5);
    let mut h = Harness::with_config(config);
    let (normal, _) = h.arrive(DN_SALG);
    h.advance(1_000);
    let (vip, _) = h.arrive(DN_VIP);
    h.advance(1_000);
    let (later, _) = h.arrive(DN_SALG);

    h.ready(ANNA, SALES);
    assert!(rang(&h, ANNA, vip), "priority 5 before priority 0");
    h.ready(BJORN, SALES);
    assert!(rang(&h, BJORN, normal), "then the earliest");
    h.ready(CECILIE, SALES);
    assert!(rang(&h, CECILIE, later));
}

#[test]
fn r43_an_agent_serving_several_queues_gets_the_earliest_contact_across_them() {
    let mut config = small_config();
    add_entry_point(
        &mut config,
        8,
        "Overflow direct",
        DN_OVERFLOW,
        Q_OVERFLOW,
        0,
    );
    let mut h = Harness::with_config(config);
    let (overflow_call, _) = h.arrive(DN_OVERFLOW);
    h.advance(1_000);
    let (sales_call, _) = h.arrive(DN_SALG);
    h.advance(1_000);
    let (overflow_later, _) = h.arrive(DN_OVERFLOW);

    // Sales agents serve Sales and Overflow.
    h.ready(ANNA, SALES);
    assert!(rang(&h, ANNA, overflow_call), "earliest across both queues");
    h.ready(BJORN, SALES);
    assert!(rang(&h, BJORN, sales_call));
    h.ready(CECILIE, SALES);
    assert!(rang(&h, CECILIE, overflow_later));
}

#[test]
fn r43_a_higher_priority_queue_is_served_first_across_queues() {
    let mut config = small_config();
    add_entry_point(
        &mut config,
        8,
        "Overflow direct",
        DN_OVERFLOW,
        Q_OVERFLOW,
        0,
    );
    queue_mut(&mut config, Q_OVERFLOW).priority = 5;
    let mut h = Harness::with_config(config);
    let (sales_call, _) = h.arrive(DN_SALG);
    h.advance(1_000);
    let (overflow_call, _) = h.arrive(DN_OVERFLOW);

    h.ready(ANNA, SALES);
    assert!(
        rang(&h, ANNA, overflow_call),
        "the Overflow queue's priority beats the Sales call's earlier arrival"
    );
    h.ready(BJORN, SALES);
    assert!(rang(&h, BJORN, sales_call));
}

#[test]
fn r43_a_new_call_goes_to_an_agent_of_its_queue_even_if_others_waited_longer() {
    let mut h = Harness::new();
    h.ready(DAVID, SUPPORT);
    h.advance(1_000);
    h.ready(ANNA, SALES);
    let (id, _) = h.arrive(DN_SALG);
    assert!(
        rang(&h, ANNA, id),
        "DAVID (Support) waited longer but does not serve Sales"
    );
    assert_eq!(h.agent(DAVID).call, None);
}

#[test]
fn r43_only_agents_with_the_required_skills_are_offered() {
    let mut config = small_config();
    queue_mut(&mut config, Q_SALES).skills_required = vec!["german".into()];
    agent_mut(&mut config, BJORN).skills.push("german".into());
    let mut h = Harness::with_config(config);
    h.ready(ANNA, SALES);
    h.advance(1_000);
    h.ready(BJORN, SALES);

    let (first, _) = h.arrive(DN_SALG);
    assert!(
        rang(&h, BJORN, first),
        "ANNA waited longer but lacks german"
    );
    let (second, _) = h.arrive(DN_SALG);
    assert!(rings(&h).is_empty(), "ANNA is never offered a Sales call");
    assert_eq!(h.view(second).phase, "queued");
    assert_eq!(h.agent(ANNA).call, None);
}
