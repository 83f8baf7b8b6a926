//! Web callback requests from a website or chat bot (R37), authenticated with the
//! organisation's API key (`X-Api-Key`), not with a user session; the pending callbacks for
//! supervisors; and an agent's outdial (R42).
//!
//! A request for a number that already has a pending web callback in the same queue returns
//! that callback (200) instead of queueing a second one, so a website that retries is
//! harmless. Each number may ask at most [`CALLBACKS_PER_NUMBER`] times per
//! [`CALLBACK_WINDOW`] (429 with `Retry-After`), so a script cannot flood a queue.

use super::session::org_of;
use super::{ApiError, ApiJson, idempotent};
use crate::app::AppState;
use crate::auth::Caller;
use crate::dto::TaskDto;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sentral_engine::{Command, Input, InteractionKind};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(request_callback, pending_callbacks))
        .routes(routes!(outdial))
}

/// How many web callbacks one number may request per [`CALLBACK_WINDOW`].
pub const CALLBACKS_PER_NUMBER: usize = 3;
/// The window of the per-number rate limit.
pub const CALLBACK_WINDOW: Duration = Duration::from_secs(600);
/// Numbers remembered at most; beyond it the oldest windows are forgotten first.
const NUMBERS_REMEMBERED_MAX: usize = 100_000;

/// Recent web callback requests per organisation and number.
#[derive(Debug, Default)]
pub struct CallbackLimiter {
    requests: Mutex<HashMap<(String, String), VecDeque<Instant>>>,
}

impl CallbackLimiter {
    /// Counts a request of `number` at `now`; `Err(wait)` when the number asked too often.
    fn admit(&self, org: &str, number: &str, now: Instant) -> Result<(), Duration> {
        let mut requests = self.requests.lock().expect("limiter lock");
        if requests.len() >= NUMBERS_REMEMBERED_MAX {
            requests.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|last| now.duration_since(*last) < CALLBACK_WINDOW)
            });
        }
        let times = requests
            .entry((org.to_owned(), number.to_owned()))
            .or_default();
        while times
            .front()
            .is_some_and(|first| now.duration_since(*first) >= CALLBACK_WINDOW)
        {
            times.pop_front();
        }
        if times.len() >= CALLBACKS_PER_NUMBER {
            let first = *times.front().expect("full");
            return Err(CALLBACK_WINDOW.saturating_sub(now.duration_since(first)));
        }
        times.push_back(now);
        Ok(())
    }
}

/// A customer asks to be called back.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallbackRequest {
    /// The queue that serves it, by name (e.g. `Sales`).
    pub queue: String,
    /// The customer's name (1 to 256 characters).
    pub name: String,
    /// The number to call back (validated and normalised, R30).
    pub number: String,
}

/// The callback is waiting in its queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallbackCreated {
    /// The task id of the callback.
    pub id: u64,
    /// The number that will be called, normalised.
    pub number: String,
}

/// Request a web callback (R37); authenticated with the organisation's `X-Api-Key`. A number
/// that already waits for a web callback in that queue gets that one back (200).
#[utoipa::path(post, path = "/api/v1/callbacks", tag = "tasks", request_body = CallbackRequest,
    params(("X-Api-Key" = String, Header, description = "The organisation's web-callback API key")),
    responses((status = 201, body = CallbackCreated), (status = 200, body = CallbackCreated, description = "Already waiting"),
        (status = 401, body = super::ErrorBody), (status = 404, body = super::ErrorBody),
        (status = 422, body = super::ErrorBody), (status = 429, body = super::ErrorBody)))]
async fn request_callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<CallbackRequest>,
) -> Result<Response, ApiError> {
    let key = headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let org = state
        .orgs
        .values()
        .find(|org| {
            let config = org.config.read().expect("config lock");
            config
                .web_callback_api_key
                .as_deref()
                .is_some_and(|expected| same(expected, key))
        })
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "a valid X-Api-Key header is required",
            )
        })?;
    let queue = {
        let config = org.config.read().expect("config lock");
        config
            .engine
            .queues
            .iter()
            .find(|q| q.name == request.queue)
            .map(|q| q.id)
    };
    let queue = queue
        .ok_or_else(|| ApiError::invalid(format!("queue: no queue named {:?}", request.queue)))?;
    let number = sentral_engine::DialNumber::parse(&request.number).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "R30",
            format!("number: {e}"),
        )
    })?;
    let normalised = number.to_string();
    let waiting = org
        .handle
        .query(move |engine| {
            engine.pending_callbacks().into_iter().find(|view| {
                view.kind == InteractionKind::WebCallback
                    && view.queue == Some(queue)
                    && view
                        .customer_number
                        .as_deref()
                        .and_then(|n| sentral_engine::DialNumber::parse(n).ok())
                        .is_some_and(|n| n.to_string() == normalised)
            })
        })
        .await
        .flatten();
    if let Some(waiting) = waiting {
        return Ok((
            StatusCode::OK,
            Json(CallbackCreated {
                id: waiting.id.0,
                number: number.to_string(),
            }),
        )
            .into_response());
    }
    if let Err(wait) =
        state
            .callback_limiter
            .admit(org.handle.slug(), &number.to_string(), Instant::now())
    {
        let seconds = wait.as_secs().max(1);
        metrics::counter!("sentral_web_callbacks_rate_limited_total").increment(1);
        let mut response = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!(
                "number: at most {CALLBACKS_PER_NUMBER} callback requests per {} minutes; try again in {seconds} s",
                CALLBACK_WINDOW.as_secs() / 60
            ),
        )
        .into_response();
        response.headers_mut().insert(
            header::RETRY_AFTER,
            seconds.to_string().parse().expect("digits"),
        );
        return Ok(response);
    }
    let name = request.name.clone();
    let created = org
        .handle
        .input(Input::WebCallback {
            queue,
            name: request.name,
            number: request.number,
        })
        .await?
        .ok_or_else(|| ApiError::internal("web callback created no task"))?;
    state.history.set_customer_name(
        org.handle.slug().to_owned(),
        created.0,
        name.trim().to_owned(),
    );
    Ok((
        StatusCode::CREATED,
        Json(CallbackCreated {
            id: created.0,
            number: number.to_string(),
        }),
    )
        .into_response())
}

/// Callbacks waiting to be delivered (R37, R45): queued, offered or being dialled, oldest
/// first. Supervisors and administrators.
#[utoipa::path(get, path = "/api/v1/callbacks", tag = "supervisor",
    responses((status = 200, body = Vec<TaskDto>), (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody)))]
async fn pending_callbacks(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<TaskDto>>, ApiError> {
    caller.require_supervisor()?;
    let org = org_of(&state, &caller)?;
    let pending = org
        .handle
        .query(|engine| engine.pending_callbacks())
        .await
        .unwrap_or_default();
    Ok(Json(pending.iter().map(TaskDto::from_engine).collect()))
}

/// A number to call (R42).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutdialRequest {
    /// The number as typed or pasted; cleaned and validated as R30 says.
    pub number: String,
}

/// Call a customer (R42): the agent's phone rings first; when the agent answers, Sentral dials
/// the number through the outbound trunk. Refused while the agent has a call or a wrap-up, when
/// the phone is not registered (R13), for a number that cannot be dialled (R30), and at the
/// organisation's call limit (R2).
#[utoipa::path(post, path = "/api/v1/outdial", tag = "tasks", request_body = OutdialRequest,
    responses((status = 201, body = TaskDto), (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody),
        (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
async fn outdial(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiJson(request): ApiJson<OutdialRequest>,
) -> Response {
    let state2 = state.clone();
    idempotent(&state, caller.user.id, &headers, async move {
        let agent = caller.agent()?;
        let org = org_of(&state2, &caller)?;
        let created = org
            .handle
            .input(Input::Command {
                agent,
                command: Command::Outdial {
                    number: request.number,
                },
            })
            .await?
            .ok_or_else(|| ApiError::internal("outdial created no task"))?;
        let view = org
            .handle
            .query(move |engine| engine.interaction_view(created))
            .await
            .flatten()
            .ok_or_else(|| ApiError::internal("the outdial task vanished"))?;
        Ok((StatusCode::CREATED, Json(TaskDto::from_engine(&view))).into_response())
    })
    .await
}

/// Compares keys by their hashes, so the time taken does not reveal how much of a key matched.
fn same(expected: &str, given: &str) -> bool {
    Sha256::digest(expected.as_bytes()) == Sha256::digest(given.as_bytes())
}
