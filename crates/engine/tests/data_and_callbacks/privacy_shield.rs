//! Goal: with Privacy Shield a recording pause lasts at most the administrator's duration and
//! then recording resumes by itself; without it a pause lasts until the agent resumes; pause
//! and resume do not work during a consult or a conference.
//! Method: pause a connected call's recording, move the fake clock with `Harness::advance`
//! and look for the `ResumeRecording` command the shield timer sends; start consults and a
//! conference and check that pause and resume are refused naming R32.
//! Proves: R32 (with R31).

use crate::support::*;
use sentral_engine::testing::*;
use sentral_engine::*;

fn pause(h: &mut Harness, agent: AgentId, interaction: InteractionId) -> Result<(), Rejection> {
    h.command(agent, Command::PauseRecording { interaction })
}

fn resume(h: &mut Harness, agent: AgentId, interaction: InteractionId) -> Result<(), Rejection> {
    h.command(agent, Command::ResumeRecording { interaction })
}

fn resumed(h: &Harness, interaction: InteractionId) -> bool {
    h.commands()
        .contains(&TelephonyCommand::ResumeRecording { interaction })
}

#[test]
fn r32_privacy_shield_resumes_recording_after_its_duration() {
    let mut h = Harness::new();
    assert_eq!(h.engine.config().org.privacy_shield_ms, Some(30_000));
    let call = connected_call(&mut h, DAVID, SUPPORT, DN_KUNDESERVICE);
    h.advance(5_000);
    let paused_at = h.now_ms as i64;
    pause(&mut h, DAVID, call.id).expect("pause");
    let paused = RecordingState::Paused {
        resumes_at_unix_ms: Some(paused_at + 30_000),
    };
    assert_eq!(
        recording_events(&h, DAVID),
        [paused],
        "the desktop knows when it resumes"
    );

    h.advance(29_999);
    assert!(!resumed(&h, call.id), "still within the shield's duration");
    assert_eq!(h.view(call.id).recording, paused);

    h.advance(1);
    assert!(
        resumed(&h, call.id),
        "R32: recording resumes by itself after 30 s: {:?}",
        h.commands()
    );
    assert_eq!(recording_events(&h, DAVID), [RecordingState::On]);
    assert_eq!(h.view(call.id).recording, RecordingState::On);
    assert!(h.records().iter().any(|r| matches!(
        r,
        Record::Recording {
            state: RecordingState::On,
            ..
        }
    )));
}

#[test]
fn r32_a_manual_resume_disarms_the_privacy_shield() {
    let mut h = harness_with(|c| c.org.privacy_shield_ms = Some(20_000));
    let call = connected_call(&mut h, DAVID, SUPPORT, DN_KUNDESERVICE);
    pause(&mut h, DAVID, call.id).expect("pause at 0 s");
    h.advance(10_000);
    resume(&mut h, DAVID, call.id).expect("resume at 10 s");
    h.advance(5_000);
    pause(&mut h, DAVID, call.id).expect("pause again at 15 s");
    h.advance(5_000);
    assert!(
        !resumed(&h, call.id),
        "the first pause's shield (due at 20 s) no longer applies"
    );
    assert!(matches!(
        h.view(call.id).recording,
        RecordingState::Paused { .. }
    ));
    h.advance(15_000);
    assert!(resumed(&h, call.id), "the second pause's shield, at 35 s");
    assert_eq!(h.view(call.id).recording, RecordingState::On);
}

#[test]
fn r32_without_privacy_shield_a_pause_lasts_until_the_agent_resumes() {
    let mut h = harness_with(|c| c.org.privacy_shield_ms = None);
    let call = connected_call(&mut h, DAVID, SUPPORT, DN_KUNDESERVICE);
    pause(&mut h, DAVID, call.id).expect("pause");
    h.advance(600_000);
    assert!(
        !all_commands(&h)
            .iter()
            .any(|c| matches!(c, TelephonyCommand::ResumeRecording { .. }))
    );
    assert_eq!(
        h.view(call.id).recording,
        RecordingState::Paused {
            resumes_at_unix_ms: None
        }
    );
}

#[test]
fn r32_pause_and_resume_are_refused_during_a_consult() {
    let mut h = Harness::new();
    let call = connected_call(&mut h, DAVID, SUPPORT, DN_KUNDESERVICE);
    h.ready(EVA, SUPPORT);
    let consult = Command::Consult {
        interaction: call.id,
        target: Target::Agent(EVA),
    };
    let end_consult = Command::EndConsult {
        interaction: call.id,
    };

    // Recording on: pausing is refused while the consult rings and once it is accepted.
    h.command(DAVID, consult.clone()).expect("consult");
    let result = pause(&mut h, DAVID, call.id);
    rejected(&h, result, Rule::R32);
    h.answer(EVA);
    assert_eq!(h.view(call.id).consult.map(|c| c.accepted), Some(true));
    let result = pause(&mut h, DAVID, call.id);
    rejected(&h, result, Rule::R32);
    let result = pause(&mut h, EVA, call.id);
    rejected(&h, result, Rule::R32);
    assert_eq!(h.view(call.id).recording, RecordingState::On);
    h.command(DAVID, end_consult.clone()).expect("end consult");

    // Paused before the consult: resuming is refused during it.
    pause(&mut h, DAVID, call.id).expect("pause with no consult");
    h.command(DAVID, consult).expect("consult again");
    let result = resume(&mut h, DAVID, call.id);
    rejected(&h, result, Rule::R32);
    h.answer(EVA);
    let result = resume(&mut h, DAVID, call.id);
    rejected(&h, result, Rule::R32);
    assert!(matches!(
        h.view(call.id).recording,
        RecordingState::Paused { .. }
    ));
    h.command(DAVID, end_consult).expect("end consult");
    resume(&mut h, DAVID, call.id).expect("resume once the consult is over");
    assert_eq!(h.view(call.id).recording, RecordingState::On);
}

#[test]
fn r32_pause_and_resume_are_refused_during_a_conference() {
    let mut h = Harness::new();
    let call = connected_call(&mut h, DAVID, SUPPORT, DN_KUNDESERVICE);
    h.ready(EVA, SUPPORT);
    pause(&mut h, DAVID, call.id).expect("pause before the conference");
    h.command(
        DAVID,
        Command::Consult {
            interaction: call.id,
            target: Target::Agent(EVA),
        },
    )
    .expect("consult");
    h.answer(EVA);
    h.command(
        DAVID,
        Command::Conference {
            interaction: call.id,
        },
    )
    .expect("conference");
    assert_eq!(h.view(call.id).consult.map(|c| c.conference), Some(true));
    for agent in [DAVID, EVA] {
        let result = resume(&mut h, agent, call.id);
        rejected(&h, result, Rule::R32);
    }
    assert!(matches!(
        h.view(call.id).recording,
        RecordingState::Paused { .. }
    ));

    // Once the shield resumes it, pausing is refused in the conference too.
    h.advance(30_000);
    assert!(resumed(&h, call.id));
    for agent in [DAVID, EVA] {
        let result = pause(&mut h, agent, call.id);
        rejected(&h, result, Rule::R32);
    }
    assert_eq!(h.view(call.id).recording, RecordingState::On);
}
