//! Goal: End ends the call and opens the wrap-up dialog with the reasons to pick from; the
//! agent is offered nothing until the wrap-up is submitted with a valid reason; the agent's
//! phone leg is hung up before the next call is offered.
//! Method: connect a call, end it (by End or by the customer hanging up), check the commands,
//! events and records, let another call arrive during wrap-up, try invalid submissions, then
//! submit and check the waiting call is offered in the same step.
//! Proves: R36 (with R3 for "in wrap-up", R45 for the records).

use crate::support::*;
use sentral_engine::testing::*;
use sentral_engine::*;

fn resolved_and_follow_up() -> Vec<Reason> {
    small_config().wrapup_reasons
}

/// ANNA answers a Sales call; returns it, the customer's leg and ANNA's leg.
fn connected(h: &mut Harness) -> (InteractionId, LegId, LegId) {
    h.ready(ANNA, SALES);
    let (id, customer) = h.arrive(DN_SALG);
    let agent_leg = h.answer(ANNA);
    (id, customer, agent_leg)
}

#[test]
fn r36_end_ends_the_call_and_opens_wrap_up_with_its_reasons() {
    let mut h = Harness::new();
    let (id, customer, agent_leg) = connected(&mut h);
    h.advance(30_000);
    h.command(ANNA, Command::End { interaction: id })
        .expect("end");

    let commands = h.commands();
    assert!(commands.contains(&TelephonyCommand::HangUp { leg: agent_leg }));
    assert!(commands.contains(&TelephonyCommand::HangUp { leg: customer }));
    assert!(commands.contains(&TelephonyCommand::StopRecording { interaction: id }));
    let events = h.events_for(ANNA);
    assert!(events.contains(&DesktopEvent::CallEnded {
        interaction: id,
        reason: EndReason::AgentEnded,
    }));
    assert!(events.contains(&DesktopEvent::WrapUpRequired {
        interaction: id,
        reasons: resolved_and_follow_up(),
    }));
    assert!(h.records().contains(&Record::InteractionEnded {
        interaction: id,
        reason: EndReason::AgentEnded,
        agents: vec![ANNA],
        created_at_unix_ms: 0,
        connected_at_unix_ms: Some(0),
        at_unix_ms: 30_000,
    }));
    assert_eq!(h.agent(ANNA).wrapups, vec![id]);
    assert_eq!(h.agent(ANNA).call, None);
    assert_eq!(h.view(id).phase, "ended");
}

#[test]
fn r36_no_new_offer_until_the_wrap_up_is_submitted() {
    let mut h = Harness::new();
    let (first, _, _) = connected(&mut h);
    h.command(ANNA, Command::End { interaction: first })
        .expect("end");
    let (second, _) = h.arrive(DN_SALG);
    assert!(rings(&h).is_empty());
    h.advance(60_000);
    assert_eq!(h.view(second).phase, "queued", "no offer during wrap-up");

    let rejection = h
        .command(
            ANNA,
            Command::SubmitWrapUp {
                interaction: first,
                reason: "lunch".into(),
            },
        )
        .expect_err("an idle reason is not a wrap-up reason");
    assert_eq!(rejection.code, Code::Rule(Rule::R36));
    assert!(h.last.is_empty());
    assert_eq!(h.agent(ANNA).wrapups, vec![first]);
    assert_eq!(h.view(second).phase, "queued");

    h.command(
        ANNA,
        Command::SubmitWrapUp {
            interaction: first,
            reason: "follow_up".into(),
        },
    )
    .expect("wrap up");
    assert!(
        h.events_for(ANNA)
            .contains(&DesktopEvent::WrapUpDone { interaction: first })
    );
    assert!(h.records().contains(&Record::WrapUp {
        interaction: first,
        agent: ANNA,
        reason: "follow_up".into(),
        automatic: false,
        at_unix_ms: 60_000,
    }));
    assert!(
        rang(&h, ANNA, second),
        "offered as soon as the wrap-up is in"
    );
    assert!(
        h.engine.interaction_view(first).is_none(),
        "done with the first"
    );
}

#[test]
fn r36_the_queue_limits_the_wrap_up_reasons() {
    let mut config = small_config();
    queue_mut(&mut config, Q_SALES).wrapup_reasons = vec!["follow_up".into()];
    let mut h = Harness::with_config(config);
    let (id, _, _) = connected(&mut h);
    h.command(ANNA, Command::End { interaction: id })
        .expect("end");
    assert!(h.events_for(ANNA).contains(&DesktopEvent::WrapUpRequired {
        interaction: id,
        reasons: vec![Reason {
            code: "follow_up".into(),
            label: "Follow-up needed".into(),
            label_by_language: Default::default(),
        }],
    }));
    let rejection = h
        .command(
            ANNA,
            Command::SubmitWrapUp {
                interaction: id,
                reason: "resolved".into(),
            },
        )
        .expect_err("not a reason of this queue");
    assert_eq!(rejection.code, Code::Rule(Rule::R36));
    h.command(
        ANNA,
        Command::SubmitWrapUp {
            interaction: id,
            reason: "follow_up".into(),
        },
    )
    .expect("wrap up");
}

#[test]
fn r36_the_customer_hanging_up_also_opens_wrap_up() {
    let mut h = Harness::new();
    let (id, customer, agent_leg) = connected(&mut h);
    h.telephony(TelephonyEvent::HungUp { leg: customer });
    assert!(
        h.commands()
            .contains(&TelephonyCommand::HangUp { leg: agent_leg }),
        "the agent's phone is hung up before the next call"
    );
    assert!(
        !h.commands()
            .contains(&TelephonyCommand::HangUp { leg: customer })
    );
    let events = h.events_for(ANNA);
    assert!(events.contains(&DesktopEvent::CallEnded {
        interaction: id,
        reason: EndReason::CustomerHungUp,
    }));
    assert!(events.contains(&DesktopEvent::WrapUpRequired {
        interaction: id,
        reasons: resolved_and_follow_up(),
    }));
    assert_eq!(ended_reason(&h, id), EndReason::CustomerHungUp);
}

#[test]
fn r36_only_the_agent_who_wraps_up_may_submit_it() {
    let mut h = Harness::new();
    let (id, _, _) = connected(&mut h);
    h.ready(BJORN, SALES);
    let rejection = h
        .command(
            BJORN,
            Command::SubmitWrapUp {
                interaction: id,
                reason: "resolved".into(),
            },
        )
        .expect_err("BJORN has nothing to wrap up");
    assert_eq!(rejection.code, Code::Rule(Rule::R36));
    h.command(ANNA, Command::End { interaction: id })
        .expect("end");
    assert_eq!(
        h.command(
            BJORN,
            Command::SubmitWrapUp {
                interaction: id,
                reason: "resolved".into(),
            },
        )
        .unwrap_err()
        .code,
        Code::Rule(Rule::R36)
    );
    h.command(
        ANNA,
        Command::SubmitWrapUp {
            interaction: id,
            reason: "resolved".into(),
        },
    )
    .expect("ANNA's to submit");
    assert_eq!(
        h.command(
            ANNA,
            Command::SubmitWrapUp {
                interaction: id,
                reason: "resolved".into(),
            },
        )
        .unwrap_err()
        .code,
        Code::Rule(Rule::R36),
        "submitted once only"
    );
    assert_eq!(final_records(&h, id).len(), 1);
}

#[test]
fn r24_r36_a_lost_customer_leg_ends_the_call_by_the_hang_up_rules_with_its_cause() {
    // Issue 14: the telephony side ended the customer's leg (silent for the RTP timeout).
    let mut h = Harness::new();
    let (id, customer, agent_leg) = connected(&mut h);
    h.telephony(TelephonyEvent::LegLost {
        leg: customer,
        cause: LostCause::MediaTimeout,
    });
    assert!(
        h.commands()
            .contains(&TelephonyCommand::HangUp { leg: agent_leg })
    );
    assert!(h.events_for(ANNA).contains(&DesktopEvent::WrapUpRequired {
        interaction: id,
        reasons: resolved_and_follow_up(),
    }));
    assert_eq!(
        ended_reason(&h, id),
        EndReason::CustomerLost(LostCause::MediaTimeout)
    );
}

#[test]
fn r25_r36_a_lost_agent_phone_ends_the_call_as_the_agent_hanging_up_with_its_cause() {
    // Issue 14: the agent's phone stopped refreshing its session: as if the agent hung up
    // (the customer is hung up, the agent wraps up), and the record says why.
    let mut h = Harness::new();
    let (id, customer, agent_leg) = connected(&mut h);
    h.telephony(TelephonyEvent::LegLost {
        leg: agent_leg,
        cause: LostCause::SessionExpired,
    });
    assert!(
        h.commands()
            .contains(&TelephonyCommand::HangUp { leg: customer })
    );
    assert!(h.events_for(ANNA).contains(&DesktopEvent::WrapUpRequired {
        interaction: id,
        reasons: resolved_and_follow_up(),
    }));
    assert_eq!(
        ended_reason(&h, id),
        EndReason::AgentLost(LostCause::SessionExpired)
    );
}
