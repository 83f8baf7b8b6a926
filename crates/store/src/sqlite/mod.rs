//! [`SqliteStore`]: the embedded default backend, one SQLite file in WAL mode.
//!
//! Writes go through a pool of one connection, so the process's writers queue in memory
//! instead of contending for SQLite's file lock; reads use a few more connections, which WAL
//! lets run beside the writer. This file holds opening, migrations and the account tables;
//! `history.rs` holds the interaction history.

mod history;

use crate::error::StoreError;
use crate::rows::{
    AgentStateRow, HistoryEntry, InteractionFilter, InteractionRecord, OrganisationRow,
    PendingCallback, Role, SessionRow, StoredResponse, UserFields, UserRow,
};
use crate::store::Store;
use async_trait::async_trait;
use sqlx::Row;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

/// The columns [`user_from_row`] reads, qualified so that joins can use them.
macro_rules! user_columns {
    () => {
        "users.id, users.org, users.username, users.role, users.password_hash, users.agent_id,
         users.failed_logins, users.locked_until_unix_ms, users.language"
    };
}

/// The store on SQLite.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    /// One connection, for every write.
    writer: SqlitePool,
    /// Connections for reads; the writer itself for an in-memory database, which each
    /// connection would otherwise see as a different, empty one.
    reader: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating it and its directory if needed) the database file at `path`, in WAL
    /// mode with `synchronous=NORMAL` and foreign keys on, and applies pending migrations.
    pub async fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(|source| StoreError::CreateDir {
                    path: dir.to_path_buf(),
                    source,
                })?;
        }
        // NORMAL loses at most the last transactions on power loss (never on a crash of the
        // process) and never corrupts the file in WAL mode; FULL would fsync every batch.
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        MIGRATOR.run(&writer).await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(READERS_MAX)
            .connect_with(options)
            .await?;
        tracing::info!(path = %path.display(), "store opened");
        Ok(SqliteStore { writer, reader })
    }

    /// Opens a fresh database that lives in memory until the store is dropped; for tests.
    pub async fn open_in_memory() -> Result<SqliteStore, StoreError> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:")?.foreign_keys(true);
        // The database lives as long as one connection to it does: keep exactly one forever.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(SqliteStore {
            writer: pool.clone(),
            reader: pool,
        })
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn organisations(&self) -> Result<Vec<OrganisationRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT slug, name, config_toml, config_version FROM organisations ORDER BY slug",
        )
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(organisation_from_row).collect()
    }

    async fn organisation(&self, slug: &str) -> Result<Option<OrganisationRow>, StoreError> {
        let row = sqlx::query(
            "SELECT slug, name, config_toml, config_version FROM organisations WHERE slug = ?1",
        )
        .bind(slug)
        .fetch_optional(&self.reader)
        .await?;
        row.as_ref().map(organisation_from_row).transpose()
    }

    async fn save_organisation(
        &self,
        slug: &str,
        name: &str,
        config_toml: &str,
    ) -> Result<i64, StoreError> {
        let version = sqlx::query_scalar(
            "INSERT INTO organisations (slug, name, config_toml, config_version)
             VALUES (?1, ?2, ?3, 1)
             ON CONFLICT (slug) DO UPDATE SET
                 name = excluded.name,
                 config_toml = excluded.config_toml,
                 config_version = organisations.config_version + 1
             RETURNING config_version",
        )
        .bind(slug)
        .bind(name)
        .bind(config_toml)
        .fetch_one(&self.writer)
        .await?;
        Ok(version)
    }

    async fn upsert_user(&self, user: &UserFields) -> Result<UserRow, StoreError> {
        // The update only applies within the same organisation; otherwise nothing is
        // returned and the name is taken.
        let row = sqlx::query(concat!(
            "INSERT INTO users (org, username, role, password_hash, agent_id)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (username) DO UPDATE SET
                 role = excluded.role,
                 password_hash = excluded.password_hash,
                 agent_id = excluded.agent_id
             WHERE users.org = excluded.org
             RETURNING ",
            user_columns!()
        ))
        .bind(&user.org)
        .bind(&user.username)
        .bind(user.role.as_str())
        .bind(&user.password_hash)
        .bind(user.agent_id.map(sql_id))
        .fetch_optional(&self.writer)
        .await?;
        match row {
            Some(row) => user_from_row(&row),
            None => Err(StoreError::UsernameTaken(user.username.clone())),
        }
    }

    async fn user_by_name(&self, username: &str) -> Result<Option<UserRow>, StoreError> {
        let row = sqlx::query(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE username = ?1"
        ))
        .bind(username)
        .fetch_optional(&self.reader)
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn users(&self, org: &str) -> Result<Vec<UserRow>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE org = ?1 ORDER BY username"
        ))
        .bind(org)
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(user_from_row).collect()
    }

    async fn delete_user(&self, org: &str, username: &str) -> Result<bool, StoreError> {
        let result = sqlx::query("DELETE FROM users WHERE org = ?1 AND username = ?2")
            .bind(org)
            .bind(username)
            .execute(&self.writer)
            .await?;
        Ok(result.rows_affected() > 0)
    }

    async fn record_login_failure(
        &self,
        username: &str,
        locked_until_unix_ms: Option<i64>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE users SET failed_logins = failed_logins + 1, locked_until_unix_ms = ?2
             WHERE username = ?1",
        )
        .bind(username)
        .bind(locked_until_unix_ms)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn set_user_language(
        &self,
        username: &str,
        language: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET language = ?2 WHERE username = ?1")
            .bind(username)
            .bind(language)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn reset_login_failures(&self, username: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE users SET failed_logins = 0, locked_until_unix_ms = NULL WHERE username = ?1",
        )
        .bind(username)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        created_unix_ms: i64,
        expires_unix_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_unix_ms, expires_unix_ms)
             VALUES (?1, ?2, ?3, ?4)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(created_unix_ms)
        .bind(expires_unix_ms)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn session(&self, token_hash: &str) -> Result<Option<SessionRow>, StoreError> {
        let row = sqlx::query(concat!(
            "SELECT ",
            user_columns!(),
            ", sessions.expires_unix_ms
             FROM sessions JOIN users ON users.id = sessions.user_id
             WHERE sessions.token_hash = ?1"
        ))
        .bind(token_hash)
        .fetch_optional(&self.reader)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        Ok(Some(SessionRow {
            user: user_from_row(&row)?,
            expires_unix_ms: row.try_get("expires_unix_ms")?,
        }))
    }

    async fn delete_session(&self, token_hash: &str) -> Result<bool, StoreError> {
        let result = sqlx::query("DELETE FROM sessions WHERE token_hash = ?1")
            .bind(token_hash)
            .execute(&self.writer)
            .await?;
        Ok(result.rows_affected() > 0)
    }

    async fn delete_user_sessions(
        &self,
        user_id: i64,
        keep: Option<&str>,
    ) -> Result<u64, StoreError> {
        let result = sqlx::query(
            "DELETE FROM sessions WHERE user_id = ?1 AND (?2 IS NULL OR token_hash <> ?2)",
        )
        .bind(user_id)
        .bind(keep)
        .execute(&self.writer)
        .await?;
        Ok(result.rows_affected())
    }

    async fn delete_expired_sessions(&self, now_unix_ms: i64) -> Result<Vec<UserRow>, StoreError> {
        let mut tx = self.writer.begin().await?;
        let rows = sqlx::query(concat!(
            "SELECT DISTINCT ",
            user_columns!(),
            " FROM sessions JOIN users ON users.id = sessions.user_id
             WHERE sessions.expires_unix_ms <= ?1
             ORDER BY users.id"
        ))
        .bind(now_unix_ms)
        .fetch_all(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM sessions WHERE expires_unix_ms <= ?1")
            .bind(now_unix_ms)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        rows.iter().map(user_from_row).collect()
    }

    async fn live_sessions(
        &self,
        user_id: i64,
        now_unix_ms: i64,
        except: Option<&str>,
    ) -> Result<u64, StoreError> {
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sessions
             WHERE user_id = ?1 AND expires_unix_ms > ?2 AND (?3 IS NULL OR token_hash <> ?3)",
        )
        .bind(user_id)
        .bind(now_unix_ms)
        .bind(except)
        .fetch_one(&self.reader)
        .await?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    async fn idempotent_response(
        &self,
        user_id: i64,
        key: &str,
    ) -> Result<Option<StoredResponse>, StoreError> {
        let row = sqlx::query(
            "SELECT status, body FROM idempotent_responses WHERE user_id = ?1 AND key = ?2",
        )
        .bind(user_id)
        .bind(key)
        .fetch_optional(&self.reader)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let status: i64 = row.try_get("status")?;
        let status =
            u16::try_from(status).map_err(|_| StoreError::corrupt("response status", status))?;
        Ok(Some(StoredResponse {
            status,
            body: row.try_get("body")?,
        }))
    }

    async fn save_idempotent_response(
        &self,
        user_id: i64,
        key: &str,
        status: u16,
        body: &str,
        created_unix_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO idempotent_responses (user_id, key, status, body, created_unix_ms)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (user_id, key) DO NOTHING",
        )
        .bind(user_id)
        .bind(key)
        .bind(i64::from(status))
        .bind(body)
        .bind(created_unix_ms)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn delete_idempotent_responses_before(
        &self,
        before_unix_ms: i64,
    ) -> Result<u64, StoreError> {
        let result = sqlx::query("DELETE FROM idempotent_responses WHERE created_unix_ms < ?1")
            .bind(before_unix_ms)
            .execute(&self.writer)
            .await?;
        Ok(result.rows_affected())
    }

    async fn append(&self, org: &str, records: &[HistoryEntry]) -> Result<(), StoreError> {
        if records.is_empty() {
            return Ok(());
        }
        let mut db_tx = self.writer.begin().await?;
        history::append(&mut db_tx, org, records).await?;
        db_tx.commit().await?;
        Ok(())
    }

    async fn set_customer_name(
        &self,
        org: &str,
        interaction: u64,
        name: &str,
    ) -> Result<bool, StoreError> {
        let result =
            sqlx::query("UPDATE interactions SET customer_name = ?3 WHERE org = ?1 AND id = ?2")
                .bind(org)
                .bind(sql_id(interaction))
                .bind(name)
                .execute(&self.writer)
                .await?;
        Ok(result.rows_affected() > 0)
    }

    async fn interactions(
        &self,
        org: &str,
        filter: &InteractionFilter,
    ) -> Result<Vec<InteractionRecord>, StoreError> {
        // One read transaction, so the details match the interactions they belong to.
        let mut db_tx = self.reader.begin().await?;
        let records = history::interactions(&mut db_tx, org, filter).await?;
        db_tx.commit().await?;
        Ok(records)
    }

    async fn interaction(
        &self,
        org: &str,
        id: u64,
    ) -> Result<Option<InteractionRecord>, StoreError> {
        let mut db_tx = self.reader.begin().await?;
        let record = history::interaction(&mut db_tx, org, id).await?;
        db_tx.commit().await?;
        Ok(record)
    }

    async fn agent_states(
        &self,
        org: &str,
        agent: Option<u64>,
        from_unix_ms: i64,
        to_unix_ms: i64,
    ) -> Result<Vec<AgentStateRow>, StoreError> {
        let mut connection = self.reader.acquire().await?;
        history::agent_states(&mut connection, org, agent, from_unix_ms, to_unix_ms).await
    }

    async fn append_report_facts(
        &self,
        org: &str,
        facts: &[crate::rows::ReportFact],
    ) -> Result<(), StoreError> {
        if facts.is_empty() {
            return Ok(());
        }
        let mut db_tx = self.writer.begin().await?;
        history::append_report_facts(&mut db_tx, org, facts).await?;
        db_tx.commit().await?;
        Ok(())
    }

    async fn queue_rollups(
        &self,
        org: &str,
        queues: Option<&[u64]>,
        from_unix_ms: i64,
        to_unix_ms: i64,
    ) -> Result<Vec<crate::rows::RollupRow>, StoreError> {
        let mut connection = self.reader.acquire().await?;
        history::queue_rollups(&mut connection, org, queues, from_unix_ms, to_unix_ms).await
    }

    async fn agent_rollups(
        &self,
        org: &str,
        from_unix_ms: i64,
        to_unix_ms: i64,
    ) -> Result<Vec<crate::rows::RollupRow>, StoreError> {
        let mut connection = self.reader.acquire().await?;
        history::agent_rollups(&mut connection, org, from_unix_ms, to_unix_ms).await
    }

    async fn agents_logged_in_ms(
        &self,
        org: &str,
        from_unix_ms: i64,
        to_unix_ms: i64,
        now_unix_ms: i64,
    ) -> Result<Vec<(u64, u64)>, StoreError> {
        let mut connection = self.reader.acquire().await?;
        history::agents_logged_in_ms(&mut connection, org, from_unix_ms, to_unix_ms, now_unix_ms)
            .await
    }

    async fn max_interaction_id(&self, org: &str) -> Result<u64, StoreError> {
        let max: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM interactions WHERE org = ?1")
                .bind(org)
                .fetch_one(&self.reader)
                .await?;
        Ok(engine_id(max))
    }

    async fn pending_callbacks(&self, org: &str) -> Result<Vec<PendingCallback>, StoreError> {
        let mut connection = self.reader.acquire().await?;
        history::pending_callbacks(&mut connection, org).await
    }

    async fn close_live_interactions(
        &self,
        org: &str,
        reason: &str,
        at_unix_ms: i64,
    ) -> Result<u64, StoreError> {
        let mut db_tx = self.writer.begin().await?;
        let n_closed =
            history::close_live_interactions(&mut db_tx, org, reason, at_unix_ms).await?;
        db_tx.commit().await?;
        if n_closed > 0 {
            tracing::info!(org, n_closed, reason, "live interactions closed");
        }
        Ok(n_closed)
    }

    async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }
}

fn organisation_from_row(row: &SqliteRow) -> Result<OrganisationRow, StoreError> {
    Ok(OrganisationRow {
        slug: row.try_get("slug")?,
        name: row.try_get("name")?,
        config_toml: row.try_get("config_toml")?,
        config_version: row.try_get("config_version")?,
    })
}

fn user_from_row(row: &SqliteRow) -> Result<UserRow, StoreError> {
    let role: String = row.try_get("role")?;
    Ok(UserRow {
        id: row.try_get("id")?,
        org: row.try_get("org")?,
        username: row.try_get("username")?,
        role: Role::parse(&role).ok_or_else(|| StoreError::corrupt("user role", role))?,
        password_hash: row.try_get("password_hash")?,
        agent_id: row.try_get::<Option<i64>, _>("agent_id")?.map(engine_id),
        failed_logins: row.try_get("failed_logins")?,
        locked_until_unix_ms: row.try_get("locked_until_unix_ms")?,
        language: row.try_get("language")?,
    })
}

/// An engine id as an SQL integer: the same 64 bits, so ids above `i64::MAX` round-trip.
fn sql_id(id: u64) -> i64 {
    id as i64
}

/// The inverse of [`sql_id`].
fn engine_id(id: i64) -> u64 {
    id as u64
}

/// The embedded migrations, `crates/store/migrations`.
static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// How long a statement waits for another process's lock on the file before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Read connections; SQLite in WAL mode serves readers in parallel with the writer.
const READERS_MAX: u32 = 4;
