//! R12, R13: an inbound call rings the longest-available agent, connects on answer, and goes
//! back to its place on no answer.
use sentral_engine::testing::*;
use sentral_engine::*;

#[test]
fn r13_inbound_call_connects_on_answer_and_r12_rona_keeps_place() {
    let mut h = Harness::new();
    h.ready(DAVID, SUPPORT);
    let (first, _) = h.arrive(DN_KUNDESERVICE);
    assert_eq!(h.view(first).offered_to, Some(DAVID));
    let (second, _) = h.arrive(DN_KUNDESERVICE);
    assert_eq!(h.view(second).phase, "queued");
    h.advance(15_000);
    assert_eq!(h.agent(DAVID).state, AgentStateView::Rona);
    assert_eq!(h.view(first).phase, "queued");
    h.ready_again(DAVID);
    assert_eq!(
        h.view(first).offered_to,
        Some(DAVID),
        "R12: first keeps its place ahead of second"
    );
    h.answer(DAVID);
    assert_eq!(h.view(first).phase, "connected");
}
