//! Goal: the offer popover carries the entry point's links (R7), such as the customer's record
//! in a CRM, filled with the contact's values so that no value can change the address; the
//! configuration refuses what is not an https:// address, an unknown variable, and a secure
//! one (R33).
//! Method: give the demo organisation's Salg flow links, offer a call to ANNA and read the
//! popover's links; feed invalid links to `Config::validate`.
//! Proves: R7 (with R33 for secure variables, R43 for validation).

use crate::support::*;
use sentral_engine::testing::*;
use sentral_engine::*;

fn link(url: &str) -> OfferLink {
    OfferLink {
        label: "Customer record".into(),
        url: url.into(),
    }
}

#[test]
fn r7_the_offer_has_the_entry_points_links_with_the_values_url_encoded() {
    let mut config = small_config();
    let flow = salg_flow(&mut config);
    flow.variables = vec![("case_number".into(), "C 17/&x=1#y".into())];
    flow.links = vec![link(
        "https://crm.example/customers?phone={ani}&case={case_number}&queue={queue}",
    )];
    config.validate().expect("valid links");
    let mut h = Harness::with_config(config);
    h.ready(ANNA, SALES);
    h.arrive(DN_SALG);
    let offer = the_offer(&h, ANNA);
    assert_eq!(
        offer.links,
        vec![LinkView {
            label: "Customer record".into(),
            url: "https://crm.example/customers?phone=%2B4791000001&case=C%2017%2F%26x%3D1%23y&queue=Sales"
                .into(),
        }],
        "R7: each value is percent-encoded, so it cannot add a parameter, a path or a host"
    );
}

#[test]
fn r7_an_entry_point_without_links_offers_none() {
    let mut h = Harness::with_config(small_config());
    h.ready(ANNA, SALES);
    h.arrive(DN_SALG);
    assert!(the_offer(&h, ANNA).links.is_empty());
}

#[test]
fn r7_r33_links_must_be_https_name_known_variables_and_never_a_secure_one() {
    let secure = small_config()
        .cad_variables
        .iter()
        .find(|d| d.secure)
        .map(|d| d.name.clone())
        .expect("the demo has a secure variable");
    let cases = [
        ("http://crm.example/c?phone={ani}".to_owned(), "https://"),
        ("javascript:alert(1)".to_owned(), "https://"),
        ("https://{ani}.example/".to_owned(), "host written out"),
        (
            "https://crm.example/c?x={nope}".to_owned(),
            "not a CAD variable",
        ),
        ("https://crm.example/c?x={ani".to_owned(), "without }"),
        (
            format!("https://crm.example/c?id={{{secure}}}"),
            "secure variable",
        ),
    ];
    for (url, expected) in cases {
        let mut config = small_config();
        salg_flow(&mut config).links = vec![link(&url)];
        let errors = config.validate().expect_err(&url);
        assert!(
            errors
                .iter()
                .any(|e| e.field.ends_with("flow.links") && e.message.contains(expected)),
            "{url}: {errors:?}"
        );
    }
    let mut config = small_config();
    salg_flow(&mut config).links = vec![link("https://crm.example/"); OfferLink::MAX + 1];
    assert!(
        config.validate().is_err(),
        "at most {} links",
        OfferLink::MAX
    );
}
