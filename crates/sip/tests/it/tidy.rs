//! Tidy checks on the crate's shape: rsipstack stays in `transport/`, the sans-IO modules read
//! no clock and touch no socket, no other crate depends on rsipstack, every file is documented.

use std::fs;
use std::path::{Path, PathBuf};

const CRATE: &str = env!("CARGO_MANIFEST_DIR");

#[test]
fn rsipstack_is_seen_only_by_the_transport_module() {
    for file in rust_files(&Path::new(CRATE).join("src")) {
        let text = fs::read_to_string(&file).expect("readable");
        if file
            .components()
            .any(|part| part.as_os_str() == "transport")
        {
            continue;
        }
        let code: String = text
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .collect();
        assert!(
            !code.contains("rsipstack"),
            "{} uses rsipstack; keep it in transport/",
            file.display()
        );
    }
}

#[test]
fn no_other_crate_depends_on_rsipstack() {
    let crates = Path::new(CRATE).parent().expect("crates/");
    for entry in fs::read_dir(crates).expect("crates/").flatten() {
        let manifest = entry.path().join("Cargo.toml");
        if entry.file_name() == "sip" || !manifest.exists() {
            continue;
        }
        let text = fs::read_to_string(&manifest).expect("readable");
        assert!(
            !text.contains("rsipstack"),
            "{} depends on rsipstack; go through sentral-sip",
            manifest.display()
        );
    }
}

#[test]
fn the_sans_io_modules_do_no_io_and_never_read_a_clock() {
    for name in [
        "digest.rs",
        "registrar.rs",
        "calls.rs",
        "datagram.rs",
        "sdp.rs",
        "session_timer.rs",
    ] {
        let text = fs::read_to_string(Path::new(CRATE).join("src").join(name)).expect("readable");
        // Unit tests may take a starting instant from the clock; the code under test may not.
        let code = text.split("#[cfg(test)]").next().expect("some code");
        for forbidden in [
            "Instant::now",
            "SystemTime::now",
            "tokio",
            "UdpSocket",
            "TcpStream",
            "std::fs",
            "std::thread",
            "getrandom",
        ] {
            assert!(!code.contains(forbidden), "{name} uses {forbidden}");
        }
    }
}

#[test]
fn every_file_says_what_it_is_and_has_no_trailing_whitespace() {
    let root = Path::new(CRATE);
    for dir in ["src", "tests"] {
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
