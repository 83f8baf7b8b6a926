//! Goal: a secure (PII) CAD variable never shows in a popover, in `VariablesChanged` or in an
//! interaction view; its value is fetched separately with `Engine::secure_variables`, by an
//! agent on the call only; the durable record keeps it.
//! Method: a flow that sets `national_id` on arrival, an agent who saves it, a consult that
//! brings a second agent in and out; check every popover, desktop event, view and record, and
//! who may fetch the secure values when.
//! Proves: R33 (with R9 and R10 for popovers, R45 for the record).

use crate::support::*;
use sentral_engine::testing::*;
use sentral_engine::*;

const NATIONAL_ID: &str = "01017012345";

/// Kundeservice's flow sets the secure `national_id` on arrival.
fn harness() -> Harness {
    harness_with(|c| {
        assert_eq!(c.entry_points[0].id, EP_KUNDESERVICE);
        let flow = &mut c.entry_points[0].flow;
        flow.variables
            .push(("national_id".into(), NATIONAL_ID.into()));
        flow.variables.push(("case_number".into(), "C-1".into()));
    })
}

fn shows_secret(variables: &[PopoverVariable]) -> bool {
    variables
        .iter()
        .any(|v| v.name == "national_id" || v.value.contains(NATIONAL_ID))
}

#[test]
fn r33_secure_variables_never_appear_in_offer_or_consult_popovers() {
    let mut h = harness();
    h.ready(DAVID, SUPPORT);
    let (id, _) = h.arrive(DN_KUNDESERVICE);
    let offer = offer_popover(&h, DAVID);
    assert!(
        offer.variables.iter().any(|v| v.value == "C-1"),
        "the popover shows the flow's other values: {:?}",
        offer.variables
    );
    assert!(
        !shows_secret(&offer.variables),
        "R33: {:?}",
        offer.variables
    );
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
    let consult_offer = h
        .events_for(EVA)
        .into_iter()
        .find_map(|e| match e {
            DesktopEvent::ConsultOffer(view) => Some(*view),
            _ => None,
        })
        .expect("consult popover");
    assert!(consult_offer.variables.iter().any(|v| v.value == "C-1"));
    assert!(
        !shows_secret(&consult_offer.variables),
        "R33: {:?}",
        consult_offer.variables
    );
}

#[test]
fn r33_secure_variables_are_left_out_of_variables_changed_and_the_view() {
    let mut h = Harness::new();
    let call = connected_call(&mut h, DAVID, SUPPORT, DN_KUNDESERVICE);
    save(
        &mut h,
        DAVID,
        call.id,
        &[("national_id", NATIONAL_ID), ("case_number", "C-7")],
        0,
    )
    .expect("a secure, editable variable can be saved");
    let changed: Vec<_> = h
        .events_for(DAVID)
        .into_iter()
        .filter_map(|e| match e {
            DesktopEvent::VariablesChanged {
                version, values, ..
            } => Some((version, values)),
            _ => None,
        })
        .collect();
    assert_eq!(
        changed,
        [(1, values(&[("case_number", "C-7"), ("language", "nb")]))],
        "R33: the secure value is not sent with the others"
    );
    let view = h.view(call.id);
    assert!(!view.variables.contains_key("national_id"), "{view:?}");
    assert_eq!(
        view.variables.get("case_number").map(String::as_str),
        Some("C-7")
    );
    let saved = h.records().into_iter().find_map(|r| match r {
        Record::VariablesSaved { values, .. } => Some(values),
        _ => None,
    });
    assert_eq!(
        saved.and_then(|v| v.get("national_id").cloned()).as_deref(),
        Some(NATIONAL_ID),
        "R45: the durable record keeps every value"
    );
    assert!(
        !h.last.iter().any(|o| matches!(
            o,
            Output::Desktop { event, .. } if format!("{event:?}").contains(NATIONAL_ID)
        )),
        "no desktop event carries the secure value"
    );
}

#[test]
fn r33_secure_variables_are_fetched_separately_by_participants_only() {
    let mut h = harness();
    let call = connected_call(&mut h, DAVID, SUPPORT, DN_KUNDESERVICE);
    let secure = values(&[("national_id", NATIONAL_ID)]);
    assert_eq!(
        h.engine.secure_variables(DAVID, call.id),
        Ok(secure.clone()),
        "the owner fetches them"
    );
    h.ready(EVA, SUPPORT);
    h.ready(ANNA, SALES);
    let not_yours = |h: &Harness, agent| {
        h.engine
            .secure_variables(agent, call.id)
            .expect_err("not on the call")
            .code
    };
    assert_eq!(not_yours(&h, ANNA), Code::NotYours);
    assert_eq!(not_yours(&h, EVA), Code::NotYours);

    h.command(
        DAVID,
        Command::Consult {
            interaction: call.id,
            target: Target::Agent(EVA),
        },
    )
    .expect("consult");
    h.answer(EVA);
    assert_eq!(
        h.engine.secure_variables(EVA, call.id),
        Ok(secure.clone()),
        "the consulted agent is on the call"
    );
    h.command(
        DAVID,
        Command::EndConsult {
            interaction: call.id,
        },
    )
    .expect("end consult");
    assert_eq!(not_yours(&h, EVA), Code::NotYours, "EVA has left the call");

    h.command(
        DAVID,
        Command::End {
            interaction: call.id,
        },
    )
    .expect("end");
    assert_eq!(
        h.engine.secure_variables(DAVID, call.id),
        Ok(secure),
        "the owner still sees them while wrapping up"
    );
    h.command(
        DAVID,
        Command::SubmitWrapUp {
            interaction: call.id,
            reason: "resolved".into(),
        },
    )
    .expect("wrap-up");
    assert_eq!(
        h.engine
            .secure_variables(DAVID, call.id)
            .expect_err("the interaction is over")
            .code,
        Code::NotFound
    );
}

#[test]
fn r33_a_secure_variable_cannot_be_configured_into_a_popover() {
    let mut config = small_config();
    let national_id = config
        .cad_variables
        .iter_mut()
        .find(|d| d.name == "national_id")
        .expect("defined");
    assert!(national_id.secure);
    national_id.popover_order = Some(4);
    let errors = config.validate().expect_err("R9/R33: refused");
    assert!(
        errors
            .iter()
            .any(|e| e.field == "cad_variables.national_id.popover_order"),
        "{errors:?}"
    );
}
