//! The registrar of agents' phones (RFC 3261 §10), sans IO.
//!
//! It keeps the bindings of each extension (contact URI, where the REGISTER came from, when it
//! expires), authenticates every change with digest ([`crate::digest`]), and reports an
//! extension's first binding as [`Event::Registered`] and the loss of its last one (un-REGISTER,
//! expiry, account removed) as [`Event::Unregistered`]. It reads no clock: the driver passes
//! `now` with every call, arms one timer for [`Registrar::poll_timeout`] and calls
//! [`Registrar::handle_timeout`] when it fires. After every call the driver drains
//! [`Registrar::poll_event`].
//!
//! An extension is identified by its realm and user name: the realm is the organisation's, so
//! two organisations may both have an extension 1001. Each account carries a `tenant` (the
//! server uses the organisation's slug) that comes back in its events.
//!
//! A REGISTER for an extension that does not exist is challenged like any other and then
//! refused with 403, exactly as a wrong password is, so the registrar does not tell which
//! extensions exist.
//!
//! Guessing passwords is slowed down three ways. A nonce that cannot be used (not ours,
//! expired, replayed) gets a new challenge before any hash is computed, and a wrong answer uses
//! its nonce up ([`NonceBook::spend`]), so each guess costs a round trip for a new challenge.
//! Wrong answers are counted per extension and source address; after
//! [`RegistrarConfig::failures_max`] of them that pair is locked out: every REGISTER from that
//! address for that extension gets 403 ([`Reply::LockedOut`]) without being evaluated, for
//! [`RegistrarConfig::lockout_min`] the first time and twice as long each time after, up to
//! [`RegistrarConfig::lockout_max`]. A phone at another address is not affected. The driver
//! logs each refusal as [`Reply::refusal_line`] says, for fail2ban.

use crate::digest::{self, Algorithm, Challenge, Credentials, NonceBook, NonceUse};
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::fmt;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant};

/// The digest credentials of one phone account (an agent's extension).
#[derive(Clone, Eq, PartialEq)]
pub struct Account {
    /// Who the account belongs to; returned unchanged in [`Event`]s (the organisation's slug).
    pub tenant: String,
    /// The digest realm the HA1s were computed with.
    pub realm: String,
    /// The user name the phone registers as.
    pub extension: String,
    /// Lowercase hex MD5 of `extension:realm:password`.
    pub ha1_md5: String,
    /// Lowercase hex SHA-256 of `extension:realm:password`.
    pub ha1_sha256: String,
}

/// How the registrar behaves.
#[derive(Clone, Debug)]
pub struct RegistrarConfig {
    /// The registration interval when a REGISTER names none.
    pub expires_default: Duration,
    /// Shorter non-zero intervals are refused with 423 (RFC 3261 §10.3 step 7).
    pub expires_min: Duration,
    /// Longer intervals are shortened to this.
    pub expires_max: Duration,
    /// How long a nonce may be used.
    pub nonce_lifetime: Duration,
    /// The algorithms offered, most preferred first (one challenge each).
    pub algorithms: Vec<Algorithm>,
    /// Phones whose `User-Agent` starts with one of these (ignoring case) are offered MD5
    /// only: their digest code refuses a 401 that lists an algorithm it does not know.
    pub md5_only_user_agents: Vec<String>,
    /// Most bindings per extension; a new one beyond it replaces the least recently refreshed.
    pub contacts_max: usize,
    /// The realm challenges use when no account tells which one to use.
    pub realm_fallback: String,
    /// Wrong answers from one source address for one extension before that pair is locked out.
    pub failures_max: u32,
    /// How long a pair's first lockout lasts; each later one lasts twice as long as the one
    /// before. After a lockout one more wrong answer locks the pair again.
    pub lockout_min: Duration,
    /// The longest lockout. A pair is forgotten this long after its last wrong answer.
    pub lockout_max: Duration,
    /// Most (extension, source address) pairs whose wrong answers are remembered: the table is
    /// fed by remote input. Past it, pairs that are not locked out are forgotten first, the
    /// least recent first.
    pub lockout_pairs_max: usize,
}

/// The transport a REGISTER arrived on.
#[derive(Clone, Copy, Debug, Default, Eq, Hash, PartialEq)]
pub enum Transport {
    /// UDP.
    #[default]
    Udp,
    /// TCP.
    Tcp,
    /// TLS over TCP (RFC 3261 section 26.2, `transport=tls`).
    Tls,
}

/// One `Contact` of a REGISTER.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct ContactRequest {
    /// The contact URI, without angle brackets.
    pub uri: String,
    /// Its `expires` parameter, if any.
    pub expires: Option<u32>,
}

/// The `Contact` headers of a REGISTER.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum Contacts {
    /// No `Contact`: a query for the current bindings.
    Query,
    /// `Contact: *`: remove every binding (only with `Expires: 0`).
    Wildcard,
    /// Contacts to add, refresh or (with expiry 0) remove.
    List(Vec<ContactRequest>),
}

/// What the registrar needs of a REGISTER, read from the message by the driver.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct RegisterRequest {
    /// The user part of the `To` URI: the extension being registered.
    pub user: String,
    /// The host part of the `To` URI.
    pub domain: String,
    /// `Call-ID`.
    pub call_id: String,
    /// The `CSeq` number.
    pub cseq: u32,
    /// The `Contact` headers.
    pub contacts: Contacts,
    /// The `Expires` header, if any.
    pub expires: Option<u32>,
    /// Every `Authorization` header value, as sent.
    pub authorization: Vec<String>,
    /// The `User-Agent` header, if any.
    pub user_agent: Option<String>,
    /// Where the request came from (after `received`/`rport`).
    pub source: SocketAddr,
    /// The transport it came on.
    pub transport: Transport,
}

/// The registrar's answer to a REGISTER.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum Reply {
    /// 401: authenticate with one of these `WWW-Authenticate` values.
    Challenge {
        /// One header value per realm and algorithm, most preferred first.
        www_authenticate: Vec<String>,
    },
    /// 403: wrong credentials, an unknown extension, or another extension's credentials.
    Forbidden,
    /// 403: too many wrong answers came from this source address for this extension (this one
    /// may have been the last of them); the request was not evaluated.
    LockedOut {
        /// How long the pair stays locked out.
        remaining: Duration,
    },
    /// 200: the extension's bindings after the change.
    Registered {
        /// Every current binding with the seconds it has left (`Contact: <uri>;expires=N`).
        contacts: Vec<Granted>,
        /// The interval granted to the request's first contact (`Expires`), 0 when it was
        /// removed; `None` for a query.
        expires: Option<u32>,
    },
    /// 423: the interval is shorter than [`RegistrarConfig::expires_min`].
    IntervalTooBrief {
        /// `Min-Expires`.
        min_expires: u32,
    },
    /// 400: the request cannot be applied as sent.
    BadRequest {
        /// The reason phrase.
        reason: &'static str,
    },
}

/// A binding as a 200 lists it.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Granted {
    /// The contact URI.
    pub contact: String,
    /// Seconds until it expires.
    pub expires: u32,
}

/// What the registrar reports.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum Event {
    /// The extension has its first binding: its phone can ring.
    Registered {
        /// The account's tenant.
        tenant: String,
        /// The extension.
        extension: String,
    },
    /// The extension lost its last binding: its phone cannot ring.
    Unregistered {
        /// The account's tenant.
        tenant: String,
        /// The extension.
        extension: String,
    },
}

/// Where an extension's phone can be reached.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Binding {
    /// The contact URI the phone registered.
    pub contact: String,
    /// Where its REGISTER came from (for phones behind NAT, the address to send to).
    pub source: SocketAddr,
    /// The transport its REGISTER came on.
    pub transport: Transport,
    /// When the binding ends unless refreshed.
    pub expires_at: Instant,
    /// When it was last added or refreshed (the oldest is replaced first).
    pub refreshed_at: Instant,
    /// The `Call-ID` of the REGISTER that last changed it (RFC 3261 §10.3 step 7).
    pub call_id: String,
    /// The `CSeq` of that REGISTER.
    pub cseq: u32,
}

/// The registrar: accounts, bindings, nonces and the events they produce.
#[derive(Debug)]
pub struct Registrar {
    /// Behaviour.
    config: RegistrarConfig,
    /// Every account by realm and extension.
    accounts: HashMap<AorKey, Account>,
    /// The realms that have each extension, for choosing a challenge's realm.
    realms_by_extension: HashMap<String, Vec<String>>,
    /// Every realm with at least one account.
    realms: BTreeSet<String>,
    /// Issues and checks nonces.
    nonces: NonceBook,
    /// The extensions that have bindings.
    aors: HashMap<AorKey, Aor>,
    /// Every binding's expiry, soonest first: (when, extension, contact).
    expiries: BTreeSet<(Instant, AorKey, String)>,
    /// Events not yet polled.
    events: VecDeque<Event>,
    /// Wrong answers and lockouts per extension and source address.
    lockouts: Lockouts,
}

/// An extension with its realm: the registrar's key.
#[derive(Clone, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
struct AorKey {
    realm: String,
    extension: String,
}

/// The wrong answers of (extension, source address) pairs and their lockouts; bounded.
#[derive(Debug)]
struct Lockouts {
    /// Every remembered pair.
    pairs: HashMap<PairKey, Strikes>,
    /// The least wrong answers that lock a pair out.
    failures_max: u32,
    /// The first lockout's length.
    lockout_min: Duration,
    /// The longest lockout, and how long a pair is remembered after its last wrong answer.
    lockout_max: Duration,
    /// Most pairs remembered.
    pairs_max: usize,
}

/// An extension (the `To` user, as sent) and the source address it was tried from: an IPv4
/// address, or an IPv6 /64 (one host usually has a whole /64 to pick addresses from).
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
struct PairKey {
    extension: String,
    source: IpAddr,
}

/// What one pair did wrong.
#[derive(Clone, Copy, Debug)]
struct Strikes {
    /// Wrong answers since the pair was first seen or its last lockout began.
    n_failures: u32,
    /// Lockouts so far; each lasts twice as long as the one before.
    n_lockouts: u32,
    /// When the current or last lockout ends.
    locked_until: Option<Instant>,
    /// The last wrong answer (for forgetting the pair, and choosing whom to forget first).
    failed_at: Instant,
}

/// An extension's bindings.
#[derive(Debug)]
struct Aor {
    /// The tenant its events go to (that of its account when it registered).
    tenant: String,
    /// Never empty: an extension without bindings is removed.
    bindings: Vec<Binding>,
}

impl Default for RegistrarConfig {
    fn default() -> Self {
        RegistrarConfig {
            expires_default: Duration::from_secs(3600),
            expires_min: Duration::from_secs(60),
            expires_max: Duration::from_secs(3600),
            nonce_lifetime: Duration::from_secs(300),
            // MD5 first: SIPp and many phones answer only the first challenge, and fail when it
            // is one they cannot compute. Phones that read them all can still choose SHA-256.
            algorithms: vec![Algorithm::Md5, Algorithm::Sha256],
            // baresip 1.0 (Debian 12) gives up on a 401 that offers any algorithm but MD5.
            md5_only_user_agents: vec!["baresip".into()],
            contacts_max: 4,
            realm_fallback: "sentral".into(),
            failures_max: 5,
            lockout_min: Duration::from_secs(60),
            lockout_max: Duration::from_secs(3600),
            lockout_pairs_max: 10_000,
        }
    }
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Account")
            .field("tenant", &self.tenant)
            .field("realm", &self.realm)
            .field("extension", &self.extension)
            .finish_non_exhaustive()
    }
}

impl Reply {
    /// The SIP status code and reason phrase.
    pub fn status(&self) -> (u16, &'static str) {
        match self {
            Reply::Challenge { .. } => (401, "Unauthorized"),
            Reply::Forbidden | Reply::LockedOut { .. } => (403, "Forbidden"),
            Reply::Registered { .. } => (200, "OK"),
            Reply::IntervalTooBrief { .. } => (423, "Interval Too Brief"),
            Reply::BadRequest { reason } => (400, reason),
        }
    }
}

impl Reply {
    /// The line the driver logs for a refusal of `request`, `None` for other replies. Its
    /// start is stable for fail2ban (`docs/fail2ban/`): the reason, then the source address
    /// (no port), then the extension quoted with Rust's escapes (it is remote input, and must
    /// not be able to forge a second `source=`):
    ///
    /// ```text
    /// REGISTER refused: wrong credentials source=203.0.113.5 extension="1001"
    /// REGISTER refused: too many failures source=203.0.113.5 extension="1001" locked_s=60
    /// ```
    pub fn refusal_line(&self, request: &RegisterRequest) -> Option<String> {
        let source = request.source.ip().to_canonical();
        let extension: String = request.user.chars().take(EXTENSION_KEPT_LEN_MAX).collect();
        match self {
            Reply::Forbidden => Some(format!(
                "REGISTER refused: wrong credentials source={source} extension={extension:?}"
            )),
            Reply::LockedOut { remaining } => Some(format!(
                "REGISTER refused: too many failures source={source} extension={extension:?} \
                 locked_s={}",
                remaining.as_millis().div_ceil(1000)
            )),
            _ => None,
        }
    }
}

impl Registrar {
    /// A registrar without accounts. `secret` keys its nonces (random, per process); `epoch`
    /// is the instant the driver started.
    pub fn new(config: RegistrarConfig, secret: [u8; 32], epoch: Instant) -> Registrar {
        assert!(
            config.contacts_max > 0,
            "an extension needs at least one binding"
        );
        assert!(
            !config.algorithms.is_empty(),
            "offer at least one algorithm"
        );
        assert!(config.expires_min <= config.expires_max);
        assert!(config.failures_max > 0, "a pair may fail at least once");
        assert!(config.lockout_min <= config.lockout_max);
        assert!(config.lockout_pairs_max > 0, "remember at least one pair");
        Registrar {
            nonces: NonceBook::new(secret, epoch, config.nonce_lifetime),
            lockouts: Lockouts {
                pairs: HashMap::new(),
                failures_max: config.failures_max,
                lockout_min: config.lockout_min,
                lockout_max: config.lockout_max,
                pairs_max: config.lockout_pairs_max,
            },
            config,
            accounts: HashMap::new(),
            realms_by_extension: HashMap::new(),
            realms: BTreeSet::new(),
            aors: HashMap::new(),
            expiries: BTreeSet::new(),
            events: VecDeque::new(),
        }
    }

    /// Replaces the accounts of `tenant` (every account must carry that tenant). Extensions
    /// that are gone or whose credentials changed lose their bindings, so a phone keeps
    /// registered only with credentials that are still valid.
    ///
    /// # Panics
    /// If an account carries another tenant: a bug in the caller.
    pub fn set_accounts(&mut self, tenant: &str, accounts: Vec<Account>) {
        let mut incoming: HashMap<AorKey, Account> = HashMap::new();
        for account in accounts {
            assert_eq!(account.tenant, tenant, "an account of another tenant");
            incoming.insert(AorKey::of(&account.realm, &account.extension), account);
        }
        let stale: Vec<AorKey> = self
            .accounts
            .iter()
            .filter(|(key, old)| old.tenant == tenant && incoming.get(*key) != Some(*old))
            .map(|(key, _)| key.clone())
            .collect();
        for key in stale {
            self.accounts.remove(&key);
            let before = self.registered_tenant(&key);
            self.remove_every_binding(&key);
            self.report(&key, before);
        }
        self.accounts.extend(incoming);
        self.realms_by_extension.clear();
        self.realms.clear();
        for key in self.accounts.keys() {
            self.realms_by_extension
                .entry(key.extension.clone())
                .or_default()
                .push(key.realm.clone());
            self.realms.insert(key.realm.clone());
        }
        for realms in self.realms_by_extension.values_mut() {
            realms.sort();
        }
    }

    /// Handles one REGISTER and says how to answer it.
    pub fn handle_register(&mut self, now: Instant, request: &RegisterRequest) -> Reply {
        if request.user.is_empty() {
            return Reply::BadRequest {
                reason: "To has no user part",
            };
        }
        let pair = PairKey::of(&request.user, request.source);
        if let Some(remaining) = self.lockouts.remaining(&pair, now) {
            return Reply::LockedOut { remaining };
        }
        let Some(credentials) = self.credentials_of(request) else {
            return self.challenge(now, request, false);
        };
        // Credentials for a realm that is not ours (a phone that worked with another server
        // answers ahead of time) are not wrong, just for elsewhere: challenge afresh.
        if !self.realms.contains(&credentials.realm)
            && credentials.realm != self.config.realm_fallback
        {
            return self.challenge(now, request, false);
        }
        let nc = credentials.nc.unwrap_or(0);
        // An unusable nonce is not evaluated: a new one, whether the answer was right or not,
        // so a used-up or forged nonce cannot tell a guess right from wrong. The phone with the
        // right password retries at once (`stale=true`).
        if let NonceUse::Stale(_) = self.nonces.check(&credentials.nonce, nc, now) {
            return self.challenge(now, request, true);
        }
        let Some((key, tenant)) = self.authenticate(&credentials, request) else {
            self.nonces.spend(&credentials.nonce, now);
            return match self.lockouts.fail(pair, now) {
                Some(remaining) => Reply::LockedOut { remaining },
                None => Reply::Forbidden,
            };
        };
        match self.nonces.use_nonce(&credentials.nonce, nc, now) {
            NonceUse::Fresh => {
                self.lockouts.forgive(&pair);
                self.apply(now, key, tenant, request)
            }
            // Checked above with nothing in between, so not expected; a new nonce is safe.
            NonceUse::Stale(_) => self.challenge(now, request, true),
        }
    }

    /// How long REGISTERs for `extension` from `source` stay refused, if they are.
    pub fn locked_out(
        &self,
        extension: &str,
        source: SocketAddr,
        now: Instant,
    ) -> Option<Duration> {
        self.lockouts
            .remaining(&PairKey::of(extension, source), now)
    }

    /// How many (extension, source address) pairs with wrong answers are remembered.
    pub fn n_lockout_pairs(&self) -> usize {
        self.lockouts.pairs.len()
    }

    /// When [`Registrar::handle_timeout`] must next be called (the soonest binding expiry).
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.expiries.first().map(|(at, _, _)| *at)
    }

    /// Removes every binding that expired by `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some((at, key, contact)) = self.expiries.first().cloned() {
            if at > now {
                break;
            }
            let before = self.registered_tenant(&key);
            self.remove_binding(&key, &contact);
            self.report(&key, before);
        }
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// The bindings of an extension (empty when it is not registered).
    pub fn bindings(&self, realm: &str, extension: &str) -> &[Binding] {
        self.aors
            .get(&AorKey::of(realm, extension))
            .map_or(&[], |aor| &aor.bindings)
    }

    /// How many extensions have at least one binding.
    pub fn n_registered(&self) -> usize {
        self.aors.len()
    }

    /// The first `Authorization` that is a readable digest answer with an algorithm offered.
    fn credentials_of(&self, request: &RegisterRequest) -> Option<Credentials> {
        request
            .authorization
            .iter()
            .filter_map(|value| Credentials::parse(value).ok())
            .find(|credentials| self.config.algorithms.contains(&credentials.algorithm))
    }

    /// The account `credentials` prove, with its tenant: known, for the extension being
    /// registered (a phone registers only its own), and with a right response.
    fn authenticate(
        &self,
        credentials: &Credentials,
        request: &RegisterRequest,
    ) -> Option<(AorKey, String)> {
        let key = AorKey::of(&credentials.realm, &credentials.username);
        let account = self.accounts.get(&key)?;
        if credentials.username != request.user {
            return None;
        }
        let ha1 = match credentials.algorithm {
            Algorithm::Md5 => &account.ha1_md5,
            Algorithm::Sha256 => &account.ha1_sha256,
        };
        if !digest::verify(credentials, "REGISTER", ha1) {
            return None;
        }
        Some((key, account.tenant.clone()))
    }

    fn challenge(&mut self, now: Instant, request: &RegisterRequest, stale: bool) -> Reply {
        let nonce = self.nonces.issue(now);
        let realms = self.challenge_realms(request);
        let mut www_authenticate = Vec::new();
        let algorithms = self.algorithms_for(request);
        for realm in &realms {
            for &algorithm in &algorithms {
                let challenge = Challenge {
                    realm: realm.clone(),
                    nonce: nonce.clone(),
                    algorithm,
                    stale,
                };
                www_authenticate.push(challenge.header_value());
            }
        }
        Reply::Challenge { www_authenticate }
    }

    /// The algorithms offered to the phone that sent `request`.
    fn algorithms_for(&self, request: &RegisterRequest) -> Vec<Algorithm> {
        let md5_only = request.user_agent.as_deref().is_some_and(|user_agent| {
            self.config.md5_only_user_agents.iter().any(|prefix| {
                user_agent
                    .get(..prefix.len())
                    .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
            })
        });
        if md5_only && self.config.algorithms.contains(&Algorithm::Md5) {
            vec![Algorithm::Md5]
        } else {
            self.config.algorithms.clone()
        }
    }

    /// The realms a REGISTER is challenged in: the realm of the extension; if several
    /// organisations have it, the one the phone names in `To` or else all of them; for an
    /// unknown extension a realm as if it existed.
    fn challenge_realms(&self, request: &RegisterRequest) -> Vec<String> {
        match self.realms_by_extension.get(&request.user) {
            Some(realms) if realms.len() == 1 => realms.clone(),
            Some(realms) if realms.contains(&request.domain) => vec![request.domain.clone()],
            Some(realms) => realms.clone(),
            None if self.realms.contains(&request.domain) => vec![request.domain.clone()],
            None => vec![
                self.realms
                    .first()
                    .cloned()
                    .unwrap_or_else(|| self.config.realm_fallback.clone()),
            ],
        }
    }

    /// Applies an authenticated REGISTER (RFC 3261 §10.3 steps 6–8).
    fn apply(
        &mut self,
        now: Instant,
        key: AorKey,
        tenant: String,
        request: &RegisterRequest,
    ) -> Reply {
        let before = self.registered_tenant(&key);
        let mut expires = None;
        match &request.contacts {
            Contacts::Query => {}
            Contacts::Wildcard => {
                if request.expires != Some(0) {
                    return Reply::BadRequest {
                        reason: "Contact: * needs Expires: 0",
                    };
                }
                if self.out_of_order(&key, request, None) {
                    return out_of_order();
                }
                self.remove_every_binding(&key);
                expires = Some(0);
            }
            Contacts::List(list) => {
                if list.len() > CONTACTS_PER_REQUEST_MAX {
                    return Reply::BadRequest {
                        reason: "Too many contacts",
                    };
                }
                let mut granted = Vec::with_capacity(list.len());
                for contact in list {
                    let seconds = contact
                        .expires
                        .or(request.expires)
                        .unwrap_or(self.config.expires_default.as_secs() as u32);
                    let min = self.config.expires_min.as_secs() as u32;
                    if seconds != 0 && seconds < min {
                        return Reply::IntervalTooBrief { min_expires: min };
                    }
                    let max = self.config.expires_max.as_secs() as u32;
                    granted.push((contact.uri.trim(), seconds.min(max)));
                }
                if granted
                    .iter()
                    .any(|(uri, _)| self.out_of_order(&key, request, Some(uri)))
                {
                    return out_of_order();
                }
                for &(uri, seconds) in &granted {
                    if seconds == 0 {
                        self.remove_binding(&key, uri);
                    } else {
                        self.upsert_binding(now, &key, &tenant, uri, seconds, request);
                    }
                }
                expires = granted.first().map(|(_, seconds)| *seconds);
                self.enforce_contacts_max(&key);
            }
        }
        self.report(&key, before);
        Reply::Registered {
            contacts: self.granted(now, &key),
            expires,
        }
    }

    /// Whether the REGISTER is older than what changed a binding it touches: same `Call-ID`,
    /// `CSeq` not higher (RFC 3261 §10.3 step 7).
    fn out_of_order(&self, key: &AorKey, request: &RegisterRequest, contact: Option<&str>) -> bool {
        let Some(aor) = self.aors.get(key) else {
            return false;
        };
        aor.bindings.iter().any(|binding| {
            contact.is_none_or(|contact| binding.contact == contact)
                && binding.call_id == request.call_id
                && binding.cseq >= request.cseq
        })
    }

    fn upsert_binding(
        &mut self,
        now: Instant,
        key: &AorKey,
        tenant: &str,
        contact: &str,
        seconds: u32,
        request: &RegisterRequest,
    ) {
        let expires_at = now + Duration::from_secs(u64::from(seconds));
        let aor = self.aors.entry(key.clone()).or_insert_with(|| Aor {
            tenant: tenant.to_owned(),
            bindings: Vec::new(),
        });
        aor.tenant = tenant.to_owned();
        let binding = Binding {
            contact: contact.to_owned(),
            source: request.source,
            transport: request.transport,
            expires_at,
            refreshed_at: now,
            call_id: request.call_id.clone(),
            cseq: request.cseq,
        };
        match aor.bindings.iter_mut().find(|b| b.contact == contact) {
            Some(existing) => {
                self.expiries
                    .remove(&(existing.expires_at, key.clone(), contact.to_owned()));
                *existing = binding;
            }
            None => aor.bindings.push(binding),
        }
        self.expiries
            .insert((expires_at, key.clone(), contact.to_owned()));
    }

    fn remove_binding(&mut self, key: &AorKey, contact: &str) {
        let Some(aor) = self.aors.get_mut(key) else {
            return;
        };
        let Some(index) = aor.bindings.iter().position(|b| b.contact == contact) else {
            return;
        };
        let binding = aor.bindings.swap_remove(index);
        let removed = self
            .expiries
            .remove(&(binding.expires_at, key.clone(), binding.contact));
        debug_assert!(removed, "every binding has its expiry indexed");
        if aor.bindings.is_empty() {
            self.aors.remove(key);
        }
    }

    fn remove_every_binding(&mut self, key: &AorKey) {
        let Some(aor) = self.aors.remove(key) else {
            return;
        };
        for binding in aor.bindings {
            self.expiries
                .remove(&(binding.expires_at, key.clone(), binding.contact));
        }
    }

    /// Keeps at most `contacts_max` bindings, dropping the least recently refreshed.
    fn enforce_contacts_max(&mut self, key: &AorKey) {
        loop {
            let Some(aor) = self.aors.get(key) else {
                return;
            };
            if aor.bindings.len() <= self.config.contacts_max {
                return;
            }
            let oldest = aor
                .bindings
                .iter()
                .min_by_key(|b| b.refreshed_at)
                .expect("non-empty")
                .contact
                .clone();
            self.remove_binding(key, &oldest);
        }
    }

    /// The tenant of an extension's bindings, if it has any.
    fn registered_tenant(&self, key: &AorKey) -> Option<String> {
        self.aors.get(key).map(|aor| aor.tenant.clone())
    }

    /// Queues the event of a change, comparing the extension now with `before` (its tenant if
    /// it had bindings then). Several bindings changed at once give at most one event.
    fn report(&mut self, key: &AorKey, before: Option<String>) {
        let after = self.registered_tenant(key);
        let event = match (before, after) {
            (None, Some(tenant)) => Event::Registered {
                tenant,
                extension: key.extension.clone(),
            },
            (Some(tenant), None) => Event::Unregistered {
                tenant,
                extension: key.extension.clone(),
            },
            _ => return,
        };
        self.events.push_back(event);
    }

    fn granted(&self, now: Instant, key: &AorKey) -> Vec<Granted> {
        self.bindings(&key.realm, &key.extension)
            .iter()
            .map(|binding| Granted {
                contact: binding.contact.clone(),
                expires: binding
                    .expires_at
                    .saturating_duration_since(now)
                    .as_millis()
                    .div_ceil(1000) as u32,
            })
            .collect()
    }
}

impl AorKey {
    fn of(realm: &str, extension: &str) -> AorKey {
        AorKey {
            realm: realm.to_owned(),
            extension: extension.to_owned(),
        }
    }
}

impl Lockouts {
    /// How long `pair` stays locked out at `now`, if it is.
    fn remaining(&self, pair: &PairKey, now: Instant) -> Option<Duration> {
        let until = self.pairs.get(pair)?.locked_until?;
        (until > now).then(|| until - now)
    }

    /// Counts a wrong answer of `pair`; returns the lockout it starts, if it starts one.
    fn fail(&mut self, pair: PairKey, now: Instant) -> Option<Duration> {
        if !self.pairs.contains_key(&pair) {
            self.make_room(now);
        }
        let strikes = self.pairs.entry(pair).or_insert(Strikes {
            n_failures: 0,
            n_lockouts: 0,
            locked_until: None,
            failed_at: now,
        });
        if strikes.is_forgotten(now, self.lockout_max) {
            *strikes = Strikes {
                n_failures: 0,
                n_lockouts: 0,
                locked_until: None,
                failed_at: now,
            };
        }
        strikes.n_failures += 1;
        strikes.failed_at = now;
        // After a lockout, one more wrong answer locks the pair again.
        let limit = if strikes.n_lockouts == 0 {
            self.failures_max
        } else {
            1
        };
        if strikes.n_failures < limit {
            return None;
        }
        let doublings = strikes.n_lockouts.min(31);
        let lockout = self
            .lockout_min
            .saturating_mul(1 << doublings)
            .min(self.lockout_max);
        strikes.n_lockouts += 1;
        strikes.n_failures = 0;
        strikes.locked_until = Some(now + lockout);
        Some(lockout)
    }

    /// Forgets `pair` after it answered right.
    fn forgive(&mut self, pair: &PairKey) {
        self.pairs.remove(pair);
    }

    /// Makes room for one more pair: drops forgotten pairs, then if still full an eighth of
    /// the table (at least one pair): the least recent pairs that are not locked out, and only
    /// then those whose lockout ends first. Dropping a batch keeps a flood of new pairs at a
    /// constant cost per pair rather than a scan of the table each.
    fn make_room(&mut self, now: Instant) {
        if self.pairs.len() < self.pairs_max {
            return;
        }
        let lockout_max = self.lockout_max;
        self.pairs
            .retain(|_, strikes| !strikes.is_forgotten(now, lockout_max));
        if self.pairs.len() < self.pairs_max {
            return;
        }
        let mut by_age: Vec<_> = self
            .pairs
            .iter()
            .map(|(pair, strikes)| {
                let locked_until = strikes.locked_until.filter(|until| *until > now);
                (
                    (locked_until.is_some(), locked_until, strikes.failed_at),
                    pair,
                )
            })
            .collect();
        let n_dropped = (by_age.len() / 8).max(1);
        by_age.select_nth_unstable_by_key(n_dropped - 1, |(age, _)| *age);
        let dropped: Vec<PairKey> = by_age[..n_dropped]
            .iter()
            .map(|(_, pair)| (*pair).clone())
            .collect();
        for pair in dropped {
            self.pairs.remove(&pair);
        }
    }
}

impl PairKey {
    fn of(extension: &str, source: SocketAddr) -> PairKey {
        let source = match source.ip().to_canonical() {
            IpAddr::V4(v4) => IpAddr::V4(v4),
            IpAddr::V6(v6) => {
                let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(Ipv6Addr::from(prefix))
            }
        };
        PairKey {
            // Extensions are short; a long To user must not make the table large.
            extension: extension.chars().take(EXTENSION_KEPT_LEN_MAX).collect(),
            source,
        }
    }
}

impl Strikes {
    /// Whether the pair no longer counts: not locked out, and no wrong answer for
    /// `lockout_max`.
    fn is_forgotten(&self, now: Instant, lockout_max: Duration) -> bool {
        let quiet_since = self
            .locked_until
            .map_or(self.failed_at, |until| until.max(self.failed_at));
        now >= quiet_since + lockout_max
    }
}

fn out_of_order() -> Reply {
    Reply::BadRequest {
        reason: "CSeq out of order",
    }
}

/// Most contacts one REGISTER may carry.
const CONTACTS_PER_REQUEST_MAX: usize = 16;
/// Most characters of an extension kept per lockout pair and shown in a refusal's log line.
const EXTENSION_KEPT_LEN_MAX: usize = 64;
