//! The library's Okta lints: what Okta is known to refuse or drop, each found and named.
#![cfg(feature = "lint")]

mod common;

use common::{read_data, token_with_claims};
use okta_ssf::check_token;
use okta_ssf::lint::Warning;
use serde_json::{Value, json};

const NOW: i64 = 1_764_460_800;
const ORG: &str = "https://example.okta.com";
const SESSION_REVOKED: &str = "https://schemas.openid.net/secevent/caep/event-type/session-revoked";
const USER_RISK: &str = "https://schemas.okta.com/secevent/okta/event-type/user-risk-change";
const COMPLIANCE: &str =
    "https://schemas.openid.net/secevent/caep/event-type/device-compliance-change";

fn claims_with(events: Value) -> Value {
    json!({"iss": "https://t.example", "aud": ORG, "iat": NOW, "jti": "j", "events": events})
}

fn warnings(claims: &Value) -> Vec<Warning> {
    check_token(&token_with_claims(&claims.to_string()))
        .expect("well-shaped")
        .okta_warnings_at(Some(ORG), NOW)
}

fn good_session_revoked() -> Value {
    json!({"subject": {"user": {"format": "email", "email": "u@example.com"}}, "event_timestamp": NOW, "reason_admin": {"en": "r"}})
}

#[test]
fn the_valid_vectors_have_no_warnings() {
    for name in [
        "valid/device-risk-change-es256.jwt",
        "valid/session-revoked-rs256.jwt",
        "valid/session-revoked-es256-c-jose.jwt",
    ] {
        let token = check_token(&read_data(name)).expect("valid");
        assert_eq!(token.okta_warnings_at(Some(ORG), NOW + 10), [], "{name}");
    }
}

#[test]
fn unknown_event_type_and_multiple_events() {
    let w = warnings(&claims_with(
        json!({SESSION_REVOKED: good_session_revoked(), "https://example.com/my-event": {}}),
    ));
    assert_eq!(
        w,
        [
            Warning::MultipleEvents(2),
            Warning::UnknownEventType("https://example.com/my-event".into())
        ]
    );
    assert_eq!(w[0].to_string(), "the token holds 2 events; SSF puts exactly one in each SET");
    assert_eq!(
        w[1].to_string(),
        "event type `https://example.com/my-event` is not one Okta accepts"
    );
}

#[test]
fn missing_members_and_camel_case() {
    let event = json!({"subject": {}, "eventTimestamp": NOW, "currentLevel": "high", "previous_level": "low", "reason_user": {"en": "x"}});
    let w = warnings(&claims_with(json!({USER_RISK: event})));
    assert_eq!(
        w,
        [
            Warning::CamelCase {
                event_type: "user-risk-change",
                member: "currentLevel".into(),
                expected: "current_level".into()
            },
            Warning::CamelCase {
                event_type: "user-risk-change",
                member: "eventTimestamp".into(),
                expected: "event_timestamp".into()
            },
            Warning::MissingMember { event_type: "user-risk-change", member: "event_timestamp" },
            Warning::MissingMember { event_type: "user-risk-change", member: "current_level" },
        ]
    );
    assert_eq!(
        w[0].to_string(),
        "`currentLevel` in the user-risk-change event is camelCase; Okta expects `current_level`"
    );
    assert_eq!(w[2].to_string(), "`event_timestamp` is missing from the user-risk-change event");
}

#[test]
fn values_outside_the_lists() {
    let event = json!({"subject": {}, "event_timestamp": NOW, "current_status": "NOT-COMPLIANT", "previous_status": "broken",
        "initiating_entity": "the security team", "reason_admin": {"en": "x"}});
    let w = warnings(&claims_with(json!({COMPLIANCE: event})));
    let statuses: &[&str] = &["compliant", "not-compliant"];
    let entities: &[&str] = &["admin", "user", "policy", "system"];
    assert_eq!(
        w,
        [
            Warning::ValueNotAllowed {
                event_type: "device-compliance-change",
                member: "current_status",
                allowed: statuses,
                upper_case: true
            },
            Warning::ValueNotAllowed {
                event_type: "device-compliance-change",
                member: "previous_status",
                allowed: statuses,
                upper_case: false
            },
            Warning::ValueNotAllowed {
                event_type: "device-compliance-change",
                member: "initiating_entity",
                allowed: entities,
                upper_case: false
            },
        ]
    );
    assert_eq!(
        w[0].to_string(),
        "`current_status` in the device-compliance-change event is not one of: compliant, not-compliant (values are lower case)"
    );
    assert_eq!(
        w[2].to_string(),
        "`initiating_entity` in the device-compliance-change event is not one of: admin, user, policy, system"
    );
    // The value itself is never repeated.
    assert!(!w.iter().any(|w| w.to_string().contains("security team")));
}

#[test]
fn no_reason_and_timestamps() {
    let mut event = good_session_revoked();
    event.as_object_mut().expect("object").remove("reason_admin");
    event["event_timestamp"] = json!(NOW * 1000);
    let w = warnings(&claims_with(json!({SESSION_REVOKED: event.clone()})));
    assert_eq!(
        w,
        [
            Warning::NoReason { event_type: "session-revoked" },
            Warning::TimestampInMilliseconds { event_type: "session-revoked" }
        ]
    );
    assert_eq!(
        w[0].to_string(),
        "the session-revoked event has neither `reason_admin` nor `reason_user`"
    );
    assert_eq!(
        w[1].to_string(),
        "`event_timestamp` in the session-revoked event looks like milliseconds; use seconds"
    );
    event["event_timestamp"] = json!("1764460800");
    event["reason_user"] = json!({"en": "x"});
    assert_eq!(
        warnings(&claims_with(json!({SESSION_REVOKED: event}))),
        [Warning::TimestampNotInteger { event_type: "session-revoked" }]
    );
    // identifier-changed needs no reason.
    let id = json!({"https://schemas.openid.net/secevent/risc/event-type/identifier-changed": {"subject": {}, "event_timestamp": NOW}});
    assert_eq!(warnings(&claims_with(id)), []);
}

#[test]
fn audiences() {
    let expected = ORG.to_owned();
    for (aud, warning) in [
        (
            json!("https://example.okta.com/"),
            Some(Warning::AudienceTrailingSlash { expected: expected.clone() }),
        ),
        (
            json!("https://example-admin.okta.com"),
            Some(Warning::AudienceAdminHost { expected: expected.clone() }),
        ),
        (
            json!("https://example-admin.okta.com/"),
            Some(Warning::AudienceAdminHost { expected: expected.clone() }),
        ),
        (
            json!("https://other.okta.com"),
            Some(Warning::AudienceOtherHost { expected: expected.clone() }),
        ),
        (json!(["https://other.example", ORG]), None),
        (json!(ORG), None),
    ] {
        let mut claims = claims_with(json!({SESSION_REVOKED: good_session_revoked()}));
        claims["aud"] = aud.clone();
        assert_eq!(warnings(&claims), warning.into_iter().collect::<Vec<_>>(), "{aud}");
    }
    assert_eq!(
        Warning::AudienceTrailingSlash { expected: expected.clone() }.to_string(),
        "`aud` has a trailing slash; use exactly `https://example.okta.com`"
    );
    assert_eq!(
        Warning::AudienceAdminHost { expected: expected.clone() }.to_string(),
        "`aud` names the `-admin` host; use `https://example.okta.com`"
    );
    assert_eq!(
        Warning::AudienceOtherHost { expected }.to_string(),
        "`aud` does not name the org; use `https://example.okta.com`"
    );
    // Without an org, `aud` is not checked.
    let mut claims = claims_with(json!({SESSION_REVOKED: good_session_revoked()}));
    claims["aud"] = json!("https://other.okta.com");
    let token = check_token(&token_with_claims(&claims.to_string())).expect("shape");
    assert_eq!(token.okta_warnings_at(None, NOW), []);
}

#[test]
fn issue_time_and_forbidden_claims() {
    let mut claims = claims_with(json!({SESSION_REVOKED: good_session_revoked()}));
    claims["iat"] = json!(NOW + 3600);
    claims["sub"] = json!("someone");
    claims["exp"] = json!(NOW + 7200);
    let w = warnings(&claims);
    assert_eq!(
        w,
        [Warning::ForbiddenClaim("sub"), Warning::ForbiddenClaim("exp"), Warning::IssuedInFuture]
    );
    assert_eq!(w[0].to_string(), "the claim `sub` is present; SSF forbids it in a SET");
    assert_eq!(w[2].to_string(), "`iat` is in the future");
    claims = claims_with(json!({SESSION_REVOKED: good_session_revoked()}));
    claims["iat"] = json!(NOW - 2 * 86_400);
    assert_eq!(warnings(&claims), [Warning::IssuedLongAgo]);
    assert_eq!(Warning::IssuedLongAgo.to_string(), "`iat` is more than a day old");
}
