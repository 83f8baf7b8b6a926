//! Background-noise removal on a real call (R1): real speech (espeak-ng, resampled to 8 kHz with
//! sox) with white noise at a known level under it goes from the customer's phone as RTP
//! through Sentral to the agent's phone, and the test measures what the agent's phone heard.
//!
//! Method: the clip is phrases of speech separated by pauses the test inserts, so where speech
//! is and where only noise is is known exactly. What the agent heard is aligned with what was
//! sent (the delay of the network, the mixer and the noise remover is found by correlating the
//! two envelopes), then the noise level in the pauses and the speech level in the phrases are
//! compared with what was sent.

use crate::softphone::Softphone;
use crate::support::{DN_SALES, TestApp, spawn_with_sip_calls};
use sentral_media::G711;
use sentral_server::config::{self, ServerConfig};
use serde_json::{Value, json};
use std::process::Command;
use std::time::Duration;

/// Samples per millisecond at 8 kHz.
const PER_MS: usize = 8;

/// The RMS the speech is scaled to (about −21 dBFS, a normal speaking level on a phone line).
const SPEECH_RMS: f64 = 3_000.0;

/// The RMS of the white noise under it: 20 dB below the speech.
const NOISE_RMS: f64 = 300.0;

#[tokio::test]
async fn r1_noise_removal_drops_noise_in_pauses_by_15_db_and_keeps_speech_within_3_db() {
    let clip = Clip::new();
    let app = spawn_with_sip_calls(demo(true), None).await;
    let mut sent = vec![0u8; clip.noisy.len()];
    G711::Pcmu.encode(&clip.noisy, &mut sent);
    let heard = play_through_a_call(&app, sent).await;
    let heard = align(&heard.samples, &clip.noisy);

    let noise_sent = rms_over(&clip.noisy, &clip.pauses);
    let noise_heard = rms_over(&heard, &clip.pauses);
    let noise_drop_db = db(noise_sent / noise_heard.max(1e-9));
    let speech_sent = rms_over(&clip.clean, &clip.phrases);
    let speech_heard = rms_over(&heard, &clip.phrases);
    let speech_change_db = db(speech_heard / speech_sent);
    eprintln!(
        "R1 measured: noise in pauses {noise_sent:.0} → {noise_heard:.0} rms ({noise_drop_db:.1} dB \
         lower); speech {speech_sent:.0} → {speech_heard:.0} rms ({speech_change_db:+.1} dB)"
    );
    assert!(
        noise_drop_db >= 15.0,
        "noise in pauses dropped by only {noise_drop_db:.1} dB"
    );
    assert!(
        speech_change_db.abs() <= 3.0,
        "speech level changed by {speech_change_db:+.1} dB"
    );
}

#[tokio::test]
async fn r1_with_noise_removal_off_the_same_codec_call_arrives_bit_exact() {
    let clip = Clip::new();
    let app = spawn_with_sip_calls(demo(false), None).await;
    let mut sent = vec![0u8; clip.noisy.len()];
    G711::Pcmu.encode(&clip.noisy, &mut sent);
    // Some phones send µ-law −0 (0x7F) for the quietest negative samples (our encoder, like
    // audioop, never does): put one in every 20 codes of the pauses. Decoding and re-encoding
    // would turn each into 0xFF.
    for pause in &clip.pauses {
        for index in pause.clone().step_by(20) {
            sent[index] = 0x7F;
        }
    }
    let heard = play_through_a_call(&app, sent.clone()).await;
    let sent_frames: Vec<&[u8]> = sent.chunks_exact(160).collect();

    // Every frame the agent heard is either the server's silence (no frame from the customer
    // in that tick) or exactly the next frames the customer sent, in order.
    let mut next = 0;
    let mut n_matched = 0;
    for frame in heard.payloads.chunks_exact(160) {
        if frame.iter().all(|&code| code == 0xFF) {
            continue;
        }
        let found = sent_frames[next..]
            .iter()
            .position(|sent| *sent == frame)
            .unwrap_or_else(|| {
                let n_differing = sent_frames
                    .get(next)
                    .map(|sent| sent.iter().zip(frame).filter(|(a, b)| a != b).count());
                panic!(
                    "a frame heard is not the next frame sent (frame {next} sent, \
                     {n_differing:?} codes differ)"
                )
            });
        next += found + 1;
        n_matched += 1;
    }
    assert!(
        n_matched * 100 >= sent_frames.len() * 95,
        "only {n_matched} of {} frames arrived",
        sent_frames.len()
    );
}

/// The demo organisation with noise removal on or off, as an administrator would set it.
fn demo(noise_removal: bool) -> ServerConfig {
    let text = config::DEMO_TOML.replace(
        "noise_removal = true",
        &format!("noise_removal = {noise_removal}"),
    );
    assert!(text.contains(&format!("noise_removal = {noise_removal}")));
    config::parse(&text, "demo-noise.toml").expect("the test configuration is valid")
}

/// The test signal: speech, noise, and where each phrase and pause is.
struct Clip {
    /// The speech alone.
    clean: Vec<i16>,
    /// Speech plus noise: what the customer sends.
    noisy: Vec<i16>,
    /// Sample ranges of speech.
    phrases: Vec<std::ops::Range<usize>>,
    /// Sample ranges of pauses to measure (the inserted pauses less a margin at each end).
    pauses: Vec<std::ops::Range<usize>>,
}

impl Clip {
    fn new() -> Clip {
        let phrases = [
            "Hello, I am calling about my invoice from last month.",
            "The amount is higher than what we agreed on the phone.",
            "Could you please check it and call me back tomorrow?",
        ];
        let mut clean = vec![0i16; 1_000 * PER_MS];
        let mut spans = Vec::new();
        let mut pauses = Vec::new();
        for text in phrases {
            let speech = speak(text);
            spans.push(clean.len()..clean.len() + speech.len());
            clean.extend_from_slice(&speech);
            let pause_start = clean.len();
            clean.resize(clean.len() + 900 * PER_MS, 0);
            pauses.push(pause_start + 250 * PER_MS..clean.len() - 150 * PER_MS);
        }
        // Scale the speech to its level, measured over the phrases.
        let gain = SPEECH_RMS / rms_over(&clean, &spans);
        for sample in &mut clean {
            *sample = (f64::from(*sample) * gain).clamp(-32_768.0, 32_767.0) as i16;
        }
        // White noise, uniform, of the known RMS (uniform in ±a has an RMS of a/√3).
        let amplitude = NOISE_RMS * 3f64.sqrt();
        let mut state = 0x2545_f491u32;
        let noisy: Vec<i16> = clean
            .iter()
            .map(|&sample| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                let noise = (f64::from(state) / f64::from(u32::MAX) * 2.0 - 1.0) * amplitude;
                (f64::from(sample) + noise).clamp(-32_768.0, 32_767.0) as i16
            })
            .collect();
        // The phrases themselves, where the speech is loud enough to matter (espeak-ng leaves
        // short silences inside a phrase too): 20 ms frames above a quarter of the level.
        let mut loud = Vec::new();
        for span in &spans {
            for start in (span.start..span.end - 160).step_by(160) {
                if rms_over(&clean, std::slice::from_ref(&(start..start + 160))) > SPEECH_RMS / 4.0
                {
                    loud.push(start..start + 160);
                }
            }
        }
        Clip {
            clean,
            noisy,
            phrases: loud,
            pauses,
        }
    }
}

/// `text` spoken by espeak-ng, at 8 kHz mono (resampled by sox).
fn speak(text: &str) -> Vec<i16> {
    let dir = tempfile::tempdir().expect("temp dir");
    let wav = dir.path().join("speech.wav");
    let raw = dir.path().join("speech.raw");
    let status = Command::new("espeak-ng")
        .args(["-v", "en", "-s", "150", "-w"])
        .arg(&wav)
        .arg(text)
        .status()
        .expect("espeak-ng runs (scripts/install-test-deps installs it)");
    assert!(status.success(), "espeak-ng failed");
    let status = Command::new("sox")
        .arg(&wav)
        .args([
            "-r",
            "8000",
            "-c",
            "1",
            "-b",
            "16",
            "-e",
            "signed-integer",
            "-t",
            "raw",
        ])
        .arg(&raw)
        .status()
        .expect("sox runs (scripts/install-test-deps installs it)");
    assert!(status.success(), "sox failed");
    std::fs::read(&raw)
        .expect("sox wrote the samples")
        .chunks_exact(2)
        .map(|pair| i16::from_le_bytes([pair[0], pair[1]]))
        .collect()
}

/// What the agent's phone received.
struct Heard {
    /// Decoded.
    samples: Vec<i16>,
    /// As received.
    payloads: Vec<u8>,
}

/// Places a customer call that the agent answers, plays `payloads` (PCMU) from the
/// customer's phone (PCMU, like the agent's) and returns everything the agent's phone received.
async fn play_through_a_call(app: &TestApp, payloads: Vec<u8>) -> Heard {
    let sip = app.app.sip_addr.expect("SIP listens");
    let anna = app.user("anna").await;
    let reply = anna
        .post(
            "/api/v1/agents/me/session",
            json!({"team": "Sales", "extension": "1001"}),
        )
        .await;
    assert_eq!(reply.status, 200, "station log-in: {reply:?}");
    let phone = Softphone::new("1001", "127.0.0.1", sip, G711::Pcmu).await;
    assert_eq!(phone.register("demo", 3600).await, 200);
    wait_for(&anna, "phone_registered", json!(true)).await;
    let reply = anna
        .put("/api/v1/agents/me/state", json!({"state": "available"}))
        .await;
    assert_eq!(reply.status, 200, "available: {reply:?}");
    let mut events = app.events(anna.token(), None).await;

    let customer = Softphone::new("4791234567", "127.0.0.1", sip, G711::Pcmu).await;
    let (status, call) = customer.call(DN_SALES).await;
    assert_eq!(status, 200, "the server answers the customer");
    let call = call.expect("a dialog");
    let ringing = phone.ring().await;
    phone.answer(&ringing).await;
    events.until("connected").await;
    // The agent's phone hears the call (silence) before the speech starts.
    while phone.packets_heard() < 10 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    customer
        .play_payloads(payloads)
        .await
        .expect("the clip is sent");
    tokio::time::sleep(Duration::from_millis(600)).await;
    let heard = Heard {
        samples: phone.samples_heard(),
        payloads: phone.payloads_heard(),
    };
    assert_eq!(customer.bye(&call).await, 200);
    heard
}

async fn wait_for(api: &crate::support::Api, field: &str, value: Value) {
    for _ in 0..100 {
        if api.get("/api/v1/agents/me").await.body["agent"][field] == value {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("agents/me {field} never became {value}");
}

/// The part of `heard` that lines up with `sent`: the delay is where the envelopes (energy
/// per 4 ms) correlate best.
fn align(heard: &[i16], sent: &[i16]) -> Vec<i16> {
    const BLOCK: usize = 4 * PER_MS;
    let envelope = |samples: &[i16]| -> Vec<f64> {
        samples
            .chunks(BLOCK)
            .map(|block| {
                block
                    .iter()
                    .map(|&s| f64::from(s).powi(2))
                    .sum::<f64>()
                    .sqrt()
            })
            .collect()
    };
    let (heard_env, sent_env) = (envelope(heard), envelope(sent));
    assert!(
        heard_env.len() > sent_env.len(),
        "the agent heard {} ms, less than the {} ms sent",
        heard.len() / PER_MS,
        sent.len() / PER_MS
    );
    let best = (0..=heard_env.len() - sent_env.len())
        .max_by(|&a, &b| {
            let score = |lag: usize| -> f64 {
                sent_env
                    .iter()
                    .zip(&heard_env[lag..])
                    .map(|(s, h)| s * h)
                    .sum()
            };
            score(a).total_cmp(&score(b))
        })
        .expect("lags");
    let start = best * BLOCK;
    let mut aligned = heard[start..].to_vec();
    aligned.resize(sent.len(), 0);
    aligned
}

/// The RMS of `samples` over `ranges` together.
fn rms_over(samples: &[i16], ranges: &[std::ops::Range<usize>]) -> f64 {
    let (mut sum, mut n) = (0.0, 0usize);
    for range in ranges {
        for &sample in &samples[range.clone()] {
            sum += f64::from(sample).powi(2);
            n += 1;
        }
    }
    (sum / n.max(1) as f64).sqrt()
}

fn db(ratio: f64) -> f64 {
    20.0 * ratio.log10()
}
