//! `wsload`: the desktop fan-out load client of `bench/ws-fanout`.
//!
//! Signs in `--agents` agents over the REST API (`a0`, `a1`, … with one password), opens one
//! event WebSocket per agent (`/api/v1/events`, bearer token) and keeps them all open; then logs
//! every agent in to its team at its extension and makes it Available, the way the Agent
//! Desktop does. For every event received it records the receive time minus the envelope's
//! `at_unix_ms` (when the server published it), per phase.
//!
//! Phases, each announced as one JSON line on stdout: `logged_in`, `connected` (every socket
//! open and idle), `available`; then `storm` until `stop`, and a final `done` line with the
//! latency figures. Unless `--duration` is given, the client waits for one line on stdin after
//! each of `logged_in`, `connected`, `available` and `storm` (the last one ends the storm), so
//! the caller can measure the server in between.
//! A socket the server closes (a slow reader) reconnects with `?since=<last seq>`, as the
//! desktop does.

use clap::Parser;
use futures_util::StreamExt;
use std::collections::BTreeMap;
use std::io::BufRead;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::{Semaphore, mpsc};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

#[derive(Parser, Debug)]
#[command(about = "Sentral desktop fan-out load client")]
struct Args {
    /// The server's HTTP address.
    #[arg(long, default_value = "127.0.0.1:18080")]
    server: String,
    /// How many agents (user names `<prefix>0` … `<prefix>N-1`).
    #[arg(long, default_value_t = 10_000)]
    agents: usize,
    /// User name prefix.
    #[arg(long, default_value = "a")]
    prefix: String,
    /// Every agent's password.
    #[arg(long, default_value = "bench")]
    password: String,
    /// The team every agent logs in to.
    #[arg(long, default_value = "Bench")]
    team: String,
    /// Agent i's extension is this plus i.
    #[arg(long, default_value_t = 20_000)]
    extension_base: usize,
    /// Requests and connection attempts in flight at once.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Run unattended: no stdin lines; the storm phase lasts this many seconds.
    #[arg(long)]
    duration: Option<u64>,
}

/// Latencies (µs) and counts of one phase.
#[derive(Default)]
struct PhaseStats {
    latencies_us: Vec<u64>,
    types: BTreeMap<String, u64>,
    missing_time: u64,
}

const PHASES: [&str; 4] = ["connected", "available", "storm", "after_stop"];

struct Shared {
    phase: AtomicUsize,
    stats: Mutex<Vec<PhaseStats>>,
    open: AtomicUsize,
    reconnects: AtomicU64,
    errors: Mutex<BTreeMap<String, u64>>,
    /// When the storm phase began (Unix µs).
    storm_start_us: AtomicU64,
    /// Per second of the storm: events received, the slowest (µs), events over 50 ms.
    timeline: Mutex<Vec<[u64; 3]>>,
}

impl Shared {
    fn error(&self, what: impl Into<String>) {
        *self
            .errors
            .lock()
            .expect("errors lock")
            .entry(what.into())
            .or_default() += 1;
    }
}

fn unix_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_micros() as u64
}

fn say(value: serde_json::Value) {
    println!("{value}");
}

fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(run(args));
}

async fn run(args: Args) {
    let shared = Arc::new(Shared {
        phase: AtomicUsize::new(0),
        stats: Mutex::new(PHASES.iter().map(|_| PhaseStats::default()).collect()),
        open: AtomicUsize::new(0),
        reconnects: AtomicU64::new(0),
        errors: Mutex::new(BTreeMap::new()),
        storm_start_us: AtomicU64::new(0),
        timeline: Mutex::new(Vec::new()),
    });
    let (lines_tx, mut lines) = mpsc::unbounded_channel::<String>();
    if args.duration.is_none() {
        std::thread::spawn(move || {
            for line in std::io::stdin().lock().lines() {
                let Ok(line) = line else { break };
                if lines_tx.send(line).is_err() {
                    break;
                }
            }
        });
    }
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .timeout(Duration::from_secs(120))
        .build()
        .expect("an HTTP client");
    let base = format!("http://{}", args.server);
    let gate = Arc::new(Semaphore::new(args.concurrency));

    // 1. Sign in.
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(args.agents);
    for i in 0..args.agents {
        let (http, base, gate, shared) = (http.clone(), base.clone(), gate.clone(), shared.clone());
        let body = serde_json::json!({"username": format!("{}{i}", args.prefix), "password": args.password});
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire().await.expect("gate open");
            match post_json(
                &http,
                reqwest::Method::POST,
                &format!("{base}/api/v1/login"),
                &body,
                None,
            )
            .await
            {
                Ok(reply) => reply["token"].as_str().map(str::to_owned),
                Err(e) => {
                    shared.error(format!("login: {e}"));
                    None
                }
            }
        }));
    }
    let mut tokens = Vec::with_capacity(args.agents);
    for task in tasks {
        tokens.push(task.await.expect("login task"));
    }
    let logged_in = tokens.iter().filter(|t| t.is_some()).count();
    say(
        serde_json::json!({"phase": "logged_in", "agents": logged_in,
        "seconds": started.elapsed().as_secs_f64(), "client_rss_mb": rss_mb()}),
    );
    wait_line(&mut lines, &args, Duration::from_secs(1)).await;

    // 2. One event WebSocket per agent, kept open.
    let started = Instant::now();
    let (ready_tx, mut ready_rx) = mpsc::unbounded_channel::<bool>();
    for token in tokens.iter().flatten() {
        let (token, shared, gate, ready) = (
            token.clone(),
            shared.clone(),
            gate.clone(),
            ready_tx.clone(),
        );
        let url = format!("ws://{}/api/v1/events", args.server);
        tokio::spawn(socket(url, token, shared, gate, ready));
    }
    drop(ready_tx);
    let mut connected = 0;
    for _ in 0..logged_in {
        match ready_rx.recv().await {
            Some(true) => connected += 1,
            Some(false) => {}
            None => break,
        }
    }
    say(
        serde_json::json!({"phase": "connected", "connected": connected,
        "seconds": started.elapsed().as_secs_f64(), "client_rss_mb": rss_mb()}),
    );
    wait_line(&mut lines, &args, Duration::from_secs(1)).await;

    // 3. Log in to the team and become Available.
    shared.phase.store(1, Ordering::SeqCst);
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(args.agents);
    for (i, token) in tokens.iter().enumerate() {
        let Some(token) = token.clone() else { continue };
        let (http, base, gate, shared) = (http.clone(), base.clone(), gate.clone(), shared.clone());
        let station = serde_json::json!({"team": args.team, "extension": (args.extension_base + i).to_string()});
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire().await.expect("gate open");
            let url = format!("{base}/api/v1/agents/me/session");
            if let Err(e) =
                post_json(&http, reqwest::Method::POST, &url, &station, Some(&token)).await
            {
                shared.error(format!("session: {e}"));
                return false;
            }
            let url = format!("{base}/api/v1/agents/me/state");
            let body = serde_json::json!({"state": "available"});
            if let Err(e) = post_json(&http, reqwest::Method::PUT, &url, &body, Some(&token)).await
            {
                shared.error(format!("available: {e}"));
                return false;
            }
            true
        }));
    }
    let mut available = 0;
    for task in tasks {
        available += usize::from(task.await.expect("sign-in task"));
    }
    say(
        serde_json::json!({"phase": "available", "available": available,
        "seconds": started.elapsed().as_secs_f64(), "client_rss_mb": rss_mb()}),
    );
    wait_line(&mut lines, &args, Duration::from_secs(2)).await;

    // 4. The storm, until told to stop.
    shared.storm_start_us.store(unix_us(), Ordering::SeqCst);
    shared.phase.store(2, Ordering::SeqCst);
    let started = Instant::now();
    say(serde_json::json!({"phase": "storm"}));
    wait_line(
        &mut lines,
        &args,
        Duration::from_secs(args.duration.unwrap_or(0)),
    )
    .await;
    let storm_seconds = started.elapsed().as_secs_f64();
    shared.phase.store(3, Ordering::SeqCst);

    // 5. The report.
    let stats = shared.stats.lock().expect("stats lock");
    let mut phases = serde_json::Map::new();
    for (name, phase) in PHASES.iter().zip(stats.iter()) {
        let mut sorted = phase.latencies_us.clone();
        sorted.sort_unstable();
        let pick = |p: f64| -> f64 {
            if sorted.is_empty() {
                return f64::NAN;
            }
            let k = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
            sorted[k.min(sorted.len() - 1)] as f64 / 1000.0
        };
        phases.insert(
            (*name).to_owned(),
            serde_json::json!({
                "events": sorted.len() as u64 + phase.missing_time,
                "p50_ms": pick(50.0), "p99_ms": pick(99.0),
                "p999_ms": pick(99.9), "max_ms": pick(100.0),
                "without_time": phase.missing_time,
                "types": phase.types,
            }),
        );
    }
    say(serde_json::json!({
        "phase": "done",
        "agents": args.agents,
        "logged_in": logged_in,
        "connected": connected,
        "available": available,
        "open_at_end": shared.open.load(Ordering::SeqCst),
        "reconnects": shared.reconnects.load(Ordering::SeqCst),
        "storm_seconds": storm_seconds,
        "phases": phases,
        "errors": *shared.errors.lock().expect("errors lock"),
        "storm_timeline": shared.timeline.lock().expect("timeline lock").iter()
            .map(|[n, max_us, slow]| serde_json::json!([n, *max_us as f64 / 1000.0, slow]))
            .collect::<Vec<_>>(),
        "client_rss_mb": rss_mb(),
    }));
    std::process::exit(0);
}

/// Waits for a line on stdin, or sleeps `unattended` when running with `--duration`.
async fn wait_line(lines: &mut mpsc::UnboundedReceiver<String>, args: &Args, unattended: Duration) {
    if args.duration.is_some() {
        tokio::time::sleep(unattended).await;
    } else {
        let _ = lines.recv().await;
    }
}

async fn post_json(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    body: &serde_json::Value,
    token: Option<&str>,
) -> Result<serde_json::Value, String> {
    let mut request = http.request(method, url).json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let reply = request.send().await.map_err(|e| {
        if e.is_timeout() {
            "timeout".to_owned()
        } else {
            "connection".to_owned()
        }
    })?;
    let status = reply.status();
    if !status.is_success() {
        let text = reply.text().await.unwrap_or_default();
        let code = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v["code"].as_str().map(str::to_owned))
            .unwrap_or_default();
        return Err(format!("{} {code}", status.as_u16()));
    }
    reply.json().await.map_err(|_| "bad json".to_owned())
}

/// One agent's event socket: connects, reads until the server closes it, reconnects with
/// `?since=<last seq>` like the desktop.
async fn socket(
    url: String,
    token: String,
    shared: Arc<Shared>,
    gate: Arc<Semaphore>,
    ready: mpsc::UnboundedSender<bool>,
) {
    let mut last_seq: Option<u64> = None;
    let mut ready = Some(ready);
    let mut failures = 0u32;
    loop {
        let target = match last_seq {
            Some(seq) => format!("{url}?since={seq}"),
            None => url.clone(),
        };
        let mut request = target.into_client_request().expect("a WebSocket URL");
        request.headers_mut().insert(
            "authorization",
            format!("Bearer {token}").parse().expect("a header value"),
        );
        let connection = {
            let _permit = gate.acquire().await.expect("gate open");
            // tungstenite's default 128 KiB read buffer per socket would make the client the
            // biggest process in the room; events are small.
            let config = WebSocketConfig::default()
                .read_buffer_size(4096)
                .write_buffer_size(0);
            tokio_tungstenite::connect_async_with_config(request, Some(config), true).await
        };
        let mut stream = match connection {
            Ok((stream, _)) => stream,
            Err(e) => {
                shared.error(format!("connect: {}", short(&e.to_string())));
                failures += 1;
                if failures >= 5 {
                    if let Some(ready) = ready.take() {
                        let _ = ready.send(false);
                    }
                    return;
                }
                tokio::time::sleep(Duration::from_millis(200 * u64::from(failures))).await;
                continue;
            }
        };
        failures = 0;
        shared.open.fetch_add(1, Ordering::SeqCst);
        if let Some(ready) = ready.take() {
            let _ = ready.send(true);
        }
        while let Some(message) = stream.next().await {
            let text = match message {
                Ok(Message::Text(text)) => text,
                Ok(Message::Close(_)) => break,
                Ok(_) => continue,
                Err(e) => {
                    shared.error(format!("read: {}", short(&e.to_string())));
                    break;
                }
            };
            let received_us = unix_us();
            let Ok(event) = serde_json::from_str::<serde_json::Value>(&text) else {
                shared.error("unparsable event");
                continue;
            };
            if let Some(seq) = event["seq"].as_u64() {
                last_seq = Some(seq);
            }
            let phase = shared.phase.load(Ordering::Relaxed);
            let mut stats = shared.stats.lock().expect("stats lock");
            let stats = &mut stats[phase];
            *stats
                .types
                .entry(event["type"].as_str().unwrap_or("?").to_owned())
                .or_default() += 1;
            match event["at_unix_ms"].as_u64() {
                Some(at_ms) => {
                    let latency_us = received_us.saturating_sub(at_ms * 1000);
                    stats.latencies_us.push(latency_us);
                    if phase == 2 {
                        let start = shared.storm_start_us.load(Ordering::Relaxed);
                        let second = (received_us.saturating_sub(start) / 1_000_000) as usize;
                        let mut timeline = shared.timeline.lock().expect("timeline lock");
                        if timeline.len() <= second {
                            timeline.resize(second + 1, [0; 3]);
                        }
                        let slot = &mut timeline[second];
                        slot[0] += 1;
                        slot[1] = slot[1].max(latency_us);
                        slot[2] += u64::from(latency_us > 50_000);
                    }
                }
                None => stats.missing_time += 1,
            }
        }
        shared.open.fetch_sub(1, Ordering::SeqCst);
        shared.reconnects.fetch_add(1, Ordering::SeqCst);
    }
}

fn short(text: &str) -> String {
    text.chars().take(60).collect()
}
