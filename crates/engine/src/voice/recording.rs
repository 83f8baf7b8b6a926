//! Recording: automatic start, pause and resume, and Privacy Shield (R31, R32).

use crate::core::engine::Engine;
use crate::core::timers::Timer;
use crate::ids::{AgentId, InteractionId};
use crate::io::{DesktopEvent, Recipient, Record, RecordingState, TelephonyCommand};
use crate::reject::{Rejection, Rule};

impl Engine {
    pub(crate) fn start_recording(&mut self, interaction_id: InteractionId) {
        let interaction = &self.interactions[&interaction_id];
        if self.config.org.recording && interaction.voice.recording == RecordingState::Off {
            let leg = interaction.voice.customer_leg.expect("connected");
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
        self.check_allowed(agent_id, crate::config::DesktopAction::PauseRecording)?;
        if interaction.consult().is_some() {
            return Err(Rejection::rule(
                Rule::R32,
                "recording cannot be paused during a consult or conference",
            ));
        }
        if interaction.voice.recording != RecordingState::On {
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
                .voice
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
        if !matches!(interaction.voice.recording, RecordingState::Paused { .. }) {
            return Err(Rejection::rule(Rule::R31, "recording is not paused"));
        }
        let timer = self
            .interactions
            .get_mut(&interaction_id)
            .expect("exists")
            .voice
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
        interaction.voice.shield_timer = None;
        if matches!(interaction.voice.recording, RecordingState::Paused { .. }) {
            self.telephony(TelephonyCommand::ResumeRecording {
                interaction: interaction_id,
            });
            self.recording_changed(interaction_id, RecordingState::On, None);
        }
    }

    /// Records a recording state change; `agent` is who asked for it (a pause or resume), `None`
    /// when Sentral did (start, Privacy Shield, end) — compliance auditors ask who (R31).
    pub(crate) fn recording_changed(
        &mut self,
        interaction_id: InteractionId,
        state: RecordingState,
        agent: Option<AgentId>,
    ) {
        let interaction = self.interactions.get_mut(&interaction_id).expect("exists");
        interaction.voice.recording = state;
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
}
