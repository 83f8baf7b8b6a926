//! The voice prompts callers hear, shipped with the binary: 8 kHz mono 16-bit WAV files made
//! with espeak-ng (`scripts/make-prompts`), read once into samples.

use sentral_engine::Prompt;
use std::sync::{Arc, OnceLock};

/// The samples of a prompt, shared by every call that plays it.
pub fn samples(prompt: Prompt) -> Arc<[i16]> {
    static OFFER: OnceLock<Arc<[i16]>> = OnceLock::new();
    static CONFIRMED: OnceLock<Arc<[i16]>> = OnceLock::new();
    match prompt {
        Prompt::CourtesyCallbackOffer => OFFER
            .get_or_init(|| read_wav(include_bytes!("../prompts/courtesy_callback_offer.wav")))
            .clone(),
        Prompt::CourtesyCallbackConfirmed => CONFIRMED
            .get_or_init(|| read_wav(include_bytes!("../prompts/courtesy_callback_confirmed.wav")))
            .clone(),
    }
}

/// The 16-bit samples of a PCM WAV file's `data` chunk (the files are ours and checked by a
/// test; a broken one yields silence rather than a panic in a call).
fn read_wav(bytes: &[u8]) -> Arc<[i16]> {
    let mut at = 12;
    while at + 8 <= bytes.len() {
        let id = &bytes[at..at + 4];
        let len = u32::from_le_bytes([bytes[at + 4], bytes[at + 5], bytes[at + 6], bytes[at + 7]])
            as usize;
        let body = at + 8;
        if id == b"data" {
            let end = (body + len).min(bytes.len());
            return bytes[body..end]
                .chunks_exact(2)
                .map(|pair| i16::from_le_bytes([pair[0], pair[1]]))
                .collect();
        }
        at = body + len + (len & 1);
    }
    Arc::from(Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r37_every_prompt_is_seconds_of_real_audio_at_8_khz() {
        for prompt in [
            Prompt::CourtesyCallbackOffer,
            Prompt::CourtesyCallbackConfirmed,
        ] {
            let samples = samples(prompt);
            assert!(
                (3 * 8000..15 * 8000).contains(&samples.len()),
                "{prompt:?}: {} samples",
                samples.len()
            );
            let rms = (samples.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>()
                / samples.len() as f64)
                .sqrt();
            assert!(rms > 1000.0, "{prompt:?} is speech, not silence: rms {rms}");
        }
        let header = include_bytes!("../prompts/courtesy_callback_offer.wav");
        assert_eq!(&header[22..24], &1u16.to_le_bytes(), "mono");
        assert_eq!(&header[24..28], &8000u32.to_le_bytes(), "8 kHz");
        assert_eq!(&header[34..36], &16u16.to_le_bytes(), "16-bit");
    }
}
