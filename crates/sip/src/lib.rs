//! Sentral's SIP side: agents' phones register here, and (later) calls are signalled here.
//!
//! The decisions are sans-IO state machines that read no clock and own no socket; a thin tokio
//! driver owns the sockets, the clock and the SIP library. The driver follows one contract with
//! every state machine (str0m's "single mutation" rule): feed one input with `now`, then drain
//! the outputs until there are none, then arm one timer for `poll_timeout`.
//!
//! ```
//! use sentral_sip::{
//!     Account, Contacts, ContactRequest, Event, Registrar, RegistrarConfig, RegisterRequest,
//!     Reply, Transport,
//! };
//! use std::time::Instant;
//!
//! let start = Instant::now(); // the driver's clock; the registrar never reads one
//! let mut registrar = Registrar::new(RegistrarConfig::default(), [42; 32], start);
//! registrar.set_accounts(
//!     "demo",
//!     vec![Account {
//!         tenant: "demo".into(),
//!         realm: "sentral".into(),
//!         extension: "1001".into(),
//!         ha1_md5: sentral_sip::digest::ha1(sentral_sip::Algorithm::Md5, "1001", "sentral", "demo"),
//!         ha1_sha256: sentral_sip::digest::ha1(
//!             sentral_sip::Algorithm::Sha256,
//!             "1001",
//!             "sentral",
//!             "demo",
//!         ),
//!     }],
//! );
//! let register = RegisterRequest {
//!     user: "1001".into(),
//!     domain: "127.0.0.1".into(),
//!     call_id: "a84b4c76e66710".into(),
//!     cseq: 1,
//!     contacts: Contacts::List(vec![ContactRequest {
//!         uri: "sip:1001@127.0.0.1:5070".into(),
//!         expires: None,
//!     }]),
//!     expires: Some(3600),
//!     authorization: vec![],
//!     user_agent: Some("Yealink SIP-T46S 66.86.0.15".into()),
//!     source: "127.0.0.1:5070".parse().unwrap(),
//!     transport: Transport::Udp,
//! };
//! // Without credentials the phone is challenged (401), once per algorithm.
//! let Reply::Challenge { www_authenticate } = registrar.handle_register(start, &register) else {
//!     panic!("challenged")
//! };
//! assert!(www_authenticate[0].contains("algorithm=MD5"));
//! assert!(www_authenticate[1].contains("algorithm=SHA-256"));
//! // Nothing happened yet; the driver drains events after every input anyway.
//! assert_eq!(registrar.poll_event(), None::<Event>);
//! assert_eq!(registrar.poll_timeout(), None);
//! ```
//!
//! # Layout
//! - `digest`: challenges, `Authorization` parsing, constant-time verification against HA1,
//!   nonces that expire and cannot be replayed (our own code, sans IO).
//! - `registrar`: bindings per extension, REGISTER decisions (401, 403, 200, 423, 400), expiry
//!   timers, `Registered`/`Unregistered` events (sans IO).
//! - `datagram`: what a UDP datagram is before rsipstack's parser reads it: unchanged, the same
//!   message in a canonical form, or a stateless answer to a request the parser cannot represent
//!   (RFC 3261 §7.3.1, §8.2.7, §18.3; RFC 4475), sans IO.
//! - `driver`: the tokio task that owns the registrar, answers OPTIONS, refuses what is not
//!   handled yet, and reports events to the server ([`SipService`]).
//! - `transport`: the only module that sees rsipstack (pinned `=0.7.14`): UDP and TCP listeners,
//!   RFC 3261 transactions, reading requests into our types and writing our answers back.
//!
//! # Architecture invariants
//! - rsipstack's types never leave `transport`; the server and the engine never see them.
//! - `digest`, `registrar` and `datagram` read no clock and do no I/O; time arrives as `now`.
//! - Everything that grows with traffic is bounded: bindings per extension, remembered nonces,
//!   queued requests, TCP connections.

pub mod calls;
pub mod datagram;
pub mod digest;
pub mod driver;
pub mod media;
pub mod prompts;
pub mod registrar;
pub mod sdp;
pub mod session_timer;
pub mod srtp;
mod transport;

pub use calls::{CallConfig, CallControl, TenantRoutes, TrunkAccount};
pub use digest::Algorithm;
pub use driver::{SipEvent, SipOptions, SipService, SipTls, StartError, TrunkTls};
pub use media::{Media, MediaConfig, MediaEvent};
pub use registrar::{
    Account, Binding, ContactRequest, Contacts, Event, Granted, RegisterRequest, Registrar,
    RegistrarConfig, Reply, Transport,
};
