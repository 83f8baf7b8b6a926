//! Fuzzes a SIP datagram read before rsipstack's parser (`sentral_sip::datagram`).
//! The body, and what it asserts, is `sentral_fuzz_checks::sip_datagram`, which `crates/fuzz-checks/tests/corpus.rs`
//! also replays over `fuzz/corpus/sip_datagram/` on stable.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sentral_fuzz_checks::sip_datagram(data));
