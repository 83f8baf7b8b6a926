//! Fuzzes SDP bodies of INVITEs, re-INVITEs and answers.
//! The body, and what it asserts, is `sentral_fuzz_checks::sdp`, which `crates/fuzz-checks/tests/corpus.rs`
//! also replays over `fuzz/corpus/sdp/` on stable.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sentral_fuzz_checks::sdp(data));
