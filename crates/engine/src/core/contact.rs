//! A contact (interaction) and its `Phase`, an enum carrying the data valid in each phase.

use crate::config::Channel;
use crate::core::engine::Engine;
use crate::core::routing::Place;
use crate::core::timers::Timer;
use crate::ids::{AgentId, EntryPointId, InteractionId, LegId, QueueId, TimerId};
use crate::io::{Command, Input, InteractionKind, TelephonyEvent};
use crate::reject::Rejection;
use crate::voice::VoiceCall;
use crate::voice::consult::Consult;
use std::collections::BTreeMap;

/// What the core hands one contact: the closed set of inputs a contact's handling takes.
///
/// The core decides whom an input is for (`Engine::address`); a contact's step gets only
/// inputs addressed to it. Voice is the only kind today (`Engine::voice_step`); a chat session
/// would take the same inputs beside it.
#[derive(Debug)]
pub(crate) enum ContactInput {
    /// A desktop command naming the contact, from a known agent.
    Command {
        /// Who acts.
        agent: AgentId,
        /// What they do.
        command: Command,
    },
    /// A telephony event on one of the contact's legs.
    Telephony(TelephonyEvent),
    /// One of the contact's timers fired; the core has taken it out of the timer table.
    Timer(Timer),
}

/// Whom an input is for.
#[derive(Debug)]
pub(crate) enum Addressed {
    /// The core: agents, arrivals, configuration, and late inputs for contacts that are gone.
    Core(Input),
    /// One live contact's step, with the contact's channel (which kind takes it).
    Contact(InteractionId, Channel, ContactInput),
}

/// A live interaction.
#[derive(Clone, Debug)]
pub(crate) struct Interaction {
    pub(crate) channel: Channel,
    pub(crate) kind: InteractionKind,
    pub(crate) entry_point: Option<EntryPointId>,
    /// The queue that routes (or routed) it.
    pub(crate) queue: Option<QueueId>,
    pub(crate) customer_number: Option<String>,
    pub(crate) customer_name: Option<String>,
    pub(crate) dnis: Option<String>,
    pub(crate) phase: Phase,
    /// Its place in `queue`, kept when an offer is not answered (R12).
    pub(crate) place: Option<Place>,
    /// The agents it must never be routed to: each who transferred it to an entry point (R29).
    pub(crate) excluded: Vec<AgentId>,
    /// Agent 1: the agent who owns the call.
    pub(crate) owner: Option<(AgentId, LegId)>,
    pub(crate) variables: BTreeMap<String, String>,
    pub(crate) variables_version: u64,
    /// The agent who saved the variables last and when (Unix ms), for a conflict (R35).
    pub(crate) variables_saved_by: Option<(AgentId, i64)>,
    /// The agent who last transferred it (blind or after a consult), so that whoever takes it
    /// reads whom it came from (R27).
    pub(crate) transferred_by: Option<AgentId>,
    pub(crate) wait_timer: Option<TimerId>,
    /// Every agent who owned or was consulted, in order.
    pub(crate) agents: Vec<AgentId>,
    pub(crate) created_at_unix_ms: i64,
    pub(crate) connected_at_unix_ms: Option<i64>,
    pub(crate) pending_wrapups: u32,
    /// What only a voice call has: its legs, recording and callback state.
    pub(crate) voice: VoiceCall,
}

/// Where an interaction is.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(crate) enum Phase {
    /// Waiting in `queue` at `place`.
    Queued,
    /// The agent's phone rings (inbound, callback, outdial).
    Offered { agent: AgentId, leg: LegId },
    /// Callback or outdial: the owner answered, the customer's number is being dialled.
    Dialing { leg: LegId },
    /// A callback whose customer did not answer waits out its queue's spacing, out of the
    /// router, keeping its `place`; `timer` takes it back to `queue` (R40).
    RetryWait { timer: TimerId },
    /// The customer talks with the owner or an external party.
    Connected {
        /// The customer is on hold by the owner's Hold (no consult).
        customer_held: bool,
        /// A consult in progress (R16–R26); only a connected call has one.
        consult: Option<Consult>,
    },
    /// Blind transfer: the target rings, the customer hears music.
    Transferring { leg: LegId, agent: Option<AgentId> },
    /// Over; kept only until its wrap-ups are submitted.
    Ended,
}

impl Phase {
    /// The phase's stable lower-case name, as views and records show it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Phase::Queued => "queued",
            Phase::Offered { .. } => "offered",
            Phase::Dialing { .. } => "dialing",
            Phase::RetryWait { .. } => "retry_wait",
            Phase::Connected { .. } => "connected",
            Phase::Transferring { .. } => "transferring",
            Phase::Ended => "ended",
        }
    }
}

impl Interaction {
    /// Whether the customer talks with the owner or an external party.
    pub(crate) fn is_connected(&self) -> bool {
        matches!(self.phase, Phase::Connected { .. })
    }

    /// The consult in progress, if any.
    pub(crate) fn consult(&self) -> Option<Consult> {
        match self.phase {
            Phase::Connected { consult, .. } => consult,
            _ => None,
        }
    }

    /// The consult in progress, to change it.
    pub(crate) fn consult_mut(&mut self) -> Option<&mut Consult> {
        match &mut self.phase {
            Phase::Connected { consult, .. } => consult.as_mut(),
            _ => None,
        }
    }

    /// Ends the consult in progress, if any, and returns it.
    pub(crate) fn take_consult(&mut self) -> Option<Consult> {
        match &mut self.phase {
            Phase::Connected { consult, .. } => consult.take(),
            _ => None,
        }
    }

    /// Starts a consult on a connected call.
    pub(crate) fn start_consult(&mut self, started: Consult) {
        match &mut self.phase {
            Phase::Connected { consult, .. } => *consult = Some(started),
            phase => panic!("a consult starts only on a connected call, not {phase:?}"),
        }
    }

    /// Whether the customer is on hold by the owner's Hold (no consult).
    pub(crate) fn customer_held(&self) -> bool {
        matches!(
            self.phase,
            Phase::Connected {
                customer_held: true,
                ..
            }
        )
    }

    /// Puts the customer of a connected call on hold, or takes them off.
    pub(crate) fn set_customer_held(&mut self, held: bool) {
        match &mut self.phase {
            Phase::Connected { customer_held, .. } => *customer_held = held,
            phase => panic!("only a connected call's customer is held, not in {phase:?}"),
        }
    }
}

impl Engine {
    pub(crate) fn interaction(
        &self,
        interaction_id: InteractionId,
    ) -> Result<&Interaction, Rejection> {
        self.interactions
            .get(&interaction_id)
            .filter(|i| i.phase != Phase::Ended)
            .ok_or_else(|| Rejection::not_found(format!("no live interaction {interaction_id}")))
    }
}

impl Engine {
    /// One step of a contact: what every contact has (wrap-up, call data, its queue's maximum
    /// wait) stays with the core; the rest goes to the contact's kind.
    pub(crate) fn step_contact(
        &mut self,
        contact: InteractionId,
        channel: Channel,
        input: ContactInput,
    ) -> Result<(), Rejection> {
        match input {
            ContactInput::Command {
                agent,
                command:
                    Command::SubmitWrapUp {
                        interaction,
                        reason,
                    },
            } => self.submit_wrapup(agent, interaction, &reason, false),
            ContactInput::Command {
                agent,
                command:
                    Command::SaveVariables {
                        interaction,
                        values,
                        expected_version,
                    },
            } => self.save_variables(agent, interaction, values, expected_version),
            ContactInput::Command {
                agent,
                command: Command::Accept { interaction },
            } => self.accept(agent, interaction),
            ContactInput::Timer(Timer::QueueWaitMax { interaction }) => {
                self.queue_wait_max(interaction);
                Ok(())
            }
            ContactInput::Timer(Timer::AutoWrapUp { agent, interaction }) => {
                self.auto_wrapup_due(agent, interaction);
                Ok(())
            }
            input => match channel {
                Channel::Voice => self.voice_step(input),
                channel => panic!("{contact} is a {channel:?} contact, which nothing handles yet"),
            },
        }
    }
}
