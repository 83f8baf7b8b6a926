//! The configuration file (R43): one TOML file for the whole server, any number of
//! organisations.
//!
//! [`parse`] reads a whole file into a [`ServerConfig`]; [`parse_org`] reads the document of one
//! organisation (the body of `[organisations.<slug>]`, which is what the store keeps per
//! organisation). Both report every problem at once, each with file, line, dotted field path
//! and what is allowed ([`ConfigProblem`]). After its own checks the reader runs
//! [`sentral_engine::Config::validate`] and maps what it finds onto the same paths.
//!
//! [`org_to_toml`] and [`server_to_toml`] write a configuration back (`sentral export`). They
//! never write a clear-text password: user passwords become argon2id hashes and SIP passwords
//! become HA1 digests.
//!
//! Ids are derived from names ([`id_of`]), so the same file always gives the same ids and a
//! name keeps its id across an export and a re-import.
//!
//! The file seeds the store on first start; from then on the store is the source of truth.
//! `docs/configuration.md` describes every key.
//!
//! # Layout
//! - `read`: the walker over a parsed TOML document: spans, lines, typed values, unknown fields.
//! - `org`: one organisation's sections and their cross-references.
//! - `write`: TOML output.
//! - `duration`: durations such as `"1m30s"`.
//! - `calendar`: opening hours, holidays and the time zone's UTC offsets (R37).

mod calendar;
mod duration;
mod org;
mod read;
mod write;

#[cfg(test)]
mod tests;

use argon2::password_hash::PasswordHasher;
use md5::Md5;
use read::Reader;
use sentral_engine::{AgentId, EntryPointId, ExpertId, QueueId, TeamId};
pub use sentral_sip::srtp::SrtpPolicy;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

pub use duration::{format_duration_ms, parse_duration_ms};

/// The whole configuration file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServerConfig {
    /// Listening addresses and the outbound trunk; command-line flags override them.
    pub server: ServerSettings,
    /// The organisations, in the order of the file.
    pub organisations: Vec<OrgConfig>,
}

/// The `[server]` section: every setting is optional because command-line flags override it.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct ServerSettings {
    /// Where the REST API, the WebSocket and the desktop are served.
    pub http: Option<SocketAddr>,
    /// Where SIP is received (UDP).
    pub sip: Option<SocketAddr>,
    /// The first and last UDP port used for RTP, both included.
    pub rtp_ports: Option<(u16, u16)>,
    /// Where dial-outs are sent; without it dial-outs fail with a clear reason.
    pub trunk: Option<SocketAddr>,
    /// The user name for the outbound trunk's digest challenges (401/407).
    pub trunk_username: Option<String>,
    /// The password for the outbound trunk's digest challenges; a secret shared with it.
    pub trunk_password: Option<String>,
    /// How long a call's far end may send no RTP before the call is ended: `Some(None)` for
    /// `false` (never), `None` when not given (the default, 60 s).
    pub rtp_timeout_ms: Option<Option<u64>>,
    /// PEM certificate chain and private key: with both, HTTP is served over TLS (HTTPS).
    pub tls: Option<crate::tls::TlsFiles>,
    /// Where SIP over TLS listens; `None`: UDP and TCP only.
    pub sip_tls: Option<SocketAddr>,
    /// The certificate SIP over TLS presents; `None`: the HTTPS one (`tls`).
    pub sip_tls_files: Option<crate::tls::TlsFiles>,
    /// The outbound trunk's host name when dial-outs go over TLS (`trunk_tls_name`).
    pub trunk_tls_name: Option<String>,
    /// PEM trust roots for the trunk's certificate (`trunk_ca`); `None`: the system's.
    pub trunk_ca: Option<std::path::PathBuf>,
    /// SRTP for dial-outs through the TLS trunk (`trunk_srtp`); `None`: the default, offer.
    pub trunk_srtp: Option<SrtpPolicy>,
}

/// The longest call when an organisation names none: 4 hours.
pub const DEFAULT_CALL_LENGTH_MAX_MS: u64 = 4 * 3600 * 1000;

/// The languages the desktop speaks: labels may be given in these (`{ en = "Lunch", nb =
/// "Lunsj" }`), and an agent's chosen language is one of them.
pub const LANGUAGES: [&str; 2] = ["en", "nb"];

/// One organisation: the engine's configuration plus what only the server needs.
#[derive(Clone, PartialEq)]
pub struct OrgConfig {
    /// The organisation's key in the file and in URLs, e.g. `demo`.
    pub slug: String,
    /// The organisation's display name (also `engine.org.name`).
    pub name: String,
    /// What the engine runs on; ids are derived from names with [`id_of`].
    pub engine: sentral_engine::Config,
    /// Every user of the organisation, in the order of the file.
    pub users: Vec<UserConfig>,
    /// The SIP realm and the digest credentials of every agent's extension.
    pub sip: SipConfig,
    /// The key websites present to request web callbacks (R37); none disables the API.
    pub web_callback_api_key: Option<String>,
    /// The numbers web callbacks may call, by prefix (`+47`); empty: any number that is not
    /// premium-rate.
    pub web_callback_prefixes: Vec<String>,
    /// Trunks whose INVITEs are accepted (the inbound allow-list).
    pub trunks: Vec<TrunkConfig>,
    /// How long call recordings are kept before the sweep deletes them (R31); `None` keeps
    /// them (`recording_retention`).
    pub recording_retention_ms: Option<u64>,
    /// The longest a call may last before Sentral ends it (`call_length_max`); `None`: no
    /// limit (`false`).
    pub call_length_max_ms: Option<u64>,
    /// The organisation's time zone, an IANA name (`time_zone`, default `UTC`): its day is the
    /// wallboard's "today" (R44).
    pub time_zone: String,
    /// Each queue's wallboard targets (R44), by queue id.
    pub queue_targets: std::collections::BTreeMap<sentral_engine::QueueId, QueueTargets>,
    /// The supervisors assigned to each team, by user name (`supervisors` of a team, R44).
    pub team_supervisors: std::collections::BTreeMap<sentral_engine::TeamId, Vec<String>>,
    /// Lookups between names and ids.
    pub names: Names,
}

/// A queue's wallboard targets (R44): the service level's threshold and when a cell turns
/// amber or red.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct QueueTargets {
    /// A contact taken by an agent within this long counts towards the service level
    /// (`service_level_threshold`, default 20 s).
    pub service_level_threshold_ms: u64,
    /// Contacts waiting from which the cell is amber and red (`waiting_amber`, `waiting_red`).
    pub waiting_alert: (Option<u32>, Option<u32>),
    /// The longest wait from which the cell is amber and red (`wait_amber`, `wait_red`).
    pub wait_alert_ms: (Option<u64>, Option<u64>),
    /// The service level (percent) below which the cell is amber and red
    /// (`service_level_amber`, `service_level_red`).
    pub service_level_alert: (Option<u32>, Option<u32>),
}

impl Default for QueueTargets {
    fn default() -> Self {
        QueueTargets {
            service_level_threshold_ms: DEFAULT_SERVICE_LEVEL_THRESHOLD_MS,
            waiting_alert: (None, None),
            wait_alert_ms: (None, None),
            service_level_alert: (None, None),
        }
    }
}

/// The service level's threshold when a queue names none: 20 seconds.
pub const DEFAULT_SERVICE_LEVEL_THRESHOLD_MS: u64 = 20_000;

/// A user who signs in to the desktop or the admin API.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct UserConfig {
    /// The sign-in name, unique across the server.
    pub username: String,
    /// What the user may do.
    pub role: Role,
    /// The password, in clear text only until the server hashes it when seeding the store.
    pub password: Password,
    /// The agent this user signs in as; set exactly for users of role agent.
    pub agent: Option<AgentId>,
}

/// A user's password as the file gives it.
#[derive(Clone, Eq, PartialEq)]
pub enum Password {
    /// Clear text (`password = "..."`), hashed with [`hash_password`] before it is stored.
    Clear(String),
    /// An argon2 PHC string (`password_hash = "$argon2id$..."`).
    Hash(String),
}

/// What a user may do.
#[derive(Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub enum Role {
    /// Handles contacts at the agent desktop.
    Agent,
    /// Watches queues and agents and reads history (R44).
    Supervisor,
    /// Changes the configuration (R43).
    Admin,
}

/// A role name that is not one of `agent`, `supervisor`, `admin`.
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
#[error("unknown role {0:?}; expected one of \"agent\", \"supervisor\", \"admin\"")]
pub struct UnknownRole(pub String);

/// SIP digest authentication of the organisation's phones.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct SipConfig {
    /// The digest realm; every HA1 below is computed with it.
    pub realm: String,
    /// One entry per agent, in the order of the agents.
    pub extensions: Vec<SipExtension>,
}

/// The credentials of one agent's extension.
#[derive(Clone, Eq, PartialEq)]
pub struct SipExtension {
    /// The SIP user name the phone registers with.
    pub extension: String,
    /// The agent whose phone this is.
    pub agent: AgentId,
    /// Lowercase hex MD5 of `extension:realm:password` (RFC 2617 digest).
    pub ha1_md5: String,
    /// Lowercase hex SHA-256 of `extension:realm:password` (RFC 7616 digest).
    pub ha1_sha256: String,
    /// SRTP on calls to the phone (`srtp`; keys only over SIP over TLS).
    pub srtp: SrtpPolicy,
}

/// A trunk whose calls are accepted.
#[derive(Clone, Eq, PartialEq)]
pub struct TrunkConfig {
    /// A name for logs and records.
    pub name: String,
    /// The source address its INVITEs come from.
    pub address: IpAddr,
    /// The digest user name the trunk authenticates with, if it does.
    pub username: Option<String>,
    /// The digest password the trunk authenticates with; a secret shared with the carrier.
    pub password: Option<String>,
    /// SRTP on its calls (`srtp`; keys only over SIP over TLS).
    pub srtp: SrtpPolicy,
}

/// Lookups between names and ids; ids are [`id_of`] the name.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct Names {
    /// Agents by user name.
    pub agents: BTreeMap<String, AgentId>,
    /// Teams by name.
    pub teams: BTreeMap<String, TeamId>,
    /// Queues by name.
    pub queues: BTreeMap<String, QueueId>,
    /// Entry points by name.
    pub entry_points: BTreeMap<String, EntryPointId>,
    /// Experts by "first_name last_name".
    pub experts: BTreeMap<String, ExpertId>,
}

/// One problem in a configuration file: where it is and what is wrong.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct ConfigProblem {
    /// The file (or store document) the problem is in.
    pub file: String,
    /// The 1-based line of the offending key or value, when known.
    pub line: Option<usize>,
    /// The dotted path of the field, e.g. `organisations.demo.queues.Support.rona_timeout`.
    pub field: String,
    /// What is wrong and what is allowed.
    pub message: String,
}

/// Parses a whole configuration file; `file` names it in problems.
///
/// Field paths start with `organisations.<slug>.` for everything inside an organisation.
pub fn parse(text: &str, file: &str) -> Result<ServerConfig, Vec<ConfigProblem>> {
    let mut reader = Reader::new(text, file);
    let Some(document) = reader.document() else {
        return Err(reader.into_problems());
    };
    let root = reader.record(document.get_ref(), "", 1, &["server", "organisations"]);
    let server = root
        .get("server")
        .and_then(|item| org::read_server(&mut reader, item))
        .unwrap_or_default();
    let mut organisations = Vec::new();
    let listed = root.get("organisations").and_then(|item| reader.map(item));
    for item in listed.unwrap_or_default() {
        if !org::is_slug(item.key) {
            reader.report_key(
                &item,
                format!("invalid organisation slug {:?}; {SLUG_RULE}", item.key),
            );
        }
        if let Some(record) = reader.as_record(&item, org::ORG_FIELDS) {
            organisations.push(org::read_org(&mut reader, &record, item.key));
        }
    }
    for mut problem in check_across(&organisations) {
        problem.file = file.to_owned();
        problem.line = reader.line_for(&problem.field);
        reader.push(problem);
    }
    let problems = reader.into_problems();
    if problems.is_empty() {
        Ok(ServerConfig {
            server,
            organisations,
        })
    } else {
        Err(problems)
    }
}

/// Parses the document of one organisation (the body of `[organisations.<slug>]`, standing
/// alone); `file` names it in problems.
///
/// Field paths are relative to the organisation (`queues.Support.overflow`), as the engine's
/// are. Uniqueness across organisations is not checked here: see [`check_across`].
pub fn parse_org(text: &str, file: &str, slug: &str) -> Result<OrgConfig, Vec<ConfigProblem>> {
    let mut reader = Reader::new(text, file);
    let Some(document) = reader.document() else {
        return Err(reader.into_problems());
    };
    if !org::is_slug(slug) {
        reader.report(
            "",
            None,
            format!("invalid organisation slug {slug:?}; {SLUG_RULE}"),
        );
    }
    let record = reader.record(document.get_ref(), "", 1, org::ORG_FIELDS);
    let org = org::read_org(&mut reader, &record, slug);
    let problems = reader.into_problems();
    if problems.is_empty() {
        Ok(org)
    } else {
        Err(problems)
    }
}

/// Checks what must be unique across organisations: user names, web callback API keys, dial
/// numbers of entry points, and extensions within a SIP realm. Problems carry no file or line;
/// field paths start with `organisations.<slug>.`.
pub fn check_across(organisations: &[OrgConfig]) -> Vec<ConfigProblem> {
    // Which organisation first claimed each unique value, by kind of value.
    let mut owners: BTreeMap<(&str, String), &str> = BTreeMap::new();
    let mut problems = Vec::new();
    for org in organisations {
        for claim in claims(org) {
            let owner = owners.entry((claim.kind, claim.value)).or_insert(&org.slug);
            // Duplicates inside one organisation are that organisation's own problems.
            if *owner != org.slug {
                problems.push(ConfigProblem {
                    file: String::new(),
                    line: None,
                    field: claim.field,
                    message: format!(
                        "{} is also used by organisation {owner:?}; {}",
                        claim.subject, claim.rule
                    ),
                });
            }
        }
    }
    problems
}

/// Writes one organisation as a standalone document that [`parse_org`] reads back.
///
/// Passwords are written as `password_hash` only (a [`Password::Clear`] is hashed here) and
/// SIP credentials as HA1 digests only: the output never holds a clear-text user password.
pub fn org_to_toml(org: &OrgConfig) -> String {
    write::org_document(org)
}

/// Writes the whole configuration file (for `sentral export`); [`parse`] reads it back.
pub fn server_to_toml(config: &ServerConfig) -> String {
    write::server_document(config)
}

/// The stable id of a name: FNV-1a 64 of `"kind:name"`, masked to 52 bits so that it is exact
/// as a JavaScript number. Kinds are `agent` (of the user name), `team`, `queue`,
/// `entry_point` and `expert` (of "first_name last_name").
pub fn id_of(kind: &str, name: &str) -> u64 {
    const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;
    let bytes = kind.bytes().chain([b':']).chain(name.bytes());
    let hash = bytes.fold(FNV_OFFSET, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(FNV_PRIME)
    });
    hash & ID_MASK
}

/// Hashes a clear-text password into an argon2id PHC string with a random salt.
pub fn hash_password(clear: &str) -> String {
    argon2::Argon2::default()
        .hash_password(clear.as_bytes())
        .expect("argon2 with default parameters hashes any password")
        .to_string()
}

/// The fixed demo organisation (`demo.toml`, embedded in the binary).
pub fn demo() -> ServerConfig {
    parse(DEMO_TOML, "demo.toml").expect("the embedded demo.toml is valid")
}

/// The text of the embedded demo configuration.
pub const DEMO_TOML: &str = include_str!("../demo.toml");

impl ServerConfig {
    /// The organisation with this slug.
    pub fn organisation(&self, slug: &str) -> Option<&OrgConfig> {
        self.organisations.iter().find(|org| org.slug == slug)
    }
}

impl OrgConfig {
    /// Replaces every clear-text password with its argon2id hash.
    pub fn hash_passwords(&mut self) {
        for user in &mut self.users {
            if let Password::Clear(clear) = &user.password {
                user.password = Password::Hash(hash_password(clear));
            }
        }
    }

    /// The user with this name.
    pub fn user(&self, username: &str) -> Option<&UserConfig> {
        self.users.iter().find(|user| user.username == username)
    }

    /// The teams a user supervises (R44): `None` for every team (an administrator, or a
    /// supervisor assigned to none).
    pub fn supervised_teams(
        &self,
        username: &str,
    ) -> Option<std::collections::BTreeSet<sentral_engine::TeamId>> {
        if self.user(username).map(|user| user.role) == Some(Role::Admin) {
            return None;
        }
        let teams: std::collections::BTreeSet<_> = self
            .team_supervisors
            .iter()
            .filter(|(_, names)| names.iter().any(|name| name == username))
            .map(|(team, _)| *team)
            .collect();
        (!teams.is_empty()).then_some(teams)
    }

    /// Rebuilds [`OrgConfig::names`] after the engine configuration or the users changed.
    pub fn refresh_names(&mut self) {
        self.names = Names::new(&self.engine, &self.users);
    }
}

impl fmt::Debug for OrgConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OrgConfig")
            .field("slug", &self.slug)
            .field("name", &self.name)
            .field("engine", &self.engine)
            .field("users", &self.users)
            .field("sip", &self.sip)
            .field(
                "web_callback_api_key",
                &self.web_callback_api_key.as_ref().map(|_| REDACTED),
            )
            .field("web_callback_prefixes", &self.web_callback_prefixes)
            .field("trunks", &self.trunks)
            .field("recording_retention_ms", &self.recording_retention_ms)
            .field("time_zone", &self.time_zone)
            .field("queue_targets", &self.queue_targets)
            .field("team_supervisors", &self.team_supervisors)
            .field("call_length_max_ms", &self.call_length_max_ms)
            .field("names", &self.names)
            .finish()
    }
}

impl Password {
    /// The argon2id PHC string: the hash itself, or a fresh hash of the clear text.
    pub fn to_hash(&self) -> String {
        match self {
            Password::Clear(clear) => hash_password(clear),
            Password::Hash(hash) => hash.clone(),
        }
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Password::Clear(_) => f.write_str("Clear(<redacted>)"),
            Password::Hash(hash) => f.debug_tuple("Hash").field(hash).finish(),
        }
    }
}

impl Role {
    /// Every role, from least to most allowed.
    pub const ALL: [Role; 3] = [Role::Agent, Role::Supervisor, Role::Admin];

    /// The name used in files and on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }
}

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(text: &str) -> Result<Role, UnknownRole> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == text)
            .ok_or_else(|| UnknownRole(text.to_owned()))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl SipConfig {
    /// The credentials of this extension.
    pub fn extension(&self, extension: &str) -> Option<&SipExtension> {
        self.extensions.iter().find(|e| e.extension == extension)
    }
}

impl SipExtension {
    /// Credentials from a clear-text SIP password; only the HA1 digests are kept.
    pub fn from_password(extension: &str, agent: AgentId, realm: &str, password: &str) -> Self {
        let a1 = format!("{extension}:{realm}:{password}");
        SipExtension {
            extension: extension.to_owned(),
            agent,
            ha1_md5: hex(&Md5::digest(a1.as_bytes())),
            ha1_sha256: hex(&Sha256::digest(a1.as_bytes())),
            srtp: SrtpPolicy::default(),
        }
    }
}

impl fmt::Debug for SipExtension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SipExtension")
            .field("extension", &self.extension)
            .field("agent", &self.agent)
            .field("ha1_md5", &REDACTED)
            .field("ha1_sha256", &REDACTED)
            .field("srtp", &self.srtp)
            .finish()
    }
}

impl fmt::Debug for TrunkConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrunkConfig")
            .field("name", &self.name)
            .field("address", &self.address)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| REDACTED))
            .field("srtp", &self.srtp)
            .finish()
    }
}

impl Names {
    /// The lookups of an organisation: agents come from the users that are agents.
    pub fn new(engine: &sentral_engine::Config, users: &[UserConfig]) -> Names {
        Names {
            agents: users
                .iter()
                .filter_map(|user| Some((user.username.clone(), user.agent?)))
                .collect(),
            teams: engine
                .teams
                .iter()
                .map(|t| (t.name.clone(), t.id))
                .collect(),
            queues: engine
                .queues
                .iter()
                .map(|q| (q.name.clone(), q.id))
                .collect(),
            entry_points: engine
                .entry_points
                .iter()
                .map(|e| (e.name.clone(), e.id))
                .collect(),
            experts: engine
                .experts
                .iter()
                .map(|e| (expert_name(&e.first_name, &e.last_name), e.id))
                .collect(),
        }
    }

    /// The user name of an agent.
    pub fn agent_name(&self, id: AgentId) -> Option<&str> {
        name_of(&self.agents, id)
    }

    /// The name of a team.
    pub fn team_name(&self, id: TeamId) -> Option<&str> {
        name_of(&self.teams, id)
    }

    /// The name of a queue.
    pub fn queue_name(&self, id: QueueId) -> Option<&str> {
        name_of(&self.queues, id)
    }

    /// The name of an entry point.
    pub fn entry_point_name(&self, id: EntryPointId) -> Option<&str> {
        name_of(&self.entry_points, id)
    }

    /// The "first_name last_name" of an expert.
    pub fn expert_name(&self, id: ExpertId) -> Option<&str> {
        name_of(&self.experts, id)
    }
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if !self.field.is_empty() {
            write!(f, ": {}", self.field)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ConfigProblem {}

/// A value an organisation uses that no other organisation may use.
struct Claim {
    /// What kind of value it is; values of different kinds never clash.
    kind: &'static str,
    /// The value, normalised for comparison.
    value: String,
    /// Where the organisation uses it.
    field: String,
    /// The value as problems name it.
    subject: String,
    /// Why it must be unique.
    rule: &'static str,
}

/// The values of an organisation that must be unique across organisations.
fn claims(org: &OrgConfig) -> Vec<Claim> {
    let at = |field: String| format!("organisations.{}.{field}", org.slug);
    let mut claims = Vec::new();
    for user in &org.users {
        claims.push(Claim {
            kind: "user",
            value: user.username.clone(),
            field: at(format!("users.{}", user.username)),
            subject: format!("user name {:?}", user.username),
            rule: "user names are unique across the server",
        });
    }
    if let Some(key) = &org.web_callback_api_key {
        claims.push(Claim {
            kind: "web_callback_api_key",
            value: key.clone(),
            field: at("web_callback_api_key".into()),
            subject: "this key".into(),
            rule: "the key tells which organisation a web callback is for",
        });
    }
    for entry_point in &org.engine.entry_points {
        for number in &entry_point.dial_numbers {
            claims.push(Claim {
                kind: "dial_number",
                value: number.digits(),
                field: at(format!("entry_points.{}.dial_numbers", entry_point.name)),
                subject: format!("dial number {number}"),
                rule: "a dial number reaches one organisation",
            });
        }
    }
    for sip in &org.sip.extensions {
        let agent = org.names.agent_name(sip.agent).unwrap_or("?");
        claims.push(Claim {
            kind: "extension",
            value: format!("{}\0{}", org.sip.realm, sip.extension),
            field: at(format!("agents.{agent}.extension")),
            subject: format!(
                "extension {:?} in sip_realm {:?}",
                sip.extension, org.sip.realm
            ),
            rule: "give the organisations different realms or extensions",
        });
    }
    claims
}

/// The name an expert's id is derived from.
fn expert_name(first_name: &str, last_name: &str) -> String {
    format!("{first_name} {last_name}")
}

fn name_of<I: PartialEq + Copy>(names: &BTreeMap<String, I>, id: I) -> Option<&str> {
    names
        .iter()
        .find(|(_, candidate)| **candidate == id)
        .map(|(name, _)| name.as_str())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Ids fit in 52 bits so that JavaScript numbers hold them exactly.
const ID_MASK: u64 = (1 << 52) - 1;

/// What a slug may hold, for messages.
const SLUG_RULE: &str = "a slug holds lowercase letters, digits, '-' and '_', starts with a letter or digit and is at most 63 characters";

/// Stands in for secrets in `Debug` output.
const REDACTED: &str = "<redacted>";
