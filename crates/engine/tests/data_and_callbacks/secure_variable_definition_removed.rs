//! Goal: a secure (PII) value stays hidden when an administrator removes its variable's
//! definition while calls that hold the value are live: it must not start showing in the
//! interaction view or in `VariablesChanged` just because the engine no longer knows the
//! variable is secure.
//! Method: DAVID saves a national id on his call; the administrator removes the `national_id`
//! definition (`Input::ConfigChanged`); DAVID saves another value; check his events and the
//! view.
//! Proves: R33 (secure values never shown), with R43 (configuration changes while calls are
//! live).

use crate::support::*;
use sentral_engine::testing::*;
use sentral_engine::*;

const NATIONAL_ID: &str = "01017012345";

#[test]
fn r33_a_secure_value_stays_hidden_after_its_definition_is_removed() {
    let mut h = Harness::new();
    let call = connected_call(&mut h, DAVID, SUPPORT, DN_KUNDESERVICE);
    save(&mut h, DAVID, call.id, &[("national_id", NATIONAL_ID)], 0).expect("saved");
    assert!(!h.view(call.id).variables.contains_key("national_id"));

    let mut config = small_config();
    config.cad_variables.retain(|d| d.name != "national_id");
    h.input(Input::ConfigChanged(Box::new(config)))
        .expect("the definition is removed");
    assert!(
        !h.view(call.id).variables.contains_key("national_id"),
        "R33: {:?}",
        h.view(call.id).variables
    );

    save(&mut h, DAVID, call.id, &[("case_number", "C-9")], 1).expect("saved");
    let changed = h
        .events_for(DAVID)
        .into_iter()
        .find_map(|e| match e {
            DesktopEvent::VariablesChanged { values, .. } => Some(values),
            _ => None,
        })
        .expect("VariablesChanged");
    assert_eq!(changed.get("case_number").map(String::as_str), Some("C-9"));
    assert!(
        !changed.values().any(|v| v == NATIONAL_ID),
        "R33: {changed:?}"
    );
}
