//! Call recordings on disk (R31): where they are, start-up repair after a crash, and the
//! retention sweep.
//!
//! The SIP side writes `<dir>/<org>/<interaction id>.wav` (see `sentral_sip::media`); `<dir>`
//! is `recordings` in the data directory unless `SipSettings::recordings_dir` says otherwise.
//! At start-up every file a killed process left open gets its header repaired. Every
//! [`SWEEP_PERIOD`] (and once at start-up) the files of each organisation older than its
//! `recording_retention` are deleted.

use crate::app::OrgRuntime;
use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Weak;
use std::time::{Duration, SystemTime};

/// How often old recordings are looked for.
pub const SWEEP_PERIOD: Duration = Duration::from_secs(3_600);

/// The recordings directory of a data directory.
pub fn dir_in(data_dir: &Path) -> PathBuf {
    data_dir.join("recordings")
}

/// The file of an interaction's recording (it may not exist).
pub fn file_of(dir: &Path, org: &str, interaction: u64) -> PathBuf {
    dir.join(org).join(format!("{interaction}.wav"))
}

/// Repairs the headers of recordings a killed process left open; logs what it did.
pub fn repair(dir: &Path) {
    match sentral_sip::media::repair_recordings(dir) {
        Ok(repaired) if !repaired.is_empty() => {
            tracing::warn!(n_files = repaired.len(), dir = %dir.display(),
                "recordings left open by a crash were repaired");
        }
        Ok(_) => {}
        Err(error) => tracing::error!(dir = %dir.display(), %error, "cannot check recordings"),
    }
}

/// Deletes the recordings of `org` last written before `now - retention`; returns how many.
pub fn sweep(dir: &Path, org: &str, retention: Duration, now: SystemTime) -> io::Result<usize> {
    let Some(cutoff) = now.checked_sub(retention) else {
        return Ok(0);
    };
    let entries = match std::fs::read_dir(dir.join(org)) {
        Ok(entries) => entries,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(error) => return Err(error),
    };
    let mut n_deleted = 0;
    for entry in entries {
        let entry = entry?;
        let path = entry.path();
        if path.extension().is_none_or(|ext| ext != "wav") {
            continue;
        }
        if entry.metadata()?.modified()? < cutoff {
            std::fs::remove_file(&path)?;
            n_deleted += 1;
        }
    }
    Ok(n_deleted)
}

/// Sweeps every organisation's old recordings now and every [`SWEEP_PERIOD`], until the
/// organisations are dropped (the server stopped).
pub fn spawn_sweeper(dir: PathBuf, orgs: Weak<HashMap<String, OrgRuntime>>) {
    tokio::spawn(async move {
        let mut period = tokio::time::interval(SWEEP_PERIOD);
        loop {
            period.tick().await;
            let Some(orgs) = orgs.upgrade() else {
                return;
            };
            let retentions: Vec<(String, u64)> = orgs
                .iter()
                .filter_map(|(slug, org)| {
                    let config = org.config.read().expect("config lock");
                    config.recording_retention_ms.map(|ms| (slug.clone(), ms))
                })
                .collect();
            drop(orgs);
            let dir = dir.clone();
            let swept = tokio::task::spawn_blocking(move || {
                for (org, ms) in retentions {
                    let retention = Duration::from_millis(ms);
                    match sweep(&dir, &org, retention, SystemTime::now()) {
                        Ok(0) => {}
                        Ok(n_deleted) => {
                            tracing::info!(org, n_deleted, "old recordings deleted (retention)")
                        }
                        Err(error) => tracing::error!(org, %error, "recording sweep failed"),
                    }
                }
            });
            let _ = swept.await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r31_the_sweep_deletes_only_recordings_older_than_the_retention() {
        let dir = tempfile::tempdir().unwrap();
        let org = dir.path().join("demo");
        std::fs::create_dir_all(&org).unwrap();
        std::fs::write(org.join("1.wav"), b"RIFF").unwrap();
        std::fs::write(org.join("notes.txt"), b"kept").unwrap();
        let now = SystemTime::now();
        let day = Duration::from_secs(86_400);
        assert_eq!(
            sweep(dir.path(), "demo", day, now).unwrap(),
            0,
            "a fresh file stays"
        );
        assert_eq!(sweep(dir.path(), "demo", day, now + 2 * day).unwrap(), 1);
        assert!(!org.join("1.wav").exists());
        assert!(org.join("notes.txt").exists(), "only recordings are swept");
        assert_eq!(sweep(dir.path(), "other", day, now).unwrap(), 0);
    }
}
