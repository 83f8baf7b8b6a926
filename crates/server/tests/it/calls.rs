//! Customers' calls over real SIP and RTP: the server started with SIP carrying the calls, a
//! customer and agents' phones played by the test [`Softphone`] (plain SIP over UDP, G.711 RTP
//! with tones the test measures), the desktop's side through the API and the event stream.
//! SIPp interoperability is proven in `sip_interop.rs`.

use crate::softphone::{Dialog, Softphone};
use crate::support::{DN_SALES, TestApp, spawn_with_sip_calls, spawn_with_sip_settings};
use sentral_media::G711;
use sentral_server::config::{self, ServerConfig};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::Duration;

/// The demo organisation with a RONA timeout short enough for a test.
pub(crate) fn demo_with_rona(seconds: u32) -> ServerConfig {
    let text = config::DEMO_TOML.replace(
        "rona_timeout = \"15s\"",
        &format!("rona_timeout = \"{seconds}s\""),
    );
    config::parse(&text, "demo-test.toml").expect("the test configuration is valid")
}

pub(crate) fn sip_addr(app: &TestApp) -> SocketAddr {
    app.app.sip_addr.expect("SIP listens")
}

/// Signs an agent in, logs them in at their extension, registers a softphone for it over
/// real SIP and makes them Available; returns the API client and the phone.
pub(crate) async fn agent_with_phone(
    app: &TestApp,
    username: &str,
    team: &str,
    extension: &str,
    codec: G711,
) -> (crate::support::Api, Softphone) {
    let api = app.user(username).await;
    let reply = api
        .post(
            "/api/v1/agents/me/session",
            json!({"team": team, "extension": extension}),
        )
        .await;
    assert_eq!(reply.status, 200, "station log-in of {username}: {reply:?}");
    let phone = Softphone::new(extension, "127.0.0.1", sip_addr(app), codec).await;
    assert_eq!(
        phone.register("demo", 3600).await,
        200,
        "{extension} registers"
    );
    wait_for_me(&api, "phone_registered", json!(true)).await;
    let reply = api
        .put("/api/v1/agents/me/state", json!({"state": "available"}))
        .await;
    assert_eq!(reply.status, 200, "{username} available: {reply:?}");
    (api, phone)
}

pub(crate) async fn wait_for_me(api: &crate::support::Api, field: &str, value: Value) {
    for _ in 0..100 {
        if api.get("/api/v1/agents/me").await.body["agent"][field] == value {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "agents/me {field} never became {value}: {:?}",
        api.get("/api/v1/agents/me").await.body
    );
}

pub(crate) async fn state_of(api: &crate::support::Api) -> Value {
    api.get("/api/v1/agents/me").await.body["agent"]["state"].clone()
}

pub(crate) async fn wait_for_state(api: &crate::support::Api, state: &str) {
    wait_for_me(api, "state", json!(state)).await;
}

/// A customer calling the Sales number, sending a 440 Hz tone; answered at once by the server.
async fn customer_calls(app: &TestApp, codec: G711) -> (Softphone, Dialog) {
    let customer = Softphone::new("4791234567", "127.0.0.1", sip_addr(app), codec).await;
    customer.play_tone(440);
    let (status, dialog) = customer.call(DN_SALES).await;
    assert_eq!(status, 200, "the server answers the customer's call");
    (customer, dialog.expect("a dialog"))
}

/// Waits until `phone` hears `hz` clearly in the last 300 ms (a loaded machine may take a
/// moment to connect the legs); fails the test with what it heard after a few seconds.
pub(crate) async fn hears(phone: &Softphone, hz: f64, who: &str) {
    for _ in 0..50 {
        if phone.level_of(hz, 300) > 0.3 {
            return;
        }
        listen(100).await;
    }
    panic!(
        "{who} does not hear {hz} Hz: level {}, rms {}, {} packets",
        phone.level_of(hz, 300),
        phone.rms(300),
        phone.packets_heard()
    );
}

/// Lets audio flow for a while.
pub(crate) async fn listen(ms: u64) {
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

#[tokio::test]
async fn r13_r36_a_customer_call_rings_the_agents_phone_and_audio_flows_both_ways_through_sentral()
{
    let app = spawn_with_sip_calls(demo_with_rona(15), None).await;
    let (anna, phone) = agent_with_phone(&app, "anna", "Sales", "1001", G711::Pcmu).await;
    let mut events = app.events(anna.token(), None).await;

    let (customer, call) = customer_calls(&app, G711::Pcmu).await;
    let ringing = phone.ring().await;
    // The caller's number is shown on the phone; the interaction is named in a header.
    assert!(
        ringing
            .message
            .header("From")
            .unwrap_or_default()
            .contains("4791234567"),
        "{:?}",
        ringing.message
    );
    assert!(ringing.message.header("X-Sentral-Interaction").is_some());
    events.until("ringing").await; // R13: the desktop shows Ringing after the phone's 180

    // While the phone rings the customer hears music on hold, not silence.
    for _ in 0..50 {
        if customer.rms(300) > 300.0 {
            break;
        }
        listen(100).await;
    }
    assert!(
        customer.rms(300) > 300.0,
        "music while queued: rms {}",
        customer.rms(300)
    );

    phone.play_tone(1000);
    phone.answer(&ringing).await;
    events.until("connected").await;
    // Each side hears the other's tone, and not its own.
    hears(&phone, 440.0, "phone").await;
    hears(&customer, 1000.0, "customer").await;
    assert!(
        customer.level_of(440.0, 400) < 0.02,
        "no echo of the customer's own voice"
    );
    assert_eq!(app.app.state.sip.as_ref().expect("sip").n_media_legs(), 2);

    // The customer hangs up: the agent's phone gets a BYE and the agent wraps up (R36).
    assert_eq!(customer.bye(&call).await, 200);
    phone.expect_bye(&ringing).await;
    events.until("wrap_up_required").await;
    for _ in 0..50 {
        if app.app.state.sip.as_ref().expect("sip").n_media_legs() == 0 {
            break;
        }
        listen(20).await;
    }
    assert_eq!(
        app.app.state.sip.as_ref().expect("sip").n_media_legs(),
        0,
        "every RTP port is closed"
    );
}

#[tokio::test]
async fn r24_the_agent_hanging_up_the_phone_ends_the_customers_call() {
    let app = spawn_with_sip_calls(demo_with_rona(15), None).await;
    let (anna, phone) = agent_with_phone(&app, "anna", "Sales", "1001", G711::Pcmu).await;
    let mut events = app.events(anna.token(), None).await;
    let (customer, call) = customer_calls(&app, G711::Pcmu).await;
    let ringing = phone.ring().await;
    phone.answer(&ringing).await;
    events.until("connected").await;

    assert_eq!(phone.bye(&ringing).await, 200);
    customer.expect_bye(&call).await;
    events.until("wrap_up_required").await;
}

#[tokio::test]
async fn r3_r7_a_customer_who_hangs_up_before_acknowledging_the_answer_frees_the_offered_agent() {
    // Under load an ACK can be lost or late, and the customer's BYE may come first: the call
    // must still end and the agent be free (bench/soak once left one call of 576,000 up).
    let app = spawn_with_sip_calls(demo_with_rona(15), None).await;
    let (anna, phone) = agent_with_phone(&app, "anna", "Sales", "1001", G711::Pcmu).await;
    let customer = Softphone::new("4791234567", "127.0.0.1", sip_addr(&app), G711::Pcmu).await;
    let (status, call) = customer.call_without_ack(DN_SALES).await;
    assert_eq!(status, 200, "the server answers the customer's call");
    let ringing = phone.ring().await;

    assert_eq!(customer.bye(&call.expect("a dialog")).await, 200);
    phone.expect_cancel(&ringing).await;
    wait_for_state(&anna, "available").await;
    let me = anna.get("/api/v1/agents/me").await;
    assert_eq!(me.body["task"], Value::Null, "{me:?}");
}

#[tokio::test]
async fn r12_a_phone_that_does_not_answer_is_cancelled_and_the_call_rings_the_next_agent() {
    let app = spawn_with_sip_calls(demo_with_rona(2), None).await;
    let (anna, anna_phone) = agent_with_phone(&app, "anna", "Sales", "1001", G711::Pcmu).await;
    let (customer, call) = customer_calls(&app, G711::Pcmu).await;
    let ringing = anna_phone.ring().await;

    // Bjorn becomes available while Anna's phone rings; Anna does not answer in 2 s.
    let (bjorn, bjorn_phone) = agent_with_phone(&app, "bjorn", "Sales", "1002", G711::Pcmu).await;
    anna_phone.expect_cancel(&ringing).await;
    wait_for_state(&anna, "rona").await;

    let at_bjorn = bjorn_phone.ring().await;
    bjorn_phone.play_tone(1000);
    bjorn_phone.answer(&at_bjorn).await;
    hears(&customer, 1000.0, "customer").await;
    assert_eq!(
        state_of(&bjorn).await,
        json!("available"),
        "{:?}",
        bjorn.get("/api/v1/agents/me").await
    );
    assert_eq!(customer.bye(&call).await, 200);
    bjorn_phone.expect_bye(&at_bjorn).await;
}

#[tokio::test]
async fn r21_a_phone_that_refuses_with_486_puts_its_agent_in_rona_and_the_call_goes_on() {
    let app = spawn_with_sip_calls(demo_with_rona(15), None).await;
    let (anna, anna_phone) = agent_with_phone(&app, "anna", "Sales", "1001", G711::Pcmu).await;
    let (_customer, _call) = customer_calls(&app, G711::Pcmu).await;
    let ringing = anna_phone.ring().await;
    anna_phone.refuse(&ringing, 486, "Busy Here").await;
    wait_for_state(&anna, "rona").await;

    // The call waits at its place and rings the next agent who becomes available.
    let (_bjorn, bjorn_phone) = agent_with_phone(&app, "bjorn", "Sales", "1002", G711::Pcmu).await;
    let at_bjorn = bjorn_phone.ring().await;
    bjorn_phone.answer(&at_bjorn).await;
}

#[tokio::test]
async fn a_mu_law_customer_and_an_a_law_phone_hear_each_other_through_transcoding() {
    let app = spawn_with_sip_calls(demo_with_rona(15), None).await;
    let (_anna, phone) = agent_with_phone(&app, "anna", "Sales", "1001", G711::Pcma).await;
    let (customer, call) = customer_calls(&app, G711::Pcmu).await;
    let ringing = phone.ring().await;
    phone.play_tone(1000);
    phone.answer(&ringing).await;
    listen(800).await;

    hears(&phone, 440.0, "phone").await;
    hears(&customer, 1000.0, "customer").await;
    assert_eq!(
        phone.heard.lock().expect("heard").payload_types,
        vec![8],
        "the phone gets A-law only"
    );
    assert_eq!(
        customer.heard.lock().expect("heard").payload_types,
        vec![0],
        "the customer gets µ-law only"
    );
    customer.bye(&call).await;
}

#[tokio::test]
async fn a_phone_putting_itself_on_hold_with_a_re_invite_is_answered_and_resumed() {
    let app = spawn_with_sip_calls(demo_with_rona(15), None).await;
    let (_anna, phone) = agent_with_phone(&app, "anna", "Sales", "1001", G711::Pcmu).await;
    let (customer, call) = customer_calls(&app, G711::Pcmu).await;
    let ringing = phone.ring().await;
    phone.play_tone(1000);
    phone.answer(&ringing).await;
    listen(300).await;

    // The phone's own hold: it offers sendonly, Sentral answers recvonly and stops sending.
    let answer = phone.re_invite(&ringing, "sendonly").await;
    assert_eq!(answer.status(), Some(200), "{answer:?}");
    assert!(answer.body.contains("a=recvonly"), "{}", answer.body);
    listen(200).await;
    let before = phone.packets_heard();
    listen(400).await;
    assert!(
        phone.packets_heard() - before <= 2,
        "no RTP to a phone that holds"
    );

    let answer = phone.re_invite(&ringing, "sendrecv").await;
    assert!(answer.body.contains("a=sendrecv"), "{}", answer.body);
    hears(&phone, 440.0, "phone").await;
    hears(&customer, 1000.0, "customer").await;
    customer.bye(&call).await;
    phone.expect_bye(&ringing).await;
}

#[tokio::test]
async fn bad_sip_gets_the_right_answer_while_a_call_in_progress_keeps_its_audio() {
    let app = spawn_with_sip_calls(demo_with_rona(15), None).await;
    let (_anna, phone) = agent_with_phone(&app, "anna", "Sales", "1001", G711::Pcmu).await;
    let (customer, call) = customer_calls(&app, G711::Pcmu).await;
    let ringing = phone.ring().await;
    phone.play_tone(1000);
    phone.answer(&ringing).await;

    // A number no entry point has: 404.
    let stranger = Softphone::new("4790000000", "127.0.0.1", sip_addr(&app), G711::Pcmu).await;
    assert_eq!(stranger.call("+4799999999").await.0, 404);
    // A peer that is not on the trunk list (127.0.0.2 is loopback too): 403.
    let outsider = Softphone::new("4790000001", "127.0.0.2", sip_addr(&app), G711::Pcmu).await;
    assert_eq!(outsider.call(DN_SALES).await.0, 403);
    // Garbage, a request without headers, and an INVITE with an unreadable SDP.
    stranger.send_raw(b"\x00\x01garbage\r\n\r\n").await;
    stranger.send_raw(b"INVITE sip:x SIP/2.0\r\n\r\n").await;
    let bad_sdp = Softphone::new("4790000002", "127.0.0.1", sip_addr(&app), G711::Pcmu).await;
    bad_sdp.send_raw(
        format!(
            "INVITE sip:{DN_SALES}@{sip} SIP/2.0\r\nVia: SIP/2.0/UDP {me};branch=z9hG4bKbad1\r\nFrom: <sip:4790000002@{me}>;tag=b1\r\nTo: <sip:{DN_SALES}@{sip}>\r\nCall-ID: bad-sdp-1\r\nCSeq: 1 INVITE\r\nContact: <sip:x@{me}>\r\nContent-Type: application/sdp\r\nContent-Length: 9\r\n\r\nnot sdp!!",
            sip = sip_addr(&app),
            me = bad_sdp.sip_addr(),
        )
        .as_bytes(),
    )
    .await;
    assert!(
        bad_sdp
            .gets_within(Duration::from_secs(5), |m| m.status() == Some(488))
            .await,
        "an unreadable offer gets 488"
    );

    // The call in progress never noticed.
    hears(&customer, 1000.0, "customer").await;
    assert!(customer.longest_gap(500) < Duration::from_millis(100));
    customer.bye(&call).await;
    phone.expect_bye(&ringing).await;
}

#[tokio::test]
async fn r24_a_customer_who_vanishes_without_a_bye_is_ended_by_rtp_silence_with_that_cause() {
    // Issue 14, calls that never end: the soak's stuck call. The customer's phone stops
    // sending and never says BYE; the call ends after the RTP timeout, the agent's phone gets
    // its BYE (R24), and the history says why.
    let app = spawn_with_sip_settings(demo_with_rona(15), |settings| {
        settings.rtp_timeout = Some(Duration::from_secs(1));
    })
    .await;
    let (anna, phone) = agent_with_phone(&app, "anna", "Sales", "1001", G711::Pcmu).await;
    let (customer, _call) = customer_calls(&app, G711::Pcmu).await;
    let ringing = phone.ring().await;
    phone.play_tone(1000);
    phone.answer(&ringing).await;
    hears(&customer, 1000.0, "customer").await;
    customer.stop_rtp();
    phone.expect_bye(&ringing).await;
    let supervisor = app.user("supervisor").await;
    for _ in 0..100 {
        let history = supervisor.get("/api/v1/interactions").await;
        if let Some(record) = history
            .body
            .as_array()
            .and_then(|records| records.iter().find(|r| r["end_reason"].is_string()))
        {
            assert_eq!(record["end_reason"], "media_timeout", "{record:#}");
            drop(anna);
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "the call never ended in the history: {:#}",
        supervisor.get("/api/v1/interactions").await.body
    );
}
