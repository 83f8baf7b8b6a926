//! Operations endpoints: health, readiness, Prometheus metrics and the OpenAPI document.

use crate::support::spawn_demo;
use serde_json::Value;

/// Every path the agent desktop relies on, spelled exactly as the document must list it, with
/// its methods.
const REQUIRED: &[(&str, &[&str])] = &[
    ("/api/v1/login", &["post"]),
    ("/api/v1/logout", &["post"]),
    ("/api/v1/agents/me/session", &["post", "delete"]),
    ("/api/v1/agents/me/state", &["put"]),
    ("/api/v1/agents/me", &["get"]),
    ("/api/v1/tasks", &["get"]),
    ("/api/v1/tasks/{id}", &["get"]),
    ("/api/v1/tasks/{id}/hold", &["post"]),
    ("/api/v1/tasks/{id}/unhold", &["post"]),
    ("/api/v1/tasks/{id}/consult", &["post"]),
    ("/api/v1/tasks/{id}/consult/end", &["post"]),
    ("/api/v1/tasks/{id}/consult/transfer", &["post"]),
    ("/api/v1/tasks/{id}/consult/conference", &["post"]),
    ("/api/v1/tasks/{id}/transfer", &["post"]),
    ("/api/v1/tasks/{id}/end", &["post"]),
    ("/api/v1/tasks/{id}/wrapup", &["post"]),
    ("/api/v1/tasks/{id}/record/pause", &["post"]),
    ("/api/v1/tasks/{id}/record/resume", &["post"]),
    ("/api/v1/tasks/{id}/accept", &["post"]),
    ("/api/v1/tasks/{id}/cancel", &["post"]),
    ("/api/v1/tasks/{id}/variables", &["patch"]),
    ("/api/v1/tasks/{id}/variables/secure", &["get"]),
    ("/api/v1/interactions", &["get"]),
    ("/api/v1/events", &["get"]),
];

#[tokio::test]
async fn operations_health_and_readiness_answer_without_a_session() {
    let app = spawn_demo().await;
    let anonymous = app.anonymous();
    let health = anonymous.get("/healthz").await;
    assert_eq!(health.status, 200, "{health:?}");
    let ready = anonymous.get("/readyz").await;
    assert_eq!(ready.status, 200, "{ready:?}");
}

#[tokio::test]
async fn operations_readyz_names_an_organisation_whose_engine_stopped() {
    // Issue 18: a panic in an engine's core stops that organisation's task rather than letting
    // a half-changed engine go on; the server stays up and /readyz says which one stopped.
    let app = spawn_demo().await;
    app.demo().stop().await;
    let mut ready = app.anonymous().get("/readyz").await;
    for _ in 0..50 {
        if ready.status == 503 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        ready = app.anonymous().get("/readyz").await;
    }
    assert_eq!(ready.status, 503, "{ready:?}");
    assert!(
        ready.text.contains("the engine of demo stopped"),
        "{ready:?}"
    );
    assert_eq!(app.anonymous().get("/healthz").await.status, 200);
}

#[tokio::test]
async fn operations_metrics_show_agents_by_state_and_api_latency() {
    let app = spawn_demo().await;
    // An agent state change and a few API requests feed the metrics. (The recorder is shared
    // by every server of this test process, so values are not asserted, only the series.)
    let anna = app.ready_agent("anna", "Sales", "1001").await;
    anna.get("/api/v1/agents/me").await;
    let metrics = app.anonymous().get("/metrics").await;
    assert_eq!(metrics.status, 200, "{metrics:?}");
    let content_type = metrics.headers["content-type"].to_str().expect("text");
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let text = &metrics.text;
    assert!(
        text.lines()
            .any(|l| l.starts_with("sentral_agents{") && l.contains("org=\"demo\"")),
        "sentral_agents per organisation and state:\n{text}"
    );
    assert!(
        text.contains("sentral_api_latency_seconds"),
        "API latency histogram:\n{text}"
    );
    assert!(
        text.contains("path=\"/api/v1/agents/me\""),
        "latency per route template:\n{text}"
    );
}

#[tokio::test]
async fn operations_the_openapi_document_is_json_and_lists_every_required_path() {
    let app = spawn_demo().await;
    let reply = app.anonymous().get("/api/openapi.json").await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let content_type = reply.headers["content-type"].to_str().expect("text");
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    let document: Value = serde_json::from_str(&reply.text).expect("valid JSON");
    assert!(
        document["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.")),
        "an OpenAPI 3 document"
    );
    let paths = document["paths"].as_object().expect("paths");
    let mut missing = Vec::new();
    for (path, methods) in REQUIRED {
        for method in *methods {
            if paths.get(*path).and_then(|p| p.get(*method)).is_none() {
                missing.push(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "missing from the OpenAPI document: {missing:?}\nlisted: {:?}",
        paths.keys().collect::<Vec<_>>()
    );
    // Every operation is documented with a summary and its responses.
    for (path, item) in paths {
        for (method, operation) in item.as_object().expect("a path item") {
            assert!(
                operation["responses"]
                    .as_object()
                    .is_some_and(|r| !r.is_empty()),
                "{method} {path} documents its responses"
            );
        }
    }
}

#[tokio::test]
async fn housekeeping_unknown_methods_share_one_metrics_label() {
    // Each invented method was its own label value: a client could grow the metrics without end.
    let app = spawn_demo().await;
    let anonymous = app.anonymous();
    for n in 0..3 {
        let method = reqwest::Method::from_bytes(format!("INVENTED{n}").as_bytes()).unwrap();
        let reply = crate::support::Api::send(anonymous.request(method, "/api/v1/tasks")).await;
        assert!(reply.status >= 400, "{reply:?}");
    }
    let metrics = anonymous.get("/metrics").await;
    assert!(!metrics.text.contains("INVENTED"), "{}", metrics.text);
    assert!(
        metrics.text.contains("method=\"OTHER\""),
        "{}",
        metrics.text
    );
}
