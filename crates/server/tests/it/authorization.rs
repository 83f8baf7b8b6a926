//! Who may call what: a matrix of every endpoint of the OpenAPI document × every kind of
//! caller, and the rule that nothing of another organisation is ever visible.
//!
//! The table must cover every path and method the server documents: a new endpoint without a
//! row fails [`authorization_every_endpoint_answers_each_kind_of_caller_as_the_matrix_says`].

use crate::support::{Api, DN_SALES, Reply, TestApp, answered_call, spawn_app, two_org_config};
use reqwest::Method;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// The kinds of caller, in the order each row is tried: the ones who must be refused first,
/// then the task's owner (anna) and the organisation's administrator, so that a row that
/// changes something is tried by everyone else while the target is still as set up.
#[derive(Clone, Copy, Debug, Eq, Ord, PartialEq, PartialOrd)]
enum Who {
    /// No session at all.
    Nobody,
    /// Another agent of the organisation (not on anna's task).
    Bjorn,
    /// The organisation's supervisor.
    Supervisor,
    /// An agent of the second organisation.
    AcmeAgent,
    /// The administrator of the second organisation.
    AcmeAdmin,
    /// The agent whose task the task rows are about.
    Anna,
    /// The organisation's administrator.
    Admin,
}

const CALLERS: [Who; 7] = [
    Who::Nobody,
    Who::Bjorn,
    Who::Supervisor,
    Who::AcmeAgent,
    Who::AcmeAdmin,
    Who::Anna,
    Who::Admin,
];

/// The class of answer a caller must get.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
enum Expect {
    /// 2xx.
    Ok,
    /// Past authorisation: 2xx, or refused by a rule or validation (409, 422).
    Allowed,
    /// 401: sign in first.
    Unauth,
    /// 403: signed in, not allowed.
    Forbidden,
    /// 404: not visible to this caller (another organisation's, or not there).
    Hidden,
    /// 409: refused without effect (e.g. a user name taken in another organisation).
    Refused,
    /// 101: the WebSocket is opened.
    Upgrade,
}

impl Expect {
    fn matches(self, status: u16) -> bool {
        match self {
            Expect::Ok => (200..300).contains(&status),
            Expect::Allowed => (200..300).contains(&status) || status == 409 || status == 422,
            Expect::Unauth => status == 401,
            Expect::Forbidden => status == 403,
            Expect::Hidden => status == 404,
            Expect::Refused => status == 409,
            Expect::Upgrade => status == 101,
        }
    }
}

use Expect::{
    Allowed as A, Forbidden as F, Hidden as H, Ok as O, Refused as R, Unauth as U, Upgrade as W,
};

/// What a request sends.
#[derive(Clone, Debug)]
enum Payload {
    None,
    Json(Value),
    Toml(String),
}

/// One endpoint: the documented path and method, the concrete path tried, what each caller
/// sends and must get (columns in [`CALLERS`] order).
struct Row {
    method: &'static str,
    path: &'static str,
    concrete: String,
    payload: Box<dyn Fn(Who) -> Payload>,
    expect: [Expect; 7],
}

fn row(
    method: &'static str,
    path: &'static str,
    concrete: impl Into<String>,
    payload: impl Fn(Who) -> Payload + 'static,
    expect: [Expect; 7],
) -> Row {
    Row {
        method,
        path,
        concrete: concrete.into(),
        payload: Box::new(payload),
        expect,
    }
}

fn none(_: Who) -> Payload {
    Payload::None
}

fn same(value: Value) -> impl Fn(Who) -> Payload {
    move |_| Payload::Json(value.clone())
}

fn username(who: Who) -> &'static str {
    match who {
        Who::Nobody | Who::Anna => "anna",
        Who::Bjorn => "bjorn",
        Who::Supervisor => "supervisor",
        Who::Admin => "admin",
        Who::AcmeAgent => "acme-agent",
        Who::AcmeAdmin => "acme-admin",
    }
}

fn is_acme(who: Who) -> bool {
    matches!(who, Who::AcmeAgent | Who::AcmeAdmin)
}

/// Everything the matrix needs set up: two organisations, anna on a connected call, sessions.
struct World {
    app: TestApp,
    clients: BTreeMap<Who, Api>,
    task: u64,
}

impl World {
    async fn new() -> World {
        let app = spawn_app(two_org_config()).await;
        let anna = app.ready_agent("anna", "Sales", "1001").await;
        let (task, _) = answered_call(&app, 1, DN_SALES, "1001").await;
        assert_eq!(anna.task(task).await["phase"], "connected");
        let mut clients = BTreeMap::new();
        clients.insert(Who::Nobody, app.anonymous());
        clients.insert(Who::Anna, anna);
        for who in CALLERS {
            if let std::collections::btree_map::Entry::Vacant(entry) = clients.entry(who) {
                entry.insert(app.user(username(who)).await);
            }
        }
        World { app, clients, task }
    }

    fn client(&self, who: Who) -> &Api {
        &self.clients[&who]
    }

    /// What `who` gets back from their own organisation's admin endpoint (for PUT rows that
    /// send the current value back, which changes nothing).
    async fn own(&self, who: Who, path: &str) -> Payload {
        let admin = if is_acme(who) {
            Who::AcmeAdmin
        } else {
            Who::Admin
        };
        let reply = self.client(admin).get(path).await;
        assert_eq!(reply.status, 200, "GET {path}: {reply:?}");
        if path.ends_with("/config") {
            Payload::Toml(reply.text)
        } else {
            Payload::Json(reply.body)
        }
    }

    async fn own_both(&self, path: &str) -> impl Fn(Who) -> Payload + 'static {
        let demo = self.own(Who::Admin, path).await;
        let acme = self.own(Who::AcmeAdmin, path).await;
        move |who| {
            if is_acme(who) {
                acme.clone()
            } else {
                demo.clone()
            }
        }
    }

    /// Sends one cell of the matrix.
    async fn send(&self, row: &Row, who: Who) -> u16 {
        if row.path == "/api/v1/events" {
            let token = self.clients[&who].session();
            return match self.app.try_events(token, None).await {
                Ok(events) => {
                    events.close().await;
                    101
                }
                Err(status) => status,
            };
        }
        let api = match row.path {
            // A fresh session to end, so the caller's other rows keep theirs.
            "/api/v1/logout" if who != Who::Nobody => self.app.user(username(who)).await,
            _ => self.client(who).clone(),
        };
        let method = Method::from_bytes(row.method.to_uppercase().as_bytes()).expect("method");
        let builder = api.request(method, &row.concrete);
        let builder = match (row.payload)(who) {
            Payload::None => builder,
            Payload::Json(value) => builder.json(&value),
            Payload::Toml(text) => builder.header(CONTENT_TYPE, "application/toml").body(text),
        };
        let reply: Reply = Api::send(builder).await;
        if reply.status >= 400 {
            // Every refusal says what is wrong, as JSON.
            reply.error_code();
        }
        reply.status
    }
}

/// The matrix, in the order it is run: rows that change something come after the rows that
/// read it, and ending the call comes last but one, before its wrap-up.
async fn matrix(world: &World) -> Vec<Row> {
    let task = world.task;
    let t = |suffix: &str| format!("/api/v1/tasks/{task}{suffix}");
    let anna_version = world.client(Who::Anna).task(task).await["variables_version"].clone();
    let bjorn = crate::support::id_of("agent", "bjorn");
    let cecilie = crate::support::id_of("agent", "cecilie");
    let station = |who: Who| match who {
        Who::AcmeAgent => Payload::Json(json!({"team": "Desk", "extension": "2001"})),
        Who::Bjorn => Payload::Json(json!({"team": "Sales", "extension": "1002"})),
        _ => Payload::Json(json!({"team": "Sales", "extension": "1001"})),
    };
    let idle = |who: Who| {
        let reason = if is_acme(who) { "break" } else { "lunch" };
        Payload::Json(json!({"state": "idle", "idle_reason": reason}))
    };
    vec![
        // Columns: Nobody, Bjorn, Supervisor, AcmeAgent, AcmeAdmin, Anna, Admin.
        row(
            "post",
            "/api/v1/login",
            "/api/v1/login",
            |who| Payload::Json(json!({"username": username(who), "password": "demo"})),
            [O, O, O, O, O, O, O],
        ),
        row(
            "post",
            "/api/v1/logout",
            "/api/v1/logout",
            none,
            [U, O, O, O, O, O, O],
        ),
        row(
            "get",
            "/api/v1/agents/me",
            "/api/v1/agents/me",
            none,
            [U, O, O, O, O, O, O],
        ),
        row(
            "put",
            "/api/v1/agents/me/language",
            "/api/v1/agents/me/language",
            |_| Payload::Json(json!({"language": "en"})),
            [U, O, O, O, O, O, O],
        ),
        row(
            "post",
            "/api/v1/agents/me/session",
            "/api/v1/agents/me/session",
            station,
            [U, O, F, O, F, A, F],
        ),
        row(
            "delete",
            "/api/v1/agents/me/session",
            "/api/v1/agents/me/session",
            none,
            [U, O, F, O, F, A, F],
        ),
        row(
            "put",
            "/api/v1/agents/me/state",
            "/api/v1/agents/me/state",
            idle,
            [U, A, F, A, F, A, F],
        ),
        row(
            "get",
            "/api/v1/events",
            "/api/v1/events",
            none,
            [U, W, W, W, W, W, W],
        ),
        row(
            "get",
            "/api/v1/tasks",
            "/api/v1/tasks",
            none,
            [U, O, F, O, F, O, F],
        ),
        row(
            "get",
            "/api/v1/tasks/{id}",
            t(""),
            none,
            [U, F, O, H, H, O, O],
        ),
        row(
            "get",
            "/api/v1/tasks/{id}/variables/secure",
            t("/variables/secure"),
            none,
            [U, F, F, H, F, O, F],
        ),
        row(
            "get",
            "/api/v1/tasks/{id}/history",
            t("/history"),
            none,
            [U, F, F, H, F, O, F],
        ),
        row(
            "post",
            "/api/v1/tasks/{id}/hold",
            t("/hold"),
            none,
            [U, F, F, H, F, O, F],
        ),
        row(
            "post",
            "/api/v1/tasks/{id}/unhold",
            t("/unhold"),
            none,
            [U, F, F, H, F, O, F],
        ),
        row(
            "patch",
            "/api/v1/tasks/{id}/variables",
            t("/variables"),
            same(json!({"expected_version": anna_version, "values": {"case_number": "M-1"}})),
            [U, F, F, H, F, O, F],
        ),
        row(
            "post",
            "/api/v1/tasks/{id}/record/pause",
            t("/record/pause"),
            none,
            [U, F, F, H, F, O, F],
        ),
        row(
            "post",
            "/api/v1/tasks/{id}/record/resume",
            t("/record/resume"),
            none,
            [U, F, F, H, F, O, F],
        ),
        // Cecilie is logged out: the consult is refused by a rule, after authorisation.
        row(
            "post",
            "/api/v1/tasks/{id}/consult",
            t("/consult"),
            same(json!({"target": {"type": "agent", "id": cecilie}})),
            [U, F, F, H, F, A, F],
        ),
        row(
            "post",
            "/api/v1/tasks/{id}/consult/end",
            t("/consult/end"),
            none,
            [U, F, F, H, F, A, F],
        ),
        row(
            "post",
            "/api/v1/tasks/{id}/consult/transfer",
            t("/consult/transfer"),
            none,
            [U, F, F, H, F, A, F],
        ),
        row(
            "post",
            "/api/v1/tasks/{id}/consult/conference",
            t("/consult/conference"),
            none,
            [U, F, F, H, F, A, F],
        ),
        // Bjorn is not Available: the transfer is refused by a rule (R27).
        row(
            "post",
            "/api/v1/tasks/{id}/transfer",
            t("/transfer"),
            same(json!({"target": {"type": "agent", "id": bjorn}})),
            [U, F, F, H, F, A, F],
        ),
        row(
            "post",
            "/api/v1/tasks/{id}/accept",
            t("/accept"),
            none,
            [U, F, F, H, F, A, F],
        ),
        row(
            "post",
            "/api/v1/tasks/{id}/cancel",
            t("/cancel"),
            none,
            [U, F, F, H, F, A, F],
        ),
        row(
            "get",
            "/api/v1/directory/agents",
            "/api/v1/directory/agents",
            none,
            [U, O, O, O, O, O, O],
        ),
        row(
            "get",
            "/api/v1/directory/destinations",
            "/api/v1/directory/destinations",
            none,
            [U, O, O, O, O, O, O],
        ),
        row(
            "get",
            "/api/v1/directory/address-book",
            "/api/v1/directory/address-book",
            none,
            [U, O, O, O, O, O, O],
        ),
        row(
            "get",
            "/api/v1/directory/experts",
            "/api/v1/directory/experts",
            none,
            [U, O, O, O, O, O, O],
        ),
        row(
            "get",
            "/api/v1/supervisor/queues",
            "/api/v1/supervisor/queues",
            none,
            [U, F, O, F, O, F, O],
        ),
        row(
            "get",
            "/api/v1/supervisor/agents",
            "/api/v1/supervisor/agents",
            none,
            [U, F, O, F, O, F, O],
        ),
        row(
            "get",
            "/api/v1/interactions",
            "/api/v1/interactions",
            none,
            [U, F, O, F, O, F, O],
        ),
        // R44: one interaction's page; another organisation's admin does not find it.
        row(
            "get",
            "/api/v1/interactions/{id}",
            format!("/api/v1/interactions/{task}"),
            none,
            [U, F, O, F, H, F, O],
        ),
        row(
            "get",
            "/api/v1/reports/queues",
            "/api/v1/reports/queues",
            none,
            [U, F, O, F, O, F, O],
        ),
        row(
            "get",
            "/api/v1/reports/agents",
            "/api/v1/reports/agents",
            none,
            [U, F, O, F, O, F, O],
        ),
        // R44: a supervisor acts on an agent of their organisation (cecilie is not logged in,
        // so the engine refuses with R3: past authorisation); another organisation's admin
        // does not find her.
        row(
            "post",
            "/api/v1/supervisor/agents/{id}/state",
            format!("/api/v1/supervisor/agents/{cecilie}/state"),
            same(json!({"state": "idle", "idle_reason": "lunch", "note": "matrix"})),
            [U, F, A, F, H, F, A],
        ),
        // R31: a recording is for the organisation's supervisors and admins; another
        // organisation's admin does not find it.
        row(
            "get",
            "/api/v1/interactions/{id}/recording",
            {
                let recording = crate::support::recording_file(&world.app, "demo", task);
                std::fs::create_dir_all(recording.parent().expect("a folder")).expect("folder");
                std::fs::write(&recording, b"RIFF").expect("a recording");
                format!("/api/v1/interactions/{task}/recording")
            },
            none,
            [U, F, O, F, H, F, O],
        ),
        // Web callbacks are authorised by the organisation's API key, never by a session.
        row(
            "post",
            "/api/v1/callbacks",
            "/api/v1/callbacks",
            same(json!({"queue": "Support", "name": "Kari", "number": "+4791555555"})),
            [U, U, U, U, U, U, U],
        ),
        row(
            "get",
            "/api/v1/callbacks",
            "/api/v1/callbacks",
            none,
            [U, F, O, F, O, F, O],
        ),
        // Agents only; a number that cannot be dialled (R30), so no call is placed.
        row(
            "post",
            "/api/v1/outdial",
            "/api/v1/outdial",
            same(json!({"number": "not a number"})),
            [U, A, F, A, F, A, F],
        ),
        // Administration: each administrator only ever reaches their own organisation.
        row(
            "get",
            "/api/v1/admin/config",
            "/api/v1/admin/config",
            none,
            [U, F, F, F, O, F, O],
        ),
        row(
            "put",
            "/api/v1/admin/config",
            "/api/v1/admin/config",
            world.own_both("/api/v1/admin/config").await,
            [U, F, F, F, O, F, O],
        ),
        row(
            "get",
            "/api/v1/admin/settings",
            "/api/v1/admin/settings",
            none,
            [U, F, F, F, O, F, O],
        ),
        row(
            "put",
            "/api/v1/admin/settings",
            "/api/v1/admin/settings",
            world.own_both("/api/v1/admin/settings").await,
            [U, F, F, F, O, F, O],
        ),
        row(
            "patch",
            "/api/v1/admin/settings",
            "/api/v1/admin/settings",
            |who| {
                let name = if is_acme(who) { "Acme AS" } else { "Demo AS" };
                Payload::Json(json!({"name": name}))
            },
            [U, F, F, F, O, F, O],
        ),
        // A new key answers 201; acme's administrator rotates acme's own key.
        row(
            "post",
            "/api/v1/admin/web_callback_key",
            "/api/v1/admin/web_callback_key",
            none,
            [U, F, F, F, O, F, O],
        ),
        row(
            "get",
            "/api/v1/admin/address_book",
            "/api/v1/admin/address_book",
            none,
            [U, F, F, F, O, F, O],
        ),
        row(
            "put",
            "/api/v1/admin/address_book",
            "/api/v1/admin/address_book",
            world.own_both("/api/v1/admin/address_book").await,
            [U, F, F, F, O, F, O],
        ),
        row(
            "get",
            "/api/v1/admin/experts",
            "/api/v1/admin/experts",
            none,
            [U, F, F, F, O, F, O],
        ),
        row(
            "put",
            "/api/v1/admin/experts",
            "/api/v1/admin/experts",
            world.own_both("/api/v1/admin/experts").await,
            [U, F, F, F, O, F, O],
        ),
        row(
            "get",
            "/api/v1/admin/users",
            "/api/v1/admin/users",
            none,
            [U, F, F, F, O, F, O],
        ),
        row(
            "get",
            "/api/v1/admin/users/{username}",
            "/api/v1/admin/users/cecilie",
            none,
            [U, F, F, F, H, F, O],
        ),
        // A user name is unique across the server: acme cannot take demo's.
        row(
            "put",
            "/api/v1/admin/users/{username}",
            "/api/v1/admin/users/cecilie",
            same(json!({"role": "agent"})),
            [U, F, F, F, R, F, O],
        ),
        row(
            "get",
            "/api/v1/admin/{collection}",
            "/api/v1/admin/queues",
            none,
            [U, F, F, F, O, F, O],
        ),
        row(
            "get",
            "/api/v1/admin/{collection}/{name}",
            "/api/v1/admin/queues/Sales",
            none,
            [U, F, F, F, H, F, O],
        ),
        // Acme's administrator creates a reason of the same code in acme, never in demo.
        row(
            "put",
            "/api/v1/admin/{collection}/{name}",
            "/api/v1/admin/idle_reasons/lunch",
            same(json!("Lunch")),
            [U, F, F, F, O, F, O],
        ),
        row(
            "delete",
            "/api/v1/admin/{collection}/{name}",
            "/api/v1/admin/idle_reasons/training",
            none,
            [U, F, F, F, H, F, O],
        ),
        row(
            "delete",
            "/api/v1/admin/users/{username}",
            "/api/v1/admin/users/fredrik",
            none,
            [U, F, F, F, H, F, O],
        ),
        // Ending the call, then its wrap-up, come last: everyone else tries while it is live.
        row(
            "post",
            "/api/v1/tasks/{id}/end",
            t("/end"),
            none,
            [U, F, F, H, F, O, F],
        ),
        row(
            "post",
            "/api/v1/tasks/{id}/wrapup",
            t("/wrapup"),
            same(json!({"reason": "resolved"})),
            [U, F, F, H, F, O, F],
        ),
    ]
}

/// Every documented (METHOD, path).
async fn documented(app: &TestApp) -> BTreeSet<(String, String)> {
    let reply = app.anonymous().get("/api/openapi.json").await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let paths = reply.body["paths"].as_object().expect("paths");
    let mut all = BTreeSet::new();
    for (path, item) in paths {
        for method in item.as_object().expect("a path item").keys() {
            if ["get", "put", "post", "delete", "patch", "head", "options"]
                .contains(&method.as_str())
            {
                all.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    all
}

#[tokio::test]
async fn authorization_every_endpoint_answers_each_kind_of_caller_as_the_matrix_says() {
    let world = World::new().await;
    let rows = matrix(&world).await;

    // The table covers exactly what the server documents.
    let documented = documented(&world.app).await;
    let tabled: BTreeSet<(String, String)> = rows
        .iter()
        .map(|r| (r.method.to_uppercase(), r.path.to_owned()))
        .collect();
    let missing: Vec<_> = documented.difference(&tabled).collect();
    assert!(
        missing.is_empty(),
        "endpoints without a row in the authorisation matrix: {missing:?}"
    );
    let stale: Vec<_> = tabled.difference(&documented).collect();
    assert!(
        stale.is_empty(),
        "rows for endpoints the OpenAPI document does not list: {stale:?}"
    );

    let mut failures = String::new();
    for row in &rows {
        for (column, who) in CALLERS.iter().enumerate() {
            let status = world.send(row, *who).await;
            let expected = row.expect[column];
            assert!(
                status < 500,
                "{} {} as {who:?}: {status}",
                row.method,
                row.concrete
            );
            if !expected.matches(status) {
                let _ = writeln!(
                    failures,
                    "{:>6} {:<45} as {:<10} got {status}, expected {expected:?}",
                    row.method.to_uppercase(),
                    row.concrete,
                    format!("{who:?}"),
                );
            }
        }
    }
    assert!(failures.is_empty(), "authorisation matrix:\n{failures}");

    // The administrators' changes stayed in their own organisations.
    let demo_reasons = world
        .client(Who::Admin)
        .get("/api/v1/admin/idle_reasons")
        .await;
    assert_eq!(demo_reasons.status, 200, "{demo_reasons:?}");
    assert!(demo_reasons.body.get("lunch").is_some());
    assert!(demo_reasons.body.get("training").is_none());
    let acme_reasons = world
        .client(Who::AcmeAdmin)
        .get("/api/v1/admin/idle_reasons")
        .await;
    assert_eq!(acme_reasons.status, 200, "{acme_reasons:?}");
    assert!(acme_reasons.body.get("break").is_some());
    let settings = world.client(Who::Admin).get("/api/v1/admin/settings").await;
    assert_eq!(settings.body["name"], "Demo AS", "{settings:?}");
    let fredrik = world
        .app
        .anonymous()
        .post(
            "/api/v1/login",
            json!({"username": "fredrik", "password": "demo"}),
        )
        .await;
    assert_eq!(fredrik.status, 401, "the deleted user cannot sign in");
}

fn texts(value: &Value) -> String {
    value.to_string()
}

#[tokio::test]
async fn authorization_nothing_of_another_organisation_is_ever_visible() {
    let world = World::new().await;
    let app = &world.app;
    let task = world.task;
    let acme_admin = world.client(Who::AcmeAdmin);
    let acme_agent = world.client(Who::AcmeAgent);
    let acme_supervisor = app.user("acme-supervisor").await;
    let mut acme_events = app.events(acme_supervisor.token(), None).await;

    let me = acme_admin.get("/api/v1/agents/me").await;
    assert_eq!(me.body["organisation"], "acme", "{me:?}");

    // Anna's task, by id, from acme: not there.
    let reply = acme_admin.get(&format!("/api/v1/tasks/{task}")).await;
    assert_eq!(reply.status, 404, "{reply:?}");
    let reply = acme_agent.get(&format!("/api/v1/tasks/{task}")).await;
    assert_eq!(reply.status, 404, "{reply:?}");
    assert!(acme_agent.tasks().await.is_empty());

    // An acme call, so that acme's history is not trivially empty.
    let acme = app.app.org("acme").expect("acme runs");
    acme.telephony(sentral_engine::TelephonyEvent::CallArrived {
        leg: sentral_engine::LegId(77),
        dnis: "+4723000000".into(),
        ani: "+4799999999".into(),
    });
    acme.telephony(sentral_engine::TelephonyEvent::HungUp {
        leg: sentral_engine::LegId(77),
    });
    crate::support::settle(&acme).await;

    // A web callback with acme's key reaches acme's queues only.
    let callback = |key: &'static str, queue: &'static str| {
        let api = app.anonymous();
        async move {
            Api::send(
                api.request(Method::POST, "/api/v1/callbacks")
                    .header("x-api-key", key)
                    .json(&json!({"queue": queue, "name": "Kari", "number": "+4791555555"})),
            )
            .await
        }
    };
    let wrong_org = callback("acme-callback-key-not-a-secret-2026", "Support").await;
    assert_eq!(wrong_org.status, 422, "{wrong_org:?}");
    let wrong_key = callback("guess", "Support").await;
    assert_eq!(wrong_key.status, 401, "{wrong_key:?}");
    let own = callback("acme-callback-key-not-a-secret-2026", "Desk").await;
    assert_eq!(own.status, 201, "{own:?}");
    let acme_callback = own.body["id"].as_u64().expect("an id");
    let demo_queues = world
        .client(Who::Supervisor)
        .get("/api/v1/supervisor/queues")
        .await;
    assert!(
        demo_queues
            .body
            .as_array()
            .expect("a list")
            .iter()
            .all(|q| q["waiting"] == 0),
        "{demo_queues:?}"
    );

    // History, queues, agents: acme's only.
    let history = acme_admin.get("/api/v1/interactions").await;
    assert_eq!(history.status, 200, "{history:?}");
    let records = history.body.as_array().expect("a list");
    assert_eq!(records.len(), 2, "only acme's interactions: {records:#?}");
    assert_eq!(records[0]["id"], acme_callback);
    assert_eq!(records[0]["kind"], "web_callback");
    assert_eq!(records[1]["dnis"], "+4723000000");
    let demo_history = world
        .client(Who::Supervisor)
        .get("/api/v1/interactions")
        .await;
    assert!(
        demo_history
            .body
            .as_array()
            .expect("a list")
            .iter()
            .all(|r| r["dnis"] != "+4723000000"),
        "{demo_history:?}"
    );
    let queues = acme_admin.get("/api/v1/supervisor/queues").await;
    let names: Vec<&str> = queues
        .body
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|q| q["name"].as_str())
        .collect();
    assert_eq!(names, ["Desk"]);
    let agents = acme_admin.get("/api/v1/supervisor/agents").await;
    let names: Vec<&str> = agents
        .body
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|a| a["name"].as_str())
        .collect();
    assert_eq!(names, ["Acme Agent"]);

    // Directories: nothing of demo's.
    for path in [
        "/api/v1/directory/agents",
        "/api/v1/directory/destinations",
        "/api/v1/directory/address-book",
        "/api/v1/directory/experts",
    ] {
        let reply = acme_agent.get(path).await;
        assert_eq!(reply.status, 200, "{reply:?}");
        let text = texts(&reply.body);
        for demo in [
            "Anna",
            "Bjorn",
            "Sales",
            "Support",
            "Legal desk",
            "Kari",
            "+47210",
        ] {
            assert!(!text.contains(demo), "{path} shows {demo}: {text}");
        }
    }

    // Administration: acme's own configuration and users only.
    let config = acme_admin.get("/api/v1/admin/config").await;
    assert_eq!(config.status, 200, "{config:?}");
    for demo in ["anna", "Sales", "+4721000000", "Demo AS"] {
        assert!(!config.text.contains(demo), "acme's config shows {demo}");
    }
    let users = acme_admin.get("/api/v1/admin/users").await;
    let names: BTreeSet<&str> = users
        .body
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|u| u["username"].as_str())
        .collect();
    assert_eq!(
        names,
        BTreeSet::from(["acme-admin", "acme-supervisor", "acme-agent"])
    );
    let anna = acme_admin.get("/api/v1/admin/users/anna").await;
    assert_eq!(anna.status, 404, "{anna:?}");
    let agents = acme_admin.get("/api/v1/admin/agents").await;
    assert!(!texts(&agents.body).contains("anna"), "{agents:?}");

    // Events: acme's supervisor saw acme's queue only, never demo's call or agents. Anna's
    // call happened before; make more demo events now, then one acme event as a marker.
    world
        .client(Who::Anna)
        .post_empty(&format!("/api/v1/tasks/{task}/hold"))
        .await;
    world.client(Who::Bjorn).get("/api/v1/agents/me").await;
    let marker = acme_agent
        .post(
            "/api/v1/agents/me/session",
            json!({"team": "Desk", "extension": "2001"}),
        )
        .await;
    assert_eq!(marker.status, 200, "{marker:?}");
    let acme_agent_id = crate::support::id_of("agent", "acme-agent");
    let desk = crate::support::id_of("queue", "Desk");
    let mut seen = Vec::new();
    loop {
        let event = acme_events.next().await;
        let is_marker = event["type"] == "agent_state" && event["agent"] == acme_agent_id;
        seen.push(event);
        if is_marker {
            break;
        }
    }
    for event in &seen {
        let ok = match event["type"].as_str() {
            Some("agent_state") => event["agent"] == acme_agent_id,
            Some("queue_changed") => event["queue"] == desk,
            // R44: the wallboard's rows, of acme's queue and agent only.
            Some("wallboard_queue") => event["queue"]["id"] == desk,
            Some("wallboard_agent") => event["agent"]["id"] == acme_agent_id,
            _ => false,
        };
        assert!(
            ok,
            "acme's supervisor got a demo event: {event}\nall: {seen:#?}"
        );
    }
    acme_events.close().await;
}
