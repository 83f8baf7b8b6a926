//! Web callback requests from a website or chat bot (R37), authenticated with the
//! organisation's API key (`X-Api-Key`), not with a user session.

use super::ApiError;
use super::ApiJson;
use crate::app::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use sentral_engine::Input;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(request_callback))
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

/// Request a web callback (R37); authenticated with the organisation's `X-Api-Key`.
#[utoipa::path(post, path = "/api/v1/callbacks", tag = "tasks", request_body = CallbackRequest,
    params(("X-Api-Key" = String, Header, description = "The organisation's web-callback API key")),
    responses((status = 201, body = CallbackCreated), (status = 401, body = super::ErrorBody),
        (status = 404, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
async fn request_callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<CallbackRequest>,
) -> Result<(StatusCode, Json<CallbackCreated>), ApiError> {
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
    ))
}

/// Compares keys by their hashes, so the time taken does not reveal how much of a key matched.
fn same(expected: &str, given: &str) -> bool {
    Sha256::digest(expected.as_bytes()) == Sha256::digest(given.as_bytes())
}
