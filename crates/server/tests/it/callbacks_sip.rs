//! Callbacks, outdial and the call limit over real SIP (R2, R37–R40, R42): customers and
//! agents' phones are test [`Softphone`]s, and another one plays the outbound trunk's far end
//! (the customer's phone when Sentral calls back or dials out).

use crate::calls::{agent_with_phone, sip_addr};
use crate::softphone::Softphone;
use crate::support::{DN_SALES, DN_SUPPORT, TestApp, spawn_with_sip_calls};
use sentral_media::G711;
use sentral_server::config::{self, ServerConfig};
use serde_json::json;
use std::time::Duration;

/// The demo with short timers and `extra` replacements of its text.
fn demo(replacements: &[(&str, &str)]) -> ServerConfig {
    let mut text = config::DEMO_TOML.replace("rona_timeout = \"15s\"", "rona_timeout = \"5s\"");
    for (from, to) in replacements {
        assert!(text.contains(from), "the demo has {from:?}");
        text = text.replace(from, to);
    }
    config::parse(&text, "demo-test.toml").expect("the test configuration is valid")
}

/// A server whose outbound trunk is a test phone that answers what Sentral dials.
async fn with_trunk(config: ServerConfig) -> (TestApp, Softphone) {
    let trunk = Softphone::new(
        "trunk",
        "127.0.0.1",
        "127.0.0.1:9".parse().unwrap(),
        G711::Pcmu,
    )
    .await;
    let app = spawn_with_sip_calls(config, Some(trunk.sip_addr())).await;
    (app, trunk)
}

async fn pending(app: &TestApp) -> Vec<serde_json::Value> {
    let supervisor = app.user("supervisor").await;
    let reply = supervisor.get("/api/v1/callbacks").await;
    assert_eq!(reply.status, 200, "{reply:?}");
    reply.body.as_array().expect("a list").clone()
}

#[tokio::test]
async fn r37_r38_pressing_1_keeps_the_place_and_the_agent_is_connected_to_the_customer_called_back()
{
    let (app, trunk) = with_trunk(demo(&[(
        "courtesy_callback_after = \"60s\"",
        "courtesy_callback_after = \"1s\"",
    )]))
    .await;
    let sip = sip_addr(&app);

    // Nobody serves Support: the first caller waits, hears the offer and presses 1.
    let first = Softphone::new("4791111111", "127.0.0.1", sip, G711::Pcmu).await;
    let (status, first_call) = first.call(DN_SUPPORT).await;
    assert_eq!(status, 200);
    let first_call = first_call.expect("a dialog");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    first.press(1).await;
    // The confirmation is played to its end, then Sentral hangs up.
    first.expect_bye(&first_call).await;
    let waiting = pending(&app).await;
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert_eq!(waiting[0]["kind"], "courtesy_callback");
    assert_eq!(waiting[0]["customer_number"], "4791111111");

    // A later caller waits behind the callback.
    let second = Softphone::new("4792222222", "127.0.0.1", sip, G711::Pcmu).await;
    let (status, _second_call) = second.call(DN_SUPPORT).await;
    assert_eq!(status, 200);

    // David comes: the callback is offered first; he answers, and Sentral calls the customer.
    let (david, phone) = agent_with_phone(&app, "david", "Support", "1004", G711::Pcmu).await;
    let ringing = phone.ring().await;
    assert!(ringing.message.header("X-Sentral-Interaction").is_some());
    let tasks = david.get("/api/v1/tasks").await;
    assert_eq!(tasks.body[0]["kind"], "courtesy_callback", "{tasks:?}");
    phone.play_tone(1000);
    phone.answer(&ringing).await;
    let dialled = trunk.ring().await;
    assert!(
        dialled.message.start.contains("4791111111"),
        "the trunk is asked for the customer: {}",
        dialled.message.start
    );
    trunk.play_tone(440);
    trunk.answer(&dialled).await;
    crate::calls::hears(&trunk, 1000.0, "the customer called back").await;
    crate::calls::hears(&phone, 440.0, "david").await;
    assert!(pending(&app).await.is_empty());
}

#[tokio::test]
async fn r37_a_caller_outside_opening_hours_is_offered_the_courtesy_callback_at_once() {
    // Support keeps opening hours with no open day: it is always closed. The fixed wait stays
    // at 60 s, so only the opening hours can offer the callback within the test's second.
    let (app, _trunk) = with_trunk(demo(&[(
        "[organisations.demo.queues.Support]\n",
        "[organisations.demo.opening_hours.Closed]\n\n\
         [organisations.demo.queues.Support]\nopening_hours = \"Closed\"\n",
    )]))
    .await;
    let sip = sip_addr(&app);
    let caller = Softphone::new("4791111111", "127.0.0.1", sip, G711::Pcmu).await;
    let (status, call) = caller.call(DN_SUPPORT).await;
    assert_eq!(status, 200);
    let call = call.expect("a dialog");
    // Pressing 1 only counts once the offer was made (an earlier key changes nothing), so a
    // press a moment after the answer, long before the fixed 60 s, proves the offer came at
    // once.
    tokio::time::sleep(Duration::from_millis(300)).await;
    caller.press(1).await;
    caller.expect_bye(&call).await;
    let waiting = pending(&app).await;
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert_eq!(waiting[0]["kind"], "courtesy_callback");
}

#[tokio::test]
async fn r2_the_call_over_the_limit_gets_503_with_a_reason_while_the_calls_under_it_stay_up() {
    let (app, _trunk) = with_trunk(demo(&[("calls_max = 20", "calls_max = 1")])).await;
    let sip = sip_addr(&app);
    let first = Softphone::new("4791111111", "127.0.0.1", sip, G711::Pcmu).await;
    first.play_tone(440);
    let (status, first_call) = first.call(DN_SALES).await;
    assert_eq!(status, 200);

    let second = Softphone::new("4792222222", "127.0.0.1", sip, G711::Pcmu).await;
    let (status, _) = second.call(DN_SALES).await;
    assert_eq!(status, 503, "the second call is over the limit of 1");
    // The first call still hears its music.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(first.rms(200) > 300.0, "the call under the limit goes on");
    assert_eq!(first.bye(&first_call.expect("a dialog")).await, 200);

    // The refusal is in the history, with its reason.
    let supervisor = app.user("supervisor").await;
    let mut found = false;
    for _ in 0..50 {
        let history = supervisor.get("/api/v1/interactions").await;
        if history.body.to_string().contains("limit_reached") {
            found = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(found, "a rejected call is recorded as limit_reached");
}

#[tokio::test]
async fn r42_an_outdial_rings_the_agents_phone_first_then_the_customer() {
    let (app, trunk) = with_trunk(demo(&[])).await;
    let (anna, phone) = agent_with_phone(&app, "anna", "Sales", "1001", G711::Pcmu).await;
    let reply = anna
        .put(
            "/api/v1/agents/me/state",
            json!({"state": "idle", "idle_reason": "lunch"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let reply = anna
        .post("/api/v1/outdial", json!({"number": "+47 22 33 44 55"}))
        .await;
    assert_eq!(reply.status, 201, "{reply:?}");
    assert_eq!(reply.body["kind"], "outdial");

    // Anna's phone rings first; the customer is dialled only once she answers.
    let ringing = phone.ring().await;
    assert!(
        !trunk
            .gets_within(Duration::from_millis(300), |m| m.method() == Some("INVITE"))
            .await,
        "the customer is not dialled before the agent answers"
    );
    phone.play_tone(1000);
    phone.answer(&ringing).await;
    let dialled = trunk.ring().await;
    assert!(
        dialled.message.start.contains("+4722334455"),
        "{}",
        dialled.message.start
    );
    trunk.play_tone(440);
    trunk.answer(&dialled).await;
    crate::calls::hears(&trunk, 1000.0, "the customer").await;
    crate::calls::hears(&phone, 440.0, "anna").await;

    // Bad numbers are refused with the rule.
    let (bjorn, _bjorn_phone) = agent_with_phone(&app, "bjorn", "Sales", "1002", G711::Pcmu).await;
    let refused = bjorn
        .post("/api/v1/outdial", json!({"number": "call me"}))
        .await;
    assert_eq!(refused.status, 422, "{refused:?}");
    assert_eq!(refused.body["code"], "R30");
}

#[tokio::test]
async fn r37_r40_a_web_callback_whose_customer_is_busy_waits_its_spacing_and_is_delivered_on_the_next_attempt()
 {
    let (app, trunk) = with_trunk(demo(&[(
        "callback_retry_after = \"2m\"",
        "callback_retry_after = \"1s\"",
    )]))
    .await;
    let request = || {
        let url = app.url("/api/v1/callbacks");
        async move {
            reqwest::Client::new()
                .post(url)
                .header("X-Api-Key", "demo-callback-key-not-a-secret-2026")
                .json(&json!({"queue": "Sales", "name": "Kari", "number": "+47 913 00 000"}))
                .send()
                .await
                .expect("the request is sent")
        }
    };
    let created = request().await;
    assert_eq!(created.status(), 201);
    let id = created.json::<serde_json::Value>().await.expect("json")["id"].clone();
    // The website retries: the same callback, not a second one.
    let again = request().await;
    assert_eq!(again.status(), 200);
    assert_eq!(
        again.json::<serde_json::Value>().await.expect("json")["id"],
        id
    );

    // Anna is offered it; her phone answers; the customer's line is busy (486).
    let (anna, phone) = agent_with_phone(&app, "anna", "Sales", "1001", G711::Pcmu).await;
    let ringing = phone.ring().await;
    phone.answer(&ringing).await;
    let first = trunk.ring().await;
    assert!(
        first.message.start.contains("+4791300000"),
        "{}",
        first.message.start
    );
    trunk.refuse(&first, 486, "Busy Here").await;
    // R40: the callback waits its spacing (1 s here), and Anna is free again without wrap-up.
    let waiting = pending(&app).await;
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert_eq!(waiting[0]["phase"], "retry_wait", "{waiting:?}");
    phone.expect_bye(&ringing).await;

    // After the spacing it is offered again; this time the customer answers.
    let ringing = phone.ring().await;
    phone.play_tone(1000);
    phone.answer(&ringing).await;
    let second = trunk.ring().await;
    trunk.play_tone(440);
    trunk.answer(&second).await;
    crate::calls::hears(&trunk, 1000.0, "the customer called back").await;
    crate::calls::hears(&phone, 440.0, "anna").await;
    assert!(pending(&app).await.is_empty());
    let tasks = anna.get("/api/v1/tasks").await;
    assert_eq!(tasks.body[0]["kind"], "web_callback", "{tasks:?}");
}
