//! Wrap-up: what an agent owes after a call, automatic wrap-up, and when an ended contact is
//! forgotten (R36).

use crate::core::contact::Phase;
use crate::core::engine::Engine;
use crate::core::timers::Timer;
use crate::ids::{AgentId, InteractionId};
use crate::io::{DesktopEvent, EndReason, Recipient, Record};
use crate::reject::{Rejection, Rule};

impl Engine {
    pub(crate) fn require_wrapup(
        &mut self,
        agent_id: AgentId,
        interaction_id: InteractionId,
        reason: EndReason,
    ) {
        self.interactions
            .get_mut(&interaction_id)
            .expect("exists")
            .pending_wrapups += 1;
        self.agents
            .get_mut(&agent_id)
            .expect("exists")
            .wrapups
            .push(interaction_id);
        self.desktop(
            Recipient::Agent(agent_id),
            DesktopEvent::CallEnded {
                interaction: interaction_id,
                reason,
            },
        );
        let reasons = self.wrapup_reasons(interaction_id);
        self.desktop(
            Recipient::Agent(agent_id),
            DesktopEvent::WrapUpRequired {
                interaction: interaction_id,
                reasons,
            },
        );
        if let Some(auto) = &self.config.org.auto_wrapup {
            let at_mono_ms = self.now.mono_ms + auto.after_ms;
            self.set_timer(
                at_mono_ms,
                Timer::AutoWrapUp {
                    agent: agent_id,
                    interaction: interaction_id,
                },
            );
        }
        self.refresh_agent(agent_id);
    }

    /// The organisation's automatic wrap-up is due (R36): submitted as the agent would, unless
    /// the agent already did or the organisation turned it off since; a reason the queue no
    /// longer offers leaves the wrap-up to the agent.
    pub(crate) fn auto_wrapup_due(&mut self, agent_id: AgentId, interaction_id: InteractionId) {
        let Some(reason) = self
            .config
            .org
            .auto_wrapup
            .as_ref()
            .map(|a| a.reason.clone())
        else {
            return;
        };
        let pending = self
            .agents
            .get(&agent_id)
            .is_some_and(|agent| agent.wrapups.contains(&interaction_id));
        if pending {
            // A refusal (the queue no longer offers the reason) changes nothing.
            let _ = self.submit_wrapup(agent_id, interaction_id, &reason, true);
        }
    }

    /// Submits `agent_id`'s wrap-up of `interaction_id`; `automatic` when the organisation's
    /// automatic wrap-up submits it rather than the agent.
    pub(crate) fn submit_wrapup(
        &mut self,
        agent_id: AgentId,
        interaction_id: InteractionId,
        reason: &str,
        automatic: bool,
    ) -> Result<(), Rejection> {
        let agent = &self.agents[&agent_id];
        let Some(position) = agent.wrapups.iter().position(|&i| i == interaction_id) else {
            return Err(Rejection::rule(
                Rule::R36,
                format!("{agent_id} has no wrap-up pending for {interaction_id}"),
            ));
        };
        let reasons = self.wrapup_reasons(interaction_id);
        if !reasons.iter().any(|r| r.code == reason) {
            let codes: Vec<&str> = reasons.iter().map(|r| r.code.as_str()).collect();
            return Err(Rejection::rule(
                Rule::R36,
                format!("unknown wrap-up reason {reason:?}; one of {codes:?}"),
            ));
        }
        self.agents
            .get_mut(&agent_id)
            .expect("exists")
            .wrapups
            .remove(position);
        let at_unix_ms = self.now.unix_ms;
        self.record(Record::WrapUp {
            interaction: interaction_id,
            agent: agent_id,
            reason: reason.to_owned(),
            automatic,
            at_unix_ms,
        });
        self.desktop(
            Recipient::Agent(agent_id),
            DesktopEvent::WrapUpDone {
                interaction: interaction_id,
            },
        );
        self.interactions
            .get_mut(&interaction_id)
            .expect("pending wrap-up keeps it")
            .pending_wrapups -= 1;
        let interaction = &self.interactions[&interaction_id];
        if interaction.phase == Phase::Ended && interaction.pending_wrapups == 0 {
            // R37: the call is handled, its last wrap-up submitted.
            self.count_handled(interaction_id);
        }
        self.forget_if_done(interaction_id);
        self.refresh_agent(agent_id);
        Ok(())
    }

    pub(crate) fn wrapup_reasons(&self, interaction_id: InteractionId) -> Vec<crate::Reason> {
        let codes = self.interactions[&interaction_id]
            .queue
            .and_then(|q| self.config.queue(q))
            .map(|q| q.wrapup_reasons.clone())
            .unwrap_or_default();
        self.config
            .wrapup_reasons
            .iter()
            .filter(|r| codes.is_empty() || codes.contains(&r.code))
            .cloned()
            .collect()
    }

    pub(crate) fn forget_if_done(&mut self, interaction_id: InteractionId) {
        let interaction = &self.interactions[&interaction_id];
        if interaction.phase == Phase::Ended && interaction.pending_wrapups == 0 {
            self.interactions.remove(&interaction_id);
        }
    }
}
