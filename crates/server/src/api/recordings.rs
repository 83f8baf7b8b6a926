//! Call recordings (R31): an interaction's two-channel WAV file, for supervisors and admins.

use super::ApiError;
use crate::app::AppState;
use crate::auth::Caller;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::time::{Duration, SystemTime};
use tokio::io::{AsyncReadExt, AsyncSeekExt};
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
/// (`GET /api/v1/interactions`) says when each pause began and ended. Streamed from disk; one
/// byte range (`Range: bytes=a-b`, `a-` or `-n`) is answered with 206, so a player can seek.
/// A recording older than the organisation's `recording_retention` is never served, even if
/// the sweep has not deleted it yet.
#[utoipa::path(get, path = "/api/v1/interactions/{id}/recording", tag = "supervisor",
    params(("id" = u64, Path, description = "Interaction id"),
        ("Range" = Option<String>, Header, description = "One byte range, e.g. bytes=0-1023")),
    responses(
        (status = 200, description = "The recording", content_type = "audio/wav", body = Vec<u8>),
        (status = 206, description = "The requested byte range of the recording", content_type = "audio/wav", body = Vec<u8>),
        (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody),
        (status = 404, description = "No such interaction in the caller's organisation, or it was not recorded (or the recording is past its retention)", body = super::ErrorBody),
        (status = 416, description = "The range starts past the end of the recording", body = super::ErrorBody)))]
async fn get_recording(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<u64>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    caller.require_supervisor()?;
    // The caller's organisation is part of the path, so another organisation's interaction
    // is simply not found.
    let path = crate::recordings::file_of(&state.recordings, caller.org(), id);
    let not_found = || ApiError::not_found(format!("interaction {id} has no recording"));
    // R44: a supervisor assigned to teams hears only the calls of their teams' queues.
    let org = super::session::org_of(&state, &caller)?;
    if let Some(queues) = super::supervisor::scoped_queues(org, &caller) {
        let record = state.store.interaction(caller.org(), id).await?;
        if !record.is_some_and(|record| super::supervisor::waited_in(&record, &queues)) {
            return Err(not_found());
        }
    }
    let mut file = match tokio::fs::File::open(&path).await {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Err(not_found()),
        Err(error) => return Err(ApiError::internal(error)),
    };
    let metadata = file.metadata().await.map_err(ApiError::internal)?;
    let retention_ms = super::session::org_of(&state, &caller)?
        .config
        .read()
        .expect("config lock")
        .recording_retention_ms;
    if let Some(ms) = retention_ms {
        let cutoff = SystemTime::now().checked_sub(Duration::from_millis(ms));
        let modified = metadata.modified().map_err(ApiError::internal)?;
        if cutoff.is_some_and(|cutoff| modified < cutoff) {
            return Err(not_found());
        }
    }
    let len = metadata.len();
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| byte_range(v, len));
    let (status, first, last) = match range {
        None => (StatusCode::OK, 0, len.saturating_sub(1)),
        Some(Ok((first, last))) => (StatusCode::PARTIAL_CONTENT, first, last),
        Some(Err(())) => {
            let mut response = ApiError::new(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "invalid",
                format!(
                    "Range: the recording has {len} bytes; ask for a range that starts before that"
                ),
            )
            .into_response();
            let value = format!("bytes */{len}").parse().expect("ASCII");
            response.headers_mut().insert(header::CONTENT_RANGE, value);
            return Ok(response);
        }
    };
    let n_bytes = if len == 0 { 0 } else { last - first + 1 };
    file.seek(std::io::SeekFrom::Start(first))
        .await
        .map_err(ApiError::internal)?;
    let body = Body::from_stream(chunks(file, n_bytes));
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, "audio/wav".parse().expect("ASCII"));
    headers.insert(header::ACCEPT_RANGES, "bytes".parse().expect("ASCII"));
    headers.insert(header::CONTENT_LENGTH, n_bytes.into());
    let disposition = format!("attachment; filename=\"interaction-{id}.wav\"");
    headers.insert(
        header::CONTENT_DISPOSITION,
        disposition.parse().expect("ASCII"),
    );
    if status == StatusCode::PARTIAL_CONTENT {
        let range = format!("bytes {first}-{last}/{len}");
        headers.insert(header::CONTENT_RANGE, range.parse().expect("ASCII"));
    }
    Ok(response)
}

/// The first and last byte of one `bytes=` range of a file of `len` bytes: `None` to serve the
/// whole file (no range, several ranges, or one that does not parse, as RFC 9110 allows), and
/// `Err` when it starts past the end.
fn byte_range(value: &str, len: u64) -> Option<Result<(u64, u64), ()>> {
    let spec = value.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (first, last) = spec.split_once('-')?;
    let (first, last) = (first.trim(), last.trim());
    let range = if first.is_empty() {
        let suffix: u64 = last.parse().ok()?;
        if suffix == 0 {
            return Some(Err(()));
        }
        (len.saturating_sub(suffix), len.checked_sub(1)?)
    } else {
        let first: u64 = first.parse().ok()?;
        let last = if last.is_empty() {
            u64::MAX
        } else {
            last.parse().ok()?
        };
        if last < first {
            return None;
        }
        if first >= len {
            return Some(Err(()));
        }
        (first, last.min(len - 1))
    };
    Some(Ok(range))
}

/// `n_bytes` of `file` from where it stands, in chunks, so a long recording is never read into
/// memory at once.
fn chunks(
    file: tokio::fs::File,
    n_bytes: u64,
) -> impl futures_util::Stream<Item = std::io::Result<Vec<u8>>> {
    futures_util::stream::try_unfold((file, n_bytes), |(mut file, left)| async move {
        if left == 0 {
            return Ok(None);
        }
        let mut chunk = vec![0; CHUNK_BYTES.min(left as usize)];
        let n = file.read(&mut chunk).await?;
        if n == 0 {
            // The file is shorter than it was when opened: end here.
            return Ok(None);
        }
        chunk.truncate(n);
        Ok(Some((chunk, (file, left - n as u64))))
    })
}

/// How much of a recording is read at a time.
const CHUNK_BYTES: usize = 64 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn housekeeping_byte_ranges_are_read_as_rfc_9110_says() {
        assert_eq!(byte_range("bytes=0-9", 100), Some(Ok((0, 9))));
        assert_eq!(byte_range("bytes=90-", 100), Some(Ok((90, 99))));
        assert_eq!(byte_range("bytes=-10", 100), Some(Ok((90, 99))));
        assert_eq!(byte_range("bytes=50-500", 100), Some(Ok((50, 99))));
        assert_eq!(byte_range("bytes=100-", 100), Some(Err(())));
        assert_eq!(byte_range("bytes=0-1,5-6", 100), None);
        assert_eq!(byte_range("items=0-1", 100), None);
        assert_eq!(byte_range("bytes=9-1", 100), None);
    }
}
