//! The call-control state machine, sans IO: what each engine command means in SIP and media,
//! and what each SIP event means to the engine. Every test feeds inputs and reads the actions.

use sentral_engine::{
    ENGINE_LEG_BIT, FailCause, InteractionId, LegId, RejectCause, TelephonyCommand, TelephonyEvent,
};
use sentral_media::G711;
use sentral_sip::calls::{
    Action, CallConfig, CallControl, Input, NewCall, PhoneContact, Refusal, TenantRoutes, Topology,
    fail_cause, phone_destination,
};
use sentral_sip::srtp::MasterKey;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

const TRUNK: &str = "127.0.0.1";

/// The instant every input of these tests happens at (no timers run here).
fn t0() -> Instant {
    static T0: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    *T0.get_or_init(Instant::now)
}
const DN: &str = "+4721000001";
const CUSTOMER_RTP: &str = "127.0.0.1:6000";
const OUR_RTP: &str = "127.0.0.1:20000";

fn offer(codecs: &str) -> Vec<u8> {
    let rtpmaps: String = codecs
        .split(' ')
        .map(|pt| match pt {
            "0" => "a=rtpmap:0 PCMU/8000\r\n".to_owned(),
            "8" => "a=rtpmap:8 PCMA/8000\r\n".to_owned(),
            "9" => "a=rtpmap:9 G722/8000\r\n".to_owned(),
            other => format!("a=rtpmap:{other} telephone-event/8000\r\n"),
        })
        .collect();
    format!(
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP {codecs}\r\n{rtpmaps}a=sendrecv\r\n"
    )
    .into_bytes()
}

fn control() -> CallControl {
    let mut calls = CallControl::new(
        CallConfig {
            trunk: Some("127.0.0.1:5080".parse().unwrap()),
            ..CallConfig::default()
        },
        [7; 32],
        t0(),
    );
    calls.set_routes(
        "demo",
        TenantRoutes {
            numbers: vec![DN.into()],
            trunk_peers: vec![TRUNK.parse().unwrap()],
            ..TenantRoutes::default()
        },
    );
    calls
}

fn drain(calls: &mut CallControl) -> Vec<Action> {
    std::iter::from_fn(|| calls.poll_action()).collect()
}

fn tenant() -> Arc<str> {
    Arc::from("demo")
}

fn command(
    calls: &mut CallControl,
    command: TelephonyCommand,
    phone: Option<PhoneContact>,
) -> Vec<Action> {
    calls.handle(
        t0(),
        Input::Command {
            tenant: tenant(),
            command,
            phone,
        },
    );
    drain(calls)
}

fn arrive(calls: &mut CallControl, sdp: &[u8]) -> Result<LegId, Refusal> {
    calls.invite_arrived(
        t0(),
        NewCall {
            source: Some(TRUNK.parse().unwrap()),
            dnis: DN,
            ani: "+4791234567",
            sdp,
            ..NewCall::default()
        },
    )
}

fn engine_events(actions: &[Action]) -> Vec<TelephonyEvent> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Engine { event, .. } => Some(event.clone()),
            _ => None,
        })
        .collect()
}

/// An inbound call answered by the engine: the leg is up and hears music.
fn answered_customer(calls: &mut CallControl) -> LegId {
    let leg = arrive(calls, &offer("0 8 101")).expect("accepted");
    drain(calls);
    command(calls, TelephonyCommand::Answer { leg }, None);
    calls.handle(
        t0(),
        Input::MediaOpened {
            leg,
            rtp: OUR_RTP.parse().unwrap(),
            key: MasterKey([7; 30]),
        },
    );
    drain(calls);
    leg
}

fn phone() -> PhoneContact {
    PhoneContact {
        uri: "sip:1001@127.0.0.1:5070".into(),
        source: "127.0.0.1:5070".parse().unwrap(),
        transport: sentral_sip::calls::Transport::Udp,
    }
}

fn agent_leg() -> LegId {
    LegId(ENGINE_LEG_BIT | 7)
}

fn ring_agent(calls: &mut CallControl) -> Vec<Action> {
    let mut actions = command(
        calls,
        TelephonyCommand::RingAgent {
            leg: agent_leg(),
            interaction: InteractionId(42),
            agent: sentral_engine::AgentId(1),
            extension: "1001".into(),
            caller_number: Some("+4791234567".into()),
        },
        Some(phone()),
    );
    calls.handle(
        t0(),
        Input::MediaOpened {
            leg: agent_leg(),
            rtp: "127.0.0.1:20002".parse().unwrap(),
            key: MasterKey([7; 30]),
        },
    );
    actions.extend(drain(calls));
    actions
}

fn answer_sdp() -> Vec<u8> {
    b"v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 7000 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n".to_vec()
}

#[test]
fn an_invite_from_a_peer_no_organisation_accepts_is_refused_with_403() {
    let mut calls = control();
    let refusal = calls
        .invite_arrived(
            t0(),
            NewCall {
                source: Some("127.0.0.2".parse::<IpAddr>().unwrap()),
                dnis: DN,
                ani: "",
                sdp: &offer("0"),
                ..NewCall::default()
            },
        )
        .unwrap_err();
    assert_eq!(refusal.status, 403);
    assert!(refusal.reason.contains("127.0.0.2"), "{}", refusal.reason);
    assert!(drain(&mut calls).is_empty(), "the engine hears nothing");
}

#[test]
fn an_invite_for_a_number_no_entry_point_has_is_refused_with_404() {
    let mut calls = control();
    let refusal = calls
        .invite_arrived(
            t0(),
            NewCall {
                source: Some(TRUNK.parse().unwrap()),
                dnis: "+4799999999",
                ani: "",
                sdp: &offer("0"),
                ..NewCall::default()
            },
        )
        .unwrap_err();
    assert_eq!(refusal.status, 404);
}

#[test]
fn an_offer_without_g711_is_refused_with_488_before_the_engine_hears_of_it() {
    let mut calls = control();
    let refusal = arrive(&mut calls, &offer("9")).unwrap_err();
    assert_eq!(refusal.status, 488);
    assert!(drain(&mut calls).is_empty());
    assert_eq!(arrive(&mut calls, b"garbage").unwrap_err().status, 488);
}

#[test]
fn a_new_call_is_reported_to_its_organisation_with_dnis_and_ani() {
    let mut calls = control();
    let leg = arrive(&mut calls, &offer("0 101")).expect("accepted");
    assert_eq!(
        leg.0 & ENGINE_LEG_BIT,
        0,
        "inbound legs never carry the engine's bit"
    );
    assert_eq!(
        drain(&mut calls),
        vec![Action::Engine {
            tenant: tenant(),
            event: TelephonyEvent::CallArrived {
                leg,
                dnis: DN.into(),
                ani: "+4791234567".into(),
            }
        }]
    );
}

#[test]
fn answer_opens_media_then_answers_200_and_plays_music_while_queued() {
    let mut calls = control();
    let leg = arrive(&mut calls, &offer("8 0 101")).unwrap();
    drain(&mut calls);
    assert_eq!(
        command(&mut calls, TelephonyCommand::Answer { leg }, None),
        vec![Action::OpenMedia { leg }]
    );
    calls.handle(
        t0(),
        Input::MediaOpened {
            leg,
            rtp: OUR_RTP.parse().unwrap(),
            key: MasterKey([7; 30]),
        },
    );
    let actions = drain(&mut calls);
    let [
        Action::ConnectMedia { media, .. },
        Action::Accept { sdp, .. },
        Action::Topology(Topology::Hold(held)),
    ] = actions.as_slice()
    else {
        panic!("{actions:?}")
    };
    assert_eq!(*held, leg);
    assert_eq!(
        media.remote_rtp,
        CUSTOMER_RTP.parse::<SocketAddr>().unwrap()
    );
    assert!(sdp.contains("m=audio 20000 "), "{sdp}");
    assert!(sdp.contains("telephone-event"), "{sdp}");
    assert!(matches!(media.codec, G711::Pcmu | G711::Pcma));
}

#[test]
fn r2_a_call_over_the_limit_is_refused_with_503_and_a_reason() {
    let mut calls = control();
    let leg = arrive(&mut calls, &offer("0")).unwrap();
    drain(&mut calls);
    let actions = command(
        &mut calls,
        TelephonyCommand::Reject {
            leg,
            cause: RejectCause::TooManyCalls,
        },
        None,
    );
    let [Action::Reject { status, reason, .. }] = actions.as_slice() else {
        panic!("{actions:?}")
    };
    assert_eq!(*status, 503);
    assert!(reason.contains("limit"), "{reason}");
    assert_eq!(calls.n_legs(), 0);
}

#[test]
fn r13_ringing_an_agent_sends_an_invite_with_the_caller_and_the_interaction_then_reports_ringing_and_answer()
 {
    let mut calls = control();
    let actions = ring_agent(&mut calls);
    assert_eq!(actions[0], Action::OpenMedia { leg: agent_leg() });
    let Action::Invite {
        uri,
        destination,
        caller,
        interaction,
        sdp,
        ..
    } = &actions[1]
    else {
        panic!("{actions:?}")
    };
    assert_eq!(uri, "sip:1001@127.0.0.1:5070");
    assert_eq!(*destination, phone().source);
    assert_eq!(caller.as_deref(), Some("+4791234567"));
    assert_eq!(*interaction, Some(InteractionId(42)));
    assert!(sdp.contains("m=audio 20002 "), "{sdp}");

    calls.handle(t0(), Input::Progress { leg: agent_leg() });
    calls.handle(t0(), Input::Progress { leg: agent_leg() }); // 183 after 180: reported once
    assert_eq!(
        engine_events(&drain(&mut calls)),
        vec![TelephonyEvent::Ringing { leg: agent_leg() }]
    );
    calls.handle(
        t0(),
        Input::Answered {
            leg: agent_leg(),
            sdp: answer_sdp(),
            session_expires: None,
            allow: String::new(),
        },
    );
    let actions = drain(&mut calls);
    let Action::ConnectMedia { media, .. } = &actions[0] else {
        panic!("{actions:?}")
    };
    assert_eq!(media.codec, G711::Pcma, "the phone's answer chose A-law");
    assert_eq!(
        engine_events(&actions),
        vec![TelephonyEvent::Answered { leg: agent_leg() }]
    );
}

#[test]
fn r21_an_unregistered_phone_fails_at_once_as_unavailable() {
    let mut calls = control();
    let actions = command(
        &mut calls,
        TelephonyCommand::RingAgent {
            leg: agent_leg(),
            interaction: InteractionId(1),
            agent: sentral_engine::AgentId(1),
            extension: "1001".into(),
            caller_number: None,
        },
        None,
    );
    assert_eq!(
        engine_events(&actions),
        vec![TelephonyEvent::Failed {
            leg: agent_leg(),
            cause: FailCause::Unavailable
        }]
    );
    assert_eq!(calls.n_legs(), 0);
}

#[test]
fn r21_busy_declined_and_timeouts_become_the_engines_fail_causes() {
    assert_eq!(fail_cause(Some(486)), FailCause::Busy);
    assert_eq!(fail_cause(Some(480)), FailCause::Unavailable);
    assert_eq!(fail_cause(Some(603)), FailCause::Declined);
    assert_eq!(fail_cause(Some(408)), FailCause::NoAnswer);
    assert_eq!(fail_cause(None), FailCause::NoAnswer);
    assert_eq!(fail_cause(Some(500)), FailCause::Error);

    let mut calls = control();
    ring_agent(&mut calls);
    calls.handle(
        t0(),
        Input::Failed {
            leg: agent_leg(),
            status: Some(486),
        },
    );
    let actions = drain(&mut calls);
    assert!(
        actions.contains(&Action::CloseMedia { leg: agent_leg() }),
        "{actions:?}"
    );
    assert_eq!(
        engine_events(&actions),
        vec![TelephonyEvent::Failed {
            leg: agent_leg(),
            cause: FailCause::Busy
        }]
    );
}

#[test]
fn r12_hanging_up_a_ringing_leg_cancels_it_and_the_engine_is_not_told_back() {
    let mut calls = control();
    ring_agent(&mut calls);
    calls.handle(t0(), Input::Progress { leg: agent_leg() });
    drain(&mut calls);
    let actions = command(
        &mut calls,
        TelephonyCommand::HangUp { leg: agent_leg() },
        None,
    );
    assert_eq!(
        actions,
        vec![
            Action::Cancel { leg: agent_leg() },
            Action::CloseMedia { leg: agent_leg() }
        ]
    );
    // The phone's 487 and rsipstack's termination arrive later: nothing for the engine.
    calls.handle(
        t0(),
        Input::Failed {
            leg: agent_leg(),
            status: Some(487),
        },
    );
    calls.handle(t0(), Input::FarEndHungUp { leg: agent_leg() });
    assert!(drain(&mut calls).is_empty());
}

#[test]
fn hanging_up_an_established_leg_sends_bye_and_a_far_end_bye_is_reported_as_hung_up() {
    let mut calls = control();
    let customer = answered_customer(&mut calls);
    ring_agent(&mut calls);
    calls.handle(
        t0(),
        Input::Answered {
            leg: agent_leg(),
            sdp: answer_sdp(),
            session_expires: None,
            allow: String::new(),
        },
    );
    drain(&mut calls);

    calls.handle(t0(), Input::FarEndHungUp { leg: customer });
    let actions = drain(&mut calls);
    assert_eq!(
        engine_events(&actions),
        vec![TelephonyEvent::HungUp { leg: customer }]
    );
    assert!(actions.contains(&Action::CloseMedia { leg: customer }));
    assert_eq!(
        command(
            &mut calls,
            TelephonyCommand::HangUp { leg: agent_leg() },
            None
        ),
        vec![
            Action::Bye { leg: agent_leg() },
            Action::CloseMedia { leg: agent_leg() }
        ]
    );
    assert_eq!(calls.n_legs(), 0);
}

#[test]
fn a_leg_hung_up_while_its_rtp_socket_opens_closes_the_socket_when_it_is_ready() {
    let mut calls = control();
    command(
        &mut calls,
        TelephonyCommand::RingAgent {
            leg: agent_leg(),
            interaction: InteractionId(1),
            agent: sentral_engine::AgentId(1),
            extension: "1001".into(),
            caller_number: None,
        },
        Some(phone()),
    );
    assert!(
        command(
            &mut calls,
            TelephonyCommand::HangUp { leg: agent_leg() },
            None
        )
        .is_empty()
    );
    calls.handle(
        t0(),
        Input::MediaOpened {
            leg: agent_leg(),
            rtp: "127.0.0.1:20002".parse().unwrap(),
            key: MasterKey([7; 30]),
        },
    );
    assert_eq!(
        drain(&mut calls),
        vec![Action::CloseMedia { leg: agent_leg() }]
    );
}

#[test]
fn r14_topology_commands_go_to_media_as_given() {
    let mut calls = control();
    let (a, b, c) = (
        LegId(1),
        LegId(ENGINE_LEG_BIT | 2),
        LegId(ENGINE_LEG_BIT | 3),
    );
    assert_eq!(
        command(&mut calls, TelephonyCommand::Bridge { a, b }, None),
        vec![Action::Topology(Topology::Bridge(a, b))]
    );
    assert_eq!(
        command(&mut calls, TelephonyCommand::Hold { leg: a }, None),
        vec![Action::Topology(Topology::Hold(a))]
    );
    assert_eq!(
        command(
            &mut calls,
            TelephonyCommand::Conference {
                legs: vec![a, b, c]
            },
            None
        ),
        vec![Action::Topology(Topology::Conference(vec![a, b, c]))]
    );
}

#[test]
fn a_phones_own_hold_re_invite_is_answered_recvonly_and_media_stops_sending_to_it() {
    let mut calls = control();
    let customer = answered_customer(&mut calls);
    let hold = String::from_utf8(offer("0 101"))
        .unwrap()
        .replace("a=sendrecv", "a=sendonly");
    calls.handle(
        t0(),
        Input::ReInvite {
            leg: customer,
            sdp: hold.into_bytes(),
            update: false,
        },
    );
    let actions = drain(&mut calls);
    let [
        Action::ConnectMedia { media, .. },
        Action::AnswerReInvite {
            status: 200,
            sdp: Some(sdp),
            ..
        },
    ] = actions.as_slice()
    else {
        panic!("{actions:?}")
    };
    assert!(
        !media.direction.sends(),
        "nothing is sent to a phone that holds"
    );
    assert!(sdp.contains("a=recvonly"), "{sdp}");
    assert!(
        sdp.contains("o=sentral ") && sdp.contains(" 2 IN IP4"),
        "the version goes up: {sdp}"
    );

    calls.handle(
        t0(),
        Input::ReInvite {
            leg: customer,
            sdp: b"rubbish".to_vec(),
            update: false,
        },
    );
    assert!(matches!(
        drain(&mut calls).as_slice(),
        [Action::AnswerReInvite {
            status: 488,
            sdp: None,
            ..
        }]
    ));
}

#[test]
fn r20_a_dial_out_goes_to_the_trunk_and_fails_at_once_without_one() {
    let mut calls = control();
    let leg = LegId(ENGINE_LEG_BIT | 9);
    let number = sentral_engine::DialNumber::parse("+4722000000").unwrap();
    command(
        &mut calls,
        TelephonyCommand::Dial {
            leg,
            interaction: InteractionId(3),
            number: number.clone(),
        },
        None,
    );
    calls.handle(
        t0(),
        Input::MediaOpened {
            leg,
            rtp: "127.0.0.1:20004".parse().unwrap(),
            key: MasterKey([7; 30]),
        },
    );
    let actions = drain(&mut calls);
    let [
        Action::Invite {
            uri,
            destination,
            interaction,
            ..
        },
    ] = actions.as_slice()
    else {
        panic!("{actions:?}")
    };
    assert_eq!(uri, "sip:+4722000000@127.0.0.1:5080");
    assert_eq!(*interaction, None, "no internal id goes to a carrier");
    assert_eq!(
        *destination,
        "127.0.0.1:5080".parse::<SocketAddr>().unwrap()
    );

    calls.set_trunk(None);
    let other = LegId(ENGINE_LEG_BIT | 10);
    let actions = command(
        &mut calls,
        TelephonyCommand::Dial {
            leg: other,
            interaction: InteractionId(3),
            number,
        },
        None,
    );
    assert_eq!(
        engine_events(&actions),
        vec![TelephonyEvent::Failed {
            leg: other,
            cause: FailCause::Unavailable
        }]
    );
}

#[test]
fn r37_a_digit_on_a_live_leg_reaches_the_engine_and_one_on_an_unknown_leg_does_not() {
    let mut calls = control();
    let customer = answered_customer(&mut calls);
    calls.handle(
        t0(),
        Input::Dtmf {
            leg: customer,
            digit: '1',
        },
    );
    calls.handle(
        t0(),
        Input::Dtmf {
            leg: LegId(999),
            digit: '1',
        },
    );
    assert_eq!(
        engine_events(&drain(&mut calls)),
        vec![TelephonyEvent::Dtmf {
            leg: customer,
            digit: '1'
        }]
    );
}

#[test]
fn the_customer_cancelling_before_the_answer_is_reported_as_hung_up() {
    let mut calls = control();
    let leg = arrive(&mut calls, &offer("0")).unwrap();
    drain(&mut calls);
    calls.handle(t0(), Input::FarEndHungUp { leg });
    assert_eq!(
        engine_events(&drain(&mut calls)),
        vec![TelephonyEvent::HungUp { leg }]
    );
    // The engine's Answer that crossed it changes nothing.
    assert!(command(&mut calls, TelephonyCommand::Answer { leg }, None).is_empty());
}

#[test]
fn an_invite_goes_to_the_contact_on_the_phones_own_host_and_to_the_source_behind_nat() {
    let source: SocketAddr = "127.0.0.1:40000".parse().unwrap();
    assert_eq!(
        phone_destination("sip:1001@127.0.0.1:5070;transport=udp", source),
        "127.0.0.1:5070".parse::<SocketAddr>().unwrap()
    );
    assert_eq!(
        phone_destination("sip:1001@127.0.0.1", source),
        "127.0.0.1:5060".parse::<SocketAddr>().unwrap()
    );
    // A private address behind NAT, a host name, or garbage: the REGISTER's source.
    let nat: SocketAddr = "203.0.113.7:61000".parse().unwrap();
    assert_eq!(phone_destination("sip:1001@192.168.1.20:5060", nat), nat);
    assert_eq!(phone_destination("sip:1001@phone.example", nat), nat);
    assert_eq!(phone_destination("not a uri", nat), nat);
}

#[test]
fn r37_a_leg_hung_up_while_its_confirmation_plays_is_ended_when_the_prompt_is_over() {
    let mut calls = control();
    let customer = answered_customer(&mut calls);
    let actions = command(
        &mut calls,
        TelephonyCommand::PlayPrompt {
            leg: customer,
            prompt: sentral_engine::Prompt::CourtesyCallbackConfirmed,
        },
        None,
    );
    assert_eq!(
        actions,
        vec![Action::PlayPrompt {
            leg: customer,
            prompt: sentral_engine::Prompt::CourtesyCallbackConfirmed
        }]
    );
    // The engine lets the caller go at once; the BYE waits for the end of the prompt.
    assert!(command(&mut calls, TelephonyCommand::HangUp { leg: customer }, None).is_empty());
    calls.handle(t0(), Input::PromptDone { leg: customer });
    assert_eq!(
        drain(&mut calls),
        vec![
            Action::Bye { leg: customer },
            Action::CloseMedia { leg: customer }
        ]
    );
    assert_eq!(calls.n_legs(), 0);
}

#[test]
fn r37_a_caller_who_hangs_up_during_a_prompt_is_reported_once() {
    let mut calls = control();
    let customer = answered_customer(&mut calls);
    command(
        &mut calls,
        TelephonyCommand::PlayPrompt {
            leg: customer,
            prompt: sentral_engine::Prompt::CourtesyCallbackOffer,
        },
        None,
    );
    calls.handle(t0(), Input::FarEndHungUp { leg: customer });
    assert_eq!(
        engine_events(&drain(&mut calls)),
        vec![TelephonyEvent::HungUp { leg: customer }]
    );
    calls.handle(t0(), Input::PromptDone { leg: customer });
    assert!(drain(&mut calls).is_empty());
}
