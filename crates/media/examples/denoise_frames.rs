//! Runs `FRAMES` 20 ms frames of `STREAMS` noisy streams through [`Denoiser`], stream after
//! stream as the media clock does, and prints the wall time per frame. Made for instruction
//! counts, which hold still on a busy machine where times do not (issue 21):
//!
//! ```text
//! cargo build --release -p sentral-media --example denoise_frames
//! valgrind --tool=cachegrind --cache-sim=no target/release/examples/denoise_frames 1 300
//! valgrind --tool=cachegrind --cache-sim=no target/release/examples/denoise_frames 1 300 baseline
//! ```
//!
//! `baseline` holds our copy of nnnoiseless to its baseline x86-64 code instead of its AVX2
//! copy (`vendor/nnnoiseless/PATCHES.md`).

use sentral_media::{Denoiser, FRAME_SAMPLES, Frame, SILENCE};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |index: usize, default: usize| {
        args.get(index).map_or(default, |arg| {
            arg.parse()
                .unwrap_or_else(|_| panic!("usage: denoise_frames STREAMS FRAMES [baseline]"))
        })
    };
    let (streams, frames) = (number(0, 1), number(1, 300));
    nnnoiseless::force_baseline(args.get(2).is_some_and(|arg| arg == "baseline"));
    let audio = noisy_frames(50);
    let mut denoisers: Vec<Denoiser> = (0..streams).map(|_| Denoiser::new()).collect();
    let started = Instant::now();
    let mut checksum = 0i64;
    for index in 0..frames {
        for denoiser in &mut denoisers {
            let cleaned = denoiser.process(&audio[index % audio.len()]);
            checksum = checksum.wrapping_add(cleaned.iter().map(|&s| i64::from(s)).sum::<i64>());
        }
    }
    let per_frame = started.elapsed().as_secs_f64() * 1e6 / (streams * frames) as f64;
    println!(
        "{} frames of {streams} streams: {per_frame:.1} µs per frame (checksum {checksum})",
        streams * frames
    );
}

/// Speech-like tones with white noise under them, as in `benches/denoise.rs`.
fn noisy_frames(n_frames: usize) -> Vec<Frame> {
    let mut state = 0x9e37_79b9u32;
    (0..n_frames)
        .map(|index| {
            let mut frame = SILENCE;
            for (n, sample) in frame.iter_mut().enumerate() {
                let t = (n + index * FRAME_SAMPLES) as f64 / 8_000.0;
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                let noise = (f64::from(state) / f64::from(u32::MAX) - 0.5) * 600.0;
                let voice = 3_000.0 * (2.0 * std::f64::consts::PI * 180.0 * t).sin()
                    + 1_500.0 * (2.0 * std::f64::consts::PI * 1_100.0 * t).sin();
                *sample = (voice + noise) as i16;
            }
            frame
        })
        .collect()
}
