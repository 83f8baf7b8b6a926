//! The Agent Desktop's and the supervisor wallboard's static files, embedded in the binary (no
//! front-end build step), and the demo phone page's routes (which answer only in `sentral demo`).

use crate::app::AppState;
use axum::Router;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rust_embed::Embed;

#[derive(Embed)]
#[folder = "../../web/desktop/"]
struct Assets;

/// `/` and `/desktop/*`, and the demo phone page's `/demo/*`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { embedded::<Assets>("index.html") }))
        // The supervisor's wallboard (R44).
        .route(
            "/supervisor",
            get(|| async { embedded::<Assets>("supervisor/index.html") }),
        )
        // The supervisor's history and reports (R44).
        .route(
            "/supervisor/history",
            get(|| async { embedded::<Assets>("supervisor/history.html") }),
        )
        .route(
            "/desktop/{*path}",
            get(|Path(path): Path<String>| async move { embedded::<Assets>(&path) }),
        )
        .merge(crate::demo::routes())
}

/// One embedded file of `E` with its content type, or 404.
pub fn embedded<E: Embed>(path: &str) -> Response {
    match E::get(path) {
        Some(file) => {
            let mime = match path.rsplit('.').next() {
                Some("html") => "text/html; charset=utf-8",
                Some("js") => "text/javascript; charset=utf-8",
                Some("css") => "text/css; charset=utf-8",
                Some("svg") => "image/svg+xml",
                _ => "application/octet-stream",
            };
            (
                [
                    (header::CONTENT_TYPE, mime),
                    (header::CACHE_CONTROL, "no-cache"),
                ],
                file.data,
            )
                .into_response()
        }
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}
