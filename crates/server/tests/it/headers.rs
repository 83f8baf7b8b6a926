//! Security headers: the desktop runs only its own scripts and styles, talks only to its own
//! server, cannot be framed, and no answer is sniffed into another type.

use crate::support::spawn_demo;

#[tokio::test]
async fn headers_every_page_and_answer_carries_the_security_headers() {
    let app = spawn_demo().await;
    let anonymous = app.anonymous();
    for path in [
        "/",
        "/desktop/app.js",
        "/desktop/style.css",
        "/api/v1/agents/me",
        "/api/openapi.json",
        "/no/such/path",
    ] {
        let reply = anonymous.get(path).await;
        let header = |name: &str| {
            reply
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_else(|| panic!("{path}: no {name} header"))
                .to_owned()
        };
        let csp = header("content-security-policy");
        for directive in [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "connect-src 'self'",
            "frame-ancestors 'none'",
        ] {
            assert!(csp.contains(directive), "{path}: {directive} in {csp}");
        }
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header("referrer-policy"), "same-origin", "{path}");
        assert!(
            header("permissions-policy").contains("microphone=(self)"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn headers_the_desktop_has_no_inline_script_or_style_the_policy_would_block() {
    // The policy allows no inline code; the desktop must not need any.
    let app = spawn_demo().await;
    let page = app.anonymous().get("/").await;
    assert_eq!(page.status, 200);
    let html = &page.text;
    for script in html.split("<script").skip(1) {
        let tag = &script[..script.find('>').expect("a closed tag")];
        assert!(tag.contains("src="), "an inline script: <script{tag}>");
    }
    assert!(!html.contains("<style"), "an inline style element");
    assert!(!html.contains(" style="), "an inline style attribute");
    assert!(!html.contains(" onclick="), "an inline event handler");
}
