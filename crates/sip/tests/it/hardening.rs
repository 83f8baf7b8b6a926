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

/// An INVITE to `server` for [`NUMBER`] with `via` as the top Via and `extra` headers.
fn invite(server: SocketAddr, via: &str, call_id: &str, extra: &str, sdp: &str) -> String {
    format!(
        "INVITE sip:{NUMBER}@{server} SIP/2.0\r\n\
         Via: {via}\r\n\
         From: <sip:4790000000@127.0.0.1>;tag=c-{call_id}\r\n\
         To: <sip:{NUMBER}@{server}>\r\n\
         Call-ID: {call_id}\r\n\
         CSeq: 1 INVITE\r\n\
         Contact: <sip:4790000000@127.0.0.1>\r\n\
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
