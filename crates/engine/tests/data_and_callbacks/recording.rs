//! Goal: calls are recorded automatically from the moment they connect when the organisation
//! enabled recording, never when it did not; the agent pauses and resumes recording, unless
//! the organisation does not allow pausing at all.
//! Method: connect inbound calls under different `org.recording` /
//! `org.recording_pause_allowed` settings and check `StartRecording`, `PauseRecording`,
//! `ResumeRecording`, `StopRecording`, the `RecordingChanged` desktop event, the
//! `Record::Recording` history and the rejections.
//! Proves: R31 (and R45 for the recording history).

use crate::support::*;
use sentral_engine::testing::*;
use sentral_engine::*;

fn recording_records(h: &Harness) -> Vec<RecordingState> {
    h.records()
        .into_iter()
        .filter_map(|r| match r {
            Record::Recording { state, .. } => Some(state),
            _ => None,
        })
        .collect()
}

/// Who each recording record says changed it (R31: auditors ask who paused and resumed).
fn recording_agents(h: &Harness) -> Vec<Option<AgentId>> {
    h.records()
        .into_iter()
        .filter_map(|r| match r {
            Record::Recording { agent, .. } => Some(agent),
            _ => None,
        })
        .collect()
}

#[test]
fn r31_recording_starts_when_the_call_connects() {
    let mut h = Harness::new();
    h.ready(DAVID, SUPPORT);
    let (id, customer) = h.arrive(DN_KUNDESERVICE);
    assert!(
        !all_commands(&h)
            .iter()
            .any(|c| matches!(c, TelephonyCommand::StartRecording { .. })),
        "nothing is recorded while the call waits or rings"
    );
    assert_eq!(h.view(id).recording, RecordingState::Off);
    h.answer(DAVID);
    assert!(
        h.commands().contains(&TelephonyCommand::StartRecording {
            interaction: id,
            leg: customer
        }),
        "R31: recording starts on connect: {:?}",
        h.commands()
    );
    assert_eq!(
        recording_events(&h, DAVID),
        [RecordingState::On],
        "the icon"
    );
    assert_eq!(recording_records(&h), [RecordingState::On]);
    assert_eq!(h.view(id).recording, RecordingState::On);

    h.command(DAVID, Command::End { interaction: id })
        .expect("end");
    assert!(
        h.commands()
            .contains(&TelephonyCommand::StopRecording { interaction: id })
    );
    assert_eq!(recording_records(&h), [RecordingState::Off]);
}

#[test]
fn r31_no_recording_when_the_organisation_disabled_it() {
    let mut h = harness_with(|c| c.org.recording = false);
    let call = connected_call(&mut h, DAVID, SUPPORT, DN_KUNDESERVICE);
    assert!(
        !all_commands(&h).iter().any(|c| matches!(
            c,
            TelephonyCommand::StartRecording { .. } | TelephonyCommand::StopRecording { .. }
        )),
        "R31: recording is off for the organisation"
    );
    assert_eq!(h.view(call.id).recording, RecordingState::Off);
    let result = h.command(
        DAVID,
        Command::PauseRecording {
            interaction: call.id,
        },
    );
    rejected(&h, result, Rule::R31);
    let result = h.command(
        DAVID,
        Command::ResumeRecording {
            interaction: call.id,
        },
    );
    rejected(&h, result, Rule::R31);
    h.command(
        DAVID,
        Command::End {
            interaction: call.id,
        },
    )
    .expect("end");
    assert!(
        !h.commands()
            .iter()
            .any(|c| matches!(c, TelephonyCommand::StopRecording { .. }))
    );
}

#[test]
fn r31_agent_pauses_and_resumes_recording() {
    let mut h = harness_with(|c| c.org.privacy_shield_ms = None);
    let call = connected_call(&mut h, DAVID, SUPPORT, DN_KUNDESERVICE);
    let result = h.command(
        DAVID,
        Command::ResumeRecording {
            interaction: call.id,
        },
    );
    rejected(&h, result, Rule::R31);

    h.command(
        DAVID,
        Command::PauseRecording {
            interaction: call.id,
        },
    )
    .expect("pause");
    assert_eq!(
        h.commands(),
        [TelephonyCommand::PauseRecording {
            interaction: call.id
        }]
    );
    let paused = RecordingState::Paused {
        resumes_at_unix_ms: None,
    };
    assert_eq!(recording_events(&h, DAVID), [paused]);
    assert_eq!(recording_records(&h), [paused]);
    assert_eq!(
        recording_agents(&h),
        [Some(DAVID)],
        "who paused is on record"
    );
    assert_eq!(h.view(call.id).recording, paused);

    let result = h.command(
        DAVID,
        Command::PauseRecording {
            interaction: call.id,
        },
    );
    rejected(&h, result, Rule::R31);

    h.command(
        DAVID,
        Command::ResumeRecording {
            interaction: call.id,
        },
    )
    .expect("resume");
    assert_eq!(
        h.commands(),
        [TelephonyCommand::ResumeRecording {
            interaction: call.id
        }]
    );
    assert_eq!(recording_events(&h, DAVID), [RecordingState::On]);
    assert_eq!(recording_records(&h), [RecordingState::On]);
    assert_eq!(
        recording_agents(&h),
        [Some(DAVID)],
        "who resumed is on record"
    );
    assert_eq!(h.view(call.id).recording, RecordingState::On);
}

#[test]
fn r31_pause_refused_when_the_organisation_does_not_allow_it() {
    let mut h = harness_with(|c| c.org.recording_pause_allowed = false);
    let call = connected_call(&mut h, DAVID, SUPPORT, DN_KUNDESERVICE);
    let result = h.command(
        DAVID,
        Command::PauseRecording {
            interaction: call.id,
        },
    );
    rejected(&h, result, Rule::R31);
    assert_eq!(h.view(call.id).recording, RecordingState::On);
    assert!(
        !all_commands(&h)
            .iter()
            .any(|c| matches!(c, TelephonyCommand::PauseRecording { .. }))
    );
}

#[test]
fn r31_only_the_agent_on_the_call_controls_its_recording() {
    let mut h = Harness::new();
    let call = connected_call(&mut h, DAVID, SUPPORT, DN_KUNDESERVICE);
    h.ready(EVA, SUPPORT);
    let result = h.command(
        EVA,
        Command::PauseRecording {
            interaction: call.id,
        },
    );
    let rejection = result.expect_err("another agent cannot pause");
    assert_eq!(rejection.code, Code::NotYours);
    assert_eq!(h.view(call.id).recording, RecordingState::On);
}
