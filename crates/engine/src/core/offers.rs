//! Offers and RONA: a contact reserved for an agent, the popovers, and what happens when the
//! agent does not answer (R4, R6, R7, R12).

use crate::config::Channel;
use crate::core::agents::{AgentState, SlotRole};
use crate::core::contact::Phase;
use crate::core::engine::Engine;
use crate::ids::{AgentId, InteractionId};
use crate::io::{DesktopEvent, Recipient};
use crate::reject::{Rejection, Rule};

impl Engine {
    /// Offers a queued contact to an available agent: connect popover, contact-request
    /// popover, the phone rings, the RONA timer runs (R6, R7, R13).
    pub(crate) fn offer(&mut self, interaction_id: InteractionId, agent_id: AgentId) {
        debug_assert_eq!(self.interactions[&interaction_id].phase, Phase::Queued);
        debug_assert!(self.is_offerable(&self.agents[&agent_id]));
        self.dequeue(interaction_id);
        self.ring_offer(interaction_id, agent_id);
    }

    pub(crate) fn ring_offer(&mut self, interaction_id: InteractionId, agent_id: AgentId) {
        let leg = self.ring_agent(interaction_id, agent_id, SlotRole::Offered);
        let interaction = self
            .interactions
            .get_mut(&interaction_id)
            .expect("interaction exists");
        interaction.phase = Phase::Offered {
            agent: agent_id,
            leg,
        };
        self.desktop(
            Recipient::Agent(agent_id),
            DesktopEvent::Reserved {
                interaction: interaction_id,
                channel: Channel::Voice,
            },
        );
        let offer = self.offer_view(interaction_id, self.rona_timeout_ms(interaction_id));
        self.desktop(
            Recipient::Agent(agent_id),
            DesktopEvent::Offer(Box::new(offer)),
        );
        self.record_phase(interaction_id, Some(agent_id));
    }

    pub(crate) fn rona_timeout_ms(&self, interaction_id: InteractionId) -> u64 {
        self.interactions[&interaction_id]
            .queue
            .and_then(|q| self.config.queue(q))
            .and_then(|q| q.rona_timeout_ms)
            .unwrap_or(self.config.org.rona_timeout_ms)
    }

    pub(crate) fn rona(&mut self, agent_id: AgentId, interaction_id: InteractionId) {
        self.clear_slot(agent_id);
        self.desktop(
            Recipient::Agent(agent_id),
            DesktopEvent::Rona {
                interaction: interaction_id,
            },
        );
        self.record_state(interaction_id, "rona", Some(agent_id));
        self.set_agent_state(agent_id, AgentState::Rona);
    }

    pub(crate) fn clear_slot(&mut self, agent_id: AgentId) {
        self.agents.get_mut(&agent_id).expect("exists").voice = None;
        self.refresh_agent(agent_id);
    }

    pub(crate) fn accept(
        &mut self,
        agent_id: AgentId,
        interaction_id: InteractionId,
    ) -> Result<(), Rejection> {
        let interaction = self.interaction(interaction_id)?;
        if interaction.channel == Channel::Voice {
            return Err(Rejection::rule(
                Rule::R13,
                "a voice call is accepted by answering the phone",
            ));
        }
        Err(Rejection::not_yours(format!(
            "{interaction_id} is not offered to {agent_id}"
        )))
    }
}
