//! `okta-ssf spool add|send|status`.

use std::path::PathBuf;
use std::time::Duration;

use okta_ssf::spool::{Outcome, SendOptions, Spool, SpoolError, Stop};
use serde_json::{Map, Value, json};

use crate::Usage;
use crate::input::each_line;
use crate::publish::{Receiver, set_up_advice, text_line};

/// Keep tokens in a spool directory between cron runs, and send them when the receiver answers.
#[derive(clap::Subcommand)]
pub(crate) enum SpoolCommand {
    /// Queue tokens, one per line, from files or standard input.
    ///
    /// Prints `queued <jti>`, or `invalid <file>:<line> <reason>` for a token the pre-send check
    /// refused (it is not queued).
    #[command(after_help = crate::EXIT_STATUSES)]
    Add {
        /// The spool directory (made if missing, mode 0700).
        dir: PathBuf,
        /// Token files; none or `-` reads standard input.
        #[arg(value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Send every pending token, oldest first.
    ///
    /// Prints a line per token as `publish` does, plus `deferred <jti> <reason>` for a token
    /// left pending and `expired <jti>` for one older than --max-age. When another `send` holds
    /// the spool's lock, says so and exits 0: that run is doing the work.
    #[command(after_help = crate::EXIT_STATUSES)]
    Send(Box<SendArgs>),
    /// Count the pending, rejected and expired tokens.
    #[command(after_help = crate::EXIT_STATUSES)]
    Status {
        /// The spool directory.
        dir: PathBuf,
        /// Print one JSON object: pending, rejected, expired, oldest_pending_secs, last_error.
        #[arg(long, short = 'j')]
        json: bool,
    },
}

#[derive(clap::Args)]
pub(crate) struct SendArgs {
    /// The spool directory.
    dir: PathBuf,
    #[command(flatten)]
    to: Receiver,
    /// A token pending longer than this is moved to `expired/` instead of sent, such as `24h`
    /// or `90m`.
    #[arg(long, value_name = "DURATION", default_value = "24h", value_parser = humantime::parse_duration)]
    max_age: Duration,
    /// Print JSON lines instead of text.
    #[arg(long, short = 'j')]
    json: bool,
}

pub(crate) fn run(command: SpoolCommand) -> Result<bool, Usage> {
    match command {
        SpoolCommand::Add { dir, files } => add(&open(&dir)?, &files),
        SpoolCommand::Send(args) => send(&args),
        SpoolCommand::Status { dir, json } => {
            status(&Spool::open_existing(&dir).map_err(|e| Usage(e.to_string()))?, json)
        }
    }
}

fn open(dir: &std::path::Path) -> Result<Spool, Usage> {
    Spool::open(dir).map_err(|e| Usage(e.to_string()))
}

fn add(spool: &Spool, files: &[PathBuf]) -> Result<bool, Usage> {
    let (mut queued, mut invalid, mut failure) = (0, 0, None);
    let all_read = each_line(files, |line| {
        if failure.is_some() {
            return;
        }
        let added = match &line.problem {
            Some(problem) => Err(problem.clone()),
            None => match spool.add(&line.token) {
                Ok(jti) => Ok(jti),
                Err(SpoolError::InvalidToken(problem)) => Err(problem.to_string()),
                // The spool itself failed (a full disk): the rest would fail too.
                Err(other) => {
                    failure = Some(other.to_string());
                    return;
                }
            },
        };
        match added {
            Ok(jti) => {
                queued += 1;
                println!("queued {jti}");
            }
            Err(reason) => {
                invalid += 1;
                println!("invalid {} {reason}", line.source);
            }
        }
    });
    if let Some(failure) = failure {
        return Err(Usage(format!("stopped queueing: {failure}")));
    }
    if !crate::quiet() {
        eprintln!("{queued} queued, {invalid} invalid in {}", spool.dir().display());
    }
    if !all_read {
        return Err(Usage("some input could not be read (see above)".into()));
    }
    Ok(invalid == 0)
}

fn send(args: &SendArgs) -> Result<bool, Usage> {
    let client = args.to.client(false)?.ok_or_else(|| Usage("no receiver".into()))?;
    let spool = Spool::open_existing(&args.dir).map_err(|e| Usage(e.to_string()))?;
    let options =
        SendOptions::default().max_age(args.max_age).concurrency(usize::from(args.to.concurrency));
    let print = |outcome: &Outcome| {
        let record = record(outcome);
        let text = if args.json { Value::Object(record).to_string() } else { text_line(&record) };
        println!("{text}");
    };
    let report = match spool.send(&client, &options, print) {
        Ok(report) => report,
        Err(SpoolError::Busy) => {
            eprintln!(
                "okta-ssf: another `spool send` holds the lock on {}; it is doing the work",
                args.dir.display()
            );
            return Ok(true);
        }
        Err(e) => return Err(Usage(e.to_string())),
    };
    if !crate::quiet() {
        eprintln!(
            "{} accepted, {} rejected, {} deferred, {} expired ({})",
            report.sent,
            report.rejected,
            report.deferred,
            report.expired,
            args.dir.display()
        );
    }
    match &report.stopped {
        Some(Stop::SetUp(error)) => {
            let untrusted = args.to.untrusted(Some(&client));
            let advice = set_up_advice(error, args.to.domain.is_some(), &untrusted);
            Err(Usage(format!("stopped sending: {advice}")))
        }
        Some(Stop::Outage(why)) => {
            eprintln!("okta-ssf: stopped sending: {why}");
            Ok(false)
        }
        _ => Ok(report.rejected + report.deferred + report.expired == 0),
    }
}

/// A send outcome as `publish`'s records are, with its JSON keys.
fn record(outcome: &Outcome) -> Map<String, Value> {
    let mut record = Map::new();
    let (status, jti) = match outcome {
        Outcome::Sent { jti, request_id } => {
            record.insert("request_id".into(), json!(request_id));
            ("accepted", Some(jti.clone()))
        }
        Outcome::Rejected { jti, rejection, reason } => {
            match rejection {
                Some(rejection) => {
                    record.insert("err".into(), json!(rejection.code().as_str()));
                    record.insert("description".into(), json!(rejection.description()));
                }
                None => {
                    record.insert("description".into(), json!(reason));
                }
            }
            ("rejected", jti.clone())
        }
        Outcome::Deferred { jti, reason } => {
            record.insert("reason".into(), json!(reason));
            ("deferred", jti.clone())
        }
        Outcome::Expired { jti } => ("expired", jti.clone()),
        other => {
            record.insert("reason".into(), json!(format!("{other:?}")));
            ("deferred", None)
        }
    };
    record.insert("status".into(), json!(status));
    record.insert("jti".into(), json!(jti));
    record.insert(
        "time".into(),
        json!(humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()),
    );
    record
}

fn status(spool: &Spool, json: bool) -> Result<bool, Usage> {
    let status = spool.status().map_err(|e| Usage(e.to_string()))?;
    let oldest = status.oldest_pending.map(|age| age.as_secs());
    if json {
        let object = json!({
            "pending": status.pending,
            "rejected": status.rejected,
            "expired": status.expired,
            "oldest_pending_secs": oldest,
            "last_error": status.last_error,
        });
        println!("{object}");
    } else {
        let oldest = oldest.map_or(String::new(), |secs| {
            format!(", the oldest for {}", humantime::format_duration(Duration::from_secs(secs)))
        });
        let last = status.last_error.map_or(String::new(), |e| format!("; last error: {e}"));
        println!(
            "{} pending{oldest}, {} rejected, {} expired{last}",
            status.pending, status.rejected, status.expired
        );
    }
    Ok(true)
}
