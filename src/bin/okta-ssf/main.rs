//! `okta-ssf`: publish, inspect and sign Security Event Tokens from cron jobs and shells.
//!
//! Built on the `okta_ssf` library; see `okta-ssf --help`.

mod input;
mod inspect;
mod publish;
mod serve;
mod sign;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

const EXIT_STATUSES: &str = "\
Exit status:
  0  success: publish, every token accepted (with --dry-run, every token passed the check);
     inspect, every token passed the check; demo, every outcome as expected
  1  publish: a token was rejected, failed or invalid; inspect: a token failed the check;
     demo: an outcome was not the expected one
  2  a usage or configuration error (bad domain, unreadable file or key, conflicting flags)";

#[derive(Parser)]
#[command(name = "okta-ssf", version, about = "Publish Security Event Tokens to Okta's Shared Signals receiver", after_help = EXIT_STATUSES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Publish(publish::Args),
    Inspect(inspect::Args),
    Sign(Box<sign::SignArgs>),
    Jwks(sign::JwksArgs),
    Serve(serve::ServeArgs),
    Demo(serve::DemoArgs),
}

/// What went wrong before any verdict: a usage or configuration error (exit 2).
pub(crate) struct Usage(pub(crate) String);

impl<E: std::fmt::Display> From<E> for Usage {
    fn from(e: E) -> Usage {
        Usage(e.to_string())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Publish(args) => publish::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::Sign(args) => sign::sign(*args),
        Command::Jwks(args) => sign::jwks(args),
        Command::Serve(args) => serve::serve(args),
        Command::Demo(args) => serve::demo(args),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(Usage(message)) => {
            eprintln!("okta-ssf: {message}");
            ExitCode::from(2)
        }
    }
}

/// An error and its causes, as one line.
pub(crate) fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
