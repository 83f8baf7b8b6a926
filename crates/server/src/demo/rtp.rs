//! The simulator's audio: one task per call that sends a speech-like voice as G.711 RTP every
//! 20 ms and counts the packets it hears, so every simulated call carries real audio both ways.

use super::Rng;
use sentral_media::G711;
use std::f32::consts::TAU;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::net::UdpSocket;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Where and how a call's audio goes; changed by re-INVITEs (hold, resume).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct Target {
    /// The far end's RTP address.
    pub to: SocketAddr,
    /// The law agreed in SDP.
    pub codec: G711,
    /// Its payload type.
    pub payload_type: u8,
    /// Whether we send at all (not while the far end put us on hold with `sendonly`/`inactive`
    /// from its side, which SDP answers as `recvonly`/`inactive` from ours).
    pub sends: bool,
}

/// A call's RTP while it lasts; dropping it stops the task.
pub struct Stream {
    /// Carries new targets to the task.
    target: watch::Sender<Target>,
    /// The task that sends and receives.
    task: JoinHandle<()>,
}

impl Stream {
    /// Starts sending `voice` to `target` from `socket`, and counting what arrives there in
    /// `heard`.
    pub fn start(
        socket: Arc<UdpSocket>,
        voice: Voice,
        target: Target,
        heard: Arc<AtomicU64>,
    ) -> Stream {
        let (target, targets) = watch::channel(target);
        let task = tokio::spawn(run(socket, voice, targets, heard));
        Stream { target, task }
    }

    /// Sends elsewhere or otherwise from now on.
    pub fn retarget(&self, target: Target) {
        self.target.send_replace(target);
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A speech-like signal: voiced syllables (harmonics of a gliding pitch shaped by the formants
/// of a vowel that changes every syllable) in phrases separated by pauses. Not silence, not a
/// steady tone: what a listener, a noise filter or a level meter would take for a talker.
pub struct Voice {
    /// The talker's mean pitch, in Hz (about 120 for a low voice, 210 for a high one).
    pitch_hz: f32,
    /// Chooses vowels, syllable and phrase lengths.
    rng: Rng,
    /// The fundamental's phase, in cycles.
    phase: f32,
    /// Samples into the current syllable, and its length.
    syllable_at: u32,
    syllable_len: u32,
    /// Syllables left in the phrase; a pause follows.
    syllables_left: u32,
    /// Samples of pause left before the next phrase.
    pause_left: u32,
    /// The formants of the current vowel, in Hz.
    formants: (f32, f32),
}

impl Voice {
    /// A talker with this mean pitch.
    pub fn new(pitch_hz: f32, rng: Rng) -> Voice {
        Voice {
            pitch_hz,
            rng,
            phase: 0.0,
            syllable_at: 0,
            syllable_len: 0,
            syllables_left: 0,
            pause_left: 0,
            formants: VOWELS[0],
        }
    }

    /// The next 20 ms.
    fn frame(&mut self, pcm: &mut [i16; SAMPLES_PER_FRAME]) {
        for sample in pcm.iter_mut() {
            *sample = self.sample();
        }
    }

    fn sample(&mut self) -> i16 {
        if self.pause_left > 0 {
            self.pause_left -= 1;
            return 0;
        }
        if self.syllable_at >= self.syllable_len {
            if self.syllables_left == 0 {
                self.syllables_left = 3 + self.rng.below(8);
                if self.syllable_len > 0 {
                    // Between phrases: 0.3 to 1.2 s of quiet.
                    self.pause_left = 2400 + self.rng.below(7200);
                }
            }
            self.syllables_left -= 1;
            self.syllable_at = 0;
            // 120 to 300 ms a syllable.
            self.syllable_len = 960 + self.rng.below(1440);
            self.formants = VOWELS[self.rng.below(VOWELS.len() as u32) as usize];
        }
        let progress = self.syllable_at as f32 / self.syllable_len as f32;
        self.syllable_at += 1;
        // The pitch falls a little over each syllable, as in speech.
        let pitch = self.pitch_hz * (1.1 - 0.2 * progress);
        self.phase = (self.phase + pitch / SAMPLE_RATE_HZ).fract();
        let mut value = 0.0;
        let mut harmonic = 1;
        while harmonic as f32 * pitch < 3400.0 {
            let hz = harmonic as f32 * pitch;
            let gain = resonance(hz, self.formants.0) + 0.6 * resonance(hz, self.formants.1);
            value += gain / harmonic as f32 * (TAU * self.phase * harmonic as f32).sin();
            harmonic += 1;
        }
        // Each syllable swells and fades.
        let envelope = (std::f32::consts::PI * progress).sin();
        (value * envelope * LEVEL).clamp(-32000.0, 32000.0) as i16
    }
}

/// Samples per 20 ms frame at 8 kHz.
const SAMPLES_PER_FRAME: usize = 160;

const SAMPLE_RATE_HZ: f32 = 8000.0;

/// Scales the voice to a comfortable level (peaks near a quarter of full scale).
const LEVEL: f32 = 5000.0;

/// First and second formants of a, e, i, o, u.
const VOWELS: [(f32, f32); 5] = [
    (730.0, 1090.0),
    (530.0, 1840.0),
    (270.0, 2290.0),
    (570.0, 840.0),
    (300.0, 870.0),
];

/// How much a formant at `formant_hz` lifts a harmonic at `hz`.
fn resonance(hz: f32, formant_hz: f32) -> f32 {
    let distance = (hz - formant_hz) / 180.0;
    0.15 + (-distance * distance).exp()
}

async fn run(
    socket: Arc<UdpSocket>,
    mut voice: Voice,
    targets: watch::Receiver<Target>,
    heard: Arc<AtomicU64>,
) {
    let mut clock = tokio::time::interval(Duration::from_millis(20));
    clock.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let ssrc = voice.rng.next_u32();
    let mut sequence = (voice.rng.next_u32() & 0xffff) as u16;
    let mut timestamp = voice.rng.next_u32();
    let mut pcm = [0i16; SAMPLES_PER_FRAME];
    let mut packet = [0u8; 12 + SAMPLES_PER_FRAME];
    let mut received = [0u8; 2048];
    let mut first = true;
    loop {
        tokio::select! {
            _ = clock.tick() => {
                let target = *targets.borrow();
                voice.frame(&mut pcm);
                if !target.sends {
                    continue;
                }
                packet[0] = 0x80;
                packet[1] = target.payload_type | if first { 0x80 } else { 0 };
                packet[2..4].copy_from_slice(&sequence.to_be_bytes());
                packet[4..8].copy_from_slice(&timestamp.to_be_bytes());
                packet[8..12].copy_from_slice(&ssrc.to_be_bytes());
                target.codec.encode(&pcm, &mut packet[12..]);
                // A full socket buffer loses this packet rather than delaying the next.
                let _ = socket.try_send_to(&packet, target.to);
                first = false;
                sequence = sequence.wrapping_add(1);
                timestamp = timestamp.wrapping_add(SAMPLES_PER_FRAME as u32);
            }
            result = socket.recv_from(&mut received) => {
                if let Ok((n, _)) = result && n >= 12 {
                    heard.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_voice_talks_in_phrases_with_pauses() {
        let mut voice = Voice::new(150.0, Rng::seeded(7));
        let mut pcm = [0i16; SAMPLES_PER_FRAME];
        let (mut n_loud, mut n_quiet) = (0, 0);
        for _ in 0..50 * 20 {
            voice.frame(&mut pcm);
            let rms = (pcm.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>()
                / SAMPLES_PER_FRAME as f64)
                .sqrt();
            if rms > 300.0 {
                n_loud += 1;
            } else if rms < 1.0 {
                n_quiet += 1;
            }
        }
        assert!(n_loud > 400, "mostly speech: {n_loud} loud frames of 1000");
        assert!(n_quiet > 20, "with pauses: {n_quiet} quiet frames of 1000");
    }
}
