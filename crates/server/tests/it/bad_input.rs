//! Bad input is answered with a 4xx and a JSON `{code, message}` body that says what is wrong,
//! never with a 5xx; a retried POST with the same `Idempotency-Key` acts once.

use crate::support::{Api, DN_SALES, Reply, TestApp, answered_call, spawn_demo};
use reqwest::Method;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};

/// Asserts a client error with a JSON body whose message is not empty; returns it.
fn client_error<'a>(what: &str, reply: &'a Reply, status: u16, code: &str) -> &'a Reply {
    assert_eq!(reply.status, status, "{what}: {reply:?}");
    assert_eq!(reply.error_code(), code, "{what}: {reply:?}");
    reply
}

fn message(reply: &Reply) -> &str {
    reply.body["message"].as_str().expect("a message")
}

async fn raw(api: &Api, method: Method, path: &str, content_type: &str, body: &str) -> Reply {
    Api::send(
        api.request(method, path)
            .header(CONTENT_TYPE, content_type)
            .body(body.to_owned()),
    )
    .await
}

/// Anna on a connected Sales call; returns her client and the task id.
async fn connected(app: &TestApp) -> (Api, u64) {
    let anna = app.ready_agent("anna", "Sales", "1001").await;
    let (task, _) = answered_call(app, 1, DN_SALES, "1001").await;
    assert_eq!(anna.task(task).await["phase"], "connected");
    (anna, task)
}

#[tokio::test]
async fn bad_input_malformed_unknown_or_mistyped_json_is_a_4xx_saying_what_is_wrong() {
    let app = spawn_demo().await;
    let anonymous = app.anonymous();
    let json = "application/json";

    let malformed = raw(
        &anonymous,
        Method::POST,
        "/api/v1/login",
        json,
        r#"{"username": "anna", "#,
    )
    .await;
    client_error("malformed JSON", &malformed, 422, "invalid_json");

    let unknown = anonymous
        .post(
            "/api/v1/login",
            json!({"username": "anna", "password": "demo", "remember_me": true}),
        )
        .await;
    client_error("an unknown field", &unknown, 422, "invalid_json");
    assert!(message(&unknown).contains("remember_me"), "{unknown:?}");

    let missing = anonymous
        .post("/api/v1/login", json!({"username": "anna"}))
        .await;
    client_error("a missing field", &missing, 422, "invalid_json");
    assert!(message(&missing).contains("password"), "{missing:?}");

    let mistyped = anonymous
        .post("/api/v1/login", json!({"username": 7, "password": "demo"}))
        .await;
    client_error("a number for a string", &mistyped, 422, "invalid_json");

    let text = raw(
        &anonymous,
        Method::POST,
        "/api/v1/login",
        "text/plain",
        r#"{"username": "anna", "password": "demo"}"#,
    )
    .await;
    client_error("the wrong content type", &text, 415, "invalid_json");
    assert!(message(&text).contains("application/json"), "{text:?}");

    let none = Api::send(
        anonymous
            .request(Method::POST, "/api/v1/login")
            .body(r#"{"username": "anna", "password": "demo"}"#),
    )
    .await;
    client_error("no content type", &none, 415, "invalid_json");

    // Signed in: the same rules on the agent's endpoints.
    let anna = app.user("anna").await;
    let state = anna
        .put("/api/v1/agents/me/state", json!({"state": "busy"}))
        .await;
    client_error("an unknown state", &state, 422, "invalid");
    assert!(message(&state).contains("busy"), "{state:?}");
    let idle = anna
        .put("/api/v1/agents/me/state", json!({"state": "idle"}))
        .await;
    client_error("idle without a reason", &idle, 422, "invalid");
    let team = anna
        .post(
            "/api/v1/agents/me/session",
            json!({"team": "Nope", "extension": "1001"}),
        )
        .await;
    client_error("an unknown team", &team, 422, "invalid");
    assert!(message(&team).contains("Nope"), "{team:?}");
    let station = anna
        .post(
            "/api/v1/agents/me/session",
            json!({"team": "Sales", "extension": "1001", "phone": "x"}),
        )
        .await;
    client_error("an unknown station field", &station, 422, "invalid_json");
}

#[tokio::test]
async fn bad_input_a_body_over_64_kib_is_413() {
    let app = spawn_demo().await;
    let big = format!(
        r#"{{"username": "anna", "password": "{}"}}"#,
        "x".repeat(70 * 1024)
    );
    let reply = raw(
        &app.anonymous(),
        Method::POST,
        "/api/v1/login",
        "application/json",
        &big,
    )
    .await;
    assert_eq!(reply.status, 413, "{reply:?}");
    reply.error_code();

    // Also when signed in, on a command with a body.
    let anna = app.user("anna").await;
    let values: Value = (0..300)
        .map(|i| (format!("v{i}"), Value::String("y".repeat(250))))
        .collect::<serde_json::Map<_, _>>()
        .into();
    let reply = anna
        .patch(
            "/api/v1/tasks/1/variables",
            json!({"expected_version": 0, "values": values}),
        )
        .await;
    assert_eq!(reply.status, 413, "{reply:?}");
    assert_eq!(reply.error_code(), "too_large");
    assert!(message(&reply).contains("65536"), "{reply:?}");

    // Without a Content-Length (chunked), the limit holds while the body is read.
    let (status, body) = chunked_post(&app, "/api/v1/login", 70 * 1024).await;
    assert_eq!(status, 413, "{body}");
    let body: Value = serde_json::from_str(&body).expect("a JSON body");
    assert_eq!(body["code"], "too_large", "{body}");
}

/// POSTs a JSON body of about `bytes` bytes with chunked transfer encoding (no Content-Length)
/// over a raw connection; returns the status and the body's JSON text.
async fn chunked_post(app: &TestApp, path: &str, bytes: usize) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(app.addr)
        .await
        .expect("connect");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        app.addr
    );
    let body = format!(
        r#"{{"username": "anna", "password": "{}"}}"#,
        "x".repeat(bytes)
    );
    let mut request = head.into_bytes();
    for chunk in body.as_bytes().chunks(8 * 1024) {
        request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        request.extend_from_slice(chunk);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    // The server may answer and close before it has read everything.
    let _ = stream.write_all(&request).await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(crate::support::WAIT, stream.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("an HTTP answer: {answer:?}"));
    let json = match (answer.find('{'), answer.rfind('}')) {
        (Some(start), Some(end)) => answer[start..=end].to_owned(),
        _ => answer.clone(),
    };
    (status, json)
}

#[tokio::test]
async fn r34_r30_values_over_256_characters_and_invalid_dial_numbers_are_422() {
    let app = spawn_demo().await;
    let (anna, task) = connected(&app).await;
    let version = anna.task(task).await["variables_version"]
        .as_u64()
        .expect("a version");

    // R34: at most 256 characters a value.
    let long = anna
        .patch(
            &format!("/api/v1/tasks/{task}/variables"),
            json!({"expected_version": version, "values": {"case_number": "x".repeat(257)}}),
        )
        .await;
    client_error("a 257-character value", &long, 422, "R34");
    let exact = anna
        .patch(
            &format!("/api/v1/tasks/{task}/variables"),
            json!({"expected_version": version, "values": {"case_number": "x".repeat(256)}}),
        )
        .await;
    assert_eq!(exact.status, 200, "256 characters are fine: {exact:?}");
    let version = exact.body["variables_version"].as_u64().expect("a version");
    let unknown = anna
        .patch(
            &format!("/api/v1/tasks/{task}/variables"),
            json!({"expected_version": version, "values": {"shoe_size": "42"}}),
        )
        .await;
    assert!(
        (400..500).contains(&unknown.status),
        "an unknown variable: {unknown:?}"
    );
    unknown.error_code();
    let read_only = anna
        .patch(
            &format!("/api/v1/tasks/{task}/variables"),
            json!({"expected_version": version, "values": {"language": "en"}}),
        )
        .await;
    client_error("a variable that is not editable", &read_only, 422, "R34");
    let date = anna
        .patch(
            &format!("/api/v1/tasks/{task}/variables"),
            json!({"expected_version": version, "values": {"follow_up_at": "next tuesday"}}),
        )
        .await;
    client_error("a date-time that is not ISO 8601", &date, 422, "R34");

    // R30: 3 to 18 digits; only + # * : besides digits (others are stripped).
    for number in ["12", "abc", "+1234567890123456789", "", "++--"] {
        for command in ["consult", "transfer"] {
            let reply = anna
                .post(
                    &format!("/api/v1/tasks/{task}/{command}"),
                    json!({"target": {"type": "dial_number", "number": number}}),
                )
                .await;
            client_error(&format!("{command} to {number:?}"), &reply, 422, "R30");
        }
    }
    let target = anna
        .post(
            &format!("/api/v1/tasks/{task}/transfer"),
            json!({"target": {"type": "planet", "id": 3}}),
        )
        .await;
    client_error("an unknown target type", &target, 422, "invalid_json");
    let party = anna
        .post(
            &format!("/api/v1/tasks/{task}/hold"),
            json!({"party": "everyone"}),
        )
        .await;
    client_error("an unknown party", &party, 422, "invalid");
    let hold_json = raw(
        &anna,
        Method::POST,
        &format!("/api/v1/tasks/{task}/hold"),
        "application/json",
        "{party",
    )
    .await;
    client_error("a malformed hold body", &hold_json, 422, "invalid_json");

    // Nothing of that changed the call.
    let view = anna.task(task).await;
    assert_eq!(view["phase"], "connected");
    assert_eq!(view["customer_held"], false);
    assert_eq!(view["variables"]["case_number"], "x".repeat(256));
}

#[tokio::test]
async fn bad_input_unknown_and_malformed_ids_paths_and_queries_are_4xx_json() {
    let app = spawn_demo().await;
    let (anna, _) = connected(&app).await;
    let supervisor = app.user("supervisor").await;

    let unknown = anna.get("/api/v1/tasks/424242").await;
    client_error("an unknown task", &unknown, 404, "not_found");
    for command in ["hold", "end", "consult/end", "accept"] {
        let reply = anna
            .post_empty(&format!("/api/v1/tasks/424242/{command}"))
            .await;
        client_error(
            &format!("{command} on an unknown task"),
            &reply,
            404,
            "not_found",
        );
    }
    let wrapup = anna
        .post("/api/v1/tasks/424242/wrapup", json!({"reason": "resolved"}))
        .await;
    client_error("wrap-up of an unknown task", &wrapup, 404, "not_found");
    let consult = anna
        .post(
            "/api/v1/tasks/424242/consult",
            json!({"target": {"type": "dial_number", "number": "+4722000000"}}),
        )
        .await;
    client_error("consult on an unknown task", &consult, 404, "not_found");
    let secure = anna.get("/api/v1/tasks/424242/variables/secure").await;
    client_error(
        "secure values of an unknown task",
        &secure,
        404,
        "not_found",
    );

    for id in ["abc", "-1", "1.5", "99999999999999999999999"] {
        let reply = anna.get(&format!("/api/v1/tasks/{id}")).await;
        assert!(
            (400..500).contains(&reply.status),
            "task id {id:?}: {reply:?}"
        );
        reply.error_code();
        let reply = anna.post_empty(&format!("/api/v1/tasks/{id}/hold")).await;
        assert!(
            (400..500).contains(&reply.status),
            "hold on task id {id:?}: {reply:?}"
        );
        reply.error_code();
    }

    let nowhere = anna.get("/api/v1/nowhere").await;
    client_error("an unknown path", &nowhere, 404, "not_found");
    let method = anna.delete("/api/v1/tasks").await;
    assert_eq!(method.status, 405, "{method:?}");
    method.error_code();

    for query in [
        "limit=abc",
        "limit=0",
        "limit=501",
        "colour=red",
        "before=-3",
    ] {
        let reply = supervisor
            .get(&format!("/api/v1/interactions?{query}"))
            .await;
        assert!(
            (400..500).contains(&reply.status),
            "history with {query}: {reply:?}"
        );
        reply.error_code();
    }
    let purpose = anna.get("/api/v1/directory/agents?purpose=lunch").await;
    client_error("an unknown directory purpose", &purpose, 422, "invalid");

    let since = Api::send(
        anna.request(Method::GET, "/api/v1/events?since=yesterday")
            .header("connection", "upgrade")
            .header("upgrade", "websocket")
            .header("sec-websocket-version", "13")
            .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
    )
    .await;
    assert!(
        (400..500).contains(&since.status),
        "events since a word: {since:?}"
    );
    since.error_code();
    let plain = anna.get("/api/v1/events").await;
    assert!(
        (400..500).contains(&plain.status),
        "events without a WebSocket upgrade: {plain:?}"
    );
    plain.error_code();

    for header in ["Bearer", "Bearer nonsense", "Basic YW5uYTpkZW1v", "anna"] {
        let reply = Api::send(
            app.anonymous()
                .request(Method::GET, "/api/v1/agents/me")
                .header("authorization", header),
        )
        .await;
        client_error(
            &format!("Authorization: {header}"),
            &reply,
            401,
            "unauthenticated",
        );
    }
}

#[tokio::test]
async fn bad_input_the_same_post_with_the_same_idempotency_key_answers_the_same_and_acts_once() {
    let app = spawn_demo().await;
    let (anna, task) = connected(&app).await;
    let mut events = app.events(anna.token(), None).await;
    let hold = |key: &'static str| {
        let anna = anna.clone();
        async move {
            Api::send(
                anna.request(Method::POST, &format!("/api/v1/tasks/{task}/hold"))
                    .header("idempotency-key", key),
            )
            .await
        }
    };

    let first = hold("hold-1").await;
    assert_eq!(first.status, 200, "{first:?}");
    assert_eq!(first.body["customer_held"], true);
    let second = hold("hold-1").await;
    assert_eq!(second.status, first.status);
    assert_eq!(second.body, first.body, "the same answer");
    let (held, _) = events.until("hold_changed").await;
    assert_eq!(held["customer_held"], true);

    // Take the customer off hold; replaying the key must not put them back on hold.
    let resumed = anna
        .post_empty(&format!("/api/v1/tasks/{task}/unhold"))
        .await;
    assert_eq!(resumed.status, 200, "{resumed:?}");
    let (unheld, skipped) = events.until("hold_changed").await;
    assert_eq!(unheld["customer_held"], false);
    assert!(
        skipped.iter().all(|e| e["type"] != "hold_changed"),
        "the retry did not hold again: {skipped:?}"
    );
    let third = hold("hold-1").await;
    assert_eq!(third.body, first.body, "still the first answer");
    assert_eq!(
        anna.task(task).await["customer_held"],
        false,
        "the retry acted no more"
    );

    // A new key is a new request; a refusal is remembered as well.
    let again = hold("hold-2").await;
    assert_eq!(again.status, 200, "{again:?}");
    let twice = hold("hold-3").await;
    assert_eq!(twice.status, 409, "already on hold: {twice:?}");
    twice.error_code();
    let unhold = anna
        .post_empty(&format!("/api/v1/tasks/{task}/unhold"))
        .await;
    assert_eq!(unhold.status, 200, "{unhold:?}");
    let replayed = hold("hold-3").await;
    assert_eq!(replayed.status, 409, "the stored refusal: {replayed:?}");
    assert_eq!(replayed.body, twice.body);

    // Keys are per user: bjorn's identical key is his own request.
    let bjorn = app.user("bjorn").await;
    let other = Api::send(
        bjorn
            .request(Method::POST, &format!("/api/v1/tasks/{task}/hold"))
            .header("idempotency-key", "hold-1"),
    )
    .await;
    assert_eq!(other.status, 403, "not anna's answer: {other:?}");
    events.close().await;
}
