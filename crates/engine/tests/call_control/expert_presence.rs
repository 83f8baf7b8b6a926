//! Goal: the organisation directory shows the presence of an expert whose work phone is an
//! extension on Sentral, Available / Busy / Offline from that phone's registration and calls,
//! and none for an outside number; a later fetch reads the presence again (R16).
//! Method: Eva Berg, an expert whose work phone is agent Eva's extension 1005, is listed beside
//! Kari Nordmann (an outside number); the phone registers, Eva takes a call, it ends, the phone
//! unregisters, and the directory is read after each step.
//! Proves: R16 (experts' presence; search by first name, role, department or full number).

use sentral_engine::testing::*;
use sentral_engine::*;

fn with_eva_as_expert() -> Harness {
    let mut config = small_config();
    config.experts.push(Expert {
        id: ExpertId(3),
        first_name: "Eva".into(),
        last_name: "Berg".into(),
        role: "Team lead".into(),
        department: "Support".into(),
        work_phone: Some(DialNumber::parse("1005").expect("an extension")),
    });
    Harness::with_config(config)
}

fn presence_of(h: &Harness, first_name: &str) -> Option<ExpertPresence> {
    h.engine
        .directory_experts("")
        .into_iter()
        .find(|e| e.expert.first_name == first_name)
        .expect("listed")
        .presence
}

#[test]
fn r16_an_expert_on_a_sentral_extension_shows_available_busy_or_offline() {
    let mut h = with_eva_as_expert();
    assert_eq!(
        presence_of(&h, "Kari"),
        None,
        "an outside number has no presence"
    );
    assert_eq!(
        presence_of(&h, "Eva"),
        Some(ExpertPresence::Offline),
        "the phone is not registered"
    );

    h.telephony(TelephonyEvent::DeviceRegistered {
        extension: "1005".into(),
    });
    assert_eq!(presence_of(&h, "Eva"), Some(ExpertPresence::Available));

    // Eva logs in at her phone and a Kundeservice call rings it: Busy, and still on the call.
    h.ready(EVA, SUPPORT);
    let (id, customer) = h.arrive(DN_KUNDESERVICE);
    assert_eq!(h.view(id).offered_to, Some(EVA));
    assert_eq!(
        presence_of(&h, "Eva"),
        Some(ExpertPresence::Busy),
        "ringing"
    );
    h.answer(EVA);
    assert_eq!(
        presence_of(&h, "Eva"),
        Some(ExpertPresence::Busy),
        "on a call"
    );
    h.telephony(TelephonyEvent::HungUp { leg: customer });
    assert_eq!(
        presence_of(&h, "Eva"),
        Some(ExpertPresence::Available),
        "the call ended (wrap-up is not a call)"
    );

    h.telephony(TelephonyEvent::DeviceUnregistered {
        extension: "1005".into(),
    });
    assert_eq!(presence_of(&h, "Eva"), Some(ExpertPresence::Offline));
    assert_eq!(presence_of(&h, "Kari"), None);
}

#[test]
fn r16_experts_are_found_by_first_name_role_department_or_full_number() {
    let h = with_eva_as_expert();
    let found = |search: &str| -> Vec<String> {
        h.engine
            .directory_experts(search)
            .into_iter()
            .map(|e| e.expert.first_name)
            .collect()
    };
    assert_eq!(found(""), ["Kari", "Eva"], "Ola has no work phone");
    assert_eq!(found("ev"), ["Eva"], "first name");
    assert_eq!(found("team lead"), ["Eva"], "role");
    assert_eq!(found("SUPPORT"), ["Eva"], "department, any case");
    assert_eq!(found("1005"), ["Eva"], "the full number");
    assert!(found("100").is_empty(), "part of a number finds nobody");
    assert!(found("berg").is_empty(), "not by last name");
    assert_eq!(found("+47 22 00 00 01"), ["Kari"], "a full number as typed");
}
