//! Fuzzes the RFC 4028 session-timer headers a stranger writes (`Session-Expires`, `Min-SE`,
//! `Supported`): no value may panic, a granted interval is never below the minimum, and a
//! refused one names a `Min-SE` at least that minimum.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sentral_sip::session_timer;
use std::time::Duration;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '\n');
    let session_expires = parts.next();
    let min_se = parts.next();
    let supported = parts.next().unwrap_or_default();
    let ours = Duration::from_secs(1800);
    let min = Duration::from_secs(90);
    match session_timer::grant(ours, min, session_expires, min_se, supported) {
        Ok(offer) => assert!(offer.interval >= min),
        Err(too_brief) => assert!(too_brief.min_se >= min.as_secs()),
    }
    let _ = session_timer::granted_to_us(session_expires);
});
