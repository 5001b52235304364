//! `okta-ssf spool` against the local receiver: killed at random moments, two runs at once, and
//! the command's own output and exit statuses.
#![cfg(feature = "cli")]

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use okta_ssf::receiver::{Jwks, Receiver, ReceiverConfig};
use okta_ssf::sign::{Event, SetBuilder, SigningKey, Subject, jwks};
use okta_ssf::spool::Spool;

const BIN: &str = env!("CARGO_BIN_EXE_okta-ssf");
const ISS: &str = "https://transmitter.example.com";
const AUD: &str = "https://example.okta.com";
const KEY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/ec-p256-pkcs8.pem");

/// The receiver's log, kept.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl Write for Log {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Log {
    /// How many times each `jti` was accepted (`202`, a repeat included).
    fn accepted(&self) -> BTreeMap<String, usize> {
        let text = String::from_utf8(self.0.lock().expect("lock").clone()).expect("utf-8");
        let mut counts = BTreeMap::new();
        for line in text.lines() {
            let entry: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            if entry["status"] == 202 {
                *counts.entry(entry["jti"].as_str().unwrap_or_default().to_owned()).or_default() +=
                    1;
            }
        }
        counts
    }
}

/// A local receiver answering after `delay`, its log, and a key it trusts.
fn receiver(delay: Duration) -> (Receiver, Log, SigningKey) {
    let key = SigningKey::from_pem(&std::fs::read(KEY).expect("key file"), "spool").expect("key");
    let set = Jwks::from_json(&jwks(&[&key]).to_string()).expect("jwks");
    let log = Log::default();
    let config = ReceiverConfig::new(set, &[ISS], AUD).log(Box::new(log.clone())).delay(delay);
    (Receiver::start("127.0.0.1:0", config).expect("receiver"), log, key)
}

fn signed(key: &SigningKey, jti: &str) -> String {
    let event = Event::session_revoked(Subject::user_email("jane@example.com"));
    SetBuilder::new(ISS, AUD).jti(jti).event(event).sign(key).expect("signed")
}

fn spool_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("okta-ssf-spool-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn send_command(dir: &Path, receiver: &Receiver) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(["spool", "send"])
        .arg(dir)
        .args(["--endpoint", &format!("{}/security/api/v1/security-events", receiver.origin())])
        .env_remove("OKTA_CLIENT_ORGURL");
    command
}

fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn killed_at_random_moments_nothing_is_lost_and_repeats_are_bounded() {
    let (receiver, log, key) = receiver(Duration::from_millis(20));
    let dir = spool_dir("crash");
    let spool = Spool::open(&dir).expect("spool");
    let jtis: Vec<String> = (0..200).map(|n| format!("crash-{n:03}")).collect();
    for jti in &jtis {
        spool.add(&signed(&key, jti)).expect("queued");
    }
    // A small generator of its own, seeded by the clock; the seed is printed to rerun a failure.
    let mut seed = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_nanos() as u64;
    println!("seed {seed}");
    let mut next = move || {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        seed >> 33
    };
    let mut kills = 0;
    while kills < 30 {
        let mut child = send_command(&dir, &receiver)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        std::thread::sleep(Duration::from_millis(20 + next() % 180));
        if child.try_wait().expect("wait").is_none() {
            child.kill().expect("SIGKILL");
            kills += 1;
        }
        child.wait().expect("reaped");
    }
    let last = send_command(&dir, &receiver).output().expect("the last run");
    let (stdout, stderr) = text(&last);
    assert_eq!(last.status.code(), Some(0), "{stdout}{stderr}");
    let accepted = log.accepted();
    for jti in &jtis {
        assert!(accepted.contains_key(jti), "{jti} never reached the receiver");
    }
    let repeats: usize = accepted.values().map(|n| n - 1).sum();
    println!("{kills} kills, {repeats} repeats, {} left for the last run", stdout.lines().count());
    assert!(repeats <= kills, "{repeats} repeats for {kills} kills");
    let status = spool.status().expect("status");
    assert_eq!((status.pending, status.rejected, status.expired), (0, 0, 0));
    // Every token is logged as sent at least once.
    let sent = std::fs::read_to_string(dir.join("sent.log")).expect("sent.log");
    for jti in &jtis {
        assert!(sent.contains(&format!("\"jti\":\"{jti}\"")), "{jti} not in sent.log");
    }
    receiver.shutdown();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn two_sends_at_once_never_send_a_token_twice() {
    let (receiver, log, key) = receiver(Duration::from_millis(20));
    let dir = spool_dir("twice");
    let spool = Spool::open(&dir).expect("spool");
    for n in 0..20 {
        spool.add(&signed(&key, &format!("twice-{n:02}"))).expect("queued");
    }
    let children: Vec<_> = (0..2)
        .map(|_| {
            send_command(&dir, &receiver)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    let outputs: Vec<Output> =
        children.into_iter().map(|c| c.wait_with_output().expect("wait")).collect();
    for output in &outputs {
        assert_eq!(output.status.code(), Some(0), "{:?}", text(output));
    }
    let busy = outputs
        .iter()
        .filter(|o| text(o).1.contains("another `spool send` holds the lock"))
        .count();
    assert_eq!(busy, 1, "{:?}", outputs.iter().map(text).collect::<Vec<_>>());
    let accepted = log.accepted();
    assert_eq!(accepted.len(), 20);
    assert!(accepted.values().all(|&n| n == 1), "{accepted:?}");
    receiver.shutdown();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn add_send_and_status_from_the_command_line() {
    let (receiver, _log, key) = receiver(Duration::ZERO);
    let dir = spool_dir("cli");
    let tokens = dir.with_extension("jwt");
    std::fs::write(
        &tokens,
        format!("{}\nnot a token\n{}\n", signed(&key, "c1"), signed(&key, "c2")),
    )
    .expect("tokens");
    let run = |args: &[&str]| {
        Command::new(BIN).args(args).env_remove("OKTA_CLIENT_ORGURL").output().expect("run")
    };
    let d = dir.to_str().expect("utf-8 path");
    let added = run(&["spool", "add", d, tokens.to_str().expect("utf-8 path")]);
    let (stdout, stderr) = text(&added);
    assert_eq!(added.status.code(), Some(1), "an invalid line: {stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "queued c1");
    assert!(lines[1].starts_with(&format!("invalid {}:2 ", tokens.display())), "{lines:?}");
    assert_eq!(lines[2], "queued c2");
    // `sign --spool` queues too.
    let queued = run(&[
        "sign",
        "--key",
        KEY,
        "--kid",
        "spool",
        "--iss",
        ISS,
        "--aud",
        AUD,
        "--event",
        "session-revoked",
        "--user-email",
        "jane@example.com",
        "--jti",
        "c3",
        "--spool",
        d,
    ]);
    assert_eq!(
        (queued.status.code(), text(&queued).0.as_str()),
        (Some(0), "queued c3\n"),
        "{:?}",
        text(&queued)
    );
    let status = run(&["spool", "status", d, "--json"]);
    let counts: serde_json::Value = serde_json::from_slice(&status.stdout).expect("JSON");
    assert_eq!(
        (counts["pending"].as_u64(), counts["rejected"].as_u64(), counts["expired"].as_u64()),
        (Some(3), Some(0), Some(0))
    );
    assert!(counts["oldest_pending_secs"].is_u64() && counts["last_error"].is_null(), "{counts}");
    let endpoint = format!("{}/security/api/v1/security-events", receiver.origin());
    let sent = run(&["spool", "send", d, "--endpoint", &endpoint, "--json"]);
    let (stdout, stderr) = text(&sent);
    assert_eq!(sent.status.code(), Some(0), "{stdout}{stderr}");
    let records: Vec<serde_json::Value> =
        stdout.lines().map(|l| serde_json::from_str(l).expect("JSON line")).collect();
    let seen: Vec<(&str, &str)> = records
        .iter()
        .map(|r| (r["status"].as_str().unwrap_or_default(), r["jti"].as_str().unwrap_or_default()))
        .collect();
    assert_eq!(seen, [("accepted", "c1"), ("accepted", "c2"), ("accepted", "c3")]);
    assert!(stderr.contains("3 accepted, 0 rejected, 0 deferred, 0 expired"), "{stderr}");
    let status = run(&["spool", "status", d]);
    assert_eq!(text(&status).0, "0 pending, 0 rejected, 0 expired\n");
    // Nothing listening: deferred, exit 1, the error kept for `status`.
    std::fs::write(&tokens, format!("{}\n", signed(&key, "c4"))).expect("tokens");
    run(&["spool", "add", d, tokens.to_str().expect("path")]);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let down =
        run(&["spool", "send", d, "--retries", "0", "-d", &format!("http://127.0.0.1:{port}")]);
    assert_eq!(down.status.code(), Some(1), "{:?}", text(&down));
    assert!(text(&down).0.starts_with("deferred c4 could not connect"), "{:?}", text(&down));
    let status = run(&["spool", "status", d]);
    assert!(
        text(&status).0.contains("1 pending")
            && text(&status).0.contains("last error: could not connect"),
        "{:?}",
        text(&status)
    );
    receiver.shutdown();
    let _ = std::fs::remove_file(&tokens);
    let _ = std::fs::remove_dir_all(&dir);
}
