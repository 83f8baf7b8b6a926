//! Fuzzes the digest Authorization / Proxy-Authorization header.
//! The body, and what it asserts, is `sentral_fuzz_checks::digest_authorization`, which `crates/fuzz-checks/tests/corpus.rs`
//! also replays over `fuzz/corpus/digest_authorization/` on stable.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sentral_fuzz_checks::digest_authorization(data));
