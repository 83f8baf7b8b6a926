//! Station log-in over HTTP: an agent logs in only at their own extension or a station the
//! organisation assigns them (R3); a colleague's extension is refused with a clear message.

use crate::support::{DN_SALES, spawn_demo};
use sentral_engine::TelephonyEvent;
use serde_json::{Value, json};

#[tokio::test]
async fn r3_station_log_in_at_a_colleagues_extension_is_refused_and_an_assigned_one_works() {
    let app = spawn_demo().await;
    let anna = app.user("anna").await;
    let at = |extension: &str| json!({"team": "Sales", "extension": extension});
    let refused = anna.post("/api/v1/agents/me/session", at("1002")).await;
    assert_eq!(refused.status, 409, "{refused:?}");
    assert_eq!(refused.error_code(), "R3");
    assert_eq!(
        refused.body["message"],
        "extension 1002 is not yours; log in at 1001"
    );

    // The organisation assigns anna a shared desk's phone (bjorn's, while he is away).
    let admin = app.user("admin").await;
    // Without SIP credentials the entry keeps anna's, her extension being unchanged.
    let entry = json!({"name": "Anna", "extension": "1001",
        "teams": ["Sales"], "skills": ["norwegian"], "stations": ["1002"]});
    let changed = admin
        .put(
            "/api/v1/admin/users/anna",
            json!({"role": "agent", "agent": entry}),
        )
        .await;
    assert_eq!(changed.status, 200, "{changed:?}");
    let reply = anna.post("/api/v1/agents/me/session", at("1002")).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    // Now bjorn's own phone is taken; he is told by whom, by name.
    let bjorn = app.user("bjorn").await;
    let taken = bjorn.post("/api/v1/agents/me/session", at("1002")).await;
    assert_eq!(taken.status, 409, "{taken:?}");
    assert_eq!(taken.body["message"], "extension 1002 is in use by Anna");

    // A station that is not an extension is a clear configuration error.
    let entry = json!({"name": "Anna", "extension": "1001", "sip_password": "a long phone secret",
        "teams": ["Sales"], "stations": ["desk 7"]});
    let bad = admin
        .put(
            "/api/v1/admin/users/cecilie",
            json!({"role": "agent", "agent": entry}),
        )
        .await;
    assert_eq!(bad.status, 422, "{bad:?}");
    assert!(bad.text.contains("stations"), "{}", bad.text);
}

/// Signs out a session of `api`; the reply.
async fn sign_out(api: &crate::support::Api) -> crate::support::Reply {
    api.post_empty("/api/v1/logout").await
}

#[tokio::test]
async fn r3_r5_signing_out_the_last_session_logs_the_agent_out_of_the_station_but_not_during_an_offer()
 {
    let app = spawn_demo().await;
    let anna = app.ready_agent("anna", "Sales", "1001").await;
    // A second tab signs out: anna is still signed in in the first, and stays on the station.
    let second_tab = app.user("anna").await;
    assert_eq!(sign_out(&second_tab).await.status, 204);
    let me = anna.get("/api/v1/agents/me").await;
    assert_eq!(me.body["agent"]["state"], "available", "{me:?}");

    // An offer is shown: signing out is refused with the reason, and the session is kept (R5).
    let customer = app.customer_calls(1, DN_SALES, "+4791234567").await;
    app.phone.ringing("1001").await;
    let refused = sign_out(&anna).await;
    assert_eq!(refused.status, 409, "{refused:?}");
    assert_eq!(refused.error_code(), "R5");
    assert_eq!(
        refused.body["message"],
        "cannot log out while an offer popover is shown"
    );
    assert_eq!(anna.get("/api/v1/agents/me").await.status, 200);

    // The customer gives up; now signing out takes anna off the station, so that no call is
    // offered to an agent who is not there (R3).
    app.phone_event(TelephonyEvent::HungUp { leg: customer })
        .await;
    let signed_out = sign_out(&anna).await;
    assert_eq!(signed_out.status, 204, "{signed_out:?}");
    assert_eq!(anna.get("/api/v1/agents/me").await.status, 401);
    let again = app.user("anna").await;
    let me = again.get("/api/v1/agents/me").await;
    assert_eq!(me.body["agent"]["state"], "logged_out", "{me:?}");
    assert_eq!(me.body["agent"]["extension"], Value::Null, "{me:?}");
}

#[tokio::test]
async fn r3_an_expired_last_session_logs_the_agent_out_of_the_station() {
    let app = spawn_demo().await;
    let anna = app.ready_agent("anna", "Sales", "1001").await;
    // Housekeeping finds anna's only session expired.
    let later = sentral_server::app::unix_ms() + sentral_server::auth::SESSION_TTL_MS;
    sentral_server::app::sweep_sessions(&app.app.state, later).await;
    assert_eq!(anna.get("/api/v1/agents/me").await.status, 401);
    let again = app.user("anna").await;
    let me = again.get("/api/v1/agents/me").await;
    assert_eq!(me.body["agent"]["state"], "logged_out", "{me:?}");
}
