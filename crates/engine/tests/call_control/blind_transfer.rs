//! Blind transfer (R27, with R29's "after any transfer the transferring agent wraps up").
//!
//! Goal: a connected call can be blind-transferred at once to an Available agent (an Idle one
//! is refused), a queue, an entry point, a dial number validated by R30 or an expert's work
//! phone; only after the call was accepted; the transferring agent wraps up after every kind.
//! Method: DAVID answers a Kundeservice call and transfers it; the tests check the customer's
//! Hold, the RingAgent / Dial / queueing of the call, DAVID's wrap-up and, where the target
//! answers, the Bridge to it.
//! Proves: R27, R29 (and R23: no blind transfer in the middle of a consult).

use crate::*;
use sentral_engine::testing::*;
use sentral_engine::*;

fn transfer(call: &Call, target: Target) -> Command {
    Command::Transfer {
        interaction: call.id,
        target,
    }
}

fn assert_transferred_away(h: &Harness, call: &Call) {
    assert!(
        h.commands()
            .contains(&TelephonyCommand::Hold { leg: call.customer }),
        "the customer hears music while the transfer goes on"
    );
    assert!(hung_up(h).contains(&call.agent_leg));
    assert_eq!(
        call_ended_for(h, DAVID, call.id),
        Some(EndReason::Transferred)
    );
    assert!(wrapup_required(h, DAVID, call.id), "R29: DAVID wraps up");
    assert_eq!(h.agent(DAVID).call, None);
    assert_eq!(h.view(call.id).owner, None);
}

#[test]
fn r27_blind_transfer_to_an_available_agent_rings_them_at_once() {
    let mut h = Harness::new();
    let call = david_call(&mut h);
    h.ready(EVA, SUPPORT);
    assert!(
        h.engine
            .directory_agents(DAVID, true, "")
            .iter()
            .any(|a| a.id == EVA && a.state == AgentStateView::Available)
    );
    h.command(DAVID, transfer(&call, Target::Agent(EVA)))
        .expect("transfer");
    assert_transferred_away(&h, &call);
    assert!(h.commands().iter().any(|c| matches!(
        c,
        TelephonyCommand::RingAgent { agent: EVA, interaction, .. } if *interaction == call.id
    )));
    assert!(
        h.events_for(EVA)
            .iter()
            .any(|e| matches!(e, DesktopEvent::Offer(_)))
    );
    let view = h.view(call.id);
    assert_eq!((view.phase, view.offered_to), ("transferring", Some(EVA)));

    let eva_leg = h.answer(EVA);
    assert!(h.commands().contains(&TelephonyCommand::Bridge {
        a: call.customer,
        b: eva_leg,
    }));
    assert_eq!(h.view(call.id).owner, Some(EVA));
    assert_eq!(h.view(call.id).phase, "connected");
}

#[test]
fn r27_blind_transfer_to_an_idle_agent_is_refused() {
    let mut h = Harness::new();
    let call = david_call(&mut h);
    h.ready(EVA, SUPPORT);
    h.command(
        EVA,
        Command::SetState(StateRequest::Idle {
            reason: "lunch".into(),
        }),
    )
    .expect("idle");
    assert!(
        h.engine.directory_agents(DAVID, true, "").is_empty(),
        "only Available agents are listed for a transfer"
    );
    let code = rejected(&mut h, DAVID, transfer(&call, Target::Agent(EVA)));
    assert_eq!(code, Code::Rule(Rule::R27));
    assert_eq!(h.view(call.id).owner, Some(DAVID));
    assert!(h.agent(DAVID).wrapups.is_empty());
}

#[test]
fn r27_blind_transfer_is_possible_only_after_the_call_was_accepted() {
    let mut h = Harness::new();
    h.ready(DAVID, SUPPORT);
    let (id, _) = h.arrive(DN_KUNDESERVICE);
    let code = rejected(
        &mut h,
        DAVID,
        Command::Transfer {
            interaction: id,
            target: Target::Queue(Q_SALES),
        },
    );
    assert_eq!(code, Code::Rule(Rule::R27));
    assert_eq!(h.view(id).offered_to, Some(DAVID));
}

#[test]
fn r27_blind_transfer_to_a_queue_offers_the_call_to_an_agent_of_that_queue() {
    let mut h = Harness::new();
    let call = david_call(&mut h);
    h.ready(BJORN, SALES);
    h.command(DAVID, transfer(&call, Target::Queue(Q_SALES)))
        .expect("transfer to Sales");
    assert_transferred_away(&h, &call);
    let view = h.view(call.id);
    assert_eq!(view.queue, Some(Q_SALES));
    assert_eq!(view.offered_to, Some(BJORN));
    let bjorn_leg = h.answer(BJORN);
    assert!(h.commands().contains(&TelephonyCommand::Bridge {
        a: call.customer,
        b: bjorn_leg,
    }));
}

#[test]
fn r27_blind_transfer_to_an_entry_point_queues_the_call_in_its_flow() {
    let mut h = Harness::new();
    let call = david_call(&mut h);
    h.command(DAVID, transfer(&call, Target::EntryPoint(EP_SALG)))
        .expect("transfer to Salg");
    assert_transferred_away(&h, &call);
    let view = h.view(call.id);
    assert_eq!(view.phase, "queued");
    assert_eq!(view.queue, Some(Q_SALES));
    assert_eq!(view.entry_point, Some(EP_SALG));
    assert_eq!(h.engine.n_waiting(Q_SALES), 1);
}

#[test]
fn r27_blind_transfer_to_a_dial_number_dials_the_normalised_number() {
    let mut h = Harness::new();
    let call = david_call(&mut h);
    h.command(
        DAVID,
        transfer(&call, Target::DialNumber("+1 (201) 553-2447".into())),
    )
    .expect("transfer to a number");
    assert_transferred_away(&h, &call);
    let leg = h.dialled_leg().expect("dialled");
    assert!(h.commands().contains(&TelephonyCommand::Dial {
        leg,
        interaction: call.id,
        number: DialNumber::parse("+12015532447").expect("valid"),
    }));
    assert_eq!(h.view(call.id).phase, "transferring");
    h.telephony(TelephonyEvent::Answered { leg });
    assert!(h.commands().contains(&TelephonyCommand::Bridge {
        a: call.customer,
        b: leg
    }));
    assert_eq!(h.view(call.id).phase, "connected");
    // The outside party hangs up: the call is over.
    h.telephony(TelephonyEvent::HungUp { leg });
    assert_eq!(ended_record(&h), Some(EndReason::PartyHungUp));
    assert!(hung_up(&h).contains(&call.customer));
}

#[test]
fn r27_blind_transfer_to_an_invalid_dial_number_is_refused_by_r30() {
    let mut h = Harness::new();
    let call = david_call(&mut h);
    for typed in ["12", "no digits", "+47+21000000"] {
        let code = rejected(
            &mut h,
            DAVID,
            transfer(&call, Target::DialNumber(typed.into())),
        );
        assert_eq!(code, Code::Rule(Rule::R30), "{typed}");
    }
    let view = h.view(call.id);
    assert_eq!(view.owner, Some(DAVID));
    assert_eq!(view.phase, "connected");
    assert!(h.agent(DAVID).wrapups.is_empty());
}

#[test]
fn r27_blind_transfer_to_an_expert_dials_the_work_phone() {
    let mut h = Harness::new();
    let call = david_call(&mut h);
    let code = rejected(&mut h, DAVID, transfer(&call, Target::Expert(ExpertId(2))));
    assert_eq!(code, Code::Rule(Rule::R27), "no work phone");
    h.command(DAVID, transfer(&call, Target::Expert(ExpertId(1))))
        .expect("transfer to Kari");
    assert_transferred_away(&h, &call);
    assert!(h.commands().iter().any(|c| matches!(
        c,
        TelephonyCommand::Dial { number, .. } if number.as_str() == "+4722000001"
    )));
}

#[test]
fn r23_blind_transfer_during_a_consult_is_refused() {
    let mut h = Harness::new();
    let (call, _) = david_consults_eva(&mut h);
    h.ready(FREDRIK, SUPPORT);
    let code = rejected(&mut h, DAVID, transfer(&call, Target::Agent(FREDRIK)));
    assert_eq!(
        code,
        Code::Rule(Rule::R23),
        "end the consult or transfer to EVA"
    );
}

#[test]
fn r27_the_receiving_agent_is_told_who_transferred_the_call() {
    // Goal: the agent a call is transferred to reads whom it came from, in the offer and in the
    // task once answered; an ordinary offer names nobody.
    // Method: DAVID's call is offered without a transferrer; DAVID transfers it to EVA; EVA's
    // offer and the call's view name DAVID, before and after she answers.
    let mut h = Harness::new();
    let call = david_call(&mut h);
    assert_eq!(h.view(call.id).transferred_by, None);
    h.ready(EVA, SUPPORT);
    h.command(DAVID, transfer(&call, Target::Agent(EVA)))
        .expect("transfer");
    let david = Some(AgentName {
        agent: DAVID,
        name: "david".into(),
    });
    let offer = h
        .events_for(EVA)
        .into_iter()
        .find_map(|e| match e {
            DesktopEvent::Offer(offer) => Some(offer),
            _ => None,
        })
        .expect("EVA is offered the call");
    assert_eq!(offer.transferred_by, david, "the offer names DAVID");
    h.answer(EVA);
    assert_eq!(h.view(call.id).owner, Some(EVA));
    assert_eq!(
        h.view(call.id).transferred_by,
        david,
        "and so does the call"
    );
}
