//! Retries are logged through the `log` facade at debug level, without token content.

mod common;

use std::sync::Mutex;
use std::time::Duration;

use common::{ScriptedServer, answer, token_with_claims};
use okta_ssf::{ClientBuilder, RetryPolicy, Status};

/// Each record's level, whether it is this crate's (by its target), and its text.
struct Capture(Mutex<Vec<(log::Level, bool, String)>>);

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        // Every target, ureq's and rustls's included: none may carry the token.
        let ours = record.target().starts_with("okta_ssf");
        self.0.lock().expect("lock").push((record.level(), ours, record.args().to_string()));
    }
    fn flush(&self) {}
}

static CAPTURE: Capture = Capture(Mutex::new(Vec::new()));

#[test]
fn each_retry_is_logged_at_debug_without_the_token() {
    log::set_logger(&CAPTURE).expect("the only logger in this test binary");
    log::set_max_level(log::LevelFilter::Trace);

    let secret = "canary-5eb1c9";
    let token = token_with_claims(&format!(
        r#"{{"iss":"https://t.example","aud":"https://acme.okta.com","iat":1764460800,"jti":"{secret}","events":{{"e":{{"subject":{{"user":{{"format":"email","email":"{secret}@example.com"}}}}}}}}}}"#
    ));
    let server = ScriptedServer::start(vec![
        answer("503 Service Unavailable", &[("X-Okta-Request-Id", "req-a")], "busy"),
        answer("500 Internal Server Error", &[], ""),
        answer("202 Accepted", &[], ""),
    ]);
    let client = ClientBuilder::new(&server.origin())
        .retry(RetryPolicy::new().backoff(Duration::from_millis(5), Duration::from_millis(20)))
        .build()
        .expect("client");
    assert_eq!(client.publish(&token).expect("accepted"), Status::Accepted);

    let records = CAPTURE.0.lock().expect("lock").clone();
    let retries: Vec<&String> =
        records.iter().filter(|(_, _, m)| m.contains("retrying in")).map(|(_, _, m)| m).collect();
    assert_eq!(retries.len(), 2, "{records:?}");
    assert!(
        retries[0].starts_with("attempt 1 failed (receiver failed with HTTP 503"),
        "{}",
        retries[0]
    );
    assert!(
        retries[1].starts_with("attempt 2 failed (receiver failed with HTTP 500"),
        "{}",
        retries[1]
    );
    for (level, _, message) in records.iter().filter(|(_, ours, _)| *ours) {
        assert_eq!(*level, log::Level::Debug, "{message}");
    }
    // ureq's own debug lines were captured too, so the check below covers them.
    assert!(records.iter().any(|(_, ours, _)| !ours), "{records:?}");
    for (_, _, message) in &records {
        assert!(!message.contains(secret), "a log line leaks the token: {message}");
        // The claims segment, where the personal data is (the header is the same in every token).
        let claims = token.split('.').nth(1).expect("claims segment");
        assert!(!message.contains(&claims[..24]), "a log line leaks the claims: {message}");
    }
}
