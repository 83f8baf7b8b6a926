//! Goal: a voice call is answered on the agent's phone: the desktop shows Ringing while it
//! rings, and on answer the call is connected (timer start, control pane) and the customer's
//! and agent's legs are bridged; the desktop cannot accept a voice call.
//! Method: offer a call, check the `RingAgent` command, feed `Ringing` and `Answered` for the
//! agent's leg and read the events and commands; try `Command::Accept`.
//! Proves: R13.

use crate::support::*;
use sentral_engine::testing::*;
use sentral_engine::*;

#[test]
fn r13_the_agents_phone_rings_with_the_callers_number() {
    let mut h = Harness::new();
    h.ready(ANNA, SALES);
    let (id, _) = h.arrive(DN_SALG);
    let ani = h.view(id).customer_number;
    let leg = h.ringing_leg(ANNA).expect("rings");
    assert!(h.commands().contains(&TelephonyCommand::RingAgent {
        leg,
        interaction: id,
        agent: ANNA,
        extension: extension(ANNA),
        caller_number: ani,
    }));
}

#[test]
fn r13_ringing_then_connected_with_a_timer_and_a_bridge() {
    let mut h = Harness::new();
    h.ready(ANNA, SALES);
    let (id, customer) = h.arrive(DN_SALG);
    let agent_leg = h.ringing_leg(ANNA).expect("rings");

    h.advance(1_000);
    h.telephony(TelephonyEvent::Ringing { leg: agent_leg });
    assert_eq!(
        h.events_for(ANNA),
        vec![DesktopEvent::Ringing { interaction: id }],
        "R13: the desktop shows Ringing"
    );
    assert_eq!(h.view(id).phase, "offered");

    h.advance(3_000);
    h.telephony(TelephonyEvent::Answered { leg: agent_leg });
    assert!(
        h.events_for(ANNA).contains(&DesktopEvent::Connected {
            interaction: id,
            at_unix_ms: 4_000,
        }),
        "R13: the timer starts on answer"
    );
    assert!(h.commands().contains(&TelephonyCommand::Bridge {
        a: customer,
        b: agent_leg,
    }));
    assert!(
        h.last
            .iter()
            .any(|o| matches!(o, Output::CancelTimer { .. })),
        "the RONA timer is disarmed"
    );
    let view = h.view(id);
    assert_eq!(view.phase, "connected");
    assert_eq!(view.owner, Some(ANNA));
    assert_eq!(view.connected_at_unix_ms, Some(4_000));
    assert!(h.records().iter().any(|r| matches!(
        r,
        Record::InteractionState { interaction, state: "connected", agent: Some(ANNA), .. }
            if *interaction == id
    )));

    h.advance(30_000);
    assert_eq!(
        state(&h, ANNA),
        AgentStateView::Available,
        "no RONA after answer"
    );
}

#[test]
fn r13_a_voice_call_cannot_be_accepted_from_the_desktop() {
    let mut h = Harness::new();
    h.ready(ANNA, SALES);
    let (id, _) = h.arrive(DN_SALG);
    let rejection = h
        .command(ANNA, Command::Accept { interaction: id })
        .expect_err("answer the phone instead");
    assert_eq!(rejection.code, Code::Rule(Rule::R13));
    assert!(h.last.is_empty());
    assert_eq!(h.view(id).phase, "offered");
    assert_eq!(h.view(id).offered_to, Some(ANNA));
}

#[test]
fn r13_ringing_reported_for_a_leg_that_is_gone_is_ignored() {
    let mut h = Harness::new();
    h.ready(ANNA, SALES);
    h.arrive(DN_SALG);
    let leg = h.ringing_leg(ANNA).expect("rings");
    h.advance(15_000);
    assert_eq!(state(&h, ANNA), AgentStateView::Rona);
    h.telephony(TelephonyEvent::Ringing { leg });
    assert!(
        h.events_for(ANNA).is_empty(),
        "a late report changes nothing"
    );
    h.telephony(TelephonyEvent::Answered { leg });
    assert!(h.events_for(ANNA).is_empty());
    assert_eq!(state(&h, ANNA), AgentStateView::Rona);
}
