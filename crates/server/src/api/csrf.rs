//! Cross-site request forgery: a request carried by the session cookie that changes something
//! (any method but GET, HEAD and OPTIONS, and the event WebSocket's upgrade) must come from the
//! server's own pages.
//!
//! The browser says where a request comes from: `Sec-Fetch-Site` (`same-origin`, or `none` for
//! what the user typed) in every current browser, else `Origin`, whose host and port must be
//! the `Host` the request was sent to. A cookie request with neither is refused: browsers send
//! one of them on every such request, and other clients authenticate with a bearer token, which
//! a foreign page cannot attach, so bearer requests are not checked.

use super::ApiError;
use crate::auth::SESSION_COOKIE;
use axum::extract::Request;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Refuses a cross-site, cookie-authenticated state change with a 403 that says why.
pub(super) async fn same_origin_only(request: Request, next: Next) -> Response {
    if needs_check(request.method(), request.headers())
        && let Err(refusal) = from_own_origin(request.headers())
    {
        return ApiError::forbidden(format!(
            "cross-site request refused: {refusal}; a request carried by the session cookie \
             must come from this server's own pages (API clients send Authorization: Bearer)"
        ))
        .into_response();
    }
    next.run(request).await
}

fn needs_check(method: &Method, headers: &HeaderMap) -> bool {
    let changes = !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
        || headers
            .get(header::UPGRADE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    changes && has_session_cookie(headers) && !has_bearer(headers)
}

/// `Ok` when the browser says the request comes from this server's pages, else what it said.
fn from_own_origin(headers: &HeaderMap) -> Result<(), String> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = text("sec-fetch-site") {
        return match site {
            "same-origin" | "none" => Ok(()),
            other => Err(format!("Sec-Fetch-Site is {other:?}")),
        };
    }
    let Some(origin) = text("origin") else {
        return Err("neither Origin nor Sec-Fetch-Site was sent".to_owned());
    };
    let host = text("host").unwrap_or_default();
    let authority = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    match authority {
        Some(authority) if !host.is_empty() && authority.eq_ignore_ascii_case(host) => Ok(()),
        _ => Err(format!("Origin {origin:?} is not this server ({host:?})")),
    }
}

fn has_session_cookie(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .any(|pair| {
            pair.trim()
                .strip_prefix(SESSION_COOKIE)
                .is_some_and(|rest| rest.starts_with('='))
        })
}

fn has_bearer(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Bearer "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn only_cookie_state_changes_are_checked() {
        let cookie = headers(&[("cookie", "a=b; sentral_session=x")]);
        assert!(needs_check(&Method::POST, &cookie));
        assert!(!needs_check(&Method::GET, &cookie));
        let upgrade = headers(&[("cookie", "sentral_session=x"), ("upgrade", "websocket")]);
        assert!(needs_check(&Method::GET, &upgrade));
        let bearer = headers(&[
            ("cookie", "sentral_session=x"),
            ("authorization", "Bearer t"),
        ]);
        assert!(!needs_check(&Method::POST, &bearer));
        assert!(!needs_check(&Method::POST, &headers(&[])));
    }

    #[test]
    fn the_own_origin_is_told_by_sec_fetch_site_or_origin() {
        assert!(from_own_origin(&headers(&[("sec-fetch-site", "same-origin")])).is_ok());
        assert!(from_own_origin(&headers(&[("sec-fetch-site", "same-site")])).is_err());
        let same = headers(&[
            ("origin", "http://cc.example:8080"),
            ("host", "cc.example:8080"),
        ]);
        assert!(from_own_origin(&same).is_ok());
        let other = headers(&[("origin", "http://evil.example"), ("host", "cc.example")]);
        assert!(from_own_origin(&other).is_err());
        let null = headers(&[("origin", "null"), ("host", "cc.example")]);
        assert!(from_own_origin(&null).is_err());
        assert!(from_own_origin(&headers(&[("host", "cc.example")])).is_err());
    }
}
