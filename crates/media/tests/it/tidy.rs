//! Tidy checks on the crate's shape: sans-IO (no sockets, clock, runtime or threads), every
//! file documented, no trailing whitespace.

use std::fs;
use std::path::{Path, PathBuf};

const CRATE: &str = env!("CARGO_MANIFEST_DIR");

#[test]
fn media_depends_on_no_runtime_or_network_library() {
    let manifest = fs::read_to_string(Path::new(CRATE).join("Cargo.toml")).expect("manifest");
    let dependencies = manifest
        .split("[dependencies]")
        .nth(1)
        .and_then(|rest| rest.split("\n[").next())
        .unwrap_or_default();
    for forbidden in ["tokio", "rsipstack", "mio", "async", "rand"] {
        assert!(
            !dependencies.contains(forbidden),
            "crates/media must not depend on {forbidden}"
        );
    }
}

#[test]
fn media_does_no_io_and_never_reads_a_clock() {
    for file in rust_files(&Path::new(CRATE).join("src")) {
        let text = fs::read_to_string(&file).expect("readable");
        for forbidden in [
            "Instant::now",
            "SystemTime::now",
            "std::thread",
            "std::net",
            "std::fs",
        ] {
            assert!(
                !text.contains(forbidden),
                "{} uses {forbidden}",
                file.display()
            );
        }
    }
}

#[test]
fn every_file_says_what_it_is_and_has_no_trailing_whitespace() {
    let root = Path::new(CRATE);
    for dir in ["src", "tests", "benches"] {
        for file in rust_files(&root.join(dir)) {
            let text = fs::read_to_string(&file).expect("readable");
            assert!(
                text.starts_with("//!"),
                "{} must start with a //! line",
                file.display()
            );
            for (n, line) in text.lines().enumerate() {
                assert!(
                    !line.ends_with([' ', '\t']),
                    "{}:{}: trailing whitespace",
                    file.display(),
                    n + 1
                );
            }
        }
    }
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return files;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}
