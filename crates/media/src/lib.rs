//! Sentral's media: what happens to a call's audio between the RTP sockets, as sans-IO pieces.
//!
//! Every leg's RTP terminates at Sentral, so the platform can hold, mix and (later) record and
//! clean a call's audio in one place. This crate makes the media decisions; it owns no socket,
//! reads no clock and spawns no task. The telephony driver owns one UDP socket per leg and one
//! 20 ms timer per call, and calls in here:
//!
//! ```
//! use sentral_media::{
//!     CallMixer, DtmfReceiver, Frame, G711, MusicOnHold, Received, RtpSession, RtpSessionConfig,
//!     SILENCE,
//! };
//!
//! let codec = G711::Pcmu;
//! let telephone_event_payload_type = 101; // as negotiated in SDP
//! let mut mixer = CallMixer::new();
//! let customer = mixer.add_leg().unwrap();
//! let mut session = RtpSession::new(RtpSessionConfig {
//!     ssrc: 0x1234_5678, // random, from the driver's seeded generator
//!     first_sequence_number: 7,
//!     first_timestamp: 160,
//! });
//! let mut dtmf = DtmfReceiver::new();
//! let mut music = MusicOnHold::new();
//! mixer.hold(customer).unwrap();
//!
//! // A datagram arrived on the customer's socket.
//! let datagram = [0x80, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 9, 0xff, 0xff];
//! match session.receive(&datagram) {
//!     Received::Packet { header, payload, in_order: true }
//!         if header.payload_type == codec.payload_type() =>
//!     {
//!         // Anything but one 20 ms frame is refused; the driver repacketises other sizes.
//!         let _ = mixer.push_encoded(customer, codec, payload);
//!     }
//!     Received::Packet { header, payload, .. }
//!         if header.payload_type == telephone_event_payload_type =>
//!     {
//!         if let Ok(Some(digit)) = dtmf.receive(header.timestamp, payload) {
//!             let _ = digit; // → the engine's `TelephonyEvent::Dtmf`
//!         }
//!     }
//!     // Duplicates, stale and malformed packets are counted in `session.stats()` and dropped.
//!     _ => {}
//! }
//!
//! // The call's 20 ms timer fired.
//! let mut music_frame: Frame = SILENCE;
//! music.next_frame(&mut music_frame);
//! mixer.tick(&music_frame);
//! let mut buf = [0u8; 1500];
//! let len = session.write_frame(codec, mixer.output(customer).unwrap(), &mut buf).unwrap();
//! let _ = &buf[..len]; // → send on the customer's socket
//! ```
//!
//! Unlike the engine, these pieces have no output queue to drain: each call is a pure step
//! (a datagram in, a decision out; a tick in, one frame per leg out), and time is the number of
//! ticks the driver made, one per 20 ms. Nothing here allocates per packet or per tick: frames
//! are fixed arrays and packets are written into the caller's buffer.
//!
//! # Layout
//! - `g711`: [`G711`] µ-law and A-law, sample by sample ([`ulaw_encode`] …) and frame by frame.
//! - `rtp`: [`RtpHeader`] parsing and writing, and [`RtpSession`], one leg's RTP state.
//! - `dtmf`: RFC 4733 [`TelephoneEvent`]s and [`DtmfReceiver`], which reports each digit once.
//! - `mix`: [`CallMixer`], one call's relay and mixer: bridge, conference, hold.
//! - `moh`: [`MusicOnHold`], a generated tone sequence for held callers.
//! - `denoise`: [`Denoiser`], background-noise removal (RNNoise at 48 kHz) for one stream (R1).

mod denoise;
mod dtmf;
mod g711;
mod mix;
mod moh;
mod rtp;

use std::time::Duration;

pub use denoise::{Denoiser, LATENCY as DENOISE_LATENCY};
pub use dtmf::{DtmfError, DtmfReceiver, TelephoneEvent, event_digit};
pub use g711::{
    G711, alaw_decode, alaw_encode, alaw_to_ulaw, ulaw_decode, ulaw_encode, ulaw_to_alaw,
};
pub use mix::{CallMixer, FRAMES_QUEUED_MAX, LEGS_MAX, MixError, MixLeg};
pub use moh::MusicOnHold;
pub use rtp::{
    RTP_HEADER_LEN, Received, RtpError, RtpHeader, RtpSession, RtpSessionConfig, RtpStats,
};

/// Samples per second of narrowband telephony (G.711, and the RTP clock of its payloads).
pub const SAMPLE_RATE_HZ: u32 = 8_000;

/// Samples in one frame: 20 ms at 8 kHz, the packetisation every SIP phone offers by default.
pub const FRAME_SAMPLES: usize = 160;

/// The length of one frame, and so the period of a call's media tick.
pub const FRAME_DURATION: Duration = Duration::from_millis(20);

/// One frame of linear 16-bit PCM: what legs send and hear in one tick.
pub type Frame = [i16; FRAME_SAMPLES];

/// A frame of silence: what a leg that sent nothing this tick contributes.
pub const SILENCE: Frame = [0; FRAME_SAMPLES];
