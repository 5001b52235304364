//! Retries under staged faults, with a plain `TcpListener` server where httpmock cannot stage
//! the fault. Each test bounds its time and asserts the outcome, the number of requests the
//! server saw, and that every request carried the same body.

mod common;

use std::time::{Duration, Instant};

use common::{Action, ScriptedServer, answer, vector_token};
use okta_ssf::{Client, ClientBuilder, Error, RetryPolicy, Status};

/// A client whose backoff is short, so the tests are quick.
fn client(server: &ScriptedServer, timeout: Duration) -> Client {
    ClientBuilder::new(&server.origin())
        .timeout(timeout)
        .deadline(Duration::from_secs(10))
        .retry(RetryPolicy::new().backoff(Duration::from_millis(10), Duration::from_millis(50)))
        .build()
        .expect("client")
}

/// Every request the server saw carried the token, byte for byte; returns how many there were.
fn same_body_count(server: &ScriptedServer) -> usize {
    let token = vector_token();
    let requests = server.requests();
    for r in &requests {
        assert_eq!(r.body, token.trim_end().as_bytes(), "a request carried other bytes");
        assert!(r.head.starts_with("POST /security/api/v1/security-events HTTP/1.1"), "{}", r.head);
    }
    requests.len()
}

fn assert_within(start: Instant, bound: Duration) {
    assert!(start.elapsed() < bound, "took {:?}, over {bound:?}", start.elapsed());
}

#[test]
fn connection_refused_is_retried_then_reported() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let client = ClientBuilder::new(&format!("http://127.0.0.1:{port}"))
        .retry(RetryPolicy::new().backoff(Duration::from_millis(10), Duration::from_millis(50)))
        .build()
        .expect("client");
    let start = Instant::now();
    let err = client.publish(&vector_token()).expect_err("nothing listens");
    assert_within(start, Duration::from_secs(5));
    assert!(matches!(err, Error::Connect { attempts: 3, .. }), "{err:?}");
    assert_eq!(err.to_string(), "could not connect to the receiver after 3 attempts");
}

#[test]
fn a_server_that_never_answers_times_out() {
    let server = ScriptedServer::start(vec![Action::Silent]);
    let start = Instant::now();
    // A 1.2 s request timeout gives the wait for the answer a quarter: 300 ms.
    let err =
        client(&server, Duration::from_millis(1200)).publish(&vector_token()).expect_err("timeout");
    assert_within(start, Duration::from_secs(5));
    assert!(
        start.elapsed() >= Duration::from_millis(900),
        "three 300 ms waits took {:?}",
        start.elapsed()
    );
    assert!(matches!(err, Error::Timeout { attempts: 3, .. }), "{err:?}");
    assert_eq!(same_body_count(&server), 3);
}

#[test]
fn the_deadline_bounds_the_whole_call() {
    let server = ScriptedServer::start(vec![Action::Silent]);
    let client = ClientBuilder::new(&server.origin())
        .timeout(Duration::from_secs(30))
        .deadline(Duration::from_millis(700))
        .build()
        .expect("client");
    let start = Instant::now();
    let err = client.publish(&vector_token()).expect_err("timeout");
    assert_within(start, Duration::from_secs(3));
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(same_body_count(&server), err.attempts() as usize);
}

#[test]
fn a_server_that_closes_before_answering() {
    let server = ScriptedServer::start(vec![Action::Close]);
    let start = Instant::now();
    let err = client(&server, Duration::from_secs(5)).publish(&vector_token()).expect_err("closed");
    assert_within(start, Duration::from_secs(5));
    assert!(err.is_retryable(), "{err:?}");
    assert_eq!(err.attempts(), 3, "{err:?}");
    assert_eq!(same_body_count(&server), 3);
}

#[test]
fn a_reset_in_the_middle_of_the_headers() {
    let server = ScriptedServer::start(vec![Action::ResetInHeaders]);
    let start = Instant::now();
    let err = client(&server, Duration::from_secs(5)).publish(&vector_token()).expect_err("reset");
    assert_within(start, Duration::from_secs(5));
    assert!(matches!(err, Error::Transport { attempts: 3, .. }), "{err:?}");
    assert_eq!(same_body_count(&server), 3);
}

/// `first` meets the first request and a `202` the retry: the token is accepted on the second
/// attempt, and both requests carried it.
fn assert_accepted_on_the_retry_after(first: Action) {
    let server = ScriptedServer::start(vec![first, answer("202 Accepted", &[], "")]);
    let delivery = client(&server, Duration::from_secs(5))
        .publish_detailed(&vector_token())
        .expect("accepted");
    assert_eq!((delivery.status(), delivery.response().attempts()), (&Status::Accepted, 2));
    assert_eq!(same_body_count(&server), 2);
}

#[test]
fn a_reset_then_an_answer_is_accepted() {
    assert_accepted_on_the_retry_after(Action::ResetInHeaders);
}

#[test]
fn a_malformed_status_line_is_not_retried() {
    let server =
        ScriptedServer::start(vec![Action::Answer(b"HTTP/1.1 two-oh-two\r\n\r\n".to_vec())]);
    let err =
        client(&server, Duration::from_secs(5)).publish(&vector_token()).expect_err("malformed");
    assert!(matches!(err, Error::InvalidResponse { .. }), "{err:?}");
    assert_eq!(err.to_string(), "receiver's answer is not valid HTTP");
    assert_eq!(same_body_count(&server), 1);
}

#[test]
fn a_body_trickling_past_the_timeout() {
    let head =
        b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 64\r\n\r\n"
            .to_vec();
    let trickle = Action::Trickle { head, body: vec![b' '; 64], delay: Duration::from_millis(50) };
    let server = ScriptedServer::start(vec![trickle]);
    let client = ClientBuilder::new(&server.origin())
        .timeout(Duration::from_millis(400))
        .retry(RetryPolicy::never())
        .build()
        .expect("client");
    let start = Instant::now();
    let err = client.publish(&vector_token()).expect_err("timeout");
    assert_within(start, Duration::from_secs(2));
    assert!(matches!(err, Error::Timeout { attempts: 1, .. }), "{err:?}");
    assert_eq!(same_body_count(&server), 1);
}

#[test]
fn a_multi_megabyte_answer_is_refused_unread() {
    let big = "x".repeat(8 * 1024 * 1024);
    // Declared length over the bound: not read at all.
    let server = ScriptedServer::start(vec![answer("400 Bad Request", &[], &big)]);
    let err =
        client(&server, Duration::from_secs(5)).publish(&vector_token()).expect_err("too large");
    assert!(matches!(err, Error::ResponseTooLarge { .. }), "{err:?}");
    assert_eq!(same_body_count(&server), 1);

    // No declared length (the body runs to the end of the connection): read up to the bound.
    let mut raw = b"HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n".to_vec();
    raw.extend_from_slice(big.as_bytes());
    let server = ScriptedServer::start(vec![Action::Answer(raw), Action::Close]);
    let err =
        client(&server, Duration::from_secs(5)).publish(&vector_token()).expect_err("too large");
    assert!(
        matches!(err, Error::ResponseTooLarge { limit: okta_ssf::MAX_RESPONSE_BYTES, .. }),
        "{err:?}"
    );
    assert_eq!(same_body_count(&server), 1);
}

#[test]
fn a_503_then_202_is_accepted_after_one_retry() {
    assert_accepted_on_the_retry_after(answer("503 Service Unavailable", &[], ""));
}

#[test]
fn three_500s_give_up_with_the_last_status() {
    let server = ScriptedServer::start(vec![
        answer("500 Internal Server Error", &[("X-Okta-Request-Id", "r1")], ""),
        answer("502 Bad Gateway", &[("X-Okta-Request-Id", "r2")], ""),
        answer("500 Internal Server Error", &[("X-Okta-Request-Id", "r3")], "still down"),
    ]);
    let err =
        client(&server, Duration::from_secs(5)).publish(&vector_token()).expect_err("gives up");
    assert!(matches!(err, Error::Server(_)), "{err:?}");
    assert_eq!(
        (
            err.response().map(|r| r.http_status()),
            err.response().and_then(|r| r.request_id()),
            err.attempts()
        ),
        (Some(500), Some("r3"), 3)
    );
    assert_eq!(
        err.to_string(),
        "receiver failed with HTTP 500 (server says: still down); retrying later may help"
    );
    assert_eq!(same_body_count(&server), 3);
}

#[test]
fn a_400_is_sent_exactly_once() {
    let server = ScriptedServer::start(vec![answer(
        "400 Bad Request",
        &[("content-type", "application/json")],
        r#"{"err":"invalid_key","description":"kid not found"}"#,
    )]);
    let delivery =
        client(&server, Duration::from_secs(5)).publish_detailed(&vector_token()).expect("verdict");
    assert!(
        matches!(delivery.status(), Status::Rejected(r) if r.code() == &okta_ssf::ErrorCode::InvalidKey)
    );
    assert_eq!(delivery.response().attempts(), 1);
    assert_eq!(same_body_count(&server), 1);
}

#[test]
fn other_statuses_are_sent_exactly_once() {
    for status in ["401 Unauthorized", "403 Forbidden", "404 Not Found", "501 Not Implemented"] {
        let server =
            ScriptedServer::start(vec![answer(status, &[], ""), answer("202 Accepted", &[], "")]);
        let err =
            client(&server, Duration::from_secs(5)).publish(&vector_token()).expect_err(status);
        assert_eq!(err.attempts(), 1, "{status}");
        assert_eq!(same_body_count(&server), 1, "{status}");
    }
}

#[test]
fn a_429_waits_for_the_rate_limit_reset_by_the_servers_clock() {
    // The server's clock runs an hour behind ours: only its Date makes the wait right.
    let server_now = std::time::SystemTime::now() - Duration::from_secs(3600);
    let server_secs =
        server_now.duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_secs();
    let reset = (server_secs + 1).to_string();
    let date = httpdate::fmt_http_date(server_now);
    let server = ScriptedServer::start(vec![
        answer(
            "429 Too Many Requests",
            &[("X-Rate-Limit-Reset", &reset), ("Date", &date), ("X-Okta-Request-Id", "first")],
            "",
        ),
        answer("202 Accepted", &[], ""),
    ]);
    let start = Instant::now();
    let delivery = client(&server, Duration::from_secs(5))
        .publish_detailed(&vector_token())
        .expect("accepted");
    let waited = start.elapsed();
    // Reset one second ahead, plus one: two seconds.
    assert!(
        waited >= Duration::from_millis(1900) && waited < Duration::from_secs(4),
        "waited {waited:?}"
    );
    assert_eq!((delivery.status(), delivery.response().attempts()), (&Status::Accepted, 2));
    assert_eq!(same_body_count(&server), 2);
}

#[test]
fn a_429_with_a_reset_an_hour_ahead_never_waits_an_hour() {
    let in_an_hour = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("now")
        .as_secs()
        + 3600)
        .to_string();
    let limited = answer("429 Too Many Requests", &[("X-Rate-Limit-Reset", &in_an_hour)], "");

    // The default cap (30 s) is past this call's deadline: it stops at once.
    let server = ScriptedServer::start(vec![limited.clone()]);
    let client_with_deadline = ClientBuilder::new(&server.origin())
        .deadline(Duration::from_secs(5))
        .build()
        .expect("client");
    let start = Instant::now();
    let err = client_with_deadline.publish(&vector_token()).expect_err("rate limited");
    assert_within(start, Duration::from_secs(2));
    assert!(matches!(err, Error::RateLimited(_)), "{err:?}");
    assert_eq!(
        err.response().and_then(|r| r.retry_after()).map(|d| d.as_secs() >= 3600),
        Some(true)
    );
    assert_eq!(same_body_count(&server), 1);

    // A short cap: each wait is the cap, then it gives up after three attempts.
    let server = ScriptedServer::start(vec![limited]);
    let capped = ClientBuilder::new(&server.origin())
        .retry(RetryPolicy::new().max_server_wait(Duration::from_millis(300)))
        .build()
        .expect("client");
    let start = Instant::now();
    let err = capped.publish(&vector_token()).expect_err("rate limited");
    assert!(start.elapsed() >= Duration::from_millis(600), "{:?}", start.elapsed());
    assert_within(start, Duration::from_secs(3));
    assert_eq!(err.attempts(), 3);
    assert_eq!(same_body_count(&server), 3);
}

#[test]
fn a_429_with_retry_after_waits_that_long() {
    let server = ScriptedServer::start(vec![
        answer("429 Too Many Requests", &[("Retry-After", "1")], ""),
        answer("202 Accepted", &[], ""),
    ]);
    let start = Instant::now();
    let delivery = client(&server, Duration::from_secs(5))
        .publish_detailed(&vector_token())
        .expect("accepted");
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_millis(950) && waited < Duration::from_secs(3),
        "waited {waited:?}"
    );
    assert_eq!(delivery.response().attempts(), 2);
    assert_eq!(same_body_count(&server), 2);
}

#[test]
fn a_429_without_headers_backs_off_like_a_5xx() {
    let server = ScriptedServer::start(vec![
        answer("429 Too Many Requests", &[], ""),
        answer("202 Accepted", &[], ""),
    ]);
    let start = Instant::now();
    let delivery = client(&server, Duration::from_secs(5))
        .publish_detailed(&vector_token())
        .expect("accepted");
    assert_within(start, Duration::from_secs(1));
    assert_eq!(delivery.response().attempts(), 2);
    assert_eq!(same_body_count(&server), 2);
}

#[test]
fn retries_carry_okta_retry_headers() {
    let server = ScriptedServer::start(vec![
        answer("503 Service Unavailable", &[("X-Okta-Request-Id", "req-first")], ""),
        answer("503 Service Unavailable", &[("X-Okta-Request-Id", "req-second")], ""),
        answer("202 Accepted", &[], ""),
    ]);
    client(&server, Duration::from_secs(5)).publish(&vector_token()).expect("accepted");
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(
        (requests[0].header("X-Okta-Retry-Count"), requests[0].header("X-Okta-Retry-For")),
        (None, None)
    );
    assert_eq!(requests[1].header("X-Okta-Retry-Count").as_deref(), Some("1"));
    assert_eq!(requests[1].header("X-Okta-Retry-For").as_deref(), Some("req-first"));
    assert_eq!(requests[2].header("X-Okta-Retry-Count").as_deref(), Some("2"));
    assert_eq!(requests[2].header("X-Okta-Retry-For").as_deref(), Some("req-first"));
    assert_eq!(same_body_count(&server), 3);
}

#[test]
fn retries_off_means_one_request() {
    let server = ScriptedServer::start(vec![
        answer("503 Service Unavailable", &[], ""),
        answer("202 Accepted", &[], ""),
    ]);
    let client =
        ClientBuilder::new(&server.origin()).retry(RetryPolicy::never()).build().expect("client");
    let err = client.publish(&vector_token()).expect_err("one 503");
    assert_eq!((err.response().map(|r| r.http_status()), err.attempts()), (Some(503), 1));
    assert_eq!(same_body_count(&server), 1);
}

#[test]
fn attempts_count_the_requests_whatever_the_last_failure() {
    // A broken connection (retried), then an answer that is not HTTP (not retried).
    let server = ScriptedServer::start(vec![
        Action::Close,
        Action::Answer(b"HTTP/1.1 nope\r\n\r\n".to_vec()),
    ]);
    let err =
        client(&server, Duration::from_secs(5)).publish(&vector_token()).expect_err("not HTTP");
    assert!(matches!(err, Error::InvalidResponse { attempts: 2, .. }), "{err:?}");
    assert_eq!(err.attempts(), 2);
    assert_eq!(same_body_count(&server), 2);
}

#[test]
fn the_longest_durations_never_overflow() {
    // Every time option at Duration::MAX: taken as 24 hours, no arithmetic panics.
    let server = ScriptedServer::start(vec![answer("202 Accepted", &[], "")]);
    let client = ClientBuilder::new(&server.origin())
        .connect_timeout(Duration::MAX)
        .timeout(Duration::MAX)
        .deadline(Duration::MAX)
        .retry(
            RetryPolicy::new().backoff(Duration::MAX, Duration::MAX).max_server_wait(Duration::MAX),
        )
        .build()
        .expect("client");
    assert_eq!(client.publish(&vector_token()).expect("accepted"), Status::Accepted);

    // A server asking for the longest wait there is, under the longest cap: the wait passes the
    // deadline, so the call stops at once.
    let server = ScriptedServer::start(vec![answer(
        "429 Too Many Requests",
        &[("Retry-After", "18446744073709551615")],
        "",
    )]);
    let client = ClientBuilder::new(&server.origin())
        .deadline(Duration::from_secs(2))
        .retry(RetryPolicy::new().max_server_wait(Duration::MAX))
        .build()
        .expect("client");
    let start = Instant::now();
    let err = client.publish(&vector_token()).expect_err("rate limited");
    assert_within(start, Duration::from_secs(2));
    assert!(matches!(err, Error::RateLimited(_)), "{err:?}");
    assert_eq!(same_body_count(&server), 1);
}

/// A body framed by `Transfer-Encoding: chunked` whose head also says `Content-Length: 0`.
/// HTTP says the chunked framing wins (RFC 9112 §6.3), so the body is there to be read.
fn chunked_with_length_0(status: &str, body: &str) -> Action {
    Action::Answer(
        format!(
            "HTTP/1.1 {status}\r\ncontent-length: 0\r\ntransfer-encoding: chunked\r\ncontent-type: application/json\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n",
            body.len()
        )
        .into_bytes(),
    )
}

#[test]
fn a_chunked_body_is_read_even_when_the_head_also_says_length_0() {
    let server = ScriptedServer::start(vec![chunked_with_length_0(
        "400 Bad Request",
        r#"{"err":"invalid_audience","description":"x"}"#,
    )]);
    let client =
        ClientBuilder::new(&server.origin()).retry(RetryPolicy::never()).build().expect("client");
    for _ in 0..2 {
        match client.publish(&vector_token()).expect("an answer") {
            Status::Rejected(rejection) => {
                assert_eq!(rejection.code(), &okta_ssf::ErrorCode::InvalidAudience);
                assert_eq!(rejection.description(), Some("x"));
            }
            other => panic!("expected a rejection, got {other:?}"),
        }
    }
    // Both requests came over one connection: the body was read to its end.
    assert_eq!(same_body_count(&server), 2);
    assert_eq!(server.connections(), 1);
}
