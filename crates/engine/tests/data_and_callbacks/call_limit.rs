//! Goal: the organisation's limit of concurrent customer-facing calls also stops calls agents
//! place (outdial, dial-number or expert consult and transfer) and the dialling of callbacks,
//! showing the R2 reason code; an agent's own phone leg does not count.
//! Method: `org.calls_max = 1` with one inbound call connected, then try the commands that
//! would add a customer-facing leg and check the R2 rejection or `LimitReached { code: "R2" }`;
//! check that a consult to an agent still works.
//! Proves: R2 (for outdial R42, consult R16, transfer R27 and callbacks R38).

use crate::support::*;
use sentral_engine::testing::*;
use sentral_engine::*;

fn one_call_max() -> Harness {
    harness_with(|c| c.org.calls_max = 1)
}

#[test]
fn r2_outdial_is_refused_when_the_call_limit_is_reached() {
    let mut h = one_call_max();
    let call = connected_call(&mut h, DAVID, SUPPORT, DN_KUNDESERVICE);
    assert_eq!(h.engine.n_customer_calls(), 1);
    h.ready(ANNA, SALES);
    let outdial = Command::Outdial {
        number: "+4791234567".into(),
    };
    let result = h.command(ANNA, outdial.clone());
    rejected(&h, result, Rule::R2);
    assert_eq!(h.agent(ANNA).call, None);

    h.command(
        DAVID,
        Command::End {
            interaction: call.id,
        },
    )
    .expect("end");
    assert_eq!(h.engine.n_customer_calls(), 0);
    h.command(ANNA, outdial).expect("room again");
}

#[test]
fn r2_dial_number_and_expert_consults_and_transfers_are_refused_at_the_limit() {
    let mut h = one_call_max();
    let call = connected_call(&mut h, DAVID, SUPPORT, DN_KUNDESERVICE);
    let targets = [
        Target::DialNumber("+4722998877".into()),
        Target::Expert(ExpertId(1)),
    ];
    for target in targets {
        let result = h.command(
            DAVID,
            Command::Consult {
                interaction: call.id,
                target: target.clone(),
            },
        );
        rejected(&h, result, Rule::R2);
        let result = h.command(
            DAVID,
            Command::Transfer {
                interaction: call.id,
                target,
            },
        );
        rejected(&h, result, Rule::R2);
    }
    let view = h.view(call.id);
    assert_eq!((view.phase, view.consult), ("connected", None));
    assert!(h.agent(DAVID).wrapups.is_empty());

    // An agent's own phone leg does not count: consulting an agent still works.
    h.ready(EVA, SUPPORT);
    h.command(
        DAVID,
        Command::Consult {
            interaction: call.id,
            target: Target::Agent(EVA),
        },
    )
    .expect("R2 (ours): agent legs do not count");
    h.answer(EVA);
    assert_eq!(h.engine.n_customer_calls(), 1);
}

#[test]
fn r2_an_outdial_answered_once_the_limit_filled_shows_the_reason_code() {
    let mut h = one_call_max();
    h.ready(ANNA, SALES);
    h.command(
        ANNA,
        Command::Outdial {
            number: "+4791234567".into(),
        },
    )
    .expect("room for one call");
    let call = connected_call(&mut h, DAVID, SUPPORT, DN_KUNDESERVICE);
    let id = h.agent(ANNA).call.expect("ANNA's outdial rings");
    h.answer(ANNA);
    assert!(
        h.events_for(ANNA)
            .contains(&DesktopEvent::LimitReached { code: "R2" }),
        "R2: the desktop shows the reason code: {:?}",
        h.events_for(ANNA)
    );
    assert!(dials(&h).is_empty(), "no call over the limit");
    assert_eq!(ended_records(&h, id), [EndReason::LimitReached]);
    assert_eq!(h.engine.n_customer_calls(), 1);
    assert_eq!(h.view(call.id).phase, "connected");
}

#[test]
fn r2_a_callback_at_the_limit_is_not_dialled_and_keeps_waiting() {
    let mut h = one_call_max();
    let call = connected_call(&mut h, DAVID, SUPPORT, DN_KUNDESERVICE);
    let callback = web_callback(&mut h, Q_SALES, "Kari", "+4791234567").expect("queued");
    h.ready(ANNA, SALES);
    h.answer(ANNA);
    assert!(
        h.events_for(ANNA)
            .contains(&DesktopEvent::LimitReached { code: "R2" })
    );
    assert!(dials(&h).is_empty());
    assert!(ended_records(&h, callback).is_empty(), "not given up");
    assert_ne!(h.view(callback).phase, "dialing");

    h.command(
        DAVID,
        Command::End {
            interaction: call.id,
        },
    )
    .expect("end the other call");
    h.answer(ANNA);
    let (_, interaction, number) = the_dial(&h);
    assert_eq!((interaction, number.as_str()), (callback, "+4791234567"));
}
