//! Fuzzes RFC 4028 session-timer headers (Session-Expires, Min-SE, Supported).
//! The body, and what it asserts, is `sentral_fuzz_checks::session_timer`, which `crates/fuzz-checks/tests/corpus.rs`
//! also replays over `fuzz/corpus/session_timer/` on stable.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sentral_fuzz_checks::session_timer(data));
