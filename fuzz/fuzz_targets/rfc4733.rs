//! Fuzzes RFC 4733 telephone events and the digit receiver.
//! The body, and what it asserts, is `sentral_fuzz_checks::rfc4733`, which `crates/fuzz-checks/tests/corpus.rs`
//! also replays over `fuzz/corpus/rfc4733/` on stable.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sentral_fuzz_checks::rfc4733(data));
