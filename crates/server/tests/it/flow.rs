//! One agent's whole call, through the API, the event stream and the phone network: sign-in,
//! station log-in, offer, answer, hold, CAD edits with a conflict, end, wrap-up, and the record
//! a supervisor reads afterwards.

use crate::support::{DN_SALES, DN_SUPPORT, id_of, spawn_demo};
use sentral_engine::{TelephonyCommand, TelephonyEvent};
use serde_json::json;

#[tokio::test]
async fn r13_r14_r35_r36_r44_a_call_from_sign_in_to_the_supervisors_record() {
    let app = spawn_demo().await;
    let anonymous = app.anonymous();
    let anna_id = id_of("agent", "anna");

    // Sign-in: a wrong password is 401, the right one gives a session.
    let wrong = anonymous
        .post(
            "/api/v1/login",
            json!({"username": "anna", "password": "wrong"}),
        )
        .await;
    assert_eq!(wrong.status, 401, "{wrong:?}");
    assert_eq!(wrong.error_code(), "unauthenticated");
    let token = app.login("anna").await;
    let anna = app.client(&token);
    let mut events = app.events(&token, None).await;

    // Station log-in, the phone registers, Available (R3).
    let station = anna
        .post(
            "/api/v1/agents/me/session",
            json!({"team": "Sales", "extension": "1001"}),
        )
        .await;
    assert_eq!(station.status, 200, "{station:?}");
    assert_eq!(station.body["team"], "Sales");
    assert_eq!(station.body["extension"], "1001");
    app.phone_event(TelephonyEvent::DeviceRegistered {
        extension: "1001".into(),
    })
    .await;
    let me = anna.get("/api/v1/agents/me").await;
    assert_eq!(me.status, 200, "{me:?}");
    assert_eq!(me.body["agent"]["phone_registered"], true);
    let available = anna
        .put("/api/v1/agents/me/state", json!({"state": "available"}))
        .await;
    assert_eq!(available.status, 200, "{available:?}");
    assert_eq!(available.body["state"], "available");

    // A customer calls Sales: the customer is answered (music on hold), anna's phone rings.
    let customer = app.customer_calls(1, DN_SALES, "+4791234567").await;
    app.phone
        .expect("Answer of the customer's leg", |_, c| {
            matches!(c, TelephonyCommand::Answer { leg } if *leg == customer).then_some(())
        })
        .await;
    let (agent_leg, task) = app.phone.ringing("1001").await;
    assert_ne!(
        agent_leg.0 & sentral_engine::ENGINE_LEG_BIT,
        0,
        "engine-made legs have the top bit set"
    );

    // R6 then R7: the connect popover, then the contact-request popover.
    let (reserved, _) = events.until("reserved").await;
    assert_eq!(reserved["task"], task);
    assert_eq!(reserved["channel"], "voice");
    let (offer, _) = events.until("offer").await;
    assert_eq!(offer["task"], task);
    assert!(offer["seq"].as_u64() > reserved["seq"].as_u64());
    assert_eq!(offer["kind"], "inbound");
    let variables = offer["variables"].as_array().expect("variables");
    assert!(
        (3..=6).contains(&variables.len()),
        "R9: 3 to 6 popover variables, got {variables:?}"
    );
    assert!(
        variables.iter().all(|v| v["name"] != "national_id"),
        "R9: secure variables are never in a popover"
    );
    assert!(offer["rona_timeout_ms"].as_u64().is_some_and(|ms| ms > 0));

    // R13: answered on the phone: ringing, then connected.
    app.phone_event(TelephonyEvent::Ringing { leg: agent_leg })
        .await;
    let (ringing, _) = events.until("ringing").await;
    assert_eq!(ringing["task"], task);
    app.phone_event(TelephonyEvent::Answered { leg: agent_leg })
        .await;
    let (connected, _) = events.until("connected").await;
    assert_eq!(connected["task"], task);
    app.phone
        .expect("the customer bridged to anna's phone", |_, c| match c {
            TelephonyCommand::Bridge { a, b } => ((*a == customer && *b == agent_leg)
                || (*a == agent_leg && *b == customer))
                .then_some(()),
            _ => None,
        })
        .await;
    let tasks = anna.tasks().await;
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert_eq!(tasks[0]["id"], task);
    assert_eq!(tasks[0]["phase"], "connected");
    assert_eq!(tasks[0]["owner"], anna_id);
    assert!(tasks[0]["connected_at"].is_i64());

    // R14: hold and resume from the desktop.
    let held = anna.post_empty(&format!("/api/v1/tasks/{task}/hold")).await;
    assert_eq!(held.status, 200, "{held:?}");
    assert_eq!(held.body["customer_held"], true);
    let (hold_event, _) = events.until("hold_changed").await;
    assert_eq!(hold_event["customer_held"], true);
    app.phone
        .expect("music on hold for the customer", |_, c| {
            matches!(c, TelephonyCommand::Hold { leg } if *leg == customer).then_some(())
        })
        .await;
    let resumed = anna
        .post(
            &format!("/api/v1/tasks/{task}/unhold"),
            json!({"party": "customer"}),
        )
        .await;
    assert_eq!(resumed.status, 200, "{resumed:?}");
    assert_eq!(resumed.body["customer_held"], false);
    let (unhold_event, _) = events.until("hold_changed").await;
    assert_eq!(unhold_event["customer_held"], false);

    // R34: save CAD values based on the version seen.
    let version = tasks[0]["variables_version"].as_u64().expect("a version");
    let saved = anna
        .patch(
            &format!("/api/v1/tasks/{task}/variables"),
            json!({"expected_version": version, "values": {"case_number": "C-42"}}),
        )
        .await;
    assert_eq!(saved.status, 200, "{saved:?}");
    assert_eq!(saved.body["variables"]["case_number"], "C-42");
    let new_version = saved.body["variables_version"].as_u64().expect("a version");
    assert!(new_version > version);
    let (changed, _) = events.until("variables_changed").await;
    assert_eq!(changed["version"], new_version);
    assert_eq!(changed["values"]["case_number"], "C-42");

    // R35: a save based on the old version is rejected with the current values.
    let stale = anna
        .patch(
            &format!("/api/v1/tasks/{task}/variables"),
            json!({"expected_version": version, "values": {"case_number": "C-43"}}),
        )
        .await;
    assert_eq!(stale.status, 409, "{stale:?}");
    assert_eq!(stale.error_code(), "R35");
    assert_eq!(stale.body["current"]["version"], new_version);
    assert_eq!(stale.body["current"]["values"]["case_number"], "C-42");
    assert_eq!(
        stale.body["current"]["labels"]["case_number"],
        "Case number"
    );
    assert_eq!(
        stale.body["current"]["saved_by"]["name"], "Anna",
        "R35: who saved first (anna herself, as from another tab)"
    );
    assert_eq!(
        anna.task(task).await["variables"]["case_number"],
        "C-42",
        "never a silent overwrite"
    );

    // R36: End, then the wrap-up dialog, then the wrap-up.
    let ended = anna.post_empty(&format!("/api/v1/tasks/{task}/end")).await;
    assert!(ended.is_success(), "{ended:?}");
    let (wrapup_required, _) = events.until("wrap_up_required").await;
    assert_eq!(wrapup_required["task"], task);
    let reasons: Vec<&str> = wrapup_required["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .filter_map(|r| r["code"].as_str())
        .collect();
    assert!(reasons.contains(&"resolved"), "{reasons:?}");
    app.phone
        .expect("the customer's leg hung up", |_, c| {
            matches!(c, TelephonyCommand::HangUp { leg } if *leg == customer).then_some(())
        })
        .await;
    app.phone_event(TelephonyEvent::HungUp { leg: agent_leg })
        .await;
    let wrapped = anna
        .post(
            &format!("/api/v1/tasks/{task}/wrapup"),
            json!({"reason": "resolved"}),
        )
        .await;
    assert!(wrapped.is_success(), "{wrapped:?}");
    let (done, _) = events.until("wrap_up_done").await;
    assert_eq!(done["task"], task);
    assert!(anna.tasks().await.is_empty());

    // A second, newer interaction: a Support caller (nobody serves Support) gives up waiting.
    let second_leg = app.customer_calls(2, DN_SUPPORT, "+4791234568").await;
    app.phone_event(TelephonyEvent::HungUp { leg: second_leg })
        .await;

    // R44, R45: the supervisor's history, newest first, with every state change and the
    // wrap-up.
    let supervisor = app.user("supervisor").await;
    let history = supervisor.get("/api/v1/interactions").await;
    assert_eq!(history.status, 200, "{history:?}");
    let records = history.body.as_array().expect("a list");
    assert_eq!(records.len(), 2, "{records:#?}");
    let ids: Vec<u64> = records.iter().filter_map(|r| r["id"].as_u64()).collect();
    assert!(ids[0] > ids[1], "newest first: {ids:?}");
    assert_eq!(ids[1], task);
    assert_eq!(records[0]["dnis"], DN_SUPPORT);
    assert!(records[0]["ended_at"].is_i64());
    let record = &records[1];
    assert_eq!(record["kind"], "inbound");
    assert_eq!(record["channel"], "voice");
    assert_eq!(record["customer_number"], "+4791234567");
    assert_eq!(record["dnis"], DN_SALES);
    assert_eq!(record["agents"], json!([anna_id]));
    assert!(record["connected_at"].is_i64());
    assert!(record["ended_at"].is_i64());
    assert_eq!(record["end_reason"], "agent_ended");
    assert_eq!(record["variables"]["case_number"], "C-42");
    let wrapups = record["wrapups"].as_array().expect("wrap-ups");
    assert_eq!(wrapups.len(), 1, "{wrapups:?}");
    assert_eq!(wrapups[0]["agent"], anna_id);
    assert_eq!(wrapups[0]["reason"], "resolved");
    let states: Vec<&str> = record["states"]
        .as_array()
        .expect("states")
        .iter()
        .filter_map(|s| s["state"].as_str())
        .collect();
    for expected in ["queued", "offered", "connected", "held"] {
        assert!(
            states.contains(&expected),
            "state {expected:?} recorded: {states:?}"
        );
    }
    let position = |name: &str| states.iter().position(|s| *s == name).expect(name);
    assert!(position("queued") < position("offered"));
    assert!(position("offered") < position("connected"));
    assert!(position("connected") < position("held"));
    let times: Vec<i64> = record["states"]
        .as_array()
        .expect("states")
        .iter()
        .filter_map(|s| s["at"].as_i64())
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "oldest first: {times:?}"
    );

    // The phone network was only ever asked to ring anna, and only for the demo organisation.
    for (org, command) in app.phone.commands() {
        assert_eq!(org, "demo");
        if let TelephonyCommand::RingAgent { extension, .. } = command {
            assert_eq!(extension, "1001");
        }
    }
    events.close().await;
}
