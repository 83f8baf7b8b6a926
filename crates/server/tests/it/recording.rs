//! Call recording over real SIP and RTP (R31, R32, R45): a customer sending one tone and an
//! agent's phone sending another, the recording downloaded through the API and read as WAV;
//! and the real `sentral` binary killed with SIGKILL mid-call, then started again.

use crate::softphone::Softphone;
use crate::support::{DN_SALES, spawn_with_sip_calls};
use sentral_media::G711;
use sentral_server::config;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The customer's tone.
const CUSTOMER_HZ: f64 = 440.0;

/// The agent phone's tone.
const AGENT_HZ: f64 = 1_000.0;

#[tokio::test]
async fn r31_r32_a_call_is_recorded_in_two_channels_with_its_pause_as_silence_and_in_the_history() {
    // Noise removal off, so the recording holds the tones as sent.
    let text = config::DEMO_TOML.replace("noise_removal = true", "noise_removal = false");
    let config = config::parse(&text, "demo-recording.toml").expect("valid");
    let app = spawn_with_sip_calls(config, None).await;
    let sip = app.app.sip_addr.expect("SIP listens");
    let anna = app.ready_agent("anna", "Sales", "1001").await;
    let phone = Softphone::new("1001", "127.0.0.1", sip, G711::Pcmu).await;
    assert_eq!(phone.register("demo", 3600).await, 200);
    let mut events = app.events(anna.token(), None).await;
    let customer = Softphone::new("4791234567", "127.0.0.1", sip, G711::Pcma).await;
    customer.play_tone(CUSTOMER_HZ as u32);
    let (status, call) = customer.call(DN_SALES).await;
    assert_eq!(status, 200);
    let call = call.expect("a dialog");
    let ringing = phone.ring().await;
    phone.play_tone(AGENT_HZ as u32);
    phone.answer(&ringing).await;
    let (connected, _) = events.until("connected").await;
    let task = connected["task"].as_u64().expect("the task");

    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let paused = anna
        .post_empty(&format!("/api/v1/tasks/{task}/record/pause"))
        .await;
    assert!(paused.is_success(), "{paused:?}");
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    let resumed = anna
        .post_empty(&format!("/api/v1/tasks/{task}/record/resume"))
        .await;
    assert!(resumed.is_success(), "{resumed:?}");
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    assert_eq!(customer.bye(&call).await, 200);
    phone.expect_bye(&ringing).await;
    events.until("wrap_up_required").await;

    // The history lists the recording with its pause and resume, who did it is the owner.
    let supervisor = app.user("supervisor").await;
    let mut record = Value::Null;
    for _ in 0..50 {
        let history = supervisor.get("/api/v1/interactions").await;
        record = history.body[0].clone();
        if record["recording_changes"]
            .as_array()
            .is_some_and(|c| c.len() >= 4)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(record["id"], task, "{record:#}");
    let states: Vec<&str> = record["recording_changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|change| change["state"].as_str().expect("a state"))
        .collect();
    assert_eq!(states, ["on", "paused", "on", "off"], "{record:#}");
    let url = record["recording"].as_str().expect("a recording URL");
    assert_eq!(url, format!("/api/v1/interactions/{task}/recording"));

    // Agents may not download it; supervisors may.
    assert_eq!(anna.get(url).await.status, 403);
    let wav = download(&app.url(url), supervisor.token()).await;
    let (left, right) = channels(&wav);
    let seconds = left.len() as f64 / 8_000.0;
    assert!(
        (3.5..5.0).contains(&seconds),
        "{seconds:.2} s recorded for about 3.9 s connected"
    );
    // Left: the customer (440 Hz); right: what the customer heard, the agent (1000 Hz).
    let talk = &left[4_000..12_000];
    assert!(level(talk, CUSTOMER_HZ) > 0.3, "left is the customer");
    assert!(level(talk, AGENT_HZ) < 0.02, "left has no agent");
    let heard = &right[4_000..12_000];
    assert!(level(heard, AGENT_HZ) > 0.3, "right is the agent");
    assert!(
        level(heard, CUSTOMER_HZ) < 0.02,
        "right has no customer echo"
    );
    // The pause: digital silence in both channels for about as long as it lasted.
    let silent = longest_silence(&left, &right) as f64 / 8_000.0;
    assert!(
        (0.9..1.6).contains(&silent),
        "the pause of 1.2 s is {silent:.2} s of silence"
    );
    // After the pause the call is recorded again.
    let after = &left[left.len() - 6_000..left.len() - 2_000];
    assert!(level(after, CUSTOMER_HZ) > 0.3, "resumed");
}

#[tokio::test]
async fn r31_r45_a_recording_survives_sigkill_of_the_server_up_to_about_a_second_before_it() {
    let data = tempfile::tempdir().expect("temp dir");
    let mut server = Server::start(data.path());
    let http = reqwest::Client::new();
    let anna = login(&http, &server.base, "anna").await;
    let reply = send(
        &http,
        &server.base,
        &anna,
        "POST",
        "/api/v1/agents/me/session",
        json!({"team": "Sales", "extension": "1001"}),
    )
    .await;
    assert_eq!(reply, 200, "station log-in");
    let phone = Softphone::new("1001", "127.0.0.1", server.sip, G711::Pcmu).await;
    assert_eq!(phone.register("demo", 3600).await, 200);
    // The registration reaches the engine a moment later.
    let mut available = 0;
    for _ in 0..100 {
        available = send(
            &http,
            &server.base,
            &anna,
            "PUT",
            "/api/v1/agents/me/state",
            json!({"state": "available"}),
        )
        .await;
        if available == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(available, 200, "anna available");

    let customer = Softphone::new("4791234567", "127.0.0.1", server.sip, G711::Pcmu).await;
    customer.play_tone(CUSTOMER_HZ as u32);
    let (status, _call) = customer.call(DN_SALES).await;
    assert_eq!(status, 200);
    let ringing = phone.ring().await;
    phone.play_tone(AGENT_HZ as u32);
    phone.answer(&ringing).await;
    let connected_at = Instant::now();
    // Killed just before a flush (one every second of recording), so the header alone would
    // miss most of the last second: only the start-up repair gets it back.
    tokio::time::sleep(Duration::from_millis(3_850)).await;
    server.kill();
    let talked = connected_at.elapsed().as_secs_f64();

    let dir = data.path().join("recordings").join("demo");
    let files: Vec<_> = std::fs::read_dir(&dir)
        .expect("the organisation's recordings")
        .map(|entry| entry.expect("an entry").path())
        .collect();
    assert_eq!(files.len(), 1, "one recording: {files:?}");

    // Started again, the server repairs the file's header before anything else.
    let server = Server::start(data.path());
    let (left, right) = channels(&std::fs::read(&files[0]).expect("the recording"));
    assert_eq!(left.len(), right.len());
    let seconds = left.len() as f64 / 8_000.0;
    // At most the last second is lost (the header is brought up to date every second); the
    // start-up repair recovers what was written after that too, all but the writer's buffer.
    assert!(
        seconds >= talked - 0.6 && seconds <= talked + 0.3,
        "{seconds:.2} s recorded of {talked:.2} s talked before SIGKILL"
    );
    // It plays to its end: the agent is heard in its last half second.
    assert!(
        level(&right[right.len() - 4_000..], AGENT_HZ) > 0.3,
        "the end plays"
    );

    // And it is downloadable after the restart.
    let supervisor = login(&http, &server.base, "supervisor").await;
    let name = files[0]
        .file_stem()
        .and_then(|s| s.to_str())
        .expect("an id");
    let wav = download(
        &format!("{}/api/v1/interactions/{name}/recording", server.base),
        &supervisor,
    )
    .await;
    assert_eq!(channels(&wav).0.len(), left.len());
}

/// The real `sentral serve` with the demo organisation as a child process (not `sentral demo`,
/// whose simulated phones and customers would share the call).
struct Server {
    child: Child,
    /// `http://host:port`.
    base: String,
    /// Where SIP listens.
    sip: SocketAddr,
}

impl Server {
    /// Starts `sentral serve` with the demo's configuration on free ports, its data in `data`,
    /// and waits until it listens.
    fn start(data: &Path) -> Server {
        let config = data.join("sentral.toml");
        std::fs::write(&config, config::DEMO_TOML).expect("the configuration file");
        let mut child = Command::new(env!("CARGO_BIN_EXE_sentral"))
            .args(["serve", "--http", "127.0.0.1:0", "--sip", "127.0.0.1:0"])
            .arg("--config")
            .arg(&config)
            .arg("--data-dir")
            .arg(data)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the sentral binary starts");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let (mut http, mut sip) = (None, None);
        // "Sentral is running: desktop http://127.0.0.1:PORT/, SIP sip:127.0.0.1:PORT (data …)"
        for line in stdout.lines() {
            let line = line.expect("a line");
            if let Some((_, rest)) = line.split_once("desktop ") {
                let url = rest.split(',').next().expect("a URL");
                http = Some(url.trim_end_matches('/').to_owned());
            }
            if let Some((_, rest)) = line.split_once("SIP sip:") {
                let addr = rest.split_whitespace().next().expect("an address");
                sip = Some(addr.parse().expect("the SIP address"));
            }
            if http.is_some() && sip.is_some() {
                break;
            }
        }
        Server {
            child,
            base: http.expect("the HTTP address is printed"),
            sip: sip.expect("the SIP address is printed"),
        }
    }

    /// SIGKILL: no shutdown, no flush, nothing.
    fn kill(&mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("the server is gone");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn login(http: &reqwest::Client, base: &str, username: &str) -> String {
    let reply: Value = http
        .post(format!("{base}/api/v1/login"))
        .json(&json!({"username": username, "password": "demo"}))
        .send()
        .await
        .expect("sign-in")
        .json()
        .await
        .expect("JSON");
    reply["token"].as_str().expect("a token").to_owned()
}

async fn send(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    method: &str,
    path: &str,
    body: Value,
) -> u16 {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
    http.request(method, format!("{base}{path}"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("a reply")
        .status()
        .as_u16()
}

/// Downloads a recording: 200, `audio/wav`.
async fn download(url: &str, token: &str) -> Vec<u8> {
    let reply = reqwest::Client::new()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("a reply");
    assert_eq!(reply.status(), 200, "{url}");
    assert_eq!(reply.headers()["content-type"], "audio/wav");
    reply.bytes().await.expect("the file").to_vec()
}

/// The left and right channels of a WAV file of ours (checked: 2 channels, 8 kHz, 16 bits).
fn channels(wav: &[u8]) -> (Vec<i16>, Vec<i16>) {
    let mut reader = hound::WavReader::new(wav).expect("a WAV file");
    let spec = reader.spec();
    assert_eq!(
        (spec.channels, spec.sample_rate, spec.bits_per_sample),
        (2, 8_000, 16)
    );
    let samples: Vec<i16> = reader
        .samples::<i16>()
        .map(|sample| sample.expect("a sample"))
        .collect();
    samples
        .chunks_exact(2)
        .map(|pair| (pair[0], pair[1]))
        .unzip()
}

/// The Goertzel level of `hz` (about 1.0 for the test phones' tone).
fn level(samples: &[i16], hz: f64) -> f64 {
    let samples: Vec<f64> = samples.iter().map(|&s| f64::from(s) / 8_000.0).collect();
    crate::softphone::goertzel(&samples, hz)
}

/// The longest run of samples where both channels are exactly zero.
fn longest_silence(left: &[i16], right: &[i16]) -> usize {
    let (mut longest, mut run) = (0, 0);
    for (l, r) in left.iter().zip(right) {
        run = if *l == 0 && *r == 0 { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

#[tokio::test]
async fn housekeeping_recording_downloads_stream_byte_ranges_and_never_past_retention() {
    // Downloads read the whole file into memory and ignored Range; a file past its retention
    // was served until the hourly sweep deleted it.
    let app = crate::support::spawn_demo().await;
    let path = crate::support::recording_file(&app, "demo", 41);
    std::fs::create_dir_all(path.parent().expect("a directory")).expect("the directory");
    let bytes: Vec<u8> = (0..300_000u32).map(|n| (n % 251) as u8).collect();
    std::fs::write(&path, &bytes).expect("the recording");
    let supervisor = app.user("supervisor").await;
    let url = "/api/v1/interactions/41/recording";

    let whole = supervisor
        .request(reqwest::Method::GET, url)
        .send()
        .await
        .unwrap();
    assert_eq!(whole.status(), 200);
    assert_eq!(whole.headers()["accept-ranges"], "bytes");
    assert_eq!(whole.bytes().await.unwrap().as_ref(), &bytes[..]);

    let part = supervisor
        .request(reqwest::Method::GET, url)
        .header("range", "bytes=100000-100009")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(
        part.headers()["content-range"],
        "bytes 100000-100009/300000"
    );
    assert_eq!(
        part.bytes().await.unwrap().as_ref(),
        &bytes[100_000..100_010]
    );

    let tail = supervisor
        .request(reqwest::Method::GET, url)
        .header("range", "bytes=-5")
        .send()
        .await
        .unwrap();
    assert_eq!(tail.status(), 206);
    assert_eq!(tail.bytes().await.unwrap().as_ref(), &bytes[299_995..]);

    let past_end = supervisor
        .request(reqwest::Method::GET, url)
        .header("range", "bytes=300000-")
        .send()
        .await
        .unwrap();
    assert_eq!(past_end.status(), 416);
    assert_eq!(past_end.headers()["content-range"], "bytes */300000");

    // Retention one hour; the file was last written two hours ago: not served any more.
    let admin = app.user("admin").await;
    let changed = admin
        .patch(
            "/api/v1/admin/settings",
            serde_json::json!({"recording_retention": "1h"}),
        )
        .await;
    assert_eq!(changed.status, 200, "{changed:?}");
    let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
    std::fs::File::options()
        .write(true)
        .open(&path)
        .and_then(|file| file.set_modified(two_hours_ago))
        .expect("the file's time");
    let expired = supervisor.get(url).await;
    assert_eq!(expired.status, 404, "{expired:?}");
    assert_eq!(expired.error_code(), "not_found");
}

#[tokio::test]
async fn r31_r44_a_supervisor_assigned_to_teams_hears_only_their_queues_calls() {
    // Goal: the team scope of R44 covers recordings. Method: a recorded Sales call (its file
    // written by hand), a supervisor assigned to Support and one to Sales; only the Sales one
    // and the unassigned supervisor may download it.
    let app = crate::support::spawn_demo().await;
    let _anna = app.ready_agent("anna", "Sales", "1001").await;
    let (task, _) = crate::support::answered_call(&app, 1, DN_SALES, "1001").await;
    let path = crate::support::recording_file(&app, "demo", task);
    std::fs::create_dir_all(path.parent().expect("a directory")).expect("the directory");
    std::fs::write(&path, b"RIFF....WAVE").expect("the recording");
    let admin = app.user("admin").await;
    for (lead, team) in [("support_lead", "Support"), ("sales_lead", "Sales")] {
        let created = admin
            .put(
                &format!("/api/v1/admin/users/{lead}"),
                json!({"role": "supervisor", "password": crate::support::PASSWORD}),
            )
            .await;
        assert_eq!(created.status, 201, "{created:?}");
        let assigned = admin
            .put(
                &format!("/api/v1/admin/teams/{team}"),
                json!({"supervisors": [lead]}),
            )
            .await;
        assert_eq!(assigned.status, 200, "{assigned:?}");
    }
    let url = format!("/api/v1/interactions/{task}/recording");
    for (who, status) in [
        ("supervisor", 200),
        ("sales_lead", 200),
        ("support_lead", 404),
    ] {
        let reply = app
            .user(who)
            .await
            .request(reqwest::Method::GET, &url)
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), status, "{who}");
    }
}
