//! Background-noise removal for one leg's audio (R1): 8 kHz frames in, cleaned 8 kHz frames out.
//!
//! RNNoise (the `nnnoiseless` crate) works on 10 ms frames of 480 samples at 48 kHz, so each
//! 20 ms telephony frame is resampled up to 48 kHz, cleaned as two RNNoise frames and
//! resampled back down, with `rubato`'s FFT resamplers (a fixed 1:6 ratio, band-limited, so
//! no aliasing and no imaging). Every buffer is allocated once, in [`Denoiser::new`]; a frame
//! allocates nothing.
//!
//! # Latency
//!
//! The cleaned audio comes out [`LATENCY`] (20 ms) after it went in: 5 ms in the upsampler
//! (half its 480-sample FFT block), 10 ms in RNNoise (its 480-sample analysis overlap) and 5 ms
//! in the downsampler (half its 80-sample block). The stream is processed frame for frame, so
//! nothing else waits: one frame in gives one frame out at once, the last 20 ms of the input
//! still inside the pipeline. The first [`LATENCY`] of a stream is silence.
//!
//! # Cost
//!
//! About two RNNoise frames (≈ 40–50 µs each in release on the reference machines) per 20 ms
//! frame, plus about 2 µs for each resampler: `cargo bench -p sentral-media --bench denoise`
//! measures it, and `docs/benchmarks.md` has the figures. RNNoise is our copy of nnnoiseless
//! (`vendor/nnnoiseless/`), whose hot loops run compiled for AVX2 when the processor has it,
//! with the same output to the bit.

use crate::{FRAME_SAMPLES, Frame, SILENCE};
use nnnoiseless::DenoiseState;
use rubato::audioadapter_buffers::direct::SequentialSlice;
use rubato::{Fft, FixedSync, Resampler, WindowFunction};
use std::time::Duration;

/// How much later the cleaned audio comes out than it went in (see the module's docs).
pub const LATENCY: Duration = Duration::from_millis(20);

/// Samples of one 20 ms frame at RNNoise's 48 kHz.
const FRAME_SAMPLES_48K: usize = FRAME_SAMPLES * 6;

/// RNNoise's frame: 10 ms at 48 kHz.
const RNNOISE_FRAME: usize = DenoiseState::FRAME_SIZE;

/// FFT blocks per 20 ms frame in each resampler: two blocks of 10 ms halve the delay of one
/// 20 ms block (the delay is half a block) and still filter well below 4 kHz.
const RESAMPLER_SUB_CHUNKS: usize = 2;

/// One stream's noise remover: resamplers and RNNoise state with their buffers.
pub struct Denoiser {
    /// 8 kHz → 48 kHz.
    up: Fft<f32>,
    /// 48 kHz → 8 kHz.
    down: Fft<f32>,
    /// RNNoise's state (boxed by the crate: its tables are large).
    rnnoise: Box<DenoiseState<'static>>,
    /// The frame at 8 kHz as floats.
    input_8k: [f32; FRAME_SAMPLES],
    /// The frame at 48 kHz.
    noisy_48k: Box<[f32; FRAME_SAMPLES_48K]>,
    /// The cleaned frame at 48 kHz.
    clean_48k: Box<[f32; FRAME_SAMPLES_48K]>,
    /// The cleaned frame back at 8 kHz, as floats.
    output_8k: [f32; FRAME_SAMPLES],
}

impl Denoiser {
    /// A noise remover for one stream. Allocates every buffer it will use (a few tens of
    /// kilobytes, most of it RNNoise's state).
    pub fn new() -> Denoiser {
        let up = Fft::new_custom(
            8_000,
            48_000,
            FRAME_SAMPLES,
            RESAMPLER_SUB_CHUNKS,
            1,
            WindowFunction::BlackmanHarris2,
            FixedSync::Input,
        )
        .expect("8 kHz to 48 kHz is a valid resampler");
        let down = Fft::new_custom(
            48_000,
            8_000,
            FRAME_SAMPLES_48K,
            RESAMPLER_SUB_CHUNKS,
            1,
            WindowFunction::BlackmanHarris2,
            FixedSync::Input,
        )
        .expect("48 kHz to 8 kHz is a valid resampler");
        // Whole blocks on both sides, so every call takes and gives exactly one frame.
        assert_eq!(
            (up.input_frames_next(), up.output_frames_next()),
            (FRAME_SAMPLES, FRAME_SAMPLES_48K)
        );
        assert_eq!(
            (down.input_frames_next(), down.output_frames_next()),
            (FRAME_SAMPLES_48K, FRAME_SAMPLES)
        );
        Denoiser {
            up,
            down,
            rnnoise: DenoiseState::new(),
            input_8k: [0.0; FRAME_SAMPLES],
            noisy_48k: Box::new([0.0; FRAME_SAMPLES_48K]),
            clean_48k: Box::new([0.0; FRAME_SAMPLES_48K]),
            output_8k: [0.0; FRAME_SAMPLES],
        }
    }

    /// Cleans the next 20 ms of the stream; the result is the stream [`LATENCY`] earlier.
    pub fn process(&mut self, frame: &Frame) -> Frame {
        for (float, &sample) in self.input_8k.iter_mut().zip(frame) {
            *float = f32::from(sample);
        }
        resample(&mut self.up, &self.input_8k, &mut self.noisy_48k[..]);
        for (noisy, clean) in self
            .noisy_48k
            .chunks_exact(RNNOISE_FRAME)
            .zip(self.clean_48k.chunks_exact_mut(RNNOISE_FRAME))
        {
            // The voice-activity probability it returns is not needed.
            let _ = self.rnnoise.process_frame(clean, noisy);
        }
        resample(&mut self.down, &self.clean_48k[..], &mut self.output_8k);
        let mut cleaned = SILENCE;
        for (sample, &float) in cleaned.iter_mut().zip(&self.output_8k) {
            // `as` saturates; rounding keeps a full-scale input from gaining a bias.
            *sample = float.round() as i16;
        }
        cleaned
    }
}

impl Default for Denoiser {
    fn default() -> Self {
        Denoiser::new()
    }
}

impl std::fmt::Debug for Denoiser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Denoiser").finish_non_exhaustive()
    }
}

/// One fixed-size block through a resampler, mono, into preallocated buffers.
fn resample(resampler: &mut Fft<f32>, input: &[f32], output: &mut [f32]) {
    let n_in = input.len();
    let n_out = output.len();
    let input = SequentialSlice::new(input, 1, n_in).expect("a mono block");
    let mut output = SequentialSlice::new_mut(output, 1, n_out).expect("a mono block");
    let (read, written) = resampler
        .process_into_buffer(&input, &mut output, None)
        .expect("buffers of the sizes the resampler asked for");
    debug_assert_eq!((read, written), (n_in, n_out));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SAMPLE_RATE_HZ;

    /// A deterministic white-noise generator (xorshift), uniform in ±`amplitude`.
    fn noise(state: &mut u32, amplitude: f64) -> i16 {
        *state ^= *state << 13;
        *state ^= *state >> 17;
        *state ^= *state << 5;
        ((f64::from(*state) / f64::from(u32::MAX) * 2.0 - 1.0) * amplitude) as i16
    }

    fn rms(samples: &[i16]) -> f64 {
        let sum: f64 = samples.iter().map(|&s| f64::from(s).powi(2)).sum();
        (sum / samples.len().max(1) as f64).sqrt()
    }

    #[test]
    fn r1_steady_white_noise_is_removed_by_more_than_15_db() {
        let mut denoiser = Denoiser::new();
        let mut state = 0x1234_5678;
        let mut n_in = Vec::new();
        let mut n_out = Vec::new();
        for _ in 0..150 {
            let mut frame = SILENCE;
            for sample in &mut frame {
                *sample = noise(&mut state, 1_000.0);
            }
            let cleaned = denoiser.process(&frame);
            n_in.extend_from_slice(&frame);
            n_out.extend_from_slice(&cleaned);
        }
        // The last second, once RNNoise has learnt the noise.
        let tail = SAMPLE_RATE_HZ as usize;
        let drop_db =
            20.0 * (rms(&n_in[n_in.len() - tail..]) / rms(&n_out[n_out.len() - tail..])).log10();
        assert!(drop_db >= 15.0, "noise dropped by only {drop_db:.1} dB");
    }

    #[test]
    fn r1_the_latency_is_the_documented_20_ms() {
        // A click train through the resamplers and RNNoise: the output's strongest correlation
        // with the input is at the documented delay.
        let mut denoiser = Denoiser::new();
        let mut input = Vec::new();
        let mut output = Vec::new();
        for index in 0..100 {
            let mut frame = SILENCE;
            // A voiced-like buzz (a 150 Hz pulse train through a crude resonance), which
            // RNNoise keeps.
            for (offset, sample) in frame.iter_mut().enumerate() {
                let t = (index * FRAME_SAMPLES + offset) as f64 / f64::from(SAMPLE_RATE_HZ);
                let buzz = (2.0 * std::f64::consts::PI * 150.0 * t).sin().signum();
                let vowel = (2.0 * std::f64::consts::PI * 700.0 * t).sin();
                *sample = (3_000.0 * buzz * (0.5 + 0.5 * vowel)) as i16;
            }
            input.extend_from_slice(&frame);
            output.extend_from_slice(&denoiser.process(&frame));
        }
        let best = (0..FRAME_SAMPLES * 3)
            .max_by_key(|&lag| {
                let sum: f64 = input[..input.len() - lag]
                    .iter()
                    .zip(&output[lag..])
                    .map(|(&a, &b)| f64::from(a) * f64::from(b))
                    .sum();
                sum as i64
            })
            .expect("lags");
        let latency_samples = LATENCY.as_millis() as usize * 8;
        assert!(
            best.abs_diff(latency_samples) <= 2,
            "the output lags by {best} samples, not {latency_samples}"
        );
    }

    /// R1, issue 21: our copy of nnnoiseless runs its hot loops compiled for AVX2 when the
    /// processor has it (`vendor/nnnoiseless/PATCHES.md`). That copy must clean speech and noise
    /// to exactly the samples the baseline copy gives, frame for frame, so the noise figures
    /// proven above hold whichever copy a machine runs.
    #[test]
    fn r1_the_avx2_copy_of_rnnoise_cleans_to_the_same_samples_as_the_baseline() {
        let mut state = 0x2545_f491;
        let frames: Vec<Frame> = (0..200)
            .map(|index| {
                let mut frame = SILENCE;
                for (n, sample) in frame.iter_mut().enumerate() {
                    let t = (index * FRAME_SAMPLES + n) as f64 / f64::from(SAMPLE_RATE_HZ);
                    // Speech-like tones in the second half, noise throughout.
                    let voice = if index >= 100 {
                        4_000.0 * (2.0 * std::f64::consts::PI * 210.0 * t).sin()
                    } else {
                        0.0
                    };
                    *sample = (voice + f64::from(noise(&mut state, 800.0))) as i16;
                }
                frame
            })
            .collect();
        let run = |baseline: bool| {
            nnnoiseless::force_baseline(baseline);
            let mut denoiser = Denoiser::new();
            let cleaned: Vec<Frame> = frames.iter().map(|frame| denoiser.process(frame)).collect();
            nnnoiseless::force_baseline(false);
            cleaned
        };
        let fastest = run(false);
        let baseline = run(true);
        #[cfg(target_arch = "x86_64")]
        if !std::arch::is_x86_feature_detected!("avx2") {
            eprintln!("this processor has no AVX2: both runs took the baseline copy");
        }
        let first_difference = fastest.iter().zip(&baseline).position(|(a, b)| a != b);
        assert_eq!(
            first_difference, None,
            "the copies differ from that frame on"
        );
        assert!(
            rms(&fastest[150..].concat()) > 100.0,
            "the speech came through, so the comparison is of real output"
        );
    }
}
