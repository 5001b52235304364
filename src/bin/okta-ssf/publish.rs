//! `okta-ssf publish`.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use okta_ssf::{Client, ClientBuilder, RetryPolicy, Status, TokenCheck, check_token};
use serde_json::{Map, Value, json};
use signal_hook::consts::{SIGINT, SIGTERM};

use crate::input::{Line, each_line};
use crate::{Usage, chain};

/// Publish tokens, one per line, from files or standard input.
///
/// Prints one line per token, in input order: `accepted <jti>`, `rejected <jti> <err>:
/// <description>`, `failed <jti> <reason>`, or `invalid <file>:<line> <reason>` for a token
/// the pre-send check refused (nothing is sent for it; the rest still go). A summary goes to
/// standard error.
#[derive(clap::Args)]
#[command(after_help = crate::EXIT_STATUSES)]
pub(crate) struct Args {
    #[command(flatten)]
    to: Receiver,
    /// Print JSON lines instead of text.
    #[arg(long, short = 'j')]
    json: bool,
    /// Check every token and send nothing.
    #[arg(long, short = 'n')]
    dry_run: bool,
    /// Token files, one token per line; none or `-` reads standard input.
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
}

/// Where and how tokens are sent: shared by `publish` and `spool send`.
#[derive(clap::Args)]
pub(crate) struct Receiver {
    /// The Okta org, such as `acme.okta.com`.
    #[arg(long, short = 'd', env = "OKTA_CLIENT_ORGURL", conflicts_with = "endpoint")]
    pub(crate) domain: Option<String>,
    /// The full URL of any RFC 8935 receiver, instead of an Okta org.
    #[arg(long)]
    endpoint: Option<String>,
    /// Seconds allowed for each request, from 1 to 3600.
    #[arg(long, value_name = "SECS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    timeout: u64,
    /// Retries of a request that may recover (connection failures, timeouts, 429, 5xx), at
    /// most 10.
    #[arg(long, value_name = "N", default_value_t = 2,
          value_parser = clap::value_parser!(u32).range(0..=10))]
    retries: u32,
    #[command(flatten)]
    trust: crate::Trust,
    /// Send with N threads sharing one client (and its connections); the output stays in
    /// order.
    #[arg(long, short = 'c', value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub(crate) concurrency: u16,
}

impl Receiver {
    /// The client, or `None` with neither `--domain` nor `--endpoint` when `optional`.
    pub(crate) fn client(&self, optional: bool) -> Result<Option<Client>, Usage> {
        let builder = match (&self.domain, &self.endpoint) {
            (Some(domain), None) => ClientBuilder::new(domain),
            (None, Some(url)) => ClientBuilder::with_endpoint(url),
            (None, None) if optional => return Ok(None),
            (None, None) => {
                return Err(Usage(
                    "give --domain (or set OKTA_CLIENT_ORGURL) or --endpoint".into(),
                ));
            }
            (Some(_), Some(_)) => {
                return Err(Usage("give --domain or --endpoint, not both".into()));
            }
        };
        let mut builder = builder
            .timeout(Duration::from_secs(self.timeout))
            .retry(RetryPolicy::new().max_retries(self.retries))
            .max_idle_connections(usize::from(self.concurrency))
            // Each token is checked first, with its place in the output.
            .token_check(TokenCheck::Skip);
        for pem in self.trust.bundles()? {
            builder = builder.add_root_certificates_pem(&pem);
        }
        Ok(Some(builder.build()?))
    }

    /// What to say of a certificate that `client`'s receiver presented and was not trusted.
    pub(crate) fn untrusted(&self, client: Option<&Client>) -> String {
        let origin = client.map(Client::origin).unwrap_or_default();
        self.trust.advice(origin.split("://").nth(1).unwrap_or_default())
    }
}

#[derive(Default)]
pub(crate) struct Counts {
    accepted: usize,
    rejected: usize,
    failed: usize,
    invalid: usize,
    not_sent: usize,
}

impl Counts {
    fn add(&mut self, other: &Counts) {
        self.accepted += other.accepted;
        self.rejected += other.rejected;
        self.failed += other.failed;
        self.invalid += other.invalid;
        self.not_sent += other.not_sent;
    }
}

pub(crate) fn run(args: Args) -> Result<bool, Usage> {
    let client = args.to.client(args.dry_run)?;
    // A dry run still checks the domain, then sends nothing.
    let client = if args.dry_run { None } else { client };

    let start = Instant::now();
    let mut counts = Counts::default();
    let mut progress = Progress::new();
    let mut out = std::io::stdout().lock();
    // Workers take the next line and send back its record; each record is printed, in input
    // order, as soon as those before it are in. Once the run has stopped sending, the lines
    // left are reported as not sent.
    let untrusted = args.to.untrusted(client.as_ref());
    let run = Run { okta: args.to.domain.is_some(), untrusted, ..Run::default() };
    // SIGINT and SIGTERM stop the run: nothing new is sent, the requests in flight finish
    // (bounded by their timeouts) and are reported, and the exit status names the signal.
    for (signal, status) in [(SIGINT, 130), (SIGTERM, 143)] {
        signal_hook::flag::register_usize(signal, Arc::clone(&run.signalled), status)
            .map_err(|e| Usage(format!("cannot handle signals: {e}")))?;
    }
    // Lines are read on a thread of their own and handed over as they come, numbered; it is
    // not waited for after a signal (it may be blocked on a terminal or a pipe).
    let (work, todo) = mpsc::sync_channel::<(usize, Line)>(usize::from(args.to.concurrency) * 2);
    let all_read = Arc::new(AtomicBool::new(true));
    let (files, read) = (args.files.clone(), Arc::clone(&all_read));
    std::thread::spawn(move || {
        let mut n = 0;
        let ok = each_line(&files, |line| {
            let _ = work.send((n, line));
            n += 1;
        });
        read.store(ok, Ordering::SeqCst);
    });
    let todo = Mutex::new(todo);
    let (done, records) = mpsc::channel();
    std::thread::scope(|scope| {
        for _ in 0..args.to.concurrency {
            let (done, todo, client, run) = (done.clone(), &todo, client.as_ref(), &run);
            scope.spawn(move || {
                while let Some((i, line)) = run.next(todo) {
                    let line = &line;
                    let mut counts = Counts::default();
                    let mut record = match run.stopped() {
                        _ if run.signalled.load(Ordering::SeqCst) != 0 => {
                            not_sent(line, "interrupted by a signal", &mut counts)
                        }
                        Some((reason, _)) => not_sent(line, &reason, &mut counts),
                        None => {
                            let (record, class) = outcome(client, line, &mut counts);
                            run.note(class);
                            record
                        }
                    };
                    record.insert("time".into(), json!(now()));
                    if done.send((i, record, counts)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done);
        let (mut waiting, mut printed) = (BTreeMap::new(), 0);
        for (i, record, line_counts) in records {
            counts.add(&line_counts);
            waiting.insert(i, record);
            while let Some(record) = waiting.remove(&printed) {
                let text =
                    if args.json { Value::Object(record).to_string() } else { text_line(&record) };
                progress.clear();
                writeln!(out, "{text}")
                    .map_err(|e| Usage(format!("cannot write to standard output: {e}")))?;
                printed += 1;
                progress.show(printed, &counts, start.elapsed());
            }
        }
        Ok::<(), Usage>(())
    })?;
    progress.clear();
    let elapsed = start.elapsed().as_secs_f64();
    let not_sent =
        if counts.not_sent > 0 { format!(", {} not sent", counts.not_sent) } else { String::new() };
    // Which run this was, for a log that holds many: its inputs and when it ended.
    let inputs = if args.files.is_empty() {
        "stdin".to_owned()
    } else {
        args.files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", ")
    };
    let run_of = format!("in {elapsed:.2}s ({inputs}; ended {})", now());
    if crate::quiet() {
        // Errors only.
    } else if args.dry_run {
        eprintln!(
            "{} passed, {} invalid (dry run, nothing sent) {run_of}",
            counts.accepted, counts.invalid
        );
    } else {
        eprintln!(
            "{} accepted, {} rejected, {} failed, {} invalid{not_sent} {run_of}",
            counts.accepted, counts.rejected, counts.failed, counts.invalid
        );
    }
    drop(out);
    if !all_read.load(Ordering::SeqCst) && run.signalled.load(Ordering::SeqCst) == 0 {
        return Err(Usage("some input could not be read (see above)".into()));
    }
    match run.signalled.load(Ordering::SeqCst) {
        0 => {}
        status => {
            let signal = if status == 130 { "SIGINT" } else { "SIGTERM" };
            eprintln!("okta-ssf: stopped by {signal}; the requests in flight were finished");
            std::process::exit(i32::try_from(status).unwrap_or(1));
        }
    }
    match run.stopped() {
        Some((reason, true)) => Err(Usage(format!("stopped sending: {reason}"))),
        Some((reason, false)) => {
            eprintln!("okta-ssf: stopped sending: {reason}");
            Ok(false)
        }
        None => Ok(counts.rejected + counts.failed + counts.invalid == 0),
    }
}

/// How many failures that may recover, in a row, stop a run: a receiver that is down costs a
/// run seconds, not a timeout per token.
const OUTAGE_AFTER: usize = 3;

/// What the workers of a run share: whether it stopped sending, and why.
#[derive(Default)]
struct Run {
    /// Whether the run talks to an Okta org (`--domain`), for the advice it gives.
    okta: bool,
    /// What to say of a certificate that was not trusted.
    untrusted: String,
    /// Why the run stopped sending, and whether that proves the set-up wrong (exit 2).
    stopped: std::sync::Mutex<Option<(String, bool)>>,
    /// Failures that may recover, in a row.
    failing: AtomicUsize,
    /// The exit status of the signal that stopped the run (130 or 143), or 0.
    signalled: Arc<AtomicUsize>,
}

impl Run {
    /// The next line to handle: `None` at the end of the input, or once a signal came and the
    /// lines already read are handled.
    fn next(&self, todo: &Mutex<mpsc::Receiver<(usize, Line)>>) -> Option<(usize, Line)> {
        let todo = todo.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        loop {
            if self.signalled.load(Ordering::SeqCst) != 0 {
                return todo.try_recv().ok();
            }
            match todo.recv_timeout(Duration::from_millis(100)) {
                Ok(next) => return Some(next),
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => return None,
            }
        }
    }

    fn stopped(&self) -> Option<(String, bool)> {
        self.stopped.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    fn stop(&self, reason: String, set_up: bool) {
        let mut stopped = self.stopped.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        stopped.get_or_insert((reason, set_up));
    }

    /// Takes in one token's outcome.
    fn note(&self, class: Class) {
        match class {
            Class::Answered => self.failing.store(0, Ordering::SeqCst),
            Class::Other => {}
            Class::MayRecover => {
                if self.failing.fetch_add(1, Ordering::SeqCst) + 1 >= OUTAGE_AFTER {
                    let why = format!(
                        "{OUTAGE_AFTER} failures in a row that may recover: the receiver looks down or unreachable"
                    );
                    self.stop(why, false);
                }
            }
            Class::SetUp(error) => {
                self.stop(set_up_advice(&error, self.okta, &self.untrusted), true)
            }
        }
    }
}

/// What to say of an answer that proves the set-up wrong: Okta's advice only to an Okta org,
/// and what to do about a certificate that was not trusted.
pub(crate) fn set_up_advice(error: &okta_ssf::Error, okta: bool, untrusted: &str) -> String {
    match error {
        okta_ssf::Error::NotFound(_) if !okta => {
            "receiver answered 404 Not Found; check the receiver URL".to_owned()
        }
        okta_ssf::Error::UntrustedCertificate { .. } => untrusted.to_owned(),
        error => chain(error),
    }
}

/// What a token's outcome says about the run.
pub(crate) enum Class {
    /// The receiver gave a verdict (or nothing was sent: a dry run, an invalid token).
    Answered,
    /// A failure that may recover: refused, reset, timed out (a lookup too), `429`, `5xx`.
    MayRecover,
    /// An answer that proves the set-up wrong: `401`, `403`, `404`, a redirect, TLS, a name
    /// that does not resolve, a page instead of a receiver's answer.
    SetUp(okta_ssf::Error),
    /// Another failure, which says nothing of the ones to come.
    Other,
}

/// Now, as RFC 3339 in UTC: `2026-12-02T08:20:00Z`.
fn now() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

/// The record of a token the run did not send, having stopped.
fn not_sent(line: &Line, reason: &str, counts: &mut Counts) -> Map<String, Value> {
    counts.not_sent += 1;
    let jti = check_token(&line.token).ok().map(|token| token.jti().to_owned());
    let mut record = Map::new();
    record.insert("status".into(), json!("not_sent"));
    record.insert("jti".into(), json!(jti));
    record.insert("source".into(), json!(line.source));
    record.insert("reason".into(), json!(format!("not sent: the run stopped ({reason})")));
    record
}

/// Checks and (unless `client` is `None`, a dry run) publishes one token; the record of what
/// happened, with the JSON keys of `--json`.
pub(crate) fn outcome(
    client: Option<&Client>,
    line: &Line,
    counts: &mut Counts,
) -> (Map<String, Value>, Class) {
    let mut record = Map::new();
    let checked = match &line.problem {
        Some(problem) => Err(problem.clone()),
        None => check_token(&line.token).map_err(|e| e.to_string()),
    };
    let parsed = match checked {
        Ok(parsed) => parsed,
        Err(e) => {
            counts.invalid += 1;
            record.insert("status".into(), json!("invalid"));
            record.insert("jti".into(), Value::Null);
            record.insert("source".into(), json!(line.source));
            record.insert("reason".into(), json!(e));
            return (record, Class::Answered);
        }
    };
    record.insert("jti".into(), json!(parsed.jti()));
    record.insert("source".into(), json!(line.source));
    let Some(client) = client else {
        counts.accepted += 1;
        record.insert("status".into(), json!("passed"));
        return (record, Class::Answered);
    };
    match client.publish_detailed(&line.token) {
        Ok(delivery) => {
            record.insert("http_status".into(), json!(delivery.response().http_status()));
            record.insert("request_id".into(), json!(delivery.response().request_id()));
            record.insert("attempts".into(), json!(delivery.response().attempts()));
            match delivery.status() {
                Status::Accepted => {
                    counts.accepted += 1;
                    record.insert("status".into(), json!("accepted"));
                }
                Status::Rejected(rejection) => {
                    counts.rejected += 1;
                    record.insert("status".into(), json!("rejected"));
                    record.insert("err".into(), json!(rejection.code().as_str()));
                    record.insert("description".into(), json!(rejection.description()));
                }
                other => {
                    counts.failed += 1;
                    record.insert("status".into(), json!("failed"));
                    record.insert("reason".into(), json!(format!("unknown outcome {other:?}")));
                }
            }
        }
        Err(e) => {
            counts.failed += 1;
            record.insert("status".into(), json!("failed"));
            record.insert("reason".into(), json!(chain(&e)));
            record.insert("http_status".into(), json!(e.response().map(|r| r.http_status())));
            record.insert("request_id".into(), json!(e.response().and_then(|r| r.request_id())));
            record.insert("attempts".into(), json!(e.attempts()));
            let class = match e {
                e if okta_ssf::spool::proves_set_up_wrong(&e) => Class::SetUp(e),
                e if e.is_retryable() => Class::MayRecover,
                _ => Class::Other,
            };
            return (record, class);
        }
    }
    (record, Class::Answered)
}

pub(crate) fn text_line(record: &Map<String, Value>) -> String {
    let field = |key: &str| record.get(key).and_then(Value::as_str).unwrap_or_default();
    match field("status") {
        "accepted" => format!("accepted {}", field("jti")),
        "passed" => format!("passed {}", field("jti")),
        "rejected" => {
            let (err, description) = (field("err"), field("description"));
            match (err.is_empty(), description.is_empty()) {
                (false, false) => format!("rejected {} {err}: {description}", field("jti")),
                (false, true) => format!("rejected {} {err}", field("jti")),
                (true, _) => format!("rejected {} {description}", field("jti")),
            }
        }
        "invalid" => format!("invalid {} {}", field("source"), field("reason")),
        "not_sent" => format!("not-sent {} {}", field("jti"), field("reason")),
        "deferred" => format!("deferred {} {}", field("jti"), field("reason")),
        "expired" => format!("expired {}", field("jti")),
        _ => format!("failed {} {}", field("jti"), field("reason")),
    }
}

/// A progress bar on standard error, only when it is a terminal and there is more than one
/// token.
struct Progress {
    active: bool,
}

impl Progress {
    fn new() -> Progress {
        Progress { active: std::io::stderr().is_terminal() && !crate::quiet() }
    }

    /// How many tokens are done, how they went, and how fast. How many are left is not known:
    /// input is read as it comes.
    fn show(&mut self, done: usize, counts: &Counts, elapsed: Duration) {
        if self.active {
            let rate = done as f64 / elapsed.as_secs_f64().max(0.001);
            eprint!(
                "\r{done} done: {} accepted, {} rejected, {} failed, {} invalid ({rate:.0}/s)",
                counts.accepted, counts.rejected, counts.failed, counts.invalid
            );
        }
    }

    fn clear(&mut self) {
        if self.active {
            eprint!("\r\x1b[2K");
        }
    }
}
