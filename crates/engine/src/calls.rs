//! Voice calls: arrival, offers and RONA, connect, hold, consult, transfer, conference,
//! recording, CAD, ending, wrap-up and callbacks.

use crate::config::{CAD_VALUE_CHARS_MAX, CadKind, Channel};
use crate::dial::DialNumber;
use crate::engine::{
    AgentState, Consult, Engine, Interaction, LegRole, Phase, SlotRole, VoiceSlot,
};
use crate::ids::{AgentId, ENGINE_LEG_BIT, EntryPointId, InteractionId, LegId};
use crate::io::{
    DesktopEvent, EndReason, FailCause, InteractionKind, LostCause, Party, Prompt, Recipient,
    Record, RecordingState, RejectCause, Target, TelephonyCommand,
};
use crate::reject::{Rejection, RejectionDetail, Rule};
use crate::timers::Timer;
use std::collections::BTreeMap;

/// Where a consult or transfer goes once its target is resolved.
enum Destination {
    Agent(AgentId),
    Queue {
        queue: crate::ids::QueueId,
        entry_point: Option<EntryPointId>,
    },
    Number(DialNumber),
}

impl Engine {
    // ---- arrivals -------------------------------------------------------------------------

    pub(crate) fn call_arrived(
        &mut self,
        leg: LegId,
        dnis: &str,
        ani: String,
    ) -> Result<InteractionId, Rejection> {
        if leg.0 & ENGINE_LEG_BIT != 0 || self.legs.contains_key(&leg) {
            return Err(Rejection::invalid(format!("{leg} is already in use")));
        }
        let digits = DialNumber::parse(dnis)
            .map(|n| n.digits())
            .unwrap_or_default();
        let Some(&entry_point_id) = self.ep_by_digits.get(&digits) else {
            self.telephony(TelephonyCommand::Reject {
                leg,
                cause: RejectCause::UnknownNumber,
            });
            return Err(Rejection::not_found(format!(
                "no entry point has the number {dnis:?}"
            )));
        };
        if let Err(rejection) = self.check_call_limit() {
            self.telephony(TelephonyCommand::Reject {
                leg,
                cause: RejectCause::TooManyCalls,
            });
            self.desktop(
                Recipient::Supervisors,
                DesktopEvent::LimitReached { code: "R2" },
            );
            // The refused call is in the history, with why (R2, R45).
            let id = self.create_interaction(
                InteractionKind::Inbound,
                Some(entry_point_id),
                Some(ani.to_owned()).filter(|ani| !ani.is_empty()),
                None,
                Some(dnis.to_owned()),
            );
            self.end_interaction(id, EndReason::LimitReached);
            return Err(rejection);
        }
        let flow = self
            .config
            .entry_point(entry_point_id)
            .expect("indexed")
            .flow
            .clone();
        let id = self.create_interaction(
            InteractionKind::Inbound,
            Some(entry_point_id),
            Some(ani),
            None,
            Some(dnis.to_owned()),
        );
        self.new_leg(Some(leg), id, LegRole::Customer, true);
        let interaction = self.interactions.get_mut(&id).expect("created");
        interaction.customer_leg = Some(leg);
        interaction.variables.extend(flow.variables.iter().cloned());
        self.telephony(TelephonyCommand::Answer { leg });
        if self.config.org.noise_removal {
            self.telephony(TelephonyCommand::Denoise { leg, on: true });
        }
        if let Some(after_ms) = flow.courtesy_callback_after_ms {
            let timer = self.set_timer(
                self.now.mono_ms + after_ms,
                Timer::CourtesyCallback { interaction: id },
            );
            self.interactions
                .get_mut(&id)
                .expect("created")
                .courtesy_timer = Some(timer);
        }
        self.enqueue(id, flow.queue, None);
        Ok(id)
    }

    pub(crate) fn web_callback(
        &mut self,
        queue: crate::ids::QueueId,
        name: String,
        number: String,
    ) -> Result<InteractionId, Rejection> {
        let queue_config = self
            .config
            .queue(queue)
            .ok_or_else(|| Rejection::not_found(format!("no queue {queue}")))?;
        if queue_config.channel != Channel::Voice {
            return Err(Rejection::invalid(format!(
                "{} is not a voice queue",
                queue_config.name
            )));
        }
        let number = DialNumber::parse(&number)
            .map_err(|e| Rejection::rule(Rule::R30, format!("number: {e}")))?;
        let name = name.trim().to_owned();
        if name.is_empty() || name.chars().count() > CAD_VALUE_CHARS_MAX {
            return Err(Rejection::invalid("name: 1 to 256 characters"));
        }
        let id = self.create_interaction(
            InteractionKind::WebCallback,
            None,
            Some(number.to_string()),
            Some(name),
            None,
        );
        self.enqueue(id, queue, None);
        Ok(id)
    }

    pub(crate) fn restore_callback(
        &mut self,
        interaction_id: InteractionId,
        kind: InteractionKind,
        queue: crate::ids::QueueId,
        number: &str,
        name: Option<String>,
        dnis: Option<String>,
    ) -> Result<InteractionId, Rejection> {
        if !matches!(
            kind,
            InteractionKind::CourtesyCallback | InteractionKind::WebCallback
        ) {
            return Err(Rejection::invalid("only callbacks are restored"));
        }
        if self.interactions.contains_key(&interaction_id) {
            return Err(Rejection::invalid(format!(
                "{interaction_id} already exists"
            )));
        }
        match self.config.queue(queue) {
            None => return Err(Rejection::not_found(format!("no queue {queue}"))),
            Some(q) if q.channel != Channel::Voice => {
                return Err(Rejection::invalid(format!(
                    "{} is not a voice queue",
                    q.name
                )));
            }
            Some(_) => {}
        }
        let number = DialNumber::parse(number)
            .map_err(|e| Rejection::rule(Rule::R30, format!("number: {e}")))?;
        self.continue_numbering_after(interaction_id);
        let id = self.insert_interaction(
            interaction_id,
            kind,
            None,
            Some(number.to_string()),
            name,
            dnis,
        );
        self.enqueue(id, queue, None);
        Ok(id)
    }

    pub(crate) fn outdial(
        &mut self,
        agent_id: AgentId,
        number: &str,
    ) -> Result<InteractionId, Rejection> {
        let agent = &self.agents[&agent_id];
        let Some(session) = &agent.session else {
            return Err(Rejection::rule(Rule::R42, "log in before placing a call"));
        };
        if agent.voice.is_some() || !agent.wrapups.is_empty() {
            return Err(Rejection::rule(
                Rule::R42,
                "finish the current call and its wrap-up first",
            ));
        }
        if !self.registered.contains(&session.extension) {
            return Err(Rejection::rule(
                Rule::R13,
                format!("the phone at {} is not registered", session.extension),
            ));
        }
        let number =
            DialNumber::parse(number).map_err(|e| Rejection::rule(Rule::R30, e.to_string()))?;
        self.check_call_limit()?;
        let id = self.create_interaction(
            InteractionKind::Outdial,
            None,
            Some(number.to_string()),
            None,
            None,
        );
        self.ring_offer(id, agent_id);
        Ok(id)
    }

    fn create_interaction(
        &mut self,
        kind: InteractionKind,
        entry_point: Option<EntryPointId>,
        customer_number: Option<String>,
        customer_name: Option<String>,
        dnis: Option<String>,
    ) -> InteractionId {
        let id = self.new_interaction_id();
        self.record(Record::InteractionCreated {
            interaction: id,
            channel: Channel::Voice,
            kind,
            customer_number: customer_number.clone(),
            dnis: dnis.clone(),
            at_unix_ms: self.now.unix_ms,
        });
        self.insert_interaction(id, kind, entry_point, customer_number, customer_name, dnis)
    }

    fn insert_interaction(
        &mut self,
        id: InteractionId,
        kind: InteractionKind,
        entry_point: Option<EntryPointId>,
        customer_number: Option<String>,
        customer_name: Option<String>,
        dnis: Option<String>,
    ) -> InteractionId {
        let at_unix_ms = self.now.unix_ms;
        self.interactions.insert(
            id,
            Interaction {
                channel: Channel::Voice,
                kind,
                entry_point,
                queue: None,
                customer_number,
                customer_name,
                dnis,
                customer_leg: None,
                phase: Phase::Queued,
                place: None,
                excluded: Vec::new(),
                owner: None,
                external_leg: None,
                variables: BTreeMap::new(),
                variables_version: 0,
                recording: RecordingState::Off,
                shield_timer: None,
                wait_timer: None,
                courtesy_timer: None,
                courtesy_offered: false,
                courtesy_due: false,
                callback_attempts: 0,
                agents: Vec::new(),
                created_at_unix_ms: at_unix_ms,
                connected_at_unix_ms: None,
                pending_wrapups: 0,
            },
        );
        id
    }

    // ---- offers ---------------------------------------------------------------------------

    /// Offers a queued contact to an available agent: connect popover, contact-request
    /// popover, the phone rings, the RONA timer runs (R6, R7, R13).
    pub(crate) fn offer(&mut self, interaction_id: InteractionId, agent_id: AgentId) {
        debug_assert_eq!(self.interactions[&interaction_id].phase, Phase::Queued);
        debug_assert!(self.is_offerable(&self.agents[&agent_id]));
        self.dequeue(interaction_id);
        self.ring_offer(interaction_id, agent_id);
    }

    fn ring_offer(&mut self, interaction_id: InteractionId, agent_id: AgentId) {
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

    /// Rings an agent's phone on a new leg with a RONA timer and gives the agent the slot.
    fn ring_agent(
        &mut self,
        interaction_id: InteractionId,
        agent_id: AgentId,
        role: SlotRole,
    ) -> LegId {
        let leg = self.new_leg(None, interaction_id, LegRole::Agent(agent_id), false);
        let timeout_ms = self.rona_timeout_ms(interaction_id);
        let timer = self.set_timer(self.now.mono_ms + timeout_ms, Timer::NoAnswer { leg });
        self.legs.get_mut(&leg).expect("just made").timer = Some(timer);
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
    fn dial(&mut self, interaction_id: InteractionId, number: DialNumber, role: LegRole) -> LegId {
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

    fn rona_timeout_ms(&self, interaction_id: InteractionId) -> u64 {
        self.interactions[&interaction_id]
            .queue
            .and_then(|q| self.config.queue(q))
            .and_then(|q| q.rona_timeout_ms)
            .unwrap_or(self.config.org.rona_timeout_ms)
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

    // ---- telephony events -----------------------------------------------------------------

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
                    if self.interactions[&interaction_id].courtesy_due {
                        self.offer_courtesy_callback(interaction_id);
                    }
                }
            }
            Phase::Dialing { leg: dialled } if dialled == leg => {
                self.interactions
                    .get_mut(&interaction_id)
                    .expect("exists")
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
                    .customer_leg = None;
                let reason = lost.map_or(EndReason::CustomerHungUp, EndReason::CustomerLost);
                self.end_interaction(interaction_id, reason);
            }
            LegRole::Agent(agent) if interaction.owner == Some((agent, leg)) => self.owner_leaves(
                interaction_id,
                lost.map_or(EndReason::AgentEnded, EndReason::AgentLost),
            ),
            _ if is_consult => self.finish_consult(interaction_id),
            LegRole::External if interaction.external_leg == Some(leg) => {
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
            && interaction.courtesy_offered;
        if wants_callback {
            // R37 (ours): the caller hangs up and keeps the place in the queue.
            let interaction = self.interactions.get_mut(&interaction_id).expect("exists");
            interaction.kind = InteractionKind::CourtesyCallback;
            interaction.customer_leg = None;
            // The caller hears the confirmation; telephony ends the call once it is played.
            self.telephony(TelephonyCommand::PlayPrompt {
                leg,
                prompt: Prompt::CourtesyCallbackConfirmed,
            });
            self.hang_up(leg);
            self.record_state(interaction_id, "courtesy_callback", None);
        }
    }

    fn offer_answered(&mut self, interaction_id: InteractionId, agent_id: AgentId, leg: LegId) {
        self.take_over(interaction_id, Some(agent_id), leg);
        // A customer already on the line (inbound, or a callback transferred on) is connected;
        // otherwise the customer is dialled now (callbacks R38, outdial R42).
        if self.interactions[&interaction_id].customer_leg.is_some() {
            self.connect(interaction_id);
        } else {
            self.dial_customer(interaction_id);
        }
    }

    /// Makes `agent` (or nobody, for an outside party) the one the customer talks to.
    fn take_over(&mut self, interaction_id: InteractionId, agent: Option<AgentId>, leg: LegId) {
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
            None => interaction.external_leg = Some(leg),
        }
    }

    /// R38/R42: the agent answered; now dial the customer.
    fn dial_customer(&mut self, interaction_id: InteractionId) {
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
        interaction.customer_leg = Some(leg);
        interaction.phase = Phase::Dialing { leg };
        let attempt =
            (kind != InteractionKind::Outdial).then_some(interaction.callback_attempts + 1);
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

    /// The customer and the owner (or outside party) talk: bridge, timer, recording (R13, R40).
    fn connect(&mut self, interaction_id: InteractionId) {
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
            .customer_leg
            .expect("a connected call has a customer");
        let peer = interaction
            .owner
            .map(|(_, leg)| leg)
            .or(interaction.external_leg);
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

    fn rona(&mut self, agent_id: AgentId, interaction_id: InteractionId) {
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

    fn clear_slot(&mut self, agent_id: AgentId) {
        self.agents.get_mut(&agent_id).expect("exists").voice = None;
        self.refresh_agent(agent_id);
    }

    fn customer_not_answered(&mut self, interaction_id: InteractionId) {
        let interaction = self.interactions.get_mut(&interaction_id).expect("exists");
        if interaction.kind == InteractionKind::Outdial {
            self.end_interaction(interaction_id, EndReason::CustomerNotAnswered);
            return;
        }
        // R40: the callback goes back to the queue after its queue's spacing, until its
        // attempts are used up.
        interaction.callback_attempts += 1;
        let attempt = interaction.callback_attempts;
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
            .filter(|(_, i)| i.callback_attempts > 0)
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
            let attempts = interaction.callback_attempts;
            let attempts_max = self
                .config
                .callback_attempts_max(interaction_queue(interaction));
            if attempts < attempts_max_before && attempts >= attempts_max {
                self.end_interaction(interaction_id, EndReason::CallbackNotAnswered);
            }
        }
    }

    fn transfer_not_answered(&mut self, interaction_id: InteractionId) {
        let interaction = &self.interactions[&interaction_id];
        match (self.config.org.transfer_no_answer, interaction.queue) {
            (crate::TransferNoAnswer::Requeue, Some(queue)) => {
                let place = interaction.place;
                self.enqueue(interaction_id, queue, place);
            }
            _ => self.end_interaction(interaction_id, EndReason::TransferNotAnswered),
        }
    }

    /// Lets the owner go without wrap-up (a callback that goes back to its queue).
    fn release_owner(&mut self, interaction_id: InteractionId) {
        let interaction = self.interactions.get_mut(&interaction_id).expect("exists");
        if let Some((agent_id, leg)) = interaction.owner.take() {
            self.hang_up(leg);
            self.desktop(
                Recipient::Agent(agent_id),
                DesktopEvent::OfferWithdrawn {
                    interaction: interaction_id,
                },
            );
            self.clear_slot(agent_id);
        }
    }

    /// The owner leaves and wraps up while the call goes on or ends (R25, R29).
    fn release_owner_with_wrapup(&mut self, interaction_id: InteractionId, reason: EndReason) {
        let interaction = self.interactions.get_mut(&interaction_id).expect("exists");
        if let Some((agent_id, leg)) = interaction.owner.take() {
            self.hang_up(leg);
            self.agents.get_mut(&agent_id).expect("exists").voice = None;
            self.require_wrapup(agent_id, interaction_id, reason);
        }
    }

    fn require_wrapup(
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

    /// Ends an interaction: every leg hangs up, the owner wraps up, anyone else just leaves,
    /// and exactly one final record is written (R24, R25, R45).
    pub(crate) fn end_interaction(&mut self, interaction_id: InteractionId, reason: EndReason) {
        let interaction = &self.interactions[&interaction_id];
        if interaction.phase == Phase::Ended {
            return;
        }
        self.dequeue(interaction_id);
        let interaction = self.interactions.get_mut(&interaction_id).expect("exists");
        let mut legs = vec![
            interaction.customer_leg.take(),
            interaction.external_leg.take(),
        ];
        let mut others = Vec::new();
        let mut retry_timer = None;
        match interaction.phase {
            Phase::Offered { agent, leg }
            | Phase::Transferring {
                leg,
                agent: Some(agent),
            } => {
                legs.push(Some(leg));
                others.push((
                    agent,
                    DesktopEvent::OfferWithdrawn {
                        interaction: interaction_id,
                    },
                ));
            }
            Phase::Dialing { leg } | Phase::Transferring { leg, agent: None } => {
                legs.push(Some(leg))
            }
            Phase::RetryWait { timer } => retry_timer = Some(timer),
            Phase::Queued | Phase::Connected { .. } | Phase::Ended => {}
        }
        if let Some(consult) = interaction.take_consult() {
            legs.push(Some(consult.leg));
            if let Some(agent) = consult.agent {
                let event = if consult.accepted {
                    DesktopEvent::CallEnded {
                        interaction: interaction_id,
                        reason,
                    }
                } else {
                    DesktopEvent::OfferWithdrawn {
                        interaction: interaction_id,
                    }
                };
                others.push((agent, event));
            }
        }
        interaction.phase = Phase::Ended;
        let shield_timer = interaction.shield_timer.take();
        let wait_timer = interaction.wait_timer.take();
        let courtesy_timer = interaction.courtesy_timer.take();
        let recording = std::mem::replace(&mut interaction.recording, RecordingState::Off);
        let record = Record::InteractionEnded {
            interaction: interaction_id,
            reason,
            agents: interaction.agents.clone(),
            created_at_unix_ms: interaction.created_at_unix_ms,
            connected_at_unix_ms: interaction.connected_at_unix_ms,
            at_unix_ms: self.now.unix_ms,
        };
        for timer in [shield_timer, wait_timer, courtesy_timer, retry_timer] {
            self.stop_timer(timer);
        }
        if recording != RecordingState::Off {
            self.telephony(TelephonyCommand::StopRecording {
                interaction: interaction_id,
            });
            self.recording_changed(interaction_id, RecordingState::Off, None);
        }
        for leg in legs.into_iter().flatten() {
            self.hang_up(leg);
        }
        // The owner wraps up; consulted agents and ringing phones just let go (R24, R26).
        self.release_owner_with_wrapup(interaction_id, reason);
        for (agent_id, event) in others {
            self.desktop(Recipient::Agent(agent_id), event);
            self.clear_slot(agent_id);
        }
        self.record(record);
        self.forget_if_done(interaction_id);
    }

    fn forget_if_done(&mut self, interaction_id: InteractionId) {
        let interaction = &self.interactions[&interaction_id];
        if interaction.phase == Phase::Ended && interaction.pending_wrapups == 0 {
            self.interactions.remove(&interaction_id);
        }
    }

    /// The owner pressed End or hung up the phone (R23, R25, R36).
    /// The owning agent leaves the call; `ended` is the record's reason when that ends it.
    fn owner_leaves(&mut self, interaction_id: InteractionId, ended: EndReason) {
        let interaction = &self.interactions[&interaction_id];
        match (interaction.phase, interaction.consult()) {
            (Phase::Connected { .. }, Some(consult)) if consult.conference => {
                // R23 (ours): the call stays with the consulted party; agent 1 wraps up.
                self.interactions
                    .get_mut(&interaction_id)
                    .expect("exists")
                    .take_consult();
                self.release_owner_with_wrapup(interaction_id, EndReason::LeftConference);
                self.take_over(interaction_id, consult.agent, consult.leg);
                self.connect(interaction_id);
            }
            (Phase::Dialing { .. }, _) if interaction.kind != InteractionKind::Outdial => {
                // A callback the agent gave up before the customer answered goes back.
                let leg = interaction.customer_leg;
                self.interactions
                    .get_mut(&interaction_id)
                    .expect("exists")
                    .customer_leg = None;
                if let Some(leg) = leg {
                    self.hang_up(leg);
                }
                self.release_owner(interaction_id);
                let interaction = &self.interactions[&interaction_id];
                let (queue, place) = (interaction_queue(interaction), interaction.place);
                self.enqueue(interaction_id, queue, place);
            }
            _ => self.end_interaction(interaction_id, ended),
        }
    }

    // ---- desktop commands on a call -------------------------------------------------------

    fn interaction(&self, interaction_id: InteractionId) -> Result<&Interaction, Rejection> {
        self.interactions
            .get(&interaction_id)
            .filter(|i| i.phase != Phase::Ended)
            .ok_or_else(|| Rejection::not_found(format!("no live interaction {interaction_id}")))
    }

    /// Checks that `agent` owns the connected call; `consulted_rule` names the rule that keeps
    /// a consulted agent from doing `action`.
    fn owned_call(
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
        let customer_leg = interaction.customer_leg.expect("connected");
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
        if interaction.consult().is_some() {
            return Err(Rejection::rule(
                Rule::R16,
                "a consult is already in progress",
            ));
        }
        let destination = self.resolve(agent_id, target, true)?;
        let interaction = &self.interactions[&interaction_id];
        let customer_leg = interaction.customer_leg.expect("connected");
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
    fn resolve(
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

    fn consult_answered(&mut self, interaction_id: InteractionId) {
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
    fn consult_failed(&mut self, interaction_id: InteractionId, cause: FailCause) {
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
    fn finish_consult(&mut self, interaction_id: InteractionId) {
        let interaction = self.interactions.get_mut(&interaction_id).expect("exists");
        let consult = interaction.take_consult().expect("consulting");
        interaction.set_customer_held(false);
        let customer_leg = interaction.customer_leg.expect("connected");
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
        self.interactions
            .get_mut(&interaction_id)
            .expect("exists")
            .take_consult();
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
        let customer_leg = interaction.customer_leg.expect("connected");
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
        let destination = self.resolve(agent_id, target, false)?;
        let customer_leg = self.interactions[&interaction_id]
            .customer_leg
            .expect("connected");
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

    // ---- recording ------------------------------------------------------------------------

    fn start_recording(&mut self, interaction_id: InteractionId) {
        let interaction = &self.interactions[&interaction_id];
        if self.config.org.recording && interaction.recording == RecordingState::Off {
            let leg = interaction.customer_leg.expect("connected");
            self.telephony(TelephonyCommand::StartRecording {
                interaction: interaction_id,
                leg,
            });
            self.recording_changed(interaction_id, RecordingState::On, None);
        }
    }

    pub(crate) fn pause_recording(
        &mut self,
        agent_id: AgentId,
        interaction_id: InteractionId,
    ) -> Result<(), Rejection> {
        let interaction =
            self.owned_call(agent_id, interaction_id, Rule::R32, "pause recording")?;
        let org = &self.config.org;
        if !org.recording {
            return Err(Rejection::rule(
                Rule::R31,
                "recording is not enabled for the organisation",
            ));
        }
        if !org.recording_pause_allowed {
            return Err(Rejection::rule(
                Rule::R31,
                "the organisation does not allow pausing recording",
            ));
        }
        if interaction.consult().is_some() {
            return Err(Rejection::rule(
                Rule::R32,
                "recording cannot be paused during a consult or conference",
            ));
        }
        if interaction.recording != RecordingState::On {
            return Err(Rejection::rule(Rule::R31, "recording is already paused"));
        }
        let shield_ms = org.privacy_shield_ms;
        self.telephony(TelephonyCommand::PauseRecording {
            interaction: interaction_id,
        });
        let resumes_at_unix_ms = shield_ms.map(|ms| self.now.unix_ms + ms as i64);
        if let Some(ms) = shield_ms {
            let timer = self.set_timer(
                self.now.mono_ms + ms,
                Timer::PrivacyShield {
                    interaction: interaction_id,
                },
            );
            self.interactions
                .get_mut(&interaction_id)
                .expect("exists")
                .shield_timer = Some(timer);
        }
        self.recording_changed(
            interaction_id,
            RecordingState::Paused { resumes_at_unix_ms },
            Some(agent_id),
        );
        Ok(())
    }

    pub(crate) fn resume_recording(
        &mut self,
        agent_id: AgentId,
        interaction_id: InteractionId,
    ) -> Result<(), Rejection> {
        let interaction =
            self.owned_call(agent_id, interaction_id, Rule::R32, "resume recording")?;
        if interaction.consult().is_some() {
            return Err(Rejection::rule(
                Rule::R32,
                "recording cannot be resumed during a consult or conference",
            ));
        }
        if !matches!(interaction.recording, RecordingState::Paused { .. }) {
            return Err(Rejection::rule(Rule::R31, "recording is not paused"));
        }
        let timer = self
            .interactions
            .get_mut(&interaction_id)
            .expect("exists")
            .shield_timer
            .take();
        self.stop_timer(timer);
        self.telephony(TelephonyCommand::ResumeRecording {
            interaction: interaction_id,
        });
        self.recording_changed(interaction_id, RecordingState::On, Some(agent_id));
        Ok(())
    }

    pub(crate) fn privacy_shield_ends(&mut self, interaction_id: InteractionId) {
        let Some(interaction) = self.interactions.get_mut(&interaction_id) else {
            return;
        };
        interaction.shield_timer = None;
        if matches!(interaction.recording, RecordingState::Paused { .. }) {
            self.telephony(TelephonyCommand::ResumeRecording {
                interaction: interaction_id,
            });
            self.recording_changed(interaction_id, RecordingState::On, None);
        }
    }

    /// Records a recording state change; `agent` is who asked for it (a pause or resume), `None`
    /// when Sentral did (start, Privacy Shield, end) — compliance auditors ask who (R31).
    fn recording_changed(
        &mut self,
        interaction_id: InteractionId,
        state: RecordingState,
        agent: Option<AgentId>,
    ) {
        let interaction = self.interactions.get_mut(&interaction_id).expect("exists");
        interaction.recording = state;
        let at_unix_ms = self.now.unix_ms;
        let participants = self.participants(interaction_id);
        for agent in participants {
            self.desktop(
                Recipient::Agent(agent),
                DesktopEvent::RecordingChanged {
                    interaction: interaction_id,
                    state,
                },
            );
        }
        self.record(Record::Recording {
            interaction: interaction_id,
            state,
            agent,
            at_unix_ms,
        });
    }

    // ---- CAD variables --------------------------------------------------------------------

    pub(crate) fn save_variables(
        &mut self,
        agent_id: AgentId,
        interaction_id: InteractionId,
        values: BTreeMap<String, String>,
        expected_version: u64,
    ) -> Result<(), Rejection> {
        let interaction = self.owned_call(agent_id, interaction_id, Rule::R22, "edit variables")?;
        for (name, value) in &values {
            let definition = self.config.cad_variables.iter().find(|d| &d.name == name);
            let definition = definition
                .ok_or_else(|| Rejection::invalid(format!("{name}: no such variable")))?;
            if !definition.editable {
                return Err(Rejection::rule(
                    Rule::R34,
                    format!("{name} is not editable"),
                ));
            }
            if value.chars().count() > CAD_VALUE_CHARS_MAX {
                return Err(Rejection::rule(
                    Rule::R34,
                    format!("{name}: at most 256 characters"),
                ));
            }
            check_value(definition.kind, value)
                .map_err(|e| Rejection::rule(Rule::R34, format!("{name}: {e}")))?;
        }
        if interaction.variables_version != expected_version {
            let mut rejection = Rejection::rule(
                Rule::R35,
                format!(
                    "someone saved first (version {} is current, your edit is based on {expected_version}); \
                     review the current values and save again",
                    interaction.variables_version
                ),
            );
            rejection.detail = Some(Box::new(RejectionDetail::VariablesConflict {
                version: interaction.variables_version,
                values: self.visible_variables(interaction),
            }));
            return Err(rejection);
        }
        let interaction = self.interactions.get_mut(&interaction_id).expect("exists");
        interaction.variables.extend(values);
        interaction.variables_version += 1;
        let version = interaction.variables_version;
        let all = interaction.variables.clone();
        let visible = self.visible_variables(&self.interactions[&interaction_id]);
        for agent in self.participants(interaction_id) {
            self.desktop(
                Recipient::Agent(agent),
                DesktopEvent::VariablesChanged {
                    interaction: interaction_id,
                    version,
                    values: visible.clone(),
                },
            );
        }
        self.record(Record::VariablesSaved {
            interaction: interaction_id,
            version,
            values: all,
            agent: Some(agent_id),
        });
        Ok(())
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

    // ---- wrap-up and callbacks ------------------------------------------------------------

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

    pub(crate) fn offer_courtesy_callback(&mut self, interaction_id: InteractionId) {
        let Some(interaction) = self.interactions.get_mut(&interaction_id) else {
            return;
        };
        interaction.courtesy_timer = None;
        interaction.courtesy_due = false;
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
            interaction.courtesy_due = true;
            return;
        }
        if let (Phase::Queued, Some(leg)) = (interaction.phase, interaction.customer_leg) {
            interaction.courtesy_offered = true;
            self.telephony(TelephonyCommand::PlayPrompt {
                leg,
                prompt: Prompt::CourtesyCallbackOffer,
            });
        }
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
}

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

/// A rejection citing rule `from` re-cited as rule `to` (the same check guards several
/// actions, each with its own rule).
fn cite_instead(rejection: Rejection, from: Rule, to: Rule) -> Rejection {
    if rejection.code == crate::reject::Code::Rule(from) {
        Rejection::rule(to, rejection.message)
    } else {
        rejection
    }
}

fn interaction_queue(interaction: &Interaction) -> crate::ids::QueueId {
    interaction.queue.expect("callbacks come from a queue")
}

/// Checks a CAD value against its kind (R34: date-times in ISO 8601).
fn check_value(kind: CadKind, value: &str) -> Result<(), String> {
    match kind {
        CadKind::Text => Ok(()),
        CadKind::Number => value
            .parse::<f64>()
            .map(|_| ())
            .map_err(|_| format!("{value:?} is not a number")),
        CadKind::Boolean => match value {
            "true" | "false" => Ok(()),
            _ => Err(format!("{value:?} is not true or false")),
        },
        CadKind::DateTime => {
            if value.is_empty() || crate::views::is_iso8601(value) {
                Ok(())
            } else {
                Err(format!(
                    "{value:?} is not an ISO 8601 date-time like 2026-11-25T14:30:00Z"
                ))
            }
        }
    }
}
