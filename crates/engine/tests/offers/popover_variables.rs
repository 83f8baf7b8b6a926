//! Goal: a voice offer popover shows at least 3 and at most 6 variables, chosen, labelled and
//! ordered by the administrator, never a secure one; the configuration cannot ask for more
//! than 6 or for a secure one.
//! Method: change the CAD definitions and flow variables of the demo organisation, offer an
//! inbound call or an outdial, and read the popover's variables; feed invalid configurations
//! to `Config::validate` and `Input::ConfigChanged`.
//! Proves: R9 (with R33 for secure variables, R43 for validation).

use crate::support::*;
use sentral_engine::testing::*;
use sentral_engine::*;

const NATIONAL_ID: &str = "01019012345";

fn names(offer: &OfferView) -> Vec<&str> {
    offer.variables.iter().map(|v| v.name.as_str()).collect()
}

/// Offers one Salg call to ANNA and returns the popover.
fn offer_with(config: Config) -> OfferView {
    let mut h = Harness::with_config(config);
    h.ready(ANNA, SALES);
    h.arrive(DN_SALG);
    the_offer(&h, ANNA)
}

#[test]
fn r9_popover_shows_configured_variables_in_order_with_labels_never_secure() {
    let mut config = small_config();
    salg_flow(&mut config).variables = vec![
        ("case_number".into(), "C-17".into()),
        ("language".into(), "nb".into()),
        ("national_id".into(), NATIONAL_ID.into()),
    ];
    let offer = offer_with(config);
    assert_eq!(
        offer.variables,
        vec![
            PopoverVariable {
                name: "case_number".into(),
                label: "Case number".into(),
                value: "C-17".into(),
                flow_label: false,
            },
            PopoverVariable {
                name: "customer_name".into(),
                label: "Customer".into(),
                value: String::new(),
                flow_label: false,
            },
            PopoverVariable {
                name: "language".into(),
                label: "Language".into(),
                value: "nb".into(),
                flow_label: false,
            },
        ]
    );
    assert!(
        offer.variables.iter().all(|v| v.value != NATIONAL_ID),
        "R9: a secure value never shows in a popover"
    );
}

#[test]
fn r9_popover_order_is_the_administrators() {
    let mut config = small_config();
    for definition in &mut config.cad_variables {
        definition.popover_order = match definition.name.as_str() {
            "language" => Some(1),
            "follow_up_at" => Some(2),
            "case_number" => Some(7),
            _ => None,
        };
    }
    let offer = offer_with(config);
    assert_eq!(names(&offer), ["language", "follow_up_at", "case_number"]);
    assert_eq!(offer.variables[1].label, "Follow up at");
}

#[test]
fn r9_popover_is_filled_up_to_three_with_built_in_variables() {
    let mut config = small_config();
    for definition in &mut config.cad_variables {
        if definition.name != "language" {
            definition.popover_order = None;
        }
    }
    let mut h = Harness::with_config(config);
    h.ready(ANNA, SALES);
    let (id, _) = h.arrive(DN_SALG);
    let offer = the_offer(&h, ANNA);
    assert_eq!(names(&offer), ["language", "ani", "dnis"]);
    assert_eq!(
        offer.variables[1].value,
        h.view(id).customer_number.expect("ani")
    );
    assert_eq!(offer.variables[2].value, DN_SALG);

    let mut config = small_config();
    for definition in &mut config.cad_variables {
        definition.popover_order = None;
    }
    let offer = offer_with(config);
    assert_eq!(names(&offer), ["ani", "dnis", "queue"]);
    assert_eq!(offer.variables[2].value, "Sales");
}

#[test]
fn r9_popover_shows_six_configured_variables() {
    let mut config = small_config();
    config.cad_variables = (1..=6)
        .rev()
        .map(|i| cad(&format!("v{i}"), &format!("Variable {i}"), Some(i)))
        .collect();
    config.cad_variables.push(cad("language", "Language", None));
    let offer = offer_with(config);
    assert_eq!(names(&offer), ["v1", "v2", "v3", "v4", "v5", "v6"]);
}

#[test]
fn r9_outdial_popover_has_three_to_six_variables_never_secure() {
    let mut h = Harness::new();
    h.ready(ANNA, SALES);
    h.command(
        ANNA,
        Command::Outdial {
            number: "+4790000001".into(),
        },
    )
    .expect("outdial");
    let offer = the_offer(&h, ANNA);
    assert_eq!(offer.kind, InteractionKind::Outdial);
    assert!((3..=6).contains(&offer.variables.len()));
    assert!(!names(&offer).contains(&"national_id"));
    assert_eq!(names(&offer), ["case_number", "customer_name", "language"]);
}

#[test]
fn r9_configuration_with_more_than_six_popover_variables_is_invalid() {
    let mut config = small_config();
    config.cad_variables = (1..=7)
        .map(|i| cad(&format!("v{i}"), &format!("Variable {i}"), Some(i)))
        .collect();
    config.cad_variables.push(cad("language", "Language", None));
    let errors = config.validate().expect_err("seven popover variables");
    assert!(
        errors
            .iter()
            .any(|e| e.field == "cad_variables" && e.message.contains("R9")),
        "{errors:?}"
    );

    let mut six = config.clone();
    six.cad_variables.remove(0);
    assert_eq!(six.validate(), Ok(()));

    let mut h = Harness::new();
    let rejection = h
        .input(Input::ConfigChanged(Box::new(config)))
        .expect_err("rejected");
    assert_eq!(rejection.code, Code::Invalid);
    assert_eq!(h.engine.config(), &small_config(), "nothing changed");
}

#[test]
fn r9_configuration_with_a_secure_popover_variable_is_invalid() {
    let mut config = small_config();
    for definition in &mut config.cad_variables {
        if definition.name == "national_id" {
            definition.popover_order = Some(4);
        }
    }
    let errors = config.validate().expect_err("secure popover variable");
    assert!(
        errors
            .iter()
            .any(|e| e.field == "cad_variables.national_id.popover_order"),
        "{errors:?}"
    );
}

fn choice(name: &str, label: Option<&str>) -> PopoverChoice {
    PopoverChoice {
        name: name.into(),
        label: label.map(Into::into),
    }
}

fn kundeservice_flow(config: &mut Config) -> &mut Flow {
    &mut config
        .entry_points
        .iter_mut()
        .find(|e| e.id == EP_KUNDESERVICE)
        .expect("Kundeservice")
        .flow
}

#[test]
fn r9_each_entry_points_flow_chooses_its_popover_variables_labels_and_order() {
    // Salg chooses four variables with its own labels for two of them; Kundeservice chooses
    // none and keeps the organisation's choice.
    let mut config = small_config();
    salg_flow(&mut config).popover = vec![
        choice("language", Some("Språk")),
        choice("ani", None),
        choice("follow_up_at", None),
        choice("queue", Some("Køen")),
    ];
    let mut h = Harness::with_config(config);
    h.ready(ANNA, SALES);
    h.ready(DAVID, SUPPORT);
    let (salg, _) = h.arrive(DN_SALG);
    let offer = the_offer(&h, ANNA);
    assert_eq!(offer.interaction, salg);
    let shown: Vec<(&str, &str, &str, bool)> = offer
        .variables
        .iter()
        .map(|v| {
            (
                v.name.as_str(),
                v.label.as_str(),
                v.value.as_str(),
                v.flow_label,
            )
        })
        .collect();
    let ani = h.view(salg).customer_number.expect("ani");
    assert_eq!(
        shown,
        [
            ("language", "Språk", "nb", true),
            ("ani", "Caller", ani.as_str(), false),
            ("follow_up_at", "Follow up at", "", false),
            ("queue", "Køen", "Sales", true),
        ]
    );
    h.arrive(DN_KUNDESERVICE);
    let offer = the_offer(&h, DAVID);
    assert_eq!(names(&offer), ["case_number", "customer_name", "language"]);
    assert!(offer.variables.iter().all(|v| !v.flow_label));
}

#[test]
fn r9_r10_a_consult_popover_shows_the_flows_variables_after_the_consulting_agent() {
    let mut config = small_config();
    kundeservice_flow(&mut config).popover = vec![
        choice("dnis", None),
        choice("language", None),
        choice("customer_name", Some("Name")),
    ];
    let mut h = Harness::with_config(config);
    h.ready(DAVID, SUPPORT);
    let (id, _) = h.arrive(DN_KUNDESERVICE);
    h.answer(DAVID);
    h.ready(EVA, SUPPORT);
    h.command(
        DAVID,
        Command::Consult {
            interaction: id,
            target: Target::Agent(EVA),
        },
    )
    .expect("consult");
    let consult = h
        .events_for(EVA)
        .into_iter()
        .find_map(|e| match e {
            DesktopEvent::ConsultOffer(view) => Some(*view),
            _ => None,
        })
        .expect("consult popover");
    let names: Vec<&str> = consult.variables.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "agent_name",
            "agent_dn",
            "agent_team",
            "dnis",
            "language",
            "customer_name"
        ]
    );
    assert_eq!(consult.variables[5].label, "Name");
}

#[test]
fn r9_a_flows_popover_needs_three_to_six_known_variables_never_secure() {
    let field = "entry_points.Salg.flow.popover";
    let problems = |popover: Vec<PopoverChoice>| {
        let mut config = small_config();
        salg_flow(&mut config).popover = popover;
        match config.validate() {
            Ok(()) => Vec::new(),
            Err(errors) => errors
                .into_iter()
                .inspect(|e| assert_eq!(e.field, field, "{e}"))
                .map(|e| e.message)
                .collect(),
        }
    };
    let ok = [
        choice("ani", None),
        choice("dnis", None),
        choice("case_number", None),
    ];
    assert_eq!(problems(ok.to_vec()), Vec::<String>::new());
    let two = problems(ok[..2].to_vec());
    assert!(
        two[0].contains("3 to 6") && two[0].contains("R9"),
        "{two:?}"
    );
    let mut seven = ok.to_vec();
    for name in ["queue", "customer_name", "language", "follow_up_at"] {
        seven.push(choice(name, None));
    }
    assert!(problems(seven)[0].contains("not 7"));
    let mut secure = ok.to_vec();
    secure.push(choice("national_id", None));
    let secure = problems(secure);
    assert!(
        secure[0].contains("secure") && secure[0].contains("R9"),
        "{secure:?}"
    );
    let mut unknown = ok.to_vec();
    unknown.push(choice("shoe_size", None));
    assert!(problems(unknown)[0].contains("not a CAD variable"));
    let mut twice = ok.to_vec();
    twice.push(choice("ani", None));
    assert!(problems(twice)[0].contains("more than once"));
    let mut blank = ok.to_vec();
    blank[0].label = Some("  ".into());
    assert!(problems(blank)[0].contains("label"));

    // The engine refuses such a configuration and keeps the one it has.
    let mut config = small_config();
    salg_flow(&mut config).popover = ok[..2].to_vec();
    let mut h = Harness::new();
    let rejection = h
        .input(Input::ConfigChanged(Box::new(config)))
        .expect_err("two variables");
    assert_eq!(rejection.code, Code::Invalid);
    assert_eq!(h.engine.config(), &small_config());
}

#[test]
fn r9_a_variable_a_flow_shows_cannot_become_secure() {
    let mut config = small_config();
    salg_flow(&mut config).popover = vec![
        choice("ani", None),
        choice("customer_name", None),
        choice("queue", None),
    ];
    for definition in &mut config.cad_variables {
        if definition.name == "customer_name" {
            definition.secure = true;
            definition.popover_order = None;
        }
    }
    let errors = config.validate().expect_err("secure in a flow's popover");
    assert!(
        errors
            .iter()
            .any(|e| e.field == "entry_points.Salg.flow.popover" && e.message.contains("secure")),
        "{errors:?}"
    );
}
