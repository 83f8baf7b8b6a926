//! `sentral demo` comes alive: the real binary with its simulator, driven over HTTP as the Agent
//! Desktop drives it. Simulated customers call over SIP, simulated phones register and ring,
//! and an agent who goes Available gets a call offered and connected with audio flowing; with
//! `--no-simulator` nothing registers and the demo phone page does not exist.

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// R3 R13: a simulated customer's call reaches anna's simulated phone, which registered by
/// itself, rings (the task is offered) and answers by itself (the task is connected), with audio
/// both ways through Sentral.
#[tokio::test]
async fn r3_r13_demo_simulated_call_is_offered_and_answered_by_the_simulated_phone() -> Result<()> {
    let demo = Demo::start(&["--demo-call-interval", "2s"])?;
    let http = reqwest::Client::new();

    let (status, page) = demo.get_text(&http, "/demo/phone").await?;
    assert_eq!(status, 200);
    assert!(page.contains("Demo phones"), "{page}");
    let (status, openapi) = demo.get_text(&http, "/api/openapi.json").await?;
    assert_eq!(status, 200);
    assert!(
        !openapi.contains("/demo/"),
        "the demo's API is not part of the product's API"
    );

    let anna = demo.agent(&http, "anna", "Sales", "1001").await?;
    let me = eventually("anna's phone registers", || async {
        let me = anna.get("/api/v1/agents/me").await?;
        Ok(me["agent"]["phone_registered"].as_bool() == Some(true)).map(|ok| ok.then_some(me))
    })
    .await?;
    assert_eq!(me["agent"]["extension"], "1001");
    let agent = anna
        .put("/api/v1/agents/me/state", &json!({"state": "available"}))
        .await?;
    assert_eq!(agent["state"], "available", "{agent}");

    let task = eventually("a simulated call is offered to anna", || async {
        let me = anna.get("/api/v1/agents/me").await?;
        Ok(me["agent"]["task"].as_u64())
    })
    .await?;
    let offered = anna.get(&format!("/api/v1/tasks/{task}")).await?;
    assert_eq!(offered["phase"], "offered", "{offered}");
    assert_eq!(offered["dnis"], "+4721000001", "a Sales call: {offered}");
    let caller = offered["customer_number"].as_str().unwrap_or_default();
    assert!(caller.starts_with("+47"), "{offered}");

    let phone = eventually("the phone rings with the caller's number", || async {
        let phone = demo.phone(&http, "1001").await?;
        Ok((phone["state"] == "ringing").then_some(phone))
    })
    .await?;
    assert_eq!(phone["caller"], caller, "{phone}");
    assert_eq!(phone["manual"], false);

    let connected = eventually("the phone answers by itself", || async {
        let task = anna.get(&format!("/api/v1/tasks/{task}")).await?;
        Ok((task["phase"] == "connected").then_some(task))
    })
    .await?;
    assert!(connected["connected_at"].is_number(), "{connected}");
    let phone = eventually("audio reaches the phone through Sentral", || async {
        let phone = demo.phone(&http, "1001").await?;
        Ok(
            (phone["state"] == "in_call" && phone["packets_heard"].as_u64() > Some(25))
                .then_some(phone),
        )
    })
    .await?;
    assert_eq!(phone["caller"], caller, "{phone}");

    // The other demo agents' phones registered too, and the customers keep calling.
    let phones = demo.get(&http, "/demo/api/phones").await?;
    let registered: Vec<&str> = phones
        .as_array()
        .context("a list of phones")?
        .iter()
        .filter(|p| p["registered"] == true)
        .filter_map(|p| p["extension"].as_str())
        .collect();
    assert_eq!(
        registered,
        ["1001", "1002", "1003", "1004", "1005", "1006"],
        "{phones}"
    );
    let status = demo.get(&http, "/demo/api/status").await?;
    assert!(status["calls_placed"].as_u64() >= Some(1), "{status}");
    assert_eq!(status["call_interval_ms"], 2000);

    // The agent ends the call from the desktop: the phone is told (BYE) and goes idle.
    anna.post(&format!("/api/v1/tasks/{task}/end"), &json!({}))
        .await?;
    eventually(
        "the phone hangs up when the agent ends the call",
        || async {
            let phone = demo.phone(&http, "1001").await?;
            Ok((phone["state"] == "idle").then_some(()))
        },
    )
    .await?;
    Ok(())
}

/// R44: the demo's simulated colleagues (eva and fredrik of Support) sign in, take their
/// stations, let their phones answer Support's calls and submit each wrap-up, so a supervisor
/// who signs in sees calls answered and handled without anyone else signing in.
#[tokio::test]
async fn r44_demo_colleagues_answer_and_wrap_up_support_calls_for_the_wallboard() -> Result<()> {
    let demo = Demo::start(&["--demo-call-interval", "2s"])?;
    let http = reqwest::Client::new();
    let supervisor = demo.agent_login(&http, "supervisor").await?;
    let support = || async {
        let queues = supervisor.get("/api/v1/supervisor/queues").await?;
        let support = queues
            .as_array()
            .and_then(|queues| queues.iter().find(|q| q["name"] == "Support"))
            .cloned()
            .context("the Support queue")?;
        Ok::<_, anyhow::Error>(support)
    };
    eventually("eva and fredrik take their stations", || async {
        let agents = supervisor.get("/api/v1/supervisor/agents").await?;
        let logged_in = agents
            .as_array()
            .context("a list of agents")?
            .iter()
            .filter(|a| a["name"] == "Eva" || a["name"] == "Fredrik")
            .filter(|a| a["state"] != "logged_out")
            .count();
        Ok((logged_in == 2).then_some(()))
    })
    .await?;
    eventually("a colleague answers a Support call", || async {
        Ok((support().await?["answered"].as_u64() >= Some(1)).then_some(()))
    })
    .await?;
    // A call lasts 20 to 60 s and the wrap-up follows 3 to 8 s after it.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let queue = support().await?;
        if queue["handled"].as_u64() >= Some(1) {
            break;
        }
        if Instant::now() > deadline {
            bail!("no Support call was wrapped up within 120 s: {queue}");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    Ok(())
}

/// R13: with `--no-simulator` the demo organisation runs without simulated phones or customers
/// (tests bring their own SIP peers): no phone registers, and the demo phone page is absent.
#[tokio::test]
async fn r13_demo_without_simulator_registers_no_phones() -> Result<()> {
    let demo = Demo::start(&["--no-simulator"])?;
    let http = reqwest::Client::new();
    let anna = demo.agent(&http, "anna", "Sales", "1001").await?;
    let (status, _) = demo.get_text(&http, "/demo/api/status").await?;
    assert_eq!(status, 404, "no simulator, no demo phone API");
    let (status, _) = demo.get_text(&http, "/demo/phone").await?;
    assert_eq!(status, 404, "no simulator, no demo phone page");
    let (status, _) = demo.get_text(&http, "/").await?;
    assert_eq!(status, 200, "the desktop is served");
    // Simulated phones register within a few milliseconds; give them ample time to (not) do so.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let me = anna.get("/api/v1/agents/me").await?;
    assert_eq!(me["agent"]["phone_registered"], false, "{me}");
    let agent = anna
        .put("/api/v1/agents/me/state", &json!({"state": "available"}))
        .await?;
    assert_eq!(agent["state"], "available");
    tokio::time::sleep(Duration::from_secs(3)).await;
    let me = anna.get("/api/v1/agents/me").await?;
    assert!(me["agent"]["task"].is_null(), "no simulated call: {me}");
    Ok(())
}

/// R13 R36 R45, the whole inbound path against the real binary with standard peers: a SIPp
/// phone registers as 1001 with digest and another SIPp instance answers its calls and echoes
/// RTP; a SIPp customer calls the Sales number playing G.711 A-law from SIPp's pcap and hangs
/// up; anna wraps up, and the supervisor's history has the call with its agent, times and
/// reason.
#[tokio::test]
async fn r13_r36_the_binary_connects_a_sipp_customer_to_a_sipp_phone_and_records_the_call()
-> Result<()> {
    let demo = Demo::start(&["--no-simulator"])?;
    let http = reqwest::Client::new();
    let anna = demo.agent(&http, "anna", "Sales", "1001").await?;
    let sip = demo.sip.clone();
    let scenarios = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/e2e/sipp");
    let work = tempfile::tempdir()?;
    std::fs::create_dir(work.path().join("pcap"))?;
    // uac_pcap plays these from pcap/ in its working directory.
    for name in ["g711a.pcap", "dtmf_2833_1.pcap"] {
        std::os::unix::fs::symlink(
            format!("/usr/share/sip-tester/{name}"),
            work.path().join("pcap").join(name),
        )?;
    }
    let contact_port = free_port()?;
    let sipp = |args: Vec<String>| -> Result<Child> {
        Command::new("sipp")
            .current_dir(work.path())
            .args(&args)
            .args(["-i", "127.0.0.1", "-m", "1", "-nostdin", "-timeout", "30s"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("sipp runs (scripts/install-test-deps installs it)")
    };
    let s = |v: &[&str]| v.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>();
    let mut phone = sipp(s(&[
        "-sn",
        "uas",
        "-rtp_echo",
        "-mi",
        "127.0.0.1",
        "-p",
        &contact_port.to_string(),
    ]))?;
    let register = sipp(s(&[
        &sip,
        "-sf",
        &format!("{scenarios}/register.xml"),
        "-s",
        "1001",
        "-au",
        "1001",
        "-ap",
        "demo",
        "-key",
        "agent_port",
        &contact_port.to_string(),
        "-key",
        "expires",
        "3600",
        "-p",
        &free_port()?.to_string(),
    ]))?;
    assert!(
        wait_child(register, "the phone's REGISTER")
            .await?
            .success()
    );
    eventually("the phone is registered", || async {
        let me = anna.get("/api/v1/agents/me").await?;
        Ok((me["agent"]["phone_registered"] == true).then_some(()))
    })
    .await?;
    anna.put("/api/v1/agents/me/state", &json!({"state": "available"}))
        .await?;

    let customer = sipp(s(&[
        &sip,
        "-sn",
        "uac_pcap",
        "-s",
        "+4721000001",
        "-mi",
        "127.0.0.1",
        "-p",
        &free_port()?.to_string(),
    ]))?;
    assert!(
        wait_child(customer, "the customer's call").await?.success(),
        "SIPp's customer call succeeds end to end"
    );
    let task = eventually("anna is asked to wrap up", || async {
        let me = anna.get("/api/v1/agents/me").await?;
        Ok(me["agent"]["wrapups"]
            .as_array()
            .and_then(|w| w.first())
            .and_then(Value::as_u64))
    })
    .await?;
    assert!(
        wait_child_mut(&mut phone, "the phone").await?.success(),
        "the phone got its call and Sentral's BYE"
    );
    anna.post(
        &format!("/api/v1/tasks/{task}/wrapup"),
        &json!({"reason": "resolved"}),
    )
    .await?;
    let supervisor = demo.agent_login(&http, "supervisor").await?;
    let record = eventually("the call is in the history", || async {
        let history = supervisor.get("/api/v1/interactions").await?;
        Ok(history.as_array().and_then(|records| {
            records
                .iter()
                .find(|r| r["id"] == task && r["wrapups"].as_array().is_some_and(|w| !w.is_empty()))
                .cloned()
        }))
    })
    .await?;
    assert_eq!(record["dnis"], "+4721000001", "{record}");
    assert_eq!(record["end_reason"], "customer_hung_up", "{record}");
    assert!(record["connected_at"].is_i64(), "{record}");
    assert_eq!(record["wrapups"][0]["reason"], "resolved", "{record}");

    // R31: the call is recorded in two channels: left what the customer sent (SIPp's G.711
    // A-law speech), right what the customer heard (the phone echoing it back).
    let url = record["recording"].as_str().context("a recording URL")?;
    let wav = http
        .get(format!("{}{url}", demo.base))
        .bearer_auth(&supervisor.token)
        .send()
        .await?;
    assert_eq!(wav.status(), 200);
    let bytes = wav.bytes().await?;
    let mut reader = hound::WavReader::new(std::io::Cursor::new(bytes.to_vec()))?;
    let spec = reader.spec();
    assert_eq!(
        (spec.channels, spec.sample_rate, spec.bits_per_sample),
        (2, 8000, 16)
    );
    let samples: Vec<i16> = reader.samples::<i16>().collect::<Result<_, _>>()?;
    let seconds = samples.len() as f64 / 2.0 / 8000.0;
    assert!(
        (3.0..15.0).contains(&seconds),
        "about the pcap's 5 s of talk: {seconds} s"
    );
    let rms = |channel: usize| {
        let power: f64 = samples
            .iter()
            .skip(channel)
            .step_by(2)
            .map(|&s| f64::from(s).powi(2))
            .sum::<f64>()
            / (samples.len() / 2) as f64;
        power.sqrt()
    };
    assert!(
        rms(0) > 200.0,
        "the customer's speech is on the left: rms {}",
        rms(0)
    );
    assert!(
        rms(1) > 200.0,
        "what the customer heard is on the right: rms {}",
        rms(1)
    );
    Ok(())
}

/// Issue 25: `sentral check-config` warns when HTTP would listen beyond loopback without TLS,
/// and checks that a configured certificate can be read.
#[test]
fn check_config_warns_about_plain_http_beyond_loopback_and_reads_the_certificate() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let check = |text: &str| -> Result<(bool, String)> {
        let file = dir.path().join("sentral.toml");
        std::fs::write(&file, text)?;
        let out = Command::new(env!("CARGO_BIN_EXE_sentral"))
            .arg("check-config")
            .arg(&file)
            .output()?;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        Ok((out.status.success(), text))
    };
    let (ok, text) = check("[server]\nhttp = \"0.0.0.0:8080\"\n")?;
    assert!(ok, "{text}");
    assert!(
        text.contains("warning: HTTP listens beyond loopback without TLS"),
        "{text}"
    );
    let (ok, text) = check("[server]\nhttp = \"127.0.0.1:8080\"\n")?;
    assert!(ok && !text.contains("warning"), "{text}");
    let (ok, text) = check(
        "[server]\nhttp = \"0.0.0.0:8443\"\ntls_certificate = \"/nonexistent/cert.pem\"\ntls_key = \"/nonexistent/key.pem\"\n",
    )?;
    assert!(!ok, "an unreadable certificate fails the check: {text}");
    assert!(text.contains("/nonexistent/cert.pem"), "{text}");
    Ok(())
}

fn free_port() -> Result<u16> {
    Ok(std::net::UdpSocket::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

async fn wait_child(mut child: Child, what: &str) -> Result<std::process::ExitStatus> {
    wait_child_mut(&mut child, what).await
}

async fn wait_child_mut(child: &mut Child, what: &str) -> Result<std::process::ExitStatus> {
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            bail!("{what}: sipp did not finish in time");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The `sentral` binary running `demo` on free ports with a fresh data directory; killed when
/// dropped.
struct Demo {
    child: Child,
    base: String,
    /// Where SIP listens, `127.0.0.1:port`.
    sip: String,
    _data_dir: tempfile::TempDir,
}

impl Demo {
    fn start(extra: &[&str]) -> Result<Demo> {
        let data_dir = tempfile::tempdir()?;
        // Port 0: the system picks free ports, and the banner says which.
        let mut child = Command::new(env!("CARGO_BIN_EXE_sentral"))
            .arg("demo")
            .args(["--http", "127.0.0.1:0", "--sip", "127.0.0.1:0"])
            .arg("--data-dir")
            .arg(data_dir.path())
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .context("the sentral binary starts")?;
        let stdout = child.stdout.take().context("stdout")?;
        let (lines_tx, lines) = std::sync::mpsc::channel();
        // Drains stdout for the process's lifetime, so it never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = lines_tx.send(line);
            }
        });
        let mut demo = Demo {
            child,
            base: String::new(),
            sip: String::new(),
            _data_dir: data_dir,
        };
        // The banner is printed once Sentral listens and the simulator runs; it ends with how
        // to stop the demo.
        let deadline = Instant::now() + STARTUP_WAIT;
        let mut banner = Vec::new();
        while !banner.iter().any(|line: &String| line.contains("Ctrl-C")) {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines.recv_timeout(left) {
                Ok(line) => banner.push(line),
                Err(_) => {
                    let exit = demo.child.try_wait()?;
                    bail!(
                        "sentral demo did not start (exit {exit:?}): {}",
                        banner.join("\n")
                    );
                }
            }
        }
        let banner = banner.join("\n");
        let url_after = |label: &str| {
            banner
                .lines()
                .find_map(|line| line.trim().strip_prefix(label))
                .map(|rest| rest.trim().to_owned())
        };
        let desktop = url_after("Agent Desktop").context("the desktop URL is printed")?;
        demo.base = desktop.trim_end_matches('/').to_owned();
        demo.sip = banner
            .split("register at sip:")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .context("the SIP address is printed")?
            .to_owned();
        let simulator = !extra.contains(&"--no-simulator");
        assert_eq!(
            url_after("Demo phones"),
            simulator.then(|| format!("{}/demo/phone", demo.base)),
            "the demo phone page's URL is printed next to the desktop's when the simulator runs: {banner}"
        );
        Ok(demo)
    }

    /// Signs `username` in and logs in to `team` at `extension`.
    async fn agent(
        &self,
        http: &reqwest::Client,
        username: &str,
        team: &str,
        extension: &str,
    ) -> Result<Agent> {
        let login: Value = http
            .post(format!("{}/api/v1/login", self.base))
            .json(&json!({"username": username, "password": "demo"}))
            .send()
            .await?
            .json()
            .await?;
        let token = login["token"].as_str().context("a token")?.to_owned();
        let agent = Agent {
            http: http.clone(),
            base: self.base.clone(),
            token,
        };
        let station = agent
            .post(
                "/api/v1/agents/me/session",
                &json!({"team": team, "extension": extension}),
            )
            .await?;
        assert_eq!(station["extension"], extension, "{station}");
        Ok(agent)
    }

    /// Signs a user in without a station (supervisors).
    async fn agent_login(&self, http: &reqwest::Client, username: &str) -> Result<Agent> {
        let login: Value = http
            .post(format!("{}/api/v1/login", self.base))
            .json(&json!({"username": username, "password": "demo"}))
            .send()
            .await?
            .json()
            .await?;
        Ok(Agent {
            http: http.clone(),
            base: self.base.clone(),
            token: login["token"].as_str().context("a token")?.to_owned(),
        })
    }

    async fn get(&self, http: &reqwest::Client, path: &str) -> Result<Value> {
        let response = http.get(format!("{}{path}", self.base)).send().await?;
        let status = response.status();
        let body: Value = response.json().await?;
        if !status.is_success() {
            bail!("GET {path}: {status} {body}");
        }
        Ok(body)
    }

    async fn get_text(&self, http: &reqwest::Client, path: &str) -> Result<(u16, String)> {
        let response = http.get(format!("{}{path}", self.base)).send().await?;
        Ok((response.status().as_u16(), response.text().await?))
    }

    /// One phone of the demo phone page's API.
    async fn phone(&self, http: &reqwest::Client, extension: &str) -> Result<Value> {
        let phones = self.get(http, "/demo/api/phones").await?;
        phones
            .as_array()
            .and_then(|phones| phones.iter().find(|p| p["extension"] == extension))
            .cloned()
            .with_context(|| format!("no phone {extension} in {phones}"))
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A signed-in agent's API client.
struct Agent {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Agent {
    async fn get(&self, path: &str) -> Result<Value> {
        self.send(self.http.get(format!("{}{path}", self.base)))
            .await
    }

    async fn post(&self, path: &str, body: &Value) -> Result<Value> {
        self.send(self.http.post(format!("{}{path}", self.base)).json(body))
            .await
    }

    async fn put(&self, path: &str, body: &Value) -> Result<Value> {
        self.send(self.http.put(format!("{}{path}", self.base)).json(body))
            .await
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Result<Value> {
        let response = request.bearer_auth(&self.token).send().await?;
        let status = response.status();
        let text = response.text().await?;
        if !status.is_success() {
            bail!("{status}: {text}");
        }
        Ok(if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text)?
        })
    }
}

/// Polls `check` every 100 ms until it gives a value, for at most [`EVENT_WAIT`].
async fn eventually<T, F, Fut>(what: &str, check: F) -> Result<T>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<Option<T>>>,
{
    let deadline = Instant::now() + EVENT_WAIT;
    loop {
        if let Some(value) = check().await? {
            return Ok(value);
        }
        if Instant::now() > deadline {
            bail!("{what}: not within {EVENT_WAIT:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// How long the binary may take to start listening.
const STARTUP_WAIT: Duration = Duration::from_secs(20);

/// How long a step of a call may take (a call every 2 s, answered within 5 s).
const EVENT_WAIT: Duration = Duration::from_secs(15);

/// The first log lines of `sentral demo --no-simulator` with `extra` arguments, written to a
/// pipe (not a terminal), up to and including the one that says Sentral listens.
fn first_log_lines(extra: &[&str]) -> Result<Vec<String>> {
    let data_dir = tempfile::tempdir()?;
    let mut child = Command::new(env!("CARGO_BIN_EXE_sentral"))
        .args(extra)
        .args([
            "demo",
            "--no-simulator",
            "--http",
            "127.0.0.1:0",
            "--sip",
            "127.0.0.1:0",
        ])
        .arg("--data-dir")
        .arg(data_dir.path())
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("the sentral binary starts")?;
    let stdout = child.stdout.take().context("stdout")?;
    let (lines_tx, lines_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines_tx.send(line);
        }
    });
    let deadline = Instant::now() + STARTUP_WAIT;
    let mut lines = Vec::new();
    let result = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines_rx.recv_timeout(left) {
            Ok(line) => {
                let done = line.contains("Sentral is listening");
                lines.push(line);
                if done {
                    break Ok(lines);
                }
            }
            Err(_) => break Err(anyhow::anyhow!("no listening log line: {lines:?}")),
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    result
}

#[test]
fn housekeeping_logs_to_a_pipe_carry_no_colour_codes() -> Result<()> {
    // Logs written to a file or a collector were full of ANSI colour codes.
    let lines = first_log_lines(&[])?;
    for line in &lines {
        assert!(!line.contains('\u{1b}'), "a colour code in {line:?}");
    }
    Ok(())
}

#[test]
fn housekeeping_log_format_json_writes_one_object_per_line() -> Result<()> {
    let lines = first_log_lines(&["--log-format", "json"])?;
    let listening = lines.last().context("a line")?;
    let object: Value =
        serde_json::from_str(listening).with_context(|| format!("not JSON: {listening:?}"))?;
    assert_eq!(object["level"], "INFO", "{object}");
    assert_eq!(
        object["fields"]["message"], "Sentral is listening",
        "{object}"
    );
    for line in &lines {
        serde_json::from_str::<Value>(line).with_context(|| format!("not JSON: {line:?}"))?;
    }
    Ok(())
}

#[test]
fn web_callbacks_sentral_prints_a_new_random_key() -> Result<()> {
    let print = || -> Result<String> {
        let output = Command::new(env!("CARGO_BIN_EXE_sentral"))
            .arg("web-callback-key")
            .output()
            .context("the sentral binary runs")?;
        assert!(output.status.success(), "{output:?}");
        Ok(String::from_utf8(output.stdout)?.trim().to_owned())
    };
    let (first, second) = (print()?, print()?);
    assert_eq!(first.len(), 64, "256 bits as hex: {first}");
    assert!(first.bytes().all(|b| b.is_ascii_hexdigit()), "{first}");
    assert_ne!(first, second);
    Ok(())
}
