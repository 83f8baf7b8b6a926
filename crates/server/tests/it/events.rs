//! The WebSocket event stream: sequence numbers, replay after a reconnect, and the reload
//! notice when a client fell too far behind (so no agent misses an offer over a network blip).

use crate::support::{Api, spawn_app, spawn_demo, two_org_config};
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

/// Logs anna in at her station, so that state changes give her stream events.
async fn at_station(anna: &Api) {
    let station = anna
        .post(
            "/api/v1/agents/me/session",
            json!({"team": "Sales", "extension": "1001"}),
        )
        .await;
    assert_eq!(station.status, 200, "{station:?}");
}

#[tokio::test]
async fn events_sign_out_closes_that_sessions_socket_and_no_other() {
    // Issue 15: an event socket stayed open and kept receiving after sign-out.
    let app = spawn_demo().await;
    let (first, second) = (app.login("anna").await, app.login("anna").await);
    let anna = app.client(&second);
    at_station(&anna).await;
    let mut signed_out = app.events(&first, None).await;
    let mut kept = app.events(&second, None).await;
    let reply = app.client(&first).post_empty("/api/v1/logout").await;
    assert_eq!(reply.status, 204, "{reply:?}");
    let (code, reason) = signed_out.closed().await;
    assert_eq!((code, reason.as_str()), (4001, "signed out"));
    // The other session's socket still gets anna's events.
    anna.set_idle("lunch").await;
    let event = kept.next().await;
    assert_eq!(event["type"], "agent_state", "{event}");
    kept.close().await;
}

#[tokio::test]
async fn events_a_socket_closes_when_its_session_expires() {
    // A session that expires while its socket is open: the socket closes at the expiry.
    let app = spawn_demo().await;
    let store = &app.app.state.store;
    let anna = store.user_by_name("anna").await.unwrap().unwrap();
    let token = sentral_server::auth::new_token();
    let now = sentral_server::app::unix_ms();
    store
        .create_session(
            &sentral_server::auth::hash_token(&token),
            anna.id,
            now,
            now + 300,
        )
        .await
        .unwrap();
    let mut events = app.events(&token, None).await;
    let (code, reason) = events.closed().await;
    assert_eq!((code, reason.as_str()), (4001, "session expired"));
    assert_eq!(
        app.client(&token).get("/api/v1/agents/me").await.status,
        401
    );
}

#[tokio::test]
async fn events_a_password_change_ends_the_users_other_sessions_and_their_sockets() {
    let app = spawn_demo().await;
    let token = app.login("anna").await;
    let mut events = app.events(&token, None).await;
    let admin_token = app.login("admin").await;
    let admin = app.client(&admin_token);
    let mut admin_events = app.events(&admin_token, None).await;
    let other_admin_session = app.login("admin").await;
    let mut other_admin_events = app.events(&other_admin_session, None).await;

    let changed = admin
        .put(
            "/api/v1/admin/users/anna",
            json!({"role": "agent", "password": "a new one"}),
        )
        .await;
    assert_eq!(changed.status, 200, "{changed:?}");
    assert_eq!(events.closed().await.0, 4001);
    assert_eq!(
        app.client(&token).get("/api/v1/agents/me").await.status,
        401
    );

    // Administrators changing their own password keep the session they did it from.
    let changed = admin
        .put(
            "/api/v1/admin/users/admin",
            json!({"role": "admin", "password": "another"}),
        )
        .await;
    assert_eq!(changed.status, 200, "{changed:?}");
    assert_eq!(other_admin_events.closed().await.0, 4001);
    let other = app.client(&other_admin_session);
    assert_eq!(other.get("/api/v1/agents/me").await.status, 401);
    assert_eq!(admin.get("/api/v1/agents/me").await.status, 200);
    // Their own socket is still open and live: a supervisor event reaches it.
    let bjorn = app.user("bjorn").await;
    let station = bjorn
        .post(
            "/api/v1/agents/me/session",
            json!({"team": "Sales", "extension": "1002"}),
        )
        .await;
    assert_eq!(station.status, 200, "{station:?}");
    let (event, _) = admin_events.until("agent_state").await;
    assert_eq!(event["type"], "agent_state");
    admin_events.close().await;
}

#[tokio::test]
async fn events_a_deleted_users_socket_closes_and_a_new_user_of_that_name_starts_afresh() {
    // Streams are keyed by user id and dropped with their user: a name freed by a deletion
    // and taken in another organisation must not replay the old user's events.
    let app = spawn_app(two_org_config()).await;
    let token = app.login("cecilie").await;
    let cecilie = app.client(&token);
    let mut events = app.events(&token, None).await;
    let station = cecilie
        .post(
            "/api/v1/agents/me/session",
            json!({"team": "Sales", "extension": "1003"}),
        )
        .await;
    assert_eq!(station.status, 200, "{station:?}");
    let (event, _) = events.until("agent_state").await;
    assert!(seq(&event) >= 1);
    let station = cecilie.delete("/api/v1/agents/me/session").await;
    assert_eq!(station.status, 200, "{station:?}");

    let admin = app.user("admin").await;
    assert_eq!(
        admin.delete("/api/v1/admin/users/cecilie").await.status,
        204
    );
    assert_eq!(events.closed().await.0, 4001);

    let acme_admin = app.user("acme-admin").await;
    let created = acme_admin
        .put(
            "/api/v1/admin/users/cecilie",
            json!({"role": "supervisor", "password": "demo"}),
        )
        .await;
    assert_eq!(created.status, 201, "{created:?}");
    let newcomer = app.login("cecilie").await;
    let mut fresh = app.events(&newcomer, Some(0)).await;
    assert!(
        fresh
            .next_within(std::time::Duration::from_millis(300))
            .await
            .is_none(),
        "nothing of the deleted cecilie is replayed"
    );
    fresh.close().await;
}
