//! R33 in the history: a stored value is shown only while its variable is defined and not
//! secure, so removing (or renaming) a secure variable never exposes what was stored under it;
//! and the customer's context on a task: their earlier contacts, only to the task's participants.

use crate::support::{DN_SALES, answered_call, spawn_demo};
use serde_json::json;

#[tokio::test]
async fn r33_a_removed_secure_variable_never_shows_its_stored_values_in_history() {
    let app = spawn_demo().await;
    let anna = app.ready_agent("anna", "Sales", "1001").await;
    let (task, _) = answered_call(&app, 1, DN_SALES, "1001").await;
    let version = anna.task(task).await["variables_version"]
        .as_u64()
        .expect("a version");
    let saved = anna
        .patch(
            &format!("/api/v1/tasks/{task}/variables"),
            json!({"expected_version": version,
                   "values": {"case_number": "C-7", "national_id": "01017012345"}}),
        )
        .await;
    assert_eq!(saved.status, 200, "{saved:?}");

    let supervisor = app.user("supervisor").await;
    let history = supervisor.get("/api/v1/interactions").await;
    assert_eq!(history.status, 200, "{history:?}");
    assert!(
        !history.text.contains("01017012345"),
        "secure: {}",
        history.text
    );
    assert!(history.text.contains("C-7"), "{}", history.text);

    // The administrator removes the secure variable: its stored values stay hidden.
    let admin = app.user("admin").await;
    let removed = admin
        .delete("/api/v1/admin/cad_variables/national_id")
        .await;
    assert_eq!(removed.status, 204, "{removed:?}");
    let history = supervisor.get("/api/v1/interactions").await;
    assert_eq!(history.status, 200, "{history:?}");
    assert!(
        !history.text.contains("01017012345"),
        "R33: a removed secure variable's value leaked: {}",
        history.text
    );
    assert_eq!(history.body[0]["variables"]["case_number"], "C-7");
    assert!(history.body[0]["variables"].get("national_id").is_none());
}

/// The customer's context (issue 17): the participants of a task see the last interactions of
/// its customer number, with wrap-ups and call data but never secure values (R33); an agent not
/// on the task is refused.
#[tokio::test]
async fn r33_a_tasks_customer_history_shows_earlier_contacts_to_its_participants_only() {
    let app = spawn_demo().await;
    let anna = app.ready_agent("anna", "Sales", "1001").await;
    let (first, _) = answered_call(&app, 1, DN_SALES, "1001").await;
    let version = anna.task(first).await["variables_version"]
        .as_u64()
        .expect("a version");
    let saved = anna
        .patch(
            &format!("/api/v1/tasks/{first}/variables"),
            json!({"expected_version": version,
                   "values": {"case_number": "C-8", "national_id": "01017012345"}}),
        )
        .await;
    assert_eq!(saved.status, 200, "{saved:?}");
    let ended = anna.post_empty(&format!("/api/v1/tasks/{first}/end")).await;
    assert_eq!(ended.status, 200, "{ended:?}");
    let wrapped = anna
        .post(
            &format!("/api/v1/tasks/{first}/wrapup"),
            json!({"reason": "resolved"}),
        )
        .await;
    assert!(wrapped.status < 300, "{wrapped:?}");

    // The same customer calls again, and anna answers.
    app.customer_calls(2, DN_SALES, "+4790000001").await;
    let (agent_leg, second) = app.phone.ringing("1001").await;
    app.pick_up(agent_leg).await;
    let history = anna.get(&format!("/api/v1/tasks/{second}/history")).await;
    assert_eq!(history.status, 200, "{history:?}");
    assert_eq!(
        history.body.as_array().map(Vec::len),
        Some(1),
        "{history:?}"
    );
    assert_eq!(history.body[0]["id"], first);
    assert_eq!(history.body[0]["wrapups"][0]["label"], "Resolved");
    assert_eq!(history.body[0]["variables"]["case_number"], "C-8");
    assert!(
        !history.text.contains("01017012345"),
        "R33: {}",
        history.text
    );

    let bjorn = app.ready_agent("bjorn", "Sales", "1002").await;
    let refused = bjorn.get(&format!("/api/v1/tasks/{second}/history")).await;
    assert_eq!(refused.status, 403, "{refused:?}");
}

/// The supervisor's history and reports (R44, issue 23): a known history (one Sales call
/// answered by anna and wrapped up `resolved`, one abandoned while waiting) is found by the new
/// search filters, shows its timeline with who did what, and adds up in the queue and agent
/// reports to the wallboard's own figures; the CSV says what the JSON says; a supervisor of
/// Support sees none of it.
#[tokio::test]
async fn r44_history_search_timeline_and_reports_agree_with_a_known_history() {
    let app = spawn_demo().await;
    let anna = app.ready_agent("anna", "Sales", "1001").await;
    let (first, _) = answered_call(&app, 1, DN_SALES, "1001").await;
    let ended = anna.post_empty(&format!("/api/v1/tasks/{first}/end")).await;
    assert_eq!(ended.status, 200, "{ended:?}");
    let wrapped = anna
        .post(
            &format!("/api/v1/tasks/{first}/wrapup"),
            json!({"reason": "resolved"}),
        )
        .await;
    assert!(wrapped.status < 300, "{wrapped:?}");
    anna.set_idle("lunch").await;
    // A second customer waits (anna is idle) and hangs up: abandoned.
    let waiting = app.customer_calls(2, DN_SALES, "+4790000002").await;
    app.phone_event(sentral_engine::TelephonyEvent::HungUp { leg: waiting })
        .await;

    let supervisor = app.user("supervisor").await;
    // Search: by wrap-up reason, channel and customer number.
    let found = supervisor
        .get("/api/v1/interactions?wrapup_reason=resolved&channel=voice&customer_number=%2B4790000001")
        .await;
    assert_eq!(found.status, 200, "{found:?}");
    let ids: Vec<u64> = found
        .body
        .as_array()
        .expect("a list")
        .iter()
        .map(|r| r["id"].as_u64().expect("an id"))
        .collect();
    assert_eq!(ids, [first]);
    let none = supervisor
        .get("/api/v1/interactions?wrapup_reason=sale")
        .await;
    assert_eq!(none.body.as_array().map(Vec::len), Some(0), "{none:?}");
    let bad = supervisor.get("/api/v1/interactions?channel=fax").await;
    assert_eq!(bad.status, 422, "{bad:?}");
    assert!(bad.text.contains("channel"), "{bad:?}");

    // The interaction's page: its timeline, in order, with the actors' names.
    let page = supervisor
        .get(&format!("/api/v1/interactions/{first}"))
        .await;
    assert_eq!(page.status, 200, "{page:?}");
    let events: Vec<&str> = page.body["timeline"]
        .as_array()
        .expect("a timeline")
        .iter()
        .map(|e| e["event"].as_str().expect("an event"))
        .collect();
    let position = |event: &str| {
        events
            .iter()
            .position(|e| *e == event)
            .unwrap_or_else(|| panic!("{event} in {events:?}"))
    };
    assert_eq!(events[0], "created");
    assert!(position("queued") < position("offered"), "{events:?}");
    assert!(position("offered") < position("connected"), "{events:?}");
    assert!(position("connected") < position("ended"), "{events:?}");
    assert!(position("ended") < position("wrapup"), "{events:?}");
    let anna_id = crate::support::id_of("agent", "anna");
    let wrapup = &page.body["timeline"][position("wrapup")];
    assert_eq!(wrapup["agent"], anna_id);
    assert_eq!(wrapup["detail"], "resolved");
    assert_eq!(page.body["agent_names"][anna_id.to_string()], "Anna");
    assert_eq!(page.body["interaction"]["id"], first);
    let missing = supervisor.get("/api/v1/interactions/999999").await;
    assert_eq!(missing.status, 404, "{missing:?}");

    // The queue report of today agrees with the wallboard's figures.
    let sales = crate::support::id_of("queue", "Sales");
    let wallboard = supervisor.get("/api/v1/supervisor/queues").await;
    let row = wallboard
        .body
        .as_array()
        .expect("queues")
        .iter()
        .find(|q| q["id"] == sales)
        .expect("Sales on the wallboard")
        .clone();
    let report = supervisor
        .get(&format!("/api/v1/reports/queues?queue={sales}"))
        .await;
    assert_eq!(report.status, 200, "{report:?}");
    let queue = &report.body["queues"][0];
    assert_eq!(report.body["queues"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        (
            queue["offered"].as_u64(),
            queue["answered"].as_u64(),
            queue["abandoned"].as_u64(),
            queue["handled"].as_u64()
        ),
        (Some(2), Some(1), Some(1), Some(1)),
        "{queue}"
    );
    for figure in ["offered", "answered", "abandoned"] {
        assert_eq!(
            queue[figure], row[figure],
            "{figure}: report {queue} wallboard {row}"
        );
    }
    assert_eq!(queue["abandoned_percent"], 50.0);
    let hours = report.body["hours"].as_array().expect("hours");
    // A week of hours by default (one more or less across a daylight-saving change).
    assert!((167..=169).contains(&hours.len()), "{}", hours.len());
    let offered_in_hours: u64 = hours
        .iter()
        .map(|h| h["offered"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(offered_in_hours, 2);

    // The CSV says the same.
    let csv = supervisor
        .get(&format!("/api/v1/reports/queues?queue={sales}&format=csv"))
        .await;
    assert_eq!(csv.status, 200);
    let lines: Vec<&str> = csv.text.lines().collect();
    assert!(
        lines[0].starts_with("queue,name,offered,answered,"),
        "{}",
        csv.text
    );
    assert!(
        lines[1].starts_with(&format!("{sales},Sales,2,1,")),
        "{}",
        csv.text
    );
    let bad_day = supervisor
        .get("/api/v1/reports/queues?from=2026-02-30")
        .await;
    assert_eq!(bad_day.status, 422, "{bad_day:?}");

    // The agent report: anna answered and wrapped up one, and was logged in.
    let agents = supervisor
        .get(&format!("/api/v1/reports/agents?agent={anna_id}"))
        .await;
    assert_eq!(agents.status, 200, "{agents:?}");
    let anna_row = &agents.body["agents"][0];
    assert_eq!(anna_row["answered"], 1, "{anna_row}");
    assert_eq!(anna_row["handled"], 1, "{anna_row}");
    assert!(anna_row["logged_in_ms"].as_u64() > Some(0), "{anna_row}");

    // A supervisor of Support sees neither Sales' interactions nor its report.
    let admin = app.user("admin").await;
    let created = admin
        .put(
            "/api/v1/admin/users/support_lead",
            json!({"role": "supervisor", "password": crate::support::PASSWORD}),
        )
        .await;
    assert_eq!(created.status, 201, "{created:?}");
    let assigned = admin
        .put(
            "/api/v1/admin/teams/Support",
            json!({"supervisors": ["support_lead"]}),
        )
        .await;
    assert_eq!(assigned.status, 200, "{assigned:?}");
    let lead = app.user("support_lead").await;
    assert_eq!(
        lead.get(&format!("/api/v1/interactions/{first}"))
            .await
            .status,
        404
    );
    assert_eq!(
        lead.get(&format!("/api/v1/reports/queues?queue={sales}"))
            .await
            .status,
        404
    );
    let theirs = lead.get("/api/v1/reports/queues").await;
    assert!(
        theirs.body["queues"]
            .as_array()
            .expect("queues")
            .iter()
            .all(|q| q["queue"] != sales),
        "{theirs:?}"
    );
    assert_eq!(
        lead.get(&format!("/api/v1/reports/agents?agent={anna_id}"))
            .await
            .status,
        404
    );
}
