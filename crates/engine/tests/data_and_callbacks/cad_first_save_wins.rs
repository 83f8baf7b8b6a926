//! Goal: when two agents edit the same call's variables (consult, then consult transfer) the
//! first save wins; a later save based on the old version is refused with the current values,
//! so the agent is told and nothing is silently overwritten.
//! Method: agent 1 (DAVID) consults agent 2 (EVA), who sees version 0; DAVID saves (version
//! 1, EVA's view updates live) and transfers to EVA; EVA saves based on version 0 and is
//! refused with `RejectionDetail::VariablesConflict`; she saves again on version 1.
//! Proves: R35 (with R22 for the consulted agent and the live update).

use crate::support::*;
use sentral_engine::testing::*;
use sentral_engine::*;

fn conflict(rejection: &Rejection) -> (u64, std::collections::BTreeMap<String, String>) {
    match rejection.detail.as_deref() {
        Some(RejectionDetail::VariablesConflict {
            version, values, ..
        }) => (*version, values.clone()),
        other => panic!("R35 carries the current values, got {other:?}"),
    }
}

#[test]
fn r35_first_save_wins_across_a_consult_transfer() {
    let mut h = Harness::new();
    let call = connected_call(&mut h, DAVID, SUPPORT, DN_KUNDESERVICE);
    h.ready(EVA, SUPPORT);
    h.command(
        DAVID,
        Command::Consult {
            interaction: call.id,
            target: Target::Agent(EVA),
        },
    )
    .expect("consult");
    h.answer(EVA);
    let seen_by_eva = h.view(call.id).variables_version;
    assert_eq!(seen_by_eva, 0);
    let result = save(&mut h, EVA, call.id, &[("case_number", "EVA-1")], 0);
    rejected(&h, result, Rule::R22);

    save(&mut h, DAVID, call.id, &[("case_number", "DAVID-1")], 0).expect("first save");
    let davids = values(&[("case_number", "DAVID-1"), ("language", "nb")]);
    assert!(
        h.events_for(EVA).contains(&DesktopEvent::VariablesChanged {
            interaction: call.id,
            version: 1,
            values: davids.clone(),
        }),
        "R22 (ours): the consulted agent's view updates live"
    );

    h.command(
        DAVID,
        Command::ConsultTransfer {
            interaction: call.id,
        },
    )
    .expect("transfer to EVA");
    assert_eq!(h.view(call.id).owner, Some(EVA));

    // EVA saves her edit, based on the version she saw before DAVID's save.
    let result = save(
        &mut h,
        EVA,
        call.id,
        &[("case_number", "EVA-1")],
        seen_by_eva,
    );
    let rejection = rejected(&h, result, Rule::R35);
    assert_eq!(
        conflict(&rejection),
        (1, davids.clone()),
        "EVA is told the current version and values"
    );
    let view = h.view(call.id);
    assert_eq!(
        (view.variables, view.variables_version),
        (davids, 1),
        "nothing was overwritten"
    );

    save(&mut h, EVA, call.id, &[("case_number", "EVA-1")], 1).expect("saved on the new version");
    assert!(h.records().contains(&Record::VariablesSaved {
        interaction: call.id,
        version: 2,
        values: values(&[("case_number", "EVA-1"), ("language", "nb")]),
        agent: Some(EVA),
    }));
}

#[test]
fn r35_a_second_save_on_the_same_old_version_is_refused() {
    let mut h = Harness::new();
    let call = connected_call(&mut h, DAVID, SUPPORT, DN_KUNDESERVICE);
    save(&mut h, DAVID, call.id, &[("customer_name", "Kari")], 0).expect("first");
    let result = save(&mut h, DAVID, call.id, &[("customer_name", "Ola")], 0);
    let rejection = rejected(&h, result, Rule::R35);
    let (version, current) = conflict(&rejection);
    assert_eq!(version, 1);
    assert_eq!(current["customer_name"], "Kari");
    assert_eq!(h.view(call.id).variables["customer_name"], "Kari");
    let n_saved = all_records(&h)
        .iter()
        .filter(|r| matches!(r, Record::VariablesSaved { .. }))
        .count();
    assert_eq!(n_saved, 1);
}

#[test]
fn r35_the_conflict_never_reveals_secure_values() {
    let mut h = Harness::new();
    let call = connected_call(&mut h, DAVID, SUPPORT, DN_KUNDESERVICE);
    save(&mut h, DAVID, call.id, &[("national_id", "01017012345")], 0).expect("first");
    let result = save(&mut h, DAVID, call.id, &[("case_number", "C-9")], 0);
    let rejection = rejected(&h, result, Rule::R35);
    let (version, current) = conflict(&rejection);
    assert_eq!(version, 1);
    assert!(!current.contains_key("national_id"), "R33: {current:?}");
    assert!(!rejection.message.contains("01017012345"));
}

fn saved_by(
    rejection: &Rejection,
) -> (Option<SavedBy>, std::collections::BTreeMap<String, String>) {
    match rejection.detail.as_deref() {
        Some(RejectionDetail::VariablesConflict {
            saved_by, labels, ..
        }) => (saved_by.clone(), labels.clone()),
        other => panic!("R35 carries who saved, got {other:?}"),
    }
}

#[test]
fn r35_the_conflict_names_who_saved_and_when_with_the_labels() {
    // Goal: the refused agent is told who saved first (a colleague, or themselves in another
    // tab) and when, and reads the variables' labels, not their names.
    // Method: DAVID saves at one time, then saves again on the old version (a second tab); after
    // a consult transfer EVA's stale save names DAVID.
    let mut h = Harness::new();
    let call = connected_call(&mut h, DAVID, SUPPORT, DN_KUNDESERVICE);
    h.advance(3_000);
    let saved_at = h.now_ms as i64;
    save(&mut h, DAVID, call.id, &[("case_number", "C-1")], 0).expect("first");
    h.advance(2_000);
    let result = save(&mut h, DAVID, call.id, &[("case_number", "C-2")], 0);
    let rejection = rejected(&h, result, Rule::R35);
    let (by, labels) = saved_by(&rejection);
    let by = by.expect("an agent saved");
    assert_eq!(
        (by.agent, by.at_unix_ms),
        (DAVID, saved_at),
        "DAVID himself, earlier"
    );
    assert_eq!(by.name, "david");
    assert_eq!(labels["case_number"], "Case number");
    assert!(
        !labels.contains_key("national_id"),
        "R33: no secure variable"
    );

    h.ready(EVA, SUPPORT);
    h.command(
        DAVID,
        Command::Consult {
            interaction: call.id,
            target: Target::Agent(EVA),
        },
    )
    .expect("consult");
    h.answer(EVA);
    h.command(
        DAVID,
        Command::ConsultTransfer {
            interaction: call.id,
        },
    )
    .expect("transfer");
    let result = save(&mut h, EVA, call.id, &[("case_number", "E-1")], 0);
    let rejection = rejected(&h, result, Rule::R35);
    assert_eq!(saved_by(&rejection).0.map(|by| by.agent), Some(DAVID));
}
