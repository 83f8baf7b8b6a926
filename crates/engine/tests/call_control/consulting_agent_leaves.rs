//! What the consulting agent (agent 1) can end (R25).
//!
//! Goal: if agent 1 hangs up the phone or presses End during a consult, the customer and
//! agent 2 are removed and agent 1 wraps up; a consult transfer hands the customer to agent 2
//! (bridged) and agent 1 wraps up.
//! Method: DAVID consults EVA, who answers; DAVID's phone leg reports `HungUp`, or DAVID sends
//! End or ConsultTransfer; the tests check HangUp/Bridge commands, ownership, wrap-ups and the
//! final record.
//! Proves: R25.

use crate::*;
use sentral_engine::testing::*;
use sentral_engine::*;

fn assert_everyone_removed(h: &Harness, call: &Call, consult_leg: LegId) {
    let legs = hung_up(h);
    assert!(legs.contains(&call.customer), "customer removed: {legs:?}");
    assert!(legs.contains(&consult_leg), "agent 2 removed: {legs:?}");
    assert_eq!(ended_record(h), Some(EndReason::AgentEnded));
    assert!(wrapup_required(h, DAVID, call.id));
    assert_eq!(call_ended_for(h, EVA, call.id), Some(EndReason::AgentEnded));
    assert!(!wrapup_required(h, EVA, call.id));
    assert_eq!(h.agent(EVA).call, None);
    assert!(h.agent(EVA).wrapups.is_empty());
}

#[test]
fn r25_agent_1_hanging_up_the_phone_during_a_consult_removes_customer_and_agent_2() {
    let mut h = Harness::new();
    let (call, consult_leg) = david_consults_eva(&mut h);
    h.telephony(TelephonyEvent::HungUp {
        leg: call.agent_leg,
    });
    assert_everyone_removed(&h, &call, consult_leg);
}

#[test]
fn r25_agent_1_pressing_end_during_a_consult_removes_customer_and_agent_2() {
    let mut h = Harness::new();
    let (call, consult_leg) = david_consults_eva(&mut h);
    h.command(
        DAVID,
        Command::End {
            interaction: call.id,
        },
    )
    .expect("End during a consult");
    assert!(hung_up(&h).contains(&call.agent_leg));
    assert_everyone_removed(&h, &call, consult_leg);
}

#[test]
fn r25_agent_1_pressing_end_while_the_consult_rings_cancels_it() {
    let mut h = Harness::new();
    let call = david_call(&mut h);
    h.ready(EVA, SUPPORT);
    start_consult(&mut h, &call, DAVID, Target::Agent(EVA));
    let consult_leg = consult_leg_rang(&h, EVA);
    h.command(
        DAVID,
        Command::End {
            interaction: call.id,
        },
    )
    .expect("End");
    let legs = hung_up(&h);
    assert!(legs.contains(&call.customer) && legs.contains(&consult_leg));
    assert!(h.events_for(EVA).contains(&DesktopEvent::OfferWithdrawn {
        interaction: call.id
    }));
    assert!(wrapup_required(&h, DAVID, call.id));
}

#[test]
fn r25_consult_transfer_wraps_up_agent_1_and_bridges_agent_2_with_the_customer() {
    let mut h = Harness::new();
    let (call, consult_leg) = david_consults_eva(&mut h);
    h.command(
        DAVID,
        Command::ConsultTransfer {
            interaction: call.id,
        },
    )
    .expect("transfer to EVA");
    assert_eq!(hung_up(&h), vec![call.agent_leg], "only DAVID's phone");
    assert!(h.commands().contains(&TelephonyCommand::Bridge {
        a: call.customer,
        b: consult_leg,
    }));
    assert_eq!(
        call_ended_for(&h, DAVID, call.id),
        Some(EndReason::Transferred)
    );
    assert!(wrapup_required(&h, DAVID, call.id));
    assert!(h.events_for(EVA).contains(&DesktopEvent::OwnershipChanged {
        interaction: call.id,
        owner: Some(EVA),
    }));
    assert!(!wrapup_required(&h, EVA, call.id));
    assert_eq!(ended_record(&h), None, "the customer goes on");
    let view = h.view(call.id);
    assert_eq!(view.owner, Some(EVA));
    assert_eq!(view.consult, None);
    assert!(!view.customer_held);
    assert_eq!(h.agent(DAVID).call, None);
    assert_eq!(h.agent(DAVID).wrapups, vec![call.id]);
}
