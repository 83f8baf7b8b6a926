//! Writes configurations as TOML that the reader reads back to the same values.
//!
//! The output never holds a clear-text user password or SIP password: users get
//! `password_hash` and agents get HA1 digests. Names stand for ids, as in a hand-written file.

use super::duration::format_duration_ms;
use super::org::{CAD_KIND_NAMES, CHANNEL_NAMES, TRANSFER_NO_ANSWER};
use super::{OrgConfig, ServerConfig, SrtpPolicy};
use sentral_engine::{AllowedActions, DesktopAction, PopoverChoice};
use sentral_engine::{CadKind, Channel, QueueId, TeamId, TransferNoAnswer};
use std::fmt::Write;

/// One organisation as a standalone document.
pub(super) fn org_document(org: &OrgConfig) -> String {
    let mut out = format!(
        "# Organisation {:?}, written by Sentral. Passwords are argon2 hashes and SIP\n\
         # credentials are HA1 digests of \"extension:realm:password\".\n\n",
        org.slug
    );
    write_org(&mut out, org, "");
    out
}

/// The whole configuration file.
pub(super) fn server_document(config: &ServerConfig) -> String {
    let mut out = String::from(
        "# Sentral configuration, written by `sentral export`. Passwords are argon2 hashes and\n\
         # SIP credentials are HA1 digests of \"extension:realm:password\".\n",
    );
    let server = &config.server;
    if *server != Default::default() {
        out.push_str("\n[server]\n");
        let address = |out: &mut String, key: &str, value: Option<std::net::SocketAddr>| {
            if let Some(value) = value {
                field(out, key, &string(&value.to_string()));
            }
        };
        address(&mut out, "http", server.http);
        address(&mut out, "sip", server.sip);
        if let Some((first, last)) = server.rtp_ports {
            field(&mut out, "rtp_ports", &string(&format!("{first}-{last}")));
        }
        address(&mut out, "trunk", server.trunk);
        if let (Some(username), Some(password)) = (&server.trunk_username, &server.trunk_password) {
            field(&mut out, "trunk_username", &string(username));
            field(&mut out, "trunk_password", &string(password));
        }
        match server.rtp_timeout_ms {
            Some(Some(ms)) => field(&mut out, "rtp_timeout", &duration(ms)),
            Some(None) => field(&mut out, "rtp_timeout", "false"),
            None => {}
        }
        for (files, certificate, key) in [
            (&server.tls, "tls_certificate", "tls_key"),
            (&server.sip_tls_files, "sip_tls_certificate", "sip_tls_key"),
        ] {
            if let Some(files) = files {
                field(
                    &mut out,
                    certificate,
                    &string(&files.certificate.to_string_lossy()),
                );
                field(&mut out, key, &string(&files.key.to_string_lossy()));
            }
        }
        address(&mut out, "sip_tls", server.sip_tls);
        if let Some(name) = &server.trunk_tls_name {
            field(&mut out, "trunk_tls_name", &string(name));
        }
        if let Some(ca) = &server.trunk_ca {
            field(&mut out, "trunk_ca", &string(&ca.to_string_lossy()));
        }
        if let Some(srtp) = server.trunk_srtp {
            field(&mut out, "trunk_srtp", &string(srtp.as_str()));
        }
    }
    for org in &config.organisations {
        let prefix = format!("organisations.{}", key(&org.slug));
        let _ = writeln!(out, "\n[{prefix}]");
        write_org(&mut out, org, &format!("{prefix}."));
    }
    out
}

/// Writes an organisation; `prefix` goes in front of every table header, and the settings
/// come first so that they belong to the organisation's own table.
fn write_org(out: &mut String, org: &OrgConfig, prefix: &str) {
    write_settings(out, org);
    for user in &org.users {
        let _ = writeln!(out, "\n[{prefix}users.{}]", key(&user.username));
        field(out, "role", &string(user.role.as_str()));
        field(out, "password_hash", &string(&user.password.to_hash()));
    }
    for team in &org.engine.teams {
        let _ = writeln!(out, "\n[{prefix}teams.{}]", key(&team.name));
        if let Some(supervisors) = org.team_supervisors.get(&team.id) {
            field(out, "supervisors", &strings(supervisors));
        }
        if team.allowed_actions != AllowedActions::ALL {
            field(
                out,
                "allowed_actions",
                &allowed_actions(&team.allowed_actions),
            );
        }
    }
    super::calendar::write_opening_hours(out, prefix, &org.engine.calendar);
    write_agents(out, org, prefix);
    write_queues(out, org, prefix);
    write_entry_points(out, org, prefix);
    for (table, reasons) in [
        ("idle_reasons", &org.engine.idle_reasons),
        ("wrapup_reasons", &org.engine.wrapup_reasons),
    ] {
        if !reasons.is_empty() {
            let _ = writeln!(out, "\n[{prefix}{table}]");
            for reason in reasons {
                field(
                    out,
                    &key(&reason.code),
                    &label(&reason.label, &reason.label_by_language),
                );
            }
        }
    }
    for definition in &org.engine.cad_variables {
        let _ = writeln!(out, "\n[{prefix}cad_variables.{}]", key(&definition.name));
        field(
            out,
            "label",
            &label(&definition.label, &definition.label_by_language),
        );
        field(out, "kind", &string(cad_kind_name(definition.kind)));
        field(out, "editable", &definition.editable.to_string());
        field(out, "secure", &definition.secure.to_string());
        if let Some(order) = definition.popover_order {
            field(out, "popover_order", &order.to_string());
        }
    }
    for entry in &org.engine.address_book {
        let _ = writeln!(out, "\n[[{prefix}address_book]]");
        field(out, "name", &string(&entry.name));
        field(out, "number", &string(entry.number.as_str()));
    }
    for expert in &org.engine.experts {
        let _ = writeln!(out, "\n[[{prefix}experts]]");
        field(out, "first_name", &string(&expert.first_name));
        field(out, "last_name", &string(&expert.last_name));
        field(out, "role", &string(&expert.role));
        field(out, "department", &string(&expert.department));
        if let Some(phone) = &expert.work_phone {
            field(out, "work_phone", &string(phone.as_str()));
        }
    }
}

fn write_settings(out: &mut String, org: &OrgConfig) {
    let settings = &org.engine.org;
    field(out, "name", &string(&org.name));
    field(out, "sip_realm", &string(&org.sip.realm));
    if let Some(api_key) = &org.web_callback_api_key {
        field(out, "web_callback_api_key", &string(api_key));
    }
    if !org.web_callback_prefixes.is_empty() {
        field(
            out,
            "web_callback_prefixes",
            &strings(&org.web_callback_prefixes),
        );
    }
    field(out, "noise_removal", &settings.noise_removal.to_string());
    field(out, "calls_max", &settings.calls_max.to_string());
    field(out, "recording", &settings.recording.to_string());
    let pause = settings.recording_pause_allowed.to_string();
    field(out, "recording_pause_allowed", &pause);
    let shield = settings
        .privacy_shield_ms
        .map_or_else(|| "false".to_owned(), duration);
    field(out, "privacy_shield", &shield);
    match org.call_length_max_ms {
        Some(super::DEFAULT_CALL_LENGTH_MAX_MS) => {}
        Some(ms) => field(out, "call_length_max", &duration(ms)),
        None => field(out, "call_length_max", "false"),
    }
    if org.time_zone != "UTC" {
        field(out, "time_zone", &string(&org.time_zone));
    }
    if let Some(retention_ms) = org.recording_retention_ms {
        field(out, "recording_retention", &duration(retention_ms));
    }
    let cancel = settings.web_callback_cancel.to_string();
    field(out, "web_callback_cancel", &cancel);
    let no_answer = match settings.transfer_no_answer {
        TransferNoAnswer::Drop => TRANSFER_NO_ANSWER[0],
        TransferNoAnswer::Requeue => TRANSFER_NO_ANSWER[1],
    };
    field(out, "transfer_no_answer", &string(no_answer));
    field(out, "rona_timeout", &duration(settings.rona_timeout_ms));
    field(out, "dial_timeout", &duration(settings.dial_timeout_ms));
    let attempts = settings.callback_attempts_max.to_string();
    field(out, "callback_attempts_max", &attempts);
    let retry_after = duration(settings.callback_retry_after_ms);
    field(out, "callback_retry_after", &retry_after);
    if let Some(auto) = &settings.auto_wrapup {
        field(out, "auto_wrapup_after", &duration(auto.after_ms));
        field(out, "auto_wrapup_reason", &string(&auto.reason));
    }
    super::calendar::write_holidays(out, &org.engine.calendar);
    if !org.trunks.is_empty() {
        out.push_str("trunks = [\n");
        for trunk in &org.trunks {
            let mut parts = vec![
                format!("name = {}", string(&trunk.name)),
                format!("address = {}", string(&trunk.address.to_string())),
            ];
            if let (Some(username), Some(password)) = (&trunk.username, &trunk.password) {
                parts.push(format!("username = {}", string(username)));
                parts.push(format!("password = {}", string(password)));
            }
            if trunk.srtp != SrtpPolicy::default() {
                parts.push(format!("srtp = {}", string(trunk.srtp.as_str())));
            }
            let _ = writeln!(out, "  {{ {} }},", parts.join(", "));
        }
        out.push_str("]\n");
    }
}

fn write_agents(out: &mut String, org: &OrgConfig, prefix: &str) {
    for agent in &org.engine.agents {
        let username = org
            .users
            .iter()
            .find(|user| user.agent == Some(agent.id))
            .map(|user| user.username.as_str())
            .or_else(|| org.names.agent_name(agent.id))
            .unwrap_or(&agent.name);
        let _ = writeln!(out, "\n[{prefix}agents.{}]", key(username));
        field(out, "name", &string(&agent.name));
        field(out, "extension", &string(&agent.extension));
        if let Some(sip) = org.sip.extensions.iter().find(|sip| sip.agent == agent.id) {
            field(out, "sip_ha1_md5", &string(&sip.ha1_md5));
            field(out, "sip_ha1_sha256", &string(&sip.ha1_sha256));
            if sip.srtp != SrtpPolicy::default() {
                field(out, "srtp", &string(sip.srtp.as_str()));
            }
        }
        let teams: Vec<String> = agent.teams.iter().map(|id| team_name(org, *id)).collect();
        field(out, "teams", &strings(&teams));
        field(out, "skills", &strings(&agent.skills));
        if !agent.stations.is_empty() {
            field(out, "stations", &strings(&agent.stations));
        }
        let capacity = agent.capacity;
        let capacity = format!(
            "{{ chat = {}, email = {}, social = {} }}",
            capacity.chat, capacity.email, capacity.social
        );
        field(out, "capacity", &capacity);
    }
}

fn write_queues(out: &mut String, org: &OrgConfig, prefix: &str) {
    for queue in &org.engine.queues {
        let _ = writeln!(out, "\n[{prefix}queues.{}]", key(&queue.name));
        field(out, "channel", &string(channel_name(queue.channel)));
        field(out, "priority", &queue.priority.to_string());
        let teams: Vec<String> = queue.teams.iter().map(|id| team_name(org, *id)).collect();
        field(out, "teams", &strings(&teams));
        field(out, "skills_required", &strings(&queue.skills_required));
        if let Some(ms) = queue.rona_timeout_ms {
            field(out, "rona_timeout", &duration(ms));
        }
        field(out, "wrapup_reasons", &strings(&queue.wrapup_reasons));
        if let Some(ms) = queue.wait_max_ms {
            field(out, "wait_max", &duration(ms));
        }
        if let Some(overflow) = queue.overflow {
            field(out, "overflow", &string(&queue_name(org, overflow)));
        }
        if let Some(attempts) = queue.callback_attempts_max {
            field(out, "callback_attempts_max", &attempts.to_string());
        }
        if let Some(ms) = queue.callback_retry_after_ms {
            field(out, "callback_retry_after", &duration(ms));
        }
        if let Some(name) = &queue.opening_hours {
            field(out, "opening_hours", &string(name));
        }
        if let Some(targets) = org.queue_targets.get(&queue.id) {
            write_queue_targets(out, targets);
        }
    }
}

/// A queue's wallboard targets (R44), those that are not the defaults.
fn write_queue_targets(out: &mut String, targets: &super::QueueTargets) {
    if targets.service_level_threshold_ms != super::DEFAULT_SERVICE_LEVEL_THRESHOLD_MS {
        let threshold = duration(targets.service_level_threshold_ms);
        field(out, "service_level_threshold", &threshold);
    }
    let counts = [
        ("waiting_amber", targets.waiting_alert.0),
        ("waiting_red", targets.waiting_alert.1),
        ("service_level_amber", targets.service_level_alert.0),
        ("service_level_red", targets.service_level_alert.1),
    ];
    for (key, value) in counts {
        if let Some(value) = value {
            field(out, key, &value.to_string());
        }
    }
    let waits = [
        ("wait_amber", targets.wait_alert_ms.0),
        ("wait_red", targets.wait_alert_ms.1),
    ];
    for (key, value) in waits {
        if let Some(ms) = value {
            field(out, key, &duration(ms));
        }
    }
}

fn write_entry_points(out: &mut String, org: &OrgConfig, prefix: &str) {
    for entry_point in &org.engine.entry_points {
        let _ = writeln!(out, "\n[{prefix}entry_points.{}]", key(&entry_point.name));
        let numbers: Vec<&str> = entry_point
            .dial_numbers
            .iter()
            .map(|n| n.as_str())
            .collect();
        field(out, "dial_numbers", &strings(&numbers));
        let flow = &entry_point.flow;
        field(out, "queue", &string(&queue_name(org, flow.queue)));
        field(out, "priority", &flow.priority.to_string());
        let variables: Vec<String> = flow
            .variables
            .iter()
            .map(|(name, value)| format!("{} = {}", key(name), string(value)))
            .collect();
        if variables.is_empty() {
            field(out, "variables", "{}");
        } else {
            field(out, "variables", &format!("{{ {} }}", variables.join(", ")));
        }
        if !flow.links.is_empty() {
            let links: Vec<String> = flow
                .links
                .iter()
                .map(|link| {
                    format!(
                        "{{ label = {}, url = {} }}",
                        string(&link.label),
                        string(&link.url)
                    )
                })
                .collect();
            field(out, "links", &format!("[{}]", links.join(", ")));
        }
        if let Some(ms) = flow.courtesy_callback_after_ms {
            field(out, "courtesy_callback_after", &duration(ms));
        }
        if !flow.popover.is_empty() {
            field(out, "popover", &popover(&flow.popover));
        }
        if let Some(ms) = flow.courtesy_callback_expected_wait_ms {
            field(out, "courtesy_callback_expected_wait", &duration(ms));
        }
    }
}

/// A team's desktop profile (R43) as an inline table of every action.
fn allowed_actions(allowed: &AllowedActions) -> String {
    let fields: Vec<String> = DesktopAction::ALL
        .iter()
        .map(|action| format!("{} = {}", action.name(), allowed.allows(*action)))
        .collect();
    format!("{{ {} }}", fields.join(", "))
}

/// A flow's popover variables (R9), in order, each with its label if it has its own.
fn popover(popover: &[PopoverChoice]) -> String {
    let choices: Vec<String> = popover
        .iter()
        .map(|choice| match &choice.label {
            Some(label) => format!(
                "{{ variable = {}, label = {} }}",
                string(&choice.name),
                string(label)
            ),
            None => format!("{{ variable = {} }}", string(&choice.name)),
        })
        .collect();
    format!("[{}]", choices.join(", "))
}

fn field(out: &mut String, key: &str, value: &str) {
    let _ = writeln!(out, "{key} = {value}");
}

fn team_name(org: &OrgConfig, id: TeamId) -> String {
    org.engine
        .team(id)
        .map_or_else(|| id.to_string(), |team| team.name.clone())
}

fn queue_name(org: &OrgConfig, id: QueueId) -> String {
    org.engine
        .queue(id)
        .map_or_else(|| id.to_string(), |queue| queue.name.clone())
}

fn channel_name(channel: Channel) -> &'static str {
    match channel {
        Channel::Voice => CHANNEL_NAMES[0],
        Channel::Chat => CHANNEL_NAMES[1],
        Channel::Email => CHANNEL_NAMES[2],
        Channel::Social => CHANNEL_NAMES[3],
    }
}

fn cad_kind_name(kind: CadKind) -> &'static str {
    match kind {
        CadKind::Text => CAD_KIND_NAMES[0],
        CadKind::Number => CAD_KIND_NAMES[1],
        CadKind::Boolean => CAD_KIND_NAMES[2],
        CadKind::DateTime => CAD_KIND_NAMES[3],
    }
}

fn duration(ms: u64) -> String {
    string(&format_duration_ms(ms))
}

/// A key: bare if it can be, quoted otherwise.
pub(super) fn key(name: &str) -> String {
    let bare = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare { name.to_owned() } else { string(name) }
}

/// A label: one string, or an inline table with the label per language.
fn label(text: &str, by_language: &std::collections::BTreeMap<String, String>) -> String {
    if by_language.is_empty() {
        return string(text);
    }
    let fields: Vec<String> = by_language
        .iter()
        .map(|(language, text)| format!("{} = {}", key(language), string(text)))
        .collect();
    format!("{{ {} }}", fields.join(", "))
}

/// An array of strings on one line.
fn strings<S: AsRef<str>>(items: &[S]) -> String {
    let quoted: Vec<String> = items.iter().map(|item| string(item.as_ref())).collect();
    format!("[{}]", quoted.join(", "))
}

/// A TOML basic string.
fn string(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\r' => quoted.push_str("\\r"),
            '\t' => quoted.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(quoted, "\\u{:04X}", u32::from(c));
            }
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}
