//! Whom an agent can consult, and when (R16).
//!
//! Goal: a consult is possible only during an active call; targets are an agent who is
//! Available or Idle (others are refused), a queue or entry point (an agent of it rings), a
//! dial number or address-book entry (dialled), and a subject-matter expert with a work phone;
//! the agent directory lists Available and Idle agents with their states.
//! Method: DAVID answers a Kundeservice call and consults each kind of target; the tests check
//! the `RingAgent` / `Dial` command, or the rejection and that nothing changed.
//! Proves: R16.

use crate::*;
use sentral_engine::testing::*;
use sentral_engine::*;

fn consult(call: &Call, target: Target) -> Command {
    Command::Consult {
        interaction: call.id,
        target,
    }
}

fn rang(h: &Harness, agent: AgentId) -> bool {
    h.commands()
        .iter()
        .any(|c| matches!(c, TelephonyCommand::RingAgent { agent: a, .. } if *a == agent))
}

fn dialled(h: &Harness) -> Option<String> {
    h.commands().iter().find_map(|c| match c {
        TelephonyCommand::Dial { number, .. } => Some(number.to_string()),
        _ => None,
    })
}

#[test]
fn r16_consult_to_an_available_agent_rings_their_phone() {
    let mut h = Harness::new();
    let call = david_call(&mut h);
    h.ready(EVA, SUPPORT);
    h.command(DAVID, consult(&call, Target::Agent(EVA)))
        .expect("consult");
    assert!(h.commands().iter().any(|c| matches!(
        c,
        TelephonyCommand::RingAgent { agent: EVA, extension, interaction, .. }
            if extension == "1005" && *interaction == call.id
    )));
    assert_eq!(h.view(call.id).consulted, Some(EVA));
}

#[test]
fn r16_consult_to_an_idle_agent_is_allowed() {
    let mut h = Harness::new();
    let call = david_call(&mut h);
    h.ready(EVA, SUPPORT);
    h.command(
        EVA,
        Command::SetState(StateRequest::Idle {
            reason: "meeting".into(),
        }),
    )
    .expect("idle");
    h.command(DAVID, consult(&call, Target::Agent(EVA)))
        .expect("an Idle agent can be consulted");
    assert!(rang(&h, EVA));
}

#[test]
fn r16_consult_to_an_agent_who_is_not_available_or_idle_is_rejected() {
    let mut h = Harness::new();
    let call = david_call(&mut h);
    // FREDRIK never logged in.
    let code = rejected(&mut h, DAVID, consult(&call, Target::Agent(FREDRIK)));
    assert_eq!(code, Code::Rule(Rule::R16), "logged out");
    // EVA misses a call and is in RONA.
    h.ready(EVA, SUPPORT);
    let (missed, _) = h.arrive(DN_KUNDESERVICE);
    assert_eq!(h.view(missed).offered_to, Some(EVA));
    h.advance(15_000);
    assert_eq!(h.agent(EVA).state, AgentStateView::Rona);
    let code = rejected(&mut h, DAVID, consult(&call, Target::Agent(EVA)));
    assert_eq!(code, Code::Rule(Rule::R16), "RONA");
    // BJORN is busy on another call.
    let other = connected_call(&mut h, BJORN, SALES, DN_SALG);
    assert_ne!(other.id, call.id);
    let code = rejected(&mut h, DAVID, consult(&call, Target::Agent(BJORN)));
    assert_eq!(code, Code::Rule(Rule::R16), "busy");
    assert_eq!(h.view(call.id).consult, None);
}

#[test]
fn r16_consult_to_a_queue_rings_an_available_agent_of_that_queue() {
    let mut h = Harness::new();
    let call = david_call(&mut h);
    h.ready(BJORN, SALES);
    h.command(DAVID, consult(&call, Target::Queue(Q_SALES)))
        .expect("consult the Sales queue");
    assert!(rang(&h, BJORN));
    assert_eq!(h.view(call.id).consulted, Some(BJORN));
    assert!(
        h.events_for(BJORN)
            .iter()
            .any(|e| matches!(e, DesktopEvent::ConsultOffer(_)))
    );
}

#[test]
fn r16_consult_to_an_entry_point_rings_an_agent_of_its_flow_queue() {
    let mut h = Harness::new();
    let call = david_call(&mut h);
    h.ready(CECILIE, SALES);
    h.command(DAVID, consult(&call, Target::EntryPoint(EP_SALG)))
        .expect("consult the Salg entry point");
    assert!(rang(&h, CECILIE));
    assert_eq!(h.view(call.id).consulted, Some(CECILIE));
}

#[test]
fn r16_consult_to_a_dial_number_dials_it() {
    let mut h = Harness::new();
    let call = david_call(&mut h);
    h.command(
        DAVID,
        consult(&call, Target::DialNumber("+47 99 88 77 66".into())),
    )
    .expect("consult a number");
    assert_eq!(dialled(&h).as_deref(), Some("+4799887766"));
    let consult = h.view(call.id).consult.expect("consult on");
    assert!(!consult.accepted);
    assert_eq!(h.view(call.id).consulted, None, "no agent is consulted");
}

#[test]
fn r16_consult_to_an_address_book_entry_picked_by_name_dials_its_number() {
    let mut h = Harness::new();
    let call = david_call(&mut h);
    let found = h.engine.directory_address_book("legal");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].name, "Legal desk");
    let number = found[0].number.to_string();
    h.command(DAVID, consult(&call, Target::DialNumber(number)))
        .expect("consult the address-book entry");
    assert_eq!(dialled(&h).as_deref(), Some("+4722000000"));
}

#[test]
fn r16_consult_to_an_expert_dials_the_work_phone_and_only_experts_with_one_are_listed() {
    let mut h = Harness::new();
    let call = david_call(&mut h);
    let listed: Vec<String> = h
        .engine
        .directory_experts("")
        .into_iter()
        .map(|e| e.expert.first_name)
        .collect();
    assert_eq!(listed, ["Kari"], "Ola has no work phone");
    assert_eq!(h.engine.directory_experts("lawyer").len(), 1, "by role");
    assert_eq!(
        h.engine.directory_experts("legal").len(),
        1,
        "by department"
    );
    assert_eq!(
        h.engine.directory_experts("+4722000001").len(),
        1,
        "by number"
    );
    assert!(h.engine.directory_experts("network").is_empty());

    let code = rejected(&mut h, DAVID, consult(&call, Target::Expert(ExpertId(2))));
    assert_eq!(
        code,
        Code::Rule(Rule::R16),
        "an expert without a work phone"
    );
    h.command(DAVID, consult(&call, Target::Expert(ExpertId(1))))
        .expect("consult Kari");
    assert_eq!(dialled(&h).as_deref(), Some("+4722000001"));
}

#[test]
fn r16_consult_is_possible_only_during_an_active_call() {
    let mut h = Harness::new();
    h.ready(EVA, SUPPORT);
    h.ready(DAVID, SUPPORT);
    let (id, _) = h.arrive(DN_KUNDESERVICE);
    // EVA became Available first, so the call rings EVA; DAVID has no call.
    assert_eq!(h.view(id).offered_to, Some(EVA));
    h.command(
        DAVID,
        Command::SetState(StateRequest::Idle {
            reason: "meeting".into(),
        }),
    )
    .expect("idle");
    let ringing = Command::Consult {
        interaction: id,
        target: Target::Agent(DAVID),
    };
    assert_eq!(
        rejected(&mut h, EVA, ringing),
        Code::Rule(Rule::R16),
        "not before the call is answered"
    );
    let not_on_it = Command::Consult {
        interaction: id,
        target: Target::Agent(FREDRIK),
    };
    assert_eq!(
        rejected(&mut h, DAVID, not_on_it),
        Code::NotYours,
        "not on someone else's call"
    );
    h.answer(EVA);
    h.command(
        EVA,
        Command::Consult {
            interaction: id,
            target: Target::Agent(DAVID),
        },
    )
    .expect("once answered");
    let code = rejected(
        &mut h,
        EVA,
        Command::Consult {
            interaction: id,
            target: Target::DialNumber("+4799887766".into()),
        },
    );
    assert_eq!(code, Code::Rule(Rule::R16), "one consult at a time");
}

#[test]
fn r16_the_agent_directory_lists_available_and_idle_agents_with_their_states() {
    let mut h = Harness::new();
    let _call = david_call(&mut h);
    h.ready(EVA, SUPPORT);
    h.ready(BJORN, SALES);
    h.command(
        BJORN,
        Command::SetState(StateRequest::Idle {
            reason: "lunch".into(),
        }),
    )
    .expect("idle");
    // CECILIE is in RONA, FREDRIK and ANNA are logged out.
    h.ready(CECILIE, SALES);
    let (_, _) = h.arrive(DN_SALG);
    h.advance(15_000);
    assert_eq!(h.agent(CECILIE).state, AgentStateView::Rona);

    let listed: Vec<(String, AgentStateView)> = h
        .engine
        .directory_agents(DAVID, false, "")
        .into_iter()
        .map(|a| (a.name, a.state))
        .collect();
    assert_eq!(
        listed,
        [
            ("bjorn".to_string(), AgentStateView::Idle),
            ("eva".to_string(), AgentStateView::Available),
        ]
    );
    let searched = h.engine.directory_agents(DAVID, false, "EV");
    assert_eq!(searched.len(), 1);
    assert_eq!(searched[0].id, EVA);
}
