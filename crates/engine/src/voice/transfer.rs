//! Blind transfer to an agent, a queue or entry point, or a number, and a transfer nobody
//! answers (R27–R29).

use crate::config::Channel;
use crate::core::agents::SlotRole;
use crate::core::contact::Phase;
use crate::core::engine::Engine;
use crate::ids::{AgentId, InteractionId};
use crate::io::{DesktopEvent, EndReason, Recipient, Target, TelephonyCommand};
use crate::reject::{Rejection, Rule};
use crate::voice::consult::{Destination, cite_instead};
use crate::voice::legs::LegRole;

impl Engine {
    pub(crate) fn transfer(
        &mut self,
        agent_id: AgentId,
        interaction_id: InteractionId,
        target: Target,
    ) -> Result<(), Rejection> {
        // R27: a blind transfer is only possible after the call was accepted.
        let interaction = self
            .owned_call(agent_id, interaction_id, Rule::R26, "transfer")
            .map_err(|r| cite_instead(r, Rule::R14, Rule::R27))?;
        if interaction.consult().is_some() {
            return Err(Rejection::rule(
                Rule::R23,
                "end the consult first, or transfer to the consulted party",
            ));
        }
        if let Some(action) = self.transfer_action(&target) {
            self.check_allowed(agent_id, action)?;
        }
        let destination = self.resolve(agent_id, target, false)?;
        let customer_leg = self.interactions[&interaction_id]
            .voice
            .customer_leg
            .expect("connected");
        self.interactions
            .get_mut(&interaction_id)
            .expect("exists")
            .transferred_by = Some(agent_id);
        // R29: after any transfer the transferring agent wraps up.
        self.release_owner_with_wrapup(interaction_id, EndReason::Transferred);
        self.telephony(TelephonyCommand::Hold { leg: customer_leg });
        match destination {
            Destination::Agent(target) => {
                let leg = self.ring_agent(interaction_id, target, SlotRole::TransferTarget);
                self.interactions
                    .get_mut(&interaction_id)
                    .expect("exists")
                    .phase = Phase::Transferring {
                    leg,
                    agent: Some(target),
                };
                self.desktop(
                    Recipient::Agent(target),
                    DesktopEvent::Reserved {
                        interaction: interaction_id,
                        channel: Channel::Voice,
                    },
                );
                let offer = self.offer_view(interaction_id, self.rona_timeout_ms(interaction_id));
                self.desktop(
                    Recipient::Agent(target),
                    DesktopEvent::Offer(Box::new(offer)),
                );
                self.record_phase(interaction_id, Some(target));
            }
            Destination::Queue { queue, entry_point } => {
                let interaction = self.interactions.get_mut(&interaction_id).expect("exists");
                if entry_point.is_some() {
                    // R29: never routed back to the agent who transferred it.
                    if !interaction.excluded.contains(&agent_id) {
                        interaction.excluded.push(agent_id);
                    }
                    interaction.entry_point = entry_point;
                }
                self.enqueue(interaction_id, queue, None);
            }
            Destination::Number(number) => {
                let leg = self.dial(interaction_id, number, LegRole::External);
                self.interactions
                    .get_mut(&interaction_id)
                    .expect("exists")
                    .phase = Phase::Transferring { leg, agent: None };
                self.record_phase(interaction_id, None);
            }
        }
        Ok(())
    }

    pub(crate) fn transfer_not_answered(&mut self, interaction_id: InteractionId) {
        let interaction = &self.interactions[&interaction_id];
        match (self.config.org.transfer_no_answer, interaction.queue) {
            (crate::TransferNoAnswer::Requeue, Some(queue)) => {
                let place = interaction.place;
                self.enqueue(interaction_id, queue, place);
            }
            _ => self.end_interaction(interaction_id, EndReason::TransferNotAnswered),
        }
    }
}
