//! The text of a SIP datagram before the SIP library reads it, sans IO (RFC 3261 §7.3.1, §8.2.7,
//! §18.3, §25.1; RFC 4475 section 3).
//!
//! rsipstack's parser reads most of what RFC 3261 allows, but drops a few well-formed requests
//! without an answer: a method that is not one of the fourteen it knows (its `Method` is a
//! closed enum), a `From` tag written with white space around its `=`, and the RFC 2543 request
//! that has no `From` tag at all (RFC 4475 `intmeth`, `esc02`, `wsinv`, `inv2543`). It also
//! reads a Request-URI in angle brackets, and white space after the SIP version, as if they were
//! not there (`ltgtruri`, `trws`). The UDP
//! socket hands every datagram to [`prepare`] first, which says what to do with it:
//!
//! - [`Prepared::Unchanged`]: give it to the parser as it came (nearly every datagram).
//! - [`Prepared::Rewritten`]: give the parser the same message in a form it reads. Header fields
//!   are unfolded (§7.3.1); in the address headers and `Via` linear white space is one space and
//!   the optional white space around `;`, `=`, `/` and `,` is gone (§25.1: SEMI, EQUAL, SLASH
//!   and COMMA are `SWS x SWS`); a request without `Content-Length` gets the length of the
//!   rest of the datagram (§18.3, UDP only); a `From` without a tag (RFC 2543) gets a tag made
//!   from its `Call-ID` and `From`, the same for every request of that caller's dialog, which
//!   [`restore`] takes out of what we send back, so the caller sees its own `From` again.
//! - [`Prepared::Answer`]: send this response back to the datagram's source and give the parser
//!   nothing. It is the stateless answer of §8.2.7 (its `To` tag is made from the request, so a
//!   retransmission gets the same answer) to a request the parser cannot represent: an extension
//!   method (501 with `Allow`, §8.2.1; methods are case-sensitive, §7.1, so `invite` is one), a
//!   Request-URI in angle brackets (400: §25.1 has no `<` in a Request-URI) or a Request-Line
//!   with white space after the version (400, §7.1).
//! - [`Prepared::Drop`]: a request that must be refused but lacks what a response is made of,
//!   or is an ACK, which is never answered (§17.2.1).
//!
//! Nothing here makes an invalid message valid: a header value it cannot read (an unbalanced
//! quote, a `<` without `>`) is left as sent for `transport::malformed` to refuse, the request
//! line is never rewritten, and a datagram it does not understand (a response, bare line feeds,
//! text that is not UTF-8, no empty line after the headers) is [`Prepared::Unchanged`].

/// What to do with one datagram (see the module's documentation).
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum Prepared {
    /// Give the datagram to the parser as it came.
    Unchanged,
    /// Give the parser these bytes instead: the same message, in a form it reads.
    Rewritten(Vec<u8>),
    /// Send these bytes back to the datagram's source; the parser gets nothing.
    Answer(Vec<u8>),
    /// Give the parser nothing and answer nothing.
    Drop,
}

/// Reads one datagram (see [`Prepared`]). A rewritten message is never longer than
/// [`DATAGRAM_LEN_MAX`]; a longer datagram is left to the parser as it came.
pub fn prepare(datagram: &[u8]) -> Prepared {
    if datagram.len() > DATAGRAM_LEN_MAX {
        return Prepared::Unchanged;
    }
    let Some(head_len) = find(datagram, b"\r\n\r\n") else {
        return Prepared::Unchanged;
    };
    let Ok(head) = std::str::from_utf8(&datagram[..head_len]) else {
        return Prepared::Unchanged;
    };
    // A bare CR or LF is read by the parser in its own way; leave those messages to it.
    if has_bare_cr_or_lf(head.as_bytes()) {
        return Prepared::Unchanged;
    }
    let body = &datagram[head_len + 4..];
    let mut lines = head.split("\r\n");
    let start = lines.next().unwrap_or_default();
    let mut parts = start.splitn(3, ' ');
    let (Some(method), Some(uri), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Prepared::Unchanged;
    };
    if start.starts_with("SIP/") || !version.starts_with("SIP/") || !is_token(method) {
        return Prepared::Unchanged;
    }
    let Some(fields) = unfold(lines) else {
        return Prepared::Unchanged;
    };
    // An ACK is never answered (RFC 3261 §17.2.1): the ACK of a refused INVITE repeats its
    // Request-Line, so it is dropped here rather than refused again.
    let refuse = |status: &str| match method {
        "ACK" => Prepared::Drop,
        _ => stateless(&fields, status, None),
    };
    // RFC 4475 3.1.2.10 (`trws`): the Request-Line ends right after the version (§7.1).
    if version.ends_with([' ', '\t']) {
        return refuse("400 Bad Request (white space after the SIP version)");
    }
    if uri.contains(['<', '>']) {
        return refuse("400 Bad Request (Request-URI in angle brackets)");
    }
    if !KNOWN_METHODS.contains(&method) {
        let cseq_method =
            single(&fields, &["CSeq"]).and_then(|cseq| cseq.split_whitespace().nth(1));
        if cseq_method != Some(method) {
            return refuse("400 Bad Request (CSeq method is not the request's)");
        }
        return stateless(&fields, "501 Not Implemented", Some(("Allow", ALLOW)));
    }
    rewrite(datagram, start, fields, body)
}

/// Takes the `From` tag [`prepare`] gave an RFC 2543 request out of a message we send, so the
/// caller reads its own `From` (RFC 3261 §8.2.6.2) and `To` again; `None` when there is none.
pub fn restore(outgoing: &[u8]) -> Option<Vec<u8>> {
    let marker = format!(";tag={RFC2543_TAG_PREFIX}");
    let marker = marker.as_bytes();
    let head_len = find(outgoing, b"\r\n\r\n").unwrap_or(outgoing.len());
    let mut restored = Vec::new();
    let mut at = 0;
    let mut removed = false;
    while let Some(offset) = find(&outgoing[at..head_len], marker) {
        let hex_at = at + offset + marker.len();
        let end = hex_at + 16;
        if end <= head_len && outgoing[hex_at..end].iter().all(u8::is_ascii_hexdigit) {
            restored.extend_from_slice(&outgoing[at..at + offset]);
            at = end;
            removed = true;
        } else {
            restored.extend_from_slice(&outgoing[at..hex_at]);
            at = hex_at;
        }
    }
    if !removed {
        return None;
    }
    restored.extend_from_slice(&outgoing[at..]);
    Some(restored)
}

/// What is wrong with an address or `Via` header value (RFC 3261 §20.10, §20.42, §25.1), as a
/// phrase for the reason of a 400; `None` when it reads. `list` says whether the header is a
/// comma-separated list (`Via`, `Contact`, `Route`, `Record-Route`) or one value (`From`, `To`).
/// What it finds: an empty parameter (`;;`) or list element (`,,`), a quoted string or `<` that
/// is not closed, white space inside `<…>`, a `?` (URI headers) outside `<…>` (§20: such a URI
/// must be in angle brackets), and a comma outside quotes in one value (an unquoted display name
/// with a comma). RFC 4475 `badinv01`, `quotbal`, `badaspec`, `regbadct`, `baddn`.
pub fn value_problem(value: &str, list: bool) -> Option<&'static str> {
    let mut chars = value.chars();
    let mut after_separator = Some(',');
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => continue,
            ',' if !list => return Some("a comma outside quotes"),
            ';' | ',' => {
                if after_separator.is_some() {
                    return Some(empty_element(after_separator, c));
                }
                after_separator = Some(c);
                continue;
            }
            '"' => loop {
                match chars.next() {
                    None => return Some("an unterminated quoted string"),
                    Some('\\') if chars.next().is_none() => {
                        return Some("an unterminated quoted string");
                    }
                    Some('"') => break,
                    Some(_) => {}
                }
            },
            '<' => loop {
                match chars.next() {
                    None => return Some("a < without >"),
                    Some(' ' | '\t') => return Some("white space inside < >"),
                    Some('>') => break,
                    Some(_) => {}
                }
            },
            '?' => return Some("a URI with headers outside < >"),
            _ => {}
        }
        after_separator = None;
    }
    after_separator.map(|last| empty_element(Some(last), last))
}

/// The phrase for a separator `next` right after `last` (or at the end).
fn empty_element(last: Option<char>, next: char) -> &'static str {
    if last == Some(';') || next == ';' {
        "an empty parameter"
    } else {
        "an empty list element"
    }
}

/// Whether a `Date` value is an RFC 1123 date in GMT, the only form RFC 3261 §20.17 allows
/// (`Sat, 13 Nov 2010 23:29:00 GMT`; RFC 4475 `baddate` says EST).
pub fn is_sip_date(value: &str) -> bool {
    const DAYS: [&str; 7] = ["Mon,", "Tue,", "Wed,", "Thu,", "Fri,", "Sat,", "Sun,"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let digits = |text: &str, n: usize| text.len() == n && text.bytes().all(|b| b.is_ascii_digit());
    let parts: Vec<&str> = value.trim().split(' ').collect();
    let [day, date, month, year, time, zone] = parts.as_slice() else {
        return false;
    };
    let mut clock = time.split(':');
    DAYS.contains(day)
        && digits(date, 2)
        && MONTHS.contains(month)
        && digits(year, 4)
        && clock.by_ref().take(3).all(|part| digits(part, 2))
        && time.len() == 8
        && *zone == "GMT"
}

/// The methods rsipstack's parser knows, as RFC 3261 and its extensions spell them.
const KNOWN_METHODS: [&str; 14] = [
    "ACK",
    "BYE",
    "CANCEL",
    "INFO",
    "INVITE",
    "MESSAGE",
    "NOTIFY",
    "OPTIONS",
    "PRACK",
    "PUBLISH",
    "REFER",
    "REGISTER",
    "SUBSCRIBE",
    "UPDATE",
];

/// The methods we implement, for `Allow` (RFC 3261 §20.5).
pub const ALLOW: &str = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, REGISTER";

/// The longest datagram we read: rsipstack reads UDP into a buffer of this size.
pub const DATAGRAM_LEN_MAX: usize = 8192;

/// How a `From` tag that [`prepare`] made begins; 16 hexadecimal digits follow.
const RFC2543_TAG_PREFIX: &str = "rfc2543-";

/// Header fields whose values are name-addr or `Via` lists (and their compact forms): the
/// ones whose white space [`prepare`] makes canonical.
const STRUCTURED: [&str; 10] = [
    "Via",
    "v",
    "From",
    "f",
    "To",
    "t",
    "Contact",
    "m",
    "Route",
    "Record-Route",
];

/// The canonical form of a message the parser reads as it is.
fn rewrite(datagram: &[u8], start: &str, fields: Vec<(&str, String)>, body: &[u8]) -> Prepared {
    let mut head = format!("{start}\r\n");
    let mut has_length = false;
    // Only a request with one `From` gets a tag: one with more is refused as malformed anyway.
    let one_from = single(&fields, &["From", "f"]).is_some();
    let call_id = single(&fields, &["Call-ID", "i"]).unwrap_or_default();
    for (name, value) in &fields {
        let mut value = if is_one_of(name, &STRUCTURED) {
            canonical(value).unwrap_or_else(|| value.clone())
        } else {
            value.clone()
        };
        has_length |= is_one_of(name, &["Content-Length", "l"]);
        if one_from && is_one_of(name, &["From", "f"]) && !has_param(&value, "tag").unwrap_or(true)
        {
            let hash = fnv1a(&[call_id.as_bytes(), value.as_bytes()]);
            value = format!("{value};tag={RFC2543_TAG_PREFIX}{hash:016x}");
        }
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !has_length {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    let mut rewritten = head.into_bytes();
    rewritten.extend_from_slice(body);
    if rewritten.len() > DATAGRAM_LEN_MAX || rewritten == datagram {
        return Prepared::Unchanged;
    }
    Prepared::Rewritten(rewritten)
}

/// A stateless response (RFC 3261 §8.2.6, §8.2.7) to a request with these fields, or
/// [`Prepared::Drop`] when it has no `Via` or not exactly one `From`, `To`, `Call-ID` and `CSeq`.
fn stateless(fields: &[(&str, String)], status: &str, extra: Option<(&str, &str)>) -> Prepared {
    let vias: Vec<&String> = fields
        .iter()
        .filter(|(name, _)| is_one_of(name, &["Via", "v"]))
        .map(|(_, value)| value)
        .collect();
    let (Some(from), Some(to), Some(call_id), Some(cseq)) = (
        single(fields, &["From", "f"]),
        single(fields, &["To", "t"]),
        single(fields, &["Call-ID", "i"]),
        single(fields, &["CSeq"]),
    ) else {
        return Prepared::Drop;
    };
    if vias.is_empty() {
        return Prepared::Drop;
    }
    let mut response = format!("SIP/2.0 {status}\r\n");
    for via in &vias {
        response.push_str(&format!("Via: {via}\r\n"));
    }
    response.push_str(&format!("From: {from}\r\nTo: {to}"));
    if !has_param(to, "tag").unwrap_or(true) {
        let hash = fnv1a(&[
            call_id.as_bytes(),
            from.as_bytes(),
            cseq.as_bytes(),
            vias[0].as_bytes(),
        ]);
        response.push_str(&format!(";tag=sentral-{hash:016x}"));
    }
    response.push_str(&format!("\r\nCall-ID: {call_id}\r\nCSeq: {cseq}\r\n"));
    if let Some((name, value)) = extra {
        response.push_str(&format!("{name}: {value}\r\n"));
    }
    response.push_str(concat!(
        "Server: Sentral/",
        env!("CARGO_PKG_VERSION"),
        "\r\nContent-Length: 0\r\n\r\n"
    ));
    Prepared::Answer(response.into_bytes())
}

/// The header fields after the start line, unfolded (RFC 3261 §7.3.1: a line that begins with
/// white space continues the one before), as name and trimmed value; `None` when a line is
/// not a header field.
fn unfold<'a>(lines: impl Iterator<Item = &'a str>) -> Option<Vec<(&'a str, String)>> {
    let mut fields: Vec<(&str, String)> = Vec::new();
    for line in lines {
        if line.starts_with([' ', '\t']) {
            let (_, value) = fields.last_mut()?;
            let more = line.trim_matches([' ', '\t']);
            if !more.is_empty() {
                if !value.is_empty() {
                    value.push(' ');
                }
                value.push_str(more);
            }
            continue;
        }
        let (name, value) = line.split_once(':')?;
        let name = name.trim_end_matches([' ', '\t']);
        if !is_token(name) {
            return None;
        }
        fields.push((name, value.trim_matches([' ', '\t']).to_owned()));
    }
    Some(fields)
}

/// The value with linear white space made canonical outside quoted strings and `<…>`: runs of
/// white space become one space, and white space around `;`, `=`, `/` and `,` goes. `None`
/// when a quoted string or a `<` is not closed, or a `>` was not opened.
fn canonical(value: &str) -> Option<String> {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    let mut space = false;
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => {
                space = true;
                continue;
            }
            ';' | '=' | '/' | ',' => {
                out.push(c);
                while chars.next_if(|c| matches!(c, ' ' | '\t')).is_some() {}
                space = false;
                continue;
            }
            '>' => return None,
            _ => {}
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.push(c);
        match c {
            '"' => loop {
                let c = chars.next()?;
                out.push(c);
                match c {
                    '\\' => out.push(chars.next()?),
                    '"' => break,
                    _ => {}
                }
            },
            '<' => loop {
                let c = chars.next()?;
                out.push(c);
                if c == '>' {
                    break;
                }
            },
            _ => {}
        }
    }
    Some(out)
}

/// Whether a name-addr or addr-spec value (RFC 3261 §20.10) has the header parameter `name`;
/// `None` when a quoted string or `<` is not closed.
fn has_param(value: &str, name: &str) -> Option<bool> {
    let mut chars = value.char_indices();
    let mut params_at = None;
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => loop {
                match chars.next()?.1 {
                    '\\' => {
                        chars.next()?;
                    }
                    '"' => break,
                    _ => {}
                }
            },
            '<' => {
                let (end, _) = chars.find(|&(_, c)| c == '>')?;
                params_at = Some(end + 1);
                break;
            }
            ';' => {
                params_at = Some(at);
                break;
            }
            _ => {}
        }
    }
    let Some(params_at) = params_at else {
        return Some(false);
    };
    Some(value[params_at..].split(';').any(|param| {
        let key = param.split('=').next().unwrap_or_default();
        key.trim().eq_ignore_ascii_case(name)
    }))
}

/// The value of the one field of these names; `None` when there is none or more than one.
fn single<'a>(fields: &'a [(&str, String)], names: &[&str]) -> Option<&'a str> {
    let mut matching = fields.iter().filter(|(name, _)| is_one_of(name, names));
    let (_, value) = matching.next()?;
    matching.next().is_none().then_some(value.as_str())
}

/// Whether a header name is one of `names` (header names are case-insensitive, §7.3.1).
fn is_one_of(name: &str, names: &[&str]) -> bool {
    names.iter().any(|wanted| name.eq_ignore_ascii_case(wanted))
}

/// Whether `text` is an RFC 3261 `token` (§25.1), which a method and a header name are.
fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(&b))
}

/// Whether a CR is not followed by LF, or an LF not preceded by CR.
fn has_bare_cr_or_lf(text: &[u8]) -> bool {
    text.iter().enumerate().any(|(at, &byte)| match byte {
        b'\r' => text.get(at + 1) != Some(&b'\n'),
        b'\n' => at == 0 || text[at - 1] != b'\r',
        _ => false,
    })
}

/// Where `needle` first occurs in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// FNV-1a over the parts, each followed by a zero byte: a stable hash for the tags we make
/// (not a secret; a tag only has to be the same for the same request).
fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &byte in part.iter().chain(&[0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(prepared: &Prepared) -> String {
        match prepared {
            Prepared::Rewritten(bytes) | Prepared::Answer(bytes) => {
                String::from_utf8(bytes.clone()).unwrap()
            }
            other => panic!("no bytes: {other:?}"),
        }
    }

    const OPTIONS: &str = "OPTIONS sip:a@example.com SIP/2.0\r\n\
        Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n\
        From: <sip:b@example.com>;tag=1\r\n\
        To: <sip:a@example.com>\r\n\
        Call-ID: c1\r\n\
        CSeq: 1 OPTIONS\r\n\
        Max-Forwards: 70\r\n\
        Content-Length: 0\r\n\r\n";

    #[test]
    fn rfc3261_a_canonical_request_and_a_response_are_unchanged() {
        assert_eq!(prepare(OPTIONS.as_bytes()), Prepared::Unchanged);
        let response = "SIP/2.0 200 OK\r\nVia: SIP / 2.0 / UDP h\r\n\r\n";
        assert_eq!(prepare(response.as_bytes()), Prepared::Unchanged);
        assert_eq!(prepare(b"\r\n\r\n"), Prepared::Unchanged);
        assert_eq!(prepare(b"garbage"), Prepared::Unchanged);
        // Bare line ends are left to the parser, whatever else the message holds.
        let spaced = OPTIONS.replace("SIP/2.0/UDP", "SIP / 2.0 / UDP");
        assert!(matches!(prepare(spaced.as_bytes()), Prepared::Rewritten(_)));
        let bare_lf = spaced.replace("Call-ID: c1\r\n", "Call-ID: c1\n");
        assert_eq!(prepare(bare_lf.as_bytes()), Prepared::Unchanged);
        let bare_cr = spaced.replace("Call-ID: c1\r\n", "Call-ID: c1\r");
        assert_eq!(prepare(bare_cr.as_bytes()), Prepared::Unchanged);
    }

    #[test]
    fn rfc3261_7_3_1_folded_lines_and_white_space_around_separators_are_made_canonical() {
        // RFC 4475 3.1.1.1 (`wsinv`), shortened.
        let message = "INVITE sip:a@example.com SIP/2.0\r\n\
            TO :\r\n sip:a@example.com ;   tag    = 1918181833n\r\n\
            from   : \"J Rosenberg \\\\\\\"\"       <sip:j@example.com>\r\n  ;\r\n  tag = 98asjd8\r\n\
            Via  : SIP  /   2.0\r\n /UDP\r\n    192.0.2.2;branch=390skdjuw\r\n\
            NewFangledHeader:   newfangled value\r\n continued newfangled value\r\n\
            cseq: 0009\r\n  INVITE\r\n\
            Call-ID: c\r\n\
            Content-Length   : 0\r\n\r\n";
        let text = text(&prepare(message.as_bytes()));
        assert_eq!(
            text,
            "INVITE sip:a@example.com SIP/2.0\r\n\
             TO: sip:a@example.com;tag=1918181833n\r\n\
             from: \"J Rosenberg \\\\\\\"\" <sip:j@example.com>;tag=98asjd8\r\n\
             Via: SIP/2.0/UDP 192.0.2.2;branch=390skdjuw\r\n\
             NewFangledHeader: newfangled value continued newfangled value\r\n\
             cseq: 0009 INVITE\r\n\
             Call-ID: c\r\n\
             Content-Length: 0\r\n\r\n"
        );
    }

    #[test]
    fn rfc3261_18_3_a_datagram_without_content_length_gets_the_rest_as_its_body() {
        let message = OPTIONS.replace("Content-Length: 0\r\n", "") + "v=0\r\n";
        let text = text(&prepare(message.as_bytes()));
        assert!(text.ends_with("Content-Length: 5\r\n\r\nv=0\r\n"), "{text}");
    }

    #[test]
    fn rfc4475_3_4_1_a_from_without_tag_gets_one_that_restore_takes_out_again() {
        let message = OPTIONS.replace(";tag=1", "");
        let rewritten = text(&prepare(message.as_bytes()));
        let from = rewritten
            .lines()
            .find(|line| line.starts_with("From:"))
            .unwrap();
        assert!(from.starts_with("From: <sip:b@example.com>;tag=rfc2543-"));
        // The same caller's next request gets the same tag: its transaction and dialog match.
        assert_eq!(text(&prepare(message.as_bytes())), rewritten);
        let response = format!("SIP/2.0 200 OK\r\n{from}\r\nTo: <sip:a@example.com>;tag=x\r\n\r\n");
        let restored = restore(response.as_bytes()).expect("our tag is taken out");
        assert_eq!(
            String::from_utf8(restored).unwrap(),
            "SIP/2.0 200 OK\r\nFrom: <sip:b@example.com>\r\nTo: <sip:a@example.com>;tag=x\r\n\r\n"
        );
        assert_eq!(restore(OPTIONS.as_bytes()), None);
    }

    #[test]
    fn rfc4475_3_1_1_2_an_extension_method_is_answered_501_with_allow_and_the_same_tag() {
        let message = OPTIONS
            .replace("OPTIONS", "!interesting-Method0123456789_*+`.%indeed'~")
            .replace(
                "CSeq: 1 OPTIONS",
                "CSeq: 1 !interesting-Method0123456789_*+`.%indeed'~",
            );
        let answer = text(&prepare(message.as_bytes()));
        assert!(
            answer.starts_with("SIP/2.0 501 Not Implemented\r\n"),
            "{answer}"
        );
        assert!(
            answer.contains(
                "\r\nAllow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, REGISTER\r\n"
            )
        );
        assert!(answer.contains("\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n"));
        assert!(answer.contains("\r\nTo: <sip:a@example.com>;tag=sentral-"));
        assert!(answer.contains("\r\nCall-ID: c1\r\nCSeq: 1 !interesting"));
        assert_eq!(
            text(&prepare(message.as_bytes())),
            answer,
            "a retransmission"
        );
        // Methods are case-sensitive (RFC 3261 §7.1): `options` is not OPTIONS.
        let lower = OPTIONS.replace("OPTIONS", "options");
        assert!(text(&prepare(lower.as_bytes())).starts_with("SIP/2.0 501 "));
    }

    #[test]
    fn rfc3261_8_2_7_a_request_that_cannot_be_answered_is_dropped_or_refused() {
        let mismatch = OPTIONS.replace("OPTIONS sip", "FOO sip");
        assert!(
            text(&prepare(mismatch.as_bytes())).starts_with("SIP/2.0 400 Bad Request (CSeq method")
        );
        let no_call_id = OPTIONS
            .replace("OPTIONS", "FOO")
            .replace("Call-ID: c1\r\n", "");
        assert_eq!(prepare(no_call_id.as_bytes()), Prepared::Drop);
        // RFC 4475 3.1.2.7 (`ltgtruri`).
        // RFC 4475 3.1.2.10 (`trws`).
        let trailing = OPTIONS.replace("SIP/2.0\r\nVia", "SIP/2.0  \r\nVia");
        assert!(
            text(&prepare(trailing.as_bytes()))
                .starts_with("SIP/2.0 400 Bad Request (white space after the SIP version)\r\n")
        );
        let ack = trailing.replace("OPTIONS", "ACK");
        assert_eq!(
            prepare(ack.as_bytes()),
            Prepared::Drop,
            "an ACK is never answered"
        );
        let angle = OPTIONS.replace("OPTIONS sip:a@example.com", "OPTIONS <sip:a@example.com>");
        assert!(
            text(&prepare(angle.as_bytes()))
                .starts_with("SIP/2.0 400 Bad Request (Request-URI in angle brackets)\r\n")
        );
    }

    #[test]
    fn rfc4475_3_1_2_an_invalid_value_is_left_as_sent() {
        // `quotbal`: an unbalanced quote; `badinv01`: empty parameters, which stay empty.
        let quote = OPTIONS.replace(
            "To: <sip:a@example.com>",
            "To: \"Mr. J. User <sip:a@example.com>",
        );
        assert_eq!(prepare(quote.as_bytes()), Prepared::Unchanged);
        let quote_folded = quote.replace("To: ", "To:\r\n  ");
        assert!(
            text(&prepare(quote_folded.as_bytes()))
                .contains("\r\nTo: \"Mr. J. User <sip:a@example.com>\r\n")
        );
        let empty = OPTIONS.replace(";branch=z9hG4bK1", ";;,;,,");
        assert_eq!(prepare(empty.as_bytes()), Prepared::Unchanged);
        assert_eq!(canonical("<sip:a@b"), None);
        assert_eq!(canonical("a > b"), None);
        assert_eq!(canonical("\"a"), None);
    }

    #[test]
    fn rfc4475_3_1_2_1_and_3_1_2_6_empty_parameters_and_open_quotes_are_named() {
        let list = |value| value_problem(value, true);
        let one = |value| value_problem(value, false);
        assert_eq!(
            list("SIP/2.0/UDP 192.0.2.15;;,;,,"),
            Some("an empty parameter")
        );
        assert_eq!(
            list("\"Joe\" <sip:joe@example.org>;;;;"),
            Some("an empty parameter")
        );
        assert_eq!(
            list("SIP/2.0/UDP h;branch=1,"),
            Some("an empty list element")
        );
        assert_eq!(list(", SIP/2.0/UDP h"), Some("an empty list element"));
        assert_eq!(
            one("\"Mr. J. User <sip:j@example.com>"),
            Some("an unterminated quoted string")
        );
        assert_eq!(one("<sip:j@example.com"), Some("a < without >"));
        // `badaspec`, `regbadct` and `baddn`.
        assert_eq!(
            one("\"Watson, Thomas\" < sip:t.watson@example.org >"),
            Some("white space inside < >")
        );
        assert_eq!(
            list("sip:user@example.com?Route=%3Csip:sip.example.com%3E"),
            Some("a URI with headers outside < >")
        );
        assert_eq!(
            one("Watson, Thomas <sip:t.watson@example.org>"),
            Some("a comma outside quotes")
        );
        assert_eq!(
            list("<sip:a@example.com?Route=x>, <sip:b@example.com>"),
            None
        );
        // RFC 4475 `wsinv` and `esc01`-style values read.
        for good in [
            "SIP  / 2.0  / TCP     spindle.example.com   ; branch  =   z9hG4bK9ikj8  , SIP/2.0/UDP h",
            "\"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com> ; tag = 98asjd8",
            "\"a;,\" <sip:a@b;lr>;tag=1",
            "*",
        ] {
            assert_eq!(value_problem(good, true), None, "{good}");
        }
    }

    #[test]
    fn rfc3261_20_17_a_date_is_rfc1123_in_gmt() {
        assert!(is_sip_date("Sat, 13 Nov 2010 23:29:00 GMT"));
        assert!(!is_sip_date("Fri, 01 Jan 2010 16:00:00 EST"));
        assert!(!is_sip_date("Fri, 01 Jan 2010 16:00 GMT"));
        assert!(!is_sip_date("Fri 01 Jan 2010 16:00:00 GMT"));
        assert!(!is_sip_date(""));
    }
}
