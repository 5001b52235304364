//! A token the receiver refuses with `400`: every RFC 8935 code, unknown codes, and the bodies
//! that are not RFC 8935 JSON.

mod common;

use common::{EVENTS_PATH, a_publish_of, client_for, vector_token};
use httpmock::prelude::*;
use okta_ssf::{Error, ErrorCode, Status};

fn rejection_for(body: &str, content_type: &str) -> okta_ssf::Rejection {
    let server = MockServer::start();
    let token = vector_token();
    let mock = server.mock(|when, then| {
        a_publish_of(when, token.trim_end());
        then.status(400)
            .header("content-type", content_type)
            .header("X-Okta-Request-Id", "req400")
            .body(body);
    });
    let delivery =
        client_for(&server).publish_detailed(&token).expect("a 400 is a verdict, not an error");
    mock.assert();
    assert_eq!(delivery.response().http_status(), 400);
    assert_eq!(delivery.response().request_id(), Some("req400"));
    match delivery.into_status() {
        Status::Rejected(rejection) => rejection,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

#[test]
fn each_rfc_8935_code_is_typed() {
    let cases = [
        ("invalid_request", ErrorCode::InvalidRequest),
        ("invalid_key", ErrorCode::InvalidKey),
        ("invalid_issuer", ErrorCode::InvalidIssuer),
        ("invalid_audience", ErrorCode::InvalidAudience),
        ("authentication_failed", ErrorCode::AuthenticationFailed),
        ("access_denied", ErrorCode::AccessDenied),
    ];
    for (wire, code) in cases {
        let body = format!(r#"{{"err":"{wire}","description":"because {wire}"}}"#);
        let rejection = rejection_for(&body, "application/json");
        assert_eq!(rejection.code(), &code);
        assert_eq!(rejection.code().as_str(), wire);
        assert_eq!(rejection.description(), Some(format!("because {wire}").as_str()));
        assert_eq!(rejection.to_string(), format!("{wire}: because {wire}"));
    }
}

#[test]
fn okta_description_is_kept_verbatim() {
    let description = "Failed claim validation in security event token. 'events.mediationDeviceComplianceChangeEvent.previousStatus': The field cannot be left blank";
    let body =
        serde_json::json!({"err": "invalid_request", "description": description}).to_string();
    let rejection = rejection_for(&body, "application/json");
    assert_eq!(rejection.code(), &ErrorCode::InvalidRequest);
    assert_eq!(rejection.description(), Some(description));
}

#[test]
fn an_unknown_code_survives_as_text() {
    let rejection = rejection_for(
        r#"{"err":"invalid_state","description":"stream paused"}"#,
        "application/json",
    );
    assert_eq!(rejection.code(), &ErrorCode::Other("invalid_state".to_owned()));
    assert_eq!(rejection.code().as_str(), "invalid_state");
    assert_eq!(rejection.description(), Some("stream paused"));
}

#[test]
fn okta_generic_error_body_keeps_its_words() {
    let body = r#"{"errorCode":"E0000001","errorSummary":"Api validation failed: events","errorLink":"E0000001","errorId":"oaeXYZ","errorCauses":[{"errorSummary":"events: The field cannot be left blank"}]}"#;
    let rejection = rejection_for(body, "application/json");
    assert_eq!(rejection.code(), &ErrorCode::Other("E0000001".to_owned()));
    assert_eq!(
        rejection.description(),
        Some("Api validation failed: events; events: The field cannot be left blank")
    );
}

#[test]
fn a_body_that_is_not_json_keeps_its_words() {
    let rejection = rejection_for("<html><body>400 Bad Request</body></html>\n", "text/html");
    assert_eq!(rejection.code(), &ErrorCode::Unspecified);
    assert_eq!(rejection.description(), Some("<html><body>400 Bad Request</body></html>"));
    assert_eq!(rejection.to_string(), "<html><body>400 Bad Request</body></html>");
}

#[test]
fn an_empty_400_is_still_a_rejection() {
    let rejection = rejection_for("", "application/json");
    assert_eq!((rejection.code(), rejection.description()), (&ErrorCode::Unspecified, None));
}

#[test]
fn a_long_description_is_bounded() {
    let body = serde_json::json!({"err": "invalid_request", "description": "d".repeat(10_000)})
        .to_string();
    let rejection = rejection_for(&body, "application/json");
    let description = rejection.description().expect("description");
    assert_eq!(description.chars().count(), okta_ssf::MAX_SERVER_TEXT_CHARS + 1);
    assert!(description.ends_with('…'));
}

#[test]
fn an_oversized_400_body_is_not_read() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(POST).path(EVENTS_PATH);
        then.status(400).header("X-Okta-Request-Id", "reqBig").body("e".repeat(3 * 1024 * 1024));
    });
    let err = client_for(&server).publish(&vector_token()).expect_err("too large");
    mock.assert();
    assert!(
        matches!(err, Error::ResponseTooLarge { limit: okta_ssf::MAX_RESPONSE_BYTES, .. }),
        "{err:?}"
    );
    assert_eq!(err.response().and_then(|r| r.request_id()), Some("reqBig"));
    assert_eq!(
        err.to_string(),
        "receiver's 400 answer is larger than 65536 bytes; it was not read"
    );
    assert!(!err.is_retryable());
}
