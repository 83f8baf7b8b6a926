//! R43: the configuration file. The demo and the example parse to their documented content,
//! organisations round-trip through TOML without clear-text passwords, and every mistake is
//! reported once, on its line, together with all the others.
//!
//! Mistakes are made by editing the demo file, so each test shows the one line it breaks.

use super::*;
use argon2::PasswordVerifier;
use sentral_engine::{CadKind, Channel, Engine, Now, TransferNoAnswer};

const EXAMPLE_TOML: &str = include_str!("../../../../examples/sentral.toml");

#[test]
fn r43_demo_has_the_fixed_organisation() {
    let config = demo();
    assert_eq!(config.server, ServerSettings::default());
    assert_eq!(config.organisations.len(), 1);
    let org = &config.organisations[0];
    assert_eq!((org.slug.as_str(), org.name.as_str()), ("demo", "Demo AS"));
    assert_eq!(org.engine.org.name, "Demo AS");
    assert_eq!(org.sip.realm, "sentral");
    assert_eq!(
        org.web_callback_api_key.as_deref(),
        Some("demo-callback-key-not-a-secret-2026")
    );
    let settings = &org.engine.org;
    assert!(settings.recording && settings.noise_removal);
    assert_eq!(settings.privacy_shield_ms, Some(30_000));
    assert_eq!(settings.calls_max, 20);
    assert_eq!(settings.transfer_no_answer, TransferNoAnswer::Drop);
    assert_eq!(org.trunks.len(), 1);
    assert_eq!(org.trunks[0].name, "pstn");
    assert_eq!(org.trunks[0].address, IpAddr::from([127, 0, 0, 1]));

    let users: Vec<(&str, Role)> = org
        .users
        .iter()
        .map(|u| (u.username.as_str(), u.role))
        .collect();
    let agents = ["anna", "bjorn", "cecilie", "david", "eva", "fredrik"];
    let mut expected = vec![("admin", Role::Admin), ("supervisor", Role::Supervisor)];
    expected.extend(agents.iter().map(|name| (*name, Role::Agent)));
    assert_eq!(users, expected);
    assert!(
        org.users
            .iter()
            .all(|u| u.password == Password::Clear("demo".into()))
    );
    for (idx, name) in agents.iter().enumerate() {
        let id = AgentId(id_of("agent", name));
        assert_eq!(org.user(name).unwrap().agent, Some(id));
        assert_eq!(org.names.agents[*name], id);
        let agent = org.engine.agent(id).unwrap();
        assert_eq!(agent.extension, format!("{}", 1001 + idx));
        let team = if idx < 3 { "Sales" } else { "Support" };
        assert_eq!(agent.teams, vec![TeamId(id_of("team", team))]);
        assert_eq!(org.sip.extensions[idx].extension, agent.extension);
        assert_eq!(org.sip.extensions[idx].agent, id);
    }
    assert_eq!(org.user("admin").unwrap().agent, None);
    // HA1 = MD5 / SHA-256 of "1001:sentral:demo", computed independently.
    let anna = org.sip.extension("1001").unwrap();
    assert_eq!(anna.ha1_md5, "de654e12d0da5f56b0bedd9c6469fb4b");
    assert_eq!(
        anna.ha1_sha256,
        "fa00ee1ae1960d35ca5d6f2b180708b3c5f8ce44fb9c6eff2d961a503bd1e329"
    );

    let queue = |name: &str| org.engine.queue(org.names.queues[name]).unwrap();
    let both = vec![
        TeamId(id_of("team", "Sales")),
        TeamId(id_of("team", "Support")),
    ];
    assert_eq!(queue("Overflow").teams, both);
    assert_eq!(queue("Support").wait_max_ms, Some(120_000));
    assert_eq!(
        queue("Support").overflow,
        Some(QueueId(id_of("queue", "Overflow")))
    );
    assert!(
        org.engine
            .queues
            .iter()
            .all(|q| q.channel == Channel::Voice)
    );

    let entry_point = |name: &str| {
        org.engine
            .entry_point(org.names.entry_points[name])
            .unwrap()
    };
    let kundeservice = entry_point("Kundeservice");
    assert_eq!(kundeservice.dial_numbers[0].as_str(), "+4721000000");
    assert_eq!(kundeservice.flow.queue, org.names.queues["Support"]);
    assert_eq!(kundeservice.flow.courtesy_callback_after_ms, Some(60_000));
    let salg = entry_point("Salg");
    assert_eq!(salg.dial_numbers[0].as_str(), "+4721000001");
    assert_eq!(salg.flow.queue, org.names.queues["Sales"]);

    let codes = |reasons: &[sentral_engine::Reason]| -> Vec<String> {
        reasons.iter().map(|r| r.code.clone()).collect()
    };
    assert_eq!(
        codes(&org.engine.idle_reasons),
        ["lunch", "meeting", "training"]
    );
    assert_eq!(
        codes(&org.engine.wrapup_reasons),
        ["resolved", "follow_up", "no_answer"]
    );
    let cad: Vec<(&str, CadKind, bool, bool, Option<u8>)> = org
        .engine
        .cad_variables
        .iter()
        .map(|d| {
            (
                d.name.as_str(),
                d.kind,
                d.editable,
                d.secure,
                d.popover_order,
            )
        })
        .collect();
    assert_eq!(
        cad,
        [
            ("case_number", CadKind::Text, true, false, Some(1)),
            ("customer_name", CadKind::Text, true, false, Some(2)),
            ("language", CadKind::Text, false, false, Some(3)),
            ("follow_up_at", CadKind::DateTime, true, false, None),
            ("national_id", CadKind::Text, true, true, None),
        ]
    );
    assert_eq!(org.engine.address_book.len(), 2);
    let experts: Vec<(&str, &str, &str, Option<&str>)> = org
        .engine
        .experts
        .iter()
        .map(|e| {
            (
                e.last_name.as_str(),
                e.role.as_str(),
                e.department.as_str(),
                e.work_phone.as_ref().map(|p| p.as_str()),
            )
        })
        .collect();
    assert_eq!(
        experts,
        [
            ("Nordmann", "Lawyer", "Legal", Some("+4722000001")),
            ("Hansen", "Engineer", "Network", None),
        ]
    );
    assert_eq!(
        org.names.expert_name(org.engine.experts[0].id),
        Some("Kari Nordmann")
    );
    assert!(Engine::new(org.engine.clone(), Now::from_millis(0)).is_ok());
}

#[test]
fn r43_example_file_parses() {
    let config = parse(EXAMPLE_TOML, "examples/sentral.toml").unwrap_or_else(|problems| {
        panic!(
            "{}",
            problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    let acme = config
        .organisation("acme")
        .expect("the example has an organisation acme");
    assert!(!acme.engine.agents.is_empty());
    assert!(config.server.http.is_some() && config.server.rtp_ports.is_some());
}

#[test]
fn r43_organisations_round_trip_through_toml_after_hashing() {
    let example = parse(EXAMPLE_TOML, "examples/sentral.toml").unwrap();
    for mut org in demo()
        .organisations
        .into_iter()
        .chain(example.organisations)
    {
        org.hash_passwords();
        let text = org_to_toml(&org);
        let back = parse_org(&text, "store", &org.slug).unwrap_or_else(|problems| {
            panic!(
                "{text}\n{}",
                problems
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        });
        assert_eq!(back, org);
    }
}

#[test]
fn r43_whole_file_round_trips_through_export() {
    let mut config = parse(EXAMPLE_TOML, "examples/sentral.toml").unwrap();
    config.organisations.extend(demo().organisations);
    config
        .organisations
        .iter_mut()
        .for_each(OrgConfig::hash_passwords);
    let text = server_to_toml(&config);
    assert_eq!(parse(&text, "export.toml"), Ok(config));
}

#[test]
fn r43_names_that_need_quoting_round_trip() {
    // Names with spaces, dots, '@' and quotes are written as quoted keys and strings.
    let text = r#"
name = "Ørsta \"Kundesenter\""
[users."kari@acme.no"]
role = "agent"
password = "secret"
[teams."Second line"]
[agents."kari@acme.no"]
name = "Kari \\ Nordmann"
extension = "3001"
sip_password = "phone of Kari"
teams = ["Second line"]
[queues."Line 2.0"]
teams = ["Second line"]
[entry_points."Main line"]
dial_numbers = ["+47 23 00 00 00"]
queue = "Line 2.0"
variables = { "case number" = "A-1" }
[cad_variables."case number"]
[wrapup_reasons]
"done!" = "Done"
"#;
    let mut org =
        parse_org(text, "quoted.toml", "orsta").unwrap_or_else(|problems| panic!("{problems:#?}"));
    assert_eq!(
        org.engine.entry_points[0].dial_numbers[0].as_str(),
        "+4723000000"
    );
    org.hash_passwords();
    let written = org_to_toml(&org);
    assert_eq!(parse_org(&written, "store", "orsta"), Ok(org), "{written}");
}

#[test]
fn r43_dial_numbers_belong_to_one_organisation() {
    let acme = "\n[organisations.acme.entry_points.Main]\ndial_numbers = [\"+47 21 00 00 00\"]\nqueue = \"Q\"\n[organisations.acme.queues.Q]\n[organisations.acme.wrapup_reasons]\ndone = \"Done\"\n";
    let text = format!("{DEMO_TOML}{acme}");
    let problem = only(parse(&text, "sentral.toml"));
    assert_eq!(
        problem.field,
        "organisations.acme.entry_points.Main.dial_numbers"
    );
    assert_eq!(
        problem.line,
        Some(line_of(&text, "dial_numbers = [\"+47 21"))
    );
    assert!(
        problem
            .message
            .contains("dial number +4721000000 is also used by organisation \"demo\""),
        "{problem}"
    );
}

#[test]
fn r43_export_never_writes_clear_passwords() {
    let org = &demo().organisations[0];
    let text = org_to_toml(org);
    assert!(!text.contains("password = "), "{text}");
    assert!(!text.contains("sip_password"), "{text}");
    let back = parse_org(&text, "store", "demo").unwrap();
    let Password::Hash(hash) = &back.user("anna").unwrap().password else {
        panic!("a hash is written")
    };
    assert!(hash.starts_with("$argon2id$"));
    assert!(
        argon2::Argon2::default()
            .verify_password(b"demo", hash.as_str())
            .is_ok()
    );
    assert_eq!(back.sip, org.sip);
}

#[test]
fn r43_bad_duration_is_reported_on_its_line() {
    let problem = one_problem(
        "teams = [\"Support\"]\nrona_timeout = \"15s\"\nwait_max",
        "teams = [\"Support\"]\nrona_timeout = \"fast\"\nwait_max",
        "rona_timeout",
    );
    assert_eq!(
        problem.field,
        "organisations.demo.queues.Support.rona_timeout"
    );
    assert_eq!(
        problem.message,
        "expected a duration like \"15s\", got \"fast\""
    );
    let line = problem.line.unwrap();
    assert_eq!(
        problem.to_string(),
        format!(
            "sentral.toml:{line}: organisations.demo.queues.Support.rona_timeout: expected a duration like \"15s\", got \"fast\""
        )
    );
}

#[test]
fn r43_unknown_field_is_reported_with_the_known_ones() {
    let problem = one_problem(
        "teams = [\"Support\"]\nrona_timeout = \"15s\"\nwait_max",
        "teams = [\"Support\"]\nronatimeout = \"15s\"\nwait_max",
        "ronatimeout",
    );
    assert_eq!(
        problem.field,
        "organisations.demo.queues.Support.ronatimeout"
    );
    assert!(
        problem.message.starts_with(
            "unknown field \"ronatimeout\" (did you mean \"rona_timeout\"?); expected one of channel, priority"
        ),
        "{}",
        problem.message
    );
}

#[test]
fn a_sip_password_shorter_than_12_characters_is_reported_with_file_line_and_field() {
    // Goal: a short SIP password in a configuration file is refused where it is written,
    // while 12 characters, or the HA1 digests the demo uses, are taken.
    let anna_ha1 = "sip_ha1_md5 = \"de654e12d0da5f56b0bedd9c6469fb4b\"\n\
                    sip_ha1_sha256 = \"fa00ee1ae1960d35ca5d6f2b180708b3c5f8ce44fb9c6eff2d961a503bd1e329\"";
    let problem = one_problem(anna_ha1, "sip_password = \"elevenchars\"", "sip_password");
    assert_eq!(problem.field, "organisations.demo.agents.anna.sip_password");
    assert!(
        problem
            .message
            .starts_with("a SIP password needs at least 12 characters"),
        "{problem}"
    );
    let (text, _) = edit(
        DEMO_TOML,
        anna_ha1,
        "sip_password = \"twelve chars\"",
        "sip",
    );
    let config = parse(&text, "sentral.toml").expect("12 characters are enough");
    let anna = config.organisations[0].sip.extension("1001").unwrap();
    assert_eq!(
        anna.ha1_md5,
        sentral_sip::digest::ha1(
            sentral_sip::digest::Algorithm::Md5,
            "1001",
            "sentral",
            "twelve chars"
        )
    );
    // The same rule for one organisation's document (the store, the admin API).
    let org =
        "[agents.a]\nname = \"A\"\nextension = \"1009\"\nsip_password = \"short\"\nteams = []\n";
    let problems = parse_org(org, "request body", "acme").unwrap_err();
    assert!(
        problems.iter().any(|p| p.file == "request body"
            && p.line == Some(4)
            && p.field == "agents.a.sip_password"
            && p.message.contains("12 characters")),
        "{problems:?}"
    );
}

#[test]
fn r43_unknown_references_are_reported_where_they_are_written() {
    let cases = [
        // An agent's team.
        (
            "teams = [\"Sales\"]\nskills = [\"norwegian\"]\n\n[organisations.demo.agents.bjorn]",
            "teams = [\"Sale\"]\nskills = [\"norwegian\"]\n\n[organisations.demo.agents.bjorn]",
            "teams",
            "organisations.demo.agents.anna.teams",
            "unknown team \"Sale\"; known teams: \"Sales\", \"Support\"",
        ),
        // A queue's team.
        (
            "[organisations.demo.queues.Sales]\nchannel = \"voice\"\nteams = [\"Sales\"]",
            "[organisations.demo.queues.Sales]\nchannel = \"voice\"\nteams = [\"Sales\", \"Suport\"]",
            "teams",
            "organisations.demo.queues.Sales.teams",
            "unknown team \"Suport\"",
        ),
        // An entry point's queue.
        (
            "queue = \"Sales\"",
            "queue = \"Sale\"",
            "queue",
            "organisations.demo.entry_points.Salg.queue",
            "unknown queue \"Sale\"; known queues: \"Sales\", \"Support\", \"Overflow\"",
        ),
        // An overflow target.
        (
            "overflow = \"Overflow\"",
            "overflow = \"Overflo\"",
            "overflow",
            "organisations.demo.queues.Support.overflow",
            "unknown queue \"Overflo\"",
        ),
        // A wrap-up reason of a queue.
        (
            "teams = [\"Sales\"]\nrona_timeout",
            "teams = [\"Sales\"]\nwrapup_reasons = [\"resolvd\"]\nrona_timeout",
            "wrapup_reasons",
            "organisations.demo.queues.Sales.wrapup_reasons",
            "unknown wrap-up reason \"resolvd\"",
        ),
        // A CAD variable set by an entry point.
        (
            "queue = \"Sales\"\nvariables = { language = \"nb\" }",
            "queue = \"Sales\"\nvariables = { lang = \"nb\" }",
            "variables",
            "organisations.demo.entry_points.Salg.variables.lang",
            "unknown CAD variable \"lang\"",
        ),
    ];
    for (from, to, needle, field, message) in cases {
        let problem = one_problem(from, to, needle);
        assert_eq!(problem.field, field, "{problem}");
        assert!(problem.message.starts_with(message), "{problem}");
    }
}

#[test]
fn r30_invalid_dial_number_is_reported_with_the_r30_message() {
    let problem = one_problem("[\"+4721000001\"]", "[\"12\"]", "12");
    assert_eq!(
        problem.field,
        "organisations.demo.entry_points.Salg.dial_numbers"
    );
    assert_eq!(
        problem.message,
        "invalid dial number \"12\": 2 digits: a dial number holds 3 to 18 digits (R30)"
    );
}

#[test]
fn r43_duplicate_extension_is_reported_on_the_second_agent() {
    let problem = one_problem(
        "name = \"Bjorn\"\nextension = \"1002\"",
        "name = \"Bjorn\"\nextension = \"1001\"",
        "extension",
    );
    assert_eq!(problem.field, "organisations.demo.agents.bjorn.extension");
    assert_eq!(
        problem.message,
        "extension \"1001\" is also used by agent \"anna\""
    );
}

#[test]
fn r43_agent_without_an_agent_user_is_reported() {
    let (text, line) = edit(
        DEMO_TOML,
        "[organisations.demo.users.anna]\nrole = \"agent\"\npassword = \"demo\"\n",
        "",
        "",
    );
    let line_of_agent = line_of(&text, "[organisations.demo.agents.anna]");
    assert!(line_of_agent > line);
    let problem = only(parse(&text, "sentral.toml"));
    assert_eq!(problem.line, Some(line_of_agent));
    assert_eq!(problem.field, "organisations.demo.agents.anna");
    assert!(problem.message.starts_with("no user \"anna\""), "{problem}");

    let (text, _) = edit(
        DEMO_TOML,
        "[organisations.demo.users.anna]\nrole = \"agent\"",
        "[organisations.demo.users.anna]\nrole = \"supervisor\"",
        "",
    );
    let problem = only(parse(&text, "sentral.toml"));
    assert_eq!(
        problem.line,
        Some(line_of(&text, "[organisations.demo.agents.anna]"))
    );
    assert!(
        problem.message.contains("needs role \"agent\""),
        "{problem}"
    );
}

#[test]
fn r43_agent_user_without_an_agent_is_reported() {
    let problem = one_problem(
        "[organisations.demo.users.admin]\nrole = \"admin\"",
        "[organisations.demo.users.admin]\nrole = \"agent\"",
        "role",
    );
    assert_eq!(problem.field, "organisations.demo.users.admin.role");
    assert!(
        problem
            .message
            .contains("no [organisations.demo.agents.admin]"),
        "{problem}"
    );
}

#[test]
fn r43_duplicate_user_name_across_organisations_is_reported() {
    let acme = "\n[organisations.acme]\nname = \"Acme\"\n\n[organisations.acme.users.admin]\nrole = \"admin\"\npassword = \"x\"\n\n[organisations.acme.wrapup_reasons]\ndone = \"Done\"\n";
    let text = format!("{DEMO_TOML}{acme}");
    let problem = only(parse(&text, "sentral.toml"));
    assert_eq!(problem.field, "organisations.acme.users.admin");
    assert_eq!(
        problem.line,
        Some(line_of(&text, "[organisations.acme.users.admin]"))
    );
    assert!(
        problem
            .message
            .contains("also used by organisation \"demo\""),
        "{problem}"
    );
}

#[test]
fn r43_toml_syntax_error_is_reported_with_its_line() {
    let problem = one_problem("calls_max = 20 ", "calls_max = ", "calls_max");
    assert_eq!(problem.field, "");
    assert!(
        problem.message.starts_with("TOML syntax error: "),
        "{problem}"
    );
}

#[test]
fn r43_engine_validation_is_mapped_onto_the_file() {
    // A secure variable never shows in a popover (R9): the engine's rule, on the file's line.
    let problem = one_problem(
        "editable = true\nsecure = true",
        "editable = true\nsecure = true\npopover_order = 4",
        "popover_order",
    );
    assert_eq!(
        problem.field,
        "organisations.demo.cad_variables.national_id.popover_order"
    );
    assert!(problem.message.contains("(R9)"), "{problem}");
    // An overflow target needs a maximum wait.
    let problem = one_problem("wait_max = \"2m\"\noverflow", "overflow", "overflow");
    assert_eq!(problem.field, "organisations.demo.queues.Support.overflow");
    assert_eq!(problem.message, "an overflow target needs wait_max");
}

#[test]
fn r40_callback_retries_are_set_for_the_organisation_and_per_queue() {
    // The demo sets the organisation's spacing; the example overrides it for one queue.
    let demo = demo();
    let settings = &demo.organisations[0].engine.org;
    assert_eq!(
        (
            settings.callback_attempts_max,
            settings.callback_retry_after_ms
        ),
        (3, 120_000)
    );
    let example = parse(EXAMPLE_TOML, "examples/sentral.toml").unwrap();
    let acme = example.organisation("acme").unwrap();
    assert_eq!(acme.engine.org.callback_retry_after_ms, 300_000);
    let queue = |name: &str| acme.engine.queue(acme.names.queues[name]).unwrap();
    let billing = queue("Billing");
    assert_eq!(
        (
            billing.callback_attempts_max,
            billing.callback_retry_after_ms
        ),
        (Some(2), Some(900_000))
    );
    let general = queue("General");
    assert_eq!(
        (
            general.callback_attempts_max,
            general.callback_retry_after_ms
        ),
        (None, None),
        "the organisation's apply"
    );
    // "0s" is allowed: the callback goes back at once.
    let (text, _) = edit(
        DEMO_TOML,
        "wait_max = \"2m\"\n",
        "wait_max = \"2m\"\ncallback_retry_after = \"0s\"\ncallback_attempts_max = 5\n",
        "callback",
    );
    let edited = parse(&text, "sentral.toml").expect("valid");
    let org = &edited.organisations[0];
    let support = org.engine.queue(org.names.queues["Support"]).unwrap();
    assert_eq!(
        (
            support.callback_attempts_max,
            support.callback_retry_after_ms
        ),
        (Some(5), Some(0))
    );
}

#[test]
fn r40_callback_retry_mistakes_are_reported_on_their_lines() {
    let problem = one_problem(
        "callback_retry_after = \"2m\"",
        "callback_retry_after = \"25h\"",
        "callback_retry_after",
    );
    assert_eq!(problem.field, "organisations.demo.callback_retry_after");
    assert_eq!(
        problem.message,
        "must be at most 24h; 0s sends the callback back to its queue at once"
    );
    let problem = one_problem(
        "wait_max = \"2m\"\n",
        "wait_max = \"2m\"\ncallback_retry_after = \"soon\"\n",
        "callback_retry_after",
    );
    assert_eq!(
        problem.field,
        "organisations.demo.queues.Support.callback_retry_after"
    );
    assert!(problem.message.contains("expected a duration"), "{problem}");
    let problem = one_problem(
        "wait_max = \"2m\"\n",
        "wait_max = \"2m\"\ncallback_attempts_max = 0\n",
        "callback_attempts_max",
    );
    assert_eq!(
        problem.field,
        "organisations.demo.queues.Support.callback_attempts_max"
    );
    assert_eq!(
        problem.message,
        "expected a whole number from 1 to 100, got 0"
    );
}

#[test]
fn r43_every_problem_is_reported_at_once() {
    let (text, _) = edit(
        DEMO_TOML,
        "rona_timeout = \"15s\"\nwait_max",
        "rona_timeout = \"fast\"\nwait_max",
        "",
    );
    let (text, _) = edit(
        &text,
        "calls_max = 20",
        "calls_max = 20\ncolour = \"blue\"",
        "",
    );
    let (text, _) = edit(
        &text,
        "teams = [\"Sales\", \"Support\"]",
        "teams = [\"Sales\", \"Marketing\"]",
        "",
    );
    let problems = parse(&text, "sentral.toml").unwrap_err();
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "organisations.demo.colour",
            "organisations.demo.queues.Support.rona_timeout",
            "organisations.demo.queues.Overflow.teams",
        ],
        "{problems:#?}"
    );
    assert!(problems.iter().all(|p| p.line.is_some()));
}

#[test]
fn r43_parse_org_reports_fields_relative_to_the_organisation() {
    let mut org = demo().organisations.remove(0);
    org.hash_passwords();
    let text = org_to_toml(&org).replace("calls_max = 20", "calls_max = 0");
    let problems = parse_org(&text, "store:demo", "demo").unwrap_err();
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0].field, "calls_max");
    assert_eq!(problems[0].line, Some(line_of(&text, "calls_max = 0")));
    assert_eq!(
        problems[0].message,
        "expected a whole number from 1 to 1000000, got 0"
    );
}

#[test]
fn r43_ids_are_stable_and_fit_in_a_javascript_number() {
    // FNV-1a 64 of "agent:anna", computed independently, masked to 52 bits.
    assert_eq!(id_of("agent", "anna"), 151_173_960_490_098);
    assert_eq!(id_of("team", "Sales"), 3_359_295_984_223_606);
    assert_ne!(id_of("team", "Support"), id_of("queue", "Support"));
    for name in ["anna", "Support", "Kundeservice", "", "ø"] {
        for kind in ["agent", "team", "queue", "entry_point", "expert"] {
            assert!(id_of(kind, name) < 1 << 52);
        }
    }
}

#[test]
fn r43_roles_read_and_write_their_names() {
    for role in Role::ALL {
        assert_eq!(role.as_str().parse::<Role>(), Ok(role));
    }
    assert!("root".parse::<Role>().is_err());
}

/// Applies `edit` to the demo and returns its only problem, checking that it is on the line
/// where `needle` is in the replacement.
fn one_problem(from: &str, to: &str, needle: &str) -> ConfigProblem {
    let (text, line) = edit(DEMO_TOML, from, to, needle);
    let problem = only(parse(&text, "sentral.toml"));
    assert_eq!(problem.file, "sentral.toml");
    assert_eq!(problem.line, Some(line), "{problem}");
    problem
}

/// Replaces the only occurrence of `from` with `to`; returns the text and the line of
/// `needle` inside the replacement.
fn edit(text: &str, from: &str, to: &str, needle: &str) -> (String, usize) {
    assert_eq!(text.matches(from).count(), 1, "{from:?} must occur once");
    let at = text.find(from).unwrap() + to.find(needle).expect("needle in replacement");
    let edited = text.replacen(from, to, 1);
    let line = edited[..at].matches('\n').count() + 1;
    (edited, line)
}

fn line_of(text: &str, needle: &str) -> usize {
    text[..text.find(needle).unwrap()].matches('\n').count() + 1
}

fn only(result: Result<ServerConfig, Vec<ConfigProblem>>) -> ConfigProblem {
    let mut problems = result.expect_err("the edit is a mistake");
    assert_eq!(problems.len(), 1, "{problems:#?}");
    problems.remove(0)
}

#[test]
fn r36_automatic_wrap_up_is_read_written_and_checked() {
    let (text, _) = edit(
        DEMO_TOML,
        "callback_retry_after = \"2m\"",
        "callback_retry_after = \"2m\"\nauto_wrapup_after = \"1s\"\nauto_wrapup_reason = \"resolved\"",
        "auto_wrapup_after",
    );
    let config = parse(&text, "sentral.toml").expect("valid");
    let mut org = config.organisations[0].clone();
    assert_eq!(
        org.engine.org.auto_wrapup,
        Some(sentral_engine::AutoWrapUp {
            after_ms: 1_000,
            reason: "resolved".into(),
        })
    );
    org.hash_passwords();
    let written = org_to_toml(&org);
    assert_eq!(parse_org(&written, "store", "demo"), Ok(org), "{written}");

    let problem = one_problem(
        "callback_retry_after = \"2m\"",
        "callback_retry_after = \"2m\"\nauto_wrapup_after = \"1s\"",
        "auto_wrapup_after",
    );
    assert_eq!(problem.field, "organisations.demo.auto_wrapup_after");
    assert!(problem.message.contains("auto_wrapup_reason"), "{problem}");
    let problem = one_problem(
        "callback_retry_after = \"2m\"",
        "callback_retry_after = \"2m\"\nauto_wrapup_after = \"1s\"\nauto_wrapup_reason = \"lunch\"",
        "auto_wrapup_reason",
    );
    assert_eq!(problem.field, "organisations.demo.auto_wrapup_reason");
    assert!(
        problem.message.contains("unknown wrap-up reason"),
        "{problem}"
    );
}

#[test]
fn web_callbacks_a_short_key_is_refused_with_how_to_make_one() {
    let problem = one_problem(
        "web_callback_api_key = \"demo-callback-key-not-a-secret-2026\"",
        "web_callback_api_key = \"secret\"",
        "secret",
    );
    assert!(problem.field.ends_with("web_callback_api_key"), "{problem}");
    assert!(problem.message.contains("at least 32"), "{problem}");
    assert!(
        problem.message.contains("sentral web-callback-key"),
        "{problem}"
    );
}

#[test]
fn web_callbacks_prefixes_are_read_written_and_checked() {
    let (text, _) = edit(
        DEMO_TOML,
        "web_callback_api_key = \"demo-callback-key-not-a-secret-2026\"",
        "web_callback_api_key = \"demo-callback-key-not-a-secret-2026\"\nweb_callback_prefixes = [\"+47\", \"+4520\"]",
        "web_callback_prefixes",
    );
    let config = parse(&text, "sentral.toml").expect("valid");
    let org = &config.organisations[0];
    assert_eq!(org.web_callback_prefixes, ["+47", "+4520"]);
    assert!(org_to_toml(org).contains("web_callback_prefixes = [\"+47\", \"+4520\"]"));
    let problem = one_problem(
        "web_callback_api_key = \"demo-callback-key-not-a-secret-2026\"",
        "web_callback_api_key = \"demo-callback-key-not-a-secret-2026\"\nweb_callback_prefixes = [\"47\"]",
        "web_callback_prefixes",
    );
    assert!(problem.message.contains("like \"+47\""), "{problem}");
}

#[test]
fn https_certificate_and_key_are_read_written_and_given_together() {
    // Issue 25: `[server] tls_certificate` and `tls_key` turn on HTTPS; one without the other
    // is a mistake reported on its line.
    let text = "[server]\ntls_certificate = \"/etc/sentral/fullchain.pem\"\ntls_key = \"/etc/sentral/privkey.pem\"\n";
    let config = parse(text, "sentral.toml").expect("valid");
    let tls = config.server.tls.clone().expect("TLS read");
    assert_eq!(
        tls.certificate,
        std::path::Path::new("/etc/sentral/fullchain.pem")
    );
    assert_eq!(tls.key, std::path::Path::new("/etc/sentral/privkey.pem"));
    assert_eq!(parse(&server_to_toml(&config), "export.toml"), Ok(config));

    let problem = only(parse(
        "[server]\ntls_key = \"/etc/sentral/privkey.pem\"\n",
        "sentral.toml",
    ));
    assert_eq!(problem.line, Some(2), "{problem}");
    assert!(
        problem
            .to_string()
            .contains("give both tls_certificate and tls_key"),
        "{problem}"
    );
}

#[test]
fn sip_tls_needs_a_certificate_and_round_trips() {
    // Issue 25: `[server] sip_tls` listens for SIP over TLS with its own certificate
    // (`sip_tls_certificate`, `sip_tls_key`) or the HTTPS one; without either it is a mistake.
    let text = "[server]\nsip_tls = \"127.0.0.1:5061\"\nsip_tls_certificate = \"/etc/sentral/sip.pem\"\nsip_tls_key = \"/etc/sentral/sip.key\"\n";
    let config = parse(text, "sentral.toml").expect("valid");
    assert_eq!(
        config.server.sip_tls,
        Some("127.0.0.1:5061".parse().unwrap())
    );
    assert!(config.server.sip_tls_files.is_some() && config.server.tls.is_none());
    assert_eq!(parse(&server_to_toml(&config), "export.toml"), Ok(config));

    let problem = only(parse(
        "[server]\nsip_tls = \"127.0.0.1:5061\"\n",
        "sentral.toml",
    ));
    assert_eq!(problem.line, Some(2), "{problem}");
    assert!(
        problem
            .to_string()
            .contains("SIP over TLS needs a certificate"),
        "{problem}"
    );
}

#[test]
fn r7_offer_links_are_read_written_and_checked_on_their_line() {
    // R7: an entry point's `links` put buttons in the offer popover; the demo has one.
    let config = demo();
    let salg = config.organisations[0]
        .engine
        .entry_points
        .iter()
        .find(|e| e.name == "Salg")
        .expect("Salg");
    assert_eq!(salg.flow.links.len(), 1);
    assert!(salg.flow.links[0].url.starts_with("https://"));
    let back = parse(&server_to_toml(&config), "export.toml").expect("the export parses");
    assert_eq!(
        back.organisations[0].engine.entry_points,
        config.organisations[0].engine.entry_points
    );

    let problem = one_problem(
        "links = [{ label = \"Customer record\", url = \"https://crm.example.com/customers?phone={ani}&case={case_number}\" }]",
        "links = [{ label = \"Customer record\", url = \"http://crm.example.com/customers?phone={ani}\" }]",
        "links",
    );
    assert!(problem.to_string().contains("https://"), "{problem}");
    let problem = one_problem(
        "links = [{ label = \"Customer record\", url = \"https://crm.example.com/customers?phone={ani}&case={case_number}\" }]",
        "links = [{ label = \"Customer record\" }]",
        "links",
    );
    assert!(problem.to_string().contains("url"), "{problem}");
}

#[test]
fn issue25_srtp_is_set_per_phone_and_per_trunk_and_round_trips() {
    // Issue 25: `srtp = "off" | "offer" | "require"` on an agent (their phone), on an inbound
    // trunk, and `[server] trunk_srtp` for dial-outs, which needs the trunk over TLS.
    let (text, _) = edit(
        DEMO_TOML,
        "trunks = [{ name = \"pstn\", address = \"127.0.0.1\" }]",
        "trunks = [{ name = \"pstn\", address = \"127.0.0.1\", srtp = \"require\" }]",
        "srtp",
    );
    let (text, _) = edit(
        &text,
        "[organisations.demo.agents.anna]\n",
        "[organisations.demo.agents.anna]\nsrtp = \"off\"\n",
        "srtp",
    );
    let text = format!(
        "[server]\ntrunk = \"127.0.0.1:5061\"\ntrunk_tls_name = \"sip.carrier.example\"\ntrunk_srtp = \"require\"\n{text}"
    );
    let config = parse(&text, "sentral.toml").expect("valid");
    assert_eq!(config.server.trunk_srtp, Some(SrtpPolicy::Require));
    let org = &config.organisations[0];
    assert_eq!(org.trunks[0].srtp, SrtpPolicy::Require);
    let anna = org.names.agents["anna"];
    let phones: Vec<(AgentId, SrtpPolicy)> = org
        .sip
        .extensions
        .iter()
        .map(|sip| (sip.agent, sip.srtp))
        .collect();
    assert!(phones.contains(&(anna, SrtpPolicy::Off)), "{phones:?}");
    assert!(
        phones
            .iter()
            .any(|&(agent, srtp)| agent != anna && srtp == SrtpPolicy::Offer),
        "the default is offer"
    );
    let back = parse(&server_to_toml(&config), "export.toml").expect("the export parses");
    assert_eq!(back.server.trunk_srtp, config.server.trunk_srtp);
    assert_eq!(back.organisations[0].trunks, org.trunks);
    assert_eq!(back.organisations[0].sip.extensions, org.sip.extensions);

    let problem = one_problem(
        "trunks = [{ name = \"pstn\", address = \"127.0.0.1\" }]",
        "trunks = [{ name = \"pstn\", address = \"127.0.0.1\", srtp = \"always\" }]",
        "srtp",
    );
    let message = problem.to_string();
    assert!(
        message.contains("\"off\"") && message.contains("\"require\""),
        "{message}"
    );
    let problem = only(parse(
        "[server]\ntrunk = \"127.0.0.1:5060\"\ntrunk_srtp = \"require\"\n",
        "sentral.toml",
    ));
    assert!(
        problem.to_string().contains("give trunk_tls_name too"),
        "{problem}"
    );
}

#[test]
fn a_trunk_over_tls_is_named_and_its_trust_roots_need_the_name() {
    // Issue 25: `trunk_tls_name` sends dial-outs over TLS to a trunk whose certificate names
    // it; `trunk_ca` alone is a mistake, and so is a name that is not a host name.
    let text = "[server]\ntrunk = \"127.0.0.1:5061\"\ntrunk_tls_name = \"sip.carrier.example\"\ntrunk_ca = \"/etc/sentral/carrier-ca.pem\"\n";
    let config = parse(text, "sentral.toml").expect("valid");
    assert_eq!(
        config.server.trunk_tls_name.as_deref(),
        Some("sip.carrier.example")
    );
    assert_eq!(parse(&server_to_toml(&config), "export.toml"), Ok(config));

    let problem = only(parse(
        "[server]\ntrunk_ca = \"/etc/sentral/carrier-ca.pem\"\n",
        "sentral.toml",
    ));
    assert!(
        problem.to_string().contains("give trunk_tls_name too"),
        "{problem}"
    );
    let problem = only(parse(
        "[server]\ntrunk_tls_name = \"sip carrier/example\"\n",
        "sentral.toml",
    ));
    assert_eq!(problem.line, Some(2), "{problem}");
}

#[test]
fn r3_r36_a_label_is_one_string_or_one_per_language() {
    // Goal: reasons and call-data labels may be given per language while a plain string stays
    // valid for every language, and both survive an export.
    // Method: read the demo (per-language labels) with one reason edited to a plain string;
    // check what the engine gets, then write and read it again.
    let (text, _) = edit(
        DEMO_TOML,
        "training = { en = \"Training\", nb = \"Opplæring\" }",
        "training = \"Training\"",
        "training",
    );
    let config = parse(&text, "sentral.toml").expect("valid");
    let org = &config.organisations[0];
    let lunch = &org.engine.idle_reasons[0];
    assert_eq!(
        (lunch.code.as_str(), lunch.label.as_str()),
        ("lunch", "Lunch")
    );
    assert_eq!(lunch.label_by_language["nb"], "Lunsj");
    let training = org
        .engine
        .idle_reasons
        .iter()
        .find(|r| r.code == "training");
    let training = training.expect("training");
    assert_eq!(training.label, "Training");
    assert!(
        training.label_by_language.is_empty(),
        "a plain string serves every language"
    );
    let case_number = &org.engine.cad_variables[0];
    assert_eq!(case_number.label, "Case number");
    assert_eq!(case_number.label_by_language["nb"], "Saksnummer");
    let mut written = config.clone();
    written
        .organisations
        .iter_mut()
        .for_each(OrgConfig::hash_passwords);
    let again = parse(&server_to_toml(&written), "export.toml");
    assert_eq!(again, Ok(written), "labels per language round-trip");
}

#[test]
fn r43_a_label_of_the_wrong_shape_says_what_is_allowed_where() {
    // Goal: a label in an unknown language, an empty label table or a label of the wrong type
    // is reported on its line, naming the field and what a label may be.
    let problem = one_problem(
        "lunch = { en = \"Lunch\", nb = \"Lunsj\" }",
        "lunch = { en = \"Lunch\", no = \"Lunsj\" }",
        "no =",
    );
    assert_eq!(problem.field, "organisations.demo.idle_reasons.lunch.no");
    assert_eq!(
        problem.message,
        "\"no\" is not a language labels can be given in; use \"en\", \"nb\""
    );
    let problem = one_problem(
        "lunch = { en = \"Lunch\", nb = \"Lunsj\" }",
        "lunch = {}",
        "{}",
    );
    assert_eq!(problem.field, "organisations.demo.idle_reasons.lunch");
    assert!(
        problem.message.contains("at least one language"),
        "{}",
        problem.message
    );
    let problem = one_problem(
        "label = { en = \"Case number\", nb = \"Saksnummer\" }",
        "label = 7",
        "7",
    );
    assert_eq!(
        problem.field,
        "organisations.demo.cad_variables.case_number.label"
    );
    assert_eq!(
        problem.message,
        "expected a label: a string, or a table of languages like { en = \"Lunch\", nb = \"Lunsj\" }, got 7"
    );
    let problem = one_problem(
        "resolved = { en = \"Resolved\", nb = \"Løst\" }",
        "resolved = { en = \"Resolved\", nb = \"\" }",
        "nb =",
    );
    assert_eq!(
        problem.field,
        "organisations.demo.wrapup_reasons.resolved.nb"
    );
    assert_eq!(problem.message, "must not be empty");
}

#[test]
fn r43_a_teams_allowed_actions_are_read_written_and_checked_on_their_line() {
    // R43: `allowed_actions` on a team; an action left out is allowed, and a team without the
    // key allows everything.
    let (text, _) = edit(
        DEMO_TOML,
        "[organisations.demo.teams.Support]\n",
        "[organisations.demo.teams.Support]\nallowed_actions = { outdial = false, transfer_to_dial_number = false }\n",
        "allowed_actions",
    );
    let config = parse(&text, "sentral.toml").expect("valid");
    let teams = &config.organisations[0].engine.teams;
    let support = teams.iter().find(|t| t.name == "Support").expect("Support");
    let sales = teams.iter().find(|t| t.name == "Sales").expect("Sales");
    assert_eq!(sales.allowed_actions, sentral_engine::AllowedActions::ALL);
    let expected = sentral_engine::AllowedActions {
        outdial: false,
        transfer_to_dial_number: false,
        ..sentral_engine::AllowedActions::ALL
    };
    assert_eq!(support.allowed_actions, expected);
    let back = parse(&server_to_toml(&config), "export.toml").expect("the export parses");
    assert_eq!(back.organisations[0].engine.teams, *teams);
    assert!(
        !server_to_toml(&demo()).contains("allowed_actions"),
        "the default is not written"
    );

    let problem = one_problem(
        "[organisations.demo.teams.Support]\n",
        "[organisations.demo.teams.Support]\nallowed_actions = { outdial = \"no\" }\n",
        "allowed_actions",
    );
    assert_eq!(
        problem.field,
        "organisations.demo.teams.Support.allowed_actions.outdial"
    );
    assert!(problem.message.contains("true or false"), "{problem}");
    let problem = one_problem(
        "[organisations.demo.teams.Support]\n",
        "[organisations.demo.teams.Support]\nallowed_actions = { transfer = false }\n",
        "allowed_actions",
    );
    assert_eq!(
        problem.field,
        "organisations.demo.teams.Support.allowed_actions.transfer"
    );
    assert!(
        problem.message.contains("transfer_to_dial_number"),
        "the known actions are listed: {problem}"
    );
}

#[test]
fn r9_a_flows_popover_variables_are_read_written_and_checked_on_their_line() {
    // R9: `popover` on an entry point chooses its popover variables, labels and order.
    let popover = "popover = [{ variable = \"customer_name\", label = \"Kunde\" }, { variable = \"ani\" }, { variable = \"language\" }]\n";
    let (text, _) = edit(
        DEMO_TOML,
        "queue = \"Sales\"\n",
        &format!("queue = \"Sales\"\n{popover}"),
        "popover",
    );
    let config = parse(&text, "sentral.toml").expect("valid");
    let salg = config.organisations[0]
        .engine
        .entry_points
        .iter()
        .find(|e| e.name == "Salg")
        .expect("Salg");
    let chosen: Vec<(&str, Option<&str>)> = salg
        .flow
        .popover
        .iter()
        .map(|c| (c.name.as_str(), c.label.as_deref()))
        .collect();
    assert_eq!(
        chosen,
        [
            ("customer_name", Some("Kunde")),
            ("ani", None),
            ("language", None)
        ]
    );
    let back = parse(&server_to_toml(&config), "export.toml").expect("the export parses");
    assert_eq!(
        back.organisations[0].engine.entry_points,
        config.organisations[0].engine.entry_points
    );

    let problem = one_problem(
        "queue = \"Sales\"\n",
        "queue = \"Sales\"\npopover = [{ variable = \"ani\" }, { variable = \"national_id\" }, { variable = \"dnis\" }]\n",
        "popover",
    );
    assert_eq!(
        problem.field,
        "organisations.demo.entry_points.Salg.popover"
    );
    assert!(problem.message.contains("secure"), "{problem}");
    let problem = one_problem(
        "queue = \"Sales\"\n",
        "queue = \"Sales\"\npopover = [{ label = \"Caller\" }]\n",
        "popover",
    );
    assert!(problem.message.contains("variable"), "{problem}");
}

/// The demo with Office hours on the Support queue, a holiday and an expected-wait threshold
/// on Kundeservice (R37).
fn demo_with_opening_hours() -> String {
    let (text, _) = edit(
        DEMO_TOML,
        "time_zone = \"Europe/Oslo\"",
        "time_zone = \"Europe/Oslo\"\nholidays = [\"2026-12-25\", \"2027-01-01\"]",
        "holidays",
    );
    let (text, _) = edit(
        &text,
        "[organisations.demo.queues.Support]\n",
        "[organisations.demo.opening_hours.Office]\nmonday = [\"08:00-16:00\"]\nfriday = [\"08:00-12:00\", \"13:00-15:00\"]\n\n[organisations.demo.queues.Support]\nopening_hours = \"Office\"\n",
        "opening_hours = ",
    );
    let (text, _) = edit(
        &text,
        "[organisations.demo.entry_points.Kundeservice]\n",
        "[organisations.demo.entry_points.Kundeservice]\ncourtesy_callback_expected_wait = \"5m\"\n",
        "courtesy_callback_expected_wait",
    );
    text
}

#[test]
fn r37_opening_hours_and_holidays_are_read_written_and_checked() {
    let text = demo_with_opening_hours();
    let config = parse(&text, "sentral.toml").expect("valid");
    let mut org = config.organisations[0].clone();
    let calendar = &org.engine.calendar;
    assert_eq!(calendar.opening_hours.len(), 1);
    let office = &calendar.opening_hours[0];
    assert_eq!(office.name, "Office");
    let spans =
        |day: usize| -> Vec<String> { office.week[day].iter().map(ToString::to_string).collect() };
    assert_eq!(spans(0), ["08:00-16:00"]);
    assert!(spans(1).is_empty(), "a day not named is closed");
    assert_eq!(spans(4), ["08:00-12:00", "13:00-15:00"]);
    assert_eq!(
        calendar.holidays,
        [
            sentral_engine::CivilDate::parse("2026-12-25").unwrap(),
            sentral_engine::CivilDate::parse("2027-01-01").unwrap()
        ]
    );
    assert_eq!(calendar.utc_offsets[0].offset_s, 3600, "Oslo, CET");
    let support = org.engine.queue(org.names.queues["Support"]).unwrap();
    assert_eq!(support.opening_hours.as_deref(), Some("Office"));
    let kundeservice = org
        .engine
        .entry_point(org.names.entry_points["Kundeservice"])
        .unwrap();
    assert_eq!(
        kundeservice.flow.courtesy_callback_expected_wait_ms,
        Some(300_000)
    );
    // Monday 7 December 2026, 07:30 UTC is 08:30 in Oslo: open; 15:30 UTC is 16:30: closed.
    let monday_0730_utc = 1_796_628_600_000;
    assert!(org.engine.queue_open(support.id, monday_0730_utc));
    assert!(
        !org.engine
            .queue_open(support.id, monday_0730_utc + 8 * 3_600_000)
    );

    org.hash_passwords();
    let written = org_to_toml(&org);
    assert_eq!(parse_org(&written, "store", "demo"), Ok(org), "{written}");
}

#[test]
fn r37_opening_hours_mistakes_are_reported_on_their_lines() {
    let text = demo_with_opening_hours();
    let problem_of = |from: &str, to: &str, needle: &str| {
        let (edited, line) = edit(&text, from, to, needle);
        let problem = only(parse(&edited, "sentral.toml"));
        assert_eq!(problem.file, "sentral.toml");
        assert_eq!(problem.line, Some(line), "{problem}");
        problem
    };
    let problem = problem_of(
        "monday = [\"08:00-16:00\"]",
        "monday = [\"16:00-08:00\"]",
        "monday",
    );
    assert_eq!(
        problem.field,
        "organisations.demo.opening_hours.Office.monday"
    );
    assert!(problem.message.contains("08:00-16:00"), "{problem}");
    let problem = problem_of(
        "opening_hours = \"Office\"",
        "opening_hours = \"Shop\"",
        "opening_hours",
    );
    assert_eq!(
        problem.field,
        "organisations.demo.queues.Support.opening_hours"
    );
    assert!(
        problem.message.contains("unknown opening hours"),
        "{problem}"
    );
    let problem = problem_of("\"2027-01-01\"", "\"2027-02-30\"", "\"2027-02-30\"");
    assert!(problem.field.ends_with("holidays"), "{problem}");
    assert!(problem.message.contains("2026-12-24"), "{problem}");
    let problem = problem_of(
        "monday = [\"08:00-16:00\"]",
        "mondays = [\"08:00-16:00\"]",
        "mondays",
    );
    assert!(problem.message.contains("monday"), "{problem}");
    let problem = problem_of(
        "courtesy_callback_expected_wait = \"5m\"",
        "courtesy_callback_expected_wait = \"0s\"",
        "courtesy_callback_expected_wait",
    );
    assert_eq!(
        problem.field,
        "organisations.demo.entry_points.Kundeservice.courtesy_callback_expected_wait"
    );
}
