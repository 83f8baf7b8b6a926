//! Agents' phones registering with the real server over SIP: SIPp (`sipp`, Debian package
//! `sip-tester`, installed by `scripts/install-test-deps`) plays the phone with the scenarios
//! in `tests/e2e/sipp/`, and the desktop's view (`GET /api/v1/agents/me`) shows the result.
//! SIPp speaks MD5 only; SHA-256 is proven in `crates/sip` (the RFC 7616 example and a REGISTER
//! over real sockets).
//!
//! An agent whose phone is not registered cannot be offered calls (R3), and a phone that goes
//! away while it rings is a failed device: RONA (R21). Customer calls are played by the phone
//! network's double here; `calls.rs` and `sip_interop.rs` carry them over SIP.

use crate::sip_interop::Sipp;
use crate::support::{DN_SALES, TestApp, spawn_demo_with_sip};
use sentral_engine::TelephonyCommand;
use serde_json::{Value, json};
use std::net::{SocketAddr, UdpSocket};
use std::path::PathBuf;
use std::time::Duration;

/// What SIPp expects of the server.
#[derive(Clone, Copy)]
enum Expect {
    /// 401, then 200 (`register.xml`).
    Registered,
    /// 401, then 403 (`register_refused.xml`).
    Refused,
}

/// An agent's phone as SIPp plays it.
pub struct Phone {
    /// The extension and digest user name.
    extension: &'static str,
    /// The SIP password it answers challenges with.
    password: &'static str,
    /// The port of its Contact, where it would take calls: the same for every run, so an
    /// un-REGISTER removes the binding a REGISTER made.
    pub contact_port: u16,
}

impl Phone {
    pub fn new(extension: &'static str, password: &'static str) -> Phone {
        Phone {
            extension,
            password,
            contact_port: free_udp_port(),
        }
    }
}

/// Runs SIPp once as `phone`, registering for `expires` seconds (0 un-registers) over
/// `transport` (`u1` UDP, `t1` TCP); fails the test unless the server answered as `expect`
/// says.
async fn sipp(sip: SocketAddr, phone: &Phone, expires: u32, transport: &str, expect: Expect) {
    let Phone {
        extension,
        password,
        contact_port,
    } = *phone;
    let scenario = match expect {
        Expect::Registered => "register.xml",
        Expect::Refused => "register_refused.xml",
    };
    let scenarios = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/e2e/sipp");
    let args: Vec<String> = [
        sip.to_string(),
        "-sf".into(),
        scenarios.join(scenario).display().to_string(),
    ]
    .into_iter()
    .chain(
        [
            "-s",
            extension,
            "-au",
            extension,
            "-ap",
            password,
            "-t",
            transport,
            "-i",
            "127.0.0.1",
            "-m",
            "1",
            "-nostdin",
            "-timeout",
            "20s",
            "-trace_err",
        ]
        .map(str::to_owned),
    )
    .chain([
        "-key".into(),
        "agent_port".into(),
        contact_port.to_string(),
        "-key".into(),
        "expires".into(),
        expires.to_string(),
        "-p".into(),
        free_udp_port().to_string(),
    ])
    .collect();
    // Fails the test with SIPp's error log unless the server answered as `expect` says.
    Sipp::spawn("a phone registering", &args).succeeds().await;
}

/// Registers `phone` for an hour over UDP; fails the test unless the server accepts it.
pub async fn register_phone(sip: SocketAddr, phone: &Phone) {
    sipp(sip, phone, 3600, "u1", Expect::Registered).await;
}

/// A UDP port that was free a moment ago, for SIPp's socket (its default is 5060, which
/// another test or a running demo may hold) and for a phone's Contact.
pub fn free_udp_port() -> u16 {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("a free port");
    socket.local_addr().expect("bound").port()
}

fn sip_addr(app: &TestApp) -> SocketAddr {
    app.app.sip_addr.expect("the server listens for SIP")
}

/// The agent as the desktop sees it.
async fn me(api: &crate::support::Api) -> Value {
    let reply = api.get("/api/v1/agents/me").await;
    assert_eq!(reply.status, 200, "{reply:?}");
    reply.body["agent"].clone()
}

/// Polls the agent's view until `field` is `value`; fails the test after a while.
async fn wait_until(api: &crate::support::Api, field: &str, value: Value) {
    let deadline = tokio::time::Instant::now() + crate::support::WAIT;
    loop {
        let agent = me(api).await;
        if agent[field] == value {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{field} never became {value}: {agent}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Signs anna in and logs her in to Sales at her extension 1001.
async fn anna_at_her_desk(app: &TestApp) -> crate::support::Api {
    let anna = app.user("anna").await;
    let reply = anna
        .post(
            "/api/v1/agents/me/session",
            json!({"team": "Sales", "extension": "1001"}),
        )
        .await;
    assert_eq!(reply.status, 200, "station log-in: {reply:?}");
    anna
}

fn rang(app: &TestApp, extension: &str) -> bool {
    app.phone.commands().iter().any(|(_, command)| {
        matches!(command, TelephonyCommand::RingAgent { extension: e, .. } if e == extension)
    })
}

#[tokio::test]
async fn r3_a_phone_registered_over_sip_shows_on_the_desktop_until_it_unregisters() {
    let app = spawn_demo_with_sip().await;
    let anna = anna_at_her_desk(&app).await;
    assert_eq!(me(&anna).await["phone_registered"], false);

    // Her phone registers over TCP, then un-registers over UDP: both transports listen.
    let phone = Phone::new("1001", "demo");
    sipp(sip_addr(&app), &phone, 3600, "t1", Expect::Registered).await;
    wait_until(&anna, "phone_registered", json!(true)).await;

    sipp(sip_addr(&app), &phone, 0, "u1", Expect::Registered).await;
    wait_until(&anna, "phone_registered", json!(false)).await;
}

#[tokio::test]
async fn r3_a_wrong_sip_password_is_refused_with_403_and_the_phone_stays_unregistered() {
    let app = spawn_demo_with_sip().await;
    let anna = anna_at_her_desk(&app).await;
    let phone = Phone::new("1001", "wrong");
    sipp(sip_addr(&app), &phone, 3600, "u1", Expect::Refused).await;
    // The refusal came before anything was registered; let any stray event arrive first.
    crate::support::settle(&app.demo()).await;
    assert_eq!(me(&anna).await["phone_registered"], false);
}

#[tokio::test]
async fn r3_a_register_for_an_unknown_extension_is_refused() {
    let app = spawn_demo_with_sip().await;
    let stranger = Phone::new("1999", "demo");
    sipp(sip_addr(&app), &stranger, 3600, "u1", Expect::Refused).await;
    // A real extension still registers afterwards.
    let anna = anna_at_her_desk(&app).await;
    let phone = Phone::new("1001", "demo");
    sipp(sip_addr(&app), &phone, 3600, "u1", Expect::Registered).await;
    wait_until(&anna, "phone_registered", json!(true)).await;
}

#[tokio::test]
async fn r3_r21_an_agent_is_offered_calls_only_while_the_phone_is_registered() {
    let app = spawn_demo_with_sip().await;
    let anna = anna_at_her_desk(&app).await;
    anna.set_available().await;

    // Anna is Available but her phone is not registered: the call waits, nothing rings (R3).
    app.customer_calls(1, DN_SALES, "+4791234567").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!rang(&app, "1001"), "{:?}", app.phone.commands());

    // Her phone registers: the waiting call is offered and her phone rings.
    let phone = Phone::new("1001", "demo");
    sipp(sip_addr(&app), &phone, 3600, "u1", Expect::Registered).await;
    app.phone.ringing("1001").await;

    // The phone goes away while it rings: a failed device, so RONA (R21).
    sipp(sip_addr(&app), &phone, 0, "u1", Expect::Registered).await;
    wait_until(&anna, "state", json!("rona")).await;
    assert_eq!(me(&anna).await["phone_registered"], false);
}

#[tokio::test]
async fn the_server_does_not_start_when_the_sip_port_is_taken() {
    let taken = UdpSocket::bind("127.0.0.1:0").expect("a free port");
    let addr = taken.local_addr().expect("bound");
    let dir = tempfile::tempdir().expect("temp dir");
    let error = sentral_server::start(sentral_server::StartOptions {
        config: crate::support::demo_config(),
        data_dir: dir.path().to_path_buf(),
        http: "127.0.0.1:0".parse().expect("address"),
        telephony: None,
        sip: Some(sentral_server::sip::SipSettings::at(addr)),
    })
    .await
    .err()
    .expect("start-up fails");
    let message = format!("{error:#}");
    assert!(
        message.contains(&format!("cannot listen for SIP (UDP) on {addr}")),
        "{message}"
    );
}
