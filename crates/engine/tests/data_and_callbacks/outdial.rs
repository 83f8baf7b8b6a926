//! Goal: a logged-in agent places an outbound call: their own phone rings first with an offer
//! popover (3 to 6 variables), on answer the validated number is dialled, and when the
//! customer answers they are connected; a bad number, another call, a pending wrap-up or no
//! log-in refuse it.
//! Method: send `Command::Outdial` and follow `RingAgent` → answer → `Dial` → customer
//! `Answered` → `Bridge` + `Connected`; check the rejections and the end reasons when the
//! customer or the agent does not answer.
//! Proves: R42 (with R9 for the popover, R30 for the number, R13 for the agent's phone).

use crate::support::*;
use sentral_engine::testing::*;
use sentral_engine::*;

/// Registers ANNA's phone and logs her in; she stays Idle (outdial needs no Available state).
fn logged_in(h: &mut Harness, agent: AgentId, team: TeamId) {
    let extension = format!("{}", 1000 + agent.0);
    h.telephony(TelephonyEvent::DeviceRegistered {
        extension: extension.clone(),
    });
    h.command(agent, Command::LogIn { team, extension })
        .expect("log in");
}

fn outdial(h: &mut Harness, agent: AgentId, number: &str) -> Result<(), Rejection> {
    h.command(
        agent,
        Command::Outdial {
            number: number.into(),
        },
    )
}

fn created_outdial(h: &Harness) -> InteractionId {
    h.records()
        .into_iter()
        .find_map(|r| match r {
            Record::InteractionCreated {
                interaction,
                kind: InteractionKind::Outdial,
                ..
            } => Some(interaction),
            _ => None,
        })
        .expect("an outdial interaction")
}

#[test]
fn r42_outdial_rings_the_agent_first_then_dials_the_customer() {
    let mut h = Harness::new();
    logged_in(&mut h, ANNA, SALES);
    assert_eq!(h.agent(ANNA).state, AgentStateView::Idle);
    outdial(&mut h, ANNA, "+47 912 34 567").expect("outdial");
    let id = created_outdial(&h);
    let rings: Vec<_> = h
        .commands()
        .into_iter()
        .filter(|c| matches!(c, TelephonyCommand::RingAgent { .. }))
        .collect();
    assert!(
        matches!(
            rings.as_slice(),
            [TelephonyCommand::RingAgent { interaction, agent: ANNA, extension, .. }]
                if *interaction == id && extension == "1001"
        ),
        "R42: the agent's own phone rings first: {rings:?}"
    );
    assert!(dials(&h).is_empty(), "the customer is not dialled yet");
    assert!(h.events_for(ANNA).contains(&DesktopEvent::Reserved {
        interaction: id,
        channel: Channel::Voice,
    }));
    let offer = offer_popover(&h, ANNA);
    assert_eq!(offer.kind, InteractionKind::Outdial);
    assert_eq!(offer.callback, None);
    assert!(
        (Config::POPOVER_VARIABLES_MIN..=Config::POPOVER_VARIABLES_MAX)
            .contains(&offer.variables.len()),
        "R9: 3 to 6 variables: {:?}",
        offer.variables
    );
    assert_eq!(h.view(id).offered_to, Some(ANNA));

    let agent_leg = h.answer(ANNA);
    let (customer, interaction, number) = the_dial(&h);
    assert_eq!((interaction, number.as_str()), (id, "+4791234567"));
    assert_eq!(h.view(id).phase, "dialing");
    assert_eq!(h.view(id).owner, Some(ANNA));

    h.advance(3_000);
    h.telephony(TelephonyEvent::Answered { leg: customer });
    assert!(h.commands().contains(&TelephonyCommand::Bridge {
        a: customer,
        b: agent_leg
    }));
    assert!(h.events_for(ANNA).contains(&DesktopEvent::Connected {
        interaction: id,
        at_unix_ms: 3_000,
    }));
    assert_eq!(h.view(id).phase, "connected");

    h.command(ANNA, Command::End { interaction: id })
        .expect("end");
    assert_eq!(ended_records(&h, id), [EndReason::AgentEnded]);
    assert_eq!(h.agent(ANNA).wrapups, [id]);
}

#[test]
fn r42_outdial_needs_a_valid_number() {
    let mut h = Harness::new();
    logged_in(&mut h, ANNA, SALES);
    for number in ["", "99", "ring Kari", "+47+912"] {
        let result = outdial(&mut h, ANNA, number);
        rejected(&h, result, Rule::R30);
    }
    assert_eq!(h.agent(ANNA).call, None);
}

#[test]
fn r42_outdial_is_refused_while_on_another_call_or_in_wrap_up() {
    let mut h = Harness::new();
    let call = connected_call(&mut h, DAVID, SUPPORT, DN_KUNDESERVICE);
    let result = outdial(&mut h, DAVID, "+4791234567");
    rejected(&h, result, Rule::R42);
    assert_eq!(h.agent(DAVID).call, Some(call.id));

    h.command(
        DAVID,
        Command::End {
            interaction: call.id,
        },
    )
    .expect("end");
    let result = outdial(&mut h, DAVID, "+4791234567");
    rejected(&h, result, Rule::R42);

    h.command(
        DAVID,
        Command::SubmitWrapUp {
            interaction: call.id,
            reason: "resolved".into(),
        },
    )
    .expect("wrap-up");
    outdial(&mut h, DAVID, "+4791234567").expect("free again");
    let id = created_outdial(&h);
    let result = outdial(&mut h, DAVID, "+4791234568");
    rejected(&h, result, Rule::R42);
    assert_eq!(
        h.agent(DAVID).call,
        Some(id),
        "the first outdial still rings"
    );
}

#[test]
fn r42_outdial_needs_a_logged_in_agent_with_a_registered_phone() {
    let mut h = Harness::new();
    let result = outdial(&mut h, ANNA, "+4791234567");
    rejected(&h, result, Rule::R42);
    h.command(
        ANNA,
        Command::LogIn {
            team: SALES,
            extension: "1001".into(),
        },
    )
    .expect("log in without a phone");
    let result = outdial(&mut h, ANNA, "+4791234567");
    rejected(&h, result, Rule::R13);
}

#[test]
fn r42_the_customer_not_answering_ends_the_outdial_with_wrap_up() {
    let mut h = Harness::new();
    logged_in(&mut h, ANNA, SALES);
    outdial(&mut h, ANNA, "+4791234567").expect("outdial");
    let id = created_outdial(&h);
    let agent_leg = h.answer(ANNA);
    let (customer, _, _) = the_dial(&h);
    h.telephony(TelephonyEvent::Failed {
        leg: customer,
        cause: FailCause::Busy,
    });
    assert_eq!(ended_records(&h, id), [EndReason::CustomerNotAnswered]);
    assert!(
        h.commands()
            .contains(&TelephonyCommand::HangUp { leg: agent_leg })
    );
    assert_eq!(h.agent(ANNA).wrapups, [id]);
    assert_eq!(h.agent(ANNA).call, None);
}

#[test]
fn r42_an_outdial_the_agent_does_not_answer_is_abandoned_without_rona() {
    let mut h = Harness::new();
    logged_in(&mut h, ANNA, SALES);
    outdial(&mut h, ANNA, "+4791234567").expect("outdial");
    let id = created_outdial(&h);
    h.advance(h.engine.config().org.rona_timeout_ms);
    assert_eq!(ended_records(&h, id), [EndReason::OutdialAbandoned]);
    assert!(dials(&h).is_empty(), "the customer was never dialled");
    assert_eq!(
        h.agent(ANNA).state,
        AgentStateView::Idle,
        "no RONA for one's own call"
    );
    assert_eq!(h.agent(ANNA).call, None);
}
