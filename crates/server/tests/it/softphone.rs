//! A small SIP user agent for end-to-end tests: plain SIP text over UDP and real G.711 RTP on
//! loopback, so a test can say exactly what a customer or an agent's phone does (answer, ring
//! without answering, refuse with 486, put the call on hold) and measure what it hears.
//!
//! It is deliberately simple: one dialog at a time per phone, no retransmissions of its own
//! (loopback does not lose datagrams), and duplicates of the server's retransmissions are
//! skipped by the helpers that wait for a message. SIPp and baresip tests prove that real
//! peers interoperate; this one proves the details.

use sentral_media::G711;
use sentral_sip::Algorithm;
use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::UdpSocket;

/// How long a phone waits for a message it expects.
pub const SIP_WAIT: Duration = Duration::from_secs(10);

/// A SIP message as text: start line, headers, body.
#[derive(Clone, Debug)]
pub struct Message {
    /// `INVITE sip:… SIP/2.0` or `SIP/2.0 200 OK`.
    pub start: String,
    /// Headers in order, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: String,
    /// Where it came from.
    pub from: SocketAddr,
}

impl Message {
    fn parse(bytes: &[u8], from: SocketAddr) -> Option<Message> {
        let text = std::str::from_utf8(bytes).ok()?;
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((text, ""));
        let mut lines = head.split("\r\n");
        let start = lines.next()?.to_owned();
        let headers = lines
            .filter_map(|line| {
                let (name, value) = line.split_once(':')?;
                Some((name.trim().to_owned(), value.trim().to_owned()))
            })
            .collect();
        Some(Message {
            start,
            headers,
            body: body.to_owned(),
            from,
        })
    }

    /// The first header of this name (case-insensitive; compact forms of the usual ones too).
    pub fn header(&self, name: &str) -> Option<&str> {
        let compact = match name.to_ascii_lowercase().as_str() {
            "via" => "v",
            "from" => "f",
            "to" => "t",
            "call-id" => "i",
            "contact" => "m",
            "content-length" => "l",
            "content-type" => "c",
            _ => "",
        };
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name) || n.eq_ignore_ascii_case(compact))
            .map(|(_, v)| v.as_str())
    }

    /// Every header of this name.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The status of a response.
    pub fn status(&self) -> Option<u16> {
        let rest = self.start.strip_prefix("SIP/2.0 ")?;
        rest.get(..3)?.parse().ok()
    }

    /// The method of a request.
    pub fn method(&self) -> Option<&str> {
        (!self.start.starts_with("SIP/2.0")).then(|| self.start.split(' ').next().unwrap_or(""))
    }

    /// The CSeq method.
    pub fn cseq_method(&self) -> &str {
        self.header("CSeq")
            .and_then(|c| c.split_whitespace().nth(1))
            .unwrap_or("")
    }

    /// The RTP address in the SDP body.
    pub fn sdp_rtp(&self) -> Option<SocketAddr> {
        let ip: IpAddr = self
            .body
            .lines()
            .find_map(|l| l.strip_prefix("c=IN IP4 "))?
            .trim()
            .parse()
            .ok()?;
        let port: u16 = self
            .body
            .lines()
            .find_map(|l| l.strip_prefix("m=audio "))?
            .split_whitespace()
            .next()?
            .parse()
            .ok()?;
        Some(SocketAddr::new(ip, port))
    }
}

/// What a phone's RTP socket received.
#[derive(Debug, Default)]
pub struct Heard {
    /// Packets received.
    pub packets: u64,
    /// Payload types seen.
    pub payload_types: Vec<u8>,
    /// Decoded samples, in arrival order (bounded to the last minute).
    pub samples: VecDeque<i16>,
    /// Arrival time of each packet (bounded too).
    pub arrivals: VecDeque<Instant>,
    /// The SSRC, sequence number and timestamp of the last packet.
    pub last_sequence: Option<(u32, u16, u32)>,
    /// Sequence numbers skipped within one SSRC (a packet lost or never sent).
    pub n_sequence_holes: u64,
    /// Times a packet came with another SSRC than the one before it.
    pub n_ssrc_changes: u64,
    /// Packets whose timestamp is not 160 samples per sequence number after the one before
    /// and that do not carry the marker bit, which announces such a jump (RFC 3550).
    pub n_timestamp_jumps: u64,
    /// The G.711 payloads of 20 ms as received, undecoded (bounded like `samples`): µ-law
    /// 0x7F and 0xFF both decode to 0, so only these show whether audio arrived bit-exact.
    pub payloads: VecDeque<u8>,
}

/// A test phone: a SIP socket and an RTP socket on loopback.
pub struct Softphone {
    /// The user part (extension or caller number).
    pub user: String,
    sip: Arc<UdpSocket>,
    rtp: Arc<UdpSocket>,
    /// Where requests go.
    server: SocketAddr,
    /// The codec it offers or answers with.
    pub codec: G711,
    inbox: tokio::sync::Mutex<tokio::sync::mpsc::UnboundedReceiver<Message>>,
    /// What it hears.
    pub heard: Arc<Mutex<Heard>>,
    /// The tone it sends, in Hz (0: silence).
    tone: Arc<AtomicU32>,
    /// Whether it sends RTP.
    sending: Arc<AtomicBool>,
    /// Where its RTP goes.
    rtp_to: Arc<Mutex<Option<SocketAddr>>>,
    cseq: AtomicU32,
    tag: String,
}

/// One dialog as the phone sees it.
#[derive(Clone, Debug)]
pub struct Dialog {
    /// Call-ID.
    pub call_id: String,
    /// Our From (as UAC) or To (as UAS) with our tag.
    pub local: String,
    /// The other side's header with its tag.
    pub remote: String,
    /// Where in-dialog requests go.
    pub remote_target: String,
    /// The INVITE (as UAS) or its 200 (as UAC).
    pub message: Message,
}

impl Softphone {
    /// A phone on `ip` (127.0.0.1, or 127.0.0.2 for a peer the trunk list does not know)
    /// talking to the server's SIP address.
    pub async fn new(user: &str, ip: &str, server: SocketAddr, codec: G711) -> Softphone {
        let sip = Arc::new(
            UdpSocket::bind((ip, 0))
                .await
                .expect("a SIP socket on loopback"),
        );
        let rtp = Arc::new(UdpSocket::bind((ip, 0)).await.expect("an RTP socket"));
        let (inbox_tx, inbox) = tokio::sync::mpsc::unbounded_channel();
        let reader = sip.clone();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 65536];
            while let Ok((n, from)) = reader.recv_from(&mut buf).await {
                if let Some(message) = Message::parse(&buf[..n], from)
                    && inbox_tx.send(message).is_err()
                {
                    return;
                }
            }
        });
        let heard = Arc::new(Mutex::new(Heard::default()));
        let listener = rtp.clone();
        let record = heard.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 2048];
            let mut pcm = [0i16; 160];
            while let Ok((n, _)) = listener.recv_from(&mut buf).await {
                if n < 12 {
                    continue;
                }
                let pt = buf[1] & 0x7f;
                let marker = buf[1] & 0x80 != 0;
                let sequence = u16::from_be_bytes([buf[2], buf[3]]);
                let timestamp = u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]);
                let ssrc = u32::from_be_bytes([buf[8], buf[9], buf[10], buf[11]]);
                let payload = &buf[12..n];
                let mut heard = record.lock().expect("heard");
                heard.packets += 1;
                match heard.last_sequence {
                    Some((last_ssrc, ..)) if last_ssrc != ssrc => heard.n_ssrc_changes += 1,
                    Some((_, last, last_timestamp)) => {
                        let step = sequence.wrapping_sub(last);
                        // Ahead by more than one (and not a late or duplicate packet): a hole.
                        if step > 1 && step < 0x8000 {
                            heard.n_sequence_holes += u64::from(step - 1);
                        }
                        let samples = timestamp.wrapping_sub(last_timestamp);
                        if step < 0x8000 && samples != 160 * u32::from(step) && !marker {
                            heard.n_timestamp_jumps += 1;
                        }
                    }
                    None => {}
                }
                heard.last_sequence = Some((ssrc, sequence, timestamp));
                if !heard.payload_types.contains(&pt) {
                    heard.payload_types.push(pt);
                }
                heard.arrivals.push_back(Instant::now());
                if heard.arrivals.len() > 3000 {
                    heard.arrivals.pop_front();
                }
                let codec = match pt {
                    0 => Some(G711::Pcmu),
                    8 => Some(G711::Pcma),
                    _ => None,
                };
                if let Some(codec) = codec
                    && payload.len() == 160
                {
                    codec.decode(payload, &mut pcm);
                    heard.samples.extend(pcm.iter().copied());
                    while heard.samples.len() > 8000 * 60 {
                        heard.samples.pop_front();
                    }
                    heard.payloads.extend(payload.iter().copied());
                    while heard.payloads.len() > 8000 * 60 {
                        heard.payloads.pop_front();
                    }
                }
            }
        });
        let phone = Softphone {
            user: user.to_owned(),
            sip,
            rtp,
            server,
            codec,
            inbox: tokio::sync::Mutex::new(inbox),
            heard,
            tone: Arc::new(AtomicU32::new(0)),
            sending: Arc::new(AtomicBool::new(false)),
            rtp_to: Arc::new(Mutex::new(None)),
            cseq: AtomicU32::new(1),
            tag: format!("t{}", rand_u32()),
        };
        phone.start_rtp_clock();
        phone
    }

    /// Changes where requests go: a trunk's far end is bound before the server starts.
    pub fn set_server(&mut self, server: SocketAddr) {
        self.server = server;
    }

    /// Our SIP address.
    pub fn sip_addr(&self) -> SocketAddr {
        self.sip.local_addr().expect("bound")
    }

    /// Our RTP address.
    pub fn rtp_addr(&self) -> SocketAddr {
        self.rtp.local_addr().expect("bound")
    }

    /// Sends raw bytes to the server's SIP address (for malformed-message tests).
    pub async fn send_raw(&self, bytes: &[u8]) {
        self.sip.send_to(bytes, self.server).await.expect("sent");
    }

    async fn send(&self, text: String, to: SocketAddr) {
        self.sip
            .send_to(text.as_bytes(), to)
            .await
            .expect("a SIP message is sent");
    }

    /// The next message that `accept` takes; others are dropped (retransmissions, 100s).
    pub async fn wait_for(&self, what: &str, accept: impl Fn(&Message) -> bool) -> Message {
        let mut inbox = self.inbox.lock().await;
        let deadline = tokio::time::Instant::now() + SIP_WAIT;
        loop {
            match tokio::time::timeout_at(deadline, inbox.recv()).await {
                Ok(Some(message)) if accept(&message) => return message,
                Ok(Some(_)) => continue,
                Ok(None) => panic!("{}: the SIP socket closed waiting for {what}", self.user),
                Err(_) => panic!("{}: no {what} within {SIP_WAIT:?}", self.user),
            }
        }
    }

    /// Whether a message `accept` takes arrives within `within` (others are dropped).
    pub async fn gets_within(&self, within: Duration, accept: impl Fn(&Message) -> bool) -> bool {
        let mut inbox = self.inbox.lock().await;
        let deadline = tokio::time::Instant::now() + within;
        loop {
            match tokio::time::timeout_at(deadline, inbox.recv()).await {
                Ok(Some(message)) if accept(&message) => return true,
                Ok(Some(_)) => continue,
                _ => return false,
            }
        }
    }

    /// Registers as an extension, answering the digest challenge (MD5, as most phones).
    pub async fn register(&self, password: &str, expires: u32) -> u16 {
        let call_id = format!("reg-{}-{}", self.user, rand_u32());
        let uri = format!("sip:{}", self.server);
        let request = |cseq: u32, authorization: Option<String>| {
            format!(
                "REGISTER {uri} SIP/2.0\r\nVia: SIP/2.0/UDP {me};branch=z9hG4bK{b}\r\nFrom: <sip:{user}@{srv}>;tag={tag}\r\nTo: <sip:{user}@{srv}>\r\nCall-ID: {call_id}\r\nCSeq: {cseq} REGISTER\r\nContact: <sip:{user}@{me}>\r\nExpires: {expires}\r\nMax-Forwards: 70\r\n{auth}Content-Length: 0\r\n\r\n",
                me = self.sip_addr(),
                b = rand_u32(),
                user = self.user,
                srv = self.server,
                tag = self.tag,
                auth = authorization
                    .map(|a| format!("Authorization: {a}\r\n"))
                    .unwrap_or_default(),
            )
        };
        self.send(request(1, None), self.server).await;
        let challenge = self
            .wait_for("401 to REGISTER", |m| {
                m.cseq_method() == "REGISTER" && m.status().is_some_and(|s| s >= 200)
            })
            .await;
        assert_eq!(challenge.status(), Some(401), "{challenge:?}");
        let www = challenge
            .all("WWW-Authenticate")
            .into_iter()
            .find(|h| h.contains("MD5"))
            .expect("an MD5 challenge")
            .to_owned();
        let param = |name: &str| {
            www.split(',')
                .find_map(|p| {
                    let p = p.trim().trim_start_matches("Digest ").trim();
                    p.strip_prefix(&format!("{name}="))
                        .map(|v| v.trim_matches('"').to_owned())
                })
                .unwrap_or_default()
        };
        let (realm, nonce) = (param("realm"), param("nonce"));
        let ha1 = sentral_sip::digest::ha1(Algorithm::Md5, &self.user, &realm, password);
        let cnonce = format!("{:08x}", rand_u32());
        let response = sentral_sip::digest::response(
            Algorithm::Md5,
            &ha1,
            &nonce,
            "00000001",
            &cnonce,
            "auth",
            "REGISTER",
            &uri,
        );
        let authorization = format!(
            "Digest username=\"{}\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"{uri}\", response=\"{response}\", algorithm=MD5, qop=auth, nc=00000001, cnonce=\"{cnonce}\"",
            self.user
        );
        self.send(request(2, Some(authorization)), self.server)
            .await;
        let answer = self
            .wait_for("final answer to REGISTER", |m| {
                m.cseq_method() == "REGISTER"
                    && m.status().is_some_and(|s| s >= 200)
                    && m.header("CSeq").is_some_and(|c| c.starts_with('2'))
            })
            .await;
        answer.status().expect("a status")
    }

    /// Calls `dnis` at the server; returns the final response (ACKed when 2xx) and the dialog.
    pub async fn call(&self, dnis: &str) -> (u16, Option<Dialog>) {
        let (status, dialog, _) = self.invite(dnis, true).await;
        (status, dialog)
    }

    /// Like [`Softphone::call`], but a 2xx is not ACKed (a lost or late ACK).
    pub async fn call_without_ack(&self, dnis: &str) -> (u16, Option<Dialog>) {
        let (status, dialog, _) = self.invite(dnis, false).await;
        (status, dialog)
    }

    /// Like [`Softphone::call`], returning the final response itself (to read a refusal's
    /// reason).
    pub async fn call_for_response(&self, dnis: &str) -> Message {
        self.invite(dnis, true).await.2
    }

    async fn invite(&self, dnis: &str, ack_2xx: bool) -> (u16, Option<Dialog>, Message) {
        let call_id = format!("call-{}-{}", self.user, rand_u32());
        let uri = format!("sip:{dnis}@{}", self.server);
        let from = format!("<sip:{}@{}>;tag={}", self.user, self.sip_addr(), self.tag);
        let to = format!("<sip:{dnis}@{}>", self.server);
        let sdp = self.sdp();
        let branch = format!("z9hG4bK{}", rand_u32());
        let invite = format!(
            "INVITE {uri} SIP/2.0\r\nVia: SIP/2.0/UDP {me};branch={branch}\r\nFrom: {from}\r\nTo: {to}\r\nCall-ID: {call_id}\r\nCSeq: 1 INVITE\r\nContact: <sip:{user}@{me}>\r\nMax-Forwards: 70\r\nContent-Type: application/sdp\r\nContent-Length: {len}\r\n\r\n{sdp}",
            me = self.sip_addr(),
            user = self.user,
            len = sdp.len(),
        );
        self.send(invite, self.server).await;
        let response = self
            .wait_for("a final answer to INVITE", |m| {
                m.cseq_method() == "INVITE" && m.status().is_some_and(|s| s >= 200)
            })
            .await;
        let status = response.status().expect("status");
        let remote = response.header("To").unwrap_or_default().to_owned();
        let ack_uri = if (200..300).contains(&status) {
            contact_uri(&response).unwrap_or(uri.clone())
        } else {
            uri.clone()
        };
        // Non-2xx ACK reuses the INVITE's branch; a 2xx ACK is a new transaction.
        let ack_branch = if (200..300).contains(&status) {
            format!("z9hG4bK{}", rand_u32())
        } else {
            branch
        };
        let ack = format!(
            "ACK {ack_uri} SIP/2.0\r\nVia: SIP/2.0/UDP {me};branch={ack_branch}\r\nFrom: {from}\r\nTo: {remote}\r\nCall-ID: {call_id}\r\nCSeq: 1 ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
            me = self.sip_addr(),
        );
        if ack_2xx || !(200..300).contains(&status) {
            self.send(ack, response.from).await;
        }
        if !(200..300).contains(&status) {
            return (status, None, response);
        }
        self.send_rtp_to(response.sdp_rtp());
        (
            status,
            Some(Dialog {
                call_id,
                local: from,
                remote,
                remote_target: ack_uri,
                message: response.clone(),
            }),
            response,
        )
    }

    /// Waits for an INVITE from the server and answers 180 Ringing.
    pub async fn ring(&self) -> Dialog {
        let invite = self
            .wait_for("an INVITE", |m| m.method() == Some("INVITE"))
            .await;
        let to = format!(
            "{};tag={}",
            invite.header("To").unwrap_or_default(),
            self.tag
        );
        let dialog = Dialog {
            call_id: invite.header("Call-ID").unwrap_or_default().to_owned(),
            local: to,
            remote: invite.header("From").unwrap_or_default().to_owned(),
            remote_target: contact_uri(&invite).unwrap_or_default(),
            message: invite,
        };
        self.respond(&dialog.message, &dialog.local, 180, "Ringing", None)
            .await;
        dialog
    }

    /// Plays a far end that answers whatever INVITE comes next (a trunk's callee): 180, then
    /// 200 with our SDP; media starts.
    pub async fn answer_next_call(&self) -> Dialog {
        let dialog = self.ring().await;
        self.answer(&dialog).await;
        dialog
    }

    /// Answers a ringing INVITE with 200 and our SDP; media starts.
    pub async fn answer(&self, dialog: &Dialog) {
        let sdp = self.sdp();
        self.respond(&dialog.message, &dialog.local, 200, "OK", Some(&sdp))
            .await;
        self.send_rtp_to(dialog.message.sdp_rtp());
        self.wait_for("the ACK", |m| m.method() == Some("ACK"))
            .await;
    }

    /// Refuses a ringing INVITE.
    pub async fn refuse(&self, dialog: &Dialog, status: u16, reason: &str) {
        self.respond(&dialog.message, &dialog.local, status, reason, None)
            .await;
        self.wait_for("the ACK", |m| m.method() == Some("ACK"))
            .await;
    }

    /// Waits for the server's CANCEL of a ringing INVITE; answers 200 and 487.
    pub async fn expect_cancel(&self, dialog: &Dialog) {
        let cancel = self
            .wait_for("a CANCEL", |m| m.method() == Some("CANCEL"))
            .await;
        self.respond(&cancel, &dialog.local, 200, "OK", None).await;
        self.respond(
            &dialog.message,
            &dialog.local,
            487,
            "Request Terminated",
            None,
        )
        .await;
    }

    /// Waits for the server's CANCEL of a ringing INVITE and answers it 200, but answers the
    /// INVITE 200 with our SDP too, as when the phone was picked up while the CANCEL was on its
    /// way: the dialog is up until the server ends it with BYE.
    pub async fn answer_despite_cancel(&self, dialog: &Dialog) {
        let cancel = self
            .wait_for("a CANCEL", |m| m.method() == Some("CANCEL"))
            .await;
        self.respond(&cancel, &dialog.local, 200, "OK", None).await;
        self.answer(dialog).await;
    }

    /// Waits for a BYE in the dialog and answers 200; media stops.
    pub async fn expect_bye(&self, dialog: &Dialog) {
        let bye = self
            .wait_for("a BYE", |m| {
                m.method() == Some("BYE") && m.header("Call-ID") == Some(&dialog.call_id)
            })
            .await;
        self.respond(&bye, &dialog.local, 200, "OK", None).await;
        self.stop_rtp();
    }

    /// Hangs up with BYE and waits for the 200.
    pub async fn bye(&self, dialog: &Dialog) -> u16 {
        self.stop_rtp();
        let status = self.in_dialog(dialog, "BYE", None).await;
        status.status().expect("status")
    }

    /// Sends a re-INVITE with our SDP and the direction attribute (e.g. `sendonly` to put
    /// the other side on hold); returns the answer (ACKed).
    pub async fn re_invite(&self, dialog: &Dialog, direction: &str) -> Message {
        let sdp = self.sdp().replace("a=sendrecv", &format!("a={direction}"));
        let answer = self.in_dialog(dialog, "INVITE", Some(&sdp)).await;
        let seq = self.cseq.load(Ordering::SeqCst);
        let ack = format!(
            "ACK {target} SIP/2.0\r\nVia: SIP/2.0/UDP {me};branch=z9hG4bK{b}\r\nFrom: {from}\r\nTo: {to}\r\nCall-ID: {cid}\r\nCSeq: {seq} ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
            target = dialog.remote_target,
            me = self.sip_addr(),
            b = rand_u32(),
            from = dialog.local,
            to = dialog.remote,
            cid = dialog.call_id,
        );
        self.send(ack, answer.from).await;
        answer
    }

    async fn in_dialog(&self, dialog: &Dialog, method: &str, sdp: Option<&str>) -> Message {
        let seq = self.cseq.fetch_add(1, Ordering::SeqCst) + 1;
        let body = sdp.unwrap_or("");
        let content_type = if sdp.is_some() {
            "Content-Type: application/sdp\r\n"
        } else {
            ""
        };
        let request = format!(
            "{method} {target} SIP/2.0\r\nVia: SIP/2.0/UDP {me};branch=z9hG4bK{b}\r\nFrom: {from}\r\nTo: {to}\r\nCall-ID: {cid}\r\nCSeq: {seq} {method}\r\nContact: <sip:{user}@{me}>\r\nMax-Forwards: 70\r\n{content_type}Content-Length: {len}\r\n\r\n{body}",
            target = dialog.remote_target,
            me = self.sip_addr(),
            b = rand_u32(),
            from = dialog.local,
            to = dialog.remote,
            cid = dialog.call_id,
            user = self.user,
            len = body.len(),
        );
        self.send(request, self.server).await;
        self.wait_for(&format!("the answer to {method}"), |m| {
            m.cseq_method() == method
                && m.status().is_some_and(|s| s >= 200)
                && m.header("CSeq")
                    .is_some_and(|c| c.starts_with(&seq.to_string()))
        })
        .await
    }

    async fn respond(
        &self,
        request: &Message,
        to: &str,
        status: u16,
        reason: &str,
        sdp: Option<&str>,
    ) {
        let vias: String = request
            .all("Via")
            .into_iter()
            .map(|v| format!("Via: {v}\r\n"))
            .collect();
        let body = sdp.unwrap_or("");
        let content_type = if sdp.is_some() {
            "Content-Type: application/sdp\r\n"
        } else {
            ""
        };
        let response = format!(
            "SIP/2.0 {status} {reason}\r\n{vias}From: {from}\r\nTo: {to}\r\nCall-ID: {cid}\r\nCSeq: {cseq}\r\nContact: <sip:{user}@{me}>\r\n{content_type}Content-Length: {len}\r\n\r\n{body}",
            from = request.header("From").unwrap_or_default(),
            cid = request.header("Call-ID").unwrap_or_default(),
            cseq = request.header("CSeq").unwrap_or_default(),
            user = self.user,
            me = self.sip_addr(),
            len = body.len(),
        );
        self.send(response, request.from).await;
    }

    /// Our SDP: the phone's one codec and telephone-event.
    fn sdp(&self) -> String {
        let rtp = self.rtp_addr();
        let pt = self.codec.payload_type();
        let name = match self.codec {
            G711::Pcmu => "PCMU",
            G711::Pcma => "PCMA",
        };
        format!(
            "v=0\r\no=- 1 1 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\nm=audio {port} RTP/AVP {pt} 101\r\na=rtpmap:{pt} {name}/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n",
            ip = rtp.ip(),
            port = rtp.port(),
        )
    }

    /// Starts sending a tone of `hz` (0: silence) as RTP, one packet per 20 ms.
    pub fn play_tone(&self, hz: u32) {
        self.tone.store(hz, Ordering::SeqCst);
    }

    fn send_rtp_to(&self, to: Option<SocketAddr>) {
        *self.rtp_to.lock().expect("rtp_to") = to;
        self.sending.store(to.is_some(), Ordering::SeqCst);
    }

    /// Stops sending RTP (a phone that vanished sends nothing more).
    pub fn stop_rtp(&self) {
        self.sending.store(false, Ordering::SeqCst);
    }

    fn start_rtp_clock(&self) {
        let (rtp, to, sending, tone, codec) = (
            self.rtp.clone(),
            self.rtp_to.clone(),
            self.sending.clone(),
            self.tone.clone(),
            self.codec,
        );
        tokio::spawn(async move {
            let mut clock = tokio::time::interval(Duration::from_millis(20));
            let ssrc = rand_u32();
            let mut seq: u16 = 0;
            let mut sample: u64 = 0;
            let mut pcm = [0i16; 160];
            let mut packet = [0u8; 172];
            loop {
                clock.tick().await;
                // Stops when the phone is dropped.
                if Arc::strong_count(&rtp) == 1 {
                    return;
                }
                if !sending.load(Ordering::SeqCst) {
                    continue;
                }
                let Some(dest) = *to.lock().expect("rtp_to") else {
                    continue;
                };
                let hz = tone.load(Ordering::SeqCst) as f64;
                for (i, s) in pcm.iter_mut().enumerate() {
                    let t = (sample + i as u64) as f64 / 8000.0;
                    *s = if hz > 0.0 {
                        (8000.0 * (2.0 * std::f64::consts::PI * hz * t).sin()) as i16
                    } else {
                        0
                    };
                }
                packet[0] = 0x80;
                packet[1] = codec.payload_type();
                packet[2..4].copy_from_slice(&seq.to_be_bytes());
                packet[4..8].copy_from_slice(&(sample as u32).to_be_bytes());
                packet[8..12].copy_from_slice(&ssrc.to_be_bytes());
                codec.encode(&pcm, &mut packet[12..]);
                let _ = rtp.send_to(&packet, dest).await;
                seq = seq.wrapping_add(1);
                sample += 160;
            }
        });
    }

    /// Sequence numbers skipped so far, SSRC changes and unmarked timestamp jumps (see
    /// [`Heard`]).
    pub fn sequence_breaks(&self) -> (u64, u64, u64) {
        let heard = self.heard.lock().expect("heard");
        (
            heard.n_sequence_holes,
            heard.n_ssrc_changes,
            heard.n_timestamp_jumps,
        )
    }

    /// Packets heard so far.
    pub fn packets_heard(&self) -> u64 {
        self.heard.lock().expect("heard").packets
    }

    /// The strength of `hz` in the last `ms` milliseconds heard, as the Goertzel power
    /// relative to a full-scale tone (0.0 nothing … about 1.0 for our test tone level).
    pub fn level_of(&self, hz: f64, ms: usize) -> f64 {
        let heard = self.heard.lock().expect("heard");
        let n = (ms * 8).min(heard.samples.len());
        let samples: Vec<f64> = heard
            .samples
            .iter()
            .skip(heard.samples.len() - n)
            .map(|&s| f64::from(s) / 8000.0)
            .collect();
        goertzel(&samples, hz)
    }

    /// The RMS of the last `ms` milliseconds heard.
    pub fn rms(&self, ms: usize) -> f64 {
        let heard = self.heard.lock().expect("heard");
        let n = (ms * 8).min(heard.samples.len());
        if n == 0 {
            return 0.0;
        }
        let sum: f64 = heard
            .samples
            .iter()
            .skip(heard.samples.len() - n)
            .map(|&s| f64::from(s) * f64::from(s))
            .sum();
        (sum / n as f64).sqrt()
    }

    /// Stops the tone and sends these codes of the phone's codec as they are, 160 a packet,
    /// one packet per 20 ms (a new SSRC, as a phone starting a new stream), from now until
    /// they are all sent; then the phone sends nothing. The phone must be in a call. The task
    /// returned ends when the last packet is sent.
    pub fn play_payloads(&self, payloads: Vec<u8>) -> tokio::task::JoinHandle<()> {
        self.stop_rtp();
        let (rtp, to, codec) = (self.rtp.clone(), self.rtp_to.clone(), self.codec);
        tokio::spawn(async move {
            let mut clock = tokio::time::interval(Duration::from_millis(20));
            let ssrc = rand_u32();
            let mut packet = [0u8; 172];
            for (index, frame) in payloads.chunks_exact(160).enumerate() {
                clock.tick().await;
                let Some(dest) = *to.lock().expect("rtp_to") else {
                    return;
                };
                packet[0] = 0x80;
                packet[1] = codec.payload_type();
                packet[2..4].copy_from_slice(&(index as u16).to_be_bytes());
                packet[4..8].copy_from_slice(&((index * 160) as u32).to_be_bytes());
                packet[8..12].copy_from_slice(&ssrc.to_be_bytes());
                packet[12..].copy_from_slice(frame);
                let _ = rtp.send_to(&packet, dest).await;
            }
        })
    }

    /// Every payload byte heard so far (bounded to the last minute), undecoded.
    pub fn payloads_heard(&self) -> Vec<u8> {
        self.heard
            .lock()
            .expect("heard")
            .payloads
            .iter()
            .copied()
            .collect()
    }

    /// Every sample heard so far (bounded to the last minute), decoded.
    pub fn samples_heard(&self) -> Vec<i16> {
        self.heard
            .lock()
            .expect("heard")
            .samples
            .iter()
            .copied()
            .collect()
    }

    /// The longest gap between two packets heard in the last `ms` milliseconds.
    pub fn longest_gap(&self, ms: u64) -> Duration {
        let heard = self.heard.lock().expect("heard");
        let since = Instant::now() - Duration::from_millis(ms);
        let recent: Vec<&Instant> = heard.arrivals.iter().filter(|t| **t >= since).collect();
        recent
            .windows(2)
            .map(|w| w[1].duration_since(*w[0]))
            .max()
            .unwrap_or_default()
    }
}

/// Normalised Goertzel power of `hz` in `samples` (8 kHz): about 1.0 for a sine of amplitude
/// 1.0 at that frequency, near 0 without it.
pub fn goertzel(samples: &[f64], hz: f64) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let w = 2.0 * std::f64::consts::PI * hz / 8000.0;
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0, 0.0);
    for &x in samples {
        let s = x + coeff * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    let power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    let n = samples.len() as f64;
    4.0 * power / (n * n)
}

/// The URI of a message's Contact header.
fn contact_uri(message: &Message) -> Option<String> {
    let contact = message.header("Contact")?;
    let start = contact.find('<')? + 1;
    let end = contact[start..].find('>')? + start;
    Some(contact[start..end].to_owned())
}

fn rand_u32() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.finish() as u32
}

impl Softphone {
    /// Sends the RFC 4733 events of one key press (`digit` is the event code: 1 for `1`) on
    /// the phone's RTP stream: three packets, the last marking the end.
    pub async fn press(&self, digit: u8) {
        let Some(to) = *self.rtp_to.lock().expect("rtp_to") else {
            panic!("{}: no call to press a key in", self.user);
        };
        let timestamp = rand_u32().to_be_bytes();
        for (i, end) in [(0u8, false), (1, false), (2, true)] {
            let mut packet = vec![0x80, 101, 0x7f, 0xf0 + i];
            packet.extend_from_slice(&timestamp);
            packet.extend_from_slice(&[0x0d, 0x7f, 0x00, 0x01]);
            let duration = 160u16 * (u16::from(i) + 1);
            packet.extend_from_slice(&[digit, if end { 0x8a } else { 0x0a }]);
            packet.extend_from_slice(&duration.to_be_bytes());
            let _ = self.rtp.send_to(&packet, to).await;
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
