//! Goal: a customer who hangs up while waiting ends the interaction with no agent involved;
//! one who hangs up while an agent's phone rings withdraws the offer: the agent gets
//! `OfferWithdrawn`, stays Available (not RONA, no wrap-up) and can take the next call.
//! Method: hang up the customer's leg while queued and while ringing; check the events,
//! commands, timers, waiting counts and the final record.
//! Proves: R12 (RONA only for an unanswered offer, not a withdrawn one), R3 (the agent stays
//! Available), R45 (one final record), R2 (the call no longer counts).

use crate::support::*;
use sentral_engine::testing::*;
use sentral_engine::*;

#[test]
fn r45_a_customer_hanging_up_in_queue_ends_the_interaction() {
    let mut h = Harness::new();
    h.advance(1_000);
    let (id, customer) = h.arrive(DN_KUNDESERVICE);
    assert!(
        h.engine.poll_timeout().is_some(),
        "wait-max and courtesy timers run"
    );
    h.advance(5_000);
    h.telephony(TelephonyEvent::HungUp { leg: customer });

    assert!(h.records().contains(&Record::InteractionEnded {
        interaction: id,
        reason: EndReason::CustomerHungUp,
        agents: Vec::new(),
        created_at_unix_ms: 1_000,
        connected_at_unix_ms: None,
        at_unix_ms: 6_000,
    }));
    assert!(supervisor_events(&h).contains(&DesktopEvent::QueueChanged {
        queue: Q_SUPPORT,
        n_waiting: 0,
    }));
    assert!(
        !h.commands()
            .contains(&TelephonyCommand::HangUp { leg: customer }),
        "the leg is already gone"
    );
    assert!(h.engine.interaction_view(id).is_none());
    assert_eq!(h.engine.n_waiting(Q_SUPPORT), 0);
    assert_eq!(h.engine.n_customer_calls(), 0);
    assert_eq!(h.engine.poll_timeout(), None, "its timers are disarmed");

    h.advance(200_000);
    assert!(h.last.is_empty(), "nothing fires for it later");
    assert_eq!(final_records(&h, id).len(), 1);
}

#[test]
fn r12_a_customer_hanging_up_while_ringing_withdraws_the_offer_without_rona() {
    let mut h = Harness::new();
    h.ready(ANNA, SALES);
    let (id, customer) = h.arrive(DN_SALG);
    let agent_leg = h.ringing_leg(ANNA).expect("rings");
    h.telephony(TelephonyEvent::Ringing { leg: agent_leg });
    h.advance(5_000);
    h.telephony(TelephonyEvent::HungUp { leg: customer });

    let events = h.events_for(ANNA);
    assert_eq!(
        events,
        vec![DesktopEvent::OfferWithdrawn { interaction: id }],
        "no Rona, no wrap-up"
    );
    assert!(
        h.commands()
            .contains(&TelephonyCommand::HangUp { leg: agent_leg }),
        "the agent's phone stops ringing"
    );
    assert_eq!(state(&h, ANNA), AgentStateView::Available);
    let anna = h.agent(ANNA);
    assert_eq!(anna.call, None);
    assert!(anna.wrapups.is_empty());
    assert!(!anna.popover_shown);
    assert_eq!(ended_reason(&h, id), EndReason::CustomerHungUp);

    h.advance(15_000);
    assert_eq!(
        state(&h, ANNA),
        AgentStateView::Available,
        "the RONA timer is gone"
    );

    let (next, _) = h.arrive(DN_SALG);
    assert!(rang(&h, ANNA, next), "still Available for the next call");
}

#[test]
fn r45_a_withdrawn_offer_records_no_agent_and_no_connection() {
    let mut h = Harness::new();
    h.ready(ANNA, SALES);
    let (id, customer) = h.arrive(DN_SALG);
    h.telephony(TelephonyEvent::HungUp { leg: customer });
    let records = final_records(&h, id);
    assert!(
        matches!(
            records.as_slice(),
            [Record::InteractionEnded { agents, connected_at_unix_ms: None, .. }] if agents.is_empty()
        ),
        "{records:?}"
    );
}
