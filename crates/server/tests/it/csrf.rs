//! Cross-site request forgery: a state change carried by the session cookie must come from
//! the server's own pages (`Sec-Fetch-Site` or `Origin`); bearer-token requests are not
//! affected.

use crate::support::{Api, TestApp, spawn_demo};
use reqwest::Method;
use reqwest::header::COOKIE;
use serde_json::json;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// A station log-in carried by the session cookie, with `headers` added.
async fn cookie_post(
    app: &TestApp,
    token: &str,
    headers: &[(&str, String)],
) -> crate::support::Reply {
    let mut builder = app
        .anonymous()
        .request(Method::POST, "/api/v1/agents/me/session")
        .header(COOKIE, format!("sentral_session={token}"))
        .json(&json!({"team": "Sales", "extension": "1001"}));
    for (name, value) in headers {
        builder = builder.header(*name, value);
    }
    Api::send(builder).await
}

#[tokio::test]
async fn csrf_a_cookie_state_change_from_another_site_is_refused() {
    // Issue 15: this POST succeeded with Origin: http://evil.example.
    let app = spawn_demo().await;
    let token = app.login("anna").await;
    let evil = [
        ("origin", "http://evil.example".to_owned()),
        ("sec-fetch-site", "cross-site".to_owned()),
    ];
    let reply = cookie_post(&app, &token, &evil).await;
    assert_eq!(reply.status, 403, "{reply:?}");
    assert_eq!(reply.error_code(), "forbidden");
    assert!(
        reply.text.contains("cross-site request refused"),
        "{}",
        reply.text
    );
    // Only Origin, from another site; and neither header at all.
    let reply = cookie_post(&app, &token, &[("origin", "http://evil.example".into())]).await;
    assert_eq!(reply.status, 403, "{reply:?}");
    let reply = cookie_post(&app, &token, &[]).await;
    assert_eq!(reply.status, 403, "{reply:?}");
    let reply = cookie_post(&app, &token, &[("sec-fetch-site", "same-site".into())]).await;
    assert_eq!(reply.status, 403, "{reply:?}");
    // Nothing happened: anna is still not logged in at a station.
    let me = app.client(&token).get("/api/v1/agents/me").await;
    assert_eq!(me.body["agent"]["state"], "logged_out", "{me:?}");
}

#[tokio::test]
async fn csrf_the_servers_own_pages_and_bearer_clients_still_pass() {
    let app = spawn_demo().await;
    let token = app.login("anna").await;
    let own = format!("http://{}", app.addr);
    let reply = cookie_post(&app, &token, &[("origin", own)]).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let logged_out = Api::send(
        app.anonymous()
            .request(Method::DELETE, "/api/v1/agents/me/session")
            .header(COOKIE, format!("sentral_session={token}"))
            .header("sec-fetch-site", "same-origin"),
    )
    .await;
    assert_eq!(logged_out.status, 200, "{logged_out:?}");
    // A bearer token cannot be attached by a foreign page: not checked.
    let reply = Api::send(
        app.client(&token)
            .request(Method::POST, "/api/v1/agents/me/session")
            .header("origin", "http://evil.example")
            .json(&json!({"team": "Sales", "extension": "1001"})),
    )
    .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    // Reading with the cookie is not a state change.
    let me = Api::send(
        app.anonymous()
            .request(Method::GET, "/api/v1/agents/me")
            .header(COOKIE, format!("sentral_session={token}"))
            .header("origin", "http://evil.example"),
    )
    .await;
    assert_eq!(me.status, 200, "{me:?}");
}

#[tokio::test]
async fn csrf_a_cookie_websocket_from_another_site_is_refused() {
    // Cross-site WebSocket hijacking: the upgrade carries the cookie like any request.
    let app = spawn_demo().await;
    let token = app.login("anna").await;
    let connect = |origin: String| {
        let mut request = format!("ws://{}/api/v1/events", app.addr)
            .into_client_request()
            .expect("request");
        let headers = request.headers_mut();
        headers.insert(
            "cookie",
            format!("sentral_session={token}").parse().unwrap(),
        );
        headers.insert("origin", origin.parse().unwrap());
        tokio_tungstenite::connect_async(request)
    };
    match connect("http://evil.example".into()).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status().as_u16(), 403);
        }
        Ok(_) => panic!("a cross-site WebSocket was opened"),
        Err(error) => panic!("unexpected: {error}"),
    }
    let (ws, _) = connect(format!("http://{}", app.addr))
        .await
        .expect("the desktop's own WebSocket opens");
    drop(ws);
}
