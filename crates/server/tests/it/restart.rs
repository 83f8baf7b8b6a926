//! Nothing is lost across a restart (R45): history, users, what was live, pending callbacks.

use crate::support::{DN_SALES, answered_call, id_of, spawn_demo};
use sentral_engine::{Input, QueueId};
use serde_json::{Value, json};

fn waiting(queues: &Value, name: &str) -> u64 {
    queues
        .as_array()
        .expect("a list")
        .iter()
        .find(|q| q["name"] == name)
        .and_then(|q| q["waiting"].as_u64())
        .unwrap_or_else(|| panic!("queue {name} in {queues}"))
}

/// A queue's figures of the day on the wallboard: offered, answered, abandoned, handled.
fn figures(queues: &Value, name: &str) -> [u64; 4] {
    let queue = queues
        .as_array()
        .expect("a list")
        .iter()
        .find(|q| q["name"] == name)
        .unwrap_or_else(|| panic!("queue {name} in {queues}"));
    ["offered", "answered", "abandoned", "handled"].map(|key| queue[key].as_u64().expect(key))
}

fn record(history: &Value, id: u64) -> &Value {
    history
        .as_array()
        .expect("a list")
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("interaction {id} in the history: {history:#}"))
}

#[tokio::test]
async fn r45_history_live_calls_and_pending_callbacks_survive_a_restart() {
    let app = spawn_demo().await;
    let anna = app.ready_agent("anna", "Sales", "1001").await;

    // A finished call with its wrap-up.
    let (done, _) = answered_call(&app, 1, DN_SALES, "1001").await;
    let ended = anna.post_empty(&format!("/api/v1/tasks/{done}/end")).await;
    assert!(ended.is_success(), "{ended:?}");
    let wrapped = anna
        .post(
            &format!("/api/v1/tasks/{done}/wrapup"),
            json!({"reason": "resolved"}),
        )
        .await;
    assert!(wrapped.is_success(), "{wrapped:?}");
    anna.set_available().await;

    // A call still connected when the server stops.
    let (live, _) = answered_call(&app, 2, DN_SALES, "1001").await;
    assert_eq!(anna.task(live).await["phase"], "connected");

    // A web callback waiting in Support, which nobody serves now (R37).
    let support = QueueId(id_of("queue", "Support"));
    let callback = app
        .demo()
        .input(Input::WebCallback {
            queue: support,
            name: "Kari Nordmann".into(),
            number: "+4791555555".into(),
        })
        .await
        .expect("the web callback is accepted")
        .expect("it creates an interaction")
        .0;
    let supervisor = app.user("supervisor").await;
    let queues = supervisor.get("/api/v1/supervisor/queues").await;
    assert_eq!(queues.status, 200, "{queues:?}");
    assert_eq!(waiting(&queues.body, "Support"), 1);
    let sales_today = figures(&queues.body, "Sales");
    assert_eq!(
        sales_today,
        [2, 2, 0, 1],
        "offered, answered, abandoned, handled"
    );

    let app = app.restart().await;

    // Sign-in still works; the old session is still valid too.
    let supervisor_again = app.user("supervisor").await;
    let old_session = app
        .client(supervisor.token())
        .get("/api/v1/agents/me")
        .await;
    assert_eq!(old_session.status, 200, "{old_session:?}");

    let history = supervisor_again.get("/api/v1/interactions").await;
    assert_eq!(history.status, 200, "{history:?}");

    let finished = record(&history.body, done);
    assert_eq!(finished["end_reason"], "agent_ended");
    assert_eq!(finished["wrapups"][0]["reason"], "resolved");
    assert!(finished["connected_at"].is_i64());

    let closed = record(&history.body, live);
    assert_eq!(
        closed["end_reason"], "server_restarted",
        "a call live at shutdown is closed with a clear reason: {closed:#}"
    );
    assert!(closed["ended_at"].is_i64(), "{closed:#}");
    assert!(closed["connected_at"].is_i64(), "{closed:#}");

    let pending = record(&history.body, callback);
    assert_eq!(pending["kind"], "web_callback");
    assert!(
        pending["ended_at"].is_null(),
        "a pending callback is not closed: {pending:#}"
    );

    // The callback is back in its queue, with its id (R45).
    let queues = supervisor_again.get("/api/v1/supervisor/queues").await;
    assert_eq!(queues.status, 200, "{queues:?}");
    // R44: the wallboard's figures of the day are rebuilt from the history, not started again.
    assert_eq!(figures(&queues.body, "Sales"), sales_today);
    assert_eq!(waiting(&queues.body, "Support"), 1);
    assert_eq!(waiting(&queues.body, "Sales"), 0);

    // Numbering continues after the history: a new call never reuses an id.
    let anna = app.ready_agent("anna", "Sales", "1001").await;
    assert!(anna.tasks().await.is_empty(), "nothing live survives");
    let (next, _) = answered_call(&app, 3, DN_SALES, "1001").await;
    assert!(
        next > done && next > live && next > callback,
        "{next} after {done}, {live}, {callback}"
    );

    // And the callback is offered once someone serves Support, as a web callback (R38).
    let david = app.ready_agent("david", "Support", "1004").await;
    let (_, task) = app.phone.ringing("1004").await;
    assert_eq!(task, callback, "the restored callback keeps its id");
    let tasks = david.tasks().await;
    assert_eq!(tasks[0]["kind"], "web_callback", "{tasks:?}");
}

/// R37: the courtesy callback's expected wait averages today's handle time; the calls handled
/// before a restart still count after it (the server gives the engine the day's figures from
/// the history, as it does the wallboard).
#[tokio::test]
async fn r37_the_average_handle_time_today_survives_a_restart() {
    let app = spawn_demo().await;
    let anna = app.ready_agent("anna", "Sales", "1001").await;
    let (done, _) = answered_call(&app, 1, DN_SALES, "1001").await;
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let ended = anna.post_empty(&format!("/api/v1/tasks/{done}/end")).await;
    assert!(ended.is_success(), "{ended:?}");
    let wrapped = anna
        .post(
            &format!("/api/v1/tasks/{done}/wrapup"),
            json!({"reason": "resolved"}),
        )
        .await;
    assert!(wrapped.is_success(), "{wrapped:?}");
    let sales = QueueId(id_of("queue", "Sales"));
    let average = |handle: sentral_server::org::OrgHandle| async move {
        handle
            .query(move |engine| engine.average_handle_ms_today(sales))
            .await
            .flatten()
    };
    let before = average(app.demo()).await;
    assert!(before.is_some_and(|ms| ms >= 50), "{before:?}");

    let app = app.restart().await;
    assert_eq!(
        average(app.demo()).await,
        before,
        "restored from the history"
    );
}

#[tokio::test]
async fn housekeeping_expired_sessions_and_old_idempotency_records_are_deleted() {
    // Sessions and idempotency records were kept forever. The server deletes them on a
    // schedule, once at start and then every HOUSEKEEPING_EVERY.
    let app = crate::support::spawn_demo().await;
    let store = app.app.state.store.clone();
    let anna = store.user_by_name("anna").await.unwrap().unwrap();
    let now = sentral_server::app::unix_ms();
    store
        .create_session("expired-hash", anna.id, now - 10_000, now - 1)
        .await
        .unwrap();
    store
        .create_session("current-hash", anna.id, now, now + 60_000)
        .await
        .unwrap();
    let old = now - sentral_server::app::IDEMPOTENCY_KEEP_MS - 1;
    store
        .save_idempotent_response(anna.id, "old-key", 200, "{}", old)
        .await
        .unwrap();
    store
        .save_idempotent_response(anna.id, "new-key", 200, "{}", now)
        .await
        .unwrap();
    let app = app.restart().await;
    let store = app.app.state.store.clone();
    let deadline = tokio::time::Instant::now() + crate::support::WAIT;
    while store.session("expired-hash").await.unwrap().is_some() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the expired session was not deleted"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    while store
        .idempotent_response(anna.id, "old-key")
        .await
        .unwrap()
        .is_some()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the old idempotency record was not deleted"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(store.session("current-hash").await.unwrap().is_some());
    assert!(
        store
            .idempotent_response(anna.id, "new-key")
            .await
            .unwrap()
            .is_some()
    );
}
