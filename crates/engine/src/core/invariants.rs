//! The engine's invariants: what the core keeps true of agents, legs, queues and wrap-ups,
//! and each contact's own invariants by its kind.

use crate::config::Channel;
use crate::core::agents::{AgentState, SlotRole};
use crate::core::contact::Phase;
use crate::core::engine::Engine;
use crate::ids::{AgentId, InteractionId};
use crate::voice::legs::LegRole;
use std::collections::HashMap;

impl Engine {
    /// Checks the engine's invariants: the core's here, each contact's by its kind
    /// (`Engine::check_voice_call`). Runs after every input in debug builds; the harness and the
    /// simulation call it after every step. Returns a description of the first violation.
    pub fn check_invariants(&self) -> Result<(), String> {
        let mut slots: HashMap<InteractionId, Vec<(AgentId, SlotRole)>> = HashMap::new();
        for (&agent_id, agent) in &self.agents {
            if let Some(slot) = agent.voice {
                slots
                    .entry(slot.interaction)
                    .or_default()
                    .push((agent_id, slot.role));
                let interaction = self.interactions.get(&slot.interaction).ok_or(format!(
                    "{agent_id} holds a slot on unknown {}",
                    slot.interaction
                ))?;
                if interaction.phase == Phase::Ended {
                    return Err(format!("{agent_id} is still on ended {}", slot.interaction));
                }
            }
            for wrapup in &agent.wrapups {
                if !self.interactions.contains_key(wrapup) {
                    return Err(format!("{agent_id} must wrap up unknown {wrapup}"));
                }
            }
            if self.router.is_available(agent_id) != self.is_offerable(agent) {
                return Err(format!(
                    "{agent_id}: router availability differs from offerability"
                ));
            }
            if agent.session.is_none()
                && (agent.state != AgentState::LoggedOut || agent.voice.is_some())
            {
                return Err(format!(
                    "{agent_id} is logged out but {:?} / {:?}",
                    agent.state, agent.voice
                ));
            }
        }
        let mut n_counted = 0;
        for (&leg, leg_state) in &self.legs {
            if !self
                .interactions
                .get(&leg_state.interaction)
                .is_some_and(|i| i.phase != Phase::Ended)
            {
                return Err(format!("{leg} belongs to no live interaction"));
            }
            n_counted += u32::from(leg_state.counts);
            if let LegRole::Agent(agent) = leg_state.role
                && self.agents[&agent]
                    .voice
                    .is_none_or(|s| s.interaction != leg_state.interaction)
            {
                return Err(format!(
                    "{leg} rings or talks to {agent}, who is not on that call"
                ));
            }
        }
        if n_counted != self.n_customer_calls {
            return Err(format!(
                "{} customer calls counted, {n_counted} legs count",
                self.n_customer_calls
            ));
        }
        let mut n_queued = 0;
        for (&id, interaction) in &self.interactions {
            let mut actual = slots.remove(&id).unwrap_or_default();
            actual.sort_by_key(|s| s.0);
            match interaction.channel {
                Channel::Voice => self.check_voice_call(id, interaction, &actual)?,
                channel => {
                    return Err(format!(
                        "{id} is a {channel:?} contact, which nothing handles"
                    ));
                }
            }
            let queued = match (interaction.phase, interaction.queue, interaction.place) {
                (Phase::Queued, Some(queue), Some(place)) => {
                    self.router.is_waiting(queue, place, id)
                }
                _ => false,
            };
            if (interaction.phase == Phase::Queued) != queued {
                return Err(format!(
                    "{id} is {:?} but queued in the router: {queued}",
                    interaction.phase
                ));
            }
            if queued
                && interaction
                    .queue
                    .and_then(|q| self.config.queue(q))
                    .map(|q| q.channel)
                    != Some(interaction.channel)
            {
                return Err(format!(
                    "{id} waits in {:?}, which no {:?} agent serves",
                    interaction.queue, interaction.channel
                ));
            }
            n_queued += usize::from(queued);
            if interaction.phase == Phase::Ended && interaction.pending_wrapups == 0 {
                return Err(format!(
                    "{id} ended without pending wrap-up but is still kept"
                ));
            }
            let n_wrapups = self
                .agents
                .values()
                .filter(|a| a.wrapups.contains(&id))
                .count();
            if n_wrapups != interaction.pending_wrapups as usize {
                return Err(format!(
                    "{id}: {n_wrapups} agents wrap up, {} pending",
                    interaction.pending_wrapups
                ));
            }
        }
        if !slots.is_empty() {
            return Err(format!("agents on unknown interactions: {slots:?}"));
        }
        if n_queued != self.router.n_waiting_total() {
            return Err(format!(
                "router has {} waiting, interactions {n_queued}",
                self.router.n_waiting_total()
            ));
        }
        if let Some((queue, interaction, agent)) = self.router.find_unrouted() {
            return Err(format!(
                "{interaction} waits in {queue} while {agent} is available for it"
            ));
        }
        self.check_voice_timers()?;
        Ok(())
    }
}
