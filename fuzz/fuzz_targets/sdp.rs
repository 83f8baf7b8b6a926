//! Fuzzes SDP parsing and the offer/answer built on it: no body may panic, whatever parses can
//! be answered or refused, and an answer we write parses back to the codec we chose.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sentral_media::G711;
use sentral_sip::sdp::{self, LocalAudio};

fuzz_target!(|data: &[u8]| {
    let Ok(remote) = sdp::parse(data) else {
        return;
    };
    let _ = sdp::negotiated(&remote);
    let local = LocalAudio {
        rtp: "192.0.2.10:40000".parse().expect("a valid address"),
        session_id: 1,
        session_version: 1,
    };
    if let Ok((answer, media)) = sdp::answer(&remote, &local, &[G711::Pcmu, G711::Pcma]) {
        let back = sdp::parse(answer.as_bytes()).expect("our answer parses");
        let agreed = sdp::negotiated(&back).expect("our answer negotiates");
        assert_eq!(
            (agreed.codec, agreed.payload_type),
            (media.codec, media.payload_type)
        );
        assert_eq!(back.telephone_event, media.telephone_event);
    }
});
