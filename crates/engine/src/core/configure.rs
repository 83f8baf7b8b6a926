//! Configuration changes: what may change while contacts are live, and installing the new
//! configuration (R43).

use crate::config::{AllowedActions, Config};
use crate::core::agents::{Agent, AgentState};
use crate::core::contact::Phase;
use crate::core::engine::{Engine, RouteTrigger};
use crate::ids::AgentId;
use crate::io::{DesktopEvent, Recipient};
use crate::reject::Rejection;

impl Engine {
    pub(crate) fn change_config(&mut self, config: Config) -> Result<(), Rejection> {
        if let Err(errors) = config.validate() {
            let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
            return Err(Rejection::invalid(messages.join("; ")));
        }
        for (agent_id, agent) in &self.agents {
            let busy =
                agent.session.is_some() || agent.voice.is_some() || !agent.wrapups.is_empty();
            let still = config.agent(*agent_id);
            if busy && still.is_none() {
                return Err(Rejection::invalid(format!(
                    "{agent_id} is logged in or on a call; log them out before removing them"
                )));
            }
            if let (Some(session), Some(still)) = (&agent.session, still)
                && !still.teams.contains(&session.team)
            {
                return Err(Rejection::invalid(format!(
                    "{agent_id} is logged in to {}; log them out before removing them from it",
                    session.team
                )));
            }
        }
        for interaction in self.interactions.values() {
            // A live interaction may still go back to its queue (R12, R28, R40), which must
            // then still exist and serve its channel.
            if let Some(queue) = interaction.queue
                && interaction.phase != Phase::Ended
                && config
                    .queue(queue)
                    .is_none_or(|q| q.channel != interaction.channel)
            {
                return Err(Rejection::invalid(format!(
                    "{queue} has live interactions; it can be removed or change channel once \
                     they end"
                )));
            }
        }
        let waiting_callbacks = self.waiting_callback_attempts();
        // In id order, so that the same input always gives the same outputs.
        let mut profiles_before: Vec<(AgentId, Option<AllowedActions>)> = self
            .agents
            .keys()
            .map(|&agent_id| (agent_id, self.allowed_actions(agent_id)))
            .collect();
        profiles_before.sort_by_key(|(agent_id, _)| *agent_id);
        self.install_config(config);
        self.give_up_spent_callbacks(waiting_callbacks);
        self.tell_changed_profiles(profiles_before);
        Ok(())
    }

    /// R43: tells each logged-in agent whose team's desktop profile changed what they may do now.
    fn tell_changed_profiles(&mut self, before: Vec<(AgentId, Option<AllowedActions>)>) {
        for (agent_id, was) in before {
            if let Some(allowed) = self.allowed_actions(agent_id)
                && was != Some(allowed)
            {
                self.desktop(
                    Recipient::Agent(agent_id),
                    DesktopEvent::ProfileChanged { allowed },
                );
            }
        }
    }

    pub(crate) fn install_config(&mut self, config: Config) {
        self.ep_by_digits = config.entry_points_by_digits();
        for queue in &self.config.queues {
            if config.queue(queue.id).is_none() {
                let removed = self.router.remove_queue(queue.id);
                debug_assert!(removed, "removed a queue with waiting contacts");
            }
        }
        for queue in &config.queues {
            self.router.set_queue(queue.id, queue.priority);
        }
        self.agents.retain(|id, _| config.agent(*id).is_some());
        for agent in &config.agents {
            self.agents.entry(agent.id).or_insert_with(|| Agent {
                session: None,
                state: AgentState::LoggedOut,
                voice: None,
                wrapups: Vec::new(),
                offerable_since_mono_ms: 0,
            });
        }
        self.config = config;
        // Team and skill changes change which queues an available agent serves; their place
        // in line (how long they have been available) is kept.
        let available: Vec<AgentId> = self
            .agents
            .keys()
            .copied()
            .filter(|id| self.router.is_available(*id))
            .collect();
        for agent_id in available {
            let since = self.agents[&agent_id].offerable_since_mono_ms;
            let queues = self.queues_served(agent_id);
            self.router.agent_available(agent_id, since, queues);
            self.to_route.push(RouteTrigger::Agent(agent_id));
        }
    }
}
