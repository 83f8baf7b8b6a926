//! Fuzzes the TOML configuration reader (whole file and one organisation's document).
//! The body, and what it asserts, is `sentral_fuzz_checks::config`, which `crates/fuzz-checks/tests/corpus.rs`
//! also replays over `fuzz/corpus/config/` on stable.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sentral_fuzz_checks::config(data));
