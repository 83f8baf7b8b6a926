//! Hold and resume of a plain call (R14).
//!
//! Goal: hold is possible only once the call is accepted; hold plays music on hold to the
//! customer's leg and shows "Call on hold"; End is disabled while on hold; resume connects the
//! customer and the agent again.
//! Method: DAVID answers a Kundeservice call; the tests send Hold, End and Resume and check
//! the telephony commands, the `HoldChanged` events and the rejections.
//! Proves: R14.

use crate::*;
use sentral_engine::testing::*;
use sentral_engine::*;

#[test]
fn r14_hold_is_rejected_while_the_call_is_only_offered() {
    let mut h = Harness::new();
    h.ready(DAVID, SUPPORT);
    let (id, _) = h.arrive(DN_KUNDESERVICE);
    assert_eq!(h.view(id).offered_to, Some(DAVID));
    let code = rejected(
        &mut h,
        DAVID,
        Command::Hold {
            interaction: id,
            party: Party::Customer,
        },
    );
    assert_eq!(code, Code::Rule(Rule::R14));
    assert!(!h.view(id).customer_held);
}

#[test]
fn r14_hold_puts_the_customer_leg_on_hold_and_shows_call_on_hold() {
    let mut h = Harness::new();
    let call = david_call(&mut h);
    h.command(
        DAVID,
        Command::Hold {
            interaction: call.id,
            party: Party::Customer,
        },
    )
    .expect("hold");
    assert_eq!(
        h.commands(),
        vec![TelephonyCommand::Hold { leg: call.customer }],
        "music on hold to the customer only"
    );
    assert!(h.events_for(DAVID).contains(&DesktopEvent::HoldChanged {
        interaction: call.id,
        customer_held: true,
        consulted_held: None,
    }));
    assert!(h.view(call.id).customer_held);
    assert!(h.records().iter().any(|r| matches!(
        r,
        Record::InteractionState {
            state: "held",
            agent: Some(DAVID),
            ..
        }
    )));
}

#[test]
fn r14_end_is_rejected_while_the_call_is_on_hold() {
    let mut h = Harness::new();
    let call = david_call(&mut h);
    h.command(
        DAVID,
        Command::Hold {
            interaction: call.id,
            party: Party::Customer,
        },
    )
    .expect("hold");
    let code = rejected(
        &mut h,
        DAVID,
        Command::End {
            interaction: call.id,
        },
    );
    assert_eq!(code, Code::Rule(Rule::R14));
    assert_eq!(h.view(call.id).phase, "connected");
    assert!(h.view(call.id).customer_held);
}

#[test]
fn r14_resume_bridges_the_customer_and_the_agent_again_and_enables_end() {
    let mut h = Harness::new();
    let call = david_call(&mut h);
    h.command(
        DAVID,
        Command::Hold {
            interaction: call.id,
            party: Party::Customer,
        },
    )
    .expect("hold");
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
    assert_eq!(hold_changed(&h, DAVID), Some((false, None)));
    assert!(!h.view(call.id).customer_held);

    h.command(
        DAVID,
        Command::End {
            interaction: call.id,
        },
    )
    .expect("End works again once resumed");
    let legs = hung_up(&h);
    assert!(legs.contains(&call.customer) && legs.contains(&call.agent_leg));
    assert_eq!(ended_record(&h), Some(EndReason::AgentEnded));
    assert!(wrapup_required(&h, DAVID, call.id));
}

#[test]
fn r14_hold_twice_and_resume_when_not_held_are_rejected() {
    let mut h = Harness::new();
    let call = david_call(&mut h);
    let resume = Command::Resume {
        interaction: call.id,
        party: Party::Customer,
    };
    assert_eq!(rejected(&mut h, DAVID, resume), Code::Rule(Rule::R14));
    let hold = Command::Hold {
        interaction: call.id,
        party: Party::Customer,
    };
    h.command(DAVID, hold.clone()).expect("hold");
    assert_eq!(rejected(&mut h, DAVID, hold), Code::Rule(Rule::R14));
}
