//! The desktop profile's allowed actions (R43): what an agent may do depends on the team they
//! are logged in to. A refused action names `R43`; the views carry the profile so that the
//! desktop leaves out what is not allowed.

use crate::config::{AllowedActions, DesktopAction};
use crate::core::engine::Engine;
use crate::ids::AgentId;
use crate::io::Target;
use crate::reject::{Rejection, Rule};

impl Engine {
    /// The allowed actions of the team `agent_id` is logged in to; `None` when logged out.
    pub fn allowed_actions(&self, agent_id: AgentId) -> Option<AllowedActions> {
        let session = self.agents.get(&agent_id)?.session.as_ref()?;
        // A team removed while agents are logged in to it is refused (`change_config`).
        Some(
            self.config
                .team(session.team)
                .map_or(AllowedActions::ALL, |team| team.allowed_actions),
        )
    }

    /// `Ok` if the agent's team allows `action` (or the agent is logged out, which the action's
    /// own checks refuse), else the `R43` refusal.
    pub(crate) fn check_allowed(
        &self,
        agent_id: AgentId,
        action: DesktopAction,
    ) -> Result<(), Rejection> {
        match self.allowed_actions(agent_id) {
            Some(allowed) if !allowed.allows(action) => {
                let team = self.agents[&agent_id]
                    .session
                    .as_ref()
                    .and_then(|s| self.config.team(s.team))
                    .map_or_else(String::new, |t| t.name.clone());
                Err(Rejection::rule(
                    Rule::R43,
                    format!(
                        "team {team} may not {}: its desktop profile does not allow it",
                        action.described()
                    ),
                ))
            }
            _ => Ok(()),
        }
    }

    /// The allowed action a blind transfer to `target` needs, if any: a dial number that is an
    /// entry point's goes to that entry point (R20), an expert is called on their work phone.
    /// A number that does not parse needs none here; R30 refuses it.
    pub(crate) fn transfer_action(&self, target: &Target) -> Option<DesktopAction> {
        match target {
            Target::Agent(_) | Target::Queue(_) => None,
            Target::EntryPoint(_) => Some(DesktopAction::TransferToEntryPoint),
            Target::Expert(_) => Some(DesktopAction::TransferToDialNumber),
            Target::DialNumber(text) => {
                let number = crate::dial::DialNumber::parse(text).ok()?;
                Some(if self.ep_by_digits.contains_key(&number.digits()) {
                    DesktopAction::TransferToEntryPoint
                } else {
                    DesktopAction::TransferToDialNumber
                })
            }
        }
    }
}
