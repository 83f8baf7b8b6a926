//! Goal: a voice call never ends up in a queue that no voice agent serves: an entry point's
//! flow and a voice queue's overflow lead only to voice queues, and an administrator cannot
//! turn a queue with live calls into a chat queue while those calls can still come back to it
//! (R12 RONA, R28 requeue, R40). Otherwise the calls would wait forever.
//! Method: `Config::validate` on bad configurations; `Input::ConfigChanged` while a call waits
//! in Support, and again once it has ended.
//! Proves: R43 (configuration changes while calls are live), with R3 and R41.

use crate::support::*;
use sentral_engine::testing::*;
use sentral_engine::*;

fn field_errors(config: &Config) -> Vec<String> {
    config
        .validate()
        .expect_err("the configuration is refused")
        .into_iter()
        .map(|e| e.field)
        .collect()
}

#[test]
fn r43_an_entry_points_flow_must_lead_to_a_voice_queue() {
    let mut config = small_config();
    config.queues[0].channel = Channel::Chat; // Sales, Salg's queue
    assert_eq!(field_errors(&config), ["entry_points.Salg.flow.queue"]);
}

#[test]
fn r43_a_voice_queue_overflows_only_into_a_voice_queue() {
    let mut config = small_config();
    config.queues[2].channel = Channel::Chat; // Overflow, Support's overflow target
    assert_eq!(field_errors(&config), ["queues.Support.overflow"]);
}

#[test]
fn r43_a_queue_with_live_calls_cannot_become_a_chat_queue() {
    let mut h = Harness::new();
    let (id, leg) = h.arrive(DN_SALG);
    let mut config = small_config();
    config.queues[0].channel = Channel::Chat;
    config.entry_points.retain(|ep| ep.id != EP_SALG);
    let change = h.input(Input::ConfigChanged(Box::new(config.clone())));
    let rejection = change.expect_err("refused while a call waits in Sales");
    assert_eq!(rejection.code, Code::Invalid, "{rejection}");
    assert!(h.last.is_empty(), "nothing changed: {:?}", h.last);

    h.ready(ANNA, SALES);
    assert!(rang(&h, ANNA, id), "the waiting call is still offered");
    h.telephony(TelephonyEvent::HungUp { leg });
    h.input(Input::ConfigChanged(Box::new(config)))
        .expect("allowed once the call has ended");
}
