//! Issue 26: the SIP torture test messages of RFC 4475 section 3, byte for byte
//! (`tests/data/rfc4475/`, see its README), sent to a running SIP service over UDP. Each valid
//! message is handled without a 5xx (501 for a method we do not implement is what the RFC asks
//! for), each invalid one is answered 400 or dropped, a response is never answered, nothing
//! crashes or stalls the service (an OPTIONS probe from the same socket is answered after every
//! message), and a normal REGISTER and INVITE work right after the whole set.
//!
//! There are no exceptions: every one of the 49 is handled as the RFC says. Two layers of ours
//! make that so around rsipstack's lenient parser. `sentral_sip::datagram` reads each datagram
//! first: it gives the parser a canonical form of a valid message it would drop (`wsinv`'s white
//! space, `inv2543`'s missing `From` tag and `Content-Length`), and answers statelessly what the
//! parser cannot represent (501 for `intmeth`'s and `esc02`'s methods, 400 for `ltgtruri`'s
//! Request-URI and `trws`'s Request-Line). What the parser reads but RFC 3261 calls malformed
//! (another version, a header that must be there once, a `CSeq` of another method, a
//! `Content-Length` beyond the body, headers in the Request-URI, an address value that does not
//! read, a `Date` not in GMT) is refused by `transport::malformed` before anything acts on it. A
//! 400 says what was wrong in its reason phrase (`Bad Request (...)`), which the test checks.
//! The first layer sits on the UDP socket only: over TCP and TLS rsipstack frames and parses
//! the stream itself (`docs/security.md`, *Malformed SIP and the RFC 4475 torture messages*).
//! The RFC writes every message as a UDP datagram, so its verdicts are checked over UDP; over
//! TCP the same set must not crash or stall the service nor get a 5xx, and the messages handled
//! otherwise there are listed with their reasons (`TCP_DEVIATIONS`).

use crate::support::{PASSWORD, REALM, account, authorization, headers, read_challenge, status};
use sentral_engine::TelephonyEvent;
use sentral_sip::{SipEvent, SipOptions, SipService, TenantRoutes};
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;
use tokio::net::UdpSocket;

/// How long any answer may take before the service counts as stalled.
const WAIT: Duration = Duration::from_secs(5);
/// How long answers to a torture message are collected after the probe was answered: an
/// answer that comes later is not seen (so the test can miss a late answer, never invent one).
const GRACE: Duration = Duration::from_millis(300);
/// How long a TCP connection that says nothing is listened to: a message the service dropped
/// while keeping the connection open.
const TCP_QUIET: Duration = Duration::from_secs(3);
const NUMBER: &str = "+4721000001";

/// What RFC 4475 says a receiving element does with a message.
#[derive(Clone, Copy, Debug)]
enum Rfc {
    /// Well-formed (3.1.1, 3.3, 3.4): handled, never answered with a 5xx.
    Valid,
    /// Well-formed with a method we do not implement: 501 (RFC 3261 §8.2.1).
    UnknownMethod,
    /// Malformed (3.1.2, 3.2): 400 or dropped.
    Invalid,
    /// A request of a SIP version other than 2.0: 505 (RFC 3261 §21.5.6).
    OtherVersion,
    /// A response with no transaction of ours: never answered.
    Response,
}

/// Every message of RFC 4475 section 3: file name, section, what the RFC asks, and for a
/// message answered 400 what the reason phrase says was wrong (`Bad Request (...)`). An invalid
/// message without one is dropped: the SIP library cannot read it or key a transaction on it.
const MESSAGES: &[(&str, &str, Rfc, Option<&str>)] = &[
    // 3.1.1 Valid messages.
    ("wsinv", "3.1.1.1", Rfc::Valid, None),
    ("intmeth", "3.1.1.2", Rfc::UnknownMethod, None),
    ("esc01", "3.1.1.3", Rfc::Valid, None),
    ("escnull", "3.1.1.4", Rfc::Valid, None),
    ("esc02", "3.1.1.5", Rfc::UnknownMethod, None),
    ("lwsdisp", "3.1.1.6", Rfc::Valid, None),
    ("longreq", "3.1.1.7", Rfc::Valid, None),
    ("dblreq", "3.1.1.8", Rfc::Valid, None),
    ("semiuri", "3.1.1.9", Rfc::Valid, None),
    ("transports", "3.1.1.10", Rfc::Valid, None),
    ("mpart01", "3.1.1.11", Rfc::UnknownMethod, None),
    ("unreason", "3.1.1.12", Rfc::Response, None),
    ("noreason", "3.1.1.13", Rfc::Response, None),
    // 3.1.2 Invalid messages.
    (
        "badinv01",
        "3.1.2.1",
        Rfc::Invalid,
        Some("an empty parameter in Via"),
    ),
    (
        "clerr",
        "3.1.2.2",
        Rfc::Invalid,
        Some("Content-Length is longer than the body"),
    ),
    (
        "ncl",
        "3.1.2.3",
        Rfc::Invalid,
        Some("Content-Length is not a number"),
    ),
    ("scalar02", "3.1.2.4", Rfc::Invalid, None),
    ("scalarlg", "3.1.2.5", Rfc::Response, None),
    (
        "quotbal",
        "3.1.2.6",
        Rfc::Invalid,
        Some("an unterminated quoted string in To"),
    ),
    (
        "ltgtruri",
        "3.1.2.7",
        Rfc::Invalid,
        Some("Request-URI in angle brackets"),
    ),
    ("lwsruri", "3.1.2.8", Rfc::Invalid, None),
    ("lwsstart", "3.1.2.9", Rfc::Invalid, None),
    (
        "trws",
        "3.1.2.10",
        Rfc::Invalid,
        Some("white space after the SIP version"),
    ),
    (
        "escruri",
        "3.1.2.11",
        Rfc::Invalid,
        Some("headers in the Request-URI"),
    ),
    (
        "baddate",
        "3.1.2.12",
        Rfc::Invalid,
        Some("Date is not an RFC 1123 date in GMT"),
    ),
    (
        "regbadct",
        "3.1.2.13",
        Rfc::Invalid,
        Some("a URI with headers outside < > in Contact"),
    ),
    (
        "badaspec",
        "3.1.2.14",
        Rfc::Invalid,
        Some("white space inside < > in To"),
    ),
    ("baddn", "3.1.2.15", Rfc::Invalid, None),
    ("badvers", "3.1.2.16", Rfc::OtherVersion, None),
    (
        "mismatch01",
        "3.1.2.17",
        Rfc::Invalid,
        Some("CSeq method is not the request's"),
    ),
    (
        "mismatch02",
        "3.1.2.18",
        Rfc::Invalid,
        Some("CSeq method is not the request's"),
    ),
    ("bigcode", "3.1.2.19", Rfc::Response, None),
    // 3.2 Transaction layer semantics.
    ("badbranch", "3.2.1", Rfc::Valid, None),
    // 3.3 Application layer semantics: well-formed, refused or accepted by the application.
    ("insuf", "3.3.1", Rfc::Invalid, None),
    ("unkscm", "3.3.2", Rfc::Valid, None),
    ("novelsc", "3.3.3", Rfc::Valid, None),
    ("unksm2", "3.3.4", Rfc::Valid, Some("no user in the To URI")),
    ("bext01", "3.3.5", Rfc::Valid, None),
    ("invut", "3.3.6", Rfc::Valid, None),
    ("regaut01", "3.3.7", Rfc::Valid, None),
    ("multi01", "3.3.8", Rfc::Invalid, Some("more than one To")),
    (
        "mcl01",
        "3.3.9",
        Rfc::Invalid,
        Some("more than one Content-Length"),
    ),
    ("bcast", "3.3.10", Rfc::Response, None),
    ("zeromf", "3.3.11", Rfc::Valid, None),
    ("cparam01", "3.3.12", Rfc::Valid, None),
    ("cparam02", "3.3.13", Rfc::Valid, None),
    ("regescrt", "3.3.14", Rfc::Valid, None),
    ("sdp01", "3.3.15", Rfc::Valid, None),
    // 3.4 Backward compatibility.
    ("inv2543", "3.4.1", Rfc::Valid, None),
];

#[tokio::test]
async fn issue26_rfc4475_torture_messages_are_answered_as_the_rfc_says_and_nothing_stalls() {
    let (service, mut events) = start().await;
    let server = service.local_addr();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/rfc4475");
    let on_disk = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(
        on_disk,
        MESSAGES.len() + 1,
        "one file per message, and the README"
    );

    // Every message from its own socket at once; each task returns what it saw.
    let mut tasks = Vec::new();
    for &(name, section, rfc, why) in MESSAGES {
        let bytes = std::fs::read(dir.join(format!("{name}.dat"))).expect(name);
        tasks.push(tokio::spawn(async move {
            let answers = send_and_probe(server, &bytes, name).await;
            (name, section, rfc, why, answers)
        }));
    }
    let mut wrong = Vec::new();
    for task in tasks {
        let (name, section, rfc, why, answers) = task.await.expect("no task panics");
        let answer = answers.first().map(|(code, _)| *code);
        let expected = match rfc {
            Rfc::Valid => answer.is_some_and(|code| !(500..600).contains(&code)),
            Rfc::UnknownMethod => answer == Some(501),
            Rfc::Invalid => answer.is_none_or(|code| code == 400),
            Rfc::OtherVersion => answer == Some(505),
            Rfc::Response => answer.is_none(),
        };
        // Never a 5xx but 501 for a method we do not implement and 505 for another version.
        let no_5xx = answers
            .iter()
            .all(|&(code, _)| !(500..600).contains(&code) || code == 501 || code == 505);
        // A 400 says what was wrong, and an invalid message is answered 400 whenever it can be.
        let said_why = match (why, rfc) {
            (Some(why), _) => answers == [(400, format!("Bad Request ({why})"))],
            (None, Rfc::Invalid) => answers.is_empty(),
            (None, _) => answers.iter().all(|(code, _)| *code != 400),
        };
        if !expected || !no_5xx || !said_why {
            wrong.push(format!(
                "{name} (RFC 4475 {section}, {rfc:?}): answered {answers:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // Right after the whole set, a phone registers and a trunk's INVITE arrives.
    register_with_digest(server).await;
    invite_from_trunk(server, &mut events).await;
    service.shutdown().await;
}

/// RFC 4475 3.4.1 (`inv2543`): an RFC 2543 INVITE has no `From` tag, and RFC 3261 §8.2.6.2
/// says a response's `From` equals the request's. The tag `datagram::prepare` gives it so that
/// rsipstack can key its transaction must not come back: the answer carries the caller's own
/// `From`, byte for byte, and a `To` tag of ours.
#[tokio::test]
async fn issue26_rfc4475_3_4_1_an_rfc2543_invite_is_answered_with_its_own_from() {
    let (service, _events) = start().await;
    let server = service.local_addr();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/rfc4475/inv2543.dat");
    let request = String::from_utf8(std::fs::read(path).unwrap()).unwrap();
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let answer = exchange(&socket, server, &request).await;
    assert_eq!(status(&answer), 404, "no entry point has UserB: {answer}");
    assert_eq!(
        headers(&answer, "From"),
        ["<sip:+13035551111@ift.client.example.net;user=phone>"],
        "{answer}"
    );
    assert!(headers(&answer, "To")[0].contains(";tag="), "{answer}");
    service.shutdown().await;
}

/// A service with the demo's extensions that takes calls to [`NUMBER`] from 127.0.0.1.
async fn start() -> (SipService, tokio::sync::mpsc::Receiver<SipEvent>) {
    SipService::start(SipOptions {
        accounts: vec![(
            "demo".into(),
            (1001..=1006)
                .map(|n| account("demo", REALM, &n.to_string(), PASSWORD))
                .collect(),
        )],
        routes: vec![(
            "demo".into(),
            TenantRoutes {
                numbers: vec![NUMBER.into()],
                trunk_peers: vec!["127.0.0.1".parse().unwrap()],
                ..TenantRoutes::default()
            },
        )],
        ..SipOptions::at("127.0.0.1:0".parse().unwrap())
    })
    .await
    .expect("the SIP service starts")
}

/// Sends `bytes` from a new socket, then an OPTIONS probe from the same socket; returns the
/// status and reason phrase of every final answer that is not the probe's, in arrival order.
/// Panics when the probe is not answered: the service stalled.
async fn send_and_probe(server: SocketAddr, bytes: &[u8], name: &str) -> Vec<(u16, String)> {
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let me = socket.local_addr().unwrap();
    socket.send_to(bytes, server).await.unwrap();
    let probe_id = format!("probe-{name}");
    let probe = format!(
        "OPTIONS sip:{server} SIP/2.0\r\n\
         Via: SIP/2.0/UDP {me};branch=z9hG4bK-{probe_id};rport\r\n\
         From: <sip:probe@{me}>;tag=p\r\n\
         To: <sip:{server}>\r\n\
         Call-ID: {probe_id}\r\n\
         CSeq: 1 OPTIONS\r\n\
         Max-Forwards: 70\r\n\
         Content-Length: 0\r\n\r\n"
    );
    socket.send_to(probe.as_bytes(), server).await.unwrap();
    let mut answers = Vec::new();
    let mut buffer = vec![0u8; 65_536];
    let mut probed = false;
    let mut deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let received = tokio::time::timeout_at(deadline, socket.recv_from(&mut buffer)).await;
        let Ok(received) = received else {
            assert!(
                probed,
                "{name}: the probe was not answered; the service stalled"
            );
            return answers;
        };
        let (n, _) = received.unwrap();
        let text = String::from_utf8_lossy(&buffer[..n]).into_owned();
        let Some(code) = text.get(8..11).and_then(|code| code.parse::<u16>().ok()) else {
            continue;
        };
        if code < 200 {
            continue;
        }
        if headers(&text, "Call-ID") == [probe_id.as_str()] {
            assert_eq!(code, 200, "{name}: the probe got {text}");
            probed = true;
            deadline = tokio::time::Instant::now() + GRACE;
        } else {
            let status_line = text.lines().next().unwrap_or_default();
            answers.push((code, status_line.get(12..).unwrap_or_default().to_owned()));
        }
    }
}

/// REGISTER for the demo's extension 1001, the challenge, the answer: 200.
async fn register_with_digest(server: SocketAddr) {
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let me = socket.local_addr().unwrap();
    let register = |cseq: u32, auth: &str| {
        format!(
            "REGISTER sip:127.0.0.1 SIP/2.0\r\n\
             Via: SIP/2.0/UDP {me};branch=z9hG4bK-after-torture-{cseq};rport\r\n\
             From: <sip:1001@127.0.0.1>;tag=r\r\n\
             To: <sip:1001@127.0.0.1>\r\n\
             Call-ID: after-torture-register\r\n\
             CSeq: {cseq} REGISTER\r\n\
             Contact: <sip:1001@{me}>\r\n\
             Expires: 60\r\n\
             Max-Forwards: 70\r\n\
             {auth}Content-Length: 0\r\n\r\n"
        )
    };
    let challenge = exchange(&socket, server, &register(1, "")).await;
    assert_eq!(status(&challenge), 401, "{challenge}");
    let offered = read_challenge(headers(&challenge, "WWW-Authenticate")[0]);
    let answer = authorization(&offered, "1001", "demo", "sip:127.0.0.1", 1);
    let ok = exchange(
        &socket,
        server,
        &register(2, &format!("Authorization: {answer}\r\n")),
    )
    .await;
    assert_eq!(status(&ok), 200, "{ok}");
}

/// An INVITE from the trunk for [`NUMBER`] becomes `CallArrived`.
async fn invite_from_trunk(server: SocketAddr, events: &mut tokio::sync::mpsc::Receiver<SipEvent>) {
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let me = socket.local_addr().unwrap();
    let sdp = format!(
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=audio {} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n",
        me.port() + 2
    );
    let invite = format!(
        "INVITE sip:{NUMBER}@{server} SIP/2.0\r\n\
         Via: SIP/2.0/UDP {me};branch=z9hG4bK-after-torture-invite;rport\r\n\
         From: <sip:4790000000@127.0.0.1>;tag=c\r\n\
         To: <sip:{NUMBER}@{server}>\r\n\
         Call-ID: after-torture-invite\r\n\
         CSeq: 1 INVITE\r\n\
         Contact: <sip:4790000000@{me}>\r\n\
         Max-Forwards: 70\r\n\
         Content-Type: application/sdp\r\n\
         Content-Length: {}\r\n\r\n{sdp}",
        sdp.len()
    );
    socket.send_to(invite.as_bytes(), server).await.unwrap();
    let arrived = tokio::time::timeout(WAIT, async {
        loop {
            match events.recv().await.expect("the service runs") {
                SipEvent::Telephony {
                    event: TelephonyEvent::CallArrived { .. },
                    ..
                } => return,
                _ => continue,
            }
        }
    })
    .await;
    assert!(arrived.is_ok(), "the trunk's INVITE did not arrive");
}

/// Sends `request` and returns the next final response.
async fn exchange(socket: &UdpSocket, server: SocketAddr, request: &str) -> String {
    socket.send_to(request.as_bytes(), server).await.unwrap();
    let mut buffer = vec![0u8; 65_536];
    tokio::time::timeout(WAIT, async {
        loop {
            let (n, _) = socket.recv_from(&mut buffer).await.unwrap();
            let text = String::from_utf8_lossy(&buffer[..n]).into_owned();
            if text.starts_with("SIP/2.0 ") && !text.starts_with("SIP/2.0 1") {
                return text;
            }
        }
    })
    .await
    .expect("a final response in time")
}

/// Over TCP, rsipstack frames and parses the stream itself (our `datagram` layer sits on the UDP
/// socket only, and the library takes a concrete `TcpStream` or TLS stream, so nothing of ours
/// can stand between the socket and its framing without patching it). These messages are
/// therefore handled otherwise than over UDP, each for the reason given. RFC 4475 writes every
/// message as a UDP datagram (each `Via` says `SIP/2.0/UDP`; `clerr`, `dblreq` and `inv2543`
/// only mean what the RFC says of them as datagrams), so the RFC's verdicts are the UDP test's.
const TCP_DEVIATIONS: &[(&str, &str)] = &[
    (
        "wsinv",
        "the parser cannot read its white space and the connection is closed",
    ),
    (
        "intmeth",
        "the parser cannot read its method and the connection is closed",
    ),
    (
        "esc02",
        "the parser cannot read its method and the connection is closed",
    ),
    (
        "dblreq",
        "the second request in the body is framed as a message of its own and cannot be read",
    ),
    (
        "ltgtruri",
        "the parser reads the Request-URI as if it had no angle brackets",
    ),
    (
        "trws",
        "the parser reads the Request-Line as if it had no white space at its end",
    ),
    (
        "badvers",
        "the parser cannot read SIP/7.0 and the connection is closed",
    ),
    (
        "inv2543",
        "without a From tag the library keys no transaction and drops it",
    ),
];

/// Issue 26 over TCP: the same 49 messages, each on a TCP connection of its own. None crashes or
/// stalls the service (an OPTIONS on a new connection is answered after each), none gets a 5xx
/// but 501 and 505, a response is never answered, an invalid message is never accepted (2xx)
/// except the two the library reads as valid, and every message is handled as the RFC says over
/// UDP except exactly [`TCP_DEVIATIONS`], so a change of the library either way is noticed.
#[tokio::test]
async fn issue26_rfc4475_torture_messages_over_tcp_never_crash_or_stall_the_service() {
    let (service, mut events) = start().await;
    let server = service.local_addr();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/rfc4475");
    let mut tasks = Vec::new();
    for &(name, section, rfc, why) in MESSAGES {
        let bytes = std::fs::read(dir.join(format!("{name}.dat"))).expect(name);
        tasks.push(tokio::spawn(async move {
            let answers = send_over_tcp_and_probe(server, &bytes, name).await;
            (name, section, rfc, why, answers)
        }));
    }
    let mut wrong = Vec::new();
    let mut deviating = Vec::new();
    for task in tasks {
        let (name, section, rfc, why, answers) = task.await.expect("no task panics");
        let codes: Vec<u16> = answers.iter().map(|(code, _)| *code).collect();
        let answer = codes.first().copied();
        let as_over_udp = match rfc {
            Rfc::Valid => answer.is_some_and(|code| !(500..600).contains(&code)),
            Rfc::UnknownMethod => answer == Some(501),
            Rfc::Invalid => answer.is_none_or(|code| code == 400),
            Rfc::OtherVersion => answer == Some(505),
            Rfc::Response => answer.is_none(),
        };
        if !as_over_udp {
            deviating.push(name);
        }
        let no_5xx = codes
            .iter()
            .all(|&code| !(500..600).contains(&code) || code == 501 || code == 505);
        let response_unanswered = !matches!(rfc, Rfc::Response) || codes.is_empty();
        let invalid_not_accepted = !matches!(rfc, Rfc::Invalid)
            || ["ltgtruri", "trws"].contains(&name)
            || codes.iter().all(|code| !(200..300).contains(code));
        // A 400 says what was wrong, as over UDP.
        let said_why = answers.iter().all(|(code, reason)| {
            *code != 400 || why.is_some_and(|why| *reason == format!("Bad Request ({why})"))
        });
        if !no_5xx || !response_unanswered || !invalid_not_accepted || !said_why {
            wrong.push(format!(
                "{name} (RFC 4475 {section}, {rfc:?}) over TCP: answered {answers:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    let expected: Vec<&str> = TCP_DEVIATIONS.iter().map(|(name, _)| *name).collect();
    deviating.sort_unstable();
    let mut expected_sorted = expected.clone();
    expected_sorted.sort_unstable();
    assert_eq!(
        deviating, expected_sorted,
        "the messages handled otherwise over TCP than over UDP changed: update TCP_DEVIATIONS and docs/security.md"
    );

    register_with_digest(server).await;
    invite_from_trunk(server, &mut events).await;
    service.shutdown().await;
}

/// Sends `bytes` on a new TCP connection and collects the status and reason of every final
/// answer on it until it closes or goes quiet; then an OPTIONS probe on another new connection
/// must be answered 200 (panics otherwise: the service stalled).
async fn send_over_tcp_and_probe(
    server: SocketAddr,
    bytes: &[u8],
    name: &str,
) -> Vec<(u16, String)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(server).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    let mut received = Vec::new();
    let mut buffer = vec![0u8; 65_536];
    // Until the connection closes, or [`TCP_QUIET`] passes with no final answer, or [`GRACE`]
    // after the last one (all connections wait at once, so the test waits this only once).
    let mut quiet = tokio::time::Instant::now() + TCP_QUIET;
    while let Ok(Ok(n)) = tokio::time::timeout_at(quiet, stream.read(&mut buffer)).await {
        if n == 0 {
            break;
        }
        received.extend_from_slice(&buffer[..n]);
        if received
            .windows(10)
            .any(|w| w.starts_with(b"SIP/2.0 ") && w[8] != b'1')
        {
            quiet = tokio::time::Instant::now() + GRACE;
        }
    }
    let text = String::from_utf8_lossy(&received);
    let answers = text
        .split("\r\n")
        .filter_map(|line| {
            let status = line.strip_prefix("SIP/2.0 ")?;
            let code = status.get(..3)?.parse::<u16>().ok()?;
            (code >= 200).then(|| (code, status.get(4..).unwrap_or_default().to_owned()))
        })
        .collect();

    let mut probe_stream = tokio::net::TcpStream::connect(server).await.unwrap();
    let me = probe_stream.local_addr().unwrap();
    let probe_id = format!("tcp-probe-{name}");
    let probe = format!(
        "OPTIONS sip:{server} SIP/2.0\r\n\
         Via: SIP/2.0/TCP {me};branch=z9hG4bK-{probe_id}\r\n\
         From: <sip:probe@{me}>;tag=p\r\n\
         To: <sip:{server}>\r\n\
         Call-ID: {probe_id}\r\n\
         CSeq: 1 OPTIONS\r\n\
         Max-Forwards: 70\r\n\
         Content-Length: 0\r\n\r\n"
    );
    probe_stream.write_all(probe.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let answered = tokio::time::timeout(WAIT, async {
        while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = probe_stream.read(&mut buffer).await.unwrap();
            assert!(n > 0, "{name}: the probe's connection closed unanswered");
            answer.extend_from_slice(&buffer[..n]);
        }
    })
    .await;
    assert!(
        answered.is_ok(),
        "{name}: the probe was not answered; the service stalled"
    );
    assert!(
        answer.starts_with(b"SIP/2.0 200"),
        "{name}: the probe got {}",
        String::from_utf8_lossy(&answer)
    );
    answers
}
