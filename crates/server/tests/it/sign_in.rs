//! Sign-in and sign-out: repeated failed sign-ins slow down the account (not the client
//! address), a wrong password is 401, and a signed-out token no longer works.

use crate::support::spawn_demo;
use serde_json::json;

#[tokio::test]
async fn sign_in_failures_slow_down_that_account_only() {
    let app = spawn_demo().await;
    let anonymous = app.anonymous();
    let wrong = json!({"username": "anna", "password": "wrong"});
    for attempt in 1..=3 {
        let reply = anonymous.post("/api/v1/login", wrong.clone()).await;
        assert_eq!(reply.status, 401, "attempt {attempt}: {}", reply.text);
        assert_eq!(reply.error_code(), "unauthenticated");
    }
    // The third failure locked the account for a while: even the right password waits.
    let right = json!({"username": "anna", "password": "demo"});
    let locked = anonymous.post("/api/v1/login", right.clone()).await;
    assert_eq!(locked.status, 429, "{}", locked.text);
    assert_eq!(locked.error_code(), "too_many_requests");
    let retry_after: u64 = locked.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (1..=300).contains(&retry_after),
        "Retry-After {retry_after}"
    );
    // Another account signing in from the same address is not slowed down.
    let bjorn = anonymous
        .post(
            "/api/v1/login",
            json!({"username": "bjorn", "password": "demo"}),
        )
        .await;
    assert_eq!(bjorn.status, 200, "{}", bjorn.text);
    // Once the wait is over, the right password works again.
    tokio::time::sleep(std::time::Duration::from_millis(retry_after * 1000 + 100)).await;
    let again = anonymous.post("/api/v1/login", right).await;
    assert_eq!(again.status, 200, "{}", again.text);
}

#[tokio::test]
async fn sign_out_ends_the_session() {
    let app = spawn_demo().await;
    let anna = app.user("anna").await;
    assert_eq!(anna.get("/api/v1/agents/me").await.status, 200);
    assert_eq!(anna.post_empty("/api/v1/logout").await.status, 204);
    let after = anna.get("/api/v1/agents/me").await;
    assert_eq!(after.status, 401);
    assert_eq!(after.error_code(), "unauthenticated");
}
