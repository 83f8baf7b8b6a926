//! The tokio driver: one task owns the [`Registrar`], the [`CallControl`] and the clock, takes
//! requests and call signals from the transport and commands from the server, and reports
//! registration and call events back.
//!
//! The loop follows the crate's contract: one input (a request, a call signal, a command, a
//! media event or the timer), then drain every output, then sleep until the registrar's
//! [`Registrar::poll_timeout`]. REGISTER goes to the registrar, OPTIONS (keep-alives and pings)
//! gets 200, INVITEs and everything inside their dialogs go to the call control (through
//! rsipstack's dialog layer), and other methods get 501.
//!
//! How a SIP event becomes an engine input: the transport reads it into a [`Signal`], the
//! driver finds the leg of its dialog and feeds [`calls::Input`]; the call control's
//! [`Action::Engine`] goes out as [`SipEvent::Telephony`]. How an engine command becomes SIP
//! and media: the server calls [`SipService::command`]; the call control answers with SIP
//! actions (INVITE, 200, CANCEL, BYE…) carried out through the transport and media actions
//! carried out through [`Media`].

use crate::calls::{
    self, Action, CallConfig, CallControl, NewCall, PhoneContact, RecordingChange, TenantRoutes,
    Topology,
};
use crate::media::{Media, MediaConfig, MediaEvent};
use crate::registrar::{
    Account, Binding, Event, RegisterRequest, Registrar, RegistrarConfig, Reply,
};
use crate::transport::{
    Answer, BindError, Call, CallKey, Calls, Inbound, Outbound, ReInviteReply, RequestFacts,
    Responder, Signal, SipMethod, SipTransport, reason_header,
};
use sentral_engine::{LegId, TelephonyCommand, TelephonyEvent};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

/// How to start the SIP service.
#[derive(Clone, Debug)]
pub struct SipOptions {
    /// Where UDP and TCP listen; port 0 picks one free port for both.
    pub addr: SocketAddr,
    /// The registrar's behaviour.
    pub registrar: RegistrarConfig,
    /// The accounts to start with, by tenant (see [`SipService::set_accounts`]).
    pub accounts: Vec<(String, Vec<Account>)>,
    /// The numbers and trunk peers of each tenant (see [`SipService::set_routes`]).
    pub routes: Vec<(String, TenantRoutes)>,
    /// Where RTP sockets are bound.
    pub media: MediaConfig,
    /// Where dial-outs go; without it they fail at once.
    pub trunk: Option<SocketAddr>,
    /// User name and password for the outbound trunk's 401 or 407 challenges.
    pub trunk_credential: Option<(String, String)>,
    /// The outbound trunk over TLS: its certificate is checked against the name and trust
    /// roots given here. `None`: dial-outs go over UDP.
    pub trunk_tls: Option<TrunkTls>,
    /// The session interval asked for and granted (RFC 4028); default 30 minutes.
    pub session_expires: Duration,
    /// The shortest session interval accepted (`Min-SE`); default 90 s.
    pub session_expires_min: Duration,
    /// Where call recordings are written (`<dir>/<tenant>/<interaction id>.wav`); without it
    /// calls are not recorded (R31).
    pub recordings: Option<PathBuf>,
    /// SIP over TLS on a port of its own; `None`: UDP and TCP only.
    pub tls: Option<SipTls>,
}

/// SIP over TLS (RFC 3261 section 26.2): where it listens, the certificate it presents and
/// whom it trusts when it opens a TLS connection itself.
#[derive(Clone)]
pub struct SipTls {
    /// Where the TLS listener binds (port 0 picks a free one); 5061 by convention.
    pub addr: SocketAddr,
    /// rustls's server configuration (the certificate, reloadable through its resolver).
    pub server_config: std::sync::Arc<rustls::ServerConfig>,
}

/// How the outbound trunk is reached over TLS.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct TrunkTls {
    /// The trunk's host name: the name its certificate must carry (and the SNI sent).
    pub name: String,
    /// PEM trust roots its certificate must chain to.
    pub ca_certs: Vec<u8>,
    /// SRTP for dial-outs (keys cross only over TLS, so the setting lives here).
    pub srtp: crate::srtp::SrtpPolicy,
}

impl std::fmt::Debug for SipTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SipTls")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl SipOptions {
    /// SIP on `addr` with no accounts or routes yet, RTP on 20000–29999 of the same address
    /// (127.0.0.1 when `addr` is unspecified) and no outbound trunk.
    pub fn at(addr: SocketAddr) -> SipOptions {
        let ip = if addr.ip().is_unspecified() {
            std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST)
        } else {
            addr.ip()
        };
        SipOptions {
            addr,
            registrar: RegistrarConfig::default(),
            accounts: Vec::new(),
            routes: Vec::new(),
            media: MediaConfig {
                ip,
                ports: (20000, 29999),
                rtp_timeout: Some(Duration::from_secs(60)),
            },
            trunk: None,
            trunk_credential: None,
            trunk_tls: None,
            session_expires: CallConfig::default().session_expires,
            session_expires_min: CallConfig::default().session_expires_min,
            recordings: None,
            tls: None,
        }
    }
}

/// The running SIP service: listeners, transactions, the registrar's and calls' task.
pub struct SipService {
    /// Where UDP and TCP listen.
    local_addr: SocketAddr,
    /// Where SIP over TLS listens, when it does.
    tls_addr: Option<SocketAddr>,
    /// Commands for the driver task; the task ends when this is dropped.
    commands: mpsc::UnboundedSender<Command>,
    /// The RTP side (for statistics).
    media: Media,
}

/// What the SIP service reports to the server.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum SipEvent {
    /// A phone registered or went away.
    Registration(Event),
    /// Something happened to a call leg of `tenant`, for its engine.
    Telephony {
        /// The organisation.
        tenant: String,
        /// What happened.
        event: TelephonyEvent,
    },
}

/// The SIP address could not be bound.
#[derive(Debug, thiserror::Error)]
#[error("cannot listen for SIP ({transport}) on {addr}: {reason}")]
pub struct StartError {
    /// The address asked for.
    pub addr: SocketAddr,
    /// `UDP`, `TCP` or `SIP`.
    pub transport: &'static str,
    /// What the operating system or the SIP library said.
    pub reason: String,
}

/// What the server asks of the driver task.
enum Command {
    SetAccounts {
        tenant: String,
        accounts: Vec<Account>,
    },
    SetRoutes {
        tenant: String,
        routes: TenantRoutes,
    },
    Telephony {
        tenant: String,
        command: TelephonyCommand,
    },
    Bindings {
        realm: String,
        extension: String,
        reply: oneshot::Sender<Vec<Binding>>,
    },
    Stop {
        done: oneshot::Sender<()>,
    },
}

/// What the driver task owns.
struct Driver {
    /// The sans-IO registrar.
    registrar: Registrar,
    /// The sans-IO call control.
    calls: CallControl,
    /// Realm of each tenant, to find an extension's phone.
    realms: HashMap<String, String>,
    /// The dialog of each leg.
    dialogs: HashMap<LegId, Call>,
    /// The leg of each dialog.
    legs: HashMap<CallKey, LegId>,
    /// Re-INVITEs waiting for the call control's answer.
    re_invites: HashMap<LegId, ReInviteReply>,
    /// Sends INVITEs.
    transport: Calls,
    /// RTP.
    media: Media,
    /// Results of work done in other tasks (RTP sockets opened), fed back as inputs.
    feedback: mpsc::UnboundedSender<calls::Input>,
    /// Where recordings go (see [`SipOptions::recordings`]).
    recordings: Option<PathBuf>,
    /// The outbound trunk's credentials (see [`SipOptions::trunk_credential`]).
    trunk_credential: Option<(String, String)>,
    /// Events for the server.
    events: mpsc::Sender<SipEvent>,
}

impl SipService {
    /// Binds `options.addr` (UDP and TCP) and starts serving. Registration and call events
    /// arrive on the returned channel, in order.
    pub async fn start(
        options: SipOptions,
    ) -> Result<(SipService, mpsc::Receiver<SipEvent>), StartError> {
        let (transport, requests, signals) = SipTransport::bind(
            options.addr,
            options.tls.as_ref(),
            options.trunk_tls.as_ref(),
            REQUEST_QUEUE_LEN,
        )
        .await
        .map_err(|BindError { transport, reason }| StartError {
            addr: match (&options.tls, transport) {
                (Some(tls), "TLS") => tls.addr,
                _ => options.addr,
            },
            transport,
            reason,
        })?;
        let local_addr = transport.local_addr;
        let tls_addr = transport.tls_addr;
        let epoch = Instant::now();
        let mut registrar = Registrar::new(options.registrar, secret(), epoch.into_std());
        let mut realms = HashMap::new();
        for (tenant, accounts) in options.accounts {
            if let Some(account) = accounts.first() {
                realms.insert(tenant.clone(), account.realm.clone());
            }
            registrar.set_accounts(&tenant, accounts);
        }
        let mut calls = CallControl::new(
            CallConfig {
                trunk: options.trunk,
                trunk_tls_name: options.trunk_tls.as_ref().map(|tls| tls.name.clone()),
                trunk_srtp: options
                    .trunk_tls
                    .as_ref()
                    .map(|tls| tls.srtp)
                    .unwrap_or_default(),
                session_expires: options.session_expires,
                session_expires_min: options.session_expires_min,
                ..CallConfig::default()
            },
            secret(),
            epoch.into_std(),
        );
        for (tenant, routes) in options.routes {
            calls.set_routes(&tenant, routes);
        }
        let (media, media_events) = Media::start(options.media);
        let (events, events_received) = mpsc::channel(EVENT_QUEUE_LEN);
        let (commands, commands_received) = mpsc::unbounded_channel();
        let (feedback, feedback_received) = mpsc::unbounded_channel();
        let driver = Driver {
            registrar,
            calls,
            realms,
            dialogs: HashMap::new(),
            legs: HashMap::new(),
            re_invites: HashMap::new(),
            transport: transport.calls.clone(),
            media: media.clone(),
            feedback,
            recordings: options.recordings,
            trunk_credential: options.trunk_credential,
            events,
        };
        tokio::spawn(driver.run(
            transport,
            Inputs {
                requests,
                signals,
                commands: commands_received,
                feedback: feedback_received,
                media: media_events,
            },
        ));
        tracing::info!(%local_addr, ?tls_addr, "SIP is listening (UDP and TCP; TLS on tls_addr)");
        Ok((
            SipService {
                local_addr,
                tls_addr,
                commands,
                media,
            },
            events_received,
        ))
    }

    /// Where UDP and TCP listen.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Where SIP over TLS listens, when it does.
    pub fn tls_addr(&self) -> Option<SocketAddr> {
        self.tls_addr
    }

    /// The RTP side, for statistics.
    pub fn media(&self) -> &Media {
        &self.media
    }

    /// Replaces the accounts of `tenant` (e.g. after an administrator changed an
    /// organisation); phones of removed or changed accounts are unregistered.
    pub fn set_accounts(&self, tenant: &str, accounts: Vec<Account>) {
        let _ = self.commands.send(Command::SetAccounts {
            tenant: tenant.to_owned(),
            accounts,
        });
    }

    /// Replaces the numbers and trunk peers of `tenant`.
    pub fn set_routes(&self, tenant: &str, routes: TenantRoutes) {
        let _ = self.commands.send(Command::SetRoutes {
            tenant: tenant.to_owned(),
            routes,
        });
    }

    /// Carries out an engine's telephony command; what comes of it arrives as
    /// [`SipEvent::Telephony`]. Does not wait.
    pub fn command(&self, tenant: &str, command: TelephonyCommand) {
        let _ = self.commands.send(Command::Telephony {
            tenant: tenant.to_owned(),
            command,
        });
    }

    /// The current bindings of an extension: where its phone can be reached.
    pub async fn bindings(&self, realm: &str, extension: &str) -> Vec<Binding> {
        let (reply, answer) = oneshot::channel();
        let _ = self.commands.send(Command::Bindings {
            realm: realm.to_owned(),
            extension: extension.to_owned(),
            reply,
        });
        answer.await.unwrap_or_default()
    }

    /// Stops listening and ends the driver task; returns once the listeners were told to stop.
    /// Dropping the service stops it too, without waiting.
    pub async fn shutdown(&self) {
        let (done, stopped) = oneshot::channel();
        if self.commands.send(Command::Stop { done }).is_ok() {
            let _ = stopped.await;
        }
    }
}

/// Everything the driver task reads.
struct Inputs {
    requests: mpsc::Receiver<Inbound>,
    signals: mpsc::Receiver<Signal>,
    commands: mpsc::UnboundedReceiver<Command>,
    feedback: mpsc::UnboundedReceiver<calls::Input>,
    media: mpsc::Receiver<MediaEvent>,
}

impl Driver {
    async fn run(mut self, transport: SipTransport, mut inputs: Inputs) {
        loop {
            let deadline = match (self.registrar.poll_timeout(), self.calls.poll_timeout()) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            }
            .map(Instant::from_std);
            tokio::select! {
                inbound = inputs.requests.recv() => match inbound {
                    Some(inbound) => self.handle_request(inbound),
                    None => break,
                },
                signal = inputs.signals.recv() => match signal {
                    Some(signal) => self.handle_signal(signal),
                    None => break,
                },
                command = inputs.commands.recv() => match command {
                    Some(Command::SetAccounts { tenant, accounts }) => {
                        if let Some(account) = accounts.first() {
                            self.realms.insert(tenant.clone(), account.realm.clone());
                        }
                        self.registrar.set_accounts(&tenant, accounts);
                    }
                    Some(Command::SetRoutes { tenant, routes }) => {
                        self.calls.set_routes(&tenant, routes);
                    }
                    Some(Command::Telephony { tenant, command }) => {
                        self.telephony(tenant, command);
                    }
                    Some(Command::Bindings { realm, extension, reply }) => {
                        let _ = reply.send(self.registrar.bindings(&realm, &extension).to_vec());
                    }
                    Some(Command::Stop { done }) => {
                        transport.shutdown();
                        drop(transport);
                        let _ = done.send(());
                        return;
                    }
                    None => break,
                },
                input = inputs.feedback.recv() => {
                    if let Some(input) = input {
                        self.feed(input);
                    }
                }
                event = inputs.media.recv() => {
                    match event {
                        Some(MediaEvent::Dtmf { leg, digit }) => {
                            self.feed(calls::Input::Dtmf { leg, digit });
                        }
                        Some(MediaEvent::PromptDone { leg }) => {
                            self.feed(calls::Input::PromptDone { leg });
                        }
                        Some(MediaEvent::RtpTimeout { leg }) => {
                            self.feed(calls::Input::MediaTimeout { leg });
                        }
                        None => {}
                    }
                }
                () = sleep_until(deadline), if deadline.is_some() => {
                    let now = Instant::now().into_std();
                    self.registrar.handle_timeout(now);
                    let handled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        self.calls.handle_timeout(now)
                    }));
                    if handled.is_err() {
                        tracing::error!("call control panicked on a timer");
                    }
                }
            }
            self.drain().await;
        }
        transport.shutdown();
    }

    /// Reports what the registrar and the call control produced.
    async fn drain(&mut self) {
        while let Some(event) = self.registrar.poll_event() {
            tracing::info!(?event, "phone registration changed");
            self.report(SipEvent::Registration(event)).await;
        }
        while let Some(action) = self.calls.poll_action() {
            match action {
                Action::Engine { tenant, event } => {
                    tracing::debug!(org = &*tenant, ?event, "telephony event");
                    self.report(SipEvent::Telephony {
                        tenant: tenant.to_string(),
                        event,
                    })
                    .await;
                }
                other => self.carry_out(other),
            }
        }
    }

    async fn report(&self, event: SipEvent) {
        if self.events.send(event).await.is_err() {
            tracing::debug!("nobody listens to SIP events");
        }
    }

    /// Carries out one SIP or media action of the call control.
    fn carry_out(&mut self, action: Action) {
        match action {
            Action::Engine { .. } => unreachable!("reported in drain"),
            Action::OpenMedia { leg } => {
                let media = self.media.clone();
                let feedback = self.feedback.clone();
                tokio::spawn(async move {
                    let input = match media.open(leg).await {
                        Ok(rtp) => calls::Input::MediaOpened {
                            leg,
                            rtp,
                            key: crate::srtp::MasterKey::random(),
                        },
                        Err(error) => {
                            tracing::warn!(%leg, %error, "no RTP socket for a leg");
                            calls::Input::MediaFailed { leg }
                        }
                    };
                    let _ = feedback.send(input);
                });
            }
            Action::ConnectMedia { leg, media, peer } => self.media.connect_to(
                leg,
                crate::media::Remote {
                    sdp: media.remote_rtp,
                    peer,
                    codec: media.codec,
                    payload_type: media.payload_type,
                    telephone_event: media.telephone_event,
                    sending: media.direction.sends(),
                    // A far end that sends and receives must send RTP; one that put itself
                    // on hold (`sendonly`, `inactive`) need not.
                    expected: media.direction == crate::sdp::Direction::SendRecv,
                    srtp: media.srtp,
                },
            ),
            Action::Topology(Topology::Bridge(a, b)) => self.media.bridge(a, b),
            Action::Topology(Topology::Hold(leg)) => self.media.hold(leg),
            Action::Topology(Topology::Conference(legs)) => self.media.conference(&legs),
            Action::PlayPrompt { leg, prompt } => {
                self.media.play(leg, crate::prompts::samples(prompt));
            }
            Action::CloseMedia { leg } => self.media.close(leg),
            Action::Accept { leg, sdp, headers } => {
                if let Some(call) = self.dialogs.get(&leg) {
                    call.accept(sdp, headers);
                }
            }
            Action::Reject {
                leg,
                status,
                reason,
            } => {
                if let Some(call) = self.forget(leg) {
                    call.reject(status, &reason);
                }
            }
            Action::Invite {
                leg,
                uri,
                destination,
                transport,
                caller,
                interaction,
                sdp,
                mut headers,
                trunk,
            } => {
                headers.extend(interaction.map(|id| ("X-Sentral-Interaction", id.to_string())));
                let sent = self.transport.invite(Outbound {
                    uri,
                    destination,
                    transport,
                    caller,
                    headers,
                    sdp,
                    credential: if trunk {
                        self.trunk_credential.clone()
                    } else {
                        None
                    },
                });
                match sent {
                    Ok(call) => {
                        self.legs.insert(call.key().clone(), leg);
                        self.dialogs.insert(leg, call);
                    }
                    Err(error) => {
                        tracing::warn!(%leg, error, "an INVITE could not be sent");
                        let _ = self
                            .feedback
                            .send(calls::Input::Failed { leg, status: None });
                    }
                }
            }
            Action::Cancel { leg } | Action::Bye { leg } => {
                if let Some(call) = self.forget(leg) {
                    call.hang_up();
                }
            }
            Action::Denoise { leg, on } => self.media.denoise(leg, on),
            Action::Recording {
                tenant,
                interaction,
                change,
            } => match change {
                RecordingChange::Start { leg } => match &self.recordings {
                    Some(dir) => {
                        let path = dir.join(&*tenant).join(format!("{}.wav", interaction.0));
                        self.media.start_recording(interaction, leg, &path);
                    }
                    None => tracing::warn!(%interaction, "no recordings directory: not recorded"),
                },
                RecordingChange::Pause => self.media.pause_recording(interaction, true),
                RecordingChange::Resume => self.media.pause_recording(interaction, false),
                RecordingChange::Stop => self.media.stop_recording(interaction),
            },
            Action::AnswerReInvite {
                leg,
                status,
                sdp,
                headers,
            } => {
                if let Some(reply) = self.re_invites.remove(&leg) {
                    reply.send(status, sdp, headers);
                }
            }
            Action::Refresh {
                leg,
                update,
                sdp,
                headers,
            } => {
                if let Some(call) = self.dialogs.get(&leg) {
                    call.refresh(update, sdp, headers);
                }
            }
        }
    }

    /// An engine command: `RingAgent` gets the phone's registered contact first.
    fn telephony(&mut self, tenant: String, command: TelephonyCommand) {
        let phone = match &command {
            TelephonyCommand::RingAgent { extension, .. } => self.phone_of(&tenant, extension),
            _ => None,
        };
        self.feed(calls::Input::Command {
            tenant: Arc::from(tenant),
            command,
            phone,
        });
    }

    /// The phone of an extension: its most recently refreshed binding.
    fn phone_of(&self, tenant: &str, extension: &str) -> Option<PhoneContact> {
        let realm = self.realms.get(tenant)?;
        self.registrar
            .bindings(realm, extension)
            .iter()
            .max_by_key(|binding| binding.refreshed_at)
            .map(|binding| PhoneContact {
                uri: binding.contact.clone(),
                // Over TLS the phone is reached on the connection it registered over: its own
                // listener would need a certificate Sentral trusts, which phones rarely have.
                source: match binding.transport {
                    crate::registrar::Transport::Tls => binding.source,
                    _ => calls::phone_destination(&binding.contact, binding.source),
                },
                transport: binding.transport,
            })
    }

    fn feed(&mut self, input: calls::Input) {
        let leg = leg_of(&input);
        let now = Instant::now().into_std();
        // One bad call must not take every call down with it.
        let handled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.calls.handle(now, input)
        }));
        if handled.is_err() {
            tracing::error!(?leg, "call control panicked; the input was dropped");
        }
    }

    fn handle_signal(&mut self, signal: Signal) {
        match signal {
            Signal::Progress { call } => {
                if let Some(&leg) = self.legs.get(&call) {
                    self.feed(calls::Input::Progress { leg });
                }
            }
            Signal::Answered {
                call,
                sdp,
                session_timer,
            } => {
                if let Some(&leg) = self.legs.get(&call) {
                    self.feed(calls::Input::Answered {
                        leg,
                        sdp,
                        session_expires: session_timer.session_expires,
                        allow: session_timer.allow,
                    });
                }
            }
            Signal::Refreshed { call, status } => {
                if let Some(&leg) = self.legs.get(&call) {
                    self.feed(calls::Input::Refreshed { leg, status });
                }
            }
            Signal::Failed { call, status } => {
                if let Some(leg) = self.legs.get(&call).copied() {
                    self.forget(leg);
                    self.feed(calls::Input::Failed { leg, status });
                }
            }
            Signal::Ended { call } => {
                if let Some(leg) = self.legs.get(&call).copied() {
                    self.forget(leg);
                    self.feed(calls::Input::FarEndHungUp { leg });
                }
            }
            Signal::ReInvite {
                call,
                sdp,
                update,
                reply,
            } => match self.legs.get(&call).copied() {
                Some(leg) => {
                    self.re_invites.insert(leg, reply);
                    self.feed(calls::Input::ReInvite { leg, sdp, update });
                }
                None => reply.send(481, None, Vec::new()),
            },
            Signal::Info {
                call,
                content_type,
                body,
            } => {
                if let Some(&leg) = self.legs.get(&call)
                    && let Some(digit) = info_digit(&content_type, &body)
                {
                    self.feed(calls::Input::Dtmf { leg, digit });
                }
            }
        }
    }

    /// A new INVITE: checked by the call control first, so a refused one never gets a
    /// dialog (nor any other state) here.
    fn new_invite(&mut self, mut request: RequestFacts, responder: Responder) {
        let now = Instant::now().into_std();
        let source = (!request.source.ip().is_unspecified()).then_some(request.source.ip());
        let invite = request.invite.take().unwrap_or_default();
        let arrived = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.calls.invite_arrived(
                now,
                NewCall {
                    source,
                    transport: request.transport,
                    dnis: &request.request_user,
                    ani: &invite.caller,
                    sdp: &invite.body,
                    proxy_authorization: &invite.proxy_authorization,
                    session_expires: invite.session_timer.session_expires.as_deref(),
                    min_se: invite.session_timer.min_se.as_deref(),
                    supported: &invite.session_timer.supported,
                    allow: &invite.session_timer.allow,
                },
            )
        }));
        match arrived {
            Ok(Ok(leg)) => match self.transport.accept_invite(responder.into_transaction()) {
                Ok(call) => {
                    tracing::info!(%leg, source = %request.source, "a call arrived");
                    self.legs.insert(call.key().clone(), leg);
                    self.dialogs.insert(leg, call);
                }
                Err(error) => {
                    tracing::warn!(%leg, error, "an accepted INVITE has no dialog; the leg ends");
                    self.feed(calls::Input::FarEndHungUp { leg });
                }
            },
            Ok(Err(refusal)) => {
                // One line per refusal with the real source, for operators and fail2ban.
                tracing::info!(
                    source = %request.source,
                    status = refusal.status,
                    reason = refusal.reason,
                    "INVITE refused"
                );
                let mut headers = refusal.headers;
                headers.push(("Reason", reason_header(refusal.status, &refusal.reason)));
                responder.send(Answer {
                    status: refusal.status,
                    reason: reason_phrase(refusal.status).to_owned(),
                    headers,
                });
            }
            Err(_) => {
                tracing::error!(source = %request.source, "call control panicked on a new INVITE");
                responder.send(answer(500, "Server Internal Error"));
            }
        }
    }

    /// Forgets a leg's dialog; gives it back to end it.
    fn forget(&mut self, leg: LegId) -> Option<Call> {
        self.re_invites.remove(&leg);
        let call = self.dialogs.remove(&leg)?;
        self.legs.remove(call.key());
        Some(call)
    }

    fn handle_request(&mut self, inbound: Inbound) {
        let Inbound { request, responder } = inbound;
        if request.method == SipMethod::Invite && !request.in_dialog {
            return self.new_invite(request, responder);
        }
        let answer = match &request.method {
            SipMethod::Register => self.register(&request),
            SipMethod::Options => Answer {
                headers: vec![("Allow", crate::datagram::ALLOW.into())],
                ..answer(200, "OK")
            },
            // A re-INVITE that reaches here names a dialog we do not have.
            SipMethod::Invite => answer(481, "Call/Transaction Does Not Exist"),
            SipMethod::Other(method)
                if matches!(method.as_str(), "BYE" | "CANCEL" | "INFO" | "UPDATE") =>
            {
                answer(481, "Call/Transaction Does Not Exist")
            }
            SipMethod::Other(method) => {
                tracing::debug!(method, "SIP method not implemented");
                Answer {
                    headers: vec![("Allow", crate::datagram::ALLOW.into())],
                    ..answer(501, "Not Implemented")
                }
            }
        };
        responder.send(answer);
    }

    fn register(&mut self, request: &RequestFacts) -> Answer {
        let register = match register_request(request) {
            Ok(register) => register,
            Err(why) => return answer(400, &format!("Bad Request ({why})")),
        };
        let now = Instant::now().into_std();
        // A bug in one REGISTER must not take every phone's registrar down with it.
        let reply = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.registrar.handle_register(now, &register)
        }));
        let Ok(reply) = reply else {
            tracing::error!(
                extension = register.user,
                "the registrar panicked; REGISTER dropped"
            );
            return answer(500, "Server Internal Error");
        };
        // The whole line is the message, so fail2ban matches it with or without colours.
        match (&reply, reply.refusal_line(&register)) {
            (Reply::LockedOut { .. }, Some(line)) => tracing::warn!("{line}"),
            (_, Some(line)) => tracing::info!("{line}"),
            (_, None) => {}
        }
        answer_of(reply)
    }
}

/// The registrar's view of a REGISTER; what is wrong when a required header is missing or
/// unreadable (the reason of the 400, e.g. RFC 4475 `unksm2`'s `To: isbn:2983792873`).
fn register_request(request: &RequestFacts) -> Result<RegisterRequest, &'static str> {
    let expires = match request.expires {
        None => None,
        Some(Ok(seconds)) => Some(seconds),
        Some(Err(())) => return Err("Expires is not a number"),
    };
    Ok(RegisterRequest {
        user: request.to_user.clone().ok_or("no user in the To URI")?,
        domain: request.to_host.clone().unwrap_or_default(),
        call_id: request.call_id.clone().ok_or("no Call-ID")?,
        cseq: request.cseq.ok_or("no CSeq number")?,
        contacts: request
            .contacts
            .clone()
            .map_err(|()| "a Contact that does not read")?,
        expires,
        authorization: request.authorization.clone(),
        user_agent: request.user_agent.clone(),
        source: request.source,
        transport: request.transport,
    })
}

/// The SIP response for the registrar's reply.
fn answer_of(reply: Reply) -> Answer {
    let (status, reason) = reply.status();
    let mut headers = Vec::new();
    match reply {
        Reply::Challenge { www_authenticate } => {
            for value in www_authenticate {
                headers.push(("WWW-Authenticate", value));
            }
        }
        Reply::Registered { contacts, expires } => {
            for granted in contacts {
                headers.push((
                    "Contact",
                    format!("<{}>;expires={}", granted.contact, granted.expires),
                ));
            }
            if let Some(expires) = expires {
                headers.push(("Expires", expires.to_string()));
            }
        }
        Reply::IntervalTooBrief { min_expires } => {
            headers.push(("Min-Expires", min_expires.to_string()));
        }
        Reply::Forbidden | Reply::LockedOut { .. } | Reply::BadRequest { .. } => {}
    }
    // A 400 says what was wrong after the standard phrase, as the transport's refusals do.
    let reason = match status {
        400 => format!("Bad Request ({reason})"),
        _ => reason.to_owned(),
    };
    Answer {
        status,
        reason,
        headers,
    }
}

/// The reason phrase of a refusal's status line; why it was refused is in `Reason`.
fn reason_phrase(status: u16) -> &'static str {
    match status {
        403 => "Forbidden",
        404 => "Not Found",
        407 => "Proxy Authentication Required",
        422 => "Session Interval Too Small",
        480 => "Temporarily Unavailable",
        488 => "Not Acceptable Here",
        503 => "Service Unavailable",
        _ => "Refused",
    }
}

fn answer(status: u16, reason: &str) -> Answer {
    Answer {
        status,
        reason: reason.to_owned(),
        headers: Vec::new(),
    }
}

/// The leg an input is about, for logs.
fn leg_of(input: &calls::Input) -> Option<LegId> {
    match input {
        calls::Input::Command { command, .. } => match command {
            TelephonyCommand::Answer { leg }
            | TelephonyCommand::Reject { leg, .. }
            | TelephonyCommand::RingAgent { leg, .. }
            | TelephonyCommand::Dial { leg, .. }
            | TelephonyCommand::HangUp { leg } => Some(*leg),
            _ => None,
        },
        calls::Input::MediaOpened { leg, .. }
        | calls::Input::MediaFailed { leg }
        | calls::Input::Progress { leg }
        | calls::Input::Answered { leg, .. }
        | calls::Input::Failed { leg, .. }
        | calls::Input::FarEndHungUp { leg }
        | calls::Input::ReInvite { leg, .. }
        | calls::Input::PromptDone { leg }
        | calls::Input::Refreshed { leg, .. }
        | calls::Input::MediaTimeout { leg }
        | calls::Input::Dtmf { leg, .. } => Some(*leg),
    }
}

/// The digit of a SIP INFO: `application/dtmf-relay` (`Signal=1`) or `application/dtmf`.
fn info_digit(content_type: &str, body: &[u8]) -> Option<char> {
    let body = std::str::from_utf8(body).ok()?;
    let content_type = content_type.to_ascii_lowercase();
    let value = if content_type.starts_with("application/dtmf-relay") {
        body.lines().find_map(|line| {
            let (name, value) = line.split_once('=')?;
            name.trim()
                .eq_ignore_ascii_case("signal")
                .then_some(value.trim())
        })?
    } else if content_type.starts_with("application/dtmf") {
        body.trim()
    } else {
        return None;
    };
    let mut chars = value.chars();
    let digit = chars.next()?;
    (chars.next().is_none() && (digit.is_ascii_digit() || digit == '*' || digit == '#'))
        .then_some(digit)
}

/// A random key for the nonces; a new one each start, so nonces do not outlive the process.
fn secret() -> [u8; 32] {
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).expect("the operating system provides randomness");
    secret
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// Requests waiting for the driver; beyond it they are refused with 503.
const REQUEST_QUEUE_LEN: usize = 1024;
/// Registration events waiting for the server; beyond it the driver waits.
const EVENT_QUEUE_LEN: usize = 1024;

#[cfg(test)]
mod tests {
    use super::info_digit;

    #[test]
    fn r37_sip_info_digits_are_read_from_dtmf_relay_and_plain_dtmf_bodies() {
        assert_eq!(
            info_digit("application/dtmf-relay", b"Signal=1\r\nDuration=160\r\n"),
            Some('1')
        );
        assert_eq!(
            info_digit("Application/DTMF-Relay", b"signal = #\nDuration=100"),
            Some('#')
        );
        assert_eq!(info_digit("application/dtmf", b"5"), Some('5'));
        // Not a digit, several characters, another content type: nothing.
        assert_eq!(info_digit("application/dtmf-relay", b"Signal=x"), None);
        assert_eq!(info_digit("application/dtmf", b"12"), None);
        assert_eq!(info_digit("application/sdp", b"Signal=1"), None);
        assert_eq!(info_digit("application/dtmf-relay", &[0xff, 0xfe]), None);
    }
}
