//! Voice calls: how they arrive, their legs, hold, consult, transfer, conference, recording,
//! callbacks, and how they end.
//!
//! These are further `impl Engine` blocks over the core's tables (`crate::core`); issue 18
//! turns them into one `VoiceCall` state machine per call that owns its legs and timers and
//! talks to the core through a closed interface.

pub(crate) mod arrivals;
pub(crate) mod callbacks;
pub(crate) mod consult;
pub(crate) mod control;
pub(crate) mod ending;
pub(crate) mod legs;
pub(crate) mod recording;
pub(crate) mod transfer;
