//! Queues: routing waiting contacts to available agents, places, the queue's maximum wait
//! and overflow (R12, R43).

use crate::core::contact::Phase;
use crate::core::engine::{Engine, RouteTrigger};
use crate::core::routing::Place;
use crate::core::timers::Timer;
use crate::ids::{InteractionId, QueueId};
use crate::io::{DesktopEvent, Recipient};
use std::panic::{self, AssertUnwindSafe};

impl Engine {
    /// Offers waiting contacts to available agents until no pair matches.
    pub(crate) fn route(&mut self) {
        while let Some(trigger) = self.to_route.pop() {
            let pair = match trigger {
                RouteTrigger::Contact(interaction_id) => {
                    let Some(interaction) = self.interactions.get(&interaction_id) else {
                        continue;
                    };
                    let (Phase::Queued, Some(queue), Some(place)) =
                        (interaction.phase, interaction.queue, interaction.place)
                    else {
                        continue;
                    };
                    // The agent takes the best contact it serves, which may be one ahead of
                    // this one (a contact back at its kept place must not be jumped, R12,
                    // R40); this one is routed again afterwards.
                    let agent = self.router.best_agent_for(queue, place);
                    agent.map(|agent| match self.router.best_contact(agent) {
                        Some((_, _, best)) if best != interaction_id => {
                            self.to_route.push(RouteTrigger::Contact(interaction_id));
                            (best, agent)
                        }
                        _ => (interaction_id, agent),
                    })
                }
                RouteTrigger::Agent(agent_id) => self
                    .router
                    .best_contact(agent_id)
                    .map(|(_, _, interaction)| (interaction, agent_id)),
            };
            if let Some((interaction_id, agent_id)) = pair {
                // The offer is a step of that contact: a panic in it ends the contact only.
                let step = panic::catch_unwind(AssertUnwindSafe(|| {
                    self.offer(interaction_id, agent_id);
                    self.injected_panic(interaction_id);
                }));
                if step.is_err() {
                    self.end_after_panic(interaction_id);
                }
            }
        }
    }

    /// Puts an interaction in a queue at `place` (a new one if `None`) and routes it.
    pub(crate) fn enqueue(
        &mut self,
        interaction_id: InteractionId,
        queue: QueueId,
        place: Option<Place>,
    ) {
        let priority = self.flow_priority(interaction_id);
        let place_kept = place.is_some();
        let place = place.unwrap_or_else(|| self.router.place(priority, self.now.mono_ms));
        let interaction = self
            .interactions
            .get_mut(&interaction_id)
            .expect("interaction exists");
        let queue_changed = interaction.queue != Some(queue);
        interaction.phase = Phase::Queued;
        interaction.queue = Some(queue);
        interaction.place = Some(place);
        self.router
            .enqueue(queue, place, interaction_id, &interaction.excluded);
        let wait_max_ms = self
            .config
            .queue(queue)
            .and_then(|q| q.wait_max_ms.zip(q.overflow));
        let interaction = self
            .interactions
            .get_mut(&interaction_id)
            .expect("interaction exists");
        // A contact entering anew (a new place) waits the full maximum again; one back at its
        // kept place in the same queue keeps the wait it had (R12, R43).
        if (queue_changed || !place_kept || interaction.wait_timer.is_none())
            && let Some((wait_max_ms, _)) = wait_max_ms
        {
            if let Some(old) = interaction.wait_timer.take() {
                self.timers.stop(old);
            }
            // Back at its kept place in the same queue with no wait timer: the maximum ran
            // out while it was offered, so it overflows now (R12 keeps the place, R43).
            let wait_ms = if place_kept && !queue_changed {
                0
            } else {
                wait_max_ms
            };
            let id = self.set_timer(
                self.now.mono_ms + wait_ms,
                Timer::QueueWaitMax {
                    interaction: interaction_id,
                },
            );
            self.interactions
                .get_mut(&interaction_id)
                .expect("interaction exists")
                .wait_timer = Some(id);
        }
        self.record_phase(interaction_id, None);
        self.queue_changed(queue);
        self.to_route.push(RouteTrigger::Contact(interaction_id));
    }

    /// Takes a queued interaction out of its queue.
    pub(crate) fn dequeue(&mut self, interaction_id: InteractionId) {
        let interaction = &self.interactions[&interaction_id];
        if let (Phase::Queued, Some(queue), Some(place)) =
            (interaction.phase, interaction.queue, interaction.place)
        {
            let removed = self.router.dequeue(queue, place);
            debug_assert!(removed, "{interaction_id} queued but not in {queue}");
            self.queue_changed(queue);
        }
    }

    pub(crate) fn flow_priority(&self, interaction_id: InteractionId) -> u8 {
        self.interactions[&interaction_id]
            .entry_point
            .and_then(|ep| self.config.entry_point(ep))
            .map_or(0, |ep| ep.flow.priority)
    }

    pub(crate) fn queue_changed(&mut self, queue: QueueId) {
        let n_waiting = self.router.n_waiting(queue);
        self.desktop(
            Recipient::Supervisors,
            DesktopEvent::QueueChanged { queue, n_waiting },
        );
    }

    pub(crate) fn queue_wait_max(&mut self, interaction_id: InteractionId) {
        let Some(interaction) = self.interactions.get_mut(&interaction_id) else {
            return;
        };
        interaction.wait_timer = None;
        let (Phase::Queued, Some(queue)) = (interaction.phase, interaction.queue) else {
            return;
        };
        let Some(overflow) = self.config.queue(queue).and_then(|q| q.overflow) else {
            return;
        };
        let place = interaction.place;
        self.dequeue(interaction_id);
        self.enqueue(interaction_id, overflow, place);
    }
}
