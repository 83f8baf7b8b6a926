//! The SIP side wired to the organisations: agents' phones register with `sentral-sip`'s
//! registrar, customers' calls arrive from trunks, and each organisation's engine commands
//! become SIP and RTP.
//!
//! Each organisation's SIP realm and extensions (HA1 digests only) become the registrar's
//! accounts, and its entry points' numbers and trunk addresses become its routes, all with the
//! organisation's slug as their tenant, so an event from the SIP side finds its organisation
//! without looking anything up by extension:
//!
//! - a phone that registers or goes away → `TelephonyEvent::DeviceRegistered` /
//!   `DeviceUnregistered` for the owning organisation;
//! - a call leg's SIP events (arrival, ringing, answer, failure, hang-up, DTMF) → the
//!   organisation's `TelephonyEvent`s;
//! - the organisation's `TelephonyCommand`s → [`SipTelephony`] → `SipService::command`.

use crate::app::OrgRuntime;
use crate::config::OrgConfig;
use crate::org::OrgHandle;
use crate::telephony::TelephonyAdapter;
use sentral_engine::{TelephonyCommand, TelephonyEvent};
use sentral_sip::digest::{self, Algorithm};
use sentral_sip::{
    Account, Event, MediaConfig, RegistrarConfig, SipEvent, SipOptions, SipService, TenantRoutes,
    TrunkAccount,
};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// Where and how the server speaks SIP and RTP.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct SipSettings {
    /// Where SIP listens (UDP and TCP; port 0 picks a free one).
    pub addr: SocketAddr,
    /// The first and last UDP port for RTP, both included.
    pub rtp_ports: (u16, u16),
    /// Where dial-outs go; without it they fail with a clear reason.
    pub trunk: Option<SocketAddr>,
    /// Where call recordings are written (R31); `None`: `recordings` in the data directory.
    pub recordings_dir: Option<PathBuf>,
    /// User name and password for the outbound trunk's digest challenges.
    pub trunk_credential: Option<(String, String)>,
    /// How long a far end that should send RTP may send none before its call ends.
    pub rtp_timeout: Option<Duration>,
    /// Where SIP over TLS listens (port 0 picks a free one).
    pub tls_addr: Option<SocketAddr>,
    /// The certificate SIP over TLS presents; `None`: the HTTPS one.
    pub tls_files: Option<crate::tls::TlsFiles>,
    /// The outbound trunk over TLS (its name and trust roots); `None`: over UDP.
    pub trunk_tls: Option<sentral_sip::TrunkTls>,
}

impl SipSettings {
    /// SIP on `addr`, RTP on the default ports, no outbound trunk.
    pub fn at(addr: SocketAddr) -> Self {
        SipSettings {
            addr,
            rtp_ports: DEFAULT_RTP_PORTS,
            trunk: None,
            recordings_dir: None,
            trunk_credential: None,
            rtp_timeout: Some(DEFAULT_RTP_TIMEOUT),
            tls_addr: None,
            tls_files: None,
            trunk_tls: None,
        }
    }
}

/// How long a silent far end keeps its call when the configuration names no `rtp_timeout`.
pub const DEFAULT_RTP_TIMEOUT: Duration = Duration::from_secs(60);

/// The RTP ports used when the configuration names none.
pub const DEFAULT_RTP_PORTS: (u16, u16) = (20000, 29999);

/// The running SIP service of the server.
pub struct Sip {
    /// Listeners, transactions, the registrar and the calls.
    service: Arc<SipService>,
    /// Events waiting for [`Sip::attach`].
    events: std::sync::Mutex<Option<mpsc::Receiver<SipEvent>>>,
}

/// The telephony adapter that carries engine commands over SIP.
pub struct SipTelephony {
    service: Arc<SipService>,
}

impl TelephonyAdapter for SipTelephony {
    fn command(&self, org: &str, command: TelephonyCommand, _events: &OrgHandle) {
        self.service.command(org, command);
    }
}

impl Sip {
    /// Listens for SIP with every organisation's phone accounts and routes. Events are held
    /// until [`Sip::attach`] names the organisations' engines. Fails with a message that
    /// names the address when it cannot be bound.
    pub async fn start(
        settings: SipSettings,
        orgs: &[OrgConfig],
        tls: Option<sentral_sip::SipTls>,
    ) -> anyhow::Result<Sip> {
        let media_ip = match settings.addr.ip() {
            ip if ip.is_unspecified() => {
                tracing::warn!(
                    "SIP listens on every address; RTP is offered on 127.0.0.1. Give --sip a \
                     specific address for phones and trunks on other machines"
                );
                IpAddr::V4(Ipv4Addr::LOCALHOST)
            }
            ip => ip,
        };
        let (service, events) = SipService::start(SipOptions {
            addr: settings.addr,
            registrar: RegistrarConfig::default(),
            accounts: orgs
                .iter()
                .map(|org| (org.slug.clone(), accounts_of(org)))
                .collect(),
            routes: orgs
                .iter()
                .map(|org| (org.slug.clone(), routes_of(org)))
                .collect(),
            media: MediaConfig {
                ip: media_ip,
                ports: settings.rtp_ports,
                rtp_timeout: settings.rtp_timeout,
            },
            trunk: settings.trunk,
            trunk_credential: settings.trunk_credential,
            recordings: settings.recordings_dir,
            tls,
            trunk_tls: settings.trunk_tls,
            ..SipOptions::at(settings.addr)
        })
        .await?;
        Ok(Sip {
            service: Arc::new(service),
            events: std::sync::Mutex::new(Some(events)),
        })
    }

    /// The adapter through which the organisations' engines place and control calls.
    pub fn telephony(&self) -> Arc<SipTelephony> {
        Arc::new(SipTelephony {
            service: self.service.clone(),
        })
    }

    /// Starts forwarding SIP events to the organisations' engines.
    pub fn attach(&self, orgs: Arc<HashMap<String, OrgRuntime>>) {
        let Some(mut events) = self.events.lock().expect("events lock").take() else {
            return;
        };
        tokio::spawn(async move {
            while let Some(event) = events.recv().await {
                let (tenant, input) = match event {
                    SipEvent::Registration(Event::Registered { tenant, extension }) => {
                        (tenant, TelephonyEvent::DeviceRegistered { extension })
                    }
                    SipEvent::Registration(Event::Unregistered { tenant, extension }) => {
                        (tenant, TelephonyEvent::DeviceUnregistered { extension })
                    }
                    SipEvent::Telephony { tenant, event } => (tenant, event),
                };
                match orgs.get(&tenant) {
                    Some(org) => org.handle.telephony(input),
                    None => tracing::warn!(org = tenant, "a SIP event for no organisation"),
                }
            }
        });
    }

    /// Where SIP listens (UDP and TCP on the same port).
    pub fn local_addr(&self) -> SocketAddr {
        self.service.local_addr()
    }

    /// Where SIP over TLS listens, when it does.
    pub fn tls_addr(&self) -> Option<SocketAddr> {
        self.service.tls_addr()
    }

    /// The RTP counters of every open leg.
    pub fn media_stats(&self) -> Vec<(sentral_engine::LegId, sentral_sip::media::LegStats)> {
        self.service.media().all_stats()
    }

    /// The number of call legs with an open RTP socket.
    pub fn n_media_legs(&self) -> usize {
        self.service.media().n_legs()
    }

    /// Takes an organisation's changed configuration: extensions, numbers and trunks.
    pub fn org_changed(&self, org: &OrgConfig) {
        self.service.set_accounts(&org.slug, accounts_of(org));
        self.service.set_routes(&org.slug, routes_of(org));
    }

    /// Stops listening.
    pub async fn shutdown(&self) {
        self.service.shutdown().await;
    }
}

/// The registrar's accounts of an organisation: its realm and every extension's HA1s.
pub fn accounts_of(org: &OrgConfig) -> Vec<Account> {
    org.sip
        .extensions
        .iter()
        .map(|extension| Account {
            tenant: org.slug.clone(),
            realm: org.sip.realm.clone(),
            extension: extension.extension.clone(),
            ha1_md5: extension.ha1_md5.clone(),
            ha1_sha256: extension.ha1_sha256.clone(),
        })
        .collect()
}

/// What an organisation receives over SIP: its entry points' numbers, from its trunks.
pub fn routes_of(org: &OrgConfig) -> TenantRoutes {
    TenantRoutes {
        numbers: org
            .engine
            .entry_points
            .iter()
            .flat_map(|entry| entry.dial_numbers.iter().map(|n| n.as_str().to_owned()))
            .collect(),
        trunk_peers: org.trunks.iter().map(|trunk| trunk.address).collect(),
        trunk_accounts: org
            .trunks
            .iter()
            .filter_map(|trunk| {
                let (username, password) = (trunk.username.as_ref()?, trunk.password.as_ref()?);
                let realm = &org.sip.realm;
                Some(TrunkAccount {
                    peer: trunk.address,
                    realm: realm.clone(),
                    username: username.clone(),
                    ha1_md5: digest::ha1(Algorithm::Md5, username, realm, password),
                    ha1_sha256: digest::ha1(Algorithm::Sha256, username, realm, password),
                })
            })
            .collect(),
        call_length_max: org.call_length_max_ms.map(Duration::from_millis),
        trunk_srtp: org
            .trunks
            .iter()
            .map(|trunk| (trunk.address, trunk.srtp))
            .collect(),
        phone_srtp: org
            .sip
            .extensions
            .iter()
            .map(|sip| (sip.extension.clone(), sip.srtp))
            .collect(),
    }
}
