//! Sign-in, sessions and the authenticated caller.
//!
//! Passwords are argon2id hashes; a session is a random token whose SHA-256 is stored, given to
//! the desktop as an HttpOnly, SameSite cookie and to API clients as a bearer token. Repeated
//! failed sign-ins slow down that account (not the client address: many agents share one
//! office address).

use crate::api::ApiError;
use crate::app::AppState;
use argon2::PasswordVerifier;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use sentral_store::{Role, UserRow};
use sha2::{Digest, Sha256};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "sentral_session";
/// How long a session lasts.
pub const SESSION_TTL_MS: i64 = 12 * 60 * 60 * 1000;
/// Failed sign-ins allowed before the account slows down.
pub const FAILURES_FREE: i64 = 3;
/// The longest an account is made to wait.
pub const LOCK_MAX_MS: i64 = 5 * 60 * 1000;

/// The signed-in user making a request.
#[derive(Clone, Debug)]
pub struct Caller {
    /// The user.
    pub user: UserRow,
    /// The session token's hash (for sign-out).
    pub token_hash: String,
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
    fn tokens_are_random_and_stored_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_ne!(hash_token(&a), a);
        assert_eq!(hash_token(&a), hash_token(&a));
    }
}
