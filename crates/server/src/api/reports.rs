//! The supervisor's reports (R44, issue 23): per queue and per agent over a period of days in
//! the organisation's time zone, hour by hour, as JSON or CSV.
//!
//! Every figure is the wallboard's (`crate::wallboard::QueueDay`), summed from the quarter-hour
//! rollups the history writer keeps from the wallboard fold's own counter steps, so a report of
//! today and the wallboard agree, and a month's report reads a few thousand rows however large
//! the history is.

use super::ApiError;
use super::session::org_of;
use super::supervisor::{in_scope, scope_of, scoped_queues};
use crate::app::AppState;
use crate::auth::Caller;
use crate::wallboard::QueueDay;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use sentral_store::RollupCounters;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(queue_report))
        .routes(routes!(agent_report))
}

/// The longest period a report covers, in days.
pub const REPORT_DAYS_MAX: i64 = 92;

/// A report's period and form.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// The first day, `YYYY-MM-DD` in the organisation's time zone (default: six days before
    /// today).
    pub from: Option<String>,
    /// The last day, included (default: today); at most 92 days after `from`.
    pub to: Option<String>,
    /// Queue report: only this queue. Agent report: ignored.
    pub queue: Option<u64>,
    /// Agent report: only this agent. Queue report: ignored.
    pub agent: Option<u64>,
    /// `json` (default) or `csv` (also chosen by `Accept: text/csv`).
    pub format: Option<String>,
    /// With CSV, which table: `rows` (default: one row per queue or agent) or `hours`.
    pub table: Option<String>,
}

/// One queue's figures over the period (or every shown queue's, in `total`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, ToSchema)]
pub struct QueueReportRowDto {
    /// The queue's id; `null` in the total.
    pub queue: Option<u64>,
    /// The queue's name; `Total` in the total.
    pub name: String,
    /// Contacts that entered the queue.
    pub offered: u64,
    /// Contacts an agent took from the queue.
    pub answered: u64,
    /// Of those, within the queue's service-level threshold.
    pub answered_in_threshold: u64,
    /// Contacts whose customer hung up while waiting.
    pub abandoned: u64,
    /// Contacts wrapped up.
    pub handled: u64,
    /// Answered within the threshold over answered plus abandoned, in percent (one decimal).
    pub service_level_percent: Option<f64>,
    /// Abandoned over answered plus abandoned, in percent (one decimal).
    pub abandoned_percent: Option<f64>,
    /// Mean time from answer to wrap-up of the contacts wrapped up (ms).
    pub handle_ms_average: Option<u64>,
    /// Mean wait in the queue of the answered contacts (ms).
    pub wait_ms_average: Option<u64>,
}

/// One hour of the period, in the organisation's time zone.
#[derive(Clone, Debug, Default, PartialEq, Serialize, ToSchema)]
pub struct HourDto {
    /// The hour's start (Unix ms).
    pub start: i64,
    /// The hour's start in the organisation's time zone, `YYYY-MM-DDTHH:MM`.
    pub local: String,
    /// Contacts that entered the queues.
    pub offered: u64,
    /// Contacts answered.
    pub answered: u64,
    /// Contacts abandoned.
    pub abandoned: u64,
    /// Contacts wrapped up.
    pub handled: u64,
    /// Service level of the hour, in percent (one decimal).
    pub service_level_percent: Option<f64>,
    /// Mean handle time of the hour's wrap-ups (ms).
    pub handle_ms_average: Option<u64>,
    /// Mean wait of the hour's answered contacts (ms).
    pub wait_ms_average: Option<u64>,
}

/// A report of queues.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueReportDto {
    /// The organisation's time zone, which the days and hours are of.
    pub time_zone: String,
    /// The first day.
    pub from: String,
    /// The last day (included).
    pub to: String,
    /// One row per queue shown, in the configuration's order.
    pub queues: Vec<QueueReportRowDto>,
    /// The shown queues together.
    pub total: QueueReportRowDto,
    /// Every hour of the period, the shown queues together.
    pub hours: Vec<HourDto>,
}

/// One agent's figures over the period.
#[derive(Clone, Debug, Default, PartialEq, Serialize, ToSchema)]
pub struct AgentReportRowDto {
    /// The agent's id.
    pub agent: u64,
    /// The agent's name.
    pub name: String,
    /// Contacts the agent took from a queue.
    pub answered: u64,
    /// Contacts the agent wrapped up.
    pub handled: u64,
    /// Mean time from answer to wrap-up (ms).
    pub handle_ms_average: Option<u64>,
    /// Their handle times together (ms).
    pub handle_ms_total: u64,
    /// Time logged in to a station, in any state (ms).
    pub logged_in_ms: u64,
    /// Handle time over logged-in time, in percent (one decimal).
    pub occupancy_percent: Option<f64>,
}

/// A report of agents.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgentReportDto {
    /// The organisation's time zone, which the days and hours are of.
    pub time_zone: String,
    /// The first day.
    pub from: String,
    /// The last day (included).
    pub to: String,
    /// One row per agent shown, in the configuration's order.
    pub agents: Vec<AgentReportRowDto>,
    /// Every hour of the period, the shown agents together (answered and handled).
    pub hours: Vec<HourDto>,
}

/// Queues' figures over a period of days in the organisation's time zone, hour by hour (R44):
/// offered, answered, service level, abandoned, average handle and wait time. A supervisor
/// assigned to teams sees their teams' queues (another queue in `queue=` is `404`).
/// `?format=csv` (or `Accept: text/csv`) answers one table as CSV.
#[utoipa::path(get, path = "/api/v1/reports/queues", tag = "supervisor", params(ReportQuery),
    responses((status = 200, body = QueueReportDto), (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody),
        (status = 404, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
async fn queue_report(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Query(query): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    caller.require_supervisor()?;
    let org = org_of(&state, &caller)?;
    let csv = wants_csv(&query, &headers)?;
    let (zone_name, zone, queues) = {
        let config = org.config.read().expect("config lock");
        let queues: Vec<(u64, String)> = config
            .engine
            .queues
            .iter()
            .map(|q| (q.id.0, q.name.clone()))
            .collect();
        (config.time_zone.clone(), zone_of(&config.time_zone), queues)
    };
    let period = Period::parse(&query, &zone)?;
    let scoped = scoped_queues(org, &caller);
    let shown: Vec<(u64, String)> = queues
        .into_iter()
        .filter(|(id, _)| scoped.as_ref().is_none_or(|s| s.contains(id)))
        .filter(|(id, _)| query.queue.is_none_or(|q| q == *id))
        .collect();
    if let Some(queue) = query.queue
        && shown.is_empty()
    {
        return Err(ApiError::not_found(format!(
            "no queue {queue} in your teams"
        )));
    }
    let ids: Vec<u64> = shown.iter().map(|(id, _)| *id).collect();
    state.history.flush().await;
    let rows = state
        .store
        .queue_rollups(caller.org(), Some(&ids), period.start_ms, period.end_ms)
        .await?;
    let mut per_queue: BTreeMap<u64, RollupCounters> = BTreeMap::new();
    let mut per_bucket: BTreeMap<i64, RollupCounters> = BTreeMap::new();
    for row in &rows {
        *per_queue.entry(row.queue).or_default() += row.counters;
        *per_bucket.entry(row.bucket_unix_ms).or_default() += row.counters;
    }
    let mut total = RollupCounters::default();
    let queues: Vec<QueueReportRowDto> = shown
        .into_iter()
        .map(|(id, name)| {
            let counters = per_queue.get(&id).copied().unwrap_or_default();
            total += counters;
            queue_row(Some(id), name, counters)
        })
        .collect();
    let report = QueueReportDto {
        time_zone: zone_name,
        from: period.from.to_string(),
        to: period.to.to_string(),
        total: queue_row(None, "Total".to_owned(), total),
        hours: hours_of(&period, &zone, &per_bucket),
        queues,
    };
    if !csv {
        return Ok(Json(report).into_response());
    }
    let name = format!("queues-{}-{}", report.from, report.to);
    match query.table.as_deref().unwrap_or("rows") {
        "rows" => Ok(csv_response(&name, &queue_rows_csv(&report))),
        "hours" => Ok(csv_response(
            &format!("{name}-hours"),
            &hours_csv(&report.hours),
        )),
        other => Err(bad_table(other)),
    }
}

/// Agents' figures over a period of days in the organisation's time zone (R44): contacts
/// answered and wrapped up, average handle time, time logged in and occupancy (handle time
/// over logged-in time), and hour by hour. A supervisor assigned to teams sees their teams'
/// agents, and their work for their teams' queues. `?format=csv` (or `Accept: text/csv`)
/// answers one table as CSV.
#[utoipa::path(get, path = "/api/v1/reports/agents", tag = "supervisor", params(ReportQuery),
    responses((status = 200, body = AgentReportDto), (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody),
        (status = 404, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
async fn agent_report(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Query(query): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    caller.require_supervisor()?;
    let org = org_of(&state, &caller)?;
    let csv = wants_csv(&query, &headers)?;
    let scope = scope_of(org, &caller);
    let (zone_name, zone, agents) = {
        let config = org.config.read().expect("config lock");
        let agents: Vec<(u64, String)> = config
            .engine
            .agents
            .iter()
            .filter(|a| in_scope(scope.as_ref(), &a.teams))
            .filter(|a| query.agent.is_none_or(|id| id == a.id.0))
            .map(|a| (a.id.0, a.name.clone()))
            .collect();
        (config.time_zone.clone(), zone_of(&config.time_zone), agents)
    };
    if let Some(agent) = query.agent
        && agents.is_empty()
    {
        return Err(ApiError::not_found(format!(
            "no agent {agent} in your teams"
        )));
    }
    let period = Period::parse(&query, &zone)?;
    let queues = scoped_queues(org, &caller);
    let shown: BTreeSet<u64> = agents.iter().map(|(id, _)| *id).collect();
    state.history.flush().await;
    let rows = state
        .store
        .agent_rollups(caller.org(), period.start_ms, period.end_ms)
        .await?;
    let mut per_agent: BTreeMap<u64, RollupCounters> = BTreeMap::new();
    let mut per_bucket: BTreeMap<i64, RollupCounters> = BTreeMap::new();
    for row in &rows {
        let Some(agent) = row.agent.filter(|a| shown.contains(a)) else {
            continue;
        };
        if queues.as_ref().is_some_and(|q| !q.contains(&row.queue)) {
            continue;
        }
        *per_agent.entry(agent).or_default() += row.counters;
        *per_bucket.entry(row.bucket_unix_ms).or_default() += row.counters;
    }
    let now_ms = jiff::Timestamp::now().as_millisecond();
    let logged_in: BTreeMap<u64, u64> = state
        .store
        .agents_logged_in_ms(caller.org(), period.start_ms, period.end_ms, now_ms)
        .await?
        .into_iter()
        .collect();
    let report = AgentReportDto {
        time_zone: zone_name,
        from: period.from.to_string(),
        to: period.to.to_string(),
        hours: hours_of(&period, &zone, &per_bucket),
        agents: agents
            .into_iter()
            .map(|(id, name)| {
                let c = per_agent.get(&id).copied().unwrap_or_default();
                let logged_in_ms = logged_in.get(&id).copied().unwrap_or(0);
                let day = day_of(c);
                AgentReportRowDto {
                    agent: id,
                    name,
                    answered: c.answered,
                    handled: c.handled,
                    handle_ms_average: day.handle_ms_average(),
                    handle_ms_total: c.handle_ms_total,
                    logged_in_ms,
                    occupancy_percent: (logged_in_ms > 0).then(|| {
                        one_decimal(100.0 * c.handle_ms_total as f64 / logged_in_ms as f64)
                    }),
                }
            })
            .collect(),
    };
    if !csv {
        return Ok(Json(report).into_response());
    }
    let name = format!("agents-{}-{}", report.from, report.to);
    match query.table.as_deref().unwrap_or("rows") {
        "rows" => Ok(csv_response(&name, &agent_rows_csv(&report))),
        "hours" => Ok(csv_response(
            &format!("{name}-hours"),
            &hours_csv(&report.hours),
        )),
        other => Err(bad_table(other)),
    }
}

/// A report's days, read from the query in the organisation's time zone.
struct Period {
    /// The first day.
    from: Date,
    /// The last day, included.
    to: Date,
    /// The first day's midnight (Unix ms).
    start_ms: i64,
    /// The midnight after the last day (Unix ms).
    end_ms: i64,
}

impl Period {
    fn parse(query: &ReportQuery, zone: &TimeZone) -> Result<Period, ApiError> {
        let today = jiff::Timestamp::now().to_zoned(zone.clone()).date();
        let date = |field: &str, value: Option<&String>, default: Date| match value {
            None => Ok(default),
            Some(text) => text.parse::<Date>().map_err(|_| {
                ApiError::invalid(format!(
                    "{field}: expected a day as YYYY-MM-DD, got {text:?}"
                ))
            }),
        };
        let to = date("to", query.to.as_ref(), today)?;
        let week_before = to.checked_sub(jiff::Span::new().days(6)).unwrap_or(to);
        let from = date("from", query.from.as_ref(), week_before)?;
        if from > to {
            return Err(ApiError::invalid(format!(
                "from: {from} is after to: {to}; give the first day, then the last"
            )));
        }
        let n_days = (to - from).get_days();
        if i64::from(n_days) >= REPORT_DAYS_MAX {
            return Err(ApiError::invalid(format!(
                "to: at most {REPORT_DAYS_MAX} days from {from}; this period has {}",
                n_days + 1
            )));
        }
        // A day at the far end of the calendar has no midnight after it in every zone.
        let out_of_range =
            |_| ApiError::invalid(format!("to: {to} is past the last day a report can cover"));
        let midnight = |day: Date| {
            day.to_zoned(zone.clone())
                .map(|z| z.timestamp().as_millisecond())
                .map_err(out_of_range)
        };
        let after = to.tomorrow().map_err(out_of_range)?;
        Ok(Period {
            from,
            to,
            start_ms: midnight(from)?,
            end_ms: midnight(after)?,
        })
    }
}

/// The organisation's time zone (checked when its configuration was read).
fn zone_of(name: &str) -> TimeZone {
    TimeZone::get(name).unwrap_or(TimeZone::UTC)
}

/// Whether the caller asked for CSV.
fn wants_csv(query: &ReportQuery, headers: &HeaderMap) -> Result<bool, ApiError> {
    match query.format.as_deref() {
        Some("csv") => Ok(true),
        Some("json") => Ok(false),
        Some(other) => Err(ApiError::invalid(format!(
            "format: expected \"json\" or \"csv\", got {other:?}"
        ))),
        None => Ok(headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/csv"))),
    }
}

fn bad_table(table: &str) -> ApiError {
    ApiError::invalid(format!(
        "table: expected \"rows\" or \"hours\", got {table:?}"
    ))
}

/// The rollup's counters as the wallboard's day, whose methods define each figure.
fn day_of(c: RollupCounters) -> QueueDay {
    QueueDay {
        offered: c.offered,
        answered: c.answered,
        answered_in_threshold: c.answered_in_threshold,
        answered_wait_ms_total: c.answered_wait_ms_total,
        abandoned: c.abandoned,
        handled: c.handled,
        handle_ms_total: c.handle_ms_total,
    }
}

fn queue_row(queue: Option<u64>, name: String, c: RollupCounters) -> QueueReportRowDto {
    let day = day_of(c);
    QueueReportRowDto {
        queue,
        name,
        offered: c.offered,
        answered: c.answered,
        answered_in_threshold: c.answered_in_threshold,
        abandoned: c.abandoned,
        handled: c.handled,
        service_level_percent: day.service_level_percent().map(one_decimal),
        abandoned_percent: day.abandoned_percent().map(one_decimal),
        handle_ms_average: day.handle_ms_average(),
        wait_ms_average: day.wait_ms_average(),
    }
}

/// Every hour of the period with the buckets that fall in it.
fn hours_of(
    period: &Period,
    zone: &TimeZone,
    buckets: &BTreeMap<i64, RollupCounters>,
) -> Vec<HourDto> {
    const HOUR_MS: i64 = 3_600_000;
    let mut hours = Vec::new();
    let mut start = period.start_ms;
    while start < period.end_ms {
        let end = (start + HOUR_MS).min(period.end_ms);
        let mut c = RollupCounters::default();
        for (_, counters) in buckets.range(start..end) {
            c += *counters;
        }
        let day = day_of(c);
        let local = jiff::Timestamp::from_millisecond(start)
            .map(|t| {
                t.to_zoned(zone.clone())
                    .strftime("%Y-%m-%dT%H:%M")
                    .to_string()
            })
            .unwrap_or_default();
        hours.push(HourDto {
            start,
            local,
            offered: c.offered,
            answered: c.answered,
            abandoned: c.abandoned,
            handled: c.handled,
            service_level_percent: day.service_level_percent().map(one_decimal),
            handle_ms_average: day.handle_ms_average(),
            wait_ms_average: day.wait_ms_average(),
        });
        start = end;
    }
    hours
}

fn one_decimal(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

fn csv_response(name: &str, body: &str) -> Response {
    let disposition = format!("attachment; filename=\"{name}.csv\"");
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body.to_owned(),
    )
        .into_response()
}

/// A CSV field: quoted when it holds a comma, a quote or a line break (RFC 4180), and a text
/// that a spreadsheet would read as a formula is prefixed with `'`.
fn field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

fn opt<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

fn queue_rows_csv(report: &QueueReportDto) -> String {
    let mut out = String::from(
        "queue,name,offered,answered,answered_in_threshold,abandoned,handled,\
         service_level_percent,abandoned_percent,handle_ms_average,wait_ms_average\r\n",
    );
    for row in report.queues.iter().chain([&report.total]) {
        let _ = write!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{}\r\n",
            opt(row.queue),
            field(&row.name),
            row.offered,
            row.answered,
            row.answered_in_threshold,
            row.abandoned,
            row.handled,
            opt(row.service_level_percent),
            opt(row.abandoned_percent),
            opt(row.handle_ms_average),
            opt(row.wait_ms_average),
        );
    }
    out
}

fn agent_rows_csv(report: &AgentReportDto) -> String {
    let mut out = String::from(
        "agent,name,answered,handled,handle_ms_average,handle_ms_total,logged_in_ms,\
         occupancy_percent\r\n",
    );
    for row in &report.agents {
        let _ = write!(
            out,
            "{},{},{},{},{},{},{},{}\r\n",
            row.agent,
            field(&row.name),
            row.answered,
            row.handled,
            opt(row.handle_ms_average),
            row.handle_ms_total,
            row.logged_in_ms,
            opt(row.occupancy_percent),
        );
    }
    out
}

fn hours_csv(hours: &[HourDto]) -> String {
    let mut out = String::from(
        "start,local,offered,answered,abandoned,handled,service_level_percent,\
         handle_ms_average,wait_ms_average\r\n",
    );
    for hour in hours {
        let _ = write!(
            out,
            "{},{},{},{},{},{},{},{},{}\r\n",
            hour.start,
            hour.local,
            hour.offered,
            hour.answered,
            hour.abandoned,
            hour.handled,
            opt(hour.service_level_percent),
            opt(hour.handle_ms_average),
            opt(hour.wait_ms_average),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r44_csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(field("Support"), "Support");
        assert_eq!(field("Sales, north"), "\"Sales, north\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=SUM(A1)"), "'=SUM(A1)");
    }

    #[test]
    fn r44_a_day_across_a_daylight_saving_change_has_23_or_25_hours() {
        // Goal: a report's hours are the organisation's, so the spring-forward day in Oslo
        // has 23 hours and the fall-back day 25. Method: one-day periods on those days.
        let zone = TimeZone::get("Europe/Oslo").expect("tzdb");
        let query = |day: &str| ReportQuery {
            from: Some(day.into()),
            to: Some(day.into()),
            queue: None,
            agent: None,
            format: None,
            table: None,
        };
        let spring = Period::parse(&query("2026-03-29"), &zone).expect("valid");
        let fall = Period::parse(&query("2026-10-25"), &zone).expect("valid");
        let none = BTreeMap::new();
        assert_eq!(hours_of(&spring, &zone, &none).len(), 23);
        let fall_hours = hours_of(&fall, &zone, &none);
        assert_eq!(fall_hours.len(), 25);
        assert_eq!(fall_hours[0].local, "2026-10-25T00:00");
        // 02:00 comes twice.
        assert_eq!(fall_hours[2].local, "2026-10-25T02:00");
        assert_eq!(fall_hours[3].local, "2026-10-25T02:00");
    }

    #[test]
    fn r44_a_report_period_is_checked() {
        let zone = TimeZone::UTC;
        let query = |from: &str, to: &str| ReportQuery {
            from: Some(from.into()),
            to: Some(to.into()),
            queue: None,
            agent: None,
            format: None,
            table: None,
        };
        assert!(Period::parse(&query("2026-12-08", "2026-12-01"), &zone).is_err());
        assert!(Period::parse(&query("2026-13-01", "2026-12-01"), &zone).is_err());
        assert!(Period::parse(&query("2026-01-01", "2026-12-31"), &zone).is_err());
        // The calendar's last day has no midnight after it: refused, not a server error.
        let last = Period::parse(&query("9999-12-31", "9999-12-31"), &zone);
        assert_eq!(
            last.err().map(|e| e.status()),
            Some(axum::http::StatusCode::UNPROCESSABLE_ENTITY)
        );
        // The first day answers or is refused, never a server error.
        match Period::parse(&query("-009999-01-01", "-009999-01-01"), &zone) {
            Ok(first) => assert!(first.start_ms < first.end_ms),
            Err(error) => {
                assert_eq!(error.status(), axum::http::StatusCode::UNPROCESSABLE_ENTITY);
            }
        }
        let week = Period::parse(&query("2026-12-01", "2026-12-07"), &zone).expect("valid");
        assert_eq!(week.end_ms - week.start_ms, 7 * 86_400_000);
    }
}
