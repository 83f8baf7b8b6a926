//! Agents: station log-in and log-out, chosen states, offerability and the voice slot (R3–R5).

use crate::config::Channel;
use crate::core::engine::{Engine, RouteTrigger};
use crate::dial::DialNumber;
use crate::ids::{AgentId, InteractionId, QueueId, TeamId};
use crate::io::{AgentStateView, DesktopEvent, Recipient, Record, StateRequest, SupervisorAction};
use crate::reject::{Rejection, Rule};

/// An agent's live state.
#[derive(Clone, Debug)]
pub(crate) struct Agent {
    /// Station log-in, if logged in.
    pub(crate) session: Option<Session>,
    /// The state the agent chose (or RONA).
    pub(crate) state: AgentState,
    /// The one voice call the agent is on or being offered (voice capacity is 1).
    pub(crate) voice: Option<VoiceSlot>,
    /// Calls the agent still has to wrap up (R36).
    pub(crate) wrapups: Vec<InteractionId>,
    /// When the agent last became offerable; longest available is offered first.
    pub(crate) offerable_since_mono_ms: u64,
}

/// Station log-in.
#[derive(Clone, Debug)]
pub(crate) struct Session {
    pub(crate) team: TeamId,
    pub(crate) extension: String,
}

/// An agent's chosen state.
#[derive(Clone, Debug, Eq, PartialEq)]
pub(crate) enum AgentState {
    LoggedOut,
    Available,
    Idle(Option<String>),
    Rona,
}

/// An agent's part in a voice call.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(crate) struct VoiceSlot {
    pub(crate) interaction: InteractionId,
    pub(crate) role: SlotRole,
}

#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(crate) enum SlotRole {
    /// The phone rings with an offer (inbound, callback, outdial): popover shown (R5).
    Offered,
    /// The agent owns the call (agent 1).
    Owner,
    /// The agent is consulted (agent 2); `accepted` once the phone was answered.
    Consulted { accepted: bool },
    /// The phone rings with a blind transfer.
    TransferTarget,
}

impl Engine {
    pub(crate) fn log_in(
        &mut self,
        agent_id: AgentId,
        team: TeamId,
        extension: &str,
    ) -> Result<(), Rejection> {
        let agent_config = self.config.agent(agent_id).expect("agent exists");
        if !agent_config.teams.contains(&team) {
            return Err(Rejection::rule(
                Rule::R3,
                format!("{} is not a member of {team}", agent_config.name),
            ));
        }
        let extension = DialNumber::parse(extension)
            .map_err(|e| Rejection::rule(Rule::R30, format!("extension: {e}")))?
            .to_string();
        let own = |candidate: &str| {
            DialNumber::parse(candidate).is_ok_and(|number| number.to_string() == extension)
        };
        if !own(&agent_config.extension) && !agent_config.stations.iter().any(|s| own(s)) {
            let mut allowed = vec![agent_config.extension.clone()];
            allowed.extend(agent_config.stations.iter().cloned());
            return Err(Rejection::rule(
                Rule::R3,
                format!(
                    "extension {extension} is not yours; log in at {}",
                    allowed.join(" or ")
                ),
            ));
        }
        let agent = &self.agents[&agent_id];
        if agent.session.is_some() {
            return Err(Rejection::rule(
                Rule::R3,
                "already logged in; log out first",
            ));
        }
        if let Some(other) = self.agent_by_extension.get(&extension) {
            let name = self
                .config
                .agent(*other)
                .map_or("a colleague", |a| a.name.as_str());
            return Err(Rejection::rule(
                Rule::R3,
                format!("extension {extension} is in use by {name}"),
            ));
        }
        self.agent_by_extension.insert(extension.clone(), agent_id);
        let agent = self.agents.get_mut(&agent_id).expect("agent exists");
        agent.session = Some(Session { team, extension });
        self.set_agent_state(agent_id, AgentState::Idle(None));
        Ok(())
    }

    /// Whether the agent may log out now: logged in, no popover (R5), no call (R3), no wrap-up
    /// waiting (R36).
    pub(crate) fn check_log_out(&self, agent_id: AgentId) -> Result<(), Rejection> {
        let agent = &self.agents[&agent_id];
        if agent.session.is_none() {
            return Err(Rejection::rule(Rule::R3, "not logged in"));
        }
        match agent.voice.map(|slot| slot.role) {
            Some(
                SlotRole::Offered
                | SlotRole::TransferTarget
                | SlotRole::Consulted { accepted: false },
            ) => {
                return Err(Rejection::rule(
                    Rule::R5,
                    "cannot log out while an offer popover is shown",
                ));
            }
            Some(_) => {
                return Err(Rejection::rule(
                    Rule::R3,
                    "cannot log out during a call; end it first",
                ));
            }
            None => {}
        }
        if !agent.wrapups.is_empty() {
            return Err(Rejection::rule(
                Rule::R36,
                "cannot log out before submitting wrap-up",
            ));
        }
        Ok(())
    }

    pub(crate) fn log_out(&mut self, agent_id: AgentId) -> Result<(), Rejection> {
        self.check_log_out(agent_id)?;
        let agent = &self.agents[&agent_id];
        let session = agent.session.as_ref().expect("checked");
        let extension = session.extension.clone();
        self.agent_by_extension.remove(&extension);
        self.agents
            .get_mut(&agent_id)
            .expect("agent exists")
            .session = None;
        self.set_agent_state(agent_id, AgentState::LoggedOut);
        Ok(())
    }

    pub(crate) fn set_state(
        &mut self,
        agent_id: AgentId,
        request: StateRequest,
    ) -> Result<(), Rejection> {
        if self.agents[&agent_id].session.is_none() {
            return Err(Rejection::rule(Rule::R3, "log in before changing state"));
        }
        let state = match request {
            StateRequest::Available => AgentState::Available,
            StateRequest::Idle { reason } => {
                if !self.config.idle_reasons.iter().any(|r| r.code == reason) {
                    let codes: Vec<&str> = self
                        .config
                        .idle_reasons
                        .iter()
                        .map(|r| r.code.as_str())
                        .collect();
                    return Err(Rejection::rule(
                        Rule::R3,
                        format!("unknown idle reason {reason:?}; one of {codes:?}"),
                    ));
                }
                AgentState::Idle(Some(reason))
            }
        };
        self.set_agent_state(agent_id, state);
        Ok(())
    }

    /// A supervisor sets an agent Idle or logs them out (R44), refused as the agent's own
    /// change would be; the agent is told who and why before the state changes, and both are
    /// recorded.
    pub(crate) fn supervise(
        &mut self,
        agent_id: AgentId,
        supervisor: String,
        action: SupervisorAction,
        note: String,
    ) -> Result<(), Rejection> {
        if !self.agents.contains_key(&agent_id) {
            return Err(Rejection::not_found(format!("no agent {agent_id}")));
        }
        if self.agents[&agent_id].session.is_none() {
            return Err(Rejection::rule(Rule::R3, "the agent is not logged in"));
        }
        // Checked before anything is said or recorded: a refusal changes nothing.
        if let SupervisorAction::LogOut = action {
            self.check_log_out(agent_id)?;
        }
        if let SupervisorAction::Idle { reason } = &action
            && !self.config.idle_reasons.iter().any(|r| &r.code == reason)
        {
            return Err(Rejection::rule(
                Rule::R3,
                format!("unknown idle reason {reason:?}"),
            ));
        }
        let at_unix_ms = self.now.unix_ms;
        let event = DesktopEvent::Supervised {
            supervisor: supervisor.clone(),
            action: action.clone(),
            note: note.clone(),
            at_unix_ms,
        };
        self.desktop(Recipient::Agent(agent_id), event);
        self.record(Record::Supervised {
            agent: agent_id,
            supervisor,
            action: action.clone(),
            note,
            at_unix_ms,
        });
        match action {
            SupervisorAction::Idle { reason } => {
                self.set_state(agent_id, StateRequest::Idle { reason })
            }
            SupervisorAction::LogOut => self.log_out(agent_id),
        }
    }

    /// Changes an agent's chosen state, tells the desktop and supervisors, records it.
    pub(crate) fn set_agent_state(&mut self, agent_id: AgentId, state: AgentState) {
        let agent = self.agents.get_mut(&agent_id).expect("agent exists");
        if agent.state == state {
            return;
        }
        // R37: one agent fewer serves their queues, so waiting callers' expected waits grow.
        if agent.state == AgentState::Available {
            self.expected_wait_grew = true;
        }
        agent.state = state.clone();
        let (view, reason) = match state {
            AgentState::LoggedOut => (AgentStateView::LoggedOut, None),
            AgentState::Available => (AgentStateView::Available, None),
            AgentState::Idle(reason) => (AgentStateView::Idle, reason),
            AgentState::Rona => (AgentStateView::Rona, None),
        };
        let at_unix_ms = self.now.unix_ms;
        let event = DesktopEvent::AgentState {
            agent: agent_id,
            state: view,
            reason: reason.clone(),
            at_unix_ms,
        };
        self.desktop(Recipient::Agent(agent_id), event.clone());
        self.desktop(Recipient::Supervisors, event);
        self.record(Record::AgentState {
            agent: agent_id,
            state: view,
            reason,
            at_unix_ms,
        });
        self.refresh_agent(agent_id);
    }

    /// Whether an agent can be offered a voice call now (R3, R4, R36).
    pub(crate) fn is_offerable(&self, agent: &Agent) -> bool {
        agent.state == AgentState::Available
            && agent.voice.is_none()
            && agent.wrapups.is_empty()
            && agent
                .session
                .as_ref()
                .is_some_and(|s| self.registered.contains(&s.extension))
    }

    /// Brings the router in step with an agent's state; an agent who just became offerable is
    /// routed once the input is applied.
    pub(crate) fn refresh_agent(&mut self, agent_id: AgentId) {
        let agent = &self.agents[&agent_id];
        let offerable = self.is_offerable(agent);
        let in_router = self.router.is_available(agent_id);
        if offerable && !in_router {
            let queues = self.queues_served(agent_id);
            let since = self.now.mono_ms;
            self.agents
                .get_mut(&agent_id)
                .expect("agent exists")
                .offerable_since_mono_ms = since;
            self.router.agent_available(agent_id, since, queues);
            self.to_route.push(RouteTrigger::Agent(agent_id));
        } else if !offerable && in_router {
            self.router.agent_unavailable(agent_id);
        }
    }

    /// The voice queues an agent serves: those of the team logged in to, whose skills the
    /// agent has.
    pub(crate) fn queues_served(&self, agent_id: AgentId) -> Vec<QueueId> {
        let agent = &self.agents[&agent_id];
        let Some(session) = &agent.session else {
            return Vec::new();
        };
        let agent_config = self.config.agent(agent_id).expect("agent exists");
        self.config
            .queues
            .iter()
            .filter(|q| q.channel == Channel::Voice && q.teams.contains(&session.team))
            .filter(|q| {
                q.skills_required
                    .iter()
                    .all(|s| agent_config.skills.contains(s))
            })
            .map(|q| q.id)
            .collect()
    }

    pub(crate) fn device_lost(&mut self, agent_id: AgentId) {
        // R21: an offer to a phone that is gone is RONA. A call in progress goes on: the media
        // keeps flowing and a phone usually re-registers.
        let ringing_leg = self.agents[&agent_id].voice.and_then(|slot| {
            let interaction = self.interactions.get(&slot.interaction)?;
            self.ringing_leg_of(interaction, agent_id)
        });
        if let Some(leg) = ringing_leg {
            self.leg_failed(leg, crate::FailCause::Unavailable, true);
        }
        self.refresh_agent(agent_id);
    }
}
