//! The interaction history on SQLite: turning engine records into rows (R45) and reading them
//! back for supervisors and for a restart (R44, R45).
//!
//! Each function runs on a connection or transaction chosen by the caller in `mod.rs`.

use super::{engine_id, sql_id};
use crate::error::StoreError;
use crate::names;
use crate::rows::{
    AgentStateRow, HistoryEntry, InteractionFilter, InteractionRecord, PendingCallback,
    ROLLUP_BUCKET_MS, RecordingRow, ReportFact, ReportFactKind, RollupCounters, RollupRow,
    StateChange, WrapUpRow,
};
use crate::store::AGENT_STATES_LIMIT;
use sentral_engine::Record;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};
use std::collections::{BTreeMap, HashMap};

/// The columns [`interaction_from_row`] reads.
macro_rules! interaction_columns {
    () => {
        "i.id, i.channel, i.kind, i.customer_number, i.customer_name, i.dnis, i.queue, i.state,
         i.agents, i.created_at_unix_ms, i.connected_at_unix_ms, i.ended_at_unix_ms,
         i.end_reason"
    };
}

/// Which interactions of `interactions` are callbacks waiting for an agent, being dialled or
/// waiting to retry (R40): they survive a restart. A web callback with no state yet is about to
/// be queued.
macro_rules! pending_callback {
    () => {
        "(ended_at_unix_ms IS NULL
          AND kind IN ('web_callback', 'courtesy_callback')
          AND customer_number IS NOT NULL
          AND (state IS NULL
               OR state IN ('queued', 'courtesy_callback', 'offered', 'rona', 'dialing',
                            'retry_wait')))"
    };
}

/// Writes records in order.
pub(super) async fn append(
    connection: &mut SqliteConnection,
    org: &str,
    records: &[HistoryEntry],
) -> Result<(), StoreError> {
    for entry in records {
        append_record(connection, org, &entry.record).await?;
    }
    Ok(())
}

/// Interactions matching `filter`, newest first, with their details.
pub(super) async fn interactions(
    connection: &mut SqliteConnection,
    org: &str,
    filter: &InteractionFilter,
) -> Result<Vec<InteractionRecord>, StoreError> {
    // Only the filters set are in the statement, so that SQLite can use the index that fits
    // (by customer number, by channel, by queue) instead of reading every interaction.
    let mut query = sqlx::QueryBuilder::<sqlx::Sqlite>::new(concat!(
        "SELECT ",
        interaction_columns!(),
        " FROM interactions i WHERE i.org = "
    ));
    query.push_bind(org);
    if let Some(queue) = filter.queue {
        query
            .push(" AND (i.queue = ")
            .push_bind(sql_id(queue))
            .push(
                " OR EXISTS (SELECT 1 FROM interaction_states s
                 WHERE s.org = i.org AND s.interaction = i.id AND s.queue = ",
            )
            .push_bind(sql_id(queue))
            .push("))");
    }
    if let Some(agent) = filter.agent {
        query
            .push(" AND (EXISTS (SELECT 1 FROM json_each(i.agents) a WHERE a.value = ")
            .push_bind(sql_id(agent))
            .push(
                ") OR EXISTS (SELECT 1 FROM interaction_states s
                 WHERE s.org = i.org AND s.interaction = i.id AND s.agent = ",
            )
            .push_bind(sql_id(agent))
            .push("))");
    }
    if let Some(kind) = &filter.kind {
        query.push(" AND i.kind = ").push_bind(kind.as_str());
    }
    // A window of days: the ids created in it lie between the first and the last of them,
    // read from the creation-time index alone, so that the walk down the ids below starts at
    // the window and stops at its end, however far back it is.
    if let (Some(from), Some(to)) = (filter.from_unix_ms, filter.to_unix_ms) {
        let (first, last): (Option<i64>, Option<i64>) = sqlx::query_as(
            "SELECT MIN(id), MAX(id) FROM interactions INDEXED BY interactions_by_creation_id
             WHERE org = ?1 AND created_at_unix_ms >= ?2 AND created_at_unix_ms < ?3",
        )
        .bind(org)
        .bind(from)
        .bind(to)
        .fetch_one(&mut *connection)
        .await?;
        let (Some(first), Some(last)) = (first, last) else {
            return Ok(Vec::new());
        };
        query
            .push(" AND i.id BETWEEN ")
            .push_bind(first)
            .push(" AND ")
            .push_bind(last);
    }
    // `+` keeps SQLite off the creation-time index here: walking the ids down from the newest
    // (of the window) and stopping at `limit` beats reading a whole month by time and sorting
    // it (650 ms against 6 ms for a month of one queue in the bench).
    if let Some(from) = filter.from_unix_ms {
        query.push(" AND +i.created_at_unix_ms >= ").push_bind(from);
    }
    if let Some(to) = filter.to_unix_ms {
        query.push(" AND +i.created_at_unix_ms < ").push_bind(to);
    }
    if let Some(before) = filter.before_id {
        query.push(" AND i.id < ").push_bind(sql_id(before));
    }
    if let Some(number) = &filter.customer_number {
        query
            .push(" AND i.customer_number = ")
            .push_bind(number.as_str());
    }
    if let Some(channel) = &filter.channel {
        query.push(" AND i.channel = ").push_bind(channel.as_str());
    }
    if let Some(reason) = &filter.wrapup_reason {
        query
            .push(
                " AND EXISTS (SELECT 1 FROM wrapups w
                 WHERE w.org = i.org AND w.interaction = i.id AND w.reason = ",
            )
            .push_bind(reason.as_str())
            .push(")");
    }
    query
        .push(" ORDER BY i.id DESC LIMIT ")
        .push_bind(i64::from(filter.limit_applied()));
    let rows = query.build().fetch_all(&mut *connection).await?;
    let records = rows
        .iter()
        .map(interaction_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    with_details(connection, org, records).await
}

/// One interaction with its details.
pub(super) async fn interaction(
    connection: &mut SqliteConnection,
    org: &str,
    id: u64,
) -> Result<Option<InteractionRecord>, StoreError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        interaction_columns!(),
        " FROM interactions i WHERE i.org = ?1 AND i.id = ?2"
    ))
    .bind(org)
    .bind(sql_id(id))
    .fetch_optional(&mut *connection)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let records = vec![interaction_from_row(&row)?];
    Ok(with_details(connection, org, records).await?.pop())
}

/// Agent state changes in `[from_unix_ms, to_unix_ms)`, oldest first.
pub(super) async fn agent_states(
    connection: &mut SqliteConnection,
    org: &str,
    agent: Option<u64>,
    from_unix_ms: i64,
    to_unix_ms: i64,
) -> Result<Vec<AgentStateRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT agent, state, reason, at_unix_ms FROM agent_states
         WHERE org = ?1 AND (?2 IS NULL OR agent = ?2) AND at_unix_ms >= ?3 AND at_unix_ms < ?4
         ORDER BY at_unix_ms, seq
         LIMIT ?5",
    )
    .bind(org)
    .bind(agent.map(sql_id))
    .bind(from_unix_ms)
    .bind(to_unix_ms)
    .bind(i64::from(AGENT_STATES_LIMIT))
    .fetch_all(&mut *connection)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(AgentStateRow {
                agent: engine_id(row.try_get("agent")?),
                state: row.try_get("state")?,
                reason: row.try_get("reason")?,
                at_unix_ms: row.try_get("at_unix_ms")?,
            })
        })
        .collect()
}

/// Callbacks to restore after a restart, oldest first.
pub(super) async fn pending_callbacks(
    connection: &mut SqliteConnection,
    org: &str,
) -> Result<Vec<PendingCallback>, StoreError> {
    let rows = sqlx::query(concat!(
        "SELECT id, kind, queue, customer_number, customer_name, dnis, created_at_unix_ms
         FROM interactions
         WHERE org = ?1 AND ",
        pending_callback!(),
        " ORDER BY created_at_unix_ms, id"
    ))
    .bind(org)
    .fetch_all(&mut *connection)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(PendingCallback {
                interaction: engine_id(row.try_get("id")?),
                kind: row.try_get("kind")?,
                queue: row.try_get::<Option<i64>, _>("queue")?.map(engine_id),
                customer_number: row.try_get("customer_number")?,
                customer_name: row.try_get("customer_name")?,
                dnis: row.try_get("dnis")?,
                created_at_unix_ms: row.try_get("created_at_unix_ms")?,
            })
        })
        .collect()
}

/// Ends every live interaction but pending callbacks; returns how many.
pub(super) async fn close_live_interactions(
    connection: &mut SqliteConnection,
    org: &str,
    reason: &str,
    at_unix_ms: i64,
) -> Result<u64, StoreError> {
    sqlx::query(concat!(
        "INSERT INTO interaction_states (org, interaction, state, agent, queue, at_unix_ms)
         SELECT org, id, ?3, NULL, queue, ?2 FROM interactions
         WHERE org = ?1 AND ended_at_unix_ms IS NULL AND NOT ",
        pending_callback!(),
        " ORDER BY id"
    ))
    .bind(org)
    .bind(at_unix_ms)
    .bind(names::CLOSED_BY_RESTART)
    .execute(&mut *connection)
    .await?;
    let result = sqlx::query(concat!(
        "UPDATE interactions SET state = ?3, ended_at_unix_ms = ?2, end_reason = ?4
         WHERE org = ?1 AND ended_at_unix_ms IS NULL AND NOT ",
        pending_callback!()
    ))
    .bind(org)
    .bind(at_unix_ms)
    .bind(names::CLOSED_BY_RESTART)
    .bind(reason)
    .execute(&mut *connection)
    .await?;
    Ok(result.rows_affected())
}

/// Adds report facts to the quarter-hour rollups: summed in memory first, so a batch costs one
/// statement per queue (and agent) and quarter hour it touches.
pub(super) async fn append_report_facts(
    connection: &mut SqliteConnection,
    org: &str,
    facts: &[ReportFact],
) -> Result<(), StoreError> {
    let mut queues: BTreeMap<(u64, i64), RollupCounters> = BTreeMap::new();
    let mut agents: BTreeMap<(u64, u64, i64), RollupCounters> = BTreeMap::new();
    for fact in facts {
        let bucket = fact.at_unix_ms.div_euclid(ROLLUP_BUCKET_MS) * ROLLUP_BUCKET_MS;
        let mut step = RollupCounters::default();
        match fact.kind {
            ReportFactKind::Offered => step.offered = 1,
            ReportFactKind::Answered {
                waited_ms,
                in_threshold,
            } => {
                step.answered = 1;
                step.answered_in_threshold = u64::from(in_threshold);
                step.answered_wait_ms_total = waited_ms;
            }
            ReportFactKind::Abandoned => step.abandoned = 1,
            ReportFactKind::Handled { handle_ms } => {
                step.handled = 1;
                step.handle_ms_total = handle_ms;
            }
        }
        *queues.entry((fact.queue, bucket)).or_default() += step;
        if let Some(agent) = fact.agent {
            *agents.entry((agent, fact.queue, bucket)).or_default() += step;
        }
    }
    for ((queue, bucket), c) in queues {
        sqlx::query(
            "INSERT INTO queue_rollups (org, queue, bucket_unix_ms, offered, answered,
                 answered_in_threshold, answered_wait_ms_total, abandoned, handled, handle_ms_total)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (org, queue, bucket_unix_ms) DO UPDATE SET
                 offered = offered + excluded.offered,
                 answered = answered + excluded.answered,
                 answered_in_threshold = answered_in_threshold + excluded.answered_in_threshold,
                 answered_wait_ms_total = answered_wait_ms_total + excluded.answered_wait_ms_total,
                 abandoned = abandoned + excluded.abandoned,
                 handled = handled + excluded.handled,
                 handle_ms_total = handle_ms_total + excluded.handle_ms_total",
        )
        .bind(org)
        .bind(sql_id(queue))
        .bind(bucket)
        .bind(sql_count(c.offered))
        .bind(sql_count(c.answered))
        .bind(sql_count(c.answered_in_threshold))
        .bind(sql_count(c.answered_wait_ms_total))
        .bind(sql_count(c.abandoned))
        .bind(sql_count(c.handled))
        .bind(sql_count(c.handle_ms_total))
        .execute(&mut *connection)
        .await?;
    }
    for ((agent, queue, bucket), c) in agents {
        sqlx::query(
            "INSERT INTO agent_rollups (org, agent, queue, bucket_unix_ms, answered,
                 answered_wait_ms_total, handled, handle_ms_total)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (org, bucket_unix_ms, agent, queue) DO UPDATE SET
                 answered = answered + excluded.answered,
                 answered_wait_ms_total = answered_wait_ms_total + excluded.answered_wait_ms_total,
                 handled = handled + excluded.handled,
                 handle_ms_total = handle_ms_total + excluded.handle_ms_total",
        )
        .bind(org)
        .bind(sql_id(agent))
        .bind(sql_id(queue))
        .bind(bucket)
        .bind(sql_count(c.answered))
        .bind(sql_count(c.answered_wait_ms_total))
        .bind(sql_count(c.handled))
        .bind(sql_count(c.handle_ms_total))
        .execute(&mut *connection)
        .await?;
    }
    Ok(())
}

/// Queues' rollups in `[from_unix_ms, to_unix_ms)`, by queue and time.
pub(super) async fn queue_rollups(
    connection: &mut SqliteConnection,
    org: &str,
    queues: Option<&[u64]>,
    from_unix_ms: i64,
    to_unix_ms: i64,
) -> Result<Vec<RollupRow>, StoreError> {
    let queues_json = queues
        .map(|queues| serde_json::to_string(&queues.iter().map(|q| sql_id(*q)).collect::<Vec<_>>()))
        .transpose()
        .map_err(|e| StoreError::corrupt("queues", e))?;
    let rows = sqlx::query(
        "SELECT queue, bucket_unix_ms, offered, answered, answered_in_threshold,
             answered_wait_ms_total, abandoned, handled, handle_ms_total
         FROM queue_rollups
         WHERE org = ?1
           AND (?2 IS NULL OR queue IN (SELECT value FROM json_each(?2)))
           AND bucket_unix_ms >= ?3 AND bucket_unix_ms < ?4
         ORDER BY queue, bucket_unix_ms",
    )
    .bind(org)
    .bind(queues_json)
    .bind(from_unix_ms)
    .bind(to_unix_ms)
    .fetch_all(&mut *connection)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(RollupRow {
                queue: engine_id(row.try_get("queue")?),
                agent: None,
                bucket_unix_ms: row.try_get("bucket_unix_ms")?,
                counters: RollupCounters {
                    offered: count_of(row, "offered")?,
                    answered: count_of(row, "answered")?,
                    answered_in_threshold: count_of(row, "answered_in_threshold")?,
                    answered_wait_ms_total: count_of(row, "answered_wait_ms_total")?,
                    abandoned: count_of(row, "abandoned")?,
                    handled: count_of(row, "handled")?,
                    handle_ms_total: count_of(row, "handle_ms_total")?,
                },
            })
        })
        .collect()
}

/// Agents' rollups in `[from_unix_ms, to_unix_ms)`, by time.
pub(super) async fn agent_rollups(
    connection: &mut SqliteConnection,
    org: &str,
    from_unix_ms: i64,
    to_unix_ms: i64,
) -> Result<Vec<RollupRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT agent, queue, bucket_unix_ms, answered, answered_wait_ms_total, handled,
             handle_ms_total
         FROM agent_rollups
         WHERE org = ?1 AND bucket_unix_ms >= ?2 AND bucket_unix_ms < ?3
         ORDER BY bucket_unix_ms, agent, queue",
    )
    .bind(org)
    .bind(from_unix_ms)
    .bind(to_unix_ms)
    .fetch_all(&mut *connection)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(RollupRow {
                queue: engine_id(row.try_get("queue")?),
                agent: Some(engine_id(row.try_get("agent")?)),
                bucket_unix_ms: row.try_get("bucket_unix_ms")?,
                counters: RollupCounters {
                    answered: count_of(row, "answered")?,
                    answered_wait_ms_total: count_of(row, "answered_wait_ms_total")?,
                    handled: count_of(row, "handled")?,
                    handle_ms_total: count_of(row, "handle_ms_total")?,
                    ..RollupCounters::default()
                },
            })
        })
        .collect()
}

/// How long each agent was logged in within `[from_unix_ms, min(to_unix_ms, now_unix_ms))`.
pub(super) async fn agents_logged_in_ms(
    connection: &mut SqliteConnection,
    org: &str,
    from_unix_ms: i64,
    to_unix_ms: i64,
    now_unix_ms: i64,
) -> Result<Vec<(u64, u64)>, StoreError> {
    let end = to_unix_ms.min(now_unix_ms);
    // Each agent's state when the period began (SQLite takes the bare `state` from the row of
    // the MAX), then every change within it.
    let rows = sqlx::query(
        "SELECT agent, state, at_unix_ms FROM (
             SELECT agent, state, MAX(at_unix_ms) AS at_unix_ms, 0 AS part FROM agent_states
             WHERE org = ?1 AND at_unix_ms < ?2
             GROUP BY agent
             UNION ALL
             SELECT agent, state, at_unix_ms, seq AS part FROM agent_states
             WHERE org = ?1 AND at_unix_ms >= ?2 AND at_unix_ms < ?3)
         ORDER BY agent, at_unix_ms, part",
    )
    .bind(org)
    .bind(from_unix_ms)
    .bind(end)
    .fetch_all(&mut *connection)
    .await?;
    let mut logged_in: BTreeMap<u64, u64> = BTreeMap::new();
    // The agent being read and since when they are logged in (None: logged out).
    let mut current: Option<(u64, Option<i64>)> = None;
    for row in &rows {
        let agent = engine_id(row.try_get("agent")?);
        let state: String = row.try_get("state")?;
        let at = row.try_get::<i64, _>("at_unix_ms")?.max(from_unix_ms);
        if let Some((was, Some(since))) = current {
            let until = if was == agent { at } else { end };
            *logged_in.entry(was).or_default() += until.saturating_sub(since).max(0) as u64;
        }
        logged_in.entry(agent).or_default();
        current = Some((agent, (state != "logged_out").then_some(at)));
    }
    if let Some((agent, Some(since))) = current {
        *logged_in.entry(agent).or_default() += end.saturating_sub(since).max(0) as u64;
    }
    Ok(logged_in.into_iter().collect())
}

fn count_of(row: &SqliteRow, column: &str) -> Result<u64, StoreError> {
    Ok(u64::try_from(row.try_get::<i64, _>(column)?).unwrap_or(0))
}

fn sql_count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

async fn append_record(
    connection: &mut SqliteConnection,
    org: &str,
    record: &Record,
) -> Result<(), StoreError> {
    match record {
        Record::InteractionCreated {
            interaction,
            channel,
            kind,
            customer_number,
            dnis,
            at_unix_ms,
        } => {
            // A record written twice keeps the first; a row made by an out-of-order record
            // (kind `unknown`) is completed.
            let result = sqlx::query(
                "INSERT INTO interactions
                     (org, id, channel, kind, customer_number, dnis, created_at_unix_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (org, id) DO UPDATE SET
                     channel = excluded.channel,
                     kind = excluded.kind,
                     customer_number = excluded.customer_number,
                     dnis = excluded.dnis,
                     created_at_unix_ms = excluded.created_at_unix_ms
                 WHERE interactions.kind = 'unknown'",
            )
            .bind(org)
            .bind(sql_id(interaction.0))
            .bind(names::channel(*channel))
            .bind(names::interaction_kind(*kind))
            .bind(customer_number.as_deref())
            .bind(dnis.as_deref())
            .bind(*at_unix_ms)
            .execute(&mut *connection)
            .await?;
            if result.rows_affected() == 0 {
                tracing::warn!(org, %interaction, "interaction created twice; the first is kept");
            }
        }
        Record::InteractionState {
            interaction,
            state,
            agent,
            queue,
            attempt,
            at_unix_ms,
        } => {
            let change = StateChange {
                state: (*state).to_owned(),
                agent: agent.map(|a| a.0),
                queue: queue.map(|q| q.0),
                attempt: *attempt,
                at_unix_ms: *at_unix_ms,
            };
            append_state(connection, org, interaction.0, &change).await?;
        }
        Record::AgentState {
            agent,
            state,
            reason,
            at_unix_ms,
        } => {
            sqlx::query(
                "INSERT INTO agent_states (org, agent, state, reason, at_unix_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .bind(org)
            .bind(sql_id(agent.0))
            .bind(names::agent_state(*state))
            .bind(reason.as_deref())
            .bind(*at_unix_ms)
            .execute(&mut *connection)
            .await?;
        }
        Record::Supervised {
            agent,
            supervisor,
            action,
            note,
            at_unix_ms,
        } => {
            let reason = match action {
                sentral_engine::SupervisorAction::Idle { reason } => Some(reason.as_str()),
                sentral_engine::SupervisorAction::LogOut => None,
            };
            sqlx::query(
                "INSERT INTO supervisor_actions
                     (org, agent, supervisor, action, reason, note, at_unix_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .bind(org)
            .bind(sql_id(agent.0))
            .bind(supervisor)
            .bind(action.name())
            .bind(reason)
            .bind(note)
            .bind(*at_unix_ms)
            .execute(&mut *connection)
            .await?;
        }
        Record::VariablesSaved {
            interaction,
            version,
            values,
            agent,
        } => {
            let values_json =
                serde_json::to_string(values).map_err(|e| StoreError::corrupt("variables", e))?;
            sqlx::query(
                "INSERT INTO variables (org, interaction, version, values_json, agent)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (org, interaction, version) DO UPDATE SET
                     values_json = excluded.values_json,
                     agent = excluded.agent",
            )
            .bind(org)
            .bind(sql_id(interaction.0))
            .bind(sql_id(*version))
            .bind(values_json)
            .bind(agent.map(|a| sql_id(a.0)))
            .execute(&mut *connection)
            .await?;
        }
        Record::Recording {
            interaction,
            state,
            agent,
            at_unix_ms,
        } => {
            let (state, resumes_at_unix_ms) = names::recording_state(*state);
            sqlx::query(
                "INSERT INTO recordings (org, interaction, state, resumes_at_unix_ms, at_unix_ms, agent)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .bind(org)
            .bind(sql_id(interaction.0))
            .bind(state)
            .bind(resumes_at_unix_ms)
            .bind(*at_unix_ms)
            .bind(agent.map(|a| sql_id(a.0)))
            .execute(&mut *connection)
            .await?;
        }
        Record::WrapUp {
            interaction,
            agent,
            reason,
            automatic,
            at_unix_ms,
        } => {
            sqlx::query(
                "INSERT INTO wrapups (org, interaction, agent, reason, automatic, at_unix_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .bind(org)
            .bind(sql_id(interaction.0))
            .bind(sql_id(agent.0))
            .bind(reason.as_str())
            .bind(*automatic)
            .bind(*at_unix_ms)
            .execute(&mut *connection)
            .await?;
        }
        Record::InteractionEnded {
            interaction,
            reason,
            agents,
            created_at_unix_ms,
            connected_at_unix_ms,
            at_unix_ms,
        } => {
            let agents: Vec<i64> = agents.iter().map(|a| sql_id(a.0)).collect();
            let agents_json =
                serde_json::to_string(&agents).map_err(|e| StoreError::corrupt("agents", e))?;
            // The final record is kept even if the creation record was lost.
            sqlx::query(
                "INSERT INTO interactions (org, id, channel, kind, agents, created_at_unix_ms,
                     connected_at_unix_ms, ended_at_unix_ms, end_reason)
                 VALUES (?1, ?2, 'unknown', 'unknown', ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (org, id) DO UPDATE SET
                     agents = excluded.agents,
                     connected_at_unix_ms =
                         COALESCE(excluded.connected_at_unix_ms, interactions.connected_at_unix_ms),
                     ended_at_unix_ms = excluded.ended_at_unix_ms,
                     end_reason = excluded.end_reason",
            )
            .bind(org)
            .bind(sql_id(interaction.0))
            .bind(agents_json)
            .bind(*created_at_unix_ms)
            .bind(*connected_at_unix_ms)
            .bind(*at_unix_ms)
            .bind(names::end_reason(*reason))
            .execute(&mut *connection)
            .await?;
        }
    }
    Ok(())
}

/// Journals a state change and keeps the interaction's row current: last state and queue,
/// kind (an inbound call becomes a courtesy callback), first connection, and the agents who
/// owned or were consulted on it so far (the final record replaces that list).
async fn append_state(
    connection: &mut SqliteConnection,
    org: &str,
    interaction: u64,
    change: &StateChange,
) -> Result<(), StoreError> {
    let state = change.state.as_str();
    let agent = change.agent.map(sql_id);
    let queue = change.queue.map(sql_id);
    sqlx::query(
        "INSERT INTO interaction_states
             (org, interaction, state, agent, queue, attempt, at_unix_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .bind(org)
    .bind(sql_id(interaction))
    .bind(state)
    .bind(agent)
    .bind(queue)
    .bind(change.attempt.map(i64::from))
    .bind(change.at_unix_ms)
    .execute(&mut *connection)
    .await?;
    // The trigger `interaction_states_update_interaction` (migration 0009) brings the
    // interaction's own row up to date in the same statement.
    Ok(())
}

/// Fills in states, wrap-ups, recordings and the latest variables: one query per table for
/// the whole page, not one per interaction.
async fn with_details(
    connection: &mut SqliteConnection,
    org: &str,
    mut records: Vec<InteractionRecord>,
) -> Result<Vec<InteractionRecord>, StoreError> {
    if records.is_empty() {
        return Ok(records);
    }
    let ids: Vec<i64> = records.iter().map(|r| sql_id(r.id)).collect();
    let ids_json = serde_json::to_string(&ids).map_err(|e| StoreError::corrupt("ids", e))?;
    let index: HashMap<u64, usize> = records
        .iter()
        .enumerate()
        .map(|(record_idx, r)| (r.id, record_idx))
        .collect();

    let rows = sqlx::query(
        "SELECT interaction, state, agent, queue, attempt, at_unix_ms FROM interaction_states
         WHERE org = ?1 AND interaction IN (SELECT value FROM json_each(?2))
         ORDER BY seq",
    )
    .bind(org)
    .bind(&ids_json)
    .fetch_all(&mut *connection)
    .await?;
    for row in &rows {
        let record_idx = index[&engine_id(row.try_get("interaction")?)];
        records[record_idx].states.push(StateChange {
            state: row.try_get("state")?,
            agent: row.try_get::<Option<i64>, _>("agent")?.map(engine_id),
            queue: row.try_get::<Option<i64>, _>("queue")?.map(engine_id),
            attempt: row
                .try_get::<Option<i64>, _>("attempt")?
                .and_then(|attempt| u32::try_from(attempt).ok()),
            at_unix_ms: row.try_get("at_unix_ms")?,
        });
    }

    let rows = sqlx::query(
        "SELECT interaction, agent, reason, automatic, at_unix_ms FROM wrapups
         WHERE org = ?1 AND interaction IN (SELECT value FROM json_each(?2))
         ORDER BY seq",
    )
    .bind(org)
    .bind(&ids_json)
    .fetch_all(&mut *connection)
    .await?;
    for row in &rows {
        let record_idx = index[&engine_id(row.try_get("interaction")?)];
        records[record_idx].wrapups.push(WrapUpRow {
            agent: engine_id(row.try_get("agent")?),
            reason: row.try_get("reason")?,
            automatic: row.try_get("automatic")?,
            at_unix_ms: row.try_get("at_unix_ms")?,
        });
    }

    let rows = sqlx::query(
        "SELECT interaction, state, resumes_at_unix_ms, at_unix_ms, agent FROM recordings
         WHERE org = ?1 AND interaction IN (SELECT value FROM json_each(?2))
         ORDER BY seq",
    )
    .bind(org)
    .bind(&ids_json)
    .fetch_all(&mut *connection)
    .await?;
    for row in &rows {
        let record_idx = index[&engine_id(row.try_get("interaction")?)];
        records[record_idx].recordings.push(RecordingRow {
            state: row.try_get("state")?,
            resumes_at_unix_ms: row.try_get("resumes_at_unix_ms")?,
            at_unix_ms: row.try_get("at_unix_ms")?,
            agent: row.try_get::<Option<i64>, _>("agent")?.map(engine_id),
        });
    }

    let rows = sqlx::query(
        "SELECT v.interaction, v.version, v.values_json FROM variables v
         WHERE v.org = ?1 AND v.interaction IN (SELECT value FROM json_each(?2))
           AND v.version = (
               SELECT MAX(w.version) FROM variables w
               WHERE w.org = v.org AND w.interaction = v.interaction)",
    )
    .bind(org)
    .bind(&ids_json)
    .fetch_all(&mut *connection)
    .await?;
    for row in &rows {
        let record_idx = index[&engine_id(row.try_get("interaction")?)];
        let values_json: String = row.try_get("values_json")?;
        let values: BTreeMap<String, String> =
            serde_json::from_str(&values_json).map_err(|e| StoreError::corrupt("variables", e))?;
        records[record_idx].variables = Some((engine_id(row.try_get("version")?), values));
    }
    Ok(records)
}

/// An interaction's own row, without details.
fn interaction_from_row(row: &SqliteRow) -> Result<InteractionRecord, StoreError> {
    let agents_json: String = row.try_get("agents")?;
    let agents: Vec<i64> =
        serde_json::from_str(&agents_json).map_err(|e| StoreError::corrupt("agents", e))?;
    Ok(InteractionRecord {
        id: engine_id(row.try_get("id")?),
        channel: row.try_get("channel")?,
        kind: row.try_get("kind")?,
        customer_number: row.try_get("customer_number")?,
        customer_name: row.try_get("customer_name")?,
        dnis: row.try_get("dnis")?,
        queue: row.try_get::<Option<i64>, _>("queue")?.map(engine_id),
        state: row.try_get("state")?,
        agents: agents.into_iter().map(engine_id).collect(),
        created_at_unix_ms: row.try_get("created_at_unix_ms")?,
        connected_at_unix_ms: row.try_get("connected_at_unix_ms")?,
        ended_at_unix_ms: row.try_get("ended_at_unix_ms")?,
        end_reason: row.try_get("end_reason")?,
        states: Vec::new(),
        wrapups: Vec::new(),
        variables: None,
        recordings: Vec::new(),
    })
}
