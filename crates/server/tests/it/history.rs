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
