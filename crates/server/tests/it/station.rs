//! Station log-in over HTTP: an agent logs in only at their own extension or a station the
//! organisation assigns them (R3); a colleague's extension is refused with a clear message.

use crate::support::spawn_demo;
use serde_json::json;

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
