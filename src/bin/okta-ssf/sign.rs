//! `okta-ssf sign` and `okta-ssf jwks`.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use okta_ssf::lint::EventType;
use okta_ssf::provider::{ProviderError, check_https_url};
use okta_ssf::sign::{
    ComplianceStatus, Event, InitiatingEntity, RiskLevel, SetBuilder, SignError, SigningKey,
    Subject, public_jwk,
};
use serde_json::Value;

use crate::Usage;
use crate::input::{read_all, read_text};

/// Build a SET, sign it, and print the compact JWS and a newline.
///
/// `okta-ssf sign ... | okta-ssf publish --domain ...` publishes it.
#[derive(clap::Args)]
#[command(after_help = crate::EXIT_STATUSES)]
pub(crate) struct SignArgs {
    /// The private key, PEM (RSA for RS256, P-256 for ES256); `-` reads standard input.
    #[arg(long, value_name = "PEM")]
    key: PathBuf,
    /// The key's id in the provider's JWKS.
    #[arg(long)]
    kid: String,
    /// The issuer, exactly as registered for the provider.
    #[arg(long)]
    iss: String,
    /// The audience: the org URL, such as `https://acme.okta.com`.
    #[arg(long)]
    aud: String,
    /// The event type: session-revoked, device-compliance-change, device-risk-change,
    /// user-risk-change, ip-change or identifier-changed.
    #[arg(
        long,
        value_name = "TYPE",
        required_unless_present = "event_json",
        conflicts_with = "event_json"
    )]
    event: Option<String>,
    /// A file holding `{"<type URI>": {...}}`, for any event; `-` reads standard input.
    #[arg(long, value_name = "FILE")]
    event_json: Option<PathBuf>,
    /// The token id (default: 128 random bits).
    #[arg(long, value_name = "ID")]
    jti: Option<String>,
    /// The issue time in seconds since the epoch (default: now).
    #[arg(long, value_name = "SECS")]
    iat: Option<i64>,
    /// Queue the signed token in this spool directory (`okta-ssf spool send` sends it) instead
    /// of printing it; prints `queued <jti>`.
    #[arg(long, value_name = "DIR")]
    spool: Option<PathBuf>,
    #[command(flatten)]
    members: Members,
}

/// The event's subject and members, each named after the member in kebab-case.
#[derive(clap::Args)]
struct Members {
    /// Subject: the user's email.
    #[arg(long, help_heading = "Subject")]
    user_email: Option<String>,
    /// Subject: the user's opaque id.
    #[arg(long, help_heading = "Subject", conflicts_with = "user_email")]
    user_id: Option<String>,
    /// Subject: the device's opaque id.
    #[arg(long, help_heading = "Subject")]
    device_id: Option<String>,
    /// event_timestamp, seconds (default: iat).
    #[arg(long, value_name = "SECS", help_heading = "Event members")]
    event_timestamp: Option<i64>,
    /// initiating_entity: admin, user, policy or system.
    #[arg(long, help_heading = "Event members")]
    initiating_entity: Option<InitiatingEntity>,
    /// reason_admin, in English.
    #[arg(long, value_name = "TEXT", help_heading = "Event members")]
    reason_admin: Option<String>,
    /// reason_user, in English.
    #[arg(long, value_name = "TEXT", help_heading = "Event members")]
    reason_user: Option<String>,
    /// current_level: low, medium, high, secure or none (risk changes).
    #[arg(long, help_heading = "Event members")]
    current_level: Option<RiskLevel>,
    /// previous_level: low, medium, high, secure or none (risk changes).
    #[arg(long, help_heading = "Event members")]
    previous_level: Option<RiskLevel>,
    /// current_status: compliant or not-compliant (device-compliance-change).
    #[arg(long, help_heading = "Event members")]
    current_status: Option<ComplianceStatus>,
    /// previous_status: compliant or not-compliant (device-compliance-change).
    #[arg(long, help_heading = "Event members")]
    previous_status: Option<ComplianceStatus>,
    /// current_ip_address (ip-change).
    #[arg(long, value_name = "IP", help_heading = "Event members")]
    current_ip_address: Option<IpAddr>,
    /// previous_ip_address (ip-change).
    #[arg(long, value_name = "IP", help_heading = "Event members")]
    previous_ip_address: Option<IpAddr>,
    /// new-value (identifier-changed).
    #[arg(long, help_heading = "Event members")]
    new_value: Option<String>,
    /// current_ip (session-revoked).
    #[arg(long, value_name = "IP", help_heading = "Event members")]
    current_ip: Option<IpAddr>,
    /// last_known_ip (session-revoked).
    #[arg(long, value_name = "IP", help_heading = "Event members")]
    last_known_ip: Option<IpAddr>,
    /// current_user_agent (session-revoked).
    #[arg(long, value_name = "UA", help_heading = "Event members")]
    current_user_agent: Option<String>,
    /// last_known_user_agent (session-revoked).
    #[arg(long, value_name = "UA", help_heading = "Event members")]
    last_known_user_agent: Option<String>,
}

/// Print the JWKS document for one or more keys (repeat `--key` and `--kid` in pairs).
///
/// To rotate keys: publish the JWKS with the old and the new key, switch `sign` to the new
/// `--kid`, and once no token signed with the old key is pending, publish the JWKS without it.
#[derive(clap::Args)]
#[command(after_help = crate::EXIT_STATUSES)]
pub(crate) struct JwksArgs {
    /// A private key, or a public key, PEM; `-` reads standard input.
    #[arg(long, value_name = "PEM", required = true)]
    key: Vec<PathBuf>,
    /// The id of the key given at the same position.
    #[arg(long, required = true)]
    kid: Vec<String>,
}

fn read_key(path: &Path, kid: &str) -> Result<SigningKey, Usage> {
    let pem = read_all(path, "key ")?;
    SigningKey::from_pem(&pem, kid).map_err(|e| Usage(format!("key {}: {e}", path.display())))
}

fn required<T>(value: Option<T>, flag: &str, event_type: EventType) -> Result<T, Usage> {
    value.ok_or_else(|| Usage(format!("--{flag} is required for {}", event_type.short_name())))
}

fn typed_event(name: &str, m: Members) -> Result<Event, Usage> {
    let event_type = EventType::from_short_name(name).ok_or_else(|| {
        let names: Vec<_> = EventType::ALL.iter().map(|t| t.short_name()).collect();
        Usage(format!("unknown event `{name}`; use one of: {}", names.join(", ")))
    })?;
    let subject = match (m.user_email.as_deref(), m.user_id.as_deref(), m.device_id.as_deref()) {
        (Some(email), _, device) => {
            device.into_iter().fold(Subject::user_email(email), Subject::and_device)
        }
        (None, Some(id), device) => {
            device.into_iter().fold(Subject::user_opaque(id), Subject::and_device)
        }
        (None, None, Some(device)) => Subject::device(device),
        (None, None, None) => {
            return Err(Usage("give a subject: --user-email, --user-id or --device-id".into()));
        }
    };
    let mut event = match event_type {
        EventType::SessionRevoked => Event::session_revoked(subject),
        EventType::DeviceComplianceChange => Event::device_compliance_change(
            subject,
            required(m.current_status, "current-status", event_type)?,
            required(m.previous_status, "previous-status", event_type)?,
        ),
        EventType::DeviceRiskChange => Event::device_risk_change(
            subject,
            required(m.current_level, "current-level", event_type)?,
            required(m.previous_level, "previous-level", event_type)?,
        ),
        EventType::UserRiskChange => Event::user_risk_change(
            subject,
            required(m.current_level, "current-level", event_type)?,
            required(m.previous_level, "previous-level", event_type)?,
        ),
        EventType::IpChange => Event::ip_change(
            subject,
            required(m.current_ip_address, "current-ip-address", event_type)?,
            required(m.previous_ip_address, "previous-ip-address", event_type)?,
        ),
        EventType::IdentifierChanged => Event::identifier_changed(subject),
        other => {
            return Err(Usage(format!(
                "event `{}` cannot be built from options; use --event-json",
                other.short_name()
            )));
        }
    };
    if let Some(entity) = m.initiating_entity {
        event = event.initiating_entity(entity);
    }
    if let Some(text) = &m.reason_admin {
        event = event.reason_admin(text);
    }
    if let Some(text) = &m.reason_user {
        event = event.reason_user(text);
    }
    if let Some(seconds) = m.event_timestamp {
        event = event.event_timestamp(seconds);
    }
    if let Some(value) = &m.new_value {
        event = event.new_value(value);
    }
    if let Some(ip) = m.current_ip {
        event = event.current_ip(ip);
    }
    if let Some(ip) = m.last_known_ip {
        event = event.last_known_ip(ip);
    }
    if let Some(ua) = &m.current_user_agent {
        event = event.current_user_agent(ua);
    }
    if let Some(ua) = &m.last_known_user_agent {
        event = event.last_known_user_agent(ua);
    }
    Ok(event)
}

fn json_event(path: &Path) -> Result<Event, Usage> {
    let text = read_text(path, "")?;
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| Usage(format!("{}: not JSON: {e}", path.display())))?;
    match value {
        Value::Object(map) if map.len() == 1 => match map.into_iter().next() {
            Some((uri, Value::Object(members))) => Ok(Event::custom(&uri, members)),
            _ => Err(Usage(format!("{}: the event must be a JSON object", path.display()))),
        },
        _ => Err(Usage(format!(
            "{}: expected {{\"<event type URI>\": {{...}}}} with exactly one event",
            path.display()
        ))),
    }
}

pub(crate) fn sign(args: SignArgs) -> Result<bool, Usage> {
    let key = read_key(&args.key, &args.kid)?;
    let event = match (&args.event, &args.event_json) {
        (Some(name), _) => typed_event(name, args.members)?,
        (None, Some(path)) => json_event(path)?,
        (None, None) => return Err(Usage("give --event TYPE or --event-json FILE".into())),
    };
    let mut builder = SetBuilder::new(&args.iss, &args.aud).event(event);
    if let Some(jti) = &args.jti {
        builder = builder.jti(jti);
    }
    if let Some(iat) = args.iat {
        builder = builder.iat(iat);
    }
    let token = builder.sign(&key)?;
    // Okta's issuer and audience are URLs; a bare host or `http://` here is the start of an
    // `invalid_issuer` or `invalid_audience` later.
    for (flag, value) in [("--iss", &args.iss), ("--aud", &args.aud)] {
        if !value.starts_with("https://") {
            log::warn!("{flag} is not an https:// URL; Okta compares it byte for byte");
        }
    }
    match &args.spool {
        Some(dir) => {
            let spool = okta_ssf::spool::Spool::open(dir).map_err(|e| Usage(e.to_string()))?;
            let jti = spool.add(&token).map_err(|e| Usage(e.to_string()))?;
            println!("queued {jti}");
        }
        None => println!("{token}"),
    }
    Ok(true)
}

pub(crate) fn jwks(args: JwksArgs) -> Result<bool, Usage> {
    if args.key.len() != args.kid.len() {
        return Err(Usage(format!(
            "give --key and --kid in pairs ({} keys, {} kids)",
            args.key.len(),
            args.kid.len()
        )));
    }
    // Two keys under one id would leave Okta to pick either: a rotation gone wrong.
    for (n, kid) in args.kid.iter().enumerate() {
        if args.kid[..n].contains(kid) {
            return Err(Usage(format!("--kid {kid} is given twice; each key needs its own id")));
        }
    }
    // Each key's public half: from a private key, or a public key as it is (one kept in a
    // vault signs elsewhere).
    let keys = args
        .key
        .iter()
        .zip(&args.kid)
        .map(|(path, kid)| {
            let pem = read_all(path, "key ")?;
            match SigningKey::from_pem(&pem, kid) {
                Ok(key) => Ok(key.jwk()),
                Err(SignError::NotAPrivateKey("public key")) => public_jwk(&pem, kid),
                Err(e) => Err(e),
            }
            .map_err(|e| Usage(format!("key {}: {e}", path.display())))
        })
        .collect::<Result<Vec<_>, _>>()?;
    println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "keys": keys }))?);
    Ok(true)
}

/// Print the transmitter's SSF configuration document, for a well-known URL.
///
/// A Security Events Provider can be registered with a well-known URL instead of an issuer and
/// a JWKS URL. The document names the issuer, the JWKS URL and push delivery (RFC 8935); the
/// URL to host it at is printed on standard error.
#[derive(clap::Args)]
#[command(after_help = crate::EXIT_STATUSES)]
pub(crate) struct MetadataArgs {
    /// The issuer, exactly as the tokens' `iss`: an `https://` URL.
    #[arg(long)]
    iss: String,
    /// Where the JWKS is hosted: an `https://` URL.
    #[arg(long, value_name = "URL")]
    jwks_url: String,
}

pub(crate) fn metadata(args: MetadataArgs) -> Result<bool, Usage> {
    for (flag, value) in [("--iss", &args.iss), ("--jwks-url", &args.jwks_url)] {
        check_https_url(flag, value).map_err(|e| match e {
            ProviderError::InvalidRequest(why) => Usage(why),
            other => Usage(other.to_string()),
        })?;
    }
    let document = serde_json::json!({
        "spec_version": "1_0",
        "issuer": args.iss,
        "jwks_uri": args.jwks_url,
        "delivery_methods_supported": ["urn:ietf:rfc:8935"],
    });
    println!("{}", serde_json::to_string_pretty(&document)?);
    // The well-known path goes between the host and the issuer's own path (SSF 1.0, §6.2).
    let after_scheme = &args.iss["https://".len()..];
    let (host, path) = after_scheme.split_at(after_scheme.find('/').unwrap_or(after_scheme.len()));
    if !crate::quiet() {
        eprintln!(
            "host it at https://{host}/.well-known/ssf-configuration{}",
            path.trim_end_matches('/')
        );
    }
    Ok(true)
}
