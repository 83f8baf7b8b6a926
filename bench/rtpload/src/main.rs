//! `rtpload`: G.711 RTP load for `bench/media-calls`, fast enough for thousands of calls on
//! one core, where the earlier Python generator fell behind its 20 ms tick near 1,000 calls.
//!
//! Two modes, both on one UDP socket and IPv4 only (the benchmarks stay on 127.0.0.1):
//!
//! - `rtpload echo --bind ADDR`: the agents' phones' media. Every datagram goes back to where it
//!   came from, unchanged (`recvmmsg` then `sendmmsg` of the same buffers). Runs until killed.
//! - `rtpload gen --bind ADDR --peers FILE --window SECS [--warmup SECS] [--tail SECS]`: the
//!   customers. Line `i` of FILE (`ip:port`, empty lines skipped) is call `i`. Every 20 ms the
//!   generator sends each call one 172-byte RTP packet (12-byte header, payload type 0 = PCMU,
//!   160 bytes of µ-law) from the one bound socket, and receives on the same socket: symmetric
//!   RTP (Sentral, rtpengine) latches on the source of the first packet, so sending and
//!   receiving must share the socket. It prints one JSON object on stdout (see [`Report`]).
//!
//! # How the generator measures
//!
//! Sending is paced by an absolute clock: tick `k`, slot `s` is due at `start + k·20 ms +
//! s·(20 ms / SLOTS)`, where the calls are spread over `SLOTS` slots of the 20 ms so that the
//! relay sees a steady stream rather than one burst per tick. Sleeping never accumulates drift.
//! A tick whose last slot went out more than 20 ms after it was due counts as *late*: then the
//! generator, not the system under test, is the limit.
//!
//! Every payload carries a marker: bytes `5a 5a`, then the call index and the tick number as
//! three 5-bit digits each (`0x40 | digit`). These µ-law codes survive G.711 decoding and
//! re-encoding unchanged (only `0x7f`/`0xff`, the two zeros, do not), as does the filler `0xf0`,
//! so the marker comes back through a relay that decodes and re-encodes, and through the echo.
//!
//! A received packet belongs to a call by, in this order: its marker; its SSRC if it is one of
//! the generator's own (a relay that forwards headers unchanged); its source address if only one
//! call has that peer address (a relay that rewrites the payload, e.g. with noise removal, still
//! sends each call from its own port). With every call pointing at one echo, the marker or the
//! SSRC keeps them apart.
//!
//! Arrival times are the kernel's receive timestamps (`SO_TIMESTAMPNS`, `CLOCK_REALTIME`), so
//! when the receiving thread runs late that is not counted as jitter. The socket's buffers are
//! forced to 32 MB (`SO_RCVBUFFORCE`, falling back to `SO_RCVBUF`), and the kernel's count of
//! datagrams the socket itself dropped (`SO_RXQ_OVFL`) is reported, so losses in the generator
//! are told apart from losses in the relay.
//!
//! Over the window (after the warm-up, which lets the relay latch and settle) per call:
//! - loss: RTP sequence gaps of the stream that comes back (the relay's own sequence numbers;
//!   a change of SSRC starts a new run of numbers);
//! - frame loss: the same against the 20 ms frames the RTP timestamps span, which also counts
//!   frames a relay skipped by moving its timestamp on without sending (Sentral does that for a
//!   tick that comes too late);
//! - jitter: RFC 3550 interarrival jitter, `J += (|D| - J) / 16`, with `D` the difference of
//!   arrival-time spacing (kernel timestamps, in 8 kHz units) and RTP-timestamp spacing;
//! - round trip: the share of the markers sent in the window (all but its last 10 ticks) that came
//!   back before the generator stops (`--tail` after the window);
//! - silent calls: calls of which nothing came back in the window.

use std::collections::HashMap;
use std::io;
use std::mem::{size_of, zeroed};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, UdpSocket};
use std::os::fd::{AsRawFd, RawFd};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// One packet every 20 ms (PCMU, 8 kHz: 160 samples).
const PTIME: Duration = Duration::from_millis(20);
/// RTP timestamp units per packet.
const SAMPLES: u32 = 160;
/// 12-byte RTP header and 160 bytes of µ-law.
const PACKET: usize = 172;
/// The 20 ms are split into this many send slots.
const SLOTS: usize = 20;
/// Datagrams per `recvmmsg` / `sendmmsg` call (the kernel caps a call at 1024).
const BATCH: usize = 256;
/// Receive buffer per datagram.
const BUF: usize = 2048;
/// Control-message buffer per datagram (timestamp and drop counter), in 8-byte words.
const CTRL_WORDS: usize = 16;
/// Socket buffers asked for.
const SOCKET_BUFFER: libc::c_int = 32 << 20;
/// Markers of the last ticks of the window are not expected back (still in flight).
const MARKER_GRACE_TICKS: u64 = 10;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("echo") => Options::parse(&args[1..]).and_then(|o| echo(&o)),
        Some("gen") => Options::parse(&args[1..]).and_then(|o| generate(&o)),
        _ => Err(io::Error::other(
            "usage: rtpload echo --bind ADDR | rtpload gen --bind ADDR --peers FILE --window SECS \
             [--warmup SECS] [--tail SECS]",
        )),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("rtpload: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Command-line options of both modes.
struct Options {
    bind: SocketAddrV4,
    peers: Option<String>,
    window: Duration,
    warmup: Duration,
    tail: Duration,
}

impl Options {
    fn parse(args: &[String]) -> io::Result<Self> {
        let mut options = Options {
            bind: SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0),
            peers: None,
            window: Duration::from_secs(10),
            warmup: Duration::from_secs(1),
            tail: Duration::from_millis(300),
        };
        let mut it = args.iter();
        while let Some(flag) = it.next() {
            let value = it
                .next()
                .ok_or_else(|| io::Error::other(format!("{flag} needs a value")))?;
            let seconds = || -> io::Result<Duration> {
                value
                    .parse::<f64>()
                    .ok()
                    .filter(|s| s.is_finite() && *s >= 0.0)
                    .map(Duration::from_secs_f64)
                    .ok_or_else(|| io::Error::other(format!("{flag}: not seconds: {value}")))
            };
            match flag.as_str() {
                "--bind" => options.bind = parse_addr(value)?,
                "--peers" => options.peers = Some(value.clone()),
                "--window" => options.window = seconds()?,
                "--warmup" => options.warmup = seconds()?,
                "--tail" => options.tail = seconds()?,
                _ => return Err(io::Error::other(format!("unknown option {flag}"))),
            }
        }
        Ok(options)
    }
}

fn parse_addr(text: &str) -> io::Result<SocketAddrV4> {
    match text.trim().parse::<SocketAddr>() {
        Ok(SocketAddr::V4(addr)) => Ok(addr),
        _ => Err(io::Error::other(format!("not an IPv4 ip:port: {text:?}"))),
    }
}

// ---------------------------------------------------------------------------------------------
// System calls

fn check(rc: libc::c_int) -> io::Result<libc::c_int> {
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(rc)
    }
}

fn set_option(
    fd: RawFd,
    level: libc::c_int,
    name: libc::c_int,
    value: libc::c_int,
) -> io::Result<()> {
    // SAFETY: `value` outlives the call and the length given is its size.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (&raw const value).cast(),
            size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    check(rc).map(drop)
}

fn get_option(fd: RawFd, level: libc::c_int, name: libc::c_int) -> io::Result<libc::c_int> {
    let mut value: libc::c_int = 0;
    let mut len = size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `value` and `len` are valid for writes and `len` is the size of `value`.
    let rc = unsafe { libc::getsockopt(fd, level, name, (&raw mut value).cast(), &raw mut len) };
    check(rc).map(|_| value)
}

/// Binds the socket with big buffers (forced past `rmem_max` when the process may) and
/// returns it with the receive and send buffer sizes the kernel granted.
fn bind(addr: SocketAddrV4) -> io::Result<(UdpSocket, i32, i32)> {
    let socket = UdpSocket::bind(addr)?;
    let fd = socket.as_raw_fd();
    for (force, plain) in [
        (libc::SO_RCVBUFFORCE, libc::SO_RCVBUF),
        (libc::SO_SNDBUFFORCE, libc::SO_SNDBUF),
    ] {
        if set_option(fd, libc::SOL_SOCKET, force, SOCKET_BUFFER).is_err() {
            set_option(fd, libc::SOL_SOCKET, plain, SOCKET_BUFFER)?;
        }
    }
    let rcvbuf = get_option(fd, libc::SOL_SOCKET, libc::SO_RCVBUF)?;
    let sndbuf = get_option(fd, libc::SOL_SOCKET, libc::SO_SNDBUF)?;
    Ok((socket, rcvbuf, sndbuf))
}

fn zeroed_sockaddr() -> libc::sockaddr_in {
    // SAFETY: sockaddr_in is plain data (integers only); all-zero is a valid value.
    unsafe { zeroed() }
}

fn zeroed_iovec() -> libc::iovec {
    // SAFETY: iovec is plain data; all-zero (a null pointer, length 0) is a valid value.
    unsafe { zeroed() }
}

fn zeroed_mmsghdr() -> libc::mmsghdr {
    // SAFETY: mmsghdr is plain data; all-zero (null pointers, lengths 0) is a valid value.
    unsafe { zeroed() }
}

fn to_sockaddr(addr: SocketAddrV4) -> libc::sockaddr_in {
    let mut raw = zeroed_sockaddr();
    raw.sin_family = libc::AF_INET as libc::sa_family_t;
    raw.sin_port = addr.port().to_be();
    raw.sin_addr.s_addr = u32::from(*addr.ip()).to_be();
    raw
}

fn from_sockaddr(raw: &libc::sockaddr_in) -> SocketAddrV4 {
    SocketAddrV4::new(
        Ipv4Addr::from(u32::from_be(raw.sin_addr.s_addr)),
        u16::from_be(raw.sin_port),
    )
}

/// Buffers for `recvmmsg` of up to [`BATCH`] datagrams with their source addresses and control
/// messages. The headers point into the boxed slices, which never move once built.
struct RecvBatch {
    bufs: Box<[[u8; BUF]]>,
    addrs: Box<[libc::sockaddr_in]>,
    ctrl: Box<[[u64; CTRL_WORDS]]>,
    iovs: Box<[libc::iovec]>,
    msgs: Box<[libc::mmsghdr]>,
    with_control: bool,
}

/// One received datagram's metadata.
struct Received {
    len: usize,
    from: SocketAddrV4,
    /// Kernel receive time, nanoseconds since the Unix epoch (0 if none came).
    arrival_ns: i64,
    /// The socket's drop counter (`SO_RXQ_OVFL`) when this datagram was queued, if given.
    drops: Option<u32>,
}

impl RecvBatch {
    fn new(with_control: bool) -> Self {
        let mut batch = RecvBatch {
            bufs: vec![[0u8; BUF]; BATCH].into_boxed_slice(),
            addrs: vec![zeroed_sockaddr(); BATCH].into_boxed_slice(),
            ctrl: vec![[0u64; CTRL_WORDS]; BATCH].into_boxed_slice(),
            iovs: vec![zeroed_iovec(); BATCH].into_boxed_slice(),
            msgs: vec![zeroed_mmsghdr(); BATCH].into_boxed_slice(),
            with_control,
        };
        batch.reset(BATCH);
        batch
    }

    /// Points the headers at the buffers and restores the lengths the kernel overwrote on
    /// the last call.
    fn reset(&mut self, n: usize) {
        for i in 0..n {
            self.iovs[i].iov_base = self.bufs[i].as_mut_ptr().cast();
            self.iovs[i].iov_len = BUF;
            let hdr = &mut self.msgs[i].msg_hdr;
            hdr.msg_name = (&raw mut self.addrs[i]).cast();
            hdr.msg_iov = &raw mut self.iovs[i];
            hdr.msg_iovlen = 1;
            hdr.msg_control = self.ctrl[i].as_mut_ptr().cast();
            hdr.msg_namelen = size_of::<libc::sockaddr_in>() as libc::socklen_t;
            hdr.msg_controllen = if self.with_control {
                CTRL_WORDS * size_of::<u64>()
            } else {
                0
            };
            hdr.msg_flags = 0;
            self.msgs[i].msg_len = 0;
        }
    }

    /// Blocks until at least one datagram is there (or the socket's receive timeout passes:
    /// then `Ok(0)`), takes up to [`BATCH`].
    fn receive(&mut self, fd: RawFd) -> io::Result<usize> {
        self.reset(BATCH);
        // SAFETY: the headers point at buffers owned by `self` with the lengths just set;
        // the timeout pointer may be null.
        let rc = unsafe {
            libc::recvmmsg(
                fd,
                self.msgs.as_mut_ptr(),
                BATCH as libc::c_uint,
                libc::MSG_WAITFORONE,
                std::ptr::null_mut(),
            )
        };
        match check(rc) {
            Ok(n) => Ok(n as usize),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
                ) =>
            {
                Ok(0)
            }
            Err(e) => Err(e),
        }
    }

    fn datagram(&self, i: usize) -> &[u8] {
        &self.bufs[i][..self.msgs[i].msg_len as usize]
    }

    fn metadata(&self, i: usize) -> Received {
        let hdr = &self.msgs[i].msg_hdr;
        let mut received = Received {
            len: self.msgs[i].msg_len as usize,
            from: from_sockaddr(&self.addrs[i]),
            arrival_ns: 0,
            drops: None,
        };
        // SAFETY: `hdr` is the header recvmmsg filled in; its control buffer and length are
        // the kernel's, and the CMSG_* macros stay within them. Data are read unaligned.
        unsafe {
            let mut cmsg = libc::CMSG_FIRSTHDR(hdr);
            while !cmsg.is_null() {
                let c = &*cmsg;
                if c.cmsg_level == libc::SOL_SOCKET && c.cmsg_type == libc::SCM_TIMESTAMPNS {
                    let ts: libc::timespec = std::ptr::read_unaligned(libc::CMSG_DATA(cmsg).cast());
                    received.arrival_ns = ts.tv_sec * 1_000_000_000 + ts.tv_nsec;
                } else if c.cmsg_level == libc::SOL_SOCKET && c.cmsg_type == libc::SO_RXQ_OVFL {
                    received.drops = Some(std::ptr::read_unaligned(libc::CMSG_DATA(cmsg).cast()));
                }
                cmsg = libc::CMSG_NXTHDR(hdr, cmsg);
            }
        }
        received
    }
}

/// `sendmmsg` of `msgs`, all of them: partial sends are resumed; a datagram the kernel refuses
/// is skipped and counted. Returns how many failed.
fn send_all(fd: RawFd, msgs: &mut [libc::mmsghdr]) -> u64 {
    let mut errors = 0;
    let mut at = 0;
    while at < msgs.len() {
        let n = (msgs.len() - at).min(1024);
        // SAFETY: every header points at a live buffer and address owned by the caller.
        let rc = unsafe { libc::sendmmsg(fd, msgs[at..].as_mut_ptr(), n as libc::c_uint, 0) };
        match check(rc) {
            Ok(sent) => at += (sent as usize).max(1).min(n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => {
                errors += 1;
                at += 1;
            }
        }
    }
    errors
}

// ---------------------------------------------------------------------------------------------
// Echo

fn echo(options: &Options) -> io::Result<()> {
    let (socket, rcvbuf, sndbuf) = bind(options.bind)?;
    eprintln!(
        "rtpload echo on {} (SO_RCVBUF {rcvbuf}, SO_SNDBUF {sndbuf})",
        socket.local_addr()?
    );
    let fd = socket.as_raw_fd();
    let mut batch = RecvBatch::new(false);
    loop {
        let n = batch.receive(fd)?;
        for i in 0..n {
            // Send back exactly what came, to the address it came from.
            batch.iovs[i].iov_len = batch.msgs[i].msg_len as usize;
            batch.msgs[i].msg_hdr.msg_controllen = 0;
        }
        send_all(fd, &mut batch.msgs[..n]);
    }
}

// ---------------------------------------------------------------------------------------------
// Generator

/// A small deterministic mixer (splitmix64) for SSRCs and first sequence numbers.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Writes a 15-bit value as three µ-law codes 0x40–0x5f.
fn put_digits(out: &mut [u8], value: u64) {
    out[0] = 0x40 | ((value >> 10) & 31) as u8;
    out[1] = 0x40 | ((value >> 5) & 31) as u8;
    out[2] = 0x40 | (value & 31) as u8;
}

fn get_digits(bytes: &[u8]) -> Option<u64> {
    let mut value = 0;
    for &b in bytes {
        if b & 0xe0 != 0x40 {
            return None;
        }
        value = value << 5 | u64::from(b & 31);
    }
    Some(value)
}

/// The call index and tick (both modulo 2^15) of a payload's marker.
fn marker(packet: &[u8]) -> Option<(u64, u64)> {
    if packet.len() < 20 || packet[12] != 0x5a || packet[13] != 0x5a {
        return None;
    }
    Some((get_digits(&packet[14..17])?, get_digits(&packet[17..20])?))
}

/// Receive statistics of one call over the window.
#[derive(Default)]
struct CallStats {
    received: u64,
    /// Packets expected in earlier SSRC runs.
    expected_before: u64,
    ssrc: Option<u32>,
    seq_first: i64,
    seq_max: i64,
    /// 20 ms frames the RTP timestamps span in earlier SSRC runs.
    frames_before: u64,
    ts_first: i64,
    ts_max: i64,
    jitter: f64,
    prev: Option<(i64, u32)>,
    ssrc_changes: u64,
    /// Window ticks whose marker came back, one bit each.
    back: Vec<u64>,
}

impl CallStats {
    fn expected(&self) -> u64 {
        self.expected_before
            + if self.ssrc.is_some() {
                (self.seq_max - self.seq_first + 1) as u64
            } else {
                0
            }
    }

    /// 20 ms frames spanned by the RTP timestamps received: a relay that skips a frame
    /// (moves its timestamp on without a packet) shows here, not in the sequence numbers.
    fn frames(&self) -> u64 {
        self.frames_before
            + if self.ssrc.is_some() {
                ((self.ts_max - self.ts_first) / i64::from(SAMPLES) + 1) as u64
            } else {
                0
            }
    }

    fn record(&mut self, packet: &[u8], arrival_ns: i64) {
        let seq = i64::from(u16::from_be_bytes([packet[2], packet[3]]));
        let ts = u32::from_be_bytes([packet[4], packet[5], packet[6], packet[7]]);
        let ssrc = u32::from_be_bytes([packet[8], packet[9], packet[10], packet[11]]);
        self.received += 1;
        if self.ssrc != Some(ssrc) {
            if self.ssrc.is_some() {
                self.expected_before = self.expected();
                self.frames_before = self.frames();
                self.ssrc_changes += 1;
            }
            self.ssrc = Some(ssrc);
            self.seq_first = seq;
            self.seq_max = seq;
            self.ts_first = i64::from(ts);
            self.ts_max = i64::from(ts);
            self.prev = None;
        } else {
            let ext = self.seq_max + ((seq - self.seq_max + 32768).rem_euclid(65536) - 32768);
            self.seq_max = self.seq_max.max(ext);
            // Relative to the highest timestamp so far, as a signed 32-bit difference.
            let step = i64::from(ts.wrapping_sub(self.ts_max as u32) as i32);
            self.ts_max = self.ts_max.max(self.ts_max + step);
        }
        if let Some((prev_ns, prev_ts)) = self.prev {
            let d = (arrival_ns - prev_ns) as f64 * 8000.0 / 1e9
                - f64::from(ts.wrapping_sub(prev_ts) as i32);
            self.jitter += (d.abs() - self.jitter) / 16.0;
        }
        self.prev = Some((arrival_ns, ts));
    }
}

/// What `rtpload gen` prints, one JSON object.
struct Report {
    calls: usize,
    window_s: f64,
    sent: u64,
    received: u64,
    expected: u64,
    loss: f64,
    frames: u64,
    frame_loss: f64,
    markers_sent: u64,
    markers_back: u64,
    jitter_ms: Vec<f64>,
    silent: usize,
    ticks: u64,
    late_ticks: u64,
    max_behind_ms: f64,
    socket_drops: u64,
    unknown: u64,
    send_errors: u64,
    ssrc_changes: u64,
    rcvbuf: i32,
    sndbuf: i32,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let k = (p / 100.0 * (sorted.len() - 1) as f64).round() as usize;
    sorted[k.min(sorted.len() - 1)]
}

fn json_number(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.6}")
    } else {
        "null".to_owned()
    }
}

impl Report {
    fn json(&mut self) -> String {
        self.jitter_ms.sort_by(f64::total_cmp);
        let fields: Vec<(&str, String)> = vec![
            ("calls", self.calls.to_string()),
            ("window_s", json_number(self.window_s)),
            ("sent", self.sent.to_string()),
            ("received", self.received.to_string()),
            ("expected", self.expected.to_string()),
            ("loss", json_number(self.loss)),
            ("frames", self.frames.to_string()),
            ("frame_loss", json_number(self.frame_loss)),
            ("markers_sent", self.markers_sent.to_string()),
            ("markers_back", self.markers_back.to_string()),
            (
                "round_trip",
                json_number(if self.markers_sent > 0 {
                    self.markers_back as f64 / self.markers_sent as f64
                } else {
                    0.0
                }),
            ),
            (
                "jitter_p50_ms",
                json_number(percentile(&self.jitter_ms, 50.0)),
            ),
            (
                "jitter_p99_ms",
                json_number(percentile(&self.jitter_ms, 99.0)),
            ),
            (
                "jitter_max_ms",
                json_number(percentile(&self.jitter_ms, 100.0)),
            ),
            ("silent", self.silent.to_string()),
            ("ticks", self.ticks.to_string()),
            ("late_ticks", self.late_ticks.to_string()),
            (
                "late",
                json_number(if self.ticks > 0 {
                    self.late_ticks as f64 / self.ticks as f64
                } else {
                    0.0
                }),
            ),
            ("max_behind_ms", json_number(self.max_behind_ms)),
            ("socket_drops", self.socket_drops.to_string()),
            ("unknown", self.unknown.to_string()),
            ("send_errors", self.send_errors.to_string()),
            ("ssrc_changes", self.ssrc_changes.to_string()),
            ("rcvbuf", self.rcvbuf.to_string()),
            ("sndbuf", self.sndbuf.to_string()),
        ];
        let body: Vec<String> = fields
            .into_iter()
            .map(|(k, v)| format!("\"{k}\": {v}"))
            .collect();
        format!("{{{}}}", body.join(", "))
    }
}

fn read_peers(path: &str) -> io::Result<Vec<SocketAddrV4>> {
    std::fs::read_to_string(path)?
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(parse_addr)
        .collect()
}

/// The window and how packets map to calls, shared by the sender and the receiver.
struct Plan {
    peers: Vec<SocketAddrV4>,
    ssrcs: Vec<u32>,
    by_ssrc: HashMap<u32, usize>,
    /// Peer addresses used by exactly one call.
    by_peer: HashMap<SocketAddrV4, usize>,
    /// Window in kernel time (ns since the epoch): `[start, end)`.
    window_ns: (i64, i64),
    /// Window in ticks: `[first, end)`.
    window_ticks: (u64, u64),
    total_ticks: u64,
}

fn generate(options: &Options) -> io::Result<()> {
    let path = options
        .peers
        .as_deref()
        .ok_or_else(|| io::Error::other("gen needs --peers FILE"))?;
    let peers = read_peers(path)?;
    if peers.is_empty() || peers.len() > 1 << 15 {
        return Err(io::Error::other("--peers: 1 to 32768 calls"));
    }
    let (socket, rcvbuf, sndbuf) = bind(options.bind)?;
    let fd = socket.as_raw_fd();
    set_option(fd, libc::SOL_SOCKET, libc::SO_TIMESTAMPNS, 1)?;
    set_option(fd, libc::SOL_SOCKET, libc::SO_RXQ_OVFL, 1)?;
    socket.set_read_timeout(Some(Duration::from_millis(50)))?;

    let seed = mix(u64::from(std::process::id())
        ^ SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64));
    let ssrcs: Vec<u32> = (0..peers.len())
        .map(|i| mix(seed ^ i as u64) as u32)
        .collect();
    let mut peer_count: HashMap<SocketAddrV4, usize> = HashMap::new();
    for peer in &peers {
        *peer_count.entry(*peer).or_default() += 1;
    }
    let tick_ns = PTIME.as_nanos() as u64;
    let warmup_ticks = options.warmup.as_nanos() as u64 / tick_ns;
    let window_ticks = (options.window.as_nanos() as u64 / tick_ns).max(1);
    let tail_ticks = options.tail.as_nanos() as u64 / tick_ns;
    // Starts a little ahead, on both clocks at once.
    let start = Instant::now() + Duration::from_millis(20);
    let start_ns = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(io::Error::other)?
        .as_nanos() as i64
        + 20_000_000;
    let plan = Plan {
        by_ssrc: ssrcs.iter().enumerate().map(|(i, s)| (*s, i)).collect(),
        by_peer: peers
            .iter()
            .enumerate()
            .filter(|(_, p)| peer_count[p] == 1)
            .map(|(i, p)| (*p, i))
            .collect(),
        ssrcs,
        window_ns: (
            start_ns + (warmup_ticks * tick_ns) as i64,
            start_ns + ((warmup_ticks + window_ticks) * tick_ns) as i64,
        ),
        window_ticks: (warmup_ticks, warmup_ticks + window_ticks),
        total_ticks: warmup_ticks + window_ticks + tail_ticks,
        peers,
    };
    let done = AtomicBool::new(false);
    let send_errors = AtomicU64::new(0);
    let (late_ticks, max_behind_ms, stats, unknown, socket_drops) = std::thread::scope(|scope| {
        let receiver = scope.spawn(|| receive(fd, &plan, &done));
        let (late_ticks, max_behind_ms) = send(fd, &plan, start, seed, &send_errors);
        // Whatever is still on its way after the tail is not waited for.
        done.store(true, Ordering::Relaxed);
        let (stats, unknown, drops) = receiver.join().expect("the receiver thread panicked")?;
        Ok::<_, io::Error>((late_ticks, max_behind_ms, stats, unknown, drops))
    })?;
    let (first, end) = plan.window_ticks;
    let n = plan.peers.len() as u64;
    let mut report = Report {
        calls: plan.peers.len(),
        window_s: (end - first) as f64 * PTIME.as_secs_f64(),
        sent: n * (end - first),
        received: stats.iter().map(|s| s.received).sum(),
        expected: stats.iter().map(CallStats::expected).sum(),
        loss: 0.0,
        frames: stats.iter().map(CallStats::frames).sum(),
        frame_loss: 0.0,
        markers_sent: n * (end - first).saturating_sub(MARKER_GRACE_TICKS),
        markers_back: stats
            .iter()
            .map(|s| {
                s.back
                    .iter()
                    .map(|w| u64::from(w.count_ones()))
                    .sum::<u64>()
            })
            .sum(),
        jitter_ms: stats
            .iter()
            .filter(|s| s.received > 0)
            .map(|s| s.jitter / 8.0)
            .collect(),
        silent: stats.iter().filter(|s| s.received == 0).count(),
        ticks: end - first,
        late_ticks,
        max_behind_ms,
        socket_drops,
        unknown,
        send_errors: send_errors.load(Ordering::Relaxed),
        ssrc_changes: stats.iter().map(|s| s.ssrc_changes).sum(),
        rcvbuf,
        sndbuf,
    };
    report.loss = if report.expected > 0 {
        (1.0 - report.received as f64 / report.expected as f64).max(0.0)
    } else {
        1.0
    };
    report.frame_loss = if report.frames > 0 {
        (1.0 - report.received as f64 / report.frames as f64).max(0.0)
    } else {
        1.0
    };
    println!("{}", report.json());
    Ok(())
}

/// Sends every call's packet on every tick until the plan's last tick; returns the number of
/// late window ticks and how far behind the worst slot of the window was, in ms.
fn send(fd: RawFd, plan: &Plan, start: Instant, seed: u64, errors: &AtomicU64) -> (u64, f64) {
    let n = plan.peers.len();
    let mut addrs: Vec<libc::sockaddr_in> = plan.peers.iter().map(|p| to_sockaddr(*p)).collect();
    let mut packets: Vec<[u8; PACKET]> = vec![[0xf0; PACKET]; n];
    let seq0: Vec<u16> = (0..n)
        .map(|i| (mix(seed ^ 0x5e9 ^ ((i as u64) << 20)) >> 7) as u16)
        .collect();
    let ts0: Vec<u32> = (0..n)
        .map(|i| (mix(seed ^ 0x75 ^ ((i as u64) << 24)) >> 40) as u32)
        .collect();
    for (i, packet) in packets.iter_mut().enumerate() {
        packet[0] = 0x80;
        packet[1] = 0; // PCMU
        packet[8..12].copy_from_slice(&plan.ssrcs[i].to_be_bytes());
        packet[12] = 0x5a;
        packet[13] = 0x5a;
        put_digits(&mut packet[14..17], i as u64);
    }
    let mut iovs: Vec<libc::iovec> = vec![zeroed_iovec(); n];
    let mut msgs: Vec<libc::mmsghdr> = vec![zeroed_mmsghdr(); n];
    for i in 0..n {
        iovs[i].iov_len = PACKET;
        let hdr = &mut msgs[i].msg_hdr;
        hdr.msg_name = (&raw mut addrs[i]).cast();
        hdr.msg_namelen = size_of::<libc::sockaddr_in>() as libc::socklen_t;
        hdr.msg_iovlen = 1;
    }
    let slot = PTIME / SLOTS as u32;
    let (first, end) = plan.window_ticks;
    let mut late = 0;
    let mut max_behind = Duration::ZERO;
    for tick in 0..plan.total_ticks {
        let mut behind = Duration::ZERO;
        for s in 0..SLOTS {
            let due = start + PTIME * tick as u32 + slot * s as u32;
            let now = Instant::now();
            if due > now {
                std::thread::sleep(due - now);
            } else {
                behind = behind.max(now - due);
            }
            let range = s * n / SLOTS..(s + 1) * n / SLOTS;
            for i in range.clone() {
                let packet = &mut packets[i];
                let seq = seq0[i].wrapping_add(tick as u16);
                let ts = ts0[i].wrapping_add(SAMPLES.wrapping_mul(tick as u32));
                packet[2..4].copy_from_slice(&seq.to_be_bytes());
                packet[4..8].copy_from_slice(&ts.to_be_bytes());
                put_digits(&mut packet[17..20], tick);
                // Pointers taken after the writes, so the kernel reads what was just written.
                iovs[i].iov_base = packet.as_mut_ptr().cast();
                msgs[i].msg_hdr.msg_iov = &raw mut iovs[i];
            }
            let failed = send_all(fd, &mut msgs[range]);
            if failed > 0 {
                errors.fetch_add(failed, Ordering::Relaxed);
            }
        }
        if (first..end).contains(&tick) {
            if behind > PTIME {
                late += 1;
            }
            max_behind = max_behind.max(behind);
        }
    }
    (late, max_behind.as_secs_f64() * 1e3)
}

/// Receives until `done`; returns per-call statistics, the number of datagrams no call
/// claimed and the socket's drops during the window.
fn receive(fd: RawFd, plan: &Plan, done: &AtomicBool) -> io::Result<(Vec<CallStats>, u64, u64)> {
    let (first, end) = plan.window_ticks;
    let words = (end - first).div_ceil(64) as usize;
    let mut stats: Vec<CallStats> = (0..plan.peers.len())
        .map(|_| CallStats {
            back: vec![0; words],
            ..CallStats::default()
        })
        .collect();
    let marker_end = end.saturating_sub(MARKER_GRACE_TICKS);
    let mut unknown = 0;
    let mut drops_at_start: Option<u32> = None;
    let mut drops_last: u32 = 0;
    let mut drops_at_end: Option<u32> = None;
    let mut batch = RecvBatch::new(true);
    while !done.load(Ordering::Relaxed) {
        let n = batch.receive(fd)?;
        for i in 0..n {
            let meta = batch.metadata(i);
            if let Some(d) = meta.drops {
                drops_last = d;
            }
            let in_window =
                meta.arrival_ns >= plan.window_ns.0 && meta.arrival_ns < plan.window_ns.1;
            if meta.arrival_ns >= plan.window_ns.0 && drops_at_start.is_none() {
                drops_at_start = Some(drops_last);
            }
            if meta.arrival_ns >= plan.window_ns.1 && drops_at_end.is_none() {
                drops_at_end = Some(drops_last);
            }
            let packet = batch.datagram(i);
            if meta.len < 12 || packet[0] >> 6 != 2 {
                unknown += 1;
                continue;
            }
            let mark = marker(packet);
            let ssrc = u32::from_be_bytes([packet[8], packet[9], packet[10], packet[11]]);
            let call = mark
                .map(|(call, _)| call as usize)
                .filter(|call| *call < stats.len())
                .or_else(|| plan.by_ssrc.get(&ssrc).copied())
                .or_else(|| plan.by_peer.get(&meta.from).copied());
            let Some(call) = call else {
                unknown += 1;
                continue;
            };
            let call_stats = &mut stats[call];
            if in_window {
                call_stats.record(packet, meta.arrival_ns);
            }
            if let Some((_, tick15)) = mark {
                // The tick modulo 2^15, placed in the window if it is one of its ticks.
                let window_base = first & !0x7fff;
                for base in [window_base, window_base + 0x8000] {
                    let tick = base + tick15;
                    if tick >= first && tick < marker_end {
                        let k = (tick - first) as usize;
                        call_stats.back[k / 64] |= 1 << (k % 64);
                    }
                }
            }
        }
    }
    let drops = u64::from(
        drops_at_end
            .unwrap_or(drops_last)
            .wrapping_sub(drops_at_start.unwrap_or(0)),
    );
    Ok((stats, unknown, drops))
}
