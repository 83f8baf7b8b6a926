//! Web callback requests from a website or chat bot (R37), authenticated with the
//! organisation's API key (`X-Api-Key`), not with a user session; the pending callbacks for
//! supervisors; and an agent's outdial (R42).
//!
//! A request for a number that already has a pending web callback in the same queue returns
//! that callback (200) instead of queueing a second one, so a website that retries is
//! harmless. Limits, each a 429 with `Retry-After`, so that a script with the key (which sits
//! in a public website) cannot flood the agents or make the server dial for it:
//! each number may ask [`CALLBACKS_PER_NUMBER`] times per [`CALLBACK_WINDOW`], each key
//! [`CALLBACKS_PER_KEY`] times, and a queue holds at most [`CALLBACKS_WAITING_PER_QUEUE_MAX`]
//! waiting web callbacks. A client address that sends [`KEY_FAILURES_MAX`] wrong keys in a
//! window waits for the window to end. The answer `201` comes only once the callback is in
//! the store, so a callback the website was told about survives a restart.

use super::session::org_of;
use super::{ApiError, ApiJson, idempotent};
use crate::app::AppState;
use crate::app::unix_ms;
use crate::auth::Caller;
use crate::dto::TaskDto;
use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sentral_engine::{Command, Input, InteractionKind};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
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
/// How many web callbacks one organisation's key may request per [`CALLBACK_WINDOW`].
pub const CALLBACKS_PER_KEY: usize = 120;
/// How many web callbacks may wait in one queue at once.
pub const CALLBACKS_WAITING_PER_QUEUE_MAX: usize = 100;
/// Wrong keys one client address may send per [`CALLBACK_WINDOW`].
pub const KEY_FAILURES_MAX: u32 = 20;
/// Numbers remembered at most; beyond it the oldest windows are forgotten first.
const NUMBERS_REMEMBERED_MAX: usize = 100_000;

/// Recent web callback requests per organisation and number, and per organisation's key, and
/// wrong keys per client address.
#[derive(Debug)]
pub struct CallbackLimiter {
    /// Request times per (organisation, number); at most `numbers_max` entries.
    requests: Mutex<HashMap<(String, String), VecDeque<Instant>>>,
    /// Request times per organisation (its key).
    keys: Mutex<HashMap<String, VecDeque<Instant>>>,
    /// The bound on `requests`.
    numbers_max: usize,
    /// Wrong keys per client address.
    wrong_keys: crate::auth::AddressWindows,
}

impl Default for CallbackLimiter {
    fn default() -> CallbackLimiter {
        CallbackLimiter::with_numbers_max(NUMBERS_REMEMBERED_MAX)
    }
}

/// Why a request was not admitted.
#[derive(Debug, PartialEq)]
enum Limited {
    /// The number asked too often.
    Number(Duration),
    /// The key asked too often.
    Key(Duration),
}

impl CallbackLimiter {
    fn with_numbers_max(numbers_max: usize) -> CallbackLimiter {
        CallbackLimiter {
            requests: Mutex::default(),
            keys: Mutex::default(),
            numbers_max,
            wrong_keys: crate::auth::AddressWindows::new(
                KEY_FAILURES_MAX,
                CALLBACK_WINDOW.as_millis() as i64,
            ),
        }
    }

    /// Counts a request of `number` with `org`'s key at `now`, unless the number or the key
    /// asked too often (then nothing is counted).
    fn admit(&self, org: &str, number: &str, now: Instant) -> Result<(), Limited> {
        let mut requests = self.requests.lock().expect("limiter lock");
        let mut keys = self.keys.lock().expect("limiter lock");
        let key = keys.entry(org.to_owned()).or_default();
        expire(key, now);
        if key.len() >= CALLBACKS_PER_KEY {
            return Err(Limited::Key(wait(key, now)));
        }
        let entry = (org.to_owned(), number.to_owned());
        if !requests.contains_key(&entry) && requests.len() >= self.numbers_max {
            requests.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|last| now.duration_since(*last) < CALLBACK_WINDOW)
            });
            if requests.len() >= self.numbers_max {
                let oldest = requests
                    .iter()
                    .min_by_key(|(_, times)| times.back().copied())
                    .map(|(entry, _)| entry.clone());
                if let Some(oldest) = oldest {
                    requests.remove(&oldest);
                }
            }
        }
        let times = requests.entry(entry).or_default();
        expire(times, now);
        if times.len() >= CALLBACKS_PER_NUMBER {
            return Err(Limited::Number(wait(times, now)));
        }
        times.push_back(now);
        key.push_back(now);
        Ok(())
    }
}

/// Premium-rate and other costly prefixes (international premium rate, satellite and
/// international networks, and the premium ranges of some countries) that a web callback does
/// not call unless the organisation's `web_callback_prefixes` names them (or a longer prefix
/// of them). A number written without `+` cannot be matched: its country is the trunk's.
pub const PREMIUM_RATE_PREFIXES: &[&str] = &[
    "+979", "+881", "+882", "+883", "+1900", "+3389", "+4487", "+449", "+4590", "+46900", "+46939",
    "+46944", "+47820", "+47829", "+49137", "+49900",
];

/// Whether a web callback may call `number` (normalised): not premium-rate unless named, and
/// within the organisation's prefixes when it has any; `Err` says why and what is allowed.
fn destination_allowed(number: &str, prefixes: &[String]) -> Result<(), String> {
    let named = |premium: &str| {
        prefixes
            .iter()
            .any(|p| p.len() >= premium.len() && number.starts_with(p.as_str()))
    };
    if let Some(premium) = PREMIUM_RATE_PREFIXES
        .iter()
        .find(|premium| number.starts_with(**premium))
        && !named(premium)
    {
        return Err(format!(
            "number: {number} is a premium-rate number ({premium}…), which web callbacks do not \
             call unless the organisation's web_callback_prefixes names it"
        ));
    }
    if !prefixes.is_empty() && !prefixes.iter().any(|p| number.starts_with(p.as_str())) {
        return Err(format!(
            "number: web callbacks of this organisation call only numbers starting with {} \
             (web_callback_prefixes); got {number}",
            prefixes.join(", ")
        ));
    }
    Ok(())
}

/// A new random web callback key: 256 bits as 64 hex digits.
pub fn new_key() -> String {
    crate::auth::new_token()
}

/// Forgets the request times that left the window.
fn expire(times: &mut VecDeque<Instant>, now: Instant) {
    while times
        .front()
        .is_some_and(|first| now.duration_since(*first) >= CALLBACK_WINDOW)
    {
        times.pop_front();
    }
}

/// How long until the oldest request leaves the window.
fn wait(times: &VecDeque<Instant>, now: Instant) -> Duration {
    let first = *times.front().expect("full");
    CALLBACK_WINDOW.saturating_sub(now.duration_since(first))
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
        (status = 422, body = super::ErrorBody), (status = 429, body = super::ErrorBody),
        (status = 503, body = super::ErrorBody, description = "Queued but not yet stored; ask again")))]
async fn request_callback(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<CallbackRequest>,
) -> Result<Response, ApiError> {
    let key = headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let limiter = &state.callback_limiter;
    // A client that sent too many wrong keys waits, whatever key it sends now.
    if let Some(seconds) = limiter.wrong_keys.exhausted(peer.ip(), unix_ms()) {
        return Err(ApiError::too_many_requests(
            format!(
                "too many wrong X-Api-Key values from this address ({KEY_FAILURES_MAX} in {} minutes); try again in {seconds} s",
                CALLBACK_WINDOW.as_secs() / 60
            ),
            seconds,
        ));
    }
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
            let _ = limiter.wrong_keys.count(peer.ip(), unix_ms());
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
    let prefixes = org
        .config
        .read()
        .expect("config lock")
        .web_callback_prefixes
        .clone();
    destination_allowed(&number.to_string(), &prefixes).map_err(ApiError::invalid)?;
    let normalised = number.to_string();
    let (waiting, n_waiting) = org
        .handle
        .query(move |engine| {
            let in_queue: Vec<_> = engine
                .pending_callbacks()
                .into_iter()
                .filter(|view| {
                    view.kind == InteractionKind::WebCallback && view.queue == Some(queue)
                })
                .collect();
            let n_waiting = in_queue.len();
            let same = in_queue.into_iter().find(|view| {
                view.customer_number
                    .as_deref()
                    .and_then(|n| sentral_engine::DialNumber::parse(n).ok())
                    .is_some_and(|n| n.to_string() == normalised)
            });
            (same, n_waiting)
        })
        .await
        .unwrap_or((None, 0));
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
    if n_waiting >= CALLBACKS_WAITING_PER_QUEUE_MAX {
        metrics::counter!("sentral_web_callbacks_rate_limited_total").increment(1);
        let mut error = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!(
                "queue: {} already has {CALLBACKS_WAITING_PER_QUEUE_MAX} web callbacks waiting, the most it takes; try again later",
                request.queue
            ),
        );
        error.retry_after_s = Some(60);
        return Err(error);
    }
    if let Err(limited) = limiter.admit(org.handle.slug(), &number.to_string(), Instant::now()) {
        let minutes = CALLBACK_WINDOW.as_secs() / 60;
        let (seconds, message) = match limited {
            Limited::Number(wait) => {
                let seconds = wait.as_secs().max(1);
                (
                    seconds,
                    format!(
                        "number: at most {CALLBACKS_PER_NUMBER} callback requests per {minutes} minutes; try again in {seconds} s"
                    ),
                )
            }
            Limited::Key(wait) => {
                let seconds = wait.as_secs().max(1);
                (
                    seconds,
                    format!(
                        "X-Api-Key: at most {CALLBACKS_PER_KEY} callback requests per {minutes} minutes for this organisation; try again in {seconds} s"
                    ),
                )
            }
        };
        metrics::counter!("sentral_web_callbacks_rate_limited_total").increment(1);
        let mut response =
            ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", message).into_response();
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
    // 201 promises the callback survives a restart: answer only once it is in the store.
    state.history.flush().await;
    let stored = state
        .store
        .interaction(org.handle.slug(), created.0)
        .await?
        .is_some();
    if !stored {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            format!(
                "callback {} is queued but could not be stored yet; ask again to confirm",
                created.0
            ),
        ));
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_callbacks_destination_policy() {
        assert!(destination_allowed("+4791300000", &[]).is_ok());
        assert!(destination_allowed("+97912345678", &[]).is_err());
        let norway = ["+47".to_owned()];
        assert!(destination_allowed("+4791300000", &norway).is_ok());
        assert!(destination_allowed("+4612345678", &norway).is_err());
        assert!(
            destination_allowed("+4782012345", &norway).is_err(),
            "premium"
        );
        let with_premium = ["+47".to_owned(), "+47820".to_owned()];
        assert!(destination_allowed("+4782012345", &with_premium).is_ok());
        // National numbers: only without prefixes.
        assert!(destination_allowed("91300000", &[]).is_ok());
        assert!(destination_allowed("91300000", &norway).is_err());
    }

    #[test]
    fn web_callbacks_the_number_table_stays_bounded() {
        let limiter = CallbackLimiter::with_numbers_max(50);
        let now = Instant::now();
        for n in 0..(CALLBACKS_PER_KEY - 1) {
            let org = format!("org{}", n % 7);
            limiter.admit(&org, &format!("+479{n:07}"), now).unwrap();
        }
        assert!(limiter.requests.lock().unwrap().len() <= 50);
    }

    #[test]
    fn web_callbacks_one_key_is_capped_across_numbers() {
        let limiter = CallbackLimiter::default();
        let now = Instant::now();
        for n in 0..CALLBACKS_PER_KEY {
            limiter.admit("demo", &format!("+479{n:07}"), now).unwrap();
        }
        assert!(matches!(
            limiter.admit("demo", "+4798888888", now),
            Err(Limited::Key(_))
        ));
        // Another organisation's key is not affected; the window ends.
        limiter.admit("acme", "+4798888888", now).unwrap();
        limiter
            .admit("demo", "+4798888888", now + CALLBACK_WINDOW)
            .unwrap();
    }
}
