//! Administration over the API (R43): the real server on a free port and a fresh SQLite file,
//! driven over HTTP as an administrator's tools would drive it.

use anyhow::Result;
use sentral_engine::QueueId;
use sentral_server::config::{self, ServerConfig};
use sentral_server::{RunningApp, StartOptions};
use serde_json::{Value, json};
use std::path::Path;

/// An administrator changes a queue's RONA timeout: the engine uses it at once, the exported
/// configuration shows it, and it is still there after a restart on the same data directory.
#[tokio::test]
async fn r43_admin_changes_a_queue_live_and_it_survives_a_restart() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let app = start(config::demo(), dir.path()).await?;
    let admin = Client::login(&app, "admin").await?;

    let (status, queue) = admin.get("/api/v1/admin/queues/Support").await?;
    assert_eq!(status, 200, "{queue}");
    assert_eq!(queue["rona_timeout"], "15s");
    let mut queue = queue;
    queue["rona_timeout"] = json!("20s");
    let (status, stored) = admin.put("/api/v1/admin/queues/Support", &queue).await?;
    assert_eq!(status, 200, "{stored}");
    assert_eq!(stored["rona_timeout"], "20s");
    assert_eq!(
        stored["overflow"], "Overflow",
        "the rest of the entry is kept"
    );

    assert_eq!(rona_timeout_ms(&app, "Support").await, Some(20_000));
    let (status, text) = admin.get_text("/api/v1/admin/config").await?;
    assert_eq!(status, 200, "{text}");
    let document: toml::Table = toml::from_str(&text)?;
    assert_eq!(
        document["queues"]["Support"]["rona_timeout"].as_str(),
        Some("20s")
    );
    assert!(
        !document.contains_key("users") && !text.contains("$argon2"),
        "users and their hashes are not shown: {text}"
    );
    let (_, queues) = admin.get_text("/api/v1/admin/queues").await?;
    assert!(
        in_order(&queues, &["Sales", "Support", "Overflow"]),
        "entries keep their order: {queues}"
    );

    app.shutdown().await?;
    let app = start(config::demo(), dir.path()).await?;
    assert_eq!(rona_timeout_ms(&app, "Support").await, Some(20_000));
    let admin = Client::login(&app, "admin").await?;
    let (status, queue) = admin.get("/api/v1/admin/queues/Support").await?;
    assert_eq!(status, 200, "{queue}");
    assert_eq!(queue["rona_timeout"], "20s");
    app.shutdown().await?;
    Ok(())
}

/// The whole document round-trips: what GET returns, changed, is accepted by PUT, applied and
/// answered with the document now in use.
#[tokio::test]
async fn r43_admin_replaces_the_whole_document() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let app = start(config::demo(), dir.path()).await?;
    let admin = Client::login(&app, "admin").await?;

    let (_, text) = admin.get_text("/api/v1/admin/config").await?;
    let changed = text.replace("calls_max = 20", "calls_max = 7");
    assert_ne!(changed, text);
    let (status, answer) = admin.put_text("/api/v1/admin/config", &changed).await?;
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("calls_max = 7"), "{answer}");
    let (_, settings) = admin.get("/api/v1/admin/settings").await?;
    assert_eq!(settings["calls_max"], 7);
    let calls_max = app
        .org("demo")
        .expect("demo runs")
        .query(|engine| engine.config().org.calls_max)
        .await;
    assert_eq!(calls_max, Some(7));

    // Users listed in the document must be the current ones; they are managed elsewhere.
    let with_users = format!("{changed}\n[users.mallory]\nrole = \"admin\"\npassword = \"x\"\n");
    let (status, body) = admin
        .put_text_json("/api/v1/admin/config", &with_users)
        .await?;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["problems"]
            .as_array()
            .expect("problems")
            .iter()
            .any(|p| p["field"] == "users.mallory"),
        "{body}"
    );
    app.shutdown().await?;
    Ok(())
}

/// A broken document is refused with every problem and its line, and nothing changes.
#[tokio::test]
async fn r43_bad_toml_is_refused_with_every_problem_and_its_line() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let app = start(config::demo(), dir.path()).await?;
    let admin = Client::login(&app, "admin").await?;
    let (_, before) = admin.get_text("/api/v1/admin/config").await?;

    let (status, body) = admin
        .put_text_json("/api/v1/admin/config", "name = \"Demo\"\ncalls_max = [\n")
        .await?;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["code"], "invalid");
    assert!(body["problems"][0]["line"].as_u64().is_some(), "{body}");

    let (head, support) = before
        .split_once("[queues.Support]")
        .expect("the Support queue");
    let support = support
        .replacen("rona_timeout = \"15s\"", "rona_timeout = \"soon\"", 1)
        .replace("overflow = \"Overflow\"", "overflow = \"Nowhere\"");
    let broken = format!("{head}[queues.Support]{support}");
    let (status, body) = admin.put_text_json("/api/v1/admin/config", &broken).await?;
    assert_eq!(status, 422, "{body}");
    let problems = body["problems"].as_array().expect("problems");
    let line_of = |needle: &str| {
        broken
            .lines()
            .position(|l| l.contains(needle))
            .map(|i| i + 1)
    };
    let fields: Vec<(&str, Option<u64>)> = problems
        .iter()
        .map(|p| (p["field"].as_str().unwrap_or(""), p["line"].as_u64()))
        .collect();
    assert!(
        fields.contains(&(
            "queues.Support.rona_timeout",
            line_of("\"soon\"").map(|l| l as u64)
        )),
        "{body}"
    );
    assert!(
        fields.contains(&(
            "queues.Support.overflow",
            line_of("\"Nowhere\"").map(|l| l as u64)
        )),
        "{body}"
    );

    let (status, body) = admin
        .put(
            "/api/v1/admin/queues/Sales",
            &json!({"channel": "fax", "teams": ["Sales"]}),
        )
        .await?;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["problems"][0]["field"], "queues.Sales.channel");
    let (status, body) = admin
        .put_raw(
            "/api/v1/admin/queues/Sales",
            "application/json",
            "{\"teams\": ",
        )
        .await?;
    assert_eq!(status, 422, "malformed JSON: {body}");

    let (_, after) = admin.get_text("/api/v1/admin/config").await?;
    assert_eq!(before, after, "nothing changed");
    assert_eq!(rona_timeout_ms(&app, "Support").await, Some(15_000));
    app.shutdown().await?;
    Ok(())
}

/// Agents and supervisors cannot administer; without a session nobody can.
#[tokio::test]
async fn r43_agents_and_supervisors_get_403_on_admin_endpoints() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let app = start(config::demo(), dir.path()).await?;
    for username in ["anna", "supervisor"] {
        let client = Client::login(&app, username).await?;
        for path in [
            "/api/v1/admin/config",
            "/api/v1/admin/settings",
            "/api/v1/admin/users",
            "/api/v1/admin/queues",
            "/api/v1/admin/queues/Sales",
            "/api/v1/admin/experts",
        ] {
            let (status, body) = client.get(path).await?;
            assert_eq!(status, 403, "{username} GET {path}: {body}");
        }
        let (status, _) = client
            .put("/api/v1/admin/queues/Sales", &json!({"rona_timeout": "1s"}))
            .await?;
        assert_eq!(status, 403, "{username} PUT");
        let (status, _) = client
            .put_raw("/api/v1/admin/teams/Sales", "application/json", "{")
            .await?;
        assert_eq!(status, 403, "{username} gets 403 before the body is read");
        let (status, _) = client.delete("/api/v1/admin/users/admin").await?;
        assert_eq!(status, 403, "{username} DELETE");
    }
    let anonymous = Client {
        base: format!("http://{}", app.http_addr),
        token: String::new(),
        http: reqwest::Client::new(),
    };
    let (status, _) = anonymous.get("/api/v1/admin/config").await?;
    assert_eq!(status, 401);
    assert_eq!(rona_timeout_ms(&app, "Sales").await, Some(15_000));
    app.shutdown().await?;
    Ok(())
}

/// What live state needs cannot be removed: the engine refuses to take a logged-in agent out
/// of their team or to delete them, and a team still used elsewhere cannot be deleted.
#[tokio::test]
async fn r43_a_change_that_would_break_live_state_is_refused_with_409() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let app = start(config::demo(), dir.path()).await?;
    let admin = Client::login(&app, "admin").await?;
    let anna = Client::login(&app, "anna").await?;
    let (status, body) = anna
        .post(
            "/api/v1/agents/me/session",
            &json!({"team": "Sales", "extension": "1001"}),
        )
        .await?;
    assert_eq!(status, 200, "station log-in: {body}");

    let (_, mut entry) = admin.get("/api/v1/admin/agents/anna").await?;
    entry["teams"] = json!(["Support"]);
    let (status, body) = admin.put("/api/v1/admin/agents/anna", &entry).await?;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["code"], "conflict");

    let (status, body) = admin.delete("/api/v1/admin/users/anna").await?;
    assert_eq!(status, 409, "{body}");
    let (status, body) = admin.delete("/api/v1/admin/agents/anna").await?;
    assert_eq!(status, 409, "{body}");

    let (status, body) = admin.delete("/api/v1/admin/teams/Sales").await?;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["problems"]
            .as_array()
            .is_some_and(|p| p.iter().any(|p| p["field"] == "agents.anna.teams")),
        "{body}"
    );

    let (_, teams) = admin.get("/api/v1/admin/teams").await?;
    assert!(teams.get("Sales").is_some(), "{teams}");
    let (status, _) = admin.get("/api/v1/admin/users/anna").await?;
    assert_eq!(status, 200, "anna is still there");
    app.shutdown().await?;
    Ok(())
}

/// An administrator adds an agent with their user, who can then sign in and log in; changes a
/// role; deletes users, but not themselves; and cannot take a name another organisation has.
#[tokio::test]
async fn r43_admin_adds_and_deletes_users() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let app = start(with_second_organisation()?, dir.path()).await?;
    let admin = Client::login(&app, "admin").await?;

    let gina = json!({
        "role": "agent",
        "password": "secret",
        "agent": {"name": "Gina", "extension": "1007", "sip_password": "phone of Gina", "teams": ["Support"]},
    });
    let (status, body) = admin.put("/api/v1/admin/users/gina", &gina).await?;
    assert_eq!(status, 201, "{body}");
    let agent_id = body["agent_id"].as_u64().expect("an agent id");
    assert_eq!(agent_id, config::id_of("agent", "gina"));

    let (_, users) = admin.get("/api/v1/admin/users").await?;
    let listed = users.as_array().expect("users");
    assert!(
        listed
            .iter()
            .any(|u| u["username"] == "gina" && u["role"] == "agent"),
        "{users}"
    );
    assert!(!users.to_string().contains("$argon2"), "no hashes: {users}");
    let (_, entry) = admin.get("/api/v1/admin/agents/gina").await?;
    assert!(
        entry.get("sip_password").is_none(),
        "only digests are kept: {entry}"
    );
    assert!(entry["sip_ha1_md5"].is_string(), "{entry}");

    let gina_client = Client::login_with(&app, "gina", "secret").await?;
    let (status, body) = gina_client
        .post(
            "/api/v1/agents/me/session",
            &json!({"team": "Support", "extension": "1007"}),
        )
        .await?;
    assert_eq!(status, 200, "the new agent logs in at once: {body}");
    let (status, _) = gina_client.delete("/api/v1/agents/me/session").await?;
    assert_eq!(status, 200);

    let (status, body) = admin
        .put(
            "/api/v1/admin/users/chief",
            &json!({"role": "supervisor", "password": "boss"}),
        )
        .await?;
    assert_eq!(status, 201, "{body}");
    let (status, body) = admin
        .put("/api/v1/admin/users/chief", &json!({"role": "admin"}))
        .await?;
    assert_eq!(status, 200, "a role change keeps the password: {body}");
    Client::login_with(&app, "chief", "boss").await?;

    let (status, body) = admin
        .put(
            "/api/v1/admin/users/otto",
            &json!({"role": "supervisor", "password": "x"}),
        )
        .await?;
    assert_eq!(status, 409, "otto belongs to another organisation: {body}");
    let (status, body) = admin
        .put("/api/v1/admin/users/newbie", &json!({"role": "supervisor"}))
        .await?;
    assert_eq!(status, 422, "a new user needs a password: {body}");
    let (status, body) = admin
        .put(
            "/api/v1/admin/users/newagent",
            &json!({"role": "agent", "password": "x"}),
        )
        .await?;
    assert_eq!(status, 422, "a new agent needs an agent entry: {body}");

    let (status, body) = admin.delete("/api/v1/admin/users/admin").await?;
    assert_eq!(status, 409, "not yourself: {body}");
    let (status, body) = admin
        .put("/api/v1/admin/users/admin", &json!({"role": "supervisor"}))
        .await?;
    assert_eq!(status, 409, "not your own role: {body}");

    let (status, body) = admin.delete("/api/v1/admin/users/gina").await?;
    assert_eq!(status, 204, "{body}");
    let (status, _) = admin.get("/api/v1/admin/agents/gina").await?;
    assert_eq!(status, 404, "the agent entry goes with the user");
    let (status, _) = gina_client.get("/api/v1/agents/me").await?;
    assert_eq!(status, 401, "the deleted user's sessions end");
    let (status, _) = admin.delete("/api/v1/admin/users/gina").await?;
    assert_eq!(status, 404);
    let engine_agents = app
        .org("demo")
        .expect("demo runs")
        .query(move |engine| {
            engine
                .config()
                .agent(sentral_engine::AgentId(agent_id))
                .is_some()
        })
        .await;
    assert_eq!(engine_agents, Some(false));

    app.shutdown().await?;
    let app = start(with_second_organisation()?, dir.path()).await?;
    Client::login_with(&app, "chief", "boss").await?;
    let admin = Client::login(&app, "admin").await?;
    let (_, users) = admin.get("/api/v1/admin/users").await?;
    let names: Vec<&str> = users
        .as_array()
        .expect("users")
        .iter()
        .filter_map(|u| u["username"].as_str())
        .collect();
    assert!(
        names.contains(&"chief") && !names.contains(&"gina"),
        "{users}"
    );
    app.shutdown().await?;
    Ok(())
}

/// Collections, lists and settings: unknown names are 404, and lists replace as a whole.
#[tokio::test]
async fn r43_collections_lists_and_settings() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let app = start(config::demo(), dir.path()).await?;
    let admin = Client::login(&app, "admin").await?;

    let (status, _) = admin.get("/api/v1/admin/widgets").await?;
    assert_eq!(status, 404);
    let (status, _) = admin.get("/api/v1/admin/widgets/x").await?;
    assert_eq!(status, 404);
    let (status, _) = admin.get("/api/v1/admin/queues/Nowhere").await?;
    assert_eq!(status, 404);
    let (status, _) = admin.delete("/api/v1/admin/queues/Nowhere").await?;
    assert_eq!(status, 404);

    let (status, body) = admin
        .put("/api/v1/admin/idle_reasons/coffee", &json!("Coffee"))
        .await?;
    assert_eq!(status, 201, "{body}");
    let (_, reasons) = admin.get_text("/api/v1/admin/idle_reasons").await?;
    assert!(
        in_order(&reasons, &["lunch", "meeting", "training", "coffee"]),
        "a new entry comes last: {reasons}"
    );
    let reasons_in_use = app
        .org("demo")
        .expect("demo runs")
        .query(|engine| engine.config().idle_reasons.len())
        .await;
    assert_eq!(reasons_in_use, Some(4));
    let (status, body) = admin.delete("/api/v1/admin/idle_reasons/coffee").await?;
    assert_eq!(status, 204, "{body}");

    // A label per language (issue 17): given as an object of languages, read back the same,
    // and one outside the desktop's languages is refused where it is.
    let (status, body) = admin
        .put(
            "/api/v1/admin/idle_reasons/coffee",
            &json!({"en": "Coffee", "nb": "Kaffe"}),
        )
        .await?;
    assert_eq!(status, 201, "{body}");
    let (_, reasons) = admin.get("/api/v1/admin/idle_reasons").await?;
    assert_eq!(reasons["coffee"], json!({"en": "Coffee", "nb": "Kaffe"}));
    let (status, body) = admin
        .put("/api/v1/admin/idle_reasons/coffee", &json!({"sv": "Kaffe"}))
        .await?;
    assert_eq!(status, 422, "{body}");
    assert!(
        body.to_string()
            .contains("is not a language labels can be given in"),
        "{body}"
    );
    let (status, body) = admin.delete("/api/v1/admin/idle_reasons/coffee").await?;
    assert_eq!(status, 204, "{body}");

    let (status, body) = admin.put("/api/v1/admin/teams/Night", &json!({})).await?;
    assert_eq!(status, 201, "{body}");
    let (status, body) = admin.delete("/api/v1/admin/teams/Night").await?;
    assert_eq!(status, 204, "{body}");

    let (_, mut book) = admin.get("/api/v1/admin/address_book").await?;
    book.as_array_mut()
        .expect("array")
        .push(json!({"name": "Reception", "number": "+4722000009"}));
    let (status, body) = admin.put("/api/v1/admin/address_book", &book).await?;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body.as_array().map(Vec::len), Some(3));
    let (status, body) = admin
        .put(
            "/api/v1/admin/address_book",
            &json!([{"name": "Bad", "number": "call me"}]),
        )
        .await?;
    assert_eq!(status, 422, "{body}");

    let (_, mut settings) = admin.get("/api/v1/admin/settings").await?;
    assert_eq!(settings["rona_timeout"], "15s");
    settings["privacy_shield"] = json!("45s");
    let (status, body) = admin.put("/api/v1/admin/settings", &settings).await?;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["privacy_shield"], "45s");
    let (status, body) = admin
        .patch(
            "/api/v1/admin/settings",
            &json!({"rona_timeout": "20s", "web_callback_api_key": null}),
        )
        .await?;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["rona_timeout"], "20s");
    assert_eq!(
        body["privacy_shield"], "45s",
        "PATCH keeps what it does not name"
    );
    assert!(
        body.get("web_callback_api_key").is_none(),
        "null removes: {body}"
    );
    let (status, body) = admin
        .put("/api/v1/admin/settings", &json!({"teams": {}}))
        .await?;
    assert_eq!(status, 422, "collections are not settings: {body}");
    let (status, body) = admin
        .put("/api/v1/admin/settings", &json!({"calls_max": null}))
        .await?;
    assert_eq!(status, 422, "{body}");
    app.shutdown().await?;
    Ok(())
}

/// R37: an administrator sets opening hours and holidays as settings, a queue keeps them and
/// an entry point gets an expected-wait threshold; the engine uses them at once, and a
/// mistake is refused with its field.
#[tokio::test]
async fn r37_admin_sets_opening_hours_holidays_and_the_expected_wait_threshold() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let app = start(config::demo(), dir.path()).await?;
    let admin = Client::login(&app, "admin").await?;

    let (status, body) = admin
        .patch(
            "/api/v1/admin/settings",
            &json!({
                "holidays": ["2026-12-25"],
                "opening_hours": {"Office": {"monday": ["08:00-16:00"]}},
            }),
        )
        .await?;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["opening_hours"]["Office"]["monday"],
        json!(["08:00-16:00"])
    );
    let (_, mut queue) = admin.get("/api/v1/admin/queues/Support").await?;
    queue["opening_hours"] = json!("Office");
    let (status, body) = admin.put("/api/v1/admin/queues/Support", &queue).await?;
    assert_eq!(status, 200, "{body}");
    let (_, mut entry_point) = admin.get("/api/v1/admin/entry_points/Kundeservice").await?;
    entry_point["courtesy_callback_expected_wait"] = json!("5m");
    let (status, body) = admin
        .put("/api/v1/admin/entry_points/Kundeservice", &entry_point)
        .await?;
    assert_eq!(status, 200, "{body}");

    let support = QueueId(config::id_of("queue", "Support"));
    let in_use = app
        .org("demo")
        .expect("demo runs")
        .query(move |engine| {
            let config = engine.config();
            (
                config.queue(support).and_then(|q| q.opening_hours.clone()),
                config.calendar.holidays.len(),
                config
                    .entry_points
                    .iter()
                    .find(|e| e.name == "Kundeservice")
                    .and_then(|e| e.flow.courtesy_callback_expected_wait_ms),
                config.calendar.utc_offsets.len() > 100,
            )
        })
        .await;
    assert_eq!(
        in_use,
        Some((Some("Office".to_owned()), 1, Some(300_000), true)),
        "in use at once, with Oslo's changes of offset"
    );

    queue["opening_hours"] = json!("Shop");
    let (status, body) = admin.put("/api/v1/admin/queues/Support", &queue).await?;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("opening_hours"), "{body}");
    assert!(body.to_string().contains("unknown opening hours"), "{body}");
    app.shutdown().await?;
    Ok(())
}

/// Starts the server on a free port with `config`, keeping its store in `dir`.
/// R43: an administrator sets a team's desktop profile through the API; it applies at once
/// (the agent's state carries it, the engine refuses what it does not allow with R43), a wrong
/// value is refused on its field, and the export writes it back.
#[tokio::test]
async fn r43_admin_sets_a_teams_allowed_actions_and_the_engine_applies_them_live() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let app = start(config::demo(), dir.path()).await?;
    let admin = Client::login(&app, "admin").await?;
    let david = Client::login(&app, "david").await?;
    let (status, body) = david
        .post(
            "/api/v1/agents/me/session",
            &json!({"team": "Support", "extension": "1004"}),
        )
        .await?;
    assert!(status < 300, "{status} {body}");
    let (_, me) = david.get("/api/v1/agents/me").await?;
    assert_eq!(me["agent"]["allowed_actions"]["outdial"], true, "{me}");

    let (status, stored) = admin
        .put(
            "/api/v1/admin/teams/Support",
            &json!({"allowed_actions": {"outdial": false, "pause_recording": false}}),
        )
        .await?;
    assert_eq!(status, 200, "{stored}");
    let (_, me) = david.get("/api/v1/agents/me").await?;
    let allowed = &me["agent"]["allowed_actions"];
    assert_eq!(
        (
            allowed["consult"].as_bool(),
            allowed["outdial"].as_bool(),
            allowed["pause_recording"].as_bool()
        ),
        (Some(true), Some(false), Some(false)),
        "{me}"
    );
    let (status, body) = david
        .post("/api/v1/outdial", &json!({"number": "+4790000001"}))
        .await?;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("R43")),
        "{body}"
    );

    for (bad, field) in [
        (
            json!({"allowed_actions": {"outdial": "no"}}),
            "teams.Support.allowed_actions.outdial",
        ),
        (
            json!({"allowed_actions": {"fly": true}}),
            "teams.Support.allowed_actions.fly",
        ),
    ] {
        let (status, body) = admin.put("/api/v1/admin/teams/Support", &bad).await?;
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["problems"][0]["field"], field, "{body}");
    }
    let (_, text) = admin.get_text("/api/v1/admin/config").await?;
    let document: toml::Table = toml::from_str(&text)?;
    let exported = &document["teams"]["Support"]["allowed_actions"];
    assert_eq!(exported["outdial"].as_bool(), Some(false), "{text}");
    assert_eq!(exported["consult"].as_bool(), Some(true), "{text}");
    app.shutdown().await?;
    Ok(())
}

/// R9: an administrator chooses an entry point's popover variables through the API; a choice
/// of fewer than three or of a secure variable is refused on its field.
#[tokio::test]
async fn r9_admin_chooses_an_entry_points_popover_variables() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let app = start(config::demo(), dir.path()).await?;
    let admin = Client::login(&app, "admin").await?;
    let (status, mut salg) = admin.get("/api/v1/admin/entry_points/Salg").await?;
    assert_eq!(status, 200, "{salg}");

    for (popover, says) in [
        (json!([{"variable": "ani"}, {"variable": "dnis"}]), "3 to 6"),
        (
            json!([{"variable": "ani"}, {"variable": "dnis"}, {"variable": "national_id"}]),
            "secure",
        ),
    ] {
        salg["popover"] = popover;
        let (status, body) = admin.put("/api/v1/admin/entry_points/Salg", &salg).await?;
        assert_eq!(status, 422, "{body}");
        let problem = &body["problems"][0];
        assert_eq!(problem["field"], "entry_points.Salg.popover", "{body}");
        assert!(
            problem["message"].as_str().unwrap_or("").contains(says),
            "{body}"
        );
    }

    salg["popover"] = json!([
        {"variable": "customer_name", "label": "Kunde"},
        {"variable": "ani"},
        {"variable": "language"}
    ]);
    let (status, stored) = admin.put("/api/v1/admin/entry_points/Salg", &salg).await?;
    assert_eq!(status, 200, "{stored}");
    assert_eq!(stored["popover"][0]["label"], "Kunde");
    let id = sentral_engine::EntryPointId(config::id_of("entry_point", "Salg"));
    let chosen = app
        .org("demo")
        .expect("demo runs")
        .query(move |engine| {
            engine.config().entry_point(id).map(|ep| {
                ep.flow
                    .popover
                    .iter()
                    .map(|c| c.name.clone())
                    .collect::<Vec<_>>()
            })
        })
        .await
        .flatten();
    assert_eq!(
        chosen,
        Some(vec![
            "customer_name".to_owned(),
            "ani".to_owned(),
            "language".to_owned()
        ])
    );
    app.shutdown().await?;
    Ok(())
}

async fn start(config: ServerConfig, dir: &Path) -> Result<RunningApp> {
    sentral_server::start(StartOptions {
        config,
        data_dir: dir.into(),
        http: "127.0.0.1:0".parse()?,
        telephony: None,
        sip: None,
    })
    .await
}

/// The demo organisation and a second one with user `otto`.
fn with_second_organisation() -> Result<ServerConfig> {
    let text = format!(
        "{}\n[organisations.other]\nname = \"Other\"\nwrapup_reasons = {{ done = \"Done\" }}\n\n[organisations.other.users.otto]\nrole = \"admin\"\npassword = \"x\"\n",
        config::DEMO_TOML
    );
    config::parse(&text, "test.toml").map_err(|problems| anyhow::anyhow!("{problems:?}"))
}

/// Whether the JSON object in `text` has these keys in this order (a parsed object would
/// sort them).
fn in_order(text: &str, keys: &[&str]) -> bool {
    let positions: Vec<Option<usize>> = keys
        .iter()
        .map(|key| text.find(&format!("\"{key}\":")))
        .collect();
    positions.iter().all(Option::is_some) && positions.is_sorted()
}

/// The RONA timeout the demo organisation's engine uses for a queue.
async fn rona_timeout_ms(app: &RunningApp, queue: &str) -> Option<u64> {
    let id = QueueId(config::id_of("queue", queue));
    app.org("demo")
        .expect("demo runs")
        .query(move |engine| engine.config().queue(id).and_then(|q| q.rona_timeout_ms))
        .await
        .flatten()
}

/// An HTTP client with a session.
struct Client {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl Client {
    async fn login(app: &RunningApp, username: &str) -> Result<Client> {
        Client::login_with(app, username, "demo").await
    }

    async fn login_with(app: &RunningApp, username: &str, password: &str) -> Result<Client> {
        let base = format!("http://{}", app.http_addr);
        let http = reqwest::Client::new();
        let reply = http
            .post(format!("{base}/api/v1/login"))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await?;
        anyhow::ensure!(
            reply.status() == 200,
            "sign-in of {username}: {}",
            reply.status()
        );
        let body: Value = reply.json().await?;
        let token = body["token"].as_str().unwrap_or_default().to_owned();
        Ok(Client { base, token, http })
    }

    async fn get(&self, path: &str) -> Result<(u16, Value)> {
        json_reply(self.request(reqwest::Method::GET, path)).await
    }

    async fn get_text(&self, path: &str) -> Result<(u16, String)> {
        let reply = self.request(reqwest::Method::GET, path).send().await?;
        Ok((reply.status().as_u16(), reply.text().await?))
    }

    async fn put(&self, path: &str, body: &Value) -> Result<(u16, Value)> {
        json_reply(self.request(reqwest::Method::PUT, path).json(body)).await
    }

    async fn patch(&self, path: &str, body: &Value) -> Result<(u16, Value)> {
        json_reply(self.request(reqwest::Method::PATCH, path).json(body)).await
    }

    async fn post(&self, path: &str, body: &Value) -> Result<(u16, Value)> {
        json_reply(self.request(reqwest::Method::POST, path).json(body)).await
    }

    async fn delete(&self, path: &str) -> Result<(u16, Value)> {
        json_reply(self.request(reqwest::Method::DELETE, path)).await
    }

    async fn put_raw(&self, path: &str, content_type: &str, body: &str) -> Result<(u16, Value)> {
        let request = self
            .request(reqwest::Method::PUT, path)
            .header("content-type", content_type)
            .body(body.to_owned());
        json_reply(request).await
    }

    async fn put_text(&self, path: &str, body: &str) -> Result<(u16, String)> {
        let reply = self
            .request(reqwest::Method::PUT, path)
            .header("content-type", "application/toml")
            .body(body.to_owned())
            .send()
            .await?;
        Ok((reply.status().as_u16(), reply.text().await?))
    }

    async fn put_text_json(&self, path: &str, body: &str) -> Result<(u16, Value)> {
        self.put_raw(path, "application/toml", body).await
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let request = self.http.request(method, format!("{}{path}", self.base));
        if self.token.is_empty() {
            request
        } else {
            request.bearer_auth(&self.token)
        }
    }
}

/// Status and JSON body (`null` for an empty body).
async fn json_reply(request: reqwest::RequestBuilder) -> Result<(u16, Value)> {
    let reply = request.send().await?;
    let status = reply.status().as_u16();
    let text = reply.text().await?;
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    Ok((status, body))
}
