//! The history and reports benchmark (issue 23, `docs/benchmarks.md`): fills a store with a
//! large history through the real write path, then starts the server on it and times the
//! supervisor's reports and searches over HTTP.
//!
//! Usage: `history_bench [interactions] [days]` (default 1,000,000 over 183 days, ending at the
//! last midnight UTC). The history is written as the server writes it: each interaction's
//! records through `Store::append` in batches of 4,096, each record folded by the wallboard
//! (`Wallboard::observe`, the figures' one definition) and its counter steps added to the
//! rollups with `Store::append_report_facts`. Interactions go round the demo's three queues and
//! the agents serving each; 8 % are abandoned after a wait, the rest answered after 5 to 60 s,
//! talked 1 to 8 minutes and wrapped up 30 s later; each agent logs in at 08:00 and out at
//! 18:00 every day.
//!
//! Then `sentral_server::start` opens the same file, a supervisor signs in, and each request is
//! timed five times: a month's report of one queue, of all queues, of all agents, a month's
//! search of one queue (one page), and a search by customer number and by wrap-up reason.

use anyhow::{Context, Result};
use sentral_engine::{
    AgentId, AgentStateView, Channel, EndReason, InteractionId, InteractionKind, QueueId, Record,
};
use sentral_server::wallboard::Wallboard;
use sentral_server::{StartOptions, config};
use sentral_store::{HistoryEntry, SqliteStore, Store};
use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;
const BATCH_RECORDS: usize = 4096;

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let n_interactions: u64 = args.get(1).map_or(Ok(1_000_000), |n| n.parse())?;
    let n_days: i64 = args.get(2).map_or(Ok(183), |n| n.parse())?;
    let server_config = config::parse(config::DEMO_TOML, "demo.toml")
        .map_err(|problems| anyhow::anyhow!("the demo configuration: {problems:?}"))?;
    let org = server_config
        .organisations
        .iter()
        .find(|o| o.slug == "demo")
        .context("the demo organisation")?;
    // Each queue with the agents of the teams that serve it.
    let queues: Vec<(QueueId, Vec<AgentId>)> = org
        .engine
        .queues
        .iter()
        .map(|q| {
            let agents = org
                .engine
                .agents
                .iter()
                .filter(|a| a.teams.iter().any(|t| q.teams.contains(t)))
                .map(|a| a.id)
                .collect();
            (q.id, agents)
        })
        .filter(|(_, agents): &(QueueId, Vec<AgentId>)| !agents.is_empty())
        .collect();
    let agents: Vec<AgentId> = org.engine.agents.iter().map(|a| a.id).collect();

    let data_dir = tempfile::tempdir()?;
    let store = SqliteStore::open(&data_dir.path().join("sentral.db")).await?;
    let now_ms = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis() as i64;
    let end_ms = now_ms.div_euclid(DAY_MS) * DAY_MS;
    let start_ms = end_ms - n_days * DAY_MS;
    let per_day = n_interactions.div_ceil(n_days as u64);
    println!(
        "filling {n_interactions} interactions over {n_days} days ({per_day} a day) into {}",
        data_dir.path().display()
    );

    let filling = Instant::now();
    let mut wallboard = Wallboard::default();
    let mut batch: Vec<HistoryEntry> = Vec::with_capacity(BATCH_RECORDS + 16);
    let mut facts = Vec::new();
    let mut written = 0u64;
    let mut id = 0u64;
    let mut seed = 42u64;
    let mut random = move |n: u64| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        (seed >> 33) % n
    };
    for day in 0..n_days {
        let day_ms = start_ms + day * DAY_MS;
        wallboard.set_day(day_ms);
        let mut records: Vec<Record> = Vec::new();
        for agent in &agents {
            records.push(agent_state(
                *agent,
                AgentStateView::Available,
                day_ms + 8 * HOUR_MS,
            ));
        }
        let n_today = per_day.min(n_interactions - written);
        for n in 0..n_today {
            id += 1;
            let (queue, serving) = &queues[(id % queues.len() as u64) as usize];
            let agent = serving[random(serving.len() as u64) as usize];
            // Spread over 08:00–18:00.
            let at = day_ms + 8 * HOUR_MS + (n as i64 * 10 * HOUR_MS) / n_today as i64;
            let wait = 5_000 + random(55_000) as i64;
            records.extend(interaction(
                InteractionId(id),
                *queue,
                agent,
                at,
                wait,
                random(100) < 8,
                &mut random,
            ));
        }
        for agent in &agents {
            records.push(agent_state(
                *agent,
                AgentStateView::LoggedOut,
                day_ms + 18 * HOUR_MS,
            ));
        }
        // Written in time order, as the engine writes them.
        records.sort_by_key(record_time);
        for record in records {
            wallboard.observe(&record, |_| 20_000);
            facts.extend(wallboard.take_facts());
            batch.push(HistoryEntry { record });
            if batch.len() >= BATCH_RECORDS {
                store.append("demo", &batch).await?;
                store.append_report_facts("demo", &facts).await?;
                batch.clear();
                facts.clear();
            }
        }
        wallboard.take_changed();
        written += n_today;
        if day % 10 == 9 {
            println!(
                "  {written} interactions in {:.0} s",
                filling.elapsed().as_secs_f64()
            );
        }
    }
    store.append("demo", &batch).await?;
    store.append_report_facts("demo", &facts).await?;
    store.close().await;
    let fill_s = filling.elapsed().as_secs_f64();
    let db_bytes = std::fs::metadata(data_dir.path().join("sentral.db"))?.len();
    println!(
        "filled {written} interactions in {fill_s:.0} s; the file has {:.0} MB",
        db_bytes as f64 / 1e6
    );

    let app = sentral_server::start(StartOptions {
        config: server_config.clone(),
        data_dir: data_dir.path().to_path_buf(),
        http: SocketAddr::from(([127, 0, 0, 1], 0)),
        telephony: None,
        sip: None,
    })
    .await?;
    let base = format!("http://{}", app.http_addr);
    let client = reqwest::Client::new();
    let login: serde_json::Value = client
        .post(format!("{base}/api/v1/login"))
        .json(&serde_json::json!({"username": "supervisor", "password": "demo"}))
        .send()
        .await?
        .json()
        .await?;
    let token = login["token"].as_str().context("a token")?.to_owned();

    let zone = jiff::tz::TimeZone::get(&org.time_zone)?;
    let last_day = jiff::Timestamp::from_millisecond(end_ms - 1)?
        .to_zoned(zone.clone())
        .date();
    let first_day = last_day.checked_sub(jiff::Span::new().days(29))?;
    let month_from = first_day
        .to_zoned(zone.clone())?
        .timestamp()
        .as_millisecond();
    let old_day = first_day.checked_sub(jiff::Span::new().days(60))?;
    let old_from = old_day.to_zoned(zone.clone())?.timestamp().as_millisecond();
    let old_to = old_day
        .tomorrow()?
        .to_zoned(zone.clone())?
        .timestamp()
        .as_millisecond();
    let (queue, _) = &queues[0];
    let queue = queue.0;
    let period = format!("from={first_day}&to={last_day}");
    let requests = [
        (
            "a month's report of one queue",
            format!("/api/v1/reports/queues?{period}&queue={queue}"),
        ),
        (
            "a month's report of every queue",
            format!("/api/v1/reports/queues?{period}"),
        ),
        (
            "a month's report of every agent",
            format!("/api/v1/reports/agents?{period}"),
        ),
        (
            "a month's CSV of one queue, per hour",
            format!("/api/v1/reports/queues?{period}&queue={queue}&format=csv&table=hours"),
        ),
        (
            "search: a month of one queue, first page of 50",
            format!("/api/v1/interactions?queue={queue}&from={month_from}&to={end_ms}"),
        ),
        (
            "search: one day three months back, first page of 50",
            format!("/api/v1/interactions?from={old_from}&to={old_to}"),
        ),
        (
            "search: one customer number",
            "/api/v1/interactions?customer_number=%2B4790000042".to_owned(),
        ),
        (
            "search: wrap-up reason, first page of 50",
            "/api/v1/interactions?wrapup_reason=sale".to_owned(),
        ),
    ];
    println!();
    println!("| request | median | max (5 runs) | answer |");
    println!("|---|---|---|---|");
    for (what, path) in requests {
        let mut times = Vec::new();
        let mut answer = String::new();
        for _ in 0..5 {
            let started = Instant::now();
            let reply = client
                .get(format!("{base}{path}"))
                .bearer_auth(&token)
                .send()
                .await?;
            let status = reply.status();
            let body = reply.text().await?;
            times.push(started.elapsed());
            anyhow::ensure!(status.is_success(), "{path}: {status} {body}");
            answer = summary(&body);
        }
        times.sort();
        println!(
            "| {what} | {} | {} | {answer} |",
            ms(times[2]),
            ms(times[4])
        );
    }
    app.shutdown().await?;
    Ok(())
}

/// One interaction's records: queued, then answered (offered, connected, ended, wrapped up) or
/// abandoned after `wait` ms.
fn interaction(
    id: InteractionId,
    queue: QueueId,
    agent: AgentId,
    at: i64,
    wait: i64,
    abandoned: bool,
    random: &mut impl FnMut(u64) -> u64,
) -> Vec<Record> {
    let state =
        |state: &'static str, agent: Option<AgentId>, at_unix_ms: i64| Record::InteractionState {
            interaction: id,
            state,
            agent,
            queue: Some(queue),
            attempt: None,
            at_unix_ms,
        };
    let mut records = vec![
        Record::InteractionCreated {
            interaction: id,
            channel: Channel::Voice,
            kind: InteractionKind::Inbound,
            customer_number: Some(format!("+479{:07}", id.0 % 10_000_000)),
            dnis: Some("+4721000001".into()),
            at_unix_ms: at,
        },
        state("queued", None, at),
    ];
    let ended =
        |reason, agents: Vec<AgentId>, connected: Option<i64>, end: i64| Record::InteractionEnded {
            interaction: id,
            reason,
            agents,
            created_at_unix_ms: at,
            connected_at_unix_ms: connected,
            at_unix_ms: end,
        };
    if abandoned {
        records.push(ended(EndReason::CustomerHungUp, vec![], None, at + wait));
        return records;
    }
    let answered = at + wait;
    let end = answered + 60_000 + random(420_000) as i64;
    records.extend([
        state("offered", Some(agent), answered - 3_000),
        state("connected", Some(agent), answered),
        ended(EndReason::CustomerHungUp, vec![agent], Some(answered), end),
        Record::WrapUp {
            interaction: id,
            agent,
            reason: if random(10) < 3 { "sale" } else { "resolved" }.into(),
            automatic: false,
            at_unix_ms: end + 30_000,
        },
    ]);
    records
}

fn agent_state(agent: AgentId, state: AgentStateView, at_unix_ms: i64) -> Record {
    Record::AgentState {
        agent,
        state,
        reason: None,
        at_unix_ms,
    }
}

fn record_time(record: &Record) -> i64 {
    match record {
        Record::InteractionCreated { at_unix_ms, .. }
        | Record::InteractionState { at_unix_ms, .. }
        | Record::AgentState { at_unix_ms, .. }
        | Record::Supervised { at_unix_ms, .. }
        | Record::Recording { at_unix_ms, .. }
        | Record::WrapUp { at_unix_ms, .. }
        | Record::InteractionEnded { at_unix_ms, .. } => *at_unix_ms,
        Record::VariablesSaved { .. } => 0,
    }
}

fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

/// What an answer says, shortly: the first queue's figures, a count of rows or lines.
fn summary(body: &str) -> String {
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(body) {
        if let Some(list) = value.as_array() {
            return format!("{} interactions", list.len());
        }
        if let Some(row) = value["queues"].get(0) {
            return format!(
                "{} queues; first: offered {}, answered {}, SL {} %",
                value["queues"].as_array().map_or(0, Vec::len),
                row["offered"],
                row["answered"],
                row["service_level_percent"]
            );
        }
        if let Some(agents) = value["agents"].as_array() {
            return format!(
                "{} agents; {} hours",
                agents.len(),
                value["hours"].as_array().map_or(0, Vec::len)
            );
        }
    }
    format!("{} CSV lines", body.lines().count())
}
