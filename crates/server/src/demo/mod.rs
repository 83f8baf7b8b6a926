//! The demo simulator behind `sentral demo`: a simulated phone for every demo agent, simulated
//! customers who call the demo's entry points, and the demo phone page that lets a person
//! answer and hang up a demo agent's phone.
//!
//! Everything here talks to Sentral from outside, as real phones and a real trunk would: SIP and
//! RTP over loopback UDP. No product code knows the simulator exists; the only link is the demo
//! phone page's routes, which answer 404 unless `sentral demo` started a simulator.
//!
//! # Layout
//! - `sip`: just enough SIP text (parse, write, digest answer) for the two kinds of peers.
//! - `rtp`: a call's audio: a speech-like voice sent as G.711 every 20 ms, packets heard counted.
//! - `phone`: a simulated agent phone (register, ring, answer, hold, hang up).
//! - `traffic`: simulated customers calling at a configured rate.
//! - `web`: the demo phone page (`/demo/phone`) and its JSON API (`/demo/api/...`).
//! - `colleagues`: simulated colleagues (eva and fredrik of Support) who work through the REST
//!   API, so that the wallboard shows calls answered, wrap-ups and breaks.

mod colleagues;
mod phone;
mod rtp;
mod sip;
mod traffic;
mod web;

pub use web::routes;

use crate::config::OrgConfig;
use anyhow::{Context, Result};
use phone::{Phone, PhoneCommand, PhoneSettings};
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::mpsc;
use traffic::{Traffic, TrafficSettings, TrafficStatus};

/// The default time between two simulated calls: gentle enough to follow one call at a time.
pub const CALL_INTERVAL_DEFAULT: Duration = Duration::from_secs(20);

/// The SIP password of every demo agent's extension (`demo.toml` gives its HA1 digests).
pub const DEMO_SIP_PASSWORD: &str = "demo";

/// The running simulator: the phones and the customers.
pub struct Simulator {
    /// One phone per agent, in the order of the organisation's agents.
    phones: Vec<Phone>,
    /// The customers.
    traffic: Traffic,
    /// Time between two new calls.
    call_interval: Duration,
    /// The simulated colleagues; `None` when the API is not reachable over plain HTTP.
    colleagues: Option<colleagues::Colleagues>,
}

impl Simulator {
    /// Starts a phone for every agent of `org` (registering at `sip_server` with
    /// [`DEMO_SIP_PASSWORD`]), customers calling every number of its entry points, one call
    /// per `call_interval`, and the simulated colleagues against the API at `api` (`None`: no
    /// colleagues).
    pub async fn start(
        org: &OrgConfig,
        sip_server: SocketAddr,
        call_interval: Duration,
        api: Option<SocketAddr>,
    ) -> Result<Simulator> {
        let mut rng = Rng::from_entropy();
        let (notices_tx, notices_rx) = mpsc::channel(64);
        let mut phones = Vec::new();
        for (agent_idx, agent) in org.engine.agents.iter().enumerate() {
            let settings = PhoneSettings {
                extension: agent.extension.clone(),
                agent: agent.name.clone(),
                password: DEMO_SIP_PASSWORD.to_owned(),
                server: sip_server,
                answer_after: (Duration::from_secs(2), Duration::from_secs(5)),
                register_expires_s: REGISTER_EXPIRES_S,
                pitch_hz: 170.0 + 15.0 * (agent_idx % 4) as f32,
            };
            let phone = Phone::start(settings, notices_tx.clone(), rng.fork())
                .await
                .with_context(|| format!("cannot start the demo phone {}", agent.extension))?;
            phones.push(phone);
        }
        let numbers = org
            .engine
            .entry_points
            .iter()
            .flat_map(|entry_point| entry_point.dial_numbers.iter())
            .map(|number| number.as_str().to_owned())
            .collect();
        let traffic = Traffic::start(
            TrafficSettings {
                server: sip_server,
                numbers,
                interval: call_interval,
                calls_max: CALLS_MAX,
                talk: (Duration::from_secs(20), Duration::from_secs(60)),
                patience: Duration::from_secs(180),
                person_call_max: Duration::from_secs(15 * 60),
            },
            notices_rx,
            rng.fork(),
        )
        .await
        .context("cannot start the demo customers")?;
        let colleagues = api.map(|api| {
            let idle_reasons = org
                .engine
                .idle_reasons
                .iter()
                .map(|reason| reason.code.clone())
                .collect();
            let wrapup_reason = org
                .engine
                .wrapup_reasons
                .first()
                .map(|reason| reason.code.clone())
                .unwrap_or_default();
            colleagues::Colleagues::start(api, idle_reasons, wrapup_reason, &mut rng)
        });
        Ok(Simulator {
            phones,
            traffic,
            call_interval,
            colleagues,
        })
    }

    /// Stops the phones and the customers.
    pub fn stop(&self) {
        if let Some(colleagues) = &self.colleagues {
            colleagues.stop();
        }
        self.traffic.stop();
        for phone in &self.phones {
            phone.stop();
        }
    }

    fn phone(&self, extension: &str) -> Option<&Phone> {
        self.phones
            .iter()
            .find(|phone| phone.settings.extension == extension)
    }

    fn traffic_status(&self) -> TrafficStatus {
        self.traffic.status()
    }
}

/// Makes the demo phone page and its API answer for `simulator`. The HTTP router is built by
/// `app::start`, which knows nothing of the demo; the page's routes find the simulator here,
/// and answer 404 in any process that did not install one (every `sentral serve`).
pub fn install(simulator: Arc<Simulator>) -> Result<()> {
    INSTALLED
        .set(simulator)
        .map_err(|_| anyhow::anyhow!("a demo simulator is already installed"))
}

/// The installed simulator, if `sentral demo` started one.
fn installed() -> Option<&'static Arc<Simulator>> {
    INSTALLED.get()
}

static INSTALLED: OnceLock<Arc<Simulator>> = OnceLock::new();

/// What a demo phone tells the simulated customers about a customer's call, found by the
/// caller's number: the customer decides from it when to hang up.
#[derive(Clone, Debug)]
pub enum PhoneNotice {
    /// A phone answered the call.
    Answered {
        /// The caller's number as the phone saw it.
        caller: String,
        /// Whether a person answered (a manual phone) rather than the phone by itself.
        manual: bool,
    },
    /// A phone a person had answered left the call (hung up, or the call was transferred away);
    /// the call may go on with someone else.
    PersonLeft {
        /// The caller's number as the phone saw it.
        caller: String,
    },
}

/// The registration interval the phones ask for; they refresh halfway.
const REGISTER_EXPIRES_S: u32 = 300;

/// At most this many simulated calls at once (the demo organisation allows 20).
const CALLS_MAX: usize = 4;

/// A small, fast random number generator (xorshift64*) for the simulator's choices: answer
/// delays, talk times, caller numbers, tags, RTP sequence starts. Seeded from the OS, or from a
/// number in tests.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// Seeded from the operating system.
    pub fn from_entropy() -> Rng {
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes).expect("the OS provides randomness");
        Rng::seeded(u64::from_le_bytes(bytes))
    }

    /// Seeded with `seed` (the same seed gives the same choices).
    pub fn seeded(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    /// An independent generator seeded from this one.
    pub fn fork(&mut self) -> Rng {
        Rng::seeded(self.next_u64())
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// The next 32 random bits.
    pub fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u32) -> u32 {
        assert!(n > 0, "an empty range");
        ((u64::from(self.next_u32()) * u64::from(n)) >> 32) as u32
    }

    /// A duration between `shortest` and `longest`, both included (to the millisecond).
    pub fn between(&mut self, shortest: Duration, longest: Duration) -> Duration {
        let span_ms = longest.saturating_sub(shortest).as_millis() as u32;
        shortest + Duration::from_millis(u64::from(self.below(span_ms.saturating_add(1))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_durations_stay_in_their_range() {
        let mut rng = Rng::seeded(42);
        let (shortest, longest) = (Duration::from_secs(2), Duration::from_secs(5));
        let picks: Vec<Duration> = (0..1000).map(|_| rng.between(shortest, longest)).collect();
        assert!(picks.iter().all(|d| *d >= shortest && *d <= longest));
        assert!(picks.iter().any(|d| *d < Duration::from_secs(3)));
        assert!(picks.iter().any(|d| *d > Duration::from_secs(4)));
        assert_eq!(rng.between(shortest, shortest), shortest);
    }
}
