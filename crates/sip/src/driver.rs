//! The tokio driver: one task owns the [`Registrar`] and the clock, takes requests from the
//! transport, answers them, and reports registration events to the server.
//!
//! The loop follows the crate's contract: one input (a request, a command or the timer), then
//! drain every event, then sleep until [`Registrar::poll_timeout`]. REGISTER goes to the
//! registrar, OPTIONS (keep-alives and pings) gets 200, INVITE gets 480 until call handling is
//! wired in, and everything else 501. This is where the call flow will plug in: INVITE, ACK,
//! CANCEL and BYE go to a call-control state machine next to the registrar.

use crate::registrar::{
    Account, Binding, Event, RegisterRequest, Registrar, RegistrarConfig, Reply,
};
use crate::transport::{Answer, BindError, Inbound, RequestFacts, SipMethod, SipTransport};
use std::net::SocketAddr;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

/// How to start the SIP service.
#[derive(Clone, Debug)]
pub struct SipOptions {
    /// Where UDP and TCP listen; port 0 picks one free port for both.
    pub addr: SocketAddr,
    /// The registrar's behaviour.
    pub registrar: RegistrarConfig,
    /// The accounts to start with, by tenant (see [`SipService::set_accounts`]).
    pub accounts: Vec<(String, Vec<Account>)>,
}

/// The running SIP service: listeners, transactions and the registrar's task.
pub struct SipService {
    /// Where UDP and TCP listen.
    local_addr: SocketAddr,
    /// Commands for the driver task; the task ends when this is dropped.
    commands: mpsc::UnboundedSender<Command>,
}

/// The SIP address could not be bound.
#[derive(Debug, thiserror::Error)]
#[error("cannot listen for SIP ({transport}) on {addr}: {reason}")]
pub struct StartError {
    /// The address asked for.
    pub addr: SocketAddr,
    /// `UDP`, `TCP` or `SIP`.
    pub transport: &'static str,
    /// What the operating system or the SIP library said.
    pub reason: String,
}

/// What the server asks of the driver task.
enum Command {
    SetAccounts {
        tenant: String,
        accounts: Vec<Account>,
    },
    Bindings {
        realm: String,
        extension: String,
        reply: oneshot::Sender<Vec<Binding>>,
    },
    Stop {
        done: oneshot::Sender<()>,
    },
}

/// What the driver task owns.
struct Driver {
    /// The sans-IO registrar.
    registrar: Registrar,
    /// Registration events for the server.
    events: mpsc::Sender<Event>,
}

impl SipService {
    /// Binds `options.addr` (UDP and TCP) and starts serving. Registration events arrive on
    /// the returned channel, in order.
    pub async fn start(
        options: SipOptions,
    ) -> Result<(SipService, mpsc::Receiver<Event>), StartError> {
        let (transport, requests) = SipTransport::bind(options.addr, REQUEST_QUEUE_LEN)
            .await
            .map_err(|BindError { transport, reason }| StartError {
                addr: options.addr,
                transport,
                reason,
            })?;
        let local_addr = transport.local_addr;
        let epoch = Instant::now();
        let mut registrar = Registrar::new(options.registrar, secret(), epoch.into_std());
        for (tenant, accounts) in options.accounts {
            registrar.set_accounts(&tenant, accounts);
        }
        let (events, events_received) = mpsc::channel(EVENT_QUEUE_LEN);
        let (commands, commands_received) = mpsc::unbounded_channel();
        let driver = Driver { registrar, events };
        tokio::spawn(driver.run(transport, requests, commands_received));
        tracing::info!(%local_addr, "SIP is listening (UDP and TCP)");
        Ok((
            SipService {
                local_addr,
                commands,
            },
            events_received,
        ))
    }

    /// Where UDP and TCP listen.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Replaces the accounts of `tenant` (e.g. after an administrator changed an
    /// organisation); phones of removed or changed accounts are unregistered.
    pub fn set_accounts(&self, tenant: &str, accounts: Vec<Account>) {
        let _ = self.commands.send(Command::SetAccounts {
            tenant: tenant.to_owned(),
            accounts,
        });
    }

    /// The current bindings of an extension: where its phone can be reached.
    pub async fn bindings(&self, realm: &str, extension: &str) -> Vec<Binding> {
        let (reply, answer) = oneshot::channel();
        let _ = self.commands.send(Command::Bindings {
            realm: realm.to_owned(),
            extension: extension.to_owned(),
            reply,
        });
        answer.await.unwrap_or_default()
    }

    /// Stops listening and ends the driver task; returns once the listeners were told to stop.
    /// Dropping the service stops it too, without waiting.
    pub async fn shutdown(&self) {
        let (done, stopped) = oneshot::channel();
        if self.commands.send(Command::Stop { done }).is_ok() {
            let _ = stopped.await;
        }
    }
}

impl Driver {
    async fn run(
        mut self,
        transport: SipTransport,
        mut requests: mpsc::Receiver<Inbound>,
        mut commands: mpsc::UnboundedReceiver<Command>,
    ) {
        loop {
            let deadline = self.registrar.poll_timeout().map(Instant::from_std);
            tokio::select! {
                inbound = requests.recv() => match inbound {
                    Some(inbound) => self.handle_request(inbound),
                    None => break,
                },
                command = commands.recv() => match command {
                    Some(Command::SetAccounts { tenant, accounts }) => {
                        self.registrar.set_accounts(&tenant, accounts);
                    }
                    Some(Command::Bindings { realm, extension, reply }) => {
                        let _ = reply.send(self.registrar.bindings(&realm, &extension).to_vec());
                    }
                    Some(Command::Stop { done }) => {
                        transport.shutdown();
                        drop(transport);
                        let _ = done.send(());
                        return;
                    }
                    None => break,
                },
                () = sleep_until(deadline), if deadline.is_some() => {
                    self.registrar.handle_timeout(Instant::now().into_std());
                }
            }
            while let Some(event) = self.registrar.poll_event() {
                tracing::info!(?event, "phone registration changed");
                if self.events.send(event).await.is_err() {
                    tracing::debug!("nobody listens to registration events");
                }
            }
        }
        transport.shutdown();
    }

    fn handle_request(&mut self, inbound: Inbound) {
        let Inbound { request, responder } = inbound;
        let answer = match &request.method {
            SipMethod::Register => self.register(&request),
            SipMethod::Options => Answer {
                headers: vec![("Allow", "REGISTER, OPTIONS".into())],
                ..answer(200, "OK")
            },
            SipMethod::Invite => answer(480, "Call handling is not wired in yet"),
            SipMethod::Other(method) => {
                tracing::debug!(method, "SIP method not implemented");
                answer(501, "Not Implemented")
            }
        };
        responder.send(answer);
    }

    fn register(&mut self, request: &RequestFacts) -> Answer {
        let Some(register) = register_request(request) else {
            return answer(400, "Bad Request");
        };
        let now = Instant::now().into_std();
        // A bug in one REGISTER must not take every phone's registrar down with it.
        let reply = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.registrar.handle_register(now, &register)
        }));
        let Ok(reply) = reply else {
            tracing::error!(
                extension = register.user,
                "the registrar panicked; REGISTER dropped"
            );
            return answer(500, "Server Internal Error");
        };
        if matches!(reply, Reply::Forbidden) {
            tracing::info!(
                extension = register.user,
                source = %register.source,
                "REGISTER refused: wrong credentials or unknown extension"
            );
        }
        answer_of(reply)
    }
}

/// The registrar's view of a REGISTER; `None` when a required header is missing or unreadable.
fn register_request(request: &RequestFacts) -> Option<RegisterRequest> {
    let expires = match request.expires {
        None => None,
        Some(Ok(seconds)) => Some(seconds),
        Some(Err(())) => return None,
    };
    Some(RegisterRequest {
        user: request.to_user.clone()?,
        domain: request.to_host.clone().unwrap_or_default(),
        call_id: request.call_id.clone()?,
        cseq: request.cseq?,
        contacts: request.contacts.clone().ok()?,
        expires,
        authorization: request.authorization.clone(),
        user_agent: request.user_agent.clone(),
        source: request.source,
        transport: request.transport,
    })
}

/// The SIP response for the registrar's reply.
fn answer_of(reply: Reply) -> Answer {
    let (status, reason) = reply.status();
    let mut headers = Vec::new();
    match reply {
        Reply::Challenge { www_authenticate } => {
            for value in www_authenticate {
                headers.push(("WWW-Authenticate", value));
            }
        }
        Reply::Registered { contacts, expires } => {
            for granted in contacts {
                headers.push((
                    "Contact",
                    format!("<{}>;expires={}", granted.contact, granted.expires),
                ));
            }
            if let Some(expires) = expires {
                headers.push(("Expires", expires.to_string()));
            }
        }
        Reply::IntervalTooBrief { min_expires } => {
            headers.push(("Min-Expires", min_expires.to_string()));
        }
        Reply::Forbidden | Reply::BadRequest { .. } => {}
    }
    Answer {
        status,
        reason: reason.to_owned(),
        headers,
    }
}

fn answer(status: u16, reason: &str) -> Answer {
    Answer {
        status,
        reason: reason.to_owned(),
        headers: Vec::new(),
    }
}

/// A random key for the nonces; a new one each start, so nonces do not outlive the process.
fn secret() -> [u8; 32] {
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).expect("the operating system provides randomness");
    secret
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// Requests waiting for the driver; beyond it they are refused with 503.
const REQUEST_QUEUE_LEN: usize = 1024;
/// Registration events waiting for the server; beyond it the driver waits.
const EVENT_QUEUE_LEN: usize = 1024;
