//! A caller's expected wait and each queue's handle time today (R37).
//!
//! expected wait = the caller's position × the queue's average handle time today ÷ the agents
//! serving the queue. The position counts the caller (the first in line is 1). The average
//! handle time is defined as the wallboard's (R44): over the queue's calls handled today (the
//! organisation's day, from its calendar), from the agent's answer to the call's last wrap-up
//! (talk, hold and wrap-up). The agents serving the queue are those logged in to one of its
//! teams, with its skills, whose chosen state is Available (on a call or not). With no agent
//! serving it the wait has no end: it is longer than any threshold. With no call handled today
//! there is no estimate, and only the fixed wait (`Flow::courtesy_callback_after_ms`) offers
//! the courtesy callback. After a restart the server gives the engine the day's figures from
//! the history ([`Engine::restore_handled_today`]).

use crate::core::agents::AgentState;
use crate::core::engine::Engine;
use crate::core::routing::Place;
use crate::ids::{InteractionId, QueueId};
use std::collections::HashMap;

/// One queue's calls handled today (R37).
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub(crate) struct HandledToday {
    /// The organisation's local day these count (days since 1970-01-01).
    pub(crate) day: i64,
    /// Calls handled that day.
    pub(crate) n_handled: u64,
    /// Their handle times added up, in ms.
    pub(crate) handle_ms_total: u64,
}

/// A caller's expected wait (R37).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum ExpectedWait {
    /// No agent serves the queue: the wait has no end.
    Unbounded,
    /// No call of the queue was handled today: no estimate.
    Unknown,
    /// This many ms.
    Ms(u64),
}

impl Engine {
    /// The day's figures of a queue from before a restart: `n_handled` calls handled today
    /// taking `handle_ms_total` in all (R37).
    pub fn restore_handled_today(&mut self, queue: QueueId, n_handled: u64, handle_ms_total: u64) {
        let (today, _) = self.config.calendar.local_day_and_minute(self.now.unix_ms);
        self.handled_today.insert(
            queue,
            HandledToday {
                day: today,
                n_handled,
                handle_ms_total,
            },
        );
    }

    /// Counts a handled interaction's handle time for its queue (its last wrap-up is in), if
    /// an agent answered it.
    pub(crate) fn count_handled(&mut self, interaction_id: InteractionId) {
        let interaction = &self.interactions[&interaction_id];
        let (Some(queue), Some(connected)) = (interaction.queue, interaction.connected_at_unix_ms)
        else {
            return;
        };
        let handle_ms = u64::try_from(self.now.unix_ms - connected).unwrap_or(0);
        let (today, _) = self.config.calendar.local_day_and_minute(self.now.unix_ms);
        let handled = self.handled_today.entry(queue).or_default();
        if handled.day != today {
            *handled = HandledToday {
                day: today,
                ..HandledToday::default()
            };
        }
        handled.n_handled += 1;
        handled.handle_ms_total = handled.handle_ms_total.saturating_add(handle_ms);
    }

    /// The queue's average handle time today, if it handled a call today (R37).
    pub fn average_handle_ms_today(&self, queue: QueueId) -> Option<u64> {
        let (today, _) = self.config.calendar.local_day_and_minute(self.now.unix_ms);
        self.handled_today
            .get(&queue)
            .filter(|h| h.day == today && h.n_handled > 0)
            .map(|h| h.handle_ms_total / h.n_handled)
    }

    /// How many agents serve the queue now (R37): logged in to one of its teams, with its
    /// skills, Available. One pass over the agents.
    pub fn n_agents_serving(&self, queue: QueueId) -> usize {
        let Some(queue) = self.config.queue(queue) else {
            return 0;
        };
        let configs: HashMap<_, _> = self.config.agents.iter().map(|a| (a.id, a)).collect();
        self.agents
            .iter()
            .filter(|(_, agent)| agent.state == AgentState::Available)
            .filter_map(|(id, agent)| Some((agent.session.as_ref()?, configs.get(id)?)))
            .filter(|(session, config)| {
                queue.teams.contains(&session.team)
                    && queue
                        .skills_required
                        .iter()
                        .all(|skill| config.skills.contains(skill))
            })
            .count()
    }

    /// The expected wait of the contact waiting in `queue` at `place` (R37).
    pub fn expected_wait(&self, queue: QueueId, place: Place) -> ExpectedWait {
        let position = self.router.position(queue, place);
        expected_wait(
            position,
            self.n_agents_serving(queue),
            self.average_handle_ms_today(queue),
        )
    }
}

/// position × average handle time ÷ agents serving (R37).
pub(crate) fn expected_wait(
    position: usize,
    n_agents: usize,
    average_handle_ms: Option<u64>,
) -> ExpectedWait {
    if n_agents == 0 {
        return ExpectedWait::Unbounded;
    }
    let Some(average_ms) = average_handle_ms else {
        return ExpectedWait::Unknown;
    };
    ExpectedWait::Ms((position as u64).saturating_mul(average_ms) / n_agents as u64)
}
