//! A small organisation and a driver for tests, examples and benchmarks.
//!
//! [`small_config`] mirrors the demo organisation: teams Sales and Support with three agents
//! each (extensions 1001–1006), entry points Kundeservice (+4721000000 → Support) and Salg
//! (+4721000001 → Sales). [`Harness`] owns an engine and a fake clock and keeps every output.

use crate::Engine;
use crate::config::*;
use crate::dial::DialNumber;
use crate::ids::*;
use crate::io::*;
use crate::reject::Rejection;

/// Team Sales.
pub const SALES: TeamId = TeamId(1);
/// Team Support.
pub const SUPPORT: TeamId = TeamId(2);
/// Queue Sales.
pub const Q_SALES: QueueId = QueueId(1);
/// Queue Support; overflows to [`Q_OVERFLOW`] after 120 s.
pub const Q_SUPPORT: QueueId = QueueId(2);
/// Queue Overflow, served by both teams.
pub const Q_OVERFLOW: QueueId = QueueId(3);
/// Entry point Kundeservice (+4721000000 → Support), offers a courtesy callback after 60 s.
pub const EP_KUNDESERVICE: EntryPointId = EntryPointId(1);
/// Entry point Salg (+4721000001 → Sales).
pub const EP_SALG: EntryPointId = EntryPointId(2);
/// Kundeservice's number.
pub const DN_KUNDESERVICE: &str = "+4721000000";
/// Salg's number.
pub const DN_SALG: &str = "+4721000001";
/// Agents 1–6: anna, bjorn, cecilie (Sales), david, eva, fredrik (Support).
pub const ANNA: AgentId = AgentId(1);
/// bjorn, Sales.
pub const BJORN: AgentId = AgentId(2);
/// cecilie, Sales.
pub const CECILIE: AgentId = AgentId(3);
/// david, Support.
pub const DAVID: AgentId = AgentId(4);
/// eva, Support.
pub const EVA: AgentId = AgentId(5);
/// fredrik, Support.
pub const FREDRIK: AgentId = AgentId(6);

/// The demo-like organisation.
pub fn small_config() -> Config {
    let names = ["anna", "bjorn", "cecilie", "david", "eva", "fredrik"];
    let agents = names
        .iter()
        .enumerate()
        .map(|(i, name)| AgentConfig {
            id: AgentId(i as u64 + 1),
            name: (*name).into(),
            extension: format!("{}", 1001 + i),
            stations: Vec::new(),
            teams: vec![if i < 3 { SALES } else { SUPPORT }],
            skills: vec!["norwegian".into()],
            capacity: Capacity::default(),
        })
        .collect();
    let queue = |id, name: &str, teams: Vec<TeamId>| QueueConfig {
        id,
        name: name.into(),
        channel: Channel::Voice,
        priority: 0,
        teams,
        skills_required: Vec::new(),
        rona_timeout_ms: Some(15_000),
        wrapup_reasons: Vec::new(),
        wait_max_ms: None,
        overflow: None,
        callback_attempts_max: None,
        callback_retry_after_ms: None,
        opening_hours: None,
    };
    let mut support = queue(Q_SUPPORT, "Support", vec![SUPPORT]);
    support.wait_max_ms = Some(120_000);
    support.overflow = Some(Q_OVERFLOW);
    let cad = |name: &str, label: &str, kind, editable, secure, popover_order| CadDefinition {
        name: name.into(),
        label: label.into(),
        label_by_language: Default::default(),
        kind,
        editable,
        secure,
        popover_order,
    };
    let number = |text: &str| DialNumber::parse(text).expect("valid number");
    let reason = |code: &str, label: &str| Reason {
        code: code.into(),
        label: label.into(),
        label_by_language: Default::default(),
    };
    Config {
        org: OrgSettings {
            name: "Demo".into(),
            ..OrgSettings::default()
        },
        teams: vec![
            TeamConfig {
                id: SALES,
                name: "Sales".into(),
                allowed_actions: AllowedActions::ALL,
            },
            TeamConfig {
                id: SUPPORT,
                name: "Support".into(),
                allowed_actions: AllowedActions::ALL,
            },
        ],
        agents,
        queues: vec![
            queue(Q_SALES, "Sales", vec![SALES]),
            support,
            queue(Q_OVERFLOW, "Overflow", vec![SALES, SUPPORT]),
        ],
        entry_points: vec![
            EntryPointConfig {
                id: EP_KUNDESERVICE,
                name: "Kundeservice".into(),
                dial_numbers: vec![number(DN_KUNDESERVICE)],
                flow: Flow {
                    variables: vec![("language".into(), "nb".into())],
                    queue: Q_SUPPORT,
                    priority: 0,
                    courtesy_callback_after_ms: Some(60_000),
                    courtesy_callback_expected_wait_ms: None,
                    links: Vec::new(),
                    popover: Vec::new(),
                },
            },
            EntryPointConfig {
                id: EP_SALG,
                name: "Salg".into(),
                dial_numbers: vec![number(DN_SALG)],
                flow: Flow {
                    variables: vec![("language".into(), "nb".into())],
                    queue: Q_SALES,
                    priority: 0,
                    courtesy_callback_after_ms: None,
                    courtesy_callback_expected_wait_ms: None,
                    links: Vec::new(),
                    popover: Vec::new(),
                },
            },
        ],
        idle_reasons: vec![reason("lunch", "Lunch"), reason("meeting", "Meeting")],
        wrapup_reasons: vec![
            reason("resolved", "Resolved"),
            reason("follow_up", "Follow-up needed"),
        ],
        cad_variables: vec![
            cad(
                "case_number",
                "Case number",
                CadKind::Text,
                true,
                false,
                Some(1),
            ),
            cad(
                "customer_name",
                "Customer",
                CadKind::Text,
                true,
                false,
                Some(2),
            ),
            cad("language", "Language", CadKind::Text, false, false, Some(3)),
            cad(
                "follow_up_at",
                "Follow up at",
                CadKind::DateTime,
                true,
                false,
                None,
            ),
            cad(
                "national_id",
                "National id",
                CadKind::Text,
                true,
                true,
                None,
            ),
        ],
        address_book: vec![AddressBookEntry {
            name: "Legal desk".into(),
            number: number("+4722000000"),
        }],
        experts: vec![
            Expert {
                id: ExpertId(1),
                first_name: "Kari".into(),
                last_name: "Nordmann".into(),
                role: "Lawyer".into(),
                department: "Legal".into(),
                work_phone: Some(number("+4722000001")),
            },
            Expert {
                id: ExpertId(2),
                first_name: "Ola".into(),
                last_name: "Hansen".into(),
                role: "Engineer".into(),
                department: "Network".into(),
                work_phone: None,
            },
        ],
        calendar: Default::default(),
    }
}

/// Drives an engine with a fake clock, keeping every output.
#[derive(Debug)]
pub struct Harness {
    /// The engine under test.
    pub engine: Engine,
    /// The fake monotonic clock, in milliseconds.
    pub now_ms: u64,
    /// Outputs of the last input (timers fired by [`Harness::advance`] included).
    pub last: Vec<Output>,
    /// Every output so far.
    pub all: Vec<Output>,
    /// Source of customer leg ids.
    next_customer_leg: u64,
}

impl Harness {
    /// A harness over [`small_config`].
    pub fn new() -> Harness {
        Harness::with_config(small_config())
    }

    /// A harness over any valid configuration.
    pub fn with_config(config: Config) -> Harness {
        let engine = Engine::new(config, Now::from_millis(0)).expect("valid configuration");
        Harness {
            engine,
            now_ms: 0,
            last: Vec::new(),
            all: Vec::new(),
            next_customer_leg: 0,
        }
    }

    /// Feeds one input now.
    pub fn input(&mut self, input: Input) -> Result<Option<InteractionId>, Rejection> {
        self.last.clear();
        let result = self
            .engine
            .handle_input(Now::from_millis(self.now_ms), input);
        self.drain();
        result
    }

    /// An agent's command.
    pub fn command(&mut self, agent: AgentId, command: Command) -> Result<(), Rejection> {
        self.input(Input::Command { agent, command }).map(|_| ())
    }

    /// A telephony event.
    pub fn telephony(&mut self, event: TelephonyEvent) {
        self.input(Input::Telephony(event))
            .expect("telephony events are not rejected");
    }

    /// Moves the clock forward, firing every timer that falls due on the way, in order.
    pub fn advance(&mut self, ms: u64) {
        let until = self.now_ms + ms;
        self.last.clear();
        while let Some((at, id)) = self.engine.poll_timeout().filter(|(at, _)| *at <= until) {
            self.now_ms = self.now_ms.max(at);
            self.engine
                .handle_input(Now::from_millis(self.now_ms), Input::TimerFired(id))
                .expect("timers are not rejected");
            self.drain();
        }
        self.now_ms = until;
    }

    /// Registers the agent's phone, logs them in to `team` and makes them Available.
    pub fn ready(&mut self, agent: AgentId, team: TeamId) {
        let extension = format!("{}", 1000 + agent.0);
        self.telephony(TelephonyEvent::DeviceRegistered {
            extension: extension.clone(),
        });
        self.command(agent, Command::LogIn { team, extension })
            .expect("log in");
        self.command(agent, Command::SetState(StateRequest::Available))
            .expect("available");
    }

    /// Makes a logged-in agent Available again (after RONA or Idle).
    pub fn ready_again(&mut self, agent: AgentId) {
        self.command(agent, Command::SetState(StateRequest::Available))
            .expect("available");
    }

    /// A customer calls `dnis`; returns the interaction and the customer's leg.
    pub fn arrive(&mut self, dnis: &str) -> (InteractionId, LegId) {
        self.next_customer_leg += 1;
        let leg = LegId(self.next_customer_leg);
        let ani = format!("+4791{:06}", self.next_customer_leg);
        let id = self
            .input(Input::Telephony(TelephonyEvent::CallArrived {
                leg,
                dnis: dnis.into(),
                ani,
            }))
            .expect("arrival accepted")
            .expect("arrival creates an interaction");
        (id, leg)
    }

    /// The leg of the last `RingAgent` sent to `agent`.
    pub fn ringing_leg(&self, agent: AgentId) -> Option<LegId> {
        self.all.iter().rev().find_map(|o| match o {
            Output::Telephony(TelephonyCommand::RingAgent { leg, agent: a, .. }) if *a == agent => {
                Some(*leg)
            }
            _ => None,
        })
    }

    /// The leg of the last `Dial` sent.
    pub fn dialled_leg(&self) -> Option<LegId> {
        self.all.iter().rev().find_map(|o| match o {
            Output::Telephony(TelephonyCommand::Dial { leg, .. }) => Some(*leg),
            _ => None,
        })
    }

    /// The agent's phone rings and is answered.
    pub fn answer(&mut self, agent: AgentId) -> LegId {
        let leg = self.ringing_leg(agent).expect("the agent's phone rang");
        self.telephony(TelephonyEvent::Ringing { leg });
        self.telephony(TelephonyEvent::Answered { leg });
        leg
    }

    /// Desktop events of the last input for `agent`.
    pub fn events_for(&self, agent: AgentId) -> Vec<DesktopEvent> {
        self.last
            .iter()
            .filter_map(|o| match o {
                Output::Desktop {
                    to: Recipient::Agent(a),
                    event,
                } if *a == agent => Some(event.clone()),
                _ => None,
            })
            .collect()
    }

    /// Telephony commands of the last input.
    pub fn commands(&self) -> Vec<TelephonyCommand> {
        self.last
            .iter()
            .filter_map(|o| match o {
                Output::Telephony(command) => Some(command.clone()),
                _ => None,
            })
            .collect()
    }

    /// Records of the last input.
    pub fn records(&self) -> Vec<Record> {
        self.last
            .iter()
            .filter_map(|o| match o {
                Output::Record(record) => Some(record.clone()),
                _ => None,
            })
            .collect()
    }

    /// The engine's view of an interaction.
    pub fn view(&self, interaction: InteractionId) -> crate::InteractionView {
        self.engine
            .interaction_view(interaction)
            .expect("interaction is known")
    }

    /// The engine's view of an agent.
    pub fn agent(&self, agent: AgentId) -> crate::AgentView {
        self.engine.agent_view(agent).expect("agent is known")
    }

    fn drain(&mut self) {
        while let Some(output) = self.engine.poll_output() {
            self.last.push(output.clone());
            self.all.push(output);
        }
        if let Err(violation) = self.engine.check_invariants() {
            panic!("invariant violated: {violation}");
        }
    }
}

impl Default for Harness {
    fn default() -> Self {
        Harness::new()
    }
}
