//! Answers other than 2xx and 400: each becomes its own error, with the answer's details.

mod common;

use common::{EVENTS_PATH, a_publish_of, single_try_client_for, vector_token};
use httpmock::prelude::*;
use okta_ssf::Error;

fn error_for(status: u16, headers: &[(&str, &str)], body: &str) -> Error {
    let server = MockServer::start();
    let token = vector_token();
    let mock = server.mock(|when, then| {
        a_publish_of(when, token.trim_end());
        let mut then = then.status(status).header("X-Okta-Request-Id", format!("req{status}"));
        for (name, value) in headers {
            then = then.header(*name, *value);
        }
        then.body(body);
    });
    let err = single_try_client_for(&server).publish(&token).expect_err("an error status");
    mock.assert();
    assert_eq!(err.response().map(|r| r.http_status()), Some(status));
    assert_eq!(err.response().and_then(|r| r.request_id()), Some(format!("req{status}").as_str()));
    err
}

const OKTA_404: &str = r#"{"errorCode":"E0000007","errorSummary":"Not found: Resource not found: security-events (Feature)","errorLink":"E0000007","errorId":"oae1","errorCauses":[]}"#;

#[test]
fn unauthorized() {
    let err =
        error_for(401, &[], r#"{"errorCode":"E0000011","errorSummary":"Invalid token provided"}"#);
    assert!(matches!(err, Error::Unauthorized(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "receiver answered 401 Unauthorized (server says: Invalid token provided); this endpoint takes no credentials, check that the URL is an SSF receiver"
    );
    assert!(!err.is_retryable());
}

#[test]
fn forbidden() {
    let err = error_for(403, &[], "");
    assert!(matches!(err, Error::Forbidden(_)), "{err:?}");
    assert!(!err.is_retryable());
}

#[test]
fn not_found_names_the_missing_feature() {
    let err = error_for(404, &[], OKTA_404);
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
    assert_eq!(
        err.response().and_then(|r| r.message()),
        Some("Not found: Resource not found: security-events (Feature)")
    );
    assert!(err.to_string().contains("Identity Threat Protection"));
    assert!(!err.is_retryable());
}

#[test]
fn rate_limited_carries_the_rate_limit_headers() {
    let body = r#"{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests."}"#;
    let headers = [
        ("X-Rate-Limit-Limit", "50"),
        ("X-Rate-Limit-Remaining", "0"),
        ("X-Rate-Limit-Reset", "1764460860"),
    ];
    let err = error_for(429, &headers, body);
    assert!(matches!(err, Error::RateLimited(_)), "{err:?}");
    let limit = err.response().and_then(|r| r.rate_limit()).expect("rate limit");
    assert_eq!((limit.limit, limit.remaining, limit.reset), (Some(50), Some(0), Some(1764460860)));
    assert_eq!(
        err.to_string(),
        "receiver answered 429 Too Many Requests (server says: API call exceeded rate limit due to too many requests.); wait for the rate-limit reset and retry"
    );
    assert!(err.is_retryable());
}

#[test]
fn server_errors_are_retryable() {
    for status in [500, 502, 503, 504] {
        let err = error_for(status, &[], "upstream unavailable");
        assert!(matches!(err, Error::Server(_)), "{err:?}");
        assert_eq!(
            err.to_string(),
            format!(
                "receiver failed with HTTP {status} (server says: upstream unavailable); retrying later may help"
            )
        );
        assert!(err.is_retryable());
    }
}

#[test]
fn other_statuses_are_unexpected() {
    for status in [405, 409, 413, 418] {
        let err = error_for(status, &[], "");
        assert!(matches!(err, Error::UnexpectedStatus(_)), "{err:?}");
        assert_eq!(err.to_string(), format!("receiver answered unexpected HTTP status {status}"));
        assert!(!err.is_retryable());
    }
}

#[test]
fn a_redirect_is_never_followed() {
    let server = MockServer::start();
    let elsewhere = server.mock(|when, then| {
        when.path("/elsewhere");
        then.status(202);
    });
    let target = server.url("/elsewhere");
    let redirect = server.mock(|when, then| {
        when.method(POST).path(EVENTS_PATH);
        then.status(302).header("Location", target.as_str());
    });

    let err = single_try_client_for(&server)
        .publish(&vector_token())
        .expect_err("a redirect is an error");

    redirect.assert();
    elsewhere.assert_calls(0);
    match &err {
        Error::Redirect { status: 302, location: Some(location), .. } => {
            assert_eq!(location, &target)
        }
        other => panic!("expected a redirect error, got {other:?}"),
    }
    assert_eq!(
        err.to_string(),
        format!(
            "receiver answered 302 redirect to {target}; redirects are not followed, check the domain or URL"
        )
    );
    assert!(!err.is_retryable());
}

#[test]
fn an_oversized_error_body_keeps_the_status() {
    let err = error_for(503, &[], &"x".repeat(2 * 1024 * 1024));
    assert!(matches!(err, Error::Server(_)), "{err:?}");
    assert_eq!(err.response().and_then(|r| r.message()), None);
}
