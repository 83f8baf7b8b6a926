//! Fuzzes RFC 4733 telephone-event parsing and the digit receiver: no input may panic, every
//! event that parses writes back to the same bytes, and only keypad digits are reported.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sentral_media::{DtmfReceiver, TelephoneEvent};

fuzz_target!(|data: &[u8]| {
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
});
