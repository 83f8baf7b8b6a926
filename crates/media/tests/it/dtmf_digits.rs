//! RFC 4733 digits as a phone sends them, through a leg's RTP session and DTMF receiver.

use sentral_media::{
    DtmfReceiver, Received, RtpHeader, RtpSession, RtpSessionConfig, TelephoneEvent,
};

const TELEPHONE_EVENT: u8 = 101;

/// The packets a phone sends for one key press, as RFC 4733 section 5 shows them: the first
/// with the marker bit, updates every 50 ms, and the end packet three times, all with the
/// event's start timestamp and consecutive sequence numbers.
fn key_press(event: u8, timestamp: u32, first_sequence_number: u16) -> Vec<Vec<u8>> {
    let durations = [400, 800, 1_200, 1_600, 1_600, 1_600];
    durations
        .iter()
        .enumerate()
        .map(|(n, &duration)| {
            let mut payload = [0; 4];
            TelephoneEvent {
                event,
                end: n >= 3,
                volume: 10,
                duration,
            }
            .write(&mut payload)
            .unwrap();
            let header = RtpHeader {
                payload_type: TELEPHONE_EVENT,
                marker: n == 0,
                sequence_number: first_sequence_number + n as u16,
                timestamp,
                ssrc: 0xABCD,
            };
            let mut datagram = vec![0; 16];
            header.write(&payload, &mut datagram).unwrap();
            datagram
        })
        .collect()
}

fn digits_heard(datagrams: &[Vec<u8>]) -> String {
    let mut session = RtpSession::new(RtpSessionConfig {
        ssrc: 1,
        first_sequence_number: 0,
        first_timestamp: 0,
    });
    let mut receiver = DtmfReceiver::new();
    let mut digits = String::new();
    for datagram in datagrams {
        if let Received::Packet {
            header, payload, ..
        } = session.receive(datagram)
        {
            assert_eq!(header.payload_type, TELEPHONE_EVENT);
            if let Some(digit) = receiver.receive(header.timestamp, payload).unwrap() {
                digits.push(digit);
            }
        }
    }
    digits
}

#[test]
fn r37_rfc4733_digit_is_reported_once() {
    // Goal: "press 1" for a courtesy callback reaches the engine as one '1', although the phone
    // sends six packets for it, three of them identical end packets.
    assert_eq!(digits_heard(&key_press(1, 8_000, 10)), "1");
}

#[test]
fn each_key_press_is_reported_once_even_when_the_network_repeats_and_reorders_packets() {
    // Method: the presses 1, 1, #, 0 and D, with every packet sent twice and each pair of
    // neighbouring packets swapped, as a bad network would deliver them.
    let mut datagrams = Vec::new();
    for (index, event) in [1, 1, 11, 0, 15].into_iter().enumerate() {
        let start = 8_000 + 4_000 * index as u32;
        datagrams.extend(key_press(event, start, 10 + 6 * index as u16));
    }
    let mut delivered = Vec::new();
    for pair in datagrams.chunks(2) {
        for datagram in pair.iter().rev() {
            delivered.push(datagram.clone());
            delivered.push(datagram.clone());
        }
    }
    assert_eq!(digits_heard(&delivered), "11#0D");
}
