//! The stable lowercase text each engine enum is stored as.
//!
//! The engine's types carry no wire or storage format, so the store names them here. These
//! strings are in the database: renaming one is a migration. The API may reuse them.

use sentral_engine::{
    AgentStateView, Channel, EndReason, InteractionKind, LostCause, RecordingState,
};

/// The state an interaction is left in by [`crate::Store::close_live_interactions`].
pub const CLOSED_BY_RESTART: &str = "closed_by_restart";

/// Stored text of a channel: `voice`, `chat`, `email`, `social`.
pub fn channel(channel: Channel) -> &'static str {
    match channel {
        Channel::Email => "email",
        Channel::Social => "social",
        Channel::Chat => "chat",
        Channel::Voice => "voice",
    }
}

/// Stored text of an interaction kind: `inbound`, `outdial`, `courtesy_callback`,
/// `web_callback`, `preview_campaign`.
pub fn interaction_kind(kind: InteractionKind) -> &'static str {
    match kind {
        InteractionKind::Inbound => "inbound",
        InteractionKind::Outdial => "outdial",
        InteractionKind::CourtesyCallback => "courtesy_callback",
        InteractionKind::WebCallback => "web_callback",
        InteractionKind::PreviewCampaign => "preview_campaign",
    }
}

/// The interaction kind stored as `text`, if it is one.
pub fn parse_interaction_kind(text: &str) -> Option<InteractionKind> {
    let kind = match text {
        "inbound" => InteractionKind::Inbound,
        "outdial" => InteractionKind::Outdial,
        "courtesy_callback" => InteractionKind::CourtesyCallback,
        "web_callback" => InteractionKind::WebCallback,
        "preview_campaign" => InteractionKind::PreviewCampaign,
        _ => return None,
    };
    Some(kind)
}

/// Stored text of an end reason, e.g. `customer_hung_up`.
pub fn end_reason(reason: EndReason) -> &'static str {
    match reason {
        EndReason::CustomerHungUp => "customer_hung_up",
        EndReason::AgentEnded => "agent_ended",
        EndReason::PartyHungUp => "party_hung_up",
        EndReason::Transferred => "transferred",
        EndReason::LeftConference => "left_conference",
        EndReason::ConsultEnded => "consult_ended",
        EndReason::TransferNotAnswered => "transfer_not_answered",
        EndReason::CallbackNotAnswered => "callback_not_answered",
        EndReason::CallbackCancelled => "callback_cancelled",
        EndReason::CustomerNotAnswered => "customer_not_answered",
        EndReason::OutdialAbandoned => "outdial_abandoned",
        EndReason::LimitReached => "limit_reached",
        EndReason::CustomerLost(LostCause::MediaTimeout) => "media_timeout",
        EndReason::CustomerLost(LostCause::SessionExpired) => "session_expired",
        EndReason::CustomerLost(LostCause::CallTooLong) => "call_too_long",
        EndReason::AgentLost(LostCause::MediaTimeout) => "agent_media_timeout",
        EndReason::AgentLost(LostCause::SessionExpired) => "agent_session_expired",
        EndReason::AgentLost(LostCause::CallTooLong) => "agent_call_too_long",
        EndReason::InternalError => "internal_error",
    }
}

/// Stored text of an agent state: `logged_out`, `available`, `idle`, `rona`.
pub fn agent_state(state: AgentStateView) -> &'static str {
    match state {
        AgentStateView::LoggedOut => "logged_out",
        AgentStateView::Available => "available",
        AgentStateView::Idle => "idle",
        AgentStateView::Rona => "rona",
    }
}

/// Stored text of a recording state (`off`, `on`, `paused`) and, when paused, when Privacy
/// Shield resumes it.
pub fn recording_state(state: RecordingState) -> (&'static str, Option<i64>) {
    match state {
        RecordingState::Off => ("off", None),
        RecordingState::On => ("on", None),
        RecordingState::Paused { resumes_at_unix_ms } => ("paused", resumes_at_unix_ms),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interaction_kinds_round_trip() {
        let kinds = [
            InteractionKind::Inbound,
            InteractionKind::Outdial,
            InteractionKind::CourtesyCallback,
            InteractionKind::WebCallback,
            InteractionKind::PreviewCampaign,
        ];
        for kind in kinds {
            assert_eq!(parse_interaction_kind(interaction_kind(kind)), Some(kind));
        }
        assert_eq!(parse_interaction_kind("Inbound"), None);
    }
}
