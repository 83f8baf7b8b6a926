//! Consult and transfer targets with current states (R16, R17, R20, R27). Each call fetches
//! fresh lists: this is the desktop's refresh action (R17).

use super::ApiError;
use super::session::org_of;
use crate::app::AppState;
use crate::auth::Caller;
use crate::dto::agent_state;
use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(agents))
        .routes(routes!(destinations))
        .routes(routes!(address_book))
        .routes(routes!(experts))
}

/// A directory search.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DirectoryQuery {
    /// Text to look for (name; digits of a number).
    #[serde(default)]
    pub search: String,
    /// `consult` (Available and Idle agents, R16) or `transfer` (Available only, R27).
    #[serde(default)]
    pub purpose: Option<String>,
}

/// An agent with its state, for the coloured icon (R16).
#[derive(Debug, Serialize, ToSchema)]
pub struct DirectoryAgentDto {
    /// Id (consult/transfer target).
    pub id: u64,
    /// Name.
    pub name: String,
    /// `available` or `idle`.
    pub state: String,
}

/// A queue or entry point (R16, R20, R27).
#[derive(Debug, Serialize, ToSchema)]
pub struct DestinationDto {
    /// `queue` or `entry_point`.
    pub kind: String,
    /// Id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// The entry point's dial number.
    pub dial_number: Option<String>,
    /// Contacts waiting (queues).
    pub waiting: Option<usize>,
}

/// A named number.
#[derive(Debug, Serialize, ToSchema)]
pub struct NumberDto {
    /// Name.
    pub name: String,
    /// Number.
    pub number: String,
}

/// A subject-matter expert (R16).
#[derive(Debug, Serialize, ToSchema)]
pub struct ExpertDto {
    /// Id.
    pub id: u64,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Role.
    pub role: String,
    /// Department.
    pub department: String,
    /// Work phone.
    pub work_phone: String,
    /// The work phone's presence when it is an extension on Sentral: `available`, `busy`
    /// (ringing or on a call) or `offline` (not registered); `null` for an outside number.
    /// Read when the list is fetched: fetch it again to refresh (R16).
    #[schema(nullable)]
    pub presence: Option<&'static str>,
}

/// Agents to consult or transfer to, with current states (R16, R17, R27).
#[utoipa::path(get, path = "/api/v1/directory/agents", tag = "directory", params(DirectoryQuery),
    responses((status = 200, body = Vec<DirectoryAgentDto>), (status = 401, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
async fn agents(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<DirectoryQuery>,
) -> Result<Json<Vec<DirectoryAgentDto>>, ApiError> {
    let transfer = match query.purpose.as_deref() {
        None | Some("consult") => false,
        Some("transfer") => true,
        Some(other) => {
            return Err(ApiError::invalid(format!(
                "purpose: expected \"consult\" or \"transfer\", got {other:?}"
            )));
        }
    };
    let me = sentral_engine::AgentId(caller.user.agent_id.unwrap_or(u64::MAX));
    let org = org_of(&state, &caller)?;
    let found = org
        .handle
        .query(move |engine| engine.directory_agents(me, transfer, &query.search))
        .await
        .unwrap_or_default();
    Ok(Json(
        found
            .into_iter()
            .map(|a| DirectoryAgentDto {
                id: a.id.0,
                name: a.name,
                state: agent_state(a.state).into(),
            })
            .collect(),
    ))
}

/// Queues and entry points; a number typed without "(" or "-" finds its entry point (R20).
#[utoipa::path(get, path = "/api/v1/directory/destinations", tag = "directory", params(DirectoryQuery),
    responses((status = 200, body = Vec<DestinationDto>), (status = 401, body = super::ErrorBody)))]
async fn destinations(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<DirectoryQuery>,
) -> Result<Json<Vec<DestinationDto>>, ApiError> {
    let org = org_of(&state, &caller)?;
    let found = org
        .handle
        .query(move |engine| engine.directory_destinations(&query.search))
        .await
        .unwrap_or_default();
    Ok(Json(
        found
            .into_iter()
            .map(|d| match d {
                sentral_engine::DirectoryDestination::Queue {
                    id,
                    name,
                    n_waiting,
                } => DestinationDto {
                    kind: "queue".into(),
                    id: id.0,
                    name,
                    dial_number: None,
                    waiting: Some(n_waiting),
                },
                sentral_engine::DirectoryDestination::EntryPoint {
                    id,
                    name,
                    dial_number,
                } => DestinationDto {
                    kind: "entry_point".into(),
                    id: id.0,
                    name,
                    dial_number: Some(dial_number),
                    waiting: None,
                },
            })
            .collect(),
    ))
}

/// The organisation's address book (R16, R27).
#[utoipa::path(get, path = "/api/v1/directory/address-book", tag = "directory", params(DirectoryQuery),
    responses((status = 200, body = Vec<NumberDto>), (status = 401, body = super::ErrorBody)))]
async fn address_book(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<DirectoryQuery>,
) -> Result<Json<Vec<NumberDto>>, ApiError> {
    let org = org_of(&state, &caller)?;
    let found = org
        .handle
        .query(move |engine| engine.directory_address_book(&query.search))
        .await
        .unwrap_or_default();
    Ok(Json(
        found
            .into_iter()
            .map(|e| NumberDto {
                name: e.name,
                number: e.number.to_string(),
            })
            .collect(),
    ))
}

/// Subject-matter experts with a work phone, by first name, role, department or full number (R16).
#[utoipa::path(get, path = "/api/v1/directory/experts", tag = "directory", params(DirectoryQuery),
    responses((status = 200, body = Vec<ExpertDto>), (status = 401, body = super::ErrorBody)))]
async fn experts(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<DirectoryQuery>,
) -> Result<Json<Vec<ExpertDto>>, ApiError> {
    let org = org_of(&state, &caller)?;
    let found = org
        .handle
        .query(move |engine| engine.directory_experts(&query.search))
        .await
        .unwrap_or_default();
    Ok(Json(
        found
            .into_iter()
            .map(|found| {
                let e = found.expert;
                ExpertDto {
                    id: e.id.0,
                    first_name: e.first_name,
                    last_name: e.last_name,
                    role: e.role,
                    department: e.department,
                    work_phone: e.work_phone.map(|p| p.to_string()).unwrap_or_default(),
                    presence: found.presence.map(sentral_engine::ExpertPresence::as_str),
                }
            })
            .collect(),
    ))
}
