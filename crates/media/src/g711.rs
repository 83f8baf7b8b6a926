//! G.711 (ITU-T): µ-law (PCMU, RTP payload type 0) and A-law (PCMA, payload type 8).
//!
//! Our own code rather than a crate's: one crate tried encoded 897 A-law inputs wrongly (see
//! DEPENDENCIES.md). The functions are table-free `const fn`s; the transcoding tables are built
//! from them at compile time. `tests/it/g711_reference.rs` checks every one of the 65,536
//! samples and 256 codes of both laws against CPython's `audioop`.
//!
//! G.711 defines its laws on 14-bit (µ-law) and 13-bit (A-law) samples. Like `audioop` and most
//! telephony stacks, we drop the low bits of a 16-bit sample by an arithmetic shift (rounding
//! towards minus infinity) before encoding, and decode to the middle of each interval scaled
//! back to 16 bits.

/// A G.711 law: how one 8-bit code stands for one linear sample.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub enum G711 {
    /// µ-law, `PCMU/8000` in SDP: North America and Japan.
    Pcmu,
    /// A-law, `PCMA/8000` in SDP: Europe and most of the rest of the world.
    Pcma,
}

impl G711 {
    /// The law with this static RTP payload type (RFC 3551): 0 is PCMU and 8 is PCMA.
    pub const fn from_payload_type(payload_type: u8) -> Option<G711> {
        match payload_type {
            0 => Some(G711::Pcmu),
            8 => Some(G711::Pcma),
            _ => None,
        }
    }

    /// The static RTP payload type of this law (RFC 3551).
    pub const fn payload_type(self) -> u8 {
        match self {
            G711::Pcmu => 0,
            G711::Pcma => 8,
        }
    }

    /// Encodes one sample.
    pub const fn encode_sample(self, sample: i16) -> u8 {
        match self {
            G711::Pcmu => ulaw_encode(sample),
            G711::Pcma => alaw_encode(sample),
        }
    }

    /// Decodes one code.
    pub const fn decode_sample(self, code: u8) -> i16 {
        match self {
            G711::Pcmu => ulaw_decode(code),
            G711::Pcma => alaw_decode(code),
        }
    }

    /// Encodes `samples` into `payload`, one byte per sample.
    ///
    /// # Panics
    /// If the two slices differ in length: the caller sizes both from the same frame.
    pub fn encode(self, samples: &[i16], payload: &mut [u8]) {
        assert_eq!(samples.len(), payload.len(), "one code per sample");
        match self {
            G711::Pcmu => {
                for (code, &sample) in payload.iter_mut().zip(samples) {
                    *code = ulaw_encode(sample);
                }
            }
            G711::Pcma => {
                for (code, &sample) in payload.iter_mut().zip(samples) {
                    *code = alaw_encode(sample);
                }
            }
        }
    }

    /// Decodes `payload` into `samples`, one sample per byte.
    ///
    /// # Panics
    /// If the two slices differ in length: the caller sizes both from the same frame.
    pub fn decode(self, payload: &[u8], samples: &mut [i16]) {
        assert_eq!(samples.len(), payload.len(), "one sample per code");
        match self {
            G711::Pcmu => {
                for (sample, &code) in samples.iter_mut().zip(payload) {
                    *sample = ulaw_decode(code);
                }
            }
            G711::Pcma => {
                for (sample, &code) in samples.iter_mut().zip(payload) {
                    *sample = alaw_decode(code);
                }
            }
        }
    }

    /// Converts a payload of this law into `target`'s law in place (through linear PCM, so the
    /// result is what decoding and encoding again would give). Converting to the same law
    /// leaves the payload untouched.
    pub fn transcode(self, target: G711, payload: &mut [u8]) {
        let table = match (self, target) {
            (G711::Pcmu, G711::Pcma) => &ULAW_TO_ALAW,
            (G711::Pcma, G711::Pcmu) => &ALAW_TO_ULAW,
            (G711::Pcmu, G711::Pcmu) | (G711::Pcma, G711::Pcma) => return,
        };
        for code in payload {
            *code = table[usize::from(*code)];
        }
    }
}

/// Encodes a 16-bit sample as µ-law.
pub const fn ulaw_encode(sample: i16) -> u8 {
    // µ-law is defined on 14-bit samples: -8192..=8191.
    let value = (sample >> 2) as i32;
    let (magnitude, sign) = if value < 0 {
        (-value, 0x80)
    } else {
        (value, 0x00)
    };
    // The bias moves each segment's start to a power of two, so the segment is the position of
    // the highest set bit; clamping at the top of the last segment saturates loud samples.
    let biased = min_i32(magnitude + ULAW_BIAS_14, 0x1FFF) as u32;
    let segment = (31 - biased.leading_zeros()) - 5;
    let mantissa = (biased >> (segment + 1)) & 0x0F;
    // µ-law sends every bit inverted (a line of zeros was bad for old T1 clock recovery).
    !(sign | (segment << 4) as u8 | mantissa as u8)
}

/// Decodes a µ-law code to a 16-bit sample.
pub const fn ulaw_decode(code: u8) -> i16 {
    let code = !code;
    let segment = (code >> 4) & 0x07;
    let mantissa = (code & 0x0F) as i16;
    let magnitude = (((mantissa << 3) + ULAW_BIAS_16) << segment) - ULAW_BIAS_16;
    if code & 0x80 != 0 {
        -magnitude
    } else {
        magnitude
    }
}

/// Encodes a 16-bit sample as A-law.
pub const fn alaw_encode(sample: i16) -> u8 {
    // A-law is defined on 13-bit samples: -4096..=4095. A negative sample's magnitude is its
    // one's complement, so -1 and 0 are mirror images and nothing needs clamping.
    let value = sample >> 3;
    let (magnitude, sign) = if value < 0 {
        (!value as u16, 0x00)
    } else {
        (value as u16, 0x80)
    };
    let segment = if magnitude < 0x20 {
        0
    } else {
        (15 - magnitude.leading_zeros()) - 4
    };
    let shift = if segment == 0 { 1 } else { segment };
    let mantissa = (magnitude >> shift) & 0x0F;
    // A-law inverts every other bit (0x55) for the same line-coding reason as µ-law.
    (sign | (segment << 4) as u8 | mantissa as u8) ^ 0x55
}

/// Decodes an A-law code to a 16-bit sample.
pub const fn alaw_decode(code: u8) -> i16 {
    let code = code ^ 0x55;
    let segment = (code >> 4) & 0x07;
    let mantissa = (code & 0x0F) as i16;
    // Each code decodes to the middle of its interval (the + 8, scaled by the segment).
    let magnitude = if segment == 0 {
        (mantissa << 4) + 0x08
    } else {
        ((mantissa << 4) + 0x108) << (segment - 1)
    };
    if code & 0x80 != 0 {
        magnitude
    } else {
        -magnitude
    }
}

/// Converts a µ-law code to the A-law code of the same sample (through linear PCM).
pub const fn ulaw_to_alaw(code: u8) -> u8 {
    ULAW_TO_ALAW[code as usize]
}

/// Converts an A-law code to the µ-law code of the same sample (through linear PCM).
pub const fn alaw_to_ulaw(code: u8) -> u8 {
    ALAW_TO_ULAW[code as usize]
}

const fn min_i32(a: i32, b: i32) -> i32 {
    if a < b { a } else { b }
}

const fn transcoding_table(from: G711, to: G711) -> [u8; 256] {
    let mut table = [0; 256];
    let mut code = 0;
    while code < 256 {
        table[code] = to.encode_sample(from.decode_sample(code as u8));
        code += 1;
    }
    table
}

/// µ-law's bias on 14-bit magnitudes (G.711 table 2: the first segment starts at 33 − 33 = 0).
const ULAW_BIAS_14: i32 = 33;

/// The same bias on 16-bit samples, as the decoder works after scaling back up.
const ULAW_BIAS_16: i16 = 0x84;

const ULAW_TO_ALAW: [u8; 256] = transcoding_table(G711::Pcmu, G711::Pcma);
const ALAW_TO_ULAW: [u8; 256] = transcoding_table(G711::Pcma, G711::Pcmu);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silence_and_full_scale_have_the_well_known_codes() {
        // Goal: spot-check the values every G.711 implementation agrees on.
        assert_eq!(ulaw_encode(0), 0xFF);
        assert_eq!(ulaw_decode(0xFF), 0);
        assert_eq!(ulaw_decode(0x7F), 0, "µ-law's negative zero");
        assert_eq!(ulaw_encode(i16::MAX), 0x80);
        assert_eq!(ulaw_encode(i16::MIN), 0x00);
        assert_eq!(ulaw_decode(0x80), 32_124);
        assert_eq!(ulaw_decode(0x00), -32_124);
        assert_eq!(alaw_encode(0), 0xD5);
        assert_eq!(alaw_encode(-1), 0x55);
        assert_eq!(alaw_decode(0xD5), 8);
        assert_eq!(alaw_decode(0x55), -8);
        assert_eq!(alaw_encode(i16::MAX), 0xAA);
        assert_eq!(alaw_encode(i16::MIN), 0x2A);
        assert_eq!(alaw_decode(0xAA), 32_256);
        assert_eq!(alaw_decode(0x2A), -32_256);
    }

    #[test]
    fn payload_types_are_the_static_ones_of_rfc_3551() {
        for codec in [G711::Pcmu, G711::Pcma] {
            assert_eq!(G711::from_payload_type(codec.payload_type()), Some(codec));
        }
        assert_eq!(G711::from_payload_type(101), None);
    }

    #[test]
    fn transcoding_to_the_same_law_changes_nothing() {
        let mut payload: Vec<u8> = (0..=255).collect();
        G711::Pcmu.transcode(G711::Pcmu, &mut payload);
        G711::Pcma.transcode(G711::Pcma, &mut payload);
        assert!(payload.iter().copied().eq(0..=255));
    }
}
