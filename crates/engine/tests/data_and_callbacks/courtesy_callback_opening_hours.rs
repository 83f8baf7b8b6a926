//! Goal: the courtesy callback follows the queue's opening hours and the caller's expected
//! wait, not only a fixed wait (R37).
//! Method: the Support queue keeps "Office" hours (Monday to Friday 08:00–16:00, UTC+1); the
//! harness's wall clock starts on Thursday 1970-01-01 00:00 UTC (01:00 local). Callers arrive
//! inside and outside the hours and on a holiday; for the expected wait, calls are handled
//! and ended to give the queue an average handle time today, and agents log in or not.
//! Proves: R37 (offered outside opening hours at once; offered when position × average handle
//! time today ÷ agents serving passes the flow's threshold; no agent: offered; no call handled
//! today: only the fixed wait).

use crate::support::*;
use sentral_engine::testing::*;
use sentral_engine::*;

const HOUR_MS: u64 = 3_600_000;
const MINUTE_MS: u64 = 60_000;

fn offered_callback(h: &Harness, leg: LegId) -> bool {
    h.commands().contains(&TelephonyCommand::PlayPrompt {
        leg,
        prompt: Prompt::CourtesyCallbackOffer,
    })
}

fn n_offers(h: &Harness, leg: LegId) -> usize {
    all_commands(h)
        .iter()
        .filter(|c| {
            **c == TelephonyCommand::PlayPrompt {
                leg,
                prompt: Prompt::CourtesyCallbackOffer,
            }
        })
        .count()
}

fn span(text: &str) -> OpenSpan {
    OpenSpan::parse(text).expect("valid span")
}

/// Support keeps Office hours, Monday to Friday 08:00–16:00 at UTC+1.
fn office_hours(config: &mut Config) {
    let weekday = vec![span("08:00-16:00")];
    config.calendar = Calendar {
        opening_hours: vec![OpeningHours {
            name: "Office".into(),
            week: [
                weekday.clone(),
                weekday.clone(),
                weekday.clone(),
                weekday.clone(),
                weekday,
                Vec::new(),
                Vec::new(),
            ],
        }],
        holidays: Vec::new(),
        utc_offsets: vec![UtcOffset {
            from_unix_ms: i64::MIN,
            offset_s: 3600,
        }],
    };
    queue_mut(config, Q_SUPPORT).opening_hours = Some("Office".into());
}

fn queue_mut(config: &mut Config, id: QueueId) -> &mut QueueConfig {
    config
        .queues
        .iter_mut()
        .find(|q| q.id == id)
        .expect("queue exists")
}

fn expected_wait_threshold(config: &mut Config, threshold_ms: u64) {
    config
        .entry_points
        .iter_mut()
        .find(|e| e.id == EP_KUNDESERVICE)
        .expect("Kundeservice")
        .flow
        .courtesy_callback_expected_wait_ms = Some(threshold_ms);
}

#[test]
fn r37_a_caller_outside_opening_hours_is_offered_the_courtesy_callback_at_once() {
    let mut h = harness_with(office_hours);
    // Thursday 01:00 local: closed.
    let (night, night_leg) = h.arrive(DN_KUNDESERVICE);
    assert!(
        offered_callback(&h, night_leg),
        "R37: offered on arrival outside opening hours: {:?}",
        h.commands()
    );
    assert_eq!(h.view(night).phase, "queued", "the caller still waits");
    // The fixed wait does not offer it a second time.
    h.advance(2 * MINUTE_MS);
    assert_eq!(n_offers(&h, night_leg), 1, "offered once");

    // Thursday 08:00 local (07:00 UTC): open, so only the fixed wait offers it.
    h.advance(7 * HOUR_MS - 2 * MINUTE_MS);
    let (_, morning_leg) = h.arrive(DN_KUNDESERVICE);
    assert!(!offered_callback(&h, morning_leg), "open: not at once");
    h.advance(MINUTE_MS);
    assert!(
        offered_callback(&h, morning_leg),
        "the fixed wait still offers it"
    );

    // Thursday 16:00 local: closed again.
    h.advance(8 * HOUR_MS - MINUTE_MS);
    let (_, evening_leg) = h.arrive(DN_KUNDESERVICE);
    assert!(offered_callback(&h, evening_leg), "closed at 16:00");

    // A queue without opening hours is always open.
    let (_, salg_leg) = h.arrive(DN_SALG);
    assert!(
        !offered_callback(&h, salg_leg),
        "Sales keeps no opening hours"
    );
}

#[test]
fn r37_a_holiday_is_closed_all_day_and_pressing_1_keeps_the_place() {
    let mut h = harness_with(|config| {
        office_hours(config);
        config.calendar.holidays = vec![CivilDate {
            year: 1970,
            month: 1,
            day: 1,
        }];
    });
    // Thursday 1 January 10:00 local: inside the weekday's hours, but a holiday.
    h.advance(9 * HOUR_MS);
    let (id, leg) = h.arrive(DN_KUNDESERVICE);
    assert!(offered_callback(&h, leg), "R37: closed on a holiday");
    h.telephony(TelephonyEvent::Dtmf { leg, digit: '1' });
    assert_eq!(h.view(id).kind, InteractionKind::CourtesyCallback);
    // Friday 2 January 10:00 local: open.
    h.advance(24 * HOUR_MS);
    let (_, friday_leg) = h.arrive(DN_KUNDESERVICE);
    assert!(!offered_callback(&h, friday_leg), "the next day is open");
}

#[test]
fn r37_a_caller_is_not_offered_a_callback_when_an_agent_takes_the_call_now() {
    let mut h = harness_with(office_hours);
    h.ready(DAVID, SUPPORT);
    let (id, leg) = h.arrive(DN_KUNDESERVICE);
    assert_eq!(
        h.view(id).offered_to,
        Some(DAVID),
        "offered to David at once"
    );
    assert!(
        !offered_callback(&h, leg),
        "an agent answers now: no callback offer"
    );
}

/// David handles one Kundeservice call for `handle_ms` and hangs up; he stays Available.
fn handle_one_call(h: &mut Harness, handle_ms: u64) {
    let call = connected_call(h, DAVID, SUPPORT, DN_KUNDESERVICE);
    h.advance(handle_ms);
    h.telephony(TelephonyEvent::HungUp { leg: call.customer });
    h.command(
        DAVID,
        Command::SubmitWrapUp {
            interaction: call.id,
            reason: "resolved".into(),
        },
    )
    .expect("wrap-up");
}

#[test]
fn r37_the_offer_is_made_when_the_expected_wait_passes_the_flows_threshold() {
    let mut h = harness_with(|config| expected_wait_threshold(config, 15 * MINUTE_MS));
    handle_one_call(&mut h, 10 * MINUTE_MS);
    assert_eq!(
        h.engine.average_handle_ms_today(Q_SUPPORT),
        Some(10 * MINUTE_MS)
    );
    // David takes the next call, so the callers after it wait.
    let busy = h.arrive(DN_KUNDESERVICE);
    h.answer(DAVID);
    assert_eq!(h.view(busy.0).phase, "connected");
    assert_eq!(h.engine.n_agents_serving(Q_SUPPORT), 1);
    // Position 1: 1 × 10 min ÷ 1 agent = 10 min, not over 15 min.
    let (_, first_leg) = h.arrive(DN_KUNDESERVICE);
    assert!(!offered_callback(&h, first_leg), "10 min is within 15 min");
    // Position 2: 2 × 10 min ÷ 1 = 20 min, over 15 min: offered at once.
    let (_, second_leg) = h.arrive(DN_KUNDESERVICE);
    assert!(
        offered_callback(&h, second_leg),
        "R37: expected wait 20 min > 15 min: {:?}",
        h.commands()
    );
    // Eva logs in to Support and takes the first caller: two agents serve the queue now, and
    // the next caller is second in line: 2 × 10 min ÷ 2 = 10 min, within 15 min.
    h.ready(EVA, SUPPORT);
    h.answer(EVA);
    assert_eq!(h.engine.n_agents_serving(Q_SUPPORT), 2);
    let (_, third_leg) = h.arrive(DN_KUNDESERVICE);
    assert!(!offered_callback(&h, third_leg), "10 min is within 15 min");
}

#[test]
fn r37_with_no_agent_serving_the_queue_the_expected_wait_has_no_end() {
    let mut h = harness_with(|config| expected_wait_threshold(config, 15 * MINUTE_MS));
    // David is logged in to Support but Idle: he does not serve the queue.
    h.ready(DAVID, SUPPORT);
    h.command(
        DAVID,
        Command::SetState(StateRequest::Idle {
            reason: "lunch".into(),
        }),
    )
    .expect("idle");
    assert_eq!(h.engine.n_agents_serving(Q_SUPPORT), 0);
    let (id, leg) = h.arrive(DN_KUNDESERVICE);
    let place = h.view(id);
    assert_eq!(place.phase, "queued");
    assert!(
        offered_callback(&h, leg),
        "R37: no agent serving: offered at once"
    );
}

#[test]
fn r37_with_no_call_handled_today_only_the_fixed_wait_offers_the_callback() {
    let mut h = harness_with(|config| expected_wait_threshold(config, MINUTE_MS));
    // David is on a call that has not ended: no handle time yet today.
    let _call = connected_call(&mut h, DAVID, SUPPORT, DN_KUNDESERVICE);
    assert_eq!(h.engine.average_handle_ms_today(Q_SUPPORT), None);
    let (_, leg) = h.arrive(DN_KUNDESERVICE);
    assert!(!offered_callback(&h, leg), "no estimate: not at once");
    h.advance(60_000);
    assert!(
        offered_callback(&h, leg),
        "the fixed 60 s wait still offers it"
    );
}

#[test]
fn r37_the_average_handle_time_is_today_s_in_the_organisation_s_time_zone() {
    let mut h = harness_with(|config| {
        office_hours(config);
        expected_wait_threshold(config, MINUTE_MS);
    });
    // Thursday 22:00 UTC is 23:00 local: a 30-minute call ends at 23:30 local, Thursday.
    h.advance(22 * HOUR_MS);
    handle_one_call(&mut h, 30 * MINUTE_MS);
    assert_eq!(
        h.engine.average_handle_ms_today(Q_SUPPORT),
        Some(30 * MINUTE_MS)
    );
    // 00:30 local on Friday (23:30 UTC on Thursday): a new day, no call handled yet. The
    // engine knows the time from its inputs: a caller arrives.
    h.advance(HOUR_MS);
    h.arrive(DN_SALG);
    assert_eq!(h.engine.average_handle_ms_today(Q_SUPPORT), None);
}

#[test]
fn r37_a_waiting_caller_is_offered_the_callback_when_an_agent_leaves_and_the_wait_grows() {
    let mut h = harness_with(|config| expected_wait_threshold(config, 15 * MINUTE_MS));
    handle_one_call(&mut h, 10 * MINUTE_MS);
    // David and Eva both take a call, so the next callers wait.
    let _david = h.arrive(DN_KUNDESERVICE);
    h.answer(DAVID);
    h.ready(EVA, SUPPORT);
    let _eva = h.arrive(DN_KUNDESERVICE);
    h.answer(EVA);
    assert_eq!(h.engine.n_agents_serving(Q_SUPPORT), 2);
    // Positions 1 and 2: 5 and 10 min, within 15 min.
    let (_, first_leg) = h.arrive(DN_KUNDESERVICE);
    let (_, second_leg) = h.arrive(DN_KUNDESERVICE);
    assert!(!offered_callback(&h, first_leg) && !offered_callback(&h, second_leg));
    // Eva goes Idle after her call: one agent serves, 10 and 20 min; the second is offered.
    h.command(
        EVA,
        Command::SetState(StateRequest::Idle {
            reason: "lunch".into(),
        }),
    )
    .expect("idle");
    assert!(
        offered_callback(&h, second_leg),
        "R37: 20 min > 15 min once Eva left: {:?}",
        h.commands()
    );
    assert!(!offered_callback(&h, first_leg), "10 min is within 15 min");
    assert_eq!(n_offers(&h, second_leg), 1);
    // David goes Idle too: nobody serves, the wait has no end; the second is not offered again.
    h.command(
        DAVID,
        Command::SetState(StateRequest::Idle {
            reason: "lunch".into(),
        }),
    )
    .expect("idle");
    assert!(offered_callback(&h, first_leg));
    assert_eq!(n_offers(&h, second_leg), 1, "offered once");
}

#[test]
fn r37_handle_time_runs_to_the_wrap_up_and_the_day_s_figures_survive_a_restart() {
    let mut h = harness_with(|config| expected_wait_threshold(config, 15 * MINUTE_MS));
    // A 4-minute call wrapped up 2 minutes after it ended: 6 minutes handled.
    let call = connected_call(&mut h, DAVID, SUPPORT, DN_KUNDESERVICE);
    h.advance(4 * MINUTE_MS);
    h.telephony(TelephonyEvent::HungUp { leg: call.customer });
    assert_eq!(
        h.engine.average_handle_ms_today(Q_SUPPORT),
        None,
        "not handled before its wrap-up"
    );
    h.advance(2 * MINUTE_MS);
    h.command(
        DAVID,
        Command::SubmitWrapUp {
            interaction: call.id,
            reason: "resolved".into(),
        },
    )
    .expect("wrap-up");
    assert_eq!(
        h.engine.average_handle_ms_today(Q_SUPPORT),
        Some(6 * MINUTE_MS)
    );

    // After a restart the server gives the new engine the day's figures from the history:
    // 2 calls, 40 minutes, so 20 minutes each; a caller first in line with nobody free waits
    // 20 min ÷ 1 agent, over 15 min.
    let mut h = harness_with(|config| expected_wait_threshold(config, 15 * MINUTE_MS));
    h.engine.restore_handled_today(Q_SUPPORT, 2, 40 * MINUTE_MS);
    assert_eq!(
        h.engine.average_handle_ms_today(Q_SUPPORT),
        Some(20 * MINUTE_MS)
    );
    let busy = h.arrive(DN_KUNDESERVICE);
    h.ready(DAVID, SUPPORT);
    h.answer(DAVID);
    assert_eq!(h.view(busy.0).phase, "connected");
    let (_, leg) = h.arrive(DN_KUNDESERVICE);
    assert!(offered_callback(&h, leg), "R37: 20 min > 15 min");
}
