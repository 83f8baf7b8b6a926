//! Sentral's contact-center engine: every rule about agents, queues, offers and voice
//! interactions, as a sans-IO state machine.
//!
//! The engine does no I/O and never reads a clock. The driver (the `sentral` server, or a
//! test) feeds it one [`Input`] at a time with the current [`Now`], then drains every
//! [`Output`] before the next input:
//!
//! ```
//! # use sentral_engine::*;
//! # let config = sentral_engine::testing::small_config();
//! let mut engine = Engine::new(config, Now::from_millis(0)).unwrap();
//! let now = Now::from_millis(1_000);
//! let input = Input::Telephony(TelephonyEvent::DeviceRegistered { extension: "1001".into() });
//! engine.handle_input(now, input).unwrap();
//! while let Some(output) = engine.poll_output() {
//!     // Dispatch: telephony commands to SIP, desktop events to WebSockets, records to the
//!     // store, timers to one sleep on `engine.poll_timeout()`.
//!     let _ = output;
//! }
//! ```
//!
//! A rejected input changes nothing and returns a [`Rejection`] naming the rule
//! (`R28: target agent is in wrap-up`). Telephony events and timers that arrive late (for a
//! leg or timer that is already gone) are ignored: races with the network are normal.
//!
//! # Layout
//! - `ids`: id newtypes and [`Now`].
//! - `config`: the organisation's configuration (R43) and its validation.
//! - `dial`: dial-number validation and normalisation (R30).
//! - `io`: [`Input`], [`Output`] and everything they carry.
//! - `reject`: [`Rejection`] and the [`Rule`] it cites.
//! - `core`: the contact core, whatever the channel.
//!   - `engine`: [`Engine`], the input dispatcher and the output helpers.
//!   - `agents`: log-in, states, offerability and the voice slot.
//!   - `contact`: an interaction and its `Phase`.
//!   - `queues`, `routing`: queues and places, and the [`Router`].
//!   - `offers`: offers and RONA.
//!   - `wrapup`, `variables`, `configure`: wrap-up, call data, configuration changes.
//!   - `timers`: the timer table.
//!   - `isolation`: a panic in one contact's step ends that contact only.
//!   - `views`: popovers, directories and snapshots.
//!   - `invariants`: [`Engine::check_invariants`]; each contact kind checks its own.
//! - `voice`: voice calls: arrivals, legs, hold, consult, transfer, recording, callbacks, ending.
//! - `testing`: a small configuration for tests and examples.

mod calendar;
mod config;
mod core;
mod dial;
mod ids;
mod io;
mod reject;
pub mod testing;
mod voice;

pub use crate::core::engine::Engine;
pub use crate::core::expected_wait::ExpectedWait;
pub use crate::core::routing::{Place, Router};
pub use crate::core::views::{
    AgentView, ConsultView, DirectoryAgent, DirectoryDestination, DirectoryExpert, ExpertPresence,
    InteractionView, OFFER_STACK_SHOWN, OfferStack, is_iso8601, offer_stack,
};
pub use calendar::{Calendar, CivilDate, OpenSpan, OpeningHours, UtcOffset, WEEKDAYS};
pub use config::{
    AddressBookEntry, AgentConfig, AutoWrapUp, CAD_VALUE_CHARS_MAX, CadDefinition, CadKind,
    Capacity, Channel, Config, ConfigError, EntryPointConfig, Expert, Flow, OfferLink, OrgSettings,
    QueueConfig, Reason, TeamConfig, TransferNoAnswer,
};
pub use config::{AllowedActions, DesktopAction, PopoverChoice};
pub use dial::{DialFormat, DialNumber, DialNumberError};
pub use ids::{
    AgentId, ENGINE_LEG_BIT, EntryPointId, ExpertId, InteractionId, LegId, Now, QueueId, TeamId,
    TimerId,
};
pub use io::{
    AgentName, AgentStateView, CallbackView, Command, ConsultOfferView, DesktopEvent, EndReason,
    FailCause, IfUnanswered, Input, InteractionKind, LinkView, LostCause, OfferView, Output, Party,
    PopoverVariable, Prompt, Recipient, Record, RecordingState, RejectCause, StateRequest,
    SupervisorAction, Target, TelephonyCommand, TelephonyEvent,
};
pub use reject::{Code, Rejection, RejectionDetail, Rule, SavedBy};
