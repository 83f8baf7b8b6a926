//! A voice call's own invariants: its agents and legs match its phase, the customer and the
//! consulted party are never both on hold (R15), and a callback waiting to retry waits alone
//! (R40).

use crate::core::agents::SlotRole;
use crate::core::contact::{Interaction, Phase};
use crate::core::engine::Engine;
use crate::core::timers::Timer;
use crate::ids::{AgentId, InteractionId, LegId};
use crate::io::InteractionKind;
use crate::voice::control::hold_state;

impl Engine {
    /// Checks one voice call against the agents on it (`actual`, sorted by agent) and its legs.
    pub(crate) fn check_voice_call(
        &self,
        id: InteractionId,
        interaction: &Interaction,
        actual: &[(AgentId, SlotRole)],
    ) -> Result<(), String> {
        let expected = self.expected_slots(interaction);
        if expected != actual {
            return Err(format!(
                "{id} in {:?}: agents {actual:?}, expected {expected:?}",
                interaction.phase
            ));
        }
        for leg in self.legs_of(interaction) {
            if self.legs.get(&leg).is_none_or(|l| l.interaction != id) {
                return Err(format!("{id} refers to {leg}, which is not its live leg"));
            }
        }
        self.check_retry_wait(id, interaction)?;
        if let (true, Some(true)) = hold_state(interaction) {
            return Err(format!(
                "R15: customer and consulted party of {id} are both on hold"
            ));
        }
        Ok(())
    }

    /// Every armed callback retry belongs to a callback waiting for it (R40).
    pub(crate) fn check_voice_timers(&self) -> Result<(), String> {
        for (timer, kind) in self.timers.armed() {
            if let Timer::CallbackRetry { interaction } = kind
                && !self
                    .interactions
                    .get(&interaction)
                    .is_some_and(|i| i.phase == Phase::RetryWait { timer })
            {
                return Err(format!(
                    "R40: retry {timer} is armed for {interaction}, which does not wait for it"
                ));
            }
        }
        Ok(())
    }

    /// A callback waiting to retry (R40) has its retry timer armed, its place kept, a queue
    /// to go back to, and nobody and nothing on it.
    pub(crate) fn check_retry_wait(
        &self,
        id: InteractionId,
        interaction: &Interaction,
    ) -> Result<(), String> {
        let Phase::RetryWait { timer } = interaction.phase else {
            return Ok(());
        };
        if self.timers.get(timer) != Some(Timer::CallbackRetry { interaction: id }) {
            return Err(format!(
                "R40: {id} waits to retry but {timer} is not its retry"
            ));
        }
        let is_callback = matches!(
            interaction.kind,
            InteractionKind::WebCallback | InteractionKind::CourtesyCallback
        );
        let alone = interaction.owner.is_none()
            && interaction.voice.customer_leg.is_none()
            && interaction.voice.external_leg.is_none()
            && interaction.consult().is_none();
        let attempts_left = interaction.queue.is_some_and(|queue| {
            interaction.voice.callback_attempts < self.config.callback_attempts_max(queue)
        });
        if !is_callback
            || !alone
            || interaction.place.is_none()
            || interaction.voice.callback_attempts == 0
        {
            return Err(format!(
                "R40: {id} waits to retry as {:?} after {} attempts, owner {:?}, place {:?}",
                interaction.kind,
                interaction.voice.callback_attempts,
                interaction.owner,
                interaction.place
            ));
        }
        if !attempts_left {
            return Err(format!(
                "R40: {id} waits to retry after {} attempts, the most its queue allows",
                interaction.voice.callback_attempts
            ));
        }
        Ok(())
    }

    pub(crate) fn expected_slots(&self, interaction: &Interaction) -> Vec<(AgentId, SlotRole)> {
        let mut expected = Vec::new();
        match interaction.phase {
            Phase::Offered { agent, .. } => expected.push((agent, SlotRole::Offered)),
            Phase::Transferring {
                agent: Some(agent), ..
            } => expected.push((agent, SlotRole::TransferTarget)),
            _ => {}
        }
        if let Some((agent, _)) = interaction.owner {
            expected.push((agent, SlotRole::Owner));
        }
        if let Some(consult) = interaction.consult()
            && let Some(agent) = consult.agent
        {
            expected.push((
                agent,
                SlotRole::Consulted {
                    accepted: consult.accepted,
                },
            ));
        }
        expected.sort_by_key(|s| s.0);
        expected
    }

    pub(crate) fn legs_of(&self, interaction: &Interaction) -> Vec<LegId> {
        let mut legs: Vec<LegId> = [
            interaction.voice.customer_leg,
            interaction.voice.external_leg,
        ]
        .into_iter()
        .flatten()
        .chain(interaction.owner.map(|(_, leg)| leg))
        .chain(interaction.consult().map(|c| c.leg))
        .collect();
        match interaction.phase {
            Phase::Offered { leg, .. } | Phase::Transferring { leg, .. } => legs.push(leg),
            _ => {}
        }
        legs
    }
}

#[cfg(test)]
mod tests {
    use crate::core::contact::Phase;
    use crate::testing::*;
    use crate::voice::consult::Consult;
    use crate::{LegId, Party};

    /// Issue 18: a voice call checks its own invariants. A connected call that names a consult
    /// leg the engine does not have is reported, with the call and the leg.
    #[test]
    fn a_voice_call_reports_a_leg_it_does_not_have() {
        let mut h = Harness::new();
        h.ready(DAVID, SUPPORT);
        let (id, _) = h.arrive(DN_KUNDESERVICE);
        h.answer(DAVID);
        assert_eq!(h.engine.check_invariants(), Ok(()));

        let interaction = h.engine.interactions.get_mut(&id).expect("live");
        interaction.phase = Phase::Connected {
            customer_held: false,
            consult: Some(Consult {
                agent: None,
                leg: LegId(999),
                accepted: false,
                active: Party::Consulted,
                conference: false,
            }),
        };

        let violation = h
            .engine
            .check_invariants()
            .expect_err("a broken call is reported");
        assert!(
            violation.contains(&id.to_string()) && violation.contains(&LegId(999).to_string()),
            "{violation}"
        );
    }
}
