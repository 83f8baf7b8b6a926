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

use sentral_media::Denoiser;

#[path = "support/noisy.rs"]
mod noisy;
use noisy::noisy_frames;
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
