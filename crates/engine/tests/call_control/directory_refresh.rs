//! Refreshing the consult and transfer lists (R17, with the lists of R16 and R27).
//!
//! Goal: fetching the directory again after agents change state shows their current state:
//! an agent who goes Idle shows as Idle for a consult and disappears from the transfer list;
//! an agent who logs out, goes to RONA or takes a call disappears; queue waiting counts are
//! current.
//! Method: DAVID is on a call; other agents change state between two fetches of
//! `directory_agents` and `directory_destinations`.
//! Proves: R17.

use crate::*;
use sentral_engine::testing::*;
use sentral_engine::*;

fn listed(h: &Harness, transfer: bool) -> Vec<(AgentId, AgentStateView)> {
    h.engine
        .directory_agents(DAVID, transfer, "")
        .into_iter()
        .map(|a| (a.id, a.state))
        .collect()
}

#[test]
fn r17_refreshed_agent_list_shows_current_states() {
    let mut h = Harness::new();
    let _call = david_call(&mut h);
    h.ready(EVA, SUPPORT);
    h.ready(FREDRIK, SUPPORT);
    assert_eq!(
        listed(&h, false),
        [
            (EVA, AgentStateView::Available),
            (FREDRIK, AgentStateView::Available)
        ]
    );

    h.command(
        EVA,
        Command::SetState(StateRequest::Idle {
            reason: "lunch".into(),
        }),
    )
    .expect("idle");
    h.command(FREDRIK, Command::LogOut).expect("log out");
    assert_eq!(listed(&h, false), [(EVA, AgentStateView::Idle)]);
    assert_eq!(listed(&h, true), [], "transfer lists only Available agents");

    h.ready_again(EVA);
    assert_eq!(listed(&h, true), [(EVA, AgentStateView::Available)]);
}

#[test]
fn r17_an_agent_who_goes_to_rona_or_takes_a_call_leaves_the_refreshed_list() {
    let mut h = Harness::new();
    let _call = david_call(&mut h);
    h.ready(EVA, SUPPORT);
    h.ready(FREDRIK, SUPPORT);
    // A second call rings EVA (longest available) and she misses it: RONA.
    let (missed, _) = h.arrive(DN_KUNDESERVICE);
    assert_eq!(h.view(missed).offered_to, Some(EVA));
    h.advance(15_000);
    assert_eq!(h.agent(EVA).state, AgentStateView::Rona);
    // The call goes back and rings FREDRIK, who answers.
    assert_eq!(h.view(missed).offered_to, Some(FREDRIK));
    h.answer(FREDRIK);
    assert_eq!(
        listed(&h, false),
        [],
        "EVA is in RONA and FREDRIK is on a call"
    );
}

#[test]
fn r17_refreshed_destinations_show_current_waiting_counts() {
    let mut h = Harness::new();
    let _call = david_call(&mut h);
    let support = |h: &Harness| {
        h.engine
            .directory_destinations("support")
            .into_iter()
            .find_map(|d| match d {
                DirectoryDestination::Queue {
                    id: Q_SUPPORT,
                    n_waiting,
                    ..
                } => Some(n_waiting),
                _ => None,
            })
            .expect("Support is listed")
    };
    assert_eq!(support(&h), 0);
    h.arrive(DN_KUNDESERVICE);
    assert_eq!(support(&h), 1, "a second caller waits");
}
