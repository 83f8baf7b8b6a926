//! Issue 25 (encryption on the wire): dial-outs through a trunk reached over TLS. The trunk's
//! certificate is checked against the configured name and trust roots; a certificate that
//! names another host gets no INVITE, and the leg fails instead of going out in clear.

use crate::hardening::{header_of, next_telephony, response_to};
use sentral_engine::{
    DialNumber, ENGINE_LEG_BIT, FailCause, InteractionId, LegId, TelephonyCommand, TelephonyEvent,
};
use sentral_sip::srtp::{Crypto, MasterKey, SrtpPolicy, Suite};
use sentral_sip::{SipOptions, SipService, TrunkTls};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const WAIT: Duration = Duration::from_secs(5);

/// A carrier listening for SIP over TLS with a certificate for `carrier.test` from a
/// throwaway CA; returns its listener, its TLS acceptor and the CA's certificate (PEM).
async fn tls_carrier() -> (TcpListener, tokio_rustls::TlsAcceptor, String) {
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, rcgen::KeyPair::generate().unwrap())
        .unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["carrier.test".to_owned()])
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    (
        listener,
        tokio_rustls::TlsAcceptor::from(Arc::new(config)),
        ca.pem(),
    )
}

/// What the carrier got on one connection: the INVITE (and the stream to answer on), or the
/// handshake's failure.
type Arrival = Result<
    (
        String,
        tokio_rustls::server::TlsStream<tokio::net::TcpStream>,
    ),
    String,
>;

/// Accepts every connection, shakes hands and reads the first message of each.
fn serve_carrier(
    listener: TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
) -> tokio::sync::mpsc::UnboundedReceiver<Arrival> {
    let (arrivals, received) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let arrivals = arrivals.clone();
            tokio::spawn(async move {
                let arrival = match acceptor.accept(tcp).await {
                    Ok(mut tls) => {
                        let mut buffer = vec![0u8; 65_536];
                        match tls.read(&mut buffer).await {
                            Ok(n) if n > 0 => {
                                Ok((String::from_utf8_lossy(&buffer[..n]).into_owned(), tls))
                            }
                            _ => return, // a connection that says nothing (the probe's)
                        }
                    }
                    Err(error) => Err(error.to_string()),
                };
                let _ = arrivals.send(arrival);
            });
        }
    });
    received
}

async fn dial_through(
    name: &str,
) -> (
    SipService,
    tokio::sync::mpsc::Receiver<sentral_sip::SipEvent>,
    tokio::sync::mpsc::UnboundedReceiver<Arrival>,
) {
    dial_through_with(name, SrtpPolicy::Offer).await
}

/// [`dial_through`] with the trunk's SRTP policy.
async fn dial_through_with(
    name: &str,
    srtp: SrtpPolicy,
) -> (
    SipService,
    tokio::sync::mpsc::Receiver<sentral_sip::SipEvent>,
    tokio::sync::mpsc::UnboundedReceiver<Arrival>,
) {
    let (listener, acceptor, ca) = tls_carrier().await;
    let (service, events) = SipService::start(SipOptions {
        trunk: Some(listener.local_addr().unwrap()),
        trunk_tls: Some(TrunkTls {
            name: name.into(),
            ca_certs: ca.into_bytes(),
            srtp,
        }),
        ..SipOptions::at("127.0.0.1:0".parse().unwrap())
    })
    .await
    .expect("the SIP service starts");
    service.command(
        "demo",
        TelephonyCommand::Dial {
            leg: LegId(ENGINE_LEG_BIT | 5),
            interaction: InteractionId(9),
            number: DialNumber::parse("+4790000001").unwrap(),
        },
    );
    let arrivals = serve_carrier(listener, acceptor);
    (service, events, arrivals)
}

#[tokio::test]
async fn a_dial_out_goes_over_tls_to_a_trunk_whose_certificate_names_it() {
    let (service, mut events, mut arrivals) = dial_through("carrier.test").await;
    let (invite, mut tls) = first_invite(&mut arrivals).await;
    assert!(
        invite
            .to_ascii_lowercase()
            .starts_with("invite sip:+4790000001@carrier.test;transport=tls sip/2.0"),
        "{invite}"
    );
    assert!(
        header_of(&invite, "Via").is_some_and(|via| via.starts_with("SIP/2.0/TLS")),
        "{invite}"
    );
    let busy = response_to(&invite, "486 Busy Here", "");
    tls.write_all(busy.as_bytes()).await.unwrap();
    assert_eq!(
        next_telephony(&mut events).await,
        TelephonyEvent::Failed {
            leg: LegId(ENGINE_LEG_BIT | 5),
            cause: FailCause::Busy
        }
    );
    service.shutdown().await;
}

#[tokio::test]
async fn a_trunk_whose_certificate_names_another_host_gets_no_invite_and_the_leg_fails() {
    let (service, mut events, mut arrivals) = dial_through("sip.carrier.example").await;
    // Sentral checks the certificate, finds carrier.test, not sip.carrier.example, and aborts
    // the handshake; the leg fails at once rather than at the INVITE's Timer B.
    match next_telephony(&mut events).await {
        TelephonyEvent::Failed { leg, .. } => assert_eq!(leg, LegId(ENGINE_LEG_BIT | 5)),
        other => panic!("the dial-out fails: {other:?}"),
    }
    while let Ok(arrival) = arrivals.try_recv() {
        assert!(
            arrival.is_err(),
            "nothing is sent to a trunk with the wrong certificate"
        );
    }
    service.shutdown().await;
}

/// The first INVITE the carrier gets, and the stream to answer on.
async fn first_invite(
    arrivals: &mut tokio::sync::mpsc::UnboundedReceiver<Arrival>,
) -> (
    String,
    tokio_rustls::server::TlsStream<tokio::net::TcpStream>,
) {
    tokio::time::timeout(WAIT, arrivals.recv())
        .await
        .expect("an INVITE in time")
        .expect("the carrier runs")
        .expect("the handshake succeeds")
}

/// A 200 to `invite` with `sdp` as its body.
fn ok_with_sdp(invite: &str, sdp: &str) -> String {
    response_to(
        invite,
        "200 OK",
        "Contact: <sip:carrier@127.0.0.1;transport=tls>\r\nContent-Type: application/sdp\r\n",
    )
    .replace(
        "Content-Length: 0\r\n\r\n",
        &format!("Content-Length: {}\r\n\r\n{sdp}", sdp.len()),
    )
}

/// The carrier's answer: PCMU on 127.0.0.1:40000, with `crypto` lines.
fn carrier_answer(profile: &str, crypto: &str) -> String {
    format!(
        "v=0\r\no=carrier 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=audio 40000 {profile} 0\r\n{crypto}a=sendrecv\r\n"
    )
}

/// Issue 25 (RFC 4568): with `trunk_srtp = "require"` a dial-out over TLS offers RTP/SAVP with
/// our key, and the carrier's answer with its own key under the same tag answers the leg.
#[tokio::test]
async fn issue25_a_dial_out_with_srtp_required_offers_savp_keys_and_takes_the_carriers() {
    let (service, mut events, mut arrivals) =
        dial_through_with("carrier.test", SrtpPolicy::Require).await;
    let (invite, mut tls) = first_invite(&mut arrivals).await;
    assert!(invite.contains(" RTP/SAVP "), "{invite}");
    let offered = invite
        .lines()
        .find_map(|line| line.strip_prefix("a=crypto:"))
        .map(|value| Crypto::parse(value.trim_end()).expect("our crypto line reads"))
        .expect("the offer has a crypto line");
    assert_eq!(
        (offered.tag, offered.suite),
        (1, Suite::AesCm128HmacSha1_80)
    );
    let theirs = Crypto {
        key: MasterKey([0x42; 30]),
        ..offered
    };
    let answer = carrier_answer("RTP/SAVP", &format!("{}\r\n", theirs.attribute()));
    tls.write_all(ok_with_sdp(&invite, &answer).as_bytes())
        .await
        .unwrap();
    assert_eq!(
        next_telephony(&mut events).await,
        TelephonyEvent::Answered {
            leg: LegId(ENGINE_LEG_BIT | 5)
        }
    );
    service.shutdown().await;
}

/// Issue 25: where SRTP is required, a carrier that answers in plain RTP gets no call: the leg
/// fails and is hung up.
#[tokio::test]
async fn issue25_a_plain_answer_to_a_required_srtp_offer_ends_the_leg() {
    let (service, mut events, mut arrivals) =
        dial_through_with("carrier.test", SrtpPolicy::Require).await;
    let (invite, mut tls) = first_invite(&mut arrivals).await;
    let answer = carrier_answer("RTP/AVP", "");
    tls.write_all(ok_with_sdp(&invite, &answer).as_bytes())
        .await
        .unwrap();
    assert_eq!(
        next_telephony(&mut events).await,
        TelephonyEvent::Failed {
            leg: LegId(ENGINE_LEG_BIT | 5),
            cause: FailCause::Error
        }
    );
    service.shutdown().await;
}
