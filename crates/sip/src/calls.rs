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

use crate::digest::{self, Algorithm, Challenge, Credentials, NonceBook, NonceUse};
pub use crate::registrar::Transport;
use crate::sdp::{self, Direction, LocalAudio, Negotiated, RemoteAudio};
use crate::session_timer::{self, Refresher, SessionOffer};
use crate::srtp::{self, Crypto, MasterKey, Offered, SrtpKeys, SrtpPolicy};
use sentral_engine::{
    ENGINE_LEG_BIT, FailCause, InteractionId, LegId, LostCause, Prompt, RejectCause,
    TelephonyCommand, TelephonyEvent,
};
use sentral_media::G711;
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What one organisation (tenant) receives: its numbers and the trunks it accepts calls from.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct TenantRoutes {
    /// The numbers (DNIS) of its entry points, digits as dialled.
    pub numbers: Vec<String>,
    /// Addresses whose INVITEs are accepted (the trunk allow-list).
    pub trunk_peers: Vec<IpAddr>,
    /// Trunks that must authenticate every INVITE with digest (407), by address.
    pub trunk_accounts: Vec<TrunkAccount>,
    /// The longest a leg of this organisation may be up; `None`: no limit.
    pub call_length_max: Option<Duration>,
    /// SRTP for calls from each trunk address; absent: [`SrtpPolicy::default`].
    pub trunk_srtp: HashMap<IpAddr, SrtpPolicy>,
    /// SRTP for calls to each agent's phone, by extension; absent: [`SrtpPolicy::default`].
    pub phone_srtp: HashMap<String, SrtpPolicy>,
}

/// The digest credentials a trunk peer authenticates its INVITEs with (only HA1s are kept).
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct TrunkAccount {
    /// The peer's address, one of [`TenantRoutes::trunk_peers`].
    pub peer: IpAddr,
    /// The digest realm.
    pub realm: String,
    /// The user name the trunk authenticates as.
    pub username: String,
    /// Lowercase hex MD5 of `username:realm:password`.
    pub ha1_md5: String,
    /// Lowercase hex SHA-256 of `username:realm:password`.
    pub ha1_sha256: String,
}

/// Where an agent's phone is reached: its registered contact.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct PhoneContact {
    /// The contact URI it registered.
    pub uri: String,
    /// Where to send the INVITE (see [`phone_destination`]).
    pub source: SocketAddr,
    /// The transport it registered over (calls to it go the same way).
    pub transport: Transport,
}

/// How call control is set up.
#[derive(Clone, Debug)]
pub struct CallConfig {
    /// Where dial-outs go (the outbound trunk); without one they fail at once.
    pub trunk: Option<SocketAddr>,
    /// The trunk's host name when it is reached over TLS (its certificate must name it; it
    /// is the Request-URI's host); `None`: over UDP.
    pub trunk_tls_name: Option<String>,
    /// SRTP for dial-outs through the trunk (keys only over TLS).
    pub trunk_srtp: SrtpPolicy,
    /// The codecs we offer and accept, most preferred first.
    pub codecs: Vec<G711>,
    /// The session interval we ask for and grant when the far end names none (RFC 4028).
    pub session_expires: Duration,
    /// The shortest session interval accepted; shorter ones get 422 (RFC 4028 `Min-SE`).
    pub session_expires_min: Duration,
    /// Most inbound calls from one address that are not answered yet; more get 503. A carrier
    /// sends every call from a few addresses and a call is unanswered only until the engine
    /// answers it (milliseconds, longer in a burst): 1,000 lets 1,800 calls per second through
    /// (64 did not at 1,000) and still bounds what one address can hold.
    pub unanswered_per_source_max: usize,
}

impl Default for CallConfig {
    fn default() -> Self {
        CallConfig {
            trunk: None,
            trunk_tls_name: None,
            trunk_srtp: SrtpPolicy::default(),
            codecs: vec![G711::Pcmu, G711::Pcma],
            session_expires: Duration::from_secs(1800),
            session_expires_min: Duration::from_secs(90),
            unanswered_per_source_max: 1_000,
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
        /// A fresh SRTP master key for the leg, used if SRTP is agreed ([`MasterKey::random`]).
        key: MasterKey,
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
        /// The 2xx's `Session-Expires`, if any (RFC 4028).
        session_expires: Option<String>,
        /// The 2xx's `Allow` values, joined with commas.
        allow: String,
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
    /// The far end sent a re-INVITE or UPDATE with this offer; answer with
    /// [`Action::AnswerReInvite`]. Either refreshes the session (RFC 4028).
    ReInvite {
        /// The leg.
        leg: LegId,
        /// The offer (may be empty: a re-INVITE then gets our offer in the 200, an UPDATE
        /// only a 200).
        sdp: Vec<u8>,
        /// An UPDATE rather than a re-INVITE.
        update: bool,
    },
    /// Our session refresh ([`Action::Refresh`]) got this final status; `None`: no answer.
    Refreshed {
        /// The leg.
        leg: LegId,
        /// The final status.
        status: Option<u16>,
    },
    /// The far end of a leg that should be sending has sent no RTP for the media timeout.
    MediaTimeout {
        /// The leg.
        leg: LegId,
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
#[derive(Clone, Debug, Default)]
pub struct NewCall<'a> {
    /// Where it came from: the datagram's source or the connection's peer.
    pub source: Option<IpAddr>,
    /// The transport it came on (SRTP keys are taken only over TLS).
    pub transport: Transport,
    /// The number dialled (Request-URI user).
    pub dnis: &'a str,
    /// The caller's number (P-Asserted-Identity or From user); empty when withheld.
    pub ani: &'a str,
    /// The INVITE's body.
    pub sdp: &'a [u8],
    /// Every `Proxy-Authorization` value, as sent.
    pub proxy_authorization: &'a [String],
    /// `Session-Expires`, as sent (RFC 4028).
    pub session_expires: Option<&'a str>,
    /// `Min-SE`, as sent.
    pub min_se: Option<&'a str>,
    /// Every `Supported` value, joined with commas.
    pub supported: &'a str,
    /// Every `Allow` value, joined with commas.
    pub allow: &'a str,
}

/// Why a new INVITE is refused at once.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Refusal {
    /// The SIP status.
    pub status: u16,
    /// Its reason phrase, which says why.
    pub reason: String,
    /// Headers the refusal needs (`Proxy-Authenticate`, `Min-SE`, `Retry-After`).
    pub headers: Vec<(&'static str, String)>,
}

impl Refusal {
    fn new(status: u16, reason: impl Into<String>) -> Refusal {
        Refusal {
            status,
            reason: reason.into(),
            headers: Vec::new(),
        }
    }
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
        /// Where the leg's signalling comes from: RTP from this address (any port) may be
        /// latched to as well as from the SDP's address (a phone behind NAT).
        peer: Option<IpAddr>,
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
        /// Headers of the 200 (the session timer's).
        headers: Vec<(&'static str, String)>,
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
        /// UDP, TCP or TLS.
        transport: Transport,
        /// The caller's number for `From` and `P-Asserted-Identity`.
        caller: Option<String>,
        /// The interaction, for the `X-Sentral-Interaction` header to our own phones; `None`
        /// for dial-outs through the trunk (a carrier sees none of our ids).
        interaction: Option<InteractionId>,
        /// Our offer.
        sdp: String,
        /// Headers of the INVITE (the session timer's).
        headers: Vec<(&'static str, String)>,
        /// Through the outbound trunk (which may ask for its credentials).
        trunk: bool,
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
    /// Answer a re-INVITE or UPDATE: 200 with our SDP (none for an UPDATE without an offer),
    /// or a refusal with no body.
    AnswerReInvite {
        /// The leg.
        leg: LegId,
        /// 200, or 488 when the offer cannot be read or has no common codec.
        status: u16,
        /// Our answer, with 200.
        sdp: Option<String>,
        /// Headers of the answer (the session timer's).
        headers: Vec<(&'static str, String)>,
    },
    /// Refresh the session (RFC 4028): an UPDATE without a body, or a re-INVITE with our
    /// last SDP; answer with [`Input::Refreshed`].
    Refresh {
        /// The leg.
        leg: LegId,
        /// An UPDATE (the far end allows it) rather than a re-INVITE.
        update: bool,
        /// The re-INVITE's SDP.
        sdp: Option<String>,
        /// `Session-Expires` and `Supported`.
        headers: Vec<(&'static str, String)>,
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
    /// Every leg's pending timer, soonest first (at most one per kind and leg).
    timers: BTreeSet<(Instant, LegId, TimerKind)>,
    /// Inbound calls not answered yet, by source address.
    unanswered: HashMap<IpAddr, usize>,
    /// Nonces of the challenges to trunks.
    nonces: NonceBook,
}

/// What a leg's timer is for.
#[derive(Clone, Copy, Debug, Eq, Ord, PartialEq, PartialOrd)]
enum TimerKind {
    /// Refresh the session (we refresh) or end it (the far end did not refresh).
    Session,
    /// The leg has been up for the organisation's longest call.
    CallLength,
}

/// A leg's session timer (RFC 4028).
#[derive(Clone, Copy, Debug)]
struct Session {
    /// The session interval.
    interval: Duration,
    /// Who refreshes it.
    refresher: Refresher,
    /// Our refresh was sent and is not answered yet.
    refreshing: bool,
    /// The far end takes UPDATE (so our refresh needs no SDP).
    update: bool,
    /// The far end supports session timers (so our answers may say `Require: timer`).
    far_end_supports: bool,
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
    /// Where the leg's signalling comes from (RTP from this address may be latched to).
    peer: Option<IpAddr>,
    /// An inbound call not answered yet from this address (counted in `unanswered`).
    unanswered_from: Option<IpAddr>,
    /// The session timer offered by an inbound INVITE, applied when it is answered.
    session_offer: Option<SessionOffer>,
    /// The session timer, once up.
    session: Option<Session>,
    /// Our last SDP, which a refreshing re-INVITE sends again unchanged.
    last_sdp: Option<String>,
    /// The deadline of each timer kind the leg has in `timers`.
    session_at: Option<Instant>,
    call_length_at: Option<Instant>,
    /// The far end's INVITE allows UPDATE (so our refreshes need no SDP).
    allows_update: bool,
    /// The phone's or trunk's SRTP policy.
    srtp_policy: SrtpPolicy,
    /// The leg's signalling is over TLS (SRTP keys may be exchanged).
    over_tls: bool,
    /// Our SRTP master key, once the RTP socket is open.
    key: Option<MasterKey>,
    /// What our last offer said about SRTP (outbound legs, offerless re-INVITEs).
    offered: Offered,
    /// The far end's crypto line an inbound offer is answered with.
    chosen: Option<Crypto>,
    /// The SRTP keys in use; `None`: plain RTP.
    srtp: Option<SrtpKeys>,
}

impl Leg {
    fn new(tenant: Arc<str>, state: State, then: Then) -> Leg {
        Leg {
            tenant,
            state,
            remote: None,
            local: None,
            then,
            prompting: false,
            bye_after_prompt: false,
            peer: None,
            unanswered_from: None,
            session_offer: None,
            session: None,
            last_sdp: None,
            session_at: None,
            call_length_at: None,
            allows_update: false,
            srtp_policy: SrtpPolicy::default(),
            over_tls: false,
            key: None,
            offered: Offered::Plain,
            chosen: None,
            srtp: None,
        }
    }
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
        transport: Transport,
        caller: Option<String>,
        interaction: Option<InteractionId>,
        trunk: bool,
        srtp: SrtpPolicy,
    },
}

impl CallControl {
    /// Call control with no tenants yet. `secret` keys the nonces of trunk challenges, whose
    /// issue times count from `epoch`.
    pub fn new(config: CallConfig, secret: [u8; 32], epoch: Instant) -> Self {
        CallControl {
            config,
            routes: HashMap::new(),
            legs: HashMap::new(),
            actions: VecDeque::new(),
            next_inbound: 1,
            next_session_id: 1,
            timers: BTreeSet::new(),
            unanswered: HashMap::new(),
            nonces: NonceBook::new(secret, epoch, TRUNK_NONCE_LIFETIME),
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

    /// A new INVITE: refused at once (403 from a peer no organisation accepts, 407 to a trunk
    /// that must authenticate and did not, 404 for a number no organisation that accepts the
    /// peer has, 422 for a session interval below our minimum, 503 for a peer with too many
    /// calls not answered yet, 488 for an offer without a common codec), or a new leg
    /// reported to the tenant's engine as `CallArrived`.
    pub fn invite_arrived(&mut self, now: Instant, call: NewCall<'_>) -> Result<LegId, Refusal> {
        let source = call
            .source
            .ok_or_else(|| Refusal::new(403, "the request's source address is unknown"))?;
        let mut trusting: Vec<Arc<str>> = self
            .routes
            .iter()
            .filter(|(_, routes)| routes.trunk_peers.contains(&source))
            .map(|(tenant, _)| tenant.clone())
            .collect();
        if trusting.is_empty() {
            return Err(Refusal::new(
                403,
                format!("{source} is not an accepted trunk"),
            ));
        }
        trusting.sort();
        let trusting = self.authenticate_trunk(now, source, trusting, call.proxy_authorization)?;
        let dnis = digits(call.dnis);
        let Some(tenant) = trusting.into_iter().find(|tenant| {
            self.routes[tenant]
                .numbers
                .iter()
                .any(|n| digits(n) == dnis)
        }) else {
            return Err(Refusal::new(
                404,
                format!("no entry point has the number {:?}", bounded(call.dnis)),
            ));
        };
        let session_offer = session_timer::grant(
            self.config.session_expires,
            self.config.session_expires_min,
            call.session_expires,
            call.min_se,
            call.supported,
        )
        .map_err(|too_brief| Refusal {
            headers: vec![("Min-SE", too_brief.min_se.to_string())],
            ..Refusal::new(422, "Session Interval Too Small")
        })?;
        let n_unanswered = self.unanswered.get(&source).copied().unwrap_or(0);
        if n_unanswered >= self.config.unanswered_per_source_max {
            return Err(Refusal {
                headers: vec![("Retry-After", "5".into())],
                ..Refusal::new(
                    503,
                    format!("{source} has {n_unanswered} calls not answered yet"),
                )
            });
        }
        let remote = sdp::parse(call.sdp)
            .and_then(|remote| {
                sdp::choose_codec(&remote, &self.config.codecs)?;
                Ok(remote)
            })
            .map_err(|error| Refusal::new(488, error.to_string()))?;
        let srtp_policy = self.routes[&tenant]
            .trunk_srtp
            .get(&source)
            .copied()
            .unwrap_or_default();
        let over_tls = call.transport == Transport::Tls;
        let chosen = srtp::answer(&remote.security, srtp_policy, over_tls)
            .map_err(|refused| Refusal::new(488, refused.0))?;
        let leg = LegId(self.next_inbound);
        self.next_inbound = (self.next_inbound + 1) & !ENGINE_LEG_BIT;
        *self.unanswered.entry(source).or_default() += 1;
        self.legs.insert(
            leg,
            Leg {
                remote: Some(remote),
                session_offer: Some(session_offer),
                unanswered_from: Some(source),
                peer: Some(source),
                allows_update: session_timer::lists(call.allow, "UPDATE"),
                srtp_policy,
                over_tls,
                chosen,
                ..Leg::new(tenant.clone(), State::Offered, Then::Nothing)
            },
        );
        self.actions.push_back(Action::Engine {
            tenant,
            event: TelephonyEvent::CallArrived {
                leg,
                dnis: bounded(call.dnis).to_owned(),
                ani: bounded(call.ani).to_owned(),
            },
        });
        Ok(leg)
    }

    /// The tenants that accept an INVITE from `source` once the trunk's digest credentials
    /// are checked: all of `trusting` when no trunk account is set for the address, else those
    /// whose account the credentials match. A 407 challenges a trunk that sent none (or a
    /// stale nonce); a 403 refuses wrong ones.
    fn authenticate_trunk(
        &mut self,
        now: Instant,
        source: IpAddr,
        trusting: Vec<Arc<str>>,
        proxy_authorization: &[String],
    ) -> Result<Vec<Arc<str>>, Refusal> {
        let accounts: Vec<(Arc<str>, TrunkAccount)> = trusting
            .iter()
            .flat_map(|tenant| {
                self.routes[tenant]
                    .trunk_accounts
                    .iter()
                    .filter(|account| account.peer == source)
                    .map(|account| (tenant.clone(), account.clone()))
            })
            .collect();
        if accounts.is_empty() {
            return Ok(trusting);
        }
        let credentials = proxy_authorization
            .iter()
            .filter_map(|value| Credentials::parse(value).ok())
            .find(|credentials| {
                accounts.iter().any(|(_, account)| {
                    account.realm == credentials.realm && account.username == credentials.username
                })
            });
        let Some(credentials) = credentials else {
            return Err(self.challenge_trunk(now, &accounts, false));
        };
        // The nonce first: an unusable one costs no hashing and tells nothing about the
        // answer. Then the answer; a wrong one uses its nonce up, one guess per challenge.
        let nc = credentials.nc.unwrap_or(0);
        if let NonceUse::Stale(_) = self.nonces.check(&credentials.nonce, nc, now) {
            return Err(self.challenge_trunk(now, &accounts, true));
        }
        let matching: Vec<Arc<str>> = accounts
            .iter()
            .filter(|(_, account)| {
                account.realm == credentials.realm
                    && account.username == credentials.username
                    && digest::verify(
                        &credentials,
                        "INVITE",
                        match credentials.algorithm {
                            Algorithm::Md5 => &account.ha1_md5,
                            Algorithm::Sha256 => &account.ha1_sha256,
                        },
                    )
            })
            .map(|(tenant, _)| tenant.clone())
            .collect();
        if matching.is_empty() {
            self.nonces.spend(&credentials.nonce, now);
            return Err(Refusal::new(
                403,
                format!("the credentials of trunk {source} are wrong"),
            ));
        }
        match self.nonces.use_nonce(&credentials.nonce, nc, now) {
            NonceUse::Fresh => Ok(matching),
            NonceUse::Stale(_) => Err(self.challenge_trunk(now, &accounts, true)),
        }
    }

    /// A 407 with one `Proxy-Authenticate` per realm and algorithm.
    fn challenge_trunk(
        &mut self,
        now: Instant,
        accounts: &[(Arc<str>, TrunkAccount)],
        stale: bool,
    ) -> Refusal {
        let nonce = self.nonces.issue(now);
        let mut realms: Vec<&str> = accounts.iter().map(|(_, a)| a.realm.as_str()).collect();
        realms.sort();
        realms.dedup();
        let mut headers = Vec::new();
        for realm in realms {
            for algorithm in [Algorithm::Sha256, Algorithm::Md5] {
                let challenge = Challenge {
                    realm: realm.to_owned(),
                    nonce: nonce.clone(),
                    algorithm,
                    stale,
                };
                headers.push(("Proxy-Authenticate", challenge.header_value()));
            }
        }
        Refusal {
            headers,
            ..Refusal::new(407, "Proxy Authentication Required")
        }
    }

    /// When [`CallControl::handle_timeout`] must next be called: a session to refresh or
    /// end, or a call that lasted too long.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.first().map(|(at, _, _)| *at)
    }

    /// Acts on every timer due at `now`; drain [`CallControl::poll_action`] afterwards.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some(&(at, leg, kind)) = self.timers.first() {
            if at > now {
                break;
            }
            self.timers.pop_first();
            let Some(state) = self.legs.get_mut(&leg) else {
                continue;
            };
            match kind {
                TimerKind::CallLength => {
                    state.call_length_at = None;
                    tracing::info!(%leg, "the call lasted the organisation's longest call");
                    self.lose(leg, LostCause::CallTooLong);
                }
                TimerKind::Session => {
                    state.session_at = None;
                    self.session_due(now, leg);
                }
            }
        }
    }

    /// A leg's session timer is due: refresh it, or end it when a refresh is overdue.
    fn session_due(&mut self, now: Instant, leg: LegId) {
        let Some(state) = self.legs.get_mut(&leg) else {
            return;
        };
        let Some(session) = state.session.as_mut() else {
            return;
        };
        if session.refresher == Refresher::Them || session.refreshing {
            tracing::info!(%leg, refresher = ?session.refresher, "the session was not refreshed in time");
            self.lose(leg, LostCause::SessionExpired);
            return;
        }
        session.refreshing = true;
        let session = *session;
        let we_are_uac = !is_inbound_id(leg);
        let sdp = if session.update {
            None
        } else {
            state.last_sdp.clone()
        };
        self.push(Action::Refresh {
            leg,
            update: session.update,
            sdp,
            headers: vec![
                (
                    "Session-Expires",
                    session_timer::header_value(session.interval, Refresher::Us, we_are_uac),
                ),
                ("Supported", "timer".into()),
            ],
        });
        // No answer by the next half interval: the session is over.
        self.set_timer(leg, TimerKind::Session, now + session.interval / 2);
    }

    /// Feeds one input at `now`; drain [`CallControl::poll_action`] afterwards.
    pub fn handle(&mut self, now: Instant, input: Input) {
        match input {
            Input::Command {
                tenant,
                command,
                phone,
            } => self.command(tenant, command, phone),
            Input::MediaOpened { leg, rtp, key } => self.media_opened(now, leg, rtp, key),
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
            Input::Answered {
                leg,
                sdp,
                session_expires,
                allow,
            } => self.answered(now, leg, &sdp, session_expires.as_deref(), &allow),
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
                    self.remove_leg(leg);
                }
                None => {}
            },
            Input::ReInvite { leg, sdp, update } => self.re_invite(now, leg, &sdp, update),
            Input::Refreshed { leg, status } => self.refreshed(now, leg, status),
            Input::MediaTimeout { leg } => {
                if self.state(leg) == Some(State::Up) {
                    tracing::info!(%leg, "no RTP from the far end for the media timeout");
                    self.lose(leg, LostCause::MediaTimeout);
                }
            }
            Input::PromptDone { leg } => {
                let Some(state) = self.legs.get_mut(&leg) else {
                    return;
                };
                state.prompting = false;
                if state.bye_after_prompt {
                    self.remove_leg(leg);
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
                    self.remove_leg(leg);
                }
            }
            TelephonyCommand::RingAgent {
                leg,
                interaction,
                extension,
                caller_number,
                ..
            } => match phone {
                Some(phone) => {
                    let srtp = self
                        .routes
                        .get(&tenant)
                        .and_then(|routes| routes.phone_srtp.get(&extension))
                        .copied()
                        .unwrap_or_default();
                    self.place(
                        tenant,
                        leg,
                        Then::Invite {
                            uri: phone.uri,
                            destination: phone.source,
                            transport: phone.transport,
                            caller: caller_number,
                            interaction: Some(interaction),
                            trunk: false,
                            srtp,
                        },
                    )
                }
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
                        uri: match &self.config.trunk_tls_name {
                            Some(name) => format!("sip:{}@{name};transport=tls", number.as_str()),
                            None => format!("sip:{}@{trunk}", number.as_str()),
                        },
                        destination: trunk,
                        transport: if self.config.trunk_tls_name.is_some() {
                            Transport::Tls
                        } else {
                            Transport::Udp
                        },
                        caller: None,
                        interaction: None,
                        trunk: true,
                        srtp: self.config.trunk_srtp,
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
        let (peer, srtp_policy, over_tls) = match &then {
            Then::Invite {
                destination,
                transport,
                srtp,
                ..
            } => (Some(destination.ip()), *srtp, *transport == Transport::Tls),
            _ => (None, SrtpPolicy::default(), false),
        };
        if srtp_policy == SrtpPolicy::Require && !over_tls {
            tracing::warn!(
                %leg,
                "srtp = \"require\" but the phone or trunk is not reached over TLS: the leg fails"
            );
            self.push(Action::Engine {
                tenant,
                event: TelephonyEvent::Failed {
                    leg,
                    cause: FailCause::Unavailable,
                },
            });
            return;
        }
        self.legs.insert(
            leg,
            Leg {
                peer,
                srtp_policy,
                over_tls,
                ..Leg::new(tenant, State::Opening, then)
            },
        );
        self.push(Action::OpenMedia { leg });
    }

    fn media_opened(&mut self, now: Instant, leg: LegId, rtp: SocketAddr, key: MasterKey) {
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
        state.key = Some(key);
        let local = LocalAudio {
            rtp,
            session_id,
            session_version: 1,
        };
        let peer = state.peer;
        match std::mem::replace(&mut state.then, Then::Nothing) {
            Then::Accept => {
                let remote = state.remote.clone().expect("an inbound leg has the offer");
                let srtp = state.chosen.map(|theirs| (theirs, key));
                match sdp::answer_secured(&remote, &local, &self.config.codecs, srtp) {
                    Ok((answer, media)) => {
                        state.srtp = media.srtp;
                        state.local = Some(local);
                        state.last_sdp = Some(answer.clone());
                        let mut headers = Vec::new();
                        if let Some(offer) = state.session_offer.take() {
                            headers.push((
                                "Session-Expires",
                                session_timer::header_value(offer.interval, offer.refresher, false),
                            ));
                            if offer.far_end_supports {
                                headers.push(("Require", "timer".into()));
                            }
                            headers.push(("Supported", "timer".into()));
                            state.session = Some(Session {
                                interval: offer.interval,
                                refresher: offer.refresher,
                                refreshing: false,
                                update: state.allows_update,
                                far_end_supports: offer.far_end_supports,
                            });
                        }
                        self.now_up(now, leg);
                        self.push(Action::ConnectMedia { leg, media, peer });
                        self.push(Action::Accept {
                            leg,
                            sdp: answer,
                            headers,
                        });
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
                transport,
                caller,
                interaction,
                trunk,
                srtp: srtp_policy,
            } => {
                state.state = State::Calling;
                // `place` refused `require` without TLS, so this is an offer.
                let offered =
                    srtp::offer(srtp_policy, state.over_tls, key).unwrap_or(Offered::Plain);
                state.offered = offered;
                let offer =
                    sdp::offer_secured(&local, &self.config.codecs, Direction::SendRecv, offered);
                state.local = Some(local);
                state.last_sdp = Some(offer.clone());
                let headers = vec![
                    ("Supported", "timer".into()),
                    (
                        "Session-Expires",
                        self.config.session_expires.as_secs().to_string(),
                    ),
                    (
                        "Min-SE",
                        self.config.session_expires_min.as_secs().to_string(),
                    ),
                ];
                self.push(Action::Invite {
                    leg,
                    uri,
                    destination,
                    transport,
                    caller,
                    interaction,
                    sdp: offer,
                    headers,
                    trunk,
                });
            }
            Then::Nothing => {}
        }
    }

    fn answered(
        &mut self,
        now: Instant,
        leg: LegId,
        body: &[u8],
        session_expires: Option<&str>,
        allow: &str,
    ) {
        if !matches!(self.state(leg), Some(State::Calling | State::Ringing)) {
            return;
        }
        let offered = self
            .legs
            .get(&leg)
            .map_or(Offered::Plain, |state| state.offered);
        let agreed = sdp::parse(body)
            .map_err(|error| error.to_string())
            .and_then(|remote| {
                let mut media = sdp::negotiated(&remote).map_err(|error| error.to_string())?;
                media.srtp =
                    srtp::answered(&remote.security, offered).map_err(|refused| refused.0)?;
                Ok((remote, media))
            });
        match agreed {
            Ok((remote, media)) => {
                let mut peer = None;
                if let Some(state) = self.legs.get_mut(&leg) {
                    state.srtp = media.srtp;
                    state.remote = Some(remote);
                    peer = state.peer;
                    state.session = session_timer::granted_to_us(session_expires).map(
                        |(interval, refresher)| Session {
                            interval: interval.max(self.config.session_expires_min),
                            refresher,
                            refreshing: false,
                            update: session_timer::lists(allow, "UPDATE"),
                            // It answered with Session-Expires: it knows the extension.
                            far_end_supports: true,
                        },
                    );
                }
                self.now_up(now, leg);
                self.push(Action::ConnectMedia { leg, media, peer });
                self.engine(leg, TelephonyEvent::Answered { leg });
            }
            Err(error) => {
                tracing::warn!(%leg, %error, "the answer's SDP is not usable: the leg is ended");
                self.push(Action::Bye { leg });
                self.far_end_gone(leg, Some(FailCause::Error));
            }
        }
    }

    /// A leg is answered both ways at `now`: its session timer and longest-call timer start.
    fn now_up(&mut self, now: Instant, leg: LegId) {
        let Some(state) = self.legs.get_mut(&leg) else {
            return;
        };
        state.state = State::Up;
        if let Some(source) = state.unanswered_from.take() {
            self.settle_unanswered(source);
        }
        let state = &self.legs[&leg];
        let session = state.session;
        let call_length_max = self
            .routes
            .get(&state.tenant)
            .and_then(|routes| routes.call_length_max);
        if let Some(session) = session {
            let at = now + session_timer::next_deadline(session.interval, session.refresher);
            self.set_timer(leg, TimerKind::Session, at);
        }
        if let Some(max) = call_length_max {
            self.set_timer(leg, TimerKind::CallLength, now + max);
        }
    }

    fn re_invite(&mut self, now: Instant, leg: LegId, body: &[u8], update: bool) {
        let codecs = self.config.codecs.clone();
        let Some(state) = self.legs.get_mut(&leg) else {
            return;
        };
        let Some(local) = state.local.as_mut() else {
            self.push(Action::AnswerReInvite {
                leg,
                status: 491,
                sdp: None,
                headers: Vec::new(),
            });
            return;
        };
        // Any re-INVITE or UPDATE from the far end refreshes the session (RFC 4028 §10).
        let mut headers = Vec::new();
        let mut session_deadline = None;
        if let Some(session) = state.session.as_mut() {
            headers.push((
                "Session-Expires",
                session_timer::header_value(
                    session.interval,
                    session.refresher,
                    !is_inbound_id(leg),
                ),
            ));
            if session.far_end_supports {
                headers.push(("Require", "timer".into()));
            }
            session.refreshing = false;
            session_deadline =
                Some(now + session_timer::next_deadline(session.interval, session.refresher));
        }
        let answer = if body.is_empty() {
            if update {
                // A refresh (or a keep-alive) without an offer: 200 with no body.
                None
            } else {
                // An offerless re-INVITE: we offer what we have (SRTP with the same key); the
                // answer comes in the ACK, which changes nothing we would do differently.
                local.session_version += 1;
                let offered = match state.srtp {
                    Some(keys) => {
                        let ours = Crypto {
                            tag: 1,
                            suite: keys.suite,
                            key: keys.send,
                        };
                        let savp = state.remote.as_ref().is_some_and(|r| r.security.savp);
                        if savp || state.srtp_policy == SrtpPolicy::Require {
                            Offered::Required(ours)
                        } else {
                            Offered::BestEffort(ours)
                        }
                    }
                    None => Offered::Plain,
                };
                state.offered = offered;
                let offer = sdp::offer_secured(local, &codecs, Direction::SendRecv, offered);
                state.last_sdp = Some(offer.clone());
                Some(Ok((offer, None)))
            }
        } else {
            local.session_version += 1;
            let (policy, over_tls, key) = (state.srtp_policy, state.over_tls, state.key);
            let parsed = sdp::parse(body)
                .map_err(|error| error.to_string())
                .and_then(|remote| {
                    let chosen = srtp::answer(&remote.security, policy, over_tls)
                        .map_err(|refused| refused.0)?;
                    let srtp = chosen.zip(key);
                    sdp::answer_secured(&remote, local, &codecs, srtp)
                        .map(|answer| (remote, answer))
                        .map_err(|error| error.to_string())
                });
            Some(parsed.map(|(remote, (answer, media))| {
                state.remote = Some(remote);
                state.srtp = media.srtp;
                state.last_sdp = Some(answer.clone());
                (answer, Some(media))
            }))
        };
        let peer = state.peer;
        if let Some(at) = session_deadline {
            self.set_timer(leg, TimerKind::Session, at);
        }
        match answer {
            None => self.push(Action::AnswerReInvite {
                leg,
                status: 200,
                sdp: None,
                headers,
            }),
            Some(Ok((sdp, media))) => {
                if let Some(media) = media {
                    self.push(Action::ConnectMedia { leg, media, peer });
                }
                self.push(Action::AnswerReInvite {
                    leg,
                    status: 200,
                    sdp: Some(sdp),
                    headers,
                });
            }
            Some(Err(error)) => {
                tracing::info!(%leg, %error, "a re-INVITE's offer is refused (488)");
                self.push(Action::AnswerReInvite {
                    leg,
                    status: 488,
                    sdp: None,
                    headers: Vec::new(),
                });
            }
        }
    }

    /// Our session refresh was answered: the next one in half an interval, or the leg ends
    /// when the far end is gone (408, 481 or no answer, RFC 4028 §10).
    fn refreshed(&mut self, now: Instant, leg: LegId, status: Option<u16>) {
        let Some(session) = self.legs.get_mut(&leg).and_then(|l| l.session.as_mut()) else {
            return;
        };
        if !session.refreshing {
            return;
        }
        session.refreshing = false;
        let interval = session.interval;
        match status {
            Some(200..=299) => {
                self.set_timer(leg, TimerKind::Session, now + interval / 2);
            }
            Some(408 | 481) | None => {
                tracing::info!(%leg, ?status, "the far end did not take the session refresh");
                self.lose(leg, LostCause::SessionExpired);
            }
            // Glare with the far end's own re-INVITE: try again shortly.
            Some(491) => self.set_timer(leg, TimerKind::Session, now + GLARE_RETRY),
            // Refused for another reason: the session goes on and is tried again later.
            Some(_) => self.set_timer(leg, TimerKind::Session, now + interval / 4),
        }
    }

    /// The telephony side ends an established leg itself (silent, not refreshed, too long):
    /// BYE, and the engine hears why.
    fn lose(&mut self, leg: LegId, cause: LostCause) {
        let Some(state) = self.remove_leg(leg) else {
            return;
        };
        if state.state == State::Up {
            self.push(Action::Bye { leg });
        }
        if state.local.is_some() {
            self.push(Action::CloseMedia { leg });
        }
        self.push(Action::Engine {
            tenant: state.tenant,
            event: TelephonyEvent::LegLost { leg, cause },
        });
    }

    /// Arms (or moves) a leg's timer of `kind`.
    fn set_timer(&mut self, leg: LegId, kind: TimerKind, at: Instant) {
        let Some(state) = self.legs.get_mut(&leg) else {
            return;
        };
        let slot = match kind {
            TimerKind::Session => &mut state.session_at,
            TimerKind::CallLength => &mut state.call_length_at,
        };
        if let Some(old) = slot.replace(at) {
            self.timers.remove(&(old, leg, kind));
        }
        self.timers.insert((at, leg, kind));
    }

    /// Forgets a leg with its timers and its place among unanswered calls.
    fn remove_leg(&mut self, leg: LegId) -> Option<Leg> {
        let state = self.legs.remove(&leg)?;
        if let Some(at) = state.session_at {
            self.timers.remove(&(at, leg, TimerKind::Session));
        }
        if let Some(at) = state.call_length_at {
            self.timers.remove(&(at, leg, TimerKind::CallLength));
        }
        if let Some(source) = state.unanswered_from {
            self.settle_unanswered(source);
        }
        Some(state)
    }

    fn settle_unanswered(&mut self, source: IpAddr) {
        if let Some(n) = self.unanswered.get_mut(&source) {
            *n -= 1;
            if *n == 0 {
                self.unanswered.remove(&source);
            }
        }
    }

    /// Timers pending (for tests and metrics).
    pub fn n_timers(&self) -> usize {
        self.timers.len()
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
        let Some(state) = self.remove_leg(leg) else {
            return;
        };
        match state.state {
            State::Offered => self.push(Action::Reject {
                leg,
                status: 480,
                reason: "the call was ended before it was answered".into(),
            }),
            State::Opening if is_inbound_id(leg) => {
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
        let Some(state) = self.remove_leg(leg) else {
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
        self.legs.contains_key(&leg) && is_inbound_id(leg)
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

/// A caller's or dialled number as far as it is kept: numbers longer than
/// [`NUMBER_CHARS_MAX`] are cut there (on a character boundary), so a stranger's header cannot
/// grow records, events or logs.
fn bounded(number: &str) -> &str {
    match number.char_indices().nth(NUMBER_CHARS_MAX) {
        Some((end, _)) => &number[..end],
        None => number,
    }
}

/// The longest caller or dialled number kept, in characters (E.164 has at most 15 digits;
/// SIP user parts of carriers carry a few more).
pub const NUMBER_CHARS_MAX: usize = 64;
/// How long a nonce of a trunk challenge may be used.
const TRUNK_NONCE_LIFETIME: Duration = Duration::from_secs(300);
/// How long to wait before refreshing again after a glare (491).
const GLARE_RETRY: Duration = Duration::from_secs(2);

/// Whether a leg came in (the call control numbered it) rather than being placed by the engine.
fn is_inbound_id(leg: LegId) -> bool {
    leg.0 & ENGINE_LEG_BIT == 0
}

/// The digits of a number, for comparing a Request-URI user with configured numbers.
fn digits(number: &str) -> String {
    number
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '+' || *c == '*' || *c == '#')
        .collect()
}
