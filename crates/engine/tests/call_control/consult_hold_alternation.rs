//! The customer and the consulted party take turns on hold (R15, with R19's "Consult on hold"
//! and R26's "agent 2 is put on hold when agent 1 resumes the customer").
//!
//! Goal: starting a consult puts the customer on hold by itself; resuming the customer puts
//! the consulted party on hold; holding the customer again talks to the consulted party; the
//! two are never both on hold.
//! Method: DAVID consults EVA; the tests toggle Hold/Resume on both parties and check the
//! Hold/Bridge commands, the `HoldChanged` events both agents get and the interaction view
//! after every step (the harness also checks the R15 invariant after every input).
//! Proves: R15, R19, R26.

use crate::*;
use sentral_engine::testing::*;
use sentral_engine::*;

fn held(h: &Harness, call: &Call) -> (bool, bool) {
    let view = h.view(call.id);
    let consult = view.consult.expect("consult on");
    (view.customer_held, consult.consulted_held)
}

#[test]
fn r15_starting_a_consult_puts_the_customer_on_hold_automatically() {
    let mut h = Harness::new();
    let call = david_call(&mut h);
    h.ready(EVA, SUPPORT);
    start_consult(&mut h, &call, DAVID, Target::Agent(EVA));
    assert!(
        h.commands()
            .contains(&TelephonyCommand::Hold { leg: call.customer }),
        "the customer hears music on hold: {:?}",
        h.commands()
    );
    assert_eq!(hold_changed(&h, DAVID), Some((true, Some(false))));
    assert!(h.view(call.id).customer_held);
}

#[test]
fn r15_consult_from_a_held_call_keeps_the_customer_held_without_a_second_hold() {
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
    h.ready(EVA, SUPPORT);
    start_consult(&mut h, &call, DAVID, Target::Agent(EVA));
    assert!(
        !h.commands()
            .contains(&TelephonyCommand::Hold { leg: call.customer }),
        "already on hold"
    );
    assert!(h.view(call.id).customer_held);
}

#[test]
fn r15_resuming_the_customer_holds_the_consulted_agent() {
    let mut h = Harness::new();
    let (call, consult_leg) = david_consults_eva(&mut h);
    assert_eq!(held(&h, &call), (true, false), "DAVID talks to EVA");
    h.command(
        DAVID,
        Command::Resume {
            interaction: call.id,
            party: Party::Customer,
        },
    )
    .expect("resume the customer");
    let commands = h.commands();
    assert!(commands.contains(&TelephonyCommand::Bridge {
        a: call.customer,
        b: call.agent_leg,
    }));
    assert!(commands.contains(&TelephonyCommand::Hold { leg: consult_leg }));
    assert_eq!(held(&h, &call), (false, true));
    // R26: EVA sees that she is on hold.
    assert_eq!(hold_changed(&h, EVA), Some((false, Some(true))));
    assert_eq!(hold_changed(&h, DAVID), Some((false, Some(true))));
}

#[test]
fn r15_holding_the_customer_again_talks_to_the_consulted_agent() {
    let mut h = Harness::new();
    let (call, consult_leg) = david_consults_eva(&mut h);
    h.command(
        DAVID,
        Command::Resume {
            interaction: call.id,
            party: Party::Customer,
        },
    )
    .expect("resume the customer");
    h.command(
        DAVID,
        Command::Hold {
            interaction: call.id,
            party: Party::Customer,
        },
    )
    .expect("hold the customer");
    let commands = h.commands();
    assert!(commands.contains(&TelephonyCommand::Hold { leg: call.customer }));
    assert!(commands.contains(&TelephonyCommand::Bridge {
        a: call.agent_leg,
        b: consult_leg,
    }));
    assert_eq!(held(&h, &call), (true, false));
}

#[test]
fn r15_the_customer_and_the_consulted_party_are_never_both_on_hold() {
    let mut h = Harness::new();
    let (call, _) = david_consults_eva(&mut h);
    let steps = [
        (true, Party::Consulted),  // hold EVA → talk to the customer
        (false, Party::Consulted), // resume EVA → customer on hold
        (false, Party::Customer),  // resume customer → EVA on hold
        (true, Party::Customer),   // hold customer → talk to EVA
        (true, Party::Consulted),
    ];
    for (hold, party) in steps {
        let command = if hold {
            Command::Hold {
                interaction: call.id,
                party,
            }
        } else {
            Command::Resume {
                interaction: call.id,
                party,
            }
        };
        h.command(DAVID, command).expect("toggle");
        let (customer, consulted) = held(&h, &call);
        assert!(customer != consulted, "exactly one side on hold");
        let customer_should_be_held = (party == Party::Customer) == hold;
        assert_eq!(customer, customer_should_be_held, "{hold} {party:?}");
    }
    // Asking to hold the side already held is refused rather than holding both.
    let (customer_held, _) = held(&h, &call);
    assert!(!customer_held);
    let code = rejected(
        &mut h,
        DAVID,
        Command::Hold {
            interaction: call.id,
            party: Party::Consulted,
        },
    );
    assert_eq!(code, Code::Rule(Rule::R15));
}
