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
    /// A rule of the specification, by number (e.g. 28 for R28).
    Rule(u8),
    /// The interaction, agent, queue… does not exist (or is not visible to the caller).
    NotFound,
    /// The caller is not a participant allowed to do this.
    NotYours,
    /// The input is malformed or the action does not apply in this state.
    Invalid,
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
    },
}

impl Rejection {
    /// A rejection citing rule `number`.
    pub fn rule(number: u8, message: impl Into<String>) -> Rejection {
        Rejection {
            code: Code::Rule(number),
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
            Code::Rule(number) => format!("R{number}"),
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
