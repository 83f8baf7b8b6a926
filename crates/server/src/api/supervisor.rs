//! Supervisor views: queues and agents now, interaction history (R44).

use super::ApiError;
use super::session::org_of;
use super::{ApiJson, idempotent};
use crate::app::AppState;
use crate::auth::Caller;
use crate::dto::{WallboardAgentDto, WallboardQueueDto};
use axum::Json;
use axum::extract::Path;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use sentral_engine::{AgentId, Input, SupervisorAction, TeamId};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(queues))
        .routes(routes!(agents))
        .routes(routes!(supervise))
        .routes(routes!(interactions))
        .routes(routes!(interaction))
}

/// Every queue's wallboard row: contacts waiting, the longest wait, today's figures and the
/// queue's targets (R44; `docs/supervisor.md` defines each figure).
#[utoipa::path(get, path = "/api/v1/supervisor/queues", tag = "supervisor",
    responses((status = 200, body = Vec<WallboardQueueDto>), (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody)))]
async fn queues(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<WallboardQueueDto>>, ApiError> {
    caller.require_supervisor()?;
    let org = org_of(&state, &caller)?;
    let scope = scope_of(org, &caller);
    let queues = org
        .handle
        .query_wallboard(move |engine, wallboard, settings| {
            engine
                .config()
                .queues
                .iter()
                .filter(|q| in_scope(scope.as_ref(), &q.teams))
                .filter_map(|q| WallboardQueueDto::of(engine, wallboard, settings, q.id))
                .collect()
        })
        .await
        .unwrap_or_default();
    Ok(Json(queues))
}

/// Every agent's wallboard row: the state (`AgentDto`) with since when, the agent's teams and
/// current contacts (R44).
#[utoipa::path(get, path = "/api/v1/supervisor/agents", tag = "supervisor",
    responses((status = 200, body = Vec<WallboardAgentDto>), (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody)))]
async fn agents(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<WallboardAgentDto>>, ApiError> {
    caller.require_supervisor()?;
    let org = org_of(&state, &caller)?;
    let scope = scope_of(org, &caller);
    let rows = org
        .handle
        .query_wallboard(move |engine, wallboard, _| {
            let config = engine.config();
            engine
                .agent_views()
                .iter()
                .filter(|view| {
                    let teams = config
                        .agent(view.id)
                        .map_or(&[][..], |a| a.teams.as_slice());
                    in_scope(scope.as_ref(), teams)
                })
                .filter_map(|view| WallboardAgentDto::of(engine, wallboard, view.id))
                .collect()
        })
        .await
        .unwrap_or_default();
    Ok(Json(rows))
}

/// What a supervisor does to an agent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuperviseRequest {
    /// `idle` (with `idle_reason`) or `logged_out`.
    pub state: String,
    /// With `idle`: one of the organisation's idle reason codes.
    pub idle_reason: Option<String>,
    /// Why, in the supervisor's words: the agent reads it and the record keeps it (at most 200
    /// characters; may be left out).
    pub note: Option<String>,
}

/// The longest note a supervisor gives an agent.
const NOTE_CHARS_MAX: usize = 200;

/// Sets an agent of the caller's teams Idle with a reason, or logs them out of their station
/// (R44); refused as the agent's own change would be (`409` `R3`, `R5`, `R36`). The agent's
/// desktop says who did it and why.
#[utoipa::path(post, path = "/api/v1/supervisor/agents/{id}/state", tag = "supervisor",
    request_body = SuperviseRequest,
    params(("id" = u64, Path, description = "The agent's id")),
    responses((status = 200, body = WallboardAgentDto), (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody),
        (status = 404, body = super::ErrorBody), (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
async fn supervise(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<u64>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<SuperviseRequest>,
) -> Response {
    let state2 = state.clone();
    idempotent(&state, caller.user.id, &headers, async move {
        caller.require_supervisor()?;
        let org = org_of(&state2, &caller)?;
        let agent = AgentId(id);
        let scope = scope_of(org, &caller);
        let teams = org
            .handle
            .query(move |engine| engine.config().agent(agent).map(|a| a.teams.clone()))
            .await
            .flatten();
        // An agent outside the caller's teams is as unknown as one that does not exist.
        if !teams.is_some_and(|teams| in_scope(scope.as_ref(), &teams)) {
            return Err(ApiError::not_found(format!("no agent {id} in your teams")));
        }
        let action = match (request.state.as_str(), request.idle_reason) {
            ("idle", Some(reason)) => SupervisorAction::Idle { reason },
            ("idle", None) => {
                return Err(ApiError::invalid(
                    "idle_reason: required with state \"idle\"",
                ));
            }
            ("logged_out", None) => SupervisorAction::LogOut,
            ("logged_out", Some(_)) => {
                return Err(ApiError::invalid("idle_reason: only with state \"idle\""));
            }
            (other, _) => {
                return Err(ApiError::invalid(format!(
                    "state: expected \"idle\" or \"logged_out\", got {other:?}"
                )));
            }
        };
        let note = request.note.unwrap_or_default().trim().to_owned();
        if note.chars().count() > NOTE_CHARS_MAX {
            return Err(ApiError::invalid(format!(
                "note: at most {NOTE_CHARS_MAX} characters"
            )));
        }
        org.handle
            .input(Input::Supervise {
                agent,
                supervisor: caller.user.username.clone(),
                action,
                note,
            })
            .await?;
        let row = org
            .handle
            .query_wallboard(move |engine, wallboard, _| {
                WallboardAgentDto::of(engine, wallboard, agent)
            })
            .await
            .flatten()
            .ok_or_else(|| ApiError::not_found(format!("no agent {id}")))?;
        Ok(Json(row).into_response())
    })
    .await
}

/// The teams the caller supervises (R44): `None` for every team (an administrator, or a
/// supervisor assigned to none).
pub(super) fn scope_of(org: &crate::app::OrgRuntime, caller: &Caller) -> Option<BTreeSet<TeamId>> {
    let config = org.config.read().expect("config lock");
    config.supervised_teams(&caller.user.username)
}

/// The ids of the queues the caller's teams serve (R44): `None` for every queue.
pub(super) fn scoped_queues(
    org: &crate::app::OrgRuntime,
    caller: &Caller,
) -> Option<BTreeSet<u64>> {
    let scope = scope_of(org, caller)?;
    let config = org.config.read().expect("config lock");
    Some(
        config
            .engine
            .queues
            .iter()
            .filter(|q| in_scope(Some(&scope), &q.teams))
            .map(|q| q.id.0)
            .collect(),
    )
}

/// Whether an interaction of the history waited in one of these queues.
pub(super) fn waited_in(record: &sentral_store::InteractionRecord, queues: &BTreeSet<u64>) -> bool {
    record
        .states
        .iter()
        .any(|s| s.queue.is_some_and(|q| queues.contains(&q)))
}

/// Whether something of these teams is in the scope.
pub(super) fn in_scope(scope: Option<&BTreeSet<TeamId>>, teams: &[TeamId]) -> bool {
    scope.is_none_or(|scope| teams.iter().any(|team| scope.contains(team)))
}

/// History filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    /// Only this queue.
    pub queue: Option<u64>,
    /// Only interactions this agent took part in.
    pub agent: Option<u64>,
    /// `inbound`, `outdial`, `courtesy_callback`, `web_callback`.
    pub kind: Option<String>,
    /// Created at or after (Unix ms).
    pub from: Option<i64>,
    /// Created before (Unix ms).
    pub to: Option<i64>,
    /// At most this many (default 50, at most 500).
    pub limit: Option<u32>,
    /// Page: only interactions with a smaller id.
    pub before: Option<u64>,
    /// `voice`, `chat`, `email`, `social`.
    pub channel: Option<String>,
    /// Only interactions wrapped up with this reason code.
    pub wrapup_reason: Option<String>,
    /// Only interactions with this customer number (exactly as stored, e.g. `+4791000001`).
    pub customer_number: Option<String>,
}

/// The channels a history search may name.
const CHANNELS: [&str; 4] = ["voice", "chat", "email", "social"];

/// One state change of an interaction.
#[derive(Debug, Serialize, ToSchema)]
pub struct StateChangeDto {
    /// State, e.g. `queued`, `offered`, `connected`, `held`.
    pub state: String,
    /// Agent concerned.
    pub agent: Option<u64>,
    /// Queue concerned.
    pub queue: Option<u64>,
    /// When (Unix ms).
    pub at: i64,
}

/// A wrap-up.
#[derive(Debug, Serialize, ToSchema)]
pub struct WrapUpDto {
    /// Who.
    pub agent: u64,
    /// Reason code.
    pub reason: String,
    /// Whether the organisation's automatic wrap-up submitted it, not the agent (R36).
    pub automatic: bool,
    /// When (Unix ms).
    pub at: i64,
}

/// A change of an interaction's recording: started, paused (and when Privacy Shield ends the
/// pause), resumed, stopped (R31, R32).
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordingChangeDto {
    /// `on`, `paused` or `off`.
    pub state: String,
    /// When Privacy Shield resumes a pause (Unix ms).
    pub resumes_at: Option<i64>,
    /// When (Unix ms).
    pub at: i64,
    /// The agent who paused or resumed it; `null` when Sentral did (start, Privacy Shield,
    /// end).
    pub agent: Option<u64>,
}

/// An interaction record (R44, R45).
#[derive(Debug, Serialize, ToSchema)]
pub struct InteractionDto {
    /// Id.
    pub id: u64,
    /// Channel.
    pub channel: String,
    /// Kind.
    pub kind: String,
    /// Customer number.
    pub customer_number: Option<String>,
    /// Number dialled.
    pub dnis: Option<String>,
    /// Created (Unix ms).
    pub created_at: i64,
    /// Connected (Unix ms).
    pub connected_at: Option<i64>,
    /// Ended (Unix ms).
    pub ended_at: Option<i64>,
    /// Why it ended.
    pub end_reason: Option<String>,
    /// Agents who took part.
    pub agents: Vec<u64>,
    /// Every state change, oldest first.
    pub states: Vec<StateChangeDto>,
    /// Wrap-ups.
    pub wrapups: Vec<WrapUpDto>,
    /// The last saved CAD values of variables defined now and not secure (R33).
    pub variables: std::collections::BTreeMap<String, String>,
    /// Every recording change, oldest first: where the recording was paused and resumed.
    pub recording_changes: Vec<RecordingChangeDto>,
    /// Where to download the recording (`GET /api/v1/interactions/{id}/recording`), if there
    /// is one.
    pub recording: Option<String>,
}

/// Interaction history, newest first, with every state change (supervisors and admins, R44).
#[utoipa::path(get, path = "/api/v1/interactions", tag = "supervisor", params(HistoryQuery),
    responses((status = 200, body = Vec<InteractionDto>), (status = 400, body = super::ErrorBody), (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody)))]
async fn interactions(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<HistoryQuery>,
) -> Result<Json<Vec<InteractionDto>>, ApiError> {
    caller.require_supervisor()?;
    let org = org_of(&state, &caller)?;
    // R33, the engine's rule: a value is shown only while its variable is defined and not
    // secure, so removing or renaming a secure variable never exposes what was stored.
    let shown = not_secure(&org.config.read().expect("config lock").engine);
    if query.limit.is_some_and(|l| l == 0 || l > 500) {
        return Err(ApiError::invalid("limit: 1 to 500"));
    }
    // R44: a supervisor assigned to teams sees the interactions of their teams' queues.
    let scoped_queues = scoped_queues(org, &caller);
    if let (Some(queues), Some(queue)) = (&scoped_queues, query.queue)
        && !queues.contains(&queue)
    {
        return Err(ApiError::not_found(format!(
            "no queue {queue} in your teams"
        )));
    }
    if let Some(channel) = &query.channel
        && !CHANNELS.contains(&channel.as_str())
    {
        return Err(ApiError::invalid(format!(
            "channel: expected one of {CHANNELS:?}, got {channel:?}"
        )));
    }
    let blank =
        |value: Option<String>| value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let filter = sentral_store::InteractionFilter {
        queue: query.queue,
        agent: query.agent,
        kind: query.kind,
        from_unix_ms: query.from,
        to_unix_ms: query.to,
        limit: query.limit,
        before_id: query.before,
        customer_number: blank(query.customer_number),
        channel: query.channel,
        wrapup_reason: blank(query.wrapup_reason),
    };
    state.history.flush().await;
    let mut records = state.store.interactions(caller.org(), &filter).await?;
    if let Some(queues) = &scoped_queues {
        records.retain(|r| waited_in(r, queues));
    }
    Ok(Json(
        records
            .into_iter()
            .map(|r| interaction_dto(&state, caller.org(), r, &shown))
            .collect(),
    ))
}

/// One interaction of the history with its timeline (R44): every state change, wrap-up and
/// recording change in order, with who did it, and the names of the agents and queues it
/// mentions. A scoped supervisor sees only the interactions that waited in their teams' queues
/// (`404` otherwise), as in the search.
#[utoipa::path(get, path = "/api/v1/interactions/{id}", tag = "supervisor",
    params(("id" = u64, Path, description = "Interaction id")),
    responses((status = 200, body = InteractionDetailDto), (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
async fn interaction(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<u64>,
) -> Result<Json<InteractionDetailDto>, ApiError> {
    caller.require_supervisor()?;
    let org = org_of(&state, &caller)?;
    let not_found = || ApiError::not_found(format!("no interaction {id}"));
    state.history.flush().await;
    let record = state
        .store
        .interaction(caller.org(), id)
        .await?
        .ok_or_else(not_found)?;
    if let Some(queues) = scoped_queues(org, &caller)
        && !waited_in(&record, &queues)
    {
        return Err(not_found());
    }
    let (shown, agent_names, queue_names) = {
        let config = org.config.read().expect("config lock");
        let engine = &config.engine;
        let agents: BTreeMap<u64, String> = engine
            .agents
            .iter()
            .map(|a| (a.id.0, a.name.clone()))
            .collect();
        let queues: BTreeMap<u64, String> = engine
            .queues
            .iter()
            .map(|q| (q.id.0, q.name.clone()))
            .collect();
        (not_secure(engine), agents, queues)
    };
    let timeline = timeline_of(&record);
    let dto = interaction_dto(&state, caller.org(), record, &shown);
    let mentioned_agents: BTreeSet<u64> = timeline.iter().filter_map(|e| e.agent).collect();
    let mentioned_queues: BTreeSet<u64> = timeline.iter().filter_map(|e| e.queue).collect();
    Ok(Json(InteractionDetailDto {
        agent_names: agent_names
            .into_iter()
            .filter(|(id, _)| mentioned_agents.contains(id) || dto.agents.contains(id))
            .collect(),
        queue_names: queue_names
            .into_iter()
            .filter(|(id, _)| mentioned_queues.contains(id))
            .collect(),
        timeline,
        interaction: dto,
    }))
}

/// An interaction with its timeline and the names it mentions.
#[derive(Debug, Serialize, ToSchema)]
pub struct InteractionDetailDto {
    /// The interaction as the search lists it.
    pub interaction: InteractionDto,
    /// What happened, oldest first.
    pub timeline: Vec<TimelineEntryDto>,
    /// The display names of the agents it mentions, by id (agents still configured).
    pub agent_names: BTreeMap<u64, String>,
    /// The names of the queues it mentions, by id (queues still configured).
    pub queue_names: BTreeMap<u64, String>,
}

/// One step of an interaction's timeline.
#[derive(Debug, Eq, PartialEq, Serialize, ToSchema)]
pub struct TimelineEntryDto {
    /// When (Unix ms).
    pub at: i64,
    /// `created`; a state (`queued`, `offered`, `connected`, `held`, `rona`…); `wrapup`;
    /// `recording_on`, `recording_paused`, `recording_off`; `ended`.
    pub event: String,
    /// The agent who acted or was concerned, if any.
    pub agent: Option<u64>,
    /// The queue concerned, if any.
    pub queue: Option<u64>,
    /// The wrap-up reason, the end reason, or the callback attempt (`attempt 2`).
    pub detail: Option<String>,
}

/// Every step of an interaction in time order; steps of the same instant keep the order the
/// engine wrote them in (creation, states, wrap-ups, recording changes, end).
fn timeline_of(record: &sentral_store::InteractionRecord) -> Vec<TimelineEntryDto> {
    let mut steps: Vec<(i64, u8, TimelineEntryDto)> = Vec::new();
    let entry = |at, event: &str, agent, queue, detail| TimelineEntryDto {
        at,
        event: event.to_owned(),
        agent,
        queue,
        detail,
    };
    let created = record.created_at_unix_ms;
    steps.push((created, 0, entry(created, "created", None, None, None)));
    for change in &record.states {
        let detail = change.attempt.map(|n| format!("attempt {n}"));
        let step = entry(
            change.at_unix_ms,
            &change.state,
            change.agent,
            change.queue,
            detail,
        );
        steps.push((change.at_unix_ms, 1, step));
    }
    for change in &record.recordings {
        let event = format!("recording_{}", change.state);
        let step = entry(change.at_unix_ms, &event, change.agent, None, None);
        steps.push((change.at_unix_ms, 2, step));
    }
    if let (Some(at), reason) = (record.ended_at_unix_ms, &record.end_reason) {
        steps.push((at, 3, entry(at, "ended", None, None, reason.clone())));
    }
    for wrapup in &record.wrapups {
        let step = entry(
            wrapup.at_unix_ms,
            "wrapup",
            Some(wrapup.agent),
            None,
            Some(wrapup.reason.clone()),
        );
        steps.push((wrapup.at_unix_ms, 4, step));
    }
    // A stable sort keeps the journal's order within a table.
    steps.sort_by_key(|(at, order, _)| (*at, *order));
    steps.into_iter().map(|(_, _, step)| step).collect()
}

/// The wire form of a history record, with the values R33 lets a supervisor see.
fn interaction_dto(
    state: &AppState,
    org: &str,
    r: sentral_store::InteractionRecord,
    shown: &std::collections::HashSet<String>,
) -> InteractionDto {
    InteractionDto {
        recording: super::recordings::url_of(state, org, r.id),
        recording_changes: r
            .recordings
            .iter()
            .map(|change| RecordingChangeDto {
                state: change.state.clone(),
                resumes_at: change.resumes_at_unix_ms,
                at: change.at_unix_ms,
                agent: change.agent,
            })
            .collect(),
        id: r.id,
        channel: r.channel,
        kind: r.kind,
        customer_number: r.customer_number,
        dnis: r.dnis,
        created_at: r.created_at_unix_ms,
        connected_at: r.connected_at_unix_ms,
        ended_at: r.ended_at_unix_ms,
        end_reason: r.end_reason,
        agents: r.agents,
        states: r
            .states
            .into_iter()
            .map(|s| StateChangeDto {
                state: s.state,
                agent: s.agent,
                queue: s.queue,
                at: s.at_unix_ms,
            })
            .collect(),
        wrapups: r
            .wrapups
            .into_iter()
            .map(|w| WrapUpDto {
                agent: w.agent,
                reason: w.reason,
                automatic: w.automatic,
                at: w.at_unix_ms,
            })
            .collect(),
        variables: shown_values(r.variables, shown),
    }
}

/// R33, the engine's rule: the names of the variables whose values may be shown, those defined
/// and not secure, so removing or renaming a secure variable never exposes what was stored.
pub(super) fn not_secure(config: &sentral_engine::Config) -> std::collections::HashSet<String> {
    config
        .cad_variables
        .iter()
        .filter(|d| !d.secure)
        .map(|d| d.name.clone())
        .collect()
}

/// The stored values (of a history row) that may be shown: those named in `shown`.
pub(super) fn shown_values(
    stored: Option<(u64, std::collections::BTreeMap<String, String>)>,
    shown: &std::collections::HashSet<String>,
) -> std::collections::BTreeMap<String, String> {
    stored
        .map(|(_, values)| {
            values
                .into_iter()
                .filter(|(name, _)| shown.contains(name))
                .collect()
        })
        .unwrap_or_default()
}
