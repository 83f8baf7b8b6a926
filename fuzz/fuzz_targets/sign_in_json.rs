//! Fuzzes the JSON body of POST /api/v1/login.
//! The body, and what it asserts, is `sentral_fuzz_checks::sign_in_json`, which `crates/fuzz-checks/tests/corpus.rs`
//! also replays over `fuzz/corpus/sign_in_json/` on stable.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sentral_fuzz_checks::sign_in_json(data));
