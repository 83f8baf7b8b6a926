//! Consults: targets, ringing the consulted party, accepting, failing, ending, consult transfer
//! and conference (R15–R26).

use crate::config::Channel;
use crate::core::agents::{AgentState, SlotRole};
use crate::core::engine::Engine;
use crate::dial::DialNumber;
use crate::ids::{AgentId, EntryPointId, InteractionId, LegId};
use crate::io::{DesktopEvent, EndReason, FailCause, Party, Recipient, Target, TelephonyCommand};
use crate::reject::{Rejection, Rule};
use crate::voice::legs::LegRole;

/// A consult in progress (R16–R26).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(crate) struct Consult {
    pub(crate) agent: Option<AgentId>,
    pub(crate) leg: LegId,
    pub(crate) accepted: bool,
    /// Whom agent 1 talks to; the other is on hold (R15).
    pub(crate) active: Party,
    pub(crate) conference: bool,
}

/// Where a consult or transfer goes once its target is resolved.
pub(crate) enum Destination {
    Agent(AgentId),
    Queue {
        queue: crate::ids::QueueId,
        entry_point: Option<EntryPointId>,
    },
    Number(DialNumber),
}

/// A rejection citing rule `from` re-cited as rule `to` (the same check guards several
/// actions, each with its own rule).
pub(crate) fn cite_instead(rejection: Rejection, from: Rule, to: Rule) -> Rejection {
    if rejection.code == crate::reject::Code::Rule(from) {
        Rejection::rule(to, rejection.message)
    } else {
        rejection
    }
}

impl Engine {
    pub(crate) fn consult(
        &mut self,
        agent_id: AgentId,
        interaction_id: InteractionId,
        target: Target,
    ) -> Result<(), Rejection> {
        // R16: a consult is only possible during an active (answered) call.
        let interaction = self
            .owned_call(agent_id, interaction_id, Rule::R26, "start a consult")
            .map_err(|r| cite_instead(r, Rule::R14, Rule::R16))?;
        // R43: the team's desktop profile may not allow consulting at all.
        self.check_allowed(agent_id, crate::config::DesktopAction::Consult)?;
        if interaction.consult().is_some() {
            return Err(Rejection::rule(
                Rule::R16,
                "a consult is already in progress",
            ));
        }
        let destination = self.resolve(agent_id, target, true)?;
        let interaction = &self.interactions[&interaction_id];
        let customer_leg = interaction.voice.customer_leg.expect("connected");
        let customer_held = interaction.customer_held();
        let (leg, agent, via_entry_point) = match destination {
            Destination::Agent(target) => (
                self.ring_agent(
                    interaction_id,
                    target,
                    SlotRole::Consulted { accepted: false },
                ),
                Some(target),
                false,
            ),
            Destination::Queue { queue, entry_point } => {
                let target = self.router.best_agent(queue, &[agent_id]).ok_or_else(|| {
                    Rejection::rule(Rule::R21, "no agent is available there to consult")
                })?;
                let leg = self.ring_agent(
                    interaction_id,
                    target,
                    SlotRole::Consulted { accepted: false },
                );
                (leg, Some(target), entry_point.is_some())
            }
            Destination::Number(number) => (
                self.dial(interaction_id, number, LegRole::External),
                None,
                false,
            ),
        };
        if !customer_held {
            self.telephony(TelephonyCommand::Hold { leg: customer_leg });
        }
        let interaction = self.interactions.get_mut(&interaction_id).expect("exists");
        interaction.set_customer_held(false);
        interaction.start_consult(Consult {
            agent,
            leg,
            accepted: false,
            active: Party::Consulted,
            conference: false,
        });
        if let Some(target) = agent {
            let view = self.consult_offer_view(interaction_id, agent_id, via_entry_point);
            self.desktop(
                Recipient::Agent(target),
                DesktopEvent::ConsultOffer(Box::new(view)),
            );
        }
        self.desktop(
            Recipient::Agent(agent_id),
            DesktopEvent::ConsultRequested {
                interaction: interaction_id,
            },
        );
        self.hold_changed(interaction_id);
        self.record_state(interaction_id, "consulting", agent);
        Ok(())
    }

    /// Turns a consult or transfer target into a destination, checking R16/R20/R21/R27/R28/R30.
    pub(crate) fn resolve(
        &self,
        agent_id: AgentId,
        target: Target,
        consult: bool,
    ) -> Result<Destination, Rejection> {
        let rule = if consult { Rule::R16 } else { Rule::R27 };
        match target {
            Target::Agent(target) => {
                if target == agent_id {
                    return Err(Rejection::invalid(
                        "you cannot consult or transfer to yourself",
                    ));
                }
                let agent = self
                    .agents
                    .get(&target)
                    .ok_or_else(|| Rejection::not_found(format!("no agent {target}")))?;
                let name = &self.config.agent(target).expect("exists").name;
                if !consult && !agent.wrapups.is_empty() {
                    return Err(Rejection::rule(Rule::R28, format!("{name} is in wrap-up")));
                }
                let free =
                    agent.voice.is_none() && agent.wrapups.is_empty() && agent.session.is_some();
                let state_ok = match agent.state {
                    AgentState::Available => true,
                    AgentState::Idle(_) => consult,
                    AgentState::LoggedOut | AgentState::Rona => false,
                };
                if !free || !state_ok {
                    let allowed = if consult {
                        "Available or Idle"
                    } else {
                        "Available"
                    };
                    return Err(Rejection::rule(
                        rule,
                        format!("{name} is not {allowed} and free"),
                    ));
                }
                let extension = &agent.session.as_ref().expect("logged in").extension;
                if !self.registered.contains(extension) {
                    return Err(Rejection::rule(
                        Rule::R21,
                        format!("{name}'s phone is not registered"),
                    ));
                }
                Ok(Destination::Agent(target))
            }
            Target::Queue(queue) => {
                let found = self
                    .config
                    .queue(queue)
                    .ok_or_else(|| Rejection::not_found(format!("no queue {queue}")))?;
                // A voice call waits only where voice agents are offered it.
                if found.channel != Channel::Voice {
                    return Err(Rejection::rule(
                        rule,
                        format!("{} is not a voice queue", found.name),
                    ));
                }
                Ok(Destination::Queue {
                    queue,
                    entry_point: None,
                })
            }
            Target::EntryPoint(entry_point) => {
                let ep = self
                    .config
                    .entry_point(entry_point)
                    .ok_or_else(|| Rejection::not_found(format!("no entry point {entry_point}")))?;
                Ok(Destination::Queue {
                    queue: ep.flow.queue,
                    entry_point: Some(entry_point),
                })
            }
            Target::DialNumber(text) => {
                let number = DialNumber::parse(&text)
                    .map_err(|e| Rejection::rule(Rule::R30, e.to_string()))?;
                if let Some(&entry_point) = self.ep_by_digits.get(&number.digits()) {
                    // R20: a configured entry-point number goes to that entry point.
                    return self.resolve(agent_id, Target::EntryPoint(entry_point), consult);
                }
                self.check_call_limit()?;
                Ok(Destination::Number(number))
            }
            Target::Expert(expert) => {
                let found = self.config.experts.iter().find(|e| e.id == expert);
                let found =
                    found.ok_or_else(|| Rejection::not_found(format!("no expert {expert}")))?;
                let number = found.work_phone.clone().ok_or_else(|| {
                    Rejection::rule(rule, format!("{} has no work phone", found.first_name))
                })?;
                self.check_call_limit()?;
                Ok(Destination::Number(number))
            }
        }
    }

    pub(crate) fn consult_answered(&mut self, interaction_id: InteractionId) {
        let interaction = self.interactions.get_mut(&interaction_id).expect("exists");
        let consult = interaction.consult_mut().expect("consulting");
        consult.accepted = true;
        let consult = *consult;
        let (owner, owner_leg) = interaction.owner.expect("owned");
        if let Some(target) = consult.agent {
            interaction.agents.push(target);
            let slot = self
                .agents
                .get_mut(&target)
                .expect("exists")
                .voice
                .as_mut()
                .expect("ringing");
            slot.role = SlotRole::Consulted { accepted: true };
            let at_unix_ms = self.now.unix_ms;
            self.desktop(
                Recipient::Agent(target),
                DesktopEvent::Connected {
                    interaction: interaction_id,
                    at_unix_ms,
                },
            );
        }
        match consult.active {
            Party::Consulted => self.telephony(TelephonyCommand::Bridge {
                a: owner_leg,
                b: consult.leg,
            }),
            Party::Customer => self.telephony(TelephonyCommand::Hold { leg: consult.leg }),
        }
        self.desktop(
            Recipient::Agent(owner),
            DesktopEvent::ConsultAccepted {
                interaction: interaction_id,
            },
        );
        self.hold_changed(interaction_id);
        self.record_state(interaction_id, "consult_accepted", consult.agent);
    }

    /// R21: the consulted party did not answer or its phone failed.
    pub(crate) fn consult_failed(&mut self, interaction_id: InteractionId, cause: FailCause) {
        let interaction = self.interactions.get_mut(&interaction_id).expect("exists");
        let consult = interaction.take_consult().expect("consulting");
        // The customer stays on hold if agent 1 was waiting for the consulted party.
        interaction.set_customer_held(consult.active == Party::Consulted);
        let (owner, _) = interaction.owner.expect("owned");
        if let Some(target) = consult.agent {
            self.rona(target, interaction_id);
        }
        let reason = format!("R21: the consulted party did not answer ({cause:?})");
        self.desktop(
            Recipient::Agent(owner),
            DesktopEvent::ConsultFailed {
                interaction: interaction_id,
                reason,
            },
        );
        self.hold_changed(interaction_id);
        self.record_state(interaction_id, "consult_failed", consult.agent);
    }

    pub(crate) fn end_consult(
        &mut self,
        agent_id: AgentId,
        interaction_id: InteractionId,
    ) -> Result<(), Rejection> {
        let interaction = self.interaction(interaction_id)?;
        let Some(consult) = interaction.consult() else {
            return Err(Rejection::invalid("there is no consult to end"));
        };
        let is_owner = interaction.owner.map(|(a, _)| a) == Some(agent_id);
        if !is_owner && consult.agent != Some(agent_id) {
            return Err(Rejection::not_yours(format!(
                "{agent_id} is not in the consult"
            )));
        }
        self.hang_up(consult.leg);
        self.finish_consult(interaction_id);
        Ok(())
    }

    /// The consult leg is gone: agent 2 leaves without wrap-up, agent 1 and the customer go on
    /// (R23, R26).
    pub(crate) fn finish_consult(&mut self, interaction_id: InteractionId) {
        let interaction = self.interactions.get_mut(&interaction_id).expect("exists");
        let consult = interaction.take_consult().expect("consulting");
        interaction.set_customer_held(false);
        let customer_leg = interaction.voice.customer_leg.expect("connected");
        let (owner, owner_leg) = interaction.owner.expect("owned");
        self.forget_leg(consult.leg);
        if let Some(target) = consult.agent {
            let event = if consult.accepted {
                DesktopEvent::CallEnded {
                    interaction: interaction_id,
                    reason: EndReason::ConsultEnded,
                }
            } else {
                DesktopEvent::OfferWithdrawn {
                    interaction: interaction_id,
                }
            };
            self.desktop(Recipient::Agent(target), event);
            self.clear_slot(target);
        }
        self.telephony(TelephonyCommand::Bridge {
            a: customer_leg,
            b: owner_leg,
        });
        self.desktop(
            Recipient::Agent(owner),
            DesktopEvent::ConsultEnded {
                interaction: interaction_id,
            },
        );
        self.hold_changed(interaction_id);
        self.record_state(interaction_id, "consult_ended", consult.agent);
    }

    pub(crate) fn consult_transfer(
        &mut self,
        agent_id: AgentId,
        interaction_id: InteractionId,
    ) -> Result<(), Rejection> {
        let interaction = self.owned_call(agent_id, interaction_id, Rule::R26, "transfer")?;
        let consult = interaction
            .consult()
            .ok_or_else(|| Rejection::invalid("there is no consult"))?;
        if !consult.accepted {
            return Err(Rejection::rule(
                Rule::R18,
                "Transfer is enabled once the consulted party answers",
            ));
        }
        // R43: handing the customer to a consulted number is a transfer to a dial number; a
        // consult that reached an agent (directly, through a queue or an entry point) hands the
        // call to that agent.
        if consult.agent.is_none() {
            self.check_allowed(agent_id, crate::config::DesktopAction::TransferToDialNumber)?;
        }
        let interaction = self.interactions.get_mut(&interaction_id).expect("exists");
        interaction.take_consult();
        interaction.transferred_by = Some(agent_id);
        self.release_owner_with_wrapup(interaction_id, EndReason::Transferred);
        self.take_over(interaction_id, consult.agent, consult.leg);
        self.connect(interaction_id);
        self.record_state(interaction_id, "transferred", consult.agent);
        Ok(())
    }

    pub(crate) fn conference(
        &mut self,
        agent_id: AgentId,
        interaction_id: InteractionId,
    ) -> Result<(), Rejection> {
        let interaction =
            self.owned_call(agent_id, interaction_id, Rule::R26, "start a conference")?;
        let consult = interaction
            .consult()
            .ok_or_else(|| Rejection::invalid("there is no consult"))?;
        if !consult.accepted {
            return Err(Rejection::rule(
                Rule::R18,
                "Conference is enabled once the consulted party answers",
            ));
        }
        if consult.conference {
            return Err(Rejection::invalid("the conference is already on"));
        }
        let customer_leg = interaction.voice.customer_leg.expect("connected");
        let (_, owner_leg) = interaction.owner.expect("owned");
        self.telephony(TelephonyCommand::Conference {
            legs: vec![customer_leg, owner_leg, consult.leg],
        });
        let interaction = self.interactions.get_mut(&interaction_id).expect("exists");
        interaction.consult_mut().expect("consulting").conference = true;
        for agent in [Some(agent_id), consult.agent].into_iter().flatten() {
            self.desktop(
                Recipient::Agent(agent),
                DesktopEvent::ConferenceStarted {
                    interaction: interaction_id,
                },
            );
        }
        self.hold_changed(interaction_id);
        self.record_state(interaction_id, "conference", consult.agent);
        Ok(())
    }
}
