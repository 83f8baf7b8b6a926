//! The WebSocket event stream: `/api/v1/events[?since=<seq>]`.
//!
//! Each signed-in user gets the engine's desktop events addressed to them as JSON, each with a
//! sequence number. A client that reconnects with `?since=<last seq seen>` first receives what
//! it missed (up to the replay bound; beyond it, a `reload` event), so no agent misses an offer
//! because of a network blip.
//!
//! A socket belongs to the session that opened it: it closes when the session ends (sign-out,
//! expiry, a password change that ends the user's other sessions, the user's deletion), with
//! close code 4001 and the reason.

use super::ApiError;
use crate::app::AppState;
use crate::auth::Caller;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::extract::{Query, State, WebSocketUpgrade};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(events))
}

/// Where to resume.
#[derive(Debug, Deserialize, IntoParams)]
pub struct EventsQuery {
    /// The last sequence number the client saw; events after it are sent first.
    pub since: Option<u64>,
}

/// The read buffer of an event socket, in bytes.
const CLIENT_READ_BUFFER: usize = 512;

/// The longest message or frame a client may send on an event socket (its messages are
/// ignored; a close is a few bytes).
const CLIENT_MESSAGE_MAX: usize = 64 * 1024;

/// Open the event stream (WebSocket). Messages are `EventEnvelope` JSON objects.
#[utoipa::path(get, path = "/api/v1/events", tag = "events", params(EventsQuery),
    responses((status = 101, description = "Switching to WebSocket; each message is an EventEnvelope"),
        (status = 401, body = super::ErrorBody)))]
async fn events(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<EventsQuery>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let session = state.hub.watch_session(&caller.token_hash, caller.user.id);
    // Signed out between the check above and the watch: refuse rather than stream forever.
    match state.store.session(&caller.token_hash).await {
        Ok(Some(_)) => {}
        Ok(None) => return ApiError::unauthenticated().into_response(),
        Err(error) => return ApiError::from(error).into_response(),
    }
    let subscription = state.hub.subscribe(caller.user.id, query.since);
    let expires_in = Duration::from_millis(
        u64::try_from(caller.expires_unix_ms - crate::app::unix_ms()).unwrap_or(0),
    );
    // Clients send nothing but a close, so the read buffer (allocated in full for every
    // socket) is small: 4 KiB of it was about half of a connection's heap with 10,000
    // desktops (bench/ws-fanout, heaptrack). It grows if a client does send more, up to
    // CLIENT_MESSAGE_MAX.
    upgrade
        .read_buffer_size(CLIENT_READ_BUFFER)
        .max_message_size(CLIENT_MESSAGE_MAX)
        .max_frame_size(CLIENT_MESSAGE_MAX)
        .write_buffer_size(0)
        .on_upgrade(move |socket| stream(socket, subscription, session, expires_in))
}

/// The close code of a socket whose session ended (private use range of RFC 6455).
pub const SESSION_ENDED_CLOSE_CODE: u16 = 4001;

async fn stream(
    mut socket: WebSocket,
    mut subscription: crate::hub::Subscription,
    mut session: crate::hub::SessionWatch,
    expires_in: Duration,
) {
    let expired = tokio::time::sleep(expires_in);
    tokio::pin!(expired);
    for text in subscription.backlog.drain(..) {
        if socket
            .send(Message::Text(text.as_ref().into()))
            .await
            .is_err()
        {
            return;
        }
    }
    let mut last_seq = subscription.last_seq;
    loop {
        tokio::select! {
            event = subscription.live.recv() => match event {
                Ok((seq, text)) => {
                    if seq <= last_seq {
                        continue;
                    }
                    last_seq = seq;
                    if socket.send(Message::Text(text.as_ref().into())).await.is_err() {
                        return;
                    }
                }
                Err(RecvError::Lagged(_)) => {
                    // The client reads too slowly: close, it reconnects with ?since and catches up.
                    let _ = socket.send(Message::Close(None)).await;
                    return;
                }
                Err(RecvError::Closed) => return,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
            () = session.ended() => return close(socket, "signed out").await,
            () = &mut expired => return close(socket, "session expired").await,
        }
    }
}

/// Tells the client why its socket closes, then closes it.
async fn close(mut socket: WebSocket, reason: &'static str) {
    let frame = CloseFrame {
        code: SESSION_ENDED_CLOSE_CODE,
        reason: reason.into(),
    };
    let _ = socket.send(Message::Close(Some(frame))).await;
}
