//! Issue 14's hardening, proven on real loopback sockets with hand-written SIP: security
//! decisions rest on where a datagram really came from, trunks authenticate with digest, calls
//! whose far end vanished end, RTP cannot be hijacked, and remote input is bounded.

use sentral_sip::{SipEvent, SipOptions, SipService, TenantRoutes};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

const WAIT: Duration = Duration::from_secs(5);
const NUMBER: &str = "+4721000001";

/// A SIP service whose tenant `demo` accepts calls to [`NUMBER`] from `trunk_peers` only.
async fn start_with_trunks(
    trunk_peers: &[&str],
    adjust: impl FnOnce(&mut SipOptions),
) -> (SipService, mpsc::Receiver<SipEvent>) {
    let mut options = SipOptions {
        routes: vec![(
            "demo".into(),
            TenantRoutes {
                numbers: vec![NUMBER.into()],
                trunk_peers: trunk_peers.iter().map(|p| p.parse().unwrap()).collect(),
                ..TenantRoutes::default()
            },
        )],
        ..SipOptions::at("127.0.0.1:0".parse().unwrap())
    };
    adjust(&mut options);
    SipService::start(options)
        .await
        .expect("the SIP service starts")
}

/// An offer a customer's phone would send, with its RTP at `rtp`.
fn offer(rtp: SocketAddr) -> String {
    format!(
        "v=0\r\no=- 1 1 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\nm=audio {port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n",
        ip = rtp.ip(),
        port = rtp.port()
    )
}

/// An INVITE to `server` for [`NUMBER`] with `via` as the top Via and `extra` headers; the
/// Contact is the Via's address.
fn invite(server: SocketAddr, via: &str, call_id: &str, extra: &str, sdp: &str) -> String {
    let contact = via
        .split_whitespace()
        .nth(1)
        .and_then(|rest| rest.split(';').next())
        .unwrap_or("127.0.0.1");
    format!(
        "INVITE sip:{NUMBER}@{server} SIP/2.0\r\n\
         Via: {via}\r\n\
         From: <sip:4790000000@127.0.0.1>;tag=c-{call_id}\r\n\
         To: <sip:{NUMBER}@{server}>\r\n\
         Call-ID: {call_id}\r\n\
         CSeq: 1 INVITE\r\n\
         Contact: <sip:4790000000@{contact}>\r\n\
         Max-Forwards: 70\r\n\
         {extra}Content-Type: application/sdp\r\n\
         Content-Length: {}\r\n\r\n{sdp}",
        sdp.len()
    )
}

/// The next final response on `socket`, if one comes within `within`.
async fn final_response(socket: &UdpSocket, within: Duration) -> Option<String> {
    let mut buffer = vec![0u8; 65_536];
    tokio::time::timeout(within, async {
        loop {
            let (n, _) = socket.recv_from(&mut buffer).await.unwrap();
            let text = String::from_utf8_lossy(&buffer[..n]).into_owned();
            if text.starts_with("SIP/2.0 ") && !text.starts_with("SIP/2.0 1") {
                return text;
            }
        }
    })
    .await
    .ok()
}

fn status(response: &str) -> u16 {
    response[8..11].parse().unwrap()
}

#[tokio::test]
async fn a_forged_via_received_does_not_make_a_stranger_a_trunk() {
    // The carrier is 127.0.0.2; the attacker sends from 127.0.0.1 and writes
    // `received=127.0.0.2` into a Via whose host and port are its real address (no rport).
    let (service, mut events) = start_with_trunks(&["127.0.0.2"], |_| {}).await;
    let attacker = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let me = attacker.local_addr().unwrap();
    // Responses routed by the forged `received` would reach 127.0.0.2 at the same port.
    let forged = UdpSocket::bind(("127.0.0.2", me.port())).await.unwrap();
    let via = format!("SIP/2.0/UDP {me};branch=z9hG4bK-forged-1;received=127.0.0.2");
    let message = invite(
        service.local_addr(),
        &via,
        "forged-via",
        "",
        &offer("127.0.0.1:40000".parse().unwrap()),
    );
    attacker
        .send_to(message.as_bytes(), service.local_addr())
        .await
        .unwrap();
    let refused = tokio::select! {
        answer = final_response(&attacker, WAIT) => answer,
        answer = final_response(&forged, WAIT) => answer,
    };
    let refused = refused.expect("the INVITE is answered");
    assert_eq!(status(&refused), 403, "{refused}");
    assert!(
        refused.contains("127.0.0.1"),
        "the refusal names the real source: {refused}"
    );
    // No call reached the organisation.
    assert!(
        tokio::time::timeout(Duration::from_millis(300), events.recv())
            .await
            .is_err(),
        "no event for a refused INVITE"
    );
    service.shutdown().await;
}

/// Reads one SIP request from `socket` (skipping responses); returns it and where it came from.
async fn next_request(socket: &UdpSocket) -> (String, SocketAddr) {
    let mut buffer = vec![0u8; 65_536];
    tokio::time::timeout(WAIT, async {
        loop {
            let (n, from) = socket.recv_from(&mut buffer).await.unwrap();
            let text = String::from_utf8_lossy(&buffer[..n]).into_owned();
            if !text.starts_with("SIP/2.0") {
                return (text, from);
            }
        }
    })
    .await
    .expect("a request in time")
}

pub(crate) fn header_of<'a>(message: &'a str, name: &str) -> Option<&'a str> {
    message.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim()
            .eq_ignore_ascii_case(name)
            .then_some(value.trim())
    })
}

/// A response to `request` with `status`, echoing its Via, From, To (tagged), Call-ID, CSeq.
pub(crate) fn response_to(request: &str, status: &str, extra: &str) -> String {
    let mut out = format!("SIP/2.0 {status}\r\n");
    for name in ["Via", "From", "Call-ID", "CSeq"] {
        out.push_str(&format!(
            "{name}: {}\r\n",
            header_of(request, name).unwrap()
        ));
    }
    let to = header_of(request, "To").unwrap();
    let tag = if to.contains(";tag=") {
        ""
    } else {
        ";tag=carrier"
    };
    out.push_str(&format!(
        "To: {to}{tag}\r\n{extra}Content-Length: 0\r\n\r\n"
    ));
    out
}

#[tokio::test]
async fn trunk_digest_dial_outs_answer_the_carriers_407_with_the_trunk_credentials() {
    use sentral_engine::{DialNumber, ENGINE_LEG_BIT, InteractionId, LegId, TelephonyCommand};
    use sentral_sip::digest::{self, Algorithm, Challenge, Credentials};
    let carrier = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let (service, _events) = start_with_trunks(&[], |options| {
        options.trunk = Some(carrier.local_addr().unwrap());
        options.trunk_credential = Some(("sentral-out".into(), "outbound-secret-1".into()));
    })
    .await;
    service.command(
        "demo",
        TelephonyCommand::Dial {
            leg: LegId(ENGINE_LEG_BIT | 5),
            interaction: InteractionId(9),
            number: DialNumber::parse("+4790000001").unwrap(),
        },
    );
    let (invite, from) = next_request(&carrier).await;
    assert!(invite.starts_with("INVITE "), "{invite}");
    assert_eq!(header_of(&invite, "Supported"), Some("timer"), "{invite}");
    let challenge = Challenge {
        realm: "carrier.example".into(),
        nonce: "4a1b2c3d4e5f".into(),
        algorithm: Algorithm::Md5,
        stale: false,
    };
    let refusal = response_to(
        &invite,
        "407 Proxy Authentication Required",
        &format!("Proxy-Authenticate: {}\r\n", challenge.header_value()),
    );
    carrier.send_to(refusal.as_bytes(), from).await.unwrap();
    // The ACK of the 407, then the INVITE again with credentials.
    let (again, from) = loop {
        let (request, from) = next_request(&carrier).await;
        if request.starts_with("INVITE ") {
            break (request, from);
        }
    };
    let credentials =
        Credentials::parse(header_of(&again, "Proxy-Authorization").expect("credentials"))
            .expect("readable credentials");
    assert_eq!(credentials.username, "sentral-out");
    let ha1 = digest::ha1(
        Algorithm::Md5,
        "sentral-out",
        "carrier.example",
        "outbound-secret-1",
    );
    assert!(digest::verify(&credentials, "INVITE", &ha1), "{again}");
    let busy = response_to(&again, "486 Busy Here", "");
    carrier.send_to(busy.as_bytes(), from).await.unwrap();
    service.shutdown().await;
}

/// The next telephony event for the organisation.
pub(crate) async fn next_telephony(
    events: &mut mpsc::Receiver<SipEvent>,
) -> sentral_engine::TelephonyEvent {
    loop {
        match tokio::time::timeout(WAIT, events.recv()).await {
            Ok(Some(SipEvent::Telephony { event, .. })) => return event,
            Ok(Some(_)) => continue,
            other => panic!("no telephony event: {other:?}"),
        }
    }
}

/// A customer's INVITE from `socket` with `extra` headers and the ACK-less final response.
async fn call_in(server: SocketAddr, socket: &UdpSocket, call_id: &str, extra: &str) -> String {
    let me = socket.local_addr().unwrap();
    let message = invite(
        server,
        &format!("SIP/2.0/UDP {me};branch=z9hG4bK-{call_id};rport"),
        call_id,
        extra,
        &offer("127.0.0.1:40000".parse().unwrap()),
    );
    socket.send_to(message.as_bytes(), server).await.unwrap();
    final_response(socket, WAIT)
        .await
        .expect("a final response")
}

#[tokio::test]
async fn trunk_digest_an_invite_is_challenged_then_arrives_with_the_trunks_credentials() {
    use crate::support::read_challenge;
    use sentral_sip::TrunkAccount;
    use sentral_sip::digest::{self, Algorithm};
    let (service, mut events) = start_with_trunks(&["127.0.0.1"], |options| {
        options.routes[0].1.trunk_accounts = vec![TrunkAccount {
            peer: "127.0.0.1".parse().unwrap(),
            realm: "sentral".into(),
            username: "carrier".into(),
            ha1_md5: digest::ha1(Algorithm::Md5, "carrier", "sentral", "carrier-secret-1"),
            ha1_sha256: digest::ha1(Algorithm::Sha256, "carrier", "sentral", "carrier-secret-1"),
        }];
    })
    .await;
    let server = service.local_addr();
    let carrier = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let challenged = call_in(server, &carrier, "digest-1", "").await;
    assert_eq!(status(&challenged), 407, "{challenged}");
    let challenge =
        read_challenge(header_of(&challenged, "Proxy-Authenticate").expect("a challenge"));
    let uri = format!("sip:{NUMBER}@{server}");
    let ha1 = digest::ha1(
        challenge.algorithm,
        "carrier",
        &challenge.realm,
        "carrier-secret-1",
    );
    let response = digest::response(
        challenge.algorithm,
        &ha1,
        &challenge.nonce,
        "00000001",
        "feed",
        "auth",
        "INVITE",
        &uri,
    );
    let authorization = format!(
        "Proxy-Authorization: Digest username=\"carrier\", realm=\"{}\", nonce=\"{}\", \
         uri=\"{uri}\", response=\"{response}\", algorithm={}, cnonce=\"feed\", qop=auth, \
         nc=00000001\r\n",
        challenge.realm,
        challenge.nonce,
        challenge.algorithm.name()
    );
    let me = carrier.local_addr().unwrap();
    let again = invite(
        server,
        &format!("SIP/2.0/UDP {me};branch=z9hG4bK-digest-2;rport"),
        "digest-2",
        &authorization,
        &offer("127.0.0.1:40000".parse().unwrap()),
    );
    carrier.send_to(again.as_bytes(), server).await.unwrap();
    assert!(
        matches!(
            next_telephony(&mut events).await,
            sentral_engine::TelephonyEvent::CallArrived { .. }
        ),
        "the authenticated call arrives"
    );
    service.shutdown().await;
}

#[tokio::test]
async fn session_timer_an_interval_below_min_se_gets_422_on_the_wire() {
    let (service, _events) = start_with_trunks(&["127.0.0.1"], |_| {}).await;
    let customer = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let refused = call_in(
        service.local_addr(),
        &customer,
        "brief",
        "Supported: timer\r\nSession-Expires: 10;refresher=uac\r\n",
    )
    .await;
    assert_eq!(status(&refused), 422, "{refused}");
    assert_eq!(header_of(&refused, "Min-SE"), Some("90"), "{refused}");
    service.shutdown().await;
}

#[tokio::test]
async fn session_timer_a_customer_gone_without_bye_is_found_by_our_refresh_and_ended() {
    use sentral_engine::{LostCause, TelephonyCommand, TelephonyEvent};
    let (service, mut events) = start_with_trunks(&["127.0.0.1"], |options| {
        options.session_expires = Duration::from_secs(2);
        options.session_expires_min = Duration::from_secs(1);
    })
    .await;
    let server = service.local_addr();
    let customer = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let me = customer.local_addr().unwrap();
    let message = invite(
        server,
        &format!("SIP/2.0/UDP {me};branch=z9hG4bK-gone;rport"),
        "gone",
        "Allow: INVITE, ACK, BYE, CANCEL\r\n",
        &offer("127.0.0.1:40000".parse().unwrap()),
    );
    customer.send_to(message.as_bytes(), server).await.unwrap();
    let TelephonyEvent::CallArrived { leg, .. } = next_telephony(&mut events).await else {
        panic!("the call arrives");
    };
    service.command("demo", TelephonyCommand::Answer { leg });
    let ok = final_response(&customer, WAIT).await.expect("answered");
    assert_eq!(status(&ok), 200, "{ok}");
    // We refresh: the caller does not support timers.
    assert_eq!(
        header_of(&ok, "Session-Expires"),
        Some("2;refresher=uas"),
        "{ok}"
    );
    let ack = format!(
        "ACK sip:{NUMBER}@{server} SIP/2.0\r\nVia: SIP/2.0/UDP {me};branch=z9hG4bK-gone-ack;rport\r\n\
         From: <sip:4790000000@127.0.0.1>;tag=c-gone\r\nTo: {}\r\nCall-ID: gone\r\n\
         CSeq: 1 ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
        header_of(&ok, "To").unwrap()
    );
    customer.send_to(ack.as_bytes(), server).await.unwrap();
    // After half the interval: a re-INVITE (no UPDATE in Allow) with our SDP.
    let (refresh, from) = next_request(&customer).await;
    assert!(refresh.starts_with("INVITE "), "{refresh}");
    assert!(
        refresh.contains("m=audio"),
        "the refresh carries our SDP: {refresh}"
    );
    // The customer's phone no longer knows the call.
    let gone = response_to(&refresh, "481 Call/Transaction Does Not Exist", "");
    customer.send_to(gone.as_bytes(), from).await.unwrap();
    assert_eq!(
        next_telephony(&mut events).await,
        TelephonyEvent::LegLost {
            leg,
            cause: LostCause::SessionExpired
        }
    );
    let (bye, _) = loop {
        let (request, from) = next_request(&customer).await;
        if request.starts_with("BYE ") {
            break (request, from);
        }
    };
    assert!(bye.contains("Call-ID: gone"), "{bye}");
    service.shutdown().await;
}

/// Sans-IO: the call control's decisions on the same points, with time passed in.
mod decisions {
    use crate::support::read_challenge;
    use sentral_engine::{LegId, LostCause, TelephonyCommand, TelephonyEvent};
    use sentral_sip::calls::{
        Action, CallConfig, CallControl, Input, NUMBER_CHARS_MAX, NewCall, Refusal, TenantRoutes,
        TrunkAccount,
    };
    use sentral_sip::digest::{self, Algorithm};
    use sentral_sip::srtp::MasterKey;
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    const TRUNK: &str = "127.0.0.1";
    const DN: &str = "+4721000001";
    const SDP: &[u8] = b"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

    fn control(config: CallConfig, routes: TenantRoutes) -> (CallControl, Instant) {
        let t0 = Instant::now();
        let mut calls = CallControl::new(config, [3; 32], t0);
        calls.set_routes(
            "demo",
            TenantRoutes {
                numbers: vec![DN.into()],
                trunk_peers: vec![TRUNK.parse().unwrap()],
                ..routes
            },
        );
        (calls, t0)
    }

    fn drain(calls: &mut CallControl) -> Vec<Action> {
        std::iter::from_fn(|| calls.poll_action()).collect()
    }

    fn call<'a>(extra: impl FnOnce(&mut NewCall<'a>)) -> NewCall<'a> {
        let mut new_call = NewCall {
            source: Some(TRUNK.parse().unwrap()),
            dnis: DN,
            ani: "+4790000000",
            sdp: SDP,
            ..NewCall::default()
        };
        extra(&mut new_call);
        new_call
    }

    fn header<'a>(headers: &'a [(&'static str, String)], name: &str) -> Vec<&'a str> {
        headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The engine answers the call: the 200's headers and everything else that follows.
    fn answer(calls: &mut CallControl, now: Instant, leg: LegId) -> Vec<(&'static str, String)> {
        drain(calls);
        calls.handle(
            now,
            Input::Command {
                tenant: Arc::from("demo"),
                command: TelephonyCommand::Answer { leg },
                phone: None,
            },
        );
        calls.handle(
            now,
            Input::MediaOpened {
                leg,
                rtp: "127.0.0.1:20000".parse().unwrap(),
                key: MasterKey([7; 30]),
            },
        );
        drain(calls)
            .into_iter()
            .find_map(|action| match action {
                Action::Accept { headers, .. } => Some(headers),
                _ => None,
            })
            .expect("the call is answered")
    }

    fn lost(actions: &[Action], leg: LegId) -> Option<LostCause> {
        assert!(
            actions.contains(&Action::Bye { leg }),
            "the leg gets a BYE: {actions:?}"
        );
        actions.iter().find_map(|action| match action {
            Action::Engine {
                event: TelephonyEvent::LegLost { leg: l, cause },
                ..
            } if *l == leg => Some(*cause),
            _ => None,
        })
    }

    /// A digest `Proxy-Authorization` for INVITE answering `challenge`.
    fn proxy_authorization(challenge: &str, username: &str, password: &str, nc: u32) -> String {
        let challenge = read_challenge(challenge);
        let ha1 = digest::ha1(challenge.algorithm, username, &challenge.realm, password);
        let nc = format!("{nc:08x}");
        let uri = format!("sip:{DN}@127.0.0.1");
        let response = digest::response(
            challenge.algorithm,
            &ha1,
            &challenge.nonce,
            &nc,
            "c0ffee",
            "auth",
            "INVITE",
            &uri,
        );
        format!(
            "Digest username=\"{username}\", realm=\"{}\", nonce=\"{}\", uri=\"{uri}\", \
             response=\"{response}\", algorithm={}, cnonce=\"c0ffee\", qop=auth, nc={nc}",
            challenge.realm,
            challenge.nonce,
            challenge.algorithm.name()
        )
    }

    fn trunk_with_password() -> TenantRoutes {
        TenantRoutes {
            trunk_accounts: vec![TrunkAccount {
                peer: TRUNK.parse().unwrap(),
                realm: "sentral".into(),
                username: "carrier".into(),
                ha1_md5: digest::ha1(Algorithm::Md5, "carrier", "sentral", "carrier-secret-1"),
                ha1_sha256: digest::ha1(
                    Algorithm::Sha256,
                    "carrier",
                    "sentral",
                    "carrier-secret-1",
                ),
            }],
            ..TenantRoutes::default()
        }
    }

    #[test]
    fn trunk_digest_a_trunk_with_credentials_is_challenged_on_every_invite_and_wrong_ones_refused()
    {
        let (mut calls, t0) = control(CallConfig::default(), trunk_with_password());
        // No credentials: 407 with a challenge per algorithm.
        let refusal = calls.invite_arrived(t0, call(|_| {})).unwrap_err();
        assert_eq!(refusal.status, 407, "{refusal:?}");
        let challenges = header(&refusal.headers, "Proxy-Authenticate");
        assert_eq!(challenges.len(), 2, "{refusal:?}");
        // The right password: the call arrives.
        let good = [proxy_authorization(
            challenges[0],
            "carrier",
            "carrier-secret-1",
            1,
        )];
        let leg = calls
            .invite_arrived(t0, call(|c| c.proxy_authorization = &good))
            .expect("authenticated");
        assert!(matches!(
            drain(&mut calls)[..],
            [Action::Engine {
                event: TelephonyEvent::CallArrived { .. },
                ..
            }]
        ));
        // The same credentials again (a replay): challenged afresh, no second call.
        let replay = calls
            .invite_arrived(t0, call(|c| c.proxy_authorization = &good))
            .unwrap_err();
        assert_eq!(replay.status, 407);
        assert!(header(&replay.headers, "Proxy-Authenticate")[0].contains("stale=true"));
        // A wrong password: 403, and nothing reaches the engine.
        let fresh = calls.invite_arrived(t0, call(|_| {})).unwrap_err();
        let wrong = [proxy_authorization(
            header(&fresh.headers, "Proxy-Authenticate")[1],
            "carrier",
            "guess",
            1,
        )];
        let refusal = calls
            .invite_arrived(t0, call(|c| c.proxy_authorization = &wrong))
            .unwrap_err();
        assert_eq!(refusal.status, 403, "{refusal:?}");
        assert!(drain(&mut calls).is_empty());
        // That wrong guess used its nonce up: the right password on it is not evaluated.
        let late = [proxy_authorization(
            header(&fresh.headers, "Proxy-Authenticate")[1],
            "carrier",
            "carrier-secret-1",
            2,
        )];
        let refusal = calls
            .invite_arrived(t0, call(|c| c.proxy_authorization = &late))
            .unwrap_err();
        assert_eq!(
            refusal.status, 407,
            "a spent nonce gets a new challenge: {refusal:?}"
        );
        assert_ne!(leg, LegId(0));
    }

    #[test]
    fn session_timer_an_interval_below_min_se_is_refused_with_422() {
        let (mut calls, t0) = control(CallConfig::default(), TenantRoutes::default());
        let refusal = calls
            .invite_arrived(
                t0,
                call(|c| {
                    c.session_expires = Some("30;refresher=uac");
                    c.supported = "timer";
                }),
            )
            .unwrap_err();
        assert_eq!(
            refusal,
            Refusal {
                status: 422,
                reason: "Session Interval Too Small".into(),
                headers: vec![("Min-SE", "90".into())],
            }
        );
    }

    #[test]
    fn session_timer_we_refresh_a_caller_without_timer_support_and_end_the_call_when_it_is_gone() {
        let config = CallConfig {
            session_expires: Duration::from_secs(120),
            ..CallConfig::default()
        };
        let (mut calls, t0) = control(config, TenantRoutes::default());
        let leg = calls.invite_arrived(t0, call(|_| {})).unwrap();
        let headers = answer(&mut calls, t0, leg);
        assert_eq!(header(&headers, "Session-Expires"), ["120;refresher=uas"]);
        assert!(header(&headers, "Require").is_empty(), "{headers:?}");
        // At half the interval: a re-INVITE with our SDP (the caller did not allow UPDATE).
        assert_eq!(calls.poll_timeout(), Some(t0 + Duration::from_secs(60)));
        calls.handle_timeout(t0 + Duration::from_secs(60));
        let actions = drain(&mut calls);
        let [Action::Refresh { update, sdp, .. }] = &actions[..] else {
            panic!("a refresh: {actions:?}");
        };
        assert!(!update && sdp.as_deref().is_some_and(|s| s.contains("m=audio 20000")));
        // The caller answers 200: the next refresh in another half interval.
        calls.handle(
            t0 + Duration::from_secs(61),
            Input::Refreshed {
                leg,
                status: Some(200),
            },
        );
        assert_eq!(calls.poll_timeout(), Some(t0 + Duration::from_secs(121)));
        calls.handle_timeout(t0 + Duration::from_secs(121));
        drain(&mut calls);
        // The caller is gone: 481. The call ends with its cause.
        calls.handle(
            t0 + Duration::from_secs(122),
            Input::Refreshed {
                leg,
                status: Some(481),
            },
        );
        assert_eq!(
            lost(&drain(&mut calls), leg),
            Some(LostCause::SessionExpired)
        );
        assert_eq!((calls.n_legs(), calls.n_timers()), (0, 0));
    }

    #[test]
    fn session_timer_a_caller_that_refreshes_must_do_so_in_time() {
        let (mut calls, t0) = control(CallConfig::default(), TenantRoutes::default());
        let leg = calls
            .invite_arrived(
                t0,
                call(|c| {
                    c.session_expires = Some("90;refresher=uac");
                    c.supported = "timer";
                    c.allow = "INVITE, ACK, BYE, CANCEL, UPDATE";
                }),
            )
            .unwrap();
        let headers = answer(&mut calls, t0, leg);
        assert_eq!(header(&headers, "Session-Expires"), ["90;refresher=uac"]);
        assert_eq!(header(&headers, "Require"), ["timer"]);
        // A refresh (UPDATE without a body) at 45 s moves the deadline and gets 200.
        calls.handle(
            t0 + Duration::from_secs(45),
            Input::ReInvite {
                leg,
                sdp: Vec::new(),
                update: true,
            },
        );
        let actions = drain(&mut calls);
        assert!(
            matches!(&actions[..], [Action::AnswerReInvite { status: 200, sdp: None, headers, .. }]
                if header(headers, "Session-Expires") == ["90;refresher=uac"]),
            "{actions:?}"
        );
        assert_eq!(calls.poll_timeout(), Some(t0 + Duration::from_secs(105)));
        // No refresh after that: the call ends before the interval is over.
        calls.handle_timeout(t0 + Duration::from_secs(105));
        assert_eq!(
            lost(&drain(&mut calls), leg),
            Some(LostCause::SessionExpired)
        );
    }

    #[test]
    fn session_timer_an_agents_phone_that_grants_us_the_refresh_gets_an_update_every_half_interval()
    {
        use sentral_engine::{AgentId, ENGINE_LEG_BIT, InteractionId};
        use sentral_sip::calls::PhoneContact;
        let (mut calls, t0) = control(CallConfig::default(), TenantRoutes::default());
        let leg = LegId(ENGINE_LEG_BIT | 3);
        calls.handle(
            t0,
            Input::Command {
                tenant: Arc::from("demo"),
                command: TelephonyCommand::RingAgent {
                    leg,
                    interaction: InteractionId(1),
                    agent: AgentId(1),
                    extension: "1001".into(),
                    caller_number: None,
                },
                phone: Some(PhoneContact {
                    uri: "sip:1001@127.0.0.1:5070".into(),
                    source: "127.0.0.1:5070".parse().unwrap(),
                    transport: sentral_sip::calls::Transport::Udp,
                }),
            },
        );
        calls.handle(
            t0,
            Input::MediaOpened {
                leg,
                rtp: "127.0.0.1:20002".parse().unwrap(),
                key: MasterKey([7; 30]),
            },
        );
        let actions = drain(&mut calls);
        let invite_headers = actions
            .iter()
            .find_map(|action| match action {
                Action::Invite { headers, .. } => Some(headers.clone()),
                _ => None,
            })
            .expect("an INVITE");
        assert_eq!(header(&invite_headers, "Supported"), ["timer"]);
        assert_eq!(header(&invite_headers, "Session-Expires"), ["1800"]);
        assert_eq!(header(&invite_headers, "Min-SE"), ["90"]);
        calls.handle(
            t0,
            Input::Answered {
                leg,
                sdp: SDP.to_vec(),
                session_expires: Some("600;refresher=uac".into()),
                allow: "INVITE, ACK, BYE, UPDATE".into(),
            },
        );
        drain(&mut calls);
        assert_eq!(calls.poll_timeout(), Some(t0 + Duration::from_secs(300)));
        calls.handle_timeout(t0 + Duration::from_secs(300));
        let actions = drain(&mut calls);
        let [
            Action::Refresh {
                update: true,
                sdp: None,
                headers,
                ..
            },
        ] = &actions[..]
        else {
            panic!("an UPDATE without a body: {actions:?}");
        };
        assert_eq!(header(headers, "Session-Expires"), ["600;refresher=uac"]);
        // No answer by the next half interval: the phone is gone.
        calls.handle_timeout(t0 + Duration::from_secs(600));
        assert_eq!(
            lost(&drain(&mut calls), leg),
            Some(LostCause::SessionExpired)
        );
    }

    #[test]
    fn a_call_longer_than_the_organisations_longest_call_is_ended() {
        let routes = TenantRoutes {
            call_length_max: Some(Duration::from_secs(4 * 3600)),
            ..TenantRoutes::default()
        };
        let (mut calls, t0) = control(CallConfig::default(), routes);
        let leg = calls.invite_arrived(t0, call(|_| {})).unwrap();
        answer(&mut calls, t0, leg);
        // The session refreshes along the way do not keep it alive past the limit.
        let mut now = t0;
        while let Some(at) = calls.poll_timeout() {
            now = at;
            calls.handle_timeout(now);
            for action in drain(&mut calls) {
                if let Action::Refresh { .. } = action {
                    calls.handle(
                        now,
                        Input::Refreshed {
                            leg,
                            status: Some(200),
                        },
                    );
                } else if let Action::Engine {
                    event: TelephonyEvent::LegLost { cause, .. },
                    ..
                } = action
                {
                    assert_eq!(cause, LostCause::CallTooLong);
                    assert_eq!(now, t0 + Duration::from_secs(4 * 3600));
                    return;
                }
            }
        }
        panic!("the call was never ended (last timer at {:?})", now - t0);
    }

    #[test]
    fn a_silent_far_end_ends_its_call_with_media_timeout() {
        let (mut calls, t0) = control(CallConfig::default(), TenantRoutes::default());
        let leg = calls.invite_arrived(t0, call(|_| {})).unwrap();
        answer(&mut calls, t0, leg);
        calls.handle(t0, Input::MediaTimeout { leg });
        assert_eq!(lost(&drain(&mut calls), leg), Some(LostCause::MediaTimeout));
        // A late second report changes nothing.
        calls.handle(t0, Input::MediaTimeout { leg });
        assert!(drain(&mut calls).is_empty());
    }

    #[test]
    fn flood_calls_not_answered_yet_are_limited_per_source_address() {
        let config = CallConfig {
            unanswered_per_source_max: 2,
            ..CallConfig::default()
        };
        let (mut calls, t0) = control(config, TenantRoutes::default());
        let first = calls.invite_arrived(t0, call(|_| {})).unwrap();
        calls.invite_arrived(t0, call(|_| {})).unwrap();
        let refusal = calls.invite_arrived(t0, call(|_| {})).unwrap_err();
        assert_eq!(refusal.status, 503, "{refusal:?}");
        assert_eq!(header(&refusal.headers, "Retry-After"), ["5"]);
        // Once one is answered, another may come.
        answer(&mut calls, t0, first);
        calls.invite_arrived(t0, call(|_| {})).unwrap();
    }

    #[test]
    fn flood_a_strangers_numbers_are_cut_to_a_bounded_length() {
        let (mut calls, t0) = control(CallConfig::default(), TenantRoutes::default());
        let long = "4".repeat(10_000);
        calls.invite_arrived(t0, call(|c| c.ani = &long)).unwrap();
        let actions = drain(&mut calls);
        let [
            Action::Engine {
                event: TelephonyEvent::CallArrived { ani, .. },
                ..
            },
        ] = &actions[..]
        else {
            panic!("{actions:?}");
        };
        assert_eq!(ani.len(), NUMBER_CHARS_MAX);
        let refusal = calls
            .invite_arrived(t0, call(|c| c.dnis = &long))
            .unwrap_err();
        assert_eq!(refusal.status, 404);
        assert!(refusal.reason.len() < 200, "{}", refusal.reason);
    }
}
