//! The cost of background-noise removal (R1): one 20 ms frame of a noisy stream through
//! [`Denoiser`] (8 kHz → 48 kHz, two RNNoise frames, 48 kHz → 8 kHz), against RNNoise alone on
//! the same audio, so the overhead of the resampling and the copies shows as the difference.
//!
//! Streams per core in real time = 20 ms / the time of `denoiser_frame_20ms`; the library's own
//! limit is 10 ms / `rnnoise_alone_frame_10ms`. The allocation profiler shows that a frame
//! allocates nothing.
//!
//! Run: `cargo bench -p sentral-media --bench denoise`.

use divan::{AllocProfiler, Bencher, black_box};
use nnnoiseless::DenoiseState;
use sentral_media::{Denoiser, FRAME_SAMPLES};

#[path = "../examples/support/noisy.rs"]
mod noisy;
use noisy::noisy_frames;

#[global_allocator]
static ALLOC: AllocProfiler = AllocProfiler::system();

fn main() {
    divan::main();
}

/// One 20 ms telephony frame through the whole noise remover.
#[divan::bench]
fn denoiser_frame_20ms(bencher: Bencher) {
    let frames = noisy_frames(50);
    let mut denoiser = Denoiser::new();
    // RNNoise's FFT makes its plan once per thread on first use (an allocation of its own,
    // then none); keep that out of the figures, as a call's first frame pays it only once.
    black_box(denoiser.process(&frames[0]));
    let mut index = 0;
    bencher.bench_local(|| {
        index = (index + 1) % frames.len();
        black_box(denoiser.process(black_box(&frames[index])))
    });
}

/// The same as `denoiser_frame_20ms` with our copy of nnnoiseless held to its baseline x86-64
/// code (`nnnoiseless::force_baseline`): what the AVX2 copy saves (issue 21).
#[divan::bench]
fn denoiser_frame_20ms_baseline_copy(bencher: Bencher) {
    nnnoiseless::force_baseline(true);
    let frames = noisy_frames(50);
    let mut denoiser = Denoiser::new();
    black_box(denoiser.process(&frames[0]));
    let mut index = 0;
    bencher.bench_local(|| {
        index = (index + 1) % frames.len();
        black_box(denoiser.process(black_box(&frames[index])))
    });
    nnnoiseless::force_baseline(false);
}

/// One 10 ms RNNoise frame at 48 kHz, the library alone: the floor for the above (two of
/// these per 20 ms frame).
#[divan::bench]
fn rnnoise_alone_frame_10ms(bencher: Bencher) {
    // The same audio, upsampled by repeating samples (the cost does not depend on how).
    let input: Vec<Vec<f32>> = noisy_frames(100)
        .chunks(1)
        .map(|frame| {
            frame[0][..FRAME_SAMPLES / 2]
                .iter()
                .flat_map(|&s| std::iter::repeat_n(f32::from(s), 6))
                .collect()
        })
        .collect();
    let mut state = DenoiseState::new();
    let mut output = vec![0.0f32; DenoiseState::FRAME_SIZE];
    black_box(state.process_frame(&mut output, &input[0]));
    let mut index = 0;
    bencher.bench_local(|| {
        index = (index + 1) % input.len();
        black_box(state.process_frame(&mut output, black_box(&input[index])))
    });
}

/// One 20 ms frame of each of `streams` calls in turn, as the media clock does it: the cost per
/// frame once every stream's state has to come back into the cache. Against
/// `denoiser_frame_20ms` (one stream, always cached) it shows what many calls add (issue 21).
#[divan::bench(args = [1, 30, 100, 300])]
fn denoiser_frame_20ms_round_robin(bencher: Bencher, streams: usize) {
    let frames = noisy_frames(50);
    let mut denoisers: Vec<Denoiser> = (0..streams).map(|_| Denoiser::new()).collect();
    for denoiser in &mut denoisers {
        black_box(denoiser.process(&frames[0]));
    }
    let mut index = 0;
    bencher
        .counter(divan::counter::ItemsCount::new(streams))
        .bench_local(|| {
            index = (index + 1) % frames.len();
            for denoiser in &mut denoisers {
                black_box(denoiser.process(black_box(&frames[index])));
            }
        });
}
