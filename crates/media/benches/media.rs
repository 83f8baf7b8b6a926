//! The media path's cost per 20 ms frame: G.711 encode and decode, RTP in and out, and one
//! tick of a three-party conference.
//!
//! A call's media tick, per leg, is: receive one packet (parse, classify), decode 160 codes,
//! mix, encode 160 samples, write one packet. These benchmarks time each step on one frame, so
//! the cost of a call (and how many calls a core carries in real time) follows by addition.
//! The allocation profiler shows that none of them allocates.
//!
//! Run: `cargo bench -p sentral-media --bench media`.

use divan::{AllocProfiler, Bencher, black_box};
use sentral_media::{
    CallMixer, FRAME_SAMPLES, Frame, G711, MusicOnHold, Received, RtpSession, RtpSessionConfig,
    SILENCE,
};

#[global_allocator]
static ALLOC: AllocProfiler = AllocProfiler::system();

fn main() {
    divan::main();
}

/// A frame of speech-like audio: a few summed tones at a speaking level, so every G.711
/// segment is exercised.
fn speech_like(seed: usize) -> Frame {
    let mut frame = SILENCE;
    for (n, sample) in frame.iter_mut().enumerate() {
        let t = (n + seed * FRAME_SAMPLES) as f64 / 8_000.0;
        let value = 6_000.0 * (2.0 * std::f64::consts::PI * 310.0 * t).sin()
            + 3_000.0 * (2.0 * std::f64::consts::PI * 1_270.0 * t).sin()
            + 900.0 * (2.0 * std::f64::consts::PI * 2_930.0 * t).sin();
        *sample = value as i16;
    }
    frame
}

#[divan::bench(args = [G711::Pcmu, G711::Pcma])]
fn encode_frame(bencher: Bencher, codec: G711) {
    let frame = speech_like(0);
    let mut payload = [0u8; FRAME_SAMPLES];
    bencher.bench_local(|| {
        codec.encode(black_box(&frame), &mut payload);
        black_box(&payload);
    });
}

#[divan::bench(args = [G711::Pcmu, G711::Pcma])]
fn decode_frame(bencher: Bencher, codec: G711) {
    let mut payload = [0u8; FRAME_SAMPLES];
    codec.encode(&speech_like(0), &mut payload);
    let mut frame = SILENCE;
    bencher.bench_local(|| {
        codec.decode(black_box(&payload), &mut frame);
        black_box(&frame);
    });
}

#[divan::bench]
fn transcode_frame_ulaw_to_alaw(bencher: Bencher) {
    let mut payload = [0u8; FRAME_SAMPLES];
    G711::Pcmu.encode(&speech_like(0), &mut payload);
    bencher.bench_local(|| {
        let mut copy = black_box(payload);
        G711::Pcmu.transcode(G711::Pcma, &mut copy);
        black_box(&copy);
    });
}

/// Our stream: encode a frame into a packet. Their stream: classify a packet.
#[divan::bench]
fn rtp_write_frame_and_receive_packet(bencher: Bencher) {
    let config = RtpSessionConfig {
        ssrc: 1,
        first_sequence_number: 0,
        first_timestamp: 0,
    };
    let mut ours = RtpSession::new(config);
    let mut theirs = RtpSession::new(config);
    let frame = speech_like(0);
    let mut buf = [0u8; 1_500];
    bencher.bench_local(|| {
        let len = ours
            .write_frame(G711::Pcmu, black_box(&frame), &mut buf)
            .unwrap();
        black_box(theirs.receive(black_box(&buf[..len])));
    });
}

/// One tick of a customer, an agent and a consulted agent in conference: each leg's frame
/// is queued, every leg's output computed (each hears the sum of the other two).
#[divan::bench]
fn conference_tick_3_parties(bencher: Bencher) {
    let mut mixer = CallMixer::new();
    let legs = [(); 3].map(|()| mixer.add_leg().unwrap());
    mixer.conference(&legs).unwrap();
    let frames = [speech_like(0), speech_like(1), speech_like(2)];
    let music = SILENCE;
    bencher.bench_local(|| {
        for (leg, frame) in legs.iter().zip(&frames) {
            mixer.push_frame(*leg, black_box(frame)).unwrap();
        }
        mixer.tick(&music);
        for leg in legs {
            black_box(mixer.output(leg).unwrap());
        }
    });
}

/// Sentral's whole media work for one tick of a three-party conference: three packets in
/// (parse, classify, decode), the mix, three packets out (encode, write). The incoming packets
/// are encoded once beforehand; each iteration only moves their sequence numbers on.
#[divan::bench]
fn conference_tick_3_parties_with_rtp(bencher: Bencher) {
    let mut mixer = CallMixer::new();
    let legs = [(); 3].map(|()| mixer.add_leg().unwrap());
    mixer.conference(&legs).unwrap();
    let config = |ssrc| RtpSessionConfig {
        ssrc,
        first_sequence_number: 0,
        first_timestamp: 0,
    };
    let mut sessions = [1, 2, 3].map(|ssrc| RtpSession::new(config(ssrc)));
    let mut incoming = [[0u8; 172]; 3];
    for (index, datagram) in incoming.iter_mut().enumerate() {
        let mut phone = RtpSession::new(config(10 + index as u32));
        phone
            .write_frame(G711::Pcmu, &speech_like(index), datagram)
            .unwrap();
    }
    let mut outgoing = [0u8; 1_500];
    let mut sequence_number = 0u16;
    bencher.bench_local(|| {
        sequence_number = sequence_number.wrapping_add(1);
        for ((session, leg), datagram) in sessions.iter_mut().zip(legs).zip(&mut incoming) {
            datagram[2..4].copy_from_slice(&sequence_number.to_be_bytes());
            if let Received::Packet { payload, .. } = session.receive(black_box(datagram)) {
                mixer.push_encoded(leg, G711::Pcmu, payload).unwrap();
            }
        }
        mixer.tick(&SILENCE);
        for (session, leg) in sessions.iter_mut().zip(legs) {
            let frame = mixer.output(leg).unwrap();
            black_box(
                session
                    .write_frame(G711::Pcmu, frame, &mut outgoing)
                    .unwrap(),
            );
        }
    });
}

#[divan::bench]
fn music_on_hold_frame(bencher: Bencher) {
    let mut music = MusicOnHold::new();
    let mut frame = SILENCE;
    bencher.bench_local(|| {
        music.next_frame(&mut frame);
        black_box(&frame);
    });
}
