//! G.711 against the reference: every sample and every code of both laws, compared with
//! CPython's `audioop` (the data and the script that made it are in `tests/data`), then the
//! properties that transcoding and relaying rely on.

use sentral_media::{
    G711, alaw_decode, alaw_encode, alaw_to_ulaw, ulaw_decode, ulaw_encode, ulaw_to_alaw,
};

const ULAW_ENCODE: &[u8; 65_536] = include_bytes!("../data/ulaw_encode.bin");
const ALAW_ENCODE: &[u8; 65_536] = include_bytes!("../data/alaw_encode.bin");
const ULAW_DECODE: &[u8; 512] = include_bytes!("../data/ulaw_decode.bin");
const ALAW_DECODE: &[u8; 512] = include_bytes!("../data/alaw_decode.bin");

/// Every 16-bit sample, in the order of the encode files (from -32768 up).
fn all_samples() -> impl Iterator<Item = i16> {
    i16::MIN..=i16::MAX
}

fn reference_decoded(file: &[u8; 512], code: u8) -> i16 {
    let at = usize::from(code) * 2;
    i16::from_le_bytes([file[at], file[at + 1]])
}

#[test]
fn encoding_every_sample_matches_audioop() {
    let mut n_wrong = [0usize; 2];
    for (sample, (&ulaw, &alaw)) in all_samples().zip(ULAW_ENCODE.iter().zip(ALAW_ENCODE)) {
        n_wrong[0] += usize::from(ulaw_encode(sample) != ulaw);
        n_wrong[1] += usize::from(alaw_encode(sample) != alaw);
    }
    assert_eq!(
        n_wrong,
        [0, 0],
        "wrong µ-law and A-law codes of 65,536 samples"
    );
}

#[test]
fn decoding_every_code_matches_audioop() {
    for code in 0..=255u8 {
        assert_eq!(
            ulaw_decode(code),
            reference_decoded(ULAW_DECODE, code),
            "µ-law {code:#04x}"
        );
        assert_eq!(
            alaw_decode(code),
            reference_decoded(ALAW_DECODE, code),
            "A-law {code:#04x}"
        );
    }
}

#[test]
fn frame_functions_agree_with_the_sample_functions() {
    let samples: Vec<i16> = all_samples().collect();
    for codec in [G711::Pcmu, G711::Pcma] {
        let mut codes = vec![0; samples.len()];
        codec.encode(&samples, &mut codes);
        let expected = if codec == G711::Pcmu {
            ULAW_ENCODE
        } else {
            ALAW_ENCODE
        };
        assert!(codes.iter().eq(expected.iter()), "{codec:?}");
        let all_codes: Vec<u8> = (0..=255).collect();
        let mut decoded = vec![0; 256];
        codec.decode(&all_codes, &mut decoded);
        assert!(
            decoded
                .iter()
                .zip(&all_codes)
                .all(|(&s, &c)| s == codec.decode_sample(c))
        );
    }
}

#[test]
fn a_decoded_code_encodes_back_to_itself() {
    // Goal: relaying through linear PCM (decode, mix with nothing, encode) changes no code,
    // except µ-law's "negative zero" 0x7F, which decodes to 0 like 0xFF and comes back as 0xFF.
    for code in 0..=255u8 {
        assert_eq!(alaw_encode(alaw_decode(code)), code, "A-law {code:#04x}");
        let expected = if code == 0x7F { 0xFF } else { code };
        assert_eq!(
            ulaw_encode(ulaw_decode(code)),
            expected,
            "µ-law {code:#04x}"
        );
    }
}

#[test]
fn encoding_is_monotonic_and_the_error_stays_within_half_a_step() {
    // Method: for each law, decode(encode(x)) must never decrease as x grows, and must lie
    // within half a quantisation step (the gap to the neighbouring levels) of x, plus the low
    // bits G.711 drops (2 for µ-law, 3 for A-law) and, above the top level, the clipping.
    for codec in [G711::Pcmu, G711::Pcma] {
        let levels = levels(codec);
        let (top, dropped) = match codec {
            G711::Pcmu => (32_124, 4),
            G711::Pcma => (32_256, 8),
        };
        let mut previous = i16::MIN;
        for sample in all_samples() {
            let decoded = codec.decode_sample(codec.encode_sample(sample));
            assert!(decoded >= previous, "{codec:?} at {sample}");
            previous = decoded;
            let error = (i32::from(decoded) - i32::from(sample)).abs();
            let clipped = (i32::from(sample).abs() - top).max(0);
            let step = step_at(&levels, decoded);
            assert!(
                error <= step / 2 + dropped + clipped,
                "{codec:?}: {sample} decodes back as {decoded} (step {step})"
            );
        }
    }
}

#[test]
fn transcoding_goes_through_linear_pcm() {
    for code in 0..=255u8 {
        assert_eq!(ulaw_to_alaw(code), alaw_encode(ulaw_decode(code)));
        assert_eq!(alaw_to_ulaw(code), ulaw_encode(alaw_decode(code)));
    }
    let mut payload: Vec<u8> = (0..=255).collect();
    G711::Pcmu.transcode(G711::Pcma, &mut payload);
    assert!(payload.iter().copied().eq((0..=255).map(ulaw_to_alaw)));
}

#[test]
fn transcoding_there_and_back_stays_within_one_step_of_the_coarser_law() {
    // Goal: a µ-law customer talking to an A-law phone (and back) hears at most one
    // quantisation step more error than without transcoding.
    let (ulaw_levels, alaw_levels) = (levels(G711::Pcmu), levels(G711::Pcma));
    for code in 0..=255u8 {
        let direct = ulaw_decode(code);
        let there_and_back = ulaw_decode(alaw_to_ulaw(ulaw_to_alaw(code)));
        let step = step_at(&ulaw_levels, direct)
            .max(step_at(&alaw_levels, alaw_decode(ulaw_to_alaw(code))));
        assert!(
            (i32::from(direct) - i32::from(there_and_back)).abs() <= step,
            "µ-law {code:#04x}: {direct} comes back as {there_and_back}"
        );

        let direct = alaw_decode(code);
        let there_and_back = alaw_decode(ulaw_to_alaw(alaw_to_ulaw(code)));
        let step = step_at(&alaw_levels, direct)
            .max(step_at(&ulaw_levels, ulaw_decode(alaw_to_ulaw(code))));
        assert!(
            (i32::from(direct) - i32::from(there_and_back)).abs() <= step,
            "A-law {code:#04x}: {direct} comes back as {there_and_back}"
        );
    }
}

/// The law's decoded levels, ascending.
fn levels(codec: G711) -> Vec<i16> {
    let mut levels: Vec<i16> = (0..=255).map(|code| codec.decode_sample(code)).collect();
    levels.sort_unstable();
    levels.dedup();
    levels
}

/// The larger gap from `level` to its neighbouring levels.
fn step_at(levels: &[i16], level: i16) -> i32 {
    let at = levels.binary_search(&level).expect("a decoded level");
    let below = at
        .checked_sub(1)
        .map(|i| i32::from(level) - i32::from(levels[i]));
    let above = levels
        .get(at + 1)
        .map(|&next| i32::from(next) - i32::from(level));
    below
        .into_iter()
        .chain(above)
        .max()
        .expect("more than one level")
}
