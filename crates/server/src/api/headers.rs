//! Security headers on every answer.
//!
//! - `Content-Security-Policy`: the pages run only their own scripts and styles (no inline ones)
//!   and talk only to this server (the API and the event WebSocket); nothing may frame them
//!   (`frame-ancestors 'none'`), so a foreign page cannot overlay the desktop's buttons.
//! - `Permissions-Policy`: the microphone for this server's own pages (a browser softphone on
//!   the desktop), nothing else.
//! - `X-Content-Type-Options: nosniff`, so an answer is never run as a script or style it was
//!   not sent as, and `Referrer-Policy: same-origin`, so task URLs never leak to other sites.
//!
//! - `Strict-Transport-Security` when the server speaks HTTPS, so a browser that has been here
//!   once never again sends the session cookie or a password over plain HTTP.
//!
//! A handler may set its own policy (an embeddable chat widget needs other `frame-ancestors`):
//! these are only added where the answer has none.

use crate::app::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// The policy of the desktop, the demo phone page and the API.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
     media-src 'self'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Browser features the pages may use.
pub const PERMISSIONS_POLICY: &str =
    "microphone=(self), camera=(), geolocation=(), payment=(), usb=()";

/// HSTS for a year, for this host only (its subdomains may be other services).
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000";

/// Adds the headers to every answer that does not set them itself.
pub(super) async fn security_headers(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if state.https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(STRICT_TRANSPORT_SECURITY),
        );
    }
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (
            HeaderName::from_static("permissions-policy"),
            PERMISSIONS_POLICY,
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        // For browsers that predate frame-ancestors.
        (header::X_FRAME_OPTIONS, "DENY"),
    ] {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    response
}
