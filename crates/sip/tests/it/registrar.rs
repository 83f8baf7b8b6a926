//! The registrar's decisions, one path per test, driven through its public API with a fake
//! clock: challenge, register (MD5 and SHA-256), refuse, refresh, un-register, expire, replay.
//! An extension without a registered phone makes its agent unofferable (R3), so the tests that
//! prove a phone stops counting as registered carry R3 in their names.

use crate::support::{Phone, account, at, challenges, demo_registrar};
use sentral_sip::digest::Algorithm;
use sentral_sip::{Contacts, Event, Granted, RegisterRequest, Registrar, RegistrarConfig, Reply};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

fn registered(extension: &str) -> Event {
    Event::Registered {
        tenant: "demo".into(),
        extension: extension.into(),
    }
}

fn unregistered(extension: &str) -> Event {
    Event::Unregistered {
        tenant: "demo".into(),
        extension: extension.into(),
    }
}

fn events(registrar: &mut Registrar) -> Vec<Event> {
    std::iter::from_fn(|| registrar.poll_event()).collect()
}

#[test]
fn a_register_without_credentials_is_challenged_with_md5_and_sha256() {
    let t0 = Instant::now();
    let mut registrar = demo_registrar(t0);
    let mut phone = Phone::demo("1001");
    let reply = registrar.handle_register(t0, &phone.request(Some(3600), vec![]));
    assert_eq!(reply.status(), (401, "Unauthorized"));
    let offered = challenges(&reply);
    let algorithms: Vec<Algorithm> = offered.iter().map(|c| c.algorithm).collect();
    assert_eq!(algorithms, [Algorithm::Md5, Algorithm::Sha256]);
    assert!(offered.iter().all(|c| c.realm == "sentral" && !c.stale));
    assert!(events(&mut registrar).is_empty());
    assert_eq!(registrar.poll_timeout(), None);
}

#[test]
fn a_phone_registers_with_md5_and_gets_its_contact_and_expiry() {
    let t0 = Instant::now();
    let mut registrar = demo_registrar(t0);
    let mut phone = Phone::demo("1001");
    let reply = phone.register(&mut registrar, t0, Some(3600));
    assert_eq!(
        reply,
        Reply::Registered {
            contacts: vec![Granted {
                contact: phone.contact.clone(),
                expires: 3600
            }],
            expires: Some(3600),
        }
    );
    assert_eq!(events(&mut registrar), [registered("1001")]);
    let bindings = registrar.bindings("sentral", "1001");
    assert_eq!(bindings.len(), 1);
    assert_eq!(bindings[0].source, "127.0.0.1:5070".parse().unwrap());
    assert_eq!(registrar.poll_timeout(), Some(at(t0, 3600)));
}

#[test]
fn a_phone_registers_with_sha256() {
    let t0 = Instant::now();
    let mut registrar = demo_registrar(t0);
    let mut phone = Phone {
        algorithm: Algorithm::Sha256,
        ..Phone::demo("1002")
    };
    let reply = phone.register(&mut registrar, t0, None);
    assert_eq!(reply.status().0, 200, "{reply:?}");
    assert_eq!(events(&mut registrar), [registered("1002")]);
}

#[test]
fn r3_a_wrong_password_is_forbidden_and_registers_nothing() {
    let t0 = Instant::now();
    let mut registrar = demo_registrar(t0);
    for algorithm in [Algorithm::Md5, Algorithm::Sha256] {
        let mut phone = Phone {
            password: "wrong".into(),
            algorithm,
            ..Phone::demo("1001")
        };
        assert_eq!(
            phone.register(&mut registrar, t0, Some(3600)),
            Reply::Forbidden
        );
    }
    assert!(events(&mut registrar).is_empty());
    assert!(registrar.bindings("sentral", "1001").is_empty());
}

#[test]
fn an_unknown_extension_is_challenged_like_a_known_one_then_forbidden() {
    let t0 = Instant::now();
    let mut registrar = demo_registrar(t0);
    let mut phone = Phone::demo("1999");
    let reply = registrar.handle_register(t0, &phone.request(Some(3600), vec![]));
    // The same realm and algorithms as a real extension: nothing tells it does not exist.
    let offered = challenges(&reply);
    assert_eq!(offered.len(), 2);
    assert!(offered.iter().all(|c| c.realm == "sentral"));
    let (_, authorization) = phone.answer(&reply, 1);
    let reply = registrar.handle_register(t0, &phone.request(Some(3600), vec![authorization]));
    assert_eq!(reply, Reply::Forbidden);
    assert!(events(&mut registrar).is_empty());
}

#[test]
fn a_phone_cannot_register_another_extension_with_its_own_credentials() {
    let t0 = Instant::now();
    let mut registrar = demo_registrar(t0);
    // The phone of 1002 authenticates correctly as 1002 but asks to register 1001.
    let mut phone = Phone::demo("1002");
    let challenge = registrar.handle_register(t0, &phone.request(Some(3600), vec![]));
    let (_, authorization) = phone.answer(&challenge, 1);
    let mut request = phone.request(Some(3600), vec![authorization]);
    request.user = "1001".into();
    assert_eq!(registrar.handle_register(t0, &request), Reply::Forbidden);
    assert!(events(&mut registrar).is_empty());
}

#[test]
fn a_too_brief_interval_is_refused_with_423_and_min_expires() {
    let t0 = Instant::now();
    let mut registrar = demo_registrar(t0);
    let mut phone = Phone::demo("1001");
    let reply = phone.register(&mut registrar, t0, Some(30));
    assert_eq!(reply, Reply::IntervalTooBrief { min_expires: 60 });
    assert_eq!(reply.status(), (423, "Interval Too Brief"));
    assert!(events(&mut registrar).is_empty());
}

#[test]
fn a_too_long_interval_is_shortened_to_the_maximum() {
    let t0 = Instant::now();
    let mut registrar = demo_registrar(t0);
    let mut phone = Phone::demo("1001");
    let Reply::Registered { expires, .. } = phone.register(&mut registrar, t0, Some(86_400)) else {
        panic!("registered")
    };
    assert_eq!(expires, Some(3600));
}

#[test]
fn r3_unregistering_with_expires_0_reports_the_phone_unregistered() {
    let t0 = Instant::now();
    let mut registrar = demo_registrar(t0);
    let mut phone = Phone::demo("1001");
    phone.register(&mut registrar, t0, Some(3600));
    assert_eq!(events(&mut registrar), [registered("1001")]);
    let reply = phone.register(&mut registrar, at(t0, 10), Some(0));
    assert_eq!(
        reply,
        Reply::Registered {
            contacts: vec![],
            expires: Some(0)
        }
    );
    assert_eq!(events(&mut registrar), [unregistered("1001")]);
    assert!(registrar.bindings("sentral", "1001").is_empty());
    assert_eq!(registrar.poll_timeout(), None);
}

#[test]
fn r3_a_registration_that_is_not_refreshed_expires() {
    let t0 = Instant::now();
    let mut registrar = demo_registrar(t0);
    let mut phone = Phone::demo("1001");
    phone.register(&mut registrar, t0, Some(120));
    events(&mut registrar);
    assert_eq!(registrar.poll_timeout(), Some(at(t0, 120)));
    registrar.handle_timeout(at(t0, 119));
    assert!(events(&mut registrar).is_empty());
    registrar.handle_timeout(at(t0, 120));
    assert_eq!(events(&mut registrar), [unregistered("1001")]);
    assert_eq!(registrar.poll_timeout(), None);
    assert_eq!(registrar.n_registered(), 0);
}

#[test]
fn a_refresh_moves_the_expiry_and_reports_nothing_new() {
    let t0 = Instant::now();
    let mut registrar = demo_registrar(t0);
    let mut phone = Phone::demo("1001");
    phone.register(&mut registrar, t0, Some(120));
    events(&mut registrar);
    let reply = phone.register(&mut registrar, at(t0, 100), Some(120));
    assert_eq!(reply.status().0, 200);
    assert!(events(&mut registrar).is_empty());
    assert_eq!(registrar.poll_timeout(), Some(at(t0, 220)));
    registrar.handle_timeout(at(t0, 120));
    assert!(events(&mut registrar).is_empty(), "the old expiry is gone");
}

#[test]
fn a_query_without_contact_lists_the_bindings_and_changes_nothing() {
    let t0 = Instant::now();
    let mut registrar = demo_registrar(t0);
    let mut phone = Phone::demo("1001");
    phone.register(&mut registrar, t0, Some(3600));
    events(&mut registrar);
    let challenge = registrar.handle_register(at(t0, 60), &phone.request(None, vec![]));
    let (_, authorization) = phone.answer(&challenge, 1);
    let mut query = phone.request(None, vec![authorization]);
    query.contacts = Contacts::Query;
    assert_eq!(
        registrar.handle_register(at(t0, 60), &query),
        Reply::Registered {
            contacts: vec![Granted {
                contact: phone.contact.clone(),
                expires: 3540
            }],
            expires: None
        }
    );
    assert!(events(&mut registrar).is_empty());
}

#[test]
fn r3_a_wildcard_with_expires_0_removes_every_binding() {
    let t0 = Instant::now();
    let mut registrar = demo_registrar(t0);
    let mut desk = Phone::demo("1001");
    let mut soft = Phone {
        contact: "sip:1001@127.0.0.1:5080".into(),
        call_id: "other-call-id".into(),
        ..Phone::demo("1001")
    };
    desk.register(&mut registrar, t0, Some(3600));
    soft.register(&mut registrar, t0, Some(3600));
    assert_eq!(events(&mut registrar), [registered("1001")], "one event");
    assert_eq!(registrar.bindings("sentral", "1001").len(), 2);

    let challenge = registrar.handle_register(t0, &desk.request(Some(0), vec![]));
    let (_, authorization) = desk.answer(&challenge, 1);
    let mut wildcard = desk.request(Some(3600), vec![authorization.clone()]);
    wildcard.contacts = Contacts::Wildcard;
    assert_eq!(
        registrar.handle_register(t0, &wildcard),
        Reply::BadRequest {
            reason: "Contact: * needs Expires: 0"
        }
    );
    let (_, authorization) = desk.answer(&challenge, 2);
    let mut wildcard = desk.request(Some(0), vec![authorization]);
    wildcard.contacts = Contacts::Wildcard;
    assert_eq!(registrar.handle_register(t0, &wildcard).status().0, 200);
    assert_eq!(events(&mut registrar), [unregistered("1001")]);
}

#[test]
fn a_replayed_register_gets_a_stale_challenge_and_changes_nothing() {
    let t0 = Instant::now();
    let mut registrar = demo_registrar(t0);
    let mut phone = Phone::demo("1001");
    let challenge = registrar.handle_register(t0, &phone.request(Some(3600), vec![]));
    let (_, authorization) = phone.answer(&challenge, 1);
    let register = phone.request(Some(3600), vec![authorization.clone()]);
    assert_eq!(registrar.handle_register(t0, &register).status().0, 200);
    events(&mut registrar);
    // An attacker replays an un-REGISTER built from the captured credentials.
    let mut replay = register.clone();
    replay.cseq += 1;
    replay.expires = Some(0);
    let reply = registrar.handle_register(at(t0, 1), &replay);
    assert!(challenges(&reply).iter().all(|c| c.stale));
    assert!(events(&mut registrar).is_empty());
    assert_eq!(registrar.bindings("sentral", "1001").len(), 1);
    // The phone itself continues with the next nonce count.
    let (_, next) = phone.answer(&challenge, 2);
    let refresh = phone.request(Some(3600), vec![next]);
    assert_eq!(
        registrar.handle_register(at(t0, 2), &refresh).status().0,
        200
    );
}

#[test]
fn an_expired_nonce_gets_a_stale_challenge_and_the_phone_retries() {
    let t0 = Instant::now();
    let mut registrar = demo_registrar(t0);
    let mut phone = Phone::demo("1001");
    let challenge = registrar.handle_register(t0, &phone.request(Some(3600), vec![]));
    let (_, authorization) = phone.answer(&challenge, 1);
    // Five minutes and one second later the nonce is too old.
    let late = at(t0, 301);
    let reply = registrar.handle_register(late, &phone.request(Some(3600), vec![authorization]));
    assert!(challenges(&reply).iter().all(|c| c.stale));
    let (_, fresh) = phone.answer(&reply, 1);
    let reply = registrar.handle_register(late, &phone.request(Some(3600), vec![fresh]));
    assert_eq!(reply.status().0, 200);
    assert_eq!(events(&mut registrar), [registered("1001")]);
}

#[test]
fn a_forged_nonce_gets_a_stale_challenge_whether_the_answer_is_right_or_wrong() {
    // Goal: a nonce that is not ours is not evaluated, so it cannot tell a guess right from
    // wrong (a 403 for wrong and a stale 401 for right would be a free password oracle).
    let t0 = Instant::now();
    let mut registrar = demo_registrar(t0);
    let mut phone = Phone::demo("1001");
    let challenge = registrar.handle_register(t0, &phone.request(Some(3600), vec![]));
    let (mut forged, _) = phone.answer(&challenge, 1);
    forged.nonce = "00".repeat(28);
    let right = crate::support::authorization(&forged, "1001", "demo", "sip:127.0.0.1:5060", 1);
    let wrong = crate::support::authorization(&forged, "1001", "nope", "sip:127.0.0.1:5060", 1);
    for answer in [wrong, right] {
        let reply = registrar.handle_register(t0, &phone.request(Some(3600), vec![answer]));
        assert!(challenges(&reply).iter().all(|c| c.stale), "{reply:?}");
    }
    assert!(events(&mut registrar).is_empty());
    assert_eq!(registrar.n_lockout_pairs(), 0, "nothing was evaluated");
}

#[test]
fn an_out_of_order_cseq_is_refused() {
    let t0 = Instant::now();
    let mut registrar = demo_registrar(t0);
    let mut phone = Phone::demo("1001");
    phone.register(&mut registrar, t0, Some(3600));
    let challenge = registrar.handle_register(t0, &phone.request(Some(0), vec![]));
    let (_, authorization) = phone.answer(&challenge, 1);
    let mut old = phone.request(Some(0), vec![authorization]);
    old.cseq = 1; // older than the REGISTER that made the binding (CSeq 2)
    assert_eq!(
        registrar.handle_register(t0, &old),
        Reply::BadRequest {
            reason: "CSeq out of order"
        }
    );
    assert_eq!(registrar.bindings("sentral", "1001").len(), 1);
}

#[test]
fn beyond_the_most_bindings_the_least_recently_refreshed_is_replaced() {
    let t0 = Instant::now();
    let mut registrar = demo_registrar(t0);
    let max = RegistrarConfig::default().contacts_max;
    for n in 0..=max {
        let mut phone = Phone {
            contact: format!("sip:1001@127.0.0.1:{}", 6000 + n),
            call_id: format!("phone-{n}"),
            ..Phone::demo("1001")
        };
        phone.register(&mut registrar, at(t0, n as u64), Some(3600));
    }
    let bindings = registrar.bindings("sentral", "1001");
    assert_eq!(bindings.len(), max);
    assert!(
        bindings
            .iter()
            .all(|b| b.contact != "sip:1001@127.0.0.1:6000")
    );
    assert_eq!(events(&mut registrar), [registered("1001")]);
}

#[test]
fn r3_removing_an_account_or_changing_its_password_unregisters_its_phone() {
    let t0 = Instant::now();
    let mut registrar = demo_registrar(t0);
    for extension in ["1001", "1002", "1003"] {
        Phone::demo(extension).register(&mut registrar, t0, Some(3600));
    }
    events(&mut registrar);
    // 1001 is removed, 1002 gets a new password, 1003 is unchanged.
    let mut accounts: Vec<_> = (1003..=1006)
        .map(|n| account("demo", "sentral", &n.to_string(), "demo"))
        .collect();
    accounts.push(account("demo", "sentral", "1002", "new password"));
    registrar.set_accounts("demo", accounts);
    let mut got = events(&mut registrar);
    got.sort_by_key(|e| format!("{e:?}"));
    assert_eq!(got, [unregistered("1001"), unregistered("1002")]);
    assert_eq!(registrar.bindings("sentral", "1003").len(), 1);
    assert_eq!(registrar.poll_timeout(), Some(at(t0, 3600)));
    let mut renewed = Phone {
        password: "new password".into(),
        ..Phone::demo("1002")
    };
    assert_eq!(
        renewed.register(&mut registrar, t0, Some(3600)).status().0,
        200
    );
}

#[test]
fn the_same_extension_in_two_organisations_is_told_apart_by_realm() {
    let t0 = Instant::now();
    let mut registrar = demo_registrar(t0);
    registrar.set_accounts("acme", vec![account("acme", "acme", "1001", "anvil")]);
    let mut phone = Phone::demo("1001");
    // To names neither realm: both are offered; the phone answers the one it knows.
    let reply = registrar.handle_register(t0, &phone.request(Some(3600), vec![]));
    let realms: Vec<String> = challenges(&reply).into_iter().map(|c| c.realm).collect();
    assert_eq!(realms, ["acme", "acme", "sentral", "sentral"]);
    let acme_challenge = challenges(&reply)
        .into_iter()
        .find(|c| c.realm == "acme" && c.algorithm == Algorithm::Md5)
        .unwrap();
    let authorization =
        crate::support::authorization(&acme_challenge, "1001", "anvil", "sip:acme", 1);
    let reply = registrar.handle_register(t0, &phone.request(Some(3600), vec![authorization]));
    assert_eq!(reply.status().0, 200);
    assert_eq!(
        events(&mut registrar),
        [Event::Registered {
            tenant: "acme".into(),
            extension: "1001".into()
        }]
    );
    assert!(registrar.bindings("sentral", "1001").is_empty());
    // With the realm as the To domain, only that realm is offered.
    let mut request = phone.request(Some(3600), vec![]);
    request.domain = "sentral".into();
    let realms: Vec<String> = challenges(&registrar.handle_register(t0, &request))
        .into_iter()
        .map(|c| c.realm)
        .collect();
    assert_eq!(realms, ["sentral", "sentral"]);
}

#[test]
fn the_offered_algorithms_follow_the_configuration() {
    let t0 = Instant::now();
    let config = RegistrarConfig {
        algorithms: vec![Algorithm::Md5],
        ..RegistrarConfig::default()
    };
    let mut registrar = Registrar::new(config, [1; 32], t0);
    registrar.set_accounts("demo", vec![account("demo", "sentral", "1001", "demo")]);
    let mut phone = Phone {
        algorithm: Algorithm::Sha256,
        ..Phone::demo("1001")
    };
    let reply = registrar.handle_register(t0, &phone.request(None, vec![]));
    let offered = challenges(&reply);
    assert_eq!(offered.len(), 1);
    assert_eq!(offered[0].algorithm, Algorithm::Md5);
    // A SHA-256 answer to a registrar that does not offer it is challenged again.
    let sha = crate::support::Challenge {
        algorithm: Algorithm::Sha256,
        ..offered[0].clone()
    };
    let authorization =
        crate::support::authorization(&sha, "1001", "demo", "sip:127.0.0.1:5060", 1);
    let reply = registrar.handle_register(t0, &phone.request(None, vec![authorization]));
    assert_eq!(reply.status().0, 401);
}

#[test]
fn phones_that_refuse_unknown_algorithms_are_offered_md5_only() {
    let t0 = Instant::now();
    let mut registrar = demo_registrar(t0);
    let mut phone = Phone::demo("1001");
    let mut request = phone.request(Some(3600), vec![]);
    request.user_agent = Some("baresip v1.0.0 (x86_64/linux)".into());
    let offered = challenges(&registrar.handle_register(t0, &request));
    assert_eq!(offered.len(), 1);
    assert_eq!(offered[0].algorithm, Algorithm::Md5);
    request.user_agent = Some("Linphone/5.2.0 (belle-sip/5.2.0)".into());
    assert_eq!(
        challenges(&registrar.handle_register(t0, &request)).len(),
        2
    );
}

#[test]
fn credentials_for_another_realm_get_a_fresh_challenge_not_a_refusal() {
    let t0 = Instant::now();
    let mut registrar = demo_registrar(t0);
    let mut phone = Phone::demo("1001");
    let ours = registrar.handle_register(t0, &phone.request(Some(3600), vec![]));
    let (mut elsewhere, _) = phone.answer(&ours, 1);
    elsewhere.realm = "old-pbx.example".into();
    let authorization =
        crate::support::authorization(&elsewhere, "1001", "demo", "sip:127.0.0.1:5060", 1);
    let reply = registrar.handle_register(t0, &phone.request(Some(3600), vec![authorization]));
    let offered = challenges(&reply);
    assert!(offered.iter().all(|c| c.realm == "sentral" && !c.stale));
    let (_, answer) = phone.answer(&reply, 1);
    let reply = registrar.handle_register(t0, &phone.request(Some(3600), vec![answer]));
    assert_eq!(reply.status().0, 200);
}

/// An attacker's address.
const ATTACKER: &str = "203.0.113.5:5060";

/// `phone`'s next REGISTER, sent from `source`.
fn from(phone: &mut Phone, source: &str, authorization: Vec<String>) -> RegisterRequest {
    let mut request = phone.request(Some(3600), authorization);
    request.source = source.parse::<SocketAddr>().unwrap();
    request
}

/// REGISTER from `source`, then (if challenged) the answer with `phone`'s password.
fn attempt(registrar: &mut Registrar, phone: &mut Phone, source: &str, now: Instant) -> Reply {
    let reply = registrar.handle_register(now, &from(phone, source, vec![]));
    if !matches!(reply, Reply::Challenge { .. }) {
        return reply;
    }
    let (_, authorization) = phone.answer(&reply, 1);
    registrar.handle_register(now, &from(phone, source, vec![authorization]))
}

fn guesser(extension: &str) -> Phone {
    Phone {
        password: "123456".into(),
        ..Phone::demo(extension)
    }
}

fn locked_out(seconds: u64) -> Reply {
    Reply::LockedOut {
        remaining: Duration::from_secs(seconds),
    }
}

#[test]
fn register_brute_force_locks_the_pair_out_after_five_wrong_answers() {
    // Goal: the fifth wrong answer from one address for one extension locks that pair out, and
    // then even the right password from there is refused without being evaluated.
    let t0 = Instant::now();
    let mut registrar = demo_registrar(t0);
    let mut attacker = guesser("1001");
    // A nonce fetched before the lockout, answered right afterwards.
    let early = registrar.handle_register(t0, &from(&mut attacker, ATTACKER, vec![]));
    for _ in 1..5 {
        assert_eq!(
            attempt(&mut registrar, &mut attacker, ATTACKER, t0),
            Reply::Forbidden
        );
    }
    let fifth = attempt(&mut registrar, &mut attacker, ATTACKER, t0);
    assert_eq!(fifth, locked_out(60));
    assert_eq!(fifth.status(), (403, "Forbidden"));
    // No challenge any more: every REGISTER of the pair gets 403.
    let mut right = Phone::demo("1001");
    assert_eq!(
        registrar.handle_register(at(t0, 10), &from(&mut right, ATTACKER, vec![])),
        locked_out(50)
    );
    let (_, authorization) = right.answer(&early, 1);
    assert_eq!(
        registrar.handle_register(at(t0, 59), &from(&mut right, ATTACKER, vec![authorization])),
        locked_out(1)
    );
    assert!(registrar.bindings("sentral", "1001").is_empty());
    assert!(events(&mut registrar).is_empty());
    assert_eq!(
        registrar.locked_out("1001", ATTACKER.parse().unwrap(), at(t0, 30)),
        Some(Duration::from_secs(30))
    );
    // Once the lockout is over the right password registers and clears the record.
    assert_eq!(
        attempt(&mut registrar, &mut right, ATTACKER, at(t0, 60))
            .status()
            .0,
        200
    );
    assert_eq!(registrar.n_lockout_pairs(), 0);
}

#[test]
fn register_brute_force_each_lockout_lasts_twice_the_last_up_to_an_hour() {
    // Goal: after a lockout one more wrong answer locks the pair again, each time for twice as
    // long (60 s, 120 s, … capped at 3600 s); a quiet hour forgets the pair.
    let t0 = Instant::now();
    let mut registrar = demo_registrar(t0);
    let mut attacker = guesser("1001");
    for _ in 1..5 {
        attempt(&mut registrar, &mut attacker, ATTACKER, t0);
    }
    let mut now = t0;
    let mut lockouts = Vec::new();
    for _ in 0..8 {
        let Reply::LockedOut { remaining } = attempt(&mut registrar, &mut attacker, ATTACKER, now)
        else {
            panic!("locked out");
        };
        lockouts.push(remaining.as_secs());
        // Still refused one second before the end, challenged again at the end.
        now += remaining;
        assert_eq!(
            attempt(
                &mut registrar,
                &mut attacker,
                ATTACKER,
                now - Duration::from_secs(1)
            ),
            locked_out(1)
        );
    }
    assert_eq!(lockouts, [60, 120, 240, 480, 960, 1920, 3600, 3600]);
    // An hour without a wrong answer after the last lockout ended: five guesses again.
    now += Duration::from_secs(3600);
    for _ in 1..5 {
        assert_eq!(
            attempt(&mut registrar, &mut attacker, ATTACKER, now),
            Reply::Forbidden
        );
    }
    assert_eq!(
        attempt(&mut registrar, &mut attacker, ATTACKER, now),
        locked_out(60)
    );
}

#[test]
fn register_brute_force_a_lockout_does_not_stop_the_phone_at_another_address() {
    // Goal: locking a pair out refuses neither the extension elsewhere nor the address for
    // another extension, so an attacker cannot lock a real phone out.
    let t0 = Instant::now();
    let mut registrar = demo_registrar(t0);
    let mut attacker = guesser("1001");
    for _ in 0..5 {
        attempt(&mut registrar, &mut attacker, ATTACKER, t0);
    }
    assert_eq!(
        attempt(&mut registrar, &mut attacker, ATTACKER, t0),
        locked_out(60)
    );
    let mut phone = Phone::demo("1001");
    assert_eq!(
        attempt(&mut registrar, &mut phone, "198.51.100.7:5060", t0)
            .status()
            .0,
        200
    );
    let mut neighbour = Phone::demo("1002");
    assert_eq!(
        attempt(&mut registrar, &mut neighbour, ATTACKER, t0)
            .status()
            .0,
        200
    );
    assert_eq!(
        events(&mut registrar),
        [registered("1001"), registered("1002")]
    );
}

#[test]
fn register_brute_force_a_wrong_answer_uses_up_its_nonce() {
    // Goal: one guess per challenge. After a wrong answer the same nonce is not evaluated again
    // (right or wrong, the reply is a new stale challenge), and such replies are not counted.
    let t0 = Instant::now();
    let mut registrar = demo_registrar(t0);
    let mut attacker = guesser("1001");
    let challenge = registrar.handle_register(t0, &from(&mut attacker, ATTACKER, vec![]));
    let (_, wrong) = attacker.answer(&challenge, 1);
    assert_eq!(
        registrar.handle_register(t0, &from(&mut attacker, ATTACKER, vec![wrong])),
        Reply::Forbidden
    );
    for nc in 2..10 {
        let (_, wrong) = attacker.answer(&challenge, nc);
        let reply = registrar.handle_register(t0, &from(&mut attacker, ATTACKER, vec![wrong]));
        assert!(challenges(&reply).iter().all(|c| c.stale), "{reply:?}");
    }
    let mut right = Phone::demo("1001");
    let (_, answer) = right.answer(&challenge, 10);
    let reply = registrar.handle_register(t0, &from(&mut right, ATTACKER, vec![answer]));
    assert!(challenges(&reply).iter().all(|c| c.stale), "{reply:?}");
    // The new nonce works, and only the one evaluated guess was counted.
    let (_, answer) = right.answer(&reply, 1);
    let reply = registrar.handle_register(t0, &from(&mut right, ATTACKER, vec![answer]));
    assert_eq!(reply.status().0, 200, "{reply:?}");
}

#[test]
fn register_brute_force_counts_unknown_extensions_and_a_whole_ipv6_64_as_one_source() {
    // Goal: an unknown extension is counted like a wrong password (nothing tells it apart),
    // and hopping between addresses of one IPv6 /64 does not reset the count.
    let t0 = Instant::now();
    let mut registrar = demo_registrar(t0);
    let mut stranger = Phone::demo("1999");
    for host in 1..5 {
        let source = format!("[2001:db8:1:2::{host}]:5060");
        assert_eq!(
            attempt(&mut registrar, &mut stranger, &source, t0),
            Reply::Forbidden
        );
    }
    assert_eq!(
        attempt(
            &mut registrar,
            &mut stranger,
            "[2001:db8:1:2:ffff::9]:5060",
            t0
        ),
        locked_out(60)
    );
    // Another /64 is another source.
    assert_eq!(
        attempt(&mut registrar, &mut stranger, "[2001:db8:1:3::1]:5060", t0),
        Reply::Forbidden
    );
}

#[test]
fn register_brute_force_the_failure_table_is_bounded_and_keeps_lockouts_longest() {
    // Goal: remote input cannot grow the table past its limit; when full, pairs that are not
    // locked out are forgotten before a locked-out one.
    let t0 = Instant::now();
    let config = RegistrarConfig {
        lockout_pairs_max: 3,
        ..RegistrarConfig::default()
    };
    let mut registrar = Registrar::new(config, [9; 32], t0);
    registrar.set_accounts(
        "demo",
        vec![account("demo", "sentral", "1001", crate::support::PASSWORD)],
    );
    let mut attacker = guesser("1001");
    for _ in 0..5 {
        attempt(&mut registrar, &mut attacker, ATTACKER, t0);
    }
    for n in 1..=50u64 {
        let source = format!("198.51.100.{n}:5060");
        let mut other = guesser(&format!("{}", 2000 + n));
        attempt(&mut registrar, &mut other, &source, at(t0, n));
        assert!(registrar.n_lockout_pairs() <= 3);
    }
    assert_eq!(registrar.n_lockout_pairs(), 3);
    assert_eq!(
        registrar.locked_out("1001", ATTACKER.parse().unwrap(), at(t0, 50)),
        Some(Duration::from_secs(10))
    );
}

#[test]
fn register_brute_force_refusals_are_logged_with_the_source_and_a_quoted_extension() {
    // Goal: the log line names the address without port and quotes the extension with its
    // escapes, so a To user cannot forge a second line or another address.
    let mut phone = Phone::demo("1001");
    let request = from(&mut phone, ATTACKER, vec![]);
    assert_eq!(
        Reply::Forbidden.refusal_line(&request).unwrap(),
        "REGISTER refused: wrong credentials source=203.0.113.5 extension=\"1001\""
    );
    assert_eq!(
        locked_out(60).refusal_line(&request).unwrap(),
        "REGISTER refused: too many failures source=203.0.113.5 extension=\"1001\" locked_s=60"
    );
    let mut forger = Phone::demo("1\"\nREGISTER refused: too many failures source=198.51.100.1 x");
    let mut request = from(&mut forger, "[::ffff:203.0.113.5]:5060", vec![]);
    let line = locked_out(1).refusal_line(&request).unwrap();
    assert!(!line.contains('\n'), "{line}");
    assert!(
        line.starts_with(
            "REGISTER refused: too many failures source=203.0.113.5 extension=\"1\\\""
        ),
        "{line}"
    );
    request.user = "9".repeat(1000);
    assert!(locked_out(1).refusal_line(&request).unwrap().len() < 200);
    assert_eq!(
        Reply::BadRequest { reason: "x" }.refusal_line(&request),
        None
    );
}
