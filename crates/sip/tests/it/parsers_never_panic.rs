//! Seeded random input for what reads bytes from the network: the `Authorization` parser and
//! the registrar behind it must refuse garbage without panicking. `SENTRAL_FUZZ_SEED` replays
//! a run; the seed is printed on failure.

use crate::support::{Phone, demo_registrar};
use sentral_sip::digest::Credentials;
use std::time::Instant;

const ROUNDS: usize = 20_000;

/// xorshift64*: small, deterministic, good enough to shake a parser.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn seed() -> u64 {
    std::env::var("SENTRAL_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x005e_17a1)
}

/// A valid header, then bytes replaced, inserted, deleted or duplicated at random.
fn mutated(rng: &mut Rng, valid: &str) -> String {
    const ALPHABET: &[u8] = b"Digest =,\"\\ \t\r\nusernamerealmnonceuriresponsealgorithmqopncMD5SHA-256-sess0123456789abcdef\xc3\xa9\x00";
    let mut bytes = valid.as_bytes().to_vec();
    for _ in 0..1 + rng.below(8) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(4) {
            0 if at < bytes.len() => bytes[at] = ALPHABET[rng.below(ALPHABET.len())],
            1 => bytes.insert(at, ALPHABET[rng.below(ALPHABET.len())]),
            2 if at < bytes.len() => {
                bytes.remove(at);
            }
            _ => {
                let end = (at + rng.below(16)).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                bytes.splice(at..at, copy);
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn the_authorization_parser_never_panics() {
    let seed = seed();
    let mut rng = Rng(seed | 1);
    let valid = "Digest username=\"1001\", realm=\"sentral\", nonce=\"abc\", \
                 uri=\"sip:127.0.0.1:5060\", response=\"0123456789abcdef0123456789abcdef\", \
                 algorithm=MD5, cnonce=\"x\", qop=auth, nc=00000001";
    let mut n_parsed = 0;
    for round in 0..ROUNDS {
        let input = mutated(&mut rng, valid);
        let result = std::panic::catch_unwind(|| Credentials::parse(&input));
        match result {
            Ok(Ok(_)) => n_parsed += 1,
            Ok(Err(_)) => {}
            Err(_) => panic!("seed {seed}, round {round}: parsing {input:?} panicked"),
        }
    }
    // The mutations must leave some inputs valid, or the test shakes only the first byte.
    assert!(n_parsed > 0, "seed {seed}: nothing parsed");
}

#[test]
fn the_registrar_refuses_garbage_credentials_without_panicking_or_registering() {
    let seed = seed();
    let mut rng = Rng(seed.rotate_left(17) | 1);
    let t0 = Instant::now();
    let mut registrar = demo_registrar(t0);
    let mut phone = Phone::demo("1001");
    let challenge = registrar.handle_register(t0, &phone.request(Some(3600), vec![]));
    let (_, valid) = phone.answer(&challenge, 1);
    let credentials = Credentials::parse(&valid).expect("valid");
    for round in 0..ROUNDS / 4 {
        let input = mutated(&mut rng, &valid);
        // Some mutations only add spaces: the same credentials may register, and must.
        if Credentials::parse(&input).is_ok_and(|parsed| parsed == credentials) {
            continue;
        }
        let request = phone.request(Some(3600), vec![input.clone()]);
        let reply = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            registrar.handle_register(t0, &request)
        }))
        .unwrap_or_else(|_| panic!("seed {seed}, round {round}: {input:?} panicked"));
        assert_ne!(
            reply.status().0,
            200,
            "seed {seed}, round {round}: {input:?} registered"
        );
    }
    assert_eq!(registrar.poll_event(), None, "seed {seed}");
}

#[test]
fn the_session_timer_headers_never_panic_and_never_grant_below_the_minimum() {
    // Issue 14: `Session-Expires`, `Min-SE` and `Supported` are a stranger's text.
    use sentral_sip::session_timer;
    use std::time::Duration;
    let seed = seed();
    let mut rng = Rng(seed.rotate_left(29) | 1);
    let min = Duration::from_secs(90);
    let (mut n_granted, mut n_refused) = (0, 0);
    for round in 0..ROUNDS {
        let session_expires = mutated(&mut rng, "1800;refresher=uac");
        let min_se = mutated(&mut rng, "90");
        let supported = mutated(&mut rng, "timer, 100rel");
        let result = std::panic::catch_unwind(|| {
            let granted = session_timer::grant(
                Duration::from_secs(1800),
                min,
                Some(&session_expires),
                Some(&min_se),
                &supported,
            );
            let _ = session_timer::granted_to_us(Some(&session_expires));
            granted
        })
        .unwrap_or_else(|_| {
            panic!("seed {seed}, round {round}: {session_expires:?} {min_se:?} panicked")
        });
        match result {
            Ok(offer) => {
                n_granted += 1;
                assert!(
                    offer.interval >= min,
                    "seed {seed}, round {round}: {offer:?}"
                );
            }
            Err(too_brief) => {
                n_refused += 1;
                assert!(too_brief.min_se >= 90, "seed {seed}, round {round}");
            }
        }
    }
    assert!(
        n_granted > 0 && n_refused > 0,
        "seed {seed}: {n_granted} {n_refused}"
    );
}
