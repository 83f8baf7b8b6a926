//! Fuzzes RTP datagrams on a leg's port.
//! The body, and what it asserts, is `sentral_fuzz_checks::rtp_packet`, which `crates/fuzz-checks/tests/corpus.rs`
//! also replays over `fuzz/corpus/rtp_packet/` on stable.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sentral_fuzz_checks::rtp_packet(data));
