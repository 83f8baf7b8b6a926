//! Just enough SIP text for the simulated phones and customers: reading a datagram into a
//! [`Message`], writing requests and responses, and answering a digest challenge.
//!
//! The simulator talks to Sentral over loopback UDP only, one datagram per message, so it needs
//! no stream framing, no DNS and no TLS. It still follows RFC 3261 where Sentral can tell:
//! responses copy the request's `Via`, `From`, `Call-ID`, `CSeq` (and `Record-Route` for 2xx),
//! every request gets a fresh `branch`, and tags identify dialogs.

use sentral_sip::Algorithm;
use std::net::{IpAddr, SocketAddr};

/// The largest datagram read; Sentral's messages are far smaller.
pub const DATAGRAM_BYTES_MAX: usize = 8 * 1024;

/// One SIP message as text.
#[derive(Clone, Debug)]
pub struct Message {
    /// `INVITE sip:… SIP/2.0` or `SIP/2.0 200 OK`.
    pub start: String,
    /// Headers in order, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body (SDP or nothing).
    pub body: String,
}

impl Message {
    /// Reads one datagram; `None` for anything that is not a SIP message.
    pub fn parse(bytes: &[u8]) -> Option<Message> {
        let text = std::str::from_utf8(bytes).ok()?;
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((text, ""));
        let mut lines = head.split("\r\n");
        let start = lines.next()?.trim().to_owned();
        if !start.contains("SIP/2.0") {
            return None;
        }
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in lines {
            // A folded line continues the header before it (RFC 3261 §7.3.1).
            if line.starts_with([' ', '\t']) {
                if let Some((_, value)) = headers.last_mut() {
                    value.push(' ');
                    value.push_str(line.trim());
                }
                continue;
            }
            let (name, value) = line.split_once(':')?;
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
        Some(Message {
            start,
            headers,
            body: body.to_owned(),
        })
    }

    /// The method of a request; `None` for a response.
    pub fn method(&self) -> Option<&str> {
        if self.start.starts_with("SIP/2.0") {
            return None;
        }
        self.start.split(' ').next()
    }

    /// The status code of a response; `None` for a request.
    pub fn status(&self) -> Option<u16> {
        self.start.strip_prefix("SIP/2.0 ")?.get(..3)?.parse().ok()
    }

    /// The first header of this name (case-insensitive, compact forms too).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.all(name).next()
    }

    /// Every header of this name, in order (case-insensitive, compact forms too).
    pub fn all<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a str> + use<'a> {
        let compact = compact_form(name);
        let name = name.to_owned();
        self.headers
            .iter()
            .filter(move |(n, _)| {
                n.eq_ignore_ascii_case(&name) || compact.is_some_and(|c| n.eq_ignore_ascii_case(c))
            })
            .map(|(_, v)| v.as_str())
    }

    /// The `Call-ID`.
    pub fn call_id(&self) -> &str {
        self.header("Call-ID").unwrap_or_default()
    }

    /// The `CSeq` number and method.
    pub fn cseq(&self) -> (u32, &str) {
        let mut parts = self.header("CSeq").unwrap_or_default().split_whitespace();
        let number = parts.next().and_then(|n| n.parse().ok()).unwrap_or(0);
        (number, parts.next().unwrap_or_default())
    }

    /// The `tag` of `To` (empty outside a dialog).
    pub fn to_tag(&self) -> &str {
        self.header("To")
            .and_then(|to| param(to, "tag"))
            .unwrap_or_default()
    }

    /// The user part of `P-Asserted-Identity`, else of `From`: the caller's number.
    pub fn caller(&self) -> String {
        self.header("P-Asserted-Identity")
            .or_else(|| self.header("From"))
            .map(uri_of)
            .and_then(|uri| {
                let rest = uri.split_once(':')?.1;
                Some(rest.split_once('@').map_or("", |(user, _)| user).to_owned())
            })
            .unwrap_or_default()
    }

    /// The URI of `Contact`, where in-dialog requests go.
    pub fn contact_uri(&self) -> Option<&str> {
        self.header("Contact").map(uri_of)
    }

    /// Writes a response to this request. `to` is the `To` header as it should be answered
    /// (with our tag once we have one); `extra` are further header lines.
    pub fn response(
        &self,
        status: u16,
        reason: &str,
        to: &str,
        extra: &[(&str, String)],
        sdp: Option<&str>,
    ) -> String {
        let mut text = format!("SIP/2.0 {status} {reason}\r\n");
        for via in self.all("Via") {
            push_header(&mut text, "Via", via);
        }
        push_header(&mut text, "From", self.header("From").unwrap_or_default());
        push_header(&mut text, "To", to);
        push_header(&mut text, "Call-ID", self.call_id());
        push_header(&mut text, "CSeq", self.header("CSeq").unwrap_or_default());
        // A UAS copies the Record-Route of a dialog-creating request into its 2xx.
        if (200..300).contains(&status) {
            for route in self.all("Record-Route") {
                push_header(&mut text, "Record-Route", route);
            }
        }
        for (name, value) in extra {
            push_header(&mut text, name, value);
        }
        finish(text, sdp)
    }
}

/// A request to send: its start line and headers; [`Request::write`] adds `Via`,
/// `Max-Forwards`, `User-Agent`, the body and its length.
pub struct Request<'a> {
    /// `INVITE`, `ACK`, `BYE`, `REGISTER`...
    pub method: &'a str,
    /// The Request-URI.
    pub uri: &'a str,
    /// Our SIP address, for `Via`.
    pub via: SocketAddr,
    /// The `branch` of `Via` (`z9hG4bK` is added).
    pub branch: &'a str,
    /// The other header lines, in order (`From`, `To`, `Call-ID`, `CSeq`...).
    pub headers: Vec<(&'a str, String)>,
    /// The SDP body, if any.
    pub sdp: Option<&'a str>,
}

impl Request<'_> {
    /// The request as text.
    pub fn write(&self) -> String {
        let mut text = format!("{} {} SIP/2.0\r\n", self.method, self.uri);
        push_header(
            &mut text,
            "Via",
            &format!(
                "SIP/2.0/UDP {};branch=z9hG4bK{};rport",
                self.via, self.branch
            ),
        );
        push_header(&mut text, "Max-Forwards", "70");
        for (name, value) in &self.headers {
            push_header(&mut text, name, value);
        }
        push_header(&mut text, "User-Agent", USER_AGENT);
        finish(text, self.sdp)
    }
}

/// Our `Authorization` header for a `WWW-Authenticate` challenge of `401`, with MD5 and
/// `qop=auth` (`None` if the challenge offers no MD5).
pub fn authorization(
    challenge: &Message,
    user: &str,
    password: &str,
    method: &str,
    uri: &str,
    cnonce: &str,
) -> Option<String> {
    // MD5 is named, or implied when no algorithm is (RFC 2617).
    let www = challenge.all("WWW-Authenticate").find(|h| {
        param(h, "algorithm").is_none_or(|algorithm| algorithm.eq_ignore_ascii_case("MD5"))
    })?;
    let realm = param(www, "realm")?;
    let nonce = param(www, "nonce")?;
    let opaque = param(www, "opaque");
    let nc = "00000001";
    let ha1 = sentral_sip::digest::ha1(Algorithm::Md5, user, realm, password);
    let response =
        sentral_sip::digest::response(Algorithm::Md5, &ha1, nonce, nc, cnonce, "auth", method, uri);
    let mut header = format!(
        "Digest username=\"{user}\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"{uri}\", response=\"{response}\", algorithm=MD5, qop=auth, nc={nc}, cnonce=\"{cnonce}\""
    );
    if let Some(opaque) = opaque {
        header.push_str(&format!(", opaque=\"{opaque}\""));
    }
    Some(header)
}

/// Where to send SIP for a server at `addr`: an unspecified address (`0.0.0.0`) means "every
/// address of this host", so loopback reaches it.
pub fn reachable(addr: SocketAddr) -> SocketAddr {
    if addr.ip().is_unspecified() {
        let loopback = match addr.ip() {
            IpAddr::V4(_) => IpAddr::from([127, 0, 0, 1]),
            IpAddr::V6(_) => IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
        };
        SocketAddr::new(loopback, addr.port())
    } else {
        addr
    }
}

/// The value of `name=value` (quoted or not) among a header's `;` or `,` separated parameters.
pub fn param<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header
        .trim_start_matches("Digest ")
        .split([';', ','])
        .filter_map(|part| part.trim().split_once('='))
        .find(|(key, _)| key.trim().eq_ignore_ascii_case(name))
        .map(|(_, value)| value.trim().trim_matches('"'))
}

/// The `User-Agent` of every request.
const USER_AGENT: &str = "Sentral demo simulator";

/// The URI of a name-addr (`"Anna" <sip:1001@host>;tag=x`) or addr-spec (`sip:1001@host`).
fn uri_of(value: &str) -> &str {
    match (value.find('<'), value.find('>')) {
        (Some(start), Some(end)) if start < end => &value[start + 1..end],
        _ => value.split(';').next().unwrap_or_default().trim(),
    }
}

fn compact_form(name: &str) -> Option<&'static str> {
    Some(match name.to_ascii_lowercase().as_str() {
        "via" => "v",
        "from" => "f",
        "to" => "t",
        "call-id" => "i",
        "contact" => "m",
        "content-length" => "l",
        "content-type" => "c",
        _ => return None,
    })
}

fn push_header(text: &mut String, name: &str, value: &str) {
    text.push_str(name);
    text.push_str(": ");
    text.push_str(value);
    text.push_str("\r\n");
}

fn finish(mut text: String, sdp: Option<&str>) -> String {
    if sdp.is_some() {
        push_header(&mut text, "Content-Type", "application/sdp");
    }
    let body = sdp.unwrap_or_default();
    push_header(&mut text, "Content-Length", &body.len().to_string());
    text.push_str("\r\n");
    text.push_str(body);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_reads_back_with_its_headers_and_body() {
        let text = Request {
            method: "INVITE",
            uri: "sip:+4721000001@127.0.0.1:5060",
            via: "127.0.0.1:40000".parse().unwrap(),
            branch: "abc",
            headers: vec![
                ("From", "<sip:+4790000001@127.0.0.1:40000>;tag=1".into()),
                ("To", "<sip:+4721000001@127.0.0.1:5060>".into()),
                ("Call-ID", "c1".into()),
                ("CSeq", "1 INVITE".into()),
            ],
            sdp: Some("v=0\r\n"),
        }
        .write();
        let message = Message::parse(text.as_bytes()).unwrap();
        assert_eq!(message.method(), Some("INVITE"));
        assert_eq!(message.cseq(), (1, "INVITE"));
        assert!(
            message
                .header("Via")
                .unwrap()
                .contains(";branch=z9hG4bKabc")
        );
        assert_eq!(message.caller(), "+4790000001");
        assert_eq!(message.to_tag(), "");
        assert_eq!(message.body, "v=0\r\n");
        assert_eq!(message.header("content-length"), Some("5"));
    }

    #[test]
    fn a_response_copies_the_request_and_reads_compact_headers() {
        let invite = Message::parse(
            b"INVITE sip:1001@127.0.0.1:4000 SIP/2.0\r\nv: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKx\r\nf: <sip:+4790000001@127.0.0.1>;tag=a\r\nt: <sip:1001@127.0.0.1>\r\ni: c2\r\nCSeq: 7 INVITE\r\nm: <sip:s@127.0.0.1:5060>\r\nRecord-Route: <sip:127.0.0.1;lr>\r\n\r\n",
        )
        .unwrap();
        assert_eq!(invite.contact_uri(), Some("sip:s@127.0.0.1:5060"));
        let ok = invite.response(200, "OK", "<sip:1001@127.0.0.1>;tag=b", &[], None);
        let ok = Message::parse(ok.as_bytes()).unwrap();
        assert_eq!(ok.status(), Some(200));
        assert_eq!(ok.call_id(), "c2");
        assert_eq!(ok.cseq(), (7, "INVITE"));
        assert_eq!(ok.to_tag(), "b");
        assert_eq!(ok.header("Record-Route"), Some("<sip:127.0.0.1;lr>"));
    }

    #[test]
    fn the_digest_answer_is_the_one_the_registrar_expects() {
        let challenge = Message::parse(
            b"SIP/2.0 401 Unauthorized\r\nWWW-Authenticate: Digest realm=\"sentral\", nonce=\"n1\", algorithm=SHA-256, qop=\"auth\"\r\nWWW-Authenticate: Digest realm=\"sentral\", nonce=\"n1\", algorithm=MD5, qop=\"auth\"\r\n\r\n",
        )
        .unwrap();
        let header =
            authorization(&challenge, "1001", "demo", "REGISTER", "sip:127.0.0.1", "c").unwrap();
        let credentials = sentral_sip::digest::Credentials::parse(&header).unwrap();
        let ha1 = sentral_sip::digest::ha1(Algorithm::Md5, "1001", "sentral", "demo");
        assert!(sentral_sip::digest::verify(&credentials, "REGISTER", &ha1));
    }
}
