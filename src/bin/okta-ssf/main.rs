//! `okta-ssf`: publish, inspect and sign Security Event Tokens from cron jobs and shells.
//!
//! Built on the `okta_ssf` library; see `okta-ssf --help`.

mod doctor;
mod input;
mod inspect;
mod provider;
mod publish;
mod serve;
mod sign;
mod spool;

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

const EXIT_STATUSES: &str = "\
Exit status:
  0  success: publish and spool send, every token accepted (with --dry-run, every token passed
     the check); spool add and inspect, every token passed the check; demo, every outcome as
     expected; spool send, also when another send holds the spool's lock
  1  publish and spool send: a token was rejected, failed, deferred, expired or invalid, or the
     receiver looked down (run again later); spool add and inspect: a token failed the check;
     demo: an outcome was not the expected one
  2  a usage or configuration error (bad domain, unreadable file or key, conflicting flags),
     or an answer that proves the set-up wrong (401, 403, 404, TLS): fix it first
  130, 143  publish stopped by SIGINT or SIGTERM, after the requests in flight
provider and doctor say what theirs mean in their --help.";

#[derive(Parser)]
#[command(name = "okta-ssf", version, about = "Publish Security Event Tokens to Okta's Shared Signals receiver", after_help = EXIT_STATUSES)]
struct Cli {
    /// Log each attempt and retry, with the wait and the reason (debug level).
    #[arg(long, short = 'v', global = true, conflicts_with = "quiet")]
    verbose: bool,
    /// Print only errors on standard error: no summary, progress or warnings.
    #[arg(long, short = 'q', global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Publish(publish::Args),
    Inspect(inspect::Args),
    Sign(Box<sign::SignArgs>),
    Jwks(sign::JwksArgs),
    Metadata(sign::MetadataArgs),
    Serve(serve::ServeArgs),
    Demo(serve::DemoArgs),
    /// Keep tokens in a spool directory between cron runs, and send them when the receiver
    /// answers.
    Spool {
        #[command(subcommand)]
        command: spool::SpoolCommand,
    },
    /// Manage the org's Security Events Providers: the registrations that tell Okta which
    /// issuer and JWKS to trust.
    Provider {
        #[command(subcommand)]
        command: provider::ProviderCommand,
    },
    Doctor(doctor::DoctorArgs),
    /// Print a completion script for SHELL to standard output.
    ///
    /// For example, `okta-ssf completions bash > /etc/bash_completion.d/okta-ssf`.
    #[command(after_help = EXIT_STATUSES)]
    Completions {
        /// bash, zsh, fish, powershell or elvish.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) to standard output.
    ///
    /// For example, `okta-ssf man > /usr/local/share/man/man1/okta-ssf.1`.
    #[command(after_help = EXIT_STATUSES)]
    Man,
}

static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether `-q` asked for errors only on standard error.
pub(crate) fn quiet() -> bool {
    QUIET.load(std::sync::atomic::Ordering::SeqCst)
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
    // Log lines on standard error, through the `log` facade: warnings by default, this crate's
    // debug lines (each attempt and retry) with `-v`, errors only with `-q`; `RUST_LOG` (such
    // as `ureq=debug`) adds its own filters.
    let (level, ours) = match (cli.verbose, cli.quiet) {
        (true, _) => (log::LevelFilter::Warn, log::LevelFilter::Debug),
        (_, true) => (log::LevelFilter::Error, log::LevelFilter::Error),
        _ => (log::LevelFilter::Warn, log::LevelFilter::Warn),
    };
    let mut logger = env_logger::Builder::new();
    logger.filter_level(level).filter_module("okta_ssf", ours).format(|out, record| {
        use std::io::Write;
        let level = match record.level() {
            log::Level::Warn => "warning".to_owned(),
            level => level.as_str().to_lowercase(),
        };
        writeln!(out, "okta-ssf: {level}: {}", record.args())
    });
    if let Ok(filters) = std::env::var("RUST_LOG") {
        logger.parse_filters(&filters);
    }
    let logger = NoRawBytes(logger.build());
    log::set_max_level(logger.0.filter());
    // Only fails when a logger is already set, which nothing else here does.
    let _ = log::set_boxed_logger(Box::new(logger));
    QUIET.store(cli.quiet, std::sync::atomic::Ordering::SeqCst);
    let result = match cli.command {
        Command::Publish(args) => publish::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::Sign(args) => sign::sign(*args),
        Command::Jwks(args) => sign::jwks(args),
        Command::Metadata(args) => sign::metadata(args),
        Command::Serve(args) => serve::serve(args),
        Command::Demo(args) => serve::demo(args),
        Command::Spool { command } => spool::run(command),
        Command::Provider { command } => provider::run(command),
        Command::Doctor(args) => doctor::run(args),
        Command::Completions { shell } => {
            let mut command = Cli::command();
            clap_complete::generate(shell, &mut command, "okta-ssf", &mut std::io::stdout());
            Ok(true)
        }
        Command::Man => clap_mangen::Man::new(Cli::command())
            .render(&mut std::io::stdout())
            .map(|()| true)
            .map_err(|e| Usage(format!("cannot write the manual page: {e}"))),
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

/// The command's logger, without ureq's trace lines: they hold each request's raw bytes, and so
/// an API token or an access token, whatever `RUST_LOG` asks for.
struct NoRawBytes(env_logger::Logger);

impl log::Log for NoRawBytes {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        let raw = metadata.level() == log::Level::Trace && metadata.target().starts_with("ureq");
        !raw && self.0.enabled(metadata)
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            self.0.log(record);
        }
    }

    fn flush(&self) {
        self.0.flush();
    }
}

/// The root certificates trusted by a subcommand that talks to a server: Mozilla's, bundled,
/// always; the system's store unless `--no-system-roots`; and each `--root-certs FILE`.
#[derive(clap::Args)]
pub(crate) struct Trust {
    /// Also trust the root certificates in this PEM file (repeat for more): the root of a
    /// network that intercepts TLS, or of a test set-up.
    #[arg(long, value_name = "FILE")]
    root_certs: Vec<std::path::PathBuf>,
    /// Trust Mozilla's bundled roots (and --root-certs) only, not the system's store (which
    /// SSL_CERT_FILE and SSL_CERT_DIR choose, as for OpenSSL).
    #[arg(long)]
    no_system_roots: bool,
}

impl Trust {
    /// The PEM bundles to trust beside Mozilla's roots. A system store that is empty (a
    /// minimal container) or unreadable leaves the bundled roots (`okta_ssf::roots` warns when
    /// `SSL_CERT_FILE` or `SSL_CERT_DIR` named it).
    pub(crate) fn bundles(&self) -> Result<Vec<Vec<u8>>, Usage> {
        let mut bundles = Vec::new();
        if !self.no_system_roots {
            match okta_ssf::roots::system_roots_pem() {
                Ok(pem) => bundles.push(pem.to_vec()),
                Err(e) => log::debug!("{e}; trusting Mozilla's bundled roots"),
            }
        }
        for path in &self.root_certs {
            bundles.push(input::read_all(path, "")?);
        }
        Ok(bundles)
    }

    /// What to do when `host`'s certificate was not trusted.
    pub(crate) fn advice(&self, host: &str) -> String {
        let system = if self.no_system_roots { "drop --no-system-roots and " } else { "" };
        format!(
            "the TLS certificate of {host} was not trusted: its chain leads to no trusted root; trust that root with --root-certs FILE, or {system}add it to the system's store (SSL_CERT_FILE names a bundle to use instead)"
        )
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
