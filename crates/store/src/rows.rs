//! What goes into the store and comes out of it: plain rows, free of SQL types.
//!
//! Ids are the engine's numbers (`AgentId(7)` is `7`); enums are their stored text (see
//! [`crate::names`]).

use sentral_engine::Record;
use std::collections::BTreeMap;

/// How many interactions [`crate::Store::interactions`] returns when the filter sets no limit.
pub const INTERACTIONS_LIMIT_DEFAULT: u32 = 50;
/// The most interactions [`crate::Store::interactions`] returns at once; page with
/// [`InteractionFilter::before_id`].
pub const INTERACTIONS_LIMIT_MAX: u32 = 500;

/// An organisation and its configuration document (R43).
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct OrganisationRow {
    /// Its short unique name, used in URLs and as the key of everything it owns.
    pub slug: String,
    /// Its display name.
    pub name: String,
    /// The whole configuration as one TOML document; the server parses and validates it.
    pub config_toml: String,
    /// Starts at 1 and goes up by one on every save, so clients can detect a stale edit.
    pub config_version: i64,
}

/// What a user may do in the API.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub enum Role {
    /// Handles contacts.
    Agent,
    /// Watches queues and agents, reads history (R44).
    Supervisor,
    /// Administers the organisation (R43).
    Admin,
}

impl Role {
    /// The role's stored text: `agent`, `supervisor`, `admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }

    /// The role stored as `text`, if it is one.
    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "agent" => Some(Role::Agent),
            "supervisor" => Some(Role::Supervisor),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// A user as stored.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct UserRow {
    /// The database id; sessions and idempotent responses refer to it.
    pub id: i64,
    /// The slug of the user's organisation.
    pub org: String,
    /// The sign-in name, unique across all organisations.
    pub username: String,
    /// What the user may do.
    pub role: Role,
    /// An argon2 PHC string computed by the caller; the store never sees a password.
    pub password_hash: String,
    /// The engine's agent id, for users who handle contacts.
    pub agent_id: Option<u64>,
    /// Consecutive failed sign-ins, for lock-out.
    pub failed_logins: i64,
    /// Sign-in is refused until then (Unix ms), if locked.
    pub locked_until_unix_ms: Option<i64>,
    /// The language the user chose in the desktop (`en`, `nb`), if they chose one.
    pub language: Option<String>,
}

/// The fields of a user that [`crate::Store::upsert_user`] sets; the id and the lock-out
/// counters are the store's.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct UserFields {
    /// The slug of the user's organisation, which must exist.
    pub org: String,
    /// The sign-in name, unique across all organisations.
    pub username: String,
    /// What the user may do.
    pub role: Role,
    /// An argon2 PHC string.
    pub password_hash: String,
    /// The engine's agent id, for users who handle contacts.
    pub agent_id: Option<u64>,
}

/// A signed-in session and its user.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct SessionRow {
    /// Who is signed in.
    pub user: UserRow,
    /// When the session stops being valid (Unix ms); the caller compares it with its clock.
    pub expires_unix_ms: i64,
}

/// An API response kept so that a retried request with the same idempotency key gets the
/// same answer.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct StoredResponse {
    /// The HTTP status.
    pub status: u16,
    /// The response body.
    pub body: String,
}

/// One entry of the history journal (R45).
#[derive(Clone, Debug, PartialEq)]
pub struct HistoryEntry {
    /// What the engine recorded.
    pub record: Record,
}

/// Which interactions [`crate::Store::interactions`] returns, newest first.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct InteractionFilter {
    /// Only those whose (last) queue is this one.
    pub queue: Option<u64>,
    /// Only those this agent took part in: was offered, owned or consulted on.
    pub agent: Option<u64>,
    /// Only this kind (stored text, e.g. `web_callback`).
    pub kind: Option<String>,
    /// Only those created at or after this instant (Unix ms).
    pub from_unix_ms: Option<i64>,
    /// Only those created before this instant (Unix ms).
    pub to_unix_ms: Option<i64>,
    /// At most this many; [`INTERACTIONS_LIMIT_DEFAULT`] if unset, never more than
    /// [`INTERACTIONS_LIMIT_MAX`].
    pub limit: Option<u32>,
    /// Only ids below this one: pass the last id of a page to get the next.
    pub before_id: Option<u64>,
    /// Only those with this customer number (a customer's earlier contacts).
    pub customer_number: Option<String>,
    /// Only this channel (stored text: `voice`, `chat`, `email`, `social`).
    pub channel: Option<String>,
    /// Only those with a wrap-up of this reason code.
    pub wrapup_reason: Option<String>,
}

impl InteractionFilter {
    /// The limit actually applied.
    pub fn limit_applied(&self) -> u32 {
        self.limit
            .unwrap_or(INTERACTIONS_LIMIT_DEFAULT)
            .min(INTERACTIONS_LIMIT_MAX)
    }
}

/// An interaction's durable record (R44, R45): who, what, when, every state change, wrap-up,
/// CAD values, recording.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct InteractionRecord {
    /// The engine's interaction id, unique within the organisation.
    pub id: u64,
    /// `voice`, `chat`, `email`, `social`.
    pub channel: String,
    /// `inbound`, `outdial`, `web_callback`, `courtesy_callback` (an inbound call whose
    /// caller asked to be called back), `preview_campaign`.
    pub kind: String,
    /// The customer's number.
    pub customer_number: Option<String>,
    /// The customer's name, for web callbacks.
    pub customer_name: Option<String>,
    /// The number the customer dialled.
    pub dnis: Option<String>,
    /// The last queue it was in.
    pub queue: Option<u64>,
    /// The last state it was in (`queued`, `connected`…, or `closed_by_restart`).
    pub state: Option<String>,
    /// Every agent who owned or was consulted on it, in order.
    pub agents: Vec<u64>,
    /// When it was created (Unix ms).
    pub created_at_unix_ms: i64,
    /// When a customer was first connected, if ever (Unix ms).
    pub connected_at_unix_ms: Option<i64>,
    /// When it ended (Unix ms); `None` while it is live.
    pub ended_at_unix_ms: Option<i64>,
    /// Why it ended (see [`crate::names::end_reason`], or the reason given to
    /// [`crate::Store::close_live_interactions`]).
    pub end_reason: Option<String>,
    /// Every state change, oldest first.
    pub states: Vec<StateChange>,
    /// Every wrap-up, oldest first.
    pub wrapups: Vec<WrapUpRow>,
    /// The latest CAD values (secure ones included) and their version.
    pub variables: Option<(u64, BTreeMap<String, String>)>,
    /// Every recording state change, oldest first.
    pub recordings: Vec<RecordingRow>,
}

/// One state change of an interaction.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct StateChange {
    /// The engine's short state name: `queued`, `offered`, `dialing`, `retry_wait`,
    /// `connected`, `held`…
    pub state: String,
    /// The agent concerned, if any.
    pub agent: Option<u64>,
    /// The queue concerned, if any.
    pub queue: Option<u64>,
    /// The callback attempt it belongs to, counted from 1 (`dialing`, `retry_wait`; R40).
    pub attempt: Option<u32>,
    /// When (Unix ms).
    pub at_unix_ms: i64,
}

/// A submitted wrap-up.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct WrapUpRow {
    /// Who wrapped up.
    pub agent: u64,
    /// The wrap-up reason code.
    pub reason: String,
    /// Whether the organisation's automatic wrap-up submitted it, not the agent (R36).
    pub automatic: bool,
    /// When (Unix ms).
    pub at_unix_ms: i64,
}

/// A recording state change.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct RecordingRow {
    /// `off`, `on` or `paused`.
    pub state: String,
    /// When Privacy Shield resumes a paused recording (Unix ms).
    pub resumes_at_unix_ms: Option<i64>,
    /// When (Unix ms).
    pub at_unix_ms: i64,
    /// The agent who paused or resumed it; `None` when Sentral changed it.
    pub agent: Option<u64>,
}

/// An agent state change.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct AgentStateRow {
    /// Whose.
    pub agent: u64,
    /// `logged_out`, `available`, `idle`, `rona`.
    pub state: String,
    /// The idle reason code, if any.
    pub reason: Option<String>,
    /// When (Unix ms).
    pub at_unix_ms: i64,
}

/// A callback that was waiting (or being dialled) when the server stopped; the server
/// restores it into the engine with its id (R45).
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct PendingCallback {
    /// Its id from before the restart.
    pub interaction: u64,
    /// `web_callback` or `courtesy_callback`.
    pub kind: String,
    /// The queue that serves it.
    pub queue: Option<u64>,
    /// The number to call back.
    pub customer_number: String,
    /// The customer's name (web callbacks).
    pub customer_name: Option<String>,
    /// The number the customer had dialled (courtesy callbacks).
    pub dnis: Option<String>,
    /// When it was created (Unix ms); restore oldest first.
    pub created_at_unix_ms: i64,
}

/// One counter step of the wallboard's figures (R44), as the server's wallboard fold makes it:
/// the history writer adds it to the rollups the reports read.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct ReportFact {
    /// The queue the figure is of.
    pub queue: u64,
    /// The agent who answered or handled the contact, for [`ReportFactKind::Answered`] and
    /// [`ReportFactKind::Handled`].
    pub agent: Option<u64>,
    /// When it happened (Unix ms): the quarter hour it counts in.
    pub at_unix_ms: i64,
    /// Which counter goes up.
    pub kind: ReportFactKind,
}

/// Which figure a [`ReportFact`] counts.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum ReportFactKind {
    /// A contact entered the queue.
    Offered,
    /// An agent took a contact from the queue after it waited `waited_ms`.
    Answered {
        /// How long it waited in the queue.
        waited_ms: u64,
        /// Whether that was within the queue's service-level threshold at the time.
        in_threshold: bool,
    },
    /// The customer hung up (or was lost) while waiting in the queue.
    Abandoned,
    /// The wrap-up of a contact of the queue was submitted, `handle_ms` after the answer.
    Handled {
        /// From the agent's answer to the wrap-up.
        handle_ms: u64,
    },
}

/// The length of a rollup's bucket: a quarter of an hour, so every time zone's hours and days
/// are whole buckets.
pub const ROLLUP_BUCKET_MS: i64 = 15 * 60 * 1000;

/// The counters of one queue's (or one agent's) rollups over some time, as the reports read
/// them.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub struct RollupCounters {
    /// Contacts that entered the queue.
    pub offered: u64,
    /// Contacts an agent took from the queue.
    pub answered: u64,
    /// Of those, within the service-level threshold.
    pub answered_in_threshold: u64,
    /// The sum of the answered contacts' waits (ms).
    pub answered_wait_ms_total: u64,
    /// Contacts whose customer hung up while waiting.
    pub abandoned: u64,
    /// Contacts wrapped up.
    pub handled: u64,
    /// The sum of their handle times (ms).
    pub handle_ms_total: u64,
}

impl std::ops::AddAssign for RollupCounters {
    fn add_assign(&mut self, other: RollupCounters) {
        self.offered += other.offered;
        self.answered += other.answered;
        self.answered_in_threshold += other.answered_in_threshold;
        self.answered_wait_ms_total += other.answered_wait_ms_total;
        self.abandoned += other.abandoned;
        self.handled += other.handled;
        self.handle_ms_total += other.handle_ms_total;
    }
}

/// One quarter hour of one queue's rollups, or of one agent's work for one queue.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct RollupRow {
    /// The queue.
    pub queue: u64,
    /// The agent, for agents' rollups.
    pub agent: Option<u64>,
    /// The start of the quarter hour (Unix ms).
    pub bucket_unix_ms: i64,
    /// Its counters (an agent's rollup has no offered or abandoned contacts).
    pub counters: RollupCounters,
}
