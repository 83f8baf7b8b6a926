//! Sign-in and sign-out, station log-in, agent state.

use super::{ApiError, ApiJson, idempotent};
use crate::app::{AppState, OrgRuntime, unix_ms};
use crate::auth::{self, Caller, SESSION_COOKIE, SESSION_TTL_MS};
use crate::dto::{AgentDto, ReasonDto};
use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sentral_engine::{Command, Input, StateRequest};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(station_log_in, station_log_out))
        .routes(routes!(set_state))
        .routes(routes!(set_language))
}

/// Sign-in with user name and password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// User name.
    pub username: String,
    /// Password.
    pub password: String,
}

/// A session.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// Bearer token (also set as the `sentral_session` cookie).
    pub token: String,
    /// `agent`, `supervisor` or `admin`.
    pub role: String,
    /// The user's organisation.
    pub organisation: String,
    /// When the session ends (Unix ms).
    pub expires_at: i64,
}

/// Sign in.
#[utoipa::path(post, path = "/api/v1/login", tag = "session", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = super::ErrorBody), (status = 429, body = super::ErrorBody)))]
async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let now = unix_ms();
    // The TCP peer, never a forwarded-for header a client could write itself.
    let attempt = state
        .sign_in
        .begin(&*state.store, &request.username, peer.ip(), now)
        .await?;
    if !state.sign_in.verify(&attempt, request.password).await {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "wrong user name or password",
        ));
    }
    state.sign_in.succeeded(&*state.store, &attempt).await?;
    let user = attempt.user.expect("only a known user is right");
    let token = auth::new_token();
    let expires_at = now + SESSION_TTL_MS;
    state
        .store
        .create_session(&auth::hash_token(&token), user.id, now, expires_at)
        .await?;
    let cookie = format!(
        "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{}",
        SESSION_TTL_MS / 1000,
        secure(&state)
    );
    let body = LoginResponse {
        token,
        role: user.role.as_str().into(),
        organisation: user.org.clone(),
        expires_at,
    };
    Ok(([(header::SET_COOKIE, cookie)], Json(body)).into_response())
}

/// The cookie attribute that keeps the session cookie off plain HTTP, when served over HTTPS.
fn secure(state: &AppState) -> &'static str {
    if state.https { "; Secure" } else { "" }
}

/// Sign out (ends this session). The agent's last session also logs the agent out of the
/// station, so that a signed-out agent is never offered a call (R3); refused while an offer
/// is shown (R5), during a call and before a wrap-up is submitted, as station log-out is.
#[utoipa::path(post, path = "/api/v1/logout", tag = "session",
    responses((status = 204), (status = 401, body = super::ErrorBody), (status = 409, body = super::ErrorBody)))]
async fn logout(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    let others = state
        .store
        .live_sessions(caller.user.id, unix_ms(), Some(&caller.token_hash))
        .await?;
    if others == 0 {
        // The agent's last session: off the station first, so that nobody signed out is
        // routed a call; refused, with the engine's reason, while an offer is shown (R5).
        log_out_of_station(&state, &caller.user).await?;
    }
    state.store.delete_session(&caller.token_hash).await?;
    state.hub.end_session(&caller.token_hash);
    let cookie = format!(
        "{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0{}",
        secure(&state)
    );
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}

/// Who the caller is, and the agent's state if an agent.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeResponse {
    /// User name.
    pub username: String,
    /// Role.
    pub role: String,
    /// Organisation.
    pub organisation: String,
    /// The agent's state (agents only).
    pub agent: Option<AgentDto>,
    /// Teams the agent may log in to.
    pub teams: Vec<String>,
    /// Idle reasons to choose from (R3).
    pub idle_reasons: Vec<ReasonDto>,
    /// The organisation's call-associated data variables, in the administrator's order, so the
    /// desktop shows every field of a call, filled or not (R33, R34).
    pub cad_variables: Vec<CadVariableDto>,
    /// The language the user chose in the desktop (`en`, `nb`), kept on the server so that
    /// another browser shows it too; `null` until they choose.
    pub language: Option<String>,
}

/// The desktop's language for this user.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LanguageChoice {
    /// `en` or `nb`.
    pub language: String,
}

/// Keep the language the user chose in the desktop, for every browser they sign in on.
#[utoipa::path(put, path = "/api/v1/agents/me/language", tag = "session", request_body = LanguageChoice,
    responses((status = 200, body = LanguageChoice), (status = 401, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
async fn set_language(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(choice): ApiJson<LanguageChoice>,
) -> Result<Json<LanguageChoice>, ApiError> {
    if !crate::config::LANGUAGES.contains(&choice.language.as_str()) {
        return Err(ApiError::invalid(format!(
            "language: expected one of {}, got {:?}",
            crate::config::LANGUAGES.join(", "),
            choice.language
        )));
    }
    state
        .store
        .set_user_language(&caller.user.username, Some(&choice.language))
        .await?;
    Ok(Json(choice))
}

/// A call-associated data variable as the desktop shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CadVariableDto {
    /// Its name (the key in a task's `variables`).
    pub name: String,
    /// What the agent sees in a language not in `label_by_language`.
    pub label: String,
    /// The label per language it was configured in (`{"en": "Case number", "nb":
    /// "Saksnummer"}`); empty when one label serves every language.
    pub label_by_language: BTreeMap<String, String>,
    /// `text`, `number`, `boolean` or `date_time` (ISO 8601).
    pub kind: String,
    /// Whether the owner of a call may edit it (R34).
    pub editable: bool,
    /// Personal data, fetched separately and never in a popover (R33).
    pub secure: bool,
}

/// The caller and their agent state.
#[utoipa::path(get, path = "/api/v1/agents/me", tag = "session",
    responses((status = 200, body = MeResponse), (status = 401, body = super::ErrorBody)))]
async fn me(State(state): State<AppState>, caller: Caller) -> Result<Json<MeResponse>, ApiError> {
    let org = org_of(&state, &caller)?;
    let agent = match caller.user.agent_id {
        Some(id) => org
            .handle
            .query(move |engine| engine.agent_view(sentral_engine::AgentId(id)))
            .await
            .flatten(),
        None => None,
    };
    let (teams, idle_reasons, cad_variables) = {
        let config = org.config.read().expect("config lock");
        let agent_teams = caller
            .user
            .agent_id
            .and_then(|id| config.engine.agent(sentral_engine::AgentId(id)))
            .map(|a| a.teams.clone())
            .unwrap_or_default();
        let teams = agent_teams
            .iter()
            .filter_map(|t| config.engine.team(*t))
            .map(|t| t.name.clone())
            .collect();
        let reasons = config
            .engine
            .idle_reasons
            .iter()
            .map(ReasonDto::from_engine)
            .collect();
        let cad = config
            .engine
            .cad_variables
            .iter()
            .map(|d| CadVariableDto {
                name: d.name.clone(),
                label: d.label.clone(),
                label_by_language: d.label_by_language.clone(),
                kind: match d.kind {
                    sentral_engine::CadKind::Text => "text",
                    sentral_engine::CadKind::Number => "number",
                    sentral_engine::CadKind::Boolean => "boolean",
                    sentral_engine::CadKind::DateTime => "date_time",
                }
                .into(),
                editable: d.editable,
                secure: d.secure,
            })
            .collect();
        (teams, reasons, cad)
    };
    Ok(Json(MeResponse {
        username: caller.user.username.clone(),
        role: caller.user.role.as_str().into(),
        organisation: caller.user.org.clone(),
        agent: agent.as_ref().map(AgentDto::from_engine),
        teams,
        idle_reasons,
        cad_variables,
        language: caller.user.language.clone(),
    }))
}

/// Station log-in: the team to work in and the phone to answer on.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StationRequest {
    /// Team name, e.g. `Sales`.
    pub team: String,
    /// The phone's extension (dial number), e.g. `1001`.
    pub extension: String,
}

/// Log in to a team at a phone (agents).
#[utoipa::path(post, path = "/api/v1/agents/me/session", tag = "session", request_body = StationRequest,
    responses((status = 200, body = AgentDto), (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
async fn station_log_in(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiJson(request): ApiJson<StationRequest>,
) -> Response {
    let state2 = state.clone();
    idempotent(&state, caller.user.id, &headers, async move {
        let agent = caller.agent()?;
        let org = org_of(&state2, &caller)?;
        let team = {
            let config = org.config.read().expect("config lock");
            let team = config
                .engine
                .teams
                .iter()
                .find(|t| t.name == request.team)
                .map(|t| t.id);
            team.ok_or_else(|| {
                ApiError::invalid(format!("team: no team named {:?}", request.team))
            })?
        };
        org.handle
            .input(Input::Command {
                agent,
                command: Command::LogIn {
                    team,
                    extension: request.extension,
                },
            })
            .await?;
        agent_response(org, agent).await
    })
    .await
}

/// Log out of the station (refused while an offer is shown, R5).
#[utoipa::path(delete, path = "/api/v1/agents/me/session", tag = "session",
    responses((status = 200, body = AgentDto), (status = 409, body = super::ErrorBody)))]
async fn station_log_out(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> Response {
    let state2 = state.clone();
    idempotent(&state, caller.user.id, &headers, async move {
        let agent = caller.agent()?;
        let org = org_of(&state2, &caller)?;
        org.handle
            .input(Input::Command {
                agent,
                command: Command::LogOut,
            })
            .await?;
        agent_response(org, agent).await
    })
    .await
}

/// The state an agent asks for.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StateChange {
    /// `available` or `idle`.
    pub state: String,
    /// Required with `idle`: one of the organisation's idle reason codes.
    pub idle_reason: Option<String>,
}

/// Become Available or Idle (R3, R4).
#[utoipa::path(put, path = "/api/v1/agents/me/state", tag = "session", request_body = StateChange,
    responses((status = 200, body = AgentDto), (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
async fn set_state(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiJson(request): ApiJson<StateChange>,
) -> Response {
    let state2 = state.clone();
    idempotent(&state, caller.user.id, &headers, async move {
        let agent = caller.agent()?;
        let org = org_of(&state2, &caller)?;
        let wanted = match (request.state.as_str(), request.idle_reason) {
            ("available", None) => StateRequest::Available,
            ("idle", Some(reason)) => StateRequest::Idle { reason },
            ("idle", None) => {
                return Err(ApiError::invalid(
                    "idle_reason: required with state \"idle\"",
                ));
            }
            ("available", Some(_)) => {
                return Err(ApiError::invalid("idle_reason: only with state \"idle\""));
            }
            (other, _) => {
                return Err(ApiError::invalid(format!(
                    "state: expected \"available\" or \"idle\", got {other:?}"
                )));
            }
        };
        org.handle
            .input(Input::Command {
                agent,
                command: Command::SetState(wanted),
            })
            .await?;
        agent_response(org, agent).await
    })
    .await
}

/// Logs an agent out of the station when their last session ends (sign-out or expiry), by
/// the engine's station log-out and its refusals (R3, R5); nothing for a user who is not an
/// agent or an agent who is not logged in.
pub(crate) async fn log_out_of_station(
    state: &AppState,
    user: &sentral_store::UserRow,
) -> Result<(), ApiError> {
    let (Some(id), Some(org)) = (user.agent_id, state.orgs.get(&user.org)) else {
        return Ok(());
    };
    let agent = sentral_engine::AgentId(id);
    let view = org
        .handle
        .query(move |engine| engine.agent_view(agent))
        .await
        .flatten();
    if view.is_none_or(|view| view.extension.is_none()) {
        return Ok(());
    }
    org.handle
        .input(Input::Command {
            agent,
            command: Command::LogOut,
        })
        .await?;
    Ok(())
}

/// The caller's organisation.
pub(crate) fn org_of<'a>(state: &'a AppState, caller: &Caller) -> Result<&'a OrgRuntime, ApiError> {
    state
        .orgs
        .get(caller.org())
        .ok_or_else(|| ApiError::internal(format!("organisation {} is not running", caller.org())))
}

async fn agent_response(
    org: &OrgRuntime,
    agent: sentral_engine::AgentId,
) -> Result<Response, ApiError> {
    let view = org
        .handle
        .query(move |engine| engine.agent_view(agent))
        .await
        .flatten();
    let view = view.ok_or_else(|| ApiError::not_found("agent not found"))?;
    Ok(Json(AgentDto::from_engine(&view)).into_response())
}
