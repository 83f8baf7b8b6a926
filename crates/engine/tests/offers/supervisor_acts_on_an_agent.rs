//! Goal: a supervisor sets an agent Idle with a reason or logs them out, and the agent is told
//! who did it and why; the refusals are the agent's own.
//! Method: make David Available, have a supervisor set him Idle, then log him out, and check
//! the events to his desktop and the records; put him on a call and check that a log-out is
//! refused with R3 and changes nothing, and that an unknown idle reason is refused.
//! Proves: R44 (with R3).

use crate::support::*;
use sentral_engine::testing::*;
use sentral_engine::*;

fn supervise(h: &mut Harness, action: SupervisorAction, note: &str) -> Result<(), Rejection> {
    h.input(Input::Supervise {
        agent: DAVID,
        supervisor: "sonja".into(),
        action,
        note: note.into(),
    })
    .map(|_| ())
}

#[test]
fn r44_a_supervisor_sets_an_agent_idle_then_logs_them_out_and_the_agent_is_told_who_and_why() {
    let mut h = Harness::new();
    h.ready(DAVID, SUPPORT);
    let idle = SupervisorAction::Idle {
        reason: "lunch".into(),
    };
    supervise(&mut h, idle.clone(), "Lunch now, please").expect("set idle");
    let events = h.events_for(DAVID);
    assert_eq!(
        events[0],
        DesktopEvent::Supervised {
            supervisor: "sonja".into(),
            action: idle.clone(),
            note: "Lunch now, please".into(),
            at_unix_ms: 0,
        },
        "who and why come before the state: {events:?}"
    );
    assert!(events.iter().any(|e| matches!(
        e,
        DesktopEvent::AgentState { state: AgentStateView::Idle, reason: Some(r), .. } if r == "lunch"
    )));
    let records = h.records();
    assert!(records.contains(&Record::Supervised {
        agent: DAVID,
        supervisor: "sonja".into(),
        action: idle,
        note: "Lunch now, please".into(),
        at_unix_ms: 0,
    }));
    assert_eq!(state(&h, DAVID), AgentStateView::Idle);

    supervise(&mut h, SupervisorAction::LogOut, "").expect("log out");
    assert_eq!(state(&h, DAVID), AgentStateView::LoggedOut);
    assert!(h.events_for(DAVID).contains(&DesktopEvent::Supervised {
        supervisor: "sonja".into(),
        action: SupervisorAction::LogOut,
        note: String::new(),
        at_unix_ms: 0,
    }));
    // Logged out, there is nothing more to set.
    let refused = supervise(&mut h, SupervisorAction::LogOut, "").unwrap_err();
    assert_eq!(refused.code_str(), "R3");
}

#[test]
fn r44_a_supervisor_cannot_log_an_agent_out_during_a_call_nor_use_an_unknown_reason() {
    let mut h = Harness::new();
    h.ready(DAVID, SUPPORT);
    h.arrive(DN_KUNDESERVICE);
    h.answer(DAVID);
    let refused = supervise(&mut h, SupervisorAction::LogOut, "End of shift").unwrap_err();
    assert_eq!(refused.code_str(), "R3", "{refused}");
    assert!(
        h.events_for(DAVID).is_empty() && h.records().is_empty(),
        "a refusal changes nothing"
    );
    let unknown = SupervisorAction::Idle {
        reason: "nap".into(),
    };
    assert_eq!(supervise(&mut h, unknown, "").unwrap_err().code_str(), "R3");
    assert!(h.records().is_empty());
    // Idle during a call is the agent's next state, as when the agent chooses it.
    let idle = SupervisorAction::Idle {
        reason: "meeting".into(),
    };
    supervise(&mut h, idle, "Briefing after this call").expect("idle");
    assert_eq!(state(&h, DAVID), AgentStateView::Idle);
}
