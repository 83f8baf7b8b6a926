//! What the consulted agent (agent 2) can and cannot do (R26).
//!
//! Goal: agent 2 cannot resume or hold the customer, end the interaction, start another
//! consult or transfer; submits no wrap-up for a consult; can leave with End consult (agent 1
//! and the customer go on); can accept a transfer from agent 1 and then owns the call; joins a
//! conference agent 1 starts.
//! Method: DAVID consults EVA, who answers; EVA sends each command; the tests check the R26
//! rejections, then the allowed paths and their events.
//! Proves: R26.

use crate::*;
use sentral_engine::testing::*;
use sentral_engine::*;

#[test]
fn r26_the_consulted_agent_cannot_resume_the_customer_or_end_the_interaction() {
    let mut h = Harness::new();
    let (call, _) = david_consults_eva(&mut h);
    let id = call.id;
    let forbidden = [
        Command::Resume {
            interaction: id,
            party: Party::Customer,
        },
        Command::Hold {
            interaction: id,
            party: Party::Customer,
        },
        Command::End { interaction: id },
        Command::ConsultTransfer { interaction: id },
        Command::Conference { interaction: id },
        Command::Transfer {
            interaction: id,
            target: Target::Queue(Q_SUPPORT),
        },
        Command::Consult {
            interaction: id,
            target: Target::DialNumber("+4799887766".into()),
        },
    ];
    for command in forbidden {
        assert_eq!(
            rejected(&mut h, EVA, command.clone()),
            Code::Rule(Rule::R26),
            "{command:?}"
        );
    }
    let view = h.view(id);
    assert_eq!(view.owner, Some(DAVID));
    assert!(view.customer_held, "still on hold while DAVID talks to EVA");
}

#[test]
fn r26_the_consulted_agent_is_put_on_hold_when_agent_1_resumes_the_customer() {
    let mut h = Harness::new();
    let (call, consult_leg) = david_consults_eva(&mut h);
    h.command(
        DAVID,
        Command::Resume {
            interaction: call.id,
            party: Party::Customer,
        },
    )
    .expect("resume");
    assert!(
        h.commands()
            .contains(&TelephonyCommand::Hold { leg: consult_leg })
    );
    assert_eq!(hold_changed(&h, EVA), Some((false, Some(true))));
}

#[test]
fn r26_the_consulted_agent_leaves_with_end_consult_and_submits_no_wrap_up() {
    let mut h = Harness::new();
    let (call, consult_leg) = david_consults_eva(&mut h);
    h.command(
        EVA,
        Command::EndConsult {
            interaction: call.id,
        },
    )
    .expect("EVA ends the consult");
    assert_eq!(hung_up(&h), vec![consult_leg]);
    assert_eq!(
        call_ended_for(&h, EVA, call.id),
        Some(EndReason::ConsultEnded)
    );
    assert!(!wrapup_required(&h, EVA, call.id));
    assert!(h.commands().contains(&TelephonyCommand::Bridge {
        a: call.customer,
        b: call.agent_leg,
    }));
    assert_eq!(h.view(call.id).owner, Some(DAVID));
    assert_eq!(ended_record(&h), None);
    let eva = h.agent(EVA);
    assert_eq!(eva.call, None);
    assert!(eva.wrapups.is_empty());
    assert_eq!(eva.state, AgentStateView::Available);
    let code = rejected(
        &mut h,
        EVA,
        Command::SubmitWrapUp {
            interaction: call.id,
            reason: "resolved".into(),
        },
    );
    assert_eq!(code, Code::Rule(Rule::R36), "nothing to wrap up");
}

#[test]
fn r26_the_consulted_agent_accepts_a_transfer_and_then_owns_the_call() {
    let mut h = Harness::new();
    let (call, consult_leg) = david_consults_eva(&mut h);
    h.command(
        DAVID,
        Command::ConsultTransfer {
            interaction: call.id,
        },
    )
    .expect("transfer to EVA");
    assert!(h.events_for(EVA).iter().any(
        |e| matches!(e, DesktopEvent::Connected { interaction, .. } if *interaction == call.id)
    ));
    // As the owner, EVA may now hold the customer and end the call.
    h.command(
        EVA,
        Command::Hold {
            interaction: call.id,
            party: Party::Customer,
        },
    )
    .expect("EVA holds");
    assert_eq!(
        h.commands(),
        vec![TelephonyCommand::Hold { leg: call.customer }]
    );
    h.command(
        EVA,
        Command::Resume {
            interaction: call.id,
            party: Party::Customer,
        },
    )
    .expect("EVA resumes");
    assert_eq!(
        h.commands(),
        vec![TelephonyCommand::Bridge {
            a: call.customer,
            b: consult_leg,
        }]
    );
    h.command(
        EVA,
        Command::End {
            interaction: call.id,
        },
    )
    .expect("EVA ends");
    assert!(wrapup_required(&h, EVA, call.id));
    assert_eq!(ended_record(&h), Some(EndReason::AgentEnded));
    let record = h
        .records()
        .into_iter()
        .find_map(|r| match r {
            Record::InteractionEnded { agents, .. } => Some(agents),
            _ => None,
        })
        .expect("final record");
    assert_eq!(record, vec![DAVID, EVA], "both agents are on the record");
}

#[test]
fn r26_the_consulted_agent_joins_a_conference_agent_1_starts() {
    let mut h = Harness::new();
    let (call, consult_leg) = conference_with_eva(&mut h);
    assert!(
        h.events_for(EVA)
            .contains(&DesktopEvent::ConferenceStarted {
                interaction: call.id
            })
    );
    assert!(h.commands().contains(&TelephonyCommand::Conference {
        legs: vec![call.customer, call.agent_leg, consult_leg],
    }));
    // Still agent 2: EVA cannot end the interaction for everyone.
    let code = rejected(
        &mut h,
        EVA,
        Command::End {
            interaction: call.id,
        },
    );
    assert_eq!(code, Code::Rule(Rule::R26));
}
