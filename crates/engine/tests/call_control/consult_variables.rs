//! CAD variables during a consult (R22).
//!
//! Goal: the consulted agent cannot edit CAD variables; when the consulting agent saves, every
//! participant's view updates live (ours).
//! Method: DAVID consults EVA, who answers; EVA tries to save, then DAVID saves; the tests
//! check the rejection and the `VariablesChanged` both agents get.
//! Proves: R22.

use crate::*;
use sentral_engine::testing::*;
use sentral_engine::*;
use std::collections::BTreeMap;

fn save(call: &Call, value: &str, expected_version: u64) -> Command {
    Command::SaveVariables {
        interaction: call.id,
        values: BTreeMap::from([("case_number".to_string(), value.to_string())]),
        expected_version,
    }
}

#[test]
fn r22_the_consulted_agent_cannot_save_variables() {
    let mut h = Harness::new();
    let (call, _) = david_consults_eva(&mut h);
    let version = h.view(call.id).variables_version;
    let code = rejected(&mut h, EVA, save(&call, "C-1", version));
    assert_eq!(code, Code::Rule(Rule::R22));
    assert_eq!(h.view(call.id).variables.get("case_number"), None);
    assert_eq!(h.view(call.id).variables_version, version);
}

#[test]
fn r22_the_consulted_agent_cannot_save_variables_before_answering_either() {
    let mut h = Harness::new();
    let call = david_call(&mut h);
    h.ready(EVA, SUPPORT);
    start_consult(&mut h, &call, DAVID, Target::Agent(EVA));
    let version = h.view(call.id).variables_version;
    assert_eq!(
        rejected(&mut h, EVA, save(&call, "C-1", version)),
        Code::Rule(Rule::R22)
    );
}

#[test]
fn r22_variable_changes_reach_every_participant() {
    let mut h = Harness::new();
    let (call, _) = david_consults_eva(&mut h);
    let version = h.view(call.id).variables_version;
    h.command(DAVID, save(&call, "C-42", version))
        .expect("the consulting agent saves");
    for agent in [DAVID, EVA] {
        let changed = h
            .events_for(agent)
            .into_iter()
            .find_map(|e| match e {
                DesktopEvent::VariablesChanged {
                    interaction,
                    version,
                    values,
                } if interaction == call.id => Some((version, values)),
                _ => None,
            })
            .unwrap_or_else(|| panic!("{agent} sees the change"));
        assert_eq!(changed.0, version + 1);
        assert_eq!(
            changed.1.get("case_number").map(String::as_str),
            Some("C-42")
        );
    }
    assert!(h.records().iter().any(|r| matches!(
        r,
        Record::VariablesSaved {
            agent: Some(DAVID),
            ..
        }
    )));
}
