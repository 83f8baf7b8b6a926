//! One organisation's engine, driven as a single-writer task.
//!
//! Inputs arrive as jobs on a channel; after each one the task drains every engine output and
//! dispatches it: telephony commands to the adapter, desktop events to the users' streams,
//! records to the history writer. One sleep on the engine's earliest timer feeds
//! `TimerFired`. The engine catches a panic in one contact and ends that contact only; a panic
//! in its core stops this organisation's task (`app.rs` logs it and `/readyz` reports it), never
//! the server.

use crate::dto::EventDto;
use crate::hub::EventHub;
use crate::telephony::SharedTelephony;
use crate::wallboard::{Wallboard, day_start_unix_ms};
use sentral_engine::{
    AgentId, AgentStateView, DesktopEvent, EndReason, Engine, Input, InteractionId, Now, Output,
    Recipient, Record, Rejection, TeamId, TelephonyEvent,
};
use sentral_store::HistoryWriter;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

type Job = Box<dyn FnOnce(&mut OrgActor) + Send>;

/// A cheap, cloneable handle to an organisation's engine task.
#[derive(Clone, Debug)]
pub struct OrgHandle {
    /// The organisation's slug.
    slug: Arc<str>,
    /// Jobs for the engine task.
    jobs: mpsc::UnboundedSender<Job>,
}

/// Who receives the desktop events of an organisation, by user id (a name may be reused).
#[derive(Clone, Debug, Default)]
pub struct Directory {
    /// The user id of each agent.
    pub agents: HashMap<AgentId, i64>,
    /// User ids of supervisors and administrators.
    pub supervisors: Vec<i64>,
    /// The teams of each supervisor assigned to some (R44); the others see every team.
    pub scopes: HashMap<i64, BTreeSet<TeamId>>,
}

impl Directory {
    /// Whether a supervisor sees something of these teams (`None`: of the whole organisation).
    fn sees(&self, user_id: i64, teams: Option<&[TeamId]>) -> bool {
        match (self.scopes.get(&user_id), teams) {
            (Some(scope), Some(teams)) => teams.iter().any(|team| scope.contains(team)),
            _ => true,
        }
    }

    /// Publishes an event to the supervisors who see those teams.
    fn to_supervisors(&self, hub: &EventHub, teams: Option<&[TeamId]>, event: &EventDto) {
        for user_id in &self.supervisors {
            if self.sees(*user_id, teams) {
                hub.publish(*user_id, event.clone());
            }
        }
    }
}

/// What the engine task owns.
pub(crate) struct OrgActor {
    slug: Arc<str>,
    engine: Engine,
    clock: Clock,
    telephony: SharedTelephony,
    hub: Arc<EventHub>,
    history: HistoryWriter,
    directory: Directory,
    agents: AgentGauge,
    /// The supervisors' figures (R44), fed every record.
    wallboard: Wallboard,
    /// The organisation's time zone and queue targets.
    wallboard_settings: WallboardSettings,
    /// When the organisation's current day ends (Unix ms): the wallboard's counters roll then.
    day_end_unix_ms: i64,
    handle: OrgHandle,
    stopping: bool,
}

/// What the wallboard needs of the organisation's configuration beyond the engine's.
#[derive(Clone, Debug)]
pub struct WallboardSettings {
    /// The organisation's time zone: its day is "today" (R44).
    pub time_zone: jiff::tz::TimeZone,
    /// Each queue's targets; a queue not listed has the defaults.
    pub queue_targets:
        std::collections::BTreeMap<sentral_engine::QueueId, crate::config::QueueTargets>,
}

impl WallboardSettings {
    /// The settings of an organisation's configuration (its time zone was checked when read).
    pub fn of(org: &crate::config::OrgConfig) -> WallboardSettings {
        WallboardSettings {
            time_zone: jiff::tz::TimeZone::get(&org.time_zone).unwrap_or(jiff::tz::TimeZone::UTC),
            queue_targets: org.queue_targets.clone(),
        }
    }

    /// A queue's targets.
    pub fn targets(&self, queue: sentral_engine::QueueId) -> crate::config::QueueTargets {
        self.queue_targets.get(&queue).copied().unwrap_or_default()
    }
}

/// How many agents are in each state, for the `sentral_agents` gauge.
///
/// Kept up to date from the engine's `AgentState` events, so a state change costs O(1):
/// counting every agent after each change made signing in n agents O(n²) (38 s for 4,000).
/// Rebuilt from the engine when an administrator changes who the agents are.
#[derive(Debug, Default)]
struct AgentGauge {
    states: HashMap<AgentId, AgentStateView>,
    counts: [u32; 4],
}

/// Monotonic and wall-clock time for the engine.
#[derive(Clone, Copy, Debug)]
struct Clock {
    origin: Instant,
}

/// What an organisation's task needs to start.
pub struct OrgParts {
    /// Slug.
    pub slug: String,
    /// The engine, built and restored.
    pub engine: Engine,
    /// The phone network.
    pub telephony: SharedTelephony,
    /// Users' event streams.
    pub hub: Arc<EventHub>,
    /// Where records go.
    pub history: HistoryWriter,
    /// Who gets which events.
    pub directory: Directory,
    /// The wallboard's time zone and targets.
    pub wallboard: WallboardSettings,
    /// Today's history as the engine's records, oldest first: the wallboard's figures of the
    /// day so far (`wallboard::records_of`).
    pub history_today: Vec<Record>,
}

impl OrgHandle {
    /// Whether the engine task still runs (it stops at shutdown or after a panic in the
    /// engine's core).
    pub fn is_running(&self) -> bool {
        !self.jobs.is_closed()
    }

    /// Starts the engine task of an organisation.
    pub fn spawn(parts: OrgParts) -> (OrgHandle, tokio::task::JoinHandle<()>) {
        let (jobs, mut rx) = mpsc::unbounded_channel::<Job>();
        let slug: Arc<str> = parts.slug.into();
        let handle = OrgHandle {
            slug: slug.clone(),
            jobs,
        };
        let mut actor = OrgActor {
            slug,
            engine: parts.engine,
            clock: Clock {
                origin: Instant::now(),
            },
            telephony: parts.telephony,
            hub: parts.hub,
            history: parts.history,
            directory: parts.directory,
            agents: AgentGauge::default(),
            wallboard: Wallboard::default(),
            wallboard_settings: parts.wallboard,
            day_end_unix_ms: i64::MIN,
            handle: handle.clone(),
            stopping: false,
        };
        actor.agents.recount(&actor.engine);
        actor.agents.publish(&actor.slug);
        // The day so far, before what the restored engine says now.
        actor.roll_day();
        for record in &parts.history_today {
            let settings = &actor.wallboard_settings;
            actor.wallboard.observe(record, |queue| {
                settings.targets(queue).service_level_threshold_ms
            });
        }
        // R37: the courtesy callback's expected wait averages today's handle time as the
        // wallboard does, the calls handled before the restart included.
        let queues: Vec<sentral_engine::QueueId> =
            actor.engine.config().queues.iter().map(|q| q.id).collect();
        for queue in queues {
            let day = actor.wallboard.queue(queue).day;
            if day.handled > 0 {
                actor
                    .engine
                    .restore_handled_today(queue, day.handled, day.handle_ms_total);
            }
        }
        // The day's history is already in the rollups.
        actor.wallboard.take_facts();
        let task = tokio::spawn(async move {
            // Outputs of building and restoring the engine (restored callbacks) go out first.
            actor.dispatch();
            while !actor.stopping {
                let deadline = actor.engine.poll_timeout();
                let sleep_until = deadline.map(|(at, _)| actor.clock.instant(at));
                tokio::select! {
                    job = rx.recv() => match job {
                        Some(job) => job(&mut actor),
                        None => break,
                    },
                    () = sleep(sleep_until), if sleep_until.is_some() => {
                        let (_, id) = deadline.expect("armed");
                        let _ = actor.handle(Input::TimerFired(id));
                    }
                }
            }
        });
        (handle, task)
    }

    /// The organisation's slug.
    pub fn slug(&self) -> &str {
        &self.slug
    }

    /// Feeds one input and waits for the engine's answer.
    pub async fn input(&self, input: Input) -> Result<Option<InteractionId>, Rejection> {
        self.run(move |actor| actor.handle(input))
            .await
            .unwrap_or_else(|| Err(stopped()))
    }

    /// Reads engine state.
    pub async fn query<T: Send + 'static>(
        &self,
        read: impl FnOnce(&Engine) -> T + Send + 'static,
    ) -> Option<T> {
        self.run(move |actor| read(&actor.engine)).await
    }

    /// Reports a telephony event (from the adapter); does not wait.
    pub fn telephony(&self, event: TelephonyEvent) {
        let _ = self.jobs.send(Box::new(move |actor: &mut OrgActor| {
            if let Err(rejection) = actor.handle(Input::Telephony(event)) {
                tracing::info!(org = %actor.slug, %rejection, "telephony event refused");
            }
        }));
    }

    /// Replaces who receives which events (users added or removed).
    pub fn set_directory(&self, directory: Directory) {
        let _ = self.jobs.send(Box::new(move |actor: &mut OrgActor| {
            actor.directory = directory;
            actor.agents.recount(&actor.engine);
            actor.agents.publish(&actor.slug);
        }));
    }

    /// Replaces the wallboard's time zone and queue targets (an administrator's change).
    pub fn set_wallboard_settings(&self, settings: WallboardSettings) {
        let _ = self.jobs.send(Box::new(move |actor: &mut OrgActor| {
            actor.wallboard_settings = settings;
            actor.day_end_unix_ms = i64::MIN;
            actor.dispatch();
        }));
    }

    /// Reads engine state with the wallboard's figures and settings (R44).
    pub async fn query_wallboard<T: Send + 'static>(
        &self,
        read: impl FnOnce(&Engine, &Wallboard, &WallboardSettings) -> T + Send + 'static,
    ) -> Option<T> {
        self.run(move |actor| read(&actor.engine, &actor.wallboard, &actor.wallboard_settings))
            .await
    }

    /// Test hook (the e2e server's control API): the next step of `interaction` panics, as a
    /// bug would, so that tests can watch the engine end that contact only.
    #[doc(hidden)]
    pub async fn arm_contact_panic(&self, interaction: InteractionId) {
        self.run(move |actor| actor.engine.inject_contact_panic(interaction))
            .await;
    }

    /// Stops the task once the jobs before this one are done.
    pub async fn stop(&self) {
        self.run(|actor| actor.stopping = true).await;
    }

    async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut OrgActor) -> T + Send + 'static,
    ) -> Option<T> {
        let (tx, rx) = oneshot::channel();
        self.jobs
            .send(Box::new(move |actor: &mut OrgActor| {
                let _ = tx.send(job(actor));
            }))
            .ok()?;
        rx.await.ok()
    }
}

impl OrgActor {
    /// Handles one input, then dispatches everything it produced.
    ///
    /// The engine itself catches a panic in one contact's step and ends that contact only
    /// (`EndReason::InternalError`, logged in `dispatch`); a panic in the engine's core is not
    /// caught, so a half-changed engine never goes on.
    fn handle(&mut self, input: Input) -> Result<Option<InteractionId>, Rejection> {
        let now = self.clock.now();
        let result = self.engine.handle_input(now, input);
        self.dispatch();
        result
    }

    fn dispatch(&mut self) {
        self.roll_day();
        let mut agents_changed = false;
        while let Some(output) = self.engine.poll_output() {
            match output {
                Output::Telephony(command) => {
                    self.telephony.command(&self.slug, command, &self.handle)
                }
                Output::Desktop { to, event } => {
                    if let DesktopEvent::AgentState { agent, state, .. } = &event {
                        agents_changed |= self.agents.set(*agent, *state);
                    }
                    self.count(&event);
                    let dto = EventDto::from_engine(&event)
                        .with_consult_timeout(|task| self.consult_rona_timeout_ms(task));
                    match to {
                        Recipient::Agent(agent) => {
                            self.wallboard.agent_changed(agent);
                            if let Some(user_id) = self.directory.agents.get(&agent) {
                                self.hub.publish(*user_id, dto);
                            }
                        }
                        Recipient::Supervisors => {
                            let teams = supervisor_event_teams(&self.engine, &event);
                            self.directory.to_supervisors(&self.hub, teams, &dto);
                        }
                    }
                }
                Output::Record(record) => {
                    if let Record::InteractionEnded {
                        interaction,
                        reason: EndReason::InternalError,
                        ..
                    } = &record
                    {
                        tracing::error!(org = %self.slug, %interaction, "the engine panicked while handling this interaction; it was ended");
                        metrics::counter!("sentral_engine_panics_total").increment(1);
                    }
                    let settings = &self.wallboard_settings;
                    self.wallboard.observe(&record, |queue| {
                        settings.targets(queue).service_level_threshold_ms
                    });
                    self.history.send(self.slug.to_string(), record);
                    // The report rollups' steps go after the record that made them.
                    let facts = self.wallboard.take_facts();
                    self.history.send_facts(self.slug.to_string(), facts);
                }
                Output::SetTimer { .. } | Output::CancelTimer { .. } => {}
            }
        }
        if agents_changed {
            self.agents.publish(&self.slug);
        }
        self.publish_wallboard();
    }

    /// Starts a new day on the wallboard when the organisation's day has ended.
    fn roll_day(&mut self) {
        let unix_ms = self.clock.now().unix_ms;
        if unix_ms < self.day_end_unix_ms {
            return;
        }
        let zone = &self.wallboard_settings.time_zone;
        let start = day_start_unix_ms(zone, unix_ms);
        // The next day starts 24 hours on, or 23 or 25 across a daylight-saving change.
        self.day_end_unix_ms = day_start_unix_ms(zone, start + 26 * 3_600_000);
        self.wallboard.set_day(start);
    }

    /// Sends supervisors one row per queue and agent that changed in this input (the
    /// coalescing that keeps their traffic inside the event ring, `docs/supervisor.md`), and
    /// sets the queues' gauges from the same figures.
    fn publish_wallboard(&mut self) {
        let (queues, agents) = self.wallboard.take_changed();
        let config = self.engine.config();
        let mut events = Vec::with_capacity(queues.len() + agents.len());
        for queue in queues {
            let teams = config.queue(queue).map(|q| q.teams.as_slice());
            let Some(dto) = crate::dto::WallboardQueueDto::of(
                &self.engine,
                &self.wallboard,
                &self.wallboard_settings,
                queue,
            ) else {
                continue;
            };
            dto.set_gauges(&self.slug);
            events.push((teams, EventDto::WallboardQueue { queue: dto }));
        }
        for agent in agents {
            let teams = config.agent(agent).map(|a| a.teams.as_slice());
            if let Some(dto) =
                crate::dto::WallboardAgentDto::of(&self.engine, &self.wallboard, agent)
            {
                events.push((teams, EventDto::WallboardAgent { agent: dto }));
            }
        }
        for (teams, event) in events {
            self.directory.to_supervisors(&self.hub, teams, &event);
        }
    }

    /// How long a consulted agent's phone rings before RONA (R21): the RONA timeout of the
    /// call's queue, else the organisation's, as the engine rings every agent; `None` when no
    /// agent is consulted (a dial-number or entry-point consult).
    fn consult_rona_timeout_ms(&self, task: u64) -> Option<u64> {
        let view = self.engine.interaction_view(InteractionId(task))?;
        view.consulted?;
        let config = self.engine.config();
        let queue = view.queue.and_then(|queue| config.queue(queue));
        Some(
            queue
                .and_then(|queue| queue.rona_timeout_ms)
                .unwrap_or(config.org.rona_timeout_ms),
        )
    }

    fn count(&self, event: &DesktopEvent) {
        let org = self.slug.to_string();
        match event {
            DesktopEvent::Offer(_) => {
                metrics::counter!("sentral_offers_total", "org" => org).increment(1)
            }
            DesktopEvent::Rona { .. } => {
                metrics::counter!("sentral_ronas_total", "org" => org).increment(1)
            }
            DesktopEvent::LimitReached { code } => {
                metrics::counter!("sentral_limit_rejections_total", "org" => org, "code" => *code)
                    .increment(1)
            }
            DesktopEvent::QueueChanged { queue, n_waiting } => {
                metrics::gauge!("sentral_calls_waiting", "org" => org, "queue" => queue.0.to_string())
                    .set(*n_waiting as f64);
            }
            _ => {}
        }
    }
}

/// The teams a supervisors' event is about, for their scope (R44): an agent's teams, a queue's
/// teams; `None` for the whole organisation (the call limit).
fn supervisor_event_teams<'e>(engine: &'e Engine, event: &DesktopEvent) -> Option<&'e [TeamId]> {
    let config = engine.config();
    match event {
        DesktopEvent::AgentState { agent, .. } => config.agent(*agent).map(|a| a.teams.as_slice()),
        DesktopEvent::QueueChanged { queue, .. } => {
            config.queue(*queue).map(|q| q.teams.as_slice())
        }
        _ => None,
    }
}

impl AgentGauge {
    const STATES: [AgentStateView; 4] = [
        AgentStateView::LoggedOut,
        AgentStateView::Available,
        AgentStateView::Idle,
        AgentStateView::Rona,
    ];

    /// The state's place in [`AgentGauge::STATES`] and the counts.
    fn slot(state: AgentStateView) -> usize {
        match state {
            AgentStateView::LoggedOut => 0,
            AgentStateView::Available => 1,
            AgentStateView::Idle => 2,
            AgentStateView::Rona => 3,
        }
    }

    /// Counts every agent of the engine afresh: O(agents), for start-up and admin changes.
    fn recount(&mut self, engine: &Engine) {
        *self = AgentGauge::default();
        for view in engine.agent_views() {
            self.set(view.id, view.state);
        }
    }

    /// Records an agent's new state; true when a count changed.
    fn set(&mut self, agent: AgentId, state: AgentStateView) -> bool {
        let old = self.states.insert(agent, state);
        if old == Some(state) {
            return false;
        }
        if let Some(old) = old {
            self.counts[Self::slot(old)] -= 1;
        }
        self.counts[Self::slot(state)] += 1;
        true
    }

    fn publish(&self, org: &str) {
        for (state, n) in Self::STATES.iter().zip(self.counts) {
            metrics::gauge!(
                "sentral_agents",
                "org" => org.to_owned(),
                "state" => crate::dto::agent_state(*state)
            )
            .set(n);
        }
    }
}

impl Clock {
    fn now(&self) -> Now {
        let unix_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        Now {
            mono_ms: self.origin.elapsed().as_millis() as u64,
            unix_ms,
        }
    }

    fn instant(&self, mono_ms: u64) -> Instant {
        self.origin + Duration::from_millis(mono_ms)
    }
}

async fn sleep(until: Option<Instant>) {
    match until {
        Some(until) => tokio::time::sleep_until(until).await,
        None => std::future::pending().await,
    }
}

fn stopped() -> Rejection {
    Rejection::invalid("the organisation is shutting down")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_gauge_counts_each_agent_once_in_its_latest_state() {
        let mut gauge = AgentGauge::default();
        let (anna, bo) = (AgentId(1), AgentId(2));
        assert!(gauge.set(anna, AgentStateView::LoggedOut));
        assert!(gauge.set(bo, AgentStateView::LoggedOut));
        assert!(gauge.set(anna, AgentStateView::Available));
        // The same event to the agent and to supervisors arrives twice: counted once.
        assert!(!gauge.set(anna, AgentStateView::Available));
        assert!(gauge.set(bo, AgentStateView::Rona));
        assert!(gauge.set(bo, AgentStateView::Idle));
        assert_eq!(gauge.counts, [0, 1, 1, 0]);
    }
}
