//! Goal: secure (PII) values are fetched only by an agent who is on the call: one whose phone
//! merely rings with the offer, a blind transfer or a consult request sees the popover, which
//! never shows secure values (R9, R10), and must not fetch them either; they may never take
//! the call (RONA).
//! Method: Kundeservice's flow sets the secure `national_id`; DAVID is offered the call, then
//! answers; EVA's phone rings with DAVID's consult, then she answers; each fetch is tried
//! before and after answering.
//! Proves: R33 (secure values fetched separately, by participants), with R9 and R10.

use crate::support::*;
use sentral_engine::testing::*;
use sentral_engine::*;

const NATIONAL_ID: &str = "01017012345";

#[test]
fn r33_an_agent_whose_phone_only_rings_cannot_fetch_secure_values() {
    let mut h = harness_with(|c| {
        c.entry_points[0]
            .flow
            .variables
            .push(("national_id".into(), NATIONAL_ID.into()));
    });
    h.ready(DAVID, SUPPORT);
    let (id, _) = h.arrive(DN_KUNDESERVICE);
    assert_eq!(h.view(id).offered_to, Some(DAVID));
    let fetch = |h: &Harness, agent| h.engine.secure_variables(agent, id).map_err(|r| r.code);
    assert_eq!(
        fetch(&h, DAVID),
        Err(Code::NotYours),
        "R33: only offered, not on the call"
    );
    h.answer(DAVID);
    assert_eq!(
        fetch(&h, DAVID),
        Ok(values(&[("national_id", NATIONAL_ID)]))
    );

    h.ready(EVA, SUPPORT);
    h.command(
        DAVID,
        Command::Consult {
            interaction: id,
            target: Target::Agent(EVA),
        },
    )
    .expect("consult");
    assert_eq!(
        fetch(&h, EVA),
        Err(Code::NotYours),
        "R33: the consult only rings"
    );
    h.answer(EVA);
    assert_eq!(fetch(&h, EVA), Ok(values(&[("national_id", NATIONAL_ID)])));
}
