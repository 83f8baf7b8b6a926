//! Password guessing against the registrar over real UDP (issue 14, "REGISTER brute force"):
//! wrong answers lock the guessing address out for that extension, a wrong answer uses up its
//! nonce, a phone at another address still registers, and each refusal is logged as one line
//! that the shipped fail2ban filter (`docs/fail2ban/filter.d/sentral.conf`) matches.
//! The registrar's own tests (`registrar.rs`) prove the growing lockout with a fake clock.

use crate::support::{Challenge, authorization, demo_service, headers, read_challenge, status};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::UdpSocket;

#[tokio::test]
async fn register_brute_force_locks_the_address_out_and_the_phone_elsewhere_registers() {
    // Goal: five wrong answers from one address lock it out for that extension: its next
    // REGISTER gets 403 without a challenge, and the right password on a nonce fetched before
    // is refused too. A phone at another address (127.0.0.2) registers at the same time. Each
    // lockout refusal is logged as a line the fail2ban filter matches with the guesser's address.
    let lines = Lines::default();
    let _logs = tracing::subscriber::set_default(lines.clone());
    let (service, _events) = demo_service().await;
    let mut guesser = Client::bind("127.0.0.1:0", service.local_addr()).await;
    let early = guesser.challenge().await;
    for n in 1..=5 {
        let challenge = guesser.challenge().await;
        let refused = guesser.answer(&challenge, "123456", 1).await;
        assert_eq!(status(&refused), 403, "guess {n}: {refused}");
    }
    let refused = guesser.request(None).await;
    assert_eq!(
        status(&refused),
        403,
        "no challenge while locked out: {refused}"
    );
    let refused = guesser.answer(&early, "demo", 1).await;
    assert_eq!(
        status(&refused),
        403,
        "the right password, locked out: {refused}"
    );
    assert!(service.bindings("sentral", "1001").await.is_empty());

    let mut phone = Client::bind("127.0.0.2:0", service.local_addr()).await;
    let challenge = phone.challenge().await;
    let ok = phone.answer(&challenge, "demo", 1).await;
    assert_eq!(status(&ok), 200, "{ok}");
    let bindings = service.bindings("sentral", "1001").await;
    assert_eq!(bindings.len(), 1);
    assert_eq!(bindings[0].source, phone.local());
    service.shutdown().await;

    // Only the lockout lines are asserted here: tracing caches whether a log call site is
    // wanted when it is first reached, and the wrong-credentials call site is also reached by
    // other tests on other threads, which can race with this thread's subscriber. Its line is
    // proven in `registrar.rs` (`register_brute_force_refusals_are_logged_…`).
    let lines = lines.take();
    let filter = Filter::shipped();
    let banned: Vec<IpAddr> = lines.iter().filter_map(|line| filter.host(line)).collect();
    assert_eq!(
        banned,
        ["127.0.0.1".parse::<IpAddr>().unwrap(); 3],
        "the fifth guess and the two refusals after it:\n{}",
        lines.join("\n")
    );
}

#[tokio::test]
async fn register_brute_force_a_wrong_answer_uses_up_its_nonce_on_the_wire() {
    // Goal: one guess per challenge. After one wrong answer the right password on the same
    // nonce (next nonce count) gets a new stale challenge, not 200; the new nonce then works.
    let (service, _events) = demo_service().await;
    let mut client = Client::bind("127.0.0.1:0", service.local_addr()).await;
    let challenge = client.challenge().await;
    let refused = client.answer(&challenge, "wrong", 1).await;
    assert_eq!(status(&refused), 403, "{refused}");
    let again = client.answer(&challenge, "demo", 2).await;
    assert_eq!(status(&again), 401, "{again}");
    let fresh = read_challenge(headers(&again, "WWW-Authenticate")[0]);
    assert!(fresh.stale, "{again}");
    assert_ne!(fresh.nonce, challenge.nonce);
    let ok = client.answer(&fresh, "demo", 1).await;
    assert_eq!(status(&ok), 200, "{ok}");
    service.shutdown().await;
}

#[test]
fn register_brute_force_the_filter_takes_the_address_before_the_quoted_extension() {
    // Goal: the filter's address is the source, never text a caller put in its To user; and it
    // matches the line with the colours tracing uses on a terminal.
    let filter = Filter::shipped();
    let forged = "2026-12-07T19:05:00.123456Z  WARN sentral_sip::driver: REGISTER refused: \
                  too many failures source=203.0.113.9 extension=\"1\\\" REGISTER refused: too \
                  many failures source=198.51.100.1 extension=\\\"\" locked_s=60";
    assert_eq!(filter.host(forged), Some("203.0.113.9".parse().unwrap()));
    let forged_wrong = "2026-12-07T19:05:00.123456Z  INFO sentral_sip::driver: REGISTER refused: \
                        wrong credentials source=203.0.113.9 extension=\"REGISTER refused: too \
                        many failures source=198.51.100.1 extension=\"";
    assert_eq!(filter.host(forged_wrong), None);
    let coloured = "\u{1b}[2m2026-12-07T19:05:00.123456Z\u{1b}[0m \u{1b}[33m WARN\u{1b}[0m \
                    \u{1b}[2msentral_sip::driver\u{1b}[0m\u{1b}[2m:\u{1b}[0m REGISTER refused: \
                    too many failures source=2001:db8::7 extension=\"1001\" locked_s=60";
    assert_eq!(filter.host(coloured), Some("2001:db8::7".parse().unwrap()));
}

/// A phone (or a guesser) of extension 1001 on one UDP socket.
struct Client {
    socket: UdpSocket,
    server: SocketAddr,
    cseq: u32,
}

impl Client {
    async fn bind(local: &str, server: SocketAddr) -> Client {
        let socket = UdpSocket::bind(local).await.expect("a loopback address");
        Client {
            socket,
            server,
            cseq: 0,
        }
    }

    fn local(&self) -> SocketAddr {
        self.socket.local_addr().unwrap()
    }

    /// REGISTER without credentials; returns the MD5 challenge of the 401.
    async fn challenge(&mut self) -> Challenge {
        let response = self.request(None).await;
        assert_eq!(status(&response), 401, "{response}");
        headers(&response, "WWW-Authenticate")
            .into_iter()
            .map(read_challenge)
            .find(|c| c.algorithm == sentral_sip::digest::Algorithm::Md5)
            .expect("an MD5 challenge")
    }

    /// REGISTER answering `challenge` with `password` and nonce count `nc`.
    async fn answer(&mut self, challenge: &Challenge, password: &str, nc: u32) -> String {
        let answer = authorization(challenge, "1001", password, "sip:127.0.0.1", nc);
        self.request(Some(&answer)).await
    }

    /// Sends a REGISTER and returns its final response.
    async fn request(&mut self, authorization: Option<&str>) -> String {
        self.cseq += 1;
        let local = self.local();
        let cseq = self.cseq;
        let auth = authorization.map_or_else(String::new, |a| format!("Authorization: {a}\r\n"));
        let message = format!(
            "REGISTER sip:127.0.0.1 SIP/2.0\r\n\
             Via: SIP/2.0/UDP {local};branch=z9hG4bK-guess-{local}-{cseq};rport\r\n\
             From: <sip:1001@127.0.0.1>;tag=t{cseq}\r\n\
             To: <sip:1001@127.0.0.1>\r\n\
             Call-ID: guess-{local}\r\n\
             CSeq: {cseq} REGISTER\r\n\
             Max-Forwards: 70\r\n\
             Contact: <sip:1001@{local}>\r\n\
             Expires: 600\r\n\
             {auth}Content-Length: 0\r\n\r\n"
        );
        self.socket
            .send_to(message.as_bytes(), self.server)
            .await
            .unwrap();
        loop {
            let mut buffer = vec![0u8; 65_536];
            let (n, _) = tokio::time::timeout(WAIT, self.socket.recv_from(&mut buffer))
                .await
                .expect("a response in time")
                .unwrap();
            let text = String::from_utf8_lossy(&buffer[..n]).into_owned();
            if !text.starts_with("SIP/2.0 1") {
                return text;
            }
        }
    }
}

/// The `failregex` of the shipped fail2ban filter, read from the file and applied exactly.
///
/// Rather than a regex engine, the test insists on the one shape the filter has,
/// `^[^"]*<literal><HOST><literal ending in ">`, and matches that shape by hand: the match
/// runs from the line's start to its first `"`, which is the `"` the pattern ends with.
struct Filter {
    before_host: String,
    after_host: String,
}

impl Filter {
    fn shipped() -> Filter {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../docs/fail2ban/filter.d/sentral.conf"
        );
        let text = std::fs::read_to_string(path).expect("the shipped filter");
        let failregexes: Vec<&str> = text
            .lines()
            .filter_map(|line| line.strip_prefix("failregex = "))
            .collect();
        assert_eq!(failregexes.len(), 1, "one failregex line in {path}");
        let rest = failregexes[0]
            .strip_prefix("^[^\"]*")
            .expect("the match stays before the quoted extension");
        let (before_host, after_host) = rest.split_once("<HOST>").expect("one <HOST>");
        for literal in [before_host, after_host] {
            assert!(
                !literal.contains([
                    '\\', '.', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '^', '$', '%', '<'
                ]),
                "only plain text around <HOST>: {literal:?}"
            );
        }
        assert_eq!(before_host.matches('"').count(), 0);
        assert!(after_host.ends_with('"') && after_host.matches('"').count() == 1);
        Filter {
            before_host: before_host.to_owned(),
            after_host: after_host.to_owned(),
        }
    }

    /// The address fail2ban would ban for `line`, if the filter matches it.
    fn host(&self, line: &str) -> Option<IpAddr> {
        let first_quote = line.find('"')?;
        let head = line[..=first_quote].strip_suffix(&self.after_host)?;
        head.match_indices(&self.before_host)
            .find_map(|(at, _)| head[at + self.before_host.len()..].parse().ok())
    }
}

/// Every event logged on this thread (the service's tasks run on it in a current-thread
/// runtime), each written as tracing-subscriber's default format writes it without colours:
/// time, level, target, message.
#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<String>>>);

impl Lines {
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut self.0.lock().unwrap())
    }
}

impl tracing::Subscriber for Lines {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }

    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}

    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}

    fn event(&self, event: &tracing::Event<'_>) {
        struct Message(String);
        impl tracing::field::Visit for Message {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                if field.name() == "message" {
                    self.0 = format!("{value:?}");
                }
            }
        }
        let metadata = event.metadata();
        if metadata.target() != "sentral_sip::driver" {
            return;
        }
        let mut message = Message(String::new());
        event.record(&mut message);
        self.0.lock().unwrap().push(format!(
            "2026-12-07T19:05:00.123456Z {:>5} {}: {}",
            metadata.level().to_string(),
            metadata.target(),
            message.0
        ));
    }

    fn enter(&self, _: &tracing::span::Id) {}

    fn exit(&self, _: &tracing::span::Id) {}
}

const WAIT: Duration = Duration::from_secs(5);
