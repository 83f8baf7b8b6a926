//! Starting and stopping the server: store, organisations' engines, SIP, HTTP.
//!
//! On first start the configuration file seeds the store; from then on the store is the source
//! of truth. On every start each organisation's engine continues numbering after the history,
//! interactions that were live when the server stopped are closed in the record, and pending
//! callbacks go back to their queues (R45).

use crate::config::{self, OrgConfig, Password, ServerConfig};
use crate::hub::EventHub;
use crate::org::{Directory, OrgHandle, OrgParts};
use crate::sip::{Sip, SipSettings};
use crate::telephony::{NoTelephony, SharedTelephony};
use anyhow::{Context, Result};
use metrics_exporter_prometheus::PrometheusHandle;
use sentral_engine::{Engine, Input, InteractionId, InteractionKind, Now, QueueId};
use sentral_store::{HistoryWriter, Role, SqliteStore, Store, UserFields};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock, RwLock};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// What every request handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// Durable store.
    pub store: Arc<dyn Store>,
    /// Users' event streams.
    pub hub: Arc<EventHub>,
    /// Organisations by slug.
    pub orgs: Arc<HashMap<String, OrgRuntime>>,
    /// Where records go.
    pub history: HistoryWriter,
    /// Prometheus metrics.
    pub metrics: PrometheusHandle,
    /// The SIP service, when the server listens for SIP.
    pub sip: Option<Arc<Sip>>,
    /// Web callback requests per number, for the rate limit.
    pub callback_limiter: Arc<crate::api::CallbackLimiter>,
    /// Where call recordings are (`<dir>/<org>/<interaction id>.wav`, R31).
    pub recordings: PathBuf,
    /// Sign-in's lock, hashing bound and per-address failures.
    pub sign_in: Arc<crate::auth::SignInGuard>,
    /// Whether HTTP is served over TLS: then HSTS is sent and the session cookie is `Secure`.
    pub https: bool,
}

/// One running organisation.
#[derive(Clone)]
pub struct OrgRuntime {
    /// Its engine task.
    pub handle: OrgHandle,
    /// Its configuration (names ↔ ids, settings), updated by the admin API.
    pub config: Arc<RwLock<OrgConfig>>,
}

/// How to start the server.
pub struct StartOptions {
    /// The configuration file's content; seeds the store on first start.
    pub config: ServerConfig,
    /// Where the SQLite file lives.
    pub data_dir: PathBuf,
    /// Where HTTP listens (port 0 picks a free one).
    pub http: SocketAddr,
    /// The phone network for calls; `None` carries them over SIP when `sip` is set (and has
    /// no phone network otherwise). Tests pass a double here.
    pub telephony: Option<SharedTelephony>,
    /// Where and how SIP and RTP work; `None` runs without SIP.
    pub sip: Option<SipSettings>,
}

/// A running server.
pub struct RunningApp {
    /// Where HTTP listens.
    pub http_addr: SocketAddr,
    /// Where SIP listens, if it does.
    pub sip_addr: Option<SocketAddr>,
    /// Where SIP over TLS listens, if it does.
    pub sip_tls_addr: Option<SocketAddr>,
    /// The HTTPS certificate, when HTTP is served over TLS.
    pub certificates: Option<Arc<crate::tls::Certificates>>,
    /// SIP over TLS's own certificate, when it has one (else it shares the HTTPS one).
    pub sip_certificates: Option<Arc<crate::tls::Certificates>>,
    /// Shared state (tests reach organisations through it, as the telephony adapter does).
    pub state: AppState,
    stop_http: oneshot::Sender<()>,
    http: JoinHandle<()>,
    history_task: JoinHandle<()>,
    housekeeping_task: JoinHandle<()>,
}

impl RunningApp {
    /// Whether the desktop is served over HTTPS.
    pub fn scheme(&self) -> &'static str {
        if self.certificates.is_some() {
            "https"
        } else {
            "http"
        }
    }

    /// Reads the certificates and keys again (on SIGHUP), HTTPS's and SIP over TLS's:
    /// handshakes from now on present the new ones; open connections keep theirs. Without TLS
    /// there is nothing to do.
    pub fn reload_tls(&self) -> Result<()> {
        for certificates in self.certificates.iter().chain(&self.sip_certificates) {
            certificates.reload()?;
        }
        Ok(())
    }

    /// The handle of an organisation's engine.
    pub fn org(&self, slug: &str) -> Option<OrgHandle> {
        self.state.orgs.get(slug).map(|o| o.handle.clone())
    }

    /// Stops accepting requests, lets the engines finish what they are doing and writes every
    /// record to the store.
    pub async fn shutdown(self) -> Result<()> {
        let _ = self.stop_http.send(());
        let _ = self.http.await;
        if let Some(sip) = &self.state.sip {
            sip.shutdown().await;
        }
        for org in self.state.orgs.values() {
            org.handle.stop().await;
        }
        self.state.history.flush().await;
        self.housekeeping_task.abort();
        drop(self.state);
        self.history_task.abort();
        Ok(())
    }
}

/// Starts the server.
pub async fn start(options: StartOptions) -> Result<RunningApp> {
    // A certificate that cannot be read stops the start before anything listens.
    let certificates = options
        .config
        .server
        .tls
        .clone()
        .map(crate::tls::Certificates::load)
        .transpose()?;
    std::fs::create_dir_all(&options.data_dir).with_context(|| {
        format!(
            "cannot create the data directory {}",
            options.data_dir.display()
        )
    })?;
    let db = options.data_dir.join("sentral.db");
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(&db)
            .await
            .with_context(|| format!("cannot open {}", db.display()))?,
    );
    let orgs = load_or_seed(&*store, &options.config).await?;
    // Recordings a killed process left open are repaired before any new call is recorded.
    let recordings = options
        .sip
        .as_ref()
        .and_then(|settings| settings.recordings_dir.clone())
        .unwrap_or_else(|| crate::recordings::dir_in(&options.data_dir));
    crate::recordings::repair(&recordings);
    let mut sip_certificates = None;
    let sip = match options.sip {
        Some(mut settings) => {
            settings.recordings_dir = Some(recordings.clone());
            let files = settings.tls_files.clone();
            let tls = match (settings.tls_addr, files, &certificates) {
                (Some(addr), Some(files), _) => {
                    let own = crate::tls::Certificates::load(files)?;
                    let server_config = own.sip_server_config();
                    sip_certificates = Some(own);
                    Some(sentral_sip::SipTls {
                        addr,
                        server_config,
                    })
                }
                (Some(addr), None, Some(certificates)) => Some(sentral_sip::SipTls {
                    addr,
                    server_config: certificates.sip_server_config(),
                }),
                (Some(addr), None, None) => anyhow::bail!(
                    "SIP over TLS on {addr} needs a certificate: set [server] sip_tls_certificate \
                     and sip_tls_key, or tls_certificate and tls_key (shared with HTTPS)"
                ),
                (None, _, _) => None,
            };
            Some(Arc::new(Sip::start(settings, &orgs, tls).await?))
        }
        None => None,
    };
    let telephony: SharedTelephony = match (options.telephony, &sip) {
        (Some(telephony), _) => telephony,
        (None, Some(sip)) => sip.telephony(),
        (None, None) => Arc::new(NoTelephony),
    };
    let (history, history_task) = HistoryWriter::spawn(store.clone());
    let hub = Arc::new(EventHub::default());
    let mut runtimes = HashMap::new();
    for org in orgs {
        let handle = start_org(&*store, &org, &telephony, &hub, &history).await?;
        runtimes.insert(
            org.slug.clone(),
            OrgRuntime {
                handle,
                config: Arc::new(RwLock::new(org)),
            },
        );
    }
    let orgs = Arc::new(runtimes);
    crate::recordings::spawn_sweeper(recordings.clone(), Arc::downgrade(&orgs));
    if let Some(sip) = &sip {
        sip.attach(orgs.clone());
    }
    let sip_addr = sip.as_ref().map(|sip| sip.local_addr());
    let sip_tls_addr = sip.as_ref().and_then(|sip| sip.tls_addr());
    let state = AppState {
        store,
        hub,
        orgs,
        history,
        metrics: metrics_handle(),
        sip,
        callback_limiter: Arc::default(),
        recordings,
        sign_in: Arc::default(),
        https: certificates.is_some(),
    };
    let housekeeping_task = tokio::spawn(housekeeping(state.clone()));
    let listener = TcpListener::bind(options.http)
        .await
        .with_context(|| format!("cannot listen for HTTP on {}", options.http))?;
    let http_addr = listener.local_addr()?;
    let router = crate::api::router(state.clone());
    let (stop_http, stopped) = oneshot::channel::<()>();
    let stopped = async {
        let _ = stopped.await;
    };
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    let http = match &certificates {
        Some(certificates) => {
            use axum::serve::ListenerExt;
            let listener = crate::tls::TlsListener::new(listener, certificates.server_config())?
                .tap_io(|_| {});
            tokio::spawn(async move {
                let serve = axum::serve(listener, service).with_graceful_shutdown(stopped);
                if let Err(error) = serve.await {
                    tracing::error!(%error, "HTTPS server failed");
                }
            })
        }
        None => tokio::spawn(async move {
            let serve = axum::serve(listener, service).with_graceful_shutdown(stopped);
            if let Err(error) = serve.await {
                tracing::error!(%error, "HTTP server failed");
            }
        }),
    };
    let scheme = if certificates.is_some() {
        "https"
    } else {
        "http"
    };
    tracing::info!(%http_addr, scheme, "Sentral is listening");
    Ok(RunningApp {
        http_addr,
        sip_addr,
        sip_tls_addr,
        certificates,
        sip_certificates,
        state,
        stop_http,
        http,
        history_task,
        housekeeping_task,
    })
}

/// How often expired sessions and old idempotency records are deleted (also once at start).
pub const HOUSEKEEPING_EVERY: std::time::Duration = std::time::Duration::from_secs(10 * 60);
/// How long a response is kept for its idempotency key.
pub const IDEMPOTENCY_KEEP_MS: i64 = 24 * 60 * 60 * 1000;
/// How often the Prometheus recorder drains its samples into its histograms.
const METRICS_UPKEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Runs until aborted: ends expired sessions ([`sweep_sessions`]) and deletes idempotency
/// records older than [`IDEMPOTENCY_KEEP_MS`] every [`HOUSEKEEPING_EVERY`], and lets the
/// Prometheus recorder do its upkeep every few seconds, so that histogram samples do not pile
/// up between scrapes.
async fn housekeeping(state: AppState) {
    let mut sweep = tokio::time::interval(HOUSEKEEPING_EVERY);
    let mut upkeep = tokio::time::interval(METRICS_UPKEEP_EVERY);
    loop {
        tokio::select! {
            _ = sweep.tick() => {
                let now = unix_ms();
                sweep_sessions(&state, now).await;
                match state.store.delete_idempotent_responses_before(now - IDEMPOTENCY_KEEP_MS).await {
                    Ok(0) => {}
                    Ok(n_deleted) => tracing::info!(n_deleted, "old idempotency records deleted"),
                    Err(error) => tracing::warn!(%error, "old idempotency records not deleted"),
                }
            }
            _ = upkeep.tick() => state.metrics.run_upkeep(),
        }
    }
}

/// Deletes the sessions expired at `now` and logs out of the station every agent whose last
/// session that was (R3). An agent the engine will not log out (an offer shown, R5, or a
/// call) stays logged in; the offer turns into RONA, which is not routable.
pub async fn sweep_sessions(state: &AppState, now: i64) {
    let ended = match state.store.delete_expired_sessions(now).await {
        Ok(ended) => ended,
        Err(error) => {
            tracing::warn!(%error, "expired sessions not deleted");
            return;
        }
    };
    if !ended.is_empty() {
        tracing::info!(n_users = ended.len(), "expired sessions deleted");
    }
    for user in ended {
        match state.store.live_sessions(user.id, now, None).await {
            Ok(0) => {}
            Ok(_) => continue,
            Err(error) => {
                tracing::warn!(%error, user = %user.username, "sessions not counted");
                continue;
            }
        }
        if let Err(error) = crate::api::session::log_out_of_station(state, &user).await {
            tracing::warn!(user = %user.username, ?error, "not logged out of the station at session expiry");
        }
    }
}

/// The organisations: from the store, or from the file on first start (seeding the store).
async fn load_or_seed(store: &dyn Store, file: &ServerConfig) -> Result<Vec<OrgConfig>> {
    let stored = store.organisations().await?;
    if stored.is_empty() {
        let mut orgs = Vec::new();
        for org in &file.organisations {
            orgs.push(seed_org(store, org).await?);
        }
        return Ok(orgs);
    }
    let mut orgs = Vec::new();
    for row in stored {
        let mut org =
            config::parse_org(&row.config_toml, &format!("store:{}", row.slug), &row.slug)
                .map_err(|problems| problems_error(&problems))?;
        org.users = users_of(store, &row.slug).await?;
        org.refresh_names();
        orgs.push(org);
    }
    Ok(orgs)
}

/// Writes an organisation of the configuration file into the store, hashing passwords.
pub async fn seed_org(store: &dyn Store, org: &OrgConfig) -> Result<OrgConfig> {
    let mut org = org.clone();
    for user in &mut org.users {
        if let Password::Clear(clear) = &user.password {
            user.password = Password::Hash(config::hash_password(clear));
        }
    }
    store
        .save_organisation(&org.slug, &org.name, &config::org_to_toml(&org))
        .await?;
    for user in &org.users {
        let Password::Hash(hash) = &user.password else {
            unreachable!("hashed above")
        };
        store
            .upsert_user(&UserFields {
                org: org.slug.clone(),
                username: user.username.clone(),
                role: store_role(user.role),
                password_hash: hash.clone(),
                agent_id: user.agent.map(|a| a.0),
            })
            .await?;
    }
    Ok(org)
}

async fn users_of(store: &dyn Store, slug: &str) -> Result<Vec<config::UserConfig>> {
    Ok(store
        .users(slug)
        .await?
        .into_iter()
        .map(|row| config::UserConfig {
            username: row.username,
            role: config_role(row.role),
            password: Password::Hash(row.password_hash),
            agent: row.agent_id.map(sentral_engine::AgentId),
        })
        .collect())
}

/// Today's interactions of an organisation (from midnight in its time zone) as the engine's
/// records, oldest first, for the wallboard's figures of the day (R44, R45); at most
/// `HISTORY_TODAY_MAX` interactions are read.
async fn history_today(
    store: &dyn Store,
    org: &OrgConfig,
    unix_ms: i64,
) -> Result<Vec<sentral_engine::Record>> {
    const HISTORY_TODAY_MAX: usize = 100_000;
    let zone = crate::org::WallboardSettings::of(org).time_zone;
    let day_start = crate::wallboard::day_start_unix_ms(&zone, unix_ms);
    let mut interactions = Vec::new();
    let mut before_id = None;
    while interactions.len() < HISTORY_TODAY_MAX {
        let filter = sentral_store::InteractionFilter {
            from_unix_ms: Some(day_start),
            limit: Some(sentral_store::INTERACTIONS_LIMIT_MAX),
            before_id,
            ..Default::default()
        };
        let page = store.interactions(&org.slug, &filter).await?;
        let Some(last) = page.last() else { break };
        before_id = Some(last.id);
        interactions.extend(page);
    }
    // Newest first from the store: the figures want them in order.
    interactions.reverse();
    Ok(interactions
        .iter()
        .flat_map(crate::wallboard::records_of)
        .collect())
}

async fn start_org(
    store: &dyn Store,
    org: &OrgConfig,
    telephony: &SharedTelephony,
    hub: &Arc<EventHub>,
    history: &HistoryWriter,
) -> Result<OrgHandle> {
    let now = Now {
        mono_ms: 0,
        unix_ms: unix_ms(),
    };
    let mut engine = Engine::new(org.engine.clone(), now)
        .map_err(|errors| anyhow::anyhow!("organisation {}: {}", org.slug, join(&errors)))?;
    engine.continue_numbering_after(InteractionId(store.max_interaction_id(&org.slug).await?));
    let pending = store.pending_callbacks(&org.slug).await?;
    let closed = store
        .close_live_interactions(&org.slug, "server_restarted", now.unix_ms)
        .await?;
    if closed > 0 {
        tracing::warn!(
            org = org.slug,
            closed,
            "calls that were live when the server stopped are closed in the record"
        );
    }
    for callback in pending {
        let kind = if callback.kind == "web_callback" {
            InteractionKind::WebCallback
        } else {
            InteractionKind::CourtesyCallback
        };
        let queue = callback
            .queue
            .map(QueueId)
            .or_else(|| org.engine.queues.first().map(|q| q.id));
        let Some(queue) = queue else { continue };
        let input = Input::RestoreCallback {
            interaction: InteractionId(callback.interaction),
            kind,
            queue,
            number: callback.customer_number.clone(),
            name: callback.customer_name.clone(),
            dnis: callback.dnis.clone(),
        };
        if let Err(rejection) = engine.handle_input(now, input) {
            tracing::warn!(org = org.slug, interaction = callback.interaction, %rejection, "pending callback not restored");
        }
    }
    let (handle, task) = OrgHandle::spawn(OrgParts {
        slug: org.slug.clone(),
        engine,
        telephony: telephony.clone(),
        hub: hub.clone(),
        history: history.clone(),
        directory: directory(&store.users(&org.slug).await?, org),
        wallboard: crate::org::WallboardSettings::of(org),
        history_today: history_today(store, org, now.unix_ms).await?,
    });
    // A panic in the engine's core (a contact's own panic is caught by the engine) ends the
    // organisation's task rather than letting a half-changed engine go on: say so loudly, and
    // `/readyz` answers 503 naming the organisation until the server is restarted.
    let slug = org.slug.clone();
    tokio::spawn(async move {
        if let Err(error) = task.await
            && error.is_panic()
        {
            tracing::error!(
                org = slug,
                "the organisation's engine panicked outside any one contact and stopped; \
                 restart the server (its history is in the store)"
            );
            metrics::counter!("sentral_engine_stopped_total").increment(1);
        }
    });
    Ok(handle)
}

/// Who receives an organisation's events: its users as the store has them (with their ids).
/// A supervisor assigned to teams gets only their events (R44).
pub fn directory(users: &[sentral_store::UserRow], org: &OrgConfig) -> Directory {
    let mut directory = Directory::default();
    for user in users {
        if let Some(agent) = user.agent_id {
            directory
                .agents
                .insert(sentral_engine::AgentId(agent), user.id);
        }
        if matches!(user.role, Role::Supervisor | Role::Admin) {
            directory.supervisors.push(user.id);
        }
        if user.role == Role::Supervisor
            && let Some(teams) = org.supervised_teams(&user.username)
        {
            directory.scopes.insert(user.id, teams);
        }
    }
    directory
}

/// The store's role for a configuration role.
pub fn store_role(role: config::Role) -> Role {
    match role {
        config::Role::Agent => Role::Agent,
        config::Role::Supervisor => Role::Supervisor,
        config::Role::Admin => Role::Admin,
    }
}

/// The configuration's role for a store role.
pub fn config_role(role: Role) -> config::Role {
    match role {
        Role::Agent => config::Role::Agent,
        Role::Supervisor => config::Role::Supervisor,
        Role::Admin => config::Role::Admin,
    }
}

/// Milliseconds since the Unix epoch.
pub fn unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// The process-wide Prometheus recorder (installed once, shared by every server in a test).
fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

fn problems_error(problems: &[config::ConfigProblem]) -> anyhow::Error {
    anyhow::anyhow!(
        "{}",
        problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    )
}

fn join(errors: &[sentral_engine::ConfigError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}
