//! The `sign` feature against implementations that are not ours: PyJWT's deterministic RS256
//! vector, the vectors' JWKS, jsonwebtoken's verifier and Okta's own OpenAPI schema.
#![cfg(feature = "sign")]

mod common;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use common::{a_publish_of, b64url, data, read_data};
use httpmock::prelude::*;
use jsonwebtoken::{DecodingKey, Validation, decode, decode_header};
use okta_ssf::lint::EventType;
use okta_ssf::sign::{
    Algorithm, ComplianceStatus, Event, InitiatingEntity, RiskLevel, SetBuilder, SignError,
    SigningKey, Subject, jwks, public_jwk,
};
use okta_ssf::{Client, Status, check_token};
use serde_json::{Map, Value, json};

fn key(path: &str, kid: &str) -> SigningKey {
    SigningKey::from_pem(&std::fs::read(data(path)).expect("key file"), kid).expect("key")
}

fn vector_jwks() -> Value {
    serde_json::from_str(&read_data("jwks.json")).expect("jwks.json")
}

fn vector_jwk(kid: &str) -> Value {
    vector_jwks()["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["kid"] == kid)
        .expect("kid")
        .clone()
}

#[test]
fn rs256_signature_matches_pyjwt_for_pkcs8_and_pkcs1() {
    let vector: Value =
        serde_json::from_str(&read_data("rs256-deterministic.json")).expect("vector");
    let input = vector["signing_input"].as_str().expect("signing_input");
    for path in ["rsa-pkcs8.pem", "rsa-pkcs1.pem"] {
        let key = key(path, "vector-rsa-1");
        assert_eq!(key.algorithm(), Algorithm::Rs256);
        let signature = key.signature(input.as_bytes()).expect("signature");
        assert_eq!(b64url(&signature), vector["signature"], "{path}");
    }
}

#[test]
fn exported_jwks_match_the_vectors() {
    for (path, kid, members) in [
        ("rsa-pkcs8.pem", "vector-rsa-1", &["kty", "n", "e", "alg"][..]),
        ("rsa-pkcs1.pem", "vector-rsa-1", &["kty", "n", "e", "alg"][..]),
        ("ec-p256-pkcs8.pem", "vector-ec-1", &["kty", "crv", "x", "y", "alg"][..]),
        ("ec-p256-sec1.pem", "vector-ec-1", &["kty", "crv", "x", "y", "alg"][..]),
    ] {
        let jwk = key(path, kid).jwk();
        let expected = vector_jwk(kid);
        for member in members {
            assert_eq!(jwk[member], expected[member], "{path}: {member}");
        }
        assert_eq!((&jwk["kid"], &jwk["use"]), (&json!(kid), &json!("sig")), "{path}");
    }
    let rsa = key("rsa-pkcs8.pem", "vector-rsa-1");
    let ec = key("ec-p256-sec1.pem", "vector-ec-1");
    let doc = jwks(&[&rsa, &ec]);
    assert_eq!(doc["keys"].as_array().map(Vec::len), Some(2));
    assert_eq!(doc["keys"][1]["x"], vector_jwk("vector-ec-1")["x"]);
}

fn session_revoked() -> Event {
    Event::session_revoked(Subject::user_email("user@example.com"))
        .initiating_entity(InitiatingEntity::Policy)
        .reason_admin("Malware detected on the device")
}

/// Verifies `token` with jsonwebtoken, using the vectors' JWKS entry named by its `kid`.
fn verify_with_jsonwebtoken(token: &str) -> Value {
    let header = decode_header(token).expect("header");
    assert_eq!(header.typ.as_deref(), Some("secevent+jwt"));
    let kid = header.kid.expect("kid");
    let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(vector_jwk(&kid)).expect("jwk");
    let mut validation = Validation::new(header.alg);
    validation.set_audience(&["https://example.okta.com"]);
    validation.set_issuer(&["https://transmitter.example.com"]);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    decode::<Value>(token, &DecodingKey::from_jwk(&jwk).expect("decoding key"), &validation)
        .expect("verifies")
        .claims
}

#[test]
fn signed_tokens_verify_with_jsonwebtoken() {
    for (path, kid, alg) in [
        ("rsa-pkcs8.pem", "vector-rsa-1", "RS256"),
        ("rsa-pkcs1.pem", "vector-rsa-1", "RS256"),
        ("ec-p256-pkcs8.pem", "vector-ec-1", "ES256"),
        ("ec-p256-sec1.pem", "vector-ec-1", "ES256"),
    ] {
        let token = SetBuilder::new("https://transmitter.example.com", "https://example.okta.com")
            .event(session_revoked())
            .sign(&key(path, kid))
            .expect("signed");
        let claims = verify_with_jsonwebtoken(&token);
        assert_eq!(
            claims["events"][EventType::SessionRevoked.uri()]["subject"]["user"]["email"],
            "user@example.com"
        );
        let parsed = check_token(&token).expect("passes the check");
        assert_eq!((parsed.alg(), parsed.kid()), (alg, kid), "{path}");
        assert_eq!(parsed.header().len(), 3, "header is exactly alg, kid, typ");
        assert_eq!(parsed.header()["typ"], "secevent+jwt");
    }
}

#[test]
fn builder_defaults() {
    let key = key("ec-p256-pkcs8.pem", "vector-ec-1");
    let before =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("now").as_secs()
            as i64;
    let a = SetBuilder::new("https://t.example", "https://acme.okta.com")
        .event(session_revoked())
        .sign(&key)
        .expect("a");
    let b = SetBuilder::new("https://t.example", "https://acme.okta.com")
        .event(session_revoked())
        .sign(&key)
        .expect("b");
    let (a, b) = (check_token(&a).expect("a"), check_token(&b).expect("b"));
    assert!((before..=before + 2).contains(&a.issued_at()), "iat is now");
    assert_eq!(a.jti().len(), 32);
    assert_ne!(a.jti(), b.jti(), "jti is random");
    let event = &a.events()[EventType::SessionRevoked.uri()];
    assert_eq!(event["event_timestamp"], a.issued_at(), "event_timestamp defaults to iat");
    assert_eq!(a.claims().keys().collect::<Vec<_>>(), ["aud", "events", "iat", "iss", "jti"]);

    let explicit = SetBuilder::new("i", "a")
        .iat(100)
        .jti("j-1")
        .event(session_revoked().event_timestamp(90))
        .build()
        .expect("claims");
    assert_eq!((&explicit["iat"], &explicit["jti"]), (&json!(100), &json!("j-1")));
    assert_eq!(explicit["events"][EventType::SessionRevoked.uri()]["event_timestamp"], 90);
}

fn schema() -> Value {
    serde_json::from_str(&read_data("openapi-ssf-excerpt.json")).expect("spec")
}

/// Checks `event` against the spec's schema for its type: required members present, every
/// member declared by the schema, enum values from its lists, integers where it says integer.
fn assert_matches_schema(event_type: EventType, event: &Value) {
    let spec = schema();
    let reference =
        spec["components"]["schemas"]["SecurityEventTokenRequestJwtEvents"]["properties"]
            [event_type.uri()]["$ref"]
            .as_str()
            .expect("the spec lists the type")
            .rsplit('/')
            .next()
            .expect("ref name")
            .to_owned();
    let schema = &spec["components"]["schemas"][&reference];
    let members = event.as_object().expect("event object");
    for required in schema["required"].as_array().expect("required") {
        let required = required.as_str().expect("name");
        assert!(members.contains_key(required), "{reference}: `{required}` missing");
    }
    for (name, value) in members {
        let property = &schema["properties"][name];
        assert!(property.is_object(), "{reference}: `{name}` is not in the spec");
        if let Some(allowed) = property["enum"].as_array() {
            assert!(allowed.contains(value), "{reference}: `{name}` = {value} not in {allowed:?}");
        }
        match property["type"].as_str() {
            Some("integer") => assert!(value.is_i64(), "{reference}: `{name}` not an integer"),
            Some("string") => assert!(value.is_string(), "{reference}: `{name}` not a string"),
            _ => {}
        }
        if let Some(parts) = property["allOf"].as_array() {
            // reason_admin / reason_user: a SecurityEventReason with `en`.
            assert!(parts.iter().any(|p| p["$ref"] == "#/components/schemas/SecurityEventReason"));
            assert!(value["en"].is_string(), "{reference}: `{name}` has no `en`");
        }
    }
    if let Some(user) = event["subject"].get("user") {
        assert!(
            ["email", "opaque", "iss_sub"].contains(&user["format"].as_str().unwrap_or_default())
        );
    }
}

#[test]
fn each_typed_event_serializes_as_okta_specifies() {
    let user = || Subject::user_email("jane@acme.com");
    let events = [
        (
            EventType::SessionRevoked,
            session_revoked()
                .current_ip(IpAddr::V4(Ipv4Addr::new(203, 0, 113, 7)))
                .current_user_agent("Mozilla/5.0")
                .last_known_ip(IpAddr::V6(Ipv6Addr::LOCALHOST))
                .last_known_user_agent("curl/8"),
        ),
        (
            EventType::DeviceComplianceChange,
            Event::device_compliance_change(
                Subject::device("device-42"),
                ComplianceStatus::NotCompliant,
                ComplianceStatus::Compliant,
            )
            .initiating_entity(InitiatingEntity::System)
            .reason_admin("Disk encryption turned off"),
        ),
        (
            EventType::DeviceRiskChange,
            Event::device_risk_change(
                Subject::device("device-42"),
                RiskLevel::High,
                RiskLevel::Low,
            )
            .reason_user("Your device is at risk"),
        ),
        (
            EventType::UserRiskChange,
            Event::user_risk_change(user(), RiskLevel::Secure, RiskLevel::None)
                .initiating_entity(InitiatingEntity::Admin)
                .reason_admin("Reviewed"),
        ),
        (
            EventType::IpChange,
            Event::ip_change(
                user(),
                IpAddr::V4(Ipv4Addr::new(198, 51, 100, 1)),
                IpAddr::V4(Ipv4Addr::new(198, 51, 100, 2)),
            )
            .reason_admin("Moved"),
        ),
        (
            EventType::IdentifierChanged,
            Event::identifier_changed(user()).new_value("jane.doe@acme.com"),
        ),
    ];
    let key = key("rsa-pkcs8.pem", "vector-rsa-1");
    for (event_type, event) in events {
        assert_eq!(event.type_uri(), event_type.uri());
        let token = SetBuilder::new("https://transmitter.example.com", "https://example.okta.com")
            .event(event)
            .sign(&key)
            .expect("signed");
        let claims = verify_with_jsonwebtoken(&token);
        let events = claims["events"].as_object().expect("events");
        assert_eq!(events.len(), 1, "one event per SET");
        assert_matches_schema(event_type, &events[event_type.uri()]);
    }
}

#[test]
fn exact_member_names_and_values() {
    let claims = SetBuilder::new("i", "a")
        .iat(1)
        .jti("j")
        .event(Event::device_compliance_change(
            Subject::user_email("u@example.com").and_device("d-1"),
            ComplianceStatus::NotCompliant,
            ComplianceStatus::Compliant,
        ))
        .build()
        .expect("claims");
    assert_eq!(
        claims["events"][EventType::DeviceComplianceChange.uri()],
        json!({
            "subject": {"user": {"format": "email", "email": "u@example.com"}, "device": {"format": "opaque", "id": "d-1"}},
            "current_status": "not-compliant",
            "previous_status": "compliant",
            "event_timestamp": 1
        })
    );
    let claims = SetBuilder::new("i", "a")
        .iat(1)
        .jti("j")
        .event(
            Event::identifier_changed(Subject::user_iss_sub("https://idp", "u-1"))
                .new_value("n@example.com"),
        )
        .build()
        .expect("claims");
    assert_eq!(
        claims["events"][EventType::IdentifierChanged.uri()],
        json!({"subject": {"user": {"format": "iss_sub", "iss": "https://idp", "sub": "u-1"}}, "new-value": "n@example.com", "event_timestamp": 1})
    );
    let opaque = SetBuilder::new("i", "a")
        .iat(1)
        .jti("j")
        .event(Event::session_revoked(Subject::user_opaque("00u1")))
        .build()
        .expect("claims");
    assert_eq!(
        opaque["events"][EventType::SessionRevoked.uri()]["subject"],
        json!({"user": {"format": "opaque", "id": "00u1"}})
    );
}

#[test]
fn custom_events_are_the_escape_hatch() {
    let mut members = Map::new();
    members.insert(
        "subject".to_owned(),
        json!({"user": {"format": "email", "email": "u@example.com"}}),
    );
    members.insert("credential_type".to_owned(), json!("password"));
    let uri = "https://schemas.openid.net/secevent/caep/event-type/credential-change";
    let token = SetBuilder::new("https://transmitter.example.com", "https://example.okta.com")
        .iat(50)
        .event(Event::custom(uri, members))
        .sign(&key("ec-p256-pkcs8.pem", "vector-ec-1"))
        .expect("signed");
    let claims = verify_with_jsonwebtoken(&token);
    assert_eq!(claims["events"][uri]["credential_type"], "password");
    assert_eq!(claims["events"][uri]["event_timestamp"], 50);
}

#[test]
fn bad_keys_give_clear_errors_without_key_material() {
    let pem = |path: &str| std::fs::read(data(path)).expect("key file");
    let cases: Vec<(Result<SigningKey, SignError>, &str)> = vec![
        (
            SigningKey::from_pem(&pem("rsa-pkcs8.pem"), " "),
            "the key id (`kid`) is empty; use the `kid` of this key in the provider's JWKS",
        ),
        (
            SigningKey::from_pem(b"not a pem", "k"),
            "no private key found in the PEM; expected a `BEGIN PRIVATE KEY`, `BEGIN RSA PRIVATE KEY` or `BEGIN EC PRIVATE KEY` block",
        ),
        (
            SigningKey::from_pem(&pem("rsa-public.pem"), "k"),
            "the PEM holds a public key, not a private key; signing needs the private key (`okta-ssf jwks` makes the public JWKS from it)",
        ),
        (
            SigningKey::from_pem(&pem("ec-p256-public.pem"), "k"),
            "the PEM holds a public key, not a private key; signing needs the private key (`okta-ssf jwks` makes the public JWKS from it)",
        ),
        (
            SigningKey::from_pem(&pem("keys/ec-p256-cert.pem"), "k"),
            "the PEM holds a certificate, not a private key; signing needs the private key (`okta-ssf jwks` makes the public JWKS from it)",
        ),
        (
            SigningKey::from_pem(&pem("keys/ec-p256-encrypted.pem"), "k"),
            "the private key is encrypted; decrypt it first, such as with `openssl pkey -in key.pem -out plain.pem`, and keep the result private",
        ),
        (
            SigningKey::from_pem(&pem("keys/ec-p384-pkcs8.pem"), "k"),
            "the key is an EC key on P-384; use a P-256 key (ES256) or an RSA key of 2048 bits or more (RS256)",
        ),
        (
            SigningKey::from_pem(&pem("keys/ec-p384-sec1.pem"), "k"),
            "the key is an EC key on P-384; use a P-256 key (ES256) or an RSA key of 2048 bits or more (RS256)",
        ),
        (
            SigningKey::from_pem(&pem("keys/ed25519.pem"), "k"),
            "the key is an Ed25519 key; use a P-256 key (ES256) or an RSA key of 2048 bits or more (RS256)",
        ),
        (
            SigningKey::from_pem(
                b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                "k",
            ),
            "unsupported or unreadable private key (InvalidEncoding); use an RSA key (RS256) or a P-256 key (ES256)",
        ),
        (
            SigningKey::from_pem(&pem("keys/rsa-1024-pkcs8.pem"), "k"),
            "the RSA key has 1024 bits; Okta and this crate need at least 2048",
        ),
        (
            SigningKey::from_pem(&pem("keys/rsa-1024-pkcs1.pem"), "k"),
            "the RSA key has 1024 bits; Okta and this crate need at least 2048",
        ),
    ];
    for (result, text) in cases {
        let err = result.expect_err(text);
        assert_eq!(err.to_string(), text);
        assert!(!format!("{err:?}").contains("MII"), "no key material in Debug");
    }
    // A 3072-bit key is fine.
    assert_eq!(
        SigningKey::from_pem(&pem("keys/rsa-3072-pkcs8.pem"), "k").expect("3072").algorithm(),
        Algorithm::Rs256
    );
}

#[test]
fn key_debug_is_redacted() {
    let pem = read_data("rsa-pkcs8.pem");
    let key = SigningKey::from_pem(pem.as_bytes(), "vector-rsa-1").expect("key");
    let debug = format!("{key:?}");
    assert_eq!(debug, r#"SigningKey { alg: Rs256, kid: "vector-rsa-1", key: "[redacted]" }"#);
    let body_line = pem.lines().nth(1).expect("a base64 line");
    assert!(!debug.contains(&body_line[..20]));
}

#[test]
fn builder_errors() {
    let key = key("ec-p256-pkcs8.pem", "k");
    let err = SetBuilder::new("i", "a").sign(&key).expect_err("no event");
    assert_eq!(err.to_string(), "the SET has no event; add exactly one with `SetBuilder::event`");
    let err = SetBuilder::new(" ", "a").event(session_revoked()).build().expect_err("empty iss");
    assert_eq!(err.to_string(), "the `iss` claim is empty");
    let err = SetBuilder::new("i", "").event(session_revoked()).build().expect_err("empty aud");
    assert_eq!(err.to_string(), "the `aud` claim is empty");
}

#[test]
fn sign_check_and_publish_in_one_go() {
    let server = MockServer::start();
    let key = key("rsa-pkcs8.pem", "vector-rsa-1");
    let token = SetBuilder::new("https://transmitter.example.com", "https://example.okta.com")
        .event(
            Event::user_risk_change(
                Subject::user_email("jane@acme.com"),
                RiskLevel::High,
                RiskLevel::Low,
            )
            .reason_admin("Impossible travel"),
        )
        .sign(&key)
        .expect("signed");
    let mock = server.mock(|when, then| {
        a_publish_of(when, &token);
        then.status(202);
    });
    assert_eq!(
        Client::new(&server.base_url()).expect("client").publish(&token).expect("published"),
        Status::Accepted
    );
    mock.assert();
    verify_with_jsonwebtoken(&token);
}

#[test]
fn a_public_key_gives_the_same_jwk_as_its_private_key() {
    let pem = |path: &str| std::fs::read(data(path)).expect("key file");
    for (public, private) in [
        ("rsa-public.pem", "rsa-pkcs8.pem"),
        ("keys/rsa-pkcs1-public.pem", "rsa-pkcs8.pem"),
        ("ec-p256-public.pem", "ec-p256-pkcs8.pem"),
    ] {
        let jwk = public_jwk(&pem(public), "k").expect(public);
        assert_eq!(jwk, key(private, "k").jwk(), "{public}");
    }
    let errors = [
        (
            public_jwk(&pem("rsa-pkcs8.pem"), "k"),
            "no public key found in the PEM; expected a `BEGIN PUBLIC KEY` block, as `openssl pkey -pubout` writes one",
        ),
        (
            public_jwk(&pem("rsa-public.pem"), " "),
            "the key id (`kid`) is empty; use the `kid` of this key in the provider's JWKS",
        ),
    ];
    for (result, text) in errors {
        assert_eq!(result.expect_err(text).to_string(), text);
    }
}
