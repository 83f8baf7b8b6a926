//! The desktop profile's allowed actions per team (R43).
//!
//! Goal: a team's profile says whether its agents may consult, transfer to a dial number,
//! pause recording, place calls (outdial) and transfer to an entry point; the engine refuses
//! what it does not allow with `R43` and changes nothing, allows everything by default, takes
//! the profile of the team the agent is logged in to, and applies a changed profile at once.
//! Method: DAVID (Support) answers a Kundeservice call in a configuration whose Support profile
//! denies one action, tries it and the actions it does not deny; the agent's view carries the
//! profile the desktop draws its buttons from.
//! Proves: R43 (with R16, R20, R27, R31, R42 for the actions themselves).

use crate::*;
use sentral_engine::testing::*;
use sentral_engine::*;

/// The demo organisation with Support denied `action`.
fn support_without(action: DesktopAction) -> Config {
    let mut config = small_config();
    let support = config
        .teams
        .iter_mut()
        .find(|t| t.id == SUPPORT)
        .expect("Support");
    support.allowed_actions.set(action, false);
    config
}

fn r43(h: &mut Harness, agent: AgentId, command: Command) {
    assert_eq!(rejected(h, agent, command), Code::Rule(Rule::R43));
}

#[test]
fn r43_everything_is_allowed_by_default_and_the_view_says_so() {
    let mut h = Harness::new();
    assert_eq!(h.agent(DAVID).allowed_actions, None, "logged out: no team");
    let _call = david_call(&mut h);
    assert_eq!(h.agent(DAVID).allowed_actions, Some(AllowedActions::ALL));
    for action in DesktopAction::ALL {
        assert!(AllowedActions::default().allows(action), "{action:?}");
    }
}

#[test]
fn r43_a_team_that_may_not_consult_is_refused_every_consult() {
    let mut h = Harness::with_config(support_without(DesktopAction::Consult));
    let call = david_call(&mut h);
    h.ready(EVA, SUPPORT);
    let allowed = h.agent(DAVID).allowed_actions.expect("logged in");
    assert!(!allowed.consult && allowed.outdial && allowed.pause_recording);
    for target in [
        Target::Agent(EVA),
        Target::Queue(Q_OVERFLOW),
        Target::EntryPoint(EP_SALG),
        Target::DialNumber("+4790000001".into()),
        Target::Expert(ExpertId(1)),
    ] {
        r43(
            &mut h,
            DAVID,
            Command::Consult {
                interaction: call.id,
                target,
            },
        );
    }
    assert_eq!(h.view(call.id).consult, None);
    // Everything else still works: a blind transfer to EVA.
    h.command(
        DAVID,
        Command::Transfer {
            interaction: call.id,
            target: Target::Agent(EVA),
        },
    )
    .expect("R43: transfers are allowed");
}

#[test]
fn r43_a_team_that_may_not_transfer_to_a_dial_number_keeps_agents_and_queues() {
    let mut h = Harness::with_config(support_without(DesktopAction::TransferToDialNumber));
    let call = david_call(&mut h);
    for target in [
        Target::DialNumber("+47 900 00 001".into()),
        Target::Expert(ExpertId(1)),
    ] {
        r43(
            &mut h,
            DAVID,
            Command::Transfer {
                interaction: call.id,
                target,
            },
        );
    }
    // R20: a number that is an entry point's is a transfer to that entry point, allowed here.
    h.command(
        DAVID,
        Command::Transfer {
            interaction: call.id,
            target: Target::DialNumber(DN_SALG.into()),
        },
    )
    .expect("R43 R20: an entry point's number is a transfer to the entry point");
    assert_eq!(h.view(call.id).phase, "queued");
}

#[test]
fn r43_a_consulted_number_cannot_be_handed_the_call_without_transfer_to_a_dial_number() {
    let mut h = Harness::with_config(support_without(DesktopAction::TransferToDialNumber));
    let call = david_call(&mut h);
    start_consult(
        &mut h,
        &call,
        DAVID,
        Target::DialNumber("+4790000001".into()),
    );
    let leg = h.dialled_leg().expect("the number is dialled");
    h.telephony(TelephonyEvent::Answered { leg });
    r43(
        &mut h,
        DAVID,
        Command::ConsultTransfer {
            interaction: call.id,
        },
    );
    // A conference with the number is still a consult, which the team may do.
    h.command(
        DAVID,
        Command::Conference {
            interaction: call.id,
        },
    )
    .expect("conference");
}

#[test]
fn r43_a_team_that_may_not_transfer_to_an_entry_point_is_refused_its_number_too() {
    let mut h = Harness::with_config(support_without(DesktopAction::TransferToEntryPoint));
    let call = david_call(&mut h);
    for target in [
        Target::EntryPoint(EP_SALG),
        Target::DialNumber(DN_SALG.into()),
    ] {
        r43(
            &mut h,
            DAVID,
            Command::Transfer {
                interaction: call.id,
                target,
            },
        );
    }
    h.command(
        DAVID,
        Command::Transfer {
            interaction: call.id,
            target: Target::DialNumber("+4790000001".into()),
        },
    )
    .expect("R43: a dial number is allowed");
}

#[test]
fn r43_a_team_that_may_not_pause_recording_keeps_recording() {
    let mut h = Harness::with_config(support_without(DesktopAction::PauseRecording));
    let call = david_call(&mut h);
    assert_eq!(h.view(call.id).recording, RecordingState::On);
    r43(
        &mut h,
        DAVID,
        Command::PauseRecording {
            interaction: call.id,
        },
    );
    assert_eq!(h.view(call.id).recording, RecordingState::On);
}

#[test]
fn r43_a_team_that_may_not_outdial_places_no_call() {
    let mut h = Harness::with_config(support_without(DesktopAction::Outdial));
    h.ready(DAVID, SUPPORT);
    h.ready(ANNA, SALES);
    r43(
        &mut h,
        DAVID,
        Command::Outdial {
            number: "+4790000001".into(),
        },
    );
    assert_eq!(h.agent(DAVID).call, None);
    h.command(
        ANNA,
        Command::Outdial {
            number: "+4790000001".into(),
        },
    )
    .expect("R43: Sales may outdial");
}

#[test]
fn r43_the_profile_is_the_team_the_agent_is_logged_in_to() {
    let mut config = support_without(DesktopAction::Outdial);
    agent_of(&mut config, ANNA).teams = vec![SALES, SUPPORT];
    let mut h = Harness::with_config(config);
    h.ready(ANNA, SUPPORT);
    assert!(!h.agent(ANNA).allowed_actions.expect("logged in").outdial);
    r43(
        &mut h,
        ANNA,
        Command::Outdial {
            number: "+4790000001".into(),
        },
    );
    h.command(ANNA, Command::LogOut).expect("log out");
    h.ready(ANNA, SALES);
    assert!(h.agent(ANNA).allowed_actions.expect("logged in").outdial);
    h.command(
        ANNA,
        Command::Outdial {
            number: "+4790000001".into(),
        },
    )
    .expect("R43: logged in to Sales, ANNA may outdial");
}

#[test]
fn r43_a_changed_profile_applies_at_once_to_an_agent_on_a_call() {
    let mut h = Harness::new();
    let call = david_call(&mut h);
    h.ready(ANNA, SALES);
    let config = support_without(DesktopAction::PauseRecording);
    h.input(Input::ConfigChanged(Box::new(config)))
        .expect("a profile may change while agents work");
    // DAVID's desktop is told at once; ANNA's team did not change, hers is not.
    let told: Vec<AllowedActions> = h
        .events_for(DAVID)
        .into_iter()
        .filter_map(|e| match e {
            DesktopEvent::ProfileChanged { allowed } => Some(allowed),
            _ => None,
        })
        .collect();
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(!told[0].pause_recording && told[0].consult);
    assert!(
        !h.events_for(ANNA)
            .iter()
            .any(|e| matches!(e, DesktopEvent::ProfileChanged { .. }))
    );
    assert!(
        !h.agent(DAVID)
            .allowed_actions
            .expect("logged in")
            .pause_recording
    );
    r43(
        &mut h,
        DAVID,
        Command::PauseRecording {
            interaction: call.id,
        },
    );
    h.input(Input::ConfigChanged(Box::new(small_config())))
        .expect("allowed again");
    h.command(
        DAVID,
        Command::PauseRecording {
            interaction: call.id,
        },
    )
    .expect("R43: allowed again");
}

fn agent_of(config: &mut Config, id: AgentId) -> &mut AgentConfig {
    config
        .agents
        .iter_mut()
        .find(|a| a.id == id)
        .expect("agent")
}
