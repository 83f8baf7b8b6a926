//! SRTP for call legs (RFC 3711) with keys exchanged in SDP (SDES, RFC 4568), sans IO.
//!
//! Each leg has its own master key, which the driver draws from the operating system's
//! randomness when the leg's RTP socket opens. Our SDP carries it in an `a=crypto` line; the
//! far end's SDP carries its own. What a leg sends is protected with our key, what it
//! receives is checked and decrypted with the far end's ([`SrtpKeys`]).
//!
//! Keys travel in the SIP message body, so they are exchanged only over SIP over TLS: an
//! offer that carries keys over UDP or TCP is refused (its keys are already public), and we
//! offer keys only to phones and trunks reached over TLS. What a phone or trunk gets is its
//! [`SrtpPolicy`]:
//!
//! | policy    | over TLS                                         | over UDP or TCP       |
//! |-----------|--------------------------------------------------|-----------------------|
//! | `off`     | plain RTP; `RTP/SAVP` offers get 488             | plain RTP             |
//! | `offer`   | SRTP when the far end takes it, else plain RTP   | plain RTP             |
//! | `require` | SRTP only; plain offers and answers are refused  | no call at all        |
//!
//! With `offer` we offer `RTP/AVP` with an `a=crypto` line (best-effort SRTP, as Asterisk's
//! `media_encryption_optimistic` and baresip's `mediaenc=srtp` do), so a phone without SRTP
//! still answers, in plain RTP; with `require` we offer `RTP/SAVP`. An answer mirrors the
//! offer's profile.
//!
//! Suites: `AES_CM_128_HMAC_SHA1_80` (offered, the one every SDES endpoint has) and
//! `AES_CM_128_HMAC_SHA1_32` (accepted). A crypto line with several keys, a master key
//! identifier (MKI) or a session parameter other than the window-size hint is not usable
//! (RFC 4568 §6.3: an answerer skips lines it does not understand). The transform is
//! `rtc-srtp` (webrtc-rs's sans-IO SRTP, on *ring*), with replay protection on what we receive.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use rtc_srtp::context::Context;
use rtc_srtp::protection_profile::ProtectionProfile;
use std::fmt;

/// Whether a phone or trunk gets SRTP (see the module docs).
#[derive(Clone, Copy, Debug, Default, Eq, Hash, PartialEq)]
pub enum SrtpPolicy {
    /// Plain RTP only.
    Off,
    /// SRTP when the far end takes it and its signalling is over TLS; plain RTP otherwise.
    #[default]
    Offer,
    /// SRTP only: calls in plain RTP, or to a phone or trunk not reached over TLS, fail.
    Require,
}

impl SrtpPolicy {
    /// The configuration's name: `off`, `offer` or `require`.
    pub const fn as_str(self) -> &'static str {
        match self {
            SrtpPolicy::Off => "off",
            SrtpPolicy::Offer => "offer",
            SrtpPolicy::Require => "require",
        }
    }

    /// Reads the configuration's name.
    pub fn parse(name: &str) -> Option<SrtpPolicy> {
        [SrtpPolicy::Off, SrtpPolicy::Offer, SrtpPolicy::Require]
            .into_iter()
            .find(|policy| policy.as_str() == name)
    }
}

impl fmt::Display for SrtpPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An SRTP crypto suite we implement (RFC 4568 §6.2).
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub enum Suite {
    /// AES-128 in counter mode, HMAC-SHA1 with an 80-bit tag.
    AesCm128HmacSha1_80,
    /// AES-128 in counter mode, HMAC-SHA1 with a 32-bit tag.
    AesCm128HmacSha1_32,
}

impl Suite {
    /// Its name in `a=crypto`.
    pub const fn name(self) -> &'static str {
        match self {
            Suite::AesCm128HmacSha1_80 => "AES_CM_128_HMAC_SHA1_80",
            Suite::AesCm128HmacSha1_32 => "AES_CM_128_HMAC_SHA1_32",
        }
    }

    fn from_name(name: &str) -> Option<Suite> {
        [Suite::AesCm128HmacSha1_80, Suite::AesCm128HmacSha1_32]
            .into_iter()
            .find(|suite| suite.name() == name)
    }

    fn profile(self) -> ProtectionProfile {
        match self {
            Suite::AesCm128HmacSha1_80 => ProtectionProfile::Aes128CmHmacSha1_80,
            Suite::AesCm128HmacSha1_32 => ProtectionProfile::Aes128CmHmacSha1_32,
        }
    }
}

/// Bytes of a master key followed by its master salt: 16 + 14 for AES-128.
pub const MASTER_KEY_LEN: usize = 30;

/// A master key and salt. Its `Debug` does not show it, so logs never hold a key.
#[derive(Clone, Copy, Eq, PartialEq)]
pub struct MasterKey(pub [u8; MASTER_KEY_LEN]);

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

impl MasterKey {
    /// A fresh key from the operating system's randomness.
    pub fn random() -> MasterKey {
        let mut bytes = [0u8; MASTER_KEY_LEN];
        getrandom::fill(&mut bytes).expect("the operating system provides randomness");
        MasterKey(bytes)
    }
}

/// One usable `a=crypto` line: its tag, suite and key.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct Crypto {
    /// The tag that pairs an answer's line with the offer's (1 to 999999999).
    pub tag: u32,
    /// The suite.
    pub suite: Suite,
    /// The sender's master key and salt.
    pub key: MasterKey,
}

/// Why an `a=crypto` line is not usable.
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
pub enum CryptoError {
    /// Not `tag suite inline:key`.
    #[error("a=crypto is not \"tag suite inline:key\"")]
    Malformed,
    /// A suite we do not implement.
    #[error("crypto suite {0:?} is not supported (AES_CM_128_HMAC_SHA1_80 or _32 are)")]
    UnknownSuite(String),
    /// Not one base64 key of 30 bytes without an MKI.
    #[error("the key is not one base64 master key and salt of 30 bytes without MKI")]
    BadKey,
    /// A session parameter we do not implement (RFC 4568 §6.3).
    #[error("session parameter {0:?} is not supported")]
    SessionParameter(String),
}

impl Crypto {
    /// Reads the value of an `a=crypto:` attribute (RFC 4568 §9.1).
    pub fn parse(value: &str) -> Result<Crypto, CryptoError> {
        let mut fields = value.split_ascii_whitespace();
        let (Some(tag), Some(suite), Some(key_params)) =
            (fields.next(), fields.next(), fields.next())
        else {
            return Err(CryptoError::Malformed);
        };
        // 1*9DIGIT
        if tag.is_empty() || tag.len() > 9 || !tag.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CryptoError::Malformed);
        }
        let tag = tag.parse::<u32>().map_err(|_| CryptoError::Malformed)?;
        let suite = Suite::from_name(suite)
            .ok_or_else(|| CryptoError::UnknownSuite(bounded(suite).to_owned()))?;
        // One key; several (`;`) go with MKIs, which we do not implement.
        let key_info = key_params
            .strip_prefix("inline:")
            .filter(|info| !info.contains(';'))
            .ok_or(CryptoError::BadKey)?;
        let mut parts = key_info.split('|');
        let key_salt = parts.next().unwrap_or_default();
        for part in parts {
            // A lifetime (`2^31` or digits) is fine; an MKI (`1:4`) is not.
            let lifetime = part.strip_prefix("2^").unwrap_or(part);
            if lifetime.is_empty() || !lifetime.bytes().all(|b| b.is_ascii_digit()) {
                return Err(CryptoError::BadKey);
            }
        }
        let decoded = BASE64.decode(key_salt).map_err(|_| CryptoError::BadKey)?;
        let key = <[u8; MASTER_KEY_LEN]>::try_from(decoded.as_slice())
            .map_err(|_| CryptoError::BadKey)?;
        for parameter in fields {
            if !parameter.starts_with("WSH=") {
                return Err(CryptoError::SessionParameter(bounded(parameter).to_owned()));
            }
        }
        Ok(Crypto {
            tag,
            suite,
            key: MasterKey(key),
        })
    }

    /// The SDP line, without its line ending: `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:…`.
    pub fn attribute(&self) -> String {
        format!(
            "a=crypto:{} {} inline:{}",
            self.tag,
            self.suite.name(),
            BASE64.encode(self.key.0)
        )
    }
}

/// At most 40 characters of a remote value, for an error message.
fn bounded(text: &str) -> &str {
    match text.char_indices().nth(40) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

/// The keys of a leg once offer and answer agreed on SRTP.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct SrtpKeys {
    /// The agreed suite.
    pub suite: Suite,
    /// Ours: what we send is protected with it.
    pub send: MasterKey,
    /// The far end's: what we receive is checked with it.
    pub receive: MasterKey,
}

/// What the far end's SDP says about SRTP, as [`crate::sdp::parse`] read it.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct RemoteSecurity {
    /// The stream is `RTP/SAVP` (SRTP only), not `RTP/AVP`.
    pub savp: bool,
    /// Its usable `a=crypto` lines, in the order given (the offerer's preference).
    pub crypto: Vec<Crypto>,
    /// How many `a=crypto` lines it had, usable or not.
    pub crypto_lines: usize,
    /// Why the first unusable line was not usable.
    pub unusable: Option<CryptoError>,
}

impl RemoteSecurity {
    /// The far end asks for or offers SRTP.
    pub fn wants_srtp(&self) -> bool {
        self.savp || self.crypto_lines > 0
    }
}

/// How our SDP protects the audio stream.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Offered {
    /// `RTP/AVP` without keys.
    Plain,
    /// `RTP/AVP` with a crypto line: SRTP if the far end takes it (best effort).
    BestEffort(Crypto),
    /// `RTP/SAVP` with a crypto line: SRTP only.
    Required(Crypto),
}

impl Offered {
    /// The crypto line we offered, if any.
    pub fn crypto(self) -> Option<Crypto> {
        match self {
            Offered::Plain => None,
            Offered::BestEffort(crypto) | Offered::Required(crypto) => Some(crypto),
        }
    }
}

/// Why the far end's SDP cannot be accepted under a policy: the reason phrase of a 488.
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

/// What we offer a phone or trunk under `policy`, with our `key`; `Err` when `require` meets
/// signalling that is not TLS (the keys would cross in the clear).
pub fn offer(policy: SrtpPolicy, over_tls: bool, key: MasterKey) -> Result<Offered, Refused> {
    let ours = Crypto {
        tag: 1,
        suite: Suite::AesCm128HmacSha1_80,
        key,
    };
    match (policy, over_tls) {
        (SrtpPolicy::Off, _) | (SrtpPolicy::Offer, false) => Ok(Offered::Plain),
        (SrtpPolicy::Offer, true) => Ok(Offered::BestEffort(ours)),
        (SrtpPolicy::Require, true) => Ok(Offered::Required(ours)),
        (SrtpPolicy::Require, false) => Err(Refused(
            "srtp = \"require\" needs SIP over TLS, so the keys do not cross in the clear".into(),
        )),
    }
}

/// The far end's crypto line we answer an offer with under `policy` (`None`: plain RTP), or
/// why the offer is refused.
pub fn answer(
    remote: &RemoteSecurity,
    policy: SrtpPolicy,
    over_tls: bool,
) -> Result<Option<Crypto>, Refused> {
    let first = remote.crypto.first().copied();
    if remote.savp && !over_tls {
        return Err(Refused(
            "SRTP keys over plain SIP are refused: offer RTP/SAVP over SIP over TLS".into(),
        ));
    }
    match policy {
        SrtpPolicy::Off if remote.savp => Err(Refused("SRTP is off for this peer".into())),
        SrtpPolicy::Off => Ok(None),
        SrtpPolicy::Offer | SrtpPolicy::Require if over_tls && first.is_some() => Ok(first),
        SrtpPolicy::Offer if !remote.savp => Ok(None),
        SrtpPolicy::Require if !over_tls => Err(Refused(
            "SRTP is required: call over SIP over TLS with RTP/SAVP and a=crypto".into(),
        )),
        SrtpPolicy::Require if !remote.wants_srtp() => Err(Refused(
            "SRTP is required: offer RTP/SAVP with a=crypto".into(),
        )),
        _ => Err(Refused(match &remote.unusable {
            Some(error) => format!("no usable a=crypto: {error}"),
            None => "RTP/SAVP without a=crypto".into(),
        })),
    }
}

/// The keys agreed by the far end's answer to our offer (`None`: plain RTP), or why the
/// answer cannot be used.
pub fn answered(remote: &RemoteSecurity, offered: Offered) -> Result<Option<SrtpKeys>, Refused> {
    let Some(ours) = offered.crypto() else {
        return Ok(None);
    };
    let theirs = remote
        .crypto
        .iter()
        .find(|crypto| crypto.tag == ours.tag && crypto.suite == ours.suite);
    match (theirs, offered) {
        (Some(theirs), _) => Ok(Some(SrtpKeys {
            suite: ours.suite,
            send: ours.key,
            receive: theirs.key,
        })),
        (None, Offered::Required(_)) => Err(Refused(
            "the answer has no a=crypto for the offered tag and suite".into(),
        )),
        (None, _) if remote.savp => Err(Refused("the answer is RTP/SAVP without keys".into())),
        (None, _) => Ok(None),
    }
}

/// Protects what a leg sends and checks what it receives, with a leg's [`SrtpKeys`].
pub struct SrtpStream {
    keys: SrtpKeys,
    outbound: Context,
    inbound: Context,
}

impl fmt::Debug for SrtpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SrtpStream")
            .field("suite", &self.keys.suite)
            .finish_non_exhaustive()
    }
}

/// Packets within this distance behind the newest are still taken once (RFC 3711 §3.3.2).
const REPLAY_WINDOW: usize = 128;

impl SrtpStream {
    /// Contexts for `keys`.
    pub fn new(keys: SrtpKeys) -> SrtpStream {
        SrtpStream {
            keys,
            outbound: context(keys.suite, &keys.send, false),
            inbound: context(keys.suite, &keys.receive, true),
        }
    }

    /// The keys it uses.
    pub fn keys(&self) -> SrtpKeys {
        self.keys
    }

    /// Takes new keys: a direction whose key changed starts afresh, the other keeps its
    /// rollover counters and replay window.
    pub fn rekey(&mut self, keys: SrtpKeys) {
        if keys.send != self.keys.send || keys.suite != self.keys.suite {
            self.outbound = context(keys.suite, &keys.send, false);
        }
        if keys.receive != self.keys.receive || keys.suite != self.keys.suite {
            self.inbound = context(keys.suite, &keys.receive, true);
        }
        self.keys = keys;
    }

    /// The SRTP packet for an RTP packet we send; `None` if it cannot be protected (too
    /// short, or the key's packet budget of 2^48 is spent).
    pub fn protect(&mut self, rtp: &[u8]) -> Option<impl std::ops::Deref<Target = [u8]> + use<>> {
        self.outbound.encrypt_rtp(rtp).ok()
    }

    /// The RTP packet inside an SRTP packet we received; `None` when it fails authentication,
    /// is a replay or is malformed.
    pub fn unprotect(
        &mut self,
        srtp: &[u8],
    ) -> Option<impl std::ops::Deref<Target = [u8]> + use<>> {
        self.inbound.decrypt_rtp(srtp).ok()
    }
}

fn context(suite: Suite, key: &MasterKey, inbound: bool) -> Context {
    let provider = rtc_srtp::crypto::default_provider().expect("ring is the SRTP provider");
    let (master_key, master_salt) = key.0.split_at(16);
    let replay = inbound.then(|| rtc_srtp::option::srtp_replay_protection(REPLAY_WINDOW));
    Context::new(
        master_key,
        master_salt,
        suite.profile(),
        replay,
        None,
        provider.crypto(),
    )
    .expect("AES-128 keys are 16 bytes and salts 14, and ring implements the suites")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> MasterKey {
        MasterKey([byte; MASTER_KEY_LEN])
    }

    fn line(value: &str) -> Result<Crypto, CryptoError> {
        Crypto::parse(value)
    }

    /// The example of RFC 4568 §4 (its key is 40 bytes of base64: 30 bytes).
    const RFC_KEY: &str = "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR";

    #[test]
    fn issue25_the_rfc_4568_example_line_is_read_with_its_lifetime_and_written_back() {
        let crypto = line(&format!("1 AES_CM_128_HMAC_SHA1_80 inline:{RFC_KEY}|2^20")).unwrap();
        assert_eq!(crypto.tag, 1);
        assert_eq!(crypto.suite, Suite::AesCm128HmacSha1_80);
        assert_eq!(
            crypto.attribute(),
            format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{RFC_KEY}")
        );
        let short = line(&format!(
            "2 AES_CM_128_HMAC_SHA1_32 inline:{RFC_KEY} WSH=64"
        ))
        .unwrap();
        assert_eq!(short.suite, Suite::AesCm128HmacSha1_32);
        // A lifetime of 2^48 (the SRTP maximum) is read, not computed.
        assert!(line(&format!("1 AES_CM_128_HMAC_SHA1_80 inline:{RFC_KEY}|2^48")).is_ok());
    }

    #[test]
    fn issue25_unusable_crypto_lines_say_why() {
        let cases = [
            ("1 AES_CM_128_HMAC_SHA1_80", CryptoError::Malformed),
            (
                "x AES_CM_128_HMAC_SHA1_80 inline:AAAA",
                CryptoError::Malformed,
            ),
            (
                "1 F8_128_HMAC_SHA1_80 inline:AAAA",
                CryptoError::UnknownSuite("F8_128_HMAC_SHA1_80".into()),
            ),
            ("1 AES_CM_128_HMAC_SHA1_80 inline:AAAA", CryptoError::BadKey),
            ("1 AES_CM_128_HMAC_SHA1_80 key:AAAA", CryptoError::BadKey),
        ];
        for (value, error) in cases {
            assert_eq!(line(value), Err(error), "{value}");
        }
        let mki = format!("1 AES_CM_128_HMAC_SHA1_80 inline:{RFC_KEY}|2^20|1:4");
        assert_eq!(line(&mki), Err(CryptoError::BadKey));
        let two_keys = format!("1 AES_CM_128_HMAC_SHA1_80 inline:{RFC_KEY};inline:{RFC_KEY}");
        assert_eq!(line(&two_keys), Err(CryptoError::BadKey));
        let unencrypted = format!("1 AES_CM_128_HMAC_SHA1_80 inline:{RFC_KEY} UNENCRYPTED_SRTP");
        assert_eq!(
            line(&unencrypted),
            Err(CryptoError::SessionParameter("UNENCRYPTED_SRTP".into()))
        );
    }

    fn security(savp: bool, crypto: &[Crypto]) -> RemoteSecurity {
        RemoteSecurity {
            savp,
            crypto: crypto.to_vec(),
            crypto_lines: crypto.len(),
            unusable: None,
        }
    }

    #[test]
    fn issue25_keys_are_offered_only_over_tls_and_require_without_tls_is_refused() {
        assert_eq!(
            offer(SrtpPolicy::Offer, false, key(1)).unwrap(),
            Offered::Plain
        );
        assert!(matches!(
            offer(SrtpPolicy::Offer, true, key(1)).unwrap(),
            Offered::BestEffort(Crypto { tag: 1, .. })
        ));
        assert!(matches!(
            offer(SrtpPolicy::Require, true, key(1)).unwrap(),
            Offered::Required(_)
        ));
        assert!(offer(SrtpPolicy::Require, false, key(1)).is_err());
        assert_eq!(
            offer(SrtpPolicy::Off, true, key(1)).unwrap(),
            Offered::Plain
        );
    }

    #[test]
    fn issue25_an_offer_is_answered_by_the_policy_and_the_transport() {
        let theirs = Crypto {
            tag: 3,
            suite: Suite::AesCm128HmacSha1_32,
            key: key(7),
        };
        let savp = security(true, &[theirs]);
        let avp_with_keys = security(false, &[theirs]);
        let plain = security(false, &[]);
        // Keys that came over UDP or TCP are never used, and RTP/SAVP then cannot be answered.
        assert!(answer(&savp, SrtpPolicy::Offer, false).is_err());
        assert_eq!(
            answer(&avp_with_keys, SrtpPolicy::Offer, false).unwrap(),
            None
        );
        assert_eq!(
            answer(&savp, SrtpPolicy::Offer, true).unwrap(),
            Some(theirs)
        );
        assert_eq!(
            answer(&avp_with_keys, SrtpPolicy::Offer, true).unwrap(),
            Some(theirs)
        );
        assert_eq!(answer(&plain, SrtpPolicy::Offer, true).unwrap(), None);
        // require: plain RTP is refused, with a reason that says what to do.
        let refused = answer(&plain, SrtpPolicy::Require, true).unwrap_err();
        assert!(refused.0.contains("SRTP is required"), "{refused}");
        assert!(answer(&avp_with_keys, SrtpPolicy::Require, false).is_err());
        assert_eq!(
            answer(&savp, SrtpPolicy::Require, true).unwrap(),
            Some(theirs)
        );
        // off: plain RTP only.
        assert!(answer(&savp, SrtpPolicy::Off, true).is_err());
        assert_eq!(answer(&avp_with_keys, SrtpPolicy::Off, true).unwrap(), None);
        // RTP/SAVP whose only line is unusable says why.
        let unusable = RemoteSecurity {
            savp: true,
            crypto: Vec::new(),
            crypto_lines: 1,
            unusable: Some(CryptoError::UnknownSuite("AEAD_AES_256_GCM".into())),
        };
        let refused = answer(&unusable, SrtpPolicy::Offer, true).unwrap_err();
        assert!(refused.0.contains("AEAD_AES_256_GCM"), "{refused}");
    }

    #[test]
    fn issue25_an_answer_agrees_keys_only_for_the_offered_tag_and_suite() {
        let ours = Crypto {
            tag: 1,
            suite: Suite::AesCm128HmacSha1_80,
            key: key(1),
        };
        let theirs = Crypto {
            key: key(2),
            ..ours
        };
        let agreed = answered(&security(false, &[theirs]), Offered::BestEffort(ours)).unwrap();
        assert_eq!(
            agreed,
            Some(SrtpKeys {
                suite: Suite::AesCm128HmacSha1_80,
                send: key(1),
                receive: key(2),
            })
        );
        // A phone without SRTP answers best effort in plain RTP.
        assert_eq!(
            answered(&security(false, &[]), Offered::BestEffort(ours)).unwrap(),
            None
        );
        // Required: no keys in the answer ends the leg; another tag is not ours.
        assert!(answered(&security(false, &[]), Offered::Required(ours)).is_err());
        let other_tag = Crypto { tag: 2, ..theirs };
        assert!(answered(&security(true, &[other_tag]), Offered::Required(ours)).is_err());
        assert_eq!(
            answered(&security(true, &[theirs]), Offered::Plain).unwrap(),
            None
        );
    }

    /// A stream sent with one side's keys is read with the other's: the payload comes back,
    /// a changed bit and a replay are refused.
    #[test]
    fn issue25_srtp_round_trip_refuses_tampering_and_replay() {
        let alice_keys = SrtpKeys {
            suite: Suite::AesCm128HmacSha1_80,
            send: key(1),
            receive: key(2),
        };
        let bob_keys = SrtpKeys {
            suite: Suite::AesCm128HmacSha1_80,
            send: key(2),
            receive: key(1),
        };
        let mut alice = SrtpStream::new(alice_keys);
        let mut bob = SrtpStream::new(bob_keys);
        let mut rtp = vec![0x80, 0, 0, 1, 0, 0, 0, 160, 1, 2, 3, 4];
        rtp.extend_from_slice(&[0x55; 160]);
        let protected = alice.protect(&rtp).expect("protected").to_vec();
        assert_eq!(protected.len(), rtp.len() + 10, "an 80-bit tag");
        assert_ne!(&protected[12..172], &rtp[12..], "the payload is encrypted");
        assert_eq!(&protected[..12], &rtp[..12], "the header is not");
        let mut tampered = protected.clone();
        tampered[40] ^= 1;
        assert!(bob.unprotect(&tampered).is_none(), "a changed bit fails");
        assert_eq!(&*bob.unprotect(&protected).expect("authentic"), &rtp[..]);
        assert!(bob.unprotect(&protected).is_none(), "a replay fails");
        // Bob's own keys do not read Alice's stream.
        let mut eve = SrtpStream::new(alice_keys);
        rtp[3] = 2;
        let next = alice.protect(&rtp).expect("protected").to_vec();
        assert!(eve.unprotect(&next).is_none());
        // Rekeying only what Bob receives keeps his sending context.
        bob.rekey(SrtpKeys {
            receive: key(3),
            ..bob_keys
        });
        assert!(bob.unprotect(&next).is_none(), "the old key is gone");
    }

    #[test]
    fn issue25_a_key_is_never_printed() {
        let crypto = Crypto {
            tag: 1,
            suite: Suite::AesCm128HmacSha1_80,
            key: key(0xab),
        };
        assert!(!format!("{crypto:?}").contains("171"));
        assert!(format!("{crypto:?}").contains("MasterKey(..)"));
    }
}
