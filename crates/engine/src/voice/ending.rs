//! How a call ends for its owner and for everyone: releasing the owner with or without wrap-up,
//! the owner leaving, and the one final record (R23–R25, R45).

use crate::core::contact::Phase;
use crate::core::engine::Engine;
use crate::ids::InteractionId;
use crate::io::{
    DesktopEvent, EndReason, InteractionKind, Recipient, Record, RecordingState, TelephonyCommand,
};
use crate::voice::callbacks::interaction_queue;

impl Engine {
    /// Lets the owner go without wrap-up (a callback that goes back to its queue).
    pub(crate) fn release_owner(&mut self, interaction_id: InteractionId) {
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
    pub(crate) fn release_owner_with_wrapup(
        &mut self,
        interaction_id: InteractionId,
        reason: EndReason,
    ) {
        let interaction = self.interactions.get_mut(&interaction_id).expect("exists");
        if let Some((agent_id, leg)) = interaction.owner.take() {
            self.hang_up(leg);
            self.agents.get_mut(&agent_id).expect("exists").voice = None;
            self.require_wrapup(agent_id, interaction_id, reason);
        }
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
            interaction.voice.customer_leg.take(),
            interaction.voice.external_leg.take(),
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
        let shield_timer = interaction.voice.shield_timer.take();
        let wait_timer = interaction.wait_timer.take();
        let courtesy_timer = interaction.voice.courtesy_timer.take();
        let recording = std::mem::replace(&mut interaction.voice.recording, RecordingState::Off);
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

    /// The owner pressed End or hung up the phone (R23, R25, R36).
    /// The owning agent leaves the call; `ended` is the record's reason when that ends it.
    pub(crate) fn owner_leaves(&mut self, interaction_id: InteractionId, ended: EndReason) {
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
                let leg = interaction.voice.customer_leg;
                self.interactions
                    .get_mut(&interaction_id)
                    .expect("exists")
                    .voice
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
}
