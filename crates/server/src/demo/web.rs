//! The demo phone page at `/demo/phone` (plain HTML and JavaScript from `web/demo-phone`,
//! embedded in the binary) and its small JSON API under `/demo/api`. Neither is part of the
//! product API: they are not under `/api/v1`, not in the OpenAPI document, and every route
//! answers 404 unless `sentral demo` installed a simulator.
//!
//! - `GET /demo/api/status`: `{call_interval_ms, calls_placed, calls_active, calls_refused}`;
//!   the desktop probes it to show its link to this page.
//! - `GET /demo/api/phones`: every phone (`PhoneDto`).
//! - `POST /demo/api/phones/{extension}/answer`, `.../hangup`: 200 with the phone, 409 with
//!   `{code, message}` when the phone cannot do that now.
//! - `PUT /demo/api/phones/{extension}/manual` with `{"manual": true}`: the phone waits for a
//!   person to answer (false: it answers by itself after a few seconds).

use super::{PhoneCommand, Simulator, installed};
use crate::app::AppState;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use rust_embed::Embed;
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Embed)]
#[folder = "../../web/demo-phone/"]
struct PageFiles;

/// The page and its API; merged into the server's router, live only in `sentral demo`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/demo/phone", get(|| async { page("index.html") }))
        .route(
            "/demo/phone/{*path}",
            get(|Path(path): Path<String>| async move { page(&path) }),
        )
        .route("/demo/api/status", get(status))
        .route("/demo/api/phones", get(phones))
        .route("/demo/api/phones/{extension}/answer", post(answer))
        .route("/demo/api/phones/{extension}/hangup", post(hang_up))
        .route("/demo/api/phones/{extension}/manual", put(set_manual))
}

/// A phone as the page shows it.
#[derive(Debug, Serialize)]
struct PhoneDto {
    /// The extension it registers as.
    extension: String,
    /// The agent whose phone it is.
    agent: String,
    /// Whether Sentral has its registration.
    registered: bool,
    /// Why it is not registered, if it tried and failed.
    problem: Option<String>,
    /// Whether it waits for a person to answer.
    manual: bool,
    /// `idle`, `ringing` or `in_call`.
    state: &'static str,
    /// The caller's number while ringing or in a call.
    caller: Option<String>,
    /// Seconds since it started ringing or was answered.
    seconds: Option<u64>,
    /// RTP packets it has received in calls.
    packets_heard: u64,
}

/// The body of `PUT .../manual`.
#[derive(Debug, Deserialize)]
struct ManualBody {
    manual: bool,
}

fn page(path: &str) -> Response {
    if installed().is_none() {
        return not_demo();
    }
    crate::desktop::embedded::<PageFiles>(path)
}

async fn status() -> Response {
    let Some(simulator) = installed() else {
        return not_demo();
    };
    let traffic = simulator.traffic_status();
    Json(json!({
        "call_interval_ms": simulator.call_interval.as_millis() as u64,
        "calls_placed": traffic.n_placed,
        "calls_active": traffic.n_active,
        "calls_refused": traffic.n_refused,
    }))
    .into_response()
}

async fn phones() -> Response {
    let Some(simulator) = installed() else {
        return not_demo();
    };
    let phones: Vec<PhoneDto> = simulator
        .phones
        .iter()
        .map(|phone| phone_dto(simulator, &phone.settings.extension))
        .collect();
    Json(phones).into_response()
}

async fn answer(Path(extension): Path<String>) -> Response {
    command(&extension, PhoneCommand::Answer).await
}

async fn hang_up(Path(extension): Path<String>) -> Response {
    command(&extension, PhoneCommand::HangUp).await
}

async fn set_manual(Path(extension): Path<String>, Json(body): Json<ManualBody>) -> Response {
    command(&extension, PhoneCommand::SetManual(body.manual)).await
}

async fn command(extension: &str, command: PhoneCommand) -> Response {
    let Some(simulator) = installed() else {
        return not_demo();
    };
    let Some(phone) = simulator.phone(extension) else {
        return error(
            StatusCode::NOT_FOUND,
            "not_found",
            &format!("no demo phone {extension}"),
        );
    };
    match phone.command(command).await {
        Ok(()) => Json(phone_dto(simulator, extension)).into_response(),
        Err(reason) => error(StatusCode::CONFLICT, "conflict", reason),
    }
}

fn phone_dto(simulator: &Simulator, extension: &str) -> PhoneDto {
    let phone = simulator
        .phone(extension)
        .expect("the caller found the phone");
    let status = phone.status();
    let (state, caller, seconds) = match &status.call {
        None => ("idle", None, None),
        Some(call) => (
            if call.ringing { "ringing" } else { "in_call" },
            Some(call.caller.clone()),
            Some(call.since.elapsed().as_secs()),
        ),
    };
    PhoneDto {
        extension: phone.settings.extension.clone(),
        agent: phone.settings.agent.clone(),
        registered: status.registered,
        problem: status.problem,
        manual: status.manual,
        state,
        caller,
        seconds,
        packets_heard: phone.packets_heard(),
    }
}

fn not_demo() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "not_found",
        "the demo phone page exists only in `sentral demo` with its simulator",
    )
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({"code": code, "message": message}))).into_response()
}
