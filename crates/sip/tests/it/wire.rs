//! The SIP service on real loopback sockets, spoken to with hand-written SIP over UDP and TCP:
//! REGISTER with SHA-256 (which SIPp cannot do) and MD5, OPTIONS keep-alives, what is not
//! handled, an INVITE from a peer that is not a trunk, garbage, and a port that is taken.

use crate::support::{Challenge, authorization, demo_service, headers, read_challenge, status};
use sentral_sip::digest::Algorithm;
use sentral_sip::{Event, SipEvent, SipOptions, SipService};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio::sync::mpsc;

const WAIT: Duration = Duration::from_secs(5);

/// A SIP client on one UDP socket or one TCP connection.
enum Client {
    Udp(UdpSocket, SocketAddr),
    Tcp(TcpStream),
}

impl Client {
    async fn udp(server: SocketAddr) -> Client {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        Client::Udp(socket, server)
    }

    async fn tcp(server: SocketAddr) -> Client {
        Client::Tcp(TcpStream::connect(server).await.unwrap())
    }

    fn local(&self) -> SocketAddr {
        match self {
            Client::Udp(socket, _) => socket.local_addr().unwrap(),
            Client::Tcp(stream) => stream.local_addr().unwrap(),
        }
    }

    fn transport(&self) -> &'static str {
        match self {
            Client::Udp(..) => "UDP",
            Client::Tcp(_) => "TCP",
        }
    }

    async fn send(&mut self, message: &str) {
        match self {
            Client::Udp(socket, server) => {
                socket.send_to(message.as_bytes(), *server).await.unwrap();
            }
            Client::Tcp(stream) => stream.write_all(message.as_bytes()).await.unwrap(),
        }
    }

    /// The next final response (provisional ones are skipped).
    async fn response(&mut self) -> String {
        loop {
            let text = tokio::time::timeout(WAIT, self.read_message())
                .await
                .expect("a response in time");
            if !text.starts_with("SIP/2.0 1") {
                return text;
            }
        }
    }

    async fn read_message(&mut self) -> String {
        match self {
            Client::Udp(socket, _) => {
                let mut buffer = vec![0u8; 65_536];
                let (n, _) = socket.recv_from(&mut buffer).await.unwrap();
                String::from_utf8_lossy(&buffer[..n]).into_owned()
            }
            Client::Tcp(stream) => {
                // Responses here have no body: read up to the blank line.
                let mut bytes = Vec::new();
                let mut byte = [0u8; 1];
                while !bytes.ends_with(b"\r\n\r\n") {
                    stream.read_exact(&mut byte).await.unwrap();
                    bytes.push(byte[0]);
                }
                String::from_utf8_lossy(&bytes).into_owned()
            }
        }
    }

    async fn request(&mut self, message: &str) -> String {
        self.send(message).await;
        self.response().await
    }
}

fn request(client: &Client, method: &str, cseq: u32, call_id: &str, extra: &str) -> String {
    let local = client.local();
    format!(
        "{method} sip:127.0.0.1 SIP/2.0\r\n\
         Via: SIP/2.0/{} {local};branch=z9hG4bK-{call_id}-{cseq};rport\r\n\
         From: <sip:1001@127.0.0.1>;tag=t{cseq}\r\n\
         To: <sip:1001@127.0.0.1>\r\n\
         Call-ID: {call_id}\r\n\
         CSeq: {cseq} {method}\r\n\
         Max-Forwards: 70\r\n\
         {extra}Content-Length: 0\r\n\r\n",
        client.transport()
    )
}

fn register(client: &Client, cseq: u32, expires: u32, authorization: Option<&str>) -> String {
    let contact = format!("sip:1001@{}", client.local());
    let auth = authorization.map_or_else(String::new, |a| format!("Authorization: {a}\r\n"));
    request(
        client,
        "REGISTER",
        cseq,
        "wire-register",
        &format!("Contact: <{contact}>\r\nExpires: {expires}\r\n{auth}"),
    )
}

async fn next_event(events: &mut mpsc::Receiver<SipEvent>) -> Event {
    match tokio::time::timeout(WAIT, events.recv())
        .await
        .expect("an event in time")
        .expect("the service runs")
    {
        SipEvent::Registration(event) => event,
        other => panic!("a registration event, not {other:?}"),
    }
}

/// REGISTER, 401, REGISTER with an answer for `algorithm`; returns the final response.
async fn register_with(
    client: &mut Client,
    algorithm: Algorithm,
    cseq: u32,
    expires: u32,
) -> String {
    let challenge = client.request(&register(client, cseq, expires, None)).await;
    assert_eq!(status(&challenge), 401, "{challenge}");
    let offered: Vec<Challenge> = headers(&challenge, "WWW-Authenticate")
        .into_iter()
        .map(read_challenge)
        .collect();
    assert_eq!(
        offered.iter().map(|c| c.algorithm).collect::<Vec<_>>(),
        [Algorithm::Md5, Algorithm::Sha256],
        "{challenge}"
    );
    let chosen = offered.iter().find(|c| c.algorithm == algorithm).unwrap();
    let answer = authorization(chosen, "1001", "demo", "sip:127.0.0.1", 1);
    client
        .request(&register(client, cseq + 1, expires, Some(&answer)))
        .await
}

#[tokio::test]
async fn r3_a_phone_registers_with_sha256_over_udp_and_unregisters() {
    let (service, mut events) = demo_service().await;
    let mut client = Client::udp(service.local_addr()).await;
    let ok = register_with(&mut client, Algorithm::Sha256, 1, 600).await;
    assert_eq!(status(&ok), 200, "{ok}");
    assert_eq!(
        headers(&ok, "Contact"),
        [format!("<sip:1001@{}>;expires=600", client.local())]
    );
    assert_eq!(headers(&ok, "Expires"), ["600"]);
    assert_eq!(
        next_event(&mut events).await,
        Event::Registered {
            tenant: "demo".into(),
            extension: "1001".into()
        }
    );
    let bindings = service.bindings("sentral", "1001").await;
    assert_eq!(bindings.len(), 1);
    assert_eq!(bindings[0].source, client.local());

    let gone = register_with(&mut client, Algorithm::Sha256, 3, 0).await;
    assert_eq!(status(&gone), 200, "{gone}");
    assert_eq!(
        next_event(&mut events).await,
        Event::Unregistered {
            tenant: "demo".into(),
            extension: "1001".into()
        }
    );
    service.shutdown().await;
}

#[tokio::test]
async fn a_phone_registers_with_md5_over_tcp() {
    let (service, mut events) = demo_service().await;
    let mut client = Client::tcp(service.local_addr()).await;
    let ok = register_with(&mut client, Algorithm::Md5, 1, 3600).await;
    assert_eq!(status(&ok), 200, "{ok}");
    assert!(matches!(
        next_event(&mut events).await,
        Event::Registered { .. }
    ));
    let bindings = service.bindings("sentral", "1001").await;
    assert_eq!(bindings[0].transport, sentral_sip::Transport::Tcp);
    service.shutdown().await;
}

#[tokio::test]
async fn a_wrong_password_gets_403_on_the_wire() {
    let (service, _events) = demo_service().await;
    let mut client = Client::udp(service.local_addr()).await;
    let challenge = client.request(&register(&client, 1, 3600, None)).await;
    let offered = read_challenge(headers(&challenge, "WWW-Authenticate")[1]);
    let answer = authorization(&offered, "1001", "wrong", "sip:127.0.0.1", 1);
    let refused = client
        .request(&register(&client, 2, 3600, Some(&answer)))
        .await;
    assert_eq!(status(&refused), 403, "{refused}");
    assert!(service.bindings("sentral", "1001").await.is_empty());
    service.shutdown().await;
}

#[tokio::test]
async fn options_keep_alives_get_200_over_udp_and_tcp() {
    let (service, _events) = demo_service().await;
    for mut client in [
        Client::udp(service.local_addr()).await,
        Client::tcp(service.local_addr()).await,
    ] {
        let ok = client
            .request(&request(&client, "OPTIONS", 1, "ping", ""))
            .await;
        assert_eq!(status(&ok), 200, "{ok}");
        assert_eq!(headers(&ok, "Call-ID"), ["ping"]);
    }
    service.shutdown().await;
}

#[tokio::test]
async fn an_invite_from_an_unknown_peer_gets_403_and_methods_not_handled_get_501() {
    let (service, _events) = demo_service().await;
    let mut client = Client::udp(service.local_addr()).await;
    let invite = client
        .request(&request(
            &client,
            "INVITE",
            1,
            "call",
            "Contact: <sip:1001@127.0.0.1>\r\n",
        ))
        .await;
    // No organisation accepts calls from this address (no trunk routes at all).
    assert_eq!(status(&invite), 403, "{invite}");
    let subscribe = client
        .request(&request(
            &client,
            "SUBSCRIBE",
            1,
            "sub",
            "Event: presence\r\n",
        ))
        .await;
    assert_eq!(status(&subscribe), 501, "{subscribe}");
    service.shutdown().await;
}

#[tokio::test]
async fn garbage_and_broken_registers_do_not_stop_the_service() {
    let (service, _events) = demo_service().await;
    let mut client = Client::udp(service.local_addr()).await;
    client.send("\u{0}\u{1}garbage\r\n\r\n").await;
    client.send("REGISTER sip:x SIP/2.0\r\n\r\n").await;
    // A REGISTER whose Expires is not a number is a bad request.
    let bad = client
        .request(&register(&client, 1, 60, None).replace("Expires: 60", "Expires: soon"))
        .await;
    assert_eq!(status(&bad), 400, "{bad}");
    let ok = client
        .request(&request(&client, "OPTIONS", 9, "still-there", ""))
        .await;
    assert_eq!(status(&ok), 200, "{ok}");
    service.shutdown().await;
}

#[tokio::test]
async fn a_taken_port_stops_start_up_with_a_message_naming_the_address() {
    let taken = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = taken.local_addr().unwrap();
    let error = SipService::start(SipOptions::at(addr))
        .await
        .err()
        .expect("the port is taken");
    let message = error.to_string();
    assert!(message.contains(&addr.to_string()), "{message}");
    assert!(
        message.starts_with("cannot listen for SIP (UDP)"),
        "{message}"
    );

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let error = SipService::start(SipOptions::at(addr))
        .await
        .err()
        .expect("the TCP port is taken");
    assert!(
        error
            .to_string()
            .starts_with(&format!("cannot listen for SIP (TCP) on {addr}")),
        "{error}"
    );
}
