//! Call control: what each engine telephony command means in SIP and media, and what each SIP
//! event means to the engine. Sans IO: no socket, no clock, no SIP library.
//!
//! The driver feeds one [`Input`] at a time and then drains every [`Action`] with
//! [`CallControl::poll_action`], in order. Legs are the engine's: inbound legs get ids from
//! [`CallControl`] (without [`sentral_engine::ENGINE_LEG_BIT`]), outbound legs come with the
//! engine's `RingAgent` and `Dial` commands.
//!
//! A leg goes through these states:
//!
//! ```text
//! inbound:  Offered ──Answer──▶ Opening ──media──▶ Up ──▶ Gone
//!              └──Reject / far end CANCEL──▶ Gone
//! outbound: Opening ──media──▶ Calling ──1xx──▶ Ringing ──2xx──▶ Up ──▶ Gone
//!              └──no phone / failure / HangUp (CANCEL)──▶ Gone
//! ```
//!
//! Every decision is here: which SIP status a refusal gets, which SDP is offered or answered,
//! which failure cause a status means to the engine, when a hang-up is a CANCEL, a BYE or a
//! rejection, and which far-end events the engine must hear (only those of legs it still
//! has: a leg the engine hung up is never reported back as hung up).

use crate::sdp::{self, Direction, LocalAudio, Negotiated, RemoteAudio};
use sentral_engine::{
    ENGINE_LEG_BIT, FailCause, InteractionId, LegId, Prompt, RejectCause, TelephonyCommand,
    TelephonyEvent,
};
use sentral_media::G711;
use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// What one organisation (tenant) receives: its numbers and the trunks it accepts calls from.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct TenantRoutes {
    /// The numbers (DNIS) of its entry points, digits as dialled.
    pub numbers: Vec<String>,
    /// Addresses whose INVITEs are accepted (the trunk allow-list).
    pub trunk_peers: Vec<IpAddr>,
}

/// Where an agent's phone is reached: its registered contact.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct PhoneContact {
    /// The contact URI it registered.
    pub uri: String,
    /// Where to send the INVITE (see [`phone_destination`]).
    pub source: SocketAddr,
    /// Whether it registered over TCP.
    pub tcp: bool,
}

/// How call control is set up.
#[derive(Clone, Debug)]
pub struct CallConfig {
    /// Where dial-outs go (the outbound trunk); without one they fail at once.
    pub trunk: Option<SocketAddr>,
    /// The codecs we offer and accept, most preferred first.
    pub codecs: Vec<G711>,
}

impl Default for CallConfig {
    fn default() -> Self {
        CallConfig {
            trunk: None,
            codecs: vec![G711::Pcmu, G711::Pcma],
        }
    }
}

/// One thing that happened, for [`CallControl::handle`].
#[derive(Clone, Debug)]
pub enum Input {
    /// The engine of `tenant` commands something. For `RingAgent`, `phone` is the registered
    /// contact of the extension (the driver looked it up), `None` when it is not registered.
    Command {
        /// Whose engine.
        tenant: Arc<str>,
        /// What it commands.
        command: TelephonyCommand,
        /// The phone to ring, for `RingAgent`.
        phone: Option<PhoneContact>,
    },
    /// A leg's RTP socket is open at `rtp`.
    MediaOpened {
        /// The leg.
        leg: LegId,
        /// Our RTP address for the SDP.
        rtp: SocketAddr,
    },
    /// A leg's RTP socket could not be opened (port range exhausted).
    MediaFailed {
        /// The leg.
        leg: LegId,
    },
    /// An outbound leg got a provisional response (180 or 183).
    Progress {
        /// The leg.
        leg: LegId,
    },
    /// An outbound leg was answered (2xx) with this SDP.
    Answered {
        /// The leg.
        leg: LegId,
        /// The 2xx body.
        sdp: Vec<u8>,
    },
    /// An outbound leg failed with this final status; `None` when no answer came at all
    /// (timeout or transport error).
    Failed {
        /// The leg.
        leg: LegId,
        /// The final status.
        status: Option<u16>,
    },
    /// The far end ended the leg: BYE, or CANCEL of an inbound INVITE.
    FarEndHungUp {
        /// The leg.
        leg: LegId,
    },
    /// The far end sent a re-INVITE with this offer; answer with [`Action::AnswerReInvite`].
    ReInvite {
        /// The leg.
        leg: LegId,
        /// The offer (may be empty: then we offer in the 200).
        sdp: Vec<u8>,
    },
    /// A prompt started with [`Action::PlayPrompt`] was played to its end.
    PromptDone {
        /// The leg.
        leg: LegId,
    },
    /// A DTMF digit from the leg's RTP (RFC 4733) or SIP INFO.
    Dtmf {
        /// The leg.
        leg: LegId,
        /// The digit.
        digit: char,
    },
}

/// A new INVITE, for [`CallControl::invite_arrived`].
#[derive(Clone, Debug)]
pub struct NewCall<'a> {
    /// Where it came from.
    pub source: IpAddr,
    /// The number dialled (Request-URI user).
    pub dnis: &'a str,
    /// The caller's number (P-Asserted-Identity or From user); empty when withheld.
    pub ani: &'a str,
    /// The INVITE's body.
    pub sdp: &'a [u8],
}

/// Why a new INVITE is refused at once.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Refusal {
    /// The SIP status.
    pub status: u16,
    /// Its reason phrase, which says why.
    pub reason: String,
}

/// Something the driver must do, drained with [`CallControl::poll_action`].
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Tell the engine of `tenant`.
    Engine {
        /// Whose engine.
        tenant: Arc<str>,
        /// What happened.
        event: TelephonyEvent,
    },
    /// Open an RTP socket for the leg; answer with [`Input::MediaOpened`] or
    /// [`Input::MediaFailed`].
    OpenMedia {
        /// The leg.
        leg: LegId,
    },
    /// Send the leg's RTP to the far end as agreed.
    ConnectMedia {
        /// The leg.
        leg: LegId,
        /// What was agreed.
        media: Negotiated,
    },
    /// Media topology, as the engine commanded.
    Topology(Topology),
    /// Play a voice prompt to the leg; answer with [`Input::PromptDone`].
    PlayPrompt {
        /// The leg.
        leg: LegId,
        /// Which prompt.
        prompt: Prompt,
    },
    /// Close the leg's RTP socket.
    CloseMedia {
        /// The leg.
        leg: LegId,
    },
    /// Answer the inbound INVITE with 200 and this SDP.
    Accept {
        /// The leg.
        leg: LegId,
        /// Our answer.
        sdp: String,
    },
    /// Refuse the inbound INVITE.
    Reject {
        /// The leg.
        leg: LegId,
        /// SIP status.
        status: u16,
        /// Reason phrase (also sent as a `Reason` header).
        reason: String,
    },
    /// Send an INVITE for an outbound leg.
    Invite {
        /// The leg.
        leg: LegId,
        /// The Request-URI.
        uri: String,
        /// Where to send it.
        destination: SocketAddr,
        /// Over TCP rather than UDP.
        tcp: bool,
        /// The caller's number for `From` and `P-Asserted-Identity`.
        caller: Option<String>,
        /// The interaction, for the `X-Sentral-Interaction` header to our own phones; `None`
        /// for dial-outs through the trunk (a carrier sees none of our ids).
        interaction: Option<InteractionId>,
        /// Our offer.
        sdp: String,
    },
    /// Cancel an outbound INVITE not answered yet.
    Cancel {
        /// The leg.
        leg: LegId,
    },
    /// End an established leg with BYE.
    Bye {
        /// The leg.
        leg: LegId,
    },
    /// Remove background noise from what the leg sends, or stop (R1).
    Denoise {
        /// The customer's leg.
        leg: LegId,
        /// On or off.
        on: bool,
    },
    /// Start, pause, resume or stop an interaction's recording (R31, R32).
    Recording {
        /// Whose interaction (its recordings live in the tenant's folder).
        tenant: Arc<str>,
        /// The interaction recorded.
        interaction: InteractionId,
        /// What to do.
        change: RecordingChange,
    },
    /// Answer a re-INVITE: 200 with our SDP, or a refusal with no body.
    AnswerReInvite {
        /// The leg.
        leg: LegId,
        /// 200, or 488 when the offer cannot be read or has no common codec.
        status: u16,
        /// Our answer, with 200.
        sdp: Option<String>,
    },
}

/// A change to an interaction's recording, as the engine commanded.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum RecordingChange {
    /// Record from the customer's leg.
    Start {
        /// The customer's leg.
        leg: LegId,
    },
    /// Write silence until resumed.
    Pause,
    /// Write the call again.
    Resume,
    /// Finish the file.
    Stop,
}

/// Who hears whom, as the engine commanded (see `sentral_media::CallMixer`).
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum Topology {
    /// Two legs hear each other only.
    Bridge(LegId, LegId),
    /// The leg hears music on hold.
    Hold(LegId),
    /// Each leg hears all the others.
    Conference(Vec<LegId>),
}

/// The call-control state machine of all legs.
#[derive(Debug)]
pub struct CallControl {
    config: CallConfig,
    routes: HashMap<Arc<str>, TenantRoutes>,
    legs: HashMap<LegId, Leg>,
    actions: VecDeque<Action>,
    next_inbound: u64,
    next_session_id: u64,
}

#[derive(Debug)]
struct Leg {
    tenant: Arc<str>,
    state: State,
    /// The far end's latest offer or answer.
    remote: Option<RemoteAudio>,
    /// Our RTP address and SDP version, once the socket is open.
    local: Option<LocalAudio>,
    /// What to do once the RTP socket is open.
    then: Then,
    /// A prompt is being played to the leg.
    prompting: bool,
    /// The engine hung the leg up while a prompt played: end it when the prompt is over, so
    /// the caller hears it to the end (the courtesy callback's confirmation, R37).
    bye_after_prompt: bool,
}

#[derive(Clone, Copy, Debug, Eq, PartialEq)]
enum State {
    /// Inbound, reported to the engine, not answered.
    Offered,
    /// Waiting for the RTP socket.
    Opening,
    /// Outbound INVITE sent, no provisional response yet.
    Calling,
    /// Outbound, ringing.
    Ringing,
    /// Answered both ways.
    Up,
}

#[derive(Clone, Debug)]
enum Then {
    Nothing,
    Accept,
    Invite {
        uri: String,
        destination: SocketAddr,
        tcp: bool,
        caller: Option<String>,
        interaction: Option<InteractionId>,
    },
}

impl CallControl {
    /// Call control with no tenants yet.
    pub fn new(config: CallConfig) -> Self {
        CallControl {
            config,
            routes: HashMap::new(),
            legs: HashMap::new(),
            actions: VecDeque::new(),
            next_inbound: 1,
            next_session_id: 1,
        }
    }

    /// Sets (or replaces) what a tenant receives.
    pub fn set_routes(&mut self, tenant: &str, routes: TenantRoutes) {
        self.routes.insert(tenant.into(), routes);
    }

    /// Changes the outbound trunk.
    pub fn set_trunk(&mut self, trunk: Option<SocketAddr>) {
        self.config.trunk = trunk;
    }

    /// Legs that exist (for metrics and tests).
    pub fn n_legs(&self) -> usize {
        self.legs.len()
    }

    /// A new INVITE: refused at once (403 from a peer no organisation accepts, 404 for a
    /// number no organisation that accepts the peer has, 488 for an offer without a common
    /// codec), or a new leg reported to the tenant's engine as `CallArrived`.
    pub fn invite_arrived(&mut self, call: NewCall<'_>) -> Result<LegId, Refusal> {
        let trusting: Vec<&Arc<str>> = self
            .routes
            .iter()
            .filter(|(_, routes)| routes.trunk_peers.contains(&call.source))
            .map(|(tenant, _)| tenant)
            .collect();
        if trusting.is_empty() {
            return Err(Refusal {
                status: 403,
                reason: format!("{} is not an accepted trunk", call.source),
            });
        }
        let dnis = digits(call.dnis);
        let Some(tenant) = trusting
            .into_iter()
            .find(|tenant| {
                self.routes[*tenant]
                    .numbers
                    .iter()
                    .any(|n| digits(n) == dnis)
            })
            .cloned()
        else {
            return Err(Refusal {
                status: 404,
                reason: format!("no entry point has the number {:?}", call.dnis),
            });
        };
        let remote = sdp::parse(call.sdp)
            .and_then(|remote| {
                sdp::choose_codec(&remote, &self.config.codecs)?;
                Ok(remote)
            })
            .map_err(|error| Refusal {
                status: 488,
                reason: error.to_string(),
            })?;
        let leg = LegId(self.next_inbound);
        self.next_inbound = (self.next_inbound + 1) & !ENGINE_LEG_BIT;
        self.legs.insert(
            leg,
            Leg {
                tenant: tenant.clone(),
                state: State::Offered,
                remote: Some(remote),
                local: None,
                then: Then::Nothing,
                prompting: false,
                bye_after_prompt: false,
            },
        );
        self.actions.push_back(Action::Engine {
            tenant,
            event: TelephonyEvent::CallArrived {
                leg,
                dnis: call.dnis.to_owned(),
                ani: call.ani.to_owned(),
            },
        });
        Ok(leg)
    }

    /// Feeds one input; drain [`CallControl::poll_action`] afterwards.
    pub fn handle(&mut self, input: Input) {
        match input {
            Input::Command {
                tenant,
                command,
                phone,
            } => self.command(tenant, command, phone),
            Input::MediaOpened { leg, rtp } => self.media_opened(leg, rtp),
            Input::MediaFailed { leg } => {
                if let Some(state) = self.state(leg) {
                    tracing::warn!(%leg, "no RTP port is free: the leg fails");
                    match state {
                        State::Opening if self.is_inbound(leg) => {
                            self.push(Action::Reject {
                                leg,
                                status: 503,
                                reason: "no media port is free".into(),
                            });
                            self.far_end_gone(leg, None);
                        }
                        _ => self.far_end_gone(leg, Some(FailCause::Error)),
                    }
                }
            }
            Input::Progress { leg } => {
                if self.state(leg) == Some(State::Calling) {
                    self.set_state(leg, State::Ringing);
                    self.engine(leg, TelephonyEvent::Ringing { leg });
                }
            }
            Input::Answered { leg, sdp } => self.answered(leg, &sdp),
            Input::Failed { leg, status } => {
                if matches!(self.state(leg), Some(State::Calling | State::Ringing)) {
                    self.far_end_gone(leg, Some(fail_cause(status)));
                }
            }
            Input::FarEndHungUp { leg } => match self.state(leg) {
                Some(State::Calling | State::Ringing) => {
                    self.far_end_gone(leg, Some(FailCause::Error))
                }
                Some(_) => {
                    self.push(Action::CloseMedia { leg });
                    self.engine(leg, TelephonyEvent::HungUp { leg });
                    self.legs.remove(&leg);
                }
                None => {}
            },
            Input::ReInvite { leg, sdp } => self.re_invite(leg, &sdp),
            Input::PromptDone { leg } => {
                let Some(state) = self.legs.get_mut(&leg) else {
                    return;
                };
                state.prompting = false;
                if state.bye_after_prompt {
                    self.legs.remove(&leg);
                    self.push(Action::Bye { leg });
                    self.push(Action::CloseMedia { leg });
                }
            }
            Input::Dtmf { leg, digit } => {
                if self.legs.contains_key(&leg) {
                    self.engine(leg, TelephonyEvent::Dtmf { leg, digit });
                }
            }
        }
    }

    /// The next action, in order; `None` when all are drained.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    fn command(
        &mut self,
        tenant: Arc<str>,
        command: TelephonyCommand,
        phone: Option<PhoneContact>,
    ) {
        match command {
            TelephonyCommand::Answer { leg } => {
                if self.state(leg) == Some(State::Offered) {
                    self.set_state(leg, State::Opening);
                    if let Some(state) = self.legs.get_mut(&leg) {
                        state.then = Then::Accept;
                    }
                    self.push(Action::OpenMedia { leg });
                }
            }
            TelephonyCommand::Reject { leg, cause } => {
                if self.state(leg) == Some(State::Offered) {
                    let (status, reason) = match cause {
                        RejectCause::UnknownNumber => (404, "no entry point has this number"),
                        RejectCause::TooManyCalls => {
                            (503, "the organisation's concurrent-call limit is reached")
                        }
                    };
                    self.push(Action::Reject {
                        leg,
                        status,
                        reason: reason.into(),
                    });
                    self.legs.remove(&leg);
                }
            }
            TelephonyCommand::RingAgent {
                leg,
                interaction,
                extension,
                caller_number,
                ..
            } => match phone {
                Some(phone) => self.place(
                    tenant,
                    leg,
                    Then::Invite {
                        uri: phone.uri,
                        destination: phone.source,
                        tcp: phone.tcp,
                        caller: caller_number,
                        interaction: Some(interaction),
                    },
                ),
                None => {
                    tracing::info!(%leg, extension, "the agent's phone is not registered");
                    self.push(Action::Engine {
                        tenant,
                        event: TelephonyEvent::Failed {
                            leg,
                            cause: FailCause::Unavailable,
                        },
                    });
                }
            },
            TelephonyCommand::Dial {
                leg,
                interaction: _,
                number,
            } => match self.config.trunk {
                Some(trunk) => self.place(
                    tenant,
                    leg,
                    Then::Invite {
                        uri: format!("sip:{}@{trunk}", number.as_str()),
                        destination: trunk,
                        tcp: false,
                        caller: None,
                        interaction: None,
                    },
                ),
                None => {
                    tracing::warn!(%leg, %number, "no outbound trunk is configured: dial-out fails");
                    self.push(Action::Engine {
                        tenant,
                        event: TelephonyEvent::Failed {
                            leg,
                            cause: FailCause::Unavailable,
                        },
                    });
                }
            },
            TelephonyCommand::HangUp { leg } => self.hang_up(leg),
            TelephonyCommand::Bridge { a, b } => {
                self.push(Action::Topology(Topology::Bridge(a, b)))
            }
            TelephonyCommand::Hold { leg } => self.push(Action::Topology(Topology::Hold(leg))),
            TelephonyCommand::Conference { legs } => {
                self.push(Action::Topology(Topology::Conference(legs)))
            }
            TelephonyCommand::PlayPrompt { leg, prompt } => {
                if let Some(state) = self.legs.get_mut(&leg)
                    && state.state == State::Up
                {
                    state.prompting = true;
                    self.push(Action::PlayPrompt { leg, prompt });
                }
            }
            TelephonyCommand::Denoise { leg, on } => {
                // A leg the call control does not have (a dial-out that failed at once) has no
                // media to clean.
                if self.legs.contains_key(&leg) {
                    self.push(Action::Denoise { leg, on });
                }
            }
            TelephonyCommand::StartRecording { interaction, leg } => {
                self.recording(tenant, interaction, RecordingChange::Start { leg })
            }
            TelephonyCommand::PauseRecording { interaction } => {
                self.recording(tenant, interaction, RecordingChange::Pause)
            }
            TelephonyCommand::ResumeRecording { interaction } => {
                self.recording(tenant, interaction, RecordingChange::Resume)
            }
            TelephonyCommand::StopRecording { interaction } => {
                self.recording(tenant, interaction, RecordingChange::Stop)
            }
        }
    }

    fn recording(&mut self, tenant: Arc<str>, interaction: InteractionId, change: RecordingChange) {
        self.push(Action::Recording {
            tenant,
            interaction,
            change,
        });
    }

    /// Starts an outbound leg: its RTP socket first, then the INVITE.
    fn place(&mut self, tenant: Arc<str>, leg: LegId, then: Then) {
        if self.legs.contains_key(&leg) {
            tracing::warn!(%leg, "the engine placed a leg twice; ignored");
            return;
        }
        self.legs.insert(
            leg,
            Leg {
                tenant,
                state: State::Opening,
                remote: None,
                local: None,
                then,
                prompting: false,
                bye_after_prompt: false,
            },
        );
        self.push(Action::OpenMedia { leg });
    }

    fn media_opened(&mut self, leg: LegId, rtp: SocketAddr) {
        let session_id = self.next_session_id;
        let Some(state) = self.legs.get_mut(&leg) else {
            // Hung up while the socket was being opened.
            self.push(Action::CloseMedia { leg });
            return;
        };
        if state.state != State::Opening {
            return;
        }
        self.next_session_id += 1;
        let local = LocalAudio {
            rtp,
            session_id,
            session_version: 1,
        };
        match std::mem::replace(&mut state.then, Then::Nothing) {
            Then::Accept => {
                let remote = state.remote.clone().expect("an inbound leg has the offer");
                match sdp::answer(&remote, &local, &self.config.codecs) {
                    Ok((answer, media)) => {
                        state.state = State::Up;
                        state.local = Some(local);
                        self.push(Action::ConnectMedia { leg, media });
                        self.push(Action::Accept { leg, sdp: answer });
                        // Queued callers hear music until the engine connects them.
                        self.push(Action::Topology(Topology::Hold(leg)));
                    }
                    Err(error) => {
                        self.push(Action::Reject {
                            leg,
                            status: 488,
                            reason: error.to_string(),
                        });
                        self.push(Action::CloseMedia { leg });
                        self.far_end_gone(leg, None);
                    }
                }
            }
            Then::Invite {
                uri,
                destination,
                tcp,
                caller,
                interaction,
            } => {
                state.state = State::Calling;
                let offer = sdp::offer(&local, &self.config.codecs, Direction::SendRecv);
                state.local = Some(local);
                self.push(Action::Invite {
                    leg,
                    uri,
                    destination,
                    tcp,
                    caller,
                    interaction,
                    sdp: offer,
                });
            }
            Then::Nothing => {}
        }
    }

    fn answered(&mut self, leg: LegId, body: &[u8]) {
        if !matches!(self.state(leg), Some(State::Calling | State::Ringing)) {
            return;
        }
        match sdp::parse(body).and_then(|remote| sdp::negotiated(&remote).map(|m| (remote, m))) {
            Ok((remote, media)) => {
                if let Some(state) = self.legs.get_mut(&leg) {
                    state.state = State::Up;
                    state.remote = Some(remote);
                }
                self.push(Action::ConnectMedia { leg, media });
                self.engine(leg, TelephonyEvent::Answered { leg });
            }
            Err(error) => {
                tracing::warn!(%leg, %error, "the answer's SDP is not usable: the leg is ended");
                self.push(Action::Bye { leg });
                self.far_end_gone(leg, Some(FailCause::Error));
            }
        }
    }

    fn re_invite(&mut self, leg: LegId, body: &[u8]) {
        let codecs = self.config.codecs.clone();
        let Some(state) = self.legs.get_mut(&leg) else {
            return;
        };
        let Some(local) = state.local.as_mut() else {
            self.push(Action::AnswerReInvite {
                leg,
                status: 491,
                sdp: None,
            });
            return;
        };
        local.session_version += 1;
        if body.is_empty() {
            // An offerless re-INVITE: we offer what we have; the answer comes in the ACK,
            // which changes nothing we would do differently.
            let offer = sdp::offer(local, &codecs, Direction::SendRecv);
            self.push(Action::AnswerReInvite {
                leg,
                status: 200,
                sdp: Some(offer),
            });
            return;
        }
        let answer = sdp::parse(body)
            .and_then(|remote| sdp::answer(&remote, local, &codecs).map(|a| (remote, a)));
        match answer {
            Ok((remote, (answer, media))) => {
                state.remote = Some(remote);
                self.push(Action::ConnectMedia { leg, media });
                self.push(Action::AnswerReInvite {
                    leg,
                    status: 200,
                    sdp: Some(answer),
                });
            }
            Err(error) => {
                tracing::info!(%leg, %error, "a re-INVITE's offer is refused (488)");
                self.push(Action::AnswerReInvite {
                    leg,
                    status: 488,
                    sdp: None,
                });
            }
        }
    }

    /// The engine hangs a leg up: a CANCEL while it rings, a BYE once up, a rejection of an
    /// inbound call not answered yet. The engine is not told back.
    fn hang_up(&mut self, leg: LegId) {
        if let Some(state) = self.legs.get_mut(&leg)
            && state.prompting
            && state.state == State::Up
        {
            // Still heard by the caller; BYE when the prompt is over.
            state.bye_after_prompt = true;
            return;
        }
        let Some(state) = self.legs.remove(&leg) else {
            return;
        };
        match state.state {
            State::Offered => self.push(Action::Reject {
                leg,
                status: 480,
                reason: "the call was ended before it was answered".into(),
            }),
            State::Opening if self.is_inbound_id(leg) => {
                self.push(Action::Reject {
                    leg,
                    status: 480,
                    reason: "the call was ended before it was answered".into(),
                });
                // The socket being opened is closed when it reports.
            }
            State::Opening => {}
            State::Calling | State::Ringing => {
                self.push(Action::Cancel { leg });
                self.push(Action::CloseMedia { leg });
            }
            State::Up => {
                self.push(Action::Bye { leg });
                self.push(Action::CloseMedia { leg });
            }
        }
    }

    /// The leg ended from the far end (or could not be set up): the engine hears `Failed`
    /// with `cause` (outbound legs) or `HungUp` (inbound legs, `cause` `None`).
    fn far_end_gone(&mut self, leg: LegId, cause: Option<FailCause>) {
        let Some(state) = self.legs.remove(&leg) else {
            return;
        };
        if state.local.is_some() {
            self.push(Action::CloseMedia { leg });
        }
        let event = match cause {
            Some(cause) => TelephonyEvent::Failed { leg, cause },
            None => TelephonyEvent::HungUp { leg },
        };
        self.push(Action::Engine {
            tenant: state.tenant,
            event,
        });
    }

    fn state(&self, leg: LegId) -> Option<State> {
        self.legs.get(&leg).map(|l| l.state)
    }

    fn set_state(&mut self, leg: LegId, state: State) {
        if let Some(l) = self.legs.get_mut(&leg) {
            l.state = state;
        }
    }

    fn is_inbound(&self, leg: LegId) -> bool {
        self.legs.contains_key(&leg) && self.is_inbound_id(leg)
    }

    fn is_inbound_id(&self, leg: LegId) -> bool {
        leg.0 & ENGINE_LEG_BIT == 0
    }

    fn engine(&mut self, leg: LegId, event: TelephonyEvent) {
        if let Some(state) = self.legs.get(&leg) {
            let tenant = state.tenant.clone();
            self.push(Action::Engine { tenant, event });
        }
    }

    fn push(&mut self, action: Action) {
        self.actions.push_back(action);
    }
}

/// What a final status of an outbound INVITE means to the engine (R21).
pub fn fail_cause(status: Option<u16>) -> FailCause {
    match status {
        Some(486 | 600) => FailCause::Busy,
        Some(480 | 404 | 410) => FailCause::Unavailable,
        Some(603) => FailCause::Declined,
        Some(408) | None => FailCause::NoAnswer,
        Some(_) => FailCause::Error,
    }
}

/// Where to send an INVITE for a phone that registered `contact` from `source`: the contact's
/// address when it names the host the REGISTER came from (a phone on the same network, or
/// several programs on one host, as in tests), else the source (a phone behind NAT, whose
/// contact names an address nobody outside can reach).
pub fn phone_destination(contact: &str, source: SocketAddr) -> SocketAddr {
    let host_port = contact
        .trim_start_matches('<')
        .split_once(':')
        .map_or("", |(_, rest)| rest);
    let host_port = host_port.rsplit_once('@').map_or(host_port, |(_, h)| h);
    let host_port = host_port.split([';', '>', '?']).next().unwrap_or_default();
    let parsed = host_port.parse::<SocketAddr>().ok().or_else(|| {
        host_port
            .parse::<IpAddr>()
            .ok()
            .map(|ip| SocketAddr::new(ip, 5060))
    });
    match parsed {
        Some(addr) if addr.ip() == source.ip() => addr,
        _ => source,
    }
}

/// The digits of a number, for comparing a Request-URI user with configured numbers.
fn digits(number: &str) -> String {
    number
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '+' || *c == '*' || *c == '#')
        .collect()
}
