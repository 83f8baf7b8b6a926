//! Callbacks: dialling the customer once an agent answered, retries, giving up, cancelling,
//! and the courtesy callback offered while waiting (R37–R40, R42).

use crate::config::Flow;
use crate::core::contact::{Interaction, Phase};
use crate::core::engine::Engine;
use crate::core::expected_wait::{ExpectedWait, expected_wait};
use crate::core::routing::Place;
use crate::core::timers::Timer;
use crate::dial::DialNumber;
use crate::ids::QueueId;
use crate::ids::{AgentId, InteractionId};
use crate::io::{DesktopEvent, EndReason, InteractionKind, Prompt, Recipient, TelephonyCommand};
use crate::reject::{Rejection, Rule};
use crate::voice::legs::LegRole;
use std::collections::BTreeMap;

pub(crate) fn interaction_queue(interaction: &Interaction) -> QueueId {
    interaction.queue.expect("callbacks come from a queue")
}

impl Engine {
    /// R38/R42: the agent answered; now dial the customer.
    pub(crate) fn dial_customer(&mut self, interaction_id: InteractionId) {
        let interaction = &self.interactions[&interaction_id];
        let (agent_id, _) = interaction.owner.expect("answered by its owner");
        let kind = interaction.kind;
        let number = interaction
            .customer_number
            .as_deref()
            .and_then(|n| DialNumber::parse(n).ok());
        let limit = self.check_call_limit();
        let Some(number) = number.filter(|_| limit.is_ok()) else {
            self.desktop(
                Recipient::Agent(agent_id),
                DesktopEvent::LimitReached { code: "R2" },
            );
            if kind == InteractionKind::Outdial {
                self.end_interaction(interaction_id, EndReason::LimitReached);
            } else {
                self.release_owner(interaction_id);
                let interaction = &self.interactions[&interaction_id];
                let (queue, place) = (interaction_queue(interaction), interaction.place);
                self.enqueue(interaction_id, queue, place);
            }
            return;
        };
        let leg = self.dial(interaction_id, number, LegRole::Customer);
        let cancellable =
            kind == InteractionKind::WebCallback && self.config.org.web_callback_cancel;
        let interaction = self.interactions.get_mut(&interaction_id).expect("exists");
        interaction.voice.customer_leg = Some(leg);
        interaction.phase = Phase::Dialing { leg };
        let attempt =
            (kind != InteractionKind::Outdial).then_some(interaction.voice.callback_attempts + 1);
        self.desktop(
            Recipient::Agent(agent_id),
            DesktopEvent::CallbackDialing {
                interaction: interaction_id,
                cancellable,
            },
        );
        let state = self.interactions[&interaction_id].phase.name();
        self.record_attempt_state(interaction_id, state, Some(agent_id), attempt);
    }

    pub(crate) fn customer_not_answered(&mut self, interaction_id: InteractionId) {
        let interaction = self.interactions.get_mut(&interaction_id).expect("exists");
        if interaction.kind == InteractionKind::Outdial {
            self.end_interaction(interaction_id, EndReason::CustomerNotAnswered);
            return;
        }
        // R40: the callback goes back to the queue after its queue's spacing, until its
        // attempts are used up.
        interaction.voice.callback_attempts += 1;
        let attempt = interaction.voice.callback_attempts;
        let queue = interaction_queue(interaction);
        self.release_owner(interaction_id);
        if attempt >= self.config.callback_attempts_max(queue) {
            self.end_interaction(interaction_id, EndReason::CallbackNotAnswered);
            return;
        }
        self.record_attempt_state(interaction_id, "retry_wait", None, Some(attempt));
        let retry_after_ms = self.config.callback_retry_after_ms(queue);
        if retry_after_ms == 0 {
            let place = self.interactions[&interaction_id].place;
            self.enqueue(interaction_id, queue, place);
            return;
        }
        let timer = self.set_timer(
            self.now.mono_ms + retry_after_ms,
            Timer::CallbackRetry {
                interaction: interaction_id,
            },
        );
        self.interactions
            .get_mut(&interaction_id)
            .expect("exists")
            .phase = Phase::RetryWait { timer };
    }

    /// The retry spacing is over: the callback goes back to its queue at its original place,
    /// ahead of whoever came later (R12, R40).
    pub(crate) fn callback_retry_due(&mut self, interaction_id: InteractionId) {
        let Some(interaction) = self.interactions.get(&interaction_id) else {
            return;
        };
        if !matches!(interaction.phase, Phase::RetryWait { .. }) {
            return;
        }
        let (queue, place) = (interaction_queue(interaction), interaction.place);
        self.enqueue(interaction_id, queue, place);
    }

    /// Callbacks no agent is working on that have been dialled before, each with the most
    /// attempts its queue allows now: what [`Engine::give_up_spent_callbacks`] compares after a
    /// configuration change.
    pub(crate) fn waiting_callback_attempts(&self) -> Vec<(InteractionId, u32)> {
        let mut waiting: Vec<(InteractionId, u32)> = self
            .interactions
            .iter()
            .filter(|(_, i)| matches!(i.phase, Phase::Queued | Phase::RetryWait { .. }))
            .filter(|(_, i)| i.voice.callback_attempts > 0)
            .filter_map(|(&id, i)| Some((id, self.config.callback_attempts_max(i.queue?))))
            .collect();
        waiting.sort_unstable();
        waiting
    }

    /// After a configuration change, each waiting callback whose attempts the change used up
    /// (it allows fewer than were already made) is given up (R40); a callback being offered or
    /// dialled finishes its attempt first, and a spacing change applies from the next attempt.
    pub(crate) fn give_up_spent_callbacks(&mut self, waiting: Vec<(InteractionId, u32)>) {
        for (interaction_id, attempts_max_before) in waiting {
            let interaction = &self.interactions[&interaction_id];
            let attempts = interaction.voice.callback_attempts;
            let attempts_max = self
                .config
                .callback_attempts_max(interaction_queue(interaction));
            if attempts < attempts_max_before && attempts >= attempts_max {
                self.end_interaction(interaction_id, EndReason::CallbackNotAnswered);
            }
        }
    }

    pub(crate) fn cancel_callback(
        &mut self,
        agent_id: AgentId,
        interaction_id: InteractionId,
    ) -> Result<(), Rejection> {
        let interaction = self.interaction(interaction_id)?;
        if interaction.owner.map(|(a, _)| a) != Some(agent_id) {
            return Err(Rejection::not_yours(format!(
                "{interaction_id} is not {agent_id}'s call"
            )));
        }
        if interaction.kind != InteractionKind::WebCallback || !self.config.org.web_callback_cancel
        {
            return Err(Rejection::rule(
                Rule::R39,
                "only web callbacks can be cancelled, if the organisation allows it",
            ));
        }
        if !matches!(interaction.phase, Phase::Dialing { .. }) {
            return Err(Rejection::rule(
                Rule::R39,
                "a callback can be cancelled only before the customer answers",
            ));
        }
        self.end_interaction(interaction_id, EndReason::CallbackCancelled);
        Ok(())
    }

    pub(crate) fn offer_courtesy_callback(&mut self, interaction_id: InteractionId) {
        let Some(interaction) = self.interactions.get_mut(&interaction_id) else {
            return;
        };
        interaction.voice.courtesy_timer = None;
        interaction.voice.courtesy_due = false;
        // Only a caller whose number can be dialled can be called back (R37, R30).
        let diallable = interaction
            .customer_number
            .as_deref()
            .is_some_and(|n| DialNumber::parse(n).is_ok());
        if interaction.kind != InteractionKind::Inbound || !diallable {
            return;
        }
        if matches!(interaction.phase, Phase::Offered { .. }) {
            // The caller still waits; if the agent does not answer, offer it then (R12).
            interaction.voice.courtesy_due = true;
            return;
        }
        if let (Phase::Queued, Some(leg)) = (interaction.phase, interaction.voice.customer_leg) {
            interaction.voice.courtesy_offered = true;
            self.telephony(TelephonyCommand::PlayPrompt {
                leg,
                prompt: Prompt::CourtesyCallbackOffer,
            });
        }
    }

    /// R37: a caller who joins a queue outside its opening hours, or whose expected wait is
    /// longer than the flow's threshold, is offered the courtesy callback at once, unless an
    /// agent is free to take the call now. The fixed wait's timer is then not needed.
    pub(crate) fn courtesy_on_arrival(&mut self, interaction_id: InteractionId, flow: &Flow) {
        let interaction = &self.interactions[&interaction_id];
        let (Phase::Queued, Some(queue), Some(place)) =
            (interaction.phase, interaction.queue, interaction.place)
        else {
            return;
        };
        let closed = !self.config.queue_open(queue, self.now.unix_ms);
        if closed || self.expected_wait_too_long(queue, place, flow) {
            self.courtesy_now(interaction_id, queue, place);
        }
    }

    /// R37: an agent stopped serving (Idle, RONA, logged out), so the callers still waiting
    /// who were not offered a callback are estimated again against their flow's threshold.
    /// Per queue: one count of its agents and its average, then its callers in order.
    pub(crate) fn recheck_expected_waits(&mut self) {
        let mut by_queue: BTreeMap<QueueId, Vec<(Place, InteractionId)>> = BTreeMap::new();
        for (queue, place, interaction_id) in self.router.waiting() {
            by_queue
                .entry(queue)
                .or_default()
                .push((place, interaction_id));
        }
        for (queue, mut waiting) in by_queue {
            waiting.sort_unstable();
            let mut estimate: Option<(usize, Option<u64>)> = None;
            let mut due = Vec::new();
            for (index, &(place, interaction_id)) in waiting.iter().enumerate() {
                let interaction = &self.interactions[&interaction_id];
                let not_offered = interaction.kind == InteractionKind::Inbound
                    && !interaction.voice.courtesy_offered
                    && !interaction.voice.courtesy_due;
                let threshold_ms = interaction
                    .entry_point
                    .and_then(|ep| self.config.entry_point(ep))
                    .and_then(|ep| ep.flow.courtesy_callback_expected_wait_ms);
                let Some(threshold_ms) = threshold_ms.filter(|_| not_offered) else {
                    continue;
                };
                let (n_agents, average_ms) = *estimate.get_or_insert_with(|| {
                    (
                        self.n_agents_serving(queue),
                        self.average_handle_ms_today(queue),
                    )
                });
                if too_long(expected_wait(index + 1, n_agents, average_ms), threshold_ms) {
                    due.push((interaction_id, place));
                }
            }
            for (interaction_id, place) in due {
                self.courtesy_now(interaction_id, queue, place);
            }
        }
    }

    fn expected_wait_too_long(&self, queue: QueueId, place: Place, flow: &Flow) -> bool {
        flow.courtesy_callback_expected_wait_ms
            .is_some_and(|threshold_ms| too_long(self.expected_wait(queue, place), threshold_ms))
    }

    /// Offers the courtesy callback now unless an agent is free to take the call now.
    fn courtesy_now(&mut self, interaction_id: InteractionId, queue: QueueId, place: Place) {
        if self.router.best_agent_for(queue, place).is_some() {
            return;
        }
        let timer = self
            .interactions
            .get_mut(&interaction_id)
            .expect("exists")
            .voice
            .courtesy_timer
            .take();
        self.stop_timer(timer);
        self.offer_courtesy_callback(interaction_id);
    }
}

/// Whether an expected wait passes a threshold: an unbounded one does, an unknown one not.
fn too_long(wait: ExpectedWait, threshold_ms: u64) -> bool {
    match wait {
        ExpectedWait::Unbounded => true,
        ExpectedWait::Unknown => false,
        ExpectedWait::Ms(ms) => ms > threshold_ms,
    }
}
