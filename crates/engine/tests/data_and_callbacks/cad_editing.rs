//! Goal: an agent with an accepted call edits editable CAD variables only, at most 256
//! characters a value, date-times in ISO 8601; Save stores the values and bumps the version;
//! Reset shows the last saved values because a refused save changes nothing.
//! Method: connect a call and send `Command::SaveVariables` with good and bad values; check
//! the rejection code, the `VariablesChanged` event, the `Record::VariablesSaved` record and
//! the interaction view's variables and version.
//! Proves: R34 (with R45 for the saved-values record).

use crate::support::*;
use sentral_engine::testing::*;
use sentral_engine::*;

#[test]
fn r34_save_stores_the_values_and_bumps_the_version() {
    let mut h = Harness::new();
    let call = connected_call(&mut h, DAVID, SUPPORT, DN_KUNDESERVICE);
    assert_eq!(h.view(call.id).variables_version, 0);
    assert_eq!(h.view(call.id).variables, values(&[("language", "nb")]));

    save(
        &mut h,
        DAVID,
        call.id,
        &[("case_number", "C-1"), ("customer_name", "Kari Nordmann")],
        0,
    )
    .expect("save");
    let expected = values(&[
        ("case_number", "C-1"),
        ("customer_name", "Kari Nordmann"),
        ("language", "nb"),
    ]);
    assert!(
        h.events_for(DAVID)
            .contains(&DesktopEvent::VariablesChanged {
                interaction: call.id,
                version: 1,
                values: expected.clone(),
            })
    );
    assert!(h.records().contains(&Record::VariablesSaved {
        interaction: call.id,
        version: 1,
        values: expected.clone(),
        agent: Some(DAVID),
    }));
    let view = h.view(call.id);
    assert_eq!((view.variables, view.variables_version), (expected, 1));

    save(&mut h, DAVID, call.id, &[("case_number", "C-2")], 1).expect("second save");
    let view = h.view(call.id);
    assert_eq!(view.variables_version, 2);
    assert_eq!(view.variables["case_number"], "C-2");
    assert_eq!(
        view.variables["customer_name"], "Kari Nordmann",
        "values not in the save are kept"
    );
}

#[test]
fn r34_only_editable_variables_can_be_saved() {
    let mut h = Harness::new();
    let call = connected_call(&mut h, DAVID, SUPPORT, DN_KUNDESERVICE);
    let result = save(&mut h, DAVID, call.id, &[("language", "en")], 0);
    rejected(&h, result, Rule::R34);
    let result = save(
        &mut h,
        DAVID,
        call.id,
        &[("case_number", "C-1"), ("language", "en")],
        0,
    );
    rejected(&h, result, Rule::R34);
    let view = h.view(call.id);
    assert_eq!(
        (view.variables, view.variables_version),
        (values(&[("language", "nb")]), 0),
        "a refused save stores nothing, not even its valid values"
    );
    let unknown = save(&mut h, DAVID, call.id, &[("no_such_variable", "x")], 0)
        .expect_err("not a CAD variable");
    assert_eq!(unknown.code, Code::Invalid);
}

#[test]
fn r34_a_value_holds_at_most_256_characters() {
    let mut h = Harness::new();
    let call = connected_call(&mut h, DAVID, SUPPORT, DN_KUNDESERVICE);
    let too_long = "x".repeat(257);
    let result = save(&mut h, DAVID, call.id, &[("case_number", &too_long)], 0);
    rejected(&h, result, Rule::R34);
    assert_eq!(h.view(call.id).variables_version, 0);

    let longest = "x".repeat(CAD_VALUE_CHARS_MAX);
    assert_eq!(CAD_VALUE_CHARS_MAX, 256);
    save(&mut h, DAVID, call.id, &[("case_number", &longest)], 0).expect("256 characters");
    assert_eq!(h.view(call.id).variables["case_number"], longest);

    // Characters, not bytes: 256 two-byte letters fit, 257 do not.
    let name = "ø".repeat(256);
    save(&mut h, DAVID, call.id, &[("customer_name", &name)], 1).expect("256 letters ø");
    let result = save(
        &mut h,
        DAVID,
        call.id,
        &[("customer_name", &"ø".repeat(257))],
        2,
    );
    rejected(&h, result, Rule::R34);
    assert_eq!(h.view(call.id).variables["customer_name"], name);
}

#[test]
fn r34_a_date_time_is_stored_in_iso_8601() {
    let mut h = Harness::new();
    let call = connected_call(&mut h, DAVID, SUPPORT, DN_KUNDESERVICE);
    for bad in [
        "25.11.2026 14:30",
        "2026-11-25 14:30",
        "tomorrow",
        "2026-13-01T10:00",
    ] {
        let result = save(&mut h, DAVID, call.id, &[("follow_up_at", bad)], 0);
        rejected(&h, result, Rule::R34);
    }
    assert!(!h.view(call.id).variables.contains_key("follow_up_at"));
    save(
        &mut h,
        DAVID,
        call.id,
        &[("follow_up_at", "2026-11-25T14:30:00+01:00")],
        0,
    )
    .expect("ISO 8601");
    assert_eq!(
        h.view(call.id).variables["follow_up_at"],
        "2026-11-25T14:30:00+01:00"
    );
}

#[test]
fn r34_reset_brings_back_the_last_saved_values() {
    let mut h = Harness::new();
    let call = connected_call(&mut h, DAVID, SUPPORT, DN_KUNDESERVICE);
    save(&mut h, DAVID, call.id, &[("case_number", "C-1")], 0).expect("save");
    let last_saved = all_records(&h)
        .into_iter()
        .rev()
        .find_map(|r| match r {
            Record::VariablesSaved { values, .. } => Some(values),
            _ => None,
        })
        .expect("saved");
    // The agent edits and gives up (a refused save stands for an edit never saved).
    let result = save(
        &mut h,
        DAVID,
        call.id,
        &[("case_number", "C-2"), ("follow_up_at", "soon")],
        1,
    );
    rejected(&h, result, Rule::R34);
    // Reset: the desktop reloads the view, which holds exactly the last saved values.
    let view = h.view(call.id);
    assert_eq!(view.variables, last_saved);
    assert_eq!(view.variables_version, 1);
    assert_eq!(view.variables["case_number"], "C-1");
}

#[test]
fn r34_only_an_agent_with_an_accepted_call_edits_variables() {
    let mut h = Harness::new();
    h.ready(DAVID, SUPPORT);
    let (id, _) = h.arrive(DN_KUNDESERVICE);
    assert_eq!(h.view(id).offered_to, Some(DAVID));
    let ringing =
        save(&mut h, DAVID, id, &[("case_number", "C-1")], 0).expect_err("not answered yet");
    assert!(
        matches!(ringing.code, Code::Rule(Rule::R14 | Rule::R34)),
        "answer first: {ringing}"
    );
    h.answer(DAVID);
    h.ready(ANNA, SALES);
    let stranger =
        save(&mut h, ANNA, id, &[("case_number", "C-1")], 0).expect_err("not ANNA's call");
    assert_eq!(stranger.code, Code::NotYours);
    assert_eq!(h.view(id).variables_version, 0);
    save(&mut h, DAVID, id, &[("case_number", "C-1")], 0).expect("after answering");
}
