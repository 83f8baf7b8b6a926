//! Goal: an agent in RONA is offered nothing until they choose Available or Idle by hand.
//! Method: let an offer time out so the only agent of the queue goes to RONA, then let time
//! pass, more calls arrive and the phone re-register, and check no phone rings; then choose
//! Idle (still nothing) or Available (offered at once).
//! Proves: R4 (with R12 leading into RONA).

use crate::support::*;
use sentral_engine::testing::*;
use sentral_engine::*;

/// ANNA misses the offer of a Sales call and goes to RONA; returns the call.
fn anna_in_rona(h: &mut Harness) -> InteractionId {
    h.ready(ANNA, SALES);
    let (id, _) = h.arrive(DN_SALG);
    assert!(rang(h, ANNA, id));
    h.advance(15_000);
    assert_eq!(state(h, ANNA), AgentStateView::Rona);
    assert!(
        h.events_for(ANNA)
            .contains(&DesktopEvent::Rona { interaction: id })
    );
    id
}

#[test]
fn r4_an_agent_in_rona_is_offered_nothing_until_they_choose_available() {
    let mut h = Harness::new();
    let first = anna_in_rona(&mut h);
    assert_eq!(h.view(first).phase, "queued");

    h.advance(60_000);
    let (second, _) = h.arrive(DN_SALG);
    assert!(rings(&h).is_empty(), "R4: no offer while in RONA");
    h.telephony(TelephonyEvent::DeviceRegistered {
        extension: extension(ANNA),
    });
    assert!(rings(&h).is_empty(), "a phone refresh does not leave RONA");
    assert_eq!(state(&h, ANNA), AgentStateView::Rona);
    assert_eq!(h.view(first).phase, "queued");
    assert_eq!(h.view(second).phase, "queued");

    h.ready_again(ANNA);
    assert_eq!(state(&h, ANNA), AgentStateView::Available);
    assert!(
        rang(&h, ANNA, first),
        "offered once Available, first call first"
    );
}

#[test]
fn r4_an_agent_in_rona_who_chooses_idle_is_still_offered_nothing() {
    let mut h = Harness::new();
    let id = anna_in_rona(&mut h);
    go_idle(&mut h, ANNA);
    assert_eq!(state(&h, ANNA), AgentStateView::Idle);
    assert!(rings(&h).is_empty());
    h.advance(30_000);
    assert_eq!(h.view(id).phase, "queued");

    h.ready_again(ANNA);
    assert!(rang(&h, ANNA, id));
}

#[test]
fn r4_rona_is_left_only_for_available_or_a_valid_idle_reason() {
    let mut h = Harness::new();
    anna_in_rona(&mut h);
    let rejection = h
        .command(
            ANNA,
            Command::SetState(StateRequest::Idle {
                reason: "nap".into(),
            }),
        )
        .expect_err("not an idle reason");
    assert_eq!(rejection.code, Code::Rule(Rule::R3));
    assert_eq!(state(&h, ANNA), AgentStateView::Rona);
}
