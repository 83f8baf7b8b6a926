//! The [`Store`] trait: everything the server keeps on disk, whatever the database.

use crate::error::StoreError;
use crate::rows::{
    AgentStateRow, HistoryEntry, InteractionFilter, InteractionRecord, OrganisationRow,
    PendingCallback, ReportFact, RollupRow, SessionRow, StoredResponse, UserFields, UserRow,
};
use async_trait::async_trait;

/// The server's durable store, used as `Arc<dyn Store>`.
///
/// Every method is one database transaction. Methods that take `org` only see that
/// organisation's rows.
#[async_trait]
pub trait Store: Send + Sync {
    // Organisations (R43).

    /// Every organisation, by slug.
    async fn organisations(&self) -> Result<Vec<OrganisationRow>, StoreError>;

    /// One organisation.
    async fn organisation(&self, slug: &str) -> Result<Option<OrganisationRow>, StoreError>;

    /// Inserts an organisation at version 1, or replaces its name and configuration and bumps
    /// its version; returns the new version.
    async fn save_organisation(
        &self,
        slug: &str,
        name: &str,
        config_toml: &str,
    ) -> Result<i64, StoreError>;

    // Users.

    /// Inserts a user, or updates the role, password hash and agent id of the user with that
    /// name; the lock-out counters are kept. Fails with [`StoreError::UsernameTaken`] if the
    /// name belongs to another organisation.
    async fn upsert_user(&self, user: &UserFields) -> Result<UserRow, StoreError>;

    /// The user with this sign-in name, in any organisation.
    async fn user_by_name(&self, username: &str) -> Result<Option<UserRow>, StoreError>;

    /// An organisation's users, by name.
    async fn users(&self, org: &str) -> Result<Vec<UserRow>, StoreError>;

    /// Deletes a user with their sessions and idempotent responses; false if there was none.
    async fn delete_user(&self, org: &str, username: &str) -> Result<bool, StoreError>;

    /// Counts one more failed sign-in and sets (or clears) the lock; the caller decides the
    /// policy from [`UserRow::failed_logins`].
    async fn record_login_failure(
        &self,
        username: &str,
        locked_until_unix_ms: Option<i64>,
    ) -> Result<(), StoreError>;

    /// Keeps the language the user chose in the desktop (`None` forgets it).
    async fn set_user_language(
        &self,
        username: &str,
        language: Option<&str>,
    ) -> Result<(), StoreError>;

    /// Clears the failed sign-in count and the lock, after a successful sign-in.
    async fn reset_login_failures(&self, username: &str) -> Result<(), StoreError>;

    // Sessions.

    /// Stores a session under the hash of its token (the token itself is never stored).
    async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        created_unix_ms: i64,
        expires_unix_ms: i64,
    ) -> Result<(), StoreError>;

    /// The session with this token hash and its user, expired or not.
    async fn session(&self, token_hash: &str) -> Result<Option<SessionRow>, StoreError>;

    /// Signs a session out; false if there was none.
    async fn delete_session(&self, token_hash: &str) -> Result<bool, StoreError>;

    /// Signs out every session of a user except the one with `keep` as its token hash (a
    /// password change keeps the session that made it); returns how many ended.
    async fn delete_user_sessions(
        &self,
        user_id: i64,
        keep: Option<&str>,
    ) -> Result<u64, StoreError>;

    /// Deletes sessions that expired at or before `now_unix_ms`; returns their users, each
    /// once (an agent whose last session ended is logged out of the station, R3).
    async fn delete_expired_sessions(&self, now_unix_ms: i64) -> Result<Vec<UserRow>, StoreError>;

    /// How many of a user's sessions are valid at `now_unix_ms`, leaving out the one with
    /// `except` as its token hash.
    async fn live_sessions(
        &self,
        user_id: i64,
        now_unix_ms: i64,
        except: Option<&str>,
    ) -> Result<u64, StoreError>;

    // Idempotency keys.

    /// The response saved for this user's idempotency key, if any.
    async fn idempotent_response(
        &self,
        user_id: i64,
        key: &str,
    ) -> Result<Option<StoredResponse>, StoreError>;

    /// Saves the response to a user's idempotency key; the first response saved wins.
    async fn save_idempotent_response(
        &self,
        user_id: i64,
        key: &str,
        status: u16,
        body: &str,
        created_unix_ms: i64,
    ) -> Result<(), StoreError>;

    /// Forgets responses saved before `before_unix_ms`; returns how many.
    async fn delete_idempotent_responses_before(
        &self,
        before_unix_ms: i64,
    ) -> Result<u64, StoreError>;

    // History (R44, R45).

    /// Writes a batch of an organisation's records, in order, in one transaction.
    async fn append(&self, org: &str, records: &[HistoryEntry]) -> Result<(), StoreError>;

    /// Sets a web callback's customer name, which the engine's record does not carry; false if
    /// the interaction is not stored (yet). [`crate::HistoryWriter::set_customer_name`] orders
    /// it after the records already sent.
    async fn set_customer_name(
        &self,
        org: &str,
        interaction: u64,
        name: &str,
    ) -> Result<bool, StoreError>;

    /// Interactions matching the filter, newest (highest id) first.
    async fn interactions(
        &self,
        org: &str,
        filter: &InteractionFilter,
    ) -> Result<Vec<InteractionRecord>, StoreError>;

    /// One interaction.
    async fn interaction(
        &self,
        org: &str,
        id: u64,
    ) -> Result<Option<InteractionRecord>, StoreError>;

    /// Agent state changes in `[from_unix_ms, to_unix_ms)`, of one agent or all, oldest first
    /// (at most [`AGENT_STATES_LIMIT`] rows).
    async fn agent_states(
        &self,
        org: &str,
        agent: Option<u64>,
        from_unix_ms: i64,
        to_unix_ms: i64,
    ) -> Result<Vec<AgentStateRow>, StoreError>;

    // Reports (R44, issue 23).

    /// Adds the wallboard fold's counter steps to the quarter-hour rollups of queues and agents,
    /// in one transaction.
    async fn append_report_facts(&self, org: &str, facts: &[ReportFact]) -> Result<(), StoreError>;

    /// Queues' rollups of the quarter hours in `[from_unix_ms, to_unix_ms)`, of every queue or
    /// of `queues`, by queue and time.
    async fn queue_rollups(
        &self,
        org: &str,
        queues: Option<&[u64]>,
        from_unix_ms: i64,
        to_unix_ms: i64,
    ) -> Result<Vec<RollupRow>, StoreError>;

    /// Agents' rollups (per agent and queue) of the quarter hours in `[from_unix_ms,
    /// to_unix_ms)`, by time.
    async fn agent_rollups(
        &self,
        org: &str,
        from_unix_ms: i64,
        to_unix_ms: i64,
    ) -> Result<Vec<RollupRow>, StoreError>;

    /// How long each agent was logged in to their station (any state but `logged_out`) within
    /// `[from_unix_ms, to_unix_ms)`, by agent; a state that began before `from_unix_ms` counts
    /// from then, and the last one runs to `to_unix_ms` (or `now_unix_ms`, if earlier).
    async fn agents_logged_in_ms(
        &self,
        org: &str,
        from_unix_ms: i64,
        to_unix_ms: i64,
        now_unix_ms: i64,
    ) -> Result<Vec<(u64, u64)>, StoreError>;

    /// The highest interaction id stored for the organisation (0 if none), so that a restarted
    /// engine continues numbering after it.
    async fn max_interaction_id(&self, org: &str) -> Result<u64, StoreError>;

    // Restart (R45).

    /// Callbacks that were waiting or being dialled when the server stopped, oldest first: web
    /// and courtesy callbacks not ended, with a number, whose last state is `queued`,
    /// `courtesy_callback`, `offered`, `rona` or `dialing`.
    async fn pending_callbacks(&self, org: &str) -> Result<Vec<PendingCallback>, StoreError>;

    /// Ends every live interaction except pending callbacks with `reason` at `at_unix_ms`, and
    /// records a `closed_by_restart` state for each; returns how many.
    async fn close_live_interactions(
        &self,
        org: &str,
        reason: &str,
        at_unix_ms: i64,
    ) -> Result<u64, StoreError>;

    /// Waits for pending writes and closes the database; further calls fail.
    async fn close(&self);
}

/// The most rows [`Store::agent_states`] returns at once.
pub const AGENT_STATES_LIMIT: u32 = 10_000;
