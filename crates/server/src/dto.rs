//! The wire format: JSON shapes of engine events and views, with their OpenAPI schemas.
//!
//! The engine's types carry no serialisation; this module is the one place that chooses how
//! they look on the wire. Ids are numbers (below 2^53, safe in JavaScript); enums are
//! lower-case strings.

use sentral_engine as engine;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// One event on the WebSocket stream: its sequence number and the event itself.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct EventEnvelope {
    /// Increases by one per event for this user; reconnect with `?since=<seq>` to get the rest.
    pub seq: u64,
    /// When the server published the event to this user's stream (Unix ms); a client can
    /// measure delivery latency with it. Replayed events keep their original time.
    pub at_unix_ms: i64,
    /// The event.
    #[serde(flatten)]
    pub event: EventDto,
}

/// A desktop event (the engine's `DesktopEvent`), tagged by `type`.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventDto {
    /// An agent's state changed.
    AgentState {
        /// Whose.
        agent: u64,
        /// `logged_out`, `available`, `idle` or `rona`.
        state: String,
        /// The idle reason code.
        reason: Option<String>,
        /// When (Unix ms).
        at: i64,
    },
    /// Connect popover (R6).
    Reserved {
        /// The task.
        task: u64,
        /// `voice`, `chat`, `email` or `social`.
        channel: String,
    },
    /// Contact-request popover (R7, R9, R11, R42).
    Offer(Box<OfferDto>),
    /// Consult-request popover (R10).
    ConsultOffer {
        /// The task.
        task: u64,
        /// At most 9 variables (7 for an entry-point consult).
        variables: Vec<VariableDto>,
        /// How long the consulted agent's phone rings before RONA, for the popover's countdown
        /// (R7, R21); set by the organisation from the call's queue, as for an offer.
        rona_timeout_ms: Option<u64>,
    },
    /// The agent's phone rings (R13).
    Ringing {
        /// The task.
        task: u64,
    },
    /// Connected: the timer starts (R13).
    Connected {
        /// The task.
        task: u64,
        /// When (Unix ms).
        at: i64,
    },
    /// The offer was taken back.
    OfferWithdrawn {
        /// The task.
        task: u64,
    },
    /// RONA popover: choose Available or Idle (R4, R12).
    Rona {
        /// The task not answered.
        task: u64,
    },
    /// Who is on hold (R14, R15, R19).
    HoldChanged {
        /// The task.
        task: u64,
        /// "Call on hold".
        customer_held: bool,
        /// "Consult on hold", if consulting.
        consulted_held: Option<bool>,
    },
    /// "Consult requested" (R18).
    ConsultRequested {
        /// The task.
        task: u64,
        /// For a consult to an agent, how long their phone rings before the consult fails (R21),
        /// for the consulting agent's countdown; `null` for other targets.
        rona_timeout_ms: Option<u64>,
    },
    /// The consulted party answered (R19).
    ConsultAccepted {
        /// The task.
        task: u64,
    },
    /// The consult failed (R21).
    ConsultFailed {
        /// The task.
        task: u64,
        /// Why.
        reason: String,
    },
    /// The consult leg ended (R23).
    ConsultEnded {
        /// The task.
        task: u64,
    },
    /// Conference started (R23).
    ConferenceStarted {
        /// The task.
        task: u64,
    },
    /// The call now belongs to this agent (transfer, conference hand-over).
    OwnershipChanged {
        /// The task.
        task: u64,
        /// The new owner.
        owner: Option<u64>,
    },
    /// CAD values changed (secure ones left out, R33).
    VariablesChanged {
        /// The task.
        task: u64,
        /// The version to send back with the next save (R35).
        version: u64,
        /// Name → value.
        values: BTreeMap<String, String>,
    },
    /// Recording state (R31, R32).
    RecordingChanged {
        /// The task.
        task: u64,
        /// The state.
        recording: RecordingDto,
    },
    /// A callback's customer is being dialled (R38, R39).
    CallbackDialing {
        /// The task.
        task: u64,
        /// Whether Cancel replaces Ringing (R39).
        cancellable: bool,
    },
    /// The call ended for this agent.
    CallEnded {
        /// The task.
        task: u64,
        /// Why, e.g. `customer_hung_up`.
        reason: String,
    },
    /// The wrap-up dialog (R36).
    WrapUpRequired {
        /// The task.
        task: u64,
        /// Reasons to pick from.
        reasons: Vec<ReasonDto>,
    },
    /// Wrap-up submitted.
    WrapUpDone {
        /// The task.
        task: u64,
    },
    /// A queue's waiting count (supervisors, R44).
    QueueChanged {
        /// The queue.
        queue: u64,
        /// Contacts waiting.
        waiting: usize,
    },
    /// A supervisor changed this agent's state (R44): who and why; an `agent_state` event
    /// follows with the state.
    Supervised {
        /// The supervisor's user name.
        by: String,
        /// `idle` or `log_out`.
        action: String,
        /// The idle reason's code (`idle` only).
        reason: Option<String>,
        /// Why, in the supervisor's words (may be empty).
        note: String,
        /// When (Unix ms).
        at: i64,
    },
    /// A queue's wallboard row changed (supervisors, R44): at most one per queue per engine
    /// input.
    WallboardQueue {
        /// The queue's row, whole.
        queue: WallboardQueueDto,
    },
    /// An agent's wallboard row changed (supervisors, R44): at most one per agent per engine
    /// input.
    WallboardAgent {
        /// The agent's row, whole.
        agent: WallboardAgentDto,
    },
    /// The desktop profile of the team the agent is logged in to changed (R43).
    ProfileChanged {
        /// What the agent may do now.
        allowed_actions: AllowedActionsDto,
    },
    /// The organisation's call limit stopped a call (R2).
    LimitReached {
        /// The reason code to show.
        code: String,
    },
    /// The events since the requested sequence number are gone: reload the state.
    Reload {
        /// The oldest sequence number still available.
        oldest: u64,
    },
}

/// The contact-request popover's content.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OfferDto {
    /// The task.
    pub task: u64,
    /// Channel.
    pub channel: String,
    /// `inbound`, `outdial`, `courtesy_callback`, `web_callback`, `preview_campaign`.
    pub kind: String,
    /// 3 to 6 variables, never secure (R9).
    pub variables: Vec<VariableDto>,
    /// Callback fields (R11).
    pub callback: Option<CallbackDto>,
    /// When offered (Unix ms).
    pub offered_at: i64,
    /// Time to answer before RONA (R7).
    pub rona_timeout_ms: u64,
    /// Who transferred the call to this agent, if it was transferred (R27).
    pub transferred_by: Option<AgentNameDto>,
    /// The entry point's links with this contact's values (R7): open in a new tab.
    pub links: Vec<LinkDto>,
    /// What happens to the call if it is not answered in time: `back_to_queue` (R12), or
    /// `ends` for a blind transfer the organisation drops when unanswered (R28).
    #[schema(example = "back_to_queue")]
    pub if_unanswered: String,
}

/// A link in the offer popover (R7).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct LinkDto {
    /// What the button says.
    pub label: String,
    /// An `https:` address, its variable values percent-encoded.
    pub url: String,
}

/// An agent by name: who transferred a call (R27).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AgentNameDto {
    /// The agent's id.
    pub agent: u64,
    /// Their name.
    pub name: String,
}

impl AgentNameDto {
    fn from_engine(agent: &engine::AgentName) -> AgentNameDto {
        AgentNameDto {
            agent: agent.agent.0,
            name: agent.name.clone(),
        }
    }
}

/// A popover variable.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct VariableDto {
    /// Name.
    pub name: String,
    /// Label.
    pub label: String,
    /// Value.
    pub value: String,
    /// Whether `label` is the one the entry point's flow chose (R9): shown as it is, not
    /// replaced by the variable's label in the agent's language.
    pub flow_label: bool,
}

/// Callback popover fields (R11).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CallbackDto {
    /// "Courtesy callback" or "Web callback".
    pub label: String,
    /// Number to call.
    pub customer_number: String,
    /// Name (web callbacks).
    pub customer_name: Option<String>,
    /// Number dialled (courtesy callbacks).
    pub dnis: Option<String>,
    /// Queue.
    pub queue: String,
}

/// A reason (idle or wrap-up).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ReasonDto {
    /// Code.
    pub code: String,
    /// Label, in a language not in `label_by_language`.
    pub label: String,
    /// The label per language it was configured in (`{"en": "Lunch", "nb": "Lunsj"}`); empty
    /// when one label serves every language.
    #[serde(default)]
    pub label_by_language: BTreeMap<String, String>,
}

/// Recording state.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RecordingDto {
    /// `off`, `on` or `paused`.
    pub state: String,
    /// When Privacy Shield resumes it (Unix ms).
    pub resumes_at: Option<i64>,
}

/// A task as its participants see it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TaskDto {
    /// Id.
    pub id: u64,
    /// Channel.
    pub channel: String,
    /// Kind.
    pub kind: String,
    /// `queued`, `offered`, `dialing`, `retry_wait` (a callback waiting to go back to its queue,
    /// R40), `connected`, `transferring`, `ended`.
    pub phase: String,
    /// Queue id.
    pub queue: Option<u64>,
    /// Customer number.
    pub customer_number: Option<String>,
    /// Number dialled.
    pub dnis: Option<String>,
    /// Owner (agent 1).
    pub owner: Option<u64>,
    /// Agent whose phone rings.
    pub offered_to: Option<u64>,
    /// Consulted agent.
    pub consulted: Option<u64>,
    /// Consult state.
    pub consult: Option<ConsultDto>,
    /// "Call on hold".
    pub customer_held: bool,
    /// Recording.
    pub recording: RecordingDto,
    /// Non-secure CAD values.
    pub variables: BTreeMap<String, String>,
    /// Their version (send back with a save, R35).
    pub variables_version: u64,
    /// When connected (Unix ms).
    pub connected_at: Option<i64>,
    /// Who transferred it last (R27).
    pub transferred_by: Option<AgentNameDto>,
    /// While an agent's phone rings for it (offer, transfer, consult request): when it stops
    /// (Unix ms, the server's clock; R7).
    pub offer_deadline: Option<i64>,
    /// While it is offered to an agent (offer or blind transfer): `back_to_queue` or `ends`
    /// if the agent does not answer (R12, R28); `null` otherwise.
    pub if_unanswered: Option<String>,
    /// The same as the time left when this answer was made (ms), so that a desktop that reloads
    /// while the offer is shown counts down from the right time whatever its own clock says.
    pub offer_remaining_ms: Option<u64>,
}

/// Consult state (R18, R19).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ConsultDto {
    /// Answered.
    pub accepted: bool,
    /// Consulted party on hold.
    pub consulted_held: bool,
    /// Conference on.
    pub conference: bool,
}

/// An agent's state.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AgentDto {
    /// Id.
    pub id: u64,
    /// Display name.
    pub name: String,
    /// State.
    pub state: String,
    /// Idle reason.
    pub idle_reason: Option<String>,
    /// Team logged in to.
    pub team: Option<String>,
    /// Extension logged in with.
    pub extension: Option<String>,
    /// Whether that phone is registered.
    pub phone_registered: bool,
    /// Current task.
    pub task: Option<u64>,
    /// Whether an offer popover is open (log-out refused, R5).
    pub popover_shown: bool,
    /// Tasks awaiting wrap-up.
    pub wrapups: Vec<u64>,
    /// What the team logged in to lets the agent do (R43); `null` when logged out. The desktop
    /// leaves out the buttons of what is not allowed.
    pub allowed_actions: Option<AllowedActionsDto>,
}

/// A team's desktop profile (R43): each action allowed or not.
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
pub struct AllowedActionsDto {
    /// Start a consult.
    pub consult: bool,
    /// Blind-transfer to a dial number or an expert, or hand a consulted number the call.
    pub transfer_to_dial_number: bool,
    /// Pause recording (Privacy Shield).
    pub pause_recording: bool,
    /// Call a customer (outdial).
    pub outdial: bool,
    /// Blind-transfer to an entry point.
    pub transfer_to_entry_point: bool,
}

impl AllowedActionsDto {
    /// The wire form of a team's allowed actions.
    pub fn from_engine(allowed: &engine::AllowedActions) -> AllowedActionsDto {
        AllowedActionsDto {
            consult: allowed.consult,
            transfer_to_dial_number: allowed.transfer_to_dial_number,
            pause_recording: allowed.pause_recording,
            outdial: allowed.outdial,
            transfer_to_entry_point: allowed.transfer_to_entry_point,
        }
    }
}

impl EventDto {
    /// The wire form of an engine desktop event.
    pub fn from_engine(event: &engine::DesktopEvent) -> EventDto {
        use engine::DesktopEvent as E;
        match event {
            E::AgentState {
                agent,
                state,
                reason,
                at_unix_ms,
            } => EventDto::AgentState {
                agent: agent.0,
                state: agent_state(*state).into(),
                reason: reason.clone(),
                at: *at_unix_ms,
            },
            E::Supervised {
                supervisor,
                action,
                note,
                at_unix_ms,
            } => EventDto::Supervised {
                by: supervisor.clone(),
                action: action.name().into(),
                reason: match action {
                    engine::SupervisorAction::Idle { reason } => Some(reason.clone()),
                    engine::SupervisorAction::LogOut => None,
                },
                note: note.clone(),
                at: *at_unix_ms,
            },
            E::Reserved {
                interaction,
                channel,
            } => EventDto::Reserved {
                task: interaction.0,
                channel: channel_str(*channel).into(),
            },
            E::Offer(offer) => EventDto::Offer(Box::new(OfferDto::from_engine(offer))),
            E::ConsultOffer(offer) => EventDto::ConsultOffer {
                task: offer.interaction.0,
                variables: offer
                    .variables
                    .iter()
                    .map(VariableDto::from_engine)
                    .collect(),
                rona_timeout_ms: None,
            },
            E::Ringing { interaction } => EventDto::Ringing {
                task: interaction.0,
            },
            E::Connected {
                interaction,
                at_unix_ms,
            } => EventDto::Connected {
                task: interaction.0,
                at: *at_unix_ms,
            },
            E::OfferWithdrawn { interaction } => EventDto::OfferWithdrawn {
                task: interaction.0,
            },
            E::Rona { interaction } => EventDto::Rona {
                task: interaction.0,
            },
            E::HoldChanged {
                interaction,
                customer_held,
                consulted_held,
            } => EventDto::HoldChanged {
                task: interaction.0,
                customer_held: *customer_held,
                consulted_held: *consulted_held,
            },
            E::ConsultRequested { interaction } => EventDto::ConsultRequested {
                task: interaction.0,
                rona_timeout_ms: None,
            },
            E::ConsultAccepted { interaction } => EventDto::ConsultAccepted {
                task: interaction.0,
            },
            E::ConsultFailed {
                interaction,
                reason,
            } => EventDto::ConsultFailed {
                task: interaction.0,
                reason: reason.clone(),
            },
            E::ConsultEnded { interaction } => EventDto::ConsultEnded {
                task: interaction.0,
            },
            E::ConferenceStarted { interaction } => EventDto::ConferenceStarted {
                task: interaction.0,
            },
            E::OwnershipChanged { interaction, owner } => EventDto::OwnershipChanged {
                task: interaction.0,
                owner: owner.map(|a| a.0),
            },
            E::VariablesChanged {
                interaction,
                version,
                values,
            } => EventDto::VariablesChanged {
                task: interaction.0,
                version: *version,
                values: values.clone(),
            },
            E::RecordingChanged { interaction, state } => EventDto::RecordingChanged {
                task: interaction.0,
                recording: RecordingDto::from_engine(*state),
            },
            E::CallbackDialing {
                interaction,
                cancellable,
            } => EventDto::CallbackDialing {
                task: interaction.0,
                cancellable: *cancellable,
            },
            E::CallEnded {
                interaction,
                reason,
            } => EventDto::CallEnded {
                task: interaction.0,
                reason: end_reason(*reason).into(),
            },
            E::WrapUpRequired {
                interaction,
                reasons,
            } => EventDto::WrapUpRequired {
                task: interaction.0,
                reasons: reasons.iter().map(ReasonDto::from_engine).collect(),
            },
            E::WrapUpDone { interaction } => EventDto::WrapUpDone {
                task: interaction.0,
            },
            E::QueueChanged { queue, n_waiting } => EventDto::QueueChanged {
                queue: queue.0,
                waiting: *n_waiting,
            },
            E::ProfileChanged { allowed } => EventDto::ProfileChanged {
                allowed_actions: AllowedActionsDto::from_engine(allowed),
            },
            E::LimitReached { code } => EventDto::LimitReached {
                code: (*code).into(),
            },
        }
    }
}

impl EventDto {
    /// Adds what the engine's event leaves out and the organisation knows: how long a consulted
    /// agent's phone rings (`consult_rona_timeout_ms`, given the task), for the countdowns of
    /// `consult_offer` and `consult_requested` (R7, R21).
    pub fn with_consult_timeout(
        mut self,
        consult_rona_timeout_ms: impl FnOnce(u64) -> Option<u64>,
    ) -> EventDto {
        if let EventDto::ConsultOffer {
            task,
            rona_timeout_ms,
            ..
        }
        | EventDto::ConsultRequested {
            task,
            rona_timeout_ms,
        } = &mut self
        {
            *rona_timeout_ms = consult_rona_timeout_ms(*task);
        }
        self
    }
}

impl OfferDto {
    /// The wire form of an offer popover.
    pub fn from_engine(offer: &engine::OfferView) -> OfferDto {
        OfferDto {
            task: offer.interaction.0,
            channel: channel_str(offer.channel).into(),
            kind: kind_str(offer.kind).into(),
            variables: offer
                .variables
                .iter()
                .map(VariableDto::from_engine)
                .collect(),
            callback: offer.callback.as_ref().map(|c| CallbackDto {
                label: c.label.into(),
                customer_number: c.customer_number.clone(),
                customer_name: c.customer_name.clone(),
                dnis: c.dnis.clone(),
                queue: c.queue.clone(),
            }),
            offered_at: offer.offered_at_unix_ms,
            rona_timeout_ms: offer.rona_timeout_ms,
            transferred_by: offer.transferred_by.as_ref().map(AgentNameDto::from_engine),
            if_unanswered: if_unanswered_str(offer.if_unanswered).into(),
            links: offer
                .links
                .iter()
                .map(|link| LinkDto {
                    label: link.label.clone(),
                    url: link.url.clone(),
                })
                .collect(),
        }
    }
}

impl VariableDto {
    fn from_engine(variable: &engine::PopoverVariable) -> VariableDto {
        VariableDto {
            name: variable.name.clone(),
            label: variable.label.clone(),
            value: variable.value.clone(),
            flow_label: variable.flow_label,
        }
    }
}

impl ReasonDto {
    /// The wire form of a reason.
    pub fn from_engine(reason: &engine::Reason) -> ReasonDto {
        ReasonDto {
            code: reason.code.clone(),
            label: reason.label.clone(),
            label_by_language: reason.label_by_language.clone(),
        }
    }
}

impl RecordingDto {
    /// The wire form of a recording state.
    pub fn from_engine(state: engine::RecordingState) -> RecordingDto {
        match state {
            engine::RecordingState::Off => RecordingDto {
                state: "off".into(),
                resumes_at: None,
            },
            engine::RecordingState::On => RecordingDto {
                state: "on".into(),
                resumes_at: None,
            },
            engine::RecordingState::Paused { resumes_at_unix_ms } => RecordingDto {
                state: "paused".into(),
                resumes_at: resumes_at_unix_ms,
            },
        }
    }
}

impl TaskDto {
    /// The wire form of an interaction view.
    pub fn from_engine(view: &engine::InteractionView) -> TaskDto {
        TaskDto {
            id: view.id.0,
            channel: channel_str(view.channel).into(),
            kind: kind_str(view.kind).into(),
            phase: view.phase.into(),
            queue: view.queue.map(|q| q.0),
            customer_number: view.customer_number.clone(),
            dnis: view.dnis.clone(),
            owner: view.owner.map(|a| a.0),
            offered_to: view.offered_to.map(|a| a.0),
            consulted: view.consulted.map(|a| a.0),
            consult: view.consult.map(|c| ConsultDto {
                accepted: c.accepted,
                consulted_held: c.consulted_held,
                conference: c.conference,
            }),
            customer_held: view.customer_held,
            recording: RecordingDto::from_engine(view.recording),
            variables: view.variables.clone(),
            variables_version: view.variables_version,
            connected_at: view.connected_at_unix_ms,
            transferred_by: view.transferred_by.as_ref().map(AgentNameDto::from_engine),
            offer_deadline: view.offer_deadline_unix_ms,
            if_unanswered: view.if_unanswered.map(|i| if_unanswered_str(i).into()),
            offer_remaining_ms: view
                .offer_deadline_unix_ms
                .map(|deadline| u64::try_from(deadline - crate::app::unix_ms()).unwrap_or(0)),
        }
    }
}

impl AgentDto {
    /// The wire form of an agent view.
    pub fn from_engine(view: &engine::AgentView) -> AgentDto {
        AgentDto {
            id: view.id.0,
            name: view.name.clone(),
            state: agent_state(view.state).into(),
            idle_reason: view.idle_reason.clone(),
            team: view.team.clone(),
            extension: view.extension.clone(),
            phone_registered: view.phone_registered,
            task: view.call.map(|i| i.0),
            popover_shown: view.popover_shown,
            wrapups: view.wrapups.iter().map(|i| i.0).collect(),
            allowed_actions: view
                .allowed_actions
                .as_ref()
                .map(AllowedActionsDto::from_engine),
        }
    }
}

/// `logged_out`, `available`, `idle`, `rona`.
pub fn agent_state(state: engine::AgentStateView) -> &'static str {
    match state {
        engine::AgentStateView::LoggedOut => "logged_out",
        engine::AgentStateView::Available => "available",
        engine::AgentStateView::Idle => "idle",
        engine::AgentStateView::Rona => "rona",
    }
}

/// `voice`, `chat`, `email`, `social`.
pub fn channel_str(channel: engine::Channel) -> &'static str {
    match channel {
        engine::Channel::Voice => "voice",
        engine::Channel::Chat => "chat",
        engine::Channel::Email => "email",
        engine::Channel::Social => "social",
    }
}

/// `inbound`, `outdial`, `courtesy_callback`, `web_callback`, `preview_campaign`.
pub fn kind_str(kind: engine::InteractionKind) -> &'static str {
    match kind {
        engine::InteractionKind::Inbound => "inbound",
        engine::InteractionKind::Outdial => "outdial",
        engine::InteractionKind::CourtesyCallback => "courtesy_callback",
        engine::InteractionKind::WebCallback => "web_callback",
        engine::InteractionKind::PreviewCampaign => "preview_campaign",
    }
}

/// Why a call ended, in snake case.
pub fn end_reason(reason: engine::EndReason) -> &'static str {
    use engine::EndReason as R;
    match reason {
        R::CustomerHungUp => "customer_hung_up",
        R::AgentEnded => "agent_ended",
        R::PartyHungUp => "party_hung_up",
        R::Transferred => "transferred",
        R::LeftConference => "left_conference",
        R::ConsultEnded => "consult_ended",
        R::TransferNotAnswered => "transfer_not_answered",
        R::CallbackNotAnswered => "callback_not_answered",
        R::CallbackCancelled => "callback_cancelled",
        R::CustomerNotAnswered => "customer_not_answered",
        R::OutdialAbandoned => "outdial_abandoned",
        R::LimitReached => "limit_reached",
        R::CustomerLost(engine::LostCause::MediaTimeout) => "media_timeout",
        R::CustomerLost(engine::LostCause::SessionExpired) => "session_expired",
        R::CustomerLost(engine::LostCause::CallTooLong) => "call_too_long",
        R::AgentLost(engine::LostCause::MediaTimeout) => "agent_media_timeout",
        R::AgentLost(engine::LostCause::SessionExpired) => "agent_session_expired",
        R::AgentLost(engine::LostCause::CallTooLong) => "agent_call_too_long",
        R::InternalError => "internal_error",
    }
}

/// A queue on the supervisor's wallboard (R44): the figures `docs/supervisor.md` defines.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct WallboardQueueDto {
    /// Id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// `voice`, `chat`, `email`, `social`.
    pub channel: String,
    /// Agents logged in to these teams serve the queue.
    pub teams: Vec<String>,
    /// Contacts waiting now, not offered to anyone.
    pub waiting: usize,
    /// Since when the longest-waiting of them waits here (Unix ms).
    pub oldest_waiting_since: Option<i64>,
    /// When "today" began: midnight in the organisation's time zone (Unix ms).
    pub day_start: i64,
    /// Contacts that entered the queue today.
    pub offered: u64,
    /// Contacts an agent took from the queue today.
    pub answered: u64,
    /// Of those, taken within the service-level threshold.
    pub answered_in_threshold: u64,
    /// Contacts whose customer hung up while waiting today.
    pub abandoned: u64,
    /// Answered within the threshold over answered plus abandoned, in percent; `null` before
    /// any contact left the queue today.
    pub service_level_percent: Option<f64>,
    /// Average from answer to wrap-up of today's handled contacts (ms); `null` before one.
    pub handle_ms_average: Option<u64>,
    /// Contacts wrapped up today.
    pub handled: u64,
    /// The queue's targets.
    pub targets: QueueTargetsDto,
}

/// A queue's wallboard targets: the service level's threshold, and from when a cell is amber
/// or red (`null`: never).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct QueueTargetsDto {
    /// A contact taken within this long counts towards the service level (ms).
    pub service_level_threshold_ms: u64,
    /// Contacts waiting from which the cell is amber.
    pub waiting_amber: Option<u32>,
    /// Contacts waiting from which the cell is red.
    pub waiting_red: Option<u32>,
    /// Longest wait from which the cell is amber (ms).
    pub wait_amber_ms: Option<u64>,
    /// Longest wait from which the cell is red (ms).
    pub wait_red_ms: Option<u64>,
    /// Service level (percent) below which the cell is amber.
    pub service_level_amber: Option<u32>,
    /// Service level (percent) below which the cell is red.
    pub service_level_red: Option<u32>,
}

impl WallboardQueueDto {
    /// The row of a queue, `None` for a queue the configuration no longer has.
    pub fn of(
        engine: &engine::Engine,
        wallboard: &crate::wallboard::Wallboard,
        settings: &crate::org::WallboardSettings,
        queue: engine::QueueId,
    ) -> Option<WallboardQueueDto> {
        let config = engine.config();
        let queue_config = config.queue(queue)?;
        let now = wallboard.queue(queue);
        let targets = settings.targets(queue);
        Some(WallboardQueueDto {
            id: queue.0,
            name: queue_config.name.clone(),
            channel: channel_str(queue_config.channel).into(),
            teams: queue_config
                .teams
                .iter()
                .filter_map(|team| config.team(*team).map(|t| t.name.clone()))
                .collect(),
            waiting: now.n_waiting,
            oldest_waiting_since: now.oldest_waiting_since,
            day_start: wallboard.day_start_unix_ms(),
            offered: now.day.offered,
            answered: now.day.answered,
            answered_in_threshold: now.day.answered_in_threshold,
            abandoned: now.day.abandoned,
            service_level_percent: now.day.service_level_percent(),
            handle_ms_average: now.day.handle_ms_average(),
            handled: now.day.handled,
            targets: QueueTargetsDto {
                service_level_threshold_ms: targets.service_level_threshold_ms,
                waiting_amber: targets.waiting_alert.0,
                waiting_red: targets.waiting_alert.1,
                wait_amber_ms: targets.wait_alert_ms.0,
                wait_red_ms: targets.wait_alert_ms.1,
                service_level_amber: targets.service_level_alert.0,
                service_level_red: targets.service_level_alert.1,
            },
        })
    }

    /// Sets the queue's `/metrics` gauges from this row: the same definitions as the
    /// wallboard's.
    pub fn set_gauges(&self, org: &str) {
        let labels = [("org", org.to_owned()), ("queue", self.name.clone())];
        let figures = [
            ("sentral_queue_waiting", self.waiting as f64),
            ("sentral_queue_offered_today", self.offered as f64),
            ("sentral_queue_answered_today", self.answered as f64),
            (
                "sentral_queue_answered_in_threshold_today",
                self.answered_in_threshold as f64,
            ),
            ("sentral_queue_abandoned_today", self.abandoned as f64),
            ("sentral_queue_handled_today", self.handled as f64),
        ];
        for (name, value) in figures {
            metrics::gauge!(name, &labels).set(value);
        }
        if let Some(ms) = self.handle_ms_average {
            metrics::gauge!("sentral_queue_handle_seconds_average_today", &labels)
                .set(ms as f64 / 1000.0);
        }
    }
}

/// An agent on the supervisor's wallboard (R44): the agent's state as the agent's desktop has
/// it, and what only supervisors see.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct WallboardAgentDto {
    /// The agent's state.
    #[serde(flatten)]
    pub agent: AgentDto,
    /// Since when the agent is in this state (Unix ms); `null` when it has not changed since
    /// the server started.
    pub state_since: Option<i64>,
    /// The teams the agent may log in to.
    pub teams: Vec<String>,
    /// The agent's current contacts: offered, on, or awaiting wrap-up.
    pub contacts: Vec<WallboardContactDto>,
}

/// One of an agent's current contacts on the wallboard.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct WallboardContactDto {
    /// The task.
    pub task: u64,
    /// `voice`, `chat`, `email`, `social`.
    pub channel: String,
    /// The customer's number.
    pub customer: Option<String>,
    /// `offered`, `dialing`, `connected`, `held`, `consult`, `transferring` or `wrap_up`.
    pub phase: String,
    /// Since when it is in this phase (Unix ms).
    pub since: Option<i64>,
}

impl WallboardAgentDto {
    /// The row of an agent, `None` for an agent the configuration no longer has.
    pub fn of(
        engine: &engine::Engine,
        wallboard: &crate::wallboard::Wallboard,
        agent: engine::AgentId,
    ) -> Option<WallboardAgentDto> {
        let view = engine.agent_view(agent)?;
        let config = engine.config();
        let teams = config
            .agent(agent)
            .map(|a| {
                a.teams
                    .iter()
                    .filter_map(|team| config.team(*team).map(|t| t.name.clone()))
                    .collect()
            })
            .unwrap_or_default();
        let contact = |task: engine::InteractionId, wrap_up: bool| {
            let interaction = engine.interaction_view(task)?;
            let phase = if wrap_up {
                "wrap_up"
            } else if interaction.consulted == Some(agent) {
                "consult"
            } else if interaction.phase == "connected" && interaction.customer_held {
                "held"
            } else {
                interaction.phase
            };
            Some(WallboardContactDto {
                task: task.0,
                channel: channel_str(interaction.channel).into(),
                customer: interaction.customer_number.clone(),
                phase: phase.into(),
                since: wallboard.contact_since(task),
            })
        };
        let contacts = view
            .call
            .iter()
            .filter_map(|task| contact(*task, false))
            .chain(view.wrapups.iter().filter_map(|task| contact(*task, true)))
            .collect();
        Some(WallboardAgentDto {
            state_since: wallboard.agent_since(agent),
            agent: AgentDto::from_engine(&view),
            teams,
            contacts,
        })
    }
}

/// The wire name of what happens to an unanswered offer (R12, R28).
fn if_unanswered_str(if_unanswered: sentral_engine::IfUnanswered) -> &'static str {
    match if_unanswered {
        sentral_engine::IfUnanswered::BackToQueue => "back_to_queue",
        sentral_engine::IfUnanswered::Ends => "ends",
    }
}
