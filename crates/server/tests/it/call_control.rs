//! Call control over real SIP and RTP (R14–R29): hold with music, consult to an agent, to an
//! entry point's number and to a dial number through the trunk, consult failure, consult and
//! blind transfer, the three-way conference and the hang-ups of a consult, each driven from
//! the desktop's API. `docs/call-control.md` draws the message flow each test walks through.
//!
//! Every party is a test [`Softphone`] sending its own tone, chosen away from the music's
//! notes (349–1047 Hz and their octaves), so a test can tell who hears whom: the customer
//! 250 Hz, Anna 1180 Hz, Bjorn 2600 Hz, and a third party (a dialled number or Cecilie)
//! 1660 Hz. A dialled number's far end is a `Softphone` bound before the server starts (the
//! server's trunk), or SIPp's UAS echoing what it hears. A test asserts on what each phone
//! hears (Goertzel levels, music as loudness without any party's tone), on the SIP requests
//! each phone receives (INVITE, CANCEL, BYE), and on the desktop's events and the task as the
//! API shows it.

use crate::calls::{
    agent_with_phone, demo_with_rona, hears, listen, sip_addr, wait_for_me, wait_for_state,
};
use crate::sip::free_udp_port;
use crate::sip_interop::{Sipp, common};
use crate::softphone::{Dialog, Softphone};
use crate::support::{Api, DN_SALES, Events, Reply, TestApp, spawn_with_sip_calls};
use sentral_media::G711;
use sentral_server::config::{self, ServerConfig};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The customer's tone.
const CUSTOMER_HZ: u32 = 250;
/// Anna's phone's tone (agent 1).
const ANNA_HZ: u32 = 1180;
/// Bjorn's phone's tone (agent 2).
const BJORN_HZ: u32 = 2600;
/// A third party's tone: the dialled number's far end, or Cecilie.
const THIRD_HZ: u32 = 1660;

/// An agent at the desktop with a registered phone that sends its tone once a call is up.
struct Agent {
    api: Api,
    phone: Softphone,
    events: Events,
    id: u64,
}

/// A customer's call that Anna answered: both hear each other.
struct Call {
    anna: Agent,
    /// Anna's phone's dialog (Sentral called it).
    anna_leg: Dialog,
    customer: Softphone,
    /// The customer's dialog (the customer called Sentral).
    customer_leg: Dialog,
    task: u64,
}

/// The demo organisation with a short RONA timeout and the given R28 policy.
fn demo_with(rona_seconds: u32, transfer_no_answer: &str) -> ServerConfig {
    for setting in ["rona_timeout = \"15s\"", "transfer_no_answer = \"drop\""] {
        assert!(
            config::DEMO_TOML.contains(setting),
            "demo.toml has {setting}"
        );
    }
    let text = config::DEMO_TOML
        .replace(
            "rona_timeout = \"15s\"",
            &format!("rona_timeout = \"{rona_seconds}s\""),
        )
        .replace(
            "transfer_no_answer = \"drop\"",
            &format!("transfer_no_answer = \"{transfer_no_answer}\""),
        );
    config::parse(&text, "demo-test.toml").expect("the test configuration is valid")
}

/// Signs in a Sales agent with a registered phone playing `hz`, Available, events open.
async fn agent(app: &TestApp, username: &str, extension: &str, hz: u32) -> Agent {
    let (api, phone) = agent_with_phone(app, username, "Sales", extension, G711::Pcmu).await;
    phone.play_tone(hz);
    let events = app.events(api.token(), None).await;
    let id = api.get("/api/v1/agents/me").await.body["agent"]["id"]
        .as_u64()
        .expect("an agent id");
    Agent {
        api,
        phone,
        events,
        id,
    }
}

/// The customer calls Sales and Anna answers on her phone; each hears the other.
async fn connected_call(app: &TestApp) -> Call {
    let mut anna = agent(app, "anna", "1001", ANNA_HZ).await;
    let customer = Softphone::new("4791234567", "127.0.0.1", sip_addr(app), G711::Pcmu).await;
    customer.play_tone(CUSTOMER_HZ);
    let (status, customer_leg) = customer.call(DN_SALES).await;
    assert_eq!(status, 200, "the server answers the customer's call");
    let anna_leg = anna.phone.answer_next_call().await;
    let (connected, _) = anna.events.until("connected").await;
    let task = connected["task"].as_u64().expect("a task id");
    hears(&customer, ANNA_HZ.into(), "the customer").await;
    hears(&anna.phone, CUSTOMER_HZ.into(), "Anna's phone").await;
    Call {
        anna,
        anna_leg,
        customer,
        customer_leg: customer_leg.expect("a dialog"),
        task,
    }
}

/// Anna consults Bjorn, whose phone rings and answers; Anna and Bjorn hear each other.
async fn consult_answered(call: &mut Call, bjorn: &mut Agent) -> Dialog {
    let reply = command(
        &call.anna.api,
        call.task,
        "consult",
        Some(json!({"target": {"type": "agent", "id": bjorn.id}})),
    )
    .await;
    assert_eq!(reply.status, 200, "consult: {reply:?}");
    let bjorn_leg = bjorn.phone.answer_next_call().await;
    call.anna.events.until("consult_accepted").await;
    hears(&call.anna.phone, BJORN_HZ.into(), "Anna's phone").await;
    hears(&bjorn.phone, ANNA_HZ.into(), "Bjorn's phone").await;
    bjorn_leg
}

/// `POST /api/v1/tasks/{task}/{action}` with an optional body.
async fn command(api: &Api, task: u64, action: &str, body: Option<Value>) -> Reply {
    let path = format!("/api/v1/tasks/{task}/{action}");
    match body {
        Some(body) => api.post(&path, body).await,
        None => api.post_empty(&path).await,
    }
}

/// Asserts a refusal with the rule's code.
fn assert_refused(reply: &Reply, rule: &str) {
    assert_eq!(reply.status, 409, "{reply:?}");
    assert_eq!(reply.error_code(), rule, "{reply:?}");
}

/// Waits until `phone` no longer hears `hz` in the last 300 ms (the window still holds what
/// came before a switch); fails with what it heard after a few seconds.
async fn quiet(phone: &Softphone, hz: u32, who: &str) {
    for _ in 0..50 {
        if phone.level_of(hz.into(), 300) < 0.02 {
            return;
        }
        listen(100).await;
    }
    panic!(
        "{who} still hears {hz} Hz: level {}, {} packets",
        phone.level_of(hz.into(), 300),
        phone.packets_heard()
    );
}

/// Waits until `phone` hears music: sound in every 300 ms (the notes leave 100 ms gaps) that is
/// none of the parties' tones.
async fn hears_music(phone: &Softphone, who: &str) {
    for _ in 0..50 {
        let loud = phone.rms(300) > 300.0;
        let no_party = [CUSTOMER_HZ, ANNA_HZ, BJORN_HZ, THIRD_HZ]
            .iter()
            .all(|&hz| phone.level_of(hz.into(), 300) < 0.02);
        if loud && no_party {
            return;
        }
        listen(100).await;
    }
    panic!(
        "{who} does not hear music alone: rms {}, levels {:?}",
        phone.rms(300),
        [CUSTOMER_HZ, ANNA_HZ, BJORN_HZ, THIRD_HZ].map(|hz| phone.level_of(hz.into(), 300))
    );
}

/// Waits until `phone` hears silence, and checks that packets still come (the stream goes on).
async fn hears_silence(phone: &Softphone, who: &str) {
    for _ in 0..50 {
        if phone.rms(300) < 30.0 {
            let before = phone.packets_heard();
            listen(300).await;
            let n_packets = phone.packets_heard() - before;
            assert!(n_packets >= 10, "{who}: {n_packets} packets in 300 ms");
            return;
        }
        listen(100).await;
    }
    panic!("{who} does not hear silence: rms {}", phone.rms(300));
}

/// Asserts the agent has no wrap-up pending and no task left (agent 2 after a consult, R26).
async fn assert_no_wrapup(agent: &Agent, who: &str) {
    let me = agent.api.get("/api/v1/agents/me").await.body;
    assert_eq!(me["agent"]["wrapups"], json!([]), "{who}: {me}");
    assert_eq!(
        agent.api.tasks().await,
        Vec::<Value>::new(),
        "{who}'s tasks"
    );
}

/// Reads events until `kind` and checks that no `hold_changed` on the way (or the one found)
/// has both parties on hold (R15).
async fn until_checking_r15(events: &mut Events, kind: &str) -> Value {
    let (event, skipped) = events.until(kind).await;
    for seen in skipped.iter().chain([&event]) {
        assert_not_both_held(seen);
    }
    event
}

/// Reads events until a `hold_changed` that says exactly this, checking R15 on the way.
async fn until_held(events: &mut Events, customer_held: bool, consulted_held: Option<bool>) {
    let expected = (json!(customer_held), json!(consulted_held));
    loop {
        let event = until_checking_r15(events, "hold_changed").await;
        if (
            event["customer_held"].clone(),
            event["consulted_held"].clone(),
        ) == expected
        {
            return;
        }
    }
}

/// R15: a `hold_changed` never has the customer and the consulted party both on hold.
fn assert_not_both_held(event: &Value) {
    if event["type"] == "hold_changed" {
        assert!(
            !(event["customer_held"] == true && event["consulted_held"] == true),
            "R15: both calls on hold: {event}"
        );
    }
}

#[tokio::test]
async fn r14_hold_plays_music_to_the_customer_and_silence_to_the_agent_and_resume_restores_the_bridge()
 {
    let app = spawn_with_sip_calls(demo_with_rona(15), None).await;
    let mut call = connected_call(&app).await;

    let reply = command(&call.anna.api, call.task, "hold", None).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body["customer_held"], true, "{reply:?}");
    until_held(&mut call.anna.events, true, None).await;
    hears_music(&call.customer, "the held customer").await;
    quiet(
        &call.anna.phone,
        CUSTOMER_HZ,
        "Anna's phone with the customer held",
    )
    .await;
    hears_silence(&call.anna.phone, "Anna's phone with the customer held").await;
    // R14: End is disabled while the call is on hold.
    assert_refused(
        &command(&call.anna.api, call.task, "end", None).await,
        "R14",
    );

    let reply = command(&call.anna.api, call.task, "unhold", None).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body["customer_held"], false, "{reply:?}");
    until_held(&mut call.anna.events, false, None).await;
    hears(&call.customer, ANNA_HZ.into(), "the resumed customer").await;
    hears(
        &call.anna.phone,
        CUSTOMER_HZ.into(),
        "Anna's phone after resume",
    )
    .await;

    let reply = command(&call.anna.api, call.task, "end", None).await;
    assert!(reply.is_success(), "{reply:?}");
    call.customer.expect_bye(&call.customer_leg).await;
    call.anna.phone.expect_bye(&call.anna_leg).await;
    call.anna.events.until("wrap_up_required").await;
}

#[tokio::test]
async fn r15_r18_r19_a_consult_rings_agent_2_and_resume_toggles_between_customer_and_consulted() {
    let app = spawn_with_sip_calls(demo_with_rona(15), None).await;
    let mut call = connected_call(&app).await;
    let mut bjorn = agent(&app, "bjorn", "1002", BJORN_HZ).await;

    let reply = command(
        &call.anna.api,
        call.task,
        "consult",
        Some(json!({"target": {"type": "agent", "id": bjorn.id}})),
    )
    .await;
    assert_eq!(reply.status, 200, "consult: {reply:?}");
    assert_eq!(reply.body["consult"]["accepted"], false, "{reply:?}");
    let requested = until_checking_r15(&mut call.anna.events, "consult_requested").await;
    // R21: both desktops can count down how long bjorn's phone rings before the consult fails.
    assert_eq!(requested["rona_timeout_ms"], 15_000, "{requested}");
    // Bjorn's desktop shows the consult request (R10) and his phone rings with the task.
    let (offer, _) = bjorn.events.until("consult_offer").await;
    assert_eq!(offer["task"], call.task, "{offer}");
    assert_eq!(offer["rona_timeout_ms"], 15_000, "{offer}");
    let variables = offer["variables"].as_array().expect("variables");
    assert!(variables.len() <= 9, "{offer}");
    assert!(
        variables
            .iter()
            .any(|v| v["name"] == "agent_name" && v["value"] == "Anna"),
        "{offer}"
    );
    let ringing = bjorn.phone.ring().await;
    assert_eq!(
        ringing.message.header("X-Sentral-Interaction"),
        Some(format!("task-{}", call.task).as_str()),
        "{:?}",
        ringing.message
    );
    // R15: the customer is on hold (music) while Anna waits for Bjorn.
    hears_music(&call.customer, "the customer during the consult").await;
    // R18: until Bjorn answers, Transfer and Conference are disabled.
    let transfer = command(&call.anna.api, call.task, "consult/transfer", None).await;
    assert_refused(&transfer, "R18");
    let conference = command(&call.anna.api, call.task, "consult/conference", None).await;
    assert_refused(&conference, "R18");

    bjorn.phone.answer(&ringing).await;
    until_checking_r15(&mut call.anna.events, "consult_accepted").await;
    bjorn.events.until("connected").await;
    hears(&call.anna.phone, BJORN_HZ.into(), "Anna's phone").await;
    hears(&bjorn.phone, ANNA_HZ.into(), "Bjorn's phone").await;
    quiet(&bjorn.phone, CUSTOMER_HZ, "Bjorn's phone").await;
    quiet(&call.anna.phone, CUSTOMER_HZ, "Anna's phone").await;
    hears_music(&call.customer, "the customer during the consult").await;
    let task = call.anna.api.task(call.task).await;
    assert_eq!(task["customer_held"], true, "{task}");
    assert_eq!(task["consult"]["consulted_held"], false, "{task}");

    // R15: resuming the customer puts Bjorn on hold; never both.
    let reply = command(&call.anna.api, call.task, "unhold", None).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body["customer_held"], false, "{reply:?}");
    assert_eq!(reply.body["consult"]["consulted_held"], true, "{reply:?}");
    until_held(&mut call.anna.events, false, Some(true)).await;
    hears(&call.customer, ANNA_HZ.into(), "the resumed customer").await;
    hears(&call.anna.phone, CUSTOMER_HZ.into(), "Anna's phone").await;
    hears_music(&bjorn.phone, "Bjorn's phone on hold").await;
    quiet(&call.anna.phone, BJORN_HZ, "Anna's phone").await;

    // And back: resuming Bjorn puts the customer on hold.
    let body = json!({"party": "consulted"});
    let reply = command(&call.anna.api, call.task, "unhold", Some(body)).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body["customer_held"], true, "{reply:?}");
    assert_eq!(reply.body["consult"]["consulted_held"], false, "{reply:?}");
    until_held(&mut call.anna.events, true, Some(false)).await;
    hears(&call.anna.phone, BJORN_HZ.into(), "Anna's phone").await;
    hears(&bjorn.phone, ANNA_HZ.into(), "Bjorn's phone").await;
    hears_music(&call.customer, "the customer held again").await;

    // R19: holding the consulted agent ("Consult on hold") is talking to the customer.
    let body = json!({"party": "consulted"});
    let reply = command(&call.anna.api, call.task, "hold", Some(body)).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body["consult"]["consulted_held"], true, "{reply:?}");
    until_held(&mut call.anna.events, false, Some(true)).await;
    hears(&call.customer, ANNA_HZ.into(), "the customer").await;
    hears_music(&bjorn.phone, "Bjorn's phone on hold").await;

    // Anna ends the consult: Bjorn's phone gets a BYE, Anna and the customer go on (R23).
    let reply = command(&call.anna.api, call.task, "consult/end", None).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    bjorn.phone.expect_bye(&ringing).await;
    until_checking_r15(&mut call.anna.events, "consult_ended").await;
    let (ended, _) = bjorn.events.until("call_ended").await;
    assert_eq!(ended["reason"], "consult_ended", "{ended}");
    hears(&call.customer, ANNA_HZ.into(), "the customer").await;
    hears(&call.anna.phone, CUSTOMER_HZ.into(), "Anna's phone").await;
    assert_no_wrapup(&bjorn, "Bjorn").await;
}

#[tokio::test]
async fn r20_r15_a_consult_to_a_dial_number_calls_it_through_the_trunk_and_resume_toggles() {
    // The trunk's far end answers whatever Sentral dials; it must exist before the server.
    let mut far_end = Softphone::new(
        "legal",
        "127.0.0.1",
        "127.0.0.1:9".parse().expect("address"),
        G711::Pcmu,
    )
    .await;
    far_end.play_tone(THIRD_HZ);
    let app = spawn_with_sip_calls(demo_with_rona(15), Some(far_end.sip_addr())).await;
    far_end.set_server(sip_addr(&app));
    let mut call = connected_call(&app).await;

    // R20: a number typed with spaces and dashes that no entry point has is dialled out.
    let body = json!({"target": {"type": "dial_number", "number": "+47 22-00-00-00"}});
    let reply = command(&call.anna.api, call.task, "consult", Some(body)).await;
    assert_eq!(reply.status, 200, "consult: {reply:?}");
    let far_leg = far_end.answer_next_call().await;
    assert!(
        far_leg.message.start.starts_with("INVITE sip:+4722000000@"),
        "{:?}",
        far_leg.message
    );
    until_checking_r15(&mut call.anna.events, "consult_accepted").await;
    hears(&call.anna.phone, THIRD_HZ.into(), "Anna's phone").await;
    hears(&far_end, ANNA_HZ.into(), "the dialled number").await;
    hears_music(&call.customer, "the customer during the consult").await;
    quiet(&far_end, CUSTOMER_HZ, "the dialled number").await;

    // R15: resuming the customer holds the dialled party, and back.
    let reply = command(&call.anna.api, call.task, "unhold", None).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    until_held(&mut call.anna.events, false, Some(true)).await;
    hears(&call.customer, ANNA_HZ.into(), "the resumed customer").await;
    hears_music(&far_end, "the dialled number on hold").await;
    let body = json!({"party": "consulted"});
    let reply = command(&call.anna.api, call.task, "unhold", Some(body)).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    until_held(&mut call.anna.events, true, Some(false)).await;
    hears(&far_end, ANNA_HZ.into(), "the dialled number").await;
    hears_music(&call.customer, "the customer held again").await;

    // The far end hangs up: the consult ends, Anna and the customer talk again.
    assert_eq!(far_end.bye(&far_leg).await, 200);
    until_checking_r15(&mut call.anna.events, "consult_ended").await;
    hears(&call.customer, ANNA_HZ.into(), "the customer").await;
    hears(&call.anna.phone, CUSTOMER_HZ.into(), "Anna's phone").await;
    let task = call.anna.api.task(call.task).await;
    assert_eq!(task["consult"], Value::Null, "{task}");
    assert_eq!(task["customer_held"], false, "{task}");
}

#[tokio::test]
async fn r21_a_consulted_agent_who_does_not_answer_goes_to_rona_and_agent_1_gets_consult_failed() {
    let app = spawn_with_sip_calls(demo_with_rona(2), None).await;
    let mut call = connected_call(&app).await;
    let mut bjorn = agent(&app, "bjorn", "1002", BJORN_HZ).await;

    let body = json!({"target": {"type": "agent", "id": bjorn.id}});
    let reply = command(&call.anna.api, call.task, "consult", Some(body)).await;
    assert_eq!(reply.status, 200, "consult: {reply:?}");
    let ringing = bjorn.phone.ring().await;
    // Nobody answers: after the RONA timeout the INVITE is cancelled.
    bjorn.phone.expect_cancel(&ringing).await;
    let failed = until_checking_r15(&mut call.anna.events, "consult_failed").await;
    assert!(
        failed["reason"].as_str().unwrap_or("").contains("R21"),
        "{failed}"
    );
    bjorn.events.until("rona").await;
    wait_for_state(&bjorn.api, "rona").await;

    // The customer is still held with music; Anna resumes and they talk.
    let task = call.anna.api.task(call.task).await;
    assert_eq!(task["consult"], Value::Null, "{task}");
    assert_eq!(task["customer_held"], true, "{task}");
    hears_music(&call.customer, "the held customer").await;
    let reply = command(&call.anna.api, call.task, "unhold", None).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    hears(&call.customer, ANNA_HZ.into(), "the resumed customer").await;
    hears(&call.anna.phone, CUSTOMER_HZ.into(), "Anna's phone").await;
}

#[tokio::test]
async fn r25_a_consult_transfer_leaves_agent_2_with_the_customer_and_agent_1_wraps_up() {
    let app = spawn_with_sip_calls(demo_with_rona(15), None).await;
    let mut call = connected_call(&app).await;
    let mut bjorn = agent(&app, "bjorn", "1002", BJORN_HZ).await;
    let bjorn_leg = consult_answered(&mut call, &mut bjorn).await;

    let reply = command(&call.anna.api, call.task, "consult/transfer", None).await;
    assert!(reply.is_success(), "{reply:?}");
    call.anna.phone.expect_bye(&call.anna_leg).await;
    let (ended, _) = call.anna.events.until("call_ended").await;
    assert_eq!(ended["reason"], "transferred", "{ended}");
    call.anna.events.until("wrap_up_required").await;
    let (owner, _) = bjorn.events.until("ownership_changed").await;
    assert_eq!(owner["owner"], bjorn.id, "{owner}");
    hears(&call.customer, BJORN_HZ.into(), "the customer").await;
    hears(&bjorn.phone, CUSTOMER_HZ.into(), "Bjorn's phone").await;
    quiet(&call.customer, ANNA_HZ, "the customer").await;
    let task = bjorn.api.task(call.task).await;
    assert_eq!(task["owner"], bjorn.id, "{task}");
    assert_eq!(task["consult"], Value::Null, "{task}");

    // The call is Bjorn's now: when the customer hangs up, Bjorn wraps up.
    assert_eq!(call.customer.bye(&call.customer_leg).await, 200);
    bjorn.phone.expect_bye(&bjorn_leg).await;
    bjorn.events.until("wrap_up_required").await;
}

#[tokio::test]
async fn r27_r29_a_blind_transfer_to_an_agent_rings_their_phone_and_connects_the_customer() {
    let app = spawn_with_sip_calls(demo_with_rona(15), None).await;
    let mut call = connected_call(&app).await;
    let mut bjorn = agent(&app, "bjorn", "1002", BJORN_HZ).await;

    let body = json!({"target": {"type": "agent", "id": bjorn.id}});
    let reply = command(&call.anna.api, call.task, "transfer", Some(body)).await;
    assert!(reply.is_success(), "{reply:?}");
    // R29: Anna leaves at once and wraps up.
    call.anna.phone.expect_bye(&call.anna_leg).await;
    call.anna.events.until("wrap_up_required").await;
    let (offer, _) = bjorn.events.until("offer").await;
    assert_eq!(offer["task"], call.task, "{offer}");
    let ringing = bjorn.phone.ring().await;
    hears_music(&call.customer, "the customer while Bjorn's phone rings").await;

    bjorn.phone.answer(&ringing).await;
    bjorn.events.until("connected").await;
    hears(&call.customer, BJORN_HZ.into(), "the customer").await;
    hears(&bjorn.phone, CUSTOMER_HZ.into(), "Bjorn's phone").await;
    assert_eq!(bjorn.api.task(call.task).await["owner"], bjorn.id);
}

#[tokio::test]
async fn r28_a_blind_transfer_nobody_answers_is_dropped_when_the_organisation_says_drop() {
    let app = spawn_with_sip_calls(demo_with(2, "drop"), None).await;
    let mut call = connected_call(&app).await;
    let mut bjorn = agent(&app, "bjorn", "1002", BJORN_HZ).await;

    let body = json!({"target": {"type": "agent", "id": bjorn.id}});
    let reply = command(&call.anna.api, call.task, "transfer", Some(body)).await;
    assert!(reply.is_success(), "{reply:?}");
    call.anna.phone.expect_bye(&call.anna_leg).await;
    call.anna.events.until("wrap_up_required").await;
    let ringing = bjorn.phone.ring().await;

    // Bjorn does not answer: his phone is cancelled, he goes to RONA, the customer is dropped.
    bjorn.phone.expect_cancel(&ringing).await;
    bjorn.events.until("rona").await;
    call.customer.expect_bye(&call.customer_leg).await;
    wait_for_state(&bjorn.api, "rona").await;
    assert_no_wrapup(&bjorn, "Bjorn").await;
}

#[tokio::test]
async fn r28_a_blind_transfer_nobody_answers_goes_back_to_its_queue_when_the_organisation_says_requeue()
 {
    let app = spawn_with_sip_calls(demo_with(2, "requeue"), None).await;
    let call = connected_call(&app).await;
    let mut bjorn = agent(&app, "bjorn", "1002", BJORN_HZ).await;

    let body = json!({"target": {"type": "agent", "id": bjorn.id}});
    let reply = command(&call.anna.api, call.task, "transfer", Some(body)).await;
    assert!(reply.is_success(), "{reply:?}");
    call.anna.phone.expect_bye(&call.anna_leg).await;
    let ringing = bjorn.phone.ring().await;
    bjorn.phone.expect_cancel(&ringing).await;
    bjorn.events.until("rona").await;

    // The customer waits in the queue with music and is offered to the next agent.
    assert!(
        !call
            .customer
            .gets_within(Duration::from_millis(300), |m| m.method() == Some("BYE"))
            .await,
        "the requeued customer is not hung up"
    );
    hears_music(&call.customer, "the requeued customer").await;
    let mut cecilie = agent(&app, "cecilie", "1003", THIRD_HZ).await;
    cecilie.phone.answer_next_call().await;
    let (connected, _) = cecilie.events.until("connected").await;
    assert_eq!(connected["task"], call.task, "{connected}");
    hears(&call.customer, THIRD_HZ.into(), "the customer").await;
    hears(&cecilie.phone, CUSTOMER_HZ.into(), "Cecilie's phone").await;
}

#[tokio::test]
async fn r23_a_three_way_conference_each_party_hears_the_two_others_and_not_itself_until_agent_1_leaves()
 {
    let app = spawn_with_sip_calls(demo_with_rona(15), None).await;
    let mut call = connected_call(&app).await;
    let mut bjorn = agent(&app, "bjorn", "1002", BJORN_HZ).await;
    consult_answered(&mut call, &mut bjorn).await;

    let reply = command(&call.anna.api, call.task, "consult/conference", None).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body["consult"]["conference"], true, "{reply:?}");
    assert_eq!(reply.body["customer_held"], false, "{reply:?}");
    call.anna.events.until("conference_started").await;
    bjorn.events.until("conference_started").await;
    let parties = [
        (&call.customer, CUSTOMER_HZ, "the customer"),
        (&call.anna.phone, ANNA_HZ, "Anna's phone"),
        (&bjorn.phone, BJORN_HZ, "Bjorn's phone"),
    ];
    for (phone, own, who) in parties {
        for (_, other, _) in parties.iter().filter(|(_, hz, _)| *hz != own) {
            hears(phone, (*other).into(), who).await;
        }
        quiet(phone, own, who).await;
    }

    // R23 (ours): Anna leaves; the call stays with Bjorn and the customer, Anna wraps up.
    let reply = command(&call.anna.api, call.task, "end", None).await;
    assert!(reply.is_success(), "{reply:?}");
    call.anna.phone.expect_bye(&call.anna_leg).await;
    let (ended, _) = call.anna.events.until("call_ended").await;
    assert_eq!(ended["reason"], "left_conference", "{ended}");
    call.anna.events.until("wrap_up_required").await;
    let (owner, _) = bjorn.events.until("ownership_changed").await;
    assert_eq!(owner["owner"], bjorn.id, "{owner}");
    quiet(&call.customer, ANNA_HZ, "the customer").await;
    hears(&call.customer, BJORN_HZ.into(), "the customer").await;
    hears(&bjorn.phone, CUSTOMER_HZ.into(), "Bjorn's phone").await;
}

#[tokio::test]
async fn r24_the_customer_hanging_up_mid_consult_ends_the_call_agent_1_wraps_up_and_agent_2_just_leaves()
 {
    let app = spawn_with_sip_calls(demo_with_rona(15), None).await;
    let mut call = connected_call(&app).await;
    let mut bjorn = agent(&app, "bjorn", "1002", BJORN_HZ).await;
    let bjorn_leg = consult_answered(&mut call, &mut bjorn).await;

    assert_eq!(call.customer.bye(&call.customer_leg).await, 200);
    call.anna.phone.expect_bye(&call.anna_leg).await;
    bjorn.phone.expect_bye(&bjorn_leg).await;
    let (ended, _) = call.anna.events.until("call_ended").await;
    assert_eq!(ended["reason"], "customer_hung_up", "{ended}");
    call.anna.events.until("wrap_up_required").await;
    let (ended, _) = bjorn.events.until("call_ended").await;
    assert_eq!(ended["reason"], "customer_hung_up", "{ended}");
    assert_no_wrapup(&bjorn, "Bjorn").await;
    wait_for_me(&call.anna.api, "wrapups", json!([call.task])).await;
}

#[tokio::test]
async fn r25_agent_1_hanging_up_the_phone_mid_consult_removes_the_customer_and_agent_2() {
    let app = spawn_with_sip_calls(demo_with_rona(15), None).await;
    let mut call = connected_call(&app).await;
    let mut bjorn = agent(&app, "bjorn", "1002", BJORN_HZ).await;
    let bjorn_leg = consult_answered(&mut call, &mut bjorn).await;

    assert_eq!(call.anna.phone.bye(&call.anna_leg).await, 200);
    call.customer.expect_bye(&call.customer_leg).await;
    bjorn.phone.expect_bye(&bjorn_leg).await;
    call.anna.events.until("wrap_up_required").await;
    bjorn.events.until("call_ended").await;
    assert_no_wrapup(&bjorn, "Bjorn").await;
    wait_for_me(&call.anna.api, "wrapups", json!([call.task])).await;
}

#[tokio::test]
async fn r26_agent_2_cannot_resume_or_end_but_ends_the_consult_and_agent_1_and_the_customer_go_on()
{
    let app = spawn_with_sip_calls(demo_with_rona(15), None).await;
    let mut call = connected_call(&app).await;
    let mut bjorn = agent(&app, "bjorn", "1002", BJORN_HZ).await;
    let bjorn_leg = consult_answered(&mut call, &mut bjorn).await;

    assert_refused(&command(&bjorn.api, call.task, "unhold", None).await, "R26");
    assert_refused(&command(&bjorn.api, call.task, "end", None).await, "R26");

    let reply = command(&bjorn.api, call.task, "consult/end", None).await;
    assert!(reply.is_success(), "{reply:?}");
    bjorn.phone.expect_bye(&bjorn_leg).await;
    until_checking_r15(&mut call.anna.events, "consult_ended").await;
    let (ended, _) = bjorn.events.until("call_ended").await;
    assert_eq!(ended["reason"], "consult_ended", "{ended}");
    assert_no_wrapup(&bjorn, "Bjorn").await;
    hears(&call.customer, ANNA_HZ.into(), "the customer").await;
    hears(&call.anna.phone, CUSTOMER_HZ.into(), "Anna's phone").await;
    quiet(&call.anna.phone, BJORN_HZ, "Anna's phone").await;
}

#[tokio::test]
async fn r14_r15_switching_hold_resume_and_consult_leaves_no_gap_in_any_phones_rtp() {
    let app = spawn_with_sip_calls(demo_with_rona(15), None).await;
    let mut call = connected_call(&app).await;
    let mut bjorn = agent(&app, "bjorn", "1002", BJORN_HZ).await;
    let started = Instant::now();
    let breaks_before = call.customer.sequence_breaks();
    let anna_breaks_before = call.anna.phone.sequence_breaks();
    let packets_before = call.customer.packets_heard();

    let task = call.task;
    let api = call.anna.api.clone();
    for (action, body) in [("hold", None), ("unhold", None)] {
        let reply = command(&api, task, action, body).await;
        assert_eq!(reply.status, 200, "{action}: {reply:?}");
        listen(200).await;
    }
    consult_answered(&mut call, &mut bjorn).await;
    let consulted = Some(json!({"party": "consulted"}));
    for (action, body) in [
        ("unhold", None),
        ("unhold", consulted.clone()),
        ("hold", consulted),
        ("consult/end", None),
    ] {
        let reply = command(&api, task, action, body).await;
        assert_eq!(reply.status, 200, "{action}: {reply:?}");
        listen(200).await;
    }
    hears(&call.customer, ANNA_HZ.into(), "the customer").await;

    let window = started.elapsed();
    let gap = call.customer.longest_gap(window.as_millis() as u64);
    assert!(
        gap < Duration::from_millis(100),
        "customer's longest gap {gap:?}"
    );
    let anna_gap = call.anna.phone.longest_gap(window.as_millis() as u64);
    assert!(
        anna_gap < Duration::from_millis(100),
        "Anna's longest gap {anna_gap:?}"
    );
    // Bjorn's leg moved into the customer's call when bridged: its stream goes on too.
    let bjorn_gap = bjorn.phone.longest_gap(window.as_millis() as u64);
    assert!(
        bjorn_gap < Duration::from_millis(100),
        "Bjorn's longest gap {bjorn_gap:?}"
    );
    assert_eq!(bjorn.phone.sequence_breaks(), (0, 0, 0), "Bjorn's stream");
    assert_eq!(
        call.customer.sequence_breaks(),
        breaks_before,
        "the customer's stream has no hole, keeps its SSRC and its timestamps run on"
    );
    assert_eq!(
        call.anna.phone.sequence_breaks(),
        anna_breaks_before,
        "Anna's stream has no hole, keeps its SSRC and its timestamps run on"
    );
    // One packet per 20 ms all along (a few may be late under load, none are missing).
    let n_expected = window.as_millis() as u64 / 20;
    let n_heard = call.customer.packets_heard() - packets_before;
    assert!(
        n_heard * 10 >= n_expected * 9,
        "{n_heard} packets in {window:?}"
    );
}

#[tokio::test]
async fn r18_r15_resume_before_agent_2_answers_keeps_the_customer_talking_and_agent_2_answers_on_hold()
 {
    let app = spawn_with_sip_calls(demo_with_rona(15), None).await;
    let mut call = connected_call(&app).await;
    let bjorn = agent(&app, "bjorn", "1002", BJORN_HZ).await;

    let body = json!({"target": {"type": "agent", "id": bjorn.id}});
    let reply = command(&call.anna.api, call.task, "consult", Some(body)).await;
    assert_eq!(reply.status, 200, "consult: {reply:?}");
    let ringing = bjorn.phone.ring().await;
    hears_music(&call.customer, "the customer during the consult").await;
    // R18: Resume works before the consulted agent answers.
    let reply = command(&call.anna.api, call.task, "unhold", None).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body["customer_held"], false, "{reply:?}");
    hears(&call.customer, ANNA_HZ.into(), "the resumed customer").await;
    hears(&call.anna.phone, CUSTOMER_HZ.into(), "Anna's phone").await;

    // Bjorn answers into hold: music for him, Anna and the customer go on (R15).
    bjorn.phone.answer(&ringing).await;
    until_checking_r15(&mut call.anna.events, "consult_accepted").await;
    until_held(&mut call.anna.events, false, Some(true)).await;
    hears_music(&bjorn.phone, "Bjorn's phone answering into hold").await;
    hears(&call.customer, ANNA_HZ.into(), "the customer").await;
    quiet(&call.anna.phone, BJORN_HZ, "Anna's phone").await;
    let reply = command(&call.anna.api, call.task, "consult/transfer", None).await;
    assert!(reply.is_success(), "transfer once accepted: {reply:?}");
    hears(&bjorn.phone, CUSTOMER_HZ.into(), "Bjorn's phone").await;
    hears(&call.customer, BJORN_HZ.into(), "the customer").await;
}

#[tokio::test]
async fn r27_a_blind_transfer_to_a_dial_number_connects_the_customer_through_the_trunk() {
    let mut far_end = Softphone::new(
        "it-helpdesk",
        "127.0.0.1",
        "127.0.0.1:9".parse().expect("address"),
        G711::Pcmu,
    )
    .await;
    far_end.play_tone(THIRD_HZ);
    let app = spawn_with_sip_calls(demo_with_rona(15), Some(far_end.sip_addr())).await;
    far_end.set_server(sip_addr(&app));
    let mut call = connected_call(&app).await;

    let body = json!({"target": {"type": "dial_number", "number": "+4722000002"}});
    let reply = command(&call.anna.api, call.task, "transfer", Some(body)).await;
    assert!(reply.is_success(), "{reply:?}");
    call.anna.phone.expect_bye(&call.anna_leg).await;
    call.anna.events.until("wrap_up_required").await;
    let ringing = far_end.ring().await;
    assert!(
        ringing.message.start.starts_with("INVITE sip:+4722000002@"),
        "{:?}",
        ringing.message
    );
    hears_music(&call.customer, "the customer while the number rings").await;
    far_end.answer(&ringing).await;
    hears(&call.customer, THIRD_HZ.into(), "the customer").await;
    hears(&far_end, CUSTOMER_HZ.into(), "the dialled number").await;

    // The dialled party hangs up: the call is over and the customer gets a BYE.
    assert_eq!(far_end.bye(&ringing).await, 200);
    call.customer.expect_bye(&call.customer_leg).await;
}

#[tokio::test]
async fn r29_a_call_blind_transferred_to_an_entry_point_is_never_offered_back_to_the_sender() {
    let app = spawn_with_sip_calls(demo_with_rona(15), None).await;
    let mut call = connected_call(&app).await;

    let found = call
        .anna
        .api
        .get("/api/v1/directory/destinations?search=Salg")
        .await;
    let salg = found.body.as_array().and_then(|list| {
        list.iter()
            .find(|d| d["kind"] == "entry_point" && d["name"] == "Salg")
            .cloned()
    });
    let salg = salg.unwrap_or_else(|| panic!("the entry point Salg in {found:?}"));
    let body = json!({"target": {"type": "entry_point", "id": salg["id"]}});
    let reply = command(&call.anna.api, call.task, "transfer", Some(body)).await;
    assert!(reply.is_success(), "{reply:?}");
    call.anna.phone.expect_bye(&call.anna_leg).await;
    call.anna.events.until("wrap_up_required").await;
    let reply = command(
        &call.anna.api,
        call.task,
        "wrapup",
        Some(json!({"reason": "resolved"})),
    )
    .await;
    assert!(reply.is_success(), "{reply:?}");
    call.anna.api.set_available().await;

    // Anna is Available and serves Sales, yet her phone does not ring; the customer waits with
    // music until Bjorn is Available.
    hears_music(&call.customer, "the customer in the queue").await;
    assert!(
        !call
            .anna
            .phone
            .gets_within(Duration::from_millis(500), |m| m.method() == Some("INVITE"))
            .await,
        "R29: the call was offered back to Anna"
    );
    let mut bjorn = agent(&app, "bjorn", "1002", BJORN_HZ).await;
    bjorn.phone.answer_next_call().await;
    let (connected, _) = bjorn.events.until("connected").await;
    assert_eq!(connected["task"], call.task, "{connected}");
    hears(&call.customer, BJORN_HZ.into(), "the customer").await;
}

#[tokio::test]
async fn r21_a_consulted_phone_answering_as_its_invite_is_cancelled_is_hung_up_and_agent_2_goes_to_rona()
 {
    let app = spawn_with_sip_calls(demo_with_rona(2), None).await;
    let mut call = connected_call(&app).await;
    let bjorn = agent(&app, "bjorn", "1002", BJORN_HZ).await;

    let body = json!({"target": {"type": "agent", "id": bjorn.id}});
    let reply = command(&call.anna.api, call.task, "consult", Some(body)).await;
    assert_eq!(reply.status, 200, "consult: {reply:?}");
    let ringing = bjorn.phone.ring().await;
    // RONA cancels the INVITE, but Bjorn picked up as the CANCEL crossed his 200.
    bjorn.phone.answer_despite_cancel(&ringing).await;
    bjorn.phone.expect_bye(&ringing).await;
    until_checking_r15(&mut call.anna.events, "consult_failed").await;
    wait_for_state(&bjorn.api, "rona").await;
    let task = call.anna.api.task(call.task).await;
    assert_eq!(task["consult"], Value::Null, "{task}");
    hears_music(&call.customer, "the held customer").await;
}

#[tokio::test]
async fn r21_a_consulted_phone_that_refuses_puts_agent_2_in_rona_and_agent_1_gets_consult_failed() {
    let app = spawn_with_sip_calls(demo_with_rona(15), None).await;
    let mut call = connected_call(&app).await;
    let bjorn = agent(&app, "bjorn", "1002", BJORN_HZ).await;

    let body = json!({"target": {"type": "agent", "id": bjorn.id}});
    let reply = command(&call.anna.api, call.task, "consult", Some(body)).await;
    assert_eq!(reply.status, 200, "consult: {reply:?}");
    let ringing = bjorn.phone.ring().await;
    bjorn.phone.refuse(&ringing, 486, "Busy Here").await;
    let failed = until_checking_r15(&mut call.anna.events, "consult_failed").await;
    assert!(
        failed["reason"].as_str().unwrap_or("").contains("Busy"),
        "{failed}"
    );
    wait_for_state(&bjorn.api, "rona").await;
    hears_music(&call.customer, "the held customer").await;
}

#[tokio::test]
async fn r23_r26_agent_2_hanging_up_in_a_conference_leaves_agent_1_and_the_customer_talking() {
    let app = spawn_with_sip_calls(demo_with_rona(15), None).await;
    let mut call = connected_call(&app).await;
    let mut bjorn = agent(&app, "bjorn", "1002", BJORN_HZ).await;
    let bjorn_leg = consult_answered(&mut call, &mut bjorn).await;
    let reply = command(&call.anna.api, call.task, "consult/conference", None).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    hears(&call.customer, BJORN_HZ.into(), "the customer").await;

    // Bjorn hangs up his phone: the consult leg ends, Anna and the customer go on.
    assert_eq!(bjorn.phone.bye(&bjorn_leg).await, 200);
    until_checking_r15(&mut call.anna.events, "consult_ended").await;
    let (ended, _) = bjorn.events.until("call_ended").await;
    assert_eq!(ended["reason"], "consult_ended", "{ended}");
    assert_no_wrapup(&bjorn, "Bjorn").await;
    quiet(&call.customer, BJORN_HZ, "the customer").await;
    hears(&call.customer, ANNA_HZ.into(), "the customer").await;
    hears(&call.anna.phone, CUSTOMER_HZ.into(), "Anna's phone").await;
    let task = call.anna.api.task(call.task).await;
    assert_eq!(task["consult"], Value::Null, "{task}");
    assert_eq!(task["customer_held"], false, "{task}");
}

#[tokio::test]
async fn r23_r24_the_customer_hanging_up_in_a_conference_ends_it_for_both_agents() {
    let app = spawn_with_sip_calls(demo_with_rona(15), None).await;
    let mut call = connected_call(&app).await;
    let mut bjorn = agent(&app, "bjorn", "1002", BJORN_HZ).await;
    let bjorn_leg = consult_answered(&mut call, &mut bjorn).await;
    let reply = command(&call.anna.api, call.task, "consult/conference", None).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    hears(&call.customer, BJORN_HZ.into(), "the customer").await;

    assert_eq!(call.customer.bye(&call.customer_leg).await, 200);
    call.anna.phone.expect_bye(&call.anna_leg).await;
    bjorn.phone.expect_bye(&bjorn_leg).await;
    call.anna.events.until("wrap_up_required").await;
    bjorn.events.until("call_ended").await;
    assert_no_wrapup(&bjorn, "Bjorn").await;
}

#[tokio::test]
async fn r20_r10_a_consult_to_an_entry_points_number_rings_an_agent_of_its_queue_not_the_trunk() {
    let mut far_end = Softphone::new(
        "trunk",
        "127.0.0.1",
        "127.0.0.1:9".parse().expect("address"),
        G711::Pcmu,
    )
    .await;
    far_end.play_tone(THIRD_HZ);
    let app = spawn_with_sip_calls(demo_with_rona(15), Some(far_end.sip_addr())).await;
    far_end.set_server(sip_addr(&app));
    let mut call = connected_call(&app).await;
    let mut bjorn = agent(&app, "bjorn", "1002", BJORN_HZ).await;

    // Salg's number, typed with a bracket and dashes: Bjorn of the Sales queue is consulted.
    let body = json!({"target": {"type": "dial_number", "number": "+47 (21) 00-00-01"}});
    let reply = command(&call.anna.api, call.task, "consult", Some(body)).await;
    assert_eq!(reply.status, 200, "consult: {reply:?}");
    let (offer, _) = bjorn.events.until("consult_offer").await;
    let variables = offer["variables"].as_array().expect("variables");
    // R10: an entry-point consult shows Anna's DN and at most 6 configured variables.
    assert!(variables.len() <= 7, "{offer}");
    assert!(
        variables
            .iter()
            .any(|v| v["name"] == "agent_dn" && v["value"] == "1001"),
        "{offer}"
    );
    assert!(
        !variables.iter().any(|v| v["name"] == "agent_name"),
        "{offer}"
    );
    bjorn.phone.answer_next_call().await;
    until_checking_r15(&mut call.anna.events, "consult_accepted").await;
    hears(&call.anna.phone, BJORN_HZ.into(), "Anna's phone").await;
    assert!(
        !far_end
            .gets_within(Duration::from_millis(200), |m| m.method() == Some("INVITE"))
            .await,
        "an entry point's number is not dialled out"
    );
}

#[tokio::test]
async fn r24_r27_the_customer_hanging_up_while_the_transfer_target_rings_cancels_their_phone() {
    let app = spawn_with_sip_calls(demo_with_rona(15), None).await;
    let call = connected_call(&app).await;
    let mut bjorn = agent(&app, "bjorn", "1002", BJORN_HZ).await;

    let body = json!({"target": {"type": "agent", "id": bjorn.id}});
    let reply = command(&call.anna.api, call.task, "transfer", Some(body)).await;
    assert!(reply.is_success(), "{reply:?}");
    let ringing = bjorn.phone.ring().await;
    assert_eq!(call.customer.bye(&call.customer_leg).await, 200);
    bjorn.phone.expect_cancel(&ringing).await;
    bjorn.events.until("offer_withdrawn").await;
    wait_for_state(&bjorn.api, "available").await;
    assert_no_wrapup(&bjorn, "Bjorn").await;
    // Anna, who transferred it, wraps it up (R29).
    wait_for_me(&call.anna.api, "wrapups", json!([call.task])).await;
}

#[tokio::test]
async fn r25_r20_a_consult_transfer_to_a_dialled_number_leaves_the_customer_with_it_and_agent_1_wraps_up()
 {
    let mut far_end = Softphone::new(
        "legal",
        "127.0.0.1",
        "127.0.0.1:9".parse().expect("address"),
        G711::Pcmu,
    )
    .await;
    far_end.play_tone(THIRD_HZ);
    let app = spawn_with_sip_calls(demo_with_rona(15), Some(far_end.sip_addr())).await;
    far_end.set_server(sip_addr(&app));
    let mut call = connected_call(&app).await;

    let body = json!({"target": {"type": "dial_number", "number": "+4722000000"}});
    let reply = command(&call.anna.api, call.task, "consult", Some(body)).await;
    assert_eq!(reply.status, 200, "consult: {reply:?}");
    let far_leg = far_end.answer_next_call().await;
    call.anna.events.until("consult_accepted").await;
    let reply = command(&call.anna.api, call.task, "consult/transfer", None).await;
    assert!(reply.is_success(), "{reply:?}");
    call.anna.phone.expect_bye(&call.anna_leg).await;
    call.anna.events.until("wrap_up_required").await;
    hears(&call.customer, THIRD_HZ.into(), "the customer").await;
    hears(&far_end, CUSTOMER_HZ.into(), "the dialled number").await;

    // The customer hangs up: the dialled number gets a BYE.
    assert_eq!(call.customer.bye(&call.customer_leg).await, 200);
    far_end.expect_bye(&far_leg).await;
}

#[tokio::test]
async fn r20_r15_a_consult_to_a_dial_number_reaches_a_sipp_far_end_behind_the_trunk() {
    // SIPp's UAS plays the number's far end behind the trunk and echoes the RTP it gets, so
    // Anna hears her own tone back while she talks to it and not while it is on hold.
    let trunk_port = free_udp_port();
    let mut answering = vec![
        "-sn".to_owned(),
        "uas".to_owned(),
        "-rtp_echo".to_owned(),
        "-mp".to_owned(),
        free_udp_port().to_string(),
    ];
    answering.extend(common(trunk_port));
    let far_end = Sipp::spawn("dialled number behind the trunk", &answering);
    let trunk = format!("127.0.0.1:{trunk_port}").parse().expect("address");
    let app = spawn_with_sip_calls(demo_with_rona(15), Some(trunk)).await;
    let mut call = connected_call(&app).await;

    let body = json!({"target": {"type": "dial_number", "number": "+4722000000"}});
    let reply = command(&call.anna.api, call.task, "consult", Some(body)).await;
    assert_eq!(reply.status, 200, "consult: {reply:?}");
    until_checking_r15(&mut call.anna.events, "consult_accepted").await;
    hears(
        &call.anna.phone,
        ANNA_HZ.into(),
        "Anna's phone (SIPp's echo)",
    )
    .await;
    hears_music(&call.customer, "the customer during the consult").await;

    // R15: resuming the customer holds the far end, whose echo is then music, not Anna.
    let reply = command(&call.anna.api, call.task, "unhold", None).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    hears(&call.customer, ANNA_HZ.into(), "the resumed customer").await;
    quiet(&call.anna.phone, ANNA_HZ, "Anna's phone while SIPp is held").await;

    // Ending the consult sends SIPp its BYE: its scenario completes without an error.
    let reply = command(&call.anna.api, call.task, "consult/end", None).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    until_checking_r15(&mut call.anna.events, "consult_ended").await;
    far_end.succeeds().await;
    hears(&call.anna.phone, CUSTOMER_HZ.into(), "Anna's phone").await;
}
