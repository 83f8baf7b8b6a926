//! Speech-like tones with white noise under them, so RNNoise runs its network on every frame
//! (it skips near-silent frames): the audio of the denoise benchmark and of `denoise_frames`.

use sentral_media::{FRAME_SAMPLES, Frame, SILENCE};

/// `n_frames` 20 ms frames of the same noisy tones, the same every run.
pub fn noisy_frames(n_frames: usize) -> Vec<Frame> {
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
