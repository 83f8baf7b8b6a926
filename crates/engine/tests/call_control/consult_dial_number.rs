//! Consulting an entry point by its dial number (R20).
//!
//! Goal: a dial number that matches a configured entry-point number goes to that entry point
//! (an agent of its flow's queue rings, nothing is dialled), however it is formatted; a
//! number that matches none is dialled as a plain dial number; the destination search takes
//! the number's digits without "(" or "-".
//! Method: DAVID (Support) is on a call and BJORN (Sales) is Available; DAVID consults Salg's
//! number and an unknown number; the directory is searched with formatted and bare digits.
//! Proves: R20.

use crate::*;
use sentral_engine::testing::*;
use sentral_engine::*;

fn salg_listed(found: &[DirectoryDestination]) -> bool {
    found.iter().any(|d| {
        matches!(
            d,
            DirectoryDestination::EntryPoint { id: EP_SALG, dial_number, .. } if dial_number == DN_SALG
        )
    })
}

#[test]
fn r20_consult_to_an_entry_point_number_goes_to_that_entry_point() {
    let mut h = Harness::new();
    let call = david_call(&mut h);
    h.ready(BJORN, SALES);
    start_consult(
        &mut h,
        &call,
        DAVID,
        Target::DialNumber("+47 (21) 00-0001".into()),
    );
    let commands = h.commands();
    assert!(
        commands.iter().any(|c| matches!(
            c,
            TelephonyCommand::RingAgent { agent: BJORN, interaction, .. } if *interaction == call.id
        )),
        "Salg's queue agent rings: {commands:?}"
    );
    assert!(
        !commands
            .iter()
            .any(|c| matches!(c, TelephonyCommand::Dial { .. })),
        "nothing is dialled outside"
    );
    // The entry-point popover starts with the consulting agent's DN (R10).
    let popover = h
        .events_for(BJORN)
        .into_iter()
        .find_map(|e| match e {
            DesktopEvent::ConsultOffer(view) => Some(view),
            _ => None,
        })
        .expect("consult popover");
    assert_eq!(popover.variables[0].name, "agent_dn");
    assert_eq!(h.view(call.id).consulted, Some(BJORN));
}

#[test]
fn r20_a_number_matching_no_entry_point_is_dialled_as_a_plain_number() {
    let mut h = Harness::new();
    let call = david_call(&mut h);
    h.ready(BJORN, SALES);
    start_consult(
        &mut h,
        &call,
        DAVID,
        Target::DialNumber("+47 21-00-0009".into()),
    );
    let expected = DialNumber::parse("+4721000009").expect("valid");
    assert!(
        h.commands().contains(&TelephonyCommand::Dial {
            leg: h.dialled_leg().expect("dialled"),
            interaction: call.id,
            number: expected,
        }),
        "{:?}",
        h.commands()
    );
    assert!(
        !h.commands()
            .iter()
            .any(|c| matches!(c, TelephonyCommand::RingAgent { .. }))
    );
    assert_eq!(h.view(call.id).consulted, None);
}

#[test]
fn r20_the_destination_search_takes_the_digits_without_parentheses_or_dashes() {
    let h = Harness::new();
    assert!(salg_listed(&h.engine.directory_destinations("21000001")));
    assert!(salg_listed(&h.engine.directory_destinations("4721000001")));
    assert!(salg_listed(
        &h.engine.directory_destinations("(21) 00-0001")
    ));
    let by_digits = h.engine.directory_destinations("21000001");
    assert_eq!(by_digits.len(), 1, "only Salg: {by_digits:?}");
    assert!(!salg_listed(&h.engine.directory_destinations("21000009")));
}
