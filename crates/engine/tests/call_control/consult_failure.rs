//! A consult that fails (R21).
//!
//! Goal: if the consulted agent does not answer before the RONA timeout, or their phone fails
//! or unregisters while ringing, that agent goes to RONA and the consulting agent gets a
//! consult-failed error, keeping the customer; an invalid dial number, or an entry point with
//! nobody to answer, fails at once with a clear error.
//! Method: DAVID consults EVA; the clock passes the RONA timeout, or the consult leg fails, or
//! EVA's phone unregisters; the tests check EVA's RONA, DAVID's `ConsultFailed`, the hang-up
//! of the consult leg and that DAVID can carry on with the customer.
//! Proves: R21.

use crate::*;
use sentral_engine::testing::*;
use sentral_engine::*;

fn consult_ringing(h: &mut Harness) -> (Call, LegId) {
    let call = david_call(h);
    h.ready(EVA, SUPPORT);
    start_consult(h, &call, DAVID, Target::Agent(EVA));
    let leg = consult_leg_rang(h, EVA);
    h.telephony(TelephonyEvent::Ringing { leg });
    (call, leg)
}

fn assert_consult_failed(h: &Harness, call: &Call) {
    assert!(
        h.events_for(DAVID).iter().any(|e| matches!(
            e,
            DesktopEvent::ConsultFailed { interaction, reason }
                if *interaction == call.id && reason.contains("R21")
        )),
        "DAVID gets consult-failed: {:?}",
        h.events_for(DAVID)
    );
    assert!(
        h.events_for(EVA)
            .iter()
            .any(|e| matches!(e, DesktopEvent::Rona { interaction } if *interaction == call.id)),
        "EVA gets the RONA popover"
    );
    assert_eq!(h.agent(EVA).state, AgentStateView::Rona);
    assert_eq!(h.agent(EVA).call, None);
    let view = h.view(call.id);
    assert_eq!(view.consult, None);
    assert_eq!(view.owner, Some(DAVID));
    assert_eq!(view.phase, "connected");
}

#[test]
fn r21_consulted_agent_not_answering_goes_to_rona_and_the_consult_fails() {
    let mut h = Harness::new();
    let (call, consult_leg) = consult_ringing(&mut h);
    h.advance(14_999);
    assert!(h.view(call.id).consult.is_some(), "still ringing");
    h.advance(1);
    assert!(
        hung_up(&h).contains(&consult_leg),
        "the ringing phone is cancelled"
    );
    assert_consult_failed(&h, &call);
    // The customer is still on hold; DAVID resumes them.
    assert!(h.view(call.id).customer_held);
    h.command(
        DAVID,
        Command::Resume {
            interaction: call.id,
            party: Party::Customer,
        },
    )
    .expect("resume");
    assert_eq!(
        h.commands(),
        vec![TelephonyCommand::Bridge {
            a: call.customer,
            b: call.agent_leg,
        }]
    );
}

#[test]
fn r21_consulted_agents_phone_failing_puts_them_in_rona_and_fails_the_consult() {
    let mut h = Harness::new();
    let (call, consult_leg) = consult_ringing(&mut h);
    h.telephony(TelephonyEvent::Failed {
        leg: consult_leg,
        cause: FailCause::Error,
    });
    assert_consult_failed(&h, &call);
}

#[test]
fn r21_consulted_agents_phone_unregistering_puts_them_in_rona_and_fails_the_consult() {
    let mut h = Harness::new();
    let (call, consult_leg) = consult_ringing(&mut h);
    h.telephony(TelephonyEvent::DeviceUnregistered {
        extension: "1005".into(),
    });
    assert!(hung_up(&h).contains(&consult_leg));
    assert_consult_failed(&h, &call);
}

#[test]
fn r21_consulting_an_agent_whose_phone_is_not_registered_is_refused() {
    let mut h = Harness::new();
    let call = david_call(&mut h);
    h.ready(EVA, SUPPORT);
    h.telephony(TelephonyEvent::DeviceUnregistered {
        extension: "1005".into(),
    });
    h.command(
        EVA,
        Command::SetState(StateRequest::Idle {
            reason: "meeting".into(),
        }),
    )
    .expect("idle");
    let code = rejected(
        &mut h,
        DAVID,
        Command::Consult {
            interaction: call.id,
            target: Target::Agent(EVA),
        },
    );
    assert_eq!(code, Code::Rule(Rule::R21));
}

#[test]
fn r21_consult_to_an_invalid_dial_number_is_refused_with_a_clear_error() {
    let mut h = Harness::new();
    let call = david_call(&mut h);
    for typed in ["12", "call me", "1234567890123456789"] {
        let rejection = h
            .command(
                DAVID,
                Command::Consult {
                    interaction: call.id,
                    target: Target::DialNumber(typed.into()),
                },
            )
            .expect_err(typed);
        assert_eq!(
            rejection.code,
            Code::Rule(Rule::R30),
            "{typed}: validated by R30"
        );
        assert!(!rejection.message.is_empty());
        assert!(h.last.is_empty());
    }
    let view = h.view(call.id);
    assert_eq!(view.consult, None);
    assert!(!view.customer_held, "the customer was not put on hold");
}

#[test]
fn r21_consult_to_an_entry_point_with_nobody_available_fails_with_a_clear_error() {
    let mut h = Harness::new();
    let call = david_call(&mut h);
    let code = rejected(
        &mut h,
        DAVID,
        Command::Consult {
            interaction: call.id,
            target: Target::EntryPoint(EP_SALG),
        },
    );
    assert_eq!(code, Code::Rule(Rule::R21));
    assert_eq!(h.view(call.id).consult, None);
}
