//! The `sentral` binary: `serve`, `demo`, `check-config`, `export`, `user add`.

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use sentral_server::config::{self, ServerConfig};
use sentral_server::sip::SipSettings;
use sentral_server::{StartOptions, demo, start};
use sentral_store::{SqliteStore, Store};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// mimalloc rather than glibc's malloc. Every SIP transaction is kept with its messages for
/// the RFC's 32 s after it ends, so a burst of calls allocates hundreds of MB that are freed
/// half a minute later; glibc kept that memory (RSS stayed at its peak after a storm of
/// 15,000 calls, while the live heap fell back to a few MB, measured with heaptrack), mimalloc
/// returns it to the system.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Sentral, an open-source contact center.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Commands,
    /// How logs are written: `text` for people (coloured only on a terminal), `json` for log
    /// collectors (one object per line).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
}

/// The format of the log lines on standard output.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

#[derive(Debug, Subcommand)]
enum Commands {
    /// Run Sentral with a configuration file (it seeds the store on first start).
    Serve {
        /// The configuration file (TOML).
        #[arg(long)]
        config: PathBuf,
        #[command(flatten)]
        network: Network,
    },
    /// Run Sentral with the built-in demo organisation, simulated phones and simulated customers.
    Demo {
        #[command(flatten)]
        network: Network,
        /// Start without simulated phones and customers (for tests that bring their own SIP peers).
        #[arg(long)]
        no_simulator: bool,
        /// Time between two simulated customer calls, e.g. 20s, 5s, 1m.
        #[arg(long, default_value = "20s", value_parser = parse_interval)]
        demo_call_interval: Duration,
    },
    /// Check a configuration file and report every problem with file, line and field.
    CheckConfig {
        /// The configuration file (TOML).
        file: PathBuf,
    },
    /// Print the current configuration (from the store) as TOML.
    Export {
        /// Where the store lives.
        #[arg(long, default_value = "sentral-data")]
        data_dir: PathBuf,
    },
    /// Print a new random web callback key (256 bits) for `web_callback_api_key`.
    WebCallbackKey,
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Add (or replace) a user, e.g. the first administrator of a fresh `serve`.
    Add {
        /// Where the store lives.
        #[arg(long, default_value = "sentral-data")]
        data_dir: PathBuf,
        /// The organisation's slug.
        #[arg(long)]
        org: String,
        /// User name (unique across the server).
        #[arg(long)]
        username: String,
        /// `agent`, `supervisor` or `admin`.
        #[arg(long, default_value = "admin")]
        role: String,
        /// The password; read from the SENTRAL_PASSWORD environment variable if not given.
        #[arg(long, env = "SENTRAL_PASSWORD", hide_env_values = true)]
        password: String,
    },
}

/// Where Sentral listens and keeps its data.
#[derive(Debug, Args)]
struct Network {
    /// HTTP address (API, desktop).
    #[arg(long)]
    http: Option<SocketAddr>,
    /// SIP address (agents' phones, trunks).
    #[arg(long)]
    sip: Option<SocketAddr>,
    /// RTP port range, e.g. 20000-20999.
    #[arg(long, value_parser = parse_ports)]
    rtp_ports: Option<(u16, u16)>,
    /// Where dial-outs go (a SIP trunk); without one, dial-outs fail with a clear reason.
    #[arg(long)]
    trunk: Option<SocketAddr>,
    /// SIP-over-TLS address (phones and trunks; needs --tls-certificate), e.g. 0.0.0.0:5061.
    #[arg(long)]
    sip_tls: Option<SocketAddr>,
    /// Where the store lives.
    #[arg(long, default_value = "sentral-data")]
    data_dir: PathBuf,
    /// PEM certificate chain for HTTPS (with --tls-key); re-read on SIGHUP.
    #[arg(long, requires = "tls_key")]
    tls_certificate: Option<PathBuf>,
    /// PEM private key of the HTTPS certificate (with --tls-certificate).
    #[arg(long, requires = "tls_certificate")]
    tls_key: Option<PathBuf>,
}

fn main() -> std::process::ExitCode {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime starts");
    match runtime.block_on(run()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<()> {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        // rsipstack logs every SIP message (with its credentials) at info.
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,rsipstack=warn"));
    match cli.log_format {
        LogFormat::Text => tracing_subscriber::fmt()
            .with_env_filter(filter)
            // Colour codes only where a person reads them, never into a file or a collector.
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
            .init(),
        LogFormat::Json => tracing_subscriber::fmt()
            .with_env_filter(filter)
            .json()
            .init(),
    }
    match cli.command {
        Commands::Serve { config, network } => {
            let file = read_config(&config)?;
            serve(file, network, None).await
        }
        Commands::Demo {
            network,
            no_simulator,
            demo_call_interval,
        } => {
            let demo = DemoMode {
                simulator: !no_simulator,
                call_interval: demo_call_interval,
            };
            serve(config::demo(), network, Some(demo)).await
        }
        Commands::CheckConfig { file } => {
            let config = read_config(&file)?;
            for files in config.server.tls.iter().chain(&config.server.sip_tls_files) {
                sentral_server::tls::Certificates::load(files.clone())?;
            }
            let http = config.server.http.unwrap_or(DEFAULT_HTTP);
            if config.server.tls.is_none() && !http.ip().is_loopback() {
                println!("warning: {PLAIN_HTTP_WARNING}");
            }
            println!("{}: OK", file.display());
            Ok(())
        }
        Commands::Export { data_dir } => export(&data_dir).await,
        Commands::WebCallbackKey => {
            println!("{}", sentral_server::api::callbacks::new_key());
            Ok(())
        }
        Commands::User {
            command:
                UserCommand::Add {
                    data_dir,
                    org,
                    username,
                    role,
                    password,
                },
        } => add_user(&data_dir, &org, &username, &role, &password).await,
    }
}

/// Debian's bundle of public CAs: what a trunk's certificate is checked against when the
/// configuration names no `trunk_ca`.
const SYSTEM_TRUST_ROOTS: &str = "/etc/ssl/certs/ca-certificates.crt";

/// Where HTTP listens when neither the flag nor the file says.
const DEFAULT_HTTP: SocketAddr = SocketAddr::V4(std::net::SocketAddrV4::new(
    std::net::Ipv4Addr::LOCALHOST,
    8080,
));

/// What `sentral demo` adds to serving.
struct DemoMode {
    /// Whether the simulated phones and customers run.
    simulator: bool,
    /// Time between two simulated calls.
    call_interval: Duration,
}

async fn serve(mut file: ServerConfig, network: Network, demo: Option<DemoMode>) -> Result<()> {
    if let (Some(certificate), Some(key)) = (&network.tls_certificate, &network.tls_key) {
        file.server.tls = Some(sentral_server::tls::TlsFiles {
            certificate: certificate.clone(),
            key: key.clone(),
        });
    }
    let http = network.http.or(file.server.http).unwrap_or(DEFAULT_HTTP);
    let sip = network
        .sip
        .or(file.server.sip)
        .unwrap_or_else(|| "127.0.0.1:5060".parse().expect("valid"));
    let rtp_ports = network
        .rtp_ports
        .or(file.server.rtp_ports)
        .unwrap_or(sentral_server::sip::DEFAULT_RTP_PORTS);
    let trunk = network.trunk.or(file.server.trunk);
    let sip_tls = network.sip_tls.or(file.server.sip_tls);
    let sip_tls_files = file.server.sip_tls_files.clone();
    let trunk_tls = match &file.server.trunk_tls_name {
        Some(name) => {
            let ca = file
                .server
                .trunk_ca
                .clone()
                .unwrap_or_else(|| PathBuf::from(SYSTEM_TRUST_ROOTS));
            let ca_certs = std::fs::read(&ca).with_context(|| {
                format!(
                    "cannot read the trust roots for the trunk's certificate {} (trunk_ca)",
                    ca.display()
                )
            })?;
            Some(sentral_server::TrunkTls {
                name: name.clone(),
                ca_certs,
                srtp: file.server.trunk_srtp.unwrap_or_default(),
            })
        }
        None => None,
    };
    tracing::info!(?rtp_ports, ?trunk, "telephony settings");
    let trunk_credential = file
        .server
        .trunk_username
        .clone()
        .zip(file.server.trunk_password.clone());
    let rtp_timeout = match file.server.rtp_timeout_ms {
        Some(Some(ms)) => Some(Duration::from_millis(ms)),
        Some(None) => None,
        None => Some(sentral_server::sip::DEFAULT_RTP_TIMEOUT),
    };
    let app = start(StartOptions {
        config: file,
        data_dir: network.data_dir.clone(),
        http,
        telephony: None,
        sip: Some(SipSettings {
            addr: sip,
            rtp_ports,
            trunk,
            recordings_dir: None,
            trunk_credential,
            rtp_timeout,
            tls_addr: sip_tls,
            tls_files: sip_tls_files,
            trunk_tls,
        }),
    })
    .await?;
    let sip = app.sip_addr.unwrap_or(sip);
    if app.certificates.is_none() && !app.http_addr.ip().is_loopback() {
        tracing::warn!(http = %app.http_addr, "{}", PLAIN_HTTP_WARNING);
    }
    let mut simulator = None;
    if let Some(demo) = demo {
        if demo.simulator {
            simulator = Some(start_simulator(&app, sip, demo.call_interval).await?);
        }
        print_demo(
            &format!("{}://{}", app.scheme(), app.http_addr),
            sip,
            &network.data_dir,
            simulator.is_some(),
        );
    } else {
        let tls = app
            .sip_tls_addr
            .map(|addr| format!(" and sip:{addr};transport=tls"))
            .unwrap_or_default();
        println!(
            "Sentral is running: desktop {}://{}/, SIP sip:{sip}{tls} (data in {})",
            app.scheme(),
            app.http_addr,
            network.data_dir.display()
        );
    }
    tokio::select! {
        () = shutdown_signal() => {}
        () = reload_on_sighup(&app) => {}
    }
    tracing::info!("shutting down");
    if let Some(simulator) = simulator {
        simulator.stop();
    }
    app.shutdown().await
}

/// Starts the demo's simulated phones and customers against the running demo organisation and
/// opens the demo phone page.
async fn start_simulator(
    app: &sentral_server::RunningApp,
    sip: SocketAddr,
    call_interval: Duration,
) -> Result<Arc<demo::Simulator>> {
    let org = app
        .state
        .orgs
        .get("demo")
        .context("the demo organisation is not running")?
        .config
        .read()
        .expect("the configuration lock is not poisoned")
        .clone();
    // The simulated colleagues use the API over plain HTTP on loopback; with HTTPS they stay
    // home (they would have to trust the certificate).
    let api = (app.scheme() == "http").then(|| match app.http_addr.ip() {
        ip if ip.is_unspecified() => SocketAddr::from(([127, 0, 0, 1], app.http_addr.port())),
        _ => app.http_addr,
    });
    let simulator = Arc::new(demo::Simulator::start(&org, sip, call_interval, api).await?);
    demo::install(simulator.clone())?;
    Ok(simulator)
}

fn print_demo(http: &str, sip: SocketAddr, data_dir: &Path, simulator: bool) {
    let phones = if simulator {
        format!("\n  Demo phones     {http}/demo/phone")
    } else {
        String::new()
    };
    let simulated = if simulator {
        "Simulated customers call these numbers now and then, and a simulated phone for every agent\n\
         registers and rings: it answers by itself after a few seconds, or open the demo phones page,\n\
         set an agent's phone to \"answer myself\" and answer it there. Turn this off with --no-simulator.\n"
    } else {
        "The simulator is off (--no-simulator): bring your own phones and calls.\n"
    };
    println!(
        "\nSentral demo is running.\n\
         \n  Agent Desktop   {http}/{phones}\n  API reference   {http}/api/openapi.json\n  Data            {}\n\
         \nSign in (password \"demo\" for everyone):\n  admin (administrator), supervisor (supervisor)\n\
         \x20 agents anna, bjorn, cecilie (team Sales) and david, eva, fredrik (team Support)\n\
         \nAgents' phones register at sip:{sip} as extensions 1001-1006 (anna-fredrik), SIP password \"demo\", realm \"sentral\".\n\
         Customers call +4721000000 (Kundeservice -> queue Support) or +4721000001 (Salg -> queue Sales);\n\
         inbound trunk accepted from 127.0.0.1. Web-callback API key: demo-callback-key-not-a-secret-2026.\n\
         Recording is on, Privacy Shield 30 s, at most 20 concurrent calls.\n\
         {simulated}\nStop with Ctrl-C.\n",
        data_dir.display()
    );
}

fn read_config(path: &Path) -> Result<ServerConfig> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    config::parse(&text, &path.display().to_string()).map_err(|problems| {
        let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
        anyhow::anyhow!(
            "{} problem(s) in {}:\n{}",
            list.len(),
            path.display(),
            list.join("\n")
        )
    })
}

async fn export(data_dir: &Path) -> Result<()> {
    let store = open_store(data_dir).await?;
    let mut organisations = Vec::new();
    for row in store.organisations().await? {
        let mut org =
            config::parse_org(&row.config_toml, &format!("store:{}", row.slug), &row.slug)
                .map_err(|problems| {
                    anyhow::anyhow!(
                        "stored configuration of {} is invalid: {problems:?}",
                        row.slug
                    )
                })?;
        org.users = store
            .users(&row.slug)
            .await?
            .into_iter()
            .map(|u| config::UserConfig {
                username: u.username,
                role: sentral_server::app::config_role(u.role),
                password: config::Password::Hash(u.password_hash),
                agent: u.agent_id.map(sentral_engine::AgentId),
            })
            .collect();
        organisations.push(org);
    }
    if organisations.is_empty() {
        bail!(
            "no configuration in {}: start `sentral serve` or `sentral demo` with it first",
            data_dir.display()
        );
    }
    let server = ServerConfig {
        server: config::ServerSettings::default(),
        organisations,
    };
    print!("{}", config::server_to_toml(&server));
    Ok(())
}

async fn add_user(
    data_dir: &Path,
    org: &str,
    username: &str,
    role: &str,
    password: &str,
) -> Result<()> {
    let role: config::Role = role.parse().map_err(|e| anyhow::anyhow!("--role: {e}"))?;
    if matches!(role, config::Role::Agent) {
        bail!(
            "--role agent: agents are configured with their extension and teams in the organisation's configuration"
        );
    }
    if password.chars().count() < 8 && password != "demo" {
        bail!("--password: use at least 8 characters");
    }
    let store = open_store(data_dir).await?;
    if store.organisation(org).await?.is_none() {
        bail!(
            "--org: no organisation {org:?} in {} (start Sentral with a configuration first)",
            data_dir.display()
        );
    }
    if let Some(existing) = store.user_by_name(username).await?
        && existing.org != org
    {
        bail!(
            "--username: {username:?} already belongs to organisation {}",
            existing.org
        );
    }
    store
        .upsert_user(&sentral_store::UserFields {
            org: org.to_owned(),
            username: username.to_owned(),
            role: sentral_server::app::store_role(role),
            password_hash: config::hash_password(password),
            agent_id: None,
        })
        .await?;
    println!(
        "user {username} ({}) added to {org}; it can sign in once Sentral (re)starts",
        role.as_str()
    );
    Ok(())
}

async fn open_store(data_dir: &Path) -> Result<SqliteStore> {
    let db = data_dir.join("sentral.db");
    if !db.exists() {
        bail!(
            "no store at {}: start Sentral with --data-dir {} first",
            db.display(),
            data_dir.display()
        );
    }
    SqliteStore::open(&db)
        .await
        .with_context(|| format!("cannot open {}", db.display()))
}

fn parse_interval(text: &str) -> Result<Duration, String> {
    match config::parse_duration_ms(text) {
        Some(0) => Err("the interval must be longer than 0s".into()),
        Some(ms) => Ok(Duration::from_millis(ms)),
        None => Err(format!(
            "{text:?} is not a duration such as 20s, 500ms or 1m"
        )),
    }
}

fn parse_ports(text: &str) -> Result<(u16, u16), String> {
    let (low, high) = text
        .split_once('-')
        .ok_or("expected LOW-HIGH, e.g. 20000-20999")?;
    let low: u16 = low
        .trim()
        .parse()
        .map_err(|_| format!("{low:?} is not a port"))?;
    let high: u16 = high
        .trim()
        .parse()
        .map_err(|_| format!("{high:?} is not a port"))?;
    if low >= high || !low.is_multiple_of(2) {
        return Err("LOW must be even and below HIGH".into());
    }
    Ok((low, high))
}

/// What `serve` and `check-config` say when passwords and session cookies would cross a
/// network in clear text.
const PLAIN_HTTP_WARNING: &str = "HTTP listens beyond loopback without TLS: passwords and \
     session cookies cross the network in clear text. Set [server] tls_certificate and tls_key \
     (or --tls-certificate/--tls-key), or put a TLS proxy in front and listen on 127.0.0.1";

/// Re-reads the HTTPS certificate on every SIGHUP (a renewed certificate needs no restart and
/// drops no connection); never returns.
async fn reload_on_sighup(app: &sentral_server::RunningApp) {
    #[cfg(unix)]
    {
        let Ok(mut hangups) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        else {
            return std::future::pending().await;
        };
        while hangups.recv().await.is_some() {
            match app.reload_tls() {
                Ok(()) if app.certificates.is_some() || app.sip_certificates.is_some() => {
                    tracing::info!("SIGHUP: the TLS certificates were read again")
                }
                Ok(()) => tracing::info!("SIGHUP: no TLS certificate to read again"),
                Err(error) => tracing::error!(
                    error = format!("{error:#}"),
                    "SIGHUP: a TLS certificate was not replaced; the old one stays"
                ),
            }
        }
    }
    std::future::pending().await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
