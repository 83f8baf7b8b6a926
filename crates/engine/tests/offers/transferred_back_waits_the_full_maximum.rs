//! Goal: a call blind-transferred into a queue waits that queue's full maximum before it
//! overflows, counted from when it entered the queue again, not from when it first arrived
//! (the wait timer of its first stint must not carry over).
//! Method: the demo's Support queue overflows to Overflow after 120 s. DAVID answers a
//! Kundeservice call at once and, 100 s later, transfers it back to the Support queue while no
//! Support agent is free; the clock then passes the first stint's deadline.
//! Proves: R43 (maximum wait and overflow target), with R27 (transfer to a queue).

use sentral_engine::testing::*;
use sentral_engine::*;

#[test]
fn r43_a_call_transferred_back_into_a_queue_waits_its_full_maximum_there() {
    let mut h = Harness::new();
    h.ready(DAVID, SUPPORT);
    let (id, _) = h.arrive(DN_KUNDESERVICE);
    h.answer(DAVID);
    h.advance(100_000);
    h.command(
        DAVID,
        Command::Transfer {
            interaction: id,
            target: Target::Queue(Q_SUPPORT),
        },
    )
    .expect("transfer to the Support queue");
    assert_eq!(h.view(id).phase, "queued");

    h.advance(30_000);
    assert_eq!(
        h.view(id).queue,
        Some(Q_SUPPORT),
        "R43: 30 s after the transfer the call still waits in Support"
    );
    h.advance(89_999);
    assert_eq!(h.view(id).queue, Some(Q_SUPPORT));
    h.advance(1);
    assert_eq!(
        h.view(id).queue,
        Some(Q_OVERFLOW),
        "it overflows after the full 120 s"
    );
}
