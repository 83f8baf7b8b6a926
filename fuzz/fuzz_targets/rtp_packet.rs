//! Fuzzes RTP parsing and a leg's session with arbitrary datagrams: no input may panic, and
//! whatever parses writes back to a packet that parses to the same header and payload.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sentral_media::{
    CallMixer, G711, RTP_HEADER_LEN, Received, RtpHeader, RtpSession, RtpSessionConfig,
};

fuzz_target!(|data: &[u8]| {
    if let Ok((header, payload)) = RtpHeader::parse(data) {
        assert!(payload.len() + RTP_HEADER_LEN <= data.len());
        let mut rewritten = vec![0; RTP_HEADER_LEN + payload.len()];
        header
            .write(payload, &mut rewritten)
            .expect("a parsed header writes");
        // A rewritten header whose payload type reads as RTCP (RFC 5761) is refused on parse.
        if !(192..=223).contains(&rewritten[1]) {
            assert_eq!(RtpHeader::parse(&rewritten), Ok((header, payload)));
        }
    }
    // The same bytes as a stream of datagrams on one leg, each prefixed by its length.
    let mut session = RtpSession::new(RtpSessionConfig {
        ssrc: 1,
        first_sequence_number: 0,
        first_timestamp: 0,
    });
    let mut mixer = CallMixer::new();
    let leg = mixer.add_leg().expect("one leg");
    let mut rest = data;
    let mut n_datagrams = 0;
    while let Some((&len, tail)) = rest.split_first() {
        let (datagram, next) = tail.split_at(usize::from(len).min(tail.len()));
        rest = next;
        n_datagrams += 1;
        if let Received::Packet { payload, .. } = session.receive(datagram) {
            let _ = mixer.push_encoded(leg, G711::Pcmu, payload);
        }
    }
    // Every datagram is counted exactly once, as used, duplicate, too old or malformed.
    let stats = session.stats();
    assert_eq!(
        stats.n_received + stats.n_duplicates + stats.n_too_old + stats.n_malformed,
        n_datagrams
    );
});
