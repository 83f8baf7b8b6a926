//! The organisation's configuration as the engine sees it (R43): settings, agents, teams,
//! queues, entry points with their flows, reasons, CAD definitions, address book and experts.
//!
//! The server parses TOML or the admin API into this model and the engine validates it with
//! [`Config::validate`], which reports every problem at once with the field it concerns.

use crate::calendar::Calendar;
use crate::dial::DialNumber;
use crate::ids::{AgentId, EntryPointId, ExpertId, QueueId, TeamId};
use std::collections::{BTreeMap, HashSet};
use std::fmt;

/// Everything one organisation configures.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    /// Organisation-wide settings.
    pub org: OrgSettings,
    /// Teams agents log in to.
    pub teams: Vec<TeamConfig>,
    /// Agents (users who handle contacts).
    pub agents: Vec<AgentConfig>,
    /// Queues contacts wait in.
    pub queues: Vec<QueueConfig>,
    /// Entry points: dial numbers and their flows.
    pub entry_points: Vec<EntryPointConfig>,
    /// Reasons an agent may give for being Idle (R3).
    pub idle_reasons: Vec<Reason>,
    /// Reasons an agent may give when wrapping up (R36).
    pub wrapup_reasons: Vec<Reason>,
    /// Call-associated data variables (R33).
    pub cad_variables: Vec<CadDefinition>,
    /// The organisation's address book for consult and transfer (R16, R27).
    pub address_book: Vec<AddressBookEntry>,
    /// Subject-matter experts of the organisation directory (R16, R27).
    pub experts: Vec<Expert>,
    /// Opening hours, holidays and the time zone's UTC offsets (R37).
    pub calendar: Calendar,
}

/// Organisation-level settings.
#[derive(Clone, Debug, PartialEq)]
pub struct OrgSettings {
    /// The organisation's display name.
    pub name: String,
    /// Background-noise removal on the customer's audio (R1); only an administrator changes it.
    pub noise_removal: bool,
    /// The most customer-facing calls at once (R2).
    pub calls_max: u32,
    /// Whether calls are recorded (R31).
    pub recording: bool,
    /// Whether agents may pause recording at all (R31, ours).
    pub recording_pause_allowed: bool,
    /// Privacy Shield: the longest a recording pause lasts before it resumes by itself (R32).
    pub privacy_shield_ms: Option<u64>,
    /// Whether an agent may cancel a web callback before the customer answers (R39).
    pub web_callback_cancel: bool,
    /// What happens to a blind transfer the target does not answer (R28).
    pub transfer_no_answer: TransferNoAnswer,
    /// How long an agent's phone rings before RONA when the queue does not say (R7, R12).
    pub rona_timeout_ms: u64,
    /// How long a dialled number rings before the attempt counts as not answered.
    pub dial_timeout_ms: u64,
    /// How many times a callback's customer is dialled before the callback is given up (R40),
    /// when the queue does not say.
    pub callback_attempts_max: u32,
    /// How long a callback whose customer did not answer waits before it goes back to its
    /// queue at its place (R40), when the queue does not say; 0 means at once.
    pub callback_retry_after_ms: u64,
    /// Wrap-up submitted for the agent a while after a call ends, if the agent has not
    /// (R36); `None`: agents always wrap up themselves.
    pub auto_wrapup: Option<AutoWrapUp>,
}

/// Automatic wrap-up (R36): the engine submits the wrap-up as the agent would, with a record
/// saying it was automatic, so the agent becomes offerable again without a desktop.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct AutoWrapUp {
    /// How long after the agent leaves the call the wrap-up is submitted; longer than 0.
    pub after_ms: u64,
    /// The wrap-up reason code submitted; every queue must offer it.
    pub reason: String,
}

/// What happens when the target of a blind transfer does not answer (R28).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum TransferNoAnswer {
    /// The call is dropped (the seed's behaviour).
    Drop,
    /// The call goes back to the queue it came from (at its original place).
    Requeue,
}

/// A team.
#[derive(Clone, Debug, PartialEq)]
pub struct TeamConfig {
    /// Its id.
    pub id: TeamId,
    /// Its name, unique in the organisation.
    pub name: String,
    /// What its agents may do in the desktop (R43, the desktop profile); all by default.
    pub allowed_actions: AllowedActions,
}

/// The desktop profile's allowed actions of a team (R43): what an agent logged in to the team
/// may do. The engine refuses the others with `R43` and the desktop leaves their buttons out.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct AllowedActions {
    /// Start a consult (R16), to any target.
    pub consult: bool,
    /// Blind-transfer to a dial number or an expert, or hand over a consult with a number.
    pub transfer_to_dial_number: bool,
    /// Pause recording (Privacy Shield, R31, R32).
    pub pause_recording: bool,
    /// Call a customer (R42).
    pub outdial: bool,
    /// Blind-transfer to an entry point, or to a number that is one (R20, R29).
    pub transfer_to_entry_point: bool,
}

/// One action a team's desktop profile allows or not (R43).
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub enum DesktopAction {
    /// [`AllowedActions::consult`].
    Consult,
    /// [`AllowedActions::transfer_to_dial_number`].
    TransferToDialNumber,
    /// [`AllowedActions::pause_recording`].
    PauseRecording,
    /// [`AllowedActions::outdial`].
    Outdial,
    /// [`AllowedActions::transfer_to_entry_point`].
    TransferToEntryPoint,
}

impl DesktopAction {
    /// Every action, in the order configuration and wire list them.
    pub const ALL: [DesktopAction; 5] = [
        DesktopAction::Consult,
        DesktopAction::TransferToDialNumber,
        DesktopAction::PauseRecording,
        DesktopAction::Outdial,
        DesktopAction::TransferToEntryPoint,
    ];

    /// The stable snake-case name in the configuration file and on the wire.
    pub fn name(self) -> &'static str {
        match self {
            DesktopAction::Consult => "consult",
            DesktopAction::TransferToDialNumber => "transfer_to_dial_number",
            DesktopAction::PauseRecording => "pause_recording",
            DesktopAction::Outdial => "outdial",
            DesktopAction::TransferToEntryPoint => "transfer_to_entry_point",
        }
    }

    /// What the action is, for a refusal: "transfer to a dial number".
    pub fn described(self) -> &'static str {
        match self {
            DesktopAction::Consult => "consult",
            DesktopAction::TransferToDialNumber => "transfer to a dial number",
            DesktopAction::PauseRecording => "pause recording",
            DesktopAction::Outdial => "place calls (outdial)",
            DesktopAction::TransferToEntryPoint => "transfer to an entry point",
        }
    }
}

impl AllowedActions {
    /// Every action allowed: the default, so that a team configured without a profile works
    /// as before.
    pub const ALL: AllowedActions = AllowedActions {
        consult: true,
        transfer_to_dial_number: true,
        pause_recording: true,
        outdial: true,
        transfer_to_entry_point: true,
    };

    /// Whether `action` is allowed.
    pub fn allows(&self, action: DesktopAction) -> bool {
        match action {
            DesktopAction::Consult => self.consult,
            DesktopAction::TransferToDialNumber => self.transfer_to_dial_number,
            DesktopAction::PauseRecording => self.pause_recording,
            DesktopAction::Outdial => self.outdial,
            DesktopAction::TransferToEntryPoint => self.transfer_to_entry_point,
        }
    }

    /// Allows or denies `action`.
    pub fn set(&mut self, action: DesktopAction, allowed: bool) {
        let flag = match action {
            DesktopAction::Consult => &mut self.consult,
            DesktopAction::TransferToDialNumber => &mut self.transfer_to_dial_number,
            DesktopAction::PauseRecording => &mut self.pause_recording,
            DesktopAction::Outdial => &mut self.outdial,
            DesktopAction::TransferToEntryPoint => &mut self.transfer_to_entry_point,
        };
        *flag = allowed;
    }
}

impl Default for AllowedActions {
    fn default() -> Self {
        AllowedActions::ALL
    }
}

/// An agent.
#[derive(Clone, Debug, PartialEq)]
pub struct AgentConfig {
    /// Its id.
    pub id: AgentId,
    /// The name colleagues see in directories and consult popovers (R10, R16).
    pub name: String,
    /// The extension the agent's phone registers as by default.
    pub extension: String,
    /// Other extensions the organisation lets the agent log in at (a shared desk's phone);
    /// any other extension, a colleague's above all, is refused (R3).
    pub stations: Vec<String>,
    /// Teams the agent may log in to.
    pub teams: Vec<TeamId>,
    /// Skills queues may require.
    pub skills: Vec<String>,
    /// How many contacts of each digital channel the agent handles at once (voice is always 1).
    pub capacity: Capacity,
}

/// Per-channel capacity of an agent (R41); voice is always one call.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct Capacity {
    /// Chats at once.
    pub chat: u8,
    /// E-mails at once.
    pub email: u8,
    /// Social messages at once.
    pub social: u8,
}

/// A queue.
#[derive(Clone, Debug, PartialEq)]
pub struct QueueConfig {
    /// Its id.
    pub id: QueueId,
    /// Its name, unique in the organisation.
    pub name: String,
    /// The channel of contacts that wait here.
    pub channel: Channel,
    /// Higher is served first when an agent serves several queues.
    pub priority: u8,
    /// Agents logged in to one of these teams serve this queue.
    pub teams: Vec<TeamId>,
    /// Skills an agent must have, all of them, to be offered this queue's contacts.
    pub skills_required: Vec<String>,
    /// How long an offer rings before RONA (R12); the organisation default if `None`.
    pub rona_timeout_ms: Option<u64>,
    /// Codes of the wrap-up reasons offered for this queue's contacts; all if empty.
    pub wrapup_reasons: Vec<String>,
    /// The longest a contact waits here before it moves to `overflow` (R43).
    pub wait_max_ms: Option<u64>,
    /// Where a contact goes after `wait_max_ms`.
    pub overflow: Option<QueueId>,
    /// How many times this queue's callbacks are dialled (R40); the organisation's if `None`.
    pub callback_attempts_max: Option<u32>,
    /// How long this queue's unanswered callbacks wait before they go back to it (R40); the
    /// organisation's if `None`.
    pub callback_retry_after_ms: Option<u64>,
    /// The name of the calendar's opening hours this queue keeps (R37); `None`: always open.
    pub opening_hours: Option<String>,
}

/// An entry point: dial numbers customers call and the flow that handles them.
#[derive(Clone, Debug, PartialEq)]
pub struct EntryPointConfig {
    /// Its id.
    pub id: EntryPointId,
    /// Its name, unique in the organisation.
    pub name: String,
    /// The numbers that reach it (DNIS).
    pub dial_numbers: Vec<DialNumber>,
    /// What happens to a call that reaches it.
    pub flow: Flow,
}

/// A minimal flow: set variables, queue, offer a courtesy callback after a while.
#[derive(Clone, Debug, PartialEq)]
pub struct Flow {
    /// CAD values set on arrival (name, value).
    pub variables: Vec<(String, String)>,
    /// The queue the call waits in.
    pub queue: QueueId,
    /// The contact's priority inside the queue; higher is served first.
    pub priority: u8,
    /// After this long in queue the caller is offered a courtesy callback ("press 1", R37).
    pub courtesy_callback_after_ms: Option<u64>,
    /// The caller is offered a courtesy callback on arrival when the expected wait is longer
    /// than this (R37; see `Engine::expected_wait_ms`).
    pub courtesy_callback_expected_wait_ms: Option<u64>,
    /// Links the offer popover shows (R7), such as the customer's record in a CRM.
    pub links: Vec<OfferLink>,
    /// The popover variables of this flow's calls, in order (R9): 3 to 6, never secure; empty
    /// keeps the organisation's choice (`CadDefinition::popover_order`).
    pub popover: Vec<PopoverChoice>,
}

/// One variable a flow shows in its offer popover (R9), with the label the administrator
/// chose for it there.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct PopoverChoice {
    /// A CAD variable that is not secure, or a built-in one: `ani`, `dnis`, `queue`.
    pub name: String,
    /// The label in this flow's popover; `None`: the variable's own label.
    pub label: Option<String>,
}

impl PopoverChoice {
    /// The longest label, in characters.
    pub const LABEL_CHARS_MAX: usize = 40;
    /// The built-in variables a popover may show beside CAD variables, with their labels.
    pub const BUILTIN: [(&'static str, &'static str); 3] = [
        ("ani", "Caller"),
        ("dnis", "Dialled number"),
        ("queue", "Queue"),
    ];
}

/// A link in the offer popover (R7): `url` is an `https:` template whose `{name}` parts are
/// replaced by the contact's variable values, URL-encoded (see [`OfferLink::fill`]).
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct OfferLink {
    /// What the button says, e.g. "Open customer record".
    pub label: String,
    /// The template, e.g. `https://crm.example/customers?phone={ani}`.
    pub url: String,
}

impl OfferLink {
    /// The most links an entry point's popover shows.
    pub const MAX: usize = 4;
    /// The longest label, in characters.
    pub const LABEL_CHARS_MAX: usize = 40;
    /// The longest template, in bytes.
    pub const URL_BYTES_MAX: usize = 2_048;

    /// The names of the template's `{name}` parts, in order; `Err` for an unmatched brace.
    pub fn placeholders(&self) -> Result<Vec<&str>, String> {
        Ok(self
            .parts()?
            .into_iter()
            .filter_map(|part| match part {
                Part::Name(name) => Some(name),
                Part::Text(_) => None,
            })
            .collect())
    }

    /// The URL with every `{name}` replaced by `value(name)`, percent-encoded (RFC 3986:
    /// everything but unreserved characters), so a value can never add a path, a query
    /// parameter or another host. A template with an unmatched brace (which the
    /// configuration refuses) gives an empty URL, which the desktop does not show.
    pub fn fill(&self, value: impl Fn(&str) -> String) -> String {
        let Ok(parts) = self.parts() else {
            return String::new();
        };
        let mut url = String::with_capacity(self.url.len());
        for part in parts {
            match part {
                Part::Text(text) => url.push_str(text),
                Part::Name(name) => {
                    for byte in value(name).bytes() {
                        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
                            url.push(char::from(byte));
                        } else {
                            url.push_str(&format!("%{byte:02X}"));
                        }
                    }
                }
            }
        }
        url
    }

    /// The template cut into text and `{name}` parts; `Err` for an unmatched brace.
    fn parts(&self) -> Result<Vec<Part<'_>>, String> {
        let mut parts = Vec::new();
        let mut rest = self.url.as_str();
        while let Some(open) = rest.find('{') {
            parts.push(Part::Text(&rest[..open]));
            let after = &rest[open + 1..];
            let close = after
                .find('}')
                .ok_or_else(|| format!("{{ without }} in {:?}", self.url))?;
            parts.push(Part::Name(&after[..close]));
            rest = &after[close + 1..];
        }
        if rest.contains('}')
            || parts
                .iter()
                .any(|p| matches!(p, Part::Text(t) if t.contains('}')))
        {
            return Err(format!("}} without {{ in {:?}", self.url));
        }
        parts.push(Part::Text(rest));
        Ok(parts)
    }
}

/// A piece of an [`OfferLink`] template.
enum Part<'a> {
    /// Written as it is.
    Text(&'a str),
    /// A `{name}`: the variable's value goes here.
    Name(&'a str),
}

/// An idle or wrap-up reason.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Reason {
    /// A stable code, used by the API and in records.
    pub code: String,
    /// What the agent sees: the label in every language not in `label_by_language`.
    pub label: String,
    /// The label in each language it was given in (language code → text); empty when one
    /// label serves every language.
    pub label_by_language: BTreeMap<String, String>,
}

/// A call-associated data variable definition (R33).
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct CadDefinition {
    /// The variable's name, unique in the organisation.
    pub name: String,
    /// What the agent sees: the label in every language not in `label_by_language`.
    pub label: String,
    /// The label in each language it was given in (language code → text); empty when one
    /// label serves every language.
    pub label_by_language: BTreeMap<String, String>,
    /// The kind of value.
    pub kind: CadKind,
    /// Whether agents with an accepted call may edit it (R34).
    pub editable: bool,
    /// Personal data: never in a popover, fetched separately (R9, R33).
    pub secure: bool,
    /// Its place in the offer popover, if shown there at all (R9).
    pub popover_order: Option<u8>,
}

/// The kind of value a CAD variable holds.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum CadKind {
    /// Free text.
    Text,
    /// A decimal number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// An ISO 8601 date-time, entered with a picker (R34).
    DateTime,
}

/// An address-book entry (R16, R27).
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct AddressBookEntry {
    /// The name agents search for.
    pub name: String,
    /// The number dialled.
    pub number: DialNumber,
}

/// A subject-matter expert of the organisation directory (R16).
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Expert {
    /// Its id.
    pub id: ExpertId,
    /// First name, searchable.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Role, searchable.
    pub role: String,
    /// Department, searchable.
    pub department: String,
    /// Only experts with a work phone are listed (R16).
    pub work_phone: Option<DialNumber>,
}

/// The communication channel of an interaction.
#[derive(Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub enum Channel {
    /// E-mail (top of the offer stack, R8).
    Email,
    /// Social messages.
    Social,
    /// Chat.
    Chat,
    /// Voice calls (bottom of the offer stack, R8).
    Voice,
}

/// One problem found in a configuration: the field it concerns and what is wrong.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct ConfigError {
    /// A dotted path to the field, e.g. `queues.Support.overflow`.
    pub field: String,
    /// What is wrong and what is allowed.
    pub message: String,
}

impl Config {
    /// The most variables an offer popover shows (R9).
    pub const POPOVER_VARIABLES_MAX: usize = 6;
    /// The fewest variables an offer popover shows (R9).
    pub const POPOVER_VARIABLES_MIN: usize = 3;
    /// The most times a callback's customer may be dialled (R40).
    pub const CALLBACK_ATTEMPTS_MAX: u32 = 100;
    /// The longest a callback may wait between attempts (R40): a day.
    pub const CALLBACK_RETRY_AFTER_MS_MAX: u64 = 24 * 60 * 60 * 1_000;

    /// Checks references and limits; returns every problem found, not just the first.
    pub fn validate(&self) -> Result<(), Vec<ConfigError>> {
        let mut errors = Vec::new();
        let mut fail = |field: String, message: String| errors.push(ConfigError { field, message });

        let team_ids: HashSet<TeamId> = self.teams.iter().map(|t| t.id).collect();
        let queue_ids: HashSet<QueueId> = self.queues.iter().map(|q| q.id).collect();
        let wrapup_codes: HashSet<&str> = self
            .wrapup_reasons
            .iter()
            .map(|r| r.code.as_str())
            .collect();
        let cad_names: HashSet<&str> = self.cad_variables.iter().map(|d| d.name.as_str()).collect();

        duplicates(
            self.teams.iter().map(|t| t.name.as_str()),
            "teams",
            &mut fail,
        );
        duplicates(
            self.agents.iter().map(|a| a.name.as_str()),
            "agents",
            &mut fail,
        );
        duplicates(
            self.agents.iter().map(|a| a.extension.as_str()),
            "agents.extension",
            &mut fail,
        );
        duplicates(
            self.queues.iter().map(|q| q.name.as_str()),
            "queues",
            &mut fail,
        );
        duplicates(
            self.entry_points.iter().map(|e| e.name.as_str()),
            "entry_points",
            &mut fail,
        );
        duplicates(
            self.idle_reasons.iter().map(|r| r.code.as_str()),
            "idle_reasons",
            &mut fail,
        );
        duplicates(
            self.wrapup_reasons.iter().map(|r| r.code.as_str()),
            "wrapup_reasons",
            &mut fail,
        );
        duplicates(
            self.cad_variables.iter().map(|d| d.name.as_str()),
            "cad_variables",
            &mut fail,
        );

        if self.org.calls_max == 0 {
            fail("org.calls_max".into(), "must be at least 1".into());
        }
        if self.org.rona_timeout_ms == 0 {
            fail("org.rona_timeout".into(), "must be longer than 0s".into());
        }
        if let Some(message) = callback_attempts_problem(self.org.callback_attempts_max) {
            fail("org.callback_attempts_max".into(), message);
        }
        if let Some(message) = callback_retry_after_problem(self.org.callback_retry_after_ms) {
            fail("org.callback_retry_after".into(), message);
        }
        for agent in &self.agents {
            if agent.teams.is_empty() {
                fail(
                    format!("agents.{}.teams", agent.name),
                    "an agent needs at least one team".into(),
                );
            }
            for team in &agent.teams {
                if !team_ids.contains(team) {
                    fail(
                        format!("agents.{}.teams", agent.name),
                        format!("unknown team {team}"),
                    );
                }
            }
            if let Err(error) = DialNumber::parse(&agent.extension) {
                fail(
                    format!("agents.{}.extension", agent.name),
                    error.to_string(),
                );
            }
            for station in &agent.stations {
                if let Err(error) = DialNumber::parse(station) {
                    fail(
                        format!("agents.{}.stations", agent.name),
                        format!("{station:?}: {error}"),
                    );
                }
            }
        }
        if let Some(auto) = &self.org.auto_wrapup {
            if auto.after_ms == 0 {
                fail(
                    "org.auto_wrapup_after".into(),
                    "must be longer than 0s".into(),
                );
            }
            if !wrapup_codes.contains(auto.reason.as_str()) {
                fail(
                    "org.auto_wrapup_reason".into(),
                    format!("unknown wrap-up reason {:?}", auto.reason),
                );
            }
            for queue in &self.queues {
                if !queue.wrapup_reasons.is_empty() && !queue.wrapup_reasons.contains(&auto.reason)
                {
                    fail(
                        "org.auto_wrapup_reason".into(),
                        format!(
                            "queue {:?} does not offer wrap-up reason {:?}",
                            queue.name, auto.reason
                        ),
                    );
                }
            }
        }
        for queue in &self.queues {
            let at = |field: &str| format!("queues.{}.{field}", queue.name);
            for team in &queue.teams {
                if !team_ids.contains(team) {
                    fail(at("teams"), format!("unknown team {team}"));
                }
            }
            for code in &queue.wrapup_reasons {
                if !wrapup_codes.contains(code.as_str()) {
                    fail(
                        at("wrapup_reasons"),
                        format!("unknown wrap-up reason {code:?}"),
                    );
                }
            }
            if queue.rona_timeout_ms == Some(0) {
                fail(at("rona_timeout"), "must be longer than 0s".into());
            }
            if let Some(message) = queue
                .callback_attempts_max
                .and_then(callback_attempts_problem)
            {
                fail(at("callback_attempts_max"), message);
            }
            if let Some(message) = queue
                .callback_retry_after_ms
                .and_then(callback_retry_after_problem)
            {
                fail(at("callback_retry_after"), message);
            }
            match queue.overflow {
                Some(target) if target == queue.id => {
                    fail(at("overflow"), "a queue cannot overflow into itself".into())
                }
                Some(target) if !queue_ids.contains(&target) => {
                    fail(at("overflow"), format!("unknown queue {target}"))
                }
                Some(_) if queue.wait_max_ms.is_none() => {
                    fail(at("overflow"), "an overflow target needs wait_max".into())
                }
                Some(target)
                    if self
                        .queue(target)
                        .is_some_and(|t| t.channel != queue.channel) =>
                {
                    fail(
                        at("overflow"),
                        format!("{target} is not a {:?} queue like this one", queue.channel),
                    )
                }
                _ => {}
            }
        }
        let mut dial_numbers = HashSet::new();
        for entry_point in &self.entry_points {
            let at = |field: &str| format!("entry_points.{}.{field}", entry_point.name);
            if entry_point.dial_numbers.is_empty() {
                fail(
                    at("dial_numbers"),
                    "an entry point needs at least one dial number".into(),
                );
            }
            for number in &entry_point.dial_numbers {
                if !dial_numbers.insert(number.digits()) {
                    fail(
                        at("dial_numbers"),
                        format!("{number} is used by another entry point"),
                    );
                }
            }
            match self.queue(entry_point.flow.queue) {
                None => fail(
                    at("flow.queue"),
                    format!("unknown queue {}", entry_point.flow.queue),
                ),
                // Calls to an entry point wait only where voice agents are offered them.
                Some(queue) if queue.channel != Channel::Voice => fail(
                    at("flow.queue"),
                    format!("{} is not a voice queue", queue.name),
                ),
                Some(_) => {}
            }
            if entry_point.flow.links.len() > OfferLink::MAX {
                fail(
                    at("flow.links"),
                    format!("at most {} links per entry point", OfferLink::MAX),
                );
            }
            for link in &entry_point.flow.links {
                let label_chars = link.label.trim().chars().count();
                if label_chars == 0 || label_chars > OfferLink::LABEL_CHARS_MAX {
                    fail(
                        at("flow.links"),
                        format!(
                            "a link's label needs 1 to {} characters",
                            OfferLink::LABEL_CHARS_MAX
                        ),
                    );
                }
                let host = link.url.strip_prefix("https://").unwrap_or_default();
                if host.is_empty()
                    || host.starts_with(['/', '{'])
                    || link.url.len() > OfferLink::URL_BYTES_MAX
                {
                    fail(
                        at("flow.links"),
                        format!(
                            "{:?}: a link is an https:// address with its host written out, at most {} bytes",
                            link.url,
                            OfferLink::URL_BYTES_MAX
                        ),
                    );
                }
                if link
                    .url
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control())
                {
                    fail(
                        at("flow.links"),
                        format!("{:?}: a link has no spaces or control characters", link.url),
                    );
                }
                match link.placeholders() {
                    Err(message) => fail(at("flow.links"), message),
                    Ok(names) => {
                        for name in names {
                            let builtin = matches!(name, "ani" | "dnis" | "queue");
                            let definition = self.cad_variables.iter().find(|d| d.name == name);
                            match definition {
                                // R33: a secure value never leaves in a URL.
                                Some(definition) if definition.secure => fail(
                                    at("flow.links"),
                                    format!(
                                        "{{{name}}} is a secure variable; it cannot be put in a link (R33)"
                                    ),
                                ),
                                Some(_) => {}
                                None if builtin => {}
                                None => fail(
                                    at("flow.links"),
                                    format!(
                                        "{{{name}}} is not a CAD variable nor one of ani, dnis, queue"
                                    ),
                                ),
                            }
                        }
                    }
                }
            }
            for (field, message) in popover_problems(&entry_point.flow.popover, &self.cad_variables)
            {
                fail(at(field), message);
            }
            for (name, value) in &entry_point.flow.variables {
                if !cad_names.contains(name.as_str()) {
                    fail(
                        at("flow.variables"),
                        format!("unknown CAD variable {name:?}"),
                    );
                }
                if value.chars().count() > CAD_VALUE_CHARS_MAX {
                    fail(
                        at("flow.variables"),
                        format!("{name}: longer than 256 characters"),
                    );
                }
            }
        }
        let mut n_popover = 0;
        for definition in &self.cad_variables {
            if definition.popover_order.is_some() {
                if definition.secure {
                    fail(
                        format!("cad_variables.{}.popover_order", definition.name),
                        "a secure variable is never shown in a popover (R9)".into(),
                    );
                } else {
                    n_popover += 1;
                }
            }
        }
        if n_popover > Self::POPOVER_VARIABLES_MAX {
            fail(
                "cad_variables".into(),
                format!("{n_popover} variables have a popover_order; at most 6 are shown (R9)"),
            );
        }
        self.validate_opening_hours(&mut fail);
        if self.wrapup_reasons.is_empty() {
            fail(
                "wrapup_reasons".into(),
                "at least one wrap-up reason is needed".into(),
            );
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The queue with this id.
    pub fn queue(&self, id: QueueId) -> Option<&QueueConfig> {
        self.queues.iter().find(|q| q.id == id)
    }

    /// The agent with this id.
    pub fn agent(&self, id: AgentId) -> Option<&AgentConfig> {
        self.agents.iter().find(|a| a.id == id)
    }

    /// The team with this id.
    pub fn team(&self, id: TeamId) -> Option<&TeamConfig> {
        self.teams.iter().find(|t| t.id == id)
    }

    /// How many times a callback waiting in `queue` is dialled before it is given up (R40):
    /// the queue's setting, else the organisation's.
    pub(crate) fn callback_attempts_max(&self, queue: QueueId) -> u32 {
        self.queue(queue)
            .and_then(|q| q.callback_attempts_max)
            .unwrap_or(self.org.callback_attempts_max)
    }

    /// How long an unanswered callback of `queue` waits before it goes back to it (R40): the
    /// queue's setting, else the organisation's.
    pub(crate) fn callback_retry_after_ms(&self, queue: QueueId) -> u64 {
        self.queue(queue)
            .and_then(|q| q.callback_retry_after_ms)
            .unwrap_or(self.org.callback_retry_after_ms)
    }

    /// The entry point with this id.
    pub fn entry_point(&self, id: EntryPointId) -> Option<&EntryPointConfig> {
        self.entry_points.iter().find(|e| e.id == id)
    }

    /// An index from dial-number digits to entry point (R20, arrivals).
    pub(crate) fn entry_points_by_digits(
        &self,
    ) -> crate::core::engine::StableMap<String, EntryPointId> {
        self.entry_points
            .iter()
            .flat_map(|ep| ep.dial_numbers.iter().map(|n| (n.digits(), ep.id)))
            .collect()
    }
}

impl Config {
    /// Opening hours and the courtesy callback's expected-wait threshold (R37).
    fn validate_opening_hours(&self, fail: &mut impl FnMut(String, String)) {
        for (field, message) in self.calendar.problems() {
            fail(field, message);
        }
        for queue in &self.queues {
            if let Some(name) = &queue.opening_hours
                && !self.calendar.opening_hours.iter().any(|h| &h.name == name)
            {
                fail(
                    format!("queues.{}.opening_hours", queue.name),
                    format!("unknown opening hours {name:?}"),
                );
            }
        }
        for entry_point in &self.entry_points {
            if entry_point.flow.courtesy_callback_expected_wait_ms == Some(0) {
                fail(
                    format!(
                        "entry_points.{}.courtesy_callback_expected_wait",
                        entry_point.name
                    ),
                    "must be longer than 0s".into(),
                );
            }
        }
    }

    /// Whether `queue` is open at `unix_ms` by its opening hours (R37); a queue without
    /// opening hours is always open.
    pub fn queue_open(&self, queue: QueueId, unix_ms: i64) -> bool {
        self.queue(queue)
            .and_then(|q| q.opening_hours.as_deref())
            .is_none_or(|name| self.calendar.is_open(name, unix_ms))
    }
}

/// The longest value a CAD variable holds, in characters (R34).
pub const CAD_VALUE_CHARS_MAX: usize = 256;

impl Default for OrgSettings {
    fn default() -> Self {
        OrgSettings {
            name: "Sentral".into(),
            noise_removal: true,
            calls_max: 20,
            recording: true,
            recording_pause_allowed: true,
            privacy_shield_ms: Some(30_000),
            web_callback_cancel: true,
            transfer_no_answer: TransferNoAnswer::Drop,
            rona_timeout_ms: 15_000,
            dial_timeout_ms: 30_000,
            callback_attempts_max: 3,
            callback_retry_after_ms: 120_000,
            auto_wrapup: None,
        }
    }
}

impl Default for Capacity {
    fn default() -> Self {
        Capacity {
            chat: 3,
            email: 2,
            social: 2,
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// What is wrong with a callback attempts maximum, if anything (R40).
fn callback_attempts_problem(attempts_max: u32) -> Option<String> {
    (!(1..=Config::CALLBACK_ATTEMPTS_MAX).contains(&attempts_max)).then(|| {
        format!(
            "must be 1 to {} (how many times the customer is dialled), not {attempts_max}",
            Config::CALLBACK_ATTEMPTS_MAX
        )
    })
}

/// What is wrong with a callback retry spacing, if anything (R40).
fn callback_retry_after_problem(retry_after_ms: u64) -> Option<String> {
    (retry_after_ms > Config::CALLBACK_RETRY_AFTER_MS_MAX)
        .then(|| "must be at most 24h; 0s sends the callback back to its queue at once".to_owned())
}

/// What is wrong with a flow's popover choice, if anything (R9): as `(field, message)`.
fn popover_problems(
    popover: &[PopoverChoice],
    cad_variables: &[CadDefinition],
) -> Vec<(&'static str, String)> {
    let mut problems = Vec::new();
    if popover.is_empty() {
        return problems;
    }
    let n = popover.len();
    if !(Config::POPOVER_VARIABLES_MIN..=Config::POPOVER_VARIABLES_MAX).contains(&n) {
        problems.push((
            "flow.popover",
            format!(
                "a flow's popover shows {} to {} variables (R9), not {n}; leave it out to keep \
                 the organisation's choice",
                Config::POPOVER_VARIABLES_MIN,
                Config::POPOVER_VARIABLES_MAX
            ),
        ));
    }
    let mut seen = HashSet::new();
    for choice in popover {
        let name = choice.name.as_str();
        if !seen.insert(name) {
            problems.push(("flow.popover", format!("{name:?} appears more than once")));
        }
        let builtin = PopoverChoice::BUILTIN.iter().any(|(b, _)| *b == name);
        match cad_variables.iter().find(|d| d.name == name) {
            Some(definition) if definition.secure => problems.push((
                "flow.popover",
                format!("{name:?} is a secure variable; it is never shown in a popover (R9)"),
            )),
            Some(_) => {}
            None if builtin => {}
            None => problems.push((
                "flow.popover",
                format!("{name:?} is not a CAD variable nor one of ani, dnis, queue"),
            )),
        }
        if let Some(label) = &choice.label {
            let chars = label.trim().chars().count();
            if chars == 0 || chars > PopoverChoice::LABEL_CHARS_MAX {
                problems.push((
                    "flow.popover",
                    format!(
                        "{name}: a label needs 1 to {} characters",
                        PopoverChoice::LABEL_CHARS_MAX
                    ),
                ));
            }
        }
    }
    problems
}

fn duplicates<'a>(
    names: impl Iterator<Item = &'a str>,
    field: &str,
    fail: &mut impl FnMut(String, String),
) {
    let mut seen = HashSet::new();
    for name in names {
        if !seen.insert(name) {
            fail(
                format!("{field}.{name}"),
                format!("{name:?} appears more than once"),
            );
        }
    }
}
