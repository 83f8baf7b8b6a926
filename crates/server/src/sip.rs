//! The SIP side wired to the organisations: agents' phones register with `sentral-sip`'s
//! registrar, and a phone that registers or goes away becomes the owning organisation's
//! `TelephonyEvent::DeviceRegistered` / `DeviceUnregistered`.
//!
//! Each organisation's SIP realm and extensions (HA1 digests only) become the registrar's
//! accounts, with the organisation's slug as their tenant, so a registration event finds its
//! organisation without looking anything up by extension. Calls are not signalled here yet:
//! until they are, engine commands still go to the `TelephonyAdapter` the server was started
//! with.

use crate::app::OrgRuntime;
use crate::config::OrgConfig;
use sentral_engine::TelephonyEvent;
use sentral_sip::{Account, Event, RegistrarConfig, SipOptions, SipService};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

/// The running SIP service of the server.
pub struct Sip {
    /// Listeners, transactions and the registrar.
    service: SipService,
}

impl Sip {
    /// Listens for SIP on `addr` (UDP and TCP) with every organisation's phone accounts, and
    /// forwards registration events to the organisations' engines. Fails with a message that
    /// names the address when it cannot be bound.
    pub async fn start(
        addr: SocketAddr,
        orgs: Arc<HashMap<String, OrgRuntime>>,
    ) -> anyhow::Result<Sip> {
        let accounts = orgs
            .values()
            .map(|org| {
                let config = org.config.read().expect("config lock");
                (config.slug.clone(), accounts_of(&config))
            })
            .collect();
        let (service, mut events) = SipService::start(SipOptions {
            addr,
            registrar: RegistrarConfig::default(),
            accounts,
        })
        .await?;
        tokio::spawn(async move {
            while let Some(event) = events.recv().await {
                let (tenant, input) = match event {
                    Event::Registered { tenant, extension } => {
                        (tenant, TelephonyEvent::DeviceRegistered { extension })
                    }
                    Event::Unregistered { tenant, extension } => {
                        (tenant, TelephonyEvent::DeviceUnregistered { extension })
                    }
                };
                match orgs.get(&tenant) {
                    Some(org) => org.handle.telephony(input),
                    None => tracing::warn!(org = tenant, "a phone event for no organisation"),
                }
            }
        });
        Ok(Sip { service })
    }

    /// Where SIP listens (UDP and TCP on the same port).
    pub fn local_addr(&self) -> SocketAddr {
        self.service.local_addr()
    }

    /// Takes an organisation's changed configuration: new, changed and removed extensions.
    pub fn org_changed(&self, org: &OrgConfig) {
        self.service.set_accounts(&org.slug, accounts_of(org));
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
