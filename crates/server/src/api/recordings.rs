//! Call recordings (R31): an interaction's two-channel WAV file, for supervisors and admins.

use super::ApiError;
use crate::app::AppState;
use crate::auth::Caller;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_recording))
}

/// The URL of an interaction's recording, when it has one (for the history's listing).
pub(super) fn url_of(state: &AppState, org: &str, interaction: u64) -> Option<String> {
    crate::recordings::file_of(&state.recordings, org, interaction)
        .is_file()
        .then(|| format!("/api/v1/interactions/{interaction}/recording"))
}

/// Download an interaction's recording (R31): a WAV file, 8 kHz 16-bit PCM, two channels
/// (left: the customer; right: what the customer heard). Supervisors and admins only. A call
/// still going is served up to its last second. Paused stretches are silence; the history
/// (`GET /api/v1/interactions`) says when each pause began and ended.
#[utoipa::path(get, path = "/api/v1/interactions/{id}/recording", tag = "supervisor",
    params(("id" = u64, Path, description = "Interaction id")),
    responses(
        (status = 200, description = "The recording", content_type = "audio/wav", body = Vec<u8>),
        (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody),
        (status = 404, description = "No such interaction in the caller's organisation, or it was not recorded (or the recording is past its retention)", body = super::ErrorBody)))]
async fn get_recording(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<u64>,
) -> Result<Response, ApiError> {
    caller.require_supervisor()?;
    // The caller's organisation is part of the path, so another organisation's interaction
    // is simply not found.
    let path = crate::recordings::file_of(&state.recordings, caller.org(), id);
    match tokio::fs::read(&path).await {
        Ok(bytes) => Ok((
            [
                (header::CONTENT_TYPE, "audio/wav".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"interaction-{id}.wav\""),
                ),
            ],
            bytes,
        )
            .into_response()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Err(ApiError::not_found(
            format!("interaction {id} has no recording"),
        )),
        Err(error) => Err(ApiError::internal(error)),
    }
}
