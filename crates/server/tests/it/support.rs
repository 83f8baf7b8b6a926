//! The harness: the real server in-process on port 0 with a fresh data directory, a real HTTP
//! client and WebSocket client, and a double of the phone network.
//!
//! The double ([`FakePhone`]) records every telephony command the engine sends; a test plays
//! the network by injecting events through the organisation's handle, exactly as the SIP
//! adapter does (`app.org("demo").unwrap().telephony(event)`). Nothing here reaches into the
//! server past its public API.

use futures_util::{SinkExt, StreamExt};
use reqwest::Method;
use reqwest::header::{AUTHORIZATION, HeaderMap};
use sentral_engine::{LegId, TelephonyCommand, TelephonyEvent};
use sentral_server::config::{self, ServerConfig};
use sentral_server::org::OrgHandle;
use sentral_server::telephony::TelephonyAdapter;
use sentral_server::{RunningApp, StartOptions};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;
use tempfile::TempDir;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long any wait lasts before the test fails.
pub const WAIT: Duration = Duration::from_secs(10);

/// Every password of the demo organisation and of the test organisation `acme`.
pub const PASSWORD: &str = "demo";

/// The demo number that reaches the Sales queue (anna, bjorn, cecilie).
pub const DN_SALES: &str = "+4721000001";
/// The demo number that reaches the Support queue (david, eva, fredrik).
pub const DN_SUPPORT: &str = "+4721000000";

/// A second organisation with its own users, numbers and extensions, appended to the demo
/// file for the tests that need two organisations.
pub const ACME_TOML: &str = r#"
[organisations.acme]
name = "Acme AS"
sip_realm = "acme"
web_callback_api_key = "acme-callback-key-not-a-secret-2026"

[organisations.acme.users.acme-admin]
role = "admin"
password = "demo"

[organisations.acme.users.acme-supervisor]
role = "supervisor"
password = "demo"

[organisations.acme.users.acme-agent]
role = "agent"
password = "demo"

[organisations.acme.teams.Desk]

[organisations.acme.agents.acme-agent]
name = "Acme Agent"
extension = "2001"
sip_password = "acme phone secret"
teams = ["Desk"]

[organisations.acme.queues.Desk]
channel = "voice"
teams = ["Desk"]

[organisations.acme.entry_points.Front]
dial_numbers = ["+4723000000"]
queue = "Desk"

[organisations.acme.wrapup_reasons]
done = "Done"

[organisations.acme.idle_reasons]
break = "Break"
"#;

/// The demo organisation alone.
pub fn demo_config() -> ServerConfig {
    config::demo()
}

/// The demo organisation and `acme`.
pub fn two_org_config() -> ServerConfig {
    let text = format!("{}\n{ACME_TOML}", config::DEMO_TOML);
    match config::parse(&text, "demo+acme.toml") {
        Ok(config) => config,
        Err(problems) => panic!(
            "the two-organisation test configuration is invalid:\n{}",
            problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

/// The stable id of a configured name (`agent` of the user name, `queue`, `team`…).
pub fn id_of(kind: &str, name: &str) -> u64 {
    config::id_of(kind, name)
}

/// The phone network's double: records every command, answers nothing by itself.
#[derive(Debug, Default)]
pub struct FakePhone {
    state: Mutex<PhoneLog>,
}

#[derive(Debug, Default)]
struct PhoneLog {
    /// Every command, oldest first, with its organisation.
    commands: Vec<(String, TelephonyCommand)>,
    /// Commands before this index were consumed by [`FakePhone::expect`].
    cursor: usize,
}

impl TelephonyAdapter for FakePhone {
    fn command(&self, org: &str, command: TelephonyCommand, _events: &OrgHandle) {
        self.state
            .lock()
            .expect("phone lock")
            .commands
            .push((org.to_owned(), command));
    }
}

impl FakePhone {
    /// Every command so far, oldest first.
    pub fn commands(&self) -> Vec<(String, TelephonyCommand)> {
        self.state.lock().expect("phone lock").commands.clone()
    }

    /// Waits for the first command after the previous match that `pick` accepts, and moves past
    /// it, so consecutive expectations read the commands in order.
    pub async fn expect<T>(
        &self,
        what: &str,
        mut pick: impl FnMut(&str, &TelephonyCommand) -> Option<T>,
    ) -> T {
        wait_for(what, || {
            let mut log = self.state.lock().expect("phone lock");
            let start = log.cursor;
            let found = log.commands[start..]
                .iter()
                .enumerate()
                .find_map(|(i, (org, command))| pick(org, command).map(|t| (start + i, t)));
            found.map(|(index, value)| {
                log.cursor = index + 1;
                value
            })
        })
        .await
    }

    /// Waits for the engine to ring `extension`; returns the new leg and the task id.
    pub async fn ringing(&self, extension: &str) -> (LegId, u64) {
        self.expect(
            &format!("RingAgent for extension {extension}"),
            |_, c| match c {
                TelephonyCommand::RingAgent {
                    leg,
                    extension: e,
                    interaction,
                    ..
                } if e == extension => Some((*leg, interaction.0)),
                _ => None,
            },
        )
        .await
    }
}

/// A running server for one test.
pub struct TestApp {
    /// Where HTTP listens.
    pub addr: SocketAddr,
    /// The server.
    pub app: RunningApp,
    /// The phone network.
    pub phone: Arc<FakePhone>,
    /// The data directory (SQLite file); removed when the test ends.
    pub dir: TempDir,
    /// The configuration the server was first started with.
    pub config: ServerConfig,
    http: reqwest::Client,
}

/// Starts the server with `config` on a free port and a fresh data directory.
pub async fn spawn_app(config: ServerConfig) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    start_in(config, dir, None).await
}

/// Starts the demo with SIP listening on a free port (UDP and TCP) of 127.0.0.1: real phones
/// register with the real registrar; the rest of the phone network is still the double.
pub async fn spawn_demo_with_sip() -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    start_in(
        demo_config(),
        dir,
        Some("127.0.0.1:0".parse().expect("address")),
    )
    .await
}

/// Starts the server with the demo organisation.
pub async fn spawn_demo() -> TestApp {
    spawn_app(demo_config()).await
}

/// Starts `config` with real SIP on a free port of 127.0.0.1 carrying the calls too: customers
/// call in over SIP, agents' phones ring over SIP, RTP flows through the server. `trunk` is
/// where dial-outs go. The phone-network double is not used.
pub async fn spawn_with_sip_calls(config: ServerConfig, trunk: Option<SocketAddr>) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings =
        sentral_server::sip::SipSettings::at("127.0.0.1:0".parse().expect("address"));
    settings.trunk = trunk;
    start_with(config, dir, Some(settings), false).await
}

/// Like [`spawn_with_sip_calls`], with SIP settings changed by `adjust`.
pub async fn spawn_with_sip_settings(
    config: ServerConfig,
    adjust: impl FnOnce(&mut sentral_server::sip::SipSettings),
) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings =
        sentral_server::sip::SipSettings::at("127.0.0.1:0".parse().expect("address"));
    adjust(&mut settings);
    start_with(config, dir, Some(settings), false).await
}

async fn start_in(config: ServerConfig, dir: TempDir, sip: Option<SocketAddr>) -> TestApp {
    start_with(
        config,
        dir,
        sip.map(sentral_server::sip::SipSettings::at),
        true,
    )
    .await
}

async fn start_with(
    config: ServerConfig,
    dir: TempDir,
    sip: Option<sentral_server::sip::SipSettings>,
    double: bool,
) -> TestApp {
    init_tracing();
    let phone = Arc::new(FakePhone::default());
    let telephony: Option<Arc<dyn TelephonyAdapter>> =
        if double { Some(phone.clone()) } else { None };
    let app = sentral_server::start(StartOptions {
        config: config.clone(),
        data_dir: dir.path().to_path_buf(),
        http: "127.0.0.1:0".parse().expect("address"),
        telephony,
        sip,
    })
    .await
    .expect("the server starts");
    TestApp {
        addr: app.http_addr,
        app,
        phone,
        dir,
        config,
        http: reqwest::Client::builder()
            .timeout(WAIT)
            .build()
            .expect("HTTP client"),
    }
}

fn init_tracing() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
    });
}

impl TestApp {
    /// `http://<addr><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The demo organisation's engine handle (what the telephony adapter reports to).
    pub fn demo(&self) -> OrgHandle {
        self.app.org("demo").expect("the demo organisation runs")
    }

    /// Reports a telephony event to the demo organisation and waits until it is handled.
    pub async fn phone_event(&self, event: TelephonyEvent) {
        let org = self.demo();
        org.telephony(event);
        settle(&org).await;
    }

    /// A customer calls `dnis` on leg `leg` (ids chosen by the "network": top bit clear).
    pub async fn customer_calls(&self, leg: u64, dnis: &str, ani: &str) -> LegId {
        let leg = LegId(leg);
        assert_eq!(leg.0 & sentral_engine::ENGINE_LEG_BIT, 0);
        self.phone_event(TelephonyEvent::CallArrived {
            leg,
            dnis: dnis.into(),
            ani: ani.into(),
        })
        .await;
        leg
    }

    /// The agent's phone at `leg` rings and is picked up (R13).
    pub async fn pick_up(&self, leg: LegId) {
        self.phone_event(TelephonyEvent::Ringing { leg }).await;
        self.phone_event(TelephonyEvent::Answered { leg }).await;
    }

    /// A client without a session.
    pub fn anonymous(&self) -> Api {
        Api {
            base: self.url(""),
            token: None,
            http: self.http.clone(),
        }
    }

    /// Signs `username` in (password `demo`) and returns the session token.
    pub async fn login(&self, username: &str) -> String {
        let reply = self
            .anonymous()
            .post(
                "/api/v1/login",
                json!({"username": username, "password": PASSWORD}),
            )
            .await;
        assert_eq!(reply.status, 200, "sign-in of {username}: {reply:?}");
        reply.body["token"].as_str().expect("a token").to_owned()
    }

    /// A client with `token` as its bearer.
    pub fn client(&self, token: &str) -> Api {
        Api {
            base: self.url(""),
            token: Some(token.to_owned()),
            http: self.http.clone(),
        }
    }

    /// Signs `username` in and returns a client with the session.
    pub async fn user(&self, username: &str) -> Api {
        let token = self.login(username).await;
        self.client(&token)
    }

    /// Signs an agent in, logs them in to `team` at `extension`, registers the phone and makes
    /// them Available.
    pub async fn ready_agent(&self, username: &str, team: &str, extension: &str) -> Api {
        let api = self.user(username).await;
        let reply = api
            .post(
                "/api/v1/agents/me/session",
                json!({"team": team, "extension": extension}),
            )
            .await;
        assert_eq!(reply.status, 200, "station log-in of {username}: {reply:?}");
        self.phone_event(TelephonyEvent::DeviceRegistered {
            extension: extension.into(),
        })
        .await;
        let reply = api
            .put("/api/v1/agents/me/state", json!({"state": "available"}))
            .await;
        assert_eq!(reply.status, 200, "{username} available: {reply:?}");
        assert_eq!(reply.body["state"], "available");
        api
    }

    /// Opens the event stream with `token` as bearer, from `since` if given.
    pub async fn events(&self, token: &str, since: Option<u64>) -> Events {
        match self.try_events(Some(token), since).await {
            Ok(events) => events,
            Err(status) => panic!("the event stream was refused with {status}"),
        }
    }

    /// Opens the event stream, or returns the HTTP status it was refused with.
    pub async fn try_events(&self, token: Option<&str>, since: Option<u64>) -> Result<Events, u16> {
        let query = since.map_or_else(String::new, |s| format!("?since={s}"));
        let mut request = format!("ws://{}/api/v1/events{query}", self.addr)
            .into_client_request()
            .expect("request");
        if let Some(token) = token {
            request.headers_mut().insert(
                AUTHORIZATION.as_str(),
                format!("Bearer {token}").parse().expect("header"),
            );
        }
        match tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(request)).await {
            Ok(Ok((ws, _))) => Ok(Events { ws }),
            Ok(Err(tokio_tungstenite::tungstenite::Error::Http(response))) => {
                Err(response.status().as_u16())
            }
            Ok(Err(error)) => panic!("WebSocket connect failed: {error}"),
            Err(_) => panic!("WebSocket connect timed out"),
        }
    }

    /// Stops the server and starts it again on the same data directory (and a new phone
    /// network, as a real restart would have).
    pub async fn restart(self) -> TestApp {
        let TestApp {
            app, dir, config, ..
        } = self;
        app.shutdown().await.expect("clean shutdown");
        start_in(config, dir, None).await
    }
}

/// Waits until every job sent to the organisation before now has been handled.
pub async fn settle(org: &OrgHandle) {
    org.query(|_| ()).await.expect("the organisation runs");
}

/// Polls `probe` until it gives a value; fails the test after [`WAIT`].
pub async fn wait_for<T>(what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Some(value) = probe() {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// An HTTP answer: status, headers and the body as JSON (`Value::String` if it is not JSON).
#[derive(Debug)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: HeaderMap,
    /// The body as JSON, or as a JSON string holding the text, or `Null` when empty.
    pub body: Value,
    /// The body as text.
    pub text: String,
}

impl Reply {
    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Asserts the error body is `{code, message}` JSON and returns the code.
    pub fn error_code(&self) -> &str {
        let content_type = self
            .headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert!(
            content_type.starts_with("application/json"),
            "error {} without a JSON body (content type {content_type:?}): {:?}",
            self.status,
            self.text
        );
        let message = self.body["message"].as_str().unwrap_or("");
        assert!(
            !message.is_empty(),
            "error {} without a message: {}",
            self.status,
            self.text
        );
        self.body["code"]
            .as_str()
            .unwrap_or_else(|| panic!("error {} without a code: {}", self.status, self.text))
    }
}

/// A client of the REST API, signed in or not.
#[derive(Clone, Debug)]
pub struct Api {
    base: String,
    token: Option<String>,
    http: reqwest::Client,
}

impl Api {
    /// The session token.
    pub fn token(&self) -> &str {
        self.token.as_deref().expect("a signed-in client")
    }

    /// The session token, if signed in.
    pub fn session(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// A request with the bearer token (if any), ready to be completed and sent.
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let builder = self.http.request(method, format!("{}{path}", self.base));
        match &self.token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    /// Sends `builder` and reads the answer.
    pub async fn send(builder: reqwest::RequestBuilder) -> Reply {
        let response = builder.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("a body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| Value::String(text.clone()))
        };
        Reply {
            status,
            headers,
            body,
            text,
        }
    }

    /// A request with an optional JSON body.
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let builder = self.request(method, path);
        let builder = match body {
            Some(body) => builder.json(&body),
            None => builder,
        };
        Api::send(builder).await
    }

    /// GET.
    pub async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, None).await
    }

    /// POST with a JSON body.
    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.call(Method::POST, path, Some(body)).await
    }

    /// POST without a body.
    pub async fn post_empty(&self, path: &str) -> Reply {
        self.call(Method::POST, path, None).await
    }

    /// PUT with a JSON body.
    pub async fn put(&self, path: &str, body: Value) -> Reply {
        self.call(Method::PUT, path, Some(body)).await
    }

    /// PATCH with a JSON body.
    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        self.call(Method::PATCH, path, Some(body)).await
    }

    /// DELETE.
    pub async fn delete(&self, path: &str) -> Reply {
        self.call(Method::DELETE, path, None).await
    }

    /// The caller's tasks.
    pub async fn tasks(&self) -> Vec<Value> {
        let reply = self.get("/api/v1/tasks").await;
        assert_eq!(reply.status, 200, "{reply:?}");
        reply.body.as_array().expect("a list").clone()
    }

    /// One task.
    pub async fn task(&self, id: u64) -> Value {
        let reply = self.get(&format!("/api/v1/tasks/{id}")).await;
        assert_eq!(reply.status, 200, "{reply:?}");
        reply.body
    }

    /// Makes the agent Idle with `reason`, asserting success.
    pub async fn set_idle(&self, reason: &str) {
        let reply = self
            .put(
                "/api/v1/agents/me/state",
                json!({"state": "idle", "idle_reason": reason}),
            )
            .await;
        assert_eq!(reply.status, 200, "{reply:?}");
    }

    /// Makes the agent Available, asserting success.
    pub async fn set_available(&self) {
        let reply = self
            .put("/api/v1/agents/me/state", json!({"state": "available"}))
            .await;
        assert_eq!(reply.status, 200, "{reply:?}");
    }
}

/// A WebSocket event stream.
pub struct Events {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl Events {
    /// The next event (an `EventEnvelope` as JSON); fails the test after [`WAIT`].
    pub async fn next(&mut self) -> Value {
        match self.next_within(WAIT).await {
            Some(event) => event,
            None => panic!("no event within {WAIT:?}"),
        }
    }

    /// The next event, or `None` if none comes within `wait`.
    pub async fn next_within(&mut self, wait: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let message = tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .ok()?;
            match message {
                Some(Ok(Message::Text(text))) => {
                    let value: Value =
                        serde_json::from_str(text.as_str()).expect("events are JSON");
                    assert!(value["seq"].is_u64(), "an envelope has a seq: {value}");
                    assert!(value["type"].is_string(), "an envelope has a type: {value}");
                    return Some(value);
                }
                Some(Ok(Message::Close(_))) | None => panic!("the event stream closed"),
                Some(Ok(_)) => {}
                Some(Err(error)) => panic!("the event stream failed: {error}"),
            }
        }
    }

    /// Reads until the server closes the stream and returns the close code and reason,
    /// skipping any events still on their way; fails the test after [`WAIT`].
    pub async fn closed(&mut self) -> (u16, String) {
        let read = async {
            loop {
                match self.ws.next().await {
                    Some(Ok(Message::Close(Some(frame)))) => {
                        return (u16::from(frame.code), frame.reason.to_string());
                    }
                    Some(Ok(Message::Close(None))) | None => return (1005, String::new()),
                    Some(Ok(_)) => {}
                    Some(Err(error)) => panic!("the event stream failed: {error}"),
                }
            }
        };
        match tokio::time::timeout(WAIT, read).await {
            Ok(closed) => closed,
            Err(_) => panic!("the event stream was not closed within {WAIT:?}"),
        }
    }

    /// Reads events until one of type `kind` arrives and returns it with the ones skipped.
    pub async fn until(&mut self, kind: &str) -> (Value, Vec<Value>) {
        let mut skipped = Vec::new();
        loop {
            let event = match self.next_within(WAIT).await {
                Some(event) => event,
                None => panic!("no {kind:?} event within {WAIT:?}; got {skipped:?}"),
            };
            if event["type"] == kind {
                return (event, skipped);
            }
            skipped.push(event);
        }
    }

    /// Closes the stream.
    pub async fn close(mut self) {
        let _ = self.ws.send(Message::Close(None)).await;
        // Read until the server's close arrives so the connection is gone when this returns.
        let _ = tokio::time::timeout(WAIT, async {
            while let Some(Ok(message)) = self.ws.next().await {
                if matches!(message, Message::Close(_)) {
                    break;
                }
            }
        })
        .await;
    }
}

/// A customer call to `dnis` on leg `leg` that rings `extension`, whose phone then answers
/// (R13). Returns the task id and the agent's leg.
pub async fn answered_call(app: &TestApp, leg: u64, dnis: &str, extension: &str) -> (u64, LegId) {
    app.customer_calls(leg, dnis, &format!("+479{leg:07}"))
        .await;
    let (agent_leg, task) = app.phone.ringing(extension).await;
    app.pick_up(agent_leg).await;
    (task, agent_leg)
}

/// Where the server keeps the recording of an interaction of `org` (R31).
pub fn recording_file(app: &TestApp, org: &str, interaction: u64) -> std::path::PathBuf {
    sentral_server::recordings::file_of(&app.app.state.recordings, org, interaction)
}

/// A throwaway certificate authority made by a test, and server certificates it signs.
pub struct TestCa {
    issuer: rcgen::CertifiedIssuer<'static, rcgen::KeyPair>,
    name: String,
}

impl TestCa {
    /// A new CA called `name`.
    pub fn new(name: &str) -> Self {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        let key = rcgen::KeyPair::generate().expect("a CA key");
        let issuer = rcgen::CertifiedIssuer::self_signed(params, key).expect("the CA certificate");
        Self {
            issuer,
            name: name.into(),
        }
    }

    /// The CA's certificate, PEM (a phone's trust store).
    pub fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// Writes a certificate for `names` (host names or IP addresses) signed by this CA, and
    /// its key, into `dir`; returns the files.
    pub fn issue(&self, dir: &std::path::Path, names: &[&str]) -> sentral_server::tls::TlsFiles {
        let params =
            rcgen::CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .expect("server params");
        let key = rcgen::KeyPair::generate().expect("a server key");
        let cert = params.signed_by(&key, &self.issuer).expect("signed");
        let stem = format!("{}-{}", self.name, names.join("+"));
        let certificate = dir.join(format!("{stem}.crt"));
        let key_file = dir.join(format!("{stem}.key"));
        std::fs::write(&certificate, cert.pem()).expect("certificate written");
        std::fs::write(&key_file, key.serialize_pem()).expect("key written");
        sentral_server::tls::TlsFiles {
            certificate,
            key: key_file,
        }
    }

    /// A rustls client configuration that trusts only this CA.
    pub fn client_config(&self) -> rustls::ClientConfig {
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(self.issuer.der().clone())
            .expect("the CA is a valid root");
        rustls::ClientConfig::builder_with_provider(
            Arc::new(sentral_server::tls::crypto_provider()),
        )
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth()
    }

    /// A TLS connection to `addr` (a certificate for 127.0.0.1) from a client that trusts only
    /// this CA.
    pub async fn connect(
        &self,
        addr: SocketAddr,
    ) -> std::io::Result<tokio_rustls::client::TlsStream<tokio::net::TcpStream>> {
        let connector = tokio_rustls::TlsConnector::from(Arc::new(self.client_config()));
        let tcp = tokio::net::TcpStream::connect(addr).await?;
        let name = rustls::pki_types::ServerName::try_from("127.0.0.1").expect("an IP name");
        connector.connect(name, tcp).await
    }

    /// An HTTP client that trusts only this CA.
    pub fn http_client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .use_preconfigured_tls(self.client_config())
            .timeout(WAIT)
            .build()
            .expect("HTTPS client")
    }
}
