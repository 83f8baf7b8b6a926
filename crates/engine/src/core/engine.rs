//! The engine: its state, the input dispatcher, and the helpers every part uses to emit
//! outputs, arm timers and write records.

use crate::config::Config;
use crate::core::agents::Agent;
use crate::core::contact::{Addressed, Interaction};
use crate::core::routing::Router;
use crate::core::timers::{Timer, TimerTable};
use crate::ids::{AgentId, EntryPointId, InteractionId, LegId, Now, QueueId, TimerId};
use crate::io::{
    Command, DesktopEvent, Input, Output, Recipient, Record, TelephonyCommand, TelephonyEvent,
};
use crate::reject::{Rejection, Rule};
use crate::voice::legs::Leg;
use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::{BuildHasherDefault, DefaultHasher};
use std::panic::{self, AssertUnwindSafe};

/// A hash map whose iteration order follows only what was put in it, not a key drawn at random
/// for each process (as `HashMap::new` does), so that the same inputs give the same outputs and
/// a seeded simulation replays exactly. Its keys are ids the engine makes and names from the
/// configuration or an authenticated registration, never text a stranger chooses, so the fixed
/// key gives nobody a way to make them collide.
pub(crate) type StableMap<K, V> = HashMap<K, V, BuildHasherDefault<DefaultHasher>>;
/// A hash set iterated in a stable order; see [`StableMap`].
pub(crate) type StableSet<K> = HashSet<K, BuildHasherDefault<DefaultHasher>>;

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
    pub(crate) ep_by_digits: StableMap<String, EntryPointId>,
    /// Every configured agent's live state.
    pub(crate) agents: StableMap<AgentId, Agent>,
    /// Logged-in agents by the extension they logged in with.
    pub(crate) agent_by_extension: StableMap<String, AgentId>,
    /// Extensions whose phone is registered.
    pub(crate) registered: StableSet<String>,
    /// Live interactions, and ended ones whose wrap-up is still pending.
    pub(crate) interactions: StableMap<InteractionId, Interaction>,
    /// Live call legs.
    pub(crate) legs: StableMap<LegId, Leg>,
    /// Waiting contacts and available agents.
    pub(crate) router: Router,
    /// Armed timers.
    pub(crate) timers: TimerTable,
    /// What the driver must do next.
    pub(crate) outputs: VecDeque<Output>,
    /// The time of the input being handled.
    pub(crate) now: Now,
    /// Source of interaction ids.
    pub(crate) next_interaction: u64,
    /// Source of engine-made leg ids.
    pub(crate) next_leg: u64,
    /// Customer-facing legs up now (R2).
    pub(crate) n_customer_calls: u32,
    /// Contacts and agents to route once the current input is applied.
    pub(crate) to_route: Vec<RouteTrigger>,
    /// Test hook: the contact whose next step panics (`Engine::inject_contact_panic`).
    pub(crate) panic_in: Option<InteractionId>,
    /// Per queue, the calls handled today, for the expected wait (R37).
    pub(crate) handled_today: StableMap<QueueId, crate::core::expected_wait::HandledToday>,
    /// An agent stopped serving queues during this input: waiting callers' expected waits are
    /// estimated again once it is applied (R37).
    pub(crate) expected_wait_grew: bool,
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum RouteTrigger {
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
            agents: StableMap::default(),
            agent_by_extension: StableMap::default(),
            registered: StableSet::default(),
            interactions: StableMap::default(),
            legs: StableMap::default(),
            router: Router::default(),
            timers: TimerTable::default(),
            outputs: VecDeque::new(),
            now,
            next_interaction: 0,
            next_leg: 0,
            n_customer_calls: 0,
            to_route: Vec::new(),
            panic_in: None,
            handled_today: StableMap::default(),
            expected_wait_grew: false,
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
        let result = match self.address(input) {
            Addressed::Core(input) => self.dispatch(input),
            Addressed::Contact(contact, channel, input) => {
                let step = panic::catch_unwind(AssertUnwindSafe(|| {
                    let result = self.step_contact(contact, channel, input);
                    self.injected_panic(contact);
                    result
                }));
                match step {
                    Ok(result) => result.map(|()| None),
                    Err(_) => {
                        self.end_after_panic(contact);
                        Ok(None)
                    }
                }
            }
        };
        self.route();
        if std::mem::take(&mut self.expected_wait_grew) {
            self.recheck_expected_waits();
        }
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

    pub(crate) fn dispatch(&mut self, input: Input) -> Result<Option<InteractionId>, Rejection> {
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
            Input::Supervise {
                agent,
                supervisor,
                action,
                note,
            } => self
                .supervise(agent, supervisor, action, note)
                .map(|()| None),
        }
    }

    pub(crate) fn handle_command(
        &mut self,
        agent_id: AgentId,
        command: Command,
    ) -> Result<(), Rejection> {
        if !self.agents.contains_key(&agent_id) {
            return Err(Rejection::not_found(format!("no agent {agent_id}")));
        }
        match command {
            Command::LogIn { team, extension } => self.log_in(agent_id, team, &extension),
            Command::LogOut => self.log_out(agent_id),
            Command::SetState(request) => self.set_state(agent_id, request),
            Command::Outdial { number } => self.outdial(agent_id, &number).map(|_| ()),
            Command::SubmitWrapUp {
                interaction,
                reason,
            } => self.submit_wrapup(agent_id, interaction, &reason, false),
            // Every other command names a contact; it reaches the core only when that contact
            // is not known (`Engine::address`).
            Command::Accept { interaction }
            | Command::Hold { interaction, .. }
            | Command::Resume { interaction, .. }
            | Command::Consult { interaction, .. }
            | Command::EndConsult { interaction }
            | Command::ConsultTransfer { interaction }
            | Command::Conference { interaction }
            | Command::Transfer { interaction, .. }
            | Command::End { interaction }
            | Command::PauseRecording { interaction }
            | Command::ResumeRecording { interaction }
            | Command::SaveVariables { interaction, .. }
            | Command::CancelCallback { interaction } => Err(Rejection::not_found(format!(
                "no live interaction {interaction}"
            ))),
        }
    }

    pub(crate) fn handle_telephony(
        &mut self,
        event: TelephonyEvent,
    ) -> Result<Option<InteractionId>, Rejection> {
        match event {
            TelephonyEvent::CallArrived { leg, dnis, ani } => {
                self.call_arrived(leg, &dnis, ani).map(Some)
            }
            // An event on a leg the engine no longer has comes late: ignored (`Engine::address`
            // hands events on live legs to their contact).
            TelephonyEvent::Ringing { .. }
            | TelephonyEvent::Answered { .. }
            | TelephonyEvent::Failed { .. }
            | TelephonyEvent::HungUp { .. }
            | TelephonyEvent::LegLost { .. }
            | TelephonyEvent::Dtmf { .. } => Ok(None),
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

    /// A timer that reached the core: stale (already disarmed), or one whose contact is gone,
    /// which is ignored (`Engine::address` hands live contacts' timers to them).
    pub(crate) fn handle_timer(&mut self, id: TimerId) {
        let _ = self.timers.fire(id);
    }

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
