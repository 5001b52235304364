//! `okta-ssf doctor`: the whole chain from this machine to an accepted SET, checked.

use std::net::ToSocketAddrs;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use okta_ssf::provider::{Credentials, ProviderError, ProviderStatus, Providers, check_https_url};
use okta_ssf::receiver::{Jwks, ReceiverConfig, ReceiverError};
use okta_ssf::sign::{Event, SetBuilder, SigningKey, Subject};
use okta_ssf::{Client, ErrorCode, SECEVENT_JWT, Status};
use serde_json::json;

use crate::provider::Org;
use crate::{Usage, chain};

/// The largest difference between this machine's clock and the org's that `doctor` accepts.
const MAX_SKEW: Duration = Duration::from_secs(60);

const DOCTOR_EXIT: &str = "\
Checks, one line each, `ok`, `fail` with what to do, or `skip` when an earlier failure or a
missing option leaves nothing to check:
  domain    the domain is one this tool accepts, and its name resolves
  tls       TLS to the org succeeds with a trusted certificate
  clock     this machine's clock is within 60 s of the org's Date (Okta checks iat)
  endpoint  the SET endpoint answers a probe that is not a token with 400 invalid_request
  jwks      the JWKS URL is https, answers JSON, holds --kid, and that key is --key's public half
  token     a token signed with --key, iss --iss, passes the checks Okta makes
  provider  with management credentials (see `okta-ssf provider --help`): a provider has --iss
            exactly, the JWKS URL, and is ACTIVE

Exit status:
  0  every check passed (or was skipped for want of an option)
  1  a check failed
  2  a usage error (an unreadable key file, a conflicting flag)";

/// Check the whole chain to an accepted SET: the domain, TLS and the clock, the SET endpoint,
/// the JWKS and the key, a signed token, and the provider registered in the org.
#[derive(clap::Args)]
#[command(after_help = DOCTOR_EXIT)]
pub(crate) struct DoctorArgs {
    /// The private key the tokens are signed with (PEM: RSA or P-256).
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// The key's id in the JWKS.
    #[arg(long)]
    kid: String,
    /// The issuer the tokens carry as `iss`.
    #[arg(long)]
    iss: String,
    /// Where the JWKS is hosted; by default the JWKS URL of the provider registered with --iss.
    #[arg(long, value_name = "URL")]
    jwks_url: Option<String>,
    #[command(flatten)]
    org: Org,
}

/// How many checks passed, failed and were skipped so far.
struct Report {
    json: bool,
    counts: [usize; 3],
    failed: bool,
}

impl Report {
    fn line(&mut self, check: &str, result: Check) {
        let (verdict, detail) = match result {
            Ok(detail) => ("ok", detail),
            Err(detail) => ("fail", detail),
        };
        self.print(check, verdict, &detail);
    }

    fn skip(&mut self, check: &str, why: &str) {
        self.print(check, "skip", why);
    }

    /// `N ok, N failed, N skipped`, for standard error.
    fn summary(&self) -> String {
        let [ok, failed, skipped] = self.counts;
        format!("doctor: {ok} ok, {failed} failed, {skipped} skipped")
    }

    fn print(&mut self, check: &str, verdict: &str, detail: &str) {
        let slot = ["ok", "fail", "skip"].iter().position(|v| *v == verdict).unwrap_or(2);
        self.counts[slot] += 1;
        self.failed |= verdict == "fail";
        match self.json {
            true => println!("{}", json!({"check": check, "result": verdict, "detail": detail})),
            false => println!("{verdict:<4} {check:<8} {detail}"),
        }
    }
}

pub(crate) fn run(args: DoctorArgs) -> Result<bool, Usage> {
    let pem = crate::input::read_all(&args.key, "")?;
    let key = SigningKey::from_pem(&pem, &args.kid)
        .map_err(|e| Usage(format!("{}: {e}", args.key.display())))?;
    let mut report = Report { json: args.org.json, counts: [0; 3], failed: false };
    let bundles = args.org.trust.bundles()?;

    // 1. The domain, and its name.
    let client = match args.org.builder()?.build() {
        Ok(client) => client,
        Err(e) => {
            report.line("domain", Err(chain(&e)));
            for check in ["tls", "clock", "endpoint", "jwks", "token", "provider"] {
                report.skip(check, "the domain is not usable");
            }
            return Ok(false);
        }
    };
    // The client made the origin: `http::Uri` reads it back.
    let origin = client.origin().parse::<ureq::http::Uri>().unwrap_or_default();
    let authority = origin.authority().map_or("", |a| a.as_str());
    let host = origin.host().unwrap_or_default();
    let resolved = resolve(&origin);
    let reachable = resolved.is_ok();
    report.line("domain", resolved);

    // 2 and 3. TLS, the clock and the SET endpoint, from one probe.
    let probe = if reachable { Some(okta_ssf::provider::probe(&client)) } else { None };
    match &probe {
        None => {
            for check in ["tls", "clock", "endpoint"] {
                report.skip(check, "the name does not resolve");
            }
        }
        Some(Err(e)) => {
            let advice = match e {
                okta_ssf::Error::UntrustedCertificate { .. } => args.org.trust.advice(host),
                e => format!("no answer from {authority}: {}", chain(e)),
            };
            report.line("tls", Err(advice));
            report.skip("clock", "no answer from the org");
            report.skip("endpoint", "no answer from the org");
        }
        Some(Ok(probe)) => {
            let tls = match origin.scheme_str() == Some("https") {
                true => format!("{host} presented a certificate this machine trusts"),
                false => format!("plain http to the loopback host {host}: no TLS to check"),
            };
            report.line("tls", Ok(tls));
            match probe.date {
                Some(date) => report.line("clock", clock(date)),
                None => report.skip("clock", "the answer had no Date header"),
            }
            report.line("endpoint", endpoint(&client, &probe.outcome));
        }
    }

    // 6 first, for the JWKS URL it knows; printed last.
    let registered = provider(&args);
    let jwks_url = args.jwks_url.clone().or_else(|| registered.1.clone());

    // 4 and 5. The JWKS, the key and a signed token.
    match jwks_url {
        None => {
            let why = match registered.0 {
                None => "give --jwks-url (or management credentials to read it from the provider)",
                Some(_) => "give --jwks-url: no provider registered with --iss names one",
            };
            report.skip("jwks", why);
            report.skip("token", "no JWKS to verify with");
        }
        Some(url) => {
            let (jwks, token) =
                keys_and_token(&url, &args.org.trust, &bundles, &key, &args.iss, client.origin());
            let verified = jwks.is_ok();
            report.line("jwks", jwks);
            match verified {
                true => report.line("token", token),
                false => report.skip("token", "the JWKS does not verify this key"),
            }
        }
    }

    match registered.0 {
        Some(result) => report.line("provider", result),
        None => report.skip(
            "provider",
            "no management credentials: set OKTA_CLIENT_TOKEN, or the OAuth app's OKTA_CLIENT_CLIENTID, OKTA_CLIENT_PRIVATEKEY and OKTA_CLIENT_KID",
        ),
    }
    if !crate::quiet() {
        eprintln!("{}", report.summary());
    }
    Ok(!report.failed)
}

/// Looks the org's name up, bounded by the client's connect timeout; behind a proxy, which
/// looks names up itself, only says so.
fn resolve(origin: &ureq::http::Uri) -> Check {
    let authority = origin.authority().map_or("", |a| a.as_str());
    let host = origin.host().unwrap_or_default().trim_start_matches('[').trim_end_matches(']');
    let https = origin.scheme_str() == Some("https");
    let port = origin.port_u16().unwrap_or(if https { 443 } else { 80 });
    let loopback =
        host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    let proxies = ["ALL_PROXY", "HTTPS_PROXY", "all_proxy", "https_proxy"];
    let proxied = proxies.iter().any(|v| std::env::var_os(v).is_some_and(|p| !p.is_empty()));
    if proxied && !loopback {
        return Ok(format!("{authority} is a usable org address; the proxy looks its name up"));
    }
    let (tell, answer) = std::sync::mpsc::channel();
    let name = (host.to_owned(), port);
    std::thread::spawn(move || tell.send(name.to_socket_addrs().map(Iterator::count)));
    match answer.recv_timeout(okta_ssf::DEFAULT_CONNECT_TIMEOUT) {
        Ok(Ok(n)) if n > 0 => Ok(format!(
            "{authority} is a usable org address; its name resolves ({n} address{})",
            if n == 1 { "" } else { "es" }
        )),
        Ok(Ok(_)) => Err(format!(
            "{authority} resolves to no address; check the domain and the machine's DNS"
        )),
        Ok(Err(e)) => Err(format!(
            "{authority} does not resolve ({e}); check the domain and the machine's DNS"
        )),
        Err(_) => Err(format!(
            "looking up {authority} took longer than {}s; check the machine's DNS",
            okta_ssf::DEFAULT_CONNECT_TIMEOUT.as_secs()
        )),
    }
}

/// This machine's clock against the org's `Date`.
fn clock(date: SystemTime) -> Check {
    let now = SystemTime::now();
    let (skew, direction) = match now.duration_since(date) {
        Ok(ahead) => (ahead, "ahead of"),
        Err(behind) => (behind.duration(), "behind"),
    };
    // `Date` has whole seconds: a second of difference is rounding.
    let seconds = skew.as_secs();
    match skew <= MAX_SKEW {
        true => Ok(format!("this machine's clock is within {}s of the org's", seconds.max(1))),
        false => Err(format!(
            "this machine's clock is {seconds}s {direction} the org's; synchronise it (NTP): Okta refuses a SET whose iat is too far from its own clock"
        )),
    }
}

/// What the probe says of the SET endpoint.
fn endpoint(client: &Client, outcome: &Result<Status, okta_ssf::Error>) -> Check {
    let url = client.endpoint();
    match outcome {
        Ok(Status::Rejected(r)) if *r.code() == ErrorCode::InvalidRequest => {
            Ok(format!("{url} answers: 400 invalid_request to a probe that is not a token"))
        }
        Ok(Status::Rejected(r)) => Err(format!(
            "{url} answered 400 {}, not invalid_request: not Okta's SSF receiver?",
            r.code()
        )),
        Ok(_) => Err(format!("{url} accepted a probe that is not a token: not an SSF receiver")),
        Err(okta_ssf::Error::NotFound(_)) => Err(format!(
            "nothing at {url} (404): the org may not have Identity Threat Protection, whose SSF receiver this is, or the domain is another org's"
        )),
        Err(e) => Err(format!("{url}: {}", chain(e))),
    }
}

/// Checks 4 and 5: the JWKS at `url` against `key`, then a token signed with it.
fn keys_and_token(
    url: &str,
    trust: &crate::Trust,
    bundles: &[Vec<u8>],
    key: &SigningKey,
    iss: &str,
    aud: &str,
) -> (Check, Check) {
    let failed = |why: String| (Err(why), Err(String::new()));
    if let Err(e) = check_https_url("the JWKS URL", url) {
        return failed(match e {
            ProviderError::InvalidRequest(why) => why,
            e => e.to_string(),
        });
    }
    let jwks = match Jwks::fetch_trusting(url, bundles) {
        Ok(jwks) => jwks,
        Err(ReceiverError::JwksUntrusted(_)) => {
            let host = url.split('/').nth(2).unwrap_or_default();
            return failed(trust.advice(host));
        }
        Err(e) => return failed(format!("{url}: {}", chain(&e))),
    };
    let kid = key.kid();
    match jwks.holds(kid, &key.jwk()) {
        None => {
            return failed(format!(
                "{url} has no key with kid {kid}: publish `okta-ssf jwks --key FILE --kid {kid}` there (with the old key too while tokens signed with it are in flight)"
            ));
        }
        Some(false) => {
            return failed(format!(
                "{url}'s key {kid} is not --key's public half (a key made again?): publish the JWKS of this key, or sign with the key it names"
            ));
        }
        Some(true) => {}
    }
    let subject = Subject::user_email("okta-ssf-doctor@example.invalid");
    let token = match SetBuilder::new(iss, aud).event(Event::session_revoked(subject)).sign(key) {
        Ok(token) => token,
        Err(e) => return failed(format!("cannot sign with --key: {e}")),
    };
    let verdict =
        ReceiverConfig::new(jwks, &[iss], aud).judge_one(Some(SECEVENT_JWT), token.as_bytes());
    let description = verdict.description().unwrap_or_default();
    let jwks = Ok(format!("{url} holds kid {kid}, and it is --key's public half"));
    let token = match verdict.status() {
        202 => Ok(format!(
            "a token signed with --key, iss {iss:?}, aud {aud}, passes the checks Okta makes"
        )),
        status => Err(format!(
            "a token signed with --key is refused ({status} {}: {description})",
            verdict.code().map_or("", ErrorCode::as_str)
        )),
    };
    (jwks, token)
}

/// A check's line: `Ok` with what passed, `Err` with what to do.
type Check = Result<String, String>;

/// Check 6 (`None` without management credentials), and the JWKS URL registered for --iss.
fn provider(args: &DoctorArgs) -> (Option<Check>, Option<String>) {
    let credentials = match Credentials::from_env() {
        Ok(credentials) => credentials.dpop(!args.org.no_dpop),
        Err(ProviderError::NoCredentials) => return (None, None),
        Err(e) => return (Some(Err(chain(&e))), None),
    };
    let listed = args
        .org
        .builder()
        .map_err(|Usage(message)| message)
        .and_then(|builder| Providers::new(builder, credentials).map_err(|e| chain(&e)))
        .and_then(|providers| providers.list().map_err(|e| args.org.advice(&e)));
    let all = match listed {
        Ok(all) => all,
        Err(message) => return (Some(Err(message)), None),
    };
    let iss = args.iss.as_str();
    // Of the providers with this issuer, the one that works if any: ACTIVE, with the JWKS URL.
    let mut same = all.iter().filter(|p| p.issuer.as_deref() == Some(iss)).collect::<Vec<_>>();
    same.sort_by_key(|p| {
        let jwks_differs = args.jwks_url.is_some() && p.jwks_url != args.jwks_url;
        (p.status != ProviderStatus::Active, jwks_differs)
    });
    let Some(found) = same.first() else {
        let near = all.iter().find_map(|p| {
            let theirs = p.issuer.as_deref()?;
            let (bare, wanted) = (theirs.trim_end_matches('/'), iss.trim_end_matches('/'));
            let how = if bare == wanted {
                "by a trailing slash"
            } else if theirs.eq_ignore_ascii_case(iss) {
                "in case"
            } else if bare.eq_ignore_ascii_case(wanted) {
                "by a trailing slash and in case"
            } else {
                return None;
            };
            Some(format!(
                "{} has issuer {theirs:?}, which differs from --iss {iss:?} {how}; Okta compares byte for byte: make them the same",
                p.id
            ))
        });
        let none = format!(
            "no provider has issuer {iss:?}: register one with `okta-ssf provider create --name NAME --iss {iss} --jwks-url URL`"
        );
        return (Some(Err(near.unwrap_or(none))), None);
    };
    let registered = found.jwks_url.clone();
    let (id, name) = (&found.id, &found.name);
    let result = match (&args.jwks_url, &registered) {
        (Some(wanted), Some(theirs)) if wanted != theirs => Err(format!(
            "{id} ({name:?}) has JWKS URL {theirs}, not --jwks-url {wanted}: `okta-ssf provider update {id}` with the one you host"
        )),
        _ if found.status != ProviderStatus::Active => Err(format!(
            "{id} ({name:?}) is {}: Okta refuses its SETs; `okta-ssf provider activate {id}`",
            found.status
        )),
        _ => Ok(format!("{id} ({name:?}) has this issuer and JWKS URL, and is ACTIVE")),
    };
    (Some(result), registered)
}
