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
use crate::ids::{AgentId, LegId, TimerId};
use crate::io::{Command, FailCause, RecordingState, TelephonyEvent};
use crate::reject::Rejection;

/// What only a voice call has, beside what every contact has (`Interaction`): its legs,
/// recording with Privacy Shield, and the state of its courtesy callback and callback attempts.
/// Its hold and consult live in `Phase::Connected`.
#[derive(Clone, Debug)]
pub(crate) struct VoiceCall {
    /// The customer's leg, once there is one (callbacks and outdials dial it).
    pub(crate) customer_leg: Option<LegId>,
    /// The outside party the call was handed to (transfer to a number).
    pub(crate) external_leg: Option<LegId>,
    /// Whether the call is recorded now (R31, R32).
    pub(crate) recording: RecordingState,
    /// The Privacy Shield timer of a paused recording (R32).
    pub(crate) shield_timer: Option<TimerId>,
    /// When the caller will hear "press 1" for a courtesy callback (R37).
    pub(crate) courtesy_timer: Option<TimerId>,
    /// The caller heard "press 1" (R37).
    pub(crate) courtesy_offered: bool,
    /// The "press 1" time came while the call rang an agent: offer it if it comes back (R37).
    pub(crate) courtesy_due: bool,
    /// How many times the callback's customer was dialled and did not answer (R40).
    pub(crate) callback_attempts: u32,
}

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

    fn voice_command(&mut self, agent: AgentId, command: Command) -> Result<(), Rejection> {
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
