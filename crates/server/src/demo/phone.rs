//! A simulated agent phone: a small SIP user agent on its own loopback UDP socket.
//!
//! It registers its extension with MD5 digest and keeps the registration fresh, rings on an
//! INVITE (100, 180), answers with 200 and an SDP answer for its own RTP socket (µ-law first),
//! talks (a speech-like voice), and handles CANCEL (200, 487), BYE (200) and re-INVITEs (200
//! with its SDP, so hold and resume work). It answers by itself after a few seconds unless it
//! is manual, in which case a person answers and hangs up from the demo phone page. One call at
//! a time: another INVITE meanwhile is answered 486 Busy Here.

use super::rtp::{Stream, Target, Voice};
use super::sip::{self, Message, Request};
use super::{PhoneNotice, Rng};
use sentral_media::G711;
use sentral_sip::sdp::{self, LocalAudio};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// Who the phone is and where it registers.
#[derive(Clone, Debug)]
pub struct PhoneSettings {
    /// The extension it registers as (also the digest user name).
    pub extension: String,
    /// The agent whose phone it is, for the demo phone page.
    pub agent: String,
    /// The SIP password.
    pub password: String,
    /// Sentral's SIP address.
    pub server: SocketAddr,
    /// The shortest and longest time a phone that answers by itself rings first.
    pub answer_after: (Duration, Duration),
    /// The registration interval it asks for, in seconds.
    pub register_expires_s: u32,
    /// The talker's pitch in Hz.
    pub pitch_hz: f32,
}

/// What the demo phone page shows of a phone.
#[derive(Clone, Debug)]
pub struct PhoneStatus {
    /// Whether its registration is current.
    pub registered: bool,
    /// Why the last registration failed, if it did.
    pub problem: Option<String>,
    /// Whether it waits for a person to answer.
    pub manual: bool,
    /// The call it has, if any.
    pub call: Option<CallStatus>,
}

/// A phone's call as the page shows it.
#[derive(Clone, Debug)]
pub struct CallStatus {
    /// Ringing or talking.
    pub ringing: bool,
    /// The caller's number as the INVITE gives it.
    pub caller: String,
    /// When it started ringing, or was answered.
    pub since: Instant,
}

/// What a person (the demo phone page) does with a phone.
#[derive(Clone, Copy, Debug)]
pub enum PhoneCommand {
    /// Pick up the ringing call.
    Answer,
    /// Hang up the call, or decline it while it rings.
    HangUp,
    /// Wait for a person to answer (true) or answer by itself (false).
    SetManual(bool),
}

/// A running simulated phone.
pub struct Phone {
    /// Its settings.
    pub settings: PhoneSettings,
    /// Its state, as the task last published it.
    status: watch::Receiver<PhoneStatus>,
    /// RTP packets received in calls so far.
    packets_heard: Arc<AtomicU64>,
    /// Commands to the task, each with its answer.
    commands: mpsc::Sender<(PhoneCommand, oneshot::Sender<Result<(), &'static str>>)>,
    /// The task.
    task: JoinHandle<()>,
}

impl Phone {
    /// Binds the phone's sockets on loopback and starts it: it registers at once.
    pub async fn start(
        settings: PhoneSettings,
        notices: mpsc::Sender<PhoneNotice>,
        rng: Rng,
    ) -> std::io::Result<Phone> {
        let ip = sip::reachable(settings.server).ip();
        let sip_socket = Arc::new(UdpSocket::bind((ip, 0)).await?);
        let rtp_socket = Arc::new(UdpSocket::bind((ip, 0)).await?);
        let (status_tx, status) = watch::channel(PhoneStatus {
            registered: false,
            problem: None,
            manual: false,
            call: None,
        });
        let (commands, command_rx) = mpsc::channel(16);
        let packets_heard = Arc::new(AtomicU64::new(0));
        let mut rng = rng;
        let agent = PhoneAgent {
            local: sip_socket.local_addr()?,
            server: sip::reachable(settings.server),
            settings: settings.clone(),
            sip: sip_socket.clone(),
            rtp: rtp_socket,
            registration: Registration {
                call_id: format!("reg-{}-{:08x}", settings.extension, rng.next_u32()),
                tag: format!("{:08x}", rng.next_u32()),
                cseq: 0,
                pending: None,
                registered_until: None,
                next_at: Instant::now(),
                problem: None,
                expires_s: settings.register_expires_s,
            },
            call: None,
            manual: false,
            rng,
            notices,
            status: status_tx,
            packets_heard: packets_heard.clone(),
            session_version: 1,
        };
        let task = tokio::spawn(agent.run(sip_socket, command_rx));
        Ok(Phone {
            settings,
            status,
            packets_heard,
            commands,
            task,
        })
    }

    /// Its current state.
    pub fn status(&self) -> PhoneStatus {
        self.status.borrow().clone()
    }

    /// RTP packets it has received in calls.
    pub fn packets_heard(&self) -> u64 {
        self.packets_heard.load(Ordering::Relaxed)
    }

    /// Carries out a person's command; `Err` says why it cannot be done now.
    pub async fn command(&self, command: PhoneCommand) -> Result<(), &'static str> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send((command, reply))
            .await
            .map_err(|_| "the phone stopped")?;
        answer.await.map_err(|_| "the phone stopped")?
    }

    /// Stops the phone (its sockets close; Sentral sees the registration run out).
    pub fn stop(&self) {
        self.task.abort();
    }
}

/// The task behind a [`Phone`].
struct PhoneAgent {
    settings: PhoneSettings,
    /// Our SIP address (for `Via` and `Contact`).
    local: SocketAddr,
    /// Where every request goes (Sentral is registrar and outbound proxy).
    server: SocketAddr,
    sip: Arc<UdpSocket>,
    rtp: Arc<UdpSocket>,
    registration: Registration,
    /// The one call the phone has.
    call: Option<Call>,
    /// Waits for a person to answer.
    manual: bool,
    rng: Rng,
    /// Tells the simulated customers which caller the phone answered, and when a person left.
    notices: mpsc::Sender<PhoneNotice>,
    status: watch::Sender<PhoneStatus>,
    packets_heard: Arc<AtomicU64>,
    /// The `o=` version of our next SDP.
    session_version: u64,
}

/// The phone's registration: one Call-ID for its lifetime, the CSeq rising with every REGISTER.
struct Registration {
    call_id: String,
    tag: String,
    cseq: u32,
    /// The CSeq of the REGISTER awaiting its final answer, and whether it carried credentials.
    pending: Option<(u32, bool)>,
    /// Until when Sentral keeps the binding.
    registered_until: Option<Instant>,
    /// When to send the next REGISTER: a refresh, a retry, or giving up on an answer.
    next_at: Instant,
    /// Why the last attempt failed.
    problem: Option<String>,
    /// The interval asked for (raised if Sentral answers 423).
    expires_s: u32,
}

/// An incoming call, from the INVITE to its end.
struct Call {
    /// The INVITE that created it (its Via, From, CSeq answer every response).
    invite: Message,
    /// Our `To` with our tag.
    local_to: String,
    /// The caller's number.
    caller: String,
    /// When it rang or was answered.
    since: Instant,
    /// Our last response to the INVITE, repeated for a retransmitted INVITE.
    last_response: String,
    phase: Phase,
    /// Our next in-dialog CSeq (for a BYE).
    local_cseq: u32,
    /// Whether a person answered it (from the demo phone page).
    answered_by_person: bool,
}

enum Phase {
    /// Ringing; answered by itself at this time unless manual.
    Ringing { answer_at: Option<Instant> },
    /// Answered: audio flows.
    Talking {
        media: Stream,
        /// A 2xx awaiting its ACK, retransmitted until it comes (RFC 3261 §13.3.1.4).
        unacked: Option<Unacked>,
    },
}

struct Unacked {
    text: String,
    cseq: u32,
    next_at: Instant,
    interval: Duration,
    give_up_at: Instant,
}

impl PhoneAgent {
    async fn run(
        mut self,
        sip_socket: Arc<UdpSocket>,
        mut commands: mpsc::Receiver<(PhoneCommand, oneshot::Sender<Result<(), &'static str>>)>,
    ) {
        let mut buf = vec![0u8; sip::DATAGRAM_BYTES_MAX];
        loop {
            let deadline = self.next_deadline();
            tokio::select! {
                received = sip_socket.recv_from(&mut buf) => match received {
                    Ok((n, _)) => {
                        if let Some(message) = Message::parse(&buf[..n]) {
                            self.on_message(message).await;
                        }
                    }
                    Err(error) => {
                        // ICMP port unreachable surfaces here on some systems; keep going.
                        tracing::debug!(%error, extension = self.settings.extension, "demo phone receive");
                    }
                },
                command = commands.recv() => {
                    let Some((command, reply)) = command else { return };
                    let result = self.on_command(command).await;
                    let _ = reply.send(result);
                }
                () = tokio::time::sleep_until(deadline) => self.on_timeout().await,
            }
            self.publish();
        }
    }

    fn next_deadline(&self) -> Instant {
        let mut deadline = self.registration.next_at;
        match self.call.as_ref().map(|call| &call.phase) {
            Some(Phase::Ringing {
                answer_at: Some(at),
            }) => deadline = deadline.min(*at),
            Some(Phase::Talking {
                unacked: Some(unacked),
                ..
            }) => deadline = deadline.min(unacked.next_at),
            _ => {}
        }
        deadline
    }

    fn publish(&self) {
        let now = Instant::now();
        let registered = self
            .registration
            .registered_until
            .is_some_and(|until| until > now);
        let call = self.call.as_ref().map(|call| CallStatus {
            ringing: matches!(call.phase, Phase::Ringing { .. }),
            caller: call.caller.clone(),
            since: call.since,
        });
        self.status.send_if_modified(|status| {
            let changed = status.registered != registered
                || status.problem != self.registration.problem
                || status.manual != self.manual
                || status.call.as_ref().map(|c| (c.ringing, c.since))
                    != call.as_ref().map(|c| (c.ringing, c.since));
            *status = PhoneStatus {
                registered,
                problem: self.registration.problem.clone(),
                manual: self.manual,
                call,
            };
            changed
        });
    }

    async fn on_timeout(&mut self) {
        let now = Instant::now();
        if self.registration.next_at <= now {
            if self.registration.pending.is_some() {
                self.registration.problem = Some("no answer from Sentral".into());
            }
            self.register(None).await;
        }
        match self.call.as_mut().map(|call| &mut call.phase) {
            Some(Phase::Ringing {
                answer_at: Some(at),
            }) if *at <= now => self.answer().await,
            Some(Phase::Talking {
                unacked: Some(unacked),
                ..
            }) if unacked.next_at <= now => {
                if unacked.give_up_at <= now {
                    tracing::info!(
                        extension = self.settings.extension,
                        "no ACK for our 200; hanging up"
                    );
                    self.hang_up().await;
                    return;
                }
                unacked.interval = (unacked.interval * 2).min(RETRANSMIT_MAX);
                unacked.next_at = now + unacked.interval;
                let text = unacked.text.clone();
                self.send(&text).await;
            }
            _ => {}
        }
    }

    async fn on_command(&mut self, command: PhoneCommand) -> Result<(), &'static str> {
        match command {
            PhoneCommand::SetManual(manual) => {
                self.manual = manual;
                let delay = self.answer_delay();
                // A call ringing now follows the new choice too.
                if let Some(Call {
                    phase: Phase::Ringing { answer_at },
                    ..
                }) = &mut self.call
                {
                    *answer_at = (!manual).then(|| Instant::now() + delay);
                }
                Ok(())
            }
            PhoneCommand::Answer => match &self.call {
                Some(Call {
                    phase: Phase::Ringing { .. },
                    ..
                }) => {
                    self.answer().await;
                    Ok(())
                }
                Some(_) => Err("the phone is already in a call"),
                None => Err("the phone is not ringing"),
            },
            PhoneCommand::HangUp => {
                if self.call.is_none() {
                    return Err("the phone has no call");
                }
                self.hang_up().await;
                Ok(())
            }
        }
    }

    async fn on_message(&mut self, message: Message) {
        match message.method() {
            None => self.on_response(message).await,
            Some("INVITE") => self.on_invite(message).await,
            Some("ACK") => self.on_ack(&message),
            Some("CANCEL") => self.on_cancel(message).await,
            Some("BYE") => self.on_bye(message).await,
            Some("OPTIONS" | "INFO" | "NOTIFY") => {
                let to = message.header("To").unwrap_or_default().to_owned();
                self.reply(&message, 200, "OK", &to, None).await;
            }
            Some(_) => {
                let to = message.header("To").unwrap_or_default().to_owned();
                self.reply(&message, 501, "Not Implemented", &to, None)
                    .await;
            }
        }
    }

    async fn on_invite(&mut self, invite: Message) {
        if let Some(call) = &self.call
            && call.invite.call_id() == invite.call_id()
        {
            if invite.to_tag().is_empty() {
                // The INVITE again: our answer was lost or is late.
                let text = call.last_response.clone();
                self.send(&text).await;
            } else {
                self.on_reinvite(invite).await;
            }
            return;
        }
        let tag = format!("{:08x}", self.rng.next_u32());
        let local_to = format!("{};tag={tag}", invite.header("To").unwrap_or_default());
        if !invite.to_tag().is_empty() {
            self.reply(
                &invite,
                481,
                "Call/Transaction Does Not Exist",
                &local_to,
                None,
            )
            .await;
            return;
        }
        if self.call.is_some() {
            self.reply(&invite, 486, "Busy Here", &local_to, None).await;
            return;
        }
        let to = invite.header("To").unwrap_or_default().to_owned();
        self.reply(&invite, 100, "Trying", &to, None).await;
        if sdp::parse(invite.body.as_bytes()).is_err() {
            self.reply(&invite, 488, "Not Acceptable Here", &local_to, None)
                .await;
            return;
        }
        let ringing = invite.response(
            180,
            "Ringing",
            &local_to,
            &[("Contact", self.contact())],
            None,
        );
        self.send(&ringing).await;
        let answer_at = (!self.manual).then(|| Instant::now() + self.answer_delay());
        tracing::info!(
            extension = self.settings.extension,
            caller = invite.caller(),
            "demo phone rings"
        );
        self.call = Some(Call {
            caller: invite.caller(),
            invite,
            local_to,
            since: Instant::now(),
            last_response: ringing,
            phase: Phase::Ringing { answer_at },
            local_cseq: 1,
            answered_by_person: false,
        });
    }

    /// Picks up the ringing call: 200 with our SDP answer, and audio starts.
    async fn answer(&mut self) {
        let local = self.local_audio();
        let Some(call) = &mut self.call else { return };
        let negotiated = sdp::parse(call.invite.body.as_bytes())
            .map_err(|error| error.to_string())
            .and_then(|offer| {
                sdp::answer(&offer, &local, &[G711::Pcmu, G711::Pcma])
                    .map_err(|error| error.to_string())
            });
        let (answer, negotiated) = match negotiated {
            Ok(answer) => answer,
            Err(error) => {
                tracing::warn!(%error, "demo phone cannot answer the offer");
                let text =
                    call.invite
                        .response(488, "Not Acceptable Here", &call.local_to, &[], None);
                self.send(&text).await;
                self.call = None;
                return;
            }
        };
        let text = call.invite.response(
            200,
            "OK",
            &call.local_to,
            &[("Contact", contact(&self.settings.extension, self.local))],
            Some(&answer),
        );
        let now = Instant::now();
        let media = Stream::start(
            self.rtp.clone(),
            Voice::new(self.settings.pitch_hz, self.rng.fork()),
            target(&negotiated),
            self.packets_heard.clone(),
        );
        call.last_response = text.clone();
        call.since = now;
        call.phase = Phase::Talking {
            media,
            unacked: Some(Unacked {
                text: text.clone(),
                cseq: call.invite.cseq().0,
                next_at: now + RETRANSMIT_FIRST,
                interval: RETRANSMIT_FIRST,
                give_up_at: now + ACK_WAIT_MAX,
            }),
        };
        call.answered_by_person = self.manual;
        let answered = PhoneNotice::Answered {
            caller: call.caller.clone(),
            manual: self.manual,
        };
        self.send(&text).await;
        // The customers may be gone (the demo stops); the phone does not care.
        let _ = self.notices.try_send(answered);
        tracing::info!(extension = self.settings.extension, "demo phone answered");
    }

    /// A re-INVITE in our call (hold, resume, a new media address): 200 with our SDP.
    async fn on_reinvite(&mut self, invite: Message) {
        let local = self.local_audio();
        let Some(call) = &mut self.call else { return };
        let Phase::Talking { media, unacked } = &mut call.phase else {
            let text = invite.response(491, "Request Pending", &call.local_to, &[], None);
            self.send(&text).await;
            return;
        };
        let body = if invite.body.trim().is_empty() {
            // An INVITE without an offer: we offer, the ACK answers.
            Ok(sdp::offer(
                &local,
                &[G711::Pcmu, G711::Pcma],
                sdp::Direction::SendRecv,
            ))
        } else {
            sdp::parse(invite.body.as_bytes())
                .map_err(|error| error.to_string())
                .and_then(|offer| {
                    sdp::answer(&offer, &local, &[G711::Pcmu, G711::Pcma])
                        .map_err(|error| error.to_string())
                })
                .map(|(answer, negotiated)| {
                    media.retarget(target(&negotiated));
                    answer
                })
        };
        let text = match body {
            Ok(body) => invite.response(
                200,
                "OK",
                &call.local_to,
                &[("Contact", contact(&self.settings.extension, self.local))],
                Some(&body),
            ),
            Err(error) => {
                tracing::warn!(%error, "demo phone refuses a re-INVITE");
                invite.response(488, "Not Acceptable Here", &call.local_to, &[], None)
            }
        };
        if text.starts_with("SIP/2.0 200") {
            let now = Instant::now();
            *unacked = Some(Unacked {
                text: text.clone(),
                cseq: invite.cseq().0,
                next_at: now + RETRANSMIT_FIRST,
                interval: RETRANSMIT_FIRST,
                give_up_at: now + ACK_WAIT_MAX,
            });
        }
        self.send(&text).await;
    }

    fn on_ack(&mut self, ack: &Message) {
        let Some(call) = &mut self.call else { return };
        if call.invite.call_id() != ack.call_id() {
            return;
        }
        if let Phase::Talking { media, unacked } = &mut call.phase {
            if unacked.as_ref().is_some_and(|u| u.cseq == ack.cseq().0) {
                *unacked = None;
            }
            // The answer to an offer we made in a 200 arrives in the ACK.
            if let Ok(negotiated) =
                sdp::parse(ack.body.as_bytes()).and_then(|answer| sdp::negotiated(&answer))
            {
                media.retarget(target(&negotiated));
            }
        }
    }

    async fn on_cancel(&mut self, cancel: Message) {
        let Some(call) = &self.call else {
            let to = cancel.header("To").unwrap_or_default().to_owned();
            self.reply(&cancel, 481, "Call/Transaction Does Not Exist", &to, None)
                .await;
            return;
        };
        if call.invite.call_id() != cancel.call_id() {
            let to = cancel.header("To").unwrap_or_default().to_owned();
            self.reply(&cancel, 481, "Call/Transaction Does Not Exist", &to, None)
                .await;
            return;
        }
        let local_to = call.local_to.clone();
        self.reply(&cancel, 200, "OK", &local_to, None).await;
        if let Some(Call {
            phase: Phase::Ringing { .. },
            invite,
            ..
        }) = &self.call
        {
            let text = invite.response(487, "Request Terminated", &local_to, &[], None);
            self.send(&text).await;
            tracing::info!(
                extension = self.settings.extension,
                "demo phone stops ringing (CANCEL)"
            );
            self.call = None;
        }
    }

    async fn on_bye(&mut self, bye: Message) {
        let ours = self
            .call
            .as_ref()
            .is_some_and(|call| call.invite.call_id() == bye.call_id());
        let to = bye.header("To").unwrap_or_default().to_owned();
        if ours {
            self.reply(&bye, 200, "OK", &to, None).await;
            tracing::info!(
                extension = self.settings.extension,
                "demo phone hung up by Sentral"
            );
            if let Some(call) = self.call.take() {
                self.person_left(&call);
            }
        } else {
            self.reply(&bye, 481, "Call/Transaction Does Not Exist", &to, None)
                .await;
        }
    }

    /// Ends the call from our side: declines it while it rings, else sends BYE.
    async fn hang_up(&mut self) {
        let Some(mut call) = self.call.take() else {
            return;
        };
        self.person_left(&call);
        if let Phase::Ringing { .. } = call.phase {
            let text = call
                .invite
                .response(603, "Decline", &call.local_to, &[], None);
            self.send(&text).await;
            return;
        }
        let remote_target = call
            .invite
            .contact_uri()
            .map_or_else(|| format!("sip:{}", self.server), str::to_owned);
        let mut headers = vec![
            ("From", call.local_to.clone()),
            (
                "To",
                call.invite.header("From").unwrap_or_default().to_owned(),
            ),
            ("Call-ID", call.invite.call_id().to_owned()),
            ("CSeq", format!("{} BYE", call.local_cseq)),
        ];
        // As the called party our route set is the INVITE's Record-Route, in order.
        for route in call.invite.all("Record-Route") {
            headers.push(("Route", route.to_owned()));
        }
        call.local_cseq += 1;
        self.send_request("BYE", &remote_target, headers).await;
        tracing::info!(extension = self.settings.extension, "demo phone hangs up");
    }

    async fn on_response(&mut self, response: Message) {
        let (cseq, method) = response.cseq();
        if method != "REGISTER"
            || response.call_id() != self.registration.call_id
            || self.registration.pending.map(|(pending, _)| pending) != Some(cseq)
        {
            // Answers to our BYEs need nothing.
            return;
        }
        let Some(status) = response.status() else {
            return;
        };
        let had_credentials = self.registration.pending.is_some_and(|(_, with)| with);
        let now = Instant::now();
        match status {
            100..=199 => {}
            200..=299 => {
                let granted = self.granted_expiry(&response);
                self.registration.pending = None;
                self.registration.problem = None;
                self.registration.registered_until = Some(now + granted);
                // Refresh halfway, as phones do.
                self.registration.next_at = now + granted / 2;
                tracing::debug!(
                    extension = self.settings.extension,
                    ?granted,
                    "demo phone registered"
                );
            }
            401 | 407 if !had_credentials || is_stale(&response) => {
                let uri = format!("sip:{}", self.server);
                let cnonce = format!("{:016x}", self.rng.next_u64());
                match sip::authorization(
                    &response,
                    &self.settings.extension,
                    &self.settings.password,
                    "REGISTER",
                    &uri,
                    &cnonce,
                ) {
                    Some(authorization) => self.register(Some(authorization)).await,
                    None => self.failed("Sentral offered no MD5 challenge"),
                }
            }
            423 => {
                let minimum = response
                    .header("Min-Expires")
                    .and_then(|m| m.trim().parse().ok())
                    .unwrap_or(3600);
                self.registration.expires_s = minimum;
                self.register(None).await;
            }
            _ => self.failed(&format!(
                "Sentral refused the registration: {}",
                response.start.trim_start_matches("SIP/2.0 ")
            )),
        }
    }

    /// Tells the customers when a call a person answered ends at this phone: if the customer is
    /// still on the line (the call went to someone else), they end it after a talk time.
    fn person_left(&self, call: &Call) {
        if call.answered_by_person {
            let _ = self.notices.try_send(PhoneNotice::PersonLeft {
                caller: call.caller.clone(),
            });
        }
    }

    fn failed(&mut self, problem: &str) {
        tracing::warn!(
            extension = self.settings.extension,
            problem,
            "demo phone not registered"
        );
        self.registration.pending = None;
        self.registration.problem = Some(problem.to_owned());
        self.registration.next_at = Instant::now() + REGISTER_RETRY;
    }

    /// Sends a REGISTER, with credentials when answering a challenge.
    async fn register(&mut self, authorization: Option<String>) {
        let registration = &mut self.registration;
        registration.cseq += 1;
        registration.pending = Some((registration.cseq, authorization.is_some()));
        registration.next_at = Instant::now() + ANSWER_WAIT;
        let aor = format!("<sip:{}@{}>", self.settings.extension, self.server);
        let mut headers = vec![
            ("From", format!("{aor};tag={}", registration.tag)),
            ("To", aor),
            ("Call-ID", registration.call_id.clone()),
            ("CSeq", format!("{} REGISTER", registration.cseq)),
            ("Contact", contact(&self.settings.extension, self.local)),
            ("Expires", registration.expires_s.to_string()),
        ];
        if let Some(authorization) = authorization {
            headers.push(("Authorization", authorization));
        }
        let uri = format!("sip:{}", self.server);
        self.send_request("REGISTER", &uri, headers).await;
    }

    /// The interval Sentral granted: our Contact's `expires`, else `Expires`, else what we asked.
    fn granted_expiry(&self, ok: &Message) -> Duration {
        let ours = format!("{}", self.local);
        let from_contact = ok
            .all("Contact")
            .flat_map(|value| value.split(','))
            .find(|contact| contact.contains(&ours))
            .and_then(|contact| sip::param(contact, "expires"))
            .and_then(|e| e.parse().ok());
        let seconds = from_contact
            .or_else(|| ok.header("Expires").and_then(|e| e.trim().parse().ok()))
            .unwrap_or(self.registration.expires_s);
        Duration::from_secs(u64::from(seconds.max(10)))
    }

    fn local_audio(&mut self) -> LocalAudio {
        self.session_version += 1;
        LocalAudio {
            rtp: self
                .rtp
                .local_addr()
                .expect("a bound socket has an address"),
            session_id: u64::from(self.rng.next_u32()),
            session_version: self.session_version,
        }
    }

    fn contact(&self) -> String {
        contact(&self.settings.extension, self.local)
    }

    fn answer_delay(&mut self) -> Duration {
        let (shortest, longest) = self.settings.answer_after;
        self.rng.between(shortest, longest)
    }

    async fn reply(
        &self,
        request: &Message,
        status: u16,
        reason: &str,
        to: &str,
        sdp: Option<&str>,
    ) {
        let text = request.response(status, reason, to, &[], sdp);
        self.send(&text).await;
    }

    /// Sends a request without a body, in a new transaction (a fresh branch).
    async fn send_request(&mut self, method: &str, uri: &str, headers: Vec<(&str, String)>) {
        let branch = format!("{:08x}", self.rng.next_u32());
        let text = Request {
            method,
            uri,
            via: self.local,
            branch: &branch,
            headers,
            sdp: None,
        }
        .write();
        self.send(&text).await;
    }

    async fn send(&self, text: &str) {
        if let Err(error) = self.sip.send_to(text.as_bytes(), self.server).await {
            tracing::warn!(%error, extension = self.settings.extension, "demo phone cannot send");
        }
    }
}

/// How long a REGISTER waits for its answer before it is sent again.
const ANSWER_WAIT: Duration = Duration::from_secs(5);

/// How long a refused registration waits before it tries again.
const REGISTER_RETRY: Duration = Duration::from_secs(30);

/// RFC 3261's T1: the first retransmission of an unacknowledged 2xx.
const RETRANSMIT_FIRST: Duration = Duration::from_millis(500);

/// RFC 3261's T2: the longest interval between retransmissions.
const RETRANSMIT_MAX: Duration = Duration::from_secs(4);

/// RFC 3261's 64·T1: how long a 2xx waits for its ACK before the call is given up.
const ACK_WAIT_MAX: Duration = Duration::from_secs(32);

fn contact(extension: &str, local: SocketAddr) -> String {
    format!("<sip:{extension}@{local}>")
}

fn is_stale(challenge: &Message) -> bool {
    challenge
        .all("WWW-Authenticate")
        .any(|h| sip::param(h, "stale").is_some_and(|s| s.eq_ignore_ascii_case("true")))
}

/// Where our audio goes for what SDP agreed.
pub fn target(negotiated: &sdp::Negotiated) -> Target {
    Target {
        to: negotiated.remote_rtp,
        codec: negotiated.codec,
        payload_type: negotiated.payload_type,
        sends: negotiated.direction.sends() && !negotiated.remote_rtp.ip().is_unspecified(),
    }
}
