//! The customer hangs up during a consult (R24).
//!
//! Goal: if the customer hangs up while agent 1 consults agent 2, the interaction ends,
//! agent 1 gets the wrap-up dialog and agent 2 leaves without one; this holds whether the
//! consult was answered or still ringing.
//! Method: DAVID consults EVA; the customer's leg reports `HungUp`; the tests check the
//! hang-ups of the other legs, each agent's events, the final record and that EVA has nothing
//! to wrap up.
//! Proves: R24.

use crate::*;
use sentral_engine::testing::*;
use sentral_engine::*;

#[test]
fn r24_customer_hanging_up_during_a_consult_ends_it_and_only_agent_1_wraps_up() {
    let mut h = Harness::new();
    let (call, consult_leg) = david_consults_eva(&mut h);
    h.telephony(TelephonyEvent::HungUp { leg: call.customer });
    let legs = hung_up(&h);
    assert!(legs.contains(&call.agent_leg), "{legs:?}");
    assert!(legs.contains(&consult_leg), "{legs:?}");
    assert!(!legs.contains(&call.customer), "already gone");
    assert_eq!(ended_record(&h), Some(EndReason::CustomerHungUp));

    assert_eq!(
        call_ended_for(&h, DAVID, call.id),
        Some(EndReason::CustomerHungUp)
    );
    assert!(wrapup_required(&h, DAVID, call.id));
    assert_eq!(
        call_ended_for(&h, EVA, call.id),
        Some(EndReason::CustomerHungUp)
    );
    assert!(!wrapup_required(&h, EVA, call.id));
    assert!(h.agent(EVA).wrapups.is_empty());
    assert_eq!(h.agent(EVA).call, None);
    assert_eq!(h.agent(DAVID).wrapups, vec![call.id]);

    // EVA has nothing to submit; DAVID does.
    let code = rejected(
        &mut h,
        EVA,
        Command::SubmitWrapUp {
            interaction: call.id,
            reason: "resolved".into(),
        },
    );
    assert_eq!(code, Code::Rule(Rule::R36));
    submit_wrapup(&mut h, DAVID, call.id);
    assert!(h.engine.interaction_view(call.id).is_none(), "all done");
}

#[test]
fn r24_customer_hanging_up_while_the_consult_rings_withdraws_the_consult_popover() {
    let mut h = Harness::new();
    let call = david_call(&mut h);
    h.ready(EVA, SUPPORT);
    start_consult(&mut h, &call, DAVID, Target::Agent(EVA));
    let consult_leg = consult_leg_rang(&h, EVA);
    h.telephony(TelephonyEvent::HungUp { leg: call.customer });
    assert!(hung_up(&h).contains(&consult_leg));
    assert!(h.events_for(EVA).contains(&DesktopEvent::OfferWithdrawn {
        interaction: call.id
    }));
    assert!(!wrapup_required(&h, EVA, call.id));
    assert!(wrapup_required(&h, DAVID, call.id));
    assert_eq!(h.agent(EVA).state, AgentStateView::Available, "not RONA");
}
