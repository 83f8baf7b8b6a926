//! The fuzz targets' property without a fuzzer: thousands of seeded pseudo-random datagrams,
//! and mutations of valid ones, through every parser; none may panic, and what parses must be
//! consistent. The cargo-fuzz targets in `fuzz/` explore further on nightly.

use sentral_media::{
    CallMixer, DtmfReceiver, G711, RTP_HEADER_LEN, Received, RtpHeader, RtpSession,
    RtpSessionConfig, TelephoneEvent,
};

/// A deterministic pseudo-random sequence (SplitMix64), so a failure replays from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

const SEED: u64 = 4_733;
const N_INPUTS: usize = 5_000;

/// A random datagram: pure noise, noise with an RTP version 2 first byte, or a valid packet
/// (with random CSRCs, extension and padding flags) with a few bytes changed.
fn datagram(rng: &mut Rng) -> Vec<u8> {
    let len = rng.below(80);
    let mut bytes = rng.bytes(len);
    match rng.below(3) {
        0 => {}
        1 => {
            if let Some(first) = bytes.first_mut() {
                *first = 0x80 | (*first & 0x3F);
            }
        }
        _ => {
            let header = RtpHeader {
                payload_type: rng.below(128) as u8,
                marker: rng.below(2) == 1,
                sequence_number: rng.next() as u16,
                timestamp: rng.next() as u32,
                ssrc: rng.next() as u32,
            };
            let len = rng.below(40);
            let payload = rng.bytes(len);
            bytes = vec![0; RTP_HEADER_LEN + payload.len()];
            header.write(&payload, &mut bytes).unwrap();
            if rng.below(2) == 0 {
                // Padding, extension and CSRC count bits, mostly lying about the length.
                bytes[0] |= rng.next() as u8 & 0x3F;
            }
            for _ in 0..rng.below(4) {
                let at = rng.below(bytes.len());
                bytes[at] = rng.next() as u8;
            }
        }
    }
    bytes
}

#[test]
fn rtp_parsing_never_panics_and_the_payload_lies_inside_the_datagram() {
    let mut rng = Rng(SEED);
    let mut session = RtpSession::new(RtpSessionConfig {
        ssrc: 1,
        first_sequence_number: 0,
        first_timestamp: 0,
    });
    let mut mixer = CallMixer::new();
    let leg = mixer.add_leg().unwrap();
    let mut n_parsed = 0;
    for _ in 0..N_INPUTS {
        let datagram = datagram(&mut rng);
        if let Ok((header, payload)) = RtpHeader::parse(&datagram) {
            n_parsed += 1;
            assert!(header.payload_type < 128);
            assert!(payload.len() + RTP_HEADER_LEN <= datagram.len());
            // What parses writes back to a packet that parses to the same header and payload.
            let mut rewritten = vec![0; RTP_HEADER_LEN + payload.len()];
            header.write(payload, &mut rewritten).unwrap();
            if !(192..=223).contains(&rewritten[1]) {
                assert_eq!(RtpHeader::parse(&rewritten), Ok((header, payload)));
            }
        }
        if let Received::Packet { payload, .. } = session.receive(&datagram) {
            // Any payload length reaches the mixer without a panic (only 160 bytes are used).
            let _ = mixer.push_encoded(leg, G711::Pcma, payload);
        }
    }
    let stats = session.stats();
    let n_counted = stats.n_received + stats.n_duplicates + stats.n_too_old + stats.n_malformed;
    assert_eq!(
        n_counted, N_INPUTS as u64,
        "every datagram is counted exactly once"
    );
    assert!(
        n_parsed > N_INPUTS / 10,
        "only {n_parsed} datagrams parsed: the generator is too weak"
    );
}

#[test]
fn telephone_event_parsing_never_panics() {
    let mut rng = Rng(SEED + 1);
    let mut receiver = DtmfReceiver::new();
    for _ in 0..N_INPUTS {
        let len = rng.below(9);
        let payload = rng.bytes(len);
        let timestamp = if rng.below(2) == 0 {
            rng.next() as u32
        } else {
            rng.below(4) as u32 * 160
        };
        match TelephoneEvent::parse(&payload) {
            Ok(event) => {
                assert!(event.volume <= 63);
                let mut buf = [0; 4];
                event.write(&mut buf).unwrap();
                assert_eq!(TelephoneEvent::parse(&buf), Ok(event));
                let digit = receiver.receive(timestamp, &payload).unwrap();
                assert!(digit.is_none_or(|d| "0123456789*#ABCD".contains(d)));
            }
            Err(_) => assert!(receiver.receive(timestamp, &payload).is_err()),
        }
    }
}
