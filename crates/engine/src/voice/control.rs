//! The owner's controls on a connected call: hold and resume, End, and who is on the call
//! (R14, R15, R25, R26, R36).

use crate::core::contact::{Interaction, Phase};
use crate::core::engine::Engine;
use crate::ids::{AgentId, InteractionId};
use crate::io::{DesktopEvent, EndReason, InteractionKind, Party, Recipient, TelephonyCommand};
use crate::reject::{Rejection, Rule};

/// Who is on hold: the customer, and the consulted party if there is one (R15).
pub(crate) fn hold_state(interaction: &Interaction) -> (bool, Option<bool>) {
    match interaction.consult() {
        None => (interaction.customer_held(), None),
        Some(c) if c.conference => (false, Some(false)),
        Some(c) => (
            c.active == Party::Consulted,
            Some(c.accepted && c.active == Party::Customer),
        ),
    }
}

impl Engine {
    /// Checks that `agent` owns the connected call; `consulted_rule` names the rule that keeps
    /// a consulted agent from doing `action`.
    pub(crate) fn owned_call(
        &self,
        agent_id: AgentId,
        interaction_id: InteractionId,
        consulted_rule: Rule,
        action: &str,
    ) -> Result<&Interaction, Rejection> {
        let interaction = self.interaction(interaction_id)?;
        if interaction
            .consult()
            .is_some_and(|c| c.agent == Some(agent_id))
        {
            return Err(Rejection::rule(
                consulted_rule,
                format!("the consulted agent cannot {action}"),
            ));
        }
        if interaction.owner.map(|(agent, _)| agent) != Some(agent_id) {
            if matches!(interaction.phase, Phase::Offered { agent, .. } if agent == agent_id) {
                return Err(Rejection::rule(
                    Rule::R14,
                    format!("answer the call before you {action}"),
                ));
            }
            return Err(Rejection::not_yours(format!(
                "{interaction_id} is not {agent_id}'s call"
            )));
        }
        if !interaction.is_connected() {
            return Err(Rejection::rule(
                Rule::R14,
                format!("cannot {action} before the customer is connected"),
            ));
        }
        Ok(interaction)
    }

    pub(crate) fn hold(
        &mut self,
        agent_id: AgentId,
        interaction_id: InteractionId,
        party: Party,
        hold: bool,
    ) -> Result<(), Rejection> {
        let action = if hold {
            "put a party on hold"
        } else {
            "resume a party"
        };
        let interaction = self.owned_call(agent_id, interaction_id, Rule::R26, action)?;
        let customer_leg = interaction.voice.customer_leg.expect("connected");
        let (_, owner_leg) = interaction.owner.expect("owned");
        let Some(consult) = interaction.consult() else {
            if party == Party::Consulted {
                return Err(Rejection::invalid("there is no consult"));
            }
            if interaction.customer_held() == hold {
                let state = if hold { "already" } else { "not" };
                return Err(Rejection::rule(
                    Rule::R14,
                    format!("the call is {state} on hold"),
                ));
            }
            if hold {
                self.telephony(TelephonyCommand::Hold { leg: customer_leg });
            } else {
                self.telephony(TelephonyCommand::Bridge {
                    a: customer_leg,
                    b: owner_leg,
                });
            }
            self.interactions
                .get_mut(&interaction_id)
                .expect("exists")
                .set_customer_held(hold);
            self.hold_changed(interaction_id);
            self.record_state(
                interaction_id,
                if hold { "held" } else { "resumed" },
                Some(agent_id),
            );
            return Ok(());
        };
        if consult.conference {
            return Err(Rejection::invalid("nobody is on hold in a conference"));
        }
        // R15: holding one side of a consult is talking to the other.
        let talk_to = match (party, hold) {
            (Party::Customer, false) | (Party::Consulted, true) => Party::Customer,
            (Party::Customer, true) | (Party::Consulted, false) => Party::Consulted,
        };
        if consult.active == talk_to {
            return Err(Rejection::rule(
                Rule::R15,
                "that party is already in that state",
            ));
        }
        match talk_to {
            Party::Customer => {
                self.telephony(TelephonyCommand::Bridge {
                    a: customer_leg,
                    b: owner_leg,
                });
                if consult.accepted {
                    self.telephony(TelephonyCommand::Hold { leg: consult.leg });
                }
            }
            Party::Consulted => {
                self.telephony(TelephonyCommand::Hold { leg: customer_leg });
                if consult.accepted {
                    self.telephony(TelephonyCommand::Bridge {
                        a: owner_leg,
                        b: consult.leg,
                    });
                }
            }
        }
        let interaction = self.interactions.get_mut(&interaction_id).expect("exists");
        interaction.consult_mut().expect("consult").active = talk_to;
        self.hold_changed(interaction_id);
        Ok(())
    }

    pub(crate) fn hold_changed(&mut self, interaction_id: InteractionId) {
        let interaction = &self.interactions[&interaction_id];
        let (customer_held, consulted_held) = hold_state(interaction);
        let event = DesktopEvent::HoldChanged {
            interaction: interaction_id,
            customer_held,
            consulted_held,
        };
        for agent in self.participants(interaction_id) {
            self.desktop(Recipient::Agent(agent), event.clone());
        }
    }

    /// Agents on the call now: the owner and an accepted consulted agent.
    pub(crate) fn participants(&self, interaction_id: InteractionId) -> Vec<AgentId> {
        let interaction = &self.interactions[&interaction_id];
        let consulted = interaction
            .consult()
            .filter(|c| c.accepted)
            .and_then(|c| c.agent);
        interaction
            .owner
            .map(|(agent, _)| agent)
            .into_iter()
            .chain(consulted)
            .collect()
    }

    pub(crate) fn end(
        &mut self,
        agent_id: AgentId,
        interaction_id: InteractionId,
    ) -> Result<(), Rejection> {
        let interaction = self.interaction(interaction_id)?;
        let dialing_outdial = matches!(interaction.phase, Phase::Dialing { .. })
            && interaction.kind == InteractionKind::Outdial
            && interaction.owner.map(|(a, _)| a) == Some(agent_id);
        if !dialing_outdial {
            let interaction =
                self.owned_call(agent_id, interaction_id, Rule::R26, "end the interaction")?;
            if interaction.customer_held() && interaction.consult().is_none() {
                return Err(Rejection::rule(
                    Rule::R14,
                    "End is disabled while the call is on hold",
                ));
            }
        }
        let (_, owner_leg) = self.interactions[&interaction_id].owner.expect("owned");
        self.hang_up(owner_leg);
        self.owner_leaves(interaction_id, EndReason::AgentEnded);
        Ok(())
    }
}
