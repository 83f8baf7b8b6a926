//! A test double for the Agent Desktop's browser tests: the real server with the demo
//! organisation, a fake phone network, and a small control API that lets a test play that
//! network (register a phone, place a customer call, pick up, hang up).
//!
//! It is an example, not part of the `sentral` binary. Usage:
//!
//! ```sh
//! cargo run --example e2e_server -p sentral-server -- <http port> <control port> [rona timeout]
//! ```
//!
//! The RONA timeout (default `6s`) replaces the demo's 15 seconds so RONA tests stay short.
//! Control routes (all `POST`, JSON answers):
//! - `/register/{extension}`, `/unregister/{extension}`: the phone at that extension comes and goes.
//! - `/call` with `{"dnis", "ani"}`: a customer calls; answers `{"leg"}`.
//! - `/answer/{extension}`: the agent picks up the phone that rings last at that extension.
//! - `/answer/dial/{number}`: the far end of the last dial-out to that number answers.
//! - `/hangup/leg/{leg}`: the far end of a leg hangs up (a customer's `leg` from `/call`).
//! - `/dtmf/{leg}/{digit}`: the caller on a leg presses a key (`1` asks for a courtesy callback).
//! - `/hangup/agent/{extension}`: the agent hangs up the phone.
//! - `/fail/{extension}`: the ringing phone at that extension fails (device gone).
//! - `/recording/{task}`: writes a 20 s two-channel recording of the task where the server keeps
//!   recordings (this network carries no media).
//! - `GET /legs`: the legs the engine placed, for debugging a test.

use anyhow::{Context, Result};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use sentral_engine::{FailCause, LegId, TelephonyCommand, TelephonyEvent};
use sentral_server::org::OrgHandle;
use sentral_server::telephony::TelephonyAdapter;
use sentral_server::{StartOptions, config};
use serde::Deserialize;
use serde_json::json;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

#[tokio::main]
async fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let args: Vec<String> = std::env::args().collect();
    let (Some(http_port), Some(control_port)) = (args.get(1), args.get(2)) else {
        anyhow::bail!("usage: e2e_server <http port> <control port> [rona timeout, e.g. 6s]");
    };
    let http_port: u16 = http_port.parse().context("the HTTP port is a number")?;
    let control_port: u16 = control_port
        .parse()
        .context("the control port is a number")?;
    let rona = args.get(3).map_or("6s", String::as_str);

    let text = config::DEMO_TOML.replace(
        "rona_timeout = \"15s\"",
        &format!("rona_timeout = {rona:?}"),
    );
    let server_config = config::parse(&text, "demo.toml (e2e)").map_err(|problems| {
        anyhow::anyhow!(
            "the e2e configuration is invalid: {}",
            problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        )
    })?;
    let data_dir = tempfile::tempdir().context("a temporary data directory")?;
    let phone = Arc::new(FakePhone::default());
    let app = sentral_server::start(StartOptions {
        config: server_config,
        data_dir: data_dir.path().to_path_buf(),
        http: SocketAddr::from(([127, 0, 0, 1], http_port)),
        telephony: Some(phone.clone()),
        sip: None,
    })
    .await?;
    let org = app.org("demo").context("the demo organisation runs")?;

    let control = Control {
        org,
        phone,
        next_leg: Arc::new(AtomicU64::new(1)),
        recordings: sentral_server::recordings::dir_in(data_dir.path()),
    };
    let router = Router::new()
        .route("/register/{extension}", post(register))
        .route("/unregister/{extension}", post(unregister))
        .route("/call", post(call))
        .route("/answer/{extension}", post(answer))
        .route("/answer/dial/{number}", post(answer_dial))
        .route("/hangup/leg/{leg}", post(hangup_leg))
        .route("/hangup/agent/{extension}", post(hangup_agent))
        .route("/dtmf/{leg}/{digit}", post(dtmf))
        .route("/fail/{extension}", post(fail))
        .route("/panic/{task}", post(arm_panic))
        .route("/legs", get(legs))
        .route("/recording/{task}", post(recording))
        .with_state(control);
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], control_port)))
        .await
        .with_context(|| format!("cannot listen for control on port {control_port}"))?;
    println!(
        "e2e_server: desktop http://{} control http://{}",
        app.http_addr,
        listener.local_addr()?
    );
    let serve = axum::serve(listener, router);
    tokio::select! {
        result = serve => result.context("the control listener failed")?,
        _ = tokio::signal::ctrl_c() => {}
    }
    app.shutdown().await?;
    drop(data_dir);
    Ok(())
}

/// The control API's state.
#[derive(Clone)]
struct Control {
    /// The demo organisation, to report telephony events to.
    org: OrgHandle,
    /// What the engine asked of the phone network.
    phone: Arc<FakePhone>,
    /// The next leg id for a customer's call (the network's ids have the top bit clear).
    next_leg: Arc<AtomicU64>,
    /// Where the server looks for recordings (this fake network carries no media, so a test
    /// asks for a recording to be written: `/recording/{task}`).
    recordings: std::path::PathBuf,
}

/// Writes the recording the media side would have made of a task: 20 s of two-channel 8 kHz
/// 16-bit PCM, the customer's channel (left) a 440 Hz tone, the agent's side (right) 660 Hz,
/// in the place and format of a real one (R31).
async fn recording(
    State(control): State<Control>,
    Path(task): Path<u64>,
) -> Result<Json<serde_json::Value>, (StatusCode, String)> {
    const RATE: u32 = 8_000;
    const SECONDS: u32 = 20;
    let n_frames = RATE * SECONDS;
    let mut wav = Vec::with_capacity(44 + n_frames as usize * 4);
    let data_bytes = n_frames * 4;
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data_bytes).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
    wav.extend_from_slice(&2u16.to_le_bytes()); // two channels
    wav.extend_from_slice(&RATE.to_le_bytes());
    wav.extend_from_slice(&(RATE * 4).to_le_bytes());
    wav.extend_from_slice(&4u16.to_le_bytes());
    wav.extend_from_slice(&16u16.to_le_bytes());
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&data_bytes.to_le_bytes());
    for frame in 0..n_frames {
        let t = f64::from(frame) / f64::from(RATE);
        for hz in [440.0, 660.0] {
            let sample = (8_000.0 * (2.0 * std::f64::consts::PI * hz * t).sin()) as i16;
            wav.extend_from_slice(&sample.to_le_bytes());
        }
    }
    let path = control.recordings.join("demo").join(format!("{task}.wav"));
    let fail = |e: std::io::Error| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string());
    tokio::fs::create_dir_all(path.parent().expect("a directory"))
        .await
        .map_err(fail)?;
    tokio::fs::write(&path, wav).await.map_err(fail)?;
    Ok(Json(
        json!({ "bytes": 44 + data_bytes, "seconds": SECONDS }),
    ))
}

/// The phone network's double: records the legs the engine places; a placed agent leg starts
/// ringing at once, as a registered phone does.
#[derive(Debug, Default)]
struct FakePhone {
    legs: Mutex<Vec<PlacedLeg>>,
}

/// A leg the engine placed.
#[derive(Clone, Debug)]
struct PlacedLeg {
    /// The leg.
    leg: LegId,
    /// The interaction.
    task: u64,
    /// `extension:<ext>` for an agent's phone, `dial:<number>` for a dial-out.
    target: String,
}

impl TelephonyAdapter for FakePhone {
    fn command(&self, _org: &str, command: TelephonyCommand, events: &OrgHandle) {
        let placed = match command {
            TelephonyCommand::RingAgent {
                leg,
                interaction,
                extension,
                ..
            } => PlacedLeg {
                leg,
                task: interaction.0,
                target: format!("extension:{extension}"),
            },
            TelephonyCommand::Dial {
                leg,
                interaction,
                number,
            } => PlacedLeg {
                leg,
                task: interaction.0,
                target: format!("dial:{number}"),
            },
            _ => return,
        };
        let leg = placed.leg;
        self.legs.lock().expect("phone lock").push(placed);
        events.telephony(TelephonyEvent::Ringing { leg });
    }
}

impl FakePhone {
    /// The last leg placed to `target`.
    fn last(&self, target: &str) -> Option<PlacedLeg> {
        let legs = self.legs.lock().expect("phone lock");
        legs.iter().rev().find(|l| l.target == target).cloned()
    }
}

#[derive(Deserialize)]
struct CallRequest {
    dnis: String,
    ani: String,
}

async fn register(State(control): State<Control>, Path(extension): Path<String>) -> Response {
    control
        .report(TelephonyEvent::DeviceRegistered { extension })
        .await
}

async fn unregister(State(control): State<Control>, Path(extension): Path<String>) -> Response {
    control
        .report(TelephonyEvent::DeviceUnregistered { extension })
        .await
}

async fn call(State(control): State<Control>, Json(request): Json<CallRequest>) -> Response {
    let leg = LegId(control.next_leg.fetch_add(1, Ordering::Relaxed));
    control
        .report(TelephonyEvent::CallArrived {
            leg,
            dnis: request.dnis,
            ani: request.ani,
        })
        .await;
    Json(json!({"leg": leg.0})).into_response()
}

async fn answer(State(control): State<Control>, Path(extension): Path<String>) -> Response {
    control
        .on_last(&format!("extension:{extension}"), |leg| {
            TelephonyEvent::Answered { leg }
        })
        .await
}

async fn answer_dial(State(control): State<Control>, Path(number): Path<String>) -> Response {
    control
        .on_last(&format!("dial:{number}"), |leg| TelephonyEvent::Answered {
            leg,
        })
        .await
}

async fn hangup_leg(State(control): State<Control>, Path(leg): Path<u64>) -> Response {
    control
        .report(TelephonyEvent::HungUp { leg: LegId(leg) })
        .await
}

async fn hangup_agent(State(control): State<Control>, Path(extension): Path<String>) -> Response {
    control
        .on_last(&format!("extension:{extension}"), |leg| {
            TelephonyEvent::HungUp { leg }
        })
        .await
}

async fn dtmf(State(control): State<Control>, Path((leg, digit)): Path<(u64, char)>) -> Response {
    control
        .report(TelephonyEvent::Dtmf {
            leg: LegId(leg),
            digit,
        })
        .await
}

/// The task's next step panics inside the engine, as a bug would (issue 18).
async fn arm_panic(State(control): State<Control>, Path(task): Path<u64>) -> Response {
    control
        .org
        .arm_contact_panic(sentral_engine::InteractionId(task))
        .await;
    Json(json!({ "task": task })).into_response()
}

async fn fail(State(control): State<Control>, Path(extension): Path<String>) -> Response {
    control
        .on_last(&format!("extension:{extension}"), |leg| {
            TelephonyEvent::Failed {
                leg,
                cause: FailCause::Unavailable,
            }
        })
        .await
}

async fn legs(State(control): State<Control>) -> Response {
    let legs = control.phone.legs.lock().expect("phone lock").clone();
    let legs: Vec<_> = legs
        .iter()
        .map(|l| json!({"leg": l.leg.0, "task": l.task, "target": l.target}))
        .collect();
    Json(legs).into_response()
}

impl Control {
    /// Reports an event and waits until the engine has handled it.
    async fn report(&self, event: TelephonyEvent) -> Response {
        self.org.telephony(event);
        match self.org.query(|_| ()).await {
            Some(()) => Json(json!({"ok": true})).into_response(),
            None => (StatusCode::SERVICE_UNAVAILABLE, "the organisation stopped").into_response(),
        }
    }

    /// Reports an event on the last leg placed to `target`.
    async fn on_last(&self, target: &str, event: impl FnOnce(LegId) -> TelephonyEvent) -> Response {
        match self.phone.last(target) {
            Some(placed) => {
                self.report(event(placed.leg)).await;
                Json(json!({"leg": placed.leg.0, "task": placed.task})).into_response()
            }
            None => (
                StatusCode::NOT_FOUND,
                format!("no leg was placed to {target}"),
            )
                .into_response(),
        }
    }
}
