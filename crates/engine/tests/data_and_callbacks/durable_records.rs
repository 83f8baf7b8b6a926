//! Goal: every interaction leaves a durable record: exactly one `Record::InteractionEnded` for
//! each one that ends, whatever way it ends, plus `Record::WrapUp` for each wrap-up and
//! `Record::VariablesSaved` for each save.
//! Method: run a day in miniature — an inbound call ended by the agent, a caller who hangs up
//! in queue, a cancelled web callback, an abandoned outdial, a consult transfer the customer
//! ends, late network events for legs already gone — then match every
//! `Record::InteractionCreated` with exactly one final record and check the wrap-up and CAD
//! records field by field.
//! Proves: R45 (with R24, R25, R29, R36, R39 for who wraps up).

use crate::support::*;
use sentral_engine::testing::*;
use sentral_engine::*;
use std::collections::BTreeMap;

fn wrap_up(h: &mut Harness, agent: AgentId, interaction: InteractionId, reason: &str) {
    h.command(
        agent,
        Command::SubmitWrapUp {
            interaction,
            reason: reason.into(),
        },
    )
    .expect("wrap-up");
}

#[test]
fn r45_every_ended_interaction_has_exactly_one_final_record() {
    let mut h = Harness::new();
    // A: inbound, ended by the agent.
    let a = connected_call(&mut h, DAVID, SUPPORT, DN_KUNDESERVICE);
    h.command(DAVID, Command::End { interaction: a.id })
        .expect("end A");
    wrap_up(&mut h, DAVID, a.id, "resolved");
    // B: a caller to Salg (no Sales agent) hangs up while waiting.
    let (b, b_leg) = h.arrive(DN_SALG);
    h.advance(5_000);
    h.telephony(TelephonyEvent::HungUp { leg: b_leg });
    // C: a web callback cancelled before the customer answers.
    let c = web_callback(&mut h, Q_SUPPORT, "Kari", "+4791234567").expect("C");
    assert_eq!(h.view(c).offered_to, Some(DAVID));
    h.answer(DAVID);
    h.command(DAVID, Command::CancelCallback { interaction: c })
        .expect("cancel C");
    wrap_up(&mut h, DAVID, c, "follow_up");
    // D: an outdial the agent never answers.
    h.telephony(TelephonyEvent::DeviceRegistered {
        extension: "1001".into(),
    });
    h.command(
        ANNA,
        Command::LogIn {
            team: SALES,
            extension: "1001".into(),
        },
    )
    .expect("log in");
    h.command(
        ANNA,
        Command::Outdial {
            number: "+4791234599".into(),
        },
    )
    .expect("outdial D");
    let d = h.agent(ANNA).call.expect("D rings");
    h.advance(15_000);
    // E: consult transfer from DAVID to EVA, then the customer hangs up.
    h.ready(EVA, SUPPORT);
    let (e, e_leg) = h.arrive(DN_KUNDESERVICE);
    let (owner, consulted) = match h.view(e).offered_to {
        Some(DAVID) => (DAVID, EVA),
        Some(EVA) => (EVA, DAVID),
        other => panic!("E is offered to {other:?}"),
    };
    h.answer(owner);
    h.command(
        owner,
        Command::Consult {
            interaction: e,
            target: Target::Agent(consulted),
        },
    )
    .expect("consult");
    h.answer(consulted);
    h.command(owner, Command::ConsultTransfer { interaction: e })
        .expect("transfer");
    h.telephony(TelephonyEvent::HungUp { leg: e_leg });
    wrap_up(&mut h, owner, e, "resolved");
    wrap_up(&mut h, consulted, e, "resolved");
    // Late network events for legs that are already gone add nothing.
    for leg in [a.customer, a.agent_leg, b_leg, e_leg] {
        h.telephony(TelephonyEvent::HungUp { leg });
        assert!(h.last.is_empty(), "late hang-up of {leg}: {:?}", h.last);
    }

    let mut created = Vec::new();
    let mut ended: BTreeMap<InteractionId, Vec<(EndReason, Vec<AgentId>)>> = BTreeMap::new();
    for record in all_records(&h) {
        match record {
            Record::InteractionCreated { interaction, .. } => created.push(interaction),
            Record::InteractionEnded {
                interaction,
                reason,
                agents,
                ..
            } => ended.entry(interaction).or_default().push((reason, agents)),
            _ => {}
        }
    }
    assert_eq!(created, [a.id, b, c, d, e], "one creation record each");
    assert_eq!(
        ended.keys().copied().collect::<Vec<_>>(),
        created,
        "every created interaction ended once and only those"
    );
    let expected = [
        (a.id, EndReason::AgentEnded, vec![DAVID]),
        (b, EndReason::CustomerHungUp, vec![]),
        (c, EndReason::CallbackCancelled, vec![DAVID]),
        (d, EndReason::OutdialAbandoned, vec![]),
        (e, EndReason::CustomerHungUp, vec![owner, consulted]),
    ];
    for (id, reason, agents) in expected {
        assert_eq!(ended[&id], [(reason, agents)], "{id}");
    }
    for id in created {
        assert!(
            h.engine.interaction_view(id).is_none(),
            "{id} is over and wrapped up"
        );
    }
    let wrap_ups: Vec<(InteractionId, AgentId)> = all_records(&h)
        .into_iter()
        .filter_map(|r| match r {
            Record::WrapUp {
                interaction, agent, ..
            } => Some((interaction, agent)),
            _ => None,
        })
        .collect();
    assert_eq!(
        wrap_ups,
        [(a.id, DAVID), (c, DAVID), (e, owner), (e, consulted)]
    );
}

#[test]
fn r45_wrap_up_and_saved_variables_are_recorded() {
    let mut h = Harness::new();
    let call = connected_call(&mut h, DAVID, SUPPORT, DN_KUNDESERVICE);
    h.advance(2_000);
    save(
        &mut h,
        DAVID,
        call.id,
        &[
            ("case_number", "C-42"),
            ("follow_up_at", "2026-12-01T09:00:00Z"),
        ],
        0,
    )
    .expect("save");
    assert_eq!(
        h.records(),
        [Record::VariablesSaved {
            interaction: call.id,
            version: 1,
            values: values(&[
                ("case_number", "C-42"),
                ("follow_up_at", "2026-12-01T09:00:00Z"),
                ("language", "nb"),
            ]),
            agent: Some(DAVID),
        }]
    );
    h.advance(3_000);
    h.command(
        DAVID,
        Command::End {
            interaction: call.id,
        },
    )
    .expect("end");
    let ended = h.records().into_iter().find_map(|r| match r {
        Record::InteractionEnded {
            interaction,
            reason,
            agents,
            created_at_unix_ms,
            connected_at_unix_ms,
            at_unix_ms,
        } if interaction == call.id => Some((
            reason,
            agents,
            created_at_unix_ms,
            connected_at_unix_ms,
            at_unix_ms,
        )),
        _ => None,
    });
    assert_eq!(
        ended,
        Some((EndReason::AgentEnded, vec![DAVID], 0, Some(0), 5_000))
    );
    h.advance(4_000);
    h.command(
        DAVID,
        Command::SubmitWrapUp {
            interaction: call.id,
            reason: "follow_up".into(),
        },
    )
    .expect("wrap-up");
    assert_eq!(
        h.records(),
        [Record::WrapUp {
            interaction: call.id,
            agent: DAVID,
            reason: "follow_up".into(),
            automatic: false,
            at_unix_ms: 9_000,
        }]
    );
    assert!(h.events_for(DAVID).contains(&DesktopEvent::WrapUpDone {
        interaction: call.id
    }));
    let unknown = h
        .command(
            DAVID,
            Command::SubmitWrapUp {
                interaction: call.id,
                reason: "follow_up".into(),
            },
        )
        .expect_err("wrapped up once");
    assert_eq!(unknown.code, Code::Rule(Rule::R36));
    assert_eq!(
        ended_records(&h, call.id),
        [EndReason::AgentEnded],
        "still one final record"
    );
}
