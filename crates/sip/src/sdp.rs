//! SDP offers and answers for audio calls (RFC 4566, RFC 3264), sans IO.
//!
//! Every leg of a call is plain RTP/AVP audio that Sentral terminates itself: G.711 µ-law or
//! A-law, and RFC 4733 telephone events for key presses. [`parse`] reads what the far end's SDP
//! says about its audio stream, [`offer`] writes our offer, [`answer`] answers a far-end offer and
//! [`negotiated`] reads the far end's answer to our offer. ezk-sdp-types parses; we write the
//! text ourselves because what we say is always the same few lines.
//!
//! ```
//! use sentral_media::G711;
//! use sentral_sip::sdp::{self, Direction, LocalAudio};
//!
//! let local = LocalAudio {
//!     rtp: "192.0.2.10:40000".parse().unwrap(),
//!     session_id: 7,
//!     session_version: 1,
//! };
//! let offer = sdp::offer(&local, &[G711::Pcma, G711::Pcmu], Direction::SendRecv);
//! assert!(offer.contains("m=audio 40000 RTP/AVP 8 0 101\r\n"));
//!
//! // The far end answers with µ-law only.
//! let answer = "v=0\r\no=- 1 1 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\n\
//!               t=0 0\r\nm=audio 5004 RTP/AVP 0\r\n";
//! let media = sdp::negotiated(&sdp::parse(answer.as_bytes()).unwrap()).unwrap();
//! assert_eq!(media.codec, G711::Pcmu);
//! assert_eq!(media.remote_rtp, "198.51.100.7:5004".parse().unwrap());
//! ```
//!
//! Decisions worth knowing:
//! - The answerer's preference wins: [`answer`] takes the first law of `preferred` that the
//!   offer has. RFC 3264 §6.1 lets the answerer choose any subset and only recommends keeping the
//!   offer's order; we decode both laws anyway, so the caller (who knows the trunk or the region)
//!   decides. A caller that wants the offerer's order passes the offer's order.
//! - A `c=` address of `0.0.0.0` (or `::`) is RFC 2543 hold: the far end will not receive, so
//!   its `sendrecv` reads as [`Direction::SendOnly`] and its `recvonly` as
//!   [`Direction::Inactive`].
//! - An answer has as many `m=` lines as its offer, in the same order (RFC 3264 §6): streams we
//!   do not use are declined with port 0 at their place.

use crate::srtp::{Crypto, Offered, RemoteSecurity, SrtpKeys};
use ezk_sdp_types::{
    MediaDescription, MediaType, RtpMap, SessionDescription, TaggedAddress, TransportProtocol,
};
use sentral_media::G711;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// The media direction attribute (`a=sendrecv`, `a=sendonly`, `a=recvonly`, `a=inactive`),
/// from the point of view of the side whose SDP it is.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub enum Direction {
    /// Sends and receives media: a normal call.
    SendRecv,
    /// Sends but does not receive: the side that puts the other on hold (R14).
    SendOnly,
    /// Receives but does not send: the side that is held.
    RecvOnly,
    /// Neither sends nor receives: both sides on hold.
    Inactive,
}

impl Direction {
    /// The direction the other side answers with: `sendonly` and `recvonly` swap, `sendrecv` and
    /// `inactive` stay (RFC 3264 §6.1).
    pub const fn reversed(self) -> Direction {
        Direction::from_flags(self.receives(), self.sends())
    }

    /// Whether this side sends media.
    pub const fn sends(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::SendOnly)
    }

    /// Whether this side receives media.
    pub const fn receives(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::RecvOnly)
    }

    /// The attribute's name, as written after `a=`.
    pub const fn attribute(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }

    const fn from_flags(sends: bool, receives: bool) -> Direction {
        match (sends, receives) {
            (true, true) => Direction::SendRecv,
            (true, false) => Direction::SendOnly,
            (false, true) => Direction::RecvOnly,
            (false, false) => Direction::Inactive,
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.attribute())
    }
}

/// What the far end's SDP (an offer or an answer) says about its audio stream.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct RemoteAudio {
    /// Where to send RTP: the media-level `c=` (or else the session-level `c=`) address and the
    /// `m=` port.
    pub rtp: SocketAddr,
    /// The payload types of the `m=` line in order of preference.
    pub payload_types: Vec<u8>,
    /// The G.711 laws offered, in the `m=` line's order, each with its payload type: static 0
    /// or 8, or dynamic with `a=rtpmap:<pt> PCMU/8000` or `PCMA/8000`.
    pub codecs: Vec<(G711, u8)>,
    /// The payload type of `telephone-event/8000` (RFC 4733), if offered.
    pub telephone_event: Option<u8>,
    /// The far end's direction: the media-level attribute, else the session-level one, else
    /// `sendrecv`; with a `c=` address of `0.0.0.0` or `::` (RFC 2543 hold) the far end does not
    /// receive, so `sendrecv` becomes `sendonly` and `recvonly` becomes `inactive`.
    pub direction: Direction,
    /// `a=ptime` (milliseconds of audio per packet), if present and a whole number.
    pub ptime_ms: Option<u32>,
    /// The `m=` port was 0: the stream is rejected or disabled.
    pub disabled: bool,
    /// The SDP's other `m=` lines (video, a second audio stream, SRTP...), so that an answer can
    /// decline each at its place.
    pub other_streams: Vec<OtherStream>,
    /// Its profile (`RTP/SAVP` or `RTP/AVP`) and `a=crypto` lines (RFC 4568).
    pub security: RemoteSecurity,
}

/// An `m=` line of the far end's SDP that is not the audio stream we use.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct OtherStream {
    /// Its position among the SDP's `m=` lines, 0 for the first.
    pub index: usize,
    /// The media type as written (`video`, `audio`, `application`...).
    pub media: String,
    /// The transport protocol as written (`RTP/AVP`, `RTP/SAVP`...).
    pub proto: String,
    /// Its first format: SDP requires one even on a declined line.
    pub format: String,
}

/// Our side of a session: where our RTP socket is and the `o=` line's numbers.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct LocalAudio {
    /// Our RTP socket's address as the far end reaches it (not a wildcard: `0.0.0.0` means hold).
    pub rtp: SocketAddr,
    /// The `o=` session id, the same for the whole session.
    pub session_id: u64,
    /// The `o=` session version, one higher in every new offer or answer of the session.
    pub session_version: u64,
}

/// The agreed media of a leg after offer and answer.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Negotiated {
    /// The G.711 law both sides send.
    pub codec: G711,
    /// The payload type to send the codec with (the far end's number for it).
    pub payload_type: u8,
    /// The payload type to send telephone events with, if the far end takes them.
    pub telephone_event: Option<u8>,
    /// Where to send RTP.
    pub remote_rtp: SocketAddr,
    /// Our direction: whether we send and whether we receive.
    pub direction: Direction,
    /// The SRTP keys, when offer and answer agreed on SRTP; `None`: plain RTP.
    pub srtp: Option<SrtpKeys>,
}

/// Why an SDP body cannot be used for an audio call.
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
pub enum SdpError {
    /// The body is longer than we read.
    #[error("the SDP body has {len} bytes; at most {MAX_SDP_BYTES} bytes are accepted")]
    TooLarge {
        /// The body's length in bytes.
        len: usize,
    },
    /// The body is not SDP: not UTF-8, or a line the parser refuses, or a required line missing.
    #[error(
        "unreadable SDP ({0}); an SDP body is UTF-8 text with v=, o=, s=, t=, c= and m= lines \
         (RFC 4566)"
    )]
    Unreadable(String),
    /// No `m=audio` line at all.
    #[error("the SDP has no audio stream; an m=audio line with RTP/AVP is required")]
    NoAudio,
    /// Audio is offered only over a transport we do not speak.
    #[error(
        "the audio stream uses {proto}; only plain RTP/AVP is accepted (no SRTP, DTLS or AVPF)"
    )]
    UnsupportedTransport {
        /// The `m=` line's transport protocol.
        proto: String,
    },
    /// Neither the audio stream nor the session has a `c=` line.
    #[error(
        "the audio stream has no connection address; a c= line (IN IP4 or IN IP6 with an \
         address) is required at session or media level"
    )]
    NoConnectionAddress,
    /// The `c=` line names a host, which a sans-IO parser cannot resolve.
    #[error(
        "the connection address {host:?} is a host name; only IPv4 and IPv6 addresses are \
         accepted in c="
    )]
    HostName {
        /// The host name as written.
        host: String,
    },
    /// The audio stream has port 0.
    #[error("the audio stream is disabled (m= port 0); a stream with a port is required")]
    StreamDisabled,
    /// None of the far end's payload types is a G.711 law we take.
    #[error(
        "no common codec: the payload types {offered:?} hold none of {}; accepted are PCMU and \
         PCMA at 8000 Hz, as static types 0 and 8 or as dynamic types with a=rtpmap",
        law_names(accepted)
    )]
    NoCommonCodec {
        /// The far end's payload types, in its order.
        offered: Vec<u8>,
        /// The laws we would have taken.
        accepted: Vec<G711>,
    },
}

/// Reads the first RTP/AVP or RTP/SAVP audio `m=` line of an SDP body (the first with a port,
/// if any has one), what the session level adds to it (`c=`, direction), and its `a=crypto`
/// lines (RFC 4568), read here rather than by ezk-sdp-types, which refuses a whole body for
/// one crypto line it cannot read (and computes a `2^n` lifetime in 32 bits).
///
/// Never panics: anything that is not a usable audio description is an [`SdpError`]. A stream
/// with port 0 is returned with `disabled` set, because an answer that rejects our stream is
/// still an answer; [`answer`] and [`negotiated`] refuse it.
pub fn parse(body: &[u8]) -> Result<RemoteAudio, SdpError> {
    if body.len() > MAX_SDP_BYTES {
        return Err(SdpError::TooLarge { len: body.len() });
    }
    let text = std::str::from_utf8(body).map_err(|error| {
        SdpError::Unreadable(format!("not UTF-8 after byte {}", error.valid_up_to()))
    })?;
    let without_crypto;
    let for_ezk = if text.contains("a=crypto") {
        without_crypto = text
            .split_inclusive('\n')
            .filter(|line| !line.starts_with("a=crypto"))
            .collect::<String>();
        without_crypto.as_str()
    } else {
        text
    };
    let session = SessionDescription::parse(&for_ezk.into())
        .map_err(|error| SdpError::Unreadable(one_line(&error.to_string())))?;

    // A stream with port 0 before ours may be one removed earlier in the session (RFC 3264
    // §8.2): the first usable audio stream with a port is ours, else the first without.
    // RTP/AVP is usable, and RTP/SAVP with a crypto line we can read; an RTP/SAVP stream
    // without one is taken only when there is nothing else, so its refusal can say why.
    let is_audio = |media: &&MediaDescription| media.media.media_type == MediaType::Audio;
    let rtp_audio = |secured_without_keys: bool| {
        session
            .media_descriptions
            .iter()
            .enumerate()
            .filter(move |(index, media)| {
                is_audio(media)
                    && match media.media.proto {
                        TransportProtocol::RtpAvp => true,
                        TransportProtocol::RtpSavp => {
                            secured_without_keys || !security(text, *index, true).crypto.is_empty()
                        }
                        _ => false,
                    }
            })
    };
    let Some((index, media)) = rtp_audio(false)
        .find(|(_, media)| media.media.port != 0)
        .or_else(|| rtp_audio(false).next())
        .or_else(|| rtp_audio(true).next())
    else {
        return Err(match session.media_descriptions.iter().find(is_audio) {
            Some(media) => SdpError::UnsupportedTransport {
                proto: media.media.proto.to_string(),
            },
            None => SdpError::NoAudio,
        });
    };
    let disabled = media.media.port == 0;

    let connection = media.connection.as_ref().or(session.connection.as_ref());
    let ip = match connection.map(|c| &c.address) {
        Some(TaggedAddress::IP4(ip)) => IpAddr::V4(*ip),
        Some(TaggedAddress::IP6(ip)) => IpAddr::V6(*ip),
        Some(TaggedAddress::IP4FQDN(host) | TaggedAddress::IP6FQDN(host)) => {
            return Err(SdpError::HostName {
                host: host.to_string(),
            });
        }
        // A declined stream needs no address: nothing will be sent to it.
        None if disabled => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        None => return Err(SdpError::NoConnectionAddress),
    };

    let mut codecs = Vec::new();
    let mut telephone_event = None;
    for (n, &payload_type) in media.media.fmts.iter().enumerate() {
        if media.media.fmts[..n].contains(&payload_type) {
            continue;
        }
        let rtpmap = media.rtpmap.iter().find(|m| m.payload == payload_type);
        match format_of(payload_type, rtpmap) {
            Format::Law(law) => codecs.push((law, payload_type)),
            Format::TelephoneEvent => {
                telephone_event = telephone_event.or(Some(payload_type));
            }
            Format::Other => {}
        }
    }

    // ezk-sdp-types gives each stream the session's direction unless it has its own.
    let mut direction = from_ezk(media.direction);
    if ip.is_unspecified() {
        direction = Direction::from_flags(direction.sends(), false);
    }

    let ptime_ms = media
        .attributes
        .iter()
        .chain(&session.attributes)
        .find(|attribute| attribute.name.as_str() == "ptime")
        .and_then(|attribute| attribute.value.as_ref())
        .and_then(|value| value.as_str().trim().parse().ok());

    Ok(RemoteAudio {
        rtp: SocketAddr::new(ip, media.media.port),
        payload_types: media.media.fmts.clone(),
        codecs,
        telephone_event,
        direction,
        ptime_ms,
        disabled,
        other_streams: other_streams(text, index),
        security: security(text, index, media.media.proto == TransportProtocol::RtpSavp),
    })
}

/// Our offer: the laws in the order given by `codecs` (their static payload types 0 and 8),
/// `telephone-event/8000` as payload type 101 for events 0-16, `a=ptime:20`, and `direction`.
///
/// A law listed twice is offered once. `codecs` should not be empty: an offer with
/// telephone events only cannot be answered.
pub fn offer(local: &LocalAudio, codecs: &[G711], direction: Direction) -> String {
    offer_secured(local, codecs, direction, Offered::Plain)
}

/// [`offer`] with SRTP keys (RFC 4568): `RTP/AVP` with `a=crypto` for best effort,
/// `RTP/SAVP` with it when SRTP is required.
pub fn offer_secured(
    local: &LocalAudio,
    codecs: &[G711],
    direction: Direction,
    offered: Offered,
) -> String {
    let mut formats: Vec<(G711, u8)> = Vec::with_capacity(codecs.len());
    for &law in codecs {
        if !formats.iter().any(|&(seen, _)| seen == law) {
            formats.push((law, law.payload_type()));
        }
    }
    let audio = audio_lines(
        local.rtp.port(),
        &formats,
        Some(TELEPHONE_EVENT_PAYLOAD_TYPE),
        direction,
        matches!(offered, Offered::Required(_)),
        offered.crypto(),
    );
    write_sdp(local, &[], audio)
}

/// The codec we would answer `remote` with: the first law of `preferred` the offer has, with
/// the offer's payload type for it. Refuses a disabled stream or an offer without a common
/// law.
pub fn choose_codec(remote: &RemoteAudio, preferred: &[G711]) -> Result<(G711, u8), SdpError> {
    if remote.disabled {
        return Err(SdpError::StreamDisabled);
    }
    preferred
        .iter()
        .find_map(|&law| {
            remote
                .codecs
                .iter()
                .find(|&&(offered, _)| offered == law)
                .copied()
        })
        .ok_or_else(|| SdpError::NoCommonCodec {
            offered: remote.payload_types.clone(),
            accepted: preferred.to_vec(),
        })
}

/// Our answer to a far-end offer, and the media it agrees.
///
/// The codec is the first law of `preferred` that the offer has (our preference wins, see the
/// module docs); the answer lists only that law and telephone events if offered, each with the
/// offer's payload type, and the offer's direction reversed (`sendonly` is answered `recvonly`,
/// `recvonly` `sendonly`, `inactive` `inactive`). The offer's other streams are declined with
/// port 0 at their place.
pub fn answer(
    remote: &RemoteAudio,
    local: &LocalAudio,
    preferred: &[G711],
) -> Result<(String, Negotiated), SdpError> {
    answer_secured(remote, local, preferred, None)
}

/// [`answer`] with SRTP: `srtp` is the far end's crypto line we take and our key; the answer
/// has our key under that line's tag and suite, in the offer's profile (RFC 4568 §7.1.2).
pub fn answer_secured(
    remote: &RemoteAudio,
    local: &LocalAudio,
    preferred: &[G711],
    srtp: Option<(Crypto, crate::srtp::MasterKey)>,
) -> Result<(String, Negotiated), SdpError> {
    if remote.security.savp && srtp.is_none() {
        return Err(SdpError::UnsupportedTransport {
            proto: "RTP/SAVP without agreed keys".into(),
        });
    }
    let (codec, payload_type) = choose_codec(remote, preferred)?;
    let direction = remote.direction.reversed();
    let ours = srtp.map(|(theirs, key)| Crypto { key, ..theirs });
    let audio = audio_lines(
        local.rtp.port(),
        &[(codec, payload_type)],
        remote.telephone_event,
        direction,
        remote.security.savp,
        ours,
    );
    let negotiated = Negotiated {
        codec,
        payload_type,
        telephone_event: remote.telephone_event,
        remote_rtp: remote.rtp,
        direction,
        srtp: srtp.map(|(theirs, key)| SrtpKeys {
            suite: theirs.suite,
            send: key,
            receive: theirs.key,
        }),
    };
    Ok((write_sdp(local, &remote.other_streams, audio), negotiated))
}

/// Reads the far end's answer to our [`offer`]: the codec is the first of the answer's payload
/// types that is a G.711 law (we offer nothing else), and our direction is the answer's reversed.
pub fn negotiated(answer: &RemoteAudio) -> Result<Negotiated, SdpError> {
    if answer.disabled {
        return Err(SdpError::StreamDisabled);
    }
    let Some(&(codec, payload_type)) = answer.codecs.first() else {
        return Err(SdpError::NoCommonCodec {
            offered: answer.payload_types.clone(),
            accepted: vec![G711::Pcmu, G711::Pcma],
        });
    };
    Ok(Negotiated {
        codec,
        payload_type,
        telephone_event: answer.telephone_event,
        remote_rtp: answer.rtp,
        direction: answer.direction.reversed(),
        srtp: None,
    })
}

/// What a payload type carries, as far as we care.
enum Format {
    Law(G711),
    TelephoneEvent,
    Other,
}

/// Reads a payload type: its `a=rtpmap` if it has one (dynamic types need one; a static type's
/// rtpmap must agree), else the static table of RFC 3551.
fn format_of(payload_type: u8, rtpmap: Option<&RtpMap>) -> Format {
    let Some(rtpmap) = rtpmap else {
        return G711::from_payload_type(payload_type).map_or(Format::Other, Format::Law);
    };
    let mono = rtpmap
        .params
        .as_ref()
        .is_none_or(|channels| channels.as_str().trim() == "1");
    if rtpmap.clock_rate != G711_CLOCK_RATE || !mono {
        return Format::Other;
    }
    let encoding = rtpmap.encoding.as_str().trim();
    if encoding.eq_ignore_ascii_case("PCMU") {
        Format::Law(G711::Pcmu)
    } else if encoding.eq_ignore_ascii_case("PCMA") {
        Format::Law(G711::Pcma)
    } else if encoding.eq_ignore_ascii_case("telephone-event") {
        Format::TelephoneEvent
    } else {
        Format::Other
    }
}

fn from_ezk(direction: ezk_sdp_types::Direction) -> Direction {
    match direction {
        ezk_sdp_types::Direction::SendRecv => Direction::SendRecv,
        ezk_sdp_types::Direction::SendOnly => Direction::SendOnly,
        ezk_sdp_types::Direction::RecvOnly => Direction::RecvOnly,
        ezk_sdp_types::Direction::Inactive => Direction::Inactive,
    }
}

/// Every `m=` line but the one at `audio_index`, read from the text as written (ezk-sdp-types
/// keeps only numeric formats), split into lines the way ezk-sdp-types splits them so that the
/// indices agree.
fn other_streams(text: &str, audio_index: usize) -> Vec<OtherStream> {
    text.split(['\r', '\n'])
        .filter_map(|line| line.strip_prefix("m="))
        .enumerate()
        .filter(|&(index, _)| index != audio_index)
        .map(|(index, line)| {
            let mut fields = line.split_ascii_whitespace();
            let media = fields.next().unwrap_or("audio").to_owned();
            let _port = fields.next();
            let proto = fields.next().unwrap_or("RTP/AVP").to_owned();
            let format = fields.next().unwrap_or("0").to_owned();
            OtherStream {
                index,
                media,
                proto,
                format,
            }
        })
        .collect()
}

/// The profile and `a=crypto` lines of the `m=` line at `audio_index`, read from the text
/// (at most [`CRYPTO_LINES_MAX`] of them are read).
fn security(text: &str, audio_index: usize, savp: bool) -> RemoteSecurity {
    let mut security = RemoteSecurity {
        savp,
        ..RemoteSecurity::default()
    };
    let mut index = None::<usize>;
    for line in text.split(['\r', '\n']) {
        if line.starts_with("m=") {
            index = Some(index.map_or(0, |i| i + 1));
        }
        let Some(value) = line.strip_prefix("a=crypto:") else {
            continue;
        };
        if index != Some(audio_index) || security.crypto_lines >= CRYPTO_LINES_MAX {
            continue;
        }
        security.crypto_lines += 1;
        match Crypto::parse(value) {
            Ok(crypto) => security.crypto.push(crypto),
            Err(error) => {
                security.unusable.get_or_insert(error);
            }
        }
    }
    security
}

/// The `m=` line and attributes of our audio stream, without line endings.
fn audio_lines(
    port: u16,
    formats: &[(G711, u8)],
    telephone_event: Option<u8>,
    direction: Direction,
    savp: bool,
    crypto: Option<Crypto>,
) -> Vec<String> {
    let payload_types: Vec<String> = formats
        .iter()
        .map(|&(_, payload_type)| payload_type)
        .chain(telephone_event)
        .map(|payload_type| payload_type.to_string())
        .collect();
    let profile = if savp { "RTP/SAVP" } else { "RTP/AVP" };
    let mut lines = vec![format!(
        "m=audio {port} {profile} {}",
        payload_types.join(" ")
    )];
    lines.extend(crypto.map(|crypto| crypto.attribute()));
    for &(law, payload_type) in formats {
        lines.push(format!(
            "a=rtpmap:{payload_type} {}/{G711_CLOCK_RATE}",
            law_name(law)
        ));
    }
    if let Some(payload_type) = telephone_event {
        lines.push(format!(
            "a=rtpmap:{payload_type} telephone-event/{G711_CLOCK_RATE}"
        ));
        lines.push(format!("a=fmtp:{payload_type} {TELEPHONE_EVENTS}"));
    }
    lines.push(format!("a=ptime:{PTIME_MS}"));
    lines.push(format!("a={direction}"));
    lines
}

/// A whole SDP body: the session lines, then the `m=` lines in order with our audio stream at
/// the one index `declined` leaves free, each line ending in CRLF.
fn write_sdp(local: &LocalAudio, declined: &[OtherStream], audio: Vec<String>) -> String {
    let address = match local.rtp.ip() {
        IpAddr::V4(ip) => format!("IN IP4 {ip}"),
        IpAddr::V6(ip) => format!("IN IP6 {ip}"),
    };
    let mut lines = vec![
        "v=0".to_owned(),
        format!(
            "o=sentral {} {} {address}",
            local.session_id, local.session_version
        ),
        "s=Sentral".to_owned(),
        format!("c={address}"),
        "t=0 0".to_owned(),
    ];
    // The declined streams are in order; our audio stream goes where the first gap is.
    let audio_position = declined
        .iter()
        .enumerate()
        .position(|(position, stream)| stream.index != position)
        .unwrap_or(declined.len());
    let (before, after) = declined.split_at(audio_position);
    let declined_line =
        |stream: &OtherStream| format!("m={} 0 {} {}", stream.media, stream.proto, stream.format);
    lines.extend(before.iter().map(declined_line));
    lines.extend(audio);
    lines.extend(after.iter().map(declined_line));
    let mut sdp = lines.join("\r\n");
    sdp.push_str("\r\n");
    sdp
}

fn law_name(law: G711) -> &'static str {
    match law {
        G711::Pcmu => "PCMU",
        G711::Pcma => "PCMA",
    }
}

fn law_names(laws: &[G711]) -> String {
    if laws.is_empty() {
        return "no law (none preferred)".to_owned();
    }
    let names: Vec<&str> = laws.iter().map(|&law| law_name(law)).collect();
    names.join(", ")
}

/// A parser message on one line of at most [`UNREADABLE_CHARS_MAX`] characters: it may end up
/// in a SIP reason phrase.
fn one_line(message: &str) -> String {
    let words: Vec<&str> = message.split_whitespace().collect();
    let line = words.join(" ");
    match line.char_indices().nth(UNREADABLE_CHARS_MAX) {
        Some((end, _)) => format!("{}...", &line[..end]),
        None => line,
    }
}

/// Most `a=crypto` lines read from one stream; real offers have one to four.
const CRYPTO_LINES_MAX: usize = 16;
/// Longest SDP body read; real audio offers are well under 4 KiB.
const MAX_SDP_BYTES: usize = 64 * 1024;
/// Longest parser message kept in [`SdpError::Unreadable`].
const UNREADABLE_CHARS_MAX: usize = 160;
/// G.711 and telephone events both run at 8000 Hz.
const G711_CLOCK_RATE: u32 = 8000;
/// The dynamic payload type of telephone events in our offers.
const TELEPHONE_EVENT_PAYLOAD_TYPE: u8 = 101;
/// The RFC 4733 events we receive: digits 0-9, `*`, `#`, A-D and flash.
const TELEPHONE_EVENTS: &str = "0-16";
/// Milliseconds of audio per packet: the mixer's 20 ms frames.
const PTIME_MS: u32 = 20;

#[cfg(test)]
mod tests {
    use super::*;

    fn local_v4() -> LocalAudio {
        LocalAudio {
            rtp: "192.0.2.10:40000".parse().unwrap(),
            session_id: 42,
            session_version: 3,
        }
    }

    fn parse_str(sdp: &str) -> Result<RemoteAudio, SdpError> {
        parse(sdp.replace('\n', "\r\n").as_bytes())
    }

    /// SIPp's built-in `uac` scenario, with `[media_ip]` and `[media_port]` filled in and its
    /// bare LF line endings.
    const SIPP_OFFER: &str = "v=0
o=user1 53655765 2353687637 IN IP4 127.0.0.1
s=-
c=IN IP4 127.0.0.1
t=0 0
m=audio 6000 RTP/AVP 0
a=rtpmap:0 PCMU/8000
";

    /// What baresip 3.x sends with its default audio modules and video enabled.
    const BARESIP_OFFER: &str = "v=0
o=- 1943469613 3621557961 IN IP4 192.168.1.20
s=-
c=IN IP4 192.168.1.20
t=0 0
a=tool:baresip 3.10.1
m=audio 10766 RTP/AVP 96 9 0 8 101
b=AS:128
a=rtpmap:96 opus/48000/2
a=fmtp:96 stereo=1;sprop-stereo=1
a=rtpmap:9 G722/8000
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
a=sendrecv
a=label:1
a=rtcp-mux
a=rtcp-rsize
a=ssrc:3748376409 cname:b0f2e3a1-2b0c-4a5e-9b3a-4c6e1d2f3a4b
a=mid:0
a=ptime:20
m=video 10768 RTP/AVP 100 101
b=AS:1000
a=rtpmap:100 H264/90000
a=fmtp:100 packetization-mode=1
a=rtpmap:101 VP8/90000
a=sendrecv
a=label:2
a=rtcp-fb:* nack pli
a=mid:1
";

    #[test]
    fn parses_the_sipp_uac_offer() {
        let remote = parse(SIPP_OFFER.as_bytes()).unwrap();
        assert_eq!(
            remote,
            RemoteAudio {
                rtp: "127.0.0.1:6000".parse().unwrap(),
                payload_types: vec![0],
                codecs: vec![(G711::Pcmu, 0)],
                telephone_event: None,
                direction: Direction::SendRecv,
                ptime_ms: None,
                disabled: false,
                other_streams: vec![],
                security: RemoteSecurity::default(),
            }
        );
    }

    #[test]
    fn parses_a_baresip_offer_with_opus_g722_telephone_event_and_video() {
        let remote = parse_str(BARESIP_OFFER).unwrap();
        assert_eq!(
            remote,
            RemoteAudio {
                rtp: "192.168.1.20:10766".parse().unwrap(),
                payload_types: vec![96, 9, 0, 8, 101],
                codecs: vec![(G711::Pcmu, 0), (G711::Pcma, 8)],
                telephone_event: Some(101),
                direction: Direction::SendRecv,
                ptime_ms: Some(20),
                disabled: false,
                other_streams: vec![OtherStream {
                    index: 1,
                    media: "video".into(),
                    proto: "RTP/AVP".into(),
                    format: "100".into(),
                }],
                security: RemoteSecurity::default(),
            }
        );
    }

    #[test]
    fn static_pcmu_and_pcma_need_no_rtpmap() {
        let remote = parse_str(
            "v=0
o=- 1 1 IN IP4 10.0.0.1
s=-
c=IN IP4 10.0.0.1
t=0 0
m=audio 4000 RTP/AVP 8 0 18
",
        )
        .unwrap();
        assert_eq!(remote.codecs, vec![(G711::Pcma, 8), (G711::Pcmu, 0)]);
        assert_eq!(remote.payload_types, vec![8, 0, 18]);
    }

    #[test]
    fn dynamic_pcmu_and_pcma_are_read_from_rtpmap_in_any_case() {
        let remote = parse_str(
            "v=0
o=- 1 1 IN IP4 10.0.0.1
s=-
c=IN IP4 10.0.0.1
t=0 0
m=audio 4000 RTP/AVP 97 96 98 99 100
a=rtpmap:97 pcma/8000
a=rtpmap:96 PCMU/8000/1
a=rtpmap:98 PCMU/16000
a=rtpmap:99 PCMA/8000/2
a=rtpmap:100 Telephone-Event/8000
",
        )
        .unwrap();
        // 98 runs at another clock rate and 99 is stereo: neither is G.711 as we speak it.
        assert_eq!(remote.codecs, vec![(G711::Pcma, 97), (G711::Pcmu, 96)]);
        assert_eq!(remote.telephone_event, Some(100));
    }

    #[test]
    fn a_dynamic_payload_type_without_rtpmap_is_not_a_codec() {
        let remote = parse_str(
            "v=0
o=- 1 1 IN IP4 10.0.0.1
s=-
c=IN IP4 10.0.0.1
t=0 0
m=audio 4000 RTP/AVP 96 0
",
        )
        .unwrap();
        assert_eq!(remote.codecs, vec![(G711::Pcmu, 0)]);
    }

    #[test]
    fn telephone_event_at_48000_hz_is_not_taken_for_the_8000_hz_one() {
        let remote = parse_str(
            "v=0
o=- 1 1 IN IP4 10.0.0.1
s=-
c=IN IP4 10.0.0.1
t=0 0
m=audio 4000 RTP/AVP 0 110 101
a=rtpmap:110 telephone-event/48000
a=rtpmap:101 telephone-event/8000
",
        )
        .unwrap();
        assert_eq!(remote.telephone_event, Some(101));
    }

    #[test]
    fn media_level_connection_and_direction_win_over_session_level() {
        let remote = parse_str(
            "v=0
o=- 1 1 IN IP4 10.0.0.1
s=-
c=IN IP4 10.0.0.1
t=0 0
a=recvonly
m=audio 4000 RTP/AVP 0
c=IN IP4 10.0.0.2
a=sendonly
",
        )
        .unwrap();
        assert_eq!(remote.rtp, "10.0.0.2:4000".parse().unwrap());
        assert_eq!(remote.direction, Direction::SendOnly);
    }

    #[test]
    fn session_level_connection_and_direction_apply_when_the_stream_has_none() {
        let remote = parse_str(
            "v=0
o=- 1 1 IN IP4 10.0.0.1
s=-
c=IN IP4 10.0.0.1
t=0 0
a=inactive
m=audio 4000 RTP/AVP 0
",
        )
        .unwrap();
        assert_eq!(remote.rtp, "10.0.0.1:4000".parse().unwrap());
        assert_eq!(remote.direction, Direction::Inactive);
    }

    #[test]
    fn an_ipv6_connection_address_is_read() {
        let remote = parse_str(
            "v=0
o=- 1 1 IN IP6 2001:db8::1
s=-
c=IN IP6 2001:db8::1
t=0 0
m=audio 4000 RTP/AVP 0
",
        )
        .unwrap();
        assert_eq!(remote.rtp, "[2001:db8::1]:4000".parse().unwrap());
    }

    #[test]
    fn r14_hold_with_address_0_0_0_0_means_the_far_end_does_not_receive() {
        // RFC 2543 hold: sendrecv reads as sendonly, recvonly as inactive; the others stay.
        for (attribute, expected) in [
            ("sendrecv", Direction::SendOnly),
            ("recvonly", Direction::Inactive),
            ("sendonly", Direction::SendOnly),
            ("inactive", Direction::Inactive),
        ] {
            let remote = parse_str(&format!(
                "v=0
o=- 1 2 IN IP4 10.0.0.1
s=-
c=IN IP4 0.0.0.0
t=0 0
m=audio 4000 RTP/AVP 0
a={attribute}
"
            ))
            .unwrap();
            assert_eq!(remote.direction, expected, "a={attribute} with c=0.0.0.0");
            let (answer_sdp, media) = answer(&remote, &local_v4(), &[G711::Pcmu]).unwrap();
            assert!(!media.direction.sends(), "we never send to 0.0.0.0");
            assert!(answer_sdp.contains(&format!("a={}\r\n", expected.reversed())));
        }
    }

    #[test]
    fn r14_hold_offers_sendonly_and_is_answered_recvonly_and_inactive_stays_inactive() {
        for (offered, answered) in [
            (Direction::SendOnly, Direction::RecvOnly),
            (Direction::RecvOnly, Direction::SendOnly),
            (Direction::Inactive, Direction::Inactive),
            (Direction::SendRecv, Direction::SendRecv),
        ] {
            let remote = parse(offer(&local_v4(), &[G711::Pcmu], offered).as_bytes()).unwrap();
            assert_eq!(remote.direction, offered);
            let (answer_sdp, media) = answer(&remote, &local_v4(), &[G711::Pcmu]).unwrap();
            assert_eq!(media.direction, answered);
            assert!(answer_sdp.contains(&format!("a={answered}\r\n")));
            // The holder reads the answer back: its own direction is what it offered.
            let back = negotiated(&parse(answer_sdp.as_bytes()).unwrap()).unwrap();
            assert_eq!(back.direction, offered);
        }
    }

    #[test]
    fn port_zero_marks_the_stream_disabled_and_is_neither_answered_nor_negotiated() {
        let remote = parse_str(
            "v=0
o=- 1 1 IN IP4 10.0.0.1
s=-
t=0 0
m=audio 0 RTP/AVP 0
",
        )
        .unwrap();
        assert!(remote.disabled);
        assert_eq!(remote.rtp.port(), 0);
        assert_eq!(
            answer(&remote, &local_v4(), &[G711::Pcmu]),
            Err(SdpError::StreamDisabled)
        );
        assert_eq!(negotiated(&remote), Err(SdpError::StreamDisabled));
    }

    #[test]
    fn ptime_is_read_and_a_malformed_ptime_is_ignored() {
        let sdp = |ptime: &str| {
            format!(
                "v=0
o=- 1 1 IN IP4 10.0.0.1
s=-
c=IN IP4 10.0.0.1
t=0 0
m=audio 4000 RTP/AVP 0
a=ptime:{ptime}
"
            )
        };
        assert_eq!(parse_str(&sdp("30")).unwrap().ptime_ms, Some(30));
        assert_eq!(parse_str(&sdp("twenty")).unwrap().ptime_ms, None);
    }

    #[test]
    fn answer_picks_the_first_preferred_law_the_offer_has_with_the_offers_payload_types() {
        let remote = parse_str(
            "v=0
o=- 1 1 IN IP4 10.0.0.1
s=-
c=IN IP4 10.0.0.1
t=0 0
m=audio 4000 RTP/AVP 96 97 98
a=rtpmap:96 PCMU/8000
a=rtpmap:97 PCMA/8000
a=rtpmap:98 telephone-event/8000
a=fmtp:98 0-15
",
        )
        .unwrap();
        let (answer_sdp, media) = answer(&remote, &local_v4(), &[G711::Pcma, G711::Pcmu]).unwrap();
        assert_eq!(
            media,
            Negotiated {
                codec: G711::Pcma,
                payload_type: 97,
                telephone_event: Some(98),
                remote_rtp: "10.0.0.1:4000".parse().unwrap(),
                direction: Direction::SendRecv,
                srtp: None,
            }
        );
        assert_eq!(
            answer_sdp,
            "v=0\r\n\
             o=sentral 42 3 IN IP4 192.0.2.10\r\n\
             s=Sentral\r\n\
             c=IN IP4 192.0.2.10\r\n\
             t=0 0\r\n\
             m=audio 40000 RTP/AVP 97 98\r\n\
             a=rtpmap:97 PCMA/8000\r\n\
             a=rtpmap:98 telephone-event/8000\r\n\
             a=fmtp:98 0-16\r\n\
             a=ptime:20\r\n\
             a=sendrecv\r\n"
        );
    }

    #[test]
    fn answer_without_telephone_event_in_the_offer_answers_the_codec_alone() {
        let remote = parse(SIPP_OFFER.as_bytes()).unwrap();
        let (answer_sdp, media) = answer(&remote, &local_v4(), &[G711::Pcma, G711::Pcmu]).unwrap();
        assert_eq!((media.codec, media.payload_type), (G711::Pcmu, 0));
        assert_eq!(media.telephone_event, None);
        assert!(answer_sdp.contains("m=audio 40000 RTP/AVP 0\r\n"));
        assert!(!answer_sdp.contains("telephone-event"));
    }

    #[test]
    fn answer_declines_the_offers_other_streams_at_their_place() {
        let remote = parse_str(BARESIP_OFFER).unwrap();
        let (answer_sdp, _) = answer(&remote, &local_v4(), &[G711::Pcmu]).unwrap();
        let m_lines: Vec<&str> = answer_sdp
            .lines()
            .filter(|line| line.starts_with("m="))
            .collect();
        assert_eq!(
            m_lines,
            ["m=audio 40000 RTP/AVP 0 101", "m=video 0 RTP/AVP 100"]
        );

        // Audio offered second, after an SRTP stream we cannot take.
        let remote = parse_str(
            "v=0
o=- 1 1 IN IP4 10.0.0.1
s=-
c=IN IP4 10.0.0.1
t=0 0
m=audio 4000 RTP/SAVP 0
m=audio 4002 RTP/AVP 0
m=application 9 UDP/DTLS/SCTP webrtc-datachannel
",
        )
        .unwrap();
        assert_eq!(remote.rtp.port(), 4002);
        let (answer_sdp, _) = answer(&remote, &local_v4(), &[G711::Pcmu]).unwrap();
        let m_lines: Vec<&str> = answer_sdp
            .lines()
            .filter(|line| line.starts_with("m="))
            .collect();
        assert_eq!(
            m_lines,
            [
                "m=audio 0 RTP/SAVP 0",
                "m=audio 40000 RTP/AVP 0",
                "m=application 0 UDP/DTLS/SCTP webrtc-datachannel",
            ]
        );
    }

    #[test]
    fn a_stream_removed_earlier_does_not_hide_the_live_audio_stream() {
        // RFC 3264 §8.2: a removed stream keeps its m= line with port 0; a new one follows.
        let remote = parse_str(
            "v=0
o=- 1 3 IN IP4 10.0.0.1
s=-
c=IN IP4 10.0.0.1
t=0 0
m=audio 0 RTP/AVP 0
m=audio 5000 RTP/AVP 8
",
        )
        .unwrap();
        assert_eq!(remote.rtp, "10.0.0.1:5000".parse().unwrap());
        assert!(!remote.disabled);
        let (answer_sdp, media) = answer(&remote, &local_v4(), &[G711::Pcmu, G711::Pcma]).unwrap();
        assert_eq!(media.codec, G711::Pcma);
        assert!(answer_sdp.contains("m=audio 0 RTP/AVP 0\r\nm=audio 40000 RTP/AVP 8\r\n"));
        // The offerer reads our answer back to the same stream.
        let back = negotiated(&parse(answer_sdp.as_bytes()).unwrap()).unwrap();
        assert_eq!((back.codec, back.remote_rtp), (G711::Pcma, local_v4().rtp));
    }

    #[test]
    fn no_common_codec_names_the_offered_types_and_what_is_accepted() {
        let remote = parse_str(
            "v=0
o=- 1 1 IN IP4 10.0.0.1
s=-
c=IN IP4 10.0.0.1
t=0 0
m=audio 4000 RTP/AVP 96 9 8
a=rtpmap:96 opus/48000/2
",
        )
        .unwrap();
        let error = answer(&remote, &local_v4(), &[G711::Pcmu]).unwrap_err();
        assert_eq!(
            error,
            SdpError::NoCommonCodec {
                offered: vec![96, 9, 8],
                accepted: vec![G711::Pcmu],
            }
        );
        assert_eq!(
            error.to_string(),
            "no common codec: the payload types [96, 9, 8] hold none of PCMU; accepted are PCMU \
             and PCMA at 8000 Hz, as static types 0 and 8 or as dynamic types with a=rtpmap"
        );
    }

    #[test]
    fn negotiated_takes_the_answers_first_g711_law() {
        let remote = parse_str(
            "v=0
o=- 1 1 IN IP4 10.0.0.1
s=-
c=IN IP4 10.0.0.1
t=0 0
m=audio 4000 RTP/AVP 9 8 0 101
a=rtpmap:101 telephone-event/8000
a=recvonly
",
        )
        .unwrap();
        assert_eq!(
            negotiated(&remote),
            Ok(Negotiated {
                codec: G711::Pcma,
                payload_type: 8,
                telephone_event: Some(101),
                remote_rtp: "10.0.0.1:4000".parse().unwrap(),
                direction: Direction::SendOnly,
                srtp: None,
            })
        );
    }

    #[test]
    fn negotiated_without_a_g711_law_is_no_common_codec() {
        let remote = parse_str(
            "v=0
o=- 1 1 IN IP4 10.0.0.1
s=-
c=IN IP4 10.0.0.1
t=0 0
m=audio 4000 RTP/AVP 9
",
        )
        .unwrap();
        assert_eq!(
            negotiated(&remote),
            Err(SdpError::NoCommonCodec {
                offered: vec![9],
                accepted: vec![G711::Pcmu, G711::Pcma],
            })
        );
    }

    #[test]
    fn offer_writes_crlf_lines_in_rfc_4566_order() {
        let sdp = offer(&local_v4(), &[G711::Pcmu, G711::Pcma], Direction::SendRecv);
        assert_eq!(
            sdp,
            "v=0\r\n\
             o=sentral 42 3 IN IP4 192.0.2.10\r\n\
             s=Sentral\r\n\
             c=IN IP4 192.0.2.10\r\n\
             t=0 0\r\n\
             m=audio 40000 RTP/AVP 0 8 101\r\n\
             a=rtpmap:0 PCMU/8000\r\n\
             a=rtpmap:8 PCMA/8000\r\n\
             a=rtpmap:101 telephone-event/8000\r\n\
             a=fmtp:101 0-16\r\n\
             a=ptime:20\r\n\
             a=sendrecv\r\n"
        );
    }

    #[test]
    fn offer_uses_in_ip6_for_an_ipv6_address_and_lists_a_law_once() {
        let local = LocalAudio {
            rtp: "[2001:db8::10]:40000".parse().unwrap(),
            session_id: 1,
            session_version: 1,
        };
        let sdp = offer(&local, &[G711::Pcma, G711::Pcma], Direction::SendOnly);
        assert!(sdp.contains("o=sentral 1 1 IN IP6 2001:db8::10\r\n"));
        assert!(sdp.contains("c=IN IP6 2001:db8::10\r\n"));
        assert!(sdp.contains("m=audio 40000 RTP/AVP 8 101\r\n"));
        assert!(sdp.contains("a=sendonly\r\n"));
    }

    #[test]
    fn parsing_our_offer_yields_what_was_put_in() {
        let locals = [
            local_v4(),
            LocalAudio {
                rtp: "[2001:db8::10]:5004".parse().unwrap(),
                session_id: u64::MAX,
                session_version: 0,
            },
        ];
        let laws: [&[G711]; 3] = [
            &[G711::Pcmu, G711::Pcma],
            &[G711::Pcma, G711::Pcmu],
            &[G711::Pcma],
        ];
        let directions = [
            Direction::SendRecv,
            Direction::SendOnly,
            Direction::RecvOnly,
            Direction::Inactive,
        ];
        for local in &locals {
            for codecs in laws {
                for direction in directions {
                    let remote = parse(offer(local, codecs, direction).as_bytes()).unwrap();
                    let mut payload_types: Vec<u8> =
                        codecs.iter().map(|law| law.payload_type()).collect();
                    payload_types.push(TELEPHONE_EVENT_PAYLOAD_TYPE);
                    assert_eq!(
                        remote,
                        RemoteAudio {
                            rtp: local.rtp,
                            payload_types,
                            codecs: codecs
                                .iter()
                                .map(|&law| (law, law.payload_type()))
                                .collect(),
                            telephone_event: Some(TELEPHONE_EVENT_PAYLOAD_TYPE),
                            direction,
                            ptime_ms: Some(PTIME_MS),
                            disabled: false,
                            other_streams: vec![],
                            security: RemoteSecurity::default(),
                        }
                    );
                }
            }
        }
    }

    #[test]
    fn unusable_bodies_are_errors_that_say_what_is_wrong() {
        let error = |body: &str| parse(body.as_bytes()).unwrap_err();
        for unreadable in [
            "",
            "v=0\r\ns=-\r\nt=0 0\r\n",
            "v=0\r\nm=audio x RTP/AVP 0\r\n",
        ] {
            assert!(matches!(error(unreadable), SdpError::Unreadable(_)));
        }
        assert!(matches!(
            parse(b"v=0\r\n\xff\xfe"),
            Err(SdpError::Unreadable(message)) if message == "not UTF-8 after byte 5"
        ));
        let session = "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nt=0 0\r\n";
        assert_eq!(
            error(&format!("{session}m=video 4000 RTP/AVP 96\r\n")),
            SdpError::NoAudio
        );
        assert_eq!(
            error(&format!("{session}m=audio 4000 RTP/AVP 0\r\n")),
            SdpError::NoConnectionAddress
        );
        assert_eq!(
            error(&format!(
                "{session}c=IN IP4 pbx.example.com\r\nm=audio 4000 RTP/AVP 0\r\n"
            )),
            SdpError::HostName {
                host: "pbx.example.com".into()
            }
        );
        assert_eq!(
            error(&format!(
                "{session}c=IN IP4 10.0.0.1\r\nm=audio 4000 UDP/TLS/RTP/SAVPF 111\r\n"
            )),
            SdpError::UnsupportedTransport {
                proto: "UDP/TLS/RTP/SAVPF".into()
            }
        );
        let huge = vec![b'a'; MAX_SDP_BYTES + 1];
        assert_eq!(
            parse(&huge),
            Err(SdpError::TooLarge {
                len: MAX_SDP_BYTES + 1
            })
        );
        // A parser message may become a SIP reason phrase: one line, bounded.
        let long_line = format!(
            "{session}c=IN IP4 10.0.0.1\r\nm=audio 4000 RTP/AVP 0\r\na=rtpmap:{}\r\n",
            "9".repeat(500)
        );
        let message = error(&long_line).to_string();
        assert!(!message.contains(['\r', '\n']), "{message}");
        assert!(message.contains("..."), "{message}");
        assert!(message.len() < 400, "{message}");
    }

    #[test]
    fn parse_never_panics_on_mutated_sdp() {
        // Goal: no body panics the parser, and what parses is answered consistently. Method: a
        // seeded xorshift changes, inserts, deletes and duplicates bytes of valid offers 10,000
        // times; a failure replays from the seed.
        let seeds: [&[u8]; 3] = [
            SIPP_OFFER.as_bytes(),
            BARESIP_OFFER.as_bytes(),
            &offer(&local_v4(), &[G711::Pcmu, G711::Pcma], Direction::SendOnly).into_bytes(),
        ];
        let mut rng = XorShift(0x5d9_4566_3264);
        let special = b" \r\n=:/0123456789aAcmstvo.-";
        let mut n_parsed = 0;
        for round in 0..10_000 {
            let mut body = seeds[round % seeds.len()].to_vec();
            for _ in 0..=rng.below(8) {
                let at = rng.below(body.len() + 1);
                let byte = if rng.below(2) == 0 {
                    special[rng.below(special.len())]
                } else {
                    rng.next() as u8
                };
                match rng.below(4) {
                    0 if at < body.len() => body[at] = byte,
                    1 => body.insert(at, byte),
                    2 if at < body.len() => {
                        body.remove(at);
                    }
                    _ => {
                        let end = (at + rng.below(40)).min(body.len());
                        let copy = body[at..end].to_vec();
                        body.splice(at..at, copy);
                    }
                }
            }
            if let Ok(remote) = parse(&body) {
                n_parsed += 1;
                // Whatever parses is answered or refused, and our answer reads back the same.
                let _ = negotiated(&remote);
                if let Ok((answer_sdp, media)) =
                    answer(&remote, &local_v4(), &[G711::Pcmu, G711::Pcma])
                {
                    let back = negotiated(&parse(answer_sdp.as_bytes()).unwrap()).unwrap();
                    assert_eq!(
                        (back.codec, back.payload_type, back.remote_rtp),
                        (media.codec, media.payload_type, local_v4().rtp),
                        "{answer_sdp}"
                    );
                }
            }
        }
        // The mutations are small, so many bodies stay valid: both paths are exercised.
        assert!(n_parsed > 1_000, "only {n_parsed} mutated bodies parsed");
    }

    /// Marsaglia's xorshift64: deterministic, so a failing run replays from its seed.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }
}
