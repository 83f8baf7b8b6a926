//! Sign-in, sessions and the authenticated caller.
//!
//! Passwords are argon2id hashes; a session is a random token whose SHA-256 is stored, given to
//! the desktop as an HttpOnly, SameSite cookie and to API clients as a bearer token.
//!
//! Repeated failed sign-ins slow down that account; a client address gets a generous allowance
//! of failures (many agents share one office address) so it cannot try many accounts. Each
//! attempt is checked and counted under one lock *before* its password is hashed, so parallel
//! attempts cannot all slip past a lock that a stale count had not set yet. Hashing (19 MiB
//! and tens of milliseconds of CPU each) is bounded by a semaphore, and an unknown user name
//! costs a hash too, so it answers like a wrong password.

use crate::api::ApiError;
use crate::app::AppState;
use argon2::PasswordVerifier;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use sentral_store::{Role, UserRow};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, OnceLock};
use tokio::sync::Semaphore;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "sentral_session";
/// How long a session lasts.
pub const SESSION_TTL_MS: i64 = 12 * 60 * 60 * 1000;
/// Failed sign-ins allowed before the account slows down.
pub const FAILURES_FREE: i64 = 3;
/// The longest an account is made to wait.
pub const LOCK_MAX_MS: i64 = 5 * 60 * 1000;
/// Failed sign-ins (to any account, known or not) one client address may make per
/// [`SOURCE_WINDOW_MS`] before it has to wait for the window to end.
pub const SOURCE_FAILURES_MAX: u32 = 30;
/// The window of [`SOURCE_FAILURES_MAX`].
pub const SOURCE_WINDOW_MS: i64 = 5 * 60 * 1000;
/// Client addresses remembered at once; beyond it the oldest window is forgotten first.
pub const SOURCES_MAX: usize = 10_000;

/// The signed-in user making a request.
#[derive(Clone, Debug)]
pub struct Caller {
    /// The user.
    pub user: UserRow,
    /// The session token's hash (for sign-out).
    pub token_hash: String,
    /// When the session ends (Unix ms); an event socket closes then.
    pub expires_unix_ms: i64,
}

impl Caller {
    /// The caller's organisation.
    pub fn org(&self) -> &str {
        &self.user.org
    }

    /// Whether the caller may see supervisor views (R44).
    pub fn is_supervisor(&self) -> bool {
        matches!(self.user.role, Role::Supervisor | Role::Admin)
    }

    /// Whether the caller administers the organisation (R43).
    pub fn is_admin(&self) -> bool {
        self.user.role == Role::Admin
    }

    /// The caller's agent id, or a 403 for users who are not agents.
    pub fn agent(&self) -> Result<sentral_engine::AgentId, ApiError> {
        self.user
            .agent_id
            .map(sentral_engine::AgentId)
            .ok_or_else(|| ApiError::forbidden("only agents can do this"))
    }

    /// A 403 unless the caller is a supervisor or administrator.
    pub fn require_supervisor(&self) -> Result<(), ApiError> {
        if self.is_supervisor() {
            Ok(())
        } else {
            Err(ApiError::forbidden("supervisors and administrators only"))
        }
    }

    /// A 403 unless the caller is an administrator.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(ApiError::forbidden("administrators only"))
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, ApiError> {
        let token = bearer(parts)
            .or_else(|| cookie(parts))
            .ok_or_else(ApiError::unauthenticated)?;
        let token_hash = hash_token(&token);
        let session = state
            .store
            .session(&token_hash)
            .await?
            .ok_or_else(ApiError::unauthenticated)?;
        if session.expires_unix_ms <= crate::app::unix_ms() {
            return Err(ApiError::unauthenticated());
        }
        Ok(Caller {
            user: session.user,
            token_hash,
            expires_unix_ms: session.expires_unix_ms,
        })
    }
}

/// What sign-in shares between requests: the lock that makes check-and-count atomic, the
/// bound on concurrent password hashing, and the failures per client address.
#[derive(Debug)]
pub struct SignInGuard {
    /// Held while an attempt reads an account's lock and counts itself, so that no two
    /// attempts count from the same stale number (one process owns the store).
    counting: tokio::sync::Mutex<()>,
    /// One permit per password hash that may run at once (each takes 19 MiB).
    hashing: Semaphore,
    /// How many permits `hashing` has.
    hashing_max: usize,
    /// Hashes done, and the most that ran at once (for operations and tests).
    hashed: Mutex<HashCount>,
    /// Failed attempts per client address in the current window.
    sources: AddressWindows,
}

/// Password hashes done by sign-in.
#[derive(Clone, Copy, Debug, Default)]
pub struct HashCount {
    /// Hashes started since the server started.
    pub total: u64,
    /// Hashes running now.
    pub running: usize,
    /// The most that ran at once.
    pub running_max: usize,
}

impl HashCount {
    fn start(&mut self) {
        self.total += 1;
        self.running += 1;
        self.running_max = self.running_max.max(self.running);
    }
}

#[derive(Clone, Copy, Debug)]
struct SourceWindow {
    /// When the window started (Unix ms).
    started_unix_ms: i64,
    /// Attempts counted in it (an attempt counts before hashing and is given back on success).
    failures: u32,
}

/// An attempt that was counted and may now hash its password.
#[derive(Debug)]
pub struct Attempt {
    /// The account, if the user name exists.
    pub user: Option<UserRow>,
    source: IpAddr,
}

impl Default for SignInGuard {
    fn default() -> SignInGuard {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let hashing_max = cores.clamp(1, HASHING_MAX);
        SignInGuard {
            counting: tokio::sync::Mutex::new(()),
            hashing: Semaphore::new(hashing_max),
            hashing_max,
            hashed: Mutex::default(),
            sources: AddressWindows::new(SOURCE_FAILURES_MAX, SOURCE_WINDOW_MS),
        }
    }
}

impl SignInGuard {
    /// Checks the client address and the account's lock and counts the attempt as a failure,
    /// all before any hashing; a refused attempt is a 429 that says how long to wait and is
    /// not counted (so waiting is never made longer than the answer says).
    pub async fn begin(
        &self,
        store: &dyn sentral_store::Store,
        username: &str,
        peer: IpAddr,
        now: i64,
    ) -> Result<Attempt, ApiError> {
        let source = peer;
        self.count_source(source, now)?;
        let _turn = self.counting.lock().await;
        let user = match store.user_by_name(username).await {
            Ok(user) => user,
            Err(error) => {
                self.give_back_source(source);
                return Err(error.into());
            }
        };
        let Some(user) = user else {
            return Ok(Attempt { user: None, source });
        };
        if let Some(until) = user.locked_until_unix_ms.filter(|until| *until > now) {
            self.give_back_source(source);
            let seconds = ((until - now) as u64).div_ceil(1000);
            return Err(ApiError::too_many_requests(
                format!(
                    "too many failed sign-ins for {}; try again in {seconds} s",
                    user.username
                ),
                seconds,
            ));
        }
        let locked_until = lock_ms(user.failed_logins + 1).map(|ms| now + ms);
        if let Err(error) = store
            .record_login_failure(&user.username, locked_until)
            .await
        {
            self.give_back_source(source);
            return Err(error.into());
        }
        Ok(Attempt {
            user: Some(user),
            source,
        })
    }

    /// Whether the attempt's password is right, hashing under the semaphore; an unknown user
    /// is hashed against a stand-in hash and is never right.
    pub async fn verify(&self, attempt: &Attempt, password: String) -> bool {
        let _permit = self.hashing.acquire().await.expect("never closed");
        self.hashed.lock().expect("count lock").start();
        let hash = attempt.user.as_ref().map(|user| user.password_hash.clone());
        let known = hash.is_some();
        let ok = tokio::task::spawn_blocking(move || {
            let hash = hash.unwrap_or_else(|| stand_in_hash().to_owned());
            verify_password(&hash, &password)
        })
        .await
        .unwrap_or(false);
        self.hashed.lock().expect("count lock").running -= 1;
        ok && known
    }

    /// Passwords hashed so far, and the most hashed at once.
    pub fn hashes(&self) -> HashCount {
        *self.hashed.lock().expect("count lock")
    }

    /// The most passwords hashed at once.
    pub fn hashing_max(&self) -> usize {
        self.hashing_max
    }

    /// A right password: the account's failures are cleared and the address's attempt is
    /// given back.
    pub async fn succeeded(
        &self,
        store: &dyn sentral_store::Store,
        attempt: &Attempt,
    ) -> Result<(), ApiError> {
        self.give_back_source(attempt.source);
        if let Some(user) = &attempt.user {
            store.reset_login_failures(&user.username).await?;
        }
        Ok(())
    }

    fn count_source(&self, source: IpAddr, now: i64) -> Result<(), ApiError> {
        self.sources.count(source, now).map_err(|seconds| {
            ApiError::too_many_requests(
                format!(
                    "too many failed sign-ins from this address ({SOURCE_FAILURES_MAX} in {} minutes); try again in {seconds} s",
                    SOURCE_WINDOW_MS / 60_000
                ),
                seconds,
            )
        })
    }

    fn give_back_source(&self, source: IpAddr) {
        self.sources.give_back(source);
    }
}

/// Failures per client address in fixed windows, with a bounded table: what sign-in and web
/// callback keys count so that one client cannot keep guessing.
#[derive(Debug)]
pub struct AddressWindows {
    /// Failures allowed per address and window.
    max: u32,
    /// The window's length.
    window_ms: i64,
    /// The current window of each address; at most [`SOURCES_MAX`].
    windows: Mutex<HashMap<IpAddr, SourceWindow>>,
}

impl AddressWindows {
    /// `max` failures per address every `window_ms`.
    pub fn new(max: u32, window_ms: i64) -> AddressWindows {
        AddressWindows {
            max,
            window_ms,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one more failure (or attempt) of `peer`'s address; `Err(seconds to wait)` when
    /// it has used up its window, and then nothing is counted.
    pub fn count(&self, peer: IpAddr, now: i64) -> Result<(), u64> {
        let source = source_key(peer);
        let mut windows = self.windows.lock().expect("windows lock");
        if !windows.contains_key(&source) && windows.len() >= SOURCES_MAX {
            windows.retain(|_, w| now - w.started_unix_ms < self.window_ms);
            if windows.len() >= SOURCES_MAX {
                let oldest = windows
                    .iter()
                    .min_by_key(|(_, w)| w.started_unix_ms)
                    .map(|(ip, _)| *ip);
                if let Some(oldest) = oldest {
                    windows.remove(&oldest);
                }
            }
        }
        let window = windows.entry(source).or_insert(SourceWindow {
            started_unix_ms: now,
            failures: 0,
        });
        if now - window.started_unix_ms >= self.window_ms {
            *window = SourceWindow {
                started_unix_ms: now,
                failures: 0,
            };
        }
        if window.failures >= self.max {
            return Err(((window.started_unix_ms + self.window_ms - now) as u64)
                .div_ceil(1000)
                .max(1));
        }
        window.failures += 1;
        Ok(())
    }

    /// Takes back one counted attempt that turned out right.
    pub fn give_back(&self, peer: IpAddr) {
        let mut windows = self.windows.lock().expect("windows lock");
        if let Some(window) = windows.get_mut(&source_key(peer)) {
            window.failures = window.failures.saturating_sub(1);
        }
    }

    /// Whether `peer`'s address has used up its window, without counting.
    pub fn exhausted(&self, peer: IpAddr, now: i64) -> Option<u64> {
        let windows = self.windows.lock().expect("windows lock");
        let window = windows.get(&source_key(peer))?;
        (now - window.started_unix_ms < self.window_ms && window.failures >= self.max).then(|| {
            ((window.started_unix_ms + self.window_ms - now) as u64)
                .div_ceil(1000)
                .max(1)
        })
    }
}

/// A new random session token (256 bits, hex).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS provides randomness");
    hex(&bytes)
}

/// What the store keeps of a token.
pub fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Whether `password` matches an argon2 PHC hash.
pub fn verify_password(hash: &str, password: &str) -> bool {
    argon2::Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

/// How long an account must wait after `failures` consecutive failed sign-ins.
pub fn lock_ms(failures: i64) -> Option<i64> {
    (failures >= FAILURES_FREE)
        .then(|| (1000_i64 << (failures - FAILURES_FREE).min(16)).min(LOCK_MAX_MS))
}

/// At most this many passwords are hashed at once, however many cores there are.
const HASHING_MAX: usize = 8;

/// The address a sign-in is counted against: the IPv4 address, or the /64 of an IPv6 one (a
/// single host usually has a whole /64).
fn source_key(peer: IpAddr) -> IpAddr {
    match peer {
        IpAddr::V4(_) => peer,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let bits = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(bits.into())
            }
        },
    }
}

/// A hash of a random password with the parameters of real ones, which an unknown user name
/// is checked against so that it costs as much as a known one.
fn stand_in_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| crate::config::hash_password(&new_token()))
}

fn bearer(parts: &Parts) -> Option<String> {
    let value = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    value.strip_prefix("Bearer ").map(|t| t.trim().to_owned())
}

fn cookie(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            pair.trim()
                .strip_prefix(SESSION_COOKIE)?
                .strip_prefix('=')
                .map(str::to_owned)
        })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_sign_ins_slow_the_account_down_up_to_a_limit() {
        assert_eq!(lock_ms(2), None);
        assert_eq!(lock_ms(3), Some(1000));
        assert_eq!(lock_ms(4), Some(2000));
        assert_eq!(lock_ms(40), Some(LOCK_MAX_MS));
    }

    #[test]
    fn sign_ins_from_one_ipv6_host_count_against_its_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(source_key(a), source_key(b));
        assert_ne!(source_key(a), source_key(other));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(source_key(mapped), "192.0.2.7".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn the_address_map_stays_bounded() {
        let guard = SignInGuard::default();
        for n in 0..(SOURCES_MAX as u32 + 50) {
            let ip = IpAddr::V4(std::net::Ipv4Addr::from(n));
            guard.count_source(ip, i64::from(n)).unwrap();
        }
        assert!(guard.sources.windows.lock().unwrap().len() <= SOURCES_MAX);
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_ne!(hash_token(&a), a);
        assert_eq!(hash_token(&a), hash_token(&a));
    }
}
