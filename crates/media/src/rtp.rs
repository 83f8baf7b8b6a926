//! RTP (RFC 3550) for one leg: parsing and writing packets, and the leg's [`RtpSession`].
//!
//! Parsing and writing go through `rtp-types` (zero-copy; it validates the CSRC count, header
//! extension and padding lengths against the datagram). Its types stay inside this module:
//! callers see [`RtpHeader`] and [`RtpError`], so a breaking release of the crate touches one
//! file.
//!
//! A session sends one stream (our SSRC, sequence number and timestamp, one 20 ms frame per
//! packet) and receives one stream (the remote SSRC, the highest sequence number, losses,
//! duplicates). Received packets are classified by the algorithm of RFC 3550 appendix A.1,
//! plus a 64-packet window that recognises duplicates among recently reordered packets.

use rtp_types::{RtpPacket, RtpPacketBuilder, RtpParseError, RtpWriteError};

use crate::{FRAME_SAMPLES, Frame, G711};

/// Length of the fixed RTP header, which is all we write: no CSRCs, extension or padding.
pub const RTP_HEADER_LEN: usize = 12;

/// The fields of an RTP header that media decisions use.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub struct RtpHeader {
    /// Which codec or event format the payload is in (0–127; static or negotiated in SDP).
    pub payload_type: u8,
    /// Payload-specific: the first packet of a talkspurt (audio) or of an event (RFC 4733).
    pub marker: bool,
    /// Counts packets, so the receiver sees losses, duplicates and reordering.
    pub sequence_number: u16,
    /// The sampling instant of the payload's first sample, in the payload's clock rate.
    pub timestamp: u32,
    /// Identifies the stream: a phone that restarts its stream picks a new one.
    pub ssrc: u32,
}

impl RtpHeader {
    /// Parses a datagram as RTP, returning the header and the payload (without CSRCs,
    /// header extension or padding), borrowed from the datagram.
    ///
    /// RTCP multiplexed on the same port (RFC 5761) is refused with [`RtpError::Rtcp`].
    pub fn parse(datagram: &[u8]) -> Result<(RtpHeader, &[u8]), RtpError> {
        // RFC 5761 section 4: packet types 192–223 are RTCP (SR = 200, RR = 201, …).
        if let [0x80..=0xBF, second @ 192..=223, ..] = datagram {
            return Err(RtpError::Rtcp(*second));
        }
        let packet = RtpPacket::parse(datagram).map_err(|error| match error {
            RtpParseError::UnsupportedVersion(version) => RtpError::Version(version),
            RtpParseError::Truncated { .. } => RtpError::Truncated {
                len: datagram.len(),
            },
            RtpParseError::PaddingInvalid(_) => RtpError::Padding,
        })?;
        let header = RtpHeader {
            payload_type: packet.payload_type(),
            marker: packet.marker_bit(),
            sequence_number: packet.sequence_number(),
            timestamp: packet.timestamp(),
            ssrc: packet.ssrc(),
        };
        // `RtpPacket::payload` borrows from the packet; take the same range from the datagram.
        let start = packet.payload_offset();
        Ok((header, &datagram[start..start + packet.payload_len()]))
    }

    /// Writes this header and `payload` into `buf`, returning the packet's length
    /// ([`RTP_HEADER_LEN`] + the payload's).
    pub fn write(&self, payload: &[u8], buf: &mut [u8]) -> Result<usize, RtpError> {
        let builder = RtpPacketBuilder::<&[u8], &[u8]>::new()
            .payload_type(self.payload_type)
            .marker_bit(self.marker)
            .sequence_number(self.sequence_number)
            .timestamp(self.timestamp)
            .ssrc(self.ssrc)
            .payload(payload);
        builder.write_into(buf).map_err(|error| match error {
            RtpWriteError::OutputTooSmall(needed) => RtpError::BufferTooSmall {
                needed,
                len: buf.len(),
            },
            RtpWriteError::InvalidPayloadType(payload_type) => RtpError::PayloadType(payload_type),
            RtpWriteError::PacketTooLarge
            | RtpWriteError::TooManyContributionSources(_)
            | RtpWriteError::ExtensionDataNotPadded
            | RtpWriteError::InvalidPadding => {
                unreachable!("we write no CSRCs, header extension or padding: {error}")
            }
        })
    }
}

/// Why a datagram is not an RTP packet we can use, or a packet does not fit.
#[derive(Clone, Copy, Debug, Eq, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RtpError {
    /// Shorter than its header, CSRCs, extension or padding say.
    #[error("a datagram of {len} bytes is shorter than its RTP header says")]
    Truncated {
        /// The datagram's length.
        len: usize,
    },
    /// Not RTP version 2.
    #[error("RTP version {0} is not 2")]
    Version(u8),
    /// The padding length is zero.
    #[error("RTP padding of length zero")]
    Padding,
    /// An RTCP packet multiplexed on the RTP port (RFC 5761).
    #[error("packet type {0} is RTCP, not RTP")]
    Rtcp(u8),
    /// A payload type above 127 cannot be written.
    #[error("RTP payload type {0} is above 127")]
    PayloadType(u8),
    /// The caller's buffer cannot hold the packet.
    #[error("a {len}-byte buffer cannot hold a {needed}-byte RTP packet")]
    BufferTooSmall {
        /// The packet's length.
        needed: usize,
        /// The buffer's length.
        len: usize,
    },
}

/// Where a leg's outgoing stream starts. Choose all three at random (RFC 3550 section 5.1),
/// from the driver's seeded random number generator.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct RtpSessionConfig {
    /// Our stream's SSRC on this leg.
    pub ssrc: u32,
    /// The sequence number of our first packet.
    pub first_sequence_number: u16,
    /// The timestamp of our first packet.
    pub first_timestamp: u32,
}

/// One leg's RTP state: our outgoing stream and the remote's incoming stream.
#[derive(Clone, Debug)]
pub struct RtpSession {
    /// What the next packet we send carries.
    outgoing: Outgoing,
    /// What we know of the stream we receive; `None` until its first packet.
    incoming: Option<Incoming>,
    /// Counters over the whole session, across remote stream restarts.
    stats: RtpStats,
}

/// What [`RtpSession::receive`] decided about a datagram.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Received<'a> {
    /// A packet seen for the first time: use it.
    Packet {
        /// Its header.
        header: RtpHeader,
        /// Its payload, borrowed from the datagram.
        payload: &'a [u8],
        /// False when a later packet already arrived. Audio that arrives after its successor
        /// has missed its turn and is best dropped; an RFC 4733 event packet is still useful.
        in_order: bool,
    },
    /// A packet we already received.
    Duplicate,
    /// A packet too far behind the newest (more than 64 packets) to tell whether it is a
    /// duplicate; its moment is long gone anyway.
    TooOld,
    /// A sequence number far from the expected one: dropped, unless the next packet follows it,
    /// which means the remote restarted its stream (RFC 3550 appendix A.1).
    SequenceJump,
    /// Not an RTP packet we can use.
    Malformed(RtpError),
}

/// Counters of one session's incoming stream.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub struct RtpStats {
    /// Packets used ([`Received::Packet`]).
    pub n_received: u64,
    /// Packets expected (by sequence number) but never received, so far.
    pub n_lost: u64,
    /// Packets received twice or more.
    pub n_duplicates: u64,
    /// Packets too far behind the newest, and sequence jumps.
    pub n_too_old: u64,
    /// Datagrams that were not RTP.
    pub n_malformed: u64,
    /// Times the remote started a new stream (a new SSRC, or a restart of its sequence).
    pub n_restarts: u64,
    /// Packets we sent.
    pub n_sent: u64,
}

impl RtpSession {
    /// A session whose first outgoing packet starts where `config` says.
    pub fn new(config: RtpSessionConfig) -> Self {
        RtpSession {
            outgoing: Outgoing {
                ssrc: config.ssrc,
                sequence_number: config.first_sequence_number,
                timestamp: config.first_timestamp,
                talkspurt_starts: true,
            },
            incoming: None,
            stats: RtpStats::default(),
        }
    }

    /// Our stream's SSRC.
    pub fn local_ssrc(&self) -> u32 {
        self.outgoing.ssrc
    }

    /// The SSRC of the stream we receive, once a packet arrived.
    pub fn remote_ssrc(&self) -> Option<u32> {
        self.incoming.as_ref().map(|incoming| incoming.ssrc)
    }

    /// The highest sequence number received from the current remote stream.
    pub fn remote_sequence_number(&self) -> Option<u16> {
        self.incoming.as_ref().map(|incoming| incoming.max_seq)
    }

    /// Counters of what was received and sent.
    pub fn stats(&self) -> RtpStats {
        let mut stats = self.stats;
        if let Some(incoming) = &self.incoming {
            stats.n_lost += incoming.n_lost();
        }
        stats
    }

    /// Encodes one 20 ms frame with `codec` and writes it as the next packet of our stream into
    /// `buf`, returning the packet's length ([`RTP_HEADER_LEN`] + 160).
    pub fn write_frame(
        &mut self,
        codec: G711,
        frame: &Frame,
        buf: &mut [u8],
    ) -> Result<usize, RtpError> {
        let len = RTP_HEADER_LEN + FRAME_SAMPLES;
        if buf.len() < len {
            return Err(RtpError::BufferTooSmall {
                needed: len,
                len: buf.len(),
            });
        }
        let header = self.outgoing.header(codec.payload_type());
        let header_len = header.write(&[], buf)?;
        codec.encode(frame, &mut buf[header_len..len]);
        self.advance(FRAME_SAMPLES as u32);
        Ok(len)
    }

    /// Writes an already encoded payload of `n_samples` samples (for example a frame relayed
    /// unchanged between two legs of the same law) as the next packet of our stream.
    pub fn write_encoded(
        &mut self,
        payload_type: u8,
        payload: &[u8],
        n_samples: u32,
        buf: &mut [u8],
    ) -> Result<usize, RtpError> {
        let len = self.outgoing.header(payload_type).write(payload, buf)?;
        self.advance(n_samples);
        Ok(len)
    }

    /// Lets one frame pass without sending (nothing to send, or the stream is paused): the
    /// timestamp moves on, the sequence number does not, and the next packet starts a talkspurt.
    pub fn skip_frame(&mut self) {
        self.outgoing.timestamp = self.outgoing.timestamp.wrapping_add(FRAME_SAMPLES as u32);
        self.outgoing.talkspurt_starts = true;
    }

    /// Classifies a datagram received on this leg, updating the incoming stream's state.
    ///
    /// A packet with a new SSRC starts a new stream at once, without the probation of RFC 3550
    /// appendix A.1: phones change SSRC on re-INVITE and after transfers, and losing the first
    /// packets of the new stream is worse than playing one stray packet.
    pub fn receive<'a>(&mut self, datagram: &'a [u8]) -> Received<'a> {
        let (header, payload) = match RtpHeader::parse(datagram) {
            Ok(parsed) => parsed,
            Err(error) => {
                self.stats.n_malformed += 1;
                return Received::Malformed(error);
            }
        };
        let verdict = match &mut self.incoming {
            Some(incoming) if incoming.ssrc == header.ssrc => {
                incoming.classify(header.sequence_number)
            }
            _ => Verdict::Restart,
        };
        let in_order = match verdict {
            Verdict::InOrder => true,
            Verdict::Late => false,
            Verdict::Restart => {
                self.restart(header);
                true
            }
            Verdict::Duplicate => {
                self.stats.n_duplicates += 1;
                return Received::Duplicate;
            }
            Verdict::TooOld => {
                self.stats.n_too_old += 1;
                return Received::TooOld;
            }
            Verdict::Jump => {
                self.stats.n_too_old += 1;
                return Received::SequenceJump;
            }
        };
        self.stats.n_received += 1;
        Received::Packet {
            header,
            payload,
            in_order,
        }
    }

    /// Moves our stream past a packet just written.
    fn advance(&mut self, n_samples: u32) {
        let outgoing = &mut self.outgoing;
        outgoing.sequence_number = outgoing.sequence_number.wrapping_add(1);
        outgoing.timestamp = outgoing.timestamp.wrapping_add(n_samples);
        outgoing.talkspurt_starts = false;
        self.stats.n_sent += 1;
    }

    /// Starts tracking a new remote stream at `header`, keeping the old stream's losses.
    fn restart(&mut self, header: RtpHeader) {
        if let Some(old) = self.incoming.take() {
            self.stats.n_lost += old.n_lost();
            self.stats.n_restarts += 1;
        }
        self.incoming = Some(Incoming::new(header.ssrc, header.sequence_number));
    }
}

/// Our outgoing stream.
#[derive(Clone, Copy, Debug)]
struct Outgoing {
    /// Our SSRC.
    ssrc: u32,
    /// The next packet's sequence number.
    sequence_number: u16,
    /// The next packet's timestamp.
    timestamp: u32,
    /// The next packet starts a talkspurt, so its marker bit is set (RFC 3551 section 4.1).
    talkspurt_starts: bool,
}

impl Outgoing {
    fn header(&self, payload_type: u8) -> RtpHeader {
        RtpHeader {
            payload_type,
            marker: self.talkspurt_starts,
            sequence_number: self.sequence_number,
            timestamp: self.timestamp,
            ssrc: self.ssrc,
        }
    }
}

/// The remote stream we receive, as RFC 3550 appendix A.1 tracks a source.
#[derive(Clone, Debug)]
struct Incoming {
    /// The stream's SSRC.
    ssrc: u32,
    /// The highest sequence number received.
    max_seq: u16,
    /// Wrap-arounds of the sequence number, so `cycles + max_seq` is the extended sequence
    /// number that losses are counted with.
    cycles: u64,
    /// The extended sequence number of the first packet.
    base_seq: u64,
    /// Bit `k` is set when the packet `k` before the highest was received (bit 0 is the
    /// highest itself), so reordered packets are recognised as new or duplicate.
    window: u64,
    /// Distinct packets received.
    n_received: u64,
    /// After a jump: the sequence number that, if it comes next, confirms a restart.
    bad_seq: Option<u16>,
}

/// How a packet's sequence number relates to the stream's.
enum Verdict {
    /// Newer than every packet so far.
    InOrder,
    /// Older than the newest, not seen before.
    Late,
    /// Seen before.
    Duplicate,
    /// Further behind than the window.
    TooOld,
    /// Far from the expected sequence number.
    Jump,
    /// A new stream: a new SSRC, or the second packet in a row after a jump.
    Restart,
}

impl Incoming {
    fn new(ssrc: u32, sequence_number: u16) -> Self {
        Incoming {
            ssrc,
            max_seq: sequence_number,
            cycles: 0,
            base_seq: u64::from(sequence_number),
            window: 1,
            n_received: 1,
            bad_seq: None,
        }
    }

    fn classify(&mut self, seq: u16) -> Verdict {
        let ahead = seq.wrapping_sub(self.max_seq);
        if ahead == 0 {
            Verdict::Duplicate
        } else if ahead < DROPOUT_MAX {
            if seq < self.max_seq {
                self.cycles += 1 << 16;
            }
            self.window = self.window.checked_shl(u32::from(ahead)).unwrap_or(0) | 1;
            self.max_seq = seq;
            self.n_received += 1;
            self.bad_seq = None;
            Verdict::InOrder
        } else if ahead <= u16::MAX - MISORDER_MAX {
            if self.bad_seq == Some(seq) {
                Verdict::Restart
            } else {
                self.bad_seq = Some(seq.wrapping_add(1));
                Verdict::Jump
            }
        } else {
            let behind = self.max_seq.wrapping_sub(seq);
            if u32::from(behind) >= u64::BITS {
                Verdict::TooOld
            } else if self.window & (1 << behind) != 0 {
                Verdict::Duplicate
            } else {
                self.window |= 1 << behind;
                self.n_received += 1;
                Verdict::Late
            }
        }
    }

    /// Packets expected by sequence number and not received (RFC 3550 A.3).
    fn n_lost(&self) -> u64 {
        let n_expected = self.cycles + u64::from(self.max_seq) - self.base_seq + 1;
        n_expected.saturating_sub(self.n_received)
    }
}

/// The largest forward step still taken as the same stream (RFC 3550 A.1: MAX_DROPOUT).
const DROPOUT_MAX: u16 = 3_000;

/// The furthest a packet may lag and still be a late packet rather than a jump (RFC 3550 A.1:
/// MAX_MISORDER).
const MISORDER_MAX: u16 = 100;

#[cfg(test)]
mod tests {
    use super::*;

    fn packet(ssrc: u32, sequence_number: u16) -> [u8; 14] {
        let mut buf = [0; 14];
        let header = RtpHeader {
            payload_type: 0,
            marker: false,
            sequence_number,
            timestamp: u32::from(sequence_number) * 160,
            ssrc,
        };
        assert_eq!(header.write(&[0xFF, 0xFF], &mut buf), Ok(14));
        buf
    }

    fn session() -> RtpSession {
        RtpSession::new(RtpSessionConfig {
            ssrc: 1,
            first_sequence_number: 65_535,
            first_timestamp: u32::MAX - 159,
        })
    }

    #[test]
    fn a_header_written_parses_back_to_itself() {
        let header = RtpHeader {
            payload_type: 101,
            marker: true,
            sequence_number: 0xBEEF,
            timestamp: 0xDEAD_BEEF,
            ssrc: 0x0123_4567,
        };
        let mut buf = [0; 64];
        let len = header.write(b"abcd", &mut buf).unwrap();
        assert_eq!(len, RTP_HEADER_LEN + 4);
        assert_eq!(RtpHeader::parse(&buf[..len]), Ok((header, &b"abcd"[..])));
    }

    #[test]
    fn csrcs_extension_and_padding_are_not_part_of_the_payload() {
        // Goal: the payload is exactly the media, whatever optional parts the sender adds.
        // Method: 1 CSRC, a one-word extension and 3 bytes of padding around a 2-byte payload.
        let mut datagram = vec![0xB1, 0x08, 0, 1, 0, 0, 0, 160, 0, 0, 0, 9];
        datagram.extend([0, 0, 0, 42]); // CSRC
        datagram.extend([0xBE, 0xDE, 0, 1, 1, 2, 3, 4]); // extension of one 32-bit word
        datagram.extend([0xD5, 0xD5]); // payload
        datagram.extend([0, 0, 3]); // padding, its length last
        let (header, payload) = RtpHeader::parse(&datagram).unwrap();
        assert_eq!(header.payload_type, 8);
        assert_eq!(header.ssrc, 9);
        assert_eq!(payload, [0xD5, 0xD5]);
    }

    #[test]
    fn bad_datagrams_are_refused_with_the_reason() {
        assert_eq!(
            RtpHeader::parse(&[0x80; 11]),
            Err(RtpError::Truncated { len: 11 })
        );
        assert_eq!(RtpHeader::parse(&[0x40; 12]), Err(RtpError::Version(1)));
        let mut padded_to_zero = [0; 13];
        padded_to_zero[0] = 0xA0;
        assert_eq!(RtpHeader::parse(&padded_to_zero), Err(RtpError::Padding));
        let receiver_report = [0x81, 201, 0, 7, 0, 0, 0, 1, 0, 0, 0, 0];
        assert_eq!(RtpHeader::parse(&receiver_report), Err(RtpError::Rtcp(201)));
        let header = RtpHeader {
            payload_type: 128,
            marker: false,
            sequence_number: 0,
            timestamp: 0,
            ssrc: 0,
        };
        assert_eq!(
            header.write(&[], &mut [0; 12]),
            Err(RtpError::PayloadType(128))
        );
        let header = RtpHeader {
            payload_type: 0,
            ..header
        };
        assert_eq!(
            header.write(&[0; 4], &mut [0; 12]),
            Err(RtpError::BufferTooSmall {
                needed: 16,
                len: 12
            })
        );
    }

    #[test]
    fn outgoing_frames_step_the_sequence_by_one_and_the_timestamp_by_160_across_wrap_around() {
        let mut session = session();
        let mut buf = [0; 200];
        let mut headers = Vec::new();
        for _ in 0..3 {
            let len = session
                .write_frame(G711::Pcma, &[0; 160], &mut buf)
                .unwrap();
            assert_eq!(len, 172);
            let (header, payload) = RtpHeader::parse(&buf[..len]).unwrap();
            assert!(payload.iter().all(|&code| code == 0xD5));
            headers.push(header);
        }
        let seqs: Vec<u16> = headers.iter().map(|h| h.sequence_number).collect();
        let timestamps: Vec<u32> = headers.iter().map(|h| h.timestamp).collect();
        let markers: Vec<bool> = headers.iter().map(|h| h.marker).collect();
        assert_eq!(seqs, [65_535, 0, 1]);
        assert_eq!(timestamps, [u32::MAX - 159, 0, 160]);
        assert_eq!(markers, [true, false, false]);
        assert!(headers.iter().all(|h| h.ssrc == 1 && h.payload_type == 8));
    }

    #[test]
    fn a_skipped_frame_moves_the_timestamp_not_the_sequence_and_marks_the_next_packet() {
        let mut session = session();
        let mut buf = [0; 200];
        session
            .write_frame(G711::Pcmu, &[0; 160], &mut buf)
            .unwrap();
        session.skip_frame();
        let len = session
            .write_frame(G711::Pcmu, &[0; 160], &mut buf)
            .unwrap();
        let (header, _) = RtpHeader::parse(&buf[..len]).unwrap();
        assert_eq!(header.sequence_number, 0);
        assert_eq!(header.timestamp, 160);
        assert!(header.marker);
        assert_eq!(session.stats().n_sent, 2);
    }

    #[test]
    fn a_buffer_too_small_for_a_frame_is_refused_and_nothing_advances() {
        let mut session = session();
        let mut buf = [0; 171];
        assert_eq!(
            session.write_frame(G711::Pcmu, &[0; 160], &mut buf),
            Err(RtpError::BufferTooSmall {
                needed: 172,
                len: 171
            })
        );
        assert_eq!(session.stats().n_sent, 0);
    }

    #[test]
    fn duplicates_are_dropped_losses_counted_and_late_packets_used_once() {
        let mut session = session();
        let mut verdicts = Vec::new();
        for seq in [65_534, 65_535, 65_535, 2, 0, 0, 1, 2, 5] {
            let datagram = packet(77, seq);
            verdicts.push(match session.receive(&datagram) {
                Received::Packet { in_order: true, .. } => "new",
                Received::Packet {
                    in_order: false, ..
                } => "late",
                Received::Duplicate => "dup",
                other => panic!("unexpected {other:?}"),
            });
        }
        assert_eq!(
            verdicts,
            [
                "new", "new", "dup", "new", "late", "dup", "late", "dup", "new"
            ]
        );
        assert_eq!(session.remote_ssrc(), Some(77));
        assert_eq!(session.remote_sequence_number(), Some(5));
        let stats = session.stats();
        assert_eq!(stats.n_received, 6);
        assert_eq!(stats.n_duplicates, 3);
        assert_eq!(stats.n_lost, 2, "3 and 4 never came");
    }

    #[test]
    fn packets_behind_the_window_are_too_old() {
        let mut session = session();
        session.receive(&packet(1, 1_000));
        session.receive(&packet(1, 1_064));
        assert!(matches!(
            session.receive(&packet(1, 1_001)),
            Received::Packet {
                in_order: false,
                ..
            }
        ));
        assert_eq!(session.receive(&packet(1, 1_000)), Received::TooOld);
        assert_eq!(session.stats().n_too_old, 1);
    }

    #[test]
    fn a_jump_is_dropped_unless_the_next_packet_confirms_a_restart() {
        let mut session = session();
        session.receive(&packet(1, 100));
        assert_eq!(session.receive(&packet(1, 30_000)), Received::SequenceJump);
        assert!(matches!(
            session.receive(&packet(1, 101)),
            Received::Packet { in_order: true, .. }
        ));
        assert_eq!(session.receive(&packet(1, 40_000)), Received::SequenceJump);
        assert!(matches!(
            session.receive(&packet(1, 40_001)),
            Received::Packet { in_order: true, .. }
        ));
        assert!(matches!(
            session.receive(&packet(1, 40_002)),
            Received::Packet { in_order: true, .. }
        ));
        let stats = session.stats();
        assert_eq!(stats.n_restarts, 1);
        assert_eq!(stats.n_lost, 0);
        assert_eq!(stats.n_received, 4);
    }

    #[test]
    fn a_new_ssrc_is_a_new_stream_and_the_old_losses_are_kept() {
        let mut session = session();
        session.receive(&packet(1, 10));
        session.receive(&packet(1, 13));
        assert!(matches!(
            session.receive(&packet(2, 500)),
            Received::Packet { in_order: true, .. }
        ));
        assert_eq!(session.remote_ssrc(), Some(2));
        let stats = session.stats();
        assert_eq!(stats.n_lost, 2);
        assert_eq!(stats.n_restarts, 1);
    }

    #[test]
    fn malformed_datagrams_are_counted() {
        let mut session = session();
        assert_eq!(
            session.receive(&[0x80, 0]),
            Received::Malformed(RtpError::Truncated { len: 2 })
        );
        assert_eq!(session.stats().n_malformed, 1);
        assert_eq!(session.remote_ssrc(), None);
    }
}
