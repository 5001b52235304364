//! No token or claim value appears in any `Debug` or `Display` string, whatever the outcome.

mod common;

use common::{EVENTS_PATH, single_try_client_for, token_with_claims};
use httpmock::prelude::*;
use okta_ssf::{Error, check_token};

const SECRET: &str = "s3cr3t-canary-7f1d";

fn secret_token() -> String {
    token_with_claims(&format!(
        r#"{{"iss":"https://{SECRET}.example","aud":"https://acme.okta.com","iat":1764460800,"jti":"{SECRET}-jti","events":{{"https://schemas.openid.net/secevent/caep/event-type/session-revoked":{{"subject":{{"user":{{"format":"email","email":"{SECRET}@example.com"}}}},"event_timestamp":1764460800}}}}}}"#
    ))
}

fn assert_clean(what: &str, text: &str) {
    assert!(!text.contains(SECRET), "{what} leaks the token: {text}");
    assert!(!text.contains(&secret_token()[..40]), "{what} leaks the raw token: {text}");
}

fn assert_error_clean(err: &Error) {
    assert_clean("Display", &err.to_string());
    assert_clean("Debug", &format!("{err:?}"));
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        assert_clean("source", &s.to_string());
        source = s.source();
    }
}

#[test]
fn outcomes_do_not_repeat_the_token() {
    let token = secret_token();
    assert_clean("Token Debug", &format!("{:?}", check_token(&token).expect("well-shaped")));

    // A server that echoes what it got in a JSON error body: its JSON is never repeated.
    let echo = format!(r#"{{"received":"{token}","user":"{SECRET}@example.com"}}"#);
    for (status, body) in [
        (202, ""),
        (400, r#"{"err":"invalid_request","description":"no"}"#),
        (400, &echo),
        (401, ""),
        (404, "not here"),
        (429, ""),
        (500, &echo),
        (503, ""),
        (302, ""),
    ] {
        let server = MockServer::start();
        let mock = server.mock(|when, then| {
            when.method(POST).path(EVENTS_PATH);
            then.status(status).header("Location", "https://elsewhere.example/").body(body);
        });
        let client = single_try_client_for(&server);
        assert_clean("Client Debug", &format!("{client:?}"));
        match client.publish_detailed(&token) {
            Ok(delivery) => assert_clean("Delivery Debug", &format!("{delivery:?}")),
            Err(err) => assert_error_clean(&err),
        }
        mock.assert();
    }
}

#[test]
fn refusals_do_not_repeat_the_token() {
    // Break the token after its secret-bearing claims in several ways.
    let token = secret_token();
    let (signing_input, _) = token.rsplit_once('.').expect("three parts");
    for bad in
        [format!("{signing_input}."), format!("{token}.extra"), format!("{signing_input}.!!")]
    {
        let err = check_token(&bad).map(|_| ()).expect_err("refused");
        assert_clean("TokenError Display", &err.to_string());
        assert_clean("TokenError Debug", &format!("{err:?}"));
    }
}

#[test]
fn transport_failures_do_not_repeat_the_token() {
    // A port nothing listens on: bind, note the port, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let client = okta_ssf::Client::new(&format!("http://127.0.0.1:{port}")).expect("client");
    let err = client.publish(&secret_token()).expect_err("refused connection");
    assert!(matches!(err, Error::Connect { .. }), "{err:?}");
    assert_error_clean(&err);
}
