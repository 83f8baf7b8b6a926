//! Identifier newtypes and the engine's notion of time.
//!
//! Ids are small copyable integers so that the engine's maps stay compact; the server maps
//! names (agent user names, queue names) to ids at its boundary.

use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta] $name:ident => $prefix:literal),* $(,)?) => {$(
        #[$doc]
        #[derive(Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
        pub struct $name(pub u64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }
    )*};
}

id_type! {
    /// An agent (a user who handles contacts).
    AgentId => "agent-",
    /// A team of agents; an agent logs in to one of their teams.
    TeamId => "team-",
    /// A queue where contacts wait for an agent.
    QueueId => "queue-",
    /// An entry point: a dial number with a flow that leads to a queue.
    EntryPointId => "ep-",
    /// An interaction (task): one customer contact from arrival to final record.
    InteractionId => "task-",
    /// One call leg: the customer's, an agent phone's, or a dialled number's.
    LegId => "leg-",
    /// An armed timer.
    TimerId => "timer-",
    /// A subject-matter expert of the organisation directory (R16).
    ExpertId => "expert-",
}

/// A point in time as the engine sees it: a monotonic reading for timers and a wall-clock
/// reading for records, both passed in by the driver (the engine never reads a clock).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct Now {
    /// Monotonic milliseconds since an arbitrary origin chosen by the driver; timers use it.
    pub mono_ms: u64,
    /// Milliseconds since the Unix epoch; records and desktop timers use it.
    pub unix_ms: i64,
}

impl Now {
    /// A `Now` whose wall clock is the monotonic reading; handy in tests and simulation.
    pub fn from_millis(mono_ms: u64) -> Now {
        Now {
            mono_ms,
            unix_ms: mono_ms as i64,
        }
    }
}

/// Identifies a leg created by the engine: the top bit is set so that engine-made ids never
/// collide with ids the telephony adapter gives to inbound legs (which must keep it clear).
pub const ENGINE_LEG_BIT: u64 = 1 << 63;
