//! The tokio RTP driver: every call leg's RTP terminates here, one UDP socket per leg and one
//! 20 ms media clock per call, around the sans-IO pieces of `sentral_media`.
//!
//! # Threading and the clock
//!
//! A *call* here is the set of legs that topology commands connected: one [`CallMixer`] (at
//! most [`LEGS_MAX`] legs), one [`MusicOnHold`] source, and each leg's socket, [`RtpSession`]
//! and [`DtmfReceiver`], all behind one mutex. A leg that is opened starts alone in a call of
//! its own; [`Media::bridge`] and [`Media::conference`] of legs in different calls move the
//! named legs into one call (the one that already holds most of them, or a fresh one when that
//! would exceed [`LEGS_MAX`]). A leg moves with its socket and its RTP session, so its sequence
//! numbers and timestamps continue.
//!
//! Calls are ticked by a few media clock threads (four per core, at least four), each with
//! its own phase in the 20 ms so they take turns; a new call goes to the next clock in turn.
//! On a tick a clock goes through its calls; for each it takes the call's lock, first reads
//! what waits on every leg's socket (non-blocking `recv_from` until the socket is empty, at
//! most [`DATAGRAMS_PER_TICK_MAX`] per leg) and feeds it to the leg, then ticks the mixer and
//! writes one packet per connected, sending leg with a non-blocking `send_to`, which never
//! waits for a slow peer: a full socket buffer loses that packet, not the call's clock. A call
//! without legs is dropped from its clock on the next tick. The handle's methods take the same
//! locks synchronously (never across an `.await`), so a topology change is in force when the
//! method returns, and the call's clock keeps ticking through it: a switch between bridge,
//! hold and conference costs no gap beyond one tick.
//!
//! Why threads, reading on the tick, and plain non-blocking `std` sockets outside tokio's
//! reactor: nothing wakes per call or per packet, and the media clock does not wait behind
//! SIP and HTTP work. Measured with bench/media-calls on 2 cores: with a tokio task per call,
//! woken by every arriving packet and by its own timer, a perf profile at 1,000 calls had
//! context switches, epoll and readiness bookkeeping at about a third of the server's CPU and
//! the media work itself (mixing, G.711) at about 5%, and at 2,000 calls a quarter of the
//! ticks came more than 50 ms late while the process used half of the machine; with 16 shared
//! tokio tasks, 0.3–1.4% of the ticks were late and jitter p99 was 7–9 ms, because a task
//! that runs for a millisecond or more delays the runtime's own timers. A packet now waits up
//! to one tick in the kernel before the mixer sees it; the mixer's queue absorbs that as it
//! absorbs network jitter, and what we send keeps its 20 ms clock. Closing a leg drops its
//! socket at once.
//!
//! A clock that falls behind catches up on its missed ticks at once (a burst): each packet's
//! timestamp is 160 samples after the previous one, so only catching up keeps the timestamps
//! in step with real time (delaying the rest would let them fall behind for good after every
//! stall, skipping would need the same bookkeeping). A tick that comes more than [`LATE_TICK_MAX`] after its
//! time is not sent but skipped in the RTP session (the timestamp moves on and the next packet
//! is marked), so a long stall ends with at most a few packets in a burst.
//!
//! # Receiving
//!
//! A datagram is used when the leg is connected ([`Media::connect`]), it is RTP from the right
//! source, and it is either one 20 ms frame of the negotiated codec's payload type, in order,
//! or an RFC 4733 telephone event of the negotiated telephone-event payload type. Everything
//! else (malformed, other payload types, other frame lengths, duplicates, late or too old) is
//! dropped and counted in [`LegStats::packets_dropped`]. RTCP multiplexed on the RTP port is
//! ignored without being counted. Other packetisations (10 ms, 30 ms) are dropped rather than
//! repacketised: every phone we target offers 20 ms by default.
//!
//! Symmetric RTP (RFC 4961), for phones behind NAT: RTP is taken only from the SDP's address or
//! from the host the leg's signalling comes from ([`Remote::peer`], any port: the NAT's public
//! address). The last used packet's source is the leg's *latched* address, where we send, and
//! its SSRC the latched SSRC. The SDP's address always wins (a stray stream that got there
//! first is replaced as soon as the real one arrives); another address of the signalling host
//! takes over a latched stream only with the latched SSRC (a NAT that rebinds its port). So a
//! stranger spraying the port range can neither take a leg over nor inject audio into it. A
//! [`Media::connect`] with a new SDP address forgets the latch.
//!
//! # Silence
//!
//! A leg whose far end should be sending ([`Remote::expected`]: it said `sendrecv`) and whose
//! socket got nothing from it (RTP of any payload type, comfort noise included, or RTCP) for
//! [`MediaConfig::rtp_timeout`] is reported once as
//! [`MediaEvent::RtpTimeout`], so a call whose far end vanished without a BYE ends.
//!
//! # Ports
//!
//! RTP goes on even ports of [`MediaConfig::ports`]; the odd port above each (RTCP) is reserved
//! in the range but not bound: we send no RTCP and ignore what phones send there. Ports are
//! handed out round-robin, so a port just freed is the last one reused and stray packets of
//! the previous call have time to stop; a port another program holds is skipped.
//!
//! Nothing here allocates per packet or per tick: datagrams and packets go through fixed
//! buffers of the call's task, and the mixer works on fixed frames.

use std::collections::{BTreeSet, HashMap};
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use sentral_engine::{InteractionId, LegId};
use sentral_media::{
    CallMixer, Denoiser, DtmfReceiver, FRAME_DURATION, FRAME_SAMPLES, Frame, G711, LEGS_MAX,
    MixLeg, MusicOnHold, RTP_HEADER_LEN, Received, RtpError, RtpSession, RtpSessionConfig, SILENCE,
};
use std::net::UdpSocket;
use std::time::Instant;
use tokio::sync::mpsc;

use crate::srtp::{SrtpKeys, SrtpStream};

// Call recording reaches into a call's state, so it is a child of this module (its own file).
#[path = "recording.rs"]
mod recording;
pub use recording::{FLUSH_FRAMES, repair_recordings, repair_wav};

/// Where RTP sockets are bound.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct MediaConfig {
    /// The local address of every leg's socket, and so the address in our SDP. An unspecified
    /// address (`0.0.0.0`) binds every interface, and then the SIP side must put a routable
    /// address of its own in the SDP.
    pub ip: IpAddr,
    /// First and last UDP port, both included: RTP on the even ports, RTCP reserved above each.
    pub ports: (u16, u16),
    /// How long a leg that should be sending may send nothing before
    /// [`MediaEvent::RtpTimeout`]; `None`: never.
    pub rtp_timeout: Option<Duration>,
}

/// Something the media side noticed, for the engine.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum MediaEvent {
    /// The far end of `leg` pressed a key (RFC 4733), reported once per press.
    Dtmf {
        /// The leg whose phone sent the digit.
        leg: LegId,
        /// `'0'`–`'9'`, `'*'`, `'#'` or `'A'`–`'D'`.
        digit: char,
    },
    /// A prompt started with [`Media::play`] has been played to its end.
    PromptDone {
        /// The leg that heard it.
        leg: LegId,
    },
    /// The far end of `leg` should be sending and sent no RTP for the timeout (reported once).
    RtpTimeout {
        /// The silent leg.
        leg: LegId,
    },
}

/// Counters of one leg, for tests and metrics.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct LegStats {
    /// Packets used: audio frames given to the mixer and telephone events.
    pub packets_received: u64,
    /// Packets handed to the operating system for the far end.
    pub packets_sent: u64,
    /// Datagrams dropped: malformed, wrong payload type or frame length, duplicates, late or
    /// too old, from a foreign source, or received before the leg was connected.
    pub packets_dropped: u64,
    /// Packets the far end sent (by sequence number) that never arrived.
    pub packets_lost: u64,
    /// Packets that could not be sent (the socket's buffer was full, or the network refused).
    pub send_failures: u64,
    /// Our RTP address (the socket's).
    pub local: SocketAddr,
    /// Where packets go: the latched source, or the SDP address until a packet arrived.
    pub remote: Option<SocketAddr>,
}

/// The media side: a cheap handle (`Clone`, `Send`, `Sync`) on every open leg.
///
/// Commands for legs that are not open are ignored with a debug log: the SIP side may race a
/// hang-up. When the last handle is dropped every leg is closed.
#[derive(Clone, Debug)]
pub struct Media {
    /// The legs, their calls and the ports.
    shared: Arc<Shared>,
}

/// Why a leg could not be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MediaError {
    /// Every RTP port of the range is in use.
    #[error("no free RTP port in {first}-{last}: every even port is in use")]
    PortsExhausted {
        /// The range's first port.
        first: u16,
        /// The range's last port.
        last: u16,
    },
    /// The operating system refused to bind a socket for another reason than a busy port.
    #[error("cannot bind an RTP socket on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the operating system said.
        source: io::Error,
    },
}

impl Media {
    /// Starts the media side; events arrive on the receiver. Spawns nothing until a leg opens.
    pub fn start(config: MediaConfig) -> (Media, mpsc::Receiver<MediaEvent>) {
        let (events, events_received) = mpsc::channel(EVENT_QUEUE_LEN);
        let shared = Shared {
            config,
            events,
            registry: Mutex::new(Registry::default()),
            clocks: Clocks::new(),
        };
        let media = Media {
            shared: Arc::new(shared),
        };
        (media, events_received)
    }

    /// Opens a leg: binds a UDP socket on an even port of the range and returns our RTP
    /// address for the SDP. The leg hears silence and is heard by no one until told otherwise,
    /// and sends nothing until [`Media::connect`]. Opening a leg that is open returns its
    /// address.
    pub async fn open(&self, leg: LegId) -> Result<SocketAddr, MediaError> {
        let mut registry = self.shared.registry();
        if let Some(entry) = registry.legs.get(&leg) {
            return Ok(entry.local);
        }
        let denoise = registry.denoise_pending.remove(&leg);
        let (socket, local) = registry.bind(&self.shared.config)?;
        let mut state = CallState::new(self.shared.events.clone());
        let mut media = LegMedia::new(leg, socket, local, &mut state.mixer)
            .expect("an empty mixer has room for one leg");
        media.timeout_ticks = self
            .shared
            .config
            .rtp_timeout
            .map(|timeout| (timeout.as_millis() / FRAME_DURATION.as_millis()).max(1) as u32);
        if denoise {
            media.denoiser = Some(Box::new(Denoiser::new()));
        }
        state.legs.push(media);
        let call = Arc::new(Call::new(state));
        registry.legs.insert(
            leg,
            LegEntry {
                call: Arc::clone(&call),
                local,
            },
        );
        self.shared.clocks.add(call);
        tracing::debug!(%leg, %local, "media leg opened");
        Ok(local)
    }

    /// The far end's RTP address, codec and payload types, from SDP (called again after a
    /// re-INVITE). Until this is called nothing is sent. `sending: false` stops sending to that
    /// leg (the phone put itself on hold with `a=sendonly` or `inactive`) while still receiving.
    /// RTP is taken from the SDP's address only, and the far end need not send.
    pub fn connect(
        &self,
        leg: LegId,
        remote: SocketAddr,
        codec: G711,
        payload_type: u8,
        telephone_event: Option<u8>,
        sending: bool,
    ) {
        self.connect_to(
            leg,
            Remote {
                sdp: remote,
                peer: None,
                codec,
                payload_type,
                telephone_event,
                sending,
                expected: false,
                srtp: None,
            },
        );
    }

    /// Like [`Media::connect`], with every fact about the far end: where its signalling comes
    /// from (RTP from that host may be latched to) and whether it must send.
    pub fn connect_to(&self, leg: LegId, remote: Remote) {
        if remote.payload_type > PAYLOAD_TYPE_MAX
            || remote
                .telephone_event
                .is_some_and(|pt| pt > PAYLOAD_TYPE_MAX)
        {
            tracing::warn!(
                %leg,
                payload_type = remote.payload_type,
                telephone_event = ?remote.telephone_event,
                "media: payload type above 127"
            );
            return;
        }
        let registry = self.shared.registry();
        let Some(call) = registry.call_of(leg, "connect") else {
            return;
        };
        let mut state = call.lock();
        if let Some(media) = state.leg_mut(leg) {
            if media.remote.is_some_and(|old| old.sdp != remote.sdp) {
                media.latched = None;
                media.latched_ssrc = None;
            }
            media.srtp = match (media.srtp.take(), remote.srtp) {
                (Some(mut stream), Some(keys)) => {
                    stream.rekey(keys);
                    Some(stream)
                }
                (None, Some(keys)) => Some(Box::new(SrtpStream::new(keys))),
                (_, None) => None,
            };
            media.remote = Some(remote);
            media.silent_ticks = 0;
            media.timeout_reported = false;
        }
    }

    /// Connects `a` and `b`: they hear each other only (the engine's `Bridge`).
    pub fn bridge(&self, a: LegId, b: LegId) {
        if a == b {
            tracing::debug!(%a, "media: a leg cannot be bridged to itself");
            return;
        }
        self.connect_legs(&[a, b]);
    }

    /// Plays music on hold to `leg`; nobody hears it (the engine's `Hold`).
    pub fn hold(&self, leg: LegId) {
        self.alone(leg, true);
    }

    /// Plays `samples` (8 kHz) to `leg` instead of what it would hear, from the next tick;
    /// afterwards it hears its call again and [`MediaEvent::PromptDone`] is reported. A new
    /// prompt replaces one still playing.
    pub fn play(&self, leg: LegId, samples: Arc<[i16]>) {
        let registry = self.shared.registry();
        let Some(call) = registry.call_of(leg, "play") else {
            return;
        };
        let mut state = call.lock();
        if let Some(media) = state.leg_mut(leg) {
            media.prompt = Some((samples, 0));
        }
    }

    /// Detaches `leg`: it hears silence and nobody hears it.
    pub fn detach(&self, leg: LegId) {
        self.alone(leg, false);
    }

    /// Mixes `legs`: each hears the sum of the others (the engine's `Conference`). Legs that
    /// are not open are left out.
    pub fn conference(&self, legs: &[LegId]) {
        self.connect_legs(legs);
    }

    /// Removes background noise from what `leg` sends before anyone hears it (R1), or stops.
    /// Turning it on starts a fresh [`Denoiser`] (allocated here, never per frame). The engine
    /// says so right after answering or dialling, usually before the leg's socket is open: then
    /// it is remembered and applied when [`Media::open`] opens the leg.
    pub fn denoise(&self, leg: LegId, on: bool) {
        let denoiser = on.then(|| Box::new(Denoiser::new()));
        let mut registry = self.shared.registry();
        let Some(entry) = registry.legs.get(&leg) else {
            if on {
                registry.denoise_pending.insert(leg);
            } else {
                registry.denoise_pending.remove(&leg);
            }
            return;
        };
        let call = Arc::clone(&entry.call);
        let mut state = call.lock();
        if let Some(media) = state.leg_mut(leg)
            && media.denoiser.is_some() != on
        {
            media.denoiser = denoiser;
        }
    }

    /// Closes the leg's socket and frees its port.
    pub fn close(&self, leg: LegId) {
        let mut registry = self.shared.registry();
        registry.denoise_pending.remove(&leg);
        let Some(entry) = registry.legs.remove(&leg) else {
            tracing::debug!(%leg, "media: close of a leg that is not open");
            return;
        };
        registry.ports_in_use.remove(&entry.local.port());
        // Dropping the leg's media drops its socket, so the port is free once this returns.
        drop(entry.call.take_leg(leg));
        tracing::debug!(%leg, local = %entry.local, "media leg closed");
    }

    /// The leg's counters, if it is open.
    pub fn stats(&self, leg: LegId) -> Option<LegStats> {
        let registry = self.shared.registry();
        let entry = registry.legs.get(&leg)?;
        let state = entry.call.lock();
        state.leg(leg).map(LegMedia::stats)
    }

    /// The counters of every open leg, in no particular order.
    pub fn all_stats(&self) -> Vec<(LegId, LegStats)> {
        let registry = self.shared.registry();
        registry
            .legs
            .iter()
            .filter_map(|(&leg, entry)| {
                let state = entry.call.lock();
                state.leg(leg).map(|media| (leg, media.stats()))
            })
            .collect()
    }

    /// Number of open legs.
    pub fn n_legs(&self) -> usize {
        self.shared.registry().legs.len()
    }

    /// Hold or detach: `leg` stays in its call, alone in what it hears and unheard.
    fn alone(&self, leg: LegId, music: bool) {
        let registry = self.shared.registry();
        let Some(call) = registry.call_of(leg, if music { "hold" } else { "detach" }) else {
            return;
        };
        let mut state = call.lock();
        let Some(media) = state.leg_mut(leg) else {
            return;
        };
        media.on_hold = music;
        let mix = media.mix;
        let result = if music {
            state.mixer.hold(mix)
        } else {
            state.mixer.detach(mix)
        };
        if let Err(error) = result {
            tracing::warn!(%leg, %error, "media: the mixer refused hold or detach");
        }
    }

    /// Bridge or conference: brings the open legs among `legs` into one call, then makes each
    /// hear the others.
    fn connect_legs(&self, legs: &[LegId]) {
        let mut registry = self.shared.registry();
        let mut named: Vec<LegId> = Vec::with_capacity(legs.len());
        for &leg in legs {
            if named.contains(&leg) {
                continue;
            }
            if registry.legs.contains_key(&leg) {
                named.push(leg);
            } else {
                tracing::debug!(%leg, "media: a leg to connect is not open");
            }
        }
        if named.len() < 2 {
            return;
        }
        if named.len() > LEGS_MAX {
            tracing::warn!(
                n_legs = named.len(),
                "media: a call mixes at most {LEGS_MAX} legs"
            );
            return;
        }
        let call = registry.gather(&named, &self.shared.events, &self.shared.clocks);
        let mut state = call.lock();
        let mut mixes = Vec::with_capacity(named.len());
        for &leg in &named {
            if let Some(media) = state.leg_mut(leg) {
                media.on_hold = false;
                mixes.push(media.mix);
            }
        }
        if let Err(error) = state.mixer.conference(&mixes) {
            tracing::warn!(%error, "media: the mixer refused to connect legs");
        }
    }
}

/// What every handle shares.
#[derive(Debug)]
struct Shared {
    /// Where sockets are bound.
    config: MediaConfig,
    /// Events for the engine; each call holds a clone.
    events: mpsc::Sender<MediaEvent>,
    /// Open legs and used ports. Lock order: the registry, then one call at a time.
    registry: Mutex<Registry>,
    /// The clocks that tick the calls.
    clocks: Clocks,
}

impl Shared {
    fn registry(&self) -> MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Shared {
    /// The last handle is gone: close every leg, so the clocks drop their calls and end.
    fn drop(&mut self) {
        let registry = self
            .registry
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        for (leg, entry) in registry.legs.drain() {
            drop(entry.call.take_leg(leg));
        }
    }
}

/// Open legs and the port table.
#[derive(Debug, Default)]
struct Registry {
    /// Every open leg and the call it is in.
    legs: HashMap<LegId, LegEntry>,
    /// RTP ports of open legs.
    ports_in_use: BTreeSet<u16>,
    /// The port handed out last; the search for a free one starts after it.
    last_port: Option<u16>,
    /// The customer leg each recorded interaction is recorded from.
    recordings: HashMap<InteractionId, LegId>,
    /// Legs to clean (R1) as soon as they open.
    denoise_pending: std::collections::HashSet<LegId>,
}

/// Where an open leg is.
#[derive(Debug)]
struct LegEntry {
    /// The call the leg is in now.
    call: Arc<Call>,
    /// Our RTP address.
    local: SocketAddr,
}

impl Registry {
    /// The call of `leg`, or `None` (logged) when the leg is not open.
    fn call_of(&self, leg: LegId, command: &str) -> Option<Arc<Call>> {
        match self.legs.get(&leg) {
            Some(entry) => Some(Arc::clone(&entry.call)),
            None => {
                tracing::debug!(%leg, command, "media: command for a leg that is not open");
                None
            }
        }
    }

    /// Binds a socket on the next free even port after the last one handed out.
    fn bind(&mut self, config: &MediaConfig) -> Result<(UdpSocket, SocketAddr), MediaError> {
        let (first, last) = config.ports;
        // The even ports (never 0) whose odd neighbour, for RTCP, is in the range too.
        let low = u32::from(first).max(2).next_multiple_of(2);
        let high = u32::from(last);
        if low + 1 > high {
            return Err(MediaError::PortsExhausted { first, last });
        }
        let n_ports = (high - 1 - low) / 2 + 1;
        let start = match self.last_port.map(u32::from) {
            Some(port) if (low..high).contains(&port) => (port - low) / 2 + 1,
            _ => 0,
        };
        for step in 0..n_ports {
            let Ok(port) = u16::try_from(low + 2 * ((start + step) % n_ports)) else {
                continue;
            };
            if self.ports_in_use.contains(&port) {
                continue;
            }
            let addr = SocketAddr::new(config.ip, port);
            match bind_udp(addr) {
                Ok(socket) => {
                    self.ports_in_use.insert(port);
                    self.last_port = Some(port);
                    let local = socket.local_addr().unwrap_or(addr);
                    return Ok((socket, local));
                }
                Err(error) if error.kind() == io::ErrorKind::AddrInUse => {
                    tracing::debug!(%addr, "media: RTP port held by another program; skipped");
                }
                Err(source) => return Err(MediaError::Bind { addr, source }),
            }
        }
        Err(MediaError::PortsExhausted { first, last })
    }

    /// Brings `legs` (open, distinct, at most [`LEGS_MAX`]) into one call and returns it: the
    /// call that holds most of them if the others fit, or else a new call.
    fn gather(
        &mut self,
        legs: &[LegId],
        events: &mpsc::Sender<MediaEvent>,
        clocks: &Clocks,
    ) -> Arc<Call> {
        let calls: Vec<Arc<Call>> = legs
            .iter()
            .map(|leg| Arc::clone(&self.legs[leg].call))
            .collect();
        let n_in = |target: &Arc<Call>| calls.iter().filter(|c| Arc::ptr_eq(c, target)).count();
        // The call with most of the legs; on a tie, the earliest named leg's.
        let mut best = &calls[0];
        for call in &calls[1..] {
            if n_in(call) > n_in(best) {
                best = call;
            }
        }
        let best = Arc::clone(best);
        let n_moving = legs.len() - n_in(&best);
        if n_moving == 0 {
            return best;
        }
        let fits = best.lock().legs.len() + n_moving <= LEGS_MAX;
        let (target, spawn) = if fits {
            (best, false)
        } else {
            (Arc::new(Call::new(CallState::new(events.clone()))), true)
        };
        for (leg, call) in legs.iter().zip(&calls) {
            if Arc::ptr_eq(call, &target) {
                continue;
            }
            let Some(media) = call.take_leg(*leg) else {
                continue;
            };
            target.put_leg(media);
            if let Some(entry) = self.legs.get_mut(leg) {
                entry.call = Arc::clone(&target);
            }
        }
        if spawn {
            clocks.add(Arc::clone(&target));
        }
        target
    }
}

/// One call: the legs that hear each other, ticked by one clock.
#[derive(Debug)]
struct Call {
    /// The mixer and the legs; locked briefly by the clock and by the handle, never across an
    /// `.await`.
    state: Mutex<CallState>,
}

impl Call {
    fn new(state: CallState) -> Self {
        Call {
            state: Mutex::new(state),
        }
    }

    fn lock(&self) -> MutexGuard<'_, CallState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes `leg` out of this call (out of its mixer too).
    fn take_leg(&self, leg: LegId) -> Option<LegMedia> {
        let mut state = self.lock();
        let index = state.legs.iter().position(|media| media.id == leg)?;
        let media = state.legs.swap_remove(index);
        if let Err(error) = state.mixer.remove_leg(media.mix) {
            tracing::warn!(%leg, %error, "media: the mixer did not know a leg it had");
        }
        Some(media)
    }

    /// Adds a leg taken from another call; the caller checked that it fits.
    fn put_leg(&self, mut media: LegMedia) {
        let mut state = self.lock();
        match state.mixer.add_leg() {
            Ok(mix) => {
                media.mix = mix;
                media.on_hold = false;
                state.legs.push(media);
            }
            Err(error) => tracing::warn!(leg = %media.id, %error, "media: a leg was dropped"),
        }
    }
}

/// What a call's lock guards.
#[derive(Debug)]
struct CallState {
    /// Who hears whom.
    mixer: CallMixer,
    /// The call's music, played to its held legs.
    music: MusicOnHold,
    /// This tick's music (silence when no leg is held, so the music starts with the hold).
    music_frame: Frame,
    /// The call's legs (at most [`LEGS_MAX`]).
    legs: Vec<LegMedia>,
    /// Where digits go.
    events: mpsc::Sender<MediaEvent>,
}

impl CallState {
    fn new(events: mpsc::Sender<MediaEvent>) -> Self {
        CallState {
            mixer: CallMixer::new(),
            music: MusicOnHold::new(),
            music_frame: SILENCE,
            legs: Vec::with_capacity(LEGS_MAX),
            events,
        }
    }

    fn leg(&self, leg: LegId) -> Option<&LegMedia> {
        self.legs.iter().find(|media| media.id == leg)
    }

    fn leg_mut(&mut self, leg: LegId) -> Option<&mut LegMedia> {
        self.legs.iter_mut().find(|media| media.id == leg)
    }

    /// Reads what waits on the legs' sockets (at most [`DATAGRAMS_PER_TICK_MAX`] per leg, so a
    /// flood on one leg cannot hold up the clock) and feeds it to the legs.
    fn receive_waiting(&mut self, datagram: &mut [u8]) {
        for index in 0..self.legs.len() {
            for _ in 0..DATAGRAMS_PER_TICK_MAX {
                match self.legs[index].socket.recv_from(datagram) {
                    Ok((len, source)) => self.receive(index, &datagram[..len], source),
                    Err(error) if error.kind() == io::ErrorKind::WouldBlock => break,
                    // ICMP errors reported on receive (some platforms): nothing to read.
                    Err(error) => tracing::trace!(%error, "media: receive error"),
                }
            }
        }
    }

    /// Feeds one datagram of the leg at `index`.
    fn receive(&mut self, index: usize, datagram: &[u8], source: SocketAddr) {
        let CallState {
            mixer,
            legs,
            events,
            ..
        } = self;
        let media = &mut legs[index];
        let Some(remote) = media.remote else {
            media.n_dropped += 1;
            return;
        };
        // Only the SDP's address or the signalling host may send. The SDP's address, which
        // signalling vouched for, always wins; another address of the signalling host (a NAT's)
        // may take over a latched stream only with its SSRC, so a stray or injected stream
        // from elsewhere on that host cannot.
        let from_sdp = remote.sdp == source;
        let from_peer = from_sdp || remote.peer == Some(source.ip());
        // RTCP multiplexed on the port (RFC 5761: packet types 192–223) is not counted; from
        // the far end it still shows the far end is there.
        if datagram.get(1).is_some_and(|pt| (192..=223).contains(pt)) {
            if from_peer {
                media.silent_ticks = 0;
            }
            return;
        }
        let ssrc = datagram
            .get(8..12)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
        let foreign_ssrc = !from_sdp
            && media.latched.is_some_and(|latched| latched != source)
            && media
                .latched_ssrc
                .is_some_and(|latched| Some(latched) != ssrc);
        if !from_peer || foreign_ssrc {
            media.n_dropped += 1;
            return;
        }
        // SRTP: only what passes authentication is used, or shows the far end is there.
        let decrypted;
        let datagram = match media.srtp.as_mut() {
            Some(srtp) => match srtp.unprotect(datagram) {
                Some(plain) => {
                    decrypted = plain;
                    &decrypted[..]
                }
                None => {
                    media.n_dropped += 1;
                    return;
                }
            },
            None => datagram,
        };
        // Any RTP from the far end shows it is there, also comfort noise and other payloads we
        // do not play (a phone with silence suppression sends CN while quiet).
        if datagram.len() >= RTP_HEADER_LEN && datagram[0] >> 6 == 2 {
            media.silent_ticks = 0;
        }
        let used = match media.session.receive(datagram) {
            Received::Packet {
                header,
                payload,
                in_order,
            } => {
                if header.payload_type == remote.payload_type {
                    in_order && media.repacketise(mixer, remote.codec, payload)
                } else if Some(header.payload_type) == remote.telephone_event {
                    match media.dtmf.receive(header.timestamp, payload) {
                        Ok(Some(digit)) => {
                            report(events, media.id, digit);
                            true
                        }
                        Ok(None) => true,
                        Err(_) => false,
                    }
                } else {
                    false
                }
            }
            Received::Malformed(RtpError::Rtcp(_)) => return,
            Received::Duplicate
            | Received::TooOld
            | Received::SequenceJump
            | Received::Malformed(_) => false,
        };
        if used {
            media.n_received += 1;
            media.latched = Some(source);
            media.latched_ssrc = ssrc;
            media.silent_ticks = 0;
        } else {
            media.n_dropped += 1;
        }
    }

    /// One 20 ms step: mixes and sends one packet to every connected, sending leg. A `late`
    /// tick is skipped in each session instead of sent.
    fn tick(&mut self, late: bool, packet: &mut [u8; PACKET_LEN]) {
        if self.legs.iter().any(|media| media.on_hold) {
            self.music.next_frame(&mut self.music_frame);
        } else {
            self.music_frame = SILENCE;
        }
        self.mixer.tick(&self.music_frame);
        self.record_tick();
        let mut payload = [0u8; FRAME_SAMPLES];
        for media in &mut self.legs {
            media.count_silence(&self.events);
            let Some(remote) = media.remote.filter(|remote| remote.sending) else {
                media.session.skip_frame();
                continue;
            };
            let Ok(frame) = self.mixer.output(media.mix) else {
                continue;
            };
            let mut prompt_frame = SILENCE;
            let frame = match media.prompt.take() {
                Some((samples, played)) => {
                    let end = (played + FRAME_SAMPLES).min(samples.len());
                    prompt_frame[..end - played].copy_from_slice(&samples[played..end]);
                    if end < samples.len() {
                        media.prompt = Some((samples, end));
                    } else if let Err(mpsc::error::TrySendError::Full(_)) = self
                        .events
                        .try_send(MediaEvent::PromptDone { leg: media.id })
                    {
                        tracing::warn!(leg = %media.id, "media: event queue full; prompt end lost");
                    }
                    &prompt_frame
                }
                None => frame,
            };
            if late {
                media.session.skip_frame();
                continue;
            }
            // A bridged same-codec frame goes out as it came (bit-exact); others are encoded.
            match self.mixer.passthrough(media.mix, remote.codec) {
                Some(untouched) => payload = *untouched,
                None => remote.codec.encode(frame, &mut payload),
            }
            let written = media.session.write_encoded(
                remote.payload_type,
                &payload,
                FRAME_SAMPLES as u32,
                packet,
            );
            let len = match written {
                Ok(len) => len,
                Err(error) => {
                    // `connect` refuses payload types above 127, so this is not expected.
                    tracing::debug!(leg = %media.id, %error, "media: cannot write RTP");
                    media.n_send_failures += 1;
                    continue;
                }
            };
            let target = media.latched.unwrap_or(remote.sdp);
            let protected;
            let datagram = match media.srtp.as_mut() {
                Some(srtp) => match srtp.protect(&packet[..len]) {
                    Some(srtp_packet) => {
                        protected = srtp_packet;
                        &protected[..]
                    }
                    None => {
                        media.n_send_failures += 1;
                        continue;
                    }
                },
                None => &packet[..len],
            };
            match media.socket.send_to(datagram, target) {
                Ok(_) => media.n_sent += 1,
                Err(error) => {
                    tracing::trace!(leg = %media.id, %error, "media: RTP packet not sent");
                    media.n_send_failures += 1;
                }
            }
        }
    }
}

/// One leg's media in its call.
#[derive(Debug)]
struct LegMedia {
    /// The engine's leg.
    id: LegId,
    /// The leg in the call's mixer (it changes when the leg moves to another call).
    mix: MixLeg,
    /// The leg's RTP socket; dropping it frees the port.
    socket: UdpSocket,
    /// Our RTP address.
    local: SocketAddr,
    /// Sequence, timestamp and SSRC of both streams; moves with the leg.
    session: RtpSession,
    /// Turns telephone events into digits once each.
    dtmf: DtmfReceiver,
    /// The far end as SDP described it; `None` until connected.
    remote: Option<Remote>,
    /// The source of the last used packet (symmetric RTP): where we send.
    latched: Option<SocketAddr>,
    /// The SSRC of the last used packet: others are taken only from `latched` itself.
    latched_ssrc: Option<u32>,
    /// Ticks since the last used packet.
    silent_ticks: u32,
    /// [`MediaConfig::rtp_timeout`] in ticks.
    timeout_ticks: Option<u32>,
    /// [`MediaEvent::RtpTimeout`] was sent (once per connect).
    timeout_reported: bool,
    /// The leg hears music (so the call generates it).
    on_hold: bool,
    /// A prompt being played to the leg and how many samples of it were sent.
    prompt: Option<(Arc<[i16]>, usize)>,
    /// Samples of a packet that did not fill a 20 ms frame (phones sending 10 or 30 ms
    /// packets), waiting for the next packet.
    partial: Frame,
    /// How many samples of `partial` are filled.
    n_partial: usize,
    /// Removes background noise from what this leg sends (R1); `None` when off.
    denoiser: Option<Box<Denoiser>>,
    /// Protects what the leg sends and checks what it receives (SRTP); `None`: plain RTP.
    srtp: Option<Box<SrtpStream>>,
    /// The recording this leg (a customer's) is the source of.
    recorder: Option<recording::Recorder>,
    /// Counters for [`LegStats`].
    n_received: u64,
    n_sent: u64,
    n_dropped: u64,
    n_send_failures: u64,
}

/// The far end of a leg, from SDP and signalling.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct Remote {
    /// The SDP's connection address and port.
    pub sdp: SocketAddr,
    /// The host the leg's signalling comes from: its RTP is taken from any port of it too (a
    /// phone behind NAT whose SDP names a private address).
    pub peer: Option<IpAddr>,
    /// The negotiated law.
    pub codec: G711,
    /// Its payload type (normally 0 or 8).
    pub payload_type: u8,
    /// The negotiated telephone-event payload type, if any.
    pub telephone_event: Option<u8>,
    /// We send to this leg (the phone did not ask for `sendonly`/`inactive`).
    pub sending: bool,
    /// The far end must send (it said `sendrecv`): silence for the timeout ends the leg.
    pub expected: bool,
    /// SRTP keys (RFC 3711): what we send is protected and what we receive must pass
    /// authentication; `None`: plain RTP.
    pub srtp: Option<SrtpKeys>,
}

impl LegMedia {
    fn new(
        id: LegId,
        socket: UdpSocket,
        local: SocketAddr,
        mixer: &mut CallMixer,
    ) -> Result<Self, sentral_media::MixError> {
        Ok(LegMedia {
            id,
            mix: mixer.add_leg()?,
            socket,
            local,
            session: RtpSession::new(random_session_config(id)),
            dtmf: DtmfReceiver::new(),
            remote: None,
            latched: None,
            latched_ssrc: None,
            silent_ticks: 0,
            timeout_ticks: None,
            timeout_reported: false,
            on_hold: false,
            prompt: None,
            partial: SILENCE,
            n_partial: 0,
            denoiser: None,
            srtp: None,
            recorder: None,
            n_received: 0,
            n_sent: 0,
            n_dropped: 0,
            n_send_failures: 0,
        })
    }

    /// Counts a tick without a used packet; reports [`MediaEvent::RtpTimeout`] once when the
    /// far end should be sending and the timeout has passed.
    fn count_silence(&mut self, events: &mpsc::Sender<MediaEvent>) {
        let (Some(remote), Some(timeout_ticks)) = (self.remote, self.timeout_ticks) else {
            return;
        };
        if !remote.expected || self.timeout_reported {
            return;
        }
        self.silent_ticks = self.silent_ticks.saturating_add(1);
        if self.silent_ticks >= timeout_ticks {
            match events.try_send(MediaEvent::RtpTimeout { leg: self.id }) {
                Ok(()) => self.timeout_reported = true,
                // Tried again on the next tick.
                Err(mpsc::error::TrySendError::Full(_)) => {}
                Err(mpsc::error::TrySendError::Closed(_)) => self.timeout_reported = true,
            }
        }
    }

    /// Gives the mixer the 20 ms frames of an audio payload of any length up to
    /// [`PAYLOAD_SAMPLES_MAX`]: 20 ms packets go straight in, 10, 30 or 60 ms packets are cut
    /// into 20 ms frames, and what is left waits for the next packet.
    fn repacketise(&mut self, mixer: &mut CallMixer, codec: G711, payload: &[u8]) -> bool {
        if payload.is_empty() || payload.len() > PAYLOAD_SAMPLES_MAX {
            return false;
        }
        if self.n_partial == 0 && payload.len() == FRAME_SAMPLES && self.denoiser.is_none() {
            return mixer.push_encoded(self.mix, codec, payload).is_ok();
        }
        for chunk in payload.chunks(FRAME_SAMPLES) {
            let take = chunk.len().min(FRAME_SAMPLES - self.n_partial);
            let (now, later) = chunk.split_at(take);
            codec.decode(
                now,
                &mut self.partial[self.n_partial..self.n_partial + take],
            );
            self.n_partial += take;
            if self.n_partial == FRAME_SAMPLES {
                if let Some(denoiser) = self.denoiser.as_mut() {
                    self.partial = denoiser.process(&self.partial);
                }
                if mixer.push_frame(self.mix, &self.partial).is_err() {
                    return false;
                }
                self.n_partial = 0;
            }
            codec.decode(later, &mut self.partial[..later.len()]);
            self.n_partial += later.len();
        }
        true
    }

    fn stats(&self) -> LegStats {
        LegStats {
            packets_received: self.n_received,
            packets_sent: self.n_sent,
            packets_dropped: self.n_dropped,
            packets_lost: self.session.stats().n_lost,
            send_failures: self.n_send_failures,
            local: self.local,
            remote: self.latched.or(self.remote.map(|remote| remote.sdp)),
        }
    }
}

/// The longest audio payload taken: 60 ms of G.711, the most `a=ptime` phones ask for.
const PAYLOAD_SAMPLES_MAX: usize = 3 * FRAME_SAMPLES;

/// The clocks that tick the calls: threads, each started when its first call comes.
#[derive(Debug)]
struct Clocks {
    clocks: Vec<Arc<Clock>>,
    /// The clock the next call goes to (modulo their number).
    next: AtomicUsize,
    /// Clock `n` of `N` ticks `n / N` of 20 ms after this instant (set when the first starts).
    epoch: std::sync::OnceLock<Instant>,
}

/// One clock: its calls are in its thread; new ones wait here for its next tick.
#[derive(Debug, Default)]
struct Clock {
    incoming: Mutex<Vec<Arc<Call>>>,
    started: AtomicBool,
}

impl Clocks {
    fn new() -> Self {
        Clocks {
            clocks: (0..clock_count())
                .map(|_| Arc::new(Clock::default()))
                .collect(),
            next: AtomicUsize::new(0),
            epoch: std::sync::OnceLock::new(),
        }
    }

    /// Hands a call (with its legs already in it) to the next clock, in turn.
    fn add(&self, call: Arc<Call>) {
        let n = self.next.fetch_add(1, Ordering::Relaxed) % self.clocks.len();
        let clock = &self.clocks[n];
        clock.take_incoming().push(call);
        if !clock.started.swap(true, Ordering::AcqRel) {
            let first_tick = self.first_tick(n);
            let thread_clock = Arc::clone(clock);
            let spawned = std::thread::Builder::new()
                .name(format!("sentral-media-{n}"))
                .spawn(move || run_clock(&thread_clock, first_tick));
            if let Err(error) = spawned {
                // Its calls wait for the next call that lands on this clock to try again.
                tracing::error!(%error, clock = n, "media: cannot start a clock thread");
                clock.started.store(false, Ordering::Release);
            }
        }
    }

    /// When clock `n` first ticks: its phase is `n / N` of a frame after the epoch's, so the
    /// clocks take turns through the 20 ms instead of all waking at once.
    fn first_tick(&self, n: usize) -> Instant {
        let now = Instant::now();
        let epoch = *self.epoch.get_or_init(|| now);
        let phase = epoch + FRAME_DURATION * n as u32 / self.clocks.len() as u32;
        let behind = now.saturating_duration_since(phase).as_nanos();
        let frame = FRAME_DURATION.as_nanos();
        let frames = behind.div_ceil(frame) as u32;
        phase + FRAME_DURATION * frames
    }
}

impl Clock {
    fn take_incoming(&self) -> MutexGuard<'_, Vec<Arc<Call>>> {
        self.incoming.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A clock's thread: every 20 ms, each of its calls reads its legs' sockets and sends a
/// packet per leg. Ends when the media side is gone (no handle holds the clock) and no call is
/// left.
fn run_clock(clock: &Arc<Clock>, first_tick: Instant) {
    let mut calls: Vec<Arc<Call>> = Vec::new();
    let mut datagram = [0u8; DATAGRAM_LEN_MAX];
    let mut packet = [0u8; PACKET_LEN];
    let mut scheduled = first_tick;
    loop {
        let now = Instant::now();
        if scheduled > now {
            std::thread::sleep(scheduled - now);
        }
        calls.append(&mut clock.take_incoming());
        let late = Instant::now().saturating_duration_since(scheduled) > LATE_TICK_MAX;
        calls.retain(|call| {
            let mut state = call.lock();
            if state.legs.is_empty() {
                return false;
            }
            state.receive_waiting(&mut datagram);
            state.tick(late, &mut packet);
            true
        });
        if calls.is_empty() && Arc::strong_count(clock) == 1 && clock.take_incoming().is_empty() {
            return;
        }
        scheduled += FRAME_DURATION;
    }
}

/// How many clock threads: four per core, at least four and at most 32, so that each tick's
/// work comes in short turns spread over the 20 ms.
fn clock_count() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    (4 * cores).clamp(4, 32)
}

/// Sends a digit to the engine; a full queue loses it (with a warning) rather than block.
fn report(events: &mpsc::Sender<MediaEvent>, leg: LegId, digit: char) {
    tracing::debug!(%leg, %digit, "media: DTMF digit");
    if let Err(mpsc::error::TrySendError::Full(_)) =
        events.try_send(MediaEvent::Dtmf { leg, digit })
    {
        tracing::warn!(%leg, %digit, "media: event queue full; DTMF digit lost");
    }
}

/// Binds a non-blocking UDP socket (read on the call's tick, not through tokio's reactor).
fn bind_udp(addr: SocketAddr) -> io::Result<UdpSocket> {
    let socket = UdpSocket::bind(addr)?;
    socket.set_nonblocking(true)?;
    Ok(socket)
}

/// A random SSRC, first sequence number and first timestamp (RFC 3550 section 5.1).
fn random_session_config(leg: LegId) -> RtpSessionConfig {
    let mut bytes = [0u8; 10];
    if let Err(error) = getrandom::fill(&mut bytes) {
        // Not a secret, only unpredictable: fall back on std's randomly keyed hasher.
        use std::hash::{BuildHasher, RandomState};
        tracing::warn!(%error, "media: no randomness from the OS; using a hashed fallback");
        let hash = RandomState::new().hash_one(leg.0).to_le_bytes();
        bytes[..8].copy_from_slice(&hash);
        bytes[8..].copy_from_slice(&hash[..2]);
    }
    RtpSessionConfig {
        ssrc: u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]),
        first_sequence_number: u16::from_le_bytes([bytes[4], bytes[5]]),
        first_timestamp: u32::from_le_bytes([bytes[6], bytes[7], bytes[8], bytes[9]]),
    }
}

/// The largest RTP payload type (7 bits).
const PAYLOAD_TYPE_MAX: u8 = 127;

/// Events waiting for the engine before digits are lost.
const EVENT_QUEUE_LEN: usize = 1_024;

/// Datagrams read from one leg's socket per tick: 20 ms of a phone's packets is one (or a few
/// after a network stall); more is a flood, left for the kernel to drop when its buffer is full.
const DATAGRAMS_PER_TICK_MAX: usize = 16;

/// The receive buffer: longer datagrams are truncated (and then dropped as the wrong length).
const DATAGRAM_LEN_MAX: usize = 2_048;

/// One packet we send: a header and one 20 ms G.711 frame.
const PACKET_LEN: usize = RTP_HEADER_LEN + FRAME_SAMPLES;

/// A tick this late is skipped rather than sent, so a stall ends with a burst of at most three
/// packets (the ticks 40, 20 and 0 ms late) instead of one per missed tick.
const LATE_TICK_MAX: Duration = Duration::from_millis(50);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clocks_take_turns_through_the_20_ms() {
        let clocks = Clocks::new();
        let n_clocks = clocks.clocks.len() as u32;
        assert!(n_clocks >= 4, "{n_clocks} clocks");
        let before = Instant::now();
        let firsts: Vec<Instant> = (0..clocks.clocks.len())
            .map(|n| clocks.first_tick(n))
            .collect();
        let epoch = *clocks.epoch.get().expect("set by the first");
        for (n, first) in firsts.iter().enumerate() {
            assert!(*first >= before, "clock {n} starts in the past");
            assert!(
                *first - before <= FRAME_DURATION,
                "clock {n} waits a frame at most"
            );
            // Its phase is n/N of a frame after the epoch's, to the nanosecond.
            let offset = (*first - epoch).as_nanos() % FRAME_DURATION.as_nanos();
            let phase = (FRAME_DURATION * n as u32 / n_clocks).as_nanos();
            assert_eq!(offset, phase, "clock {n}");
        }
        // A clock started later keeps its phase.
        std::thread::sleep(Duration::from_millis(7));
        let later = clocks.first_tick(1);
        let offset = (later - epoch).as_nanos() % FRAME_DURATION.as_nanos();
        assert_eq!(offset, (FRAME_DURATION / n_clocks).as_nanos());
    }
}
