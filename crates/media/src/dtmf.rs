//! RFC 4733 telephone events: DTMF digits sent as RTP packets rather than as tones.
//!
//! A phone sends one event (one key press) as a run of packets that all carry the RTP
//! timestamp of the event's start: a first packet with the marker bit, updates every 50 ms or
//! so with a growing duration, and the final packet, with the end bit, three times (in case
//! one is lost). [`DtmfReceiver`] turns that run into one digit, reported when the first
//! packet of the event arrives, so a digit is reported even if every end packet is lost.

/// The payload of one RFC 4733 telephone-event packet (section 2.3).
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub struct TelephoneEvent {
    /// The event code: 0–9, 10 = `*`, 11 = `#`, 12–15 = `A`–`D`; others are tones and flash.
    pub event: u8,
    /// The last packets of the event carry the end bit.
    pub end: bool,
    /// The power level, in −dBm0 (0–63); DTMF digits only.
    pub volume: u8,
    /// How long the event has lasted so far, in RTP timestamp units (samples at 8 kHz).
    pub duration: u16,
}

impl TelephoneEvent {
    /// The length of the payload: event, end bit and volume, duration.
    pub const LEN: usize = 4;

    /// Parses the first event in a telephone-event payload. Bytes after the first four (more
    /// events, which RFC 4733 allows with RFC 2198 redundancy) are ignored.
    pub fn parse(payload: &[u8]) -> Result<TelephoneEvent, DtmfError> {
        let &[event, flags, duration_high, duration_low, ..] = payload else {
            return Err(DtmfError::Truncated { len: payload.len() });
        };
        Ok(TelephoneEvent {
            event,
            end: flags & 0x80 != 0,
            // Bit 0x40 is reserved: senders set it to zero, receivers ignore it.
            volume: flags & 0x3F,
            duration: u16::from_be_bytes([duration_high, duration_low]),
        })
    }

    /// Writes the payload into `buf`, returning its length ([`TelephoneEvent::LEN`]).
    pub fn write(&self, buf: &mut [u8]) -> Result<usize, DtmfError> {
        if self.volume > VOLUME_MAX {
            return Err(DtmfError::Volume(self.volume));
        }
        let Some(out) = buf.get_mut(..Self::LEN) else {
            return Err(DtmfError::BufferTooSmall { len: buf.len() });
        };
        let [duration_high, duration_low] = self.duration.to_be_bytes();
        let end = if self.end { 0x80 } else { 0x00 };
        out.copy_from_slice(&[self.event, end | self.volume, duration_high, duration_low]);
        Ok(Self::LEN)
    }

    /// The DTMF digit this event stands for, if it is one.
    pub fn digit(&self) -> Option<char> {
        event_digit(self.event)
    }
}

/// The DTMF digit of an RFC 4733 event code: `'0'`–`'9'`, `'*'`, `'#'`, `'A'`–`'D'`.
pub fn event_digit(event: u8) -> Option<char> {
    match event {
        0..=9 => Some(char::from(b'0' + event)),
        10 => Some('*'),
        11 => Some('#'),
        12..=15 => Some(char::from(b'A' + event - 12)),
        _ => None,
    }
}

/// Why a telephone-event payload cannot be read or written.
#[derive(Clone, Copy, Debug, Eq, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DtmfError {
    /// The payload is shorter than one event.
    #[error("a telephone-event payload of {len} bytes is shorter than 4")]
    Truncated {
        /// The payload's length.
        len: usize,
    },
    /// The volume does not fit in its 6 bits.
    #[error("telephone-event volume {0} is above 63")]
    Volume(u8),
    /// The buffer cannot hold one event.
    #[error("a {len}-byte buffer cannot hold a 4-byte telephone event")]
    BufferTooSmall {
        /// The buffer's length.
        len: usize,
    },
}

/// Turns one leg's telephone-event packets into digits, each reported once.
///
/// Feed it the packets the leg's [`crate::RtpSession`] accepted (duplicates are already
/// dropped there), in or out of order.
#[derive(Clone, Debug, Default)]
pub struct DtmfReceiver {
    /// The newest event seen; `None` before the first.
    current: Option<EventSeen>,
}

impl DtmfReceiver {
    /// A receiver that has seen no event yet.
    pub fn new() -> Self {
        DtmfReceiver::default()
    }

    /// Takes one telephone-event packet (its RTP timestamp and payload) and returns the digit
    /// if this packet is the first seen of a new DTMF event.
    ///
    /// Packets of the event already reported (its updates and its three end packets), and
    /// late packets of earlier events, return `None`. So does an event that is not a digit
    /// (a tone or flash), though it still counts as the newest event.
    pub fn receive(
        &mut self,
        rtp_timestamp: u32,
        payload: &[u8],
    ) -> Result<Option<char>, DtmfError> {
        let event = TelephoneEvent::parse(payload)?;
        if let Some(current) = &mut self.current {
            let since_current = rtp_timestamp.wrapping_sub(current.timestamp);
            if since_current == 0 {
                current.duration = current.duration.max(event.duration);
                current.end |= event.end;
                return Ok(None);
            }
            if since_current > TIMESTAMP_HALF_RANGE {
                // Behind the newest event: a late packet of an event already reported.
                return Ok(None);
            }
            let segment_was_full =
                u32::from(current.duration) + LONG_EVENT_SLACK >= u32::from(u16::MAX);
            if !current.end
                && current.event == event.event
                && segment_was_full
                && since_current <= u32::from(u16::MAX) + LONG_EVENT_SLACK
            {
                // A key held longer than a duration can count (about 8 s) goes on in a new
                // segment with a new timestamp (RFC 4733 section 2.5.2.3): the same press.
                *current = EventSeen::new(rtp_timestamp, &event);
                return Ok(None);
            }
        }
        self.current = Some(EventSeen::new(rtp_timestamp, &event));
        Ok(event.digit())
    }
}

/// What the receiver remembers of the newest event.
#[derive(Clone, Copy, Debug)]
struct EventSeen {
    /// The event's RTP timestamp, shared by all its packets.
    timestamp: u32,
    /// Its event code.
    event: u8,
    /// The longest duration seen in its packets.
    duration: u16,
    /// Whether an end packet was seen.
    end: bool,
}

impl EventSeen {
    fn new(timestamp: u32, event: &TelephoneEvent) -> Self {
        EventSeen {
            timestamp,
            event: event.event,
            duration: event.duration,
            end: event.end,
        }
    }
}

/// The largest volume, in −dBm0, that fits the 6-bit field.
const VOLUME_MAX: u8 = 63;

/// Timestamps more than half the range ahead are behind (serial number arithmetic).
const TIMESTAMP_HALF_RANGE: u32 = 1 << 31;

/// How far short of the longest duration the last update of a held key's segment may be, and
/// how far past it the next segment may start: 200 ms, a few lost updates.
const LONG_EVENT_SLACK: u32 = 1_600;

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(event: u8, end: bool, duration: u16) -> [u8; 4] {
        let mut buf = [0; 4];
        let event = TelephoneEvent {
            event,
            end,
            volume: 10,
            duration,
        };
        assert_eq!(event.write(&mut buf), Ok(4));
        buf
    }

    #[test]
    fn the_fields_are_read_from_the_rfc_layout() {
        // Event 5, end bit, reserved bit set (ignored), volume 10, duration 0x0320.
        let event = TelephoneEvent::parse(&[5, 0xC0 | 10, 0x03, 0x20, 0xFF]).unwrap();
        assert_eq!(
            event,
            TelephoneEvent {
                event: 5,
                end: true,
                volume: 10,
                duration: 800
            }
        );
        assert_eq!(event.digit(), Some('5'));
        assert_eq!(
            TelephoneEvent::parse(&[5, 0, 0]),
            Err(DtmfError::Truncated { len: 3 })
        );
    }

    #[test]
    fn every_key_of_the_keypad_has_its_digit() {
        let digits: String = (0..=16).filter_map(event_digit).collect();
        assert_eq!(digits, "0123456789*#ABCD");
    }

    #[test]
    fn writing_refuses_a_volume_that_does_not_fit_and_a_short_buffer() {
        let mut event = TelephoneEvent {
            event: 1,
            end: false,
            volume: 64,
            duration: 0,
        };
        assert_eq!(event.write(&mut [0; 4]), Err(DtmfError::Volume(64)));
        event.volume = 63;
        assert_eq!(
            event.write(&mut [0; 3]),
            Err(DtmfError::BufferTooSmall { len: 3 })
        );
    }

    #[test]
    fn the_same_digit_pressed_twice_is_reported_twice() {
        let mut receiver = DtmfReceiver::new();
        assert_eq!(
            receiver.receive(1_000, &payload(1, false, 160)),
            Ok(Some('1'))
        );
        assert_eq!(receiver.receive(1_000, &payload(1, true, 800)), Ok(None));
        assert_eq!(
            receiver.receive(2_600, &payload(1, false, 160)),
            Ok(Some('1'))
        );
    }

    #[test]
    fn a_digit_whose_end_packets_are_all_lost_is_still_reported_once() {
        let mut receiver = DtmfReceiver::new();
        assert_eq!(
            receiver.receive(1_000, &payload(7, false, 160)),
            Ok(Some('7'))
        );
        assert_eq!(receiver.receive(1_000, &payload(7, false, 480)), Ok(None));
        // The next press of the same key starts after a pause longer than one frame.
        assert_eq!(
            receiver.receive(1_000 + 480 + 400, &payload(7, false, 160)),
            Ok(Some('7'))
        );
    }

    #[test]
    fn a_late_packet_of_an_earlier_event_is_not_a_new_digit() {
        let mut receiver = DtmfReceiver::new();
        assert_eq!(
            receiver.receive(1_000, &payload(1, false, 160)),
            Ok(Some('1'))
        );
        assert_eq!(
            receiver.receive(3_000, &payload(2, false, 160)),
            Ok(Some('2'))
        );
        assert_eq!(receiver.receive(1_000, &payload(1, true, 800)), Ok(None));
    }

    #[test]
    fn a_key_held_past_the_longest_duration_is_one_digit() {
        let mut receiver = DtmfReceiver::new();
        assert_eq!(
            receiver.receive(0, &payload(0, false, 65_000)),
            Ok(Some('0'))
        );
        assert_eq!(receiver.receive(65_535, &payload(0, false, 800)), Ok(None));
        assert_eq!(receiver.receive(65_535, &payload(0, true, 1_600)), Ok(None));
    }

    #[test]
    fn events_that_are_not_digits_report_nothing() {
        let mut receiver = DtmfReceiver::new();
        assert_eq!(receiver.receive(0, &payload(16, false, 160)), Ok(None));
        assert_eq!(
            receiver.receive(0, &[16]),
            Err(DtmfError::Truncated { len: 1 })
        );
    }
}
