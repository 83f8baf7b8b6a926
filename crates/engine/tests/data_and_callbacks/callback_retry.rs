//! Goal: a callback whose customer does not answer is not redialled at once: it waits out its
//! queue's retry spacing (or the organisation's), then goes back to its queue at its original
//! place, ahead of everyone who came later; each queue may set its own attempts maximum, the
//! last attempt ends the callback, and the retry timer goes when the callback ends otherwise.
//! Method: web callbacks in Sales (org spacing 120 s, 3 attempts) offered to ANNA, whose dialled
//! customer fails; `Harness::advance` walks the clock through the spacing, and the records,
//! timers and views are read after each step.
//! Proves: R40 (with R12's kept place, R43's per-queue settings and R45's record of attempts).

use crate::support::*;
use sentral_engine::testing::*;
use sentral_engine::*;

/// A web callback in `queue` offered to and answered by `agent`, who then chooses Idle so
/// that only the callback's return can make them busy again; returns it and the dialled leg.
fn dialled_callback(
    h: &mut Harness,
    agent: AgentId,
    team: TeamId,
    queue: QueueId,
) -> (InteractionId, LegId) {
    let id = web_callback(h, queue, "Kari", "+4791234567").expect("queued");
    h.ready(agent, team);
    assert_eq!(h.view(id).offered_to, Some(agent));
    h.answer(agent);
    let (leg, interaction, _) = the_dial(h);
    assert_eq!(interaction, id);
    go_idle(h, agent);
    (id, leg)
}

fn go_idle(h: &mut Harness, agent: AgentId) {
    let idle = StateRequest::Idle {
        reason: "lunch".into(),
    };
    h.command(agent, Command::SetState(idle)).expect("idle");
}

/// The dialled customer is busy.
fn busy(h: &mut Harness, leg: LegId) {
    h.telephony(TelephonyEvent::Failed {
        leg,
        cause: FailCause::Busy,
    });
}

/// The timers the last input armed: (id, deadline).
fn timers_set(h: &Harness) -> Vec<(TimerId, u64)> {
    h.last
        .iter()
        .filter_map(|o| match o {
            Output::SetTimer { id, at_mono_ms } => Some((*id, *at_mono_ms)),
            _ => None,
        })
        .collect()
}

/// The callback states of the last input: (state, attempt).
fn attempt_states(h: &Harness, id: InteractionId) -> Vec<(&'static str, Option<u32>)> {
    h.records()
        .into_iter()
        .filter_map(|r| match r {
            Record::InteractionState {
                interaction,
                state,
                attempt,
                ..
            } if interaction == id => Some((state, attempt)),
            _ => None,
        })
        .collect()
}

#[test]
fn r40_an_unanswered_callback_waits_the_spacing_then_returns_at_its_original_place() {
    let mut h = Harness::new();
    let retry_after_ms = h.engine.config().org.callback_retry_after_ms;
    assert_eq!(retry_after_ms, 120_000, "the organisation's default");
    let (first, customer) = dialled_callback(&mut h, ANNA, SALES, Q_SALES);
    let place = h.view(first).place;
    h.advance(5_000);
    busy(&mut h, customer);
    assert_eq!(attempt_states(&h, first), [("retry_wait", Some(1))]);
    assert_eq!(
        timers_set(&h).iter().map(|t| t.1).collect::<Vec<_>>(),
        [h.now_ms + retry_after_ms],
        "one retry timer at the spacing"
    );
    let view = h.view(first);
    assert_eq!(
        (view.phase, view.owner, view.place),
        ("retry_wait", None, place)
    );
    assert_eq!(
        h.engine.n_waiting(Q_SALES),
        0,
        "out of the queue while it waits"
    );
    let pending: Vec<_> = h
        .engine
        .pending_callbacks()
        .iter()
        .map(|v| (v.id, v.phase))
        .collect();
    assert_eq!(
        pending,
        [(first, "retry_wait")],
        "still pending for supervisors"
    );

    // Others ask and call while it waits, with nobody free to serve them.
    let later_callback = web_callback(&mut h, Q_SALES, "Ola", "+4791234568").expect("queued");
    let (later_caller, _) = h.arrive(DN_SALG);
    h.advance(retry_after_ms - 1);
    assert_eq!(h.view(first).phase, "retry_wait", "not a moment early");
    h.advance(1);
    assert_eq!(attempt_states(&h, first), [("queued", None)]);
    assert_eq!(
        h.view(first).place,
        place,
        "R40/R12: back at its original place"
    );
    assert_eq!(h.engine.n_waiting(Q_SALES), 3);

    h.ready(BJORN, SALES);
    assert_eq!(
        h.view(first).offered_to,
        Some(BJORN),
        "ahead of the callback and the caller that came while it waited"
    );
    assert_eq!(h.view(later_callback).phase, "queued");
    assert_eq!(h.view(later_caller).phase, "queued");
    h.answer(BJORN);
    assert_eq!(
        attempt_states(&h, first),
        [("dialing", Some(2))],
        "R45: the second attempt is on the record"
    );
}

#[test]
fn r40_a_queue_sets_its_own_retry_spacing() {
    let mut h = harness_with(|c| queue_of(c, Q_SALES).callback_retry_after_ms = Some(30_000));
    let (first, customer) = dialled_callback(&mut h, ANNA, SALES, Q_SALES);
    busy(&mut h, customer);
    h.advance(29_999);
    assert_eq!(h.view(first).phase, "retry_wait");
    h.advance(1);
    assert_eq!(
        h.view(first).phase,
        "queued",
        "the queue's 30 s, not the organisation's 2 min"
    );
}

#[test]
fn r40_a_spacing_of_zero_puts_the_callback_back_at_once() {
    let mut h = harness_with(|c| queue_of(c, Q_SALES).callback_retry_after_ms = Some(0));
    let (first, customer) = dialled_callback(&mut h, ANNA, SALES, Q_SALES);
    busy(&mut h, customer);
    assert_eq!(
        attempt_states(&h, first),
        [("retry_wait", Some(1)), ("queued", None)],
        "the attempt is on the record even without a wait"
    );
    assert_eq!(h.view(first).phase, "queued");
    assert!(timers_set(&h).is_empty(), "no retry timer");
}

#[test]
fn r40_the_queues_attempts_max_overrides_the_organisations() {
    let mut h = harness_with(|c| {
        c.org.callback_attempts_max = 1;
        queue_of(c, Q_SALES).callback_attempts_max = Some(2);
    });
    let (sales, customer) = dialled_callback(&mut h, ANNA, SALES, Q_SALES);
    busy(&mut h, customer);
    assert_eq!(
        h.view(sales).phase,
        "retry_wait",
        "Sales allows 2 attempts where the organisation allows 1"
    );
    // Support does not say: the organisation's single attempt applies.
    let (support, customer) = dialled_callback(&mut h, DAVID, SUPPORT, Q_SUPPORT);
    busy(&mut h, customer);
    assert_eq!(ended_records(&h, support), [EndReason::CallbackNotAnswered]);
}

#[test]
fn r40_the_last_attempt_ends_the_callback_with_callback_not_answered() {
    let mut h = harness_with(|c| queue_of(c, Q_SALES).callback_attempts_max = Some(2));
    let (first, customer) = dialled_callback(&mut h, ANNA, SALES, Q_SALES);
    busy(&mut h, customer);
    h.advance(h.engine.config().org.callback_retry_after_ms);
    h.ready_again(ANNA);
    assert_eq!(h.view(first).offered_to, Some(ANNA));
    h.answer(ANNA);
    assert_eq!(attempt_states(&h, first), [("dialing", Some(2))]);
    let (customer, _, _) = the_dial(&h);

    h.telephony(TelephonyEvent::Failed {
        leg: customer,
        cause: FailCause::NoAnswer,
    });
    assert_eq!(
        attempt_states(&h, first),
        [],
        "no retry after the last attempt"
    );
    assert!(timers_set(&h).is_empty(), "no retry timer");
    assert_eq!(ended_records(&h, first), [EndReason::CallbackNotAnswered]);
    assert!(h.engine.interaction_view(first).is_none(), "given up");
    assert!(h.engine.pending_callbacks().is_empty());
    assert!(
        h.agent(ANNA).wrapups.is_empty(),
        "no wrap-up for an attempt"
    );
}

#[test]
fn r40_a_configuration_change_that_spends_the_attempts_cancels_the_retry() {
    let mut h = Harness::new();
    let (first, customer) = dialled_callback(&mut h, ANNA, SALES, Q_SALES);
    busy(&mut h, customer);
    let [(retry, _)] = timers_set(&h)[..] else {
        panic!("one retry timer: {:?}", timers_set(&h));
    };

    // A change that leaves attempts (here: a shorter spacing) keeps it waiting as it was.
    let mut config = h.engine.config().clone();
    queue_of(&mut config, Q_SALES).callback_retry_after_ms = Some(10_000);
    h.input(Input::ConfigChanged(Box::new(config.clone())))
        .expect("valid");
    assert!(!h.last.contains(&Output::CancelTimer { id: retry }));
    assert_eq!(h.view(first).phase, "retry_wait");

    // The administrator allows one attempt only: the callback has had it.
    queue_of(&mut config, Q_SALES).callback_attempts_max = Some(1);
    h.input(Input::ConfigChanged(Box::new(config)))
        .expect("valid");
    assert!(h.last.contains(&Output::CancelTimer { id: retry }));
    assert_eq!(ended_records(&h, first), [EndReason::CallbackNotAnswered]);
    assert!(h.engine.pending_callbacks().is_empty());

    h.advance(120_000);
    h.ready_again(ANNA);
    assert_eq!(h.agent(ANNA).call, None, "nothing comes back");
}

#[test]
fn r40_only_a_callback_being_dialled_can_be_cancelled_and_then_its_retry_is_gone() {
    let mut h = Harness::new();
    let (id, customer) = dialled_callback(&mut h, ANNA, SALES, Q_SALES);
    busy(&mut h, customer);
    let refused = h.command(ANNA, Command::CancelCallback { interaction: id });
    assert!(refused.is_err(), "nobody owns a callback waiting to retry");
    assert!(h.last.is_empty(), "a refused input changes nothing");

    h.advance(h.engine.config().org.callback_retry_after_ms);
    h.ready_again(ANNA);
    h.answer(ANNA);
    h.command(ANNA, Command::CancelCallback { interaction: id })
        .expect("R39: cancel the second attempt before the customer answers");
    assert_eq!(ended_records(&h, id), [EndReason::CallbackCancelled]);
    assert_eq!(h.engine.poll_timeout(), None, "no timer left behind");
}

#[test]
fn r40_callback_settings_are_checked_with_their_fields() {
    let mut config = small_config();
    config.org.callback_attempts_max = 0;
    config.org.callback_retry_after_ms = 25 * 60 * 60 * 1_000;
    queue_of(&mut config, Q_SALES).callback_attempts_max = Some(101);
    queue_of(&mut config, Q_SALES).callback_retry_after_ms = Some(24 * 60 * 60 * 1_000 + 1);
    queue_of(&mut config, Q_SUPPORT).callback_attempts_max = Some(0);
    let errors = config.validate().expect_err("out of range");
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "org.callback_attempts_max",
            "org.callback_retry_after",
            "queues.Sales.callback_attempts_max",
            "queues.Sales.callback_retry_after",
            "queues.Support.callback_attempts_max",
        ]
    );
    assert_eq!(
        errors[0].message,
        "must be 1 to 100 (how many times the customer is dialled), not 0"
    );
    assert_eq!(
        errors[1].message,
        "must be at most 24h; 0s sends the callback back to its queue at once"
    );

    let mut h = Harness::new();
    let refused = h.input(Input::ConfigChanged(Box::new(config)));
    assert_eq!(refused.expect_err("invalid").code, Code::Invalid);
    assert!(h.last.is_empty());
}

fn queue_of(config: &mut Config, id: QueueId) -> &mut QueueConfig {
    config
        .queues
        .iter_mut()
        .find(|q| q.id == id)
        .expect("queue exists")
}
