//! Test helpers: demo accounts and a phone that answers digest challenges as a real one does.

use sentral_sip::digest::{self, Algorithm};
use sentral_sip::{
    Account, ContactRequest, Contacts, RegisterRequest, Registrar, RegistrarConfig, Reply,
    SipEvent, SipOptions, SipService, Transport,
};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// The demo's realm and SIP password.
pub const REALM: &str = "sentral";
pub const PASSWORD: &str = "demo";

/// An account of `tenant` with `password`, stored as HA1s only.
pub fn account(tenant: &str, realm: &str, extension: &str, password: &str) -> Account {
    Account {
        tenant: tenant.into(),
        realm: realm.into(),
        extension: extension.into(),
        ha1_md5: digest::ha1(Algorithm::Md5, extension, realm, password),
        ha1_sha256: digest::ha1(Algorithm::Sha256, extension, realm, password),
    }
}

/// A registrar with the demo's extensions 1001–1006 (tenant `demo`), started at `t0`.
pub fn demo_registrar(t0: Instant) -> Registrar {
    let mut registrar = Registrar::new(RegistrarConfig::default(), [9; 32], t0);
    registrar.set_accounts(
        "demo",
        (1001..=1006)
            .map(|n| account("demo", REALM, &n.to_string(), PASSWORD))
            .collect(),
    );
    registrar
}

/// The parameters of a `WWW-Authenticate: Digest …` value that a phone reads.
#[derive(Clone, Debug)]
pub struct Challenge {
    pub realm: String,
    pub nonce: String,
    pub algorithm: Algorithm,
    pub stale: bool,
}

/// Reads a challenge header (the test's own small reader, independent of the crate's).
pub fn read_challenge(value: &str) -> Challenge {
    let quoted = |name: &str| -> String {
        let start = value
            .find(&format!("{name}=\""))
            .unwrap_or_else(|| panic!("{name} in {value}"))
            + name.len()
            + 2;
        let end = value[start..].find('"').expect("closing quote") + start;
        value[start..end].to_owned()
    };
    let algorithm = if value.contains("algorithm=SHA-256") {
        Algorithm::Sha256
    } else {
        assert!(value.contains("algorithm=MD5"), "{value}");
        Algorithm::Md5
    };
    assert!(value.starts_with("Digest "), "{value}");
    assert!(value.contains("qop=\"auth\""), "{value}");
    Challenge {
        realm: quoted("realm"),
        nonce: quoted("nonce"),
        algorithm,
        stale: value.contains("stale=true"),
    }
}

/// The challenges of a 401, in order; panics on any other reply.
pub fn challenges(reply: &Reply) -> Vec<Challenge> {
    match reply {
        Reply::Challenge { www_authenticate } => {
            www_authenticate.iter().map(|v| read_challenge(v)).collect()
        }
        other => panic!("expected a 401 challenge, got {other:?}"),
    }
}

/// An `Authorization` value answering `challenge` for a REGISTER to `uri`.
pub fn authorization(
    challenge: &Challenge,
    username: &str,
    password: &str,
    uri: &str,
    nc: u32,
) -> String {
    let ha1 = digest::ha1(challenge.algorithm, username, &challenge.realm, password);
    let nc = format!("{nc:08x}");
    let cnonce = "0a4f113b";
    let response = digest::response(
        challenge.algorithm,
        &ha1,
        &challenge.nonce,
        &nc,
        cnonce,
        "auth",
        "REGISTER",
        uri,
    );
    format!(
        "Digest username=\"{username}\", realm=\"{}\", nonce=\"{}\", uri=\"{uri}\", \
         response=\"{response}\", algorithm={}, cnonce=\"{cnonce}\", qop=auth, nc={nc}",
        challenge.realm,
        challenge.nonce,
        challenge.algorithm.name(),
    )
}

/// A phone registering one contact as `user`.
#[derive(Clone, Debug)]
pub struct Phone {
    pub user: String,
    pub password: String,
    pub contact: String,
    pub call_id: String,
    pub cseq: u32,
    /// The algorithm the phone picks among the challenges.
    pub algorithm: Algorithm,
}

impl Phone {
    /// The demo phone of `extension` with the demo password, speaking MD5 as SIPp does.
    pub fn demo(extension: &str) -> Phone {
        Phone {
            user: extension.into(),
            password: PASSWORD.into(),
            contact: format!("sip:{extension}@127.0.0.1:5070"),
            call_id: format!("call-{extension}@127.0.0.1"),
            cseq: 0,
            algorithm: Algorithm::Md5,
        }
    }

    /// The next REGISTER, with `authorization` and `expires` (`None`: no Expires header).
    pub fn request(&mut self, expires: Option<u32>, authorization: Vec<String>) -> RegisterRequest {
        self.cseq += 1;
        RegisterRequest {
            user: self.user.clone(),
            domain: "127.0.0.1".into(),
            call_id: self.call_id.clone(),
            cseq: self.cseq,
            contacts: Contacts::List(vec![ContactRequest {
                uri: self.contact.clone(),
                expires: None,
            }]),
            expires,
            authorization,
            user_agent: None,
            source: "127.0.0.1:5070".parse().unwrap(),
            transport: Transport::Udp,
        }
    }

    /// Answers the challenge of `reply` that uses the phone's algorithm.
    pub fn answer(&self, reply: &Reply, nc: u32) -> (Challenge, String) {
        let challenge = challenges(reply)
            .into_iter()
            .find(|c| c.algorithm == self.algorithm)
            .expect("a challenge with the phone's algorithm");
        let value = authorization(
            &challenge,
            &self.user,
            &self.password,
            "sip:127.0.0.1:5060",
            nc,
        );
        (challenge, value)
    }

    /// REGISTER, 401, REGISTER with credentials: returns the final reply.
    pub fn register(
        &mut self,
        registrar: &mut Registrar,
        now: Instant,
        expires: Option<u32>,
    ) -> Reply {
        let request = self.request(expires, vec![]);
        let challenge = registrar.handle_register(now, &request);
        let (_, authorization) = self.answer(&challenge, 1);
        let request = self.request(expires, vec![authorization]);
        registrar.handle_register(now, &request)
    }
}

/// `t0 + seconds`.
pub fn at(t0: Instant, seconds: u64) -> Instant {
    t0 + Duration::from_secs(seconds)
}

/// The SIP service on a free loopback port with the demo's extensions 1001–1006.
pub async fn demo_service() -> (SipService, mpsc::Receiver<SipEvent>) {
    SipService::start(SipOptions {
        accounts: vec![(
            "demo".into(),
            (1001..=1006)
                .map(|n| account("demo", REALM, &n.to_string(), PASSWORD))
                .collect(),
        )],
        ..SipOptions::at("127.0.0.1:0".parse().unwrap())
    })
    .await
    .expect("the SIP service starts")
}

/// The status code of a SIP response's text.
pub fn status(response: &str) -> u16 {
    response[8..11].parse().unwrap()
}

/// Every value of header `name` in a SIP message's text.
pub fn headers<'a>(response: &'a str, name: &str) -> Vec<&'a str> {
    response
        .lines()
        .filter_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then_some(value.trim())
        })
        .collect()
}
