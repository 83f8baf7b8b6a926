//! Goal: a number an agent types or pastes into an outdial, a consult or a blind transfer is
//! normalised before it is dialled (letters and unsupported characters stripped, `+ # * :`
//! kept), and a number that is not 3 to 18 digits is refused naming R30.
//! Method: drive `Command::Outdial`, `Command::Consult` and `Command::Transfer` with pasted
//! text and check the number carried by the resulting `TelephonyCommand::Dial`; drive them
//! (and a web callback) with invalid numbers and check the rejection and that nothing changed.
//! Proves: R30 (with R16, R27, R37, R42 as the commands that take a dial number).

use crate::support::*;
use sentral_engine::testing::*;
use sentral_engine::*;

#[test]
fn r30_outdial_strips_letters_and_punctuation_before_dialling() {
    let mut h = Harness::new();
    h.ready(ANNA, SALES);
    h.command(
        ANNA,
        Command::Outdial {
            number: "Kari Nordmann +47 (912) 34-567".into(),
        },
    )
    .expect("a pasted number is accepted");
    let created = h.records().into_iter().find_map(|r| match r {
        Record::InteractionCreated {
            interaction,
            kind: InteractionKind::Outdial,
            customer_number,
            ..
        } => Some((interaction, customer_number)),
        _ => None,
    });
    let (id, customer_number) = created.expect("an outdial interaction is created");
    assert_eq!(customer_number.as_deref(), Some("+4791234567"));
    h.answer(ANNA);
    let (_, interaction, number) = the_dial(&h);
    assert_eq!(interaction, id);
    assert_eq!(
        number.as_str(),
        "+4791234567",
        "R30: the number is dialled without letters, spaces, brackets or dashes"
    );
}

#[test]
fn r30_consult_to_a_dial_number_dials_the_normalised_number() {
    let mut h = Harness::new();
    let call = connected_call(&mut h, DAVID, SUPPORT, DN_KUNDESERVICE);
    h.command(
        DAVID,
        Command::Consult {
            interaction: call.id,
            target: Target::DialNumber("Legal, direct +47 (22) 99-88-77".into()),
        },
    )
    .expect("the consult starts");
    let (leg, interaction, number) = the_dial(&h);
    assert_eq!(interaction, call.id);
    assert_eq!(number.as_str(), "+4722998877");
    assert!(
        h.events_for(DAVID)
            .contains(&DesktopEvent::ConsultRequested {
                interaction: call.id
            })
    );
    assert_eq!(h.view(call.id).consult.map(|c| c.accepted), Some(false));
    h.telephony(TelephonyEvent::Answered { leg });
    assert_eq!(h.view(call.id).consult.map(|c| c.accepted), Some(true));
}

#[test]
fn r30_blind_transfer_to_a_dial_number_keeps_the_supported_special_characters() {
    let mut h = Harness::new();
    let call = connected_call(&mut h, DAVID, SUPPORT, DN_KUNDESERVICE);
    h.command(
        DAVID,
        Command::Transfer {
            interaction: call.id,
            target: Target::DialNumber("00 47 (22) 99-88-77 ext. #12*".into()),
        },
    )
    .expect("the transfer starts");
    let (_, interaction, number) = the_dial(&h);
    assert_eq!(interaction, call.id);
    assert_eq!(
        number.as_str(),
        "004722998877#12*",
        "R30: digits and # * are kept, everything else is stripped"
    );
    assert_eq!(h.view(call.id).phase, "transferring");
    assert_eq!(h.agent(DAVID).wrapups, [call.id], "R29: the agent wraps up");
}

const INVALID: [&str; 5] = [
    "12",
    "call me",
    "12+34",
    "1234567890123456789",
    "tel:+4791234567",
];

#[test]
fn r30_invalid_numbers_are_refused_for_outdial() {
    let mut h = Harness::new();
    h.ready(ANNA, SALES);
    for text in INVALID {
        let result = h.command(
            ANNA,
            Command::Outdial {
                number: text.into(),
            },
        );
        rejected(&h, result, Rule::R30);
    }
    assert_eq!(h.agent(ANNA).call, None, "no call was placed");
    assert!(dials(&h).is_empty());
}

#[test]
fn r30_invalid_numbers_are_refused_for_consult_and_transfer() {
    let mut h = Harness::new();
    let call = connected_call(&mut h, DAVID, SUPPORT, DN_KUNDESERVICE);
    for text in INVALID {
        let result = h.command(
            DAVID,
            Command::Consult {
                interaction: call.id,
                target: Target::DialNumber(text.into()),
            },
        );
        rejected(&h, result, Rule::R30);
        let result = h.command(
            DAVID,
            Command::Transfer {
                interaction: call.id,
                target: Target::DialNumber(text.into()),
            },
        );
        rejected(&h, result, Rule::R30);
    }
    let view = h.view(call.id);
    assert_eq!(view.phase, "connected", "the call goes on untouched");
    assert_eq!(view.consult, None);
    assert!(!view.customer_held);
    assert!(h.agent(DAVID).wrapups.is_empty());
}

#[test]
fn r30_invalid_numbers_are_refused_for_a_web_callback() {
    let mut h = Harness::new();
    for text in INVALID {
        let result = web_callback(&mut h, Q_SUPPORT, "Kari", text);
        rejected(&h, result, Rule::R30);
    }
    assert_eq!(h.engine.n_waiting(Q_SUPPORT), 0);
}
