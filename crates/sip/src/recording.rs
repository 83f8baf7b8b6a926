//! Call recording (R31, R32): one two-channel WAV file per interaction, written by the call's
//! media task as the call goes, and repaired on start-up if the process died mid-call.
//!
//! A recording follows the customer's leg (the engine's `StartRecording` names it), wherever
//! topology moves it: on every 20 ms tick of its call the left channel gets what the customer
//! leg sent ([`CallMixer::input`], after noise removal when that is on: what the agents heard
//! from the customer) and the right channel what the customer heard ([`CallMixer::output`]:
//! the agent, the conference, music on hold while held or consulting). 8 kHz, 16-bit PCM,
//! little-endian, so any player opens it.
//!
//! While paused (R32) the frames written are digital silence, not the call: the file keeps
//! the call's timeline, so a position in the file is the same moment in the interaction's
//! history (where each pause and resume is recorded with its time).
//!
//! Crash safety: samples go through a buffered writer and, every [`FLUSH_FRAMES`] frames (one
//! second), the WAV header's sizes are brought up to date and the buffer is handed to the
//! operating system, so a killed process loses at most the last second and leaves a file that
//! plays up to its last flush. [`repair_recordings`] at start-up then sets the header's sizes
//! from the file's length, which also recovers what was written after the last flush.
//!
//! This module is a child of `media` (it reaches into a call's state); its handle methods are
//! on [`Media`].

use super::{CallState, Media};
use sentral_engine::{InteractionId, LegId};
use sentral_media::{FRAME_SAMPLES, Frame, SAMPLE_RATE_HZ};
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Frames between two flushes: one second of audio.
pub const FLUSH_FRAMES: u32 = 50;

/// A recording being written, attached to the customer's leg.
pub(super) struct Recorder {
    /// The interaction recorded.
    interaction: InteractionId,
    /// The file; `None` once finished or after a write failed.
    writer: Option<hound::WavWriter<BufWriter<File>>>,
    /// Where it is, for logs.
    path: PathBuf,
    /// Paused: silence is written instead of the call.
    paused: bool,
    /// Frames written since the last flush.
    n_unflushed: u32,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("interaction", &self.interaction)
            .field("path", &self.path)
            .field("paused", &self.paused)
            .finish_non_exhaustive()
    }
}

impl Recorder {
    /// Creates the file (and its directory) with a header for no samples yet.
    fn create(interaction: InteractionId, path: &Path) -> Result<Recorder, hound::Error> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let writer = hound::WavWriter::create(path, spec())?;
        Ok(Recorder {
            interaction,
            writer: Some(writer),
            path: path.to_owned(),
            paused: false,
            n_unflushed: 0,
        })
    }

    /// Appends one tick: the customer's frame left, what the customer heard right.
    fn write(&mut self, customer: &Frame, heard: &Frame) {
        let Some(writer) = self.writer.as_mut() else {
            return;
        };
        let mut result = Ok(());
        for index in 0..FRAME_SAMPLES {
            let (left, right) = if self.paused {
                (0, 0)
            } else {
                (customer[index], heard[index])
            };
            result = writer
                .write_sample(left)
                .and_then(|()| writer.write_sample(right));
            if result.is_err() {
                break;
            }
        }
        self.n_unflushed += 1;
        if result.is_ok() && self.n_unflushed >= FLUSH_FRAMES {
            self.n_unflushed = 0;
            result = writer.flush();
        }
        if let Err(error) = result {
            tracing::error!(
                interaction = %self.interaction,
                path = %self.path.display(),
                %error,
                "recording: cannot write; the recording stops here"
            );
            self.writer = None;
        }
    }

    /// Finishes the file: the header gets its final sizes.
    fn finish(&mut self) {
        if let Some(writer) = self.writer.take()
            && let Err(error) = writer.finalize()
        {
            tracing::error!(
                interaction = %self.interaction,
                path = %self.path.display(),
                %error,
                "recording: cannot finish the file"
            );
        }
    }
}

impl Drop for Recorder {
    /// The leg closed before `StopRecording` came: the file is finished all the same.
    fn drop(&mut self) {
        self.finish();
    }
}

impl Media {
    /// Starts recording `interaction` from the customer's `leg` into a new WAV file at `path`.
    /// A failure to create the file is logged and the call goes on unrecorded.
    pub fn start_recording(&self, interaction: InteractionId, leg: LegId, path: &Path) {
        let mut registry = self.shared.registry();
        let Some(call) = registry.call_of(leg, "start recording") else {
            return;
        };
        let recorder = match Recorder::create(interaction, path) {
            Ok(recorder) => recorder,
            Err(error) => {
                tracing::error!(%interaction, path = %path.display(), %error,
                    "recording: cannot create the file; the call is not recorded");
                return;
            }
        };
        let mut state = call.lock();
        let Some(media) = state.leg_mut(leg) else {
            return;
        };
        if let Some(mut old) = media.recorder.replace(recorder) {
            old.finish();
        }
        registry.recordings.insert(interaction, leg);
        tracing::info!(%interaction, %leg, path = %path.display(), "recording started");
    }

    /// Pauses (`true`) or resumes (`false`) the recording of `interaction`: while paused its
    /// file gets silence.
    pub fn pause_recording(&self, interaction: InteractionId, paused: bool) {
        self.with_recorder(interaction, |recorder| recorder.paused = paused);
    }

    /// Finishes the recording of `interaction`.
    pub fn stop_recording(&self, interaction: InteractionId) {
        self.with_recorder(interaction, Recorder::finish);
        self.shared.registry().recordings.remove(&interaction);
    }

    fn with_recorder(&self, interaction: InteractionId, change: impl FnOnce(&mut Recorder)) {
        let registry = self.shared.registry();
        let Some(&leg) = registry.recordings.get(&interaction) else {
            tracing::debug!(%interaction, "media: no recording of this interaction");
            return;
        };
        let Some(call) = registry.call_of(leg, "recording") else {
            return;
        };
        let mut state = call.lock();
        if let Some(recorder) = state.leg_mut(leg).and_then(|media| media.recorder.as_mut()) {
            change(recorder);
        }
    }
}

impl CallState {
    /// Writes this tick of every recorded leg (after the mixer's tick).
    pub(super) fn record_tick(&mut self) {
        let CallState { mixer, legs, .. } = self;
        for media in legs {
            let Some(recorder) = media.recorder.as_mut() else {
                continue;
            };
            if let (Ok(customer), Ok(heard)) = (mixer.input(media.mix), mixer.output(media.mix)) {
                recorder.write(customer, heard);
            }
        }
    }
}

/// The format of every recording: two channels of 8 kHz 16-bit PCM.
fn spec() -> hound::WavSpec {
    hound::WavSpec {
        channels: 2,
        sample_rate: SAMPLE_RATE_HZ,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    }
}

/// Repairs every recording under `dir` (`<dir>/<org>/<id>.wav`) whose header does not match
/// its length, as a process killed mid-call leaves it: the RIFF and data sizes are set from the
/// file's length (a trailing half sample is cut off). Returns the files repaired; a file that
/// is not a WAV file of ours is left alone with a warning.
pub fn repair_recordings(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut repaired = Vec::new();
    let orgs = match std::fs::read_dir(dir) {
        Ok(orgs) => orgs,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(repaired),
        Err(error) => return Err(error),
    };
    for org in orgs {
        let org = org?;
        if !org.file_type()?.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(org.path())? {
            let path = file?.path();
            if path.extension().is_none_or(|ext| ext != "wav") {
                continue;
            }
            match repair_wav(&path) {
                Ok(true) => {
                    tracing::warn!(path = %path.display(), "recording: header repaired");
                    repaired.push(path);
                }
                Ok(false) => {}
                Err(error) => {
                    tracing::warn!(path = %path.display(), %error, "recording: cannot repair")
                }
            }
        }
    }
    Ok(repaired)
}

/// Sets the RIFF and `data` sizes of one WAV file from its length; `true` if they changed.
pub fn repair_wav(path: &Path) -> io::Result<bool> {
    let mut file = OpenOptions::new().read(true).write(true).open(path)?;
    let len = file.metadata()?.len();
    let mut header = [0u8; 12];
    file.read_exact(&mut header)?;
    if &header[..4] != b"RIFF" || &header[8..] != b"WAVE" {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "not a WAV file"));
    }
    // Walk the chunks to `data`: its size field and where its samples start.
    let mut offset = 12u64;
    let mut block_align = 4u64;
    let data_start = loop {
        let mut chunk = [0u8; 8];
        file.seek(SeekFrom::Start(offset))?;
        file.read_exact(&mut chunk)?;
        let size = u64::from(u32::from_le_bytes([chunk[4], chunk[5], chunk[6], chunk[7]]));
        if &chunk[..4] == b"fmt " {
            let mut fmt = [0u8; 16];
            file.read_exact(&mut fmt)?;
            block_align = u64::from(u16::from_le_bytes([fmt[12], fmt[13]])).max(1);
        }
        if &chunk[..4] == b"data" {
            break offset + 8;
        }
        offset += 8 + size + size % 2;
        if offset >= len {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "no data chunk"));
        }
    };
    let data_len = (len - data_start) / block_align * block_align;
    let data_len = u32::try_from(data_len).unwrap_or(u32::MAX / 2);
    let riff_len = u32::try_from(data_start - 8 + u64::from(data_len)).unwrap_or(u32::MAX);
    let mut sizes = [0u8; 4];
    file.seek(SeekFrom::Start(4))?;
    file.read_exact(&mut sizes)?;
    let old_riff = u32::from_le_bytes(sizes);
    file.seek(SeekFrom::Start(data_start - 4))?;
    file.read_exact(&mut sizes)?;
    let old_data = u32::from_le_bytes(sizes);
    if old_riff == riff_len && old_data == data_len && data_start + u64::from(data_len) == len {
        return Ok(false);
    }
    file.set_len(data_start + u64::from(data_len))?;
    file.seek(SeekFrom::Start(4))?;
    file.write_all(&riff_len.to_le_bytes())?;
    file.seek(SeekFrom::Start(data_start - 4))?;
    file.write_all(&data_len.to_le_bytes())?;
    file.sync_all()?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sentral_media::SILENCE;

    fn frame(value: i16) -> Frame {
        [value; FRAME_SAMPLES]
    }

    fn read(path: &Path) -> Vec<(i16, i16)> {
        let mut reader = hound::WavReader::open(path).expect("a WAV file");
        assert_eq!(reader.spec(), spec());
        let samples: Vec<i16> = reader.samples::<i16>().map(Result::unwrap).collect();
        samples.chunks(2).map(|pair| (pair[0], pair[1])).collect()
    }

    #[test]
    fn r31_r32_left_is_the_customer_right_what_they_heard_and_a_pause_is_silence() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("demo").join("7.wav");
        let mut recorder = Recorder::create(InteractionId(7), &path).unwrap();
        recorder.write(&frame(100), &frame(-200));
        recorder.paused = true;
        recorder.write(&frame(300), &frame(400));
        recorder.paused = false;
        recorder.write(&frame(5), &SILENCE);
        drop(recorder);
        let samples = read(&path);
        assert_eq!(samples.len(), 3 * FRAME_SAMPLES);
        assert_eq!(samples[0], (100, -200));
        assert_eq!(
            samples[FRAME_SAMPLES],
            (0, 0),
            "paused: silence, not the call"
        );
        assert_eq!(samples[2 * FRAME_SAMPLES], (5, 0));
    }

    #[test]
    fn r31_a_file_cut_off_mid_write_is_repaired_to_its_length() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("demo").join("8.wav");
        let mut recorder = Recorder::create(InteractionId(8), &path).unwrap();
        // Two and a half seconds, flushed at one and two seconds, then a "crash": the writer
        // is forgotten, not finished (what it still buffers is lost, as on SIGKILL), and a
        // torn last sample is left at the end.
        for index in 0..125 {
            recorder.write(&frame(index), &frame(-index));
        }
        std::mem::forget(recorder);
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(&[1, 2, 3]).unwrap();
        drop(file);
        let before = read(&path).len();
        assert_eq!(
            before,
            100 * FRAME_SAMPLES,
            "the header says: up to the last flush"
        );
        assert_eq!(repair_recordings(dir.path()).unwrap(), vec![path.clone()]);
        let samples = read(&path);
        assert!(samples.len() >= 100 * FRAME_SAMPLES, "{}", samples.len());
        assert_eq!(samples[99 * FRAME_SAMPLES], (99, -99));
        assert_eq!(
            std::fs::metadata(&path).unwrap().len() % 4,
            0,
            "no torn sample"
        );
        assert_eq!(
            repair_recordings(dir.path()).unwrap(),
            Vec::<PathBuf>::new()
        );
    }
}
