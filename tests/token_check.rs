//! The pre-send check against tokens made by implementations that are not ours
//! (`tests/data`, copied from the shared SET vectors).

mod common;

use common::{EVENTS_PATH, client_for, read_data, vector_token};
use httpmock::prelude::*;
use okta_ssf::{ClientBuilder, Error, Segment, TokenCheck, TokenError, check_token};
use serde_json::Value;

fn manifest() -> Value {
    serde_json::from_str(&read_data("manifest.json")).expect("manifest.json")
}

#[test]
fn every_valid_vector_passes() {
    let manifest = manifest();
    let valid = manifest["valid"].as_array().expect("valid list");
    assert_eq!(valid.len(), 3);
    for name in valid {
        let name = name.as_str().expect("file name");
        let token = check_token(&read_data(&format!("valid/{name}")))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(token.issuer(), "https://transmitter.example.com", "{name}");
        assert_eq!(token.audiences().collect::<Vec<_>>(), ["https://example.okta.com"], "{name}");
        assert_eq!(token.issued_at(), 1764460800, "{name}");
        assert_eq!(token.event_types().count(), 1, "{name}");
        assert!(token.jti().starts_with("vector-jti-"), "{name}");
    }
}

/// What each manifest reason means as a typed error.
fn expected(name: &str) -> TokenError {
    match name {
        "typ-jwt.jwt" => TokenError::Typ,
        "alg-none.jwt" => TokenError::AlgNone,
        "alg-hs256.jwt" => TokenError::AlgSymmetric,
        "no-kid.jwt" => TokenError::MissingHeader("kid"),
        "no-jti.jwt" => TokenError::MissingClaim("jti"),
        "no-events.jwt" => TokenError::MissingClaim("events"),
        "empty-events.jwt" => TokenError::NoEvents,
        "iat-string.jwt" => {
            TokenError::ClaimType { name: "iat", expected: "an integer number of seconds" }
        }
        "two-segments.jwt" => TokenError::Segments(2),
        "four-segments.jwt" => TokenError::Segments(4),
        "padded-base64.jwt" => TokenError::Padded(Segment::Header),
        "not-a-jwt.txt" => TokenError::Segments(1),
        "json-claims.json" => TokenError::Json,
        "header-not-json.jwt" => TokenError::NotJson(Segment::Header),
        "empty.txt" => TokenError::Empty,
        other => panic!("no expectation for {other}: add one"),
    }
}

#[test]
fn every_invalid_vector_is_refused_for_its_reason() {
    let manifest = manifest();
    let invalid = manifest["invalid"].as_object().expect("invalid map");
    assert_eq!(invalid.len(), 15);
    for (name, reason) in invalid {
        let err = check_token(&read_data(&format!("invalid/{name}"))).map(|_| ()).expect_err(name);
        assert_eq!(err, expected(name), "{name}: manifest says {reason}");
    }
}

#[test]
fn a_refused_token_is_never_sent() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(POST).path(EVENTS_PATH);
        then.status(202);
    });
    let client = client_for(&server);
    for name in manifest()["invalid"].as_object().expect("invalid map").keys() {
        let err = client.publish(&read_data(&format!("invalid/{name}"))).expect_err(name);
        assert!(matches!(&err, Error::InvalidToken(e) if *e == expected(name)), "{name}: {err:?}");
        assert!(!err.is_retryable());
    }
    mock.assert_calls(0);
}

#[test]
fn the_check_can_be_skipped_for_other_receivers() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(POST).path(EVENTS_PATH).body("not-a-jwt");
        then.status(202);
    });
    let client = ClientBuilder::new(&server.base_url())
        .token_check(TokenCheck::Skip)
        .build()
        .expect("client");
    assert!(client.publish("  not-a-jwt\n").expect("sent").is_accepted());
    mock.assert();
}

#[test]
fn the_rs256_vector_from_pyjwt_passes() {
    let vector: Value = serde_json::from_str(&read_data("rs256-deterministic.json")).expect("json");
    let token = check_token(vector["token"].as_str().expect("token")).expect("valid");
    assert_eq!((token.alg(), token.kid()), ("RS256", "vector-rsa-1"));
    assert!(check_token(&vector_token()).is_ok());
}

#[test]
fn the_check_before_sending_judges_each_token_on_its_own() {
    // `publish` remembers the last header that passed, so that tokens signed with the same key
    // skip decoding it again: a good header must not let bad claims through, and a bad header
    // after a good one must still be refused.
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(POST).path(EVENTS_PATH);
        then.status(202);
    });
    let client = client_for(&server);
    let publish = |name: &str| {
        client.publish(&read_data(name)).map(|_| ()).map_err(|e| match e {
            Error::InvalidToken(e) => e,
            other => panic!("{name}: {other:?}"),
        })
    };
    assert_eq!(publish("valid/session-revoked-rs256.jwt"), Ok(()));
    // Same header as the token before, claims without `jti`.
    assert_eq!(publish("invalid/no-jti.jwt"), Err(TokenError::MissingClaim("jti")));
    assert_eq!(publish("invalid/typ-jwt.jwt"), Err(TokenError::Typ));
    assert_eq!(publish("invalid/alg-none.jwt"), Err(TokenError::AlgNone));
    assert_eq!(publish("valid/device-risk-change-es256.jwt"), Ok(()));
    assert_eq!(publish("invalid/empty-events.jwt"), Err(TokenError::NoEvents));
    assert_eq!(publish("valid/session-revoked-rs256.jwt"), Ok(()));
    mock.assert_calls(3);
}
