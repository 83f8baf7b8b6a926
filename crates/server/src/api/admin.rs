//! Administration (R43): the organisation's configuration, edited live.
//!
//! Every change takes one path, whether it is a whole TOML document (`PUT /admin/config`) or
//! one entry of a collection: the configuration reader validates the whole organisation and
//! reports every problem; the rules that span organisations (unique user names, dial numbers,
//! extensions) are checked; the engine takes the new configuration or refuses it (an agent who
//! is logged in cannot be removed); then the store keeps it, and the running organisation uses
//! it. Nothing needs a restart, and the next start reads it from the store.
//!
//! A collection edit works on the organisation's document: the current configuration is
//! written as TOML, the entry is replaced in it and the result is read back like a file. The
//! API therefore accepts exactly what the file accepts, with the same keys, and the order of
//! the other entries is kept.
//!
//! Users live in the store's user table and are changed only with `/admin/users`. Documents
//! this module shows leave them out; a document sent to `PUT /admin/config` may leave them out
//! too (the current users are kept), or list exactly the current users with their roles
//! (the passwords in it are not applied).

use super::session::org_of;
use super::{ApiError, ApiJson};
use crate::app::{AppState, OrgRuntime, directory, store_role};
use crate::auth::Caller;
use crate::config::{self, ConfigProblem, OrgConfig, Role, UserConfig};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sentral_engine::Input;
use sentral_store::{StoreError, UserFields};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::str::FromStr;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_config, put_config))
        .routes(routes!(get_settings, put_settings, patch_settings))
        .routes(routes!(rotate_web_callback_key))
        .routes(routes!(get_address_book, put_address_book))
        .routes(routes!(get_experts, put_experts))
        .routes(routes!(list_users))
        .routes(routes!(get_user, put_user, delete_user))
        .routes(routes!(list_entries))
        .routes(routes!(get_entry, put_entry, delete_entry))
}

/// The collections whose entries are keyed by name.
#[derive(Clone, Copy, Debug, Deserialize, Eq, PartialEq, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Collection {
    /// `[teams.<name>]`: `supervisors`, the user names of the supervisors assigned (R44).
    Teams,
    /// `[agents.<user name>]`; the user must exist (create both with `PUT /admin/users`).
    Agents,
    /// `[queues.<name>]`.
    Queues,
    /// `[entry_points.<name>]`.
    EntryPoints,
    /// `idle_reasons.<code> = "<label>"`.
    IdleReasons,
    /// `wrapup_reasons.<code> = "<label>"`.
    WrapupReasons,
    /// `[cad_variables.<name>]`.
    CadVariables,
}

/// A configuration the reader or the cross-organisation checks refused: every problem.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemsBody {
    /// `invalid` (422: the configuration would be wrong) or `conflict` (409: what is deleted is
    /// still used elsewhere).
    pub code: String,
    /// A summary; the problems say what and where.
    pub message: String,
    /// Every problem found.
    pub problems: Vec<ProblemDto>,
}

/// One problem in a configuration.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemDto {
    /// The 1-based line in the document sent, when the request sent a document.
    pub line: Option<usize>,
    /// The dotted path of the field, e.g. `queues.Support.rona_timeout`.
    pub field: String,
    /// What is wrong and what is allowed.
    pub message: String,
}

/// A user as administrators see it (never the password hash).
#[derive(Debug, Serialize, ToSchema)]
pub struct UserDto {
    /// The sign-in name, unique across the server.
    pub username: String,
    /// `agent`, `supervisor` or `admin`.
    pub role: String,
    /// The agent id, for users of role `agent`.
    pub agent_id: Option<u64>,
}

/// Creates or changes a user.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserRequest {
    /// `agent`, `supervisor` or `admin`.
    pub role: String,
    /// The new password; required for a new user, left out to keep the current one.
    pub password: Option<String>,
    /// Role `agent` only: the agent's entry, with the keys of `[agents.<user name>]` in the
    /// configuration file (`name`, `extension`, `sip_password`, `teams`, `skills`,
    /// `capacity`). Required when the user has no agent entry yet; left out, the entry is kept.
    pub agent: Option<serde_json::Value>,
}

/// Get the organisation's configuration as a TOML document (R43).
///
/// The document has the keys of `[organisations.<slug>]` in the configuration file, at the top
/// level. Users are left out (see `/api/v1/admin/users`); agents' SIP credentials are HA1
/// digests, never passwords.
#[utoipa::path(get, path = "/api/v1/admin/config", tag = "admin",
    responses(
        (status = 200, description = "The TOML document", body = String, content_type = "text/plain"),
        (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody)))]
async fn get_config(
    State(state): State<AppState>,
    Admin(caller): Admin,
) -> Result<Response, AdminError> {
    let current = current(&state, &caller)?;
    Ok(toml_response(&shown_document(&current)))
}

/// Replace the organisation's configuration with a TOML document (R43).
///
/// The document is validated as a whole (422 lists every problem with its line), then applied
/// live and stored. Users are kept: leave `users` out, or list exactly the current users and
/// roles (their passwords are not applied). The answer is the document as now stored.
#[utoipa::path(put, path = "/api/v1/admin/config", tag = "admin",
    request_body(content((String = "application/toml"), (String = "text/plain")),
        description = "The organisation's document, as GET returns it"),
    responses(
        (status = 200, description = "Applied; the document now in use", body = String, content_type = "text/plain"),
        (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody),
        (status = 409, description = "The engine refused: e.g. it would remove a logged-in agent", body = super::ErrorBody),
        (status = 422, description = "Every problem, with line, field and message", body = ProblemsBody)))]
async fn put_config(
    State(state): State<AppState>,
    Admin(caller): Admin,
    body: Bytes,
) -> Result<Response, AdminError> {
    let text = String::from_utf8(body.to_vec())
        .map_err(|error| ApiError::invalid(format!("the document is not UTF-8: {error}")))?;
    let _turn = ADMIN_TURN.lock().await;
    let runtime = org_of(&state, &caller)?;
    let current = runtime.config.read().expect("config lock").clone();
    let new = read_sent_document(&text, &current)?;
    let new = apply(&state, runtime, &current, new, UserChange::Keep).await?;
    Ok(toml_response(&shown_document(&new)))
}

/// Get the organisation-level settings (R43).
///
/// Every key of the organisation's document that is not a collection: `name`, `sip_realm`,
/// `web_callback_api_key`, `web_callback_prefixes`, `noise_removal`, `calls_max`, `recording`,
/// `recording_pause_allowed`, `privacy_shield`, `web_callback_cancel`, `transfer_no_answer`,
/// `rona_timeout`, `dial_timeout`, `callback_attempts_max`, `trunks`.
#[utoipa::path(get, path = "/api/v1/admin/settings", tag = "admin",
    responses(
        (status = 200, description = "The settings, with the configuration file's keys", body = serde_json::Value),
        (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody)))]
async fn get_settings(
    State(state): State<AppState>,
    Admin(caller): Admin,
) -> Result<Response, AdminError> {
    let document = Document::of(&current(&state, &caller)?)?;
    Ok(Json(table_json(&document.settings)).into_response())
}

/// Replace the organisation-level settings (R43).
///
/// A key left out takes its default, as in the file: send what GET returned, changed, or use
/// PATCH to change some keys only. Changing `sip_realm` needs new SIP passwords for every agent, so do it with
/// `PUT /api/v1/admin/config`.
#[utoipa::path(put, path = "/api/v1/admin/settings", tag = "admin",
    request_body(content = serde_json::Value, description = "A JSON object with the keys GET returns"),
    responses(
        (status = 200, description = "The settings now in use", body = serde_json::Value),
        (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody),
        (status = 409, body = super::ErrorBody),
        (status = 422, description = "Every problem, by field", body = ProblemsBody)))]
async fn put_settings(
    State(state): State<AppState>,
    Admin(caller): Admin,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Response, AdminError> {
    let changes = settings_changes(body)?;
    let mut settings = toml::Table::new();
    for (key, value) in changes {
        let value = value.ok_or_else(|| {
            ApiError::invalid(format!(
                "{key}: null is not a setting; leave the key out for its default"
            ))
        })?;
        settings.insert(key, value);
    }
    change_settings(&state, &caller, |current| *current = settings).await
}

/// Change some organisation-level settings (R43), as a JSON merge patch (RFC 7396).
///
/// The keys sent replace the current values, `null` returns a key to its default (no
/// `web_callback_api_key` disables web callbacks), and the keys left out keep their values.
#[utoipa::path(patch, path = "/api/v1/admin/settings", tag = "admin",
    request_body(content = serde_json::Value, description = "A JSON object with some of the keys GET returns"),
    responses(
        (status = 200, description = "The settings now in use", body = serde_json::Value),
        (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody),
        (status = 409, body = super::ErrorBody),
        (status = 422, description = "Every problem, by field", body = ProblemsBody)))]
async fn patch_settings(
    State(state): State<AppState>,
    Admin(caller): Admin,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Response, AdminError> {
    let changes = settings_changes(body)?;
    change_settings(&state, &caller, |current| {
        for (key, value) in changes {
            match value {
                Some(value) => current.insert(key, value),
                None => current.remove(&key),
            };
        }
    })
    .await
}

/// A web callback key, shown once.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebCallbackKey {
    /// The new `web_callback_api_key`; the old one stops working at once.
    pub web_callback_api_key: String,
}

/// Replace the organisation's web callback key with a new random one (256 bits) and answer
/// it; the old key stops working at once (R37).
#[utoipa::path(post, path = "/api/v1/admin/web_callback_key", tag = "admin",
    responses(
        (status = 201, description = "The new key", body = WebCallbackKey),
        (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody)))]
async fn rotate_web_callback_key(
    State(state): State<AppState>,
    Admin(caller): Admin,
) -> Result<Response, AdminError> {
    let key = super::callbacks::new_key();
    let value = toml::Value::String(key.clone());
    change_settings(&state, &caller, |current| {
        current.insert("web_callback_api_key".into(), value);
    })
    .await?;
    tracing::info!(
        org = caller.org(),
        by = caller.user.username,
        "web callback key rotated"
    );
    let body = WebCallbackKey {
        web_callback_api_key: key,
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// Get the address book: consult and transfer destinations (R16, R27, R43).
#[utoipa::path(get, path = "/api/v1/admin/address_book", tag = "admin",
    responses(
        (status = 200, description = "The entries, each `{name, number}`", body = Vec<serde_json::Value>),
        (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody)))]
async fn get_address_book(
    State(state): State<AppState>,
    Admin(caller): Admin,
) -> Result<Response, AdminError> {
    get_list(&state, &caller, "address_book")
}

/// Replace the address book (R43).
#[utoipa::path(put, path = "/api/v1/admin/address_book", tag = "admin",
    request_body(content = Vec<serde_json::Value>, description = "Every entry, each `{name, number}`"),
    responses(
        (status = 200, description = "The address book now in use", body = Vec<serde_json::Value>),
        (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody),
        (status = 422, description = "Every problem, by field", body = ProblemsBody)))]
async fn put_address_book(
    State(state): State<AppState>,
    Admin(caller): Admin,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Response, AdminError> {
    put_list(&state, &caller, "address_book", body).await
}

/// Get the organisation directory's experts (R16, R43).
#[utoipa::path(get, path = "/api/v1/admin/experts", tag = "admin",
    responses(
        (status = 200, description = "The experts, each `{first_name, last_name, role, department, work_phone}`", body = Vec<serde_json::Value>),
        (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody)))]
async fn get_experts(
    State(state): State<AppState>,
    Admin(caller): Admin,
) -> Result<Response, AdminError> {
    get_list(&state, &caller, "experts")
}

/// Replace the experts (R43).
#[utoipa::path(put, path = "/api/v1/admin/experts", tag = "admin",
    request_body(content = Vec<serde_json::Value>, description = "Every expert, each `{first_name, last_name, role, department, work_phone}`"),
    responses(
        (status = 200, description = "The experts now in use", body = Vec<serde_json::Value>),
        (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody),
        (status = 422, description = "Every problem, by field", body = ProblemsBody)))]
async fn put_experts(
    State(state): State<AppState>,
    Admin(caller): Admin,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Response, AdminError> {
    put_list(&state, &caller, "experts", body).await
}

/// List the organisation's users (never their password hashes).
#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin",
    responses(
        (status = 200, body = Vec<UserDto>),
        (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody)))]
async fn list_users(
    State(state): State<AppState>,
    Admin(caller): Admin,
) -> Result<Response, AdminError> {
    let users = state
        .store
        .users(caller.org())
        .await
        .map_err(ApiError::from)?;
    let users: Vec<UserDto> = users
        .into_iter()
        .map(|row| UserDto {
            username: row.username,
            role: row.role.as_str().into(),
            agent_id: row.agent_id,
        })
        .collect();
    Ok(Json(users).into_response())
}

/// Get one user of the organisation.
#[utoipa::path(get, path = "/api/v1/admin/users/{username}", tag = "admin",
    params(("username" = String, Path, description = "The user name")),
    responses(
        (status = 200, body = UserDto),
        (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody),
        (status = 404, body = super::ErrorBody)))]
async fn get_user(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(username): Path<String>,
) -> Result<Response, AdminError> {
    let current = current(&state, &caller)?;
    let user = current.user(&username).ok_or_else(|| no_user(&username))?;
    Ok(Json(user_dto(user)).into_response())
}

/// Create or change a user; for role `agent`, with the agent's entry.
///
/// User names are unique across the server (409 if another organisation has it). A user who
/// stops being an agent loses the agent entry; the engine refuses that while they are logged
/// in (409). Administrators cannot change their own role.
#[utoipa::path(put, path = "/api/v1/admin/users/{username}", tag = "admin",
    params(("username" = String, Path, description = "The user name")),
    request_body = UserRequest,
    responses(
        (status = 200, description = "Changed", body = UserDto),
        (status = 201, description = "Created", body = UserDto),
        (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody),
        (status = 409, description = "The name is taken, or the engine refused", body = super::ErrorBody),
        (status = 422, description = "Every problem, by field", body = ProblemsBody)))]
async fn put_user(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(username): Path<String>,
    ApiJson(request): ApiJson<UserRequest>,
) -> Result<Response, AdminError> {
    let role = Role::from_str(&request.role)
        .map_err(|error| ApiError::invalid(format!("role: {error}")))?;
    if username == caller.user.username && role != Role::Admin {
        return Err(conflict("you cannot change your own role; another administrator can").into());
    }
    if let Some(other) = state
        .store
        .user_by_name(&username)
        .await
        .map_err(ApiError::from)?
        .filter(|row| row.org != caller.org())
    {
        return Err(taken(&other.username).into());
    }
    let agent = match request.agent {
        Some(_) if role != Role::Agent => {
            return Err(ApiError::invalid("agent: only for users of role \"agent\"").into());
        }
        Some(agent) => Some(toml_value(agent, "agent")?),
        None => None,
    };
    let edit = UserEdit {
        username: username.clone(),
        role,
        password_hash: password_hash(request.password).await?,
        agent,
    };
    let password_changed = edit.password_hash.is_some();
    let mut created = false;
    let new = change(&state, &caller, Verb::Put, |current, document| {
        created = current.user(&username).is_none();
        edit.apply(current, document)
    })
    .await?;
    let user = new.user(&username).ok_or_else(|| no_user(&username))?;
    if password_changed && !created {
        end_other_sessions(&state, &caller, &username).await?;
    }
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(user_dto(user))).into_response())
}

/// Delete a user, and their agent entry if they are an agent.
///
/// Refused (409) for yourself, and by the engine while the agent is logged in or on a call.
#[utoipa::path(delete, path = "/api/v1/admin/users/{username}", tag = "admin",
    params(("username" = String, Path, description = "The user name")),
    responses(
        (status = 204, description = "Deleted; their sessions end"),
        (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody),
        (status = 404, body = super::ErrorBody),
        (status = 409, description = "Yourself, or the engine refused", body = super::ErrorBody)))]
async fn delete_user(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(username): Path<String>,
) -> Result<Response, AdminError> {
    if username == caller.user.username {
        return Err(conflict("you cannot delete yourself; another administrator can").into());
    }
    let deleted = state
        .store
        .user_by_name(&username)
        .await
        .map_err(ApiError::from)?
        .filter(|row| row.org == caller.org());
    change(&state, &caller, Verb::Delete, |current, document| {
        if current.user(&username).is_none() {
            return Err(no_user(&username).into());
        }
        document.remove("users", &username);
        document.remove("agents", &username);
        Ok(UserChange::Delete(username.clone()))
    })
    .await?;
    // The store deleted the sessions with the user; their sockets close and the stream goes.
    if let Some(row) = deleted {
        state.hub.remove_user(row.id);
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// After a password change: every other session of the user ends, with its event sockets
/// (the caller's own session stays when administrators change their own password).
async fn end_other_sessions(
    state: &AppState,
    caller: &Caller,
    username: &str,
) -> Result<(), ApiError> {
    let Some(user) = state.store.user_by_name(username).await? else {
        return Ok(());
    };
    let keep = (user.id == caller.user.id).then_some(caller.token_hash.as_str());
    let ended = state.store.delete_user_sessions(user.id, keep).await?;
    state.hub.end_user_sessions(user.id, keep);
    tracing::info!(username, ended, "password changed; other sessions ended");
    Ok(())
}

/// List a collection: an object from name to entry, in the organisation's order.
#[utoipa::path(get, path = "/api/v1/admin/{collection}", tag = "admin",
    params(("collection" = inline(Collection), Path, description = "Which collection")),
    responses(
        (status = 200, description = "Name → entry, with the configuration file's keys", body = serde_json::Value),
        (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody),
        (status = 404, body = super::ErrorBody)))]
async fn list_entries(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(collection): Path<String>,
) -> Result<Response, AdminError> {
    let collection = Collection::parse(&collection)?;
    let document = Document::of(&current(&state, &caller)?)?;
    let entries = document
        .entries(collection.key())
        .iter()
        .map(|(name, value)| (name.clone(), json_value(value)))
        .collect();
    Ok(Json(Ordered(entries)).into_response())
}

/// Get one entry of a collection.
#[utoipa::path(get, path = "/api/v1/admin/{collection}/{name}", tag = "admin",
    params(("collection" = inline(Collection), Path, description = "Which collection"),
        ("name" = String, Path, description = "The entry's name (a reason's code, an agent's user name)")),
    responses(
        (status = 200, description = "The entry, with the configuration file's keys; a reason is its label", body = serde_json::Value),
        (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody),
        (status = 404, body = super::ErrorBody)))]
async fn get_entry(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((collection, name)): Path<(String, String)>,
) -> Result<Response, AdminError> {
    let collection = Collection::parse(&collection)?;
    let document = Document::of(&current(&state, &caller)?)?;
    let entry = document
        .entry(collection.key(), &name)
        .ok_or_else(|| collection.not_found(&name))?;
    Ok(Json(json_value(entry)).into_response())
}

/// Create or replace one entry of a collection.
///
/// The body has the keys of the entry in the configuration file, e.g. for a queue
/// `{"channel": "voice", "teams": ["Sales"], "rona_timeout": "20s"}`; a reason is its label
/// (`"Lunch"` or `{"label": "Lunch"}`); a team is `{}`. An agent entry sent without SIP
/// credentials keeps its current ones if the extension is unchanged. New agents are created
/// with their user: `PUT /api/v1/admin/users/{username}`.
#[utoipa::path(put, path = "/api/v1/admin/{collection}/{name}", tag = "admin",
    params(("collection" = inline(Collection), Path, description = "Which collection"),
        ("name" = String, Path, description = "The entry's name (a reason's code, an agent's user name)")),
    request_body(content = serde_json::Value, description = "The entry, with the configuration file's keys"),
    responses(
        (status = 200, description = "Replaced; the entry as stored", body = serde_json::Value),
        (status = 201, description = "Created; the entry as stored", body = serde_json::Value),
        (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody),
        (status = 404, body = super::ErrorBody),
        (status = 409, description = "The engine refused: e.g. it would take a logged-in agent out of their team", body = super::ErrorBody),
        (status = 422, description = "Every problem, by field", body = ProblemsBody)))]
async fn put_entry(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((collection, name)): Path<(String, String)>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Response, AdminError> {
    let collection = Collection::parse(&collection)?;
    let section = collection.key();
    let body = match collection {
        Collection::IdleReasons | Collection::WrapupReasons => reason_label(body),
        _ => body,
    };
    let mut value = toml_value(body, &format!("{section}.{name}"))?;
    let mut created = false;
    let new = change(&state, &caller, Verb::Put, |current, document| {
        if collection == Collection::Agents {
            match current.user(&name) {
                None => {
                    return Err(ApiError::invalid(format!(
                        "no user {name:?}; create an agent together with its user: \
                         PUT /api/v1/admin/users/{name} with role \"agent\" and an agent object"
                    ))
                    .into());
                }
                Some(user) if user.role != Role::Agent => {
                    return Err(ApiError::invalid(format!(
                        "user {name:?} has role {:?}; only users of role \"agent\" are agents",
                        user.role.as_str()
                    ))
                    .into());
                }
                Some(_) => keep_sip_credentials(document.entry(section, &name), &mut value),
            }
        }
        created = document.set(section, &name, value);
        Ok(UserChange::Keep)
    })
    .await?;
    let document = Document::of(&new)?;
    let entry = document
        .entry(section, &name)
        .ok_or_else(|| collection.not_found(&name))?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(json_value(entry))).into_response())
}

/// Delete one entry of a collection.
///
/// Refused (409, with the problems) while other parts of the configuration still use it, and
/// by the engine (409) for live state: a queue with waiting calls, a logged-in agent.
/// Deleting an agent deletes their user too.
#[utoipa::path(delete, path = "/api/v1/admin/{collection}/{name}", tag = "admin",
    params(("collection" = inline(Collection), Path, description = "Which collection"),
        ("name" = String, Path, description = "The entry's name (a reason's code, an agent's user name)")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody),
        (status = 404, body = super::ErrorBody),
        (status = 409, description = "Still used (the problems say where), or refused by the engine", body = ProblemsBody)))]
async fn delete_entry(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((collection, name)): Path<(String, String)>,
) -> Result<Response, AdminError> {
    let collection = Collection::parse(&collection)?;
    let section = collection.key();
    change(&state, &caller, Verb::Delete, |current, document| {
        document
            .remove(section, &name)
            .ok_or_else(|| collection.not_found(&name))?;
        if collection == Collection::Agents && current.user(&name).is_some() {
            document.remove("users", &name);
            return Ok(UserChange::Delete(name.clone()));
        }
        Ok(UserChange::Keep)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// An administrator of their organisation: 401 without a session, 403 for other roles. As it
/// is read from the request's head, a non-administrator gets 403 whatever the body holds.
pub struct Admin(pub Caller);

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Admin, ApiError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        caller.require_admin()?;
        Ok(Admin(caller))
    }
}

/// What an admin request can fail with: an API error, or a refused configuration with every
/// problem.
#[derive(Debug)]
pub enum AdminError {
    /// A plain API error.
    Api(ApiError),
    /// The configuration would be wrong (422) or what is deleted is still used (409).
    Problems {
        /// 422 or 409.
        status: StatusCode,
        /// The body.
        body: ProblemsBody,
    },
}

impl AdminError {
    /// 422: the changed configuration would be wrong.
    fn invalid(problems: Vec<ConfigProblem>) -> AdminError {
        let message = format!(
            "the configuration would have {}; nothing was changed",
            count(problems.len(), "problem")
        );
        AdminError::problems(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            message,
            problems,
        )
    }

    /// 409: what a delete removes is still used.
    fn in_use(problems: Vec<ConfigProblem>) -> AdminError {
        let message = "other parts of the configuration still use it; change them first \
                       (nothing was changed)";
        AdminError::problems(StatusCode::CONFLICT, "conflict", message.into(), problems)
    }

    fn problems(
        status: StatusCode,
        code: &str,
        message: String,
        problems: Vec<ConfigProblem>,
    ) -> AdminError {
        let problems = problems
            .into_iter()
            .map(|problem| ProblemDto {
                line: problem.line,
                field: problem.field,
                message: problem.message,
            })
            .collect();
        AdminError::Problems {
            status,
            body: ProblemsBody {
                code: code.into(),
                message,
                problems,
            },
        }
    }
}

impl From<ApiError> for AdminError {
    fn from(error: ApiError) -> AdminError {
        AdminError::Api(error)
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        match self {
            AdminError::Api(error) => error.into_response(),
            AdminError::Problems { status, body } => (status, Json(body)).into_response(),
        }
    }
}

impl Collection {
    /// Every keyed collection.
    const ALL: [Collection; 7] = [
        Collection::Teams,
        Collection::Agents,
        Collection::Queues,
        Collection::EntryPoints,
        Collection::IdleReasons,
        Collection::WrapupReasons,
        Collection::CadVariables,
    ];

    /// The collection named in a path, or a 404 listing the collections.
    fn parse(text: &str) -> Result<Collection, ApiError> {
        Collection::ALL
            .into_iter()
            .find(|collection| collection.key() == text)
            .ok_or_else(|| {
                let known: Vec<&str> = Collection::ALL.iter().map(|c| c.key()).collect();
                ApiError::not_found(format!(
                    "no collection {text:?}; the collections are {}, and address_book, experts, \
                     settings, users and config have their own paths",
                    known.join(", ")
                ))
            })
    }

    /// The collection's key in the organisation's document.
    fn key(self) -> &'static str {
        match self {
            Collection::Teams => "teams",
            Collection::Agents => "agents",
            Collection::Queues => "queues",
            Collection::EntryPoints => "entry_points",
            Collection::IdleReasons => "idle_reasons",
            Collection::WrapupReasons => "wrapup_reasons",
            Collection::CadVariables => "cad_variables",
        }
    }

    fn not_found(self, name: &str) -> ApiError {
        ApiError::not_found(format!("no {name:?} in {}", self.key()))
    }
}

/// An organisation's document split into sections, so that one entry can be replaced while
/// every other entry keeps its place.
struct Document {
    /// Every top-level key that is not a section: the settings.
    settings: toml::Table,
    /// The sections keyed by name, each in the organisation's order.
    keyed: BTreeMap<&'static str, Vec<(String, toml::Value)>>,
    /// The sections that are arrays of tables.
    lists: BTreeMap<&'static str, Vec<toml::Value>>,
}

impl Document {
    /// The document of an organisation's configuration, users included.
    fn of(org: &OrgConfig) -> Result<Document, ApiError> {
        let text = config::org_to_toml(org);
        let mut settings: toml::Table = toml::from_str(&text).map_err(|error| {
            ApiError::internal(format!(
                "the organisation's document does not read back: {error}"
            ))
        })?;
        let mut keyed = BTreeMap::new();
        for section in KEYED_SECTIONS {
            let mut table = match settings.remove(section) {
                Some(toml::Value::Table(table)) => table,
                _ => toml::Table::new(),
            };
            let mut entries: Vec<(String, toml::Value)> = order_of(org, section)
                .into_iter()
                .filter_map(|name| table.remove(&name).map(|value| (name, value)))
                .collect();
            entries.extend(table);
            keyed.insert(section, entries);
        }
        let mut lists = BTreeMap::new();
        for section in LIST_SECTIONS {
            let list = match settings.remove(section) {
                Some(toml::Value::Array(list)) => list,
                _ => Vec::new(),
            };
            lists.insert(section, list);
        }
        Ok(Document {
            settings,
            keyed,
            lists,
        })
    }

    /// The entries of a keyed section.
    fn entries(&self, section: &str) -> &[(String, toml::Value)] {
        self.keyed.get(section).map_or(&[], Vec::as_slice)
    }

    /// One entry of a keyed section.
    fn entry(&self, section: &str, name: &str) -> Option<&toml::Value> {
        self.entries(section)
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value)
    }

    /// Replaces an entry in place, or appends it; true if it is new.
    fn set(&mut self, section: &'static str, name: &str, value: toml::Value) -> bool {
        let entries = self.keyed.entry(section).or_default();
        match entries.iter_mut().find(|(key, _)| key == name) {
            Some((_, old)) => {
                *old = value;
                false
            }
            None => {
                entries.push((name.to_owned(), value));
                true
            }
        }
    }

    /// Removes an entry; `None` if there was none.
    fn remove(&mut self, section: &str, name: &str) -> Option<toml::Value> {
        let entries = self.keyed.get_mut(section)?;
        let index = entries.iter().position(|(key, _)| key == name)?;
        Some(entries.remove(index).1)
    }

    /// The document as TOML: one `key = value` or `section."name" = value` line each, so that
    /// entries stay in order (a TOML table would sort them).
    fn to_toml(&self) -> String {
        let mut out = String::new();
        for (key, value) in &self.settings {
            let _ = writeln!(out, "{} = {value}", quoted(key));
        }
        for (section, entries) in &self.keyed {
            for (name, value) in entries {
                let _ = writeln!(out, "{}.{} = {value}", quoted(section), quoted(name));
            }
        }
        for (section, list) in &self.lists {
            if !list.is_empty() {
                let list = toml::Value::Array(list.clone());
                let _ = writeln!(out, "{} = {list}", quoted(section));
            }
        }
        out
    }
}

/// What a change does to the store's user table, besides the organisation's document.
enum UserChange {
    /// The users stay as they are.
    Keep,
    /// A user is created or changed.
    Upsert(UserFields),
    /// A user is deleted.
    Delete(String),
}

/// A user to create or change, as `PUT /admin/users/{username}` asked.
struct UserEdit {
    /// The user name.
    username: String,
    /// The new role.
    role: Role,
    /// The new password's hash; `None` keeps the current one.
    password_hash: Option<String>,
    /// The agent entry sent (role agent only); `None` keeps the current one.
    agent: Option<toml::Value>,
}

/// Whether a change replaces or deletes: problems found after a delete mean that what was
/// deleted is still used (409), after a replace that the new entry is wrong (422).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
enum Verb {
    Put,
    Delete,
}

impl UserEdit {
    /// Writes the user, and their agent entry, into the document.
    fn apply(self, current: &OrgConfig, document: &mut Document) -> Result<UserChange, AdminError> {
        let UserEdit {
            username,
            role,
            password_hash,
            agent,
        } = self;
        let password_hash = match (password_hash, current.user(&username)) {
            (Some(hash), _) => hash,
            (None, Some(user)) => user.password.to_hash(),
            (None, None) => {
                return Err(ApiError::invalid("password: required for a new user").into());
            }
        };
        let mut entry = toml::Table::new();
        entry.insert("role".into(), toml::Value::String(role.as_str().into()));
        let hash = toml::Value::String(password_hash.clone());
        entry.insert("password_hash".into(), hash);
        document.set("users", &username, toml::Value::Table(entry));
        match (role, agent) {
            (Role::Agent, Some(mut agent)) => {
                keep_sip_credentials(document.entry("agents", &username), &mut agent);
                document.set("agents", &username, agent);
            }
            (Role::Agent, None) if document.entry("agents", &username).is_none() => {
                return Err(ApiError::invalid(
                    "agent: required, as the user has no agent entry yet (name, extension, \
                     sip_password, teams, ...)",
                )
                .into());
            }
            (Role::Agent, None) => {}
            (_, _) => {
                // A user who is no longer an agent has no agent entry.
                document.remove("agents", &username);
            }
        }
        let agent_id = (role == Role::Agent).then(|| config::id_of("agent", &username));
        Ok(UserChange::Upsert(UserFields {
            org: current.slug.clone(),
            username,
            role: store_role(role),
            password_hash,
            agent_id,
        }))
    }
}

/// Serialises an ordered list of entries as a JSON object in that order.
struct Ordered(Vec<(String, serde_json::Value)>);

impl Serialize for Ordered {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// Edits the caller's organisation's document, reads it back and applies it.
async fn change<F>(
    state: &AppState,
    caller: &Caller,
    verb: Verb,
    edit: F,
) -> Result<OrgConfig, AdminError>
where
    F: FnOnce(&OrgConfig, &mut Document) -> Result<UserChange, AdminError>,
{
    let _turn = ADMIN_TURN.lock().await;
    let runtime = org_of(state, caller)?;
    let current = runtime.config.read().expect("config lock").clone();
    let mut document = Document::of(&current)?;
    let user = edit(&current, &mut document)?;
    let mut new = config::parse_org(&document.to_toml(), "admin", &current.slug).map_err(
        |mut problems| {
            // The lines are those of a document the client never saw.
            for problem in &mut problems {
                problem.line = None;
            }
            match verb {
                Verb::Put => AdminError::invalid(problems),
                Verb::Delete => AdminError::in_use(problems),
            }
        },
    )?;
    if matches!(user, UserChange::Keep) {
        new.users = current.users.clone();
        new.refresh_names();
    }
    apply(state, runtime, &current, new, user).await
}

/// Checks a validated configuration against the other organisations, has the engine take it,
/// stores it and makes it the running one.
async fn apply(
    state: &AppState,
    runtime: &OrgRuntime,
    current: &OrgConfig,
    new: OrgConfig,
    user: UserChange,
) -> Result<OrgConfig, AdminError> {
    let mut problems = across(state, &new);
    problems.extend(stale_sip_credentials(current, &new));
    if !problems.is_empty() {
        return Err(AdminError::invalid(problems));
    }
    runtime
        .handle
        .input(Input::ConfigChanged(Box::new(new.engine.clone())))
        .await
        .map_err(|rejection| conflict(rejection.message))?;
    runtime
        .handle
        .set_wallboard_settings(crate::org::WallboardSettings::of(&new));
    if let UserChange::Upsert(fields) = &user
        && let Err(error) = state.store.upsert_user(fields).await
    {
        undo(runtime, current).await;
        return Err(match error {
            StoreError::UsernameTaken(username) => taken(&username),
            error => ApiError::from(error),
        }
        .into());
    }
    let text = config::org_to_toml(&new);
    if let Err(error) = state
        .store
        .save_organisation(&new.slug, &new.name, &text)
        .await
    {
        undo(runtime, current).await;
        return Err(ApiError::from(error).into());
    }
    if let UserChange::Delete(username) = &user {
        state
            .store
            .delete_user(&new.slug, username)
            .await
            .map_err(ApiError::from)?;
    }
    *runtime.config.write().expect("config lock") = new.clone();
    let users = state.store.users(&new.slug).await.map_err(ApiError::from)?;
    runtime.handle.set_directory(directory(&users, &new));
    if let Some(sip) = &state.sip {
        sip.org_changed(&new);
    }
    tracing::info!(org = new.slug, "configuration changed by an administrator");
    Ok(new)
}

/// Gives the engine back the configuration it had, after the store failed to keep a change.
async fn undo(runtime: &OrgRuntime, current: &OrgConfig) {
    let restored = runtime
        .handle
        .input(Input::ConfigChanged(Box::new(current.engine.clone())))
        .await;
    runtime
        .handle
        .set_wallboard_settings(crate::org::WallboardSettings::of(current));
    if let Err(rejection) = restored {
        tracing::error!(org = current.slug, %rejection, "configuration not restored after a store failure");
    }
}

/// Reads a document sent by an administrator, keeping the current users.
fn read_sent_document(text: &str, current: &OrgConfig) -> Result<OrgConfig, AdminError> {
    // A document that does not parse is read as is, for its syntax errors.
    let sent_users = match toml::from_str::<toml::Table>(text) {
        Ok(mut table) => table.remove("users").map(Some),
        Err(_) => Some(None),
    };
    let mut problems = match &sent_users {
        Some(Some(users)) => users_mismatch(users, &current.users),
        _ => Vec::new(),
    };
    let n_lines = text.lines().count();
    let full = match sent_users {
        Some(_) => text.to_owned(),
        None => format!("{text}\n{}", users_toml(&current.users)),
    };
    match config::parse_org(&full, "request body", &current.slug) {
        Ok(mut new) if problems.is_empty() => {
            new.users = current.users.clone();
            new.refresh_names();
            Ok(new)
        }
        Ok(_) => Err(AdminError::invalid(problems)),
        Err(found) => {
            for mut problem in found {
                if problem.line.is_some_and(|line| line > n_lines) {
                    // About the current users, added after the document.
                    problem.line = None;
                    problem
                        .message
                        .push_str(" (users are managed with /api/v1/admin/users)");
                }
                problems.push(problem);
            }
            Err(AdminError::invalid(problems))
        }
    }
}

/// The users of a sent document must be the current users with their roles.
fn users_mismatch(sent: &toml::Value, current: &[UserConfig]) -> Vec<ConfigProblem> {
    let mut problems = Vec::new();
    let mut problem = |field: String, message: String| {
        problems.push(ConfigProblem {
            file: String::new(),
            line: None,
            field,
            message: format!(
                "{message}; users are managed with /api/v1/admin/users (or leave users out)"
            ),
        })
    };
    let Some(sent) = sent.as_table() else {
        problem("users".into(), "expected a table".into());
        return problems;
    };
    for (username, user) in sent {
        let role = user.get("role").and_then(toml::Value::as_str);
        match current.iter().find(|c| &c.username == username) {
            None => problem(
                format!("users.{username}"),
                "not a user of this organisation".into(),
            ),
            Some(c) if role != Some(c.role.as_str()) => problem(
                format!("users.{username}.role"),
                format!("the user's role is {:?}", c.role.as_str()),
            ),
            Some(_) => {}
        }
    }
    for user in current {
        if !sent.contains_key(&user.username) {
            problem(format!("users.{}", user.username), "missing".into());
        }
    }
    problems
}

/// The rules that span organisations, for this organisation's new configuration.
fn across(state: &AppState, new: &OrgConfig) -> Vec<ConfigProblem> {
    let mut organisations: Vec<OrgConfig> = state
        .orgs
        .iter()
        .filter(|(slug, _)| **slug != new.slug)
        .map(|(_, org)| org.config.read().expect("config lock").clone())
        .collect();
    // Last, so that a clash is reported on this organisation.
    organisations.push(new.clone());
    let prefix = format!("organisations.{}.", new.slug);
    config::check_across(&organisations)
        .into_iter()
        .filter_map(|mut problem| {
            problem.field = problem.field.strip_prefix(&prefix)?.to_owned();
            Some(problem)
        })
        .collect()
}

/// HA1 digests are computed with the realm: after a realm change, digests kept from before
/// would lock every phone out.
fn stale_sip_credentials(current: &OrgConfig, new: &OrgConfig) -> Vec<ConfigProblem> {
    if new.sip.realm == current.sip.realm {
        return Vec::new();
    }
    let stale: Vec<&str> = new
        .sip
        .extensions
        .iter()
        .filter(|sip| {
            current
                .sip
                .extensions
                .iter()
                .any(|old| old.agent == sip.agent && old.ha1_md5 == sip.ha1_md5)
        })
        .map(|sip| new.names.agent_name(sip.agent).unwrap_or(&sip.extension))
        .collect();
    if stale.is_empty() {
        return Vec::new();
    }
    vec![ConfigProblem {
        file: String::new(),
        line: None,
        field: "sip_realm".into(),
        message: format!(
            "the SIP credentials of {} were computed with the old realm; give them a new \
             sip_password in the same change (PUT /api/v1/admin/config)",
            stale.join(", ")
        ),
    }]
}

/// The users' section of a document, for a sent document without one.
fn users_toml(users: &[UserConfig]) -> String {
    let mut out = String::new();
    for user in users {
        let _ = writeln!(out, "[users.{}]", quoted(&user.username));
        let _ = writeln!(out, "role = {}", quoted(user.role.as_str()));
        let _ = writeln!(out, "password_hash = {}", quoted(&user.password.to_hash()));
    }
    out
}

/// The document administrators see: without users.
fn shown_document(org: &OrgConfig) -> String {
    let mut shown = org.clone();
    shown.users.clear();
    format!(
        "# Users are managed with /api/v1/admin/users and are left out of this document.\n{}",
        config::org_to_toml(&shown)
    )
}

/// The order of a keyed section's entries: the organisation's (a TOML table would sort them).
fn order_of(org: &OrgConfig, section: &str) -> Vec<String> {
    let engine = &org.engine;
    match section {
        "users" => org.users.iter().map(|u| u.username.clone()).collect(),
        "teams" => engine.teams.iter().map(|t| t.name.clone()).collect(),
        "agents" => engine
            .agents
            .iter()
            .filter_map(|agent| {
                let user = org.users.iter().find(|u| u.agent == Some(agent.id));
                user.map(|u| u.username.as_str())
                    .or_else(|| org.names.agent_name(agent.id))
                    .map(str::to_owned)
            })
            .collect(),
        "queues" => engine.queues.iter().map(|q| q.name.clone()).collect(),
        "entry_points" => engine.entry_points.iter().map(|e| e.name.clone()).collect(),
        "idle_reasons" => engine.idle_reasons.iter().map(|r| r.code.clone()).collect(),
        "wrapup_reasons" => engine
            .wrapup_reasons
            .iter()
            .map(|r| r.code.clone())
            .collect(),
        "cad_variables" => engine
            .cad_variables
            .iter()
            .map(|d| d.name.clone())
            .collect(),
        _ => Vec::new(),
    }
}

/// The argon2id hash of a new password, if one was sent (hashing takes a while, so not on
/// the request's thread).
async fn password_hash(password: Option<String>) -> Result<Option<String>, ApiError> {
    let Some(password) = password else {
        return Ok(None);
    };
    if password.is_empty() || password.chars().count() > PASSWORD_CHARS_MAX {
        return Err(ApiError::invalid(format!(
            "password: 1 to {PASSWORD_CHARS_MAX} characters"
        )));
    }
    let hash = tokio::task::spawn_blocking(move || config::hash_password(&password))
        .await
        .map_err(ApiError::internal)?;
    Ok(Some(hash))
}

/// The settings a JSON object sets (`None`: back to the default), refusing collections.
fn settings_changes(
    body: serde_json::Value,
) -> Result<Vec<(String, Option<toml::Value>)>, ApiError> {
    let serde_json::Value::Object(body) = body else {
        return Err(ApiError::invalid("expected a JSON object of settings"));
    };
    let sections: Vec<&str> = body
        .keys()
        .map(String::as_str)
        .filter(|key| is_section(key))
        .collect();
    if !sections.is_empty() {
        return Err(ApiError::invalid(format!(
            "{} {} not settings; use /api/v1/admin/<collection>",
            sections.join(", "),
            if sections.len() == 1 { "is" } else { "are" }
        )));
    }
    body.into_iter()
        .map(|(key, value)| {
            let value = match value {
                serde_json::Value::Null => None,
                value => Some(toml_value(value, &key)?),
            };
            Ok((key, value))
        })
        .collect()
}

async fn change_settings(
    state: &AppState,
    caller: &Caller,
    edit: impl FnOnce(&mut toml::Table),
) -> Result<Response, AdminError> {
    let new = change(state, caller, Verb::Put, |_, document| {
        edit(&mut document.settings);
        Ok(UserChange::Keep)
    })
    .await?;
    Ok(Json(table_json(&Document::of(&new)?.settings)).into_response())
}

fn get_list(
    state: &AppState,
    caller: &Caller,
    section: &'static str,
) -> Result<Response, AdminError> {
    list_response(&current(state, caller)?, section)
}

async fn put_list(
    state: &AppState,
    caller: &Caller,
    section: &'static str,
    body: serde_json::Value,
) -> Result<Response, AdminError> {
    let serde_json::Value::Array(elements) = body else {
        return Err(ApiError::invalid(format!("{section}: expected a JSON array")).into());
    };
    let list = elements
        .into_iter()
        .enumerate()
        .map(|(index, element)| toml_value(element, &format!("{section}[{index}]")))
        .collect::<Result<Vec<_>, _>>()?;
    let new = change(state, caller, Verb::Put, |_, document| {
        document.lists.insert(section, list);
        Ok(UserChange::Keep)
    })
    .await?;
    list_response(&new, section)
}

fn list_response(org: &OrgConfig, section: &'static str) -> Result<Response, AdminError> {
    let document = Document::of(org)?;
    let list: Vec<serde_json::Value> = document.lists[section].iter().map(json_value).collect();
    Ok(Json(list).into_response())
}

/// The caller's organisation's configuration now.
fn current(state: &AppState, caller: &Caller) -> Result<OrgConfig, ApiError> {
    let runtime = org_of(state, caller)?;
    Ok(runtime.config.read().expect("config lock").clone())
}

/// An agent entry sent without SIP credentials keeps the current digests if its extension is
/// unchanged (the digests are of "extension:realm:password").
fn keep_sip_credentials(old: Option<&toml::Value>, new: &mut toml::Value) {
    let (Some(toml::Value::Table(old)), toml::Value::Table(new)) = (old, new) else {
        return;
    };
    let given = ["sip_password", "sip_ha1_md5", "sip_ha1_sha256"]
        .iter()
        .any(|key| new.contains_key(*key));
    if given || old.get("extension") != new.get("extension") {
        return;
    }
    for key in ["sip_ha1_md5", "sip_ha1_sha256"] {
        if let Some(value) = old.get(key) {
            new.insert(key.into(), value.clone());
        }
    }
}

/// A reason may be sent as `{"label": "..."}` as well as its label.
fn reason_label(body: serde_json::Value) -> serde_json::Value {
    match body {
        serde_json::Value::Object(mut object)
            if object.len() == 1 && object.contains_key("label") =>
        {
            object.remove("label").expect("present")
        }
        body => body,
    }
}

/// A JSON value as TOML; `path` names it in the error.
fn toml_value(json: serde_json::Value, path: &str) -> Result<toml::Value, ApiError> {
    Ok(match json {
        serde_json::Value::Null => {
            return Err(ApiError::invalid(format!(
                "{path}: null is not a configuration value; leave the key out for its default"
            )));
        }
        serde_json::Value::Bool(value) => toml::Value::Boolean(value),
        serde_json::Value::Number(number) => match (number.as_i64(), number.as_f64()) {
            (Some(integer), _) => toml::Value::Integer(integer),
            (None, Some(float)) if number.is_f64() => toml::Value::Float(float),
            _ => return Err(ApiError::invalid(format!("{path}: {number} is too large"))),
        },
        serde_json::Value::String(text) => toml::Value::String(text),
        serde_json::Value::Array(elements) => toml::Value::Array(
            elements
                .into_iter()
                .enumerate()
                .map(|(index, element)| toml_value(element, &format!("{path}[{index}]")))
                .collect::<Result<_, _>>()?,
        ),
        serde_json::Value::Object(object) => {
            let mut table = toml::Table::new();
            for (key, value) in object {
                let value = toml_value(value, &format!("{path}.{key}"))?;
                table.insert(key, value);
            }
            toml::Value::Table(table)
        }
    })
}

/// A TOML value as JSON.
fn json_value(value: &toml::Value) -> serde_json::Value {
    match value {
        toml::Value::String(text) => serde_json::Value::String(text.clone()),
        toml::Value::Integer(integer) => serde_json::Value::from(*integer),
        toml::Value::Float(float) => serde_json::Number::from_f64(*float)
            .map_or_else(|| serde_json::Value::String(float.to_string()), Into::into),
        toml::Value::Boolean(value) => serde_json::Value::Bool(*value),
        toml::Value::Datetime(datetime) => serde_json::Value::String(datetime.to_string()),
        toml::Value::Array(elements) => elements.iter().map(json_value).collect(),
        toml::Value::Table(table) => table_json(table),
    }
}

fn table_json(table: &toml::Table) -> serde_json::Value {
    serde_json::Value::Object(
        table
            .iter()
            .map(|(key, value)| (key.clone(), json_value(value)))
            .collect(),
    )
}

/// A TOML basic string, usable as a key.
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn is_section(key: &str) -> bool {
    KEYED_SECTIONS.contains(&key) || LIST_SECTIONS.contains(&key)
}

fn toml_response(text: &str) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text.to_owned(),
    )
        .into_response()
}

fn user_dto(user: &UserConfig) -> UserDto {
    UserDto {
        username: user.username.clone(),
        role: user.role.as_str().into(),
        agent_id: user.agent.map(|agent| agent.0),
    }
}

fn no_user(username: &str) -> ApiError {
    ApiError::not_found(format!("no user {username:?} in this organisation"))
}

fn taken(username: &str) -> ApiError {
    conflict(format!(
        "the user name {username:?} is taken by another organisation; user names are unique \
         across the server"
    ))
}

fn conflict(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, "conflict", message)
}

fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// The sections of an organisation's document keyed by name.
const KEYED_SECTIONS: [&str; 8] = [
    "users",
    "teams",
    "agents",
    "queues",
    "entry_points",
    "idle_reasons",
    "wrapup_reasons",
    "cad_variables",
];
/// The sections that are arrays of tables.
const LIST_SECTIONS: [&str; 2] = ["address_book", "experts"];
/// The longest password accepted (argon2 takes any length; this bounds the work).
const PASSWORD_CHARS_MAX: usize = 1024;

/// Admin changes take turns: each reads the configuration, changes it and applies it, and a
/// change in between would be lost. They are rare, so one turn for the server is enough.
static ADMIN_TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
