//! End consult (R23, with R26's "agent 2 leaves without wrap-up").
//!
//! Goal: End consult ends only the consult leg: the consulted agent leaves without wrap-up and
//! the consulting agent is connected to the customer again; the same happens when the
//! consulted agent hangs up their phone, and ending a consult that was never answered
//! withdraws its popover.
//! Method: DAVID consults EVA; DAVID (or EVA's phone) ends the consult; the tests check the
//! hang-up of the consult leg only, the Bridge back to the customer and each agent's events.
//! Proves: R23.

use crate::*;
use sentral_engine::testing::*;
use sentral_engine::*;

fn assert_back_with_customer(h: &Harness, call: &Call) {
    assert!(h.commands().contains(&TelephonyCommand::Bridge {
        a: call.customer,
        b: call.agent_leg,
    }));
    assert!(h.events_for(DAVID).contains(&DesktopEvent::ConsultEnded {
        interaction: call.id
    }));
    assert_eq!(hold_changed(h, DAVID), Some((false, None)));
    let view = h.view(call.id);
    assert_eq!(view.phase, "connected");
    assert_eq!(view.owner, Some(DAVID));
    assert_eq!(view.consult, None);
    assert!(!view.customer_held);
    assert_eq!(ended_record(h), None, "the interaction goes on");
    assert!(!wrapup_required(h, DAVID, call.id));
    assert!(!wrapup_required(h, EVA, call.id));
}

#[test]
fn r23_end_consult_ends_only_the_consult_leg_and_agent_1_stays_with_the_customer() {
    let mut h = Harness::new();
    let (call, consult_leg) = david_consults_eva(&mut h);
    h.command(
        DAVID,
        Command::EndConsult {
            interaction: call.id,
        },
    )
    .expect("end consult");
    assert_eq!(hung_up(&h), vec![consult_leg], "only the consult leg");
    assert_back_with_customer(&h, &call);
    assert_eq!(
        call_ended_for(&h, EVA, call.id),
        Some(EndReason::ConsultEnded)
    );
    assert_eq!(h.agent(EVA).call, None);
    assert!(h.agent(EVA).wrapups.is_empty());
}

#[test]
fn r23_the_consulted_agent_hanging_up_ends_only_the_consult() {
    let mut h = Harness::new();
    let (call, consult_leg) = david_consults_eva(&mut h);
    h.telephony(TelephonyEvent::HungUp { leg: consult_leg });
    assert!(hung_up(&h).is_empty(), "that leg is already gone");
    assert_back_with_customer(&h, &call);
    assert_eq!(
        call_ended_for(&h, EVA, call.id),
        Some(EndReason::ConsultEnded)
    );
}

#[test]
fn r23_ending_a_consult_before_it_is_answered_withdraws_the_consult_popover() {
    let mut h = Harness::new();
    let call = david_call(&mut h);
    h.ready(EVA, SUPPORT);
    start_consult(&mut h, &call, DAVID, Target::Agent(EVA));
    let consult_leg = consult_leg_rang(&h, EVA);
    h.command(
        DAVID,
        Command::EndConsult {
            interaction: call.id,
        },
    )
    .expect("end consult");
    assert_eq!(hung_up(&h), vec![consult_leg]);
    assert!(h.events_for(EVA).contains(&DesktopEvent::OfferWithdrawn {
        interaction: call.id
    }));
    assert_back_with_customer(&h, &call);
    assert_eq!(h.agent(EVA).state, AgentStateView::Available, "no RONA");
}

#[test]
fn r23_ending_a_consult_to_a_dial_number_hangs_up_the_dialled_leg() {
    let mut h = Harness::new();
    let call = david_call(&mut h);
    start_consult(
        &mut h,
        &call,
        DAVID,
        Target::DialNumber("+4799887766".into()),
    );
    let dialled = h.dialled_leg().expect("dialled");
    h.telephony(TelephonyEvent::Answered { leg: dialled });
    assert!(
        h.events_for(DAVID)
            .contains(&DesktopEvent::ConsultAccepted {
                interaction: call.id
            })
    );
    h.command(
        DAVID,
        Command::EndConsult {
            interaction: call.id,
        },
    )
    .expect("end consult");
    assert_eq!(hung_up(&h), vec![dialled]);
    assert_back_with_customer(&h, &call);
}
