//! Voice calls: how they arrive, their legs, hold, consult, transfer, conference, recording,
//! callbacks, and how they end.
//!
//! These are further `impl Engine` blocks over the core's tables (`crate::core`); issue 18
//! turns them into one `VoiceCall` state machine per call that owns its legs and timers and
//! talks to the core through a closed interface.

pub(crate) mod arrivals;
pub(crate) mod callbacks;
pub(crate) mod consult;
pub(crate) mod control;
pub(crate) mod ending;
pub(crate) mod invariants;
pub(crate) mod legs;
pub(crate) mod recording;
pub(crate) mod transfer;

use crate::core::contact::ContactInput;
use crate::core::engine::Engine;
use crate::core::timers::Timer;
use crate::io::{Command, FailCause, TelephonyEvent};
use crate::reject::Rejection;

impl Engine {
    /// One step of a voice call: a command on the call, an event on one of its legs, or one of
    /// its timers.
    pub(crate) fn voice_step(&mut self, input: ContactInput) -> Result<(), Rejection> {
        match input {
            ContactInput::Command { agent, command } => self.voice_command(agent, command),
            ContactInput::Telephony(event) => {
                self.voice_event(event);
                Ok(())
            }
            ContactInput::Timer(timer) => {
                self.voice_timer(timer);
                Ok(())
            }
        }
    }

    fn voice_command(
        &mut self,
        agent: crate::ids::AgentId,
        command: Command,
    ) -> Result<(), Rejection> {
        match command {
            Command::Hold { interaction, party } => self.hold(agent, interaction, party, true),
            Command::Resume { interaction, party } => self.hold(agent, interaction, party, false),
            Command::Consult {
                interaction,
                target,
            } => self.consult(agent, interaction, target),
            Command::EndConsult { interaction } => self.end_consult(agent, interaction),
            Command::ConsultTransfer { interaction } => self.consult_transfer(agent, interaction),
            Command::Conference { interaction } => self.conference(agent, interaction),
            Command::Transfer {
                interaction,
                target,
            } => self.transfer(agent, interaction, target),
            Command::End { interaction } => self.end(agent, interaction),
            Command::PauseRecording { interaction } => self.pause_recording(agent, interaction),
            Command::ResumeRecording { interaction } => self.resume_recording(agent, interaction),
            Command::CancelCallback { interaction } => self.cancel_callback(agent, interaction),
            Command::LogIn { .. }
            | Command::LogOut
            | Command::SetState(_)
            | Command::Outdial { .. }
            | Command::Accept { .. }
            | Command::SaveVariables { .. }
            | Command::SubmitWrapUp { .. } => {
                unreachable!("{command:?} is the core's, not a voice call's")
            }
        }
    }

    fn voice_event(&mut self, event: TelephonyEvent) {
        match event {
            TelephonyEvent::Ringing { leg } => self.leg_ringing(leg),
            TelephonyEvent::Answered { leg } => self.leg_answered(leg),
            TelephonyEvent::Failed { leg, cause } => {
                if let Some(leg_state) = self.legs.get(&leg)
                    && !leg_state.answered
                {
                    self.leg_failed(leg, cause, false);
                }
            }
            TelephonyEvent::HungUp { leg } => self.leg_hung_up(leg, None),
            TelephonyEvent::LegLost { leg, cause } => self.leg_hung_up(leg, Some(cause)),
            TelephonyEvent::Dtmf { leg, digit } => self.dtmf(leg, digit),
            TelephonyEvent::CallArrived { .. }
            | TelephonyEvent::DeviceRegistered { .. }
            | TelephonyEvent::DeviceUnregistered { .. } => {
                unreachable!("{event:?} is on no call's leg")
            }
        }
    }

    fn voice_timer(&mut self, timer: Timer) {
        match timer {
            Timer::NoAnswer { leg } => {
                if let Some(leg_state) = self.legs.get_mut(&leg) {
                    leg_state.timer = None;
                    self.leg_failed(leg, FailCause::NoAnswer, true);
                }
            }
            Timer::PrivacyShield { interaction } => self.privacy_shield_ends(interaction),
            Timer::CourtesyCallback { interaction } => self.offer_courtesy_callback(interaction),
            Timer::CallbackRetry { interaction } => self.callback_retry_due(interaction),
            Timer::QueueWaitMax { .. } | Timer::AutoWrapUp { .. } => {
                unreachable!("{timer:?} is the core's, not a voice call's")
            }
        }
    }
}
