//! A call transferred to an entry point twice comes back to neither transferring agent (R29).
//!
//! Goal: "a call transferred to an entry point can never be routed back to the agent who
//! transferred it" holds for every agent who did so, not only the last one: when a second
//! agent transfers the call to an entry point again, the first one stays excluded.
//! Method: DAVID transfers a Kundeservice call back to Kundeservice; EVA gets it and does the
//! same; both submit their wrap-up and are Available; then FREDRIK becomes Available.
//! Proves: R29.

use crate::*;
use sentral_engine::testing::*;
use sentral_engine::*;

fn transfer_to_kundeservice(h: &mut Harness, agent: AgentId, interaction: InteractionId) {
    h.command(
        agent,
        Command::Transfer {
            interaction,
            target: Target::EntryPoint(EP_KUNDESERVICE),
        },
    )
    .expect("transfer to the entry point");
    submit_wrapup(h, agent, interaction);
}

#[test]
fn r29_every_agent_who_transferred_the_call_to_an_entry_point_stays_excluded() {
    let mut h = Harness::new();
    let call = david_call(&mut h);
    transfer_to_kundeservice(&mut h, DAVID, call.id);
    h.ready(EVA, SUPPORT);
    assert_eq!(h.view(call.id).offered_to, Some(EVA));
    h.answer(EVA);
    transfer_to_kundeservice(&mut h, EVA, call.id);

    assert_eq!(h.agent(DAVID).state, AgentStateView::Available);
    assert_eq!(h.agent(EVA).state, AgentStateView::Available);
    let view = h.view(call.id);
    assert_eq!(view.phase, "queued");
    assert_eq!(
        view.offered_to, None,
        "R29: neither DAVID nor EVA is offered the call back"
    );
    h.ready(FREDRIK, SUPPORT);
    assert_eq!(h.view(call.id).offered_to, Some(FREDRIK));
}
