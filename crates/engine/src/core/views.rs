//! Read-only views: popovers, directories for consult and transfer, snapshots for the API and
//! supervisors.

use crate::config::Channel;
use crate::core::agents::{AgentState, SlotRole};
use crate::core::contact::{Interaction, Phase};
use crate::core::engine::Engine;
use crate::dial::DialNumber;
use crate::ids::{AgentId, EntryPointId, ExpertId, InteractionId, QueueId};
use crate::io::{
    AgentName, AgentStateView, CallbackView, ConsultOfferView, IfUnanswered, InteractionKind,
    LinkView, OfferView, PopoverVariable, RecordingState,
};
use crate::reject::Rejection;
use crate::voice::control::hold_state;
use std::collections::{BTreeMap, HashSet};

/// Built-in variables that fill an offer popover up to the minimum of three (R9).
const BUILTIN_VARIABLES: [(&str, &str); 3] = crate::config::PopoverChoice::BUILTIN;

/// The most offers the stack shows at once (R8).
pub const OFFER_STACK_SHOWN: usize = 5;

/// An agent as the desktop and supervisors see them.
#[derive(Clone, Debug, PartialEq)]
pub struct AgentView {
    /// The agent.
    pub id: AgentId,
    /// Display name.
    pub name: String,
    /// Chosen state.
    pub state: AgentStateView,
    /// Idle reason code, if Idle with one.
    pub idle_reason: Option<String>,
    /// Team logged in to.
    pub team: Option<String>,
    /// Extension logged in with.
    pub extension: Option<String>,
    /// Whether the phone at that extension is registered.
    pub phone_registered: bool,
    /// The voice call the agent is on or offered, if any.
    pub call: Option<InteractionId>,
    /// Whether an offer popover is shown (logging out is refused, R5).
    pub popover_shown: bool,
    /// Calls waiting for the agent's wrap-up.
    pub wrapups: Vec<InteractionId>,
    /// What the team logged in to lets the agent do (R43); `None` when logged out.
    pub allowed_actions: Option<crate::config::AllowedActions>,
}

/// An interaction as its participants and supervisors see it.
#[derive(Clone, Debug, PartialEq)]
pub struct InteractionView {
    /// The interaction.
    pub id: InteractionId,
    /// Channel.
    pub channel: Channel,
    /// Kind.
    pub kind: InteractionKind,
    /// `queued`, `offered`, `dialing`, `retry_wait` (a callback waiting to go back to its
    /// queue, R40), `connected`, `transferring` or `ended`.
    pub phase: &'static str,
    /// The queue routing it.
    pub queue: Option<QueueId>,
    /// The entry point it came through.
    pub entry_point: Option<EntryPointId>,
    /// The customer's number.
    pub customer_number: Option<String>,
    /// The number the customer dialled.
    pub dnis: Option<String>,
    /// The agent who owns it.
    pub owner: Option<AgentId>,
    /// The agent it is offered to (ringing).
    pub offered_to: Option<AgentId>,
    /// The consulted agent, if any.
    pub consulted: Option<AgentId>,
    /// Whether a consult (to anyone) is in progress, and whether it was accepted.
    pub consult: Option<ConsultView>,
    /// Whether the customer is on hold (R14).
    pub customer_held: bool,
    /// Recording state (R31).
    pub recording: RecordingState,
    /// Non-secure CAD values (R33).
    pub variables: BTreeMap<String, String>,
    /// Their version, to send back with a save (R35).
    pub variables_version: u64,
    /// When a customer was connected (Unix ms).
    pub connected_at_unix_ms: Option<i64>,
    /// Its place in its queue, kept when an offer is not answered (R12).
    pub place: Option<crate::core::routing::Place>,
    /// The agent who last transferred it (R27).
    pub transferred_by: Option<AgentName>,
    /// While an agent's phone rings for it (an offer, a transfer or a consult request), when
    /// it stops (Unix ms), so that a reloaded popover counts down the time left (R7).
    pub offer_deadline_unix_ms: Option<i64>,
    /// While it is offered to an agent (an offer or a blind transfer), what happens if the
    /// agent does not answer (R12, R28), so that a reloaded popover says it too.
    pub if_unanswered: Option<IfUnanswered>,
}

/// A consult's state (R18, R19).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct ConsultView {
    /// The consulted party answered.
    pub accepted: bool,
    /// The consulted party is on hold.
    pub consulted_held: bool,
    /// A conference is on.
    pub conference: bool,
}

/// One agent in a consult or transfer list, with a state for its coloured icon (R16, R27).
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct DirectoryAgent {
    /// The agent.
    pub id: AgentId,
    /// Display name.
    pub name: String,
    /// Current state.
    pub state: AgentStateView,
}

/// An expert of the organisation directory with the presence of their work phone (R16).
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct DirectoryExpert {
    /// The expert.
    pub expert: crate::Expert,
    /// Their phone's presence when it is an extension on Sentral; `None` for an outside
    /// number, whose presence Sentral cannot know.
    pub presence: Option<ExpertPresence>,
}

/// The presence of an expert's phone on Sentral (R16).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum ExpertPresence {
    /// Registered and not on a call.
    Available,
    /// Registered and ringing or on a call.
    Busy,
    /// Not registered.
    Offline,
}

impl ExpertPresence {
    /// The stable lower-case name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ExpertPresence::Available => "available",
            ExpertPresence::Busy => "busy",
            ExpertPresence::Offline => "offline",
        }
    }
}

/// A queue or entry point in a consult or transfer list (R16, R20, R27).
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum DirectoryDestination {
    /// A queue.
    Queue {
        /// Its id.
        id: QueueId,
        /// Its name.
        name: String,
        /// Contacts waiting.
        n_waiting: usize,
    },
    /// An entry point with one of its dial numbers.
    EntryPoint {
        /// Its id.
        id: EntryPointId,
        /// Its name.
        name: String,
        /// The dial number.
        dial_number: String,
    },
}

/// Which offers the stack shows, top first, and its "1-5 of N" label (R8).
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct OfferStack {
    /// Offers shown, top to bottom.
    pub shown: Vec<InteractionId>,
    /// "1-5 of <total>" when more than five are stacked.
    pub label: Option<String>,
    /// How many offers "Accept <n> requests" accepts: the digital ones (R8).
    pub n_acceptable: usize,
}

/// Orders stacked offers as R8 says: by channel (e-mail, social, chat, calls), earliest first
/// within a channel; at most five shown.
pub fn offer_stack(offers: &[(InteractionId, Channel, i64)]) -> OfferStack {
    let mut sorted = offers.to_vec();
    sorted.sort_by_key(|&(id, channel, offered_at)| (channel, offered_at, id));
    let n_acceptable = sorted.iter().filter(|o| o.1 != Channel::Voice).count();
    let label = (sorted.len() > OFFER_STACK_SHOWN)
        .then(|| format!("1-{OFFER_STACK_SHOWN} of {}", sorted.len()));
    let shown = sorted
        .into_iter()
        .take(OFFER_STACK_SHOWN)
        .map(|o| o.0)
        .collect();
    OfferStack {
        shown,
        label,
        n_acceptable,
    }
}

/// Whether text is an ISO 8601 date or date-time (`2026-11-25`, `2026-11-25T14:30`,
/// `2026-11-25T14:30:00Z`, `2026-11-25T14:30:00.5+01:00`).
pub fn is_iso8601(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        b.get(range)
            .is_some_and(|s| s.iter().all(u8::is_ascii_digit))
    };
    let number = |range: std::ops::Range<usize>| text[range].parse::<u32>().unwrap_or(99);
    if b.len() < 10
        || !digits(0..4)
        || b[4] != b'-'
        || !digits(5..7)
        || b[7] != b'-'
        || !digits(8..10)
    {
        return false;
    }
    if !(1..=12).contains(&number(5..7)) || !(1..=31).contains(&number(8..10)) {
        return false;
    }
    if b.len() == 10 {
        return true;
    }
    if b[10] != b'T' || b.len() < 16 || !digits(11..13) || b[13] != b':' || !digits(14..16) {
        return false;
    }
    if number(11..13) > 23 || number(14..16) > 59 {
        return false;
    }
    let mut rest = &text[16..];
    if let Some(seconds) = rest.strip_prefix(':') {
        let b = seconds.as_bytes();
        if b.len() < 2
            || !b[..2].iter().all(u8::is_ascii_digit)
            || seconds[..2].parse::<u32>().unwrap_or(99) > 60
        {
            return false;
        }
        rest = &seconds[2..];
        if let Some(fraction) = rest.strip_prefix('.') {
            let n = fraction.bytes().take_while(u8::is_ascii_digit).count();
            if n == 0 {
                return false;
            }
            rest = &fraction[n..];
        }
    }
    match rest.as_bytes() {
        [] | [b'Z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit()),
        _ => false,
    }
}

impl Engine {
    /// An agent's state for the desktop and supervisors.
    pub fn agent_view(&self, agent_id: AgentId) -> Option<AgentView> {
        let agent = self.agents.get(&agent_id)?;
        let config = self.config.agent(agent_id)?;
        let (state, idle_reason) = state_view(&agent.state);
        Some(AgentView {
            id: agent_id,
            name: config.name.clone(),
            state,
            idle_reason,
            team: agent
                .session
                .as_ref()
                .and_then(|s| self.config.team(s.team))
                .map(|t| t.name.clone()),
            extension: agent.session.as_ref().map(|s| s.extension.clone()),
            phone_registered: agent
                .session
                .as_ref()
                .is_some_and(|s| self.registered.contains(&s.extension)),
            call: agent.voice.map(|slot| slot.interaction),
            popover_shown: agent.voice.is_some_and(|slot| {
                matches!(
                    slot.role,
                    SlotRole::Offered
                        | SlotRole::TransferTarget
                        | SlotRole::Consulted { accepted: false }
                )
            }),
            wrapups: agent.wrapups.clone(),
            allowed_actions: self.allowed_actions(agent_id),
        })
    }

    /// Every agent's state (supervisors, R44).
    pub fn agent_views(&self) -> Vec<AgentView> {
        let mut views: Vec<AgentView> = self
            .agents
            .keys()
            .filter_map(|&id| self.agent_view(id))
            .collect();
        views.sort_by_key(|v| v.id);
        views
    }

    /// A live interaction (or one ended whose wrap-up is pending).
    pub fn interaction_view(&self, interaction_id: InteractionId) -> Option<InteractionView> {
        let interaction = self.interactions.get(&interaction_id)?;
        let (customer_held, consulted_held) = hold_state(interaction);
        let offered_to = match interaction.phase {
            Phase::Offered { agent, .. } => Some(agent),
            Phase::Transferring { agent, .. } => agent,
            _ => None,
        };
        let phase = interaction.phase.name();
        Some(InteractionView {
            id: interaction_id,
            channel: interaction.channel,
            kind: interaction.kind,
            phase,
            queue: interaction.queue,
            entry_point: interaction.entry_point,
            customer_number: interaction.customer_number.clone(),
            dnis: interaction.dnis.clone(),
            owner: interaction.owner.map(|(agent, _)| agent),
            offered_to,
            consulted: interaction.consult().and_then(|c| c.agent),
            consult: interaction.consult().map(|c| ConsultView {
                accepted: c.accepted,
                consulted_held: consulted_held.unwrap_or(false),
                conference: c.conference,
            }),
            customer_held,
            recording: interaction.voice.recording,
            variables: self.visible_variables(interaction),
            variables_version: interaction.variables_version,
            connected_at_unix_ms: interaction.connected_at_unix_ms,
            place: interaction.place,
            transferred_by: self.transferred_by(interaction),
            offer_deadline_unix_ms: self.offer_deadline(interaction),
            if_unanswered: matches!(
                interaction.phase,
                Phase::Offered { .. } | Phase::Transferring { agent: Some(_), .. }
            )
            .then(|| self.if_unanswered(interaction)),
        })
    }

    /// Callbacks not delivered yet (R37, R40, R45): web and courtesy callbacks waiting in their
    /// queue, offered to an agent, being dialled, or waiting to retry; oldest first.
    pub fn pending_callbacks(&self) -> Vec<InteractionView> {
        let mut pending: Vec<InteractionView> = self
            .interactions
            .keys()
            .filter_map(|&id| self.interaction_view(id))
            .filter(|view| {
                matches!(
                    view.kind,
                    InteractionKind::WebCallback | InteractionKind::CourtesyCallback
                ) && matches!(view.phase, "queued" | "offered" | "dialing" | "retry_wait")
            })
            .collect();
        pending.sort_by_key(|view| view.id);
        pending
    }

    /// The interactions an agent is part of: the current call and calls awaiting wrap-up.
    pub fn tasks_of(&self, agent_id: AgentId) -> Vec<InteractionView> {
        let Some(agent) = self.agents.get(&agent_id) else {
            return Vec::new();
        };
        agent
            .voice
            .map(|slot| slot.interaction)
            .into_iter()
            .chain(agent.wrapups.iter().copied())
            .filter_map(|id| self.interaction_view(id))
            .collect()
    }

    /// Whether an agent may see an interaction: it is or was on it, or is offered it.
    pub fn is_participant(&self, agent_id: AgentId, interaction_id: InteractionId) -> bool {
        self.agents.get(&agent_id).is_some_and(|agent| {
            agent
                .voice
                .is_some_and(|slot| slot.interaction == interaction_id)
                || agent.wrapups.contains(&interaction_id)
        })
    }

    /// Secure CAD values, fetched separately by an agent on the call or wrapping it up (R33).
    pub fn secure_variables(
        &self,
        agent_id: AgentId,
        interaction_id: InteractionId,
    ) -> Result<BTreeMap<String, String>, Rejection> {
        let interaction = self
            .interactions
            .get(&interaction_id)
            .ok_or_else(|| Rejection::not_found(format!("no interaction {interaction_id}")))?;
        // On the call, or wrapping it up: a phone that only rings (offer, transfer, consult
        // request) shows a popover, which never shows secure values (R9, R10).
        let on_call = self.agents.get(&agent_id).is_some_and(|agent| {
            agent.wrapups.contains(&interaction_id)
                || agent.voice.is_some_and(|slot| {
                    slot.interaction == interaction_id
                        && matches!(
                            slot.role,
                            SlotRole::Owner | SlotRole::Consulted { accepted: true }
                        )
                })
        });
        if !on_call {
            return Err(Rejection::not_yours(format!(
                "{agent_id} is not on {interaction_id}"
            )));
        }
        let secure: HashSet<&str> = self
            .config
            .cad_variables
            .iter()
            .filter(|d| d.secure)
            .map(|d| d.name.as_str())
            .collect();
        Ok(interaction
            .variables
            .iter()
            .filter(|(name, _)| secure.contains(name.as_str()))
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect())
    }

    /// Contacts waiting in a queue.
    pub fn n_waiting(&self, queue: QueueId) -> usize {
        self.router.n_waiting(queue)
    }

    /// Customer-facing calls up now (R2).
    pub fn n_customer_calls(&self) -> u32 {
        self.n_customer_calls
    }

    /// Agents a consult may go to: Available or Idle (R16), or a transfer: Available only
    /// (R27); matching `search` in their name; with current states (R17).
    pub fn directory_agents(
        &self,
        for_agent: AgentId,
        transfer: bool,
        search: &str,
    ) -> Vec<DirectoryAgent> {
        let search = search.to_lowercase();
        let mut agents: Vec<DirectoryAgent> = self
            .config
            .agents
            .iter()
            .filter(|a| a.id != for_agent && a.name.to_lowercase().contains(&search))
            .filter_map(|a| {
                let agent = &self.agents[&a.id];
                // An agent on a call or in wrap-up is engaged (R3): neither Available nor
                // Idle, and a consult or transfer to them is refused (R16, R27, R28).
                let free = agent.voice.is_none() && agent.wrapups.is_empty();
                let listed = free
                    && match agent.state {
                        AgentState::Available => true,
                        AgentState::Idle(_) => !transfer,
                        AgentState::LoggedOut | AgentState::Rona => false,
                    };
                let (state, _) = state_view(&agent.state);
                listed.then(|| DirectoryAgent {
                    id: a.id,
                    name: a.name.clone(),
                    state,
                })
            })
            .collect();
        agents.sort_by(|a, b| a.name.cmp(&b.name));
        agents
    }

    /// Queues and entry points, matching `search` in a name or in an entry point's dial number
    /// typed without "(", "-" or spaces (R16, R20).
    pub fn directory_destinations(&self, search: &str) -> Vec<DirectoryDestination> {
        let text = search.to_lowercase();
        let digits: String = search.chars().filter(char::is_ascii_digit).collect();
        let mut found = Vec::new();
        // Only voice queues take a voice call (R16: those available for the interaction).
        for queue in &self.config.queues {
            if queue.channel == Channel::Voice && queue.name.to_lowercase().contains(&text) {
                let n_waiting = self.router.n_waiting(queue.id);
                found.push(DirectoryDestination::Queue {
                    id: queue.id,
                    name: queue.name.clone(),
                    n_waiting,
                });
            }
        }
        for entry_point in &self.config.entry_points {
            for number in &entry_point.dial_numbers {
                let by_name = entry_point.name.to_lowercase().contains(&text);
                let by_number = !digits.is_empty() && number.digits().contains(&digits);
                if by_name || by_number {
                    found.push(DirectoryDestination::EntryPoint {
                        id: entry_point.id,
                        name: entry_point.name.clone(),
                        dial_number: number.to_string(),
                    });
                }
            }
        }
        found
    }

    /// Address-book entries matching `search` in the name or number (R16, R27).
    pub fn directory_address_book(&self, search: &str) -> Vec<crate::AddressBookEntry> {
        let text = search.to_lowercase();
        let digits: String = search.chars().filter(char::is_ascii_digit).collect();
        self.config
            .address_book
            .iter()
            .filter(|e| {
                e.name.to_lowercase().contains(&text)
                    || (!digits.is_empty() && e.number.digits().contains(&digits))
            })
            .cloned()
            .collect()
    }

    /// Experts with a work phone whose first name, role or department contains `search`, or
    /// whose work phone is the number `search` in full, each with its presence (R16).
    pub fn directory_experts(&self, search: &str) -> Vec<DirectoryExpert> {
        let text = search.to_lowercase();
        let digits: String = search.chars().filter(char::is_ascii_digit).collect();
        self.config
            .experts
            .iter()
            .filter(|e| e.work_phone.is_some())
            .filter(|e| {
                e.first_name.to_lowercase().contains(&text)
                    || e.role.to_lowercase().contains(&text)
                    || e.department.to_lowercase().contains(&text)
                    || e.work_phone
                        .as_ref()
                        .is_some_and(|p| !digits.is_empty() && p.digits() == digits)
            })
            .map(|expert| DirectoryExpert {
                presence: expert
                    .work_phone
                    .as_ref()
                    .and_then(|phone| self.extension_presence(phone)),
                expert: expert.clone(),
            })
            .collect()
    }

    /// The presence of a phone that is an extension on Sentral (an agent's extension or
    /// station), from its registration and its calls: Offline when it is not registered, Busy
    /// while Sentral rings it or it is on a call (the agent logged in at it has a voice
    /// contact), Available otherwise. `None` for any other number (R16).
    pub fn extension_presence(&self, phone: &DialNumber) -> Option<ExpertPresence> {
        let digits = phone.digits();
        let is_digits = |extension: &str| {
            DialNumber::parse(extension).is_ok_and(|number| number.digits() == digits)
        };
        let extension = self
            .config
            .agents
            .iter()
            .flat_map(|agent| std::iter::once(&agent.extension).chain(&agent.stations))
            .find(|extension| is_digits(extension))?;
        if !self.registered.contains(extension.as_str()) {
            return Some(ExpertPresence::Offline);
        }
        let on_a_call = self
            .agent_by_extension
            .get(extension.as_str())
            .and_then(|agent| self.agents.get(agent))
            .is_some_and(|agent| agent.voice.is_some());
        Some(if on_a_call {
            ExpertPresence::Busy
        } else {
            ExpertPresence::Available
        })
    }

    /// The expert with this id.
    pub fn expert(&self, id: ExpertId) -> Option<&crate::Expert> {
        self.config.experts.iter().find(|e| e.id == id)
    }

    // ---- popovers -------------------------------------------------------------------------

    pub(crate) fn offer_view(
        &self,
        interaction_id: InteractionId,
        rona_timeout_ms: u64,
    ) -> OfferView {
        let interaction = &self.interactions[&interaction_id];
        let callback = match interaction.kind {
            InteractionKind::CourtesyCallback | InteractionKind::WebCallback => {
                Some(CallbackView {
                    label: if interaction.kind == InteractionKind::WebCallback {
                        "Web callback"
                    } else {
                        "Courtesy callback"
                    },
                    customer_number: interaction.customer_number.clone().unwrap_or_default(),
                    customer_name: interaction.customer_name.clone(),
                    dnis: interaction.dnis.clone(),
                    queue: self.queue_name(interaction),
                })
            }
            _ => None,
        };
        OfferView {
            interaction: interaction_id,
            channel: interaction.channel,
            kind: interaction.kind,
            variables: self.popover_variables(interaction),
            callback,
            offered_at_unix_ms: self.now.unix_ms,
            rona_timeout_ms,
            transferred_by: self.transferred_by(interaction),
            links: self.offer_links(interaction),
            if_unanswered: self.if_unanswered(interaction),
        }
    }

    /// What happens to `interaction` if the agent it is offered to does not answer: a blind
    /// transfer ends unless the organisation requeues those and it has a queue
    /// (`transfer_not_answered`, R28); any other offer goes back to its queue (R12).
    fn if_unanswered(&self, interaction: &Interaction) -> IfUnanswered {
        let requeued = matches!(
            self.config.org.transfer_no_answer,
            crate::TransferNoAnswer::Requeue
        ) && interaction.queue.is_some();
        match interaction.phase {
            Phase::Transferring { .. } if !requeued => IfUnanswered::Ends,
            _ => IfUnanswered::BackToQueue,
        }
    }

    /// The entry point's links with the contact's values (R7).
    fn offer_links(&self, interaction: &Interaction) -> Vec<LinkView> {
        let Some(entry_point) = interaction
            .entry_point
            .and_then(|id| self.config.entry_point(id))
        else {
            return Vec::new();
        };
        entry_point
            .flow
            .links
            .iter()
            .map(|link| LinkView {
                label: link.label.clone(),
                url: link.fill(|name| {
                    // R33: a secure value never goes into a link (the configuration refuses
                    // one; a definition made secure later is left out here too).
                    let secure = self
                        .config
                        .cad_variables
                        .iter()
                        .any(|d| d.name == name && d.secure);
                    if secure {
                        String::new()
                    } else {
                        self.variable_value(interaction, name)
                    }
                }),
            })
            .collect()
    }

    /// When the agent's phone ringing for this contact stops, while one rings (R7).
    fn offer_deadline(&self, interaction: &Interaction) -> Option<i64> {
        let ringing_leg = match interaction.phase {
            Phase::Offered { leg, .. }
            | Phase::Transferring {
                leg,
                agent: Some(_),
            } => Some(leg),
            _ => interaction
                .consult()
                .filter(|c| !c.accepted && c.agent.is_some())
                .map(|c| c.leg),
        }?;
        self.legs.get(&ringing_leg)?.ring_deadline_unix_ms
    }

    /// Who transferred the call, by name (R27).
    fn transferred_by(&self, interaction: &Interaction) -> Option<AgentName> {
        let agent = interaction.transferred_by?;
        let name = self
            .config
            .agent(agent)
            .map_or_else(|| agent.to_string(), |a| a.name.clone());
        Some(AgentName { agent, name })
    }

    /// R10: name, DN and team of the consulting agent plus at most six configured variables;
    /// for an entry-point consult, the consulting agent's DN plus at most six.
    pub(crate) fn consult_offer_view(
        &self,
        interaction_id: InteractionId,
        from: AgentId,
        via_entry_point: bool,
    ) -> ConsultOfferView {
        let interaction = &self.interactions[&interaction_id];
        let agent = &self.agents[&from];
        let session = agent.session.as_ref();
        let variable = |name: &str, label: &str, value: String| PopoverVariable {
            name: name.into(),
            label: label.into(),
            value,
            flow_label: false,
        };
        let dn = variable(
            "agent_dn",
            "Agent DN",
            session.map(|s| s.extension.clone()).unwrap_or_default(),
        );
        let mut variables = if via_entry_point {
            vec![dn]
        } else {
            let name = self
                .config
                .agent(from)
                .map(|a| a.name.clone())
                .unwrap_or_default();
            let team = session
                .and_then(|s| self.config.team(s.team))
                .map(|t| t.name.clone())
                .unwrap_or_default();
            vec![
                variable("agent_name", "Agent", name),
                dn,
                variable("agent_team", "Team", team),
            ]
        };
        variables.extend(self.configured_popover_variables(interaction));
        ConsultOfferView {
            interaction: interaction_id,
            variables,
        }
    }

    /// R9: the configured popover variables in order (never secure, at most six), filled up to
    /// three with built-ins.
    fn popover_variables(&self, interaction: &Interaction) -> Vec<PopoverVariable> {
        let mut variables = self.configured_popover_variables(interaction);
        for (name, label) in BUILTIN_VARIABLES {
            if variables.len() >= crate::Config::POPOVER_VARIABLES_MIN {
                break;
            }
            if !variables.iter().any(|v| v.name == name) {
                let value = self.variable_value(interaction, name);
                variables.push(PopoverVariable {
                    name: name.into(),
                    label: label.into(),
                    value,
                    flow_label: false,
                });
            }
        }
        variables
    }

    /// R9: the variables the contact's entry point's flow chose, with their labels, else the
    /// organisation's choice (`popover_order`); never secure, at most six.
    fn configured_popover_variables(&self, interaction: &Interaction) -> Vec<PopoverVariable> {
        let flow_choice = interaction
            .entry_point
            .and_then(|id| self.config.entry_point(id))
            .map(|entry_point| &entry_point.flow.popover)
            .filter(|popover| !popover.is_empty());
        match flow_choice {
            Some(popover) => self.flow_popover_variables(interaction, popover),
            None => self.organisation_popover_variables(interaction),
        }
    }

    /// R9: a flow's own popover variables, in its order, with its labels.
    fn flow_popover_variables(
        &self,
        interaction: &Interaction,
        popover: &[crate::config::PopoverChoice],
    ) -> Vec<PopoverVariable> {
        popover
            .iter()
            .filter_map(|choice| {
                let definition = self
                    .config
                    .cad_variables
                    .iter()
                    .find(|d| d.name == choice.name);
                // The configuration refuses a secure one; this keeps it out whatever happens.
                let own_label = match definition {
                    Some(definition) if definition.secure => return None,
                    Some(definition) => definition.label.as_str(),
                    None => BUILTIN_VARIABLES
                        .iter()
                        .find(|(name, _)| *name == choice.name)
                        .map(|(_, label)| *label)?,
                };
                Some(PopoverVariable {
                    name: choice.name.clone(),
                    label: choice.label.as_deref().unwrap_or(own_label).to_owned(),
                    value: self.variable_value(interaction, &choice.name),
                    flow_label: choice.label.is_some(),
                })
            })
            .take(crate::Config::POPOVER_VARIABLES_MAX)
            .collect()
    }

    /// R9: the organisation's popover variables, by `popover_order`.
    fn organisation_popover_variables(&self, interaction: &Interaction) -> Vec<PopoverVariable> {
        let mut definitions: Vec<_> = self
            .config
            .cad_variables
            .iter()
            .filter(|d| !d.secure && d.popover_order.is_some())
            .collect();
        definitions.sort_by_key(|d| d.popover_order);
        definitions
            .into_iter()
            .take(crate::Config::POPOVER_VARIABLES_MAX)
            .map(|d| PopoverVariable {
                name: d.name.clone(),
                label: d.label.clone(),
                value: self.variable_value(interaction, &d.name),
                flow_label: false,
            })
            .collect()
    }

    fn variable_value(&self, interaction: &Interaction, name: &str) -> String {
        if let Some(value) = interaction.variables.get(name) {
            return value.clone();
        }
        match name {
            "ani" => interaction.customer_number.clone().unwrap_or_default(),
            "dnis" => interaction.dnis.clone().unwrap_or_default(),
            "queue" => self.queue_name(interaction),
            _ => String::new(),
        }
    }

    fn queue_name(&self, interaction: &Interaction) -> String {
        interaction
            .queue
            .and_then(|q| self.config.queue(q))
            .map(|q| q.name.clone())
            .unwrap_or_default()
    }

    /// Non-secure CAD values (R33: secure ones are fetched separately). A value whose
    /// definition an administrator removed is not shown either: it may have been secure.
    pub(crate) fn visible_variables(&self, interaction: &Interaction) -> BTreeMap<String, String> {
        let visible: HashSet<&str> = self
            .config
            .cad_variables
            .iter()
            .filter(|d| !d.secure)
            .map(|d| d.name.as_str())
            .collect();
        interaction
            .variables
            .iter()
            .filter(|(name, _)| visible.contains(name.as_str()))
            .map(|(n, v)| (n.clone(), v.clone()))
            .collect()
    }
}

fn state_view(state: &AgentState) -> (AgentStateView, Option<String>) {
    match state {
        AgentState::LoggedOut => (AgentStateView::LoggedOut, None),
        AgentState::Available => (AgentStateView::Available, None),
        AgentState::Idle(reason) => (AgentStateView::Idle, reason.clone()),
        AgentState::Rona => (AgentStateView::Rona, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r34_iso8601_date_times() {
        for ok in [
            "2026-11-25",
            "2026-11-25T14:30",
            "2026-11-25T14:30:00Z",
            "2026-11-25T14:30:00.25+01:00",
        ] {
            assert!(is_iso8601(ok), "{ok}");
        }
        for bad in [
            "",
            "25.11.2026",
            "2026-13-01",
            "2026-11-25 14:30",
            "2026-11-25T25:00",
            "2026-11-25T14:30:00+1",
        ] {
            assert!(!is_iso8601(bad), "{bad}");
        }
    }

    #[test]
    fn r8_offer_stack_orders_by_channel_then_time_and_shows_five_of_n() {
        let offers = [
            (InteractionId(1), Channel::Voice, 10),
            (InteractionId(2), Channel::Chat, 30),
            (InteractionId(3), Channel::Email, 50),
            (InteractionId(4), Channel::Chat, 20),
            (InteractionId(5), Channel::Social, 40),
            (InteractionId(6), Channel::Email, 60),
            (InteractionId(7), Channel::Chat, 5),
        ];
        let stack = offer_stack(&offers);
        let shown: Vec<u64> = stack.shown.iter().map(|i| i.0).collect();
        assert_eq!(shown, [3, 6, 5, 7, 4]);
        assert_eq!(stack.label.as_deref(), Some("1-5 of 7"));
        assert_eq!(stack.n_acceptable, 6);
        assert_eq!(offer_stack(&offers[..5]).label, None);
    }
}
