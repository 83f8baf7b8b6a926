//! A consult before and after the consulted agent answers (R18, R19).
//!
//! Goal: after Consult, "Consult requested" shows; until the consulted party answers, Transfer
//! and Conference are refused while Resume works; once they answer, the consulting agent gets
//! "consult accepted" (two panes: customer on hold, consulted agent talking) and can put the
//! consulted agent on hold.
//! Method: DAVID consults EVA; the tests act before and after EVA answers and check events,
//! Hold/Bridge commands, rejections and the interaction view.
//! Proves: R18, R19.

use crate::*;
use sentral_engine::testing::*;
use sentral_engine::*;

fn consult_ringing(h: &mut Harness) -> Call {
    let call = david_call(h);
    h.ready(EVA, SUPPORT);
    start_consult(h, &call, DAVID, Target::Agent(EVA));
    call
}

#[test]
fn r18_consult_shows_consult_requested() {
    let mut h = Harness::new();
    let call = consult_ringing(&mut h);
    assert!(
        h.events_for(DAVID)
            .contains(&DesktopEvent::ConsultRequested {
                interaction: call.id
            })
    );
    let consult = h.view(call.id).consult.expect("consult on");
    assert!(!consult.accepted);
    assert!(h.records().iter().any(|r| matches!(
        r,
        Record::InteractionState {
            state: "consulting",
            agent: Some(EVA),
            ..
        }
    )));
}

#[test]
fn r18_transfer_and_conference_are_refused_before_the_consulted_agent_answers() {
    let mut h = Harness::new();
    let call = consult_ringing(&mut h);
    let transfer = Command::ConsultTransfer {
        interaction: call.id,
    };
    assert_eq!(
        rejected(&mut h, DAVID, transfer.clone()),
        Code::Rule(Rule::R18)
    );
    let conference = Command::Conference {
        interaction: call.id,
    };
    assert_eq!(
        rejected(&mut h, DAVID, conference.clone()),
        Code::Rule(Rule::R18)
    );
    assert_eq!(h.view(call.id).owner, Some(DAVID));

    h.answer(EVA);
    h.command(DAVID, conference)
        .expect("Conference is enabled once EVA answered");
}

#[test]
fn r18_resume_is_allowed_before_the_consulted_agent_answers() {
    let mut h = Harness::new();
    let call = consult_ringing(&mut h);
    let consult_leg = consult_leg_rang(&h, EVA);
    h.command(
        DAVID,
        Command::Resume {
            interaction: call.id,
            party: Party::Customer,
        },
    )
    .expect("Resume works before EVA answers");
    assert_eq!(
        h.commands(),
        vec![TelephonyCommand::Bridge {
            a: call.customer,
            b: call.agent_leg,
        }],
        "the ringing consult leg is left alone"
    );
    assert!(!h.view(call.id).customer_held);

    // EVA answers while DAVID talks to the customer: she starts on hold (R15).
    h.telephony(TelephonyEvent::Answered { leg: consult_leg });
    assert!(
        h.commands()
            .contains(&TelephonyCommand::Hold { leg: consult_leg })
    );
    let view = h.view(call.id);
    assert!(!view.customer_held);
    assert!(view.consult.expect("consult").consulted_held);
}

#[test]
fn r19_answering_the_consult_gives_consult_accepted_and_connects_the_agents() {
    let mut h = Harness::new();
    let call = consult_ringing(&mut h);
    let consult_leg = h.answer(EVA);
    assert!(
        h.events_for(DAVID)
            .contains(&DesktopEvent::ConsultAccepted {
                interaction: call.id
            })
    );
    assert!(h.events_for(EVA).iter().any(
        |e| matches!(e, DesktopEvent::Connected { interaction, .. } if *interaction == call.id)
    ));
    assert!(h.commands().contains(&TelephonyCommand::Bridge {
        a: call.agent_leg,
        b: consult_leg,
    }));
    // Two panes: the customer "Call on hold", the consulted agent "Consulting".
    assert_eq!(hold_changed(&h, DAVID), Some((true, Some(false))));
    let view = h.view(call.id);
    assert_eq!(view.consulted, Some(EVA));
    assert_eq!(
        view.consult,
        Some(ConsultView {
            accepted: true,
            consulted_held: false,
            conference: false,
        })
    );
}

#[test]
fn r19_the_consulting_agent_can_put_the_consulted_agent_on_hold() {
    let mut h = Harness::new();
    let (call, consult_leg) = david_consults_eva(&mut h);
    h.command(
        DAVID,
        Command::Hold {
            interaction: call.id,
            party: Party::Consulted,
        },
    )
    .expect("Consult on hold");
    assert!(
        h.commands()
            .contains(&TelephonyCommand::Hold { leg: consult_leg })
    );
    assert!(h.view(call.id).consult.expect("consult").consulted_held);
    assert_eq!(hold_changed(&h, EVA), Some((false, Some(true))));
}
