//! Goal: background-noise removal is an organisation-level setting, on by default, that only
//! an administrator turns off, for the whole organisation; no agent command turns it off.
//! Method: let customers call with the default, a disabled and an administrator-changed
//! configuration and look for `TelephonyCommand::Denoise` on their legs; then drive every
//! agent command against a live call and check that none of them stops the noise removal.
//! Proves: R1.

use crate::support::*;
use sentral_engine::testing::*;
use sentral_engine::*;

fn denoise_commands(h: &Harness) -> Vec<TelephonyCommand> {
    all_commands(h)
        .into_iter()
        .filter(|c| matches!(c, TelephonyCommand::Denoise { .. }))
        .collect()
}

#[test]
fn r1_noise_removal_is_on_by_default_for_every_arriving_call() {
    assert!(
        OrgSettings::default().noise_removal,
        "R1: on by default for a new organisation"
    );
    assert!(small_config().org.noise_removal);
    let mut h = Harness::new();
    let (_, first) = h.arrive(DN_KUNDESERVICE);
    assert!(
        h.commands().contains(&TelephonyCommand::Denoise {
            leg: first,
            on: true
        }),
        "R1: the arriving customer's audio is denoised: {:?}",
        h.commands()
    );
    let (_, second) = h.arrive(DN_SALG);
    assert!(h.commands().contains(&TelephonyCommand::Denoise {
        leg: second,
        on: true
    }));
    assert_eq!(
        denoise_commands(&h),
        [
            TelephonyCommand::Denoise {
                leg: first,
                on: true
            },
            TelephonyCommand::Denoise {
                leg: second,
                on: true
            },
        ]
    );
}

#[test]
fn r1_with_noise_removal_off_an_arriving_call_is_not_denoised() {
    let mut h = harness_with(|c| c.org.noise_removal = false);
    h.ready(DAVID, SUPPORT);
    let (id, _) = h.arrive(DN_KUNDESERVICE);
    h.answer(DAVID);
    assert_eq!(h.view(id).phase, "connected");
    assert!(
        denoise_commands(&h).is_empty(),
        "R1: the administrator turned it off: {:?}",
        denoise_commands(&h)
    );
}

#[test]
fn r1_an_administrator_turns_noise_removal_off_for_the_whole_organisation() {
    let mut h = Harness::new();
    let (_, before) = h.arrive(DN_SALG);
    let mut config = small_config();
    config.org.noise_removal = false;
    h.input(Input::ConfigChanged(Box::new(config)))
        .expect("the administrator's change is accepted");
    assert!(!h.engine.config().org.noise_removal);
    let (_, after_salg) = h.arrive(DN_SALG);
    let (_, after_kundeservice) = h.arrive(DN_KUNDESERVICE);
    let denoised = denoise_commands(&h);
    assert_eq!(
        denoised,
        [TelephonyCommand::Denoise {
            leg: before,
            on: true
        }],
        "R1: calls after the change, through any entry point, are not denoised"
    );
    assert_ne!(after_salg, after_kundeservice);
}

/// Every desktop command against a live call, with an exhaustive match so that a new command
/// must be added here (and so checked against R1).
fn every_command(call: InteractionId) -> Vec<Command> {
    let commands = vec![
        Command::LogIn {
            team: SUPPORT,
            extension: "1004".into(),
        },
        Command::SetState(StateRequest::Available),
        Command::Accept { interaction: call },
        Command::Hold {
            interaction: call,
            party: Party::Customer,
        },
        Command::Resume {
            interaction: call,
            party: Party::Customer,
        },
        Command::PauseRecording { interaction: call },
        Command::ResumeRecording { interaction: call },
        Command::SaveVariables {
            interaction: call,
            values: values(&[("case_number", "C-1")]),
            expected_version: 0,
        },
        Command::Consult {
            interaction: call,
            target: Target::Agent(EVA),
        },
        Command::Conference { interaction: call },
        Command::ConsultTransfer { interaction: call },
        Command::EndConsult { interaction: call },
        Command::Transfer {
            interaction: call,
            target: Target::DialNumber("12".into()),
        },
        Command::Outdial {
            number: "+4791234567".into(),
        },
        Command::CancelCallback { interaction: call },
        Command::End { interaction: call },
        Command::SubmitWrapUp {
            interaction: call,
            reason: "resolved".into(),
        },
        Command::LogOut,
    ];
    let mut seen = [false; 18];
    for command in &commands {
        let index = match command {
            Command::LogIn { .. } => 0,
            Command::LogOut => 1,
            Command::SetState(_) => 2,
            Command::Accept { .. } => 3,
            Command::Hold { .. } => 4,
            Command::Resume { .. } => 5,
            Command::Consult { .. } => 6,
            Command::EndConsult { .. } => 7,
            Command::ConsultTransfer { .. } => 8,
            Command::Conference { .. } => 9,
            Command::Transfer { .. } => 10,
            Command::End { .. } => 11,
            Command::PauseRecording { .. } => 12,
            Command::ResumeRecording { .. } => 13,
            Command::SaveVariables { .. } => 14,
            Command::SubmitWrapUp { .. } => 15,
            Command::CancelCallback { .. } => 16,
            Command::Outdial { .. } => 17,
        };
        seen[index] = true;
    }
    assert!(seen.iter().all(|s| *s), "every command is exercised");
    commands
}

#[test]
fn r1_no_agent_command_turns_noise_removal_off() {
    let mut h = Harness::new();
    let call = connected_call(&mut h, DAVID, SUPPORT, DN_KUNDESERVICE);
    h.ready(EVA, SUPPORT);
    let mut n_accepted = 0;
    for command in every_command(call.id) {
        if h.command(DAVID, command).is_ok() {
            n_accepted += 1;
        }
    }
    assert!(n_accepted >= 8, "the commands really acted on the call");
    assert_eq!(
        h.agent(DAVID).state,
        AgentStateView::LoggedOut,
        "the call was ended, wrapped up and the agent logged out"
    );
    assert_eq!(
        denoise_commands(&h),
        [TelephonyCommand::Denoise {
            leg: call.customer,
            on: true
        }],
        "R1: no agent command stopped the noise removal"
    );
    assert!(h.engine.config().org.noise_removal);
}
