//! What a loopback benchmark does not show: name lookups (counted through the crate's debug
//! lines), a name server that hangs or falls silent (staged in a private network and mount
//! namespace, where a UDP responder of the test's own is the only name server), rate limits
//! obeyed before they bite, and a `2xx` page that is not a receiver's answer.

mod common;

use std::net::UdpSocket;
use std::process::Command;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::net::{TestPki, TlsReceiver};
use common::{KeepAliveServer, ScriptedServer, answer, vector_token};
use okta_ssf::{Client, ClientBuilder, Error, RetryPolicy, Status};

/// This crate's debug lines, kept so the tests can count lookups.
struct Capture(Mutex<Vec<String>>);

impl log::Log for Capture {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.target().starts_with("okta_ssf")
    }
    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            self.0.lock().expect("lock").push(record.args().to_string());
        }
    }
    fn flush(&self) {}
}

static CAPTURE: Capture = Capture(Mutex::new(Vec::new()));

/// How many times the client looked up `name` (a `host:port`, unique to each test).
fn lookups_of(name: &str) -> usize {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        log::set_logger(&CAPTURE).expect("the only logger in this test binary");
        log::set_max_level(log::LevelFilter::Debug);
    });
    let wanted = format!("looking up {name}");
    CAPTURE.0.lock().expect("lock").iter().filter(|line| **line == wanted).count()
}

fn quick_retries() -> RetryPolicy {
    RetryPolicy::new().backoff(Duration::from_millis(10), Duration::from_millis(20))
}

#[test]
fn pooled_publishes_look_the_name_up_once() {
    let server = KeepAliveServer::start();
    let name = format!("localhost:{}", server.port);
    lookups_of(&name);
    let client = Client::new(&format!("http://{name}")).expect("client");
    for _ in 0..50 {
        assert_eq!(client.publish(&vector_token()).expect("published"), Status::Accepted);
    }
    assert_eq!(lookups_of(&name), 1);
    assert_eq!(server.connections.load(Ordering::SeqCst), 1, "one kept-alive connection");
}

#[test]
fn the_name_is_looked_up_again_after_the_cache_lifetime() {
    let server = KeepAliveServer::start();
    let name = format!("localhost:{}", server.port);
    lookups_of(&name);
    let client = ClientBuilder::new(&format!("http://{name}"))
        .dns_cache(Duration::from_millis(300))
        .build()
        .expect("client");
    client.publish(&vector_token()).expect("published");
    client.publish(&vector_token()).expect("published");
    assert_eq!(lookups_of(&name), 1);
    std::thread::sleep(Duration::from_millis(400));
    client.publish(&vector_token()).expect("published");
    assert_eq!(lookups_of(&name), 2);

    // No cache: a lookup for every request, as ureq alone would.
    let uncached = ClientBuilder::new(&format!("http://{name}"))
        .dns_cache(Duration::ZERO)
        .build()
        .expect("client");
    for _ in 0..5 {
        uncached.publish(&vector_token()).expect("published");
    }
    assert_eq!(lookups_of(&name), 7);
}

#[test]
fn a_failed_connect_forgets_the_addresses() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let name = format!("localhost:{port}");
    lookups_of(&name);
    let client = ClientBuilder::new(&format!("http://{name}"))
        .retry(quick_retries())
        .build()
        .expect("client");
    let err = client.publish(&vector_token()).expect_err("nothing listens");
    assert!(matches!(err, Error::Connect { attempts: 3, .. }), "{err:?}");
    assert_eq!(lookups_of(&name), 3, "each attempt after a refused connect looks up again");
}

#[test]
fn a_late_answer_keeps_the_addresses() {
    let server = ScriptedServer::start(vec![common::Action::Silent]);
    let name = server.origin().replace("127.0.0.1", "localhost").replace("http://", "");
    lookups_of(&name);
    let client = ClientBuilder::new(&format!("http://{name}"))
        .timeout(Duration::from_millis(200))
        .retry(quick_retries())
        .build()
        .expect("client");
    let err = client.publish(&vector_token()).expect_err("never answered");
    assert!(matches!(err, Error::Timeout { attempts: 3, .. }), "{err:?}");
    assert_eq!(lookups_of(&name), 1, "the connection worked: the addresses were right");
}

#[test]
fn an_ip_address_is_never_looked_up() {
    let server = KeepAliveServer::start();
    let name = format!("127.0.0.1:{}", server.port);
    let client = ClientBuilder::new(&format!("http://{name}"))
        .dns_cache(Duration::ZERO)
        .deadline(Duration::from_millis(1))
        .retry(RetryPolicy::never())
        .build()
        .expect("client");
    // A millisecond leaves no time for a lookup thread, and none is needed.
    for _ in 0..3 {
        if let Err(err) = client.publish(&vector_token()) {
            assert!(
                !matches!(err, Error::NameTimeout { .. } | Error::NameNotFound { .. }),
                "{err:?}"
            );
        }
    }
    assert_eq!(lookups_of(&name), 0);
}

/// Now as an HTTP date and as seconds since the epoch.
fn server_now() -> (String, u64) {
    let now = SystemTime::now();
    let secs = now.duration_since(UNIX_EPOCH).expect("after 1970").as_secs();
    (httpdate::fmt_http_date(now), secs)
}

/// A `202` that says no request is left in a window ending `reset_in` seconds from now.
fn exhausted(reset_in: u64) -> common::Action {
    let (date, now) = server_now();
    let reset = (now + reset_in).to_string();
    let headers = [
        ("Date", date.as_str()),
        ("X-Rate-Limit-Limit", "10"),
        ("X-Rate-Limit-Remaining", "0"),
        ("X-Rate-Limit-Reset", reset.as_str()),
    ];
    answer("202 Accepted", &headers, "")
}

#[test]
fn no_request_left_delays_the_next_until_the_reset() {
    // Reset one second ahead by the server's clock: the client waits until it has passed, plus
    // a second (what Okta's SDKs do), so 1 to 2 seconds.
    let server = ScriptedServer::start(vec![exhausted(1), answer("202 Accepted", &[], "")]);
    let client = Client::new(&server.origin()).expect("client");
    client.publish(&vector_token()).expect("first");
    let start = Instant::now();
    client.publish(&vector_token()).expect("second");
    let waited = start.elapsed();
    assert!(waited >= Duration::from_millis(900), "sent after {waited:?}");
    assert!(waited < Duration::from_secs(3), "sent after {waited:?}");
    assert_eq!(server.requests().len(), 2);

    // Pacing off: the same answers, no wait.
    let server = ScriptedServer::start(vec![exhausted(1), answer("202 Accepted", &[], "")]);
    let client =
        ClientBuilder::new(&server.origin()).rate_limit_pacing(false).build().expect("client");
    client.publish(&vector_token()).expect("first");
    let start = Instant::now();
    client.publish(&vector_token()).expect("second");
    assert!(start.elapsed() < Duration::from_millis(500), "{:?}", start.elapsed());
}

#[test]
fn a_reset_past_the_deadline_fails_at_once_without_sending() {
    let server = ScriptedServer::start(vec![exhausted(60), answer("202 Accepted", &[], "")]);
    let client = ClientBuilder::new(&server.origin())
        .deadline(Duration::from_secs(5))
        .build()
        .expect("client");
    client.publish(&vector_token()).expect("first");
    let start = Instant::now();
    let err = client.publish(&vector_token()).expect_err("no request left before the deadline");
    assert!(start.elapsed() < Duration::from_millis(500), "{:?}", start.elapsed());
    let Error::RateLimited(info) = &err else { panic!("{err:?}") };
    assert_eq!(err.attempts(), 0, "nothing was sent");
    // No answer is behind it: not the first token's request id or status.
    assert!(err.response().is_none());
    assert_eq!((info.http_status(), info.request_id()), (429, None));
    assert!(err.is_retryable());
    let wait = info.retry_after().expect("time to the reset");
    assert!((Duration::from_secs(55)..=Duration::from_secs(60)).contains(&wait), "{wait:?}");
    assert_eq!(info.rate_limit().and_then(|l| l.remaining), Some(0));
    assert_eq!(
        err.to_string(),
        "not sent: the receiver's rate limit allows no request before the deadline"
    );
    assert_eq!(server.requests().len(), 1, "the second token was not sent");
}

#[test]
fn a_reset_out_of_reach_counts_as_a_minute_and_a_later_answer_replaces_it() {
    // Far past anything a clock can add: no panic; the window's end counts as a minute away.
    let (date, now) = server_now();
    let far = [
        ("Date", date.as_str()),
        ("X-Rate-Limit-Remaining", "0"),
        ("X-Rate-Limit-Reset", "18446744073709551615"),
    ];
    let server = ScriptedServer::start(vec![answer("202 Accepted", &far, "")]);
    let client = ClientBuilder::new(&server.origin())
        .deadline(Duration::from_secs(2))
        .build()
        .expect("client");
    client.publish(&vector_token()).expect("first");
    let start = Instant::now();
    let err = client.publish(&vector_token()).expect_err("no request left before the deadline");
    assert!(start.elapsed() < Duration::from_millis(500), "{:?}", start.elapsed());
    let Error::RateLimited(info) = &err else { panic!("{err:?}") };
    let wait = info.retry_after().expect("time to the reset");
    assert!((Duration::from_secs(59)..=Duration::from_secs(60)).contains(&wait), "{wait:?}");
    assert_eq!(server.requests().len(), 1);

    // A real window after a far one is taken in, not screened out by the far reset.
    let (soon, later) = ((now + 3600).to_string(), [("Date", date.as_str())]);
    let five_left = [
        ("Date", date.as_str()),
        ("X-Rate-Limit-Remaining", "5"),
        ("X-Rate-Limit-Reset", "18446744073709551615"),
    ];
    let none_left = [
        ("Date", date.as_str()),
        ("X-Rate-Limit-Remaining", "0"),
        ("X-Rate-Limit-Reset", soon.as_str()),
    ];
    let server = ScriptedServer::start(vec![
        answer("202 Accepted", &five_left, ""),
        answer("202 Accepted", &none_left, ""),
        answer("202 Accepted", &later, ""),
    ]);
    let client = ClientBuilder::new(&server.origin())
        .deadline(Duration::from_secs(5))
        .build()
        .expect("client");
    client.publish(&vector_token()).expect("first");
    client.publish(&vector_token()).expect("second");
    let err = client.publish(&vector_token()).expect_err("the second answer left none");
    assert!(matches!(err, Error::RateLimited(_)) && err.response().is_none(), "{err:?}");
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn an_answer_that_echoes_the_token_is_not_repeated() {
    let token = vector_token();
    let echo = format!("<html>You sent: {}</html>", token.trim());
    for status in ["200 OK", "400 Bad Request", "500 Internal Server Error"] {
        let server = ScriptedServer::start(vec![answer(status, &[], &echo)]);
        let client = ClientBuilder::new(&server.origin())
            .retry(RetryPolicy::never())
            .build()
            .expect("client");
        let words = match client.publish(&token) {
            Ok(Status::Rejected(rejection)) => rejection.description().map(str::to_owned),
            Err(e) => e.response().and_then(|r| r.message()).map(str::to_owned),
            other => panic!("{other:?}"),
        };
        assert_eq!(words.as_deref(), Some("[the answer repeats the token; not shown]"), "{status}");
    }
    // The verdict's code is kept; only the words are not.
    let body = format!(r#"{{"err":"invalid_audience","description":"bad: {}"}}"#, token.trim());
    let server = ScriptedServer::start(vec![answer("400 Bad Request", &[], &body)]);
    let Ok(Status::Rejected(rejection)) =
        Client::new(&server.origin()).expect("client").publish(&token)
    else {
        panic!("a rejection")
    };
    assert_eq!(rejection.code(), &okta_ssf::ErrorCode::InvalidAudience);
    assert_eq!(rejection.description(), Some("[the answer repeats the token; not shown]"));
}

#[test]
fn a_page_for_a_2xx_is_not_acceptance() {
    let portal = "<html><title>Sign in to Guest Wi-Fi</title></html>";
    let server =
        ScriptedServer::start(vec![answer("200 OK", &[("Content-Type", "text/html")], portal)]);
    let err = Client::new(&server.origin())
        .expect("client")
        .publish(&vector_token())
        .expect_err("a page");
    let Error::NotAReceiver(info) = &err else { panic!("{err:?}") };
    assert_eq!((info.http_status(), info.message()), (200, Some(portal)));
    assert!(!err.is_retryable());
    assert!(
        err.to_string().starts_with(
            "receiver answered HTTP 200 with a page that is not an SSF receiver's answer"
        ),
        "{err}"
    );
    assert_eq!(server.requests().len(), 1, "not retried");

    // A receiver's own answers: `202` whatever its body, another `2xx` when empty or JSON.
    for (status, body) in [
        ("202 Accepted", portal),
        ("200 OK", ""),
        ("200 OK", "{}"),
        ("204 No Content", ""),
        ("201 Created", r#"{"status":"accepted"}"#),
    ] {
        let server = ScriptedServer::start(vec![answer(status, &[], body)]);
        let client = Client::new(&server.origin()).expect("client");
        assert_eq!(
            client.publish(&vector_token()).expect(status),
            Status::Accepted,
            "{status} {body}"
        );
    }
}

#[cfg(feature = "receiver")]
#[test]
fn threads_sharing_a_client_stay_within_the_rate_limit() {
    use okta_ssf::receiver::{Jwks, Receiver, ReceiverConfig};
    use okta_ssf::sign::{Event, SetBuilder, SigningKey, Subject, jwks};

    let (iss, aud) = ("https://transmitter.example.com", "https://example.okta.com");
    let key = SigningKey::generate_p256("k1").expect("key");
    let set = Jwks::from_json(&jwks(&[&key]).to_string()).expect("jwks");
    let log = Arc::new(Mutex::new(Vec::new()));
    let config = ReceiverConfig::new(set, &[iss], aud)
        .log(Box::new(SharedLog(Arc::clone(&log))))
        .rate_limit(10, Duration::from_secs(1));
    let receiver = Receiver::start("127.0.0.1:0", config).expect("receiver");
    let client = ClientBuilder::with_endpoint(&format!(
        "{}/security/api/v1/security-events",
        receiver.origin()
    ))
    .max_idle_connections(4)
    .build()
    .expect("client");
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for thread in 0..4 {
            let (client, key, failures) = (&client, &key, &failures);
            scope.spawn(move || {
                for n in 0..8 {
                    let event = Event::session_revoked(Subject::user_email("jane@acme.com"));
                    let claims =
                        SetBuilder::new(iss, aud).jti(&format!("t{thread}-{n}")).event(event);
                    let token = key.sign_claims(&claims.build().expect("claims")).expect("signed");
                    match client.publish(&token) {
                        Ok(Status::Accepted) => {}
                        other => failures.lock().expect("lock").push(format!("{other:?}")),
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().expect("lock");
    assert!(failures.is_empty(), "{failures:?}");
    receiver.shutdown();
    let log = String::from_utf8(log.lock().expect("lock").clone()).expect("utf-8 log");
    let limited = log.lines().filter(|line| line.contains(r#""status":429"#)).count();
    // Without the bound on requests in flight, 3 to 6 are (about one per thread at each
    // window's end); with it, none were seen.
    assert!(limited <= 1, "{limited} answers were 429:\n{log}");
}

#[cfg(feature = "receiver")]
struct SharedLog(Arc<Mutex<Vec<u8>>>);

#[cfg(feature = "receiver")]
impl std::io::Write for SharedLog {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// A name server that hangs, in a namespace of the test's own

/// Runs `child_behind_a_name_server` in a private network and mount namespace (`unshare`, as
/// root), where `/etc/resolv.conf` names only the responder that test starts on 127.0.0.1:53.
fn in_namespace(mode: &str) {
    let resolv =
        std::env::temp_dir().join(format!("okta-ssf-resolv-{}-{mode}", std::process::id()));
    // The system's own bound would be 5 s × 2 attempts: the client must not wait for it.
    std::fs::write(&resolv, "nameserver 127.0.0.1\noptions timeout:5 attempts:2\n").expect("write");
    let script =
        r#"ip link set lo up && mount --bind "$RESOLV" /etc/resolv.conf && exec "$0" "$@""#;
    let output = Command::new("unshare")
        .args(["--mount", "--net", "--", "sh", "-c", script])
        .arg(std::env::current_exe().expect("test binary"))
        .args(["--ignored", "--exact", "child_behind_a_name_server", "--nocapture"])
        .env("RESOLV", &resolv)
        .env("OKTA_SSF_DNS_MODE", mode)
        .output()
        .expect("unshare (util-linux) runs");
    let _ = std::fs::remove_file(&resolv);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains(&format!("OUTCOME {mode} ok")),
        "the namespace test failed (it needs root for unshare):\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_hanging_lookup_ends_within_the_connect_timeout_and_the_deadline() {
    in_namespace("silent");
}

#[test]
fn cached_addresses_outlive_a_name_server_that_falls_silent() {
    in_namespace("once");
}

#[test]
fn a_name_that_does_not_exist_is_named_and_stops_a_run() {
    in_namespace("no-such-name");
}

/// `okta-ssf publish` to a name that does not exist: one request's failure names the host,
/// the rest are not sent, exit 2.
#[cfg(feature = "cli")]
fn the_command_stops_on_a_name_that_does_not_exist(port: u16) {
    let tokens = std::env::temp_dir().join(format!("okta-ssf-nxdomain-{}.jwt", std::process::id()));
    std::fs::write(&tokens, format!("{0}\n{0}\n{0}\n", vector_token())).expect("write tokens");
    let output = Command::new(env!("CARGO_BIN_EXE_okta-ssf"))
        .args(["publish", "--retries", "0", "-d", &format!("svc.test:{port}")])
        .arg(&tokens)
        .output()
        .expect("run okta-ssf");
    let _ = std::fs::remove_file(&tokens);
    let (stdout, stderr) =
        (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.status.code(), Some(2), "{stdout}{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].contains("could not look up the name `svc.test`"), "{lines:?}");
    assert_eq!(lines.iter().filter(|l| l.starts_with("not-sent ")).count(), 2, "{lines:?}");
    assert!(stderr.contains("stopped sending: could not look up the name `svc.test`"), "{stderr}");
}

/// How the test's name server answers.
const SILENT: u8 = 0;
const ANSWERS: u8 = 1;
const NO_SUCH_NAME: u8 = 2;

/// A name server on 127.0.0.1:53 that, as `mode` says, never answers, answers `A` queries with
/// 127.0.0.1 (and others with no record), or answers that no such name exists.
fn name_server(mode: Arc<AtomicU8>) {
    let socket = UdpSocket::bind("127.0.0.1:53").expect("bind 127.0.0.1:53 in the namespace");
    std::thread::spawn(move || {
        let mut buf = [0u8; 512];
        while let Ok((n, from)) = socket.recv_from(&mut buf) {
            let mode = mode.load(Ordering::SeqCst);
            if mode == SILENT || n < 17 {
                continue;
            }
            // The question: its labels up to the root, then type and class.
            let mut end = 12;
            while end < n && buf[end] != 0 {
                end += usize::from(buf[end]) + 1;
            }
            let question_end = end + 5;
            if question_end > n {
                continue;
            }
            let is_a = buf[end + 1..end + 3] == [0, 1] && mode == ANSWERS;
            let mut reply = buf[..question_end].to_vec();
            // A response, recursion available; no such name (rcode 3) when so told.
            let rcode = if mode == NO_SUCH_NAME { 3 } else { 0 };
            reply[2..4].copy_from_slice(&[0x81, 0x80 | rcode]);
            reply[6..12].copy_from_slice(&[0, u8::from(is_a), 0, 0, 0, 0]);
            if is_a {
                // The name by pointer to the question, A, IN, a TTL of 60 s, 127.0.0.1.
                reply.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1]);
            }
            let _ = socket.send_to(&reply, from);
        }
    });
}

#[test]
#[ignore = "run by the name-server tests, inside a namespace of their own"]
fn child_behind_a_name_server() {
    let mode = std::env::var("OKTA_SSF_DNS_MODE").expect("set by the parent test");
    let answering = match mode.as_str() {
        "once" => ANSWERS,
        "no-such-name" => NO_SUCH_NAME,
        _ => SILENT,
    };
    let answering = Arc::new(AtomicU8::new(answering));
    name_server(Arc::clone(&answering));
    let pki = TestPki::new(&["svc.test"]);
    let receiver = TlsReceiver::start(&pki);
    let builder = |lifetime: Duration| {
        ClientBuilder::new(&format!("svc.test:{}", receiver.port))
            .add_root_certificates_pem(pki.ca_pem.as_bytes())
            .connect_timeout(Duration::from_secs(1))
            .dns_cache(lifetime)
    };
    match mode.as_str() {
        "silent" => {
            // One attempt: cut off at the connect timeout, not after the system's 10 s.
            let client = builder(Duration::from_secs(60)).retry(RetryPolicy::never());
            let start = Instant::now();
            let err = client.build().expect("client").publish(&vector_token()).expect_err("hangs");
            let took = start.elapsed();
            assert!(
                matches!(&err, Error::NameTimeout { host, attempts: 1 } if host == "svc.test"),
                "{err:?}"
            );
            assert!(
                (Duration::from_millis(900)..Duration::from_millis(1600)).contains(&took),
                "{took:?}"
            );
            assert_eq!(
                err.to_string(),
                "looking up the name `svc.test` timed out; check the machine's DNS"
            );
            // Retries within a 2.5 s deadline: every lookup is cut to fit what is left.
            let client = builder(Duration::from_secs(60))
                .retry(quick_retries().max_retries(5))
                .deadline(Duration::from_millis(2500));
            let start = Instant::now();
            let err = client.build().expect("client").publish(&vector_token()).expect_err("hangs");
            let took = start.elapsed();
            assert!(matches!(err, Error::NameTimeout { .. }), "{err:?}");
            assert!(err.attempts() >= 2, "{err:?}");
            assert!(took < Duration::from_millis(2800), "the 2.5 s deadline took {took:?}");
        }
        "once" => {
            let client = builder(Duration::from_secs(2)).build().expect("client");
            assert_eq!(client.publish(&vector_token()).expect("first"), Status::Accepted);
            // The name server falls silent: the addresses looked up still serve.
            answering.store(SILENT, Ordering::SeqCst);
            let start = Instant::now();
            for _ in 0..20 {
                assert_eq!(client.publish(&vector_token()).expect("cached"), Status::Accepted);
            }
            assert!(start.elapsed() < Duration::from_secs(1), "{:?}", start.elapsed());
            // Past the cache lifetime, the lookup that must happen is bounded too.
            std::thread::sleep(Duration::from_millis(2100));
            let start = Instant::now();
            let err = client.publish(&vector_token()).expect_err("the name server is silent");
            assert!(matches!(err, Error::NameTimeout { .. }), "{err:?}");
            assert!(start.elapsed() < Duration::from_secs(5), "{:?}", start.elapsed());
            assert_eq!(receiver.requests.load(Ordering::SeqCst), 21);
        }
        "no-such-name" => {
            let client = builder(Duration::from_secs(60)).retry(quick_retries());
            let start = Instant::now();
            let err = client.build().expect("client").publish(&vector_token()).expect_err("none");
            assert!(start.elapsed() < Duration::from_secs(1), "{:?}", start.elapsed());
            let Error::NameNotFound { host, attempts, .. } = &err else { panic!("{err:?}") };
            assert_eq!((host.as_str(), *attempts), ("svc.test", 3));
            assert!(err.is_retryable());
            assert_eq!(
                err.to_string(),
                "could not look up the name `svc.test` after 3 attempts; check the domain, and the machine's DNS"
            );
            // The system's own answer is kept, below the name that was looked up.
            let mut causes = Vec::new();
            let mut cause = std::error::Error::source(&err);
            while let Some(c) = cause {
                causes.push(c.to_string());
                cause = c.source();
            }
            assert_eq!(causes.first().map(String::as_str), Some("looking up `svc.test` failed"));
            assert!(causes.get(1).is_some_and(|c| c.contains("lookup address")), "{causes:?}");
            #[cfg(feature = "cli")]
            the_command_stops_on_a_name_that_does_not_exist(receiver.port);
        }
        other => panic!("unknown mode {other}"),
    }
    println!("OUTCOME {mode} ok");
}
