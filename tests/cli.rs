//! The `okta-ssf` command, run as a built binary against httpmock receivers.
#![cfg(feature = "cli")]

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use common::{EVENTS_PATH, data, read_data, token_with_claims};
use httpmock::prelude::*;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_okta-ssf");

fn okta_ssf(args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command.args(args).env_remove("OKTA_CLIENT_ORGURL");
    // The system's certificate store is the machine's, unless a test names one.
    command.env_remove("SSL_CERT_FILE").env_remove("SSL_CERT_DIR");
    for var in ["ALL_PROXY", "HTTPS_PROXY", "HTTP_PROXY", "all_proxy", "https_proxy", "http_proxy"]
    {
        command.env_remove(var);
    }
    command
}

fn run_with_stdin(mut command: Command, stdin: &str) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
    child.wait_with_output().expect("wait")
}

fn run(mut command: Command) -> Output {
    command.stdin(Stdio::null()).output().expect("run okta-ssf")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn token(name: &str) -> String {
    read_data(&format!("valid/{name}")).trim().to_owned()
}

/// A file in a fresh temporary directory, removed with it.
struct TempFile(std::path::PathBuf);

impl TempFile {
    fn new(name: &str, contents: &str) -> TempFile {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("okta-ssf-cli-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join(name);
        std::fs::write(&path, contents).expect("write");
        TempFile(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("utf-8 path")
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(dir) = self.0.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// A receiver that accepts the RS256 vector and rejects the ES256 one.
fn mixed_receiver(server: &MockServer) -> (httpmock::Mock<'_>, httpmock::Mock<'_>) {
    let accepted = server.mock(|when, then| {
        when.method(POST)
            .path(EVENTS_PATH)
            .header("content-type", "application/secevent+jwt")
            .header_missing("authorization")
            .body(token("session-revoked-rs256.jwt"));
        then.status(202).header("X-Okta-Request-Id", "req-ok");
    });
    let rejected = server.mock(|when, then| {
        when.method(POST).path(EVENTS_PATH).body(token("device-risk-change-es256.jwt"));
        then.status(400)
            .header("X-Okta-Request-Id", "req-bad")
            .json_body(json!({"err": "invalid_key", "description": "kid unknown"}));
    });
    (accepted, rejected)
}

fn mixed_file() -> TempFile {
    let contents = format!(
        "{}\n\n   \n{}\nnot-a-token\n",
        token("session-revoked-rs256.jwt"),
        token("device-risk-change-es256.jwt")
    );
    TempFile::new("mixed.jwt", &contents)
}

#[test]
fn publish_a_mixed_file() {
    let server = MockServer::start();
    let (accepted, rejected) = mixed_receiver(&server);
    let file = mixed_file();
    let output = run(okta_ssf(&["publish", "--domain", &server.base_url(), file.path()]));
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        format!(
            "accepted vector-jti-1\nrejected vector-jti-2 invalid_key: kid unknown\ninvalid {}:5 a compact JWS has three dot-separated segments, this has 1\n",
            file.path()
        )
    );
    assert!(
        stderr(&output).starts_with("1 accepted, 1 rejected, 0 failed, 1 invalid in "),
        "{}",
        stderr(&output)
    );
    accepted.assert();
    rejected.assert();
}

#[test]
fn publish_json_lines() {
    let server = MockServer::start();
    let (_accepted, _rejected) = mixed_receiver(&server);
    let file = mixed_file();
    let output = run(okta_ssf(&["publish", "--json", "--domain", &server.base_url(), file.path()]));
    assert_eq!(output.status.code(), Some(1));
    let mut lines: Vec<Value> =
        stdout(&output).lines().map(|l| serde_json::from_str(l).expect("JSON line")).collect();
    // Each line says when, in RFC 3339 and UTC, to the second.
    for line in &mut lines {
        let time = line.as_object_mut().and_then(|l| l.remove("time")).expect("a time");
        let time = time.as_str().expect("text");
        assert!(humantime::parse_rfc3339(time).is_ok() && time.ends_with('Z'), "{time}");
    }
    let source = |n: usize| format!("{}:{n}", file.path());
    assert_eq!(
        lines,
        [
            json!({"status": "accepted", "jti": "vector-jti-1", "source": source(1), "http_status": 202, "request_id": "req-ok", "attempts": 1}),
            json!({"status": "rejected", "jti": "vector-jti-2", "source": source(4), "http_status": 400, "request_id": "req-bad", "attempts": 1,
                   "err": "invalid_key", "description": "kid unknown"}),
            json!({"status": "invalid", "jti": null, "source": source(5), "reason": "a compact JWS has three dot-separated segments, this has 1"}),
        ]
    );
}

#[test]
fn publish_from_stdin_with_the_domain_from_the_environment() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(POST).path(EVENTS_PATH).body(token("session-revoked-es256-c-jose.jwt"));
        then.status(202);
    });
    let mut command = okta_ssf(&["publish", "-"]);
    command.env("OKTA_CLIENT_ORGURL", server.base_url());
    let output =
        run_with_stdin(command, &format!("{}\n", token("session-revoked-es256-c-jose.jwt")));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), "accepted vector-jti-6\n");
    assert!(stderr(&output).starts_with("1 accepted, 0 rejected, 0 failed, 0 invalid in "));
    mock.assert();
}

#[test]
fn publish_failures_are_reported_per_token() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(POST).path(EVENTS_PATH);
        then.status(503).body("maintenance");
    });
    let output = run(okta_ssf(&[
        "publish",
        "--retries",
        "0",
        "--domain",
        &server.base_url(),
        &data("valid/session-revoked-rs256.jwt").display().to_string(),
    ]));
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stdout(&output),
        "failed vector-jti-1 receiver failed with HTTP 503 (server says: maintenance); retrying later may help\n"
    );
    mock.assert_calls(1);
}

#[test]
fn dry_run_sends_nothing() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(POST);
        then.status(202);
    });
    let good = TempFile::new(
        "good.jwt",
        &format!(
            "{}\n{}\n",
            token("session-revoked-rs256.jwt"),
            token("device-risk-change-es256.jwt")
        ),
    );
    let output =
        run(okta_ssf(&["publish", "--dry-run", "--domain", &server.base_url(), good.path()]));
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stdout(&output), "passed vector-jti-1\npassed vector-jti-2\n");
    assert!(stderr(&output).starts_with("2 passed, 0 invalid (dry run, nothing sent) in "));
    // Without a domain too, and an invalid token fails the run.
    let output = run(okta_ssf(&["publish", "--dry-run", mixed_file().path()]));
    assert_eq!(output.status.code(), Some(1));
    mock.assert_calls(0);
}

#[test]
fn configuration_errors_exit_2_with_one_line() {
    let file = mixed_file();
    for (args, message) in [
        (
            vec!["publish", "--domain", "acme-admin.okta.com", file.path()],
            "okta-ssf: invalid Okta domain: `acme-admin.okta.com` is the Admin Console host; use `acme.okta.com` instead\n",
        ),
        (
            vec!["publish", file.path()],
            "okta-ssf: give --domain (or set OKTA_CLIENT_ORGURL) or --endpoint\n",
        ),
        (
            vec![
                "sign",
                "--key",
                "/nonexistent/key.pem",
                "--kid",
                "k",
                "--iss",
                "i",
                "--aud",
                "a",
                "--event",
                "session-revoked",
                "--user-email",
                "u@example.com",
            ],
            "okta-ssf: cannot read key /nonexistent/key.pem: No such file or directory (os error 2)\n",
        ),
        (
            vec!["jwks", "--key", "/nonexistent/key.pem", "--kid", "k"],
            "okta-ssf: cannot read key /nonexistent/key.pem: No such file or directory (os error 2)\n",
        ),
    ] {
        let output = run(okta_ssf(&args));
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert_eq!(stderr(&output), message, "{args:?}");
        assert_eq!(stdout(&output), "", "{args:?}");
    }
    // Conflicting flags: clap's own usage error, also 2.
    let output = run(okta_ssf(&[
        "publish",
        "--domain",
        "acme.okta.com",
        "--endpoint",
        "https://x.example/e",
        file.path(),
    ]));
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("cannot be used with"), "{}", stderr(&output));
}

#[test]
fn help_and_version() {
    for sub in ["publish", "inspect", "sign", "jwks", "serve", "demo"] {
        let output = run(okta_ssf(&[sub, "--help"]));
        assert_eq!(output.status.code(), Some(0), "{sub}");
        assert!(stdout(&output).contains("Usage: okta-ssf"), "{sub}");
    }
    let publish_help = stdout(&run(okta_ssf(&["publish", "--help"])));
    assert!(publish_help.contains("Exit status:") && publish_help.contains("OKTA_CLIENT_ORGURL"));
    let output = run(okta_ssf(&["--version"]));
    assert_eq!(stdout(&output), format!("okta-ssf {}\n", env!("CARGO_PKG_VERSION")));
}

fn sign_args<'a>(key: &'a str, kid: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "sign",
        "--key",
        key,
        "--kid",
        kid,
        "--iss",
        "https://transmitter.example.com",
        "--aud",
        "https://example.okta.com",
    ];
    args.extend_from_slice(extra);
    args
}

#[test]
fn sign_then_publish_through_a_pipe() {
    let key = data("rsa-pkcs8.pem").display().to_string();
    let signed = run(okta_ssf(&sign_args(
        &key,
        "vector-rsa-1",
        &[
            "--event",
            "session-revoked",
            "--user-email",
            "jane@acme.com",
            "--reason-admin",
            "Malware",
            "--initiating-entity",
            "policy",
            "--jti",
            "pipe-1",
        ],
    )));
    assert_eq!(signed.status.code(), Some(0), "{}", stderr(&signed));
    assert_eq!(stderr(&signed), "");
    let token = stdout(&signed);
    assert!(token.ends_with('\n') && token.matches('.').count() == 2);
    let parsed = okta_ssf::check_token(&token).expect("valid");
    assert_eq!(parsed.jti(), "pipe-1");
    assert_eq!(parsed.okta_warnings(Some("https://example.okta.com")), []);

    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(POST).path(EVENTS_PATH).body(token.trim_end());
        then.status(202);
    });
    let published = run_with_stdin(okta_ssf(&["publish", "--domain", &server.base_url()]), &token);
    assert_eq!(published.status.code(), Some(0), "{}", stderr(&published));
    assert_eq!(stdout(&published), "accepted pipe-1\n");
    mock.assert();
}

#[test]
fn sign_every_event_type_from_options() {
    let key = data("ec-p256-sec1.pem").display().to_string();
    let cases: [&[&str]; 6] = [
        &[
            "--event",
            "session-revoked",
            "--user-email",
            "u@example.com",
            "--current-ip",
            "203.0.113.9",
            "--reason-user",
            "x",
        ],
        &[
            "--event",
            "device-compliance-change",
            "--device-id",
            "d1",
            "--current-status",
            "not-compliant",
            "--previous-status",
            "compliant",
            "--reason-admin",
            "x",
        ],
        &[
            "--event",
            "device-risk-change",
            "--device-id",
            "d1",
            "--current-level",
            "high",
            "--previous-level",
            "low",
            "--reason-admin",
            "x",
        ],
        &[
            "--event",
            "user-risk-change",
            "--user-id",
            "00u1",
            "--current-level",
            "medium",
            "--previous-level",
            "none",
            "--reason-admin",
            "x",
        ],
        &[
            "--event",
            "ip-change",
            "--user-email",
            "u@example.com",
            "--current-ip-address",
            "198.51.100.1",
            "--previous-ip-address",
            "198.51.100.2",
            "--reason-admin",
            "x",
        ],
        &[
            "--event",
            "identifier-changed",
            "--user-email",
            "u@example.com",
            "--new-value",
            "v@example.com",
        ],
    ];
    for (extra, event_type) in cases.iter().zip(okta_ssf::lint::EventType::ALL) {
        let output = run(okta_ssf(&sign_args(&key, "vector-ec-1", extra)));
        assert_eq!(output.status.code(), Some(0), "{extra:?}: {}", stderr(&output));
        let token = okta_ssf::check_token(&stdout(&output)).expect("valid");
        assert_eq!(token.event_types().collect::<Vec<_>>(), [event_type.uri()]);
        assert_eq!(token.okta_warnings(Some("https://example.okta.com")), [], "{extra:?}");
    }
}

#[test]
fn sign_from_an_event_json_file() {
    let event = TempFile::new(
        "event.json",
        r#"{"https://schemas.openid.net/secevent/caep/event-type/credential-change": {"subject": {"user": {"format": "email", "email": "u@example.com"}}, "credential_type": "password"}}"#,
    );
    let key = data("ec-p256-pkcs8.pem").display().to_string();
    let output = run(okta_ssf(&sign_args(
        &key,
        "vector-ec-1",
        &["--event-json", event.path(), "--iat", "1764460800"],
    )));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let token = okta_ssf::check_token(&stdout(&output)).expect("valid");
    assert_eq!(token.issued_at(), 1764460800);
    let uri = "https://schemas.openid.net/secevent/caep/event-type/credential-change";
    assert_eq!(token.events()[uri]["credential_type"], "password");
}

#[test]
fn sign_usage_errors() {
    let key = data("ec-p256-pkcs8.pem").display().to_string();
    for (extra, message) in [
        (
            &["--event", "device-risk-change", "--device-id", "d"][..],
            "okta-ssf: --current-level is required for device-risk-change\n",
        ),
        (
            &["--event", "session-revoked"][..],
            "okta-ssf: give a subject: --user-email, --user-id or --device-id\n",
        ),
        (
            &["--event", "password-reset", "--user-email", "u@example.com"][..],
            "okta-ssf: unknown event `password-reset`; use one of: session-revoked, device-compliance-change, device-risk-change, user-risk-change, ip-change, identifier-changed\n",
        ),
    ] {
        let output = run(okta_ssf(&sign_args(&key, "k", extra)));
        assert_eq!(output.status.code(), Some(2), "{extra:?}");
        assert_eq!(stderr(&output), message);
    }
    let output = run(okta_ssf(&sign_args(
        &key,
        "k",
        &[
            "--event",
            "user-risk-change",
            "--user-id",
            "u",
            "--current-level",
            "HIGH",
            "--previous-level",
            "low",
        ],
    )));
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("expected one of: low, medium, high, secure, none"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn jwks_prints_the_public_keys() {
    let rsa = data("rsa-pkcs1.pem").display().to_string();
    let ec = data("ec-p256-sec1.pem").display().to_string();
    let vectors: Value = serde_json::from_str(&read_data("jwks.json")).expect("jwks.json");
    // From the private keys, and from their public halves alone (a key kept in a vault).
    for (rsa, ec) in [
        (rsa.clone(), ec),
        (
            data("rsa-public.pem").display().to_string(),
            data("ec-p256-public.pem").display().to_string(),
        ),
    ] {
        let output = run(okta_ssf(&[
            "jwks",
            "--key",
            &rsa,
            "--kid",
            "vector-rsa-1",
            "--key",
            &ec,
            "--kid",
            "vector-ec-1",
        ]));
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let printed: Value = serde_json::from_str(&stdout(&output)).expect("JSON");
        for (i, members) in
            [(0, &["n", "e", "kid", "alg"][..]), (1, &["x", "y", "crv", "kid", "alg"][..])]
        {
            for m in members {
                assert_eq!(printed["keys"][i][m], vectors["keys"][i][m], "{rsa} {m}");
            }
        }
    }
    let output = run(okta_ssf(&["jwks", "--key", &rsa, "--kid", "a", "--kid", "b"]));
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(stderr(&output), "okta-ssf: give --key and --kid in pairs (1 keys, 2 kids)\n");
}

#[test]
fn inspect_prints_claims_verdict_and_every_warning() {
    let now =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("now").as_secs();
    let claims = json!({
        "iss": "https://t.example", "aud": "https://acme-admin.okta.com/", "iat": now + 7200, "jti": "j-lint",
        "sub": "s", "exp": now + 9000,
        "events": {
            "https://schemas.okta.com/secevent/okta/event-type/user-risk-change": {
                "subject": {}, "event_timestamp": now * 1000, "currentLevel": "HIGH", "current_level": "HIGH",
                "initiating_entity": "the security team"
            },
            "https://example.com/custom": {}
        }
    });
    let token = token_with_claims(&claims.to_string());
    let file = TempFile::new("lint.jwt", &format!("{token}\n"));
    let output = run(okta_ssf(&["inspect", "--domain", "acme.okta.com", file.path()]));
    assert_eq!(output.status.code(), Some(0), "warnings alone do not fail: {}", stderr(&output));
    let text = stdout(&output);
    let head =
        format!("== {}:1 ({} bytes)\nheader: {{\n  \"alg\": \"RS256\"", file.path(), token.len());
    assert!(text.starts_with(&head), "{text}");
    assert!(text.contains("\"jti\": \"j-lint\""), "{text}");
    let expected = [
        "check: passed",
        "warning: the token holds 2 events; SSF puts exactly one in each SET",
        "warning: event type `https://example.com/custom` is not one Okta accepts",
        "warning: `currentLevel` in the user-risk-change event is camelCase; Okta expects `current_level`",
        "warning: `previous_level` is missing from the user-risk-change event",
        "warning: `current_level` in the user-risk-change event is not one of: low, medium, high, secure, none (values are lower case)",
        "warning: `initiating_entity` in the user-risk-change event is not one of: admin, user, policy, system",
        "warning: the user-risk-change event has neither `reason_admin` nor `reason_user`",
        "warning: `event_timestamp` in the user-risk-change event looks like milliseconds; use seconds",
        "warning: the claim `sub` is present; SSF forbids it in a SET",
        "warning: the claim `exp` is present; SSF forbids it in a SET",
        "warning: `iat` is in the future",
        "warning: `aud` names the `-admin` host; use `https://acme.okta.com`",
    ];
    let tail: Vec<&str> = text.lines().skip_while(|l| !l.starts_with("check:")).collect();
    assert_eq!(tail, expected);
}

#[test]
fn inspect_refused_tokens_exit_1() {
    let output = run_with_stdin(okta_ssf(&["inspect"]), &read_data("invalid/alg-none.jwt"));
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(text.contains("\"alg\": \"none\""), "{text}");
    assert!(
        text.ends_with(
            "check: refused: the header's `alg` is `none`; Okta accepts only signed tokens\n"
        ),
        "{text}"
    );
    let output = run_with_stdin(okta_ssf(&["inspect", "-"]), "not-a-token\n");
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("header: (does not decode)"));
}

#[test]
fn demo_runs_end_to_end() {
    let output = run(okta_ssf(&["demo"]));
    assert_eq!(output.status.code(), Some(0), "{}\n{}", stdout(&output), stderr(&output));
    let text = stdout(&output);
    let outcomes: Vec<&str> =
        text.lines().filter(|l| !l.starts_with("receiver: ") && !l.starts_with("== ")).collect();
    assert_eq!(outcomes.len(), 8, "{text}");
    assert!(outcomes[..6].iter().all(|l| l.starts_with("accepted ")), "{text}");
    assert!(
        outcomes[6].starts_with("rejected ")
            && outcomes[6].ends_with(" invalid_audience: Invalid audience"),
        "{text}"
    );
    assert!(
        outcomes[7].contains(" authentication_failed: Could not verify message signature"),
        "{text}"
    );
    let logged: Vec<Value> = text
        .lines()
        .filter_map(|l| l.strip_prefix("receiver: "))
        .map(|l| serde_json::from_str(l).expect("log line"))
        .collect();
    let labels: Vec<&str> = text.lines().filter(|l| l.starts_with("== ")).collect();
    assert_eq!(labels[0], "== session-revoked, signed with demo-key: expect accepted");
    assert_eq!(
        labels[7],
        "== session-revoked signed by another key with the same kid: expect rejected authentication_failed"
    );
    assert_eq!(logged.len(), 8);
    assert!(
        stderr(&output).ends_with("okta-ssf demo: 8 of 8 outcomes as expected\n"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn serve_answers_a_transmitter_and_stops_on_ctrl_c() {
    use std::io::BufRead;
    let log = TempFile::new("serve.log", "");
    let mut child = okta_ssf(&[
        "serve",
        "--jwks",
        &data("jwks.json").display().to_string(),
        "--iss",
        "https://transmitter.example.com",
        "--aud",
        "https://example.okta.com",
        "--listen",
        "127.0.0.1:0",
        "--log",
        log.path(),
    ])
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("spawn serve");
    let mut stderr_lines = std::io::BufReader::new(child.stderr.take().expect("stderr")).lines();
    let first = stderr_lines.next().expect("a line").expect("utf-8");
    let origin = first
        .strip_prefix("okta-ssf: listening on ")
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("unexpected first line: {first}"))
        .to_owned();

    let published = run(okta_ssf(&[
        "publish",
        "--domain",
        &origin,
        &data("valid/session-revoked-rs256.jwt").display().to_string(),
    ]));
    assert_eq!(stdout(&published), "accepted vector-jti-1\n", "{}", stderr(&published));
    let second = run(okta_ssf(&[
        "publish",
        "--domain",
        &origin,
        &data("valid/session-revoked-es256-c-jose.jwt").display().to_string(),
    ]));
    assert_eq!(stdout(&second), "accepted vector-jti-6\n");

    let interrupted =
        Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("kill");
    assert!(interrupted.success());
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(0), "stops cleanly on Ctrl-C");
    assert_eq!(
        stderr_lines.next().map(|l| l.expect("utf-8")).as_deref(),
        Some("okta-ssf: stopped")
    );
    let lines: Vec<Value> = std::fs::read_to_string(&log.0)
        .expect("log")
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(
        (&lines[0]["jti"], &lines[0]["verdict"]),
        (&json!("vector-jti-1"), &json!("accepted"))
    );
}

#[test]
fn serve_configuration_errors_exit_2() {
    let output =
        run(okta_ssf(&["serve", "--jwks", "/nonexistent/jwks.json", "--iss", "i", "--aud", "a"]));
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "okta-ssf: cannot read /nonexistent/jwks.json: No such file or directory (os error 2)\n"
    );
    let jwks = TempFile::new("empty-jwks.json", r#"{"keys": []}"#);
    let output = run(okta_ssf(&["serve", "--jwks", jwks.path(), "--iss", "i", "--aud", "a"]));
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output)
            .ends_with("the JWKS holds no usable key (RSA, or EC on P-256, each with a `kid`)\n"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn publish_with_concurrency_keeps_the_input_order() {
    let server = MockServer::start();
    let slow = server.mock(|when, then| {
        when.method(POST).path(EVENTS_PATH);
        then.status(202).delay(std::time::Duration::from_millis(300));
    });
    let (jtis, file) = numbered_tokens(12);
    let started = std::time::Instant::now();
    let output =
        run(okta_ssf(&["publish", "-c", "4", "--endpoint", &server.url(EVENTS_PATH), file.path()]));
    let elapsed = started.elapsed();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let expected: Vec<String> = jtis.iter().map(|jti| format!("accepted {jti}")).collect();
    assert_eq!(stdout(&output).lines().collect::<Vec<_>>(), expected);
    assert!(
        stderr(&output).starts_with("12 accepted, 0 rejected, 0 failed, 0 invalid"),
        "{}",
        stderr(&output)
    );
    slow.assert_calls(12);
    // Twelve answers of 300 ms each, four at a time: 0.9 s; one at a time it would be 3.6 s.
    assert!(elapsed < std::time::Duration::from_millis(2500), "{elapsed:?}");
    let zero =
        run(okta_ssf(&["publish", "-c", "0", "--endpoint", &server.url(EVENTS_PATH), file.path()]));
    assert_eq!(zero.status.code(), Some(2), "{}", stderr(&zero));
}

/// `n` well-shaped tokens with the `jti`s `jti-01`, `jti-02`…
fn numbered(n: usize) -> Vec<String> {
    (1..=n)
        .map(|n| {
            token_with_claims(&format!(
                r#"{{"iss":"https://t.example","aud":"https://acme.okta.com","iat":1764460800,"jti":"jti-{n:02}","events":{{"e":{{}}}}}}"#
            ))
        })
        .collect()
}

/// The `jti`s of [`numbered`] tokens, and the tokens one per line in a file.
fn numbered_tokens(n: usize) -> (Vec<String>, TempFile) {
    let jtis = (1..=n).map(|n| format!("jti-{n:02}")).collect();
    (jtis, TempFile::new("numbered.jwt", &numbered(n).join("\n")))
}

#[test]
fn a_wrong_set_up_stops_the_run_after_one_request() {
    let (jtis, file) = numbered_tokens(5);
    for (status, target, advice) in [
        (401, "--domain", "this endpoint takes no credentials"),
        (404, "--domain", "Identity Threat Protection"),
        (404, "--endpoint", "check the receiver URL"),
    ] {
        let server = MockServer::start();
        let mock = server.mock(|when, then| {
            when.method(POST).path(EVENTS_PATH);
            then.status(status);
        });
        let url = if target == "--domain" { server.base_url() } else { server.url(EVENTS_PATH) };
        let output = run(okta_ssf(&["publish", target, &url, file.path()]));
        assert_eq!(output.status.code(), Some(2), "{status} {target}: {}", stderr(&output));
        mock.assert_calls(1);
        let lines: Vec<String> = stdout(&output).lines().map(str::to_owned).collect();
        assert_eq!(lines.len(), 5, "{lines:?}");
        assert!(lines[0].starts_with(&format!("failed {} receiver answered {status}", jtis[0])));
        for (line, jti) in lines[1..].iter().zip(&jtis[1..]) {
            assert!(
                line.starts_with(&format!("not-sent {jti} not sent: the run stopped (")),
                "{line}"
            );
            assert!(line.contains(advice), "{line}");
        }
        let err = stderr(&output);
        assert!(err.contains("0 accepted, 0 rejected, 1 failed, 0 invalid, 4 not sent"), "{err}");
        assert!(
            err.contains(&format!("okta-ssf: stopped sending: receiver answered {status}")),
            "{err}"
        );
        assert!(err.contains(advice), "{err}");
        if target == "--endpoint" {
            assert!(!err.contains("Identity Threat Protection"), "{err}");
        }
    }
}

#[test]
fn a_portal_page_stops_the_run() {
    // (A name that does not resolve stops it too: tests/real_networks.rs, behind a name server
    // of its own.)
    let (_, file) = numbered_tokens(4);
    // A captive portal's page for a `200`: not delivered, and the run stops at once.
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(POST).path(EVENTS_PATH);
        then.status(200).header("content-type", "text/html").body("<html>Guest Wi-Fi</html>");
    });
    let output = run(okta_ssf(&["publish", "-d", &server.base_url(), file.path()]));
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    mock.assert_calls(1);
    let first = stdout(&output).lines().next().map(str::to_owned).unwrap_or_default();
    assert!(first.contains("a page that is not an SSF receiver's answer"), "{first}");
    assert!(first.contains("Guest Wi-Fi"), "the page's start is quoted: {first}");
}

#[test]
fn an_outage_costs_a_run_three_tries_not_one_per_token() {
    let (jtis, file) = numbered_tokens(10);
    // Refused: a port that was just free.
    let refused = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let origin = format!("http://{}", refused.local_addr().expect("addr"));
    drop(refused);
    // Hanging: a listener that takes connections and never answers.
    let hanging = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let hanging_origin = format!("http://{}", hanging.local_addr().expect("addr"));
    for url in [origin, hanging_origin] {
        let started = std::time::Instant::now();
        let output = run(okta_ssf(&[
            "publish",
            "--retries",
            "0",
            "--timeout",
            "2",
            "--domain",
            &url,
            file.path(),
        ]));
        let elapsed = started.elapsed();
        assert_eq!(output.status.code(), Some(1), "{url}: {}", stderr(&output));
        let lines: Vec<String> = stdout(&output).lines().map(str::to_owned).collect();
        let failed = lines.iter().filter(|l| l.starts_with("failed ")).count();
        let not_sent: Vec<&String> = lines.iter().filter(|l| l.starts_with("not-sent ")).collect();
        assert_eq!((failed, not_sent.len()), (3, 7), "{lines:?}");
        assert!(not_sent[0].starts_with(&format!("not-sent {} ", jtis[3])), "{lines:?}");
        let err = stderr(&output);
        assert!(err.contains("stopped sending: 3 failures in a row that may recover"), "{err}");
        // Three tries of at most the 2 s timeout, not ten.
        assert!(elapsed < std::time::Duration::from_secs(10), "{url}: {elapsed:?}");
    }
    drop(hanging);
}

#[test]
fn a_signal_ends_the_run_after_the_requests_in_flight() {
    let (_, file) = numbered_tokens(20);
    for (signal, status) in [("-INT", 130), ("-TERM", 143)] {
        let server = MockServer::start();
        let mock = server.mock(|when, then| {
            when.method(POST).path(EVENTS_PATH);
            then.status(202).delay(std::time::Duration::from_millis(300));
        });
        let child =
            okta_ssf(&["publish", "-c", "2", "--endpoint", &server.url(EVENTS_PATH), file.path()])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn publish");
        std::thread::sleep(std::time::Duration::from_millis(1000));
        Command::new("kill").args([signal, &child.id().to_string()]).status().expect("kill");
        let output = child.wait_with_output().expect("wait");
        assert_eq!(output.status.code(), Some(status), "{signal}: {}", stderr(&output));
        let lines: Vec<String> = stdout(&output).lines().map(str::to_owned).collect();
        // The lines read by then, each with its outcome; the rest were never read.
        let accepted = lines.iter().filter(|l| l.starts_with("accepted ")).count();
        assert!(lines.len() > accepted && lines.len() <= 20, "{lines:?}");
        // Every token the receiver got is in the output, and only those were sent.
        assert!((2..20).contains(&accepted), "{lines:?}");
        mock.assert_calls(accepted);
        assert!(
            lines[accepted..]
                .iter()
                .all(|l| l.starts_with("not-sent ") && l.contains("interrupted")),
            "{lines:?}"
        );
        let name = if status == 130 { "SIGINT" } else { "SIGTERM" };
        assert!(
            stderr(&output).contains(&format!("okta-ssf: stopped by {name}")),
            "{}",
            stderr(&output)
        );
        assert!(stderr(&output).contains(&format!("{accepted} accepted")), "{}", stderr(&output));
    }
}

#[test]
fn short_flags_limits_and_the_exit_status_note() {
    let vector = data("valid/session-revoked-rs256.jwt").display().to_string();
    let output = run(okta_ssf(&["publish", "-n", "-j", "-d", "acme.okta.com", &vector]));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let line: Value = serde_json::from_str(stdout(&output).trim()).expect("one JSON line");
    assert_eq!(line["status"], "passed");
    for bad in [["--timeout", "0"], ["--timeout", "86401"], ["--retries", "99"], ["-c", "65"]] {
        let output =
            run(okta_ssf(&["publish", "-n", "-d", "acme.okta.com", bad[0], bad[1], &vector]));
        assert_eq!(output.status.code(), Some(2), "{bad:?}: {}", stderr(&output));
    }
    for command in ["publish", "inspect", "sign", "jwks", "serve", "demo"] {
        let help = stdout(&run(okta_ssf(&[command, "--help"])));
        assert!(help.contains("Exit status"), "{command}: {help}");
    }
    let two = [vector.as_str(), &data("valid/device-risk-change-es256.jwt").display().to_string()]
        .map(str::to_owned);
    let output = run(okta_ssf(&["inspect", "-d", "example.okta.com", &two[0], &two[1]]));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output).matches("check: passed").count(), 2, "{}", stdout(&output));
}

#[test]
fn sign_warns_of_an_issuer_or_audience_that_is_not_an_https_url() {
    let key = data("ec-p256-pkcs8.pem").display().to_string();
    let args = [
        "sign",
        "--key",
        &key,
        "--kid",
        "k",
        "--iss",
        "transmitter.example.com",
        "--aud",
        "http://acme.okta.com",
        "--event",
        "session-revoked",
        "--user-email",
        "jane@acme.com",
    ];
    let signed = run(okta_ssf(&args));
    assert_eq!(signed.status.code(), Some(0), "{}", stderr(&signed));
    assert_eq!(
        stderr(&signed),
        "okta-ssf: warning: --iss is not an https:// URL; Okta compares it byte for byte\n\
         okta-ssf: warning: --aud is not an https:// URL; Okta compares it byte for byte\n"
    );
    assert!(okta_ssf::check_token(&stdout(&signed)).is_ok());
}

#[test]
fn input_problems_are_per_line_and_per_file() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(POST).path(EVENTS_PATH);
        then.status(202);
    });
    let tokens = numbered(3);
    // A byte-order mark, a line that is not UTF-8, then a good line.
    let mut bytes = b"\xef\xbb\xbf".to_vec();
    bytes.extend_from_slice(format!("{}\n", tokens[0]).as_bytes());
    bytes.extend_from_slice(b"\xff\xfeoops\n");
    bytes.extend_from_slice(format!("{}\r\n", tokens[1]).as_bytes());
    let mixed = TempFile::new("mixed.jwt", "");
    std::fs::write(mixed.path(), bytes).expect("write");
    // A UTF-16 file, as some editors save one.
    let utf16 = TempFile::new("utf16.jwt", "");
    let mut wide = vec![0xff, 0xfe];
    wide.extend(tokens[2].encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(utf16.path(), wide).expect("write");
    // A line longer than a token may be.
    let long = TempFile::new("long.jwt", &format!("{}\n", "a".repeat(70_000)));
    let output = run(okta_ssf(&[
        "publish",
        "--endpoint",
        &server.url(EVENTS_PATH),
        mixed.path(),
        "/nonexistent/tokens.jwt",
        utf16.path(),
        long.path(),
    ]));
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let expected = [
        "accepted jti-01".to_owned(),
        format!("invalid {}:2 the line is not UTF-8 text", mixed.path()),
        "accepted jti-02".to_owned(),
        format!(
            "invalid {}:1 the file is UTF-16; save it as UTF-8 (tokens are ASCII)",
            utf16.path()
        ),
        format!("invalid {}:1 the line is over 65536 bytes, the most a token may be", long.path()),
    ];
    assert_eq!(stdout(&output).lines().collect::<Vec<_>>(), expected);
    mock.assert_calls(2);
    let err = stderr(&output);
    assert!(
        err.starts_with("okta-ssf: cannot read /nonexistent/tokens.jwt: No such file or directory"),
        "{err}"
    );
    assert!(err.ends_with("okta-ssf: some input could not be read (see above)\n"), "{err}");
}

#[test]
fn standard_input_is_published_as_it_is_read() {
    use std::io::{BufRead, BufReader};
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(POST).path(EVENTS_PATH);
        then.status(202);
    });
    let tokens = numbered(2);
    let mut child = okta_ssf(&["publish", "--endpoint", &server.url(EVENTS_PATH)])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn publish");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    writeln!(stdin, "{}", tokens[0]).expect("write");
    stdin.flush().expect("flush");
    // The first outcome comes while standard input is still open.
    let mut first = String::new();
    stdout.read_line(&mut first).expect("first outcome");
    assert_eq!(first, "accepted jti-01\n");
    writeln!(stdin, "{}", tokens[1]).expect("write");
    drop(stdin);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).expect("rest");
    assert_eq!(rest, "accepted jti-02\n");
    assert!(child.wait().expect("wait").success());
}

#[test]
fn verbose_shows_each_retry_and_quiet_only_errors() {
    let vector = data("valid/session-revoked-rs256.jwt").display().to_string();
    let server = MockServer::start();
    let busy = server.mock(|when, then| {
        when.method(POST).path(EVENTS_PATH);
        then.status(503).body("busy");
    });
    let output =
        run(okta_ssf(&["-v", "publish", "--retries", "1", "-d", &server.base_url(), &vector]));
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(
        err.contains("okta-ssf: debug: attempt 1 failed (receiver failed with HTTP 503"),
        "{err}"
    );
    assert!(err.contains("; retrying in "), "{err}");
    busy.assert_calls(2);
    // RUST_LOG works as well, without -v.
    let mut command = okta_ssf(&["publish", "--retries", "1", "-d", &server.base_url(), &vector]);
    command.env("RUST_LOG", "okta_ssf=debug");
    assert!(stderr(&run(command)).contains("okta-ssf: debug: attempt 1 failed"));

    let ok = MockServer::start();
    ok.mock(|when, then| {
        when.method(POST).path(EVENTS_PATH);
        then.status(202);
    });
    let quiet = run(okta_ssf(&["publish", "-q", "-d", &ok.base_url(), &vector]));
    assert_eq!(quiet.status.code(), Some(0));
    assert_eq!((stdout(&quiet).as_str(), stderr(&quiet).as_str()), ("accepted vector-jti-1\n", ""));
    let loud = run(okta_ssf(&["publish", "-d", &ok.base_url(), &vector]));
    let summary = stderr(&loud);
    assert!(summary.starts_with("1 accepted, 0 rejected, 0 failed, 0 invalid in "), "{summary}");
    assert!(summary.contains(&format!("({vector}; ended 20")), "{summary}");
}

#[test]
fn completions_and_the_manual_page() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let output = run(okta_ssf(&["completions", shell]));
        assert_eq!(output.status.code(), Some(0), "{shell}: {}", stderr(&output));
        let script = stdout(&output);
        assert!(script.contains("okta-ssf") && script.contains("publish"), "{shell}: {script}");
        assert!(script.contains("concurrency"), "{shell}: the options are in it");
    }
    assert_eq!(run(okta_ssf(&["completions", "tcsh"])).status.code(), Some(2));
    let man = run(okta_ssf(&["man"]));
    assert_eq!(man.status.code(), Some(0), "{}", stderr(&man));
    let page = stdout(&man);
    assert!(page.contains(".TH okta-ssf 1"), "{page}");
    assert!(page.contains("publish") && page.contains("Exit status"), "{page}");
}

#[test]
fn key_and_event_files_can_come_from_standard_input() {
    let key = read_data("ec-p256-pkcs8.pem");
    let args =
        sign_args("-", "k", &["--event", "session-revoked", "--user-email", "jane@acme.com"]);
    let signed = run_with_stdin(okta_ssf(&args), &key);
    assert_eq!(signed.status.code(), Some(0), "{}", stderr(&signed));
    assert!(okta_ssf::check_token(&stdout(&signed)).is_ok());
    let event = r#"{"https://schemas.openid.net/secevent/caep/event-type/session-revoked":{"subject":{"user":{"format":"email","email":"jane@acme.com"}},"event_timestamp":1764460800}}"#;
    let key_file = data("ec-p256-pkcs8.pem").display().to_string();
    let args = sign_args(&key_file, "k", &["--event-json", "-"]);
    let signed = run_with_stdin(okta_ssf(&args), event);
    assert_eq!(signed.status.code(), Some(0), "{}", stderr(&signed));
    let token = okta_ssf::check_token(&stdout(&signed)).expect("signed");
    assert_eq!(
        token.event_types().collect::<Vec<_>>(),
        ["https://schemas.openid.net/secevent/caep/event-type/session-revoked"]
    );
    let public = run_with_stdin(
        okta_ssf(&["jwks", "--key", "-", "--kid", "k"]),
        &read_data("ec-p256-public.pem"),
    );
    assert_eq!(public.status.code(), Some(0), "{}", stderr(&public));
    assert!(stdout(&public).contains("\"crv\": \"P-256\""), "{}", stdout(&public));
}

#[test]
fn inspect_cuts_long_values_and_says_their_size() {
    let long = "x".repeat(5000);
    let claims = format!(
        r#"{{"iss":"https://t.example","aud":"https://acme.okta.com","iat":1764460800,"jti":"j","events":{{"e":{{"note":"{long}"}}}}}}"#
    );
    let file = TempFile::new("long.jwt", &token_with_claims(&claims));
    let output = run(okta_ssf(&["inspect", file.path()]));
    let text = stdout(&output);
    assert!(
        text.contains(&format!("\"note\": \"{}… (5000 bytes in all)\"", "x".repeat(200))),
        "{text}"
    );
    assert!(text.len() < 2000, "{} bytes of output", text.len());
}

#[test]
fn root_certs_trust_a_receiver_and_an_untrusted_one_stops_the_run() {
    use common::net::{TestPki, TlsReceiver};
    let pki = TestPki::new(&["localhost"]);
    let receiver = TlsReceiver::start(&pki);
    let ca = TempFile::new("ca.pem", &pki.ca_pem);
    let token = TempFile::new(
        "token.jwt",
        &format!(
            "{}\n{}\n",
            token("session-revoked-rs256.jwt"),
            token("device-risk-change-es256.jwt")
        ),
    );
    let domain = format!("localhost:{}", receiver.port);
    let untrusted = run(okta_ssf(&["publish", "-d", &domain, token.path()]));
    assert_eq!(untrusted.status.code(), Some(2), "{}", stderr(&untrusted));
    let err = stderr(&untrusted);
    assert!(
        err.contains(&format!("the TLS certificate of {domain} was not trusted"))
            && err.contains("--root-certs FILE")
            && err.contains("SSL_CERT_FILE"),
        "{err}"
    );
    assert!(
        stdout(&untrusted).lines().nth(1).is_some_and(|l| l.starts_with("not-sent vector-jti-2")),
        "{}",
        stdout(&untrusted)
    );
    let trusted =
        run(okta_ssf(&["publish", "-d", &domain, "--root-certs", ca.path(), token.path()]));
    assert_eq!(trusted.status.code(), Some(0), "{}", stderr(&trusted));
    assert_eq!(stdout(&trusted), "accepted vector-jti-1\naccepted vector-jti-2\n");
    let not_pem =
        run(okta_ssf(&["publish", "-d", &domain, "--root-certs", token.path(), token.path()]));
    assert_eq!(not_pem.status.code(), Some(2));
    assert!(stderr(&not_pem).contains("not readable PEM"), "{}", stderr(&not_pem));
}

#[test]
fn the_system_store_is_trusted_unless_no_system_roots() {
    use common::net::{TestPki, TlsReceiver};
    let pki = TestPki::new(&["localhost"]);
    let receiver = TlsReceiver::start(&pki);
    let ca = TempFile::new("store.pem", &pki.ca_pem);
    let token = TempFile::new("one.jwt", &format!("{}\n", token("session-revoked-rs256.jwt")));
    let domain = format!("localhost:{}", receiver.port);
    let publish = |extra: &[&str], store: &str| {
        let mut command =
            okta_ssf(&[&["publish", "-v", "-d", &domain], extra, &[token.path()]].concat());
        command.env("SSL_CERT_FILE", store);
        run(command)
    };
    // The CA in the store SSL_CERT_FILE names, beside Mozilla's roots.
    let trusted = publish(&[], ca.path());
    assert_eq!(trusted.status.code(), Some(0), "{}", stderr(&trusted));
    assert_eq!(stdout(&trusted), "accepted vector-jti-1\n");
    // Only the bundled roots: the run stops, and says what to do.
    let refused = publish(&["--no-system-roots"], ca.path());
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    let err = stderr(&refused);
    assert!(err.contains(&format!("the TLS certificate of {domain} was not trusted")), "{err}");
    assert!(err.contains("--root-certs FILE") && err.contains("drop --no-system-roots"), "{err}");
    // An empty store (a minimal container) leaves the bundled roots and the extra ones.
    let missing = format!("{}.missing", ca.path());
    let empty = publish(&["--root-certs", ca.path()], &missing);
    assert_eq!(empty.status.code(), Some(0), "{}", stderr(&empty));
    let err = stderr(&empty);
    assert!(err.contains("the system's certificate store holds no readable certificate"), "{err}");

    // `serve --jwks URL` trusts the same way: refused without the CA, then fetched with it (the
    // stub answers `202` with no body, which is not a JWKS).
    let jwks_url = format!("https://{domain}/jwks.json");
    let serve = |extra: &[&str]| {
        let args = [&["serve", "--jwks", &jwks_url, "--iss", "i", "--aud", "a"], extra].concat();
        run(okta_ssf(&args))
    };
    let refused = serve(&[]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains(&format!("the TLS certificate of {domain} was not trusted")),
        "{}",
        stderr(&refused)
    );
    let fetched = serve(&["--root-certs", ca.path()]);
    assert_eq!(fetched.status.code(), Some(2));
    assert!(stderr(&fetched).contains("not a JSON document"), "{}", stderr(&fetched));
}

#[test]
fn metadata_and_a_jwks_for_rotation() {
    let output = run(okta_ssf(&[
        "metadata",
        "--iss",
        "https://transmitter.example.com/tenants/a",
        "--jwks-url",
        "https://transmitter.example.com/jwks.json",
    ]));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let document: Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    assert_eq!(
        document,
        json!({
            "spec_version": "1_0",
            "issuer": "https://transmitter.example.com/tenants/a",
            "jwks_uri": "https://transmitter.example.com/jwks.json",
            "delivery_methods_supported": ["urn:ietf:rfc:8935"],
        })
    );
    assert!(
        stderr(&output).contains(
            "host it at https://transmitter.example.com/.well-known/ssf-configuration/tenants/a"
        ),
        "{}",
        stderr(&output)
    );
    for (iss, jwks, complaint) in [
        (" https://t.example.com", "https://t.example.com/j", "--iss has spaces around it"),
        (
            "https://t.example.com",
            "http://t.example.com/j",
            "--jwks-url must be https://, not http://",
        ),
        ("t.example.com", "https://t.example.com/j", "--iss must be an absolute https://"),
    ] {
        let output = run(okta_ssf(&["metadata", "--iss", iss, "--jwks-url", jwks]));
        assert_eq!(output.status.code(), Some(2), "{iss} {jwks}");
        assert!(stderr(&output).contains(complaint), "{}", stderr(&output));
    }
    // Rotation: the old and the new key in one JWKS, each under its own id.
    let (ec, rsa) = (data("ec-p256-pkcs8.pem"), data("rsa-pkcs8.pem"));
    let (ec, rsa) = (ec.to_str().expect("path"), rsa.to_str().expect("path"));
    let both = run(okta_ssf(&["jwks", "--key", rsa, "--kid", "old", "--key", ec, "--kid", "new"]));
    assert_eq!(both.status.code(), Some(0), "{}", stderr(&both));
    let set: Value = serde_json::from_str(&stdout(&both)).expect("JSON");
    let kids: Vec<&str> =
        set["keys"].as_array().expect("keys").iter().filter_map(|k| k["kid"].as_str()).collect();
    assert_eq!(kids, ["old", "new"]);
    let twice = run(okta_ssf(&["jwks", "--key", rsa, "--kid", "k", "--key", ec, "--kid", "k"]));
    assert_eq!(twice.status.code(), Some(2));
    assert!(stderr(&twice).contains("--kid k is given twice"), "{}", stderr(&twice));
}
