//! Sentral's durable store: organisations and their configuration, users, sessions,
//! idempotent API responses, and the interaction history the engine journals (R43–R45).
//!
//! Everything goes through the object-safe [`Store`] trait, used as `Arc<dyn Store>`, so that
//! a PostgreSQL backend can join [`SqliteStore`] later behind the same conformance tests.
//! SQLite runs in WAL mode, one file under the data directory; the schema lives in embedded
//! SQL migrations (`crates/store/migrations`) applied by [`SqliteStore::open`].
//!
//! The engine never waits on disk: the server hands every [`sentral_engine::Record`] to a
//! [`HistoryWriter`], whose task writes one transaction per organisation per round. The store
//! is a journal; the state of record lives in the engine. After a restart the server asks
//! for [`Store::max_interaction_id`] (to continue numbering), [`Store::pending_callbacks`] (to
//! restore them) and then [`Store::close_live_interactions`] (to end what the crash cut off).
//!
//! Enums are stored as stable lowercase text (see [`names`]); ids as SQL integers.
//!
//! # Layout
//! - `error`: [`StoreError`].
//! - `rows`: what goes in and comes out: [`OrganisationRow`], [`UserRow`], [`SessionRow`],
//!   [`InteractionRecord`], [`InteractionFilter`], [`PendingCallback`]…
//! - `store`: the [`Store`] trait.
//! - `names`: the text each engine enum is stored as.
//! - `sqlite`: [`SqliteStore`]: opening, migrations, accounts; `sqlite/history.rs` writes and
//!   reads the history.
//! - `writer`: [`HistoryWriter`], the batching task between the engine and the store.

mod error;
pub mod names;
mod rows;
mod sqlite;
mod store;
mod writer;

pub use error::StoreError;
pub use rows::{
    AgentStateRow, HistoryEntry, INTERACTIONS_LIMIT_DEFAULT, INTERACTIONS_LIMIT_MAX,
    InteractionFilter, InteractionRecord, OrganisationRow, PendingCallback, ROLLUP_BUCKET_MS,
    RecordingRow, ReportFact, ReportFactKind, Role, RollupCounters, RollupRow, SessionRow,
    StateChange, StoredResponse, UserFields, UserRow, WrapUpRow,
};
pub use sqlite::SqliteStore;
pub use store::{AGENT_STATES_LIMIT, Store};
pub use writer::HistoryWriter;
