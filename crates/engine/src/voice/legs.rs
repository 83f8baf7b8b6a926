//! Call legs: placing them (agent phones, dialled numbers), the telephony events on them, and
//! connecting the customer with whoever answered (R13).

use crate::core::agents::{SlotRole, VoiceSlot};
use crate::core::contact::{Interaction, Phase};
use crate::core::engine::Engine;
use crate::core::timers::Timer;
use crate::dial::DialNumber;
use crate::ids::{AgentId, ENGINE_LEG_BIT, InteractionId, LegId, TimerId};
use crate::io::{
    DesktopEvent, EndReason, FailCause, InteractionKind, LostCause, Prompt, Recipient,
    TelephonyCommand,
};

/// A call leg.
#[derive(Clone, Debug)]
pub(crate) struct Leg {
    pub(crate) interaction: InteractionId,
    pub(crate) role: LegRole,
    pub(crate) answered: bool,
    /// The no-answer timer of a placed leg.
    pub(crate) timer: Option<TimerId>,
    /// Whether it counts towards the organisation's call limit (R2).
    pub(crate) counts: bool,
    /// When an agent's ringing phone stops ringing (Unix ms): the offer's countdown, for a
    /// desktop that reloads while it is shown (R7).
    pub(crate) ring_deadline_unix_ms: Option<i64>,
}

#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(crate) enum LegRole {
    Customer,
    Agent(AgentId),
    External,
}

impl Engine {
    /// Registers a leg; an engine-made one if `id` is `None`.
    pub(crate) fn new_leg(
        &mut self,
        id: Option<LegId>,
        interaction: InteractionId,
        role: LegRole,
        counts: bool,
    ) -> LegId {
        let id = id.unwrap_or_else(|| {
            self.next_leg += 1;
            LegId(ENGINE_LEG_BIT | self.next_leg)
        });
        if counts {
            self.n_customer_calls += 1;
        }
        let answered = role == LegRole::Customer && id.0 & ENGINE_LEG_BIT == 0;
        self.legs.insert(
            id,
            Leg {
                interaction,
                role,
                answered,
                timer: None,
                counts,
                ring_deadline_unix_ms: None,
            },
        );
        id
    }

    /// Hangs up a leg (or cancels it if it still rings) and forgets it.
    pub(crate) fn hang_up(&mut self, leg: LegId) {
        if let Some(leg_state) = self.legs.remove(&leg) {
            if leg_state.counts {
                self.n_customer_calls -= 1;
            }
            self.stop_timer(leg_state.timer);
            self.telephony(TelephonyCommand::HangUp { leg });
        }
    }

    /// Forgets a leg whose far end is already gone (no hang-up to send).
    pub(crate) fn forget_leg(&mut self, leg: LegId) {
        if let Some(leg_state) = self.legs.remove(&leg) {
            if leg_state.counts {
                self.n_customer_calls -= 1;
            }
            self.stop_timer(leg_state.timer);
        }
    }

    /// Rings an agent's phone on a new leg with a RONA timer and gives the agent the slot.
    pub(crate) fn ring_agent(
        &mut self,
        interaction_id: InteractionId,
        agent_id: AgentId,
        role: SlotRole,
    ) -> LegId {
        let leg = self.new_leg(None, interaction_id, LegRole::Agent(agent_id), false);
        let timeout_ms = self.rona_timeout_ms(interaction_id);
        let timer = self.set_timer(self.now.mono_ms + timeout_ms, Timer::NoAnswer { leg });
        let ring_deadline_unix_ms =
            self.now.unix_ms + i64::try_from(timeout_ms).unwrap_or(i64::MAX / 2);
        let placed = self.legs.get_mut(&leg).expect("just made");
        placed.timer = Some(timer);
        placed.ring_deadline_unix_ms = Some(ring_deadline_unix_ms);
        let agent = self.agents.get_mut(&agent_id).expect("agent exists");
        debug_assert!(agent.voice.is_none(), "{agent_id} already has a voice call");
        agent.voice = Some(VoiceSlot {
            interaction: interaction_id,
            role,
        });
        let extension = agent
            .session
            .as_ref()
            .map(|s| s.extension.clone())
            .unwrap_or_default();
        let caller_number = self.interactions[&interaction_id].customer_number.clone();
        self.telephony(TelephonyCommand::RingAgent {
            leg,
            interaction: interaction_id,
            agent: agent_id,
            extension,
            caller_number,
        });
        self.refresh_agent(agent_id);
        leg
    }

    /// Dials an outside number on a new leg with a no-answer timer.
    pub(crate) fn dial(
        &mut self,
        interaction_id: InteractionId,
        number: DialNumber,
        role: LegRole,
    ) -> LegId {
        let leg = self.new_leg(None, interaction_id, role, true);
        let timer = self.set_timer(
            self.now.mono_ms + self.config.org.dial_timeout_ms,
            Timer::NoAnswer { leg },
        );
        self.legs.get_mut(&leg).expect("just made").timer = Some(timer);
        self.telephony(TelephonyCommand::Dial {
            leg,
            interaction: interaction_id,
            number,
        });
        if role == LegRole::Customer && self.config.org.noise_removal {
            // R1: a customer the agent calls (callback, outdial) is cleaned like one who called.
            self.telephony(TelephonyCommand::Denoise { leg, on: true });
        }
        leg
    }

    pub(crate) fn ringing_leg_of(
        &self,
        interaction: &Interaction,
        agent_id: AgentId,
    ) -> Option<LegId> {
        match interaction.phase {
            Phase::Offered { agent, leg } if agent == agent_id => Some(leg),
            Phase::Transferring {
                leg,
                agent: Some(agent),
            } if agent == agent_id => Some(leg),
            _ => interaction
                .consult()
                .filter(|c| c.agent == Some(agent_id) && !c.accepted)
                .map(|c| c.leg),
        }
    }

    pub(crate) fn leg_ringing(&mut self, leg: LegId) {
        let Some(leg_state) = self.legs.get(&leg) else {
            return;
        };
        if let (LegRole::Agent(agent), false) = (leg_state.role, leg_state.answered) {
            let interaction = leg_state.interaction;
            self.desktop(
                Recipient::Agent(agent),
                DesktopEvent::Ringing { interaction },
            );
        }
    }

    pub(crate) fn leg_answered(&mut self, leg: LegId) {
        let Some(leg_state) = self.legs.get_mut(&leg) else {
            return;
        };
        if leg_state.answered {
            return;
        }
        leg_state.answered = true;
        let timer = leg_state.timer.take();
        let interaction_id = leg_state.interaction;
        self.stop_timer(timer);
        let interaction = &self.interactions[&interaction_id];
        match interaction.phase {
            Phase::Offered {
                agent,
                leg: offered,
            } if offered == leg => self.offer_answered(interaction_id, agent, leg),
            Phase::Dialing { leg: dialled } if dialled == leg => self.connect(interaction_id),
            Phase::Transferring {
                leg: ringing,
                agent,
            } if ringing == leg => {
                self.take_over(interaction_id, agent, leg);
                self.connect(interaction_id);
            }
            Phase::Connected { consult, .. } if consult.is_some_and(|c| c.leg == leg) => {
                self.consult_answered(interaction_id)
            }
            _ => self.hang_up(leg),
        }
    }

    /// A placed leg was not answered: busy, declined, unavailable, or the no-answer timer fired.
    /// `cancel` when the leg still rings at the far end (our timer fired, the device is gone).
    pub(crate) fn leg_failed(&mut self, leg: LegId, cause: FailCause, cancel: bool) {
        let Some(leg_state) = self.legs.get(&leg).cloned() else {
            return;
        };
        if cancel {
            self.hang_up(leg);
        } else {
            self.forget_leg(leg);
        }
        let interaction_id = leg_state.interaction;
        let interaction = &self.interactions[&interaction_id];
        match interaction.phase {
            Phase::Offered {
                agent,
                leg: offered,
            } if offered == leg => {
                let (kind, queue, place) = (interaction.kind, interaction.queue, interaction.place);
                if kind == InteractionKind::Outdial {
                    self.clear_slot(agent);
                    self.end_interaction(interaction_id, EndReason::OutdialAbandoned);
                } else {
                    // R12: back to the queue at its original place, the agent to RONA.
                    self.rona(agent, interaction_id);
                    let queue = queue.expect("offered contacts come from a queue");
                    self.enqueue(interaction_id, queue, place);
                    if self.interactions[&interaction_id].voice.courtesy_due {
                        self.offer_courtesy_callback(interaction_id);
                    }
                }
            }
            Phase::Dialing { leg: dialled } if dialled == leg => {
                self.interactions
                    .get_mut(&interaction_id)
                    .expect("exists")
                    .voice
                    .customer_leg = None;
                self.customer_not_answered(interaction_id);
            }
            Phase::Transferring {
                leg: ringing,
                agent,
            } if ringing == leg => {
                if let Some(agent) = agent {
                    self.rona(agent, interaction_id);
                }
                self.transfer_not_answered(interaction_id);
            }
            Phase::Connected { consult, .. } if consult.is_some_and(|c| c.leg == leg) => {
                self.consult_failed(interaction_id, cause)
            }
            _ => {}
        }
    }

    /// The far end of `leg` hung up, or the telephony side ended the leg (`lost`, with its
    /// cause): the same rules apply, and the record says which.
    pub(crate) fn leg_hung_up(&mut self, leg: LegId, lost: Option<LostCause>) {
        let Some(leg_state) = self.legs.get(&leg).cloned() else {
            return;
        };
        if !leg_state.answered {
            self.leg_failed(leg, FailCause::Error, false);
            return;
        }
        self.forget_leg(leg);
        let interaction_id = leg_state.interaction;
        let interaction = &self.interactions[&interaction_id];
        let is_consult = interaction.consult().is_some_and(|c| c.leg == leg);
        match leg_state.role {
            LegRole::Customer => {
                self.interactions
                    .get_mut(&interaction_id)
                    .expect("exists")
                    .voice
                    .customer_leg = None;
                let reason = lost.map_or(EndReason::CustomerHungUp, EndReason::CustomerLost);
                self.end_interaction(interaction_id, reason);
            }
            LegRole::Agent(agent) if interaction.owner == Some((agent, leg)) => self.owner_leaves(
                interaction_id,
                lost.map_or(EndReason::AgentEnded, EndReason::AgentLost),
            ),
            _ if is_consult => self.finish_consult(interaction_id),
            LegRole::External if interaction.voice.external_leg == Some(leg) => {
                self.end_interaction(interaction_id, EndReason::PartyHungUp)
            }
            _ => {}
        }
    }

    pub(crate) fn dtmf(&mut self, leg: LegId, digit: char) {
        let Some(leg_state) = self.legs.get(&leg) else {
            return;
        };
        let interaction_id = leg_state.interaction;
        let interaction = &self.interactions[&interaction_id];
        let wants_callback = leg_state.role == LegRole::Customer
            && digit == '1'
            && interaction.phase == Phase::Queued
            && interaction.kind == InteractionKind::Inbound
            && interaction.voice.courtesy_offered;
        if wants_callback {
            // R37 (ours): the caller hangs up and keeps the place in the queue.
            let interaction = self.interactions.get_mut(&interaction_id).expect("exists");
            interaction.kind = InteractionKind::CourtesyCallback;
            interaction.voice.customer_leg = None;
            // The caller hears the confirmation; telephony ends the call once it is played.
            self.telephony(TelephonyCommand::PlayPrompt {
                leg,
                prompt: Prompt::CourtesyCallbackConfirmed,
            });
            self.hang_up(leg);
            self.record_state(interaction_id, "courtesy_callback", None);
        }
    }

    pub(crate) fn offer_answered(
        &mut self,
        interaction_id: InteractionId,
        agent_id: AgentId,
        leg: LegId,
    ) {
        self.take_over(interaction_id, Some(agent_id), leg);
        // A customer already on the line (inbound, or a callback transferred on) is connected;
        // otherwise the customer is dialled now (callbacks R38, outdial R42).
        if self.interactions[&interaction_id]
            .voice
            .customer_leg
            .is_some()
        {
            self.connect(interaction_id);
        } else {
            self.dial_customer(interaction_id);
        }
    }

    /// Makes `agent` (or nobody, for an outside party) the one the customer talks to.
    pub(crate) fn take_over(
        &mut self,
        interaction_id: InteractionId,
        agent: Option<AgentId>,
        leg: LegId,
    ) {
        let interaction = self.interactions.get_mut(&interaction_id).expect("exists");
        match agent {
            Some(agent_id) => {
                interaction.owner = Some((agent_id, leg));
                // A consulted agent who takes the call over is on the record once (R45).
                if interaction.agents.last() != Some(&agent_id) {
                    interaction.agents.push(agent_id);
                }
                let slot = self
                    .agents
                    .get_mut(&agent_id)
                    .expect("exists")
                    .voice
                    .as_mut();
                slot.expect("the ringing agent holds the slot").role = SlotRole::Owner;
                self.desktop(
                    Recipient::Agent(agent_id),
                    DesktopEvent::OwnershipChanged {
                        interaction: interaction_id,
                        owner: Some(agent_id),
                    },
                );
            }
            None => interaction.voice.external_leg = Some(leg),
        }
    }

    /// The customer and the owner (or outside party) talk: bridge, timer, recording (R13, R40).
    pub(crate) fn connect(&mut self, interaction_id: InteractionId) {
        let interaction = self.interactions.get_mut(&interaction_id).expect("exists");
        // A consult survives reconnecting; the customer is taken off hold.
        interaction.phase = Phase::Connected {
            customer_held: false,
            consult: interaction.consult(),
        };
        interaction
            .connected_at_unix_ms
            .get_or_insert(self.now.unix_ms);
        let customer_leg = interaction
            .voice
            .customer_leg
            .expect("a connected call has a customer");
        let peer = interaction
            .owner
            .map(|(_, leg)| leg)
            .or(interaction.voice.external_leg);
        let owner = interaction.owner.map(|(agent, _)| agent);
        self.telephony(TelephonyCommand::Bridge {
            a: customer_leg,
            b: peer.expect("someone answered"),
        });
        if let Some(agent) = owner {
            let at_unix_ms = self.now.unix_ms;
            self.desktop(
                Recipient::Agent(agent),
                DesktopEvent::Connected {
                    interaction: interaction_id,
                    at_unix_ms,
                },
            );
        }
        self.start_recording(interaction_id);
        self.record_phase(interaction_id, owner);
    }
}
