//! Simulated customers: raw SIP over loopback UDP from 127.0.0.1 (an address on the demo's
//! trunk list) into the demo's entry points, at a configured rate, with real audio.
//!
//! Each call is an INVITE with a G.711 offer; Sentral answers at once with music on hold, and
//! the customer talks (a speech-like voice) from then on. A customer whose call a phone answered
//! by itself hangs up after a random talk time; one a person answered (a manual phone) stays
//! until Sentral ends the call, so the person can hold, consult and transfer; a customer nobody
//! answers gives up after a while. At most a few calls are up at once.

use super::rtp::{Stream, Voice};
use super::sip::{self, Message, Request};
use super::{PhoneNotice, Rng};
use sentral_media::G711;
use sentral_sip::sdp::{self, LocalAudio};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// How the customers behave.
#[derive(Clone, Debug)]
pub struct TrafficSettings {
    /// Sentral's SIP address.
    pub server: SocketAddr,
    /// The numbers customers call (the entry points' dial numbers), taken in turn.
    pub numbers: Vec<String>,
    /// Time between two new calls.
    pub interval: Duration,
    /// New calls wait while this many are up.
    pub calls_max: usize,
    /// The shortest and longest talk after a phone answered by itself.
    pub talk: (Duration, Duration),
    /// How long a customer no phone answers waits before hanging up.
    pub patience: Duration,
    /// How long a customer a person answered stays at most (the demo must not leak calls).
    pub person_call_max: Duration,
}

/// What the demo phone page shows of the customers.
#[derive(Clone, Copy, Debug, Default)]
pub struct TrafficStatus {
    /// Calls placed since the demo started.
    pub n_placed: u64,
    /// Calls up now.
    pub n_active: usize,
    /// Calls Sentral refused (e.g. the organisation's call limit).
    pub n_refused: u64,
}

/// The running customers.
pub struct Traffic {
    /// Their counters, as the task last published them.
    status: watch::Receiver<TrafficStatus>,
    /// The task.
    task: JoinHandle<()>,
}

impl Traffic {
    /// Binds the customers' SIP socket on loopback and starts placing calls.
    pub async fn start(
        settings: TrafficSettings,
        notices: mpsc::Receiver<PhoneNotice>,
        rng: Rng,
    ) -> std::io::Result<Traffic> {
        let server = sip::reachable(settings.server);
        let socket = Arc::new(UdpSocket::bind((server.ip(), 0)).await?);
        let (status_tx, status) = watch::channel(TrafficStatus::default());
        let mut rng = rng;
        let customers = Customers {
            local: socket.local_addr()?,
            server,
            next_ani: 91_000_000 + rng.below(900_000),
            next_number: 0,
            // The first customer calls soon after start, so a newcomer has a call at once.
            next_call_at: Instant::now() + settings.interval.min(FIRST_CALL_AFTER),
            settings,
            sip: socket.clone(),
            calls: HashMap::new(),
            rng,
            status: status_tx,
            counters: TrafficStatus::default(),
        };
        let task = tokio::spawn(customers.run(socket, notices));
        Ok(Traffic { status, task })
    }

    /// The counters now.
    pub fn status(&self) -> TrafficStatus {
        *self.status.borrow()
    }

    /// Stops placing calls; calls that are up end with the process.
    pub fn stop(&self) {
        self.task.abort();
    }
}

/// The task behind [`Traffic`].
struct Customers {
    settings: TrafficSettings,
    /// Our SIP address (`Via`, `Contact`).
    local: SocketAddr,
    /// Where every request goes.
    server: SocketAddr,
    sip: Arc<UdpSocket>,
    /// Calls by Call-ID.
    calls: HashMap<String, CustomerCall>,
    /// The next caller number (+47 and eight digits: a Norwegian mobile number).
    next_ani: u32,
    /// Which of the numbers the next customer calls.
    next_number: usize,
    next_call_at: Instant,
    rng: Rng,
    status: watch::Sender<TrafficStatus>,
    counters: TrafficStatus,
}

/// One customer's call.
struct CustomerCall {
    /// The Call-ID (also the key in `Customers::calls`).
    call_id: String,
    /// The caller's number.
    ani: String,
    /// Our `From` with our tag.
    from: String,
    /// Their `To`, with Sentral's tag once it answered.
    to: String,
    /// The Request-URI of the INVITE.
    uri: String,
    /// The INVITE's branch (a non-2xx is ACKed in its transaction).
    branch: String,
    /// Our next CSeq.
    cseq: u32,
    /// Our RTP socket.
    rtp: Arc<UdpSocket>,
    phase: CustomerPhase,
    /// When the customer hangs up (or gives up waiting).
    hang_up_at: Instant,
    /// Whether a phone has answered the call (the hang-up time is then the talk time).
    answered: bool,
}

enum CustomerPhase {
    /// The INVITE is out.
    Inviting,
    /// Sentral answered; audio flows.
    Connected {
        /// Where in-dialog requests go: Sentral's Contact.
        remote_target: String,
        /// Its Record-Route, reversed.
        route_set: Vec<String>,
        /// Our ACK for the 200, repeated if the 200 is.
        ack: String,
        /// The `o=` version of our next SDP.
        session_version: u64,
        media: Stream,
    },
    /// We sent BYE; the call is forgotten when answered or at this time.
    Ending { forget_at: Instant },
}

impl Customers {
    async fn run(mut self, socket: Arc<UdpSocket>, mut notices: mpsc::Receiver<PhoneNotice>) {
        let mut buf = vec![0u8; sip::DATAGRAM_BYTES_MAX];
        loop {
            let deadline = self.next_deadline();
            tokio::select! {
                received = socket.recv_from(&mut buf) => match received {
                    Ok((n, _)) => {
                        if let Some(message) = Message::parse(&buf[..n]) {
                            self.on_message(message).await;
                        }
                    }
                    Err(error) => tracing::debug!(%error, "demo customers receive"),
                },
                notice = notices.recv() => match notice {
                    Some(notice) => self.on_notice(notice),
                    None => return,
                },
                () = tokio::time::sleep_until(deadline) => self.on_timeout().await,
            }
            self.counters.n_active = self.calls.len();
            self.status.send_replace(self.counters);
        }
    }

    fn next_deadline(&self) -> Instant {
        self.calls
            .values()
            .map(|call| match call.phase {
                CustomerPhase::Ending { forget_at } => forget_at,
                _ => call.hang_up_at,
            })
            .fold(self.next_call_at, Instant::min)
    }

    async fn on_timeout(&mut self) {
        let now = Instant::now();
        if self.next_call_at <= now {
            self.next_call_at = now + self.settings.interval;
            if self.calls.len() < self.settings.calls_max {
                self.place_call().await;
            }
        }
        let due: Vec<String> = self
            .calls
            .iter()
            .filter(|(_, call)| match call.phase {
                CustomerPhase::Ending { forget_at } => forget_at <= now,
                _ => call.hang_up_at <= now,
            })
            .map(|(call_id, _)| call_id.clone())
            .collect();
        for call_id in due {
            self.hang_up(&call_id).await;
        }
    }

    /// A phone picked up a customer's call, or a person left it: a phone that answered by
    /// itself is talked to for a while and then the customer hangs up; a person's call lasts
    /// until Sentral ends it or the person leaves it to someone else.
    fn on_notice(&mut self, notice: PhoneNotice) {
        let now = Instant::now();
        let talk = self.rng.between(self.settings.talk.0, self.settings.talk.1);
        let (PhoneNotice::Answered { caller, .. } | PhoneNotice::PersonLeft { caller }) = &notice;
        tracing::debug!(?notice, "demo customers hear from a phone");
        let Some(call) = self.calls.values_mut().find(|call| call.ani == *caller) else {
            return;
        };
        if matches!(call.phase, CustomerPhase::Ending { .. }) {
            return;
        }
        match notice {
            PhoneNotice::Answered { manual: true, .. } => {
                call.hang_up_at = now + self.settings.person_call_max;
            }
            PhoneNotice::Answered { manual: false, .. } if !call.answered => {
                call.hang_up_at = now + talk;
            }
            PhoneNotice::Answered { .. } => {}
            PhoneNotice::PersonLeft { .. } => {
                call.hang_up_at = call.hang_up_at.min(now + talk);
            }
        }
        call.answered = true;
    }

    async fn place_call(&mut self) {
        let Some(number) = self.settings.numbers.get(self.next_number).cloned() else {
            return;
        };
        self.next_number = (self.next_number + 1) % self.settings.numbers.len();
        let rtp = match UdpSocket::bind((self.local.ip(), 0)).await {
            Ok(socket) => Arc::new(socket),
            Err(error) => {
                tracing::warn!(%error, "demo customer: no RTP socket");
                return;
            }
        };
        let ani = format!("+47{}", self.next_ani);
        self.next_ani += 1;
        let call_id = format!("demo-{:016x}", self.rng.next_u64());
        let tag = format!("{:08x}", self.rng.next_u32());
        let branch = format!("{:08x}", self.rng.next_u32());
        let from = format!("<sip:{ani}@{}>;tag={tag}", self.local);
        let to = format!("<sip:{number}@{}>", self.server);
        let uri = format!("sip:{number}@{}", self.server);
        let local = LocalAudio {
            rtp: rtp.local_addr().expect("a bound socket has an address"),
            session_id: u64::from(self.rng.next_u32()),
            session_version: 1,
        };
        let offer = sdp::offer(&local, &[G711::Pcmu, G711::Pcma], sdp::Direction::SendRecv);
        let text = Request {
            method: "INVITE",
            uri: &uri,
            via: self.local,
            branch: &branch,
            headers: vec![
                ("From", from.clone()),
                ("To", to.clone()),
                ("Call-ID", call_id.clone()),
                ("CSeq", "1 INVITE".into()),
                ("Contact", format!("<sip:{ani}@{}>", self.local)),
            ],
            sdp: Some(&offer),
        }
        .write();
        tracing::info!(%ani, %number, "demo customer calls");
        self.calls.insert(
            call_id.clone(),
            CustomerCall {
                call_id,
                ani,
                from,
                to,
                uri,
                branch,
                cseq: 2,
                rtp,
                phase: CustomerPhase::Inviting,
                hang_up_at: Instant::now() + self.settings.patience,
                answered: false,
            },
        );
        self.counters.n_placed += 1;
        self.send(&text).await;
    }

    async fn on_message(&mut self, message: Message) {
        match message.method() {
            None => self.on_response(message).await,
            Some("BYE") => {
                let ours = self.calls.remove(message.call_id()).is_some();
                let to = message.header("To").unwrap_or_default().to_owned();
                let (status, reason) = if ours {
                    (200, "OK")
                } else {
                    (481, "Call/Transaction Does Not Exist")
                };
                self.send(&message.response(status, reason, &to, &[], None))
                    .await;
            }
            Some("INVITE") => self.on_reinvite(message).await,
            Some("ACK") => {}
            Some("OPTIONS" | "INFO" | "NOTIFY" | "CANCEL") => {
                let to = message.header("To").unwrap_or_default().to_owned();
                self.send(&message.response(200, "OK", &to, &[], None))
                    .await;
            }
            Some(_) => {
                let to = message.header("To").unwrap_or_default().to_owned();
                self.send(&message.response(501, "Not Implemented", &to, &[], None))
                    .await;
            }
        }
    }

    async fn on_response(&mut self, response: Message) {
        let Some(status) = response.status() else {
            return;
        };
        let call_id = response.call_id().to_owned();
        let (cseq, method) = response.cseq();
        let Some(call) = self.calls.get_mut(&call_id) else {
            // A 200 to an INVITE of a call we already ended: nothing to do.
            return;
        };
        match (method, status) {
            ("INVITE", 100..=199) => {}
            ("INVITE", 200..=299) if cseq == 1 => {
                if let CustomerPhase::Connected { ack, .. } = &call.phase {
                    // The 200 again: our ACK was lost.
                    let ack = ack.clone();
                    self.send(&ack).await;
                    return;
                }
                let negotiated = sdp::parse(response.body.as_bytes())
                    .and_then(|answer| sdp::negotiated(&answer));
                let negotiated = match negotiated {
                    Ok(negotiated) => negotiated,
                    Err(error) => {
                        tracing::warn!(%error, "demo customer: Sentral's answer is not usable");
                        call.hang_up_at = Instant::now();
                        return;
                    }
                };
                call.to = response.header("To").unwrap_or_default().to_owned();
                let remote_target = response
                    .contact_uri()
                    .map_or_else(|| call.uri.clone(), str::to_owned);
                let mut route_set: Vec<String> =
                    response.all("Record-Route").map(str::to_owned).collect();
                route_set.reverse();
                let branch = format!("{:08x}", self.rng.next_u32());
                let ack = in_dialog(
                    call,
                    "ACK",
                    1,
                    &remote_target,
                    &route_set,
                    self.local,
                    &branch,
                );
                let pitch_hz = 110.0 + self.rng.below(40) as f32;
                let media = Stream::start(
                    call.rtp.clone(),
                    Voice::new(pitch_hz, self.rng.fork()),
                    super::phone::target(&negotiated),
                    Arc::new(AtomicU64::new(0)),
                );
                call.phase = CustomerPhase::Connected {
                    remote_target,
                    route_set,
                    ack: ack.clone(),
                    session_version: 1,
                    media,
                };
                self.send(&ack).await;
            }
            ("INVITE", _) if cseq == 1 => {
                // Refused (e.g. 503 at the organisation's call limit): ACK in the INVITE's
                // transaction, and the call is over.
                let ack = Request {
                    method: "ACK",
                    uri: &call.uri,
                    via: self.local,
                    branch: &call.branch,
                    headers: vec![
                        ("From", call.from.clone()),
                        ("To", response.header("To").unwrap_or_default().to_owned()),
                        ("Call-ID", call_id.clone()),
                        ("CSeq", "1 ACK".into()),
                    ],
                    sdp: None,
                }
                .write();
                tracing::info!(ani = call.ani, status, "demo customer's call refused");
                self.calls.remove(&call_id);
                self.counters.n_refused += 1;
                self.send(&ack).await;
            }
            ("BYE", 200..=699) => {
                self.calls.remove(&call_id);
            }
            _ => {}
        }
    }

    /// Sentral changes the media of a call (e.g. a new address): 200 with our SDP.
    async fn on_reinvite(&mut self, invite: Message) {
        let Some(call) = self.calls.get_mut(invite.call_id()) else {
            let to = invite.header("To").unwrap_or_default().to_owned();
            self.send(&invite.response(481, "Call/Transaction Does Not Exist", &to, &[], None))
                .await;
            return;
        };
        let local_rtp = call
            .rtp
            .local_addr()
            .expect("a bound socket has an address");
        let from = call.from.clone();
        let CustomerPhase::Connected {
            session_version,
            media,
            ..
        } = &mut call.phase
        else {
            self.send(&invite.response(491, "Request Pending", &from, &[], None))
                .await;
            return;
        };
        *session_version += 1;
        let local = LocalAudio {
            rtp: local_rtp,
            session_id: 1,
            session_version: *session_version,
        };
        let answer = sdp::parse(invite.body.as_bytes())
            .and_then(|offer| sdp::answer(&offer, &local, &[G711::Pcmu, G711::Pcma]));
        // In-dialog requests from Sentral carry our From as their To.
        let contact = format!("<sip:{}@{}>", call.ani, self.local);
        let text = match answer {
            Ok((answer, negotiated)) => {
                media.retarget(super::phone::target(&negotiated));
                invite.response(200, "OK", &from, &[("Contact", contact)], Some(&answer))
            }
            Err(error) => {
                tracing::warn!(%error, "demo customer refuses a re-INVITE");
                invite.response(488, "Not Acceptable Here", &from, &[], None)
            }
        };
        self.send(&text).await;
    }

    /// The customer hangs up: CANCEL is not needed (Sentral answers at once), so BYE once
    /// connected; a call still inviting or already ending is forgotten.
    async fn hang_up(&mut self, call_id: &str) {
        let Some(call) = self.calls.get_mut(call_id) else {
            return;
        };
        let CustomerPhase::Connected {
            remote_target,
            route_set,
            ..
        } = &call.phase
        else {
            self.calls.remove(call_id);
            return;
        };
        let (remote_target, route_set) = (remote_target.clone(), route_set.clone());
        let cseq = call.cseq;
        call.cseq += 1;
        let branch = format!("{:08x}", self.rng.next_u32());
        let bye = in_dialog(
            call,
            "BYE",
            cseq,
            &remote_target,
            &route_set,
            self.local,
            &branch,
        );
        // Dropping the stream stops the audio.
        call.phase = CustomerPhase::Ending {
            forget_at: Instant::now() + Duration::from_secs(5),
        };
        tracing::info!(ani = call.ani, "demo customer hangs up");
        self.send(&bye).await;
    }

    async fn send(&self, text: &str) {
        if let Err(error) = self.sip.send_to(text.as_bytes(), self.server).await {
            tracing::warn!(%error, "demo customers cannot send");
        }
    }
}

/// The first call comes this soon after start (or after the interval, if that is shorter).
const FIRST_CALL_AFTER: Duration = Duration::from_secs(2);

/// An in-dialog request of ours (ACK or BYE).
fn in_dialog(
    call: &CustomerCall,
    method: &str,
    cseq: u32,
    remote_target: &str,
    route_set: &[String],
    local: SocketAddr,
    branch: &str,
) -> String {
    let mut headers = vec![
        ("From", call.from.clone()),
        ("To", call.to.clone()),
        ("Call-ID", call.call_id.clone()),
        ("CSeq", format!("{cseq} {method}")),
    ];
    for route in route_set {
        headers.push(("Route", route.clone()));
    }
    Request {
        method,
        uri: remote_target,
        via: local,
        branch,
        headers,
        sdp: None,
    }
    .write()
}
