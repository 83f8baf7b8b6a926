//! One organisation's document and the `[server]` section: settings, users, teams, agents,
//! queues, entry points, reasons, CAD variables, address book and experts, with every
//! reference checked and the engine's own validation mapped onto the file's fields.

use super::read::{Item, Reader, Record, join, quoted_list};
use super::{
    Names, OrgConfig, Password, QueueTargets, Role, ServerSettings, SipConfig, SipExtension,
    SrtpPolicy, TrunkConfig, UserConfig, expert_name, id_of,
};
use sentral_engine::{
    AddressBookEntry, AgentConfig, AgentId, AutoWrapUp, CadDefinition, CadKind, Capacity, Channel,
    Config, DialNumber, EntryPointConfig, EntryPointId, Expert, ExpertId, Flow, OfferLink,
    OrgSettings, QueueConfig, QueueId, Reason, TeamConfig, TeamId, TransferNoAnswer,
};
use sentral_engine::{AllowedActions, DesktopAction, PopoverChoice};
use std::collections::{BTreeMap, HashSet};
use std::net::{IpAddr, SocketAddr};
use toml::de::DeValue;

/// The keys of an organisation's table.
pub(super) const ORG_FIELDS: &[&str] = &[
    "name",
    "sip_realm",
    "web_callback_api_key",
    "web_callback_prefixes",
    "noise_removal",
    "calls_max",
    "recording",
    "recording_pause_allowed",
    "privacy_shield",
    "recording_retention",
    "call_length_max",
    "time_zone",
    "web_callback_cancel",
    "transfer_no_answer",
    "rona_timeout",
    "dial_timeout",
    "callback_attempts_max",
    "callback_retry_after",
    "auto_wrapup_after",
    "auto_wrapup_reason",
    "trunks",
    "users",
    "teams",
    "agents",
    "queues",
    "entry_points",
    "idle_reasons",
    "wrapup_reasons",
    "cad_variables",
    "address_book",
    "experts",
    "opening_hours",
    "holidays",
];

/// Whether text is a valid organisation slug.
pub(super) fn is_slug(text: &str) -> bool {
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_';
    text.len() <= SLUG_CHARS_MAX
        && text.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && text.chars().all(allowed)
}

/// Reads the `[server]` section.
pub(super) fn read_server(r: &mut Reader<'_>, item: &Item<'_, '_>) -> Option<ServerSettings> {
    let record = r.as_record(
        item,
        &[
            "http",
            "sip",
            "rtp_ports",
            "trunk",
            "trunk_username",
            "trunk_password",
            "rtp_timeout",
            "tls_certificate",
            "tls_key",
            "sip_tls",
            "sip_tls_certificate",
            "sip_tls_key",
            "trunk_tls_name",
            "trunk_ca",
            "trunk_srtp",
        ],
    )?;
    let trunk_tls_name = record.get("trunk_tls_name").and_then(|item| {
        let name = r.string(item)?;
        let valid = !name.is_empty()
            && name.len() <= 253
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
        if !valid {
            r.expected(
                item,
                "the trunk's host name as its certificate names it, e.g. \"sip.carrier.example\"",
            );
        }
        valid.then_some(name)
    });
    let trunk_ca = record
        .get("trunk_ca")
        .and_then(|item| r.string(item))
        .map(std::path::PathBuf::from);
    let trunk_srtp = record
        .get("trunk_srtp")
        .and_then(|item| srtp_policy(r, item));
    // Both only mean something for a trunk reached over TLS.
    for (key, why) in [
        ("trunk_ca", ""),
        ("trunk_srtp", " (SRTP keys never cross plain SIP)"),
    ] {
        if let Some(at) = record.get(key)
            && record.get("trunk_tls_name").is_none()
        {
            r.report_key(
                at,
                format!("{key} is for a trunk reached over TLS{why}: give trunk_tls_name too"),
            );
        }
    }
    let tls = tls_files(r, &record, "tls_certificate", "tls_key");
    let sip_tls_files = tls_files(r, &record, "sip_tls_certificate", "sip_tls_key");
    let sip_tls = record.get("sip_tls").and_then(|item| socket_addr(r, item));
    if let Some(at) = record.get("sip_tls")
        && tls.is_none()
        && sip_tls_files.is_none()
    {
        r.report_key(
            at,
            "SIP over TLS needs a certificate: give sip_tls_certificate and sip_tls_key, or \
             tls_certificate and tls_key (shared with HTTPS)",
        );
    }
    let trunk_username = record.get("trunk_username").and_then(|i| r.name(i));
    let trunk_password = record.get("trunk_password").and_then(|i| r.secret(i));
    if trunk_username.is_some() != trunk_password.is_some() {
        let at = record
            .get("trunk_username")
            .or(record.get("trunk_password"))
            .expect("one is present");
        r.report_key(
            at,
            "give both trunk_username and trunk_password (digest), or neither",
        );
    }
    let rtp_timeout_ms = record.get("rtp_timeout").and_then(|item| {
        duration_or_false(
            r,
            item,
            "a duration like \"60s\" (longer than 0s), or false to never end a silent call",
        )
    });
    let rtp_ports = record.get("rtp_ports").and_then(|item| {
        let ports = r.string(item)?;
        let range = ports.split_once('-').and_then(|(first, last)| {
            let first: u16 = first.parse().ok()?;
            let last: u16 = last.parse().ok()?;
            (first > 0 && first < last).then_some((first, last))
        });
        if range.is_none() {
            r.expected(item, "a port range like \"20000-20999\" (first below last)");
        }
        range
    });
    Some(ServerSettings {
        http: record.get("http").and_then(|item| socket_addr(r, item)),
        sip: record.get("sip").and_then(|item| socket_addr(r, item)),
        rtp_ports,
        trunk: record.get("trunk").and_then(|item| socket_addr(r, item)),
        trunk_username,
        trunk_password,
        rtp_timeout_ms,
        tls,
        sip_tls,
        sip_tls_files,
        trunk_tls_name,
        trunk_ca,
        trunk_srtp,
    })
}

/// A certificate and key given by the keys `certificate` and `key` of `[server]`: both or
/// neither.
fn tls_files(
    r: &mut Reader<'_>,
    record: &Record<'_, '_>,
    certificate: &str,
    key: &str,
) -> Option<crate::tls::TlsFiles> {
    let certificate_path = record.get(certificate).and_then(|i| r.string(i));
    let key_path = record.get(key).and_then(|i| r.string(i));
    if record.get(certificate).is_some() != record.get(key).is_some() {
        let at = record
            .get(certificate)
            .or(record.get(key))
            .expect("one is present");
        r.report_key(
            at,
            format!("give both {certificate} and {key} (PEM files), or neither"),
        );
    }
    certificate_path
        .zip(key_path)
        .map(|(certificate, key)| crate::tls::TlsFiles {
            certificate: certificate.into(),
            key: key.into(),
        })
}

/// Reads one organisation; problems go to the reader, and the result is as complete as the
/// document allows.
pub(super) fn read_org(r: &mut Reader<'_>, org: &Record<'_, '_>, slug: &str) -> OrgConfig {
    let first_problem = r.problems().len();
    let settings = read_settings(r, org, slug);
    let (mut users, broken_users) = read_users(r, org);
    let (teams, team_supervisors) = read_teams(r, org, &users);
    let idle_reasons = read_reasons(r, org, "idle_reasons");
    let wrapup_reasons = read_reasons(r, org, "wrapup_reasons");
    let cad_variables = read_cad_variables(r, org);
    let (queues, queue_targets) = read_queues(r, org, &teams, &wrapup_reasons);
    let agents = read_agents(r, org, &teams, &settings.realm);
    link_users(r, org, &mut users, &broken_users, &agents);
    let entry_points = read_entry_points(r, org, &queues, &cad_variables);
    let address_book = read_address_book(r, org);
    let experts = read_experts(r, org);
    let calendar = super::calendar::read_calendar(r, org, &settings.time_zone);
    let engine = Config {
        org: settings.org,
        teams,
        agents: agents.iter().map(|agent| agent.config.clone()).collect(),
        queues,
        entry_points,
        idle_reasons,
        wrapup_reasons,
        cad_variables,
        address_book,
        experts,
        calendar,
    };
    check_id_collisions(r, org, &engine, &agents);
    check_engine(r, org, &engine, first_problem, &agents);
    let names = Names::new(&engine, &users);
    OrgConfig {
        slug: slug.to_owned(),
        name: engine.org.name.clone(),
        sip: SipConfig {
            realm: settings.realm,
            extensions: agents.into_iter().filter_map(|agent| agent.sip).collect(),
        },
        engine,
        users,
        web_callback_api_key: settings.web_callback_api_key,
        web_callback_prefixes: settings.web_callback_prefixes,
        trunks: settings.trunks,
        recording_retention_ms: settings.recording_retention_ms,
        call_length_max_ms: settings.call_length_max_ms,
        time_zone: settings.time_zone,
        queue_targets,
        team_supervisors,
        names,
    }
}

/// An agent as read, with the user name it is keyed by.
struct AgentRead {
    /// The user name (the agent's key in the file).
    key: String,
    /// What the engine gets.
    config: AgentConfig,
    /// Its SIP credentials, if they were valid.
    sip: Option<SipExtension>,
}

/// The organisation-level settings that are not in the engine's [`OrgSettings`].
struct Settings {
    /// The engine's settings, name included.
    org: OrgSettings,
    /// The SIP digest realm.
    realm: String,
    /// The web callback API key.
    web_callback_api_key: Option<String>,
    /// The numbers web callbacks may call, by prefix.
    web_callback_prefixes: Vec<String>,
    /// The inbound allow-list.
    trunks: Vec<TrunkConfig>,
    /// How long recordings are kept (R31); `None`: until deleted by hand.
    recording_retention_ms: Option<u64>,
    /// The longest call; `None`: no limit.
    call_length_max_ms: Option<u64>,
    /// The IANA time zone of the organisation's day.
    time_zone: String,
}

fn read_settings(r: &mut Reader<'_>, org: &Record<'_, '_>, slug: &str) -> Settings {
    let mut settings = OrgSettings {
        name: slug.to_owned(),
        ..OrgSettings::default()
    };
    let get = |key: &str| org.get(key);
    set(&mut settings.name, get("name").and_then(|i| r.name(i)));
    set(
        &mut settings.noise_removal,
        get("noise_removal").and_then(|i| r.bool(i)),
    );
    set(
        &mut settings.calls_max,
        get("calls_max").and_then(|i| u32_in(r, i, 1, CALLS_MAX)),
    );
    set(
        &mut settings.recording,
        get("recording").and_then(|i| r.bool(i)),
    );
    let pause = get("recording_pause_allowed").and_then(|i| r.bool(i));
    set(&mut settings.recording_pause_allowed, pause);
    let shield = get("privacy_shield").and_then(|i| privacy_shield(r, i));
    set(&mut settings.privacy_shield_ms, shield);
    let cancel = get("web_callback_cancel").and_then(|i| r.bool(i));
    set(&mut settings.web_callback_cancel, cancel);
    let no_answer = get("transfer_no_answer").and_then(|i| r.choice(i, TRANSFER_NO_ANSWER));
    set(
        &mut settings.transfer_no_answer,
        no_answer.map(|index| [TransferNoAnswer::Drop, TransferNoAnswer::Requeue][index]),
    );
    set(
        &mut settings.rona_timeout_ms,
        get("rona_timeout").and_then(|i| r.duration_ms(i)),
    );
    set(
        &mut settings.dial_timeout_ms,
        get("dial_timeout").and_then(|i| positive_duration(r, i)),
    );
    let attempts =
        get("callback_attempts_max").and_then(|i| u32_in(r, i, 1, Config::CALLBACK_ATTEMPTS_MAX));
    set(&mut settings.callback_attempts_max, attempts);
    let retry_after = get("callback_retry_after").and_then(|i| r.duration_ms(i));
    set(&mut settings.callback_retry_after_ms, retry_after);
    settings.auto_wrapup = auto_wrapup(r, get("auto_wrapup_after"), get("auto_wrapup_reason"));
    let realm = get("sip_realm").and_then(|item| {
        let realm = r.name(item)?;
        let valid = realm
            .chars()
            .all(|c| c.is_ascii_graphic() && c != '"' && c != '\\');
        if !valid {
            r.report_at(
                item,
                "a realm holds printable ASCII without spaces, quotes or backslashes",
            );
        }
        valid.then_some(realm)
    });
    Settings {
        org: settings,
        realm: realm.unwrap_or_else(|| slug.to_owned()),
        web_callback_api_key: get("web_callback_api_key").and_then(|i| {
            let key = r.secret(i)?;
            let long = key.len() >= WEB_CALLBACK_KEY_CHARS_MIN
                && key
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !long {
                r.report_at(
                    i,
                    format!(
                        "expected at least {WEB_CALLBACK_KEY_CHARS_MIN} letters, digits, - or _ \
                         (128 bits or more); `sentral web-callback-key` prints a new random one"
                    ),
                );
            }
            long.then_some(key)
        }),
        web_callback_prefixes: get("web_callback_prefixes")
            .map(|i| dial_prefixes(r, i))
            .unwrap_or_default(),
        trunks: get("trunks").map(|i| read_trunks(r, i)).unwrap_or_default(),
        recording_retention_ms: get("recording_retention")
            .and_then(|i| recording_retention(r, i))
            .flatten(),
        time_zone: get("time_zone")
            .and_then(|i| time_zone(r, i))
            .unwrap_or_else(|| "UTC".to_owned()),
        call_length_max_ms: match get("call_length_max") {
            None => Some(super::DEFAULT_CALL_LENGTH_MAX_MS),
            Some(item) => duration_or_false(
                r,
                item,
                "a duration like \"4h\" (longer than 0s), or false for no limit",
            )
            .unwrap_or(Some(super::DEFAULT_CALL_LENGTH_MAX_MS)),
        },
    }
}

/// The shortest web callback key: 32 characters, 128 bits as hex digits.
pub const WEB_CALLBACK_KEY_CHARS_MIN: usize = 32;

/// Prefixes of international numbers, like `"+47"`: `+` and 1 to 15 digits each.
fn dial_prefixes(r: &mut Reader<'_>, item: &Item<'_, '_>) -> Vec<String> {
    let mut prefixes = Vec::new();
    for (text, element) in r.strings(item) {
        let digits = text.strip_prefix('+').unwrap_or_default();
        if (1..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
            prefixes.push(text);
        } else {
            r.report_at(
                &element,
                format!("expected a prefix like \"+47\" (+ and 1 to 15 digits), got {text:?}"),
            );
        }
    }
    prefixes
}

/// Reads an SRTP policy: `"off"`, `"offer"` or `"require"`.
fn srtp_policy(r: &mut Reader<'_>, item: &Item<'_, '_>) -> Option<SrtpPolicy> {
    const POLICIES: [SrtpPolicy; 3] = [SrtpPolicy::Off, SrtpPolicy::Offer, SrtpPolicy::Require];
    let names = POLICIES.map(SrtpPolicy::as_str);
    r.choice(item, &names).map(|index| POLICIES[index])
}

fn read_trunks(r: &mut Reader<'_>, item: &Item<'_, '_>) -> Vec<TrunkConfig> {
    let mut trunks: Vec<TrunkConfig> = Vec::new();
    for element in r.list(item).unwrap_or_default() {
        let Some(trunk) = r.as_record(
            &element,
            &["name", "address", "username", "password", "srtp"],
        ) else {
            continue;
        };
        let name = trunk
            .require(r, "name", "a name for logs")
            .and_then(|i| r.name(i));
        let address = trunk
            .require(r, "address", "an IP address like \"127.0.0.1\"")
            .and_then(|i| ip_addr(r, i));
        let username = trunk.get("username").and_then(|i| r.name(i));
        let password = trunk.get("password").and_then(|i| r.secret(i));
        let srtp = trunk.get("srtp").and_then(|i| srtp_policy(r, i));
        if username.is_some() != password.is_some() {
            let at = trunk
                .get("username")
                .or(trunk.get("password"))
                .expect("one is present");
            r.report_key(at, "give both username and password (digest), or neither");
            continue;
        }
        if let Some(name) = &name
            && trunks.iter().any(|other| &other.name == name)
        {
            let at = trunk.get("name").expect("the name was read");
            r.report_at(at, format!("another trunk is also named {name:?}"));
            continue;
        }
        if let (Some(name), Some(address)) = (name, address) {
            trunks.push(TrunkConfig {
                name,
                address,
                username,
                password,
                srtp: srtp.unwrap_or_default(),
            });
        }
    }
    trunks
}

/// Reads the users; also returns the names of users whose entry had problems, so that the
/// agents that refer to them are not reported a second time.
fn read_users(r: &mut Reader<'_>, org: &Record<'_, '_>) -> (Vec<UserConfig>, HashSet<String>) {
    let mut users = Vec::new();
    let mut broken = HashSet::new();
    for entry in map_of(r, org, "users") {
        let n_problems = r.problems().len();
        if !is_username(entry.key) {
            r.report_key(
                &entry,
                format!("invalid user name {:?}; {USERNAME_RULE}", entry.key),
            );
        }
        let role = r
            .as_record(&entry, &["role", "password", "password_hash"])
            .and_then(|user| {
                let password = read_password(r, &user);
                let role = user
                    .require(r, "role", "\"agent\", \"supervisor\" or \"admin\"")
                    .and_then(|item| r.choice(item, &ROLE_NAMES))
                    .map(|index| Role::ALL[index]);
                Some((role?, password?))
            });
        match role {
            Some((role, password)) if r.problems().len() == n_problems => users.push(UserConfig {
                username: entry.key.to_owned(),
                role,
                password,
                agent: None,
            }),
            _ => {
                broken.insert(entry.key.to_owned());
            }
        }
    }
    (users, broken)
}

fn read_password(r: &mut Reader<'_>, user: &Record<'_, '_>) -> Option<Password> {
    match (user.get("password"), user.get("password_hash")) {
        (Some(_), Some(hash)) => {
            r.report_key(hash, "give either password or password_hash, not both");
            None
        }
        (Some(clear), None) => r.secret(clear).map(Password::Clear),
        (None, Some(hash)) => {
            let text = r.string(hash)?;
            let is_argon2 = argon2::PasswordHash::new(&text)
                .is_ok_and(|parsed| parsed.algorithm.as_str().starts_with("argon2"));
            if !is_argon2 {
                r.report_at(
                    hash,
                    "expected an argon2 PHC string like \"$argon2id$v=19$m=19456,t=2,p=1$...\"",
                );
            }
            is_argon2.then_some(Password::Hash(text))
        }
        (None, None) => {
            r.report(
                &join(&user.path, "password"),
                Some(user.line),
                "missing; expected password (clear text, hashed when the store is seeded) or \
                 password_hash (argon2)",
            );
            None
        }
    }
}

/// The teams, and the supervisors assigned to each (R44: a supervisor sees and acts on their
/// teams only; one assigned to none sees every team).
fn read_teams(
    r: &mut Reader<'_>,
    org: &Record<'_, '_>,
    users: &[UserConfig],
) -> (Vec<TeamConfig>, BTreeMap<TeamId, Vec<String>>) {
    let mut teams = Vec::new();
    let mut supervisors = BTreeMap::new();
    for entry in map_of(r, org, "teams") {
        let Some(team) = r.as_record(&entry, &["supervisors", "allowed_actions"]) else {
            continue;
        };
        let allowed_actions = team
            .get("allowed_actions")
            .map_or(AllowedActions::ALL, |item| read_allowed_actions(r, item));
        let mut names = Vec::new();
        if let Some(item) = team.get("supervisors") {
            for (name, at) in r.strings(item) {
                let role = users.iter().find(|u| u.username == name).map(|u| u.role);
                if role == Some(Role::Supervisor) {
                    names.push(name);
                } else {
                    r.report_at(&at, format!("{name:?} is not a user of role supervisor"));
                }
            }
        }
        if name_is_valid(r, &entry) {
            let id = TeamId(id_of("team", entry.key));
            teams.push(TeamConfig {
                id,
                name: entry.key.to_owned(),
                allowed_actions,
            });
            if !names.is_empty() {
                supervisors.insert(id, names);
            }
        }
    }
    (teams, supervisors)
}

/// Reads a team's `allowed_actions` (R43, the desktop profile): a table of the actions by
/// name, each `true` or `false`; an action left out is allowed.
fn read_allowed_actions(r: &mut Reader<'_>, item: &Item<'_, '_>) -> AllowedActions {
    let mut allowed = AllowedActions::ALL;
    let names = DesktopAction::ALL.map(DesktopAction::name);
    let Some(record) = r.as_record(item, &names) else {
        return allowed;
    };
    for action in DesktopAction::ALL {
        if let Some(value) = record.get(action.name()).and_then(|i| r.bool(i)) {
            allowed.set(action, value);
        }
    }
    allowed
}

fn read_reasons(r: &mut Reader<'_>, org: &Record<'_, '_>, key: &str) -> Vec<Reason> {
    let mut reasons = Vec::new();
    for entry in map_of(r, org, key) {
        if let Some((label, label_by_language)) = read_label(r, &entry)
            && name_is_valid(r, &entry)
        {
            reasons.push(Reason {
                code: entry.key.to_owned(),
                label,
                label_by_language,
            });
        }
    }
    reasons
}

/// A label: one string for every language, or a table with the label per language
/// (`{ en = "Lunch", nb = "Lunsj" }`), whose English one (else the first) serves the others.
fn read_label(
    r: &mut Reader<'_>,
    item: &Item<'_, '_>,
) -> Option<(String, BTreeMap<String, String>)> {
    let allowed = quoted_list(&super::LANGUAGES);
    match item.value {
        DeValue::String(_) => r.name(item).map(|label| (label, BTreeMap::new())),
        DeValue::Table(_) => {
            let mut by_language = BTreeMap::new();
            let mut ok = true;
            for entry in r.map(item).unwrap_or_default() {
                if !super::LANGUAGES.contains(&entry.key) {
                    r.report_key(
                        &entry,
                        format!(
                            "{:?} is not a language labels can be given in; use {allowed}",
                            entry.key
                        ),
                    );
                    ok = false;
                } else if let Some(text) = r.name(&entry) {
                    by_language.insert(entry.key.to_owned(), text);
                } else {
                    ok = false;
                }
            }
            if by_language.is_empty() && ok {
                r.report_at(
                    item,
                    format!("a label table needs the label in at least one language: {allowed}"),
                );
            }
            let label = by_language
                .get("en")
                .or_else(|| by_language.values().next())?
                .clone();
            ok.then_some((label, by_language))
        }
        _ => {
            r.expected(
                item,
                "a label: a string, or a table of languages like { en = \"Lunch\", nb = \"Lunsj\" }",
            );
            None
        }
    }
}

fn read_cad_variables(r: &mut Reader<'_>, org: &Record<'_, '_>) -> Vec<CadDefinition> {
    let mut definitions = Vec::new();
    for entry in map_of(r, org, "cad_variables") {
        let Some(record) = r.as_record(&entry, CAD_FIELDS) else {
            continue;
        };
        let get = |key: &str| record.get(key);
        let kind = get("kind").and_then(|i| r.choice(i, &CAD_KIND_NAMES));
        let popover_order = get("popover_order").and_then(|i| r.number(i, 1, u8::MAX.into()));
        let (label, label_by_language) = get("label")
            .and_then(|i| read_label(r, i))
            .unwrap_or_else(|| (entry.key.to_owned(), BTreeMap::new()));
        let definition = CadDefinition {
            name: entry.key.to_owned(),
            label,
            label_by_language,
            kind: kind.map_or(CadKind::Text, |index| CAD_KINDS[index]),
            editable: get("editable").and_then(|i| r.bool(i)).unwrap_or(false),
            secure: get("secure").and_then(|i| r.bool(i)).unwrap_or(false),
            popover_order: popover_order.and_then(|order| u8::try_from(order).ok()),
        };
        if name_is_valid(r, &entry) {
            definitions.push(definition);
        }
    }
    definitions
}

fn read_queues(
    r: &mut Reader<'_>,
    org: &Record<'_, '_>,
    teams: &[TeamConfig],
    wrapup_reasons: &[Reason],
) -> (Vec<QueueConfig>, BTreeMap<QueueId, QueueTargets>) {
    let entries = map_of(r, org, "queues");
    let queue_names: Vec<&str> = entries.iter().map(|entry| entry.key).collect();
    let team_names: Vec<&str> = teams.iter().map(|team| team.name.as_str()).collect();
    let codes: Vec<&str> = wrapup_reasons
        .iter()
        .map(|reason| reason.code.as_str())
        .collect();
    let mut queues = Vec::new();
    let mut targets = BTreeMap::new();
    for entry in &entries {
        let Some(queue) = r.as_record(entry, QUEUE_FIELDS) else {
            continue;
        };
        let get = |key: &str| queue.get(key);
        let channel = get("channel").and_then(|i| r.choice(i, &CHANNEL_NAMES));
        let overflow = get("overflow").and_then(|item| {
            let name = r.string(item)?;
            known(r, item, &name, "queue", &queue_names).then(|| QueueId(id_of("queue", &name)))
        });
        let teams = get("teams").map(|item| team_ids(r, item, &team_names));
        let wrapup_codes = get("wrapup_reasons").map(|item| {
            let listed = r.strings(item);
            let known_codes = listed
                .into_iter()
                .filter(|(code, at)| known(r, at, code, "wrap-up reason", &codes));
            known_codes.map(|(code, _)| code).collect()
        });
        let skills = get("skills_required").map(|item| r.strings(item));
        let config = QueueConfig {
            id: QueueId(id_of("queue", entry.key)),
            name: entry.key.to_owned(),
            channel: channel.map_or(Channel::Voice, |index| CHANNELS[index]),
            priority: get("priority").and_then(|i| u8_in(r, i)).unwrap_or(0),
            teams: teams.unwrap_or_default(),
            skills_required: skills.map(without_items).unwrap_or_default(),
            rona_timeout_ms: get("rona_timeout").and_then(|i| r.duration_ms(i)),
            wrapup_reasons: wrapup_codes.unwrap_or_default(),
            wait_max_ms: get("wait_max").and_then(|i| positive_duration(r, i)),
            overflow,
            callback_attempts_max: get("callback_attempts_max")
                .and_then(|i| u32_in(r, i, 1, Config::CALLBACK_ATTEMPTS_MAX)),
            callback_retry_after_ms: get("callback_retry_after").and_then(|i| r.duration_ms(i)),
            // R37: the engine's validation reports a name the calendar does not have.
            opening_hours: get("opening_hours").and_then(|i| r.name(i)),
        };
        let queue_targets = read_queue_targets(r, &queue);
        if name_is_valid(r, entry) {
            targets.insert(config.id, queue_targets);
            queues.push(config);
        }
    }
    (queues, targets)
}

/// A queue's wallboard targets (R44).
fn read_queue_targets(r: &mut Reader<'_>, queue: &Record<'_, '_>) -> QueueTargets {
    let get = |key: &str| queue.get(key);
    let count = |r: &mut Reader<'_>, key: &str| get(key).and_then(|i| u32_in(r, i, 1, u32::MAX));
    let wait = |r: &mut Reader<'_>, key: &str| get(key).and_then(|i| positive_duration(r, i));
    let percent = |r: &mut Reader<'_>, key: &str| get(key).and_then(|i| u32_in(r, i, 1, 100));
    QueueTargets {
        service_level_threshold_ms: wait(r, "service_level_threshold")
            .unwrap_or(super::DEFAULT_SERVICE_LEVEL_THRESHOLD_MS),
        waiting_alert: (count(r, "waiting_amber"), count(r, "waiting_red")),
        wait_alert_ms: (wait(r, "wait_amber"), wait(r, "wait_red")),
        service_level_alert: (
            percent(r, "service_level_amber"),
            percent(r, "service_level_red"),
        ),
    }
}

/// `time_zone`: an IANA name the time-zone database knows, like `"Europe/Oslo"`.
fn time_zone(r: &mut Reader<'_>, item: &Item<'_, '_>) -> Option<String> {
    let name = r.string(item)?;
    if jiff::tz::TimeZone::get(&name).is_err() {
        r.report_at(
            item,
            format!("expected an IANA time zone like \"Europe/Oslo\", got \"{name}\""),
        );
        return None;
    }
    Some(name)
}

fn read_agents(
    r: &mut Reader<'_>,
    org: &Record<'_, '_>,
    teams: &[TeamConfig],
    realm: &str,
) -> Vec<AgentRead> {
    let team_names: Vec<&str> = teams.iter().map(|team| team.name.as_str()).collect();
    let mut agents: Vec<AgentRead> = Vec::new();
    for entry in map_of(r, org, "agents") {
        let Some(agent) = read_agent(r, &entry, &team_names, realm) else {
            continue;
        };
        let at = |field: &str| join(&entry.path, field);
        let extension = &agent.config.extension;
        if let Some(other) = agents
            .iter()
            .find(|other| &other.config.extension == extension)
            && !extension.is_empty()
        {
            let line = r.line_for(&at("extension"));
            let message = format!(
                "extension {extension:?} is also used by agent {:?}",
                other.key
            );
            r.report(&at("extension"), line, message);
        }
        let name = &agent.config.name;
        if let Some(other) = agents.iter().find(|other| &other.config.name == name) {
            let line = r.line_for(&at("name"));
            let message = format!(
                "display name {name:?} is also used by agent {:?}; display names are unique",
                other.key
            );
            r.report(&at("name"), line, message);
        }
        agents.push(agent);
    }
    agents
}

fn read_agent(
    r: &mut Reader<'_>,
    entry: &Item<'_, '_>,
    team_names: &[&str],
    realm: &str,
) -> Option<AgentRead> {
    if !is_username(entry.key) {
        r.report_key(
            entry,
            format!("invalid user name {:?}; {USERNAME_RULE}", entry.key),
        );
    }
    let agent = r.as_record(entry, AGENT_FIELDS)?;
    let id = AgentId(id_of("agent", entry.key));
    let extension = agent
        .require(
            r,
            "extension",
            "the extension the agent's phone registers as, like \"1001\"",
        )
        .and_then(|item| {
            let text = r.string(item)?;
            match DialNumber::parse(&text) {
                Ok(number) if number.as_str() == text => Some(text),
                Ok(number) => {
                    r.report_at(
                        item,
                        format!("write the extension as {:?}", number.as_str()),
                    );
                    None
                }
                Err(error) => {
                    r.report_at(item, format!("invalid dial number {text:?}: {error} (R30)"));
                    None
                }
            }
        });
    let srtp = agent.get("srtp").and_then(|item| srtp_policy(r, item));
    let sip = extension
        .as_deref()
        .and_then(|extension| read_sip(r, &agent, extension, id, realm))
        .map(|sip| SipExtension {
            srtp: srtp.unwrap_or_default(),
            ..sip
        });
    let teams = agent
        .require(r, "teams", "the names of the teams the agent may log in to")
        .map(|item| team_ids(r, item, team_names));
    let skills = agent.get("skills").map(|item| r.strings(item));
    let stations = agent.get("stations").map(|item| {
        let mut stations = Vec::new();
        for (text, element) in r.strings(item) {
            match DialNumber::parse(&text) {
                Ok(number) => stations.push(number.to_string()),
                Err(error) => r.report_at(
                    &element,
                    format!("invalid extension {text:?}: {error} (R30); stations lists extensions like \"1001\""),
                ),
            }
        }
        stations
    });
    let capacity = agent
        .get("capacity")
        .and_then(|item| read_capacity(r, item));
    let config = AgentConfig {
        id,
        name: agent
            .get("name")
            .and_then(|i| r.name(i))
            .unwrap_or_else(|| entry.key.to_owned()),
        extension: extension.unwrap_or_default(),
        stations: stations.unwrap_or_default(),
        teams: teams.unwrap_or_default(),
        skills: skills.map(without_items).unwrap_or_default(),
        capacity: capacity.unwrap_or_default(),
    };
    Some(AgentRead {
        key: entry.key.to_owned(),
        config,
        sip,
    })
}

fn read_sip(
    r: &mut Reader<'_>,
    agent: &Record<'_, '_>,
    extension: &str,
    id: AgentId,
    realm: &str,
) -> Option<SipExtension> {
    let password = agent.get("sip_password");
    let md5 = agent.get("sip_ha1_md5");
    let sha256 = agent.get("sip_ha1_sha256");
    match (password, md5, sha256) {
        (Some(item), None, None) => {
            let password = r.secret(item)?;
            // A phone's password can be guessed over the network (the registrar only slows
            // that down), so it must be long. HA1 digests are taken as given.
            if password.chars().count() < SIP_PASSWORD_LEN_MIN {
                r.report_at(
                    item,
                    format!(
                        "a SIP password needs at least {SIP_PASSWORD_LEN_MIN} characters \
                         (it can be guessed over the network); give a longer one, or \
                         sip_ha1_md5 and sip_ha1_sha256"
                    ),
                );
                return None;
            }
            Some(SipExtension::from_password(extension, id, realm, &password))
        }
        (None, Some(md5), Some(sha256)) => {
            let ha1_md5 = hex_digest(r, md5, 32);
            let ha1_sha256 = hex_digest(r, sha256, 64);
            Some(SipExtension {
                extension: extension.to_owned(),
                agent: id,
                ha1_md5: ha1_md5?,
                ha1_sha256: ha1_sha256?,
                srtp: SrtpPolicy::default(),
            })
        }
        (None, None, None) => {
            r.report(
                &join(&agent.path, "sip_password"),
                Some(agent.line),
                "missing; expected sip_password, or both sip_ha1_md5 and sip_ha1_sha256",
            );
            None
        }
        (Some(password), _, _) => {
            r.report_key(password, "give sip_password or the HA1 digests, not both");
            None
        }
        (None, Some(at), None) | (None, None, Some(at)) => {
            r.report_key(
                at,
                "give both sip_ha1_md5 and sip_ha1_sha256 (of \"extension:realm:password\"), so \
                 that phones using either digest algorithm can register",
            );
            None
        }
    }
}

fn read_capacity(r: &mut Reader<'_>, item: &Item<'_, '_>) -> Option<Capacity> {
    let record = r.as_record(item, &["chat", "email", "social"])?;
    let mut capacity = Capacity::default();
    set(
        &mut capacity.chat,
        record.get("chat").and_then(|i| u8_in(r, i)),
    );
    set(
        &mut capacity.email,
        record.get("email").and_then(|i| u8_in(r, i)),
    );
    set(
        &mut capacity.social,
        record.get("social").and_then(|i| u8_in(r, i)),
    );
    Some(capacity)
}

/// Links users of role agent to their agents, and reports agents without such a user and
/// such users without an agent.
fn link_users(
    r: &mut Reader<'_>,
    org: &Record<'_, '_>,
    users: &mut [UserConfig],
    broken_users: &HashSet<String>,
    agents: &[AgentRead],
) {
    for agent in agents {
        let at = join(&org.path, &format!("agents.{}", agent.key));
        let line = r.line_for(&at);
        match users.iter_mut().find(|user| user.username == agent.key) {
            Some(user) if user.role == Role::Agent => user.agent = Some(agent.config.id),
            Some(user) => {
                let message = format!(
                    "user {:?} has role {:?}; an agent's user needs role \"agent\"",
                    agent.key,
                    user.role.as_str()
                );
                r.report(&at, line, message);
            }
            None if broken_users.contains(&agent.key) => {}
            None => {
                let users_table = join(&org.path, &format!("users.{}", agent.key));
                let message = format!(
                    "no user {:?}; an agent needs a user of role \"agent\" with the same name \
                     ([{users_table}] with role = \"agent\")",
                    agent.key
                );
                r.report(&at, line, message);
            }
        }
    }
    for user in users.iter() {
        if user.role == Role::Agent && user.agent.is_none() {
            let at = join(&org.path, &format!("users.{}.role", user.username));
            let agents_table = join(&org.path, &format!("agents.{}", user.username));
            let message = format!(
                "\"agent\", but there is no [{agents_table}]; add it, or give the user role \
                 \"supervisor\" or \"admin\""
            );
            let line = r.line_for(&at);
            r.report(&at, line, message);
        }
    }
}

fn read_entry_points(
    r: &mut Reader<'_>,
    org: &Record<'_, '_>,
    queues: &[QueueConfig],
    cad_variables: &[CadDefinition],
) -> Vec<EntryPointConfig> {
    let queue_names: Vec<&str> = queues.iter().map(|queue| queue.name.as_str()).collect();
    let mut entry_points = Vec::new();
    for entry in map_of(r, org, "entry_points") {
        let Some(record) = r.as_record(&entry, ENTRY_POINT_FIELDS) else {
            continue;
        };
        let get = |key: &str| record.get(key);
        let dial_numbers = record
            .require(
                r,
                "dial_numbers",
                "the numbers that reach this entry point, like [\"+4721000000\"]",
            )
            .map(|item| {
                r.strings(item)
                    .iter()
                    .filter_map(|(text, at)| dial_number(r, at, text))
                    .collect()
            });
        let queue = record
            .require(r, "queue", "the name of the queue calls wait in")
            .and_then(|item| {
                let name = r.string(item)?;
                known(r, item, &name, "queue", &queue_names).then_some(name)
            });
        let variables = get("variables").map(|item| read_variables(r, item, cad_variables));
        let flow = Flow {
            variables: variables.unwrap_or_default(),
            // An unknown queue keeps an id that matches no queue; its problem is reported.
            queue: QueueId(queue.map_or(0, |name| id_of("queue", &name))),
            priority: get("priority").and_then(|i| u8_in(r, i)).unwrap_or(0),
            courtesy_callback_after_ms: get("courtesy_callback_after")
                .and_then(|i| positive_duration(r, i)),
            courtesy_callback_expected_wait_ms: get("courtesy_callback_expected_wait")
                .and_then(|i| positive_duration(r, i)),
            links: get("links").map(|i| read_links(r, i)).unwrap_or_default(),
            popover: get("popover")
                .map(|i| read_popover(r, i))
                .unwrap_or_default(),
        };
        if name_is_valid(r, &entry) {
            entry_points.push(EntryPointConfig {
                id: EntryPointId(id_of("entry_point", entry.key)),
                name: entry.key.to_owned(),
                dial_numbers: dial_numbers.unwrap_or_default(),
                flow,
            });
        }
    }
    entry_points
}

/// Reads an entry point's `links` (R7): `[{ label = "…", url = "https://…{ani}" }]`; the
/// engine's validation checks the addresses and their variables.
fn read_links(r: &mut Reader<'_>, item: &Item<'_, '_>) -> Vec<OfferLink> {
    let mut links = Vec::new();
    for element in r.list(item).unwrap_or_default() {
        let Some(link) = r.as_record(&element, &["label", "url"]) else {
            continue;
        };
        let label = link
            .require(
                r,
                "label",
                "what the button says, like \"Open customer record\"",
            )
            .and_then(|i| r.string(i));
        let url = link
            .require(
                r,
                "url",
                "an https:// address; {name} puts a variable's value in it, like \
                 \"https://crm.example/customers?phone={ani}\"",
            )
            .and_then(|i| r.string(i));
        if let (Some(label), Some(url)) = (label, url) {
            links.push(OfferLink { label, url });
        }
    }
    links
}

/// Reads an entry point's `popover` (R9): `[{ variable = "case_number", label = "Case" }, …]`,
/// in the order shown; the engine's validation checks the count, the names and the labels.
fn read_popover(r: &mut Reader<'_>, item: &Item<'_, '_>) -> Vec<PopoverChoice> {
    let mut popover = Vec::new();
    for element in r.list(item).unwrap_or_default() {
        let Some(choice) = r.as_record(&element, &["variable", "label"]) else {
            continue;
        };
        let name = choice
            .require(
                r,
                "variable",
                "a CAD variable that is not secure, or one of ani, dnis, queue",
            )
            .and_then(|i| r.string(i));
        let label = choice.get("label").and_then(|i| r.string(i));
        if let Some(name) = name {
            popover.push(PopoverChoice { name, label });
        }
    }
    popover
}

/// Reads an entry point's `variables`: known CAD variables with values of their kind.
fn read_variables(
    r: &mut Reader<'_>,
    item: &Item<'_, '_>,
    cad_variables: &[CadDefinition],
) -> Vec<(String, String)> {
    let names: Vec<&str> = cad_variables.iter().map(|d| d.name.as_str()).collect();
    let mut variables = Vec::new();
    for entry in r.map(item).unwrap_or_default() {
        let value = match entry.value {
            DeValue::String(text) => Some(text.to_string()),
            DeValue::Integer(_) | DeValue::Float(_) | DeValue::Boolean(_) => {
                Some(raw_scalar(entry.value))
            }
            _ => {
                r.expected(&entry, "a string, a number or a boolean");
                None
            }
        };
        let Some(value) = value else { continue };
        if !known(r, &entry, entry.key, "CAD variable", &names) {
            continue;
        }
        let definition = cad_variables
            .iter()
            .find(|d| d.name == entry.key)
            .expect("known");
        if let Some(expected) = kind_mismatch(definition.kind, &value) {
            r.expected(&entry, expected);
            continue;
        }
        variables.push((entry.key.to_owned(), value));
    }
    variables
}

fn read_address_book(r: &mut Reader<'_>, org: &Record<'_, '_>) -> Vec<AddressBookEntry> {
    let mut entries = Vec::new();
    for element in list_of(r, org, "address_book") {
        let Some(record) = r.as_record(&element, &["name", "number"]) else {
            continue;
        };
        let name = record
            .require(r, "name", "the name agents search for")
            .and_then(|i| r.name(i));
        let number = record
            .require(r, "number", "the number dialled, like \"+4722000000\"")
            .and_then(|item| {
                let text = r.string(item)?;
                dial_number(r, item, &text)
            });
        if let (Some(name), Some(number)) = (name, number) {
            entries.push(AddressBookEntry { name, number });
        }
    }
    entries
}

fn read_experts(r: &mut Reader<'_>, org: &Record<'_, '_>) -> Vec<Expert> {
    let mut experts: Vec<Expert> = Vec::new();
    for element in list_of(r, org, "experts") {
        let Some(record) = r.as_record(&element, EXPERT_FIELDS) else {
            continue;
        };
        let first_name = record
            .require(r, "first_name", "a first name")
            .and_then(|i| r.name(i));
        let last_name = record
            .require(r, "last_name", "a last name")
            .and_then(|i| r.name(i));
        let role = record
            .get("role")
            .and_then(|i| r.string(i))
            .unwrap_or_default();
        let department = record
            .get("department")
            .and_then(|i| r.string(i))
            .unwrap_or_default();
        let work_phone = record
            .get("work_phone")
            .map(|item| r.string(item).and_then(|text| dial_number(r, item, &text)));
        let (Some(first_name), Some(last_name)) = (first_name, last_name) else {
            continue;
        };
        let Some(work_phone) = work_phone.map_or(Some(None), |phone| phone.map(Some)) else {
            continue;
        };
        let name = expert_name(&first_name, &last_name);
        let id = ExpertId(id_of("expert", &name));
        if experts.iter().any(|other| other.id == id) {
            r.report_at(
                &element,
                format!(
                    "another expert is also named {name:?}; an expert's id comes from the name"
                ),
            );
            continue;
        }
        experts.push(Expert {
            id,
            first_name,
            last_name,
            role,
            department,
            work_phone,
        });
    }
    experts
}

/// Reports two names of one kind whose ids collide (astronomically rare, but ids must be
/// unique for the engine's maps).
fn check_id_collisions(
    r: &mut Reader<'_>,
    org: &Record<'_, '_>,
    engine: &Config,
    agents: &[AgentRead],
) {
    let kinds: [(&str, &str, Vec<&str>); 4] = [
        (
            "agent",
            "agents",
            agents.iter().map(|a| a.key.as_str()).collect(),
        ),
        (
            "team",
            "teams",
            engine.teams.iter().map(|t| t.name.as_str()).collect(),
        ),
        (
            "queue",
            "queues",
            engine.queues.iter().map(|q| q.name.as_str()).collect(),
        ),
        (
            "entry_point",
            "entry_points",
            engine
                .entry_points
                .iter()
                .map(|e| e.name.as_str())
                .collect(),
        ),
    ];
    for (kind, table, names) in kinds {
        let mut seen: BTreeMap<u64, &str> = BTreeMap::new();
        for name in names {
            if let Some(other) = seen.insert(id_of(kind, name), name) {
                let at = join(&org.path, &format!("{table}.{name}"));
                let line = r.line_for(&at);
                r.report(
                    &at,
                    line,
                    format!("its id collides with {other:?}'s; rename one of them"),
                );
            }
        }
    }
}

/// Runs the engine's validation and reports what it finds on the file's fields, except what
/// this organisation's own checks already reported.
fn check_engine(
    r: &mut Reader<'_>,
    org: &Record<'_, '_>,
    engine: &Config,
    first_problem: usize,
    agents: &[AgentRead],
) {
    let Err(errors) = engine.validate() else {
        return;
    };
    for error in errors {
        let field = join(&org.path, &file_field(&error.field, agents));
        let inner = format!("{field}.");
        let reported = r.problems()[first_problem..]
            .iter()
            .any(|problem| problem.field == field || problem.field.starts_with(&inner));
        if !reported {
            let line = r.line_for(&field);
            r.report(&field, line, error.message);
        }
    }
}

/// The file's field for a field of [`sentral_engine::ConfigError`]: the engine names agents by
/// display name and nests settings under `org.` and flows under `flow.`.
fn file_field(field: &str, agents: &[AgentRead]) -> String {
    if let Some(setting) = field.strip_prefix("org.") {
        return setting.to_owned();
    }
    if let Some(rest) = field.strip_prefix("entry_points.") {
        return format!("entry_points.{}", rest.replacen(".flow.", ".", 1));
    }
    if let Some(extension) = field.strip_prefix("agents.extension.")
        && let Some(agent) = agents
            .iter()
            .rev()
            .find(|a| a.config.extension == extension)
    {
        return format!("agents.{}.extension", agent.key);
    }
    if let Some(rest) = field.strip_prefix("agents.") {
        // A duplicate display name, reported on the later agent.
        if let Some(agent) = agents.iter().rev().find(|a| a.config.name == rest) {
            return format!("agents.{}.name", agent.key);
        }
        let owner = agents
            .iter()
            .rev()
            .filter(|a| rest.starts_with(&format!("{}.", a.config.name)))
            .max_by_key(|a| a.config.name.len());
        if let Some(agent) = owner {
            return format!("agents.{}{}", agent.key, &rest[agent.config.name.len()..]);
        }
    }
    field.to_owned()
}

/// The entries of a map-like table of the organisation (teams, queues, ...), if present.
fn map_of<'a, 'i>(r: &mut Reader<'_>, org: &Record<'a, 'i>, key: &str) -> Vec<Item<'a, 'i>> {
    org.get(key)
        .and_then(|item| r.map(item))
        .unwrap_or_default()
}

/// The elements of an array of tables of the organisation, if present.
fn list_of<'a, 'i>(r: &mut Reader<'_>, org: &Record<'a, 'i>, key: &str) -> Vec<Item<'a, 'i>> {
    org.get(key)
        .and_then(|item| r.list(item))
        .unwrap_or_default()
}

/// Whether `name` is one of `names`; if not, reports it on `item` with the known names.
fn known(r: &mut Reader<'_>, item: &Item<'_, '_>, name: &str, kind: &str, names: &[&str]) -> bool {
    if names.contains(&name) {
        return true;
    }
    let known = if names.is_empty() {
        format!("no {kind}s are defined")
    } else {
        format!("known {kind}s: {}", quoted_list(names))
    };
    let message = format!("unknown {kind} {name:?}; {known}");
    if item.key == name {
        r.report_key(item, message);
    } else {
        r.report_at(item, message);
    }
    false
}

fn team_ids(r: &mut Reader<'_>, item: &Item<'_, '_>, team_names: &[&str]) -> Vec<TeamId> {
    let listed = r.strings(item);
    listed
        .into_iter()
        .filter(|(name, at)| known(r, at, name, "team", team_names))
        .map(|(name, _)| TeamId(id_of("team", &name)))
        .collect()
}

fn dial_number(r: &mut Reader<'_>, item: &Item<'_, '_>, text: &str) -> Option<DialNumber> {
    match DialNumber::parse(text) {
        Ok(number) => Some(number),
        Err(error) => {
            r.report_at(item, format!("invalid dial number {text:?}: {error} (R30)"));
            None
        }
    }
}

/// A name used as a key must not be empty.
fn name_is_valid(r: &mut Reader<'_>, item: &Item<'_, '_>) -> bool {
    let valid = !item.key.trim().is_empty();
    if !valid {
        r.report_key(item, "a name must not be empty");
    }
    valid
}

/// `privacy_shield`: a duration like `"30s"`, or `false` for no limit on a pause.
fn privacy_shield(r: &mut Reader<'_>, item: &Item<'_, '_>) -> Option<Option<u64>> {
    duration_or_false(
        r,
        item,
        "a duration like \"30s\" (longer than 0s), or false for none",
    )
}

/// `recording_retention`: a duration like `"2160h"`, or `false` to keep recordings.
fn recording_retention(r: &mut Reader<'_>, item: &Item<'_, '_>) -> Option<Option<u64>> {
    duration_or_false(
        r,
        item,
        "a duration like \"2160h\" (longer than 0s), or false to keep recordings",
    )
}

/// A duration longer than zero (`Some(ms)`), or `false` (`None`); anything else is reported
/// as `expected`.
fn duration_or_false(
    r: &mut Reader<'_>,
    item: &Item<'_, '_>,
    expected: &str,
) -> Option<Option<u64>> {
    let value = match item.value {
        DeValue::Boolean(false) => Some(None),
        DeValue::String(text) => super::parse_duration_ms(text)
            .filter(|ms| *ms > 0)
            .map(Some),
        _ => None,
    };
    if value.is_none() {
        r.expected(item, expected);
    }
    value
}

/// `auto_wrapup_after` and `auto_wrapup_reason` (R36): both or neither; that the reason exists
/// and every queue offers it is the engine's validation.
fn auto_wrapup(
    r: &mut Reader<'_>,
    after: Option<&Item<'_, '_>>,
    reason: Option<&Item<'_, '_>>,
) -> Option<AutoWrapUp> {
    match (after, reason) {
        (None, None) => None,
        (Some(after), Some(reason)) => {
            let after_ms = positive_duration(r, after);
            let reason = r.name(reason);
            Some(AutoWrapUp {
                after_ms: after_ms?,
                reason: reason?,
            })
        }
        (Some(after), None) => {
            r.report_key(
                after,
                "needs auto_wrapup_reason, the wrap-up reason code to submit",
            );
            None
        }
        (None, Some(reason)) => {
            r.report_key(
                reason,
                "needs auto_wrapup_after, how long after a call the wrap-up is submitted",
            );
            None
        }
    }
}

fn positive_duration(r: &mut Reader<'_>, item: &Item<'_, '_>) -> Option<u64> {
    let ms = r.duration_ms(item)?;
    if ms == 0 {
        r.report_at(item, "must be longer than 0s");
        return None;
    }
    Some(ms)
}

fn u8_in(r: &mut Reader<'_>, item: &Item<'_, '_>) -> Option<u8> {
    r.number(item, 0, u8::MAX.into())
        .and_then(|value| u8::try_from(value).ok())
}

fn u32_in(r: &mut Reader<'_>, item: &Item<'_, '_>, min: u32, max: u32) -> Option<u32> {
    r.number(item, min.into(), max.into())
        .and_then(|value| u32::try_from(value).ok())
}

fn socket_addr(r: &mut Reader<'_>, item: &Item<'_, '_>) -> Option<SocketAddr> {
    let address = match item.value {
        DeValue::String(text) => text.parse().ok(),
        _ => None,
    };
    if address.is_none() {
        r.expected(item, "an address and port like \"127.0.0.1:5060\"");
    }
    address
}

fn ip_addr(r: &mut Reader<'_>, item: &Item<'_, '_>) -> Option<IpAddr> {
    let address = match item.value {
        DeValue::String(text) => text.parse().ok(),
        _ => None,
    };
    if address.is_none() {
        r.expected(item, "an IP address like \"127.0.0.1\"");
    }
    address
}

fn hex_digest(r: &mut Reader<'_>, item: &Item<'_, '_>, n_hex: usize) -> Option<String> {
    let text = r.secret(item)?.to_ascii_lowercase();
    let valid = text.len() == n_hex && text.chars().all(|c| c.is_ascii_hexdigit());
    if !valid {
        r.report_at(item, format!("expected {n_hex} hexadecimal digits"));
    }
    valid.then_some(text)
}

/// What a value of `kind` must look like, if `value` is not one.
fn kind_mismatch(kind: CadKind, value: &str) -> Option<&'static str> {
    let fits = match kind {
        CadKind::Text => true,
        CadKind::Number => value.parse::<f64>().is_ok_and(f64::is_finite),
        CadKind::Boolean => matches!(value, "true" | "false"),
        CadKind::DateTime => sentral_engine::is_iso8601(value),
    };
    let expected = match kind {
        CadKind::Text => "text",
        CadKind::Number => "a number, as the variable's kind is \"number\"",
        CadKind::Boolean => "true or false, as the variable's kind is \"boolean\"",
        CadKind::DateTime => {
            "an ISO 8601 date-time like \"2026-11-25T14:30:00Z\", as the variable's kind is \"date_time\""
        }
    };
    (!fits).then_some(expected)
}

/// The text of a number or boolean value.
fn raw_scalar(value: &DeValue<'_>) -> String {
    match value {
        DeValue::Integer(integer) => i64::from_str_radix(integer.as_str(), integer.radix())
            .map_or_else(|_| integer.to_string(), |n| n.to_string()),
        DeValue::Float(float) => float.as_str().to_owned(),
        DeValue::Boolean(value) => value.to_string(),
        _ => String::new(),
    }
}

fn without_items(strings: Vec<(String, Item<'_, '_>)>) -> Vec<String> {
    strings.into_iter().map(|(text, _)| text).collect()
}

fn is_username(name: &str) -> bool {
    !name.is_empty()
        && name.chars().count() <= USERNAME_CHARS_MAX
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
}

fn set<T>(target: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *target = value;
    }
}

const AGENT_FIELDS: &[&str] = &[
    "name",
    "extension",
    "sip_password",
    "sip_ha1_md5",
    "sip_ha1_sha256",
    "srtp",
    "teams",
    "skills",
    "stations",
    "capacity",
];
const QUEUE_FIELDS: &[&str] = &[
    "channel",
    "priority",
    "teams",
    "skills_required",
    "rona_timeout",
    "wrapup_reasons",
    "wait_max",
    "overflow",
    "callback_attempts_max",
    "callback_retry_after",
    "service_level_threshold",
    "waiting_amber",
    "waiting_red",
    "wait_amber",
    "wait_red",
    "service_level_amber",
    "service_level_red",
    "opening_hours",
];
const ENTRY_POINT_FIELDS: &[&str] = &[
    "dial_numbers",
    "queue",
    "priority",
    "variables",
    "courtesy_callback_after",
    "links",
    // R9: the flow's popover variables.
    "popover",
    "courtesy_callback_expected_wait",
];
const CAD_FIELDS: &[&str] = &["label", "kind", "editable", "secure", "popover_order"];
const EXPERT_FIELDS: &[&str] = &[
    "first_name",
    "last_name",
    "role",
    "department",
    "work_phone",
];

/// Fewest characters of a `sip_password`: phones' passwords can be guessed over the network.
pub(super) const SIP_PASSWORD_LEN_MIN: usize = 12;
/// Names in the file, index-aligned with the values they stand for.
pub(super) const ROLE_NAMES: [&str; 3] = ["agent", "supervisor", "admin"];
pub(super) const CHANNEL_NAMES: [&str; 4] = ["voice", "chat", "email", "social"];
const CHANNELS: [Channel; 4] = [
    Channel::Voice,
    Channel::Chat,
    Channel::Email,
    Channel::Social,
];
pub(super) const CAD_KIND_NAMES: [&str; 4] = ["text", "number", "boolean", "date_time"];
const CAD_KINDS: [CadKind; 4] = [
    CadKind::Text,
    CadKind::Number,
    CadKind::Boolean,
    CadKind::DateTime,
];
pub(super) const TRANSFER_NO_ANSWER: &[&str] = &["drop", "requeue"];

const USERNAME_RULE: &str = "a user name holds letters, digits and . _ - @, at most 64 characters";
const USERNAME_CHARS_MAX: usize = 64;
const SLUG_CHARS_MAX: usize = 63;
/// Limits on numbers an administrator sets.
const CALLS_MAX: u32 = 1_000_000;
