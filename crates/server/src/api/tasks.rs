//! The caller's tasks and the commands on them (R13–R36).

use super::session::org_of;
use super::{ApiError, ApiJson, idempotent};
use crate::app::AppState;
use crate::auth::Caller;
use crate::dto::{ReasonDto, TaskDto};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use sentral_engine::{
    AgentId, Command, EntryPointId, ExpertId, Input, InteractionId, Party, QueueId, Target,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(get_task))
        .routes(routes!(hold))
        .routes(routes!(unhold))
        .routes(routes!(consult))
        .routes(routes!(consult_end))
        .routes(routes!(consult_transfer))
        .routes(routes!(consult_conference))
        .routes(routes!(transfer))
        .routes(routes!(end))
        .routes(routes!(wrapup))
        .routes(routes!(record_pause))
        .routes(routes!(record_resume))
        .routes(routes!(accept))
        .routes(routes!(cancel))
        .routes(routes!(save_variables))
        .routes(routes!(secure_variables))
        .routes(routes!(customer_history))
}

/// The caller's tasks: the current call and calls awaiting wrap-up.
#[utoipa::path(get, path = "/api/v1/tasks", tag = "tasks",
    responses((status = 200, body = Vec<TaskDto>), (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<TaskDto>>, ApiError> {
    let agent = caller.agent()?;
    let org = org_of(&state, &caller)?;
    let views = org
        .handle
        .query(move |engine| engine.tasks_of(agent))
        .await
        .unwrap_or_default();
    Ok(Json(views.iter().map(TaskDto::from_engine).collect()))
}

/// One task: for its participants, and for supervisors of the organisation.
#[utoipa::path(get, path = "/api/v1/tasks/{id}", tag = "tasks", params(("id" = u64, Path, description = "Task id")),
    responses((status = 200, body = TaskDto), (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
async fn get_task(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<u64>,
) -> Result<Json<TaskDto>, ApiError> {
    let org = org_of(&state, &caller)?;
    let interaction = InteractionId(id);
    let agent = caller.user.agent_id.map(AgentId);
    let supervisor = caller.is_supervisor();
    let (view, allowed) = org
        .handle
        .query(move |engine| {
            let allowed =
                supervisor || agent.is_some_and(|a| engine.is_participant(a, interaction));
            (engine.interaction_view(interaction), allowed)
        })
        .await
        .unwrap_or((None, false));
    let view = view.ok_or_else(|| ApiError::not_found(format!("no task {id}")))?;
    if !allowed {
        return Err(ApiError::forbidden(format!("task {id} is not yours")));
    }
    Ok(Json(TaskDto::from_engine(&view)))
}

/// Which party a hold or resume is for.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldRequest {
    /// `customer` (default) or `consulted`.
    #[serde(default)]
    pub party: Option<String>,
}

/// A consult or transfer target (R16, R27).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum TargetRequest {
    /// An agent by id.
    Agent {
        /// Agent id.
        id: u64,
    },
    /// A queue by id.
    Queue {
        /// Queue id.
        id: u64,
    },
    /// An entry point by id.
    EntryPoint {
        /// Entry point id.
        id: u64,
    },
    /// A number typed, pasted or picked from the address book (R20, R30).
    DialNumber {
        /// The number.
        number: String,
    },
    /// A subject-matter expert by id.
    Expert {
        /// Expert id.
        id: u64,
    },
}

/// Consult or transfer.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetBody {
    /// Where to.
    pub target: TargetRequest,
}

/// Wrap-up.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WrapUpRequest {
    /// A wrap-up reason code.
    pub reason: String,
}

/// A CAD save (R34, R35).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VariablesRequest {
    /// The version the edit is based on (from the task or the last VariablesChanged event).
    pub expected_version: u64,
    /// Name → new value (at most 256 characters; date-times in ISO 8601).
    pub values: BTreeMap<String, String>,
}

/// Secure CAD values (R33).
#[derive(Debug, Serialize, ToSchema)]
pub struct SecureVariables {
    /// Name → value.
    pub values: BTreeMap<String, String>,
}

macro_rules! task_command {
    ($name:ident, $path:literal, $summary:literal, |$id:ident| $command:expr) => {
        #[doc = $summary]
        #[utoipa::path(post, path = $path, tag = "tasks", params(("id" = u64, Path, description = "Task id")),
            responses((status = 200, body = TaskDto), (status = 204, description = "Done; the task is no longer visible to the caller"),
                (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody), (status = 409, body = super::ErrorBody)))]
        async fn $name(State(state): State<AppState>, caller: Caller, headers: HeaderMap, Path($id): Path<u64>) -> Response {
            let $id = InteractionId($id);
            run(state, caller, headers, $id, $command).await
        }
    };
}

task_command!(
    consult_end,
    "/api/v1/tasks/{id}/consult/end",
    "End the consult leg only (R23, R26).",
    |id| Command::EndConsult { interaction: id }
);
task_command!(
    consult_transfer,
    "/api/v1/tasks/{id}/consult/transfer",
    "Hand the customer to the consulted party (R25).",
    |id| Command::ConsultTransfer { interaction: id }
);
task_command!(
    consult_conference,
    "/api/v1/tasks/{id}/consult/conference",
    "Three-way conference (R23).",
    |id| Command::Conference { interaction: id }
);
task_command!(
    end,
    "/api/v1/tasks/{id}/end",
    "End the call, or leave a conference (R36, R23).",
    |id| Command::End { interaction: id }
);
task_command!(
    record_pause,
    "/api/v1/tasks/{id}/record/pause",
    "Pause recording (R31, R32).",
    |id| Command::PauseRecording { interaction: id }
);
task_command!(
    record_resume,
    "/api/v1/tasks/{id}/record/resume",
    "Resume recording (R31, R32).",
    |id| Command::ResumeRecording { interaction: id }
);
task_command!(
    accept,
    "/api/v1/tasks/{id}/accept",
    "Accept a digital offer; voice is accepted on the phone (R13).",
    |id| Command::Accept { interaction: id }
);
task_command!(
    cancel,
    "/api/v1/tasks/{id}/cancel",
    "Cancel a web callback before the customer answers (R39).",
    |id| Command::CancelCallback { interaction: id }
);

/// Put a party on hold (R14, R15, R19).
#[utoipa::path(post, path = "/api/v1/tasks/{id}/hold", tag = "tasks", params(("id" = u64, Path, description = "Task id")),
    request_body(content = HoldRequest, description = "Optional; the customer by default"),
    responses((status = 200, body = TaskDto), (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody), (status = 409, body = super::ErrorBody)))]
async fn hold(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<u64>,
    body: Bytes,
) -> Response {
    let make = |interaction, party| Command::Hold { interaction, party };
    with_party(state, caller, headers, InteractionId(id), body, make).await
}

/// Take a party off hold (R14, R15).
#[utoipa::path(post, path = "/api/v1/tasks/{id}/unhold", tag = "tasks", params(("id" = u64, Path, description = "Task id")),
    request_body(content = HoldRequest, description = "Optional; the customer by default"),
    responses((status = 200, body = TaskDto), (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody), (status = 409, body = super::ErrorBody)))]
async fn unhold(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<u64>,
    body: Bytes,
) -> Response {
    let make = |interaction, party| Command::Resume { interaction, party };
    with_party(state, caller, headers, InteractionId(id), body, make).await
}

/// Start a consult (R16–R21).
#[utoipa::path(post, path = "/api/v1/tasks/{id}/consult", tag = "tasks", params(("id" = u64, Path, description = "Task id")),
    request_body = TargetBody,
    responses((status = 200, body = TaskDto), (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody), (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
async fn consult(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<u64>,
    ApiJson(body): ApiJson<TargetBody>,
) -> Response {
    let interaction = InteractionId(id);
    run(
        state,
        caller,
        headers,
        interaction,
        Command::Consult {
            interaction,
            target: target(body.target),
        },
    )
    .await
}

/// Blind transfer (R27–R29).
#[utoipa::path(post, path = "/api/v1/tasks/{id}/transfer", tag = "tasks", params(("id" = u64, Path, description = "Task id")),
    request_body = TargetBody,
    responses((status = 200, body = TaskDto), (status = 204, description = "Transferred"), (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody), (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
async fn transfer(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<u64>,
    ApiJson(body): ApiJson<TargetBody>,
) -> Response {
    let interaction = InteractionId(id);
    run(
        state,
        caller,
        headers,
        interaction,
        Command::Transfer {
            interaction,
            target: target(body.target),
        },
    )
    .await
}

/// Submit wrap-up (R36).
#[utoipa::path(post, path = "/api/v1/tasks/{id}/wrapup", tag = "tasks", params(("id" = u64, Path, description = "Task id")),
    request_body = WrapUpRequest,
    responses((status = 200, body = TaskDto), (status = 204, description = "Wrapped up"), (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody), (status = 409, body = super::ErrorBody)))]
async fn wrapup(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<u64>,
    ApiJson(body): ApiJson<WrapUpRequest>,
) -> Response {
    let interaction = InteractionId(id);
    run(
        state,
        caller,
        headers,
        interaction,
        Command::SubmitWrapUp {
            interaction,
            reason: body.reason,
        },
    )
    .await
}

/// Save CAD values based on a version (R34, R35: 409 with the current values on conflict).
#[utoipa::path(patch, path = "/api/v1/tasks/{id}/variables", tag = "tasks", params(("id" = u64, Path, description = "Task id")),
    request_body = VariablesRequest,
    responses((status = 200, body = TaskDto), (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody), (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
async fn save_variables(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<u64>,
    ApiJson(body): ApiJson<VariablesRequest>,
) -> Response {
    let interaction = InteractionId(id);
    let command = Command::SaveVariables {
        interaction,
        values: body.values,
        expected_version: body.expected_version,
    };
    run(state, caller, headers, interaction, command).await
}

/// Secure CAD values, fetched separately by the task's participants (R33).
#[utoipa::path(get, path = "/api/v1/tasks/{id}/variables/secure", tag = "tasks", params(("id" = u64, Path, description = "Task id")),
    responses((status = 200, body = SecureVariables), (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
async fn secure_variables(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<u64>,
) -> Result<Json<SecureVariables>, ApiError> {
    let agent = caller.agent()?;
    let org = org_of(&state, &caller)?;
    let values = org
        .handle
        .query(move |engine| engine.secure_variables(agent, InteractionId(id)))
        .await;
    let values = values.ok_or_else(|| ApiError::internal("organisation stopped"))??;
    Ok(Json(SecureVariables { values }))
}

/// How many earlier contacts of a customer a task shows.
const CUSTOMER_HISTORY_MAX: u32 = 5;

/// One earlier contact of a task's customer (`GET /api/v1/tasks/{id}/history`).
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerContactDto {
    /// The interaction.
    pub id: u64,
    /// Channel.
    pub channel: String,
    /// `inbound`, `outdial`, `courtesy_callback`, `web_callback`.
    pub kind: String,
    /// When it came or was placed (Unix ms).
    pub created_at: i64,
    /// When it ended (Unix ms), if it has.
    pub ended_at: Option<i64>,
    /// Its wrap-ups' reasons, with their labels.
    pub wrapups: Vec<ReasonDto>,
    /// Its last saved CAD values, of variables defined now and not secure (R33).
    pub variables: BTreeMap<String, String>,
}

/// The customer's context: the last 5 interactions with this task's customer number, newest
/// first, with their wrap-ups and the call data the agent may see (secure values never, R33);
/// only for the task's participants.
#[utoipa::path(get, path = "/api/v1/tasks/{id}/history", tag = "tasks", params(("id" = u64, Path, description = "Task id")),
    responses((status = 200, body = Vec<CustomerContactDto>), (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
async fn customer_history(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<u64>,
) -> Result<Json<Vec<CustomerContactDto>>, ApiError> {
    let agent = caller.agent()?;
    let org = org_of(&state, &caller)?;
    let interaction = InteractionId(id);
    let (exists, mine, customer_number) = org
        .handle
        .query(move |engine| {
            let view = engine.interaction_view(interaction);
            let mine = engine.is_participant(agent, interaction);
            let customer_number = view.as_ref().and_then(|v| v.customer_number.clone());
            (view.is_some(), mine, customer_number)
        })
        .await
        .unwrap_or((false, false, None));
    if !exists {
        return Err(ApiError::not_found(format!("no task {id}")));
    }
    if !mine {
        return Err(ApiError::forbidden(format!("task {id} is not yours")));
    }
    let Some(customer_number) = customer_number else {
        return Ok(Json(Vec::new()));
    };
    // R33: a value is shown only while its variable is defined and not secure.
    let (shown, reasons): (
        std::collections::HashSet<String>,
        BTreeMap<String, ReasonDto>,
    ) = {
        let config = org.config.read().expect("config lock");
        let shown = super::supervisor::not_secure(&config.engine);
        let reasons = config
            .engine
            .wrapup_reasons
            .iter()
            .map(|r| (r.code.clone(), ReasonDto::from_engine(r)))
            .collect();
        (shown, reasons)
    };
    let filter = sentral_store::InteractionFilter {
        customer_number: Some(customer_number),
        before_id: Some(id),
        limit: Some(CUSTOMER_HISTORY_MAX),
        ..sentral_store::InteractionFilter::default()
    };
    state.history.flush().await;
    let records = state.store.interactions(caller.org(), &filter).await?;
    Ok(Json(
        records
            .into_iter()
            .map(|r| CustomerContactDto {
                id: r.id,
                channel: r.channel,
                kind: r.kind,
                created_at: r.created_at_unix_ms,
                ended_at: r.ended_at_unix_ms,
                wrapups: r
                    .wrapups
                    .into_iter()
                    .map(|w| {
                        reasons.get(&w.reason).cloned().unwrap_or(ReasonDto {
                            label: w.reason.clone(),
                            code: w.reason,
                            label_by_language: BTreeMap::new(),
                        })
                    })
                    .collect(),
                variables: super::supervisor::shown_values(r.variables, &shown),
            })
            .collect(),
    ))
}

/// Runs an agent's command on a task and answers with the task as the caller now sees it.
async fn run(
    state: AppState,
    caller: Caller,
    headers: HeaderMap,
    interaction: InteractionId,
    command: Command,
) -> Response {
    let state2 = state.clone();
    idempotent(&state, caller.user.id, &headers, async move {
        let agent = caller.agent()?;
        let org = org_of(&state2, &caller)?;
        // A task the caller is not on is refused as such (404 if it does not exist, 403 if it
        // is someone else's) before the engine looks at the command, so the answer never
        // depends on, or tells, the state of another agent's call.
        let (exists, mine) = org
            .handle
            .query(move |engine| {
                let mine = engine.is_participant(agent, interaction);
                (mine || engine.interaction_view(interaction).is_some(), mine)
            })
            .await
            .unwrap_or((false, false));
        if !exists {
            return Err(ApiError::not_found(format!("no task {}", interaction.0)));
        }
        if !mine {
            return Err(ApiError::forbidden(format!(
                "task {} is not yours",
                interaction.0
            )));
        }
        org.handle.input(Input::Command { agent, command }).await?;
        let view = org
            .handle
            .query(move |engine| {
                engine
                    .is_participant(agent, interaction)
                    .then(|| engine.interaction_view(interaction))
                    .flatten()
            })
            .await
            .flatten();
        Ok(match view {
            Some(view) => Json(TaskDto::from_engine(&view)).into_response(),
            None => StatusCode::NO_CONTENT.into_response(),
        })
    })
    .await
}

/// Runs a hold or resume for the party named in the optional body.
async fn with_party(
    state: AppState,
    caller: Caller,
    headers: HeaderMap,
    interaction: InteractionId,
    body: Bytes,
    make: impl FnOnce(InteractionId, Party) -> Command,
) -> Response {
    match party(body) {
        Ok(party) => {
            run(
                state,
                caller,
                headers,
                interaction,
                make(interaction, party),
            )
            .await
        }
        Err(error) => error.into_response(),
    }
}

/// The party of an optional JSON body (empty body: the customer).
fn party(body: Bytes) -> Result<Party, ApiError> {
    let request: HoldRequest = if body.iter().all(u8::is_ascii_whitespace) {
        HoldRequest::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_json",
                e.to_string(),
            )
        })?
    };
    match request.party.as_deref() {
        None | Some("customer") => Ok(Party::Customer),
        Some("consulted") => Ok(Party::Consulted),
        Some(other) => Err(ApiError::invalid(format!(
            "party: expected \"customer\" or \"consulted\", got {other:?}"
        ))),
    }
}

fn target(target: TargetRequest) -> Target {
    match target {
        TargetRequest::Agent { id } => Target::Agent(AgentId(id)),
        TargetRequest::Queue { id } => Target::Queue(QueueId(id)),
        TargetRequest::EntryPoint { id } => Target::EntryPoint(EntryPointId(id)),
        TargetRequest::DialNumber { number } => Target::DialNumber(number),
        TargetRequest::Expert { id } => Target::Expert(ExpertId(id)),
    }
}
