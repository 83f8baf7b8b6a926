//! The engine: state, the input dispatcher, agents and routing glue.
//!
//! Voice-call handling (offers, hold, consult, transfer, conference, recording, CAD, wrap-up,
//! callbacks) lives in `calls.rs` as further `impl Engine` blocks; read-only views in
//! `views.rs`.

use crate::config::{Channel, Config};
use crate::dial::DialNumber;
use crate::ids::{
    AgentId, ENGINE_LEG_BIT, EntryPointId, InteractionId, LegId, Now, QueueId, TeamId, TimerId,
};
use crate::io::{
    AgentStateView, Command, DesktopEvent, Input, InteractionKind, Output, Party, Recipient,
    Record, RecordingState, StateRequest, TelephonyCommand, TelephonyEvent,
};
use crate::reject::{Rejection, Rule};
use crate::routing::{Place, Router};
use crate::timers::{Timer, TimerTable};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::panic::{self, AssertUnwindSafe};

/// One organisation's contact center, as a state machine.
///
/// Feed it [`Input`]s with [`Engine::handle_input`], then drain [`Engine::poll_output`] until it
/// returns `None` before the next input (the single-mutation rule). Arm one sleep for
/// [`Engine::poll_timeout`] and feed [`Input::TimerFired`] when it expires.
#[derive(Debug)]
pub struct Engine {
    /// The configuration in force.
    pub(crate) config: Config,
    /// Entry points by the digits of their dial numbers (arrivals, R20).
    pub(crate) ep_by_digits: HashMap<String, EntryPointId>,
    /// Every configured agent's live state.
    pub(crate) agents: HashMap<AgentId, Agent>,
    /// Logged-in agents by the extension they logged in with.
    pub(crate) agent_by_extension: HashMap<String, AgentId>,
    /// Extensions whose phone is registered.
    pub(crate) registered: HashSet<String>,
    /// Live interactions, and ended ones whose wrap-up is still pending.
    pub(crate) interactions: HashMap<InteractionId, Interaction>,
    /// Live call legs.
    pub(crate) legs: HashMap<LegId, Leg>,
    /// Waiting contacts and available agents.
    pub(crate) router: Router,
    /// Armed timers.
    pub(crate) timers: TimerTable,
    /// What the driver must do next.
    pub(crate) outputs: VecDeque<Output>,
    /// The time of the input being handled.
    pub(crate) now: Now,
    /// Source of interaction ids.
    next_interaction: u64,
    /// Source of engine-made leg ids.
    next_leg: u64,
    /// Customer-facing legs up now (R2).
    pub(crate) n_customer_calls: u32,
    /// Contacts and agents to route once the current input is applied.
    to_route: Vec<RouteTrigger>,
    /// Test hook: the contact whose next step panics (`Engine::inject_contact_panic`).
    pub(crate) panic_in: Option<InteractionId>,
}

/// An agent's live state.
#[derive(Clone, Debug)]
pub(crate) struct Agent {
    /// Station log-in, if logged in.
    pub(crate) session: Option<Session>,
    /// The state the agent chose (or RONA).
    pub(crate) state: AgentState,
    /// The one voice call the agent is on or being offered (voice capacity is 1).
    pub(crate) voice: Option<VoiceSlot>,
    /// Calls the agent still has to wrap up (R36).
    pub(crate) wrapups: Vec<InteractionId>,
    /// When the agent last became offerable; longest available is offered first.
    pub(crate) offerable_since_mono_ms: u64,
}

/// Station log-in.
#[derive(Clone, Debug)]
pub(crate) struct Session {
    pub(crate) team: TeamId,
    pub(crate) extension: String,
}

/// An agent's chosen state.
#[derive(Clone, Debug, Eq, PartialEq)]
pub(crate) enum AgentState {
    LoggedOut,
    Available,
    Idle(Option<String>),
    Rona,
}

/// An agent's part in a voice call.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(crate) struct VoiceSlot {
    pub(crate) interaction: InteractionId,
    pub(crate) role: SlotRole,
}

#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(crate) enum SlotRole {
    /// The phone rings with an offer (inbound, callback, outdial): popover shown (R5).
    Offered,
    /// The agent owns the call (agent 1).
    Owner,
    /// The agent is consulted (agent 2); `accepted` once the phone was answered.
    Consulted { accepted: bool },
    /// The phone rings with a blind transfer.
    TransferTarget,
}

/// A call leg.
#[derive(Clone, Debug)]
pub(crate) struct Leg {
    pub(crate) interaction: InteractionId,
    pub(crate) role: LegRole,
    pub(crate) answered: bool,
    /// The no-answer timer of a placed leg.
    pub(crate) timer: Option<TimerId>,
    /// Whether it counts towards the organisation's call limit (R2).
    pub(crate) counts: bool,
}

#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(crate) enum LegRole {
    Customer,
    Agent(AgentId),
    External,
}

/// A live interaction.
#[derive(Clone, Debug)]
pub(crate) struct Interaction {
    pub(crate) channel: Channel,
    pub(crate) kind: InteractionKind,
    pub(crate) entry_point: Option<EntryPointId>,
    /// The queue that routes (or routed) it.
    pub(crate) queue: Option<QueueId>,
    pub(crate) customer_number: Option<String>,
    pub(crate) customer_name: Option<String>,
    pub(crate) dnis: Option<String>,
    pub(crate) customer_leg: Option<LegId>,
    pub(crate) phase: Phase,
    /// Its place in `queue`, kept when an offer is not answered (R12).
    pub(crate) place: Option<Place>,
    /// The agents it must never be routed to: each who transferred it to an entry point (R29).
    pub(crate) excluded: Vec<AgentId>,
    /// Agent 1: the agent who owns the call.
    pub(crate) owner: Option<(AgentId, LegId)>,
    /// The outside party the call was handed to (transfer to a number).
    pub(crate) external_leg: Option<LegId>,
    pub(crate) variables: BTreeMap<String, String>,
    pub(crate) variables_version: u64,
    pub(crate) recording: RecordingState,
    pub(crate) shield_timer: Option<TimerId>,
    pub(crate) wait_timer: Option<TimerId>,
    pub(crate) courtesy_timer: Option<TimerId>,
    /// The caller heard "press 1" (R37).
    pub(crate) courtesy_offered: bool,
    /// The "press 1" time came while the call rang an agent: offer it if it comes back (R37).
    pub(crate) courtesy_due: bool,
    /// How many times the callback's customer was dialled and did not answer (R40).
    pub(crate) callback_attempts: u32,
    /// Every agent who owned or was consulted, in order.
    pub(crate) agents: Vec<AgentId>,
    pub(crate) created_at_unix_ms: i64,
    pub(crate) connected_at_unix_ms: Option<i64>,
    pub(crate) pending_wrapups: u32,
}

/// Where an interaction is.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(crate) enum Phase {
    /// Waiting in `queue` at `place`.
    Queued,
    /// The agent's phone rings (inbound, callback, outdial).
    Offered { agent: AgentId, leg: LegId },
    /// Callback or outdial: the owner answered, the customer's number is being dialled.
    Dialing { leg: LegId },
    /// A callback whose customer did not answer waits out its queue's spacing, out of the
    /// router, keeping its `place`; `timer` takes it back to `queue` (R40).
    RetryWait { timer: TimerId },
    /// The customer talks with the owner or an external party.
    Connected {
        /// The customer is on hold by the owner's Hold (no consult).
        customer_held: bool,
        /// A consult in progress (R16–R26); only a connected call has one.
        consult: Option<Consult>,
    },
    /// Blind transfer: the target rings, the customer hears music.
    Transferring { leg: LegId, agent: Option<AgentId> },
    /// Over; kept only until its wrap-ups are submitted.
    Ended,
}

impl Phase {
    /// The phase's stable lower-case name, as views and records show it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Phase::Queued => "queued",
            Phase::Offered { .. } => "offered",
            Phase::Dialing { .. } => "dialing",
            Phase::RetryWait { .. } => "retry_wait",
            Phase::Connected { .. } => "connected",
            Phase::Transferring { .. } => "transferring",
            Phase::Ended => "ended",
        }
    }
}

impl Interaction {
    /// Whether the customer talks with the owner or an external party.
    pub(crate) fn is_connected(&self) -> bool {
        matches!(self.phase, Phase::Connected { .. })
    }

    /// The consult in progress, if any.
    pub(crate) fn consult(&self) -> Option<Consult> {
        match self.phase {
            Phase::Connected { consult, .. } => consult,
            _ => None,
        }
    }

    /// The consult in progress, to change it.
    pub(crate) fn consult_mut(&mut self) -> Option<&mut Consult> {
        match &mut self.phase {
            Phase::Connected { consult, .. } => consult.as_mut(),
            _ => None,
        }
    }

    /// Ends the consult in progress, if any, and returns it.
    pub(crate) fn take_consult(&mut self) -> Option<Consult> {
        match &mut self.phase {
            Phase::Connected { consult, .. } => consult.take(),
            _ => None,
        }
    }

    /// Starts a consult on a connected call.
    pub(crate) fn start_consult(&mut self, started: Consult) {
        match &mut self.phase {
            Phase::Connected { consult, .. } => *consult = Some(started),
            phase => panic!("a consult starts only on a connected call, not {phase:?}"),
        }
    }

    /// Whether the customer is on hold by the owner's Hold (no consult).
    pub(crate) fn customer_held(&self) -> bool {
        matches!(
            self.phase,
            Phase::Connected {
                customer_held: true,
                ..
            }
        )
    }

    /// Puts the customer of a connected call on hold, or takes them off.
    pub(crate) fn set_customer_held(&mut self, held: bool) {
        match &mut self.phase {
            Phase::Connected { customer_held, .. } => *customer_held = held,
            phase => panic!("only a connected call's customer is held, not in {phase:?}"),
        }
    }
}

/// A consult in progress (R16–R26).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(crate) struct Consult {
    pub(crate) agent: Option<AgentId>,
    pub(crate) leg: LegId,
    pub(crate) accepted: bool,
    /// Whom agent 1 talks to; the other is on hold (R15).
    pub(crate) active: Party,
    pub(crate) conference: bool,
}

#[derive(Clone, Copy, Debug)]
enum RouteTrigger {
    Contact(InteractionId),
    Agent(AgentId),
}

impl Engine {
    /// An engine for a validated configuration.
    pub fn new(config: Config, now: Now) -> Result<Engine, Vec<crate::ConfigError>> {
        config.validate()?;
        let mut engine = Engine {
            ep_by_digits: config.entry_points_by_digits(),
            config: Config::default(),
            agents: HashMap::new(),
            agent_by_extension: HashMap::new(),
            registered: HashSet::new(),
            interactions: HashMap::new(),
            legs: HashMap::new(),
            router: Router::default(),
            timers: TimerTable::default(),
            outputs: VecDeque::new(),
            now,
            next_interaction: 0,
            next_leg: 0,
            n_customer_calls: 0,
            to_route: Vec::new(),
            panic_in: None,
        };
        engine.install_config(config);
        Ok(engine)
    }

    /// Handles one input. On `Err` nothing changed. On `Ok`, the interaction the input created
    /// (an arrival, an outdial, a web callback), if any.
    ///
    /// An input addressed to one contact runs under `catch_unwind`: if that contact's step
    /// panics (a bug), the contact is ended with `EndReason::InternalError` and everything else
    /// goes on (`isolation.rs`). In debug builds the invariants are checked after every input.
    pub fn handle_input(
        &mut self,
        now: Now,
        input: Input,
    ) -> Result<Option<InteractionId>, Rejection> {
        debug_assert!(now.mono_ms >= self.now.mono_ms, "time went backwards");
        self.now = now;
        let result = match self.contact_of(&input) {
            Some(contact) => {
                let step = panic::catch_unwind(AssertUnwindSafe(|| {
                    let result = self.dispatch(input);
                    self.injected_panic(contact);
                    result
                }));
                step.unwrap_or_else(|_| {
                    self.end_after_panic(contact);
                    Ok(None)
                })
            }
            None => self.dispatch(input),
        };
        self.route();
        #[cfg(debug_assertions)]
        if let Err(violation) = self.check_invariants() {
            panic!("invariant violated after an input: {violation}");
        }
        result
    }

    /// The next thing the driver must do.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// The earliest armed timer: when to feed [`Input::TimerFired`] and with which id.
    pub fn poll_timeout(&self) -> Option<(u64, TimerId)> {
        self.timers.next_timeout()
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    fn dispatch(&mut self, input: Input) -> Result<Option<InteractionId>, Rejection> {
        match input {
            Input::Command {
                agent,
                command: Command::Outdial { number },
            } => self.outdial(agent, &number).map(Some),
            Input::Command { agent, command } => self.handle_command(agent, command).map(|()| None),
            Input::Telephony(event) => self.handle_telephony(event),
            Input::TimerFired(id) => {
                self.handle_timer(id);
                Ok(None)
            }
            Input::WebCallback {
                queue,
                name,
                number,
            } => self.web_callback(queue, name, number).map(Some),
            Input::ConfigChanged(config) => self.change_config(*config).map(|()| None),
            Input::RestoreCallback {
                interaction,
                kind,
                queue,
                number,
                name,
                dnis,
            } => self
                .restore_callback(interaction, kind, queue, &number, name, dnis)
                .map(Some),
        }
    }

    fn handle_command(&mut self, agent_id: AgentId, command: Command) -> Result<(), Rejection> {
        if !self.agents.contains_key(&agent_id) {
            return Err(Rejection::not_found(format!("no agent {agent_id}")));
        }
        match command {
            Command::LogIn { team, extension } => self.log_in(agent_id, team, &extension),
            Command::LogOut => self.log_out(agent_id),
            Command::SetState(request) => self.set_state(agent_id, request),
            Command::Accept { interaction } => self.accept(agent_id, interaction),
            Command::Hold { interaction, party } => self.hold(agent_id, interaction, party, true),
            Command::Resume { interaction, party } => {
                self.hold(agent_id, interaction, party, false)
            }
            Command::Consult {
                interaction,
                target,
            } => self.consult(agent_id, interaction, target),
            Command::EndConsult { interaction } => self.end_consult(agent_id, interaction),
            Command::ConsultTransfer { interaction } => {
                self.consult_transfer(agent_id, interaction)
            }
            Command::Conference { interaction } => self.conference(agent_id, interaction),
            Command::Transfer {
                interaction,
                target,
            } => self.transfer(agent_id, interaction, target),
            Command::End { interaction } => self.end(agent_id, interaction),
            Command::PauseRecording { interaction } => self.pause_recording(agent_id, interaction),
            Command::ResumeRecording { interaction } => {
                self.resume_recording(agent_id, interaction)
            }
            Command::SaveVariables {
                interaction,
                values,
                expected_version,
            } => self.save_variables(agent_id, interaction, values, expected_version),
            Command::SubmitWrapUp {
                interaction,
                reason,
            } => self.submit_wrapup(agent_id, interaction, &reason, false),
            Command::CancelCallback { interaction } => self.cancel_callback(agent_id, interaction),
            Command::Outdial { number } => self.outdial(agent_id, &number).map(|_| ()),
        }
    }

    fn handle_telephony(
        &mut self,
        event: TelephonyEvent,
    ) -> Result<Option<InteractionId>, Rejection> {
        match event {
            TelephonyEvent::CallArrived { leg, dnis, ani } => {
                self.call_arrived(leg, &dnis, ani).map(Some)
            }
            TelephonyEvent::Ringing { leg } => {
                self.leg_ringing(leg);
                Ok(None)
            }
            TelephonyEvent::Answered { leg } => {
                self.leg_answered(leg);
                Ok(None)
            }
            TelephonyEvent::Failed { leg, cause } => {
                if let Some(leg_state) = self.legs.get(&leg)
                    && !leg_state.answered
                {
                    self.leg_failed(leg, cause, false);
                }
                Ok(None)
            }
            TelephonyEvent::HungUp { leg } => {
                self.leg_hung_up(leg, None);
                Ok(None)
            }
            TelephonyEvent::LegLost { leg, cause } => {
                self.leg_hung_up(leg, Some(cause));
                Ok(None)
            }
            TelephonyEvent::Dtmf { leg, digit } => {
                self.dtmf(leg, digit);
                Ok(None)
            }
            TelephonyEvent::DeviceRegistered { extension } => {
                self.registered.insert(extension.clone());
                if let Some(&agent_id) = self.agent_by_extension.get(&extension) {
                    self.refresh_agent(agent_id);
                }
                Ok(None)
            }
            TelephonyEvent::DeviceUnregistered { extension } => {
                self.registered.remove(&extension);
                if let Some(&agent_id) = self.agent_by_extension.get(&extension) {
                    self.device_lost(agent_id);
                }
                Ok(None)
            }
        }
    }

    fn handle_timer(&mut self, id: TimerId) {
        let Some(timer) = self.timers.fire(id) else {
            return;
        };
        match timer {
            Timer::NoAnswer { leg } => {
                if let Some(leg_state) = self.legs.get_mut(&leg) {
                    leg_state.timer = None;
                    self.leg_failed(leg, crate::FailCause::NoAnswer, true);
                }
            }
            Timer::PrivacyShield { interaction } => self.privacy_shield_ends(interaction),
            Timer::QueueWaitMax { interaction } => self.queue_wait_max(interaction),
            Timer::CourtesyCallback { interaction } => self.offer_courtesy_callback(interaction),
            Timer::CallbackRetry { interaction } => self.callback_retry_due(interaction),
            Timer::AutoWrapUp { agent, interaction } => self.auto_wrapup_due(agent, interaction),
        }
    }

    // ---- agents -------------------------------------------------------------------------

    fn log_in(
        &mut self,
        agent_id: AgentId,
        team: TeamId,
        extension: &str,
    ) -> Result<(), Rejection> {
        let agent_config = self.config.agent(agent_id).expect("agent exists");
        if !agent_config.teams.contains(&team) {
            return Err(Rejection::rule(
                Rule::R3,
                format!("{} is not a member of {team}", agent_config.name),
            ));
        }
        let extension = DialNumber::parse(extension)
            .map_err(|e| Rejection::rule(Rule::R30, format!("extension: {e}")))?
            .to_string();
        let own = |candidate: &str| {
            DialNumber::parse(candidate).is_ok_and(|number| number.to_string() == extension)
        };
        if !own(&agent_config.extension) && !agent_config.stations.iter().any(|s| own(s)) {
            let mut allowed = vec![agent_config.extension.clone()];
            allowed.extend(agent_config.stations.iter().cloned());
            return Err(Rejection::rule(
                Rule::R3,
                format!(
                    "extension {extension} is not yours; log in at {}",
                    allowed.join(" or ")
                ),
            ));
        }
        let agent = &self.agents[&agent_id];
        if agent.session.is_some() {
            return Err(Rejection::rule(
                Rule::R3,
                "already logged in; log out first",
            ));
        }
        if let Some(other) = self.agent_by_extension.get(&extension) {
            let name = self
                .config
                .agent(*other)
                .map_or("a colleague", |a| a.name.as_str());
            return Err(Rejection::rule(
                Rule::R3,
                format!("extension {extension} is in use by {name}"),
            ));
        }
        self.agent_by_extension.insert(extension.clone(), agent_id);
        let agent = self.agents.get_mut(&agent_id).expect("agent exists");
        agent.session = Some(Session { team, extension });
        self.set_agent_state(agent_id, AgentState::Idle(None));
        Ok(())
    }

    fn log_out(&mut self, agent_id: AgentId) -> Result<(), Rejection> {
        let agent = &self.agents[&agent_id];
        let Some(session) = &agent.session else {
            return Err(Rejection::rule(Rule::R3, "not logged in"));
        };
        match agent.voice.map(|slot| slot.role) {
            Some(
                SlotRole::Offered
                | SlotRole::TransferTarget
                | SlotRole::Consulted { accepted: false },
            ) => {
                return Err(Rejection::rule(
                    Rule::R5,
                    "cannot log out while an offer popover is shown",
                ));
            }
            Some(_) => {
                return Err(Rejection::rule(
                    Rule::R3,
                    "cannot log out during a call; end it first",
                ));
            }
            None => {}
        }
        if !agent.wrapups.is_empty() {
            return Err(Rejection::rule(
                Rule::R36,
                "cannot log out before submitting wrap-up",
            ));
        }
        let extension = session.extension.clone();
        self.agent_by_extension.remove(&extension);
        self.agents
            .get_mut(&agent_id)
            .expect("agent exists")
            .session = None;
        self.set_agent_state(agent_id, AgentState::LoggedOut);
        Ok(())
    }

    fn set_state(&mut self, agent_id: AgentId, request: StateRequest) -> Result<(), Rejection> {
        if self.agents[&agent_id].session.is_none() {
            return Err(Rejection::rule(Rule::R3, "log in before changing state"));
        }
        let state = match request {
            StateRequest::Available => AgentState::Available,
            StateRequest::Idle { reason } => {
                if !self.config.idle_reasons.iter().any(|r| r.code == reason) {
                    let codes: Vec<&str> = self
                        .config
                        .idle_reasons
                        .iter()
                        .map(|r| r.code.as_str())
                        .collect();
                    return Err(Rejection::rule(
                        Rule::R3,
                        format!("unknown idle reason {reason:?}; one of {codes:?}"),
                    ));
                }
                AgentState::Idle(Some(reason))
            }
        };
        self.set_agent_state(agent_id, state);
        Ok(())
    }

    /// Changes an agent's chosen state, tells the desktop and supervisors, records it.
    pub(crate) fn set_agent_state(&mut self, agent_id: AgentId, state: AgentState) {
        let agent = self.agents.get_mut(&agent_id).expect("agent exists");
        if agent.state == state {
            return;
        }
        agent.state = state.clone();
        let (view, reason) = match state {
            AgentState::LoggedOut => (AgentStateView::LoggedOut, None),
            AgentState::Available => (AgentStateView::Available, None),
            AgentState::Idle(reason) => (AgentStateView::Idle, reason),
            AgentState::Rona => (AgentStateView::Rona, None),
        };
        let at_unix_ms = self.now.unix_ms;
        let event = DesktopEvent::AgentState {
            agent: agent_id,
            state: view,
            reason: reason.clone(),
            at_unix_ms,
        };
        self.desktop(Recipient::Agent(agent_id), event.clone());
        self.desktop(Recipient::Supervisors, event);
        self.record(Record::AgentState {
            agent: agent_id,
            state: view,
            reason,
            at_unix_ms,
        });
        self.refresh_agent(agent_id);
    }

    /// Whether an agent can be offered a voice call now (R3, R4, R36).
    pub(crate) fn is_offerable(&self, agent: &Agent) -> bool {
        agent.state == AgentState::Available
            && agent.voice.is_none()
            && agent.wrapups.is_empty()
            && agent
                .session
                .as_ref()
                .is_some_and(|s| self.registered.contains(&s.extension))
    }

    /// Brings the router in step with an agent's state; an agent who just became offerable is
    /// routed once the input is applied.
    pub(crate) fn refresh_agent(&mut self, agent_id: AgentId) {
        let agent = &self.agents[&agent_id];
        let offerable = self.is_offerable(agent);
        let in_router = self.router.is_available(agent_id);
        if offerable && !in_router {
            let queues = self.queues_served(agent_id);
            let since = self.now.mono_ms;
            self.agents
                .get_mut(&agent_id)
                .expect("agent exists")
                .offerable_since_mono_ms = since;
            self.router.agent_available(agent_id, since, queues);
            self.to_route.push(RouteTrigger::Agent(agent_id));
        } else if !offerable && in_router {
            self.router.agent_unavailable(agent_id);
        }
    }

    /// The voice queues an agent serves: those of the team logged in to, whose skills the
    /// agent has.
    fn queues_served(&self, agent_id: AgentId) -> Vec<QueueId> {
        let agent = &self.agents[&agent_id];
        let Some(session) = &agent.session else {
            return Vec::new();
        };
        let agent_config = self.config.agent(agent_id).expect("agent exists");
        self.config
            .queues
            .iter()
            .filter(|q| q.channel == Channel::Voice && q.teams.contains(&session.team))
            .filter(|q| {
                q.skills_required
                    .iter()
                    .all(|s| agent_config.skills.contains(s))
            })
            .map(|q| q.id)
            .collect()
    }

    fn device_lost(&mut self, agent_id: AgentId) {
        // R21: an offer to a phone that is gone is RONA. A call in progress goes on: the media
        // keeps flowing and a phone usually re-registers.
        let ringing_leg = self.agents[&agent_id].voice.and_then(|slot| {
            let interaction = self.interactions.get(&slot.interaction)?;
            self.ringing_leg_of(interaction, agent_id)
        });
        if let Some(leg) = ringing_leg {
            self.leg_failed(leg, crate::FailCause::Unavailable, true);
        }
        self.refresh_agent(agent_id);
    }

    // ---- routing --------------------------------------------------------------------------

    /// Offers waiting contacts to available agents until no pair matches.
    fn route(&mut self) {
        while let Some(trigger) = self.to_route.pop() {
            let pair = match trigger {
                RouteTrigger::Contact(interaction_id) => {
                    let Some(interaction) = self.interactions.get(&interaction_id) else {
                        continue;
                    };
                    let (Phase::Queued, Some(queue), Some(place)) =
                        (interaction.phase, interaction.queue, interaction.place)
                    else {
                        continue;
                    };
                    // The agent takes the best contact it serves, which may be one ahead of
                    // this one (a contact back at its kept place must not be jumped, R12,
                    // R40); this one is routed again afterwards.
                    let agent = self.router.best_agent_for(queue, place);
                    agent.map(|agent| match self.router.best_contact(agent) {
                        Some((_, _, best)) if best != interaction_id => {
                            self.to_route.push(RouteTrigger::Contact(interaction_id));
                            (best, agent)
                        }
                        _ => (interaction_id, agent),
                    })
                }
                RouteTrigger::Agent(agent_id) => self
                    .router
                    .best_contact(agent_id)
                    .map(|(_, _, interaction)| (interaction, agent_id)),
            };
            if let Some((interaction_id, agent_id)) = pair {
                self.offer(interaction_id, agent_id);
            }
        }
    }

    /// Puts an interaction in a queue at `place` (a new one if `None`) and routes it.
    pub(crate) fn enqueue(
        &mut self,
        interaction_id: InteractionId,
        queue: QueueId,
        place: Option<Place>,
    ) {
        let priority = self.flow_priority(interaction_id);
        let place_kept = place.is_some();
        let place = place.unwrap_or_else(|| self.router.place(priority, self.now.mono_ms));
        let interaction = self
            .interactions
            .get_mut(&interaction_id)
            .expect("interaction exists");
        let queue_changed = interaction.queue != Some(queue);
        interaction.phase = Phase::Queued;
        interaction.queue = Some(queue);
        interaction.place = Some(place);
        self.router
            .enqueue(queue, place, interaction_id, &interaction.excluded);
        let wait_max_ms = self
            .config
            .queue(queue)
            .and_then(|q| q.wait_max_ms.zip(q.overflow));
        let interaction = self
            .interactions
            .get_mut(&interaction_id)
            .expect("interaction exists");
        // A contact entering anew (a new place) waits the full maximum again; one back at its
        // kept place in the same queue keeps the wait it had (R12, R43).
        if (queue_changed || !place_kept || interaction.wait_timer.is_none())
            && let Some((wait_max_ms, _)) = wait_max_ms
        {
            if let Some(old) = interaction.wait_timer.take() {
                self.timers.stop(old);
            }
            // Back at its kept place in the same queue with no wait timer: the maximum ran
            // out while it was offered, so it overflows now (R12 keeps the place, R43).
            let wait_ms = if place_kept && !queue_changed {
                0
            } else {
                wait_max_ms
            };
            let id = self.set_timer(
                self.now.mono_ms + wait_ms,
                Timer::QueueWaitMax {
                    interaction: interaction_id,
                },
            );
            self.interactions
                .get_mut(&interaction_id)
                .expect("interaction exists")
                .wait_timer = Some(id);
        }
        self.record_phase(interaction_id, None);
        self.queue_changed(queue);
        self.to_route.push(RouteTrigger::Contact(interaction_id));
    }

    /// Takes a queued interaction out of its queue.
    pub(crate) fn dequeue(&mut self, interaction_id: InteractionId) {
        let interaction = &self.interactions[&interaction_id];
        if let (Phase::Queued, Some(queue), Some(place)) =
            (interaction.phase, interaction.queue, interaction.place)
        {
            let removed = self.router.dequeue(queue, place);
            debug_assert!(removed, "{interaction_id} queued but not in {queue}");
            self.queue_changed(queue);
        }
    }

    fn flow_priority(&self, interaction_id: InteractionId) -> u8 {
        self.interactions[&interaction_id]
            .entry_point
            .and_then(|ep| self.config.entry_point(ep))
            .map_or(0, |ep| ep.flow.priority)
    }

    pub(crate) fn queue_changed(&mut self, queue: QueueId) {
        let n_waiting = self.router.n_waiting(queue);
        self.desktop(
            Recipient::Supervisors,
            DesktopEvent::QueueChanged { queue, n_waiting },
        );
    }

    // ---- configuration --------------------------------------------------------------------

    fn change_config(&mut self, config: Config) -> Result<(), Rejection> {
        if let Err(errors) = config.validate() {
            let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
            return Err(Rejection::invalid(messages.join("; ")));
        }
        for (agent_id, agent) in &self.agents {
            let busy =
                agent.session.is_some() || agent.voice.is_some() || !agent.wrapups.is_empty();
            let still = config.agent(*agent_id);
            if busy && still.is_none() {
                return Err(Rejection::invalid(format!(
                    "{agent_id} is logged in or on a call; log them out before removing them"
                )));
            }
            if let (Some(session), Some(still)) = (&agent.session, still)
                && !still.teams.contains(&session.team)
            {
                return Err(Rejection::invalid(format!(
                    "{agent_id} is logged in to {}; log them out before removing them from it",
                    session.team
                )));
            }
        }
        for interaction in self.interactions.values() {
            // A live interaction may still go back to its queue (R12, R28, R40), which must
            // then still exist and serve its channel.
            if let Some(queue) = interaction.queue
                && interaction.phase != Phase::Ended
                && config
                    .queue(queue)
                    .is_none_or(|q| q.channel != interaction.channel)
            {
                return Err(Rejection::invalid(format!(
                    "{queue} has live interactions; it can be removed or change channel once \
                     they end"
                )));
            }
        }
        let waiting_callbacks = self.waiting_callback_attempts();
        self.install_config(config);
        self.give_up_spent_callbacks(waiting_callbacks);
        Ok(())
    }

    fn install_config(&mut self, config: Config) {
        self.ep_by_digits = config.entry_points_by_digits();
        for queue in &self.config.queues {
            if config.queue(queue.id).is_none() {
                let removed = self.router.remove_queue(queue.id);
                debug_assert!(removed, "removed a queue with waiting contacts");
            }
        }
        for queue in &config.queues {
            self.router.set_queue(queue.id, queue.priority);
        }
        self.agents.retain(|id, _| config.agent(*id).is_some());
        for agent in &config.agents {
            self.agents.entry(agent.id).or_insert_with(|| Agent {
                session: None,
                state: AgentState::LoggedOut,
                voice: None,
                wrapups: Vec::new(),
                offerable_since_mono_ms: 0,
            });
        }
        self.config = config;
        // Team and skill changes change which queues an available agent serves; their place
        // in line (how long they have been available) is kept.
        let available: Vec<AgentId> = self
            .agents
            .keys()
            .copied()
            .filter(|id| self.router.is_available(*id))
            .collect();
        for agent_id in available {
            let since = self.agents[&agent_id].offerable_since_mono_ms;
            let queues = self.queues_served(agent_id);
            self.router.agent_available(agent_id, since, queues);
            self.to_route.push(RouteTrigger::Agent(agent_id));
        }
    }

    // ---- helpers --------------------------------------------------------------------------

    pub(crate) fn desktop(&mut self, to: Recipient, event: DesktopEvent) {
        self.outputs.push_back(Output::Desktop { to, event });
    }

    pub(crate) fn telephony(&mut self, command: TelephonyCommand) {
        self.outputs.push_back(Output::Telephony(command));
    }

    pub(crate) fn record(&mut self, record: Record) {
        self.outputs.push_back(Output::Record(record));
    }

    pub(crate) fn record_state(
        &mut self,
        interaction: InteractionId,
        state: &'static str,
        agent: Option<AgentId>,
    ) {
        self.record_attempt_state(interaction, state, agent, None);
    }

    /// Records that an interaction entered the phase it is in now, under the phase's name.
    pub(crate) fn record_phase(&mut self, interaction: InteractionId, agent: Option<AgentId>) {
        let state = self.interactions[&interaction].phase.name();
        self.record_attempt_state(interaction, state, agent, None);
    }

    /// Records a state change that belongs to a callback attempt (R40).
    pub(crate) fn record_attempt_state(
        &mut self,
        interaction: InteractionId,
        state: &'static str,
        agent: Option<AgentId>,
        attempt: Option<u32>,
    ) {
        let queue = self.interactions.get(&interaction).and_then(|i| i.queue);
        let at_unix_ms = self.now.unix_ms;
        self.record(Record::InteractionState {
            interaction,
            state,
            agent,
            queue,
            attempt,
            at_unix_ms,
        });
    }

    pub(crate) fn set_timer(&mut self, at_mono_ms: u64, timer: Timer) -> TimerId {
        let id = self.timers.set(at_mono_ms, timer);
        self.outputs.push_back(Output::SetTimer { id, at_mono_ms });
        id
    }

    pub(crate) fn stop_timer(&mut self, id: Option<TimerId>) {
        if let Some(id) = id
            && self.timers.stop(id)
        {
            self.outputs.push_back(Output::CancelTimer { id });
        }
    }

    /// Makes new interaction ids follow `last` (the highest id in the history), so that ids stay
    /// unique across restarts.
    pub fn continue_numbering_after(&mut self, last: InteractionId) {
        self.next_interaction = self.next_interaction.max(last.0);
    }

    pub(crate) fn new_interaction_id(&mut self) -> InteractionId {
        self.next_interaction += 1;
        InteractionId(self.next_interaction)
    }

    /// Registers a leg; an engine-made one if `id` is `None`.
    pub(crate) fn new_leg(
        &mut self,
        id: Option<LegId>,
        interaction: InteractionId,
        role: LegRole,
        counts: bool,
    ) -> LegId {
        let id = id.unwrap_or_else(|| {
            self.next_leg += 1;
            LegId(ENGINE_LEG_BIT | self.next_leg)
        });
        if counts {
            self.n_customer_calls += 1;
        }
        let answered = role == LegRole::Customer && id.0 & ENGINE_LEG_BIT == 0;
        self.legs.insert(
            id,
            Leg {
                interaction,
                role,
                answered,
                timer: None,
                counts,
            },
        );
        id
    }

    /// Hangs up a leg (or cancels it if it still rings) and forgets it.
    pub(crate) fn hang_up(&mut self, leg: LegId) {
        if let Some(leg_state) = self.legs.remove(&leg) {
            if leg_state.counts {
                self.n_customer_calls -= 1;
            }
            self.stop_timer(leg_state.timer);
            self.telephony(TelephonyCommand::HangUp { leg });
        }
    }

    /// Forgets a leg whose far end is already gone (no hang-up to send).
    pub(crate) fn forget_leg(&mut self, leg: LegId) {
        if let Some(leg_state) = self.legs.remove(&leg) {
            if leg_state.counts {
                self.n_customer_calls -= 1;
            }
            self.stop_timer(leg_state.timer);
        }
    }

    /// Whether another customer-facing call fits under the organisation's limit (R2).
    pub(crate) fn check_call_limit(&self) -> Result<(), Rejection> {
        if self.n_customer_calls < self.config.org.calls_max {
            Ok(())
        } else {
            Err(Rejection::rule(
                Rule::R2,
                format!(
                    "the organisation's limit of {} concurrent calls is reached",
                    self.config.org.calls_max
                ),
            ))
        }
    }
}
