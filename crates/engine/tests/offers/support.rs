//! Helpers shared by the offer scenarios: picking events, commands and records out of the
//! harness's outputs, and small configuration builders. No assertions about rules live here.

use sentral_engine::testing::Harness;
use sentral_engine::*;

/// The contact-request popovers `agent` got from the last input.
pub fn offers(h: &Harness, agent: AgentId) -> Vec<OfferView> {
    h.events_for(agent)
        .into_iter()
        .filter_map(|event| match event {
            DesktopEvent::Offer(offer) => Some(*offer),
            _ => None,
        })
        .collect()
}

/// The one contact-request popover `agent` got from the last input.
pub fn the_offer(h: &Harness, agent: AgentId) -> OfferView {
    let mut offers = offers(h, agent);
    assert_eq!(offers.len(), 1, "exactly one offer popover for {agent}");
    offers.remove(0)
}

/// Desktop events every supervisor got from the last input.
pub fn supervisor_events(h: &Harness) -> Vec<DesktopEvent> {
    h.last
        .iter()
        .filter_map(|o| match o {
            Output::Desktop {
                to: Recipient::Supervisors,
                event,
            } => Some(event.clone()),
            _ => None,
        })
        .collect()
}

/// The `RingAgent` commands of the last input, as (agent, interaction, leg).
pub fn rings(h: &Harness) -> Vec<(AgentId, InteractionId, LegId)> {
    h.commands()
        .into_iter()
        .filter_map(|c| match c {
            TelephonyCommand::RingAgent {
                agent,
                interaction,
                leg,
                ..
            } => Some((agent, interaction, leg)),
            _ => None,
        })
        .collect()
}

/// Whether the last input rang `agent`'s phone for `interaction`.
pub fn rang(h: &Harness, agent: AgentId, interaction: InteractionId) -> bool {
    rings(h)
        .iter()
        .any(|&(a, i, _)| a == agent && i == interaction)
}

/// Every `InteractionEnded` record of `interaction` so far.
pub fn final_records(h: &Harness, interaction: InteractionId) -> Vec<Record> {
    h.all
        .iter()
        .filter_map(|o| match o {
            Output::Record(record @ Record::InteractionEnded { interaction: i, .. })
                if *i == interaction =>
            {
                Some(record.clone())
            }
            _ => None,
        })
        .collect()
}

/// The reason of the one final record of `interaction`.
pub fn ended_reason(h: &Harness, interaction: InteractionId) -> EndReason {
    let records = final_records(h, interaction);
    assert_eq!(records.len(), 1, "one final record for {interaction}");
    match &records[0] {
        Record::InteractionEnded { reason, .. } => *reason,
        _ => unreachable!("filtered"),
    }
}

/// A customer calls `dnis` on a leg the test chooses (the harness's own `arrive` panics on a
/// rejection).
pub fn call_in(
    h: &mut Harness,
    leg: LegId,
    dnis: &str,
) -> Result<Option<InteractionId>, Rejection> {
    h.input(Input::Telephony(TelephonyEvent::CallArrived {
        leg,
        dnis: dnis.into(),
        ani: format!("+4798{:06}", leg.0),
    }))
}

/// An agent's state as the desktop shows it.
pub fn state(h: &Harness, agent: AgentId) -> AgentStateView {
    h.agent(agent).state
}

/// Registers the agent's phone and logs them in; they are Idle afterwards.
pub fn log_in(h: &mut Harness, agent: AgentId, team: TeamId) {
    let extension = extension(agent);
    h.telephony(TelephonyEvent::DeviceRegistered {
        extension: extension.clone(),
    });
    h.command(agent, Command::LogIn { team, extension })
        .expect("log in");
}

/// The extension the harness gives an agent's phone.
pub fn extension(agent: AgentId) -> String {
    format!("{}", 1000 + agent.0)
}

/// Goes Idle with a valid idle reason.
pub fn go_idle(h: &mut Harness, agent: AgentId) {
    h.command(
        agent,
        Command::SetState(StateRequest::Idle {
            reason: "lunch".into(),
        }),
    )
    .expect("idle");
}

/// A non-secure CAD variable definition shown in the popover at `order` (if any).
pub fn cad(name: &str, label: &str, popover_order: Option<u8>) -> CadDefinition {
    CadDefinition {
        name: name.into(),
        label: label.into(),
        label_by_language: Default::default(),
        kind: CadKind::Text,
        editable: true,
        secure: false,
        popover_order,
    }
}

/// Adds an entry point with one dial number whose flow queues calls in `queue` at `priority`.
pub fn add_entry_point(
    config: &mut Config,
    id: u64,
    name: &str,
    dial_number: &str,
    queue: QueueId,
    priority: u8,
) {
    config.entry_points.push(EntryPointConfig {
        id: EntryPointId(id),
        name: name.into(),
        dial_numbers: vec![DialNumber::parse(dial_number).expect("valid number")],
        flow: Flow {
            variables: Vec::new(),
            queue,
            priority,
            courtesy_callback_after_ms: None,
            courtesy_callback_expected_wait_ms: None,
            links: Vec::new(),
            popover: Vec::new(),
        },
    });
}

/// The queue with this id, to change it.
pub fn queue_mut(config: &mut Config, id: QueueId) -> &mut QueueConfig {
    config
        .queues
        .iter_mut()
        .find(|q| q.id == id)
        .expect("queue exists")
}

/// The agent with this id, to change it.
pub fn agent_mut(config: &mut Config, id: AgentId) -> &mut AgentConfig {
    config
        .agents
        .iter_mut()
        .find(|a| a.id == id)
        .expect("agent exists")
}

/// The Salg entry point's flow in `config`.
pub fn salg_flow(config: &mut Config) -> &mut Flow {
    &mut config
        .entry_points
        .iter_mut()
        .find(|e| e.id == sentral_engine::testing::EP_SALG)
        .expect("Salg")
        .flow
}
