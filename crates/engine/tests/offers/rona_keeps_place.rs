//! Goal: RONA puts the call back in its queue at its original place (ahead of later
//! arrivals), sends the agent to RONA with a RONA popover, and the next available agent gets
//! the call.
//! Method: offer a call, let a second call arrive behind it, let the RONA timer fire, and check
//! the agent's events, the cancelled ring, the records and which call the next agent gets.
//! Proves: R12 (with R4 for the RONA state).

use crate::support::*;
use sentral_engine::testing::*;
use sentral_engine::*;

#[test]
fn r12_rona_puts_the_call_back_at_its_original_place() {
    let mut h = Harness::new();
    h.ready(ANNA, SALES);
    let (first, _) = h.arrive(DN_SALG);
    let anna_leg = h.ringing_leg(ANNA).expect("rings");
    h.advance(1_000);
    let (second, _) = h.arrive(DN_SALG);
    assert_eq!(h.view(second).phase, "queued");

    h.advance(14_000);
    assert!(
        h.commands()
            .contains(&TelephonyCommand::HangUp { leg: anna_leg })
    );
    assert!(
        h.events_for(ANNA)
            .contains(&DesktopEvent::Rona { interaction: first })
    );
    assert!(h.events_for(ANNA).contains(&DesktopEvent::AgentState {
        agent: ANNA,
        state: AgentStateView::Rona,
        reason: None,
        at_unix_ms: 15_000,
    }));
    assert!(h.records().iter().any(|r| matches!(
        r,
        Record::InteractionState { interaction, state: "rona", agent: Some(ANNA), .. }
            if *interaction == first
    )));
    assert!(supervisor_events(&h).contains(&DesktopEvent::QueueChanged {
        queue: Q_SALES,
        n_waiting: 2,
    }));
    assert_eq!(h.view(first).phase, "queued");
    assert!(final_records(&h, first).is_empty(), "R12: not lost");

    h.ready(BJORN, SALES);
    assert!(
        rang(&h, BJORN, first),
        "R12: the first call keeps its place ahead of the later one"
    );
    assert_eq!(h.view(second).phase, "queued");
}

#[test]
fn r12_the_next_available_agent_gets_the_call_at_once() {
    let mut h = Harness::new();
    h.ready(ANNA, SALES);
    h.advance(1_000);
    h.ready(BJORN, SALES);
    let (id, _) = h.arrive(DN_SALG);
    assert!(rang(&h, ANNA, id), "ANNA has been available longest");

    h.advance(15_000);
    assert!(
        h.events_for(ANNA)
            .contains(&DesktopEvent::Rona { interaction: id })
    );
    assert!(rang(&h, BJORN, id), "re-offered in the same step");
    assert_eq!(h.view(id).offered_to, Some(BJORN));
    assert!(offers(&h, BJORN).iter().any(|o| o.interaction == id));
}

#[test]
fn r12_the_agent_who_missed_it_may_get_it_again_after_choosing_available() {
    let mut h = Harness::new();
    h.ready(ANNA, SALES);
    let (id, _) = h.arrive(DN_SALG);
    h.advance(15_000);
    assert_eq!(state(&h, ANNA), AgentStateView::Rona);
    h.ready_again(ANNA);
    assert!(rang(&h, ANNA, id));
    h.answer(ANNA);
    assert_eq!(h.view(id).phase, "connected");
}
