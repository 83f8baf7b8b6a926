//! Relayed calls with SRTP against plain RTP (issue 25): the CPU the media clocks spend per
//! call-second, measured on Sentral's real media driver and loopback sockets.
//!
//! Each call is two legs bridged by [`Media`] (customer and agent). A far-end thread plays
//! both phones of every call: each sends one 20 ms PCMU packet every 20 ms (sealed with its
//! SRTP key in the SRTP run) and reads what comes back (checked and opened in the SRTP run).
//! The CPU is that of the `sentral-media-*` threads alone (`/proc/self/task/*/stat`), so
//! the far ends' own encryption is not counted. Every packet back must open with the far
//! end's key, or the run fails.
//!
//! Run: `cargo bench -p sentral-sip --bench srtp_relay -- [--calls 500] [--seconds 10]`.

use sentral_engine::LegId;
use sentral_media::{FRAME_SAMPLES, G711, RtpHeader};
use sentral_sip::media::{Media, MediaConfig, Remote};
use sentral_sip::srtp::{MasterKey, SrtpKeys, SrtpStream, Suite};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

fn main() {
    let mut calls = 500usize;
    let mut seconds = 10u64;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--calls" => calls = it.next().and_then(|v| v.parse().ok()).expect("--calls N"),
            "--seconds" => seconds = it.next().and_then(|v| v.parse().ok()).expect("--seconds S"),
            // cargo bench passes --bench.
            _ => {}
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    println!("calls={calls} window={seconds}s (after 2 s of warm-up)");
    for srtp in [false, true] {
        let result = runtime.block_on(run(calls, Duration::from_secs(seconds), srtp));
        // A relayed call at full rate: Sentral takes 2 × 50 packets a second and sends as many.
        let expected = 100.0 * calls as f64 * seconds as f64;
        println!(
            "{:<5}  media CPU {:>6.3} ms per call-second ({:>5.2} µs per packet sent; {:>6.3} ms \
             at the full 100 packets per call-second)  packets back {:>5.1}% of full rate, \
             opened {}, failed {}",
            if srtp { "srtp" } else { "plain" },
            result.cpu_ms_per_call_second,
            result.cpu_us_per_packet,
            result.cpu_us_per_packet * 100.0 / 1000.0,
            100.0 * result.window_back as f64 / expected,
            result.opened,
            result.failed
        );
        assert_eq!(
            result.failed, 0,
            "every packet back opens with the far end's key"
        );
        assert!(result.back > 0, "packets come back");
    }
}

struct RunResult {
    cpu_ms_per_call_second: f64,
    /// Media CPU per packet Sentral sent in the window.
    cpu_us_per_packet: f64,
    /// Packets back during the window.
    window_back: u64,
    back: u64,
    opened: u64,
    failed: u64,
}

/// One far end: its socket, the leg's RTP address and its SRTP stream (keys mirrored).
struct FarEnd {
    socket: UdpSocket,
    to: SocketAddr,
    srtp: Option<SrtpStream>,
    seq: u16,
}

async fn run(calls: usize, window: Duration, srtp: bool) -> RunResult {
    let (media, _events) = Media::start(MediaConfig {
        ip: LOOPBACK,
        ports: (30_000, 30_000 + 4 * calls as u16 + 100),
        rtp_timeout: None,
    });
    let mut far_ends = Vec::with_capacity(2 * calls);
    for call in 0..calls as u64 {
        let legs = [LegId(2 * call + 1), LegId(2 * call + 2)];
        for leg in legs {
            let to = media.open(leg).await.expect("a free port");
            let socket = UdpSocket::bind((LOOPBACK, 0)).expect("far-end socket");
            socket.set_nonblocking(true).expect("non-blocking");
            let (mut ours, mut theirs) = ([7u8; 30], [9u8; 30]);
            ours[..8].copy_from_slice(&leg.0.to_be_bytes());
            theirs[..8].copy_from_slice(&leg.0.to_be_bytes());
            let keys = SrtpKeys {
                suite: Suite::AesCm128HmacSha1_80,
                send: MasterKey(ours),
                receive: MasterKey(theirs),
            };
            media.connect_to(
                leg,
                Remote {
                    sdp: socket.local_addr().unwrap(),
                    peer: Some(LOOPBACK),
                    codec: G711::Pcmu,
                    payload_type: 0,
                    telephone_event: None,
                    sending: true,
                    expected: false,
                    srtp: srtp.then_some(keys),
                },
            );
            far_ends.push(FarEnd {
                socket,
                to,
                srtp: srtp.then(|| {
                    SrtpStream::new(SrtpKeys {
                        suite: keys.suite,
                        send: keys.receive,
                        receive: keys.send,
                    })
                }),
                seq: 0,
            });
        }
        media.bridge(legs[0], legs[1]);
    }
    let counted = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let phones = std::thread::spawn({
        let counted = std::sync::Arc::clone(&counted);
        move || drive(far_ends, Duration::from_secs(2) + window, &counted)
    });
    tokio::time::sleep(Duration::from_secs(2)).await;
    let before = media_cpu_ticks();
    let back_before = counted.load(std::sync::atomic::Ordering::Relaxed);
    tokio::time::sleep(window).await;
    let after = media_cpu_ticks();
    let window_back = counted.load(std::sync::atomic::Ordering::Relaxed) - back_before;
    let (back, opened, failed) = phones.join().expect("the far ends");
    let ticks_per_second = 100.0; // USER_HZ on Linux
    let cpu_ms = (after - before) as f64 / ticks_per_second * 1000.0;
    drop(media);
    RunResult {
        cpu_ms_per_call_second: cpu_ms / (calls as f64 * window.as_secs_f64()),
        cpu_us_per_packet: cpu_ms * 1000.0 / window_back.max(1) as f64,
        window_back,
        back,
        opened,
        failed,
    }
}

/// Sends one packet per far end every 20 ms for `length` and reads what comes back.
fn drive(
    mut far_ends: Vec<FarEnd>,
    length: Duration,
    counted: &std::sync::atomic::AtomicU64,
) -> (u64, u64, u64) {
    let start = Instant::now();
    let (mut back, mut opened, mut failed) = (0u64, 0u64, 0u64);
    let mut payload = [0u8; FRAME_SAMPLES];
    G711::Pcmu.encode(&[1000; FRAME_SAMPLES], &mut payload);
    let mut buf = [0u8; 1500];
    let mut tick = 0u32;
    while start.elapsed() < length {
        for far_end in &mut far_ends {
            far_end.seq = far_end.seq.wrapping_add(1);
            let header = RtpHeader {
                payload_type: 0,
                marker: false,
                sequence_number: far_end.seq,
                timestamp: tick * FRAME_SAMPLES as u32,
                ssrc: 0x5EED,
            };
            let mut packet = [0u8; 200];
            let len = header.write(&payload, &mut packet).expect("RTP");
            let _ = match far_end.srtp.as_mut() {
                Some(srtp) => {
                    let sealed = srtp.protect(&packet[..len]).expect("sealed");
                    far_end.socket.send_to(&sealed, far_end.to)
                }
                None => far_end.socket.send_to(&packet[..len], far_end.to),
            };
            while let Ok(len) = far_end.socket.recv(&mut buf) {
                back += 1;
                counted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if let Some(srtp) = far_end.srtp.as_mut() {
                    match srtp.unprotect(&buf[..len]) {
                        Some(_) => opened += 1,
                        None => failed += 1,
                    }
                }
            }
        }
        tick += 1;
        let next = start + Duration::from_millis(20) * tick;
        if let Some(wait) = next.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
    }
    (back, opened, failed)
}

/// User and system CPU ticks of the media clock threads (`sentral-media-*`).
fn media_cpu_ticks() -> u64 {
    let mut total = 0;
    for task in std::fs::read_dir("/proc/self/task").expect("/proc/self/task") {
        let path = task.expect("a task").path();
        let name = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
        if !name.starts_with("sentral-media") {
            continue;
        }
        let stat = std::fs::read_to_string(path.join("stat")).unwrap_or_default();
        // Fields after the command's closing parenthesis: utime is the 14th field, stime 15th.
        let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        let fields: Vec<&str> = after.split_whitespace().collect();
        let utime: u64 = fields.get(11).and_then(|v| v.parse().ok()).unwrap_or(0);
        let stime: u64 = fields.get(12).and_then(|v| v.parse().ok()).unwrap_or(0);
        total += utime + stime;
    }
    total
}
