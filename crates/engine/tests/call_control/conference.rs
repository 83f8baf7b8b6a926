//! Three-way conference and who may leave it (R23, with R26's "agent 2 joins the conference").
//!
//! Goal: Conference mixes the customer, agent 1 and agent 2 (nobody on hold); if agent 1
//! leaves, the call stays with agent 2 and the customer and agent 1 wraps up; if agent 2
//! leaves, agent 1 and the customer go on; if the customer leaves, the interaction ends.
//! Method: DAVID consults EVA, who answers, and starts a conference; then each party leaves in
//! turn; the tests check the Conference/Bridge/HangUp commands, ownership, wrap-ups and the
//! final record.
//! Proves: R23, R26.

use crate::*;
use sentral_engine::testing::*;
use sentral_engine::*;

#[test]
fn r23_conference_mixes_customer_and_both_agents() {
    let mut h = Harness::new();
    let (call, consult_leg) = david_consults_eva(&mut h);
    h.command(
        DAVID,
        Command::Conference {
            interaction: call.id,
        },
    )
    .expect("conference");
    assert_eq!(
        h.commands(),
        vec![TelephonyCommand::Conference {
            legs: vec![call.customer, call.agent_leg, consult_leg],
        }]
    );
    for agent in [DAVID, EVA] {
        assert!(
            h.events_for(agent)
                .contains(&DesktopEvent::ConferenceStarted {
                    interaction: call.id
                }),
            "{agent} joins the conference (R26)"
        );
        assert_eq!(
            hold_changed(&h, agent),
            Some((false, Some(false))),
            "nobody on hold"
        );
    }
    let view = h.view(call.id);
    assert!(!view.customer_held);
    assert!(view.consult.expect("consult").conference);
}

#[test]
fn r23_agent_1_leaving_the_conference_leaves_the_call_with_agent_2() {
    let mut h = Harness::new();
    let (call, consult_leg) = conference_with_eva(&mut h);
    h.command(
        DAVID,
        Command::End {
            interaction: call.id,
        },
    )
    .expect("DAVID leaves");
    assert_eq!(hung_up(&h), vec![call.agent_leg], "only DAVID's phone");
    assert_eq!(
        call_ended_for(&h, DAVID, call.id),
        Some(EndReason::LeftConference)
    );
    assert!(wrapup_required(&h, DAVID, call.id));
    assert!(h.events_for(EVA).contains(&DesktopEvent::OwnershipChanged {
        interaction: call.id,
        owner: Some(EVA),
    }));
    assert!(h.commands().contains(&TelephonyCommand::Bridge {
        a: call.customer,
        b: consult_leg,
    }));
    assert_eq!(ended_record(&h), None);
    let view = h.view(call.id);
    assert_eq!(view.owner, Some(EVA));
    assert_eq!(view.consult, None);
    assert_eq!(view.phase, "connected");

    // EVA now owns the call: she ends it and wraps up.
    h.command(
        EVA,
        Command::End {
            interaction: call.id,
        },
    )
    .expect("EVA ends");
    assert!(wrapup_required(&h, EVA, call.id));
    assert!(hung_up(&h).contains(&call.customer));
    assert_eq!(ended_record(&h), Some(EndReason::AgentEnded));
}

#[test]
fn r23_agent_1_hanging_up_in_a_conference_also_leaves_the_call_with_agent_2() {
    let mut h = Harness::new();
    let (call, consult_leg) = conference_with_eva(&mut h);
    h.telephony(TelephonyEvent::HungUp {
        leg: call.agent_leg,
    });
    assert!(wrapup_required(&h, DAVID, call.id));
    assert!(h.commands().contains(&TelephonyCommand::Bridge {
        a: call.customer,
        b: consult_leg,
    }));
    assert_eq!(h.view(call.id).owner, Some(EVA));
    assert_eq!(ended_record(&h), None);
}

#[test]
fn r23_agent_2_leaving_the_conference_leaves_agent_1_with_the_customer() {
    let mut h = Harness::new();
    let (call, consult_leg) = conference_with_eva(&mut h);
    h.command(
        EVA,
        Command::EndConsult {
            interaction: call.id,
        },
    )
    .expect("EVA leaves");
    assert_eq!(hung_up(&h), vec![consult_leg]);
    assert!(h.commands().contains(&TelephonyCommand::Bridge {
        a: call.customer,
        b: call.agent_leg,
    }));
    assert_eq!(
        call_ended_for(&h, EVA, call.id),
        Some(EndReason::ConsultEnded)
    );
    assert!(!wrapup_required(&h, EVA, call.id));
    assert_eq!(ended_record(&h), None);
    let view = h.view(call.id);
    assert_eq!(view.owner, Some(DAVID));
    assert_eq!(view.consult, None);
}

#[test]
fn r23_the_customer_leaving_the_conference_ends_the_interaction() {
    let mut h = Harness::new();
    let (call, consult_leg) = conference_with_eva(&mut h);
    h.telephony(TelephonyEvent::HungUp { leg: call.customer });
    let legs = hung_up(&h);
    assert!(legs.contains(&call.agent_leg) && legs.contains(&consult_leg));
    assert_eq!(ended_record(&h), Some(EndReason::CustomerHungUp));
    assert!(wrapup_required(&h, DAVID, call.id));
    assert_eq!(
        call_ended_for(&h, EVA, call.id),
        Some(EndReason::CustomerHungUp)
    );
    assert!(!wrapup_required(&h, EVA, call.id), "agent 2 never wraps up");
    assert_eq!(h.view(call.id).phase, "ended");
}
