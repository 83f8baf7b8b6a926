//! The contact core: what every contact has, whatever its channel. Queues and places, routing,
//! offers and RONA, agent states, wrap-up, call-associated data, the organisation's
//! configuration and limits, the views and invariants, and the isolation of a contact whose
//! step panicked.
//!
//! The core still reaches into voice calls directly (`crate::voice`); issue 18 closes that
//! into one state machine per contact kind behind a small interface.

pub(crate) mod agents;
pub(crate) mod configure;
pub(crate) mod contact;
pub(crate) mod engine;
pub(crate) mod expected_wait;
pub(crate) mod invariants;
pub(crate) mod isolation;
pub(crate) mod offers;
pub(crate) mod profile;
pub(crate) mod queues;
pub(crate) mod routing;
pub(crate) mod timers;
pub(crate) mod variables;
pub(crate) mod views;
pub(crate) mod wrapup;
