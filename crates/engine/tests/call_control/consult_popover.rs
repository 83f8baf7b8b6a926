//! The consult-request popover (R10).
//!
//! Goal: a consult to an agent shows at most 9 variables, starting with the consulting agent's
//! name, DN and team; a consult through an entry point shows at most 7, starting with the
//! consulting agent's DN; configured variables follow in their order, secure ones never.
//! Method: an organisation with the full six configured popover variables (and a secure one);
//! DAVID (extension 1004, team Support) consults EVA directly and, on another call, the Salg
//! entry point, where BJORN is Available; the tests read the `ConsultOffer` the consulted
//! agent gets.
//! Proves: R10.

use crate::*;
use sentral_engine::testing::*;
use sentral_engine::*;

/// `small_config` with six configured popover variables: case_number, customer_name,
/// language, product, segment, order_id (in that order).
fn six_popover_variables() -> Config {
    let mut config = small_config();
    for (name, order) in [("product", 4), ("segment", 5), ("order_id", 6)] {
        config.cad_variables.push(CadDefinition {
            name: name.into(),
            label: name.to_uppercase(),
            label_by_language: Default::default(),
            kind: CadKind::Text,
            editable: true,
            secure: false,
            popover_order: Some(order),
        });
    }
    config
}

const CONFIGURED: [&str; 6] = [
    "case_number",
    "customer_name",
    "language",
    "product",
    "segment",
    "order_id",
];

fn consult_offer(h: &Harness, agent: AgentId) -> ConsultOfferView {
    h.events_for(agent)
        .into_iter()
        .find_map(|e| match e {
            DesktopEvent::ConsultOffer(view) => Some(*view),
            _ => None,
        })
        .expect("the consulted agent gets a consult popover")
}

fn names(view: &ConsultOfferView) -> Vec<&str> {
    view.variables.iter().map(|v| v.name.as_str()).collect()
}

#[test]
fn r10_agent_consult_popover_starts_with_name_dn_and_team_and_shows_at_most_nine() {
    let mut h = Harness::with_config(six_popover_variables());
    let call = david_call(&mut h);
    h.ready(EVA, SUPPORT);
    start_consult(&mut h, &call, DAVID, Target::Agent(EVA));
    let view = consult_offer(&h, EVA);
    assert_eq!(view.interaction, call.id);
    assert_eq!(view.variables.len(), 9, "3 defaults + 6 configured");
    let defaults: Vec<(&str, &str)> = view.variables[..3]
        .iter()
        .map(|v| (v.name.as_str(), v.value.as_str()))
        .collect();
    assert_eq!(
        defaults,
        [
            ("agent_name", "david"),
            ("agent_dn", "1004"),
            ("agent_team", "Support")
        ]
    );
    assert_eq!(names(&view)[3..], CONFIGURED);
    assert!(!names(&view).contains(&"national_id"), "secure never shown");
    let language = &view.variables[5];
    assert_eq!(
        (language.label.as_str(), language.value.as_str()),
        ("Language", "nb")
    );
}

#[test]
fn r10_entry_point_consult_popover_starts_with_the_dn_and_shows_at_most_seven() {
    let mut h = Harness::with_config(six_popover_variables());
    let call = david_call(&mut h);
    h.ready(BJORN, SALES);
    start_consult(&mut h, &call, DAVID, Target::EntryPoint(EP_SALG));
    let view = consult_offer(&h, BJORN);
    assert_eq!(view.variables.len(), 7, "the DN + 6 configured");
    assert_eq!(
        (
            view.variables[0].name.as_str(),
            view.variables[0].value.as_str()
        ),
        ("agent_dn", "1004")
    );
    assert_eq!(names(&view)[1..], CONFIGURED);
    assert!(!names(&view).contains(&"agent_name"));
    assert!(!names(&view).contains(&"agent_team"));
}

#[test]
fn r10_with_fewer_configured_variables_the_popover_has_the_defaults_and_those() {
    let mut h = Harness::new();
    let call = david_call(&mut h);
    h.ready(EVA, SUPPORT);
    start_consult(&mut h, &call, DAVID, Target::Agent(EVA));
    let view = consult_offer(&h, EVA);
    assert_eq!(
        names(&view),
        [
            "agent_name",
            "agent_dn",
            "agent_team",
            "case_number",
            "customer_name",
            "language"
        ]
    );
}
