//! The engine's timers: what each one is for and when it fires.

use crate::ids::{AgentId, InteractionId, LegId, TimerId};
use std::collections::BTreeSet;

/// What a timer does when it fires.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(crate) enum Timer {
    /// A placed leg (agent offer, consult, transfer, dialled number) was not answered in time:
    /// RONA for agents (R12, R21), not-answered for numbers.
    NoAnswer { leg: LegId },
    /// Privacy Shield ends a recording pause (R32).
    PrivacyShield { interaction: InteractionId },
    /// A contact waited the queue's maximum: overflow (R43).
    QueueWaitMax { interaction: InteractionId },
    /// Offer the caller a courtesy callback (R37).
    CourtesyCallback { interaction: InteractionId },
    /// A callback whose customer did not answer has waited out its queue's spacing: back to
    /// the queue at its place (R40).
    CallbackRetry { interaction: InteractionId },
    /// The organisation's automatic wrap-up is due for an agent's call, if the agent has not
    /// wrapped it up yet (R36).
    AutoWrapUp {
        agent: AgentId,
        interaction: InteractionId,
    },
}

impl Timer {
    /// The interaction the timer belongs to, where it names one (a `NoAnswer` names its leg).
    pub(crate) fn interaction(self) -> Option<InteractionId> {
        match self {
            Timer::NoAnswer { .. } => None,
            Timer::PrivacyShield { interaction }
            | Timer::QueueWaitMax { interaction }
            | Timer::CourtesyCallback { interaction }
            | Timer::CallbackRetry { interaction }
            | Timer::AutoWrapUp { interaction, .. } => Some(interaction),
        }
    }
}

/// Armed timers, by id and by deadline.
#[derive(Debug, Default)]
pub(crate) struct TimerTable {
    armed: crate::core::engine::StableMap<TimerId, (u64, Timer)>,
    by_deadline: BTreeSet<(u64, TimerId)>,
    next_id: u64,
}

impl TimerTable {
    /// Arms a timer; returns its id.
    pub(crate) fn set(&mut self, at_mono_ms: u64, timer: Timer) -> TimerId {
        self.next_id += 1;
        let id = TimerId(self.next_id);
        self.armed.insert(id, (at_mono_ms, timer));
        self.by_deadline.insert((at_mono_ms, id));
        id
    }

    /// Disarms a timer; returns whether it was armed.
    pub(crate) fn stop(&mut self, id: TimerId) -> bool {
        match self.armed.remove(&id) {
            Some((at, _)) => self.by_deadline.remove(&(at, id)),
            None => false,
        }
    }

    /// Takes an armed timer out because it fired; `None` if it was already disarmed (stale).
    pub(crate) fn fire(&mut self, id: TimerId) -> Option<Timer> {
        let (at, timer) = self.armed.remove(&id)?;
        self.by_deadline.remove(&(at, id));
        Some(timer)
    }

    /// The timer armed under `id`, if it still is.
    pub(crate) fn get(&self, id: TimerId) -> Option<Timer> {
        self.armed.get(&id).map(|&(_, timer)| timer)
    }

    /// Every armed timer, in no particular order.
    pub(crate) fn armed(&self) -> impl Iterator<Item = (TimerId, Timer)> + '_ {
        self.armed.iter().map(|(&id, &(_, timer))| (id, timer))
    }

    /// The earliest deadline.
    pub(crate) fn next_timeout(&self) -> Option<(u64, TimerId)> {
        self.by_deadline.first().copied()
    }
}
