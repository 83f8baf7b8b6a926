//! Why the engine refused an input: a typed error that names the rule.

use std::collections::BTreeMap;
use std::fmt;

/// A refused input. The engine's state is unchanged when it returns one.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Rejection {
    /// The rule or kind of problem.
    pub code: Code,
    /// What was wrong and what is allowed, for the person who tried.
    pub message: String,
    /// Extra data the client needs to recover (R35: the current values).
    pub detail: Option<Box<RejectionDetail>>,
}

/// The kind of a rejection.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Code {
    /// A rule of the specification ([`Rule::R28`]).
    Rule(Rule),
    /// The interaction, agent, queue… does not exist (or is not visible to the caller).
    NotFound,
    /// The caller is not a participant allowed to do this.
    NotYours,
    /// The input is malformed or the action does not apply in this state.
    Invalid,
}

/// A rule of the specification (`SPEC.md`, R1–R45) that a refusal cites.
///
/// `git grep 'Rule::R28'` finds every refusal of rule 28; the wire shows it as `R28`.
#[derive(Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub enum Rule {
    /// Background-noise removal on the customer's audio.
    R1,
    /// The organisation's maximum of concurrent calls.
    R2,
    /// Agent states and station log-in: only Available agents are offered calls.
    R3,
    /// An agent in RONA is offered nothing until they change state by hand.
    R4,
    /// No log-out while a connect or contact-request popover is shown.
    R5,
    /// The connect popover.
    R6,
    /// The contact-request popover.
    R7,
    /// Several requests stack.
    R8,
    /// Voice popover variables.
    R9,
    /// Consult-request popover variables.
    R10,
    /// The callback popover.
    R11,
    /// RONA: an unanswered offer goes back to its queue at its original place.
    R12,
    /// A voice call is answered on the agent's phone.
    R13,
    /// Hold and resume, only once the call was accepted.
    R14,
    /// While consulting, the customer and the consulted party are never both active.
    R15,
    /// Consult, only during an active call, to an available target.
    R16,
    /// The directories can be refreshed.
    R17,
    /// Until the consulted party answers, only ending the consult is possible.
    R18,
    /// Once accepted, the consulting agent has two control panes.
    R19,
    /// Consult to an entry point's dial number picked from the list.
    R20,
    /// A consulted agent who does not answer goes to RONA.
    R21,
    /// The consulted agent cannot edit CAD variables.
    R22,
    /// What the consulting agent can do during a consult.
    R23,
    /// What the customer can do during a consult.
    R24,
    /// What agent 1 can do during a consult.
    R25,
    /// What agent 2 can do during a consult.
    R26,
    /// Blind transfer, only once the call was accepted.
    R27,
    /// No transfer to an agent in wrap-up.
    R28,
    /// A call transferred to an entry point never routes back to the agent who transferred it.
    R29,
    /// A dial number holds 3 to 18 digits and only `+ # * :`.
    R30,
    /// Automatic recording.
    R31,
    /// Privacy Shield: a recording pause lasts at most the set duration.
    R32,
    /// CAD variables are defined by the administrator.
    R33,
    /// Editable CAD variables: at most 256 characters, date-times in ISO 8601.
    R34,
    /// Concurrent CAD edits: the first save wins.
    R35,
    /// End and wrap-up.
    R36,
    /// Courtesy and web callbacks.
    R37,
    /// A callback is offered to an available agent.
    R38,
    /// End call for web callback.
    R39,
    /// A callback's customer answers, or is retried.
    R40,
    /// Channels beside voice, with per-agent capacity.
    R41,
    /// Outdial.
    R42,
    /// Administration.
    R43,
    /// Supervisors.
    R44,
    /// Every interaction leaves a durable record.
    R45,
}

impl Rule {
    /// The rule's number: 28 for [`Rule::R28`].
    pub fn number(self) -> u8 {
        match self {
            Rule::R1 => 1,
            Rule::R2 => 2,
            Rule::R3 => 3,
            Rule::R4 => 4,
            Rule::R5 => 5,
            Rule::R6 => 6,
            Rule::R7 => 7,
            Rule::R8 => 8,
            Rule::R9 => 9,
            Rule::R10 => 10,
            Rule::R11 => 11,
            Rule::R12 => 12,
            Rule::R13 => 13,
            Rule::R14 => 14,
            Rule::R15 => 15,
            Rule::R16 => 16,
            Rule::R17 => 17,
            Rule::R18 => 18,
            Rule::R19 => 19,
            Rule::R20 => 20,
            Rule::R21 => 21,
            Rule::R22 => 22,
            Rule::R23 => 23,
            Rule::R24 => 24,
            Rule::R25 => 25,
            Rule::R26 => 26,
            Rule::R27 => 27,
            Rule::R28 => 28,
            Rule::R29 => 29,
            Rule::R30 => 30,
            Rule::R31 => 31,
            Rule::R32 => 32,
            Rule::R33 => 33,
            Rule::R34 => 34,
            Rule::R35 => 35,
            Rule::R36 => 36,
            Rule::R37 => 37,
            Rule::R38 => 38,
            Rule::R39 => 39,
            Rule::R40 => 40,
            Rule::R41 => 41,
            Rule::R42 => 42,
            Rule::R43 => 43,
            Rule::R44 => 44,
            Rule::R45 => 45,
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "R{}", self.number())
    }
}

/// Extra data of a rejection.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum RejectionDetail {
    /// R35: the save was based on an old version; these are the values now.
    VariablesConflict {
        /// The current version.
        version: u64,
        /// The current non-secure values.
        values: BTreeMap<String, String>,
        /// The variables' labels (name → label), so the agent reads labels, not names.
        labels: BTreeMap<String, String>,
        /// Who saved the current values, if an agent did (the same agent in another tab, or a
        /// colleague).
        saved_by: Option<SavedBy>,
    },
}

/// Who saved a call's variables last, and when (R35).
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct SavedBy {
    /// The agent.
    pub agent: crate::ids::AgentId,
    /// Their name, as colleagues see it (R16).
    pub name: String,
    /// When (Unix ms).
    pub at_unix_ms: i64,
}

impl Rejection {
    /// A rejection citing `rule`.
    pub fn rule(rule: Rule, message: impl Into<String>) -> Rejection {
        Rejection {
            code: Code::Rule(rule),
            message: message.into(),
            detail: None,
        }
    }

    /// The thing named does not exist.
    pub fn not_found(message: impl Into<String>) -> Rejection {
        Rejection {
            code: Code::NotFound,
            message: message.into(),
            detail: None,
        }
    }

    /// The caller may not act on this.
    pub fn not_yours(message: impl Into<String>) -> Rejection {
        Rejection {
            code: Code::NotYours,
            message: message.into(),
            detail: None,
        }
    }

    /// Malformed input, or an action that does not apply now.
    pub fn invalid(message: impl Into<String>) -> Rejection {
        Rejection {
            code: Code::Invalid,
            message: message.into(),
            detail: None,
        }
    }

    /// The code as the API shows it: `R28`, `not_found`, `forbidden` or `invalid`.
    pub fn code_str(&self) -> String {
        match self.code {
            Code::Rule(rule) => rule.to_string(),
            Code::NotFound => "not_found".into(),
            Code::NotYours => "forbidden".into(),
            Code::Invalid => "invalid".into(),
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code_str(), self.message)
    }
}

impl std::error::Error for Rejection {}

#[cfg(test)]
mod tests {
    use super::*;

    /// The wire code of a refusal stays `R<n>` now that rules are an enum (`docs/api.md`).
    #[test]
    fn rule_codes_keep_their_wire_names() {
        let rejection = Rejection::rule(Rule::R28, "bjorn is in wrap-up");
        assert_eq!(rejection.code_str(), "R28");
        assert_eq!(rejection.to_string(), "R28: bjorn is in wrap-up");
        assert_eq!(Rule::R2.to_string(), "R2");
        assert_eq!(Rule::R45.number(), 45);
    }
}
