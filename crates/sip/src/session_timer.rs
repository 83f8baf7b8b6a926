//! RFC 4028 session timers, sans IO: reading `Session-Expires`, `Min-SE` and `Supported`,
//! choosing a session's interval and refresher, and the headers that say so.
//!
//! A session timer makes a call whose far end vanished without a BYE end by itself: the
//! refresher sends a re-INVITE or UPDATE every half interval; when we refresh and the far end
//! does not answer (408, 481 or nothing), or when the far end should refresh and does not, the
//! call is ended.

use std::time::Duration;

/// Who refreshes a session, from our side.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Refresher {
    /// We send the refreshes.
    Us,
    /// The far end sends them; we end the session when none came in time.
    Them,
}

/// The `refresher` parameter: which side of the dialog's first INVITE refreshes.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Role {
    /// The side that sent the INVITE.
    Uac,
    /// The side that answered it.
    Uas,
}

/// The session timer granted to an inbound INVITE (we are its UAS).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct SessionOffer {
    /// The session interval.
    pub interval: Duration,
    /// Who refreshes.
    pub refresher: Refresher,
    /// The caller said `Supported: timer` (so our 200 says `Require: timer`).
    pub far_end_supports: bool,
}

/// The interval asked for is below our minimum: 422 with this `Min-SE`.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct TooBrief {
    /// The `Min-SE` to answer with, in seconds.
    pub min_se: u64,
}

/// Reads `Session-Expires: <seconds>[;refresher=uac|uas]`; `None` when it is not that.
pub fn parse_session_expires(value: &str) -> Option<(u64, Option<Role>)> {
    let mut parts = value.split(';');
    let seconds = parts.next()?.trim().parse::<u64>().ok()?;
    let mut role = None;
    for param in parts {
        let Some((name, value)) = param.split_once('=') else {
            continue;
        };
        if name.trim().eq_ignore_ascii_case("refresher") {
            role = match value.trim().to_ascii_lowercase().as_str() {
                "uac" => Some(Role::Uac),
                "uas" => Some(Role::Uas),
                _ => None,
            };
        }
    }
    Some((seconds, role))
}

/// Whether a comma-separated option list (`Supported`, `Require`) names `tag`.
pub fn lists(options: &str, tag: &str) -> bool {
    options
        .split(',')
        .any(|option| option.trim().eq_ignore_ascii_case(tag))
}

/// The session timer we grant an inbound INVITE as its UAS (RFC 4028 §9): the interval asked
/// for (never below `min`, which is refused with 422), else `ours` (raised to the caller's
/// `Min-SE`); the caller refreshes when it supports timers and did not ask us to, else we do.
pub fn grant(
    ours: Duration,
    min: Duration,
    session_expires: Option<&str>,
    min_se: Option<&str>,
    supported: &str,
) -> Result<SessionOffer, TooBrief> {
    let far_end_supports = lists(supported, "timer");
    let asked = session_expires.and_then(parse_session_expires);
    let their_min = min_se
        .and_then(|value| value.split(';').next()?.trim().parse::<u64>().ok())
        .unwrap_or(0);
    let floor = min.as_secs().max(their_min);
    let interval = match asked {
        Some((seconds, _)) if seconds < min.as_secs() => {
            return Err(TooBrief { min_se: floor });
        }
        Some((seconds, _)) => seconds,
        None => ours.as_secs().max(floor),
    };
    let refresher = match (far_end_supports, asked.and_then(|(_, role)| role)) {
        (true, Some(Role::Uas)) => Refresher::Us,
        (true, _) => Refresher::Them,
        (false, _) => Refresher::Us,
    };
    Ok(SessionOffer {
        interval: Duration::from_secs(interval),
        refresher,
        far_end_supports,
    })
}

/// What the 2xx of our INVITE says (we are its UAC): `None` without `Session-Expires`.
pub fn granted_to_us(session_expires: Option<&str>) -> Option<(Duration, Refresher)> {
    let (seconds, role) = parse_session_expires(session_expires?)?;
    if seconds == 0 {
        return None;
    }
    let refresher = match role {
        Some(Role::Uas) => Refresher::Them,
        // A 2xx must name the refresher; without one we refresh, which is always safe.
        Some(Role::Uac) | None => Refresher::Us,
    };
    Some((Duration::from_secs(seconds), refresher))
}

/// The `Session-Expires` value of a session: `we_are_uac` says which role we have in it.
pub fn header_value(interval: Duration, refresher: Refresher, we_are_uac: bool) -> String {
    let role = if (refresher == Refresher::Us) == we_are_uac {
        "uac"
    } else {
        "uas"
    };
    format!("{};refresher={role}", interval.as_secs())
}

/// When the refresher acts: we refresh after half the interval; the far end's refresh is
/// awaited until the interval less a third of it (at most 32 s), as RFC 4028 §10 says.
pub fn next_deadline(interval: Duration, refresher: Refresher) -> Duration {
    match refresher {
        Refresher::Us => interval / 2,
        Refresher::Them => interval - (interval / 3).min(Duration::from_secs(32)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OURS: Duration = Duration::from_secs(1800);
    const MIN: Duration = Duration::from_secs(90);

    #[test]
    fn a_caller_that_supports_timers_refreshes_unless_it_asks_us_to() {
        let offer = grant(OURS, MIN, Some("600;refresher=uac"), None, "timer, 100rel").unwrap();
        assert_eq!(offer.interval, Duration::from_secs(600));
        assert_eq!(offer.refresher, Refresher::Them);
        assert!(offer.far_end_supports);
        let offer = grant(OURS, MIN, Some("600;refresher=uas"), None, "timer").unwrap();
        assert_eq!(offer.refresher, Refresher::Us);
        let offer = grant(OURS, MIN, Some("600"), None, "Timer").unwrap();
        assert_eq!(offer.refresher, Refresher::Them);
    }

    #[test]
    fn a_caller_without_timer_support_gets_our_interval_and_we_refresh() {
        let offer = grant(OURS, MIN, None, None, "").unwrap();
        assert_eq!(offer.interval, OURS);
        assert_eq!(offer.refresher, Refresher::Us);
        assert!(!offer.far_end_supports);
        // Its Min-SE raises our interval.
        let offer = grant(Duration::from_secs(100), MIN, None, Some("300"), "").unwrap();
        assert_eq!(offer.interval, Duration::from_secs(300));
    }

    #[test]
    fn an_interval_below_the_minimum_is_refused_with_our_min_se() {
        assert_eq!(
            grant(OURS, MIN, Some("30;refresher=uac"), None, "timer"),
            Err(TooBrief { min_se: 90 })
        );
        assert_eq!(
            grant(OURS, MIN, Some("30"), Some("120"), "timer"),
            Err(TooBrief { min_se: 120 })
        );
    }

    #[test]
    fn the_answer_to_our_invite_names_who_refreshes() {
        assert_eq!(
            granted_to_us(Some("1800;refresher=uac")),
            Some((OURS, Refresher::Us))
        );
        assert_eq!(
            granted_to_us(Some("900 ; refresher=UAS")),
            Some((Duration::from_secs(900), Refresher::Them))
        );
        assert_eq!(granted_to_us(None), None);
        assert_eq!(granted_to_us(Some("soon")), None);
        assert_eq!(granted_to_us(Some("0")), None);
    }

    #[test]
    fn the_header_names_the_refresher_by_its_role_in_the_dialog() {
        // Inbound call (we are UAS): we refresh = uas.
        assert_eq!(
            header_value(OURS, Refresher::Us, false),
            "1800;refresher=uas"
        );
        assert_eq!(
            header_value(OURS, Refresher::Them, false),
            "1800;refresher=uac"
        );
        // Outbound call (we are UAC): we refresh = uac.
        assert_eq!(
            header_value(OURS, Refresher::Us, true),
            "1800;refresher=uac"
        );
        assert_eq!(
            header_value(OURS, Refresher::Them, true),
            "1800;refresher=uas"
        );
    }

    #[test]
    fn refreshes_come_at_half_time_and_a_missing_one_is_noticed_before_the_end() {
        assert_eq!(next_deadline(OURS, Refresher::Us), Duration::from_secs(900));
        assert_eq!(
            next_deadline(OURS, Refresher::Them),
            Duration::from_secs(1768)
        );
        assert_eq!(
            next_deadline(Duration::from_secs(90), Refresher::Them),
            Duration::from_secs(60)
        );
    }
}
