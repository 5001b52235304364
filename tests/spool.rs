//! The spool (feature `spool`): its files, outages, rejections, expiry, the lock, a full disk,
//! and `status` agreeing with the directory after each.
#![cfg(feature = "spool")]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use common::{Action, ScriptedServer, answer, token_with_claims};
use okta_ssf::spool::{Outcome, SendOptions, Spool, SpoolError, SpoolStatus, Stop};
use okta_ssf::{Client, ClientBuilder, RetryPolicy, TokenError};

/// A spool in a fresh directory, removed on drop.
struct TempSpool {
    spool: Spool,
    dir: PathBuf,
}

impl TempSpool {
    fn new(name: &str) -> TempSpool {
        let dir =
            std::env::temp_dir().join(format!("okta-ssf-spool-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        TempSpool { spool: Spool::open(&dir).expect("open"), dir }
    }

    fn files(&self, sub: &str) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.dir.join(sub))
            .expect("read dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

impl Drop for TempSpool {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn token(jti: &str) -> String {
    token_with_claims(&format!(
        r#"{{"iss":"https://t.example","aud":"https://acme.okta.com","iat":1764460800,"jti":"{jti}","events":{{"https://schemas.openid.net/secevent/caep/event-type/session-revoked":{{"subject":{{"format":"email","email":"jane@example.com"}},"event_timestamp":1764460800}}}}}}"#
    ))
}

fn client(server: &ScriptedServer) -> Client {
    ClientBuilder::new(&server.origin()).retry(RetryPolicy::never()).build().expect("client")
}

/// Sends, collecting the outcomes in order.
fn send(spool: &Spool, client: &Client) -> (Vec<String>, okta_ssf::spool::SendReport) {
    let mut lines = Vec::new();
    let report = spool
        .send(client, &SendOptions::default(), |outcome| lines.push(describe(outcome)))
        .expect("send");
    (lines, report)
}

fn describe(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Sent { jti, .. } => format!("sent {jti}"),
        Outcome::Rejected { jti, reason, .. } => {
            format!("rejected {} {reason}", jti.as_deref().unwrap_or("-"))
        }
        Outcome::Deferred { jti, reason } => {
            format!("deferred {} {reason}", jti.as_deref().unwrap_or("-"))
        }
        Outcome::Expired { jti } => format!("expired {}", jti.as_deref().unwrap_or("-")),
        other => format!("{other:?}"),
    }
}

fn status(spool: &Spool) -> (usize, usize, usize) {
    let SpoolStatus { pending, rejected, expired, .. } = spool.status().expect("status");
    (pending, rejected, expired)
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).expect("metadata").permissions().mode() & 0o777
}

#[test]
fn add_keeps_a_checked_token_private_and_whole() {
    let t = TempSpool::new("add");
    assert_eq!(t.spool.add(&format!("  {}\n", token("j1"))).expect("queued"), "j1");
    let pending = t.files("pending");
    assert_eq!(pending.len(), 1);
    assert!(pending[0].ends_with(".jwt"));
    let file = t.dir.join("pending").join(&pending[0]);
    assert_eq!(std::fs::read_to_string(&file).expect("read"), token("j1"), "the trimmed token");
    assert_eq!(mode(&file), 0o600);
    for sub in ["pending", "rejected", "expired", "tmp"] {
        assert_eq!(mode(&t.dir.join(sub)), 0o700, "{sub}");
    }
    let err = t.spool.add("not a token").expect_err("refused");
    assert!(matches!(err, SpoolError::InvalidToken(TokenError::Segments(1))), "{err:?}");
    assert_eq!(t.files("pending").len(), 1, "nothing more queued");
    assert!(t.files("tmp").is_empty());
    assert_eq!(status(&t.spool), (1, 0, 0));
}

#[test]
fn accepted_tokens_leave_the_spool_and_are_logged_oldest_first() {
    let t = TempSpool::new("sent");
    for jti in ["a1", "a2", "a3"] {
        t.spool.add(&token(jti)).expect("queued");
    }
    let server =
        ScriptedServer::start(vec![answer("202 Accepted", &[("X-Okta-Request-Id", "r1")], "")]);
    let (lines, report) = send(&t.spool, &client(&server));
    assert_eq!(lines, ["sent a1", "sent a2", "sent a3"]);
    assert_eq!((report.sent, report.rejected, report.deferred, report.expired), (3, 0, 0, 0));
    assert!(t.files("pending").is_empty());
    let log = std::fs::read_to_string(t.dir.join("sent.log")).expect("sent.log");
    let entries: Vec<serde_json::Value> =
        log.lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect();
    assert_eq!(entries.len(), 3);
    assert_eq!(
        (entries[0]["jti"].as_str(), entries[0]["request_id"].as_str()),
        (Some("a1"), Some("r1"))
    );
    assert!(!log.contains(&token("a1")), "no token content in the log");
    assert_eq!(mode(&t.dir.join("sent.log")), 0o600);
    assert_eq!(status(&t.spool), (0, 0, 0));
}

#[test]
fn rejected_and_expired_tokens_land_with_their_reasons() {
    let t = TempSpool::new("rejected");
    t.spool.add(&token("old")).expect("queued");
    t.spool.add(&token("bad")).expect("queued");
    // The first file is a day and a minute old.
    let old = t.dir.join("pending").join(&t.files("pending")[0]);
    let day_ago = SystemTime::now() - Duration::from_secs(24 * 60 * 60 + 60);
    std::fs::File::options()
        .write(true)
        .open(&old)
        .expect("open")
        .set_modified(day_ago)
        .expect("mtime");
    // A try that failed before: its state file goes with it.
    std::fs::write(old.with_extension("json"), r#"{"attempts":1}"#).expect("state file");
    let body = r#"{"err":"invalid_audience","description":"The audience is not valid."}"#;
    let server = ScriptedServer::start(vec![answer(
        "400 Bad Request",
        &[("X-Okta-Request-Id", "r400")],
        body,
    )]);
    let (lines, report) = send(&t.spool, &client(&server));
    assert_eq!(lines, ["expired old", "rejected bad invalid_audience: The audience is not valid."]);
    assert_eq!((report.rejected, report.expired), (1, 1));
    assert_eq!(server.requests().len(), 1, "the expired token was not sent");
    assert_eq!(t.files("expired").len(), 1);
    assert!(t.files("pending").is_empty(), "{:?}", t.files("pending"));
    let rejected = t.files("rejected");
    assert_eq!(rejected.len(), 2, "{rejected:?}");
    let why: serde_json::Value = serde_json::from_slice(
        &std::fs::read(t.dir.join("rejected").join(&rejected[0])).expect("reason file"),
    )
    .expect("JSON");
    assert_eq!(
        (
            why["err"].as_str(),
            why["description"].as_str(),
            why["request_id"].as_str(),
            why["jti"].as_str()
        ),
        (Some("invalid_audience"), Some("The audience is not valid."), Some("r400"), Some("bad"))
    );
    assert!(why["time"].as_str().is_some_and(|t| t.ends_with('Z')));
    assert_eq!(status(&t.spool), (0, 1, 1));
    // Never retried: a second run has nothing to do.
    let (lines, _) = send(&t.spool, &client(&server));
    assert!(lines.is_empty());
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn an_outage_leaves_every_token_pending_until_the_receiver_is_back() {
    let t = TempSpool::new("outage");
    for n in 0..5 {
        t.spool.add(&token(&format!("o{n}"))).expect("queued");
    }
    // Refused: three tries, then the rest deferred without a request.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let refused = ClientBuilder::new(&format!("http://127.0.0.1:{port}"))
        .retry(RetryPolicy::never())
        .build()
        .expect("client");
    let (lines, report) = send(&t.spool, &refused);
    assert_eq!(report.deferred, 5, "{lines:?}");
    assert!(matches!(report.stopped, Some(Stop::Outage(_))), "{:?}", report.stopped);
    assert!(lines[0].starts_with("deferred o0 could not connect"), "{lines:?}");
    assert!(
        lines[3].starts_with("deferred o3 not sent: the run stopped (3 failures in a row"),
        "{lines:?}"
    );
    let after_refused = t.spool.status().expect("status");
    assert_eq!((after_refused.pending, after_refused.rejected), (5, 0));
    assert!(
        after_refused.last_error.as_deref().is_some_and(|e| e.starts_with("could not connect"))
    );
    // `503`: still pending, the attempts counted.
    let busy = ScriptedServer::start(vec![answer("503 Service Unavailable", &[], "")]);
    let (_, report) = send(&t.spool, &client(&busy));
    assert_eq!((report.deferred, report.rejected), (5, 0));
    assert_eq!(busy.requests().len(), 3);
    let state: serde_json::Value = serde_json::from_slice(
        &std::fs::read(t.dir.join("pending").join(t.files("pending")[0].replace(".jwt", ".json")))
            .expect("state file"),
    )
    .expect("JSON");
    assert_eq!(state["attempts"], 2);
    assert!(state["last_error"].as_str().is_some_and(|e| e.contains("503")), "{state}");
    // Back: every token accepted, none rejected.
    let back = ScriptedServer::start(vec![answer("202 Accepted", &[], "")]);
    let (lines, report) = send(&t.spool, &client(&back));
    assert_eq!((report.sent, report.rejected, report.deferred), (5, 0, 0), "{lines:?}");
    assert_eq!(t.files("pending"), Vec::<String>::new(), "no state file left behind");
    assert_eq!(status(&t.spool), (0, 0, 0));
}

#[test]
fn a_wrong_set_up_stops_at_once_and_keeps_everything_pending() {
    let t = TempSpool::new("setup");
    for n in 0..3 {
        t.spool.add(&token(&format!("s{n}"))).expect("queued");
    }
    let server = ScriptedServer::start(vec![answer("401 Unauthorized", &[], "")]);
    let (lines, report) = send(&t.spool, &client(&server));
    assert_eq!(server.requests().len(), 1, "{lines:?}");
    assert!(
        matches!(report.stopped, Some(Stop::SetUp(okta_ssf::Error::Unauthorized(_)))),
        "{:?}",
        report.stopped
    );
    assert_eq!((report.deferred, report.rejected), (3, 0));
    assert_eq!(status(&t.spool), (3, 0, 0));
}

#[test]
fn a_second_send_meanwhile_is_busy_and_sends_nothing() {
    let t = TempSpool::new("busy");
    t.spool.add(&token("b1")).expect("queued");
    // The first send waits on an answer that takes a while.
    let slow = ScriptedServer::start(vec![Action::Trickle {
        head: b"HTTP/1.1 202 Accepted\r\ncontent-length: 4\r\n\r\n".to_vec(),
        body: b"done".to_vec(),
        delay: Duration::from_millis(150),
    }]);
    let client = client(&slow);
    std::thread::scope(|scope| {
        let first = scope.spawn(|| send(&t.spool, &client));
        while slow.requests().is_empty() {
            std::thread::sleep(Duration::from_millis(10));
        }
        let other = Spool::open(&t.dir).expect("open");
        let err = other.send(&client, &SendOptions::default(), |_| {}).expect_err("busy");
        assert!(matches!(err, SpoolError::Busy), "{err:?}");
        let (lines, _) = first.join().expect("first send");
        assert_eq!(lines, ["sent b1"]);
    });
    assert_eq!(slow.requests().len(), 1, "sent once");
}

#[test]
fn a_full_disk_during_add_is_an_error_and_leaves_nothing_pending() {
    // A 64 KiB file system of the test's own, in a mount namespace (as root, which CI is).
    let output = std::process::Command::new("unshare")
        .args(["--mount", "--", "sh", "-c", r#"mkdir -p "$1" && mount -t tmpfs -o size=64k tmpfs "$1" && exec "$0" --ignored --exact child_on_a_full_disk --nocapture"#])
        .arg(std::env::current_exe().expect("test binary"))
        .arg(std::env::temp_dir().join(format!("okta-ssf-full-{}", std::process::id())))
        .env("OKTA_SSF_FULL_DIR", std::env::temp_dir().join(format!("okta-ssf-full-{}", std::process::id())))
        .output()
        .expect("unshare (util-linux) runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("OUTCOME full ok"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let _ = std::fs::remove_dir_all(
        std::env::temp_dir().join(format!("okta-ssf-full-{}", std::process::id())),
    );
}

#[test]
#[ignore = "run by the full-disk test, in a mount namespace with a small tmpfs"]
fn child_on_a_full_disk() {
    let dir = PathBuf::from(std::env::var("OKTA_SSF_FULL_DIR").expect("set by the parent"));
    let spool = Spool::open(dir.join("spool")).expect("open");
    // Fill the file system, leaving less than a token's room.
    let filler = dir.join("filler");
    let mut file = std::fs::File::create(&filler).expect("filler");
    let block = vec![0u8; 1024];
    while std::io::Write::write_all(&mut file, &block).is_ok() {}
    drop(file);
    let err = spool.add(&token("f1")).expect_err("no space");
    let SpoolError::Io { source, .. } = &err else { panic!("{err:?}") };
    assert_eq!(source.kind(), std::io::ErrorKind::StorageFull, "{err}");
    assert!(err.to_string().starts_with("cannot write "), "{err}");
    let pending = std::fs::read_dir(dir.join("spool/pending")).expect("pending").count();
    let temporary = std::fs::read_dir(dir.join("spool/tmp")).expect("tmp").count();
    assert_eq!((pending, temporary), (0, 0), "nothing half-written is left");
    assert_eq!(spool.status().expect("status").pending, 0);
    // Room again: the same token queues.
    std::fs::remove_file(&filler).expect("remove filler");
    assert_eq!(spool.add(&token("f1")).expect("queued"), "f1");
    println!("OUTCOME full ok");
}

#[test]
fn a_failure_of_one_token_leaves_it_pending_and_the_run_goes_on() {
    let t = TempSpool::new("one");
    for n in 0..3 {
        t.spool.add(&token(&format!("p{n}"))).expect("queued");
    }
    let server = ScriptedServer::start(vec![answer("413 Content Too Large", &[], "")]);
    let (lines, report) = send(&t.spool, &client(&server));
    assert_eq!(server.requests().len(), 3, "{lines:?}");
    assert!(report.stopped.is_none(), "{:?}", report.stopped);
    assert_eq!((report.deferred, report.rejected), (3, 0));
    assert_eq!(status(&t.spool), (3, 0, 0));
    // A page instead of a receiver's answer is the set-up's fault: the run stops at once.
    let portal = ScriptedServer::start(vec![answer("200 OK", &[], "<html>Guest Wi-Fi</html>")]);
    let (_, report) = send(&t.spool, &client(&portal));
    assert_eq!(portal.requests().len(), 1);
    assert!(
        matches!(report.stopped, Some(Stop::SetUp(okta_ssf::Error::NotAReceiver(_)))),
        "{:?}",
        report.stopped
    );
    assert_eq!(status(&t.spool), (3, 0, 0));
}

#[test]
fn a_spool_that_is_not_there_is_an_error_and_leftovers_are_cleaned_up() {
    let missing =
        std::env::temp_dir().join(format!("okta-ssf-spool-{}-missing/typo", std::process::id()));
    let err = Spool::open_existing(&missing).expect_err("no spool");
    assert!(matches!(err, SpoolError::Io { .. }), "{err:?}");
    assert!(!missing.exists(), "nothing was made");
    let t = TempSpool::new("leftovers");
    let old = t.dir.join("tmp/1.tmp");
    let fresh = t.dir.join("tmp/2.tmp");
    for file in [&old, &fresh] {
        std::fs::write(file, "a token an add was writing").expect("write");
    }
    let hours_ago = SystemTime::now() - Duration::from_secs(2 * 60 * 60);
    std::fs::File::options()
        .write(true)
        .open(&old)
        .expect("open")
        .set_modified(hours_ago)
        .expect("mtime");
    let server = ScriptedServer::start(vec![answer("202 Accepted", &[], "")]);
    let existing = Spool::open_existing(&t.dir).expect("the spool is there");
    existing.send(&client(&server), &SendOptions::default(), |_| {}).expect("send");
    assert_eq!(t.files("tmp"), ["2.tmp"], "only what a crash left long ago is removed");
}

#[test]
fn a_rate_limit_used_up_stops_the_run_without_counting_an_attempt() {
    let t = TempSpool::new("paced");
    for n in 0..3 {
        t.spool.add(&token(&format!("r{n}"))).expect("queued");
    }
    let date = httpdate::fmt_http_date(SystemTime::now());
    let reset = (SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs()
        + 3600)
        .to_string();
    let none_left = [
        ("Date", date.as_str()),
        ("X-Rate-Limit-Remaining", "0"),
        ("X-Rate-Limit-Reset", reset.as_str()),
    ];
    let server = ScriptedServer::start(vec![answer("202 Accepted", &none_left, "")]);
    let client = ClientBuilder::new(&server.origin())
        .deadline(Duration::from_secs(5))
        .build()
        .expect("client");
    let (lines, report) = send(&t.spool, &client);
    assert_eq!(server.requests().len(), 1, "{lines:?}");
    assert_eq!((report.sent, report.deferred), (1, 2), "{lines:?}");
    assert!(lines[1].starts_with("deferred r1 not sent: the receiver's rate limit"), "{lines:?}");
    assert!(matches!(report.stopped, Some(Stop::Outage(_))), "{:?}", report.stopped);
    let pending = t.files("pending");
    assert!(pending.iter().all(|name| name.ends_with(".jwt")), "no attempt recorded: {pending:?}");
}

#[test]
fn a_spool_missing_a_directory_is_mended() {
    let t = TempSpool::new("mend");
    t.spool.add(&token("m1")).expect("queued");
    std::fs::remove_dir_all(t.dir.join("expired")).expect("remove expired/");
    std::fs::remove_dir_all(t.dir.join("tmp")).expect("remove tmp/");
    let again = Spool::open_existing(&t.dir).expect("pending/ is there");
    assert_eq!(status(&again), (1, 0, 0));
    assert!(t.dir.join("expired").is_dir() && t.dir.join("tmp").is_dir());
}
