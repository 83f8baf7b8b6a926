//! Call-control scenarios (R10, R14–R29): hold and resume, consult, conference, consult and
//! blind transfer, driven through the public engine API with the test [`Harness`].
//!
//! Each module covers one behaviour and names the rules it proves; each test's name starts
//! with the rule it proves. The harness checks the engine's invariants after every input
//! (R15 "never both on hold" among them), so every step below is also an invariant check.

mod allowed_actions;
mod blind_transfer;
mod blind_transfer_not_answered;
mod conference;
mod consult_dial_number;
mod consult_failure;
mod consult_hold_alternation;
mod consult_popover;
mod consult_requested_and_accepted;
mod consult_targets;
mod consult_variables;
mod consulted_agent_limits;
mod consulting_agent_leaves;
mod contact_panic;
mod customer_hangs_up_during_consult;
mod directory_refresh;
mod end_consult;
mod expert_presence;
mod hold_and_resume;
mod transfer_to_a_chat_queue;
mod transfer_to_entry_point;
mod transfer_to_entry_point_twice;

use sentral_engine::testing::*;
use sentral_engine::*;

/// A connected inbound call: the interaction, the customer's leg and the owner's phone leg.
#[derive(Clone, Copy, Debug)]
pub struct Call {
    /// The interaction.
    pub id: InteractionId,
    /// The customer's leg.
    pub customer: LegId,
    /// The owning agent's phone leg.
    pub agent_leg: LegId,
}

/// `agent` logs in to `team`, a customer calls `dnis`, the call is offered to `agent` and
/// answered.
pub fn connected_call(h: &mut Harness, agent: AgentId, team: TeamId, dnis: &str) -> Call {
    h.ready(agent, team);
    let (id, customer) = h.arrive(dnis);
    assert_eq!(h.view(id).offered_to, Some(agent), "the call is offered");
    let agent_leg = h.answer(agent);
    assert_eq!(h.view(id).phase, "connected");
    assert_eq!(h.view(id).owner, Some(agent));
    Call {
        id,
        customer,
        agent_leg,
    }
}

/// DAVID (Support) answers a call to Kundeservice.
pub fn david_call(h: &mut Harness) -> Call {
    connected_call(h, DAVID, SUPPORT, DN_KUNDESERVICE)
}

/// `from` starts a consult to `target`; panics if it is rejected.
pub fn start_consult(h: &mut Harness, call: &Call, from: AgentId, target: Target) {
    h.command(
        from,
        Command::Consult {
            interaction: call.id,
            target,
        },
    )
    .expect("the consult starts");
}

/// DAVID is on a call, EVA becomes Available, DAVID consults EVA and EVA answers. Returns the
/// call and EVA's consult leg.
pub fn david_consults_eva(h: &mut Harness) -> (Call, LegId) {
    let call = david_call(h);
    h.ready(EVA, SUPPORT);
    start_consult(h, &call, DAVID, Target::Agent(EVA));
    let consult_leg = h.answer(EVA);
    let consult = h.view(call.id).consult.expect("a consult is on");
    assert!(consult.accepted, "EVA accepted the consult");
    (call, consult_leg)
}

/// Same as [`david_consults_eva`], then DAVID starts a conference.
pub fn conference_with_eva(h: &mut Harness) -> (Call, LegId) {
    let (call, consult_leg) = david_consults_eva(h);
    h.command(
        DAVID,
        Command::Conference {
            interaction: call.id,
        },
    )
    .expect("conference starts");
    assert!(h.view(call.id).consult.expect("consult").conference);
    (call, consult_leg)
}

/// The rejection code of a command that must be refused; also checks nothing was output.
pub fn rejected(h: &mut Harness, agent: AgentId, command: Command) -> Code {
    let rejection = h
        .command(agent, command.clone())
        .expect_err(&format!("{command:?} by {agent} must be rejected"));
    assert!(
        h.last.is_empty(),
        "a rejected input changes nothing, but it output {:?}",
        h.last
    );
    rejection.code
}

/// Whether `agent` was told to wrap up `interaction` by the last input.
pub fn wrapup_required(h: &Harness, agent: AgentId, interaction: InteractionId) -> bool {
    h.events_for(agent).iter().any(
        |e| matches!(e, DesktopEvent::WrapUpRequired { interaction: i, .. } if *i == interaction),
    )
}

/// The reason `agent` was told the call ended for them by the last input, if it was.
pub fn call_ended_for(
    h: &Harness,
    agent: AgentId,
    interaction: InteractionId,
) -> Option<EndReason> {
    h.events_for(agent).iter().find_map(|e| match e {
        DesktopEvent::CallEnded {
            interaction: i,
            reason,
        } if *i == interaction => Some(*reason),
        _ => None,
    })
}

/// The final record written by the last input, if any.
pub fn ended_record(h: &Harness) -> Option<EndReason> {
    h.records().iter().find_map(|r| match r {
        Record::InteractionEnded { reason, .. } => Some(*reason),
        _ => None,
    })
}

/// The legs hung up by the last input.
pub fn hung_up(h: &Harness) -> Vec<LegId> {
    h.commands()
        .iter()
        .filter_map(|c| match c {
            TelephonyCommand::HangUp { leg } => Some(*leg),
            _ => None,
        })
        .collect()
}

/// The `HoldChanged` `agent` got from the last input: (customer held, consulted held).
pub fn hold_changed(h: &Harness, agent: AgentId) -> Option<(bool, Option<bool>)> {
    h.events_for(agent).iter().rev().find_map(|e| match e {
        DesktopEvent::HoldChanged {
            customer_held,
            consulted_held,
            ..
        } => Some((*customer_held, *consulted_held)),
        _ => None,
    })
}

/// The consult leg of a call now.
pub fn consult_leg_rang(h: &Harness, agent: AgentId) -> LegId {
    h.ringing_leg(agent).expect("the agent's phone rang")
}

/// `SubmitWrapUp` with the first configured reason.
pub fn submit_wrapup(h: &mut Harness, agent: AgentId, interaction: InteractionId) {
    h.command(
        agent,
        Command::SubmitWrapUp {
            interaction,
            reason: "resolved".into(),
        },
    )
    .expect("wrap-up accepted");
}
