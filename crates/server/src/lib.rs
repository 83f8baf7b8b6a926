//! The `sentral` server: configuration, store, organisations' engines, REST API, WebSocket
//! events and the Agent Desktop, wired together.
//!
//! # Layout
//! - `config`: the TOML configuration file, its validation with file and line, export.
//! - `app`: start-up (seed or load the store, build and restore each organisation's engine,
//!   listen) and graceful shutdown.
//! - `org`: one organisation's engine as a single-writer task, and its handle.
//! - `telephony`: the boundary to the phone network (`TelephonyAdapter`).
//! - `sip`: the SIP service (`sentral-sip`): agents' phones register, their registrations
//!   become the organisations' `DeviceRegistered`/`DeviceUnregistered` inputs.
//! - `recordings`: call recordings on disk: start-up repair and the retention sweep (R31).
//! - `tls`: HTTPS: the certificate (reloaded on SIGHUP) and the TLS listener.
//! - `hub`: per-user event streams with sequence numbers and bounded replay.
//! - `auth`: passwords, sessions, the authenticated `Caller`.
//! - `api`: the REST API, its OpenAPI document, the WebSocket, operations endpoints.
//! - `dto`: the wire format of engine events and views.
//! - `desktop`: the embedded Agent Desktop files.
//! - `wallboard`: the supervisor wallboard's figures (R44), one definition each.
//! - `demo`: the demo simulator of `sentral demo` (simulated phones and customers over SIP, the
//!   demo phone page); off everywhere else.

pub mod api;
pub mod app;
pub mod auth;
pub mod config;
pub mod demo;
pub mod desktop;
pub mod dto;
pub mod hub;
pub mod org;
pub mod recordings;
pub mod sip;
pub mod telephony;
pub mod tls;
pub mod wallboard;

pub use app::{RunningApp, StartOptions, start};
pub use sentral_sip::TrunkTls;
