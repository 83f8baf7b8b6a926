//! The boundary to the phone network: engine telephony commands go out through a
//! [`TelephonyAdapter`], telephony events come back through [`crate::org::OrgHandle`].

use sentral_engine::{FailCause, TelephonyCommand, TelephonyEvent};
use std::sync::Arc;

/// Carries out the engine's telephony commands for an organisation.
///
/// The real SIP side implements it; tests plug in a double. An adapter reports what happens to
/// legs through the organisation's `OrgHandle::telephony`.
pub trait TelephonyAdapter: Send + Sync {
    /// Carry out one command for organisation `org`. Must not block.
    fn command(&self, org: &str, command: TelephonyCommand, events: &crate::org::OrgHandle);
}

/// The adapter when no phone network is wired in: nothing rings and dial-outs fail at once with
/// a clear reason in the log, so agents and calls are never left waiting on a network that is
/// not there.
#[derive(Debug, Default)]
pub struct NoTelephony;

impl TelephonyAdapter for NoTelephony {
    fn command(&self, org: &str, command: TelephonyCommand, events: &crate::org::OrgHandle) {
        match command {
            TelephonyCommand::Dial { leg, number, .. } => {
                tracing::warn!(org, %number, "no telephony is configured: dial-out fails");
                events.telephony(TelephonyEvent::Failed {
                    leg,
                    cause: FailCause::Unavailable,
                });
            }
            TelephonyCommand::RingAgent { leg, extension, .. } => {
                tracing::warn!(
                    org,
                    extension,
                    "no telephony is configured: the phone cannot ring"
                );
                events.telephony(TelephonyEvent::Failed {
                    leg,
                    cause: FailCause::Unavailable,
                });
            }
            other => tracing::debug!(org, ?other, "no telephony is configured"),
        }
    }
}

/// A shared adapter.
pub type SharedTelephony = Arc<dyn TelephonyAdapter>;
