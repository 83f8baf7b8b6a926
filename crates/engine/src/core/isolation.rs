//! Whom an input is for, and a panic in one contact ending that contact only.
//!
//! Most inputs are addressed to one contact: a desktop command names its interaction, a
//! telephony event its leg, a timer its interaction or leg. `Engine::address` turns such an
//! input into a `ContactInput`, and [`Engine::handle_input`] runs that contact's step
//! (`Engine::step_contact`) under `catch_unwind`, as `Engine::route` does the offer of a
//! contact to an agent. When a step panics (a bug), the contact is taken out of every shared
//! table here, whatever state the step left it in: its legs are hung up, its timers stopped,
//! its agents freed with a `CallEnded` (`internal_error`) on their desktops, and its one final
//! `Record::InteractionEnded` is written with `EndReason::InternalError` unless it had already
//! ended. Every other contact and the engine go on.
//!
//! Inputs that are not addressed to one contact (log-in, state changes, arrivals, choosing
//! whom to offer, configuration) are core code: a panic there is not caught, as the core's
//! tables would be in an unknown state.

use crate::core::contact::{Addressed, ContactInput, Phase};
use crate::core::engine::Engine;
use crate::core::timers::Timer;
use crate::ids::{AgentId, InteractionId, LegId, TimerId};
use crate::io::{Command, DesktopEvent, EndReason, Input, Recipient, Record, RecordingState};
use crate::io::{TelephonyCommand, TelephonyEvent};

impl Engine {
    /// Whom an input is for: one live contact (a command naming it, an event on one of its
    /// legs, one of its timers, which is fired here) or the core (everything else, and late
    /// inputs for contacts that are gone).
    pub(crate) fn address(&mut self, input: Input) -> Addressed {
        let contact = match &input {
            Input::Command { agent, command } => {
                command_contact(command).filter(|_| self.agents.contains_key(agent))
            }
            Input::Telephony(event) => {
                event_leg(event).and_then(|leg| self.legs.get(&leg).map(|l| l.interaction))
            }
            Input::TimerFired(id) => self.timers.get(*id).and_then(|timer| match timer {
                Timer::NoAnswer { leg } => self.legs.get(&leg).map(|l| l.interaction),
                timer => timer.interaction(),
            }),
            Input::WebCallback { .. }
            | Input::ConfigChanged(_)
            | Input::RestoreCallback { .. }
            | Input::Supervise { .. } => None,
        };
        let Some((contact, channel)) =
            contact.and_then(|id| self.interactions.get(&id).map(|i| (id, i.channel)))
        else {
            return Addressed::Core(input);
        };
        let contact_input = match input {
            Input::Command { agent, command } => ContactInput::Command { agent, command },
            Input::Telephony(event) => ContactInput::Telephony(event),
            Input::TimerFired(id) => {
                ContactInput::Timer(self.timers.fire(id).expect("an armed timer was found"))
            }
            Input::WebCallback { .. }
            | Input::ConfigChanged(_)
            | Input::RestoreCallback { .. }
            | Input::Supervise { .. } => {
                unreachable!("only commands, telephony events and timers name one contact")
            }
        };
        Addressed::Contact(contact, channel, contact_input)
    }

    /// Test hook: the next step of `interaction` (an input addressed to it, or its next offer)
    /// panics once it has run, as a bug would. Proves that a panic ends that contact only
    /// (`isolation.rs`).
    #[doc(hidden)]
    pub fn inject_contact_panic(&mut self, interaction: InteractionId) {
        self.panic_in = Some(interaction);
    }

    /// Panics if the test hook armed a panic for `interaction`.
    pub(crate) fn injected_panic(&mut self, interaction: InteractionId) {
        if self.panic_in == Some(interaction) {
            self.panic_in = None;
            panic!("injected panic in {interaction}");
        }
    }

    /// Ends a contact whose step panicked: hangs up its legs, stops its timers, frees its agents
    /// and writes its final record, from whatever state the step left behind.
    pub(crate) fn end_after_panic(&mut self, interaction_id: InteractionId) {
        let interaction = self.interactions.remove(&interaction_id);
        let waiting = self
            .router
            .waiting()
            .find(|&(_, _, id)| id == interaction_id)
            .map(|(queue, place, _)| (queue, place));
        if let Some((queue, place)) = waiting {
            self.router.dequeue(queue, place);
            self.queue_changed(queue);
        }
        let mut legs: Vec<LegId> = self
            .legs
            .iter()
            .filter(|(_, leg)| leg.interaction == interaction_id)
            .map(|(&id, _)| id)
            .collect();
        legs.sort_unstable();
        for leg in legs {
            self.hang_up(leg);
        }
        let mut timers: Vec<TimerId> = self
            .timers
            .armed()
            .filter(|(_, timer)| timer.interaction() == Some(interaction_id))
            .map(|(id, _)| id)
            .collect();
        timers.sort_unstable();
        for timer in timers {
            self.stop_timer(Some(timer));
        }
        let mut freed: Vec<(AgentId, bool)> = Vec::new();
        for (&agent_id, agent) in &mut self.agents {
            let on_it = agent
                .voice
                .is_some_and(|slot| slot.interaction == interaction_id);
            if on_it {
                agent.voice = None;
            }
            let owed_wrapup = agent.wrapups.contains(&interaction_id);
            agent.wrapups.retain(|&id| id != interaction_id);
            if on_it || owed_wrapup {
                freed.push((agent_id, owed_wrapup));
            }
        }
        freed.sort_unstable();
        for (agent_id, owed_wrapup) in freed {
            self.desktop(
                Recipient::Agent(agent_id),
                DesktopEvent::CallEnded {
                    interaction: interaction_id,
                    reason: EndReason::InternalError,
                },
            );
            if owed_wrapup {
                self.desktop(
                    Recipient::Agent(agent_id),
                    DesktopEvent::WrapUpDone {
                        interaction: interaction_id,
                    },
                );
            }
        }
        // The step may have stopped half-way through a change to shared state. What is derived
        // from it is brought back in step: the call counter from the legs (R2), and every
        // agent's place in the router from the agent's state (R3).
        self.n_customer_calls = self.legs.values().filter(|leg| leg.counts).count() as u32;
        let mut agent_ids: Vec<AgentId> = self.agents.keys().copied().collect();
        agent_ids.sort_unstable();
        for agent_id in agent_ids {
            self.refresh_agent(agent_id);
        }
        let Some(interaction) = interaction else {
            return;
        };
        if interaction.voice.recording != RecordingState::Off {
            self.telephony(TelephonyCommand::StopRecording {
                interaction: interaction_id,
            });
        }
        // An interaction that had ended wrote its final record then (R45).
        if interaction.phase != Phase::Ended {
            self.record(Record::InteractionEnded {
                interaction: interaction_id,
                reason: EndReason::InternalError,
                agents: interaction.agents,
                created_at_unix_ms: interaction.created_at_unix_ms,
                connected_at_unix_ms: interaction.connected_at_unix_ms,
                at_unix_ms: self.now.unix_ms,
            });
        }
    }
}

/// The interaction a desktop command acts on, if it names one.
fn command_contact(command: &Command) -> Option<InteractionId> {
    match command {
        Command::Accept { interaction }
        | Command::Hold { interaction, .. }
        | Command::Resume { interaction, .. }
        | Command::Consult { interaction, .. }
        | Command::EndConsult { interaction }
        | Command::ConsultTransfer { interaction }
        | Command::Conference { interaction }
        | Command::Transfer { interaction, .. }
        | Command::End { interaction }
        | Command::PauseRecording { interaction }
        | Command::ResumeRecording { interaction }
        | Command::SaveVariables { interaction, .. }
        | Command::SubmitWrapUp { interaction, .. }
        | Command::CancelCallback { interaction } => Some(*interaction),
        Command::LogIn { .. }
        | Command::LogOut
        | Command::SetState(_)
        | Command::Outdial { .. } => None,
    }
}

/// The leg a telephony event is about, for events about a leg the engine already has.
fn event_leg(event: &TelephonyEvent) -> Option<LegId> {
    match event {
        TelephonyEvent::Ringing { leg }
        | TelephonyEvent::Answered { leg }
        | TelephonyEvent::Failed { leg, .. }
        | TelephonyEvent::HungUp { leg }
        | TelephonyEvent::LegLost { leg, .. }
        | TelephonyEvent::Dtmf { leg, .. } => Some(*leg),
        TelephonyEvent::CallArrived { .. }
        | TelephonyEvent::DeviceRegistered { .. }
        | TelephonyEvent::DeviceUnregistered { .. } => None,
    }
}
