//! Web callbacks (R37) against abuse: the key sits in a public website, so a script with it is
//! capped per queue and per key besides per number; wrong keys are throttled per client
//! address; and `201` means the callback is in the store.

use crate::support::{Api, Reply, TestApp, spawn_demo};
use reqwest::Method;
use sentral_server::api::callbacks::{
    CALLBACKS_PER_KEY, CALLBACKS_WAITING_PER_QUEUE_MAX, KEY_FAILURES_MAX,
};
use serde_json::json;

async fn request(app: &TestApp, key: &str, queue: &str, number: &str) -> Reply {
    Api::send(
        app.anonymous()
            .request(Method::POST, "/api/v1/callbacks")
            .header("x-api-key", key)
            .json(&json!({"queue": queue, "name": "Kari", "number": number})),
    )
    .await
}

#[tokio::test]
async fn web_callbacks_201_only_once_the_callback_is_in_the_store() {
    // Method: hold the database's write lock from another connection, so the history cannot be
    // written, and ask for a callback. The answer may come only once the callback is stored:
    // today's code answered 201 at once, with nothing stored.
    use sqlx::Connection;
    let app = spawn_demo().await;
    let db = app.dir.path().join("sentral.db");
    let mut blocker = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
        .await
        .expect("a second connection");
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut blocker)
        .await
        .expect("the write lock");
    let asked = {
        let anonymous = app.anonymous();
        let store = app.app.state.store.clone();
        tokio::spawn(async move {
            let created = Api::send(
                anonymous
                    .request(Method::POST, "/api/v1/callbacks")
                    .header("x-api-key", "demo-callback-key-not-a-secret-2026")
                    .json(&json!({"queue": "Sales", "name": "Kari", "number": "+4791300000"})),
            )
            .await;
            let id = created.body["id"].as_u64();
            // Read at once, as a website's retry after a server crash would rely on.
            let stored = match id {
                Some(id) => store.interaction("demo", id).await.expect("reads"),
                None => None,
            };
            (created, stored)
        })
    };
    // Let the request reach the lock, then release it (not an assertion on time: a slow
    // machine only makes the old behaviour harder to catch).
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    sqlx::query("ROLLBACK")
        .execute(&mut blocker)
        .await
        .expect("released");
    let (created, stored) = asked.await.expect("the request task");
    assert_eq!(created.status, 201, "{created:?}");
    let stored = stored.expect("R45: stored before 201");
    assert_eq!(stored.kind, "web_callback");
    assert_eq!(stored.customer_name.as_deref(), Some("Kari"));
}

#[tokio::test]
async fn web_callbacks_a_queue_and_a_key_are_capped_besides_each_number() {
    let app = spawn_demo().await;
    let key = "demo-callback-key-not-a-secret-2026";
    for n in 0..CALLBACKS_WAITING_PER_QUEUE_MAX {
        let reply = request(&app, key, "Sales", &format!("+4791{n:06}")).await;
        assert_eq!(reply.status, 201, "request {n}: {reply:?}");
    }
    let full = request(&app, key, "Sales", "+4792000000").await;
    assert_eq!(full.status, 429, "{full:?}");
    assert_eq!(full.error_code(), "rate_limited");
    assert!(full.text.contains("queue: Sales"), "{}", full.text);
    assert!(full.headers.contains_key("retry-after"));
    // Another queue still takes callbacks, until the key has asked its most.
    for n in CALLBACKS_WAITING_PER_QUEUE_MAX..CALLBACKS_PER_KEY {
        let reply = request(&app, key, "Support", &format!("+4791{n:06}")).await;
        assert_eq!(reply.status, 201, "request {n}: {reply:?}");
    }
    let capped = request(&app, key, "Support", "+4793000000").await;
    assert_eq!(capped.status, 429, "{capped:?}");
    assert_eq!(capped.error_code(), "rate_limited");
    assert!(capped.text.contains("X-Api-Key"), "{}", capped.text);
}

#[tokio::test]
async fn web_callbacks_wrong_keys_are_throttled_per_address() {
    let app = spawn_demo().await;
    for n in 0..KEY_FAILURES_MAX {
        let reply = request(&app, &format!("guess-{n}"), "Sales", "+4791300000").await;
        assert_eq!(reply.status, 401, "guess {n}: {reply:?}");
    }
    let throttled = request(&app, "guess-again", "Sales", "+4791300000").await;
    assert_eq!(throttled.status, 429, "{throttled:?}");
    assert_eq!(throttled.error_code(), "too_many_requests");
    // Even the right key waits now: guessing from this address has stopped for a while.
    let right = request(
        &app,
        "demo-callback-key-not-a-secret-2026",
        "Sales",
        "+4791300000",
    )
    .await;
    assert_eq!(right.status, 429, "{right:?}");
}

#[tokio::test]
async fn web_callbacks_premium_rate_numbers_are_refused_and_prefixes_limit_destinations() {
    // A script with the public key could make the server call premium-rate numbers.
    let app = spawn_demo().await;
    let key = "demo-callback-key-not-a-secret-2026";
    let premium = request(&app, key, "Sales", "+47 820 12 345").await;
    assert_eq!(premium.status, 422, "{premium:?}");
    assert_eq!(premium.error_code(), "invalid");
    assert!(premium.text.contains("premium-rate"), "{}", premium.text);

    let admin = app.user("admin").await;
    let changed = admin
        .patch(
            "/api/v1/admin/settings",
            json!({"web_callback_prefixes": ["+47", "+47820"]}),
        )
        .await;
    assert_eq!(changed.status, 200, "{changed:?}");
    let sweden = request(&app, key, "Sales", "+46 8 123 456").await;
    assert_eq!(sweden.status, 422, "{sweden:?}");
    assert!(sweden.text.contains("+47"), "{}", sweden.text);
    // Named explicitly, the premium range is allowed; an ordinary Norwegian number too.
    assert_eq!(request(&app, key, "Sales", "+4782012345").await.status, 201);
    assert_eq!(request(&app, key, "Sales", "+4791300000").await.status, 201);

    let bad = admin
        .patch(
            "/api/v1/admin/settings",
            json!({"web_callback_prefixes": ["47"]}),
        )
        .await;
    assert_eq!(bad.status, 422, "{bad:?}");
    assert!(bad.text.contains("web_callback_prefixes"), "{}", bad.text);
}

#[tokio::test]
async fn web_callbacks_an_administrator_rotates_the_key_to_a_server_generated_one() {
    let app = spawn_demo().await;
    let old = "demo-callback-key-not-a-secret-2026";
    let supervisor = app.user("supervisor").await;
    let refused = supervisor
        .post_empty("/api/v1/admin/web_callback_key")
        .await;
    assert_eq!(refused.status, 403, "{refused:?}");
    let admin = app.user("admin").await;
    let rotated = admin.post_empty("/api/v1/admin/web_callback_key").await;
    assert_eq!(rotated.status, 201, "{rotated:?}");
    let key = rotated.body["web_callback_api_key"]
        .as_str()
        .expect("the new key")
        .to_owned();
    assert_eq!(key.len(), 64, "256 bits as hex: {key}");
    assert!(key.bytes().all(|b| b.is_ascii_hexdigit()), "{key}");
    assert_eq!(request(&app, old, "Sales", "+4791300000").await.status, 401);
    assert_eq!(
        request(&app, &key, "Sales", "+4791300000").await.status,
        201
    );
    // Rotating again gives another key.
    let again = admin.post_empty("/api/v1/admin/web_callback_key").await;
    assert_ne!(again.body["web_callback_api_key"], key.as_str());
}
