//! R16 over the API and real SIP: the organisation directory gives the presence of an expert
//! whose work phone is an extension on Sentral, from the phone's SIP registration and its calls,
//! and none for an outside number.

use crate::calls::{agent_with_phone, sip_addr};
use crate::softphone::Softphone;
use crate::support::{DN_SUPPORT, spawn_with_sip_calls};
use sentral_media::G711;
use sentral_server::config;
use serde_json::Value;
use std::time::Duration;

/// The presence of the expert with this first name, as the directory answers now.
async fn presence(api: &crate::support::Api, first_name: &str) -> Value {
    let reply = api.get("/api/v1/directory/experts").await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let experts = reply.body.as_array().expect("a list").clone();
    experts
        .into_iter()
        .find(|e| e["first_name"] == first_name)
        .unwrap_or_else(|| panic!("{first_name} is listed: {:?}", reply.body))["presence"]
        .clone()
}

async fn wait_for_presence(api: &crate::support::Api, first_name: &str, expected: &str) {
    for _ in 0..100 {
        if presence(api, first_name).await == expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "{first_name} never became {expected}: {}",
        presence(api, first_name).await
    );
}

#[tokio::test]
async fn r16_an_experts_presence_follows_the_sip_registration_and_calls_of_their_extension() {
    let text = format!(
        "{}\n[[organisations.demo.experts]]\nfirst_name = \"Eva\"\nlast_name = \"Berg\"\nrole = \"Team lead\"\ndepartment = \"Support\"\nwork_phone = \"1005\"\n",
        config::DEMO_TOML
    );
    let config = config::parse(&text, "experts-test.toml").expect("valid");
    let app = spawn_with_sip_calls(config, None).await;
    let anna = app.user("anna").await;
    assert_eq!(
        presence(&anna, "Kari").await,
        Value::Null,
        "an outside number"
    );
    assert_eq!(presence(&anna, "Eva").await, "offline", "not registered");

    // Eva's phone registers over SIP and she becomes Available.
    let (_eva, phone) = agent_with_phone(&app, "eva", "Support", "1005", G711::Pcmu).await;
    wait_for_presence(&anna, "Eva", "available").await;

    // A customer's call to Support rings her phone: Busy.
    let customer = Softphone::new("4791111111", "127.0.0.1", sip_addr(&app), G711::Pcmu).await;
    let (status, _call) = customer.call(DN_SUPPORT).await;
    assert_eq!(status, 200);
    let _ringing = phone.ring().await;
    wait_for_presence(&anna, "Eva", "busy").await;
}
