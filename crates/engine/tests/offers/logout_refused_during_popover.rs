//! Goal: an agent cannot log out while a connect or contact-request popover is shown.
//! Method: ring an agent with an offer and try to log out before and after the phone reports
//! ringing; check a `Rule::R5` rejection and that nothing changed; then check log-out works
//! once the offer is gone (RONA, or the customer hung up).
//! Proves: R5 (with R3 for log-out during a call, R36 during wrap-up).

use crate::support::*;
use sentral_engine::testing::*;
use sentral_engine::*;

#[test]
fn r5_log_out_is_refused_while_the_offer_popover_is_shown() {
    let mut h = Harness::new();
    h.ready(ANNA, SALES);
    let (id, _) = h.arrive(DN_SALG);
    assert!(h.agent(ANNA).popover_shown);

    let rejection = h.command(ANNA, Command::LogOut).expect_err("popover shown");
    assert_eq!(rejection.code, Code::Rule(Rule::R5));
    assert!(h.last.is_empty(), "a rejection changes nothing");

    let leg = h.ringing_leg(ANNA).expect("rings");
    h.telephony(TelephonyEvent::Ringing { leg });
    let rejection = h
        .command(ANNA, Command::LogOut)
        .expect_err("still shown while ringing");
    assert_eq!(rejection.code, Code::Rule(Rule::R5));
    assert_eq!(state(&h, ANNA), AgentStateView::Available);
    assert_eq!(h.view(id).offered_to, Some(ANNA));
}

#[test]
fn r5_log_out_is_allowed_once_the_offer_went_to_rona() {
    let mut h = Harness::new();
    h.ready(ANNA, SALES);
    h.arrive(DN_SALG);
    h.advance(15_000);
    assert_eq!(state(&h, ANNA), AgentStateView::Rona);
    assert!(!h.agent(ANNA).popover_shown);
    h.command(ANNA, Command::LogOut)
        .expect("no popover any more");
    assert_eq!(state(&h, ANNA), AgentStateView::LoggedOut);
}

#[test]
fn r5_log_out_is_allowed_once_the_offer_was_withdrawn() {
    let mut h = Harness::new();
    h.ready(ANNA, SALES);
    let (_, customer) = h.arrive(DN_SALG);
    h.telephony(TelephonyEvent::HungUp { leg: customer });
    assert!(!h.agent(ANNA).popover_shown);
    h.command(ANNA, Command::LogOut).expect("offer withdrawn");
    assert_eq!(state(&h, ANNA), AgentStateView::LoggedOut);
}

#[test]
fn r5_after_answering_log_out_waits_for_the_call_and_the_wrap_up() {
    let mut h = Harness::new();
    h.ready(ANNA, SALES);
    let (id, _) = h.arrive(DN_SALG);
    h.answer(ANNA);
    assert!(!h.agent(ANNA).popover_shown, "the popover closes on answer");
    assert_eq!(
        h.command(ANNA, Command::LogOut).unwrap_err().code,
        Code::Rule(Rule::R3),
        "on a call"
    );
    h.command(ANNA, Command::End { interaction: id })
        .expect("end");
    assert_eq!(
        h.command(ANNA, Command::LogOut).unwrap_err().code,
        Code::Rule(Rule::R36),
        "wrap-up pending"
    );
    h.command(
        ANNA,
        Command::SubmitWrapUp {
            interaction: id,
            reason: "resolved".into(),
        },
    )
    .expect("wrap up");
    h.command(ANNA, Command::LogOut).expect("free to go");
}
