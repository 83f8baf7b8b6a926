//! The WebSocket event stream: sequence numbers, replay after a reconnect, and the reload
//! notice when a client fell too far behind (so no agent misses an offer over a network blip).

use crate::support::{Api, spawn_demo};
use sentral_server::hub::REPLAY_MAX;
use serde_json::{Value, json};

fn seq(event: &Value) -> u64 {
    event["seq"].as_u64().expect("a seq")
}

/// Toggles the agent Idle → Available `n` times over (two state changes each).
async fn toggle(agent: &Api, n: usize) {
    for _ in 0..n {
        agent.set_idle("lunch").await;
        agent.set_available().await;
    }
}

#[tokio::test]
async fn events_reconnecting_with_since_replays_exactly_what_was_missed_in_order() {
    let app = spawn_demo().await;
    let token = app.login("anna").await;
    let anna = app.client(&token);
    let station = anna
        .post(
            "/api/v1/agents/me/session",
            json!({"team": "Sales", "extension": "1001"}),
        )
        .await;
    assert_eq!(station.status, 200, "{station:?}");

    // A witness socket stays connected throughout and sees everything.
    let mut witness = app.events(&token, None).await;
    let mut first = app.events(&token, None).await;
    toggle(&anna, 2).await;
    let mut seen = Vec::new();
    for _ in 0..4 {
        let event = first.next().await;
        assert_eq!(event["type"], "agent_state", "{event}");
        seen.push(event);
    }
    let seqs: Vec<u64> = seen.iter().map(seq).collect();
    assert!(
        seqs.windows(2).all(|w| w[1] == w[0] + 1),
        "sequence numbers count up by one: {seqs:?}"
    );
    assert_eq!(seen[0]["state"], "idle");
    assert_eq!(seen[0]["reason"], "lunch");
    assert_eq!(seen[1]["state"], "available");
    let last = *seqs.last().expect("events");
    first.close().await;

    // Missed while disconnected.
    toggle(&anna, 3).await;
    anna.set_idle("meeting").await;

    let mut again = app.events(&token, Some(last)).await;
    // One more after reconnecting: it must follow the replay with nothing lost or repeated.
    anna.set_available().await;
    let mut expected = Vec::new();
    loop {
        let event = witness.next().await;
        if seq(&event) <= last {
            continue;
        }
        let done = event["state"] == "available" && expected.len() == 7;
        expected.push(event);
        if done {
            break;
        }
    }
    assert_eq!(expected.len(), 8, "{expected:#?}");
    let mut replayed = Vec::new();
    for _ in 0..expected.len() {
        replayed.push(again.next().await);
    }
    assert_eq!(
        replayed, expected,
        "the missed events, in order, then the live one"
    );
    assert_eq!(seq(&replayed[0]), last + 1);
    assert_eq!(replayed[6]["reason"], "meeting");

    // Reconnecting with the latest seq replays nothing.
    let latest = seq(expected.last().expect("events"));
    let mut current = app.events(&token, Some(latest)).await;
    anna.set_idle("training").await;
    let next = current.next().await;
    assert_eq!(seq(&next), latest + 1, "{next}");
    assert_eq!(next["reason"], "training");

    witness.close().await;
    again.close().await;
    current.close().await;
}

#[tokio::test]
async fn events_a_client_further_behind_than_the_replay_bound_is_told_to_reload() {
    let app = spawn_demo().await;
    let token = app.login("anna").await;
    let anna = app.client(&token);
    let station = anna
        .post(
            "/api/v1/agents/me/session",
            json!({"team": "Sales", "extension": "1001"}),
        )
        .await;
    assert_eq!(station.status, 200, "{station:?}");
    toggle(&anna, REPLAY_MAX / 2 + 8).await;

    let mut stale = app.events(&token, Some(0)).await;
    let reload = stale.next().await;
    assert_eq!(reload["type"], "reload", "{reload}");
    let oldest = reload["oldest"].as_u64().expect("oldest");
    assert!(oldest > 1, "the first events are gone: {reload}");
    // After the notice the stream goes on live.
    anna.set_idle("lunch").await;
    let live = stale.next().await;
    assert_eq!(live["type"], "agent_state", "{live}");
    assert!(seq(&live) > seq(&reload));
    stale.close().await;

    // Within the bound, replay still works.
    let recent = seq(&live) - 3;
    let mut behind = app.events(&token, Some(recent)).await;
    for expected in recent + 1..=seq(&live) {
        let event = behind.next().await;
        assert_eq!(event["type"], "agent_state", "{event}");
        assert_eq!(seq(&event), expected);
    }
    behind.close().await;
}
