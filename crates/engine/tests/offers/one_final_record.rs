//! Goal: every interaction that ends leaves exactly one final record, whatever way it ends,
//! and nothing that has not ended has one.
//! Method: run one busy scenario (hang-up in queue, hang-up while ringing, RONA then answered
//! by another agent and ended, answered then hung up by the customer, wrap-ups submitted
//! late) and count `InteractionCreated` and `InteractionEnded` records per interaction over
//! every output.
//! Proves: R45 (with R12, R36 along the way).

use crate::support::*;
use sentral_engine::testing::*;
use sentral_engine::*;
use std::collections::BTreeMap;

fn counts(h: &Harness) -> BTreeMap<InteractionId, (usize, usize)> {
    let mut counts: BTreeMap<InteractionId, (usize, usize)> = BTreeMap::new();
    for output in &h.all {
        match output {
            Output::Record(Record::InteractionCreated { interaction, .. }) => {
                counts.entry(*interaction).or_default().0 += 1;
            }
            Output::Record(Record::InteractionEnded { interaction, .. }) => {
                counts.entry(*interaction).or_default().1 += 1;
            }
            _ => {}
        }
    }
    counts
}

fn wrap_up(h: &mut Harness, agent: AgentId, interaction: InteractionId) {
    h.command(
        agent,
        Command::SubmitWrapUp {
            interaction,
            reason: "resolved".into(),
        },
    )
    .expect("wrap up");
}

#[test]
fn r45_every_ended_interaction_has_exactly_one_final_record() {
    let mut h = Harness::new();
    // 1: hangs up in queue.
    let (queued, queued_leg) = h.arrive(DN_SALG);
    h.telephony(TelephonyEvent::HungUp { leg: queued_leg });

    // 2: hangs up while ANNA's phone rings.
    h.ready(ANNA, SALES);
    let (ringing, ringing_leg) = h.arrive(DN_SALG);
    assert!(rang(&h, ANNA, ringing));
    h.telephony(TelephonyEvent::HungUp { leg: ringing_leg });

    // 3: RONA at ANNA, answered by BJORN, ended by BJORN.
    h.advance(1_000);
    let (rona, _) = h.arrive(DN_SALG);
    assert!(rang(&h, ANNA, rona));
    h.advance(15_000);
    assert!(final_records(&h, rona).is_empty(), "RONA does not end it");
    h.ready(BJORN, SALES);
    assert!(rang(&h, BJORN, rona));
    h.answer(BJORN);
    h.advance(20_000);
    h.command(BJORN, Command::End { interaction: rona })
        .expect("end");

    // 4: answered by ANNA, the customer hangs up.
    h.ready_again(ANNA);
    let (answered, answered_leg) = h.arrive(DN_SALG);
    assert!(rang(&h, ANNA, answered));
    h.answer(ANNA);
    h.advance(10_000);
    h.telephony(TelephonyEvent::HungUp { leg: answered_leg });

    // 5: still waiting at the end.
    let (waiting, _) = h.arrive(DN_KUNDESERVICE);

    let before_wrapups = counts(&h);
    wrap_up(&mut h, BJORN, rona);
    wrap_up(&mut h, ANNA, answered);
    assert_eq!(counts(&h), before_wrapups, "wrap-up adds no final record");

    for id in [queued, ringing, rona, answered] {
        assert_eq!(counts(&h)[&id], (1, 1), "{id}: created once, ended once");
    }
    assert_eq!(counts(&h)[&waiting], (1, 0), "{waiting} has not ended");
    assert_eq!(counts(&h).len(), 5);

    match &final_records(&h, rona)[0] {
        Record::InteractionEnded {
            reason,
            agents,
            created_at_unix_ms,
            connected_at_unix_ms,
            at_unix_ms,
            ..
        } => {
            assert_eq!(*reason, EndReason::AgentEnded);
            assert_eq!(agents, &vec![BJORN], "ANNA never had it");
            assert_eq!(*created_at_unix_ms, 1_000);
            assert_eq!(*connected_at_unix_ms, Some(16_000));
            assert_eq!(*at_unix_ms, 36_000);
        }
        other => panic!("not a final record: {other:?}"),
    }
    assert_eq!(ended_reason(&h, answered), EndReason::CustomerHungUp);
    assert_eq!(ended_reason(&h, queued), EndReason::CustomerHungUp);
    assert_eq!(ended_reason(&h, ringing), EndReason::CustomerHungUp);
}
