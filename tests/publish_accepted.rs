//! A token the receiver accepts: what goes over the wire, and what comes back.

mod common;

use common::{EVENTS_PATH, KeepAliveServer, a_publish_of, client_for, vector_token};
use httpmock::prelude::*;
use okta_ssf::{Client, ClientBuilder, Status};

#[test]
fn posts_the_exact_token_with_both_headers_and_no_credentials() {
    let server = MockServer::start();
    let token = vector_token();
    let mock = server.mock(|when, then| {
        // The file ends in a newline; the trimmed token goes out byte for byte.
        a_publish_of(when, token.trim_end())
            .header("user-agent", concat!("okta-ssf/", env!("CARGO_PKG_VERSION")))
            .header_missing("cookie")
            .header_missing("content-encoding");
        then.status(202);
    });

    let status = client_for(&server).publish(&token).expect("published");

    assert_eq!(status, Status::Accepted);
    mock.assert();
}

#[test]
fn accepted_answers_carry_the_request_id_and_rate_limit() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(POST).path(EVENTS_PATH);
        then.status(202)
            .header("X-Okta-Request-Id", "reqAbc123")
            .header("X-Rate-Limit-Limit", "600")
            .header("X-Rate-Limit-Remaining", "599")
            .header("X-Rate-Limit-Reset", "1764460860");
    });

    let delivery = client_for(&server).publish_detailed(&vector_token()).expect("published");

    assert_eq!(delivery.status(), &Status::Accepted);
    assert_eq!(delivery.response().http_status(), 202);
    assert_eq!(delivery.response().request_id(), Some("reqAbc123"));
    let limit = delivery.response().rate_limit().expect("rate limit headers");
    assert_eq!(
        (limit.limit, limit.remaining, limit.reset),
        (Some(600), Some(599), Some(1764460860))
    );
    mock.assert();
}

#[test]
fn any_2xx_is_accepted_and_its_body_ignored() {
    for code in [200, 201, 204] {
        let server = MockServer::start();
        let mock = server.mock(|when, then| {
            when.method(POST).path(EVENTS_PATH);
            then.status(code).body(if code == 204 { "" } else { r#"{"ok":true}"# });
        });
        let delivery = client_for(&server).publish_detailed(&vector_token()).expect("published");
        assert_eq!(
            (
                delivery.status(),
                delivery.response().http_status(),
                delivery.response().request_id()
            ),
            (&Status::Accepted, code, None)
        );
        assert_eq!(delivery.response().rate_limit(), None);
        mock.assert();
    }
}

#[test]
fn an_oversized_body_on_an_acceptance_does_not_change_the_verdict() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(POST).path(EVENTS_PATH);
        then.status(202).body("x".repeat(2 * 1024 * 1024));
    });
    assert_eq!(client_for(&server).publish(&vector_token()).expect("published"), Status::Accepted);
    mock.assert();
}

#[test]
fn a_full_endpoint_url_is_used_as_given() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(POST)
            .path("/ssf/push")
            .query_param("stream", "7")
            .body(vector_token().trim_end());
        then.status(202);
    });
    let client = Client::with_endpoint(&server.url("/ssf/push?stream=7")).expect("client");
    assert_eq!(client.publish(&vector_token()).expect("published"), Status::Accepted);
    mock.assert();
}

#[test]
fn the_application_product_token_follows_ours_in_the_user_agent() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(POST).path(EVENTS_PATH).header(
            "user-agent",
            concat!("okta-ssf/", env!("CARGO_PKG_VERSION"), " risk-engine/2.3"),
        );
        then.status(202);
    });
    let client = ClientBuilder::new(&server.base_url())
        .user_agent_product("risk-engine/2.3")
        .build()
        .expect("client");
    assert!(client.publish(&vector_token()).expect("published").is_accepted());
    mock.assert();
}

#[test]
fn one_client_reuses_one_connection() {
    let server = KeepAliveServer::start();
    let client = Client::new(&format!("http://127.0.0.1:{}", server.port)).expect("client");
    let token = vector_token();
    for _ in 0..5 {
        assert_eq!(client.publish(&token).expect("published"), Status::Accepted);
    }
    // Clones share the pool too.
    let clone = client.clone();
    assert_eq!(clone.publish(&token).expect("published"), Status::Accepted);
    assert_eq!(server.requests.load(std::sync::atomic::Ordering::SeqCst), 6);
    assert_eq!(server.connections.load(std::sync::atomic::Ordering::SeqCst), 1);
}
