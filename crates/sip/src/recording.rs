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
//! Crash safety: every [`FLUSH_FRAMES`] frames (200 ms) the file's samples are handed to the
//! operating system and the WAV header's sizes brought up to date, so a killed process loses
//! at most the last fraction of a second (plus what waited in the queue below) and leaves a
//! file that plays to its last flush. [`repair_recordings`] at start-up sets the header's sizes
//! from the file's length, should the process die between a write and its header update.
//!
//! The media clocks never wait for a disk (issue 21): a recorded leg collects [`FLUSH_FRAMES`]
//! frames on its clock and hands them to the recordings writer, one thread
//! (`sentral-recorder`) that owns every open file, through a queue of [`WRITE_QUEUE_LEN`]
//! chunks. When the disk cannot keep up and the queue is full, that chunk is not queued: the
//! writer later writes as many frames of silence in its place (the file keeps the call's
//! timeline), the frames are counted in `sentral_recording_frames_dropped_total` and the
//! recording's first loss is logged. Creating and finishing files happen on the writer too.
//!
//! This module is a child of `media` (it reaches into a call's state); its handle methods are
//! on [`Media`].

use super::{CallState, Media};
use sentral_engine::{InteractionId, LegId};
use sentral_media::{FRAME_SAMPLES, Frame, SAMPLE_RATE_HZ};
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};

/// Frames handed to the writer at once, and between two flushes: 200 ms of audio.
pub const FLUSH_FRAMES: u32 = 10;

/// Chunks of [`FLUSH_FRAMES`] (of all calls together) that may wait for the disk: 16,384, at
/// most 105 MB, or 1.6 s of 2,000 recorded calls.
pub const WRITE_QUEUE_LEN: usize = 16_384;

/// Interleaved samples of one frame: two channels.
const FRAME_VALUES: usize = 2 * FRAME_SAMPLES;

/// Work for the recordings writer, in order per recording.
enum Job {
    /// Create the file.
    Open {
        id: u64,
        interaction: InteractionId,
        path: PathBuf,
    },
    /// Append `gap_frames` frames of silence (chunks the queue had no room for), then the
    /// interleaved samples, and flush.
    Write {
        id: u64,
        gap_frames: u32,
        samples: Vec<i16>,
    },
    /// Like `Write`, then finish the file.
    Finish {
        id: u64,
        gap_frames: u32,
        samples: Vec<i16>,
    },
    /// Answers once everything queued before it is done (tests).
    #[cfg(test)]
    Settle(SyncSender<()>),
}

/// The queue to the recordings writer, which starts with the first recording.
fn writer() -> &'static SyncSender<Job> {
    static WRITER: OnceLock<SyncSender<Job>> = OnceLock::new();
    WRITER.get_or_init(|| {
        let (jobs, received) = sync_channel(WRITE_QUEUE_LEN);
        std::thread::Builder::new()
            .name("sentral-recorder".into())
            .spawn(move || write_files(received))
            .expect("the recordings writer thread starts");
        jobs
    })
}

/// A recording's id for the writer, unique in the process.
fn next_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// A recording being made, attached to the customer's leg (the clock's side).
pub(super) struct Recorder {
    /// The interaction recorded.
    interaction: InteractionId,
    /// Its id for the writer.
    id: u64,
    /// Paused: silence is recorded instead of the call.
    paused: bool,
    /// This chunk's interleaved samples.
    samples: Vec<i16>,
    /// Frames the queue had no room for since the last queued chunk.
    gap_frames: u32,
    /// Frames lost to a full queue over the whole recording (logged once, at the first).
    n_dropped: u64,
    /// Finished (or the writer is gone): nothing more is queued.
    finished: bool,
    /// The writer's queue.
    jobs: SyncSender<Job>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("interaction", &self.interaction)
            .field("paused", &self.paused)
            .field("n_dropped", &self.n_dropped)
            .finish_non_exhaustive()
    }
}

impl Recorder {
    /// Asks the writer to create the file (and its directory); `None` when the queue is full.
    fn create(interaction: InteractionId, path: &Path) -> Option<Recorder> {
        Recorder::create_with(writer().clone(), interaction, path)
    }

    /// [`Recorder::create`] through the queue `jobs`.
    fn create_with(
        jobs: SyncSender<Job>,
        interaction: InteractionId,
        path: &Path,
    ) -> Option<Recorder> {
        let id = next_id();
        let open = Job::Open {
            id,
            interaction,
            path: path.to_owned(),
        };
        if let Err(error) = jobs.try_send(open) {
            let why = match error {
                TrySendError::Full(_) => "the disk cannot keep up (the writer's queue is full)",
                TrySendError::Disconnected(_) => "the recordings writer stopped",
            };
            tracing::error!(%interaction, path = %path.display(), why,
                "recording: cannot start; the call is not recorded");
            return None;
        }
        Some(Recorder {
            interaction,
            id,
            paused: false,
            samples: Vec::with_capacity(FLUSH_FRAMES as usize * FRAME_VALUES),
            gap_frames: 0,
            n_dropped: 0,
            finished: false,
            jobs,
        })
    }

    /// Adds one tick: the customer's frame left, what the customer heard right; every
    /// [`FLUSH_FRAMES`] go to the writer.
    fn write(&mut self, customer: &Frame, heard: &Frame) {
        if self.finished {
            return;
        }
        for index in 0..FRAME_SAMPLES {
            if self.paused {
                self.samples.extend_from_slice(&[0, 0]);
            } else {
                self.samples
                    .extend_from_slice(&[customer[index], heard[index]]);
            }
        }
        if self.samples.len() < FLUSH_FRAMES as usize * FRAME_VALUES {
            return;
        }
        let samples = std::mem::replace(
            &mut self.samples,
            Vec::with_capacity(FLUSH_FRAMES as usize * FRAME_VALUES),
        );
        let n_frames = (samples.len() / FRAME_VALUES) as u32;
        let job = Job::Write {
            id: self.id,
            gap_frames: self.gap_frames,
            samples,
        };
        match self.jobs.try_send(job) {
            Ok(()) => self.gap_frames = 0,
            Err(TrySendError::Full(_)) => {
                self.gap_frames += n_frames;
                if self.n_dropped == 0 {
                    tracing::warn!(interaction = %self.interaction,
                        "recording: the disk cannot keep up; 200 ms of the call are written as silence (sentral_recording_frames_dropped_total counts every frame)");
                }
                self.n_dropped += u64::from(n_frames);
                metrics::counter!("sentral_recording_frames_dropped_total")
                    .increment(u64::from(n_frames));
            }
            Err(TrySendError::Disconnected(_)) => {
                tracing::error!(interaction = %self.interaction,
                    "recording: the recordings writer stopped; the recording stops here");
                self.finished = true;
            }
        }
    }

    /// Finishes the file: what is left of this chunk, then the header's final sizes.
    fn finish(&mut self) {
        if std::mem::replace(&mut self.finished, true) {
            return;
        }
        let job = Job::Finish {
            id: self.id,
            gap_frames: self.gap_frames,
            samples: std::mem::take(&mut self.samples),
        };
        if self.n_dropped > 0 {
            tracing::warn!(interaction = %self.interaction, frames = self.n_dropped,
                "recording: finished with frames written as silence because the disk could not keep up");
        }
        match self.jobs.try_send(job) {
            Ok(()) | Err(TrySendError::Disconnected(_)) => {}
            // The last word on a file must not be lost, and a clock must not wait: a helper
            // thread waits for room instead (only while the disk is behind).
            Err(TrySendError::Full(job)) => {
                let jobs = self.jobs.clone();
                let _ = std::thread::Builder::new()
                    .name("sentral-recorder-finish".into())
                    .spawn(move || jobs.send(job));
            }
        }
    }
}

impl Drop for Recorder {
    /// The leg closed before `StopRecording` came: the file is finished all the same.
    fn drop(&mut self) {
        self.finish();
    }
}

/// One file the writer has open.
struct OpenFile {
    interaction: InteractionId,
    path: PathBuf,
    wav: hound::WavWriter<BufWriter<File>>,
}

/// The recordings writer's loop: runs until the process ends.
fn write_files(jobs: Receiver<Job>) {
    let mut files: HashMap<u64, OpenFile> = HashMap::new();
    while let Ok(job) = jobs.recv() {
        write_file(&mut files, job);
    }
}

/// Does one job on the open `files`.
fn write_file(files: &mut HashMap<u64, OpenFile>, job: Job) {
    match job {
        Job::Open {
            id,
            interaction,
            path,
        } => match create(&path) {
            Ok(wav) => {
                files.insert(
                    id,
                    OpenFile {
                        interaction,
                        path,
                        wav,
                    },
                );
            }
            Err(error) => tracing::error!(%interaction, path = %path.display(), %error,
                "recording: cannot create the file; the call is not recorded"),
        },
        Job::Write {
            id,
            gap_frames,
            samples,
        } => {
            let Some(file) = files.get_mut(&id) else {
                return;
            };
            if let Err(error) =
                append(&mut file.wav, gap_frames, &samples).and_then(|()| file.wav.flush())
            {
                tracing::error!(interaction = %file.interaction, path = %file.path.display(),
                    %error, "recording: cannot write; the recording stops here");
                files.remove(&id);
            }
        }
        Job::Finish {
            id,
            gap_frames,
            samples,
        } => {
            let Some(mut file) = files.remove(&id) else {
                return;
            };
            if let Err(error) =
                append(&mut file.wav, gap_frames, &samples).and_then(|()| file.wav.finalize())
            {
                tracing::error!(interaction = %file.interaction, path = %file.path.display(),
                    %error, "recording: cannot finish the file");
            }
        }
        #[cfg(test)]
        Job::Settle(done) => {
            let _ = done.send(());
        }
    }
}

/// Creates a file (and its directory) with a header for no samples yet.
fn create(path: &Path) -> Result<hound::WavWriter<BufWriter<File>>, hound::Error> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    hound::WavWriter::create(path, spec())
}

/// Appends `gap_frames` frames of silence, then `samples`.
fn append(
    wav: &mut hound::WavWriter<BufWriter<File>>,
    gap_frames: u32,
    samples: &[i16],
) -> Result<(), hound::Error> {
    for _ in 0..gap_frames as usize * FRAME_VALUES {
        wav.write_sample(0i16)?;
    }
    for &sample in samples {
        wav.write_sample(sample)?;
    }
    Ok(())
}

impl Media {
    /// Starts recording `interaction` from the customer's `leg` into a new WAV file at `path`.
    /// A file that cannot be created is logged by the writer and the call goes on unrecorded.
    pub fn start_recording(&self, interaction: InteractionId, leg: LegId, path: &Path) {
        let mut registry = self.shared.registry();
        let Some(call) = registry.call_of(leg, "start recording") else {
            return;
        };
        let mut state = call.lock();
        let Some(media) = state.leg_mut(leg) else {
            return;
        };
        let Some(recorder) = Recorder::create(interaction, path) else {
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

    /// Waits until the writer has done everything queued before now.
    fn settle() {
        let (done, wait) = std::sync::mpsc::sync_channel(1);
        writer().send(Job::Settle(done)).unwrap();
        wait.recv().unwrap();
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
        settle();
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
        // Two and a half seconds (125 frames, flushed every 10), then a "crash": the recorder
        // is forgotten, not finished (what it still holds is lost, as on SIGKILL), and a torn
        // last sample is left at the end.
        for index in 0..125 {
            recorder.write(&frame(index), &frame(-index));
        }
        std::mem::forget(recorder);
        settle();
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(&[1, 2, 3]).unwrap();
        drop(file);
        let before = read(&path).len();
        assert_eq!(
            before,
            120 * FRAME_SAMPLES,
            "the header says: up to the last flush"
        );
        assert_eq!(repair_recordings(dir.path()).unwrap(), vec![path.clone()]);
        let samples = read(&path);
        assert_eq!(samples.len(), 120 * FRAME_SAMPLES);
        assert_eq!(samples[119 * FRAME_SAMPLES], (119, -119));
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

    /// Issue 21: a clock never waits for the disk. With the writer's queue full, a chunk is
    /// not queued and counted; the next chunk that is queued carries the gap, which the writer
    /// fills with silence, so the file keeps the call's timeline.
    #[test]
    fn issue21_a_full_queue_costs_the_clock_nothing_and_the_file_keeps_its_timeline() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("demo").join("9.wav");
        let (jobs, queued) = sync_channel(2);
        let mut recorder = Recorder::create_with(jobs, InteractionId(9), &path).unwrap();
        let chunk = FLUSH_FRAMES as i16;
        // The Open and the first chunk fill the queue; the second chunk finds no room.
        for index in 0..2 * chunk {
            recorder.write(&frame(index), &frame(-index));
        }
        assert_eq!(recorder.gap_frames, FLUSH_FRAMES);
        assert_eq!(recorder.n_dropped, u64::from(FLUSH_FRAMES));
        // The disk catches up: the writer takes what is queued, then the third chunk and the
        // end of the recording.
        let mut files = HashMap::new();
        for job in queued.try_iter() {
            write_file(&mut files, job);
        }
        for index in 2 * chunk..3 * chunk {
            recorder.write(&frame(index), &frame(-index));
        }
        drop(recorder);
        for job in queued.try_iter() {
            write_file(&mut files, job);
        }
        assert!(files.is_empty(), "the file is finished");
        let samples = read(&path);
        assert_eq!(samples.len(), 3 * FLUSH_FRAMES as usize * FRAME_SAMPLES);
        let at = |frame: i16| samples[frame as usize * FRAME_SAMPLES];
        assert_eq!(at(chunk - 1), (chunk - 1, -(chunk - 1)));
        assert_eq!(at(chunk), (0, 0), "the lost chunk is silence in its place");
        assert_eq!(at(2 * chunk - 1), (0, 0));
        assert_eq!(
            at(2 * chunk),
            (2 * chunk, -2 * chunk),
            "then the call goes on in time"
        );
    }
}
