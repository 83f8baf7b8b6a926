//! The HTTP surface: REST API under `/api/v1`, its OpenAPI document, the WebSocket event
//! stream, operations endpoints and the desktop's static files.
//!
//! Every handler is documented with `#[utoipa::path]` and registered through `routes!`, so the
//! OpenAPI document served at `/api/openapi.json` is generated from the code itself.

mod admin;
pub mod callbacks;
mod csrf;
mod headers;

pub use callbacks::CallbackLimiter;
pub use session::LoginRequest;
mod directory;
mod events;
mod recordings;
mod reports;
pub(crate) mod session;
mod supervisor;
mod tasks;

use crate::app::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use sentral_engine::{Code, Rejection, RejectionDetail, Rule};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::time::Instant;
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;

/// The largest request body accepted.
pub const BODY_BYTES_MAX: usize = 64 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Sentral API",
        description = "Agents, supervisors and administrators of a Sentral contact center. \
                       Sign in with POST /api/v1/login; send the token as `Authorization: Bearer <token>` \
                       (or the `sentral_session` cookie). Rejected commands answer 409 with \
                       `{code, message}`, where `code` names the rule (e.g. `R28`)."
    ),
    components(schemas(ErrorBody, crate::dto::EventEnvelope)),
    tags(
        (name = "session", description = "Sign-in, station log-in and agent state"),
        (name = "tasks", description = "The caller's interactions and the commands on them"),
        (name = "directory", description = "Consult and transfer targets (R16, R17, R27)"),
        (name = "supervisor", description = "Real-time views and history (R44)"),
        (name = "admin", description = "Configuration (R43)"),
        (name = "events", description = "The WebSocket event stream"),
        (name = "operations", description = "Health and metrics")
    )
)]
struct ApiDoc;

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    let (api, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(session::routes())
        .merge(tasks::routes())
        .merge(directory::routes())
        .merge(supervisor::routes())
        .merge(admin::routes())
        .merge(callbacks::routes())
        .merge(events::routes())
        .merge(recordings::routes())
        .merge(reports::routes())
        .split_for_parts();
    let openapi_json = serde_json::to_string_pretty(&openapi).expect("OpenAPI serialises");
    api.route(
        "/api/openapi.json",
        get(move || async move { ([(header::CONTENT_TYPE, "application/json")], openapi_json) }),
    )
    .route("/healthz", get(|| async { "ok" }))
    .route("/readyz", get(ready))
    .route("/metrics", get(metrics))
    .merge(crate::desktop::routes())
    .fallback(|| async { ApiError::not_found("no such path") })
    .layer(middleware::from_fn(csrf::same_origin_only))
    .layer(middleware::from_fn(observe))
    .layer(tower_http::limit::RequestBodyLimitLayer::new(
        BODY_BYTES_MAX,
    ))
    .layer(middleware::from_fn(json_errors))
    .layer(middleware::from_fn_with_state(
        state.clone(),
        headers::security_headers,
    ))
    .with_state(state)
}

/// Gives every error under `/api/` a JSON `{code, message}` body, also the ones answered before
/// a handler runs: a body over the limit (413), a path id or query that does not parse (400), a
/// method the path does not have (405), a request to the WebSocket that is not an upgrade.
async fn json_errors(request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !api || is_json || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let (code, message) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => (
            "too_large",
            format!("the request body is larger than {BODY_BYTES_MAX} bytes"),
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            "this path does not take this method".to_owned(),
        ),
        StatusCode::NOT_FOUND => ("not_found", "no such path".to_owned()),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("invalid_json", text),
        s if s.is_server_error() => ("internal", "internal error; see the server log".to_owned()),
        _ if text.is_empty() => (
            "invalid",
            status
                .canonical_reason()
                .unwrap_or("bad request")
                .to_owned(),
        ),
        _ => ("invalid", text),
    };
    let body = ErrorBody {
        code: code.into(),
        message,
        current: None,
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    let body = serde_json::to_vec(&body).expect("error bodies serialise");
    Response::from_parts(parts, axum::body::Body::from(body))
}

/// Ready when the store answers.
async fn ready(State(state): State<AppState>) -> Response {
    let mut stopped: Vec<&str> = state
        .orgs
        .iter()
        .filter(|(_, org)| !org.handle.is_running())
        .map(|(slug, _)| slug.as_str())
        .collect();
    if !stopped.is_empty() {
        stopped.sort_unstable();
        let message = format!(
            "the engine of {} stopped after an internal error; restart the server",
            stopped.join(", ")
        );
        tracing::warn!("not ready: {message}");
        return (StatusCode::SERVICE_UNAVAILABLE, message).into_response();
    }
    match state.store.organisations().await {
        Ok(_) => "ready".into_response(),
        Err(error) => {
            tracing::warn!(%error, "not ready: the store does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "the store does not answer").into_response()
        }
    }
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
}

/// Records API latency per route and logs failures.
async fn observe(request: Request, next: Next) -> Response {
    let method = method_label(request.method());
    let path = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    metrics::histogram!("sentral_api_latency_seconds", "method" => method, "path" => path.clone())
        .record(started.elapsed().as_secs_f64());
    if status >= 500 {
        tracing::error!(%method, path, status, "request failed");
    }
    response
}

/// The metrics label of a method: the standard ones by name, any other as `OTHER`, so that a
/// client inventing methods cannot create series without end.
fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

/// The error body every 4xx and 5xx carries.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// `R28` for a rule, or `unauthenticated`, `forbidden`, `not_found`, `invalid`,
    /// `invalid_json`, `conflict`, `too_large`, `method_not_allowed`, `too_many_requests`,
    /// `rate_limited`, `unavailable`, `internal`.
    pub code: String,
    /// What was wrong and what is allowed.
    pub message: String,
    /// R35: the current values and their version, when a save was based on an old version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current: Option<Box<CurrentVariables>>,
}

/// The current CAD values (R35).
#[derive(Debug, Serialize, ToSchema)]
pub struct CurrentVariables {
    /// Version now.
    pub version: u64,
    /// Non-secure values now.
    pub values: BTreeMap<String, String>,
    /// Their labels (name → label), to show instead of the names.
    pub labels: BTreeMap<String, String>,
    /// Who saved these values, if an agent did: the caller themselves (another tab or window)
    /// or a colleague.
    pub saved_by: Option<SavedByDto>,
}

/// Who saved a task's call data last (R35).
#[derive(Debug, Serialize, ToSchema)]
pub struct SavedByDto {
    /// The agent's id (the caller's own when they saved in another tab or window).
    pub agent: u64,
    /// Their name.
    pub name: String,
    /// When (Unix ms).
    pub at: i64,
}

/// An error a client can act on, or an unexpected one (500).
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: ErrorBody,
    retry_after_s: Option<u64>,
}

impl ApiError {
    /// A status, code and message.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: ErrorBody {
                code: code.into(),
                message: message.into(),
                current: None,
            },
            retry_after_s: None,
        }
    }

    /// 401.
    pub fn unauthenticated() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "sign in first (POST /api/v1/login)",
        )
    }

    /// 403.
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// 404.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 422.
    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message)
    }

    /// 429 with Retry-After.
    pub fn too_many_requests(message: impl Into<String>, retry_after_s: u64) -> ApiError {
        let mut error = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_requests", message);
        error.retry_after_s = Some(retry_after_s);
        error
    }

    /// 500; the details go to the log, not to the client.
    pub fn internal(error: impl std::fmt::Display) -> ApiError {
        tracing::error!(%error, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; see the server log",
        )
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl From<Rejection> for ApiError {
    fn from(rejection: Rejection) -> ApiError {
        let status = match rejection.code {
            Code::NotFound => StatusCode::NOT_FOUND,
            Code::NotYours => StatusCode::FORBIDDEN,
            // Values that cannot be valid in any state: malformed input.
            Code::Rule(Rule::R30 | Rule::R34) => StatusCode::UNPROCESSABLE_ENTITY,
            Code::Rule(_) | Code::Invalid => StatusCode::CONFLICT,
        };
        let current = rejection.detail.as_deref().map(|detail| match detail {
            RejectionDetail::VariablesConflict {
                version,
                values,
                labels,
                saved_by,
            } => Box::new(CurrentVariables {
                version: *version,
                values: values.clone(),
                labels: labels.clone(),
                saved_by: saved_by.as_ref().map(|by| SavedByDto {
                    agent: by.agent.0,
                    name: by.name.clone(),
                    at: by.at_unix_ms,
                }),
            }),
        });
        let mut error = ApiError::new(status, &rejection.code_str(), rejection.message);
        error.body.current = current;
        error
    }
}

impl From<sentral_store::StoreError> for ApiError {
    fn from(error: sentral_store::StoreError) -> ApiError {
        ApiError::internal(error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body)).into_response();
        if let Some(seconds) = self.retry_after_s {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

/// JSON request bodies whose errors are JSON too (422 with what was wrong).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<ApiJson<T>, ApiError> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "invalid_json",
                "send a JSON body with Content-Type: application/json",
            )),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "too_large",
                    format!("the request body is larger than {BODY_BYTES_MAX} bytes"),
                ))
            }
            Err(rejection) => Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_json",
                rejection.body_text(),
            )),
        }
    }
}

/// Runs a state-changing request once per `Idempotency-Key`: a retry with the same key gets
/// the first answer again instead of doing it twice.
pub async fn idempotent<F>(state: &AppState, user_id: i64, headers: &HeaderMap, run: F) -> Response
where
    F: Future<Output = Result<Response, ApiError>>,
{
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let Some(key) = key.filter(|k| !k.is_empty() && k.len() <= 200) else {
        return run.await.unwrap_or_else(IntoResponse::into_response);
    };
    match state.store.idempotent_response(user_id, &key).await {
        Ok(Some(stored)) => {
            let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
            return (
                status,
                [(header::CONTENT_TYPE, "application/json")],
                stored.body,
            )
                .into_response();
        }
        Ok(None) => {}
        Err(error) => return ApiError::from(error).into_response(),
    }
    let response = run.await.unwrap_or_else(IntoResponse::into_response);
    let status = response.status();
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, BODY_BYTES_MAX * 4)
        .await
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    if !status.is_server_error() {
        let saved = state
            .store
            .save_idempotent_response(user_id, &key, status.as_u16(), &text, crate::app::unix_ms())
            .await;
        if let Err(error) = saved {
            tracing::warn!(%error, "idempotency key not saved");
        }
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}
