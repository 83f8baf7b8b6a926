//! Simulated colleagues: a few demo agents who work as a person at the desktop would, through
//! the REST API, so that the supervisor's wallboard (R44) shows calls answered, wrap-ups and
//! breaks without anyone signing in as them.
//!
//! Each colleague signs in, logs in to their station at their own extension and goes
//! Available. Their simulated phone answers calls by itself (see `phone`); after each call they
//! submit the wrap-up a few seconds later, now and then take a short break (Idle with one of
//! the organisation's idle reasons) and go Available again, and after RONA they come back after
//! a moment. They are the agents of team Support but `david`, so that a person can still work
//! Support as `david` and all of Sales as `anna`, `bjorn` or `cecilie`.
//!
//! A colleague that loses its way (the server restarting, a session expiring) signs in again
//! after a pause; nothing here can stop the server. HTTP/1.1 is written by hand, one request
//! per connection (`Connection: close`), as the demo writes its SIP: the server's own crates
//! have no HTTP client, and a colleague needs five kinds of request.

use super::Rng;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::task::JoinHandle;

/// Who is simulated: user name, team and extension.
pub const COLLEAGUES: [(&str, &str, &str); 2] =
    [("eva", "Support", "1005"), ("fredrik", "Support", "1006")];

/// The password of every demo user.
const PASSWORD: &str = "demo";
/// The longest answer read (the agent's and the tasks' bodies are a few KiB).
const ANSWER_BYTES_MAX: u64 = 1 << 20;
/// How often a colleague looks at their desktop.
const LOOK_EVERY: Duration = Duration::from_secs(1);

/// The running colleagues.
pub struct Colleagues {
    tasks: Vec<JoinHandle<()>>,
}

impl Colleagues {
    /// Starts every colleague of [`COLLEAGUES`] against the API at `api` (plain HTTP).
    pub fn start(
        api: SocketAddr,
        idle_reasons: Vec<String>,
        wrapup_reason: String,
        rng: &mut Rng,
    ) -> Colleagues {
        let tasks = COLLEAGUES
            .iter()
            .map(|&(username, team, extension)| {
                let colleague = Colleague {
                    api,
                    username,
                    team,
                    extension,
                    idle_reasons: idle_reasons.clone(),
                    wrapup_reason: wrapup_reason.clone(),
                    rng: rng.fork(),
                    token: String::new(),
                };
                tokio::spawn(colleague.run())
            })
            .collect();
        Colleagues { tasks }
    }

    /// Stops every colleague (they stay signed in until their session ends).
    pub fn stop(&self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

struct Colleague {
    api: SocketAddr,
    username: &'static str,
    team: &'static str,
    extension: &'static str,
    idle_reasons: Vec<String>,
    wrapup_reason: String,
    rng: Rng,
    token: String,
}

impl Colleague {
    async fn run(mut self) {
        loop {
            if let Err(error) = self.work().await {
                tracing::debug!(colleague = self.username, %error, "demo colleague: starting over");
            }
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
    }

    /// Signs in, takes the station and works until something fails.
    async fn work(&mut self) -> Result<(), String> {
        let login = self
            .send(
                "POST",
                "/api/v1/login",
                Some(json!({"username": self.username, "password": PASSWORD})),
            )
            .await?;
        self.token = login["token"].as_str().ok_or("no token")?.to_owned();
        // The station may still be ours from before a restart of this task: that is fine.
        let _ = self
            .send(
                "POST",
                "/api/v1/agents/me/session",
                Some(json!({"team": self.team, "extension": self.extension})),
            )
            .await;
        self.set_state("available", None).await?;
        loop {
            tokio::time::sleep(LOOK_EVERY).await;
            let me = self.send("GET", "/api/v1/agents/me", None).await?;
            let agent = &me["agent"];
            let wrapups: Vec<u64> = agent["wrapups"]
                .as_array()
                .map(|tasks| tasks.iter().filter_map(Value::as_u64).collect())
                .unwrap_or_default();
            if let Some(&task) = wrapups.first() {
                self.pause(3, 8).await;
                let path = format!("/api/v1/tasks/{task}/wrapup");
                let body = json!({"reason": self.wrapup_reason});
                self.send("POST", &path, Some(body)).await?;
                if self.rng.below(5) == 0 && !self.idle_reasons.is_empty() {
                    let reason = self.idle_reasons
                        [self.rng.below(self.idle_reasons.len() as u32) as usize]
                        .clone();
                    self.set_state("idle", Some(&reason)).await?;
                    self.pause(20, 45).await;
                    self.set_state("available", None).await?;
                }
                continue;
            }
            match agent["state"].as_str() {
                Some("rona") => {
                    self.pause(3, 6).await;
                    self.set_state("available", None).await?;
                }
                Some("logged_out") => return Err("logged out".into()),
                _ => {}
            }
        }
    }

    async fn set_state(&mut self, state: &str, reason: Option<&str>) -> Result<Value, String> {
        let body = match reason {
            Some(reason) => json!({"state": state, "idle_reason": reason}),
            None => json!({"state": state}),
        };
        self.send("PUT", "/api/v1/agents/me/state", Some(body))
            .await
    }

    async fn pause(&mut self, shortest_s: u64, longest_s: u64) {
        let wait = self.rng.between(
            Duration::from_secs(shortest_s),
            Duration::from_secs(longest_s),
        );
        tokio::time::sleep(wait).await;
    }

    /// One request; the JSON body of a 2xx answer (`null` when it has none).
    async fn send(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let body = body.map(|body| body.to_string()).unwrap_or_default();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.api,
            self.token,
            body.len()
        );
        let exchange = async {
            let mut stream = tokio::net::TcpStream::connect(self.api).await?;
            stream.write_all(request.as_bytes()).await?;
            let mut answer = Vec::new();
            stream
                .take(ANSWER_BYTES_MAX)
                .read_to_end(&mut answer)
                .await?;
            Ok::<_, std::io::Error>(answer)
        };
        let answer = tokio::time::timeout(Duration::from_secs(10), exchange)
            .await
            .map_err(|_| format!("{path}: no answer in 10 s"))?
            .map_err(|error| format!("{path}: {error}"))?;
        let answer = String::from_utf8_lossy(&answer);
        let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
        let status = head.split(' ').nth(1).unwrap_or_default();
        if !status.starts_with('2') {
            return Err(format!("{method} {path}: {status} {body}"));
        }
        Ok(serde_json::from_str(body).unwrap_or(Value::Null))
    }
}
