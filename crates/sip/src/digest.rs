//! SIP digest authentication (RFC 3261 §22, RFC 7616, RFC 8760), sans IO: challenges, parsing
//! of the `Authorization` header, verification against a stored HA1, and nonces that expire and
//! cannot be replayed.
//!
//! This is our own code, not rsipstack's: its server-side check is not constant-time, leaves
//! nonce freshness and replay to the caller, and hashes the `-sess` variants wrongly
//! (DEPENDENCIES.md). Only `MD5` and `SHA-256` with `qop=auth` are offered; `-sess` variants and
//! `auth-int` are not.
//!
//! Nonces are stateless to validate: a nonce carries the time it was issued, a serial number and
//! a keyed hash (HMAC-SHA-256 with a per-process secret) of both, so a forged or altered nonce
//! is recognised without a lookup. What needs state is replay: [`NonceBook`] remembers the
//! highest nonce count (`nc`) used with each live nonce and refuses a count that is not higher.

use md5::Md5;
use sha2::{Digest as _, Sha256};
use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, Instant};

/// A digest algorithm Sentral offers.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub enum Algorithm {
    /// `MD5` (RFC 2617, the one every SIP phone speaks).
    Md5,
    /// `SHA-256` (RFC 7616, RFC 8760).
    Sha256,
}

/// The `WWW-Authenticate` challenge of one realm and algorithm.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Challenge {
    /// The protection space; the phone's HA1 is computed with it.
    pub realm: String,
    /// A nonce from [`NonceBook::issue`].
    pub nonce: String,
    /// The algorithm the phone must use with this challenge.
    pub algorithm: Algorithm,
    /// True when the previous attempt had the right credentials but a stale nonce, so the phone
    /// retries without asking its user again (RFC 7616 §3.3).
    pub stale: bool,
}

/// The digest credentials of an `Authorization` header, as the phone sent them.
#[derive(Clone, Eq, PartialEq)]
pub struct Credentials {
    /// The user name (the extension, for agents' phones).
    pub username: String,
    /// The realm the phone computed its HA1 with.
    pub realm: String,
    /// The nonce the phone answers.
    pub nonce: String,
    /// The digest URI (the Request-URI the phone signed).
    pub uri: String,
    /// The response hash, lowercase hex as sent.
    pub response: String,
    /// The algorithm; `MD5` when the header names none.
    pub algorithm: Algorithm,
    /// `qop` as sent (only `auth` is accepted by [`verify`]).
    pub qop: Option<String>,
    /// The client nonce (required with `qop`).
    pub cnonce: Option<String>,
    /// The nonce count exactly as sent (eight hex digits); it is hashed as sent.
    pub nc_text: Option<String>,
    /// The nonce count's value.
    pub nc: Option<u32>,
    /// `opaque`, if the phone echoed one.
    pub opaque: Option<String>,
}

/// Why an `Authorization` header could not be read.
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The header is not a `Digest` one (e.g. `Basic`).
    #[error("not a Digest authorization")]
    NotDigest,
    /// The header is longer than [`AUTHORIZATION_LEN_MAX`] or has too many parameters.
    #[error("authorization header too long")]
    TooLong,
    /// The parameter list does not follow the grammar.
    #[error("malformed authorization header: {0}")]
    Malformed(&'static str),
    /// A required parameter is missing.
    #[error("authorization header lacks {0}")]
    Missing(&'static str),
    /// The same parameter appears twice.
    #[error("authorization header repeats {0}")]
    Repeated(String),
    /// An algorithm Sentral does not offer (e.g. `MD5-sess`).
    #[error("unsupported digest algorithm {0:?}")]
    UnsupportedAlgorithm(String),
    /// `nc` is not eight hex digits.
    #[error("malformed nonce count")]
    BadNonceCount,
}

/// What [`NonceBook::use_nonce`] found.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum NonceUse {
    /// The nonce is ours, live, and this nonce count is new: the request is not a replay.
    Fresh,
    /// The nonce cannot be used (see the reason); the phone should get a new one with
    /// `stale=true`.
    Stale(StaleReason),
}

/// Why a nonce is stale.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum StaleReason {
    /// Not a nonce we issued (forged, altered, or from before a restart).
    NotOurs,
    /// Older than the nonce lifetime.
    Expired,
    /// This nonce count (or a higher one) was used before: a replay.
    Replayed,
    /// The book forgot this nonce to stay within its capacity, so a replay cannot be ruled out.
    Forgotten,
}

/// Issues nonces and remembers which nonce counts were used, so a captured request cannot be
/// replayed while its nonce lives. Memory is bounded by [`NonceBook::with_capacity`].
pub struct NonceBook {
    /// The key of the nonces' keyed hash; random per process.
    secret: [u8; 32],
    /// The instant nonces' issue times count from (the driver's start).
    epoch: Instant,
    /// How long a nonce may be used.
    lifetime: Duration,
    /// The serial of the next nonce, so two nonces issued in one millisecond differ.
    serial_next: u32,
    /// The highest nonce count used with each nonce, by (issued ms, serial).
    used: BTreeMap<(u64, u32), u32>,
    /// Nonces at or below this key were forgotten to respect `capacity`.
    forgotten_through: Option<(u64, u32)>,
    /// How many nonces `used` may remember.
    capacity: usize,
}

impl Algorithm {
    /// Every algorithm Sentral offers, the stronger first.
    pub const ALL: [Algorithm; 2] = [Algorithm::Sha256, Algorithm::Md5];

    /// The name in `algorithm=` (`MD5`, `SHA-256`).
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Sha256 => "SHA-256",
        }
    }

    /// Reads an `algorithm=` value; `None` for anything Sentral does not offer, including the
    /// `-sess` variants.
    pub fn parse(name: &str) -> Option<Algorithm> {
        if name.eq_ignore_ascii_case("MD5") {
            Some(Algorithm::Md5)
        } else if name.eq_ignore_ascii_case("SHA-256") {
            Some(Algorithm::Sha256)
        } else {
            None
        }
    }

    /// The lowercase hex hash of `data`.
    pub fn hash_hex(self, data: &[u8]) -> String {
        match self {
            Algorithm::Md5 => hex(&Md5::digest(data)),
            Algorithm::Sha256 => hex(&Sha256::digest(data)),
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Challenge {
    /// The `WWW-Authenticate` header value, e.g.
    /// `Digest realm="sentral", nonce="…", algorithm=MD5, qop="auth"`.
    pub fn header_value(&self) -> String {
        let mut value = format!(
            "Digest realm=\"{}\", nonce=\"{}\", algorithm={}, qop=\"auth\"",
            escape(&self.realm),
            escape(&self.nonce),
            self.algorithm.name()
        );
        if self.stale {
            value.push_str(", stale=true");
        }
        value
    }
}

impl Credentials {
    /// Reads an `Authorization` header value (`Digest username="…", …`).
    pub fn parse(header_value: &str) -> Result<Credentials, ParseError> {
        if header_value.len() > AUTHORIZATION_LEN_MAX {
            return Err(ParseError::TooLong);
        }
        let text = header_value.trim_start();
        let scheme_end = text.find([' ', '\t']).unwrap_or(text.len());
        if !text[..scheme_end].eq_ignore_ascii_case("Digest") {
            return Err(ParseError::NotDigest);
        }
        let params = parse_params(&text[scheme_end..])?;
        let mut fields: [Option<String>; FIELDS.len()] = Default::default();
        for (name, value) in params {
            let Some(index) = FIELDS.iter().position(|f| f.eq_ignore_ascii_case(&name)) else {
                continue; // Unknown parameters are ignored (RFC 7616 §3.4).
            };
            if fields[index].is_some() {
                return Err(ParseError::Repeated(FIELDS[index].to_owned()));
            }
            fields[index] = Some(value);
        }
        let [
            username,
            realm,
            nonce,
            uri,
            response,
            algorithm,
            qop,
            cnonce,
            nc,
            opaque,
        ] = fields;
        let algorithm = match algorithm {
            None => Algorithm::Md5,
            Some(name) => Algorithm::parse(&name).ok_or(ParseError::UnsupportedAlgorithm(name))?,
        };
        let nc_value = match &nc {
            None => None,
            Some(text) => Some(parse_nc(text)?),
        };
        Ok(Credentials {
            username: username.ok_or(ParseError::Missing("username"))?,
            realm: realm.ok_or(ParseError::Missing("realm"))?,
            nonce: nonce.ok_or(ParseError::Missing("nonce"))?,
            uri: uri.ok_or(ParseError::Missing("uri"))?,
            response: response.ok_or(ParseError::Missing("response"))?,
            algorithm,
            qop,
            cnonce,
            nc_text: nc,
            nc: nc_value,
            opaque,
        })
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The response is a password-equivalent for this nonce: never logged.
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("realm", &self.realm)
            .field("nonce", &self.nonce)
            .field("uri", &self.uri)
            .field("algorithm", &self.algorithm)
            .field("qop", &self.qop)
            .field("nc", &self.nc)
            .finish_non_exhaustive()
    }
}

/// `H(username:realm:password)` in lowercase hex: what the configuration stores instead of the
/// password.
pub fn ha1(algorithm: Algorithm, username: &str, realm: &str, password: &str) -> String {
    algorithm.hash_hex(format!("{username}:{realm}:{password}").as_bytes())
}

/// The expected `response` for `qop=auth` (RFC 7616 §3.4.1):
/// `H(HA1:nonce:nc:cnonce:qop:H(method:uri))`.
#[allow(clippy::too_many_arguments)] // The RFC's inputs, named as it names them.
pub fn response(
    algorithm: Algorithm,
    ha1_hex: &str,
    nonce: &str,
    nc: &str,
    cnonce: &str,
    qop: &str,
    method: &str,
    uri: &str,
) -> String {
    let ha2 = algorithm.hash_hex(format!("{method}:{uri}").as_bytes());
    algorithm.hash_hex(format!("{ha1_hex}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}").as_bytes())
}

/// Whether `credentials` answer their nonce correctly for a request with `method`, given the
/// stored `ha1_hex` of their algorithm. Requires `qop=auth` with `cnonce` and `nc` (replay
/// protection rests on `nc`). The comparison takes the same time wherever the first difference
/// is. It says nothing about the nonce's freshness: see [`NonceBook::use_nonce`].
pub fn verify(credentials: &Credentials, method: &str, ha1_hex: &str) -> bool {
    let (Some(qop), Some(cnonce), Some(nc)) =
        (&credentials.qop, &credentials.cnonce, &credentials.nc_text)
    else {
        return false;
    };
    if !qop.eq_ignore_ascii_case("auth") {
        return false;
    }
    let expected = response(
        credentials.algorithm,
        &ha1_hex.to_ascii_lowercase(),
        &credentials.nonce,
        nc,
        cnonce,
        qop,
        method,
        &credentials.uri,
    );
    let given = credentials.response.to_ascii_lowercase();
    constant_time_eq(expected.as_bytes(), given.as_bytes())
}

/// Byte-wise equality whose time depends only on the lengths, not on where the inputs differ.
/// Lengths are not secret here (a hex digest's length follows from its algorithm).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut difference = 0u8;
    for (x, y) in a.iter().zip(b) {
        difference |= x ^ y;
    }
    // Keeps the optimiser from turning the loop into an early-exit comparison.
    std::hint::black_box(difference) == 0
}

impl NonceBook {
    /// Nonces remembered by default (about 40 bytes each).
    pub const CAPACITY_DEFAULT: usize = 100_000;

    /// A book whose nonces live for `lifetime`, keyed with `secret` (random, per process), with
    /// issue times counted from `epoch`.
    pub fn new(secret: [u8; 32], epoch: Instant, lifetime: Duration) -> NonceBook {
        NonceBook::with_capacity(secret, epoch, lifetime, NonceBook::CAPACITY_DEFAULT)
    }

    /// Like [`NonceBook::new`], remembering at most `capacity` used nonces; past it the oldest
    /// are forgotten and count as stale from then on.
    pub fn with_capacity(
        secret: [u8; 32],
        epoch: Instant,
        lifetime: Duration,
        capacity: usize,
    ) -> NonceBook {
        assert!(capacity > 0, "a nonce book remembers at least one nonce");
        NonceBook {
            secret,
            epoch,
            lifetime,
            serial_next: 0,
            used: BTreeMap::new(),
            forgotten_through: None,
            capacity,
        }
    }

    /// How long a nonce may be used.
    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// A new nonce: 56 hex digits of issue time, serial and keyed hash.
    pub fn issue(&mut self, now: Instant) -> String {
        let issued_ms = self.ms_since_epoch(now);
        let serial = self.serial_next;
        self.serial_next = self.serial_next.wrapping_add(1);
        let mut bytes = [0u8; NONCE_LEN];
        bytes[..8].copy_from_slice(&issued_ms.to_be_bytes());
        bytes[8..12].copy_from_slice(&serial.to_be_bytes());
        let tag = self.tag(&bytes[..12]);
        bytes[12..].copy_from_slice(&tag[..NONCE_TAG_LEN]);
        hex(&bytes)
    }

    /// Checks `nonce` with nonce count `nc` and, if it is fresh, remembers `nc` so the same
    /// count can never be used again. Call it only once the response was verified; a wrong
    /// answer goes to [`NonceBook::spend`] instead.
    pub fn use_nonce(&mut self, nonce: &str, nc: u32, now: Instant) -> NonceUse {
        let key = match self.live_key(nonce, now) {
            Ok(key) => key,
            Err(reason) => return NonceUse::Stale(reason),
        };
        self.forget_expired(self.ms_since_epoch(now));
        match self.verdict(key, nc) {
            NonceUse::Fresh => {
                self.remember(key, nc);
                NonceUse::Fresh
            }
            stale => stale,
        }
    }

    /// What [`NonceBook::use_nonce`] would answer, without remembering anything: a request is
    /// checked with this before its response is computed, so a nonce that cannot be used costs
    /// no hashing and tells nothing about the response.
    pub fn check(&self, nonce: &str, nc: u32, now: Instant) -> NonceUse {
        match self.live_key(nonce, now) {
            Ok(key) => self.verdict(key, nc),
            Err(reason) => NonceUse::Stale(reason),
        }
    }

    /// Uses `nonce` up: from now on every count of it is [`StaleReason::Replayed`]. Called for a
    /// wrong answer, so each guess at a password needs a new challenge. A nonce that is not ours
    /// or no longer live is left alone (it is stale already).
    pub fn spend(&mut self, nonce: &str, now: Instant) {
        let Ok(key) = self.live_key(nonce, now) else {
            return;
        };
        self.forget_expired(self.ms_since_epoch(now));
        if self.verdict(key, u32::MAX) == NonceUse::Stale(StaleReason::Forgotten) {
            return;
        }
        self.remember(key, u32::MAX);
    }

    /// How many nonces the book remembers now.
    pub fn n_remembered(&self) -> usize {
        self.used.len()
    }

    /// The book's key of `nonce` when it is ours and live at `now`.
    fn live_key(&self, nonce: &str, now: Instant) -> Result<(u64, u32), StaleReason> {
        let (issued_ms, serial) = self.decode(nonce).ok_or(StaleReason::NotOurs)?;
        let now_ms = self.ms_since_epoch(now);
        // A nonce from the future cannot be ours either (the tag matched, so this is a bug
        // or a clock that went backwards; refuse it).
        if issued_ms > now_ms {
            return Err(StaleReason::NotOurs);
        }
        if now_ms - issued_ms > self.lifetime.as_millis() as u64 {
            return Err(StaleReason::Expired);
        }
        Ok((issued_ms, serial))
    }

    /// Whether count `nc` of the live nonce `key` is new.
    fn verdict(&self, key: (u64, u32), nc: u32) -> NonceUse {
        match self.used.get(&key) {
            Some(highest) if nc <= *highest => NonceUse::Stale(StaleReason::Replayed),
            Some(_) => NonceUse::Fresh,
            None if self.forgotten_through.is_some_and(|through| key <= through) => {
                NonceUse::Stale(StaleReason::Forgotten)
            }
            None => NonceUse::Fresh,
        }
    }

    /// Records `nc` as the highest count used with `key`, forgetting the oldest nonces past
    /// the capacity.
    fn remember(&mut self, key: (u64, u32), nc: u32) {
        self.used.insert(key, nc);
        while self.used.len() > self.capacity {
            let oldest = self.used.pop_first().expect("over capacity").0;
            self.forgotten_through = Some(oldest);
        }
    }

    fn decode(&self, nonce: &str) -> Option<(u64, u32)> {
        let bytes = unhex::<NONCE_LEN>(nonce)?;
        let tag = self.tag(&bytes[..12]);
        if !constant_time_eq(&tag[..NONCE_TAG_LEN], &bytes[12..]) {
            return None;
        }
        let issued_ms = u64::from_be_bytes(bytes[..8].try_into().expect("8 bytes"));
        let serial = u32::from_be_bytes(bytes[8..12].try_into().expect("4 bytes"));
        Some((issued_ms, serial))
    }

    fn tag(&self, message: &[u8]) -> [u8; 32] {
        hmac_sha256(&self.secret, message)
    }

    fn forget_expired(&mut self, now_ms: u64) {
        let lifetime_ms = self.lifetime.as_millis() as u64;
        let Some(cutoff) = now_ms.checked_sub(lifetime_ms) else {
            return;
        };
        // Expired nonces are refused by age, so their counts need not be remembered.
        self.used = self.used.split_off(&(cutoff, 0));
    }

    fn ms_since_epoch(&self, now: Instant) -> u64 {
        now.saturating_duration_since(self.epoch).as_millis() as u64
    }
}

impl fmt::Debug for NonceBook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NonceBook")
            .field("lifetime", &self.lifetime)
            .field("n_remembered", &self.used.len())
            .finish_non_exhaustive()
    }
}

/// HMAC-SHA-256 (RFC 2104) with a key of at most one block.
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    assert!(
        key.len() <= HMAC_BLOCK_LEN,
        "keys longer than a block are not used here"
    );
    let mut inner_pad = [0x36u8; HMAC_BLOCK_LEN];
    let mut outer_pad = [0x5cu8; HMAC_BLOCK_LEN];
    for (i, byte) in key.iter().enumerate() {
        inner_pad[i] ^= byte;
        outer_pad[i] ^= byte;
    }
    let inner = Sha256::new()
        .chain_update(inner_pad)
        .chain_update(message)
        .finalize();
    let outer = Sha256::new()
        .chain_update(outer_pad)
        .chain_update(inner)
        .finalize();
    let mut out = [0u8; 32];
    out.copy_from_slice(&outer);
    out
}

/// Splits `, name=value, name="quoted value"` into pairs (RFC 7235 auth-param).
fn parse_params(text: &str) -> Result<Vec<(String, String)>, ParseError> {
    let bytes = text.as_bytes();
    let mut params = Vec::new();
    let mut i = 0;
    loop {
        while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b',' | b'\r' | b'\n') {
            i += 1;
        }
        if i == bytes.len() {
            return Ok(params);
        }
        if params.len() == PARAMS_MAX {
            return Err(ParseError::TooLong);
        }
        let name_start = i;
        while i < bytes.len() && is_token_byte(bytes[i]) {
            i += 1;
        }
        if i == name_start {
            return Err(ParseError::Malformed("expected a parameter name"));
        }
        let name = text[name_start..i].to_owned();
        while i < bytes.len() && matches!(bytes[i], b' ' | b'\t') {
            i += 1;
        }
        if bytes.get(i) != Some(&b'=') {
            return Err(ParseError::Malformed("expected '=' after a parameter name"));
        }
        i += 1;
        while i < bytes.len() && matches!(bytes[i], b' ' | b'\t') {
            i += 1;
        }
        let value = if bytes.get(i) == Some(&b'"') {
            i += 1;
            let mut value = Vec::new();
            loop {
                match bytes.get(i) {
                    None => return Err(ParseError::Malformed("unterminated quoted string")),
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(b'\\') => {
                        let escaped = bytes
                            .get(i + 1)
                            .ok_or(ParseError::Malformed("unterminated quoted string"))?;
                        value.push(*escaped);
                        i += 2;
                    }
                    Some(byte) => {
                        value.push(*byte);
                        i += 1;
                    }
                }
            }
            String::from_utf8(value).map_err(|_| ParseError::Malformed("not UTF-8"))?
        } else {
            let value_start = i;
            while i < bytes.len() && is_token_byte(bytes[i]) {
                i += 1;
            }
            if i == value_start {
                return Err(ParseError::Malformed("expected a parameter value"));
            }
            text[value_start..i].to_owned()
        };
        params.push((name, value));
        while i < bytes.len() && matches!(bytes[i], b' ' | b'\t') {
            i += 1;
        }
        match bytes.get(i) {
            None => return Ok(params),
            Some(b',') => i += 1,
            Some(_) => return Err(ParseError::Malformed("expected ',' between parameters")),
        }
    }
}

/// RFC 7230 `tchar`, plus the URI characters `/ : @ [ ] ? ;` that some phones send unquoted
/// (e.g. `uri=sip:1001@host`).
fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~/:@[]?;".contains(&byte)
}

fn parse_nc(text: &str) -> Result<u32, ParseError> {
    if text.len() != 8 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ParseError::BadNonceCount);
    }
    u32::from_str_radix(text, 16).map_err(|_| ParseError::BadNonceCount)
}

/// A quoted-string's content with `"` and `\` escaped.
fn escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(DIGITS[usize::from(byte >> 4)] as char);
        text.push(DIGITS[usize::from(byte & 0x0f)] as char);
    }
    text
}

fn unhex<const N: usize>(text: &str) -> Option<[u8; N]> {
    let digits = text.as_bytes();
    if digits.len() != N * 2 {
        return None;
    }
    let mut bytes = [0u8; N];
    for (i, pair) in digits.chunks_exact(2).enumerate() {
        let high = (pair[0] as char).to_digit(16)?;
        let low = (pair[1] as char).to_digit(16)?;
        bytes[i] = (high * 16 + low) as u8;
    }
    Some(bytes)
}

/// The parameters [`Credentials`] reads, in the order of its fields.
const FIELDS: [&str; 10] = [
    "username",
    "realm",
    "nonce",
    "uri",
    "response",
    "algorithm",
    "qop",
    "cnonce",
    "nc",
    "opaque",
];
/// Longest `Authorization` header value read.
pub const AUTHORIZATION_LEN_MAX: usize = 4096;
/// Most parameters read from one header.
const PARAMS_MAX: usize = 32;
/// Bytes in a nonce: 8 of issue time, 4 of serial, the rest keyed hash.
const NONCE_LEN: usize = 28;
/// Bytes of the keyed hash kept in a nonce (128 bits).
const NONCE_TAG_LEN: usize = NONCE_LEN - 12;
/// SHA-256's block size.
const HMAC_BLOCK_LEN: usize = 64;

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 7616 §3.9.1.
    const USERNAME: &str = "Mufasa";
    const PASSWORD: &str = "Circle of Life";
    const REALM: &str = "http-auth@example.org";
    const NONCE: &str = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
    const CNONCE: &str = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
    const URI: &str = "/dir/index.html";
    const RESPONSE_MD5: &str = "8ca523f5e9506fed4657c9700eebdbec";
    const RESPONSE_SHA256: &str =
        "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1";

    fn rfc_authorization(algorithm: &str, response: &str) -> String {
        // The header as RFC 7616 §3.9.1 prints it, folded onto one line.
        format!(
            "Digest username=\"{USERNAME}\", realm=\"{REALM}\", uri=\"{URI}\", \
             algorithm={algorithm}, nonce=\"{NONCE}\", nc=00000001, cnonce=\"{CNONCE}\", \
             qop=auth, response=\"{response}\", \
             opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\""
        )
    }

    #[test]
    fn rfc7616_3_9_1_sha256_response() {
        let ha1 = ha1(Algorithm::Sha256, USERNAME, REALM, PASSWORD);
        let computed = response(
            Algorithm::Sha256,
            &ha1,
            NONCE,
            "00000001",
            CNONCE,
            "auth",
            "GET",
            URI,
        );
        assert_eq!(computed, RESPONSE_SHA256);
        let credentials =
            Credentials::parse(&rfc_authorization("SHA-256", RESPONSE_SHA256)).unwrap();
        assert_eq!(credentials.algorithm, Algorithm::Sha256);
        assert!(verify(&credentials, "GET", &ha1));
        // The same credentials do not verify for another method or password.
        assert!(!verify(&credentials, "POST", &ha1));
        let other = super::ha1(Algorithm::Sha256, USERNAME, REALM, "circle of life");
        assert!(!verify(&credentials, "GET", &other));
    }

    #[test]
    fn rfc7616_3_9_1_md5_response() {
        let ha1 = ha1(Algorithm::Md5, USERNAME, REALM, PASSWORD);
        let computed = response(
            Algorithm::Md5,
            &ha1,
            NONCE,
            "00000001",
            CNONCE,
            "auth",
            "GET",
            URI,
        );
        assert_eq!(computed, RESPONSE_MD5);
        let credentials = Credentials::parse(&rfc_authorization("MD5", RESPONSE_MD5)).unwrap();
        assert_eq!(credentials.username, USERNAME);
        assert_eq!(credentials.realm, REALM);
        assert_eq!(credentials.nonce, NONCE);
        assert_eq!(credentials.uri, URI);
        assert_eq!(credentials.nc, Some(1));
        assert_eq!(credentials.cnonce.as_deref(), Some(CNONCE));
        assert!(verify(&credentials, "GET", &ha1));
        // An uppercase response from a phone is the same hex number.
        let upper =
            Credentials::parse(&rfc_authorization("MD5", &RESPONSE_MD5.to_uppercase())).unwrap();
        assert!(verify(&upper, "GET", &ha1));
    }

    #[test]
    fn the_demo_ha1_is_that_of_extension_realm_password() {
        // The values crates/server's configuration tests compute independently.
        assert_eq!(
            ha1(Algorithm::Md5, "1001", "sentral", "demo"),
            "de654e12d0da5f56b0bedd9c6469fb4b"
        );
    }

    #[test]
    fn a_response_without_qop_or_with_auth_int_is_refused() {
        let ha1 = ha1(Algorithm::Md5, USERNAME, REALM, PASSWORD);
        let mut credentials = Credentials::parse(&rfc_authorization("MD5", RESPONSE_MD5)).unwrap();
        credentials.qop = None;
        assert!(!verify(&credentials, "GET", &ha1));
        credentials.qop = Some("auth-int".into());
        assert!(!verify(&credentials, "GET", &ha1));
    }

    #[test]
    fn sess_variants_and_other_schemes_are_not_read() {
        assert_eq!(
            Credentials::parse(&rfc_authorization("MD5-sess", RESPONSE_MD5)),
            Err(ParseError::UnsupportedAlgorithm("MD5-sess".into()))
        );
        assert_eq!(
            Credentials::parse(&rfc_authorization("SHA-256-sess", RESPONSE_MD5)),
            Err(ParseError::UnsupportedAlgorithm("SHA-256-sess".into()))
        );
        assert_eq!(
            Credentials::parse("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="),
            Err(ParseError::NotDigest)
        );
    }

    #[test]
    fn malformed_headers_are_errors_not_panics() {
        for text in [
            "",
            "Digest",
            "Digest username",
            "Digest username=",
            "Digest username=\"unterminated",
            "Digest username=\"a\" realm=\"b\"",
            "Digest username=\"a\", username=\"b\"",
            "Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"x\", nc=1",
            "Digest \u{e9}=1",
            "Digest a=\"\\",
        ] {
            assert!(Credentials::parse(text).is_err(), "{text:?} parsed");
        }
        assert_eq!(
            Credentials::parse(&format!("Digest x=\"{}\"", "a".repeat(5000))),
            Err(ParseError::TooLong)
        );
    }

    #[test]
    fn quoted_strings_keep_escaped_characters_and_unquoted_uris_are_read() {
        let credentials = Credentials::parse(
            "digest username=\"a\\\"b\", realm=\"r\", nonce=\"n\", uri=sip:1001@127.0.0.1:5060, \
             response=\"00\", cnonce=\"c\", nc=0000000a, qop=auth, unknown=\"ignored\"",
        )
        .unwrap();
        assert_eq!(credentials.username, "a\"b");
        assert_eq!(credentials.uri, "sip:1001@127.0.0.1:5060");
        assert_eq!(credentials.nc, Some(10));
        assert_eq!(credentials.algorithm, Algorithm::Md5);
    }

    #[test]
    fn challenges_offer_qop_auth_and_say_when_stale() {
        let challenge = Challenge {
            realm: "sentral".into(),
            nonce: "abc".into(),
            algorithm: Algorithm::Sha256,
            stale: false,
        };
        assert_eq!(
            challenge.header_value(),
            "Digest realm=\"sentral\", nonce=\"abc\", algorithm=SHA-256, qop=\"auth\""
        );
        let stale = Challenge {
            stale: true,
            algorithm: Algorithm::Md5,
            ..challenge
        };
        assert!(
            stale
                .header_value()
                .ends_with("algorithm=MD5, qop=\"auth\", stale=true")
        );
    }

    #[test]
    fn constant_time_eq_is_equality() {
        assert!(constant_time_eq(b"", b""));
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"xbc"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }

    #[test]
    fn hmac_sha256_matches_rfc4231_test_case_2() {
        let tag = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex(&tag),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    fn book(t0: Instant) -> NonceBook {
        NonceBook::new([7; 32], t0, Duration::from_secs(300))
    }

    #[test]
    fn a_nonce_is_fresh_once_per_nonce_count() {
        let t0 = Instant::now();
        let mut book = book(t0);
        let nonce = book.issue(t0);
        assert_eq!(nonce.len(), 56);
        let t1 = t0 + Duration::from_secs(1);
        assert_eq!(book.use_nonce(&nonce, 1, t1), NonceUse::Fresh);
        assert_eq!(
            book.use_nonce(&nonce, 1, t1),
            NonceUse::Stale(StaleReason::Replayed)
        );
        assert_eq!(book.use_nonce(&nonce, 2, t1), NonceUse::Fresh);
        assert_eq!(
            book.use_nonce(&nonce, 1, t1),
            NonceUse::Stale(StaleReason::Replayed)
        );
    }

    #[test]
    fn a_spent_nonce_is_replayed_at_every_count() {
        // Goal: a wrong answer uses its nonce up, so the next guess needs a new challenge.
        let t0 = Instant::now();
        let mut book = book(t0);
        let nonce = book.issue(t0);
        assert_eq!(book.check(&nonce, 1, t0), NonceUse::Fresh);
        book.spend(&nonce, t0);
        for nc in [1, 2, u32::MAX] {
            assert_eq!(
                book.check(&nonce, nc, t0),
                NonceUse::Stale(StaleReason::Replayed)
            );
            assert_eq!(
                book.use_nonce(&nonce, nc, t0),
                NonceUse::Stale(StaleReason::Replayed)
            );
        }
        // Another nonce is not touched.
        let other = book.issue(t0);
        assert_eq!(book.use_nonce(&other, 1, t0), NonceUse::Fresh);
    }

    #[test]
    fn check_answers_as_use_nonce_but_remembers_nothing() {
        let t0 = Instant::now();
        let mut book = book(t0);
        let nonce = book.issue(t0);
        assert_eq!(book.check(&nonce, 1, t0), NonceUse::Fresh);
        assert_eq!(book.check(&nonce, 1, t0), NonceUse::Fresh);
        assert_eq!(book.n_remembered(), 0);
        assert_eq!(book.use_nonce(&nonce, 1, t0), NonceUse::Fresh);
        assert_eq!(
            book.check(&nonce, 1, t0),
            NonceUse::Stale(StaleReason::Replayed)
        );
        assert_eq!(book.check(&nonce, 2, t0), NonceUse::Fresh);
        assert_eq!(
            book.check("00", 1, t0),
            NonceUse::Stale(StaleReason::NotOurs)
        );
        assert_eq!(
            book.check(&nonce, 2, t0 + Duration::from_secs(301)),
            NonceUse::Stale(StaleReason::Expired)
        );
    }

    #[test]
    fn two_nonces_issued_at_once_differ() {
        let t0 = Instant::now();
        let mut book = book(t0);
        assert_ne!(book.issue(t0), book.issue(t0));
    }

    #[test]
    fn a_nonce_expires_after_its_lifetime() {
        let t0 = Instant::now();
        let mut book = book(t0);
        let nonce = book.issue(t0);
        let late = t0 + Duration::from_secs(301);
        assert_eq!(
            book.use_nonce(&nonce, 1, late),
            NonceUse::Stale(StaleReason::Expired)
        );
        let in_time = book.issue(late);
        assert_eq!(
            book.use_nonce(&in_time, 1, late + Duration::from_secs(299)),
            NonceUse::Fresh
        );
    }

    #[test]
    fn forged_altered_and_foreign_nonces_are_not_ours() {
        let t0 = Instant::now();
        let mut book = book(t0);
        let nonce = book.issue(t0);
        let mut altered = nonce.clone().into_bytes();
        altered[15] = if altered[15] == b'0' { b'1' } else { b'0' };
        let altered = String::from_utf8(altered).unwrap();
        let mut other = NonceBook::new([8; 32], t0, Duration::from_secs(300));
        for bad in [altered.as_str(), NONCE, "", "zz", &other.issue(t0)] {
            assert_eq!(
                book.use_nonce(bad, 1, t0),
                NonceUse::Stale(StaleReason::NotOurs),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_full_book_forgets_its_oldest_nonces_and_counts_them_stale() {
        let t0 = Instant::now();
        let mut book = NonceBook::with_capacity([7; 32], t0, Duration::from_secs(300), 2);
        let first = book.issue(t0);
        let second = book.issue(t0);
        let third = book.issue(t0);
        assert_eq!(book.use_nonce(&first, 1, t0), NonceUse::Fresh);
        assert_eq!(book.use_nonce(&second, 1, t0), NonceUse::Fresh);
        assert_eq!(book.use_nonce(&third, 1, t0), NonceUse::Fresh);
        assert_eq!(book.n_remembered(), 2);
        // The first nonce's count was forgotten: it could be a replay, so it is stale.
        assert_eq!(
            book.use_nonce(&first, 1, t0),
            NonceUse::Stale(StaleReason::Forgotten)
        );
        assert_eq!(book.use_nonce(&third, 2, t0), NonceUse::Fresh);
    }

    #[test]
    fn expired_nonces_are_dropped_from_memory() {
        let t0 = Instant::now();
        let mut book = book(t0);
        for _ in 0..10 {
            let nonce = book.issue(t0);
            assert_eq!(book.use_nonce(&nonce, 1, t0), NonceUse::Fresh);
        }
        let later = t0 + Duration::from_secs(400);
        let nonce = book.issue(later);
        assert_eq!(book.use_nonce(&nonce, 1, later), NonceUse::Fresh);
        assert_eq!(book.n_remembered(), 1);
    }
}
