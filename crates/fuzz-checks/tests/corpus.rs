//! Issue 26: every fuzz target's corpus replayed on the stable toolchain, so CI checks what the
//! fuzzers found and were seeded with without nightly or libFuzzer. Each file of
//! `fuzz/corpus/<target>/` goes through the same function the cargo-fuzz target calls; a
//! panic names the file.

use std::path::{Path, PathBuf};

/// The repository's `fuzz/` directory.
fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// Replays every file of the target's corpus; the corpus must exist and hold something.
fn replay(target: &str) {
    let dir = fuzz_dir().join("corpus").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} is empty", dir.display());
    for path in files {
        let data = std::fs::read(&path).expect("a corpus file reads");
        let outcome = std::panic::catch_unwind(|| sentral_fuzz_checks::run(target, &data));
        match outcome {
            Ok(known) => assert!(known, "{target} is not a target"),
            Err(_) => panic!("{target} panicked on {}", path.display()),
        }
    }
}

#[test]
fn issue26_corpus_sdp() {
    replay("sdp");
}

#[test]
fn issue26_corpus_rtp_packet() {
    replay("rtp_packet");
}

#[test]
fn issue26_corpus_rfc4733() {
    replay("rfc4733");
}

#[test]
fn issue26_corpus_session_timer() {
    replay("session_timer");
}

#[test]
fn issue26_corpus_sip_datagram() {
    replay("sip_datagram");
}

#[test]
fn issue26_corpus_digest_authorization() {
    replay("digest_authorization");
}

#[test]
fn issue26_corpus_config() {
    replay("config");
}

#[test]
fn issue26_corpus_sign_in_json() {
    replay("sign_in_json");
}

#[test]
fn issue26_corpus_web_callback_json() {
    replay("web_callback_json");
}

/// Issue 26: every target listed here has a cargo-fuzz binary that calls its shared function,
/// a corpus, and a replay test above, so a target cannot be added to one side only.
#[test]
fn issue26_every_target_has_a_fuzz_binary_a_corpus_and_a_replay() {
    let manifest = std::fs::read_to_string(fuzz_dir().join("Cargo.toml")).expect("fuzz/Cargo.toml");
    let this_file = include_str!("corpus.rs");
    for target in sentral_fuzz_checks::TARGETS {
        assert!(
            manifest.contains(&format!("name = \"{target}\"")),
            "fuzz/Cargo.toml has no [[bin]] {target}"
        );
        let source = fuzz_dir().join("fuzz_targets").join(format!("{target}.rs"));
        let source = std::fs::read_to_string(&source)
            .unwrap_or_else(|e| panic!("{}: {e}", source.display()));
        assert!(
            source.contains(&format!("sentral_fuzz_checks::{target}(")),
            "fuzz_targets/{target}.rs does not call sentral_fuzz_checks::{target}"
        );
        assert!(
            fuzz_dir().join("corpus").join(target).is_dir(),
            "no corpus for {target}"
        );
        assert!(
            this_file.contains(&format!("replay(\"{target}\")")),
            "no replay test for {target}"
        );
        assert!(
            sentral_fuzz_checks::run(target, b""),
            "run does not know {target}"
        );
    }
}
