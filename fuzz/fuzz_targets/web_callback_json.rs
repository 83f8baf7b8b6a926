//! Fuzzes the JSON body of POST /api/v1/callbacks (web callbacks, R37).
//! The body, and what it asserts, is `sentral_fuzz_checks::web_callback_json`, which `crates/fuzz-checks/tests/corpus.rs`
//! also replays over `fuzz/corpus/web_callback_json/` on stable.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sentral_fuzz_checks::web_callback_json(data));
