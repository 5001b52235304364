//! A spool directory that keeps tokens between cron runs (feature `spool`, Unix).
//!
//! A job that cannot deliver a token now (Okta or the network is down, the machine reboots
//! mid-run) [`add`](Spool::add)s it to a spool; a cron job [`send`](Spool::send)s what is
//! pending. The spool is a directory of plain files a person can read with `ls` and `cat`:
//!
//! | path | holds |
//! |---|---|
//! | `pending/NAME.jwt` | a token to send, oldest first by `NAME`; its `NAME.json`, once a try failed: the attempts and the last error |
//! | `rejected/NAME.jwt`, `NAME.json` | a token the receiver refused (`400`) or the pre-send check refused, and why: never retried |
//! | `expired/NAME.jwt` | a token pending longer than the maximum age (by the file's own time), not sent |
//! | `sent.log` | one JSON line per accepted token: time, `jti`, request id (no token content) |
//! | `tmp/` | tokens being written by `add`; one a crash left behind is removed by a later `send` |
//! | `lock` | the lock `send` holds, so that two overlapping runs never send the same token |
//!
//! Directories are made `0700` and files `0600`: tokens hold users' e-mail addresses.
//!
//! **Crashes.** [`add`](Spool::add) writes a token under a temporary name, `fsync`s it, renames
//! it into `pending/` and `fsync`s the directory: a crash leaves the token pending or not there
//! at all, never half-written. **Delivery is at least once**: a token accepted just before a
//! crash (or a kill) is still pending and is sent again by the next run, which is safe because
//! Okta drops a repeated `jti` (and so does `okta-ssf serve`).
//!
//! **Overlapping runs.** `send` takes an exclusive advisory lock (`flock`) on `lock`, which the
//! kernel releases if the process dies; a second `send` meanwhile returns [`SpoolError::Busy`].
//!
//! **Outages.** Only a verdict on the token itself (a `400`, or the pre-send check) moves it to
//! `rejected/`. A failure that may recover leaves it pending, its attempt recorded; after
//! [`SendOptions::outage_after`] of them in a row (3 by default) the run stops and defers the
//! rest, so a receiver that is down costs a cron run seconds. An error that proves the set-up
//! wrong ([`proves_set_up_wrong`]) stops the run at once and leaves every token pending. Any
//! other failure (a `413`, say) leaves that token pending and the run goes on.
//!
//! The pattern for a program that sends as events happen: publish now, and when the error is
//! retryable, add the token to the spool for the cron job (`examples/spool_fallback.rs`):
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let token = "";
//! let client = okta_ssf::Client::new("acme.okta.com")?;
//! let spool = okta_ssf::spool::Spool::open("/var/spool/okta-ssf")?;
//! match client.publish(token) {
//!     Ok(status) => println!("{status:?}"),
//!     Err(e) if e.is_retryable() => {
//!         spool.add(token)?;
//!     }
//!     Err(e) => return Err(e.into()),
//! }
//! # Ok(())
//! # }
//! ```

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, mpsc};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::{Client, Error, Status, TokenError, check_token};

/// A spool directory. Cheap to open; every call works on the files as they are.
#[derive(Clone, Debug)]
pub struct Spool {
    dir: PathBuf,
}

/// What went wrong with the spool itself (not with a token's delivery).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SpoolError {
    /// A file or directory of the spool could not be read or written: a full disk, a
    /// read-only file system, permissions, a spool that is not there. Nothing half-written is
    /// left pending (if only the last `fsync` of `pending/` failed, the token is pending).
    #[error("cannot {action} {}: {source}", .path.display())]
    Io {
        /// What was being done, such as `write`.
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The system's error.
        source: io::Error,
    },
    /// [`add`](Spool::add): the pre-send check refused the token; nothing was queued.
    #[error("token not queued: {0}")]
    InvalidToken(TokenError),
    /// [`send`](Spool::send): another `send` holds the spool's lock and is doing the work.
    #[error("another send holds the spool's lock")]
    Busy,
}

/// How [`Spool::send`] goes about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SendOptions {
    max_age: Duration,
    concurrency: usize,
    outage_after: usize,
}

impl Default for SendOptions {
    fn default() -> SendOptions {
        SendOptions { max_age: Duration::from_secs(24 * 60 * 60), concurrency: 1, outage_after: 3 }
    }
}

impl SendOptions {
    /// A token pending longer than this (by its file's time) is moved to `expired/` instead of
    /// sent. Defaults to 24 hours.
    pub fn max_age(mut self, max_age: Duration) -> SendOptions {
        self.max_age = max_age;
        self
    }

    /// How many tokens are sent at once, by threads sharing the client. Defaults to 1; 0
    /// counts as 1.
    pub fn concurrency(mut self, threads: usize) -> SendOptions {
        self.concurrency = threads.max(1);
        self
    }

    /// After how many failures in a row that may recover the run stops sending. Defaults to 3;
    /// 0 counts as 1.
    pub fn outage_after(mut self, failures: usize) -> SendOptions {
        self.outage_after = failures.max(1);
        self
    }
}

/// What [`Spool::send`] did with one pending token.
#[derive(Debug)]
#[non_exhaustive]
pub enum Outcome {
    /// Accepted: removed from the spool, and logged in `sent.log`.
    Sent {
        /// The token's `jti`.
        jti: String,
        /// Okta's `X-Okta-Request-Id`, when the answer had one.
        request_id: Option<String>,
    },
    /// Refused by the receiver (`400`) or by the pre-send check: moved to `rejected/`.
    Rejected {
        /// The token's `jti`, when it could be read.
        jti: Option<String>,
        /// The receiver's verdict; `None` when the pre-send check refused the token.
        rejection: Option<crate::Rejection>,
        /// Why, in words, as the reason file says.
        reason: String,
    },
    /// Left pending: the try failed in a way that may recover, or the run had stopped.
    Deferred {
        /// The token's `jti`.
        jti: Option<String>,
        /// Why.
        reason: String,
    },
    /// Pending longer than the maximum age: moved to `expired/`, not sent.
    Expired {
        /// The token's `jti`.
        jti: Option<String>,
    },
}

/// Why a [`Spool::send`] run stopped sending before the end.
#[derive(Debug)]
#[non_exhaustive]
pub enum Stop {
    /// Failures that may recover, in a row: the receiver looks down or unreachable; or its rate
    /// limit allows no request before the call's deadline.
    Outage(String),
    /// An answer that proves the set-up wrong (`401`, `403`, `404`, TLS, a name that does not
    /// resolve, a page instead of a receiver's answer): fix it, then send again.
    SetUp(Error),
}

/// The counts of a [`Spool::send`] run, and why it stopped early, if it did.
#[derive(Debug, Default)]
pub struct SendReport {
    /// Tokens accepted.
    pub sent: usize,
    /// Tokens moved to `rejected/`.
    pub rejected: usize,
    /// Tokens left pending.
    pub deferred: usize,
    /// Tokens moved to `expired/`.
    pub expired: usize,
    /// Why the run stopped sending early.
    pub stopped: Option<Stop>,
}

/// What [`Spool::status`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpoolStatus {
    /// Tokens pending.
    pub pending: usize,
    /// Tokens in `rejected/`.
    pub rejected: usize,
    /// Tokens in `expired/`.
    pub expired: usize,
    /// How long the oldest pending token has waited, by its file's time.
    pub oldest_pending: Option<Duration>,
    /// The last error a pending token met, if any did.
    pub last_error: Option<String>,
}

const DIRS: [&str; 4] = ["pending", "rejected", "expired", "tmp"];

impl Spool {
    /// Opens the spool at `dir`, making its directories (`0700`) where they are missing.
    ///
    /// # Errors
    ///
    /// [`SpoolError::Io`] when a directory cannot be made.
    pub fn open(dir: impl AsRef<Path>) -> Result<Spool, SpoolError> {
        let dir = dir.as_ref().to_path_buf();
        for sub in DIRS {
            let path = dir.join(sub);
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(&path)
                .map_err(|source| SpoolError::Io { action: "make the directory", path, source })?;
        }
        Ok(Spool { dir })
    }

    /// Opens the spool at `dir`, which must exist (a mistyped path is an error, not an empty
    /// spool).
    ///
    /// # Errors
    ///
    /// [`SpoolError::Io`] when `dir` holds no spool.
    pub fn open_existing(dir: impl AsRef<Path>) -> Result<Spool, SpoolError> {
        let dir = dir.as_ref().to_path_buf();
        let pending = dir.join("pending");
        match fs::metadata(&pending) {
            Ok(meta) if meta.is_dir() => Spool::open(dir),
            Ok(_) => Err(SpoolError::Io {
                action: "open the spool",
                path: dir,
                source: io::ErrorKind::NotADirectory.into(),
            }),
            Err(source) => Err(SpoolError::Io { action: "open the spool", path: dir, source }),
        }
    }

    /// The spool's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Checks `token` ([`check_token`]) and stores it, atomically, as pending; returns its
    /// `jti`.
    ///
    /// # Errors
    ///
    /// [`SpoolError::InvalidToken`], or [`SpoolError::Io`] (a full disk, say), after which no
    /// part of the token is pending.
    pub fn add(&self, token: &str) -> Result<String, SpoolError> {
        let token = token.trim_ascii();
        let jti = check_token(token).map_err(SpoolError::InvalidToken)?.jti().to_owned();
        let name = format!("{}.jwt", unique_name());
        self.write_atomically(&self.dir.join("pending").join(name), token.as_bytes(), false)?;
        Ok(jti)
    }

    /// Sends every pending token, oldest first, through `client`, calling `each` with each
    /// outcome in that order.
    ///
    /// # Errors
    ///
    /// [`SpoolError::Busy`] when another `send` holds the lock (nothing is done), and
    /// [`SpoolError::Io`] when the spool cannot be read or a token cannot be moved.
    pub fn send(
        &self,
        client: &Client,
        options: &SendOptions,
        mut each: impl FnMut(&Outcome),
    ) -> Result<SendReport, SpoolError> {
        let lock_path = self.dir.join("lock");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&lock_path)
            .map_err(|source| SpoolError::Io { action: "open", path: lock_path.clone(), source })?;
        // `File::try_lock` is `flock(LOCK_EX | LOCK_NB)`: the kernel drops it with the process.
        #[allow(clippy::incompatible_msrv)] // the `spool` feature needs Rust 1.89 (README)
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => return Err(SpoolError::Busy),
            Err(fs::TryLockError::Error(source)) => {
                return Err(SpoolError::Io { action: "lock", path: lock_path, source });
            }
        }
        self.remove_leftovers();
        let pending = self.pending()?;
        let run = Run { options, stopped: Mutex::new(None), failing: AtomicUsize::new(0) };
        let next = AtomicUsize::new(0);
        let failed = AtomicBool::new(false);
        let (done, outcomes) = mpsc::channel();
        let mut report = SendReport::default();
        let result = std::thread::scope(|scope| {
            for _ in 0..options.concurrency.min(pending.len()) {
                let (done, pending, run, next, failed) =
                    (done.clone(), &pending, &run, &next, &failed);
                scope.spawn(move || {
                    while !failed.load(Ordering::SeqCst) {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        let Some(path) = pending.get(i) else { break };
                        let outcome = self.send_one(client, path, run);
                        if outcome.is_err() {
                            failed.store(true, Ordering::SeqCst);
                        }
                        if done.send((i, outcome)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(done);
            // In the spool's order, as soon as those before are in.
            let (mut waiting, mut first_error) = (BTreeMap::new(), None);
            let mut printed = 0;
            for (i, outcome) in outcomes {
                waiting.insert(i, outcome);
                while let Some(outcome) = waiting.remove(&printed) {
                    printed += 1;
                    match outcome {
                        Ok(outcome) => {
                            match &outcome {
                                Outcome::Sent { .. } => report.sent += 1,
                                Outcome::Rejected { .. } => report.rejected += 1,
                                Outcome::Deferred { .. } => report.deferred += 1,
                                Outcome::Expired { .. } => report.expired += 1,
                            }
                            each(&outcome);
                        }
                        Err(e) => {
                            first_error.get_or_insert(e);
                        }
                    }
                }
            }
            first_error.map_or(Ok(()), Err)
        });
        report.stopped =
            run.stopped.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
        result.map(|()| report)
    }

    /// Counts what the spool holds.
    ///
    /// # Errors
    ///
    /// [`SpoolError::Io`] when a directory cannot be read.
    pub fn status(&self) -> Result<SpoolStatus, SpoolError> {
        let pending = self.pending()?;
        let now = SystemTime::now();
        let oldest_pending = pending
            .iter()
            .filter_map(|path| fs::metadata(path).and_then(|m| m.modified()).ok())
            .min()
            .map(|at| now.duration_since(at).unwrap_or_default());
        let last_error = pending
            .iter()
            .filter_map(|path| {
                let state: Value =
                    serde_json::from_slice(&fs::read(state_path(path)).ok()?).ok()?;
                let at = state.get("last_attempt")?.as_u64()?;
                Some((at, state.get("last_error")?.as_str()?.to_owned()))
            })
            .max()
            .map(|(_, error)| error);
        let count = |sub: &str| self.tokens_in(sub).map(|tokens| tokens.len());
        Ok(SpoolStatus {
            pending: pending.len(),
            rejected: count("rejected")?,
            expired: count("expired")?,
            oldest_pending,
            last_error,
        })
    }

    /// The pending token files, oldest first.
    fn pending(&self) -> Result<Vec<PathBuf>, SpoolError> {
        self.tokens_in("pending")
    }

    fn tokens_in(&self, sub: &str) -> Result<Vec<PathBuf>, SpoolError> {
        let path = self.dir.join(sub);
        let entries = fs::read_dir(&path).map_err(|source| SpoolError::Io {
            action: "read",
            path: path.clone(),
            source,
        })?;
        let mut tokens: Vec<PathBuf> = entries
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|ext| ext == "jwt"))
            .collect();
        tokens.sort();
        Ok(tokens)
    }

    /// Handles one pending token.
    fn send_one(&self, client: &Client, path: &Path, run: &Run<'_>) -> Result<Outcome, SpoolError> {
        let io = |action, path: &Path| {
            let path = path.to_path_buf();
            move |source| SpoolError::Io { action, path, source }
        };
        let text = fs::read(path).map_err(io("read", path))?;
        let text = String::from_utf8_lossy(&text);
        let checked = check_token(&text);
        let jti = checked.as_ref().ok().map(|t| t.jti().to_owned());
        let age = fs::metadata(path).and_then(|m| m.modified()).map_err(io("read", path))?;
        if SystemTime::now().duration_since(age).unwrap_or_default() > run.options.max_age {
            self.move_to("expired", path)?;
            let _ = fs::remove_file(state_path(path));
            return Ok(Outcome::Expired { jti });
        }
        if let Err(problem) = checked {
            let reason = format!("token refused before sending: {problem}");
            self.reject(path, &json!({ "reason": reason, "time": now() }))?;
            return Ok(Outcome::Rejected { jti, rejection: None, reason });
        }
        if let Some(why) = run.stopped() {
            return Ok(Outcome::Deferred {
                jti,
                reason: format!("not sent: the run stopped ({why})"),
            });
        }
        match client.publish_detailed(&text) {
            Ok(delivery) => {
                let request_id = delivery.response().request_id().map(str::to_owned);
                match delivery.status() {
                    Status::Accepted => {
                        run.failing.store(0, Ordering::SeqCst);
                        let line = json!({ "time": now(), "jti": jti, "request_id": request_id });
                        self.log_sent(&line)?;
                        let _ = fs::remove_file(state_path(path));
                        fs::remove_file(path).map_err(io("remove", path))?;
                        Ok(Outcome::Sent { jti: jti.unwrap_or_default(), request_id })
                    }
                    Status::Rejected(rejection) => {
                        run.failing.store(0, Ordering::SeqCst);
                        let reason = rejection.to_string();
                        let why = json!({
                            "jti": jti,
                            "err": rejection.code().as_str(),
                            "description": rejection.description(),
                            "request_id": request_id,
                            "http_status": delivery.response().http_status(),
                            "time": now(),
                        });
                        self.reject(path, &why)?;
                        Ok(Outcome::Rejected { jti, rejection: Some(rejection.clone()), reason })
                    }
                }
            }
            // The client's pacing: nothing was sent, and no request is left before the deadline.
            Err(e @ Error::RateLimited(_)) if e.response().is_none() => {
                let reason = crate::bounded_text(&e.to_string());
                run.stop(Stop::Outage(reason.clone()));
                Ok(Outcome::Deferred { jti, reason })
            }
            Err(e) => {
                let reason = crate::bounded_text(&chain(&e));
                self.record_attempt(path, &reason)?;
                if proves_set_up_wrong(&e) {
                    run.stop(Stop::SetUp(e));
                } else if e.is_retryable()
                    && run.failing.fetch_add(1, Ordering::SeqCst) + 1 >= run.options.outage_after
                {
                    let n = run.options.outage_after;
                    run.stop(Stop::Outage(format!("{n} failures in a row that may recover: the receiver looks down or unreachable")));
                }
                // Any other failure is this token's alone: it stays pending, the run goes on.
                Ok(Outcome::Deferred { jti, reason })
            }
        }
    }

    /// Moves the token at `path` to `rejected/`, with `why` beside it.
    fn reject(&self, path: &Path, why: &Value) -> Result<(), SpoolError> {
        let name = path.file_stem().unwrap_or_default().to_string_lossy().into_owned();
        let reason = self.dir.join("rejected").join(format!("{name}.json"));
        self.write_atomically(&reason, format!("{why:#}\n").as_bytes(), true)?;
        self.move_to("rejected", path)?;
        let _ = fs::remove_file(state_path(path));
        Ok(())
    }

    fn move_to(&self, sub: &str, path: &Path) -> Result<(), SpoolError> {
        let target = self.dir.join(sub).join(path.file_name().unwrap_or_default());
        fs::rename(path, &target).map_err(|source| SpoolError::Io {
            action: "move",
            path: path.to_path_buf(),
            source,
        })?;
        sync_dir(&self.dir.join(sub))
    }

    /// Counts a failed try in the token's state file.
    fn record_attempt(&self, path: &Path, error: &str) -> Result<(), SpoolError> {
        let state = state_path(path);
        let attempts = fs::read(&state)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
            .and_then(|v| v.get("attempts")?.as_u64())
            .unwrap_or(0);
        let seconds = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        let record =
            json!({ "attempts": attempts + 1, "last_error": error, "last_attempt": seconds });
        self.write_atomically(&state, format!("{record:#}\n").as_bytes(), true)
    }

    /// Removes what a crashed `add` left in `tmp/` (not the files an `add` may be writing now).
    fn remove_leftovers(&self) {
        let Ok(entries) = fs::read_dir(self.dir.join("tmp")) else { return };
        for path in entries.filter_map(|entry| entry.ok().map(|e| e.path())) {
            let modified = fs::metadata(&path).and_then(|m| m.modified());
            if modified.is_ok_and(|at| at.elapsed().unwrap_or_default() > Duration::from_secs(3600))
            {
                log::debug!("removing {}, left by an interrupted add", path.display());
                let _ = fs::remove_file(&path);
            }
        }
    }

    fn log_sent(&self, line: &Value) -> Result<(), SpoolError> {
        let path = self.dir.join("sent.log");
        let mut log = OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&path)
            .map_err(|source| SpoolError::Io { action: "open", path: path.clone(), source })?;
        log.write_all(format!("{line}\n").as_bytes())
            .and_then(|()| log.sync_data())
            .map_err(|source| SpoolError::Io { action: "write", path, source })
    }

    /// Writes `bytes` to `target` through a temporary file, `fsync`ed and renamed, so that
    /// `target` is either whole or absent; an existing `target` is replaced only if `replace`.
    fn write_atomically(
        &self,
        target: &Path,
        bytes: &[u8],
        replace: bool,
    ) -> Result<(), SpoolError> {
        let temporary = self.dir.join("tmp").join(format!("{}.tmp", unique_name()));
        let written = OpenOptions::new()
            .create_new(true)
            .write(true)
            .mode(0o600)
            .open(&temporary)
            .and_then(|mut file| file.write_all(bytes).and_then(|()| file.sync_all()))
            .and_then(|()| match replace {
                true => fs::rename(&temporary, target),
                // A link fails rather than replace a token another producer wrote; once linked,
                // the token is pending (a `tmp/` file left behind is removed by a later `send`).
                // A file system without links gets a rename: the names are unique anyway.
                false => match fs::hard_link(&temporary, target) {
                    Ok(()) => {
                        let _ = fs::remove_file(&temporary);
                        Ok(())
                    }
                    Err(e)
                        if matches!(
                            e.kind(),
                            io::ErrorKind::Unsupported | io::ErrorKind::PermissionDenied
                        ) =>
                    {
                        fs::rename(&temporary, target)
                    }
                    Err(e) => Err(e),
                },
            });
        if let Err(source) = written {
            let _ = fs::remove_file(&temporary);
            return Err(SpoolError::Io { action: "write", path: target.to_path_buf(), source });
        }
        sync_dir(target.parent().unwrap_or(&self.dir))
    }
}

/// Whether `error` proves the set-up wrong rather than the moment or the token: `401`, `403`,
/// `404`, a redirect, an untrusted certificate or another TLS failure, a name that does not
/// resolve, a page instead of a receiver's answer. [`Spool::send`] (and `okta-ssf publish`) stop
/// at the first: every later token would meet it too.
pub fn proves_set_up_wrong(error: &Error) -> bool {
    matches!(
        error,
        Error::Unauthorized(_)
            | Error::Forbidden(_)
            | Error::NotFound(_)
            | Error::Redirect { .. }
            | Error::UntrustedCertificate { .. }
            | Error::Tls { .. }
            | Error::NameNotFound { .. }
            | Error::NotAReceiver(_)
    )
}

/// What the workers of one `send` share.
struct Run<'a> {
    options: &'a SendOptions,
    stopped: Mutex<Option<Stop>>,
    failing: AtomicUsize,
}

impl Run<'_> {
    fn stopped(&self) -> Option<String> {
        let stopped = self.stopped.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        stopped.as_ref().map(|stop| match stop {
            Stop::Outage(why) => why.clone(),
            Stop::SetUp(e) => e.to_string(),
        })
    }

    fn stop(&self, why: Stop) {
        let mut stopped = self.stopped.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        stopped.get_or_insert(why);
    }
}

/// The state file beside a pending token: `NAME.json` for `NAME.jwt`.
fn state_path(token: &Path) -> PathBuf {
    token.with_extension("json")
}

fn sync_dir(dir: &Path) -> Result<(), SpoolError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(|source| SpoolError::Io {
        action: "sync",
        path: dir.to_path_buf(),
        source,
    })
}

/// A name that sorts by time: seconds and nanoseconds since the epoch, the process and a count.
fn unique_name() -> String {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let n = COUNT.fetch_add(1, Ordering::SeqCst);
    format!("{}.{:09}-{}-{n:06}", now.as_secs(), now.subsec_nanos(), std::process::id())
}

fn now() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

/// An error and its causes, as one line.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
