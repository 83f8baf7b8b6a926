//! Deterministic simulation of the whole voice-call lifecycle (R2–R40, R42).
//!
//! Goal: no interleaving of customers, phones, agents, timers and administrators breaks the
//! engine's invariants. Method: a seeded random driver plays the phone network and every
//! agent's desktop at once — arrivals, ringing, answers, failures, hang-ups at any moment
//! (mid-consult, mid-transfer, during RONA), device loss, DTMF, invalid and out-of-order
//! commands, stale telephony events and timers, configuration changes — and after every step
//! checks the engine's own invariants plus what an outside observer can see:
//! - a rejected input changes nothing (no output at all), except that a call refused at the
//!   organisation's limit is refused, recorded as created and ended, and shown to supervisors;
//! - a contact is in exactly one place, and no agent is on two voice calls;
//! - customer and consulted party are never both on hold (R15);
//! - a contact that was not answered is back at its original place (R12), and a courtesy
//!   callback keeps the caller's place (R37);
//! - a callback whose customer did not answer waits out its queue's retry spacing, keeps its
//!   place meanwhile, is listed as pending, and comes back only when its retry timer fires or
//!   ends only when a configuration change spends its attempts (R40);
//! - nothing ends except by a rule or a hang-up: each end reason matches what the step did;
//! - every ended interaction yields exactly one final record, and no interaction disappears
//!   without one (R45);
//! - only the agent who owned the call gets the wrap-up dialog (R24–R26);
//! - every telephony command names legs the network still has up, and media commands (bridge,
//!   hold, conference, recording, prompts) only answered ones;
//! - an agent's phone rings only once every earlier leg on it is hung up (R36);
//! - `LimitReached` is shown only when the call limit is reached (R2);
//! - an offer popover shows 3 to 6 variables and a consult request at most 9, never a secure
//!   one, also when an entry point's flow chooses its own (random choices come with
//!   configuration changes) (R9, R10);
//! - an action the agent's team's desktop profile does not allow (random profiles come with
//!   configuration changes) is refused with R43, and an allowed one never is (R43);
//! - each desktop, rebuilt only from the events it was sent, shows exactly the call the engine
//!   has its agent on (no popover left open, none missing), that call's hold state (R14, R15,
//!   R19) and the wrap-ups the engine awaits (R36).
//!
//! On failure it prints the seed, the step and the last steps. `SENTRAL_SIM_SEED=<n>` replays
//! one seed exactly (`simulation_replays_a_seed_exactly` proves it); `SENTRAL_SIM_STEPS=<n>`
//! sets the steps per seed (default 25,000 over 8 seeds).

use sentral_engine::testing::{SALES, SUPPORT, small_config};
use sentral_engine::*;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::panic::{AssertUnwindSafe, catch_unwind};

const SEEDS_DEFAULT: u64 = 8;
const STEPS_DEFAULT: u64 = 25_000;
const HISTORY: usize = 30;

#[test]
fn r2_to_r42_simulation_keeps_every_invariant() {
    let steps: u64 = env_u64("SENTRAL_SIM_STEPS").unwrap_or(STEPS_DEFAULT);
    let seeds: Vec<u64> = match env_u64("SENTRAL_SIM_SEED") {
        Some(seed) => vec![seed],
        None => (0..SEEDS_DEFAULT).map(|i| 0x005e_17a1 + i * 7919).collect(),
    };
    let mut totals = Stats::default();
    for seed in seeds {
        let stats = Sim::new(seed).run(steps);
        totals.add(&stats);
    }
    eprintln!("simulation: {totals:?}");
    // The driver must actually reach the interesting paths, or the run proves little.
    assert!(
        totals.connected > 0 && totals.ronas > 0 && totals.consults_accepted > 0,
        "{totals:?}"
    );
    assert!(
        totals.transfers > 0 && totals.conferences > 0 && totals.callbacks > 0,
        "{totals:?}"
    );
    assert!(
        totals.retries > 0 && totals.retries_back > 0 && totals.callbacks_given_up > 0,
        "{totals:?}"
    );
    assert!(totals.courtesy_at_arrival > 0, "R37: {totals:?}");
    assert!(
        totals.rejections > 0 && totals.ended > 0 && totals.wrapups > 0,
        "{totals:?}"
    );
    assert!(totals.not_allowed > 0, "R43 is reached: {totals:?}");
    assert!(
        totals.flow_popovers > 0,
        "R9 flows' popovers are reached: {totals:?}"
    );
}

/// Issue 18, isolation: a panic in one contact ends that contact only, in whatever state the
/// simulation has brought it to. Method: the same driver, with the engine's test hook arming a
/// panic in a random live contact every few hundred steps; the step that reaches that contact
/// panics once it has run. Every check above still runs after every step; the one difference
/// is that the armed contact may end with `internal_error`.
#[test]
fn issue_18_a_panic_in_one_contact_ends_only_that_contact_in_the_simulation() {
    let steps: u64 = env_u64("SENTRAL_SIM_STEPS").unwrap_or(STEPS_DEFAULT);
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let injected = info
            .payload()
            .downcast_ref::<String>()
            .is_some_and(|message| message.starts_with("injected panic"));
        if !injected {
            quiet(info);
        }
    }));
    let mut totals = Stats::default();
    for seed in [0x18_0001, 0x18_0002] {
        let mut sim = Sim::new(seed);
        sim.panic_every = 200;
        totals.add(&sim.run(steps));
    }
    eprintln!("simulation with panics: {totals:?}");
    assert!(totals.panics > 10 && totals.connected > 0, "{totals:?}");
}

/// The simulation's promise that a printed seed replays the failure: the same seed gives the
/// same inputs, the same answers and the same outputs, step for step. The engine's maps iterate
/// in a stable order (`StableMap`) and the driver keeps ordered maps, so nothing depends on the
/// per-process random keys of `HashMap`. Two runs of one seed in one process (where every
/// `HashMap::new` would draw different keys) must leave the same fingerprint of everything.
#[test]
fn simulation_replays_a_seed_exactly() {
    let run = || {
        let mut sim = Sim::new(0x005e_17a1);
        sim.fingerprint = Some(std::hash::DefaultHasher::new());
        sim.run(20_000)
    };
    let (first, second) = (run(), run());
    assert!(first.fingerprint.is_some());
    assert_eq!(
        format!("{first:?}"),
        format!("{second:?}"),
        "one seed, two different runs"
    );
}

/// What a run reached, to show the driver covers the lifecycle.
#[derive(Debug, Default)]
struct Stats {
    steps: u64,
    connected: u64,
    ronas: u64,
    consults_accepted: u64,
    conferences: u64,
    transfers: u64,
    callbacks: u64,
    /// Callback attempts not answered with attempts left (R40).
    retries: u64,
    /// Callbacks back in their queue after the spacing (R40).
    retries_back: u64,
    /// Callbacks given up after their last attempt (R40).
    callbacks_given_up: u64,
    ended: u64,
    wrapups: u64,
    rejections: u64,
    /// Contacts ended by a panic the test hook injected (issue 18).
    panics: u64,
    /// Commands refused because the team's desktop profile does not allow them (R43).
    not_allowed: u64,
    /// Offer popovers with a label an entry point's flow chose (R9).
    flow_popovers: u64,
    /// Callers offered the courtesy callback on arrival: queue closed or long expected wait
    /// (R37).
    courtesy_at_arrival: u64,
    /// A hash of every step's input, answer and outputs, when the run kept one.
    fingerprint: Option<u64>,
}

impl Stats {
    fn add(&mut self, other: &Stats) {
        self.steps += other.steps;
        self.connected += other.connected;
        self.ronas += other.ronas;
        self.consults_accepted += other.consults_accepted;
        self.conferences += other.conferences;
        self.transfers += other.transfers;
        self.callbacks += other.callbacks;
        self.retries += other.retries;
        self.retries_back += other.retries_back;
        self.callbacks_given_up += other.callbacks_given_up;
        self.courtesy_at_arrival += other.courtesy_at_arrival;
        self.ended += other.ended;
        self.wrapups += other.wrapups;
        self.rejections += other.rejections;
        self.panics += other.panics;
        self.not_allowed += other.not_allowed;
        self.flow_popovers += other.flow_popovers;
    }
}

/// A small, fast, seedable PRNG (SplitMix64): the run depends on nothing but the seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        (!items.is_empty()).then(|| &items[self.below(items.len() as u64) as usize])
    }
}

/// What the simulated network knows about a leg.
#[derive(Clone, Copy, Debug)]
struct SimLeg {
    interaction: InteractionId,
    kind: LegKind,
    answered: bool,
}

#[derive(Clone, Copy, Debug, Eq, PartialEq)]
enum LegKind {
    Customer,
    Agent(AgentId),
    Dialled,
}

/// What a step did, to judge the end reasons it caused.
#[derive(Clone, Debug, PartialEq)]
enum Step {
    Arrival,
    Ringing,
    Answer,
    Fail(LegKind),
    HangUp(LegKind, InteractionId),
    Dtmf,
    Device,
    Command(AgentId, Command),
    Timer,
    Wait,
    WebCallback,
    Config,
    Stale,
}

struct Sim {
    seed: u64,
    rng: Rng,
    engine: Engine,
    now_ms: u64,
    legs: BTreeMap<LegId, SimLeg>,
    gone_legs: Vec<LegId>,
    next_customer_leg: u64,
    created: BTreeSet<InteractionId>,
    /// Created and not yet ended.
    live: BTreeSet<InteractionId>,
    ended: BTreeSet<InteractionId>,
    extensions: Vec<String>,
    history: VecDeque<String>,
    stats: Stats,
    base_config: Config,
    /// The input of the step being checked.
    last_input: Option<Input>,
    /// What that input produced.
    last_outputs: Vec<Output>,
    /// Print every step (`SENTRAL_SIM_TRACE=1`).
    trace: bool,
    /// What each agent's desktop shows, built only from the events it was sent.
    desktops: BTreeMap<AgentId, Desktop>,
    /// Timers the engine has armed and not yet cancelled or had fired, so that a stale timer
    /// is really stale.
    armed_timers: BTreeSet<TimerId>,
    /// Callbacks waiting to retry, with the earliest time they may come back (R40).
    retry_due: BTreeMap<InteractionId, u64>,
    /// Arm a panic in a random live contact about once every this many steps (0: never).
    panic_every: u64,
    /// The contact whose next step panics, if one is armed (issue 18).
    armed_panic: Option<InteractionId>,
    /// A hash of every step, kept when set (`simulation_replays_a_seed_exactly`).
    fingerprint: Option<std::hash::DefaultHasher>,
}

/// An agent's desktop as its events built it: the popovers and control panes open, and the
/// hold state last shown for each call.
#[derive(Debug, Default)]
struct Desktop {
    open: BTreeSet<InteractionId>,
    hold: BTreeMap<InteractionId, (bool, Option<bool>)>,
    wrapups: BTreeSet<InteractionId>,
}

impl Sim {
    fn new(seed: u64) -> Sim {
        let mut config = small_config();
        config.org.calls_max = 6;
        config.org.rona_timeout_ms = 8_000;
        config.org.callback_attempts_max = 2;
        config.org.callback_retry_after_ms = 5_000;
        for queue in &mut config.queues {
            queue.rona_timeout_ms = Some(6_000 + 1_000 * queue.id.0);
        }
        // Sales retries at once, Support waits its own spacing and dials three times, Overflow
        // follows the organisation (R40).
        config.queues[0].callback_retry_after_ms = Some(0);
        config.queues[1].callback_retry_after_ms = Some(3_000);
        config.queues[1].callback_attempts_max = Some(3);
        let engine = Engine::new(config.clone(), Now::from_millis(0)).expect("valid config");
        Sim {
            seed,
            rng: Rng(seed),
            engine,
            now_ms: 0,
            legs: BTreeMap::new(),
            gone_legs: Vec::new(),
            next_customer_leg: 0,
            created: BTreeSet::new(),
            live: BTreeSet::new(),
            ended: BTreeSet::new(),
            extensions: (1001..=1006).map(|e| e.to_string()).collect(),
            history: VecDeque::new(),
            stats: Stats::default(),
            base_config: config,
            last_input: None,
            last_outputs: Vec::new(),
            trace: std::env::var_os("SENTRAL_SIM_TRACE").is_some(),
            desktops: BTreeMap::new(),
            armed_timers: BTreeSet::new(),
            retry_due: BTreeMap::new(),
            panic_every: 0,
            armed_panic: None,
            fingerprint: None,
        }
    }

    fn run(mut self, steps: u64) -> Stats {
        for step_no in 0..steps {
            let outcome = catch_unwind(AssertUnwindSafe(|| self.step()));
            let violation = match outcome {
                Ok(Ok(())) => continue,
                Ok(Err(violation)) => violation,
                Err(panic) => format!("engine panicked: {}", panic_message(&panic)),
            };
            let commit = std::process::Command::new("git")
                .args(["rev-parse", "--short", "HEAD"])
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
                .unwrap_or_default();
            let history: Vec<&String> = self.history.iter().collect();
            panic!(
                "simulation violation at step {step_no}: {violation}\n\
                 replay: SENTRAL_SIM_SEED={} SENTRAL_SIM_STEPS={} (commit {commit})\nlast steps:\n{:#?}\n\
                 outputs of the last step:\n{:#?}",
                self.seed,
                step_no + 1,
                history,
                self.last_outputs
            );
        }
        self.stats.steps = steps;
        self.stats.fingerprint = self.fingerprint.as_ref().map(std::hash::Hasher::finish);
        self.stats
    }

    /// Whether `interaction` is gone because the step the test hook armed in it panicked
    /// (issue 18): checks of what it became in this step do not apply to it.
    fn gone_by_panic(&self, interaction: InteractionId) -> bool {
        self.armed_panic == Some(interaction) && self.engine.interaction_view(interaction).is_none()
    }

    /// One random input, then every check.
    fn step(&mut self) -> Result<(), String> {
        if self.panic_every > 0
            && self.armed_panic.is_none()
            && self.rng.below(self.panic_every) == 0
        {
            let live: Vec<InteractionId> = self.live.iter().copied().collect();
            if let Some(&contact) = self.rng.pick(&live) {
                self.engine.inject_contact_panic(contact);
                self.armed_panic = Some(contact);
                self.remember(format!("t={} panic armed in {contact}", self.now_ms));
            }
        }
        let mut before = self.snapshot();
        let (step, input) = self.choose();
        // R43: what the command needs from the team's profile, and whether the profile (before
        // the step) allows it.
        let needs = match &input {
            Input::Command { agent, command } => self
                .needed_action(command)
                .zip(self.engine.agent_view(*agent))
                .and_then(|(action, view)| Some((action, view.allowed_actions?.allows(action)))),
            _ => None,
        };
        let described = match &input {
            Input::ConfigChanged(config) => format!("ConfigChanged({:?})", config.org),
            other => format!("{other:?}"),
        };
        self.remember(format!("t={} {described}", self.now_ms));
        self.last_input = Some(input.clone());
        let result = self
            .engine
            .handle_input(Now::from_millis(self.now_ms), input);
        let mut outputs = Vec::new();
        while let Some(output) = self.engine.poll_output() {
            outputs.push(output);
        }
        if let Some(fingerprint) = &mut self.fingerprint {
            std::hash::Hash::hash(&format!("{described} {result:?} {outputs:?}"), fingerprint);
        }
        self.last_outputs.clone_from(&outputs);
        self.track_timers(&outputs);
        if self.trace {
            eprintln!(
                "{}\n  -> {result:?}\n  -> {outputs:?}",
                self.history.back().expect("remembered")
            );
        }
        let refused_by_profile =
            matches!(&result, Err(rejection) if rejection.code == Code::Rule(Rule::R43));
        // A command whose contact panicked (issue 18) did nothing, whatever it answered.
        let panicked = match &self.last_input {
            Some(Input::Command {
                command:
                    Command::Consult { interaction, .. }
                    | Command::Transfer { interaction, .. }
                    | Command::ConsultTransfer { interaction }
                    | Command::PauseRecording { interaction },
                ..
            }) => self.gone_by_panic(*interaction),
            _ => false,
        };
        match needs {
            Some((action, false)) if result.is_ok() && !panicked => {
                return Err(format!(
                    "R43: {action:?} is not allowed to the agent's team, yet it was done"
                ));
            }
            Some((action, true)) if refused_by_profile => {
                return Err(format!(
                    "R43: {action:?} is allowed to the agent's team, yet it was refused"
                ));
            }
            None if refused_by_profile => {
                return Err("R43: a refusal for an action no profile governs".into());
            }
            _ => {}
        }
        if refused_by_profile {
            self.stats.not_allowed += 1;
        }
        if let Err(rejection) = &result {
            self.stats.rejections += 1;
            let is_arrival = matches!(
                self.last_input,
                Some(Input::Telephony(TelephonyEvent::CallArrived { .. }))
            );
            let is_refused_call = is_arrival
                && outputs.iter().all(|o| {
                    matches!(
                        o,
                        Output::Telephony(TelephonyCommand::Reject { .. })
                            | Output::Desktop {
                                event: DesktopEvent::LimitReached { .. },
                                ..
                            }
                            // R2, R45: a call refused at the limit is created and ended at once.
                            | Output::Record(
                                Record::InteractionCreated { .. }
                                    | Record::InteractionEnded {
                                        reason: EndReason::LimitReached,
                                        ..
                                    }
                            )
                    )
                });
            if !outputs.is_empty() && !is_refused_call {
                return Err(format!(
                    "rejected input ({rejection}) still produced {outputs:?}"
                ));
            }
        }
        if let Ok(Some(created)) = result {
            self.created.insert(created);
            self.live.insert(created);
        }
        self.apply_outputs(&step, &outputs, &mut before)?;
        // R2: no step adds a customer-facing call beyond the limit (lowering the limit does not
        // drop calls already up).
        let n_calls = self.engine.n_customer_calls();
        if n_calls > before.n_calls && n_calls > self.engine.config().org.calls_max {
            return Err(format!(
                "R2: {n_calls} customer calls, limit {}",
                self.engine.config().org.calls_max
            ));
        }
        self.engine.check_invariants()?;
        self.check_views()?;
        self.check_retries(&outputs)
    }

    /// Keeps `armed_timers` in step with what the engine armed, disarmed and had fired.
    fn track_timers(&mut self, outputs: &[Output]) {
        if let Some(Input::TimerFired(id)) = &self.last_input {
            self.armed_timers.remove(id);
        }
        for output in outputs {
            match output {
                Output::SetTimer { id, .. } => {
                    self.armed_timers.insert(*id);
                }
                Output::CancelTimer { id } => {
                    self.armed_timers.remove(id);
                }
                _ => {}
            }
        }
    }

    /// Callbacks waiting to retry stay out of the queue and in the pending list (R40).
    /// The pending list is read only on steps that started a wait: it builds every view.
    fn check_retries(&self, outputs: &[Output]) -> Result<(), String> {
        for id in self.retry_due.keys() {
            let phase = self.engine.interaction_view(*id).map(|view| view.phase);
            if phase != Some("retry_wait") {
                return Err(format!("R40: {id} should wait to retry, is {phase:?}"));
            }
        }
        let started = outputs.iter().any(|o| {
            matches!(
                o,
                Output::Record(Record::InteractionState {
                    state: "retry_wait",
                    ..
                })
            )
        });
        if started {
            let pending: BTreeSet<InteractionId> = self
                .engine
                .pending_callbacks()
                .iter()
                .map(|view| view.id)
                .collect();
            if let Some(id) = self.retry_due.keys().find(|id| !pending.contains(id)) {
                return Err(format!("R40: {id} waits to retry but is not pending"));
            }
        }
        Ok(())
    }

    /// When a callback of `queue` that was not answered may come back (R40).
    fn retry_due_at(&self, queue: Option<QueueId>) -> u64 {
        let config = self.engine.config();
        let spacing_ms = queue
            .and_then(|id| config.queue(id))
            .and_then(|q| q.callback_retry_after_ms)
            .unwrap_or(config.org.callback_retry_after_ms);
        self.now_ms + spacing_ms
    }

    fn choose(&mut self) -> (Step, Input) {
        loop {
            let roll = self.rng.below(100);
            let choice = match roll {
                0..=7 => self.arrival(),
                8..=17 => self.ringing(),
                18..=31 => self.answer(),
                32..=35 => self.fail(),
                36..=43 => self.hang_up(),
                44..=45 => self.dtmf(),
                46..=48 => self.device(),
                49..=79 => self.command(),
                80..=89 => self.timer(),
                90..=92 => Some(self.wait()),
                93..=94 => self.web_callback(),
                95 => Some(self.config_change()),
                _ => Some(self.stale()),
            };
            if let Some(choice) = choice {
                return choice;
            }
        }
    }

    // ---- the phone network ----------------------------------------------------------------

    fn arrival(&mut self) -> Option<(Step, Input)> {
        if self.live.len() > 40 {
            return None;
        }
        self.next_customer_leg += 1;
        let leg = LegId(self.next_customer_leg);
        let dnis = match self.rng.below(10) {
            0..=4 => "+4721000000",
            5..=8 => "+47 21 00 00 01",
            _ => "+4799999999",
        };
        // Some callers withhold their number.
        let ani = if self.rng.chance(10) {
            "anonymous".to_owned()
        } else {
            format!("+4790{:06}", self.rng.below(1_000_000))
        };
        Some((
            Step::Arrival,
            Input::Telephony(TelephonyEvent::CallArrived {
                leg,
                dnis: dnis.into(),
                ani,
            }),
        ))
    }

    fn ringing_legs(&self) -> Vec<LegId> {
        self.legs
            .iter()
            .filter(|(_, l)| !l.answered && l.kind != LegKind::Customer)
            .map(|(&id, _)| id)
            .collect()
    }

    fn ringing(&mut self) -> Option<(Step, Input)> {
        let leg = *self.rng.pick(&self.ringing_legs())?;
        Some((
            Step::Ringing,
            Input::Telephony(TelephonyEvent::Ringing { leg }),
        ))
    }

    fn answer(&mut self) -> Option<(Step, Input)> {
        let leg = *self.rng.pick(&self.ringing_legs())?;
        Some((
            Step::Answer,
            Input::Telephony(TelephonyEvent::Answered { leg }),
        ))
    }

    fn fail(&mut self) -> Option<(Step, Input)> {
        let leg = *self.rng.pick(&self.ringing_legs())?;
        let causes = [
            FailCause::Busy,
            FailCause::Unavailable,
            FailCause::Declined,
            FailCause::NoAnswer,
            FailCause::Error,
        ];
        let cause = *self.rng.pick(&causes)?;
        let kind = self.legs[&leg].kind;
        Some((
            Step::Fail(kind),
            Input::Telephony(TelephonyEvent::Failed { leg, cause }),
        ))
    }

    fn hang_up(&mut self) -> Option<(Step, Input)> {
        let answered: Vec<LegId> = self
            .legs
            .iter()
            .filter(|(_, l)| l.answered)
            .map(|(&id, _)| id)
            .collect();
        let leg = *self.rng.pick(&answered)?;
        let sim_leg = self.legs[&leg];
        // Now and then the telephony side ends the leg itself (silent, not refreshed, too
        // long): the same hang-up rules apply, with the cause on record.
        let lost = [
            None,
            None,
            None,
            Some(LostCause::MediaTimeout),
            Some(LostCause::SessionExpired),
            Some(LostCause::CallTooLong),
        ];
        let event = match *self.rng.pick(&lost)? {
            Some(cause) => TelephonyEvent::LegLost { leg, cause },
            None => TelephonyEvent::HungUp { leg },
        };
        Some((
            Step::HangUp(sim_leg.kind, sim_leg.interaction),
            Input::Telephony(event),
        ))
    }

    fn dtmf(&mut self) -> Option<(Step, Input)> {
        let customers: Vec<LegId> = self
            .legs
            .iter()
            .filter(|(_, l)| l.kind == LegKind::Customer)
            .map(|(&id, _)| id)
            .collect();
        let leg = *self.rng.pick(&customers)?;
        let digit = if self.rng.chance(80) { '1' } else { '5' };
        Some((
            Step::Dtmf,
            Input::Telephony(TelephonyEvent::Dtmf { leg, digit }),
        ))
    }

    fn device(&mut self) -> Option<(Step, Input)> {
        let extension = self.rng.pick(&self.extensions)?.clone();
        let event = if self.rng.chance(70) {
            TelephonyEvent::DeviceRegistered { extension }
        } else {
            TelephonyEvent::DeviceUnregistered { extension }
        };
        Some((Step::Device, Input::Telephony(event)))
    }

    fn timer(&mut self) -> Option<(Step, Input)> {
        let (at, id) = self.engine.poll_timeout()?;
        // BUGGIFY: sometimes fire exactly at the deadline, racing whatever comes next.
        self.now_ms = self.now_ms.max(at);
        Some((Step::Timer, Input::TimerFired(id)))
    }

    fn wait(&mut self) -> (Step, Input) {
        self.now_ms += self.rng.below(3_000);
        let extension = self.extensions[self.rng.below(6) as usize].clone();
        (
            Step::Wait,
            Input::Telephony(TelephonyEvent::DeviceRegistered { extension }),
        )
    }

    fn web_callback(&mut self) -> Option<(Step, Input)> {
        if self.live.len() > 40 {
            return None;
        }
        let queue = QueueId(1 + self.rng.below(3));
        let number = if self.rng.chance(90) {
            format!("+47 9{:07}", self.rng.below(10_000_000))
        } else {
            "abc".into()
        };
        Some((
            Step::WebCallback,
            Input::WebCallback {
                queue,
                name: "Kunde".into(),
                number,
            },
        ))
    }

    fn config_change(&mut self) -> (Step, Input) {
        let mut config = self.base_config.clone();
        config.org.recording = self.rng.chance(80);
        config.org.recording_pause_allowed = self.rng.chance(80);
        config.org.privacy_shield_ms = self.rng.chance(70).then_some(5_000);
        config.org.web_callback_cancel = self.rng.chance(70);
        config.org.transfer_no_answer = if self.rng.chance(50) {
            TransferNoAnswer::Drop
        } else {
            TransferNoAnswer::Requeue
        };
        config.org.calls_max = 3 + self.rng.below(6) as u32;
        for queue in &mut config.queues {
            queue.priority = self.rng.below(3) as u8;
        }
        // Fewer attempts may give up callbacks waiting to retry; another spacing applies from
        // the next unanswered attempt (R40).
        if self.rng.chance(30) {
            let queue = &mut config.queues[self.rng.below(3) as usize];
            queue.callback_attempts_max = Some(1 + self.rng.below(3) as u32);
            queue.callback_retry_after_ms =
                [None, Some(0), Some(2_000), Some(20_000)][self.rng.below(4) as usize];
        }
        // R9: now and then Kundeservice's flow chooses its own popover variables (a secure one
        // is refused).
        if self.rng.chance(30) {
            let mut names = vec![
                "ani",
                "dnis",
                "queue",
                "case_number",
                "customer_name",
                "language",
                "follow_up_at",
            ];
            if self.rng.chance(10) {
                names.push("national_id");
            }
            let mut popover = Vec::new();
            let n = 3 + self.rng.below(4) as usize;
            while popover.len() < n.min(names.len()) {
                let name = names.remove(self.rng.below(names.len() as u64) as usize);
                popover.push(PopoverChoice {
                    name: name.into(),
                    label: self.rng.chance(50).then(|| format!("Label {name}")),
                });
            }
            config.entry_points[0].flow.popover = popover;
        }
        // R43: now and then a team's desktop profile denies a random set of actions.
        for team in &mut config.teams {
            if self.rng.chance(30) {
                for action in DesktopAction::ALL {
                    team.allowed_actions.set(action, self.rng.chance(60));
                }
            }
        }
        if self.rng.chance(30) {
            self.random_opening_hours(&mut config);
        }
        if self.rng.chance(20) {
            // Move anna to Support: refused while she is logged in to Sales.
            config.agents[0].teams = vec![SUPPORT];
        }
        if self.rng.chance(10) {
            config.queues[0].overflow = Some(config.queues[0].id); // invalid: rejected
        }
        if self.rng.chance(10) {
            // Sales becomes a chat queue: refused while voice calls are in it.
            config.queues[0].channel = Channel::Chat;
            config
                .entry_points
                .retain(|ep| ep.flow.queue != config.queues[0].id);
        }
        (Step::Config, Input::ConfigChanged(Box::new(config)))
    }

    /// R37: random opening hours (short spans, so that queues open and close during a run),
    /// a holiday, a time zone whose offset changes, and expected-wait thresholds.
    fn random_opening_hours(&mut self, config: &mut Config) {
        let week = std::array::from_fn(|_| {
            let mut spans = Vec::new();
            let mut minute = self.rng.below(30) as u16;
            while minute < 1380 && spans.len() < 8 {
                let to = (minute + 1 + self.rng.below(90) as u16).min(1440);
                spans.push(OpenSpan {
                    from_minute: minute,
                    to_minute: to,
                });
                minute = to + 1 + self.rng.below(120) as u16;
            }
            spans
        });
        let offset_s = |rng: &mut Rng| (rng.below(25) as i32 - 12) * 1_800;
        config.calendar = Calendar {
            opening_hours: vec![OpeningHours {
                name: "Random".into(),
                week,
            }],
            holidays: self
                .rng
                .chance(30)
                .then_some(CivilDate {
                    year: 1970,
                    month: 1,
                    day: 1 + self.rng.below(3) as u8,
                })
                .into_iter()
                .collect(),
            utc_offsets: vec![
                UtcOffset {
                    from_unix_ms: i64::MIN,
                    offset_s: offset_s(&mut self.rng),
                },
                UtcOffset {
                    from_unix_ms: self.rng.below(4 * 3_600_000) as i64,
                    offset_s: offset_s(&mut self.rng),
                },
            ],
        };
        for queue in &mut config.queues {
            queue.opening_hours = self.rng.chance(60).then(|| "Random".into());
        }
        for entry_point in &mut config.entry_points {
            entry_point.flow.courtesy_callback_expected_wait_ms =
                [None, Some(1_000), Some(30_000)][self.rng.below(3) as usize];
        }
    }

    fn stale(&mut self) -> (Step, Input) {
        let event = match self.rng.below(4) {
            0 => {
                // An id the engine used and disarmed, or never used: never an armed one.
                let id = TimerId(self.rng.below(1_000));
                if self.armed_timers.contains(&id) {
                    Input::TimerFired(TimerId(u64::MAX - id.0))
                } else {
                    Input::TimerFired(id)
                }
            }
            1 => {
                // A customer leg id that is already in use.
                let leg = LegId(1 + self.rng.below(self.next_customer_leg.max(1)));
                Input::Telephony(TelephonyEvent::CallArrived {
                    leg,
                    dnis: "+4721000000".into(),
                    ani: "+4790000000".into(),
                })
            }
            _ => {
                let leg = self
                    .rng
                    .pick(&self.gone_legs)
                    .copied()
                    .unwrap_or(LegId(ENGINE_LEG_BIT | 999_999));
                let events = [
                    TelephonyEvent::Answered { leg },
                    TelephonyEvent::HungUp { leg },
                    TelephonyEvent::Ringing { leg },
                    TelephonyEvent::Failed {
                        leg,
                        cause: FailCause::Busy,
                    },
                ];
                Input::Telephony(self.rng.pick(&events).cloned().expect("non-empty"))
            }
        };
        (Step::Stale, event)
    }

    // ---- the desktops ---------------------------------------------------------------------

    /// Interactions agents still wrap up (ended ones included).
    fn wrapping_up(&self) -> Vec<InteractionId> {
        (1..=6)
            .filter_map(|a| self.engine.agent_view(AgentId(a)))
            .flat_map(|a| a.wrapups)
            .collect()
    }

    fn command(&mut self) -> Option<(Step, Input)> {
        if self.rng.chance(60)
            && let Some(choice) = self.sensible_command()
        {
            return Some(choice);
        }
        self.random_command()
    }

    /// A command that makes sense for the agent's situation, so that runs reach deep states
    /// (consults, conferences, transfers) often.
    fn sensible_command(&mut self) -> Option<(Step, Input)> {
        let agent = AgentId(1 + self.rng.below(6));
        let view = self.engine.agent_view(agent)?;
        let team = if agent.0 <= 3 { SALES } else { SUPPORT };
        let command = if view.state == AgentStateView::LoggedOut {
            Command::LogIn {
                team,
                extension: format!("{}", 1000 + agent.0),
            }
        } else if let Some(&interaction) = view.wrapups.first() {
            Command::SubmitWrapUp {
                interaction,
                reason: "resolved".into(),
            }
        } else if let Some(interaction) = view.call {
            let call = self.engine.interaction_view(interaction)?;
            if call.owner != Some(agent) || call.phase != "connected" {
                return None;
            }
            match (call.consult, self.rng.below(10)) {
                (None, 0..=4) => {
                    let free = self.engine.directory_agents(agent, false, "");
                    let target = match self.rng.pick(&free) {
                        Some(other) if self.rng.chance(80) => Target::Agent(other.id),
                        _ => self.target(),
                    };
                    Command::Consult {
                        interaction,
                        target,
                    }
                }
                (None, 5) => Command::Transfer {
                    interaction,
                    target: self.target(),
                },
                (None, 6) => Command::Hold {
                    interaction,
                    party: Party::Customer,
                },
                (None, _) => Command::End { interaction },
                (Some(consult), n) if consult.accepted && n < 4 => {
                    Command::Conference { interaction }
                }
                (Some(consult), n) if consult.accepted && n < 6 => {
                    Command::ConsultTransfer { interaction }
                }
                (Some(_), 6) => Command::Resume {
                    interaction,
                    party: Party::Customer,
                },
                (Some(_), 7) => Command::EndConsult { interaction },
                (Some(_), _) => Command::End { interaction },
            }
        } else if view.state != AgentStateView::Available {
            Command::SetState(StateRequest::Available)
        } else {
            return None;
        };
        Some((
            Step::Command(agent, command.clone()),
            Input::Command { agent, command },
        ))
    }

    fn random_command(&mut self) -> Option<(Step, Input)> {
        let agent = AgentId(1 + self.rng.below(6));
        let interaction = self.some_interaction(agent);
        let extension = format!("{}", 1000 + agent.0);
        let team = if agent.0 <= 3 { SALES } else { SUPPORT };
        let command = match self.rng.below(22) {
            0 => Command::LogIn { team, extension },
            1 => Command::LogOut,
            2..=4 => Command::SetState(StateRequest::Available),
            5 => Command::SetState(StateRequest::Idle {
                reason: if self.rng.chance(90) { "lunch" } else { "nap" }.into(),
            }),
            6 => Command::Hold {
                interaction,
                party: self.party(),
            },
            7 => Command::Resume {
                interaction,
                party: self.party(),
            },
            8 | 9 => Command::Consult {
                interaction,
                target: self.target(),
            },
            10 => Command::EndConsult { interaction },
            11 => Command::ConsultTransfer { interaction },
            12 => Command::Conference { interaction },
            13 => Command::Transfer {
                interaction,
                target: self.target(),
            },
            14 => Command::End { interaction },
            15 => Command::PauseRecording { interaction },
            16 => Command::ResumeRecording { interaction },
            17 => {
                let view = self.engine.interaction_view(interaction);
                let version =
                    view.map_or(0, |v| v.variables_version) + u64::from(self.rng.chance(20));
                let mut values = BTreeMap::new();
                let name = *self
                    .rng
                    .pick(&[
                        "case_number",
                        "language",
                        "follow_up_at",
                        "national_id",
                        "nope",
                    ])
                    .unwrap();
                let value = match self.rng.below(4) {
                    0 => "2026-11-25T10:00:00Z".to_owned(),
                    1 => "x".repeat(257),
                    _ => format!("C-{}", self.rng.below(1000)),
                };
                values.insert(name.to_owned(), value);
                Command::SaveVariables {
                    interaction,
                    values,
                    expected_version: version,
                }
            }
            18 | 19 => {
                let pending = self
                    .engine
                    .agent_view(agent)
                    .map(|a| a.wrapups)
                    .unwrap_or_default();
                let interaction = self.rng.pick(&pending).copied().unwrap_or(interaction);
                let reason = if self.rng.chance(90) {
                    "resolved"
                } else {
                    "whatever"
                };
                Command::SubmitWrapUp {
                    interaction,
                    reason: reason.into(),
                }
            }
            20 => Command::CancelCallback { interaction },
            _ => Command::Outdial {
                number: if self.rng.chance(90) {
                    "+47 22 33 44 55".into()
                } else {
                    "12".into()
                },
            },
        };
        Some((
            Step::Command(agent, command.clone()),
            Input::Command { agent, command },
        ))
    }

    /// Mostly the agent's own call, sometimes anyone's, sometimes one that no longer exists.
    fn some_interaction(&mut self, agent: AgentId) -> InteractionId {
        let own = self.engine.agent_view(agent).and_then(|a| a.call);
        match (own, self.rng.below(10)) {
            (Some(own), 0..=6) => own,
            _ => {
                let created: Vec<InteractionId> =
                    self.created.iter().rev().take(20).copied().collect();
                // Mostly recent ones; the oldest are long gone.
                self.rng.pick(&created).copied().unwrap_or(InteractionId(1))
            }
        }
    }

    fn party(&mut self) -> Party {
        if self.rng.chance(50) {
            Party::Customer
        } else {
            Party::Consulted
        }
    }

    /// The allowed action (R43) `command` needs, decided from the configuration only: what
    /// the sim expects, not what the engine says. `None`: no profile governs it.
    fn needed_action(&self, command: &Command) -> Option<DesktopAction> {
        let config = self.engine.config();
        let is_entry_point_number = |text: &str| {
            let digits = DialNumber::parse(text).ok()?.digits();
            Some(
                config
                    .entry_points
                    .iter()
                    .any(|ep| ep.dial_numbers.iter().any(|n| n.digits() == digits)),
            )
        };
        match command {
            Command::Consult { .. } => Some(DesktopAction::Consult),
            Command::PauseRecording { .. } => Some(DesktopAction::PauseRecording),
            Command::Outdial { .. } => Some(DesktopAction::Outdial),
            Command::Transfer { target, .. } => match target {
                Target::Agent(_) | Target::Queue(_) => None,
                Target::EntryPoint(_) => Some(DesktopAction::TransferToEntryPoint),
                Target::Expert(_) => Some(DesktopAction::TransferToDialNumber),
                Target::DialNumber(text) => Some(if is_entry_point_number(text)? {
                    DesktopAction::TransferToEntryPoint
                } else {
                    DesktopAction::TransferToDialNumber
                }),
            },
            // Handing a consulted number the call (no consulted agent).
            Command::ConsultTransfer { interaction } => {
                let view = self.engine.interaction_view(*interaction)?;
                (view.consult.is_some() && view.consulted.is_none())
                    .then_some(DesktopAction::TransferToDialNumber)
            }
            _ => None,
        }
    }

    fn target(&mut self) -> Target {
        match self.rng.below(8) {
            0..=2 => Target::Agent(AgentId(1 + self.rng.below(6))),
            3 => Target::Queue(QueueId(1 + self.rng.below(3))),
            4 => Target::EntryPoint(EntryPointId(1 + self.rng.below(2))),
            5 => Target::DialNumber(
                (*self
                    .rng
                    .pick(&["+47 (22) 00-00-00", "+4721000001", "1", "+4799887766"])
                    .unwrap())
                .into(),
            ),
            _ => Target::Expert(ExpertId(1 + self.rng.below(2))),
        }
    }

    // ---- checks ---------------------------------------------------------------------------

    fn snapshot(&self) -> Snapshot {
        let mut owners = BTreeMap::new();
        let mut places = BTreeMap::new();
        for &id in self.live.iter().chain(self.wrapping_up().iter()) {
            if let Some(view) = self.engine.interaction_view(id) {
                if let Some(owner) = view.owner {
                    owners.insert(id, owner);
                }
                if let Some(place) = view.place {
                    places.insert(id, place);
                }
            }
        }
        Snapshot {
            owners,
            places,
            n_calls: self.engine.n_customer_calls(),
        }
    }

    fn apply_outputs(
        &mut self,
        step: &Step,
        outputs: &[Output],
        before: &mut Snapshot,
    ) -> Result<(), String> {
        if let Some(Input::Telephony(TelephonyEvent::CallArrived { .. })) = self.last_input
            && let Some(Output::Telephony(TelephonyCommand::Answer { leg })) = outputs
                .iter()
                .find(|o| matches!(o, Output::Telephony(TelephonyCommand::Answer { .. })))
        {
            let interaction = *self.created.last().expect("arrival created one");
            if outputs.iter().any(|o| {
                matches!(
                    o,
                    Output::Telephony(TelephonyCommand::PlayPrompt {
                        prompt: Prompt::CourtesyCallbackOffer,
                        ..
                    })
                )
            }) {
                self.stats.courtesy_at_arrival += 1;
            }
            // A leg id the network reuses is no longer a gone one.
            self.gone_legs.retain(|gone| gone != leg);
            self.legs.insert(
                *leg,
                SimLeg {
                    interaction,
                    kind: LegKind::Customer,
                    answered: true,
                },
            );
        }
        // The network's side of the step happened before the engine answered it.
        if let (Step::Answer, Some(Input::Telephony(TelephonyEvent::Answered { leg }))) =
            (step, self.last_input.clone())
            && let Some(sim_leg) = self.legs.get_mut(&leg)
        {
            sim_leg.answered = true;
        }
        if let (Step::Fail(_), Some(Input::Telephony(TelephonyEvent::Failed { leg, .. }))) =
            (step, self.last_input.clone())
        {
            self.forget(leg);
        }
        if let (
            Step::HangUp(..),
            Some(Input::Telephony(
                TelephonyEvent::HungUp { leg } | TelephonyEvent::LegLost { leg, .. },
            )),
        ) = (step, self.last_input.clone())
        {
            self.forget(leg);
        }
        for output in outputs {
            match output {
                Output::Telephony(command) => {
                    self.check_command(command)?;
                    self.apply_command(command)
                }
                Output::Desktop {
                    event: DesktopEvent::LimitReached { .. },
                    ..
                } if before.n_calls < self.engine.config().org.calls_max => {
                    return Err(format!(
                        "R2: LimitReached with {} of {} calls up",
                        before.n_calls,
                        self.engine.config().org.calls_max
                    ));
                }
                Output::Desktop {
                    to: Recipient::Agent(agent),
                    event,
                } => {
                    self.check_event(*agent, event, before)?;
                }
                Output::Record(Record::InteractionEnded {
                    interaction,
                    reason,
                    ..
                }) => {
                    if !self.ended.insert(*interaction) {
                        return Err(format!("R45: {interaction} got a second final record"));
                    }
                    // Issue 18: the contact the hook armed may end by its panic, and only it.
                    let injected = self.armed_panic == Some(*interaction);
                    if injected {
                        self.armed_panic = None;
                    }
                    let panicked = injected && *reason == EndReason::InternalError;
                    if panicked {
                        self.stats.panics += 1;
                        self.retry_due.remove(interaction);
                    }
                    if *reason == EndReason::CallbackNotAnswered {
                        self.stats.callbacks_given_up += 1;
                    }
                    if self.retry_due.remove(interaction).is_some()
                        && (*reason != EndReason::CallbackNotAnswered || *step != Step::Config)
                    {
                        return Err(format!(
                            "R40: {interaction} waiting to retry ended with {reason:?} after {step:?}"
                        ));
                    }
                    self.live.remove(interaction);
                    if !self.created.contains(interaction) {
                        return Err(format!("{interaction} ended but was never created"));
                    }
                    self.stats.ended += 1;
                    if !panicked {
                        check_end_reason(step, *interaction, *reason)?;
                    }
                }
                Output::Record(Record::InteractionCreated { interaction, .. }) => {
                    self.created.insert(*interaction);
                    self.live.insert(*interaction);
                }
                Output::Record(Record::WrapUp { .. }) => self.stats.wrapups += 1,
                Output::Record(Record::InteractionState {
                    state,
                    interaction,
                    queue,
                    ..
                }) => match *state {
                    "retry_wait" => {
                        self.stats.retries += 1;
                        let due = self.retry_due_at(*queue);
                        self.retry_due.insert(*interaction, due);
                    }
                    "queued" if self.retry_due.contains_key(interaction) => {
                        self.stats.retries_back += 1;
                        let due = self.retry_due.remove(interaction).expect("checked");
                        if self.now_ms < due {
                            return Err(format!(
                                "R40: {interaction} back at {} before its spacing ended at {due}",
                                self.now_ms
                            ));
                        }
                        let now = self
                            .engine
                            .interaction_view(*interaction)
                            .and_then(|v| v.place);
                        if now != before.places.get(interaction).copied()
                            && !self.gone_by_panic(*interaction)
                        {
                            return Err(format!(
                                "R40: callback {interaction} came back at {now:?}, was {:?}",
                                before.places.get(interaction)
                            ));
                        }
                    }
                    "connected" => self.stats.connected += 1,
                    "consult_accepted" => self.stats.consults_accepted += 1,
                    "conference" => self.stats.conferences += 1,
                    "transferred" | "transferring" => self.stats.transfers += 1,
                    "courtesy_callback" => {
                        self.stats.callbacks += 1;
                        let now = self
                            .engine
                            .interaction_view(*interaction)
                            .and_then(|v| v.place);
                        if now != before.places.get(interaction).copied()
                            && !self.gone_by_panic(*interaction)
                        {
                            return Err(format!(
                                "R37: courtesy callback {interaction} lost its place"
                            ));
                        }
                    }
                    _ => {}
                },
                _ => {}
            }
        }
        // Nothing disappears without its final record.
        for &id in &self.live {
            if self.engine.interaction_view(id).is_none() {
                return Err(format!("{id} vanished without a final record"));
            }
        }
        self.check_desktops()
    }

    /// A command the network could not carry out consistently: it names a leg that is gone
    /// (hung up, failed, never placed) or, for media, one that is not answered yet.
    fn check_command(&self, command: &TelephonyCommand) -> Result<(), String> {
        if let TelephonyCommand::RingAgent { agent, .. } = command
            && let Some((leg, _)) = self
                .legs
                .iter()
                .find(|(_, l)| l.kind == LegKind::Agent(*agent))
        {
            return Err(format!(
                "R36: {agent}'s phone rings again while {leg} is still up on it"
            ));
        }
        let (legs, answered): (Vec<LegId>, bool) = match command {
            TelephonyCommand::Bridge { a, b } => (vec![*a, *b], true),
            TelephonyCommand::Hold { leg } => (vec![*leg], true),
            TelephonyCommand::Conference { legs } => (legs.clone(), true),
            TelephonyCommand::StartRecording { leg, .. } => (vec![*leg], true),
            TelephonyCommand::PlayPrompt { leg, .. } => (vec![*leg], true),
            TelephonyCommand::HangUp { leg } | TelephonyCommand::Denoise { leg, .. } => {
                (vec![*leg], false)
            }
            _ => return Ok(()),
        };
        for leg in legs {
            match self.legs.get(&leg) {
                None => return Err(format!("{command:?}: {leg} is not up")),
                Some(l) if answered && !l.answered => {
                    return Err(format!("{command:?}: {leg} is not answered"));
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// Every desktop shows exactly the call the engine has the agent on (no popover left open,
    /// none missing), and a participant's hold display matches the call (R14, R15, R19).
    fn check_desktops(&self) -> Result<(), String> {
        for agent in (1..=6).map(AgentId) {
            let Some(view) = self.engine.agent_view(agent) else {
                continue;
            };
            let empty = Desktop::default();
            let desktop = self.desktops.get(&agent).unwrap_or(&empty);
            let wrapups: BTreeSet<InteractionId> = view.wrapups.iter().copied().collect();
            if desktop.wrapups != wrapups {
                return Err(format!(
                    "{agent}'s desktop shows wrap-up dialogs for {:?}, the engine awaits {:?}",
                    desktop.wrapups, view.wrapups
                ));
            }
            let expected: BTreeSet<InteractionId> = view.call.into_iter().collect();
            if desktop.open != expected {
                return Err(format!(
                    "{agent}'s desktop shows {:?}, the engine has them on {:?}",
                    desktop.open, view.call
                ));
            }
            let Some(id) = view.call else { continue };
            let Some(call) = self.engine.interaction_view(id) else {
                continue;
            };
            let participant = call.owner == Some(agent)
                || (call.consulted == Some(agent) && call.consult.is_some_and(|c| c.accepted));
            if call.phase != "connected" || !participant {
                continue;
            }
            let expected = (call.customer_held, call.consult.map(|c| c.consulted_held));
            let shown = desktop.hold.get(&id).copied();
            if shown != Some(expected) {
                return Err(format!(
                    "{agent}'s desktop shows hold {shown:?} for {id}, the call is {expected:?}"
                ));
            }
        }
        Ok(())
    }

    fn apply_command(&mut self, command: &TelephonyCommand) {
        match command {
            TelephonyCommand::RingAgent {
                leg,
                interaction,
                agent,
                ..
            } => {
                self.legs.insert(
                    *leg,
                    SimLeg {
                        interaction: *interaction,
                        kind: LegKind::Agent(*agent),
                        answered: false,
                    },
                );
            }
            TelephonyCommand::Dial {
                leg, interaction, ..
            } => {
                self.legs.insert(
                    *leg,
                    SimLeg {
                        interaction: *interaction,
                        kind: LegKind::Dialled,
                        answered: false,
                    },
                );
            }
            TelephonyCommand::HangUp { leg } | TelephonyCommand::Reject { leg, .. } => {
                self.forget(*leg)
            }
            _ => {}
        }
    }

    fn forget(&mut self, leg: LegId) {
        if self.legs.remove(&leg).is_some() {
            self.gone_legs.push(leg);
            if self.gone_legs.len() > 64 {
                self.gone_legs.remove(0);
            }
        }
    }

    /// R9, R10: an offer popover shows 3 to 6 variables, a consult request at most 9, never a
    /// secure one, whatever the flow chose.
    fn check_popover(&self, event: &DesktopEvent) -> Result<(), String> {
        let (variables, range) = match event {
            DesktopEvent::Offer(offer) => (&offer.variables, 3..=6),
            DesktopEvent::ConsultOffer(offer) => (&offer.variables, 1..=9),
            _ => return Ok(()),
        };
        if !range.contains(&variables.len()) {
            return Err(format!("R9 R10: {} popover variables", variables.len()));
        }
        let config = self.engine.config();
        let secure = variables.iter().find(|v| {
            config
                .cad_variables
                .iter()
                .any(|d| d.secure && d.name == v.name)
        });
        match secure {
            Some(variable) => Err(format!("R9: secure {} in a popover", variable.name)),
            None => Ok(()),
        }
    }

    fn check_event(
        &mut self,
        agent: AgentId,
        event: &DesktopEvent,
        before: &mut Snapshot,
    ) -> Result<(), String> {
        self.check_popover(event)?;
        if let DesktopEvent::Offer(offer) = event
            && offer.variables.iter().any(|v| v.flow_label)
        {
            self.stats.flow_popovers += 1;
        }
        let desktop = self.desktops.entry(agent).or_default();
        match event {
            DesktopEvent::Reserved { interaction, .. }
            | DesktopEvent::OwnershipChanged { interaction, .. }
            | DesktopEvent::CallbackDialing { interaction, .. } => {
                desktop.open.insert(*interaction);
            }
            DesktopEvent::Offer(offer) => {
                desktop.open.insert(offer.interaction);
            }
            DesktopEvent::ConsultOffer(offer) => {
                desktop.open.insert(offer.interaction);
            }
            DesktopEvent::Connected { interaction, .. } => {
                desktop.open.insert(*interaction);
                desktop.hold.insert(*interaction, (false, None));
            }
            DesktopEvent::OfferWithdrawn { interaction }
            | DesktopEvent::Rona { interaction }
            | DesktopEvent::CallEnded { interaction, .. } => {
                desktop.open.remove(interaction);
                desktop.hold.remove(interaction);
            }
            DesktopEvent::WrapUpRequired { interaction, .. }
                if !desktop.wrapups.insert(*interaction) =>
            {
                return Err(format!(
                    "{agent} got a second wrap-up dialog for {interaction}"
                ));
            }
            DesktopEvent::WrapUpDone { interaction } => {
                desktop.wrapups.remove(interaction);
            }
            DesktopEvent::HoldChanged {
                interaction,
                customer_held,
                consulted_held,
            } => {
                if !desktop.open.contains(interaction) {
                    return Err(format!(
                        "{agent} got HoldChanged for {interaction}, which its desktop does not show"
                    ));
                }
                desktop
                    .hold
                    .insert(*interaction, (*customer_held, *consulted_held));
            }
            _ => {}
        }
        match event {
            DesktopEvent::OwnershipChanged {
                interaction,
                owner: Some(owner),
            } => {
                // Ownership can change and end within one step (an outdial over the limit).
                before.owners.insert(*interaction, *owner);
            }
            DesktopEvent::WrapUpRequired { interaction, .. }
                if before.owners.get(interaction) != Some(&agent) =>
            {
                return Err(format!(
                    "R24-R26: {agent} got wrap-up for {interaction} owned by {:?}",
                    before.owners.get(interaction)
                ));
            }
            DesktopEvent::Rona { interaction } => {
                self.stats.ronas += 1;
                if let Some(view) = self.engine.interaction_view(*interaction) {
                    let original = before.places.get(interaction);
                    if view.phase == "queued" && view.place.as_ref() != original {
                        return Err(format!(
                            "R12: {interaction} requeued at {:?}, was {original:?}",
                            view.place
                        ));
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn check_views(&self) -> Result<(), String> {
        let mut busy: BTreeMap<AgentId, InteractionId> = BTreeMap::new();
        for &id in &self.live {
            let Some(view) = self.engine.interaction_view(id) else {
                continue;
            };
            if let Some(consult) = view.consult
                && view.customer_held
                && consult.consulted_held
            {
                return Err(format!("R15: both parties of {id} on hold"));
            }
            if view.phase == "ended" {
                continue;
            }
            for agent in [view.owner, view.offered_to, view.consulted]
                .into_iter()
                .flatten()
            {
                if let Some(other) = busy.insert(agent, id) {
                    return Err(format!("{agent} is on {other} and {id} at once"));
                }
            }
        }
        Ok(())
    }

    fn remember(&mut self, line: String) {
        if self.history.len() == HISTORY {
            self.history.pop_front();
        }
        self.history.push_back(line);
    }
}

/// State before a step, for checks that compare.
struct Snapshot {
    owners: BTreeMap<InteractionId, AgentId>,
    places: BTreeMap<InteractionId, Place>,
    n_calls: u32,
}

/// Nothing is dropped except by an explicit rule or a hang-up: each end reason must match
/// the kind of step that caused it.
fn check_end_reason(
    step: &Step,
    interaction: InteractionId,
    reason: EndReason,
) -> Result<(), String> {
    let ok = match reason {
        EndReason::CustomerHungUp => {
            // A dialled leg is the customer's for callbacks and outdials.
            matches!(step, Step::HangUp(LegKind::Customer | LegKind::Dialled, i) if *i == interaction)
        }
        EndReason::AgentEnded => matches!(
            step,
            Step::Command(_, Command::End { .. }) | Step::HangUp(LegKind::Agent(_), _)
        ),
        EndReason::PartyHungUp => matches!(step, Step::HangUp(LegKind::Dialled, _)),
        EndReason::TransferNotAnswered => matches!(
            step,
            Step::Fail(_) | Step::Timer | Step::Device | Step::HangUp(..)
        ),
        EndReason::CallbackNotAnswered => {
            // A configuration change may spend a waiting callback's attempts (R40).
            matches!(
                step,
                Step::Fail(LegKind::Customer | LegKind::Dialled)
                    | Step::Timer
                    | Step::HangUp(..)
                    | Step::Config
            )
        }
        EndReason::CustomerNotAnswered => {
            matches!(
                step,
                Step::Fail(LegKind::Customer | LegKind::Dialled) | Step::Timer | Step::HangUp(..)
            )
        }
        EndReason::OutdialAbandoned => matches!(
            step,
            Step::Fail(LegKind::Agent(_)) | Step::Timer | Step::Device | Step::HangUp(..)
        ),
        EndReason::CallbackCancelled => {
            matches!(step, Step::Command(_, Command::CancelCallback { .. }))
        }
        // A callback or outdial dialled at the limit, or an arrival refused by it (R2).
        EndReason::LimitReached => matches!(step, Step::Answer | Step::Arrival | Step::Stale),
        // A caught panic is a bug: the simulation must never see one.
        EndReason::InternalError => false,
        // The simulated network loses legs as the telephony side does (silent, not
        // refreshed, too long), only where it could also hang them up.
        EndReason::CustomerLost(_) => {
            matches!(step, Step::HangUp(LegKind::Customer | LegKind::Dialled, i) if *i == interaction)
        }
        EndReason::AgentLost(_) => matches!(step, Step::HangUp(LegKind::Agent(_), _)),
        EndReason::Transferred | EndReason::LeftConference | EndReason::ConsultEnded => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{interaction} ended with {reason:?} after {step:?}"
        ))
    }
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "unknown panic".into())
}
