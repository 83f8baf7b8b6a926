//! The body of every fuzz target, one function per parser of remote input (issue 26).
//!
//! Each function takes the fuzzer's bytes, feeds them to one of our parsers and asserts what
//! must hold for any input: nothing panics, and whatever parses behaves (writes back to the
//! same value, stays within its limits). Two callers share them:
//!
//! - the cargo-fuzz targets in `fuzz/fuzz_targets/` (nightly and libFuzzer, `scripts/fuzz`),
//!   each a one-line call of the function of its name;
//! - `tests/corpus.rs` here, which replays every file of `fuzz/corpus/<target>/` through the
//!   same function on the stable toolchain, so CI runs each target's corpus as ordinary tests.
//!
//! # Layout
//!
//! - [`TARGETS`]: the names of the targets, which are also the corpus directories.
//! - [`run`]: calls the target of a name.
//! - One `pub fn` per target, in the order of [`TARGETS`].

use sentral_media::{
    CallMixer, DtmfReceiver, G711, RTP_HEADER_LEN, Received, RtpHeader, RtpSession,
    RtpSessionConfig, TelephoneEvent,
};
use sentral_sip::datagram::{self, DATAGRAM_LEN_MAX, Prepared};
use sentral_sip::digest::{self, AUTHORIZATION_LEN_MAX, Credentials, NonceBook, NonceUse};
use sentral_sip::sdp::{self, LocalAudio};
use sentral_sip::session_timer;
use sentral_sip::srtp::{self, Crypto, MasterKey, SrtpPolicy};
use std::time::{Duration, Instant};

/// Every fuzz target: the name of its binary in `fuzz/Cargo.toml`, of its corpus directory
/// under `fuzz/corpus/`, and of its function here.
pub const TARGETS: &[&str] = &[
    "sdp",
    "rtp_packet",
    "rfc4733",
    "session_timer",
    "sip_datagram",
    "digest_authorization",
    "config",
    "sign_in_json",
    "web_callback_json",
];

/// Runs the target called `name` on `data`; `false` for a name that is not in [`TARGETS`].
pub fn run(name: &str, data: &[u8]) -> bool {
    match name {
        "sdp" => sdp(data),
        "rtp_packet" => rtp_packet(data),
        "rfc4733" => rfc4733(data),
        "session_timer" => session_timer(data),
        "sip_datagram" => sip_datagram(data),
        "digest_authorization" => digest_authorization(data),
        "config" => config(data),
        "sign_in_json" => sign_in_json(data),
        "web_callback_json" => web_callback_json(data),
        _ => return false,
    }
    true
}

/// An SDP body from a caller or a called phone: no body may panic, whatever parses can be
/// answered or refused, and an answer we write parses back to the codec we chose.
pub fn sdp(data: &[u8]) {
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
    // SRTP (issue 25): whatever the policy decides, an answer with our key reads back with
    // that key under the offer's tag and suite, in the offer's profile.
    let ours = MasterKey([0x5a; 30]);
    for policy in [SrtpPolicy::Off, SrtpPolicy::Offer, SrtpPolicy::Require] {
        for over_tls in [false, true] {
            let Ok(Some(theirs)) = srtp::answer(&remote.security, policy, over_tls) else {
                continue;
            };
            let Ok((answer, media)) =
                sdp::answer_secured(&remote, &local, &[G711::Pcmu], Some((theirs, ours)))
            else {
                continue;
            };
            let back = sdp::parse(answer.as_bytes()).expect("our SRTP answer parses");
            assert_eq!(back.security.savp, remote.security.savp);
            assert_eq!(
                back.security.crypto,
                vec![Crypto {
                    key: ours,
                    ..theirs
                }]
            );
            assert_eq!(media.srtp.map(|keys| keys.receive), Some(theirs.key));
        }
    }
}

/// RTP datagrams on a leg's port: no input may panic, whatever parses writes back to a packet
/// that parses to the same header and payload, and a leg's session counts every datagram
/// exactly once.
pub fn rtp_packet(data: &[u8]) {
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
    let stats = session.stats();
    assert_eq!(
        stats.n_received + stats.n_duplicates + stats.n_too_old + stats.n_malformed,
        n_datagrams
    );
}

/// RFC 4733 telephone events: no input may panic, every event that parses writes back to the
/// same bytes, and only keypad digits are reported.
pub fn rfc4733(data: &[u8]) {
    if let Ok(event) = TelephoneEvent::parse(data) {
        let mut buf = [0; TelephoneEvent::LEN];
        event.write(&mut buf).expect("a parsed event writes");
        assert_eq!(TelephoneEvent::parse(&buf), Ok(event));
    }
    // The same bytes as a run of packets: a 4-byte RTP timestamp, then a 4-byte payload.
    let mut receiver = DtmfReceiver::new();
    for packet in data.chunks(8) {
        let (timestamp, payload) = packet.split_at(packet.len().min(4));
        let timestamp = timestamp
            .iter()
            .fold(0u32, |t, &byte| t << 8 | u32::from(byte));
        if let Ok(Some(digit)) = receiver.receive(timestamp, payload) {
            assert!("0123456789*#ABCD".contains(digit));
        }
    }
}

/// A SIP datagram from anyone, read before rsipstack's parser (`sentral_sip::datagram`): no
/// input may panic; a rewritten message keeps the body, stays within the datagram limit and is
/// canonical (read again, it is unchanged); a stateless answer is a response with no body,
/// which itself is passed on unchanged; taking our `From` tag out only ever shortens a message.
pub fn sip_datagram(data: &[u8]) {
    match datagram::prepare(data) {
        Prepared::Unchanged | Prepared::Drop => {}
        Prepared::Rewritten(message) => {
            assert!(message.len() <= DATAGRAM_LEN_MAX);
            assert!(!data.starts_with(b"SIP/"), "a response is never rewritten");
            let body_at = |bytes: &[u8]| {
                bytes
                    .windows(4)
                    .position(|window| window == b"\r\n\r\n")
                    .expect("a rewritten message has a head")
                    + 4
            };
            assert_eq!(message[body_at(&message)..], data[body_at(data)..]);
            assert_eq!(datagram::prepare(&message), Prepared::Unchanged);
        }
        Prepared::Answer(response) => {
            assert!(response.starts_with(b"SIP/2.0 "));
            assert!(response.ends_with(b"\r\nContent-Length: 0\r\n\r\n"));
            assert_eq!(datagram::prepare(&response), Prepared::Unchanged);
        }
    }
    if let Some(restored) = datagram::restore(data) {
        assert!(restored.len() < data.len());
    }
}

/// The RFC 4028 session-timer headers a stranger writes (`Session-Expires`, `Min-SE` and
/// `Supported`, one per line): no value may panic, a granted interval is never below the
/// minimum, and a refused one names a `Min-SE` at least that minimum.
pub fn session_timer(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '\n');
    let session_expires = parts.next();
    let min_se = parts.next();
    let supported = parts.next().unwrap_or_default();
    let ours = Duration::from_secs(1800);
    let min = Duration::from_secs(90);
    match session_timer::grant(ours, min, session_expires, min_se, supported) {
        Ok(offer) => assert!(offer.interval >= min),
        Err(too_brief) => assert!(too_brief.min_se >= min.as_secs()),
    }
    let _ = session_timer::granted_to_us(session_expires);
}

/// A digest `Authorization` (or `Proxy-Authorization`) header value from anyone who reaches
/// the SIP port: no value may panic; a value longer than the limit is never read; credentials
/// that parse carry every required field; their nonce is checked against our book (a stranger's
/// nonce is never fresh) and their response verified without panicking.
pub fn digest_authorization(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(credentials) = Credentials::parse(&text) else {
        return;
    };
    assert!(text.len() <= AUTHORIZATION_LEN_MAX);
    assert_eq!(credentials.nc.is_some(), credentials.nc_text.is_some());
    let now = Instant::now();
    let book = NonceBook::new([7; 32], now, Duration::from_secs(300));
    let nc = credentials.nc.unwrap_or(1);
    // The fuzzer never saw this book's secret, so no nonce it writes can be ours.
    assert_ne!(book.check(&credentials.nonce, nc, now), NonceUse::Fresh);
    let ha1 = digest::ha1(
        credentials.algorithm,
        "1001",
        "sentral.example",
        "a password of 12+ characters",
    );
    let _ = digest::verify(&credentials, "REGISTER", &ha1);
}

/// The TOML configuration reader (`sentral serve --config`, `check-config` and an
/// organisation's document sent to the admin API): no text may panic, and a refusal names at
/// least one problem, in the file it was given.
pub fn config(data: &[u8]) {
    const FILE: &str = "fuzz.toml";
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(problems) = sentral_server::config::parse(text, FILE) {
        assert!(!problems.is_empty());
        assert!(problems.iter().all(|problem| problem.file == FILE));
    }
    if let Err(problems) = sentral_server::config::parse_org(text, FILE, "fuzz") {
        assert!(!problems.is_empty());
        assert!(problems.iter().all(|problem| problem.file == FILE));
    }
}

/// The JSON body of `POST /api/v1/login`, which anyone who reaches the HTTP port may send: no
/// body may panic, and one that reads has both fields.
pub fn sign_in_json(data: &[u8]) {
    if let Ok(request) = serde_json::from_slice::<sentral_server::api::LoginRequest>(data) {
        // Serde's own guarantee, asserted so a change of the type is noticed here.
        let _ = (request.username.len(), request.password.len());
    }
}

/// The JSON body of `POST /api/v1/callbacks` (web callbacks, R37), sent by websites with
/// nothing but an API key: no body may panic, and a number that passes R30 normalises to a
/// number that parses to itself.
pub fn web_callback_json(data: &[u8]) {
    let Ok(request) =
        serde_json::from_slice::<sentral_server::api::callbacks::CallbackRequest>(data)
    else {
        return;
    };
    if let Ok(number) = sentral_engine::DialNumber::parse(&request.number) {
        let normalised = number.to_string();
        let again = sentral_engine::DialNumber::parse(&normalised).expect("normalised parses");
        assert_eq!(again.to_string(), normalised);
    }
}
