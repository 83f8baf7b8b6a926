//! Goal: only Available agents are offered calls.
//! Method: put one Support agent in each non-available situation (just logged in, Idle with a
//! reason, logged out, phone not registered, phone lost, in wrap-up), let a call arrive, and
//! check that nobody's phone rings and the call waits; then make the agent Available (or
//! register the phone) and check the call is offered at once. Idle reasons and teams must be
//! valid.
//! Proves: R3.

use crate::support::*;
use sentral_engine::testing::*;
use sentral_engine::*;

#[test]
fn r3_an_agent_who_just_logged_in_is_idle_and_not_offered() {
    let mut h = Harness::new();
    log_in(&mut h, DAVID, SUPPORT);
    assert_eq!(state(&h, DAVID), AgentStateView::Idle);
    let (id, _) = h.arrive(DN_KUNDESERVICE);
    assert!(rings(&h).is_empty());
    assert_eq!(h.view(id).phase, "queued");

    h.ready_again(DAVID);
    assert!(rang(&h, DAVID, id), "R3: Available, so offered at once");
    assert_eq!(h.view(id).offered_to, Some(DAVID));
}

#[test]
fn r3_an_idle_agent_is_not_offered_until_available() {
    let mut h = Harness::new();
    h.ready(DAVID, SUPPORT);
    go_idle(&mut h, DAVID);
    assert!(h.events_for(DAVID).contains(&DesktopEvent::AgentState {
        agent: DAVID,
        state: AgentStateView::Idle,
        reason: Some("lunch".into()),
        at_unix_ms: 0,
    }));
    assert!(h.records().contains(&Record::AgentState {
        agent: DAVID,
        state: AgentStateView::Idle,
        reason: Some("lunch".into()),
        at_unix_ms: 0,
    }));

    let (id, _) = h.arrive(DN_KUNDESERVICE);
    h.advance(10_000);
    assert!(rings(&h).is_empty());
    assert_eq!(h.view(id).phase, "queued");

    h.ready_again(DAVID);
    assert!(rang(&h, DAVID, id));
}

#[test]
fn r3_a_logged_out_agent_is_not_offered() {
    let mut h = Harness::new();
    h.ready(DAVID, SUPPORT);
    h.command(DAVID, Command::LogOut).expect("log out");
    assert_eq!(state(&h, DAVID), AgentStateView::LoggedOut);

    let (id, _) = h.arrive(DN_KUNDESERVICE);
    assert!(rings(&h).is_empty());
    assert_eq!(h.view(id).phase, "queued");

    let rejection = h
        .command(DAVID, Command::SetState(StateRequest::Available))
        .expect_err("a logged-out agent cannot become Available");
    assert_eq!(rejection.code, Code::Rule(Rule::R3));
    assert_eq!(h.view(id).phase, "queued");
}

#[test]
fn r3_an_agent_whose_phone_is_not_registered_is_not_offered() {
    let mut h = Harness::new();
    let extension = extension(DAVID);
    h.command(
        DAVID,
        Command::LogIn {
            team: SUPPORT,
            extension: extension.clone(),
        },
    )
    .expect("log in without a phone");
    h.ready_again(DAVID);
    assert_eq!(state(&h, DAVID), AgentStateView::Available);
    assert!(!h.agent(DAVID).phone_registered);

    let (id, _) = h.arrive(DN_KUNDESERVICE);
    assert!(
        rings(&h).is_empty(),
        "R3: a call cannot ring a phone that is not there"
    );
    assert_eq!(h.view(id).phase, "queued");

    h.telephony(TelephonyEvent::DeviceRegistered { extension });
    assert!(
        rang(&h, DAVID, id),
        "offered as soon as the phone registers"
    );
}

#[test]
fn r3_an_available_agent_whose_phone_unregisters_is_not_offered() {
    let mut h = Harness::new();
    h.ready(DAVID, SUPPORT);
    h.telephony(TelephonyEvent::DeviceUnregistered {
        extension: extension(DAVID),
    });
    assert!(!h.agent(DAVID).phone_registered);

    let (id, _) = h.arrive(DN_KUNDESERVICE);
    assert!(rings(&h).is_empty());
    assert_eq!(h.view(id).phase, "queued");
}

#[test]
fn r3_an_agent_in_wrap_up_is_not_offered() {
    let mut h = Harness::new();
    h.ready(DAVID, SUPPORT);
    let (first, _) = h.arrive(DN_KUNDESERVICE);
    h.answer(DAVID);
    h.command(DAVID, Command::End { interaction: first })
        .expect("end");
    assert_eq!(state(&h, DAVID), AgentStateView::Available);
    assert_eq!(h.agent(DAVID).wrapups, vec![first]);

    let (second, _) = h.arrive(DN_KUNDESERVICE);
    assert!(rings(&h).is_empty(), "R3: in wrap-up until it is submitted");
    assert_eq!(h.view(second).phase, "queued");

    h.command(
        DAVID,
        Command::SubmitWrapUp {
            interaction: first,
            reason: "resolved".into(),
        },
    )
    .expect("wrap up");
    assert!(rang(&h, DAVID, second));
}

#[test]
fn r3_only_agents_of_a_queue_team_are_offered_its_calls() {
    let mut h = Harness::new();
    h.ready(ANNA, SALES);
    let (id, _) = h.arrive(DN_KUNDESERVICE);
    assert!(rings(&h).is_empty(), "ANNA (Sales) does not serve Support");
    assert_eq!(h.view(id).phase, "queued");
    h.ready(EVA, SUPPORT);
    assert!(rang(&h, EVA, id));
}

#[test]
fn r3_an_unknown_idle_reason_is_rejected() {
    let mut h = Harness::new();
    h.ready(DAVID, SUPPORT);
    let rejection = h
        .command(
            DAVID,
            Command::SetState(StateRequest::Idle {
                reason: "coffee".into(),
            }),
        )
        .expect_err("not an idle reason of the organisation");
    assert_eq!(rejection.code, Code::Rule(Rule::R3));
    assert!(h.last.is_empty(), "a rejection changes nothing");
    assert_eq!(state(&h, DAVID), AgentStateView::Available);

    let (id, _) = h.arrive(DN_KUNDESERVICE);
    assert!(rang(&h, DAVID, id), "still Available");
}

#[test]
fn r3_an_agent_logs_in_only_to_one_of_their_teams() {
    let mut h = Harness::new();
    let rejection = h
        .command(
            DAVID,
            Command::LogIn {
                team: SALES,
                extension: extension(DAVID),
            },
        )
        .expect_err("DAVID is not in Sales");
    assert_eq!(rejection.code, Code::Rule(Rule::R3));
    assert_eq!(state(&h, DAVID), AgentStateView::LoggedOut);
}
