//! HTTPS (issue 25, encryption on the wire): with a certificate and key configured the server
//! speaks only TLS on its HTTP port, tells browsers to stay on HTTPS (HSTS), keeps the session
//! cookie off plain HTTP (`Secure`), swaps its certificate on reload without dropping open
//! connections, and is not held up by clients that never finish a handshake. Certificates come
//! from a throwaway CA made by each test.

use crate::support::{TestApp, TestCa, demo_config, spawn_app};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn spawn_https(ca: &TestCa, dir: &std::path::Path) -> TestApp {
    let mut config = demo_config();
    config.server.tls = Some(ca.issue(dir, &["127.0.0.1", "localhost"]));
    spawn_app(config).await
}

fn https(app: &TestApp, path: &str) -> String {
    format!("https://127.0.0.1:{}{path}", app.addr.port())
}

/// Sends `GET /healthz` over an open connection, keeping it open; returns the status line.
async fn health_over(stream: &mut tokio_rustls::client::TlsStream<TcpStream>) -> String {
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .expect("request written");
    let mut answer = vec![0; 4096];
    let n = stream.read(&mut answer).await.expect("answer read");
    let text = String::from_utf8_lossy(&answer[..n]).into_owned();
    text.lines().next().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn https_serves_the_desktop_and_api_over_tls_with_hsts_and_a_secure_session_cookie() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ca = TestCa::new("sentral-test-ca");
    let app = spawn_https(&ca, dir.path()).await;
    assert_eq!(app.app.scheme(), "https");
    let client = ca.http_client();

    let page = client
        .get(https(&app, "/"))
        .send()
        .await
        .expect("the desktop over HTTPS");
    assert_eq!(page.status(), 200);
    assert_eq!(
        page.headers()["strict-transport-security"],
        "max-age=31536000",
        "HSTS on every answer"
    );

    let login = client
        .post(https(&app, "/api/v1/login"))
        .json(&serde_json::json!({"username": "anna", "password": "demo"}))
        .send()
        .await
        .expect("sign-in over HTTPS");
    assert_eq!(login.status(), 200);
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .expect("text")
        .to_owned();
    assert!(
        cookie.contains("; Secure"),
        "the session cookie is Secure: {cookie}"
    );
    assert!(cookie.contains("HttpOnly"), "{cookie}");

    // Plain HTTP on the same port gets no answer from the API.
    let plain = reqwest::Client::new()
        .get(format!("http://{}/healthz", app.addr))
        .send()
        .await;
    assert!(
        plain.map(|r| !r.status().is_success()).unwrap_or(true),
        "plain HTTP is not served on the HTTPS port"
    );
}

#[tokio::test]
async fn https_a_client_that_does_not_trust_the_certificate_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ca = TestCa::new("sentral-test-ca");
    let app = spawn_https(&ca, dir.path()).await;
    let stranger = TestCa::new("another-ca");
    let error = stranger
        .http_client()
        .get(https(&app, "/healthz"))
        .send()
        .await
        .expect_err("a certificate from an unknown CA is refused");
    assert!(error.is_connect(), "{error:?}");
    let raw = stranger.connect(app.addr).await.expect_err("no handshake");
    assert!(
        raw.to_string().contains("UnknownIssuer") || raw.to_string().contains("certificate"),
        "{raw}"
    );
}

#[tokio::test]
async fn https_a_reload_presents_the_new_certificate_and_keeps_open_connections() {
    let dir = tempfile::tempdir().expect("temp dir");
    let old_ca = TestCa::new("old-ca");
    let app = spawn_https(&old_ca, dir.path()).await;
    let mut open = old_ca
        .connect(app.addr)
        .await
        .expect("a connection before the reload");
    assert_eq!(health_over(&mut open).await, "HTTP/1.1 200 OK");

    // The renewed certificate is written over the configured files, then SIGHUP reloads.
    let files = app.config.server.tls.clone().expect("TLS configured");
    let new_ca = TestCa::new("new-ca");
    let renewed = new_ca.issue(dir.path(), &["127.0.0.1"]);
    std::fs::copy(&renewed.certificate, &files.certificate).expect("certificate replaced");
    std::fs::copy(&renewed.key, &files.key).expect("key replaced");
    app.app
        .reload_tls()
        .expect("the renewed certificate is read");

    assert_eq!(
        health_over(&mut open).await,
        "HTTP/1.1 200 OK",
        "the connection opened before the reload still works"
    );
    new_ca
        .connect(app.addr)
        .await
        .expect("new handshakes present the new certificate");
    old_ca
        .connect(app.addr)
        .await
        .expect_err("the old certificate is no longer presented");

    // A broken file on reload keeps the certificate in use and says what is wrong.
    std::fs::write(&files.key, "not a key").expect("key broken");
    let error = app.app.reload_tls().expect_err("a broken key is refused");
    let text = format!("{error:#}");
    assert!(text.contains(&files.key.display().to_string()), "{text}");
    new_ca
        .connect(app.addr)
        .await
        .expect("the certificate in use stays");
}

#[tokio::test]
async fn https_clients_that_never_finish_a_handshake_do_not_hold_up_others() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ca = TestCa::new("sentral-test-ca");
    let app = spawn_https(&ca, dir.path()).await;
    let mut silent = Vec::new();
    for _ in 0..32 {
        silent.push(
            TcpStream::connect(app.addr)
                .await
                .expect("a TCP connection"),
        );
    }
    let reply = ca
        .http_client()
        .get(https(&app, "/healthz"))
        .send()
        .await
        .expect("a real client is served while 32 others say nothing");
    assert_eq!(reply.status(), 200);
    drop(silent);
}

#[tokio::test]
async fn https_a_missing_certificate_stops_the_start_with_the_file_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = demo_config();
    let missing = dir.path().join("missing.crt");
    config.server.tls = Some(sentral_server::tls::TlsFiles {
        certificate: missing.clone(),
        key: dir.path().join("missing.key"),
    });
    let error = sentral_server::start(sentral_server::StartOptions {
        config,
        data_dir: dir.path().join("data"),
        http: "127.0.0.1:0".parse().expect("address"),
        telephony: None,
        sip: None,
    })
    .await
    .err()
    .expect("no start without the certificate");
    let text = format!("{error:#}");
    assert!(text.contains(&missing.display().to_string()), "{text}");
}
