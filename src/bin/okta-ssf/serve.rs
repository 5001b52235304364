//! `okta-ssf serve` and `okta-ssf demo`.

use std::path::PathBuf;

use okta_ssf::lint::EventType;
use okta_ssf::receiver::{Jwks, Receiver, ReceiverConfig, ReceiverError};
use okta_ssf::sign::{
    ComplianceStatus, Event, InitiatingEntity, RiskLevel, SetBuilder, SigningKey, Subject, jwks,
};
use okta_ssf::{Client, ClientBuilder, RetryPolicy, TokenCheck};

use crate::Usage;
use crate::input::Line;
use crate::publish::{Counts, outcome, text_line};

/// Run an Okta-like receiver on this machine, to test a transmitter without an Okta org.
///
/// Serves `POST /security/api/v1/security-events` and answers as Okta's contract says: 202, or
/// 400 with `{"err", "description"}`. Each request is logged as one JSON line. Ctrl-C stops it.
#[derive(clap::Args)]
#[command(after_help = crate::EXIT_STATUSES)]
pub(crate) struct ServeArgs {
    /// The JWKS that verifies the tokens: a file (`-` for standard input), or an http(s) URL
    /// (fetched again, at most once a minute, when a token names an unknown kid).
    #[arg(long, value_name = "FILE_OR_URL")]
    jwks: String,
    /// An accepted issuer, byte for byte (repeat for more).
    #[arg(long, required = true)]
    iss: Vec<String>,
    /// The audience tokens must name: the org URL, such as `https://acme.okta.com`.
    #[arg(long)]
    aud: String,
    /// The address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8935")]
    listen: String,
    /// Append the JSON log lines to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    log: Option<PathBuf>,
    /// Hold each answer back this many milliseconds, like a slow receiver.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    delay: u64,
    /// Answer at most N requests every SECS seconds, like Okta: `X-Rate-Limit-*` headers on
    /// every answer, and 429 with Okta's E0000047 body past the limit (e.g. `100/5`).
    #[arg(long, value_name = "N/SECS", value_parser = parse_rate_limit)]
    rate_limit: Option<(u64, u64)>,
    /// The roots trusted to fetch --jwks from a URL.
    #[command(flatten)]
    trust: crate::Trust,
}

/// `N/SECS`, both whole numbers of at least one.
fn parse_rate_limit(text: &str) -> Result<(u64, u64), String> {
    let parsed =
        text.split_once('/').and_then(|(n, secs)| Some((n.parse().ok()?, secs.parse().ok()?)));
    match parsed {
        Some((n, secs)) if n > 0 && secs > 0 => Ok((n, secs)),
        _ => {
            Err(format!("`{text}` is not N/SECS with whole numbers of at least 1, such as `100/5`"))
        }
    }
}

pub(crate) fn serve(args: ServeArgs) -> Result<bool, Usage> {
    let issuers: Vec<&str> = args.iss.iter().map(String::as_str).collect();
    let config = if args.jwks.starts_with("http://") || args.jwks.starts_with("https://") {
        ReceiverConfig::with_jwks_url_trusting(
            &args.jwks,
            &issuers,
            &args.aud,
            &args.trust.bundles()?,
        )
        .map_err(|e| match e {
            ReceiverError::JwksUntrusted(_) => {
                let host = args.jwks.split('/').nth(2).unwrap_or_default();
                Usage(args.trust.advice(host))
            }
            e => Usage(crate::chain(&e)),
        })?
    } else {
        let text = crate::input::read_text(args.jwks.as_ref(), "")?;
        let jwks = Jwks::from_json(&text).map_err(|e| Usage(format!("{}: {e}", args.jwks)))?;
        ReceiverConfig::new(jwks, &issuers, &args.aud)
    };
    let config = match &args.log {
        Some(path) => {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| Usage(format!("cannot open {}: {e}", path.display())))?;
            config.log(Box::new(file))
        }
        None => config,
    };
    let mut config = config.delay(std::time::Duration::from_millis(args.delay));
    if let Some((limit, secs)) = args.rate_limit {
        config = config.rate_limit(limit, std::time::Duration::from_secs(secs));
    }
    let receiver = Receiver::start(args.listen.as_str(), config)
        .map_err(|e| Usage(format!("{}: {}", args.listen, crate::chain(&e))))?;
    let stop = receiver.stopper();
    ctrlc::set_handler(stop).map_err(|e| Usage(format!("cannot handle Ctrl-C: {e}")))?;
    eprintln!(
        "okta-ssf: listening on {} (POST /security/api/v1/security-events); Ctrl-C stops",
        receiver.origin()
    );
    receiver.wait();
    eprintln!("okta-ssf: stopped");
    Ok(true)
}

/// Sign and publish one event of each of Okta's six types to a local receiver, with nothing
/// to set up: an in-memory key, a receiver on a free loopback port, and two tokens it must
/// refuse (a wrong audience, another key).
///
/// Prints each outcome as `publish` does, with the receiver's log lines. Exit 0 when every
/// outcome is the expected one.
#[derive(clap::Args)]
#[command(after_help = crate::EXIT_STATUSES)]
pub(crate) struct DemoArgs {}

const DEMO_ISS: &str = "https://transmitter.demo.example";
const DEMO_AUD: &str = "https://demo.okta.com";

pub(crate) fn demo(_args: DemoArgs) -> Result<bool, Usage> {
    let key = SigningKey::generate_p256("demo-key")?;
    let impostor = SigningKey::generate_p256("demo-key")?;
    let config = ReceiverConfig::new(Jwks::from_value(&jwks(&[&key]))?, &[DEMO_ISS], DEMO_AUD)
        .log(Box::new(Labelled::default()));
    let receiver = Receiver::start("127.0.0.1:0", config)?;
    eprintln!(
        "okta-ssf demo: a receiver on {} trusts key `demo-key` for issuer {DEMO_ISS}",
        receiver.origin()
    );
    // The receiver judges; the client sends every token, even the bad ones, once.
    let client: Client = ClientBuilder::new(&receiver.origin())
        .token_check(TokenCheck::Skip)
        .retry(RetryPolicy::never())
        .build()?;

    let user = || Subject::user_email("jane.doe@example.com");
    let events = [
        Event::session_revoked(user())
            .initiating_entity(InitiatingEntity::Policy)
            .reason_admin("Malware detected on the device"),
        Event::device_compliance_change(
            Subject::device("laptop-0042"),
            ComplianceStatus::NotCompliant,
            ComplianceStatus::Compliant,
        )
        .reason_admin("Disk encryption turned off"),
        Event::device_risk_change(Subject::device("laptop-0042"), RiskLevel::High, RiskLevel::Low)
            .reason_admin("Endpoint agent raised the risk"),
        Event::user_risk_change(user(), RiskLevel::High, RiskLevel::Medium)
            .reason_admin("Impossible travel"),
        Event::ip_change(user(), "198.51.100.7".parse()?, "203.0.113.9".parse()?)
            .reason_admin("Session moved networks"),
        Event::identifier_changed(user()).new_value("jane.smith@example.com"),
    ];
    // (what the token is, its outcome as expected, the token)
    let mut cases: Vec<(String, &str, String)> = Vec::new();
    for event in events {
        let label = EventType::from_uri(event.type_uri()).map_or("event", EventType::short_name);
        let token = SetBuilder::new(DEMO_ISS, DEMO_AUD).event(event).sign(&key)?;
        cases.push((format!("{label}, signed with demo-key"), "accepted", token));
    }
    let wrong_audience = SetBuilder::new(DEMO_ISS, "https://demo-admin.okta.com")
        .event(Event::session_revoked(user()).reason_admin("x"));
    cases.push((
        "session-revoked for the -admin host".into(),
        "rejected invalid_audience",
        wrong_audience.sign(&key)?,
    ));
    let other_key =
        SetBuilder::new(DEMO_ISS, DEMO_AUD).event(Event::session_revoked(user()).reason_admin("x"));
    cases.push((
        "session-revoked signed by another key with the same kid".into(),
        "rejected authentication_failed",
        other_key.sign(&impostor)?,
    ));

    let mut counts = Counts::default();
    let mut as_expected = 0;
    for (n, (label, expected, token)) in cases.iter().enumerate() {
        println!("== {label}: expect {expected}");
        let line = Line { source: format!("demo:{}", n + 1), token: token.clone(), problem: None };
        let text = text_line(&outcome(Some(&client), &line, &mut counts).0);
        let ok = text.starts_with(expected.split(' ').next().unwrap_or_default())
            && expected.split(' ').nth(1).is_none_or(|code| text.contains(&format!(" {code}:")));
        if ok {
            as_expected += 1;
        }
        println!("{text}{}", if ok { "" } else { "   <- NOT what was expected" });
    }
    receiver.shutdown();
    eprintln!("okta-ssf demo: {as_expected} of {} outcomes as expected", cases.len());
    Ok(as_expected == cases.len())
}

/// Standard output, each line of the receiver's log marked `receiver: ` so it stands apart from
/// the outcomes.
#[derive(Default)]
struct Labelled {
    line: Vec<u8>,
}

impl std::io::Write for Labelled {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        for &b in buf {
            self.line.push(b);
            if b == b'\n' {
                let mut out = std::io::stdout().lock();
                out.write_all(b"receiver: ")?;
                out.write_all(&self.line)?;
                self.line.clear();
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stdout().flush()
    }
}
