//! `okta-ssf doctor`, run as a built binary against a fake Okta org over HTTPS (a CA made at
//! test time): a good set-up passes every check, and each broken one fails its own check with
//! the advice that fixes it.
#![cfg(feature = "cli")]

mod common;
#[path = "common/org.rs"]
mod org;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::net::TestPki;
use okta_ssf::sign::{SigningKey, jwks};
use org::{API_TOKEN, FakeOrg};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_okta-ssf");
const ISS: &str = "https://transmitter.example.com";
const KID: &str = "doctor-1";
const PROVIDER_ID: &str = "sse1qu4fUtsoD12iF0g5";
const PROVIDER_NAME: &str = "Doctor's transmitter";
const CHECKS: [&str; 7] = ["domain", "tls", "clock", "endpoint", "jwks", "token", "provider"];
/// What `provider` says without management credentials.
const NO_CREDENTIALS: &str = "no management credentials: set OKTA_CLIENT_TOKEN, or the OAuth app's OKTA_CLIENT_CLIENTID, OKTA_CLIENT_PRIVATEKEY and OKTA_CLIENT_KID";

/// A test key of `tests/data` (a P-256 or RSA-2048 key, PKCS#8).
fn key_file(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

fn ec_key() -> PathBuf {
    key_file("ec-p256-pkcs8.pem")
}

/// The JWKS of the key in `file`, under `kid`: what `okta-ssf jwks --key FILE --kid KID` prints.
fn jwks_of(file: &Path, kid: &str) -> Value {
    let pem = std::fs::read(file).expect("key file");
    jwks(&[&SigningKey::from_pem(&pem, kid).expect("key")])
}

/// A fresh temporary directory, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Scratch {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("okta-ssf-doctor-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fake org with the CA's certificate in a file, serving the JWKS of the EC test key under
/// [`KID`] and one ACTIVE provider with [`ISS`] and that JWKS's URL.
struct Setup {
    org: FakeOrg,
    ca: PathBuf,
    _scratch: Scratch,
}

impl Setup {
    fn new() -> Setup {
        let pki = TestPki::new(&["localhost", "127.0.0.1"]);
        let org = FakeOrg::start(&pki);
        let scratch = Scratch::new();
        let ca = scratch.0.join("ca.pem");
        std::fs::write(&ca, &pki.ca_pem).expect("write the CA");
        org.set_jwks(jwks_of(&ec_key(), KID));
        org.set_providers(vec![org.provider(
            PROVIDER_ID,
            PROVIDER_NAME,
            "ACTIVE",
            ISS,
            &org.jwks_url(),
        )]);
        Setup { org, ca, _scratch: scratch }
    }

    /// `okta-ssf doctor` for this org with `--key` the EC test key, `--kid` [`KID`], `--iss`
    /// [`ISS`] and `--root-certs` the CA, then `extra`; nothing from this machine's
    /// environment (credentials, proxies, certificate stores) reaches it.
    fn doctor(&self, extra: &[&str]) -> Command {
        let mut command = self.bare(&["--root-certs", self.ca.to_str().expect("utf-8 path")]);
        command.args(["--key", ec_key().to_str().expect("utf-8 path"), "--kid", KID, "--iss", ISS]);
        command.args(extra);
        command
    }

    /// `okta-ssf doctor --domain localhost:PORT --no-system-roots --timeout 10`, then `args`.
    fn bare(&self, args: &[&str]) -> Command {
        let mut command = Command::new(BIN);
        command.args(["doctor", "--domain", &self.org.domain(), "--no-system-roots"]);
        command.args(["--timeout", "10"]).args(args);
        common::without_host_env(&mut command);
        command
    }

    fn jwks_url_arg(&self) -> String {
        self.org.jwks_url()
    }
}

/// With the org's API token, for the provider check.
fn with_token(mut command: Command) -> Command {
    command.env("OKTA_CLIENT_TOKEN", API_TOKEN);
    command
}

fn run(mut command: Command) -> Output {
    command.stdin(Stdio::null()).output().expect("run okta-ssf")
}

/// One printed check: its result, its name and its detail.
#[derive(Debug, PartialEq, Eq)]
struct Line {
    result: String,
    check: String,
    detail: String,
}

/// The text lines, `{result:<4} {check:<8} {detail}`, one per check in [`CHECKS`]' order.
fn lines(output: &Output) -> Vec<Line> {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<Line> = stdout
        .lines()
        .map(|line| {
            let (result, rest) = line.split_at_checked(4).expect("a result column");
            let rest = rest.strip_prefix(' ').expect("a space after the result");
            let (check, detail) = rest.split_at_checked(8).expect("a check column");
            let detail = detail.strip_prefix(' ').expect("a space after the check");
            Line {
                result: result.trim_end().into(),
                check: check.trim_end().into(),
                detail: detail.into(),
            }
        })
        .collect();
    let names: Vec<&str> = lines.iter().map(|l| l.check.as_str()).collect();
    assert_eq!(names, CHECKS, "stdout:\n{stdout}\nstderr:\n{stderr}");
    lines
}

fn line<'a>(lines: &'a [Line], check: &str) -> &'a Line {
    lines.iter().find(|l| l.check == check).expect("every check has a line")
}

/// Asserts the line of `check` is exactly `result` and `detail`.
fn assert_line(lines: &[Line], check: &str, result: &str, detail: &str) {
    let expected = Line { result: result.into(), check: check.into(), detail: detail.into() };
    assert_eq!(line(lines, check), &expected, "all lines: {lines:#?}");
}

/// Asserts the line of `check` has `result` and a detail holding each of `parts`.
fn assert_mentions(lines: &[Line], check: &str, result: &str, parts: &[&str]) {
    let found = line(lines, check);
    assert_eq!(found.result, result, "{check}: {lines:#?}");
    for part in parts {
        assert!(found.detail.contains(part), "{check} should mention {part:?}: {found:#?}");
    }
}

fn assert_exit(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The lines of checks 1 to 3 and the endpoint, for an org that answers as it should.
fn assert_org_reachable(setup: &Setup, lines: &[Line]) {
    let domain = line(lines, "domain");
    assert_eq!(domain.result, "ok");
    let usable = format!("{} is a usable org address; its name resolves (", setup.org.domain());
    assert!(domain.detail.starts_with(&usable), "{domain:?}");
    assert!(domain.detail.ends_with(" address)") || domain.detail.ends_with(" addresses)"));
    assert_line(lines, "tls", "ok", "localhost presented a certificate this machine trusts");
    let clock = line(lines, "clock");
    assert_eq!(clock.result, "ok");
    let within = clock
        .detail
        .strip_prefix("this machine's clock is within ")
        .and_then(|rest| rest.strip_suffix("s of the org's"))
        .and_then(|seconds| seconds.parse::<u64>().ok())
        .unwrap_or_else(|| panic!("{clock:?}"));
    assert!((1..=5).contains(&within), "{clock:?}");
    let endpoint = format!(
        "{} answers: 400 invalid_request to a probe that is not a token",
        setup.org.endpoint()
    );
    assert_line(lines, "endpoint", "ok", &endpoint);
}

/// The `ok` lines of the JWKS at `url` and the token.
fn assert_keys_ok(setup: &Setup, lines: &[Line], url: &str) {
    let holds = format!("{url} holds kid {KID}, and it is --key's public half");
    assert_line(lines, "jwks", "ok", &holds);
    let token = format!(
        "a token signed with --key, iss {ISS:?}, aud {}, passes the checks Okta makes",
        setup.org.origin()
    );
    assert_line(lines, "token", "ok", &token);
}

fn provider_ok() -> String {
    format!("{PROVIDER_ID} ({PROVIDER_NAME:?}) has this issuer and JWKS URL, and is ACTIVE")
}

// 1. A good set-up.

#[test]
fn a_good_set_up_passes_every_check() {
    let setup = Setup::new();
    let output = run(with_token(setup.doctor(&["--jwks-url", &setup.jwks_url_arg()])));
    let lines = lines(&output);
    assert_org_reachable(&setup, &lines);
    assert_keys_ok(&setup, &lines, &setup.org.jwks_url());
    assert_line(&lines, "provider", "ok", &provider_ok());
    assert!(lines.iter().all(|l| l.result == "ok"), "{lines:#?}");
    assert_exit(&output, 0);
    assert_eq!(String::from_utf8_lossy(&output.stderr), "doctor: 7 ok, 0 failed, 0 skipped\n");

    // What reached the org: the probe (not a token), the JWKS, the list with the API token.
    let seen = setup.org.seen();
    let probe = seen.iter().find(|s| s.method == "POST").expect("a probe");
    assert_eq!(probe.target, org::EVENTS_PATH);
    assert_eq!(probe.authorization, None, "the probe carries no credentials");
    let dots = probe.body.iter().filter(|b| **b == b'.').count();
    assert!(!probe.body.is_empty() && dots != 2, "not a compact JWS: nothing can be an event");
    let list = seen.iter().find(|s| s.target == org::PROVIDERS_PATH).expect("the list");
    assert_eq!(list.method, "GET");
    assert_eq!(list.authorization.as_deref(), Some(format!("SSWS {API_TOKEN}").as_str()));
    assert!(seen.iter().any(|s| s.method == "GET" && s.target == org::JWKS_PATH));
}

#[test]
fn a_good_set_up_without_jwks_url_takes_the_providers() {
    let setup = Setup::new();
    let output = run(with_token(setup.doctor(&[])));
    let lines = lines(&output);
    assert_org_reachable(&setup, &lines);
    assert_keys_ok(&setup, &lines, &setup.org.jwks_url());
    assert_line(&lines, "provider", "ok", &provider_ok());
    assert_exit(&output, 0);
}

#[test]
fn a_good_set_up_with_an_rsa_key_passes_every_check() {
    let setup = Setup::new();
    let rsa = key_file("rsa-pkcs8.pem");
    setup.org.set_jwks(jwks_of(&rsa, "rsa-1"));
    let mut command = setup.bare(&["--root-certs", setup.ca.to_str().expect("utf-8")]);
    command.args(["--key", rsa.to_str().expect("utf-8"), "--kid", "rsa-1", "--iss", ISS]);
    let output = run(with_token(command));
    let lines = lines(&output);
    assert_org_reachable(&setup, &lines);
    let url = setup.org.jwks_url();
    assert_line(
        &lines,
        "jwks",
        "ok",
        &format!("{url} holds kid rsa-1, and it is --key's public half"),
    );
    assert_eq!(line(&lines, "token").result, "ok");
    assert_line(&lines, "provider", "ok", &provider_ok());
    assert_exit(&output, 0);
}

// 2. Each broken set-up fails its own check, with the advice that fixes it.

#[test]
fn a_wrong_kid_fails_jwks() {
    let setup = Setup::new();
    let url = setup.jwks_url_arg();
    let mut command = setup.bare(&["--root-certs", setup.ca.to_str().expect("utf-8")]);
    command.args(["--key", ec_key().to_str().expect("utf-8"), "--kid", "doctor-2"]);
    command.args(["--iss", ISS, "--jwks-url", &url]);
    let output = run(with_token(command));
    let lines = lines(&output);
    assert_org_reachable(&setup, &lines);
    let advice = format!(
        "{url} has no key with kid doctor-2: publish `okta-ssf jwks --key FILE --kid doctor-2` there (with the old key too while tokens signed with it are in flight)"
    );
    assert_line(&lines, "jwks", "fail", &advice);
    assert_line(&lines, "token", "skip", "the JWKS does not verify this key");
    assert_line(&lines, "provider", "ok", &provider_ok());
    assert_exit(&output, 1);
}

#[test]
fn another_keys_jwks_fails_jwks() {
    let setup = Setup::new();
    let other = SigningKey::generate_p256(KID).expect("a new key");
    setup.org.set_jwks(jwks(&[&other]));
    let output = run(with_token(setup.doctor(&[])));
    let lines = lines(&output);
    assert_org_reachable(&setup, &lines);
    let advice = format!(
        "{}'s key {KID} is not --key's public half (a key made again?): publish the JWKS of this key, or sign with the key it names",
        setup.org.jwks_url()
    );
    assert_line(&lines, "jwks", "fail", &advice);
    assert_line(&lines, "token", "skip", "the JWKS does not verify this key");
    assert_line(&lines, "provider", "ok", &provider_ok());
    assert_exit(&output, 1);
}

#[test]
fn an_issuer_with_a_trailing_slash_fails_provider() {
    let setup = Setup::new();
    let slashed = format!("{ISS}/");
    let registered =
        setup.org.provider(PROVIDER_ID, PROVIDER_NAME, "ACTIVE", &slashed, &setup.org.jwks_url());
    setup.org.set_providers(vec![registered]);
    let output = run(with_token(setup.doctor(&["--jwks-url", &setup.jwks_url_arg()])));
    let lines = lines(&output);
    assert_org_reachable(&setup, &lines);
    assert_keys_ok(&setup, &lines, &setup.org.jwks_url());
    let advice = format!(
        "{PROVIDER_ID} has issuer {slashed:?}, which differs from --iss {ISS:?} by a trailing slash; Okta compares byte for byte: make them the same"
    );
    let provider = line(&lines, "provider");
    assert_eq!(provider.result, "fail", "{lines:#?}");
    assert!(provider.detail.ends_with(&advice), "{provider:#?}");
    assert_exit(&output, 1);
}

#[test]
fn an_issuer_near_miss_without_jwks_url_leaves_nothing_to_verify() {
    let setup = Setup::new();
    let slashed = format!("{ISS}/");
    let registered =
        setup.org.provider(PROVIDER_ID, PROVIDER_NAME, "ACTIVE", &slashed, &setup.org.jwks_url());
    setup.org.set_providers(vec![registered]);
    let output = run(with_token(setup.doctor(&[])));
    let lines = lines(&output);
    // No provider has --iss exactly, so no JWKS URL comes from one.
    assert_eq!(line(&lines, "jwks").result, "skip", "{lines:#?}");
    assert_line(&lines, "token", "skip", "no JWKS to verify with");
    assert_mentions(&lines, "provider", "fail", &["trailing slash"]);
    assert_exit(&output, 1);
}

/// The lines about a provider start with its id, as README's example shows (`ok   provider
/// sse1qg25RpusjUP6m0g5 ("Risk engine") has …`): the check's column already says `provider`.
#[test]
fn provider_lines_start_with_the_providers_id() {
    let setup = Setup::new();
    let url = setup.org.jwks_url();
    for (status, issuer) in
        [("ACTIVE", ISS.to_owned()), ("INACTIVE", ISS.to_owned()), ("ACTIVE", format!("{ISS}/"))]
    {
        let registered = setup.org.provider(PROVIDER_ID, PROVIDER_NAME, status, &issuer, &url);
        setup.org.set_providers(vec![registered]);
        let output = run(with_token(setup.doctor(&["--jwks-url", &url])));
        let lines = lines(&output);
        let provider = line(&lines, "provider");
        assert!(
            provider.detail.starts_with(&format!("{PROVIDER_ID} ")),
            "{status} {issuer}: {provider:#?}"
        );
    }
}

#[test]
fn an_issuer_in_another_case_fails_provider() {
    let setup = Setup::new();
    let upper = ISS.to_uppercase();
    let registered =
        setup.org.provider(PROVIDER_ID, PROVIDER_NAME, "ACTIVE", &upper, &setup.org.jwks_url());
    setup.org.set_providers(vec![registered]);
    let output = run(with_token(setup.doctor(&["--jwks-url", &setup.jwks_url_arg()])));
    let lines = lines(&output);
    assert_mentions(&lines, "provider", "fail", &[&format!("{upper:?}"), "in case"]);
    assert_exit(&output, 1);
}

#[test]
fn no_provider_with_the_issuer_fails_provider() {
    let setup = Setup::new();
    let other = setup.org.provider(
        PROVIDER_ID,
        PROVIDER_NAME,
        "ACTIVE",
        "https://other.example.com",
        &setup.org.jwks_url(),
    );
    setup.org.set_providers(vec![other]);
    let output = run(with_token(setup.doctor(&["--jwks-url", &setup.jwks_url_arg()])));
    let lines = lines(&output);
    let advice = format!(
        "no provider has issuer {ISS:?}: register one with `okta-ssf provider create --name NAME --iss {ISS} --jwks-url URL`"
    );
    assert_line(&lines, "provider", "fail", &advice);
    assert_exit(&output, 1);
}

#[test]
fn a_jwks_over_plain_http_fails_jwks() {
    let setup = Setup::new();
    let url = format!("http://{}{}", setup.org.domain(), org::JWKS_PATH);
    let output = run(setup.doctor(&["--jwks-url", &url]));
    let lines = lines(&output);
    assert_org_reachable(&setup, &lines);
    assert_mentions(&lines, "jwks", "fail", &["the JWKS URL must be https://", "TLS"]);
    assert_line(&lines, "token", "skip", "the JWKS does not verify this key");
    assert_line(&lines, "provider", "skip", NO_CREDENTIALS);
    assert_exit(&output, 1);
    assert!(!setup.org.seen().iter().any(|s| s.target == org::JWKS_PATH), "nothing fetched");
}

#[test]
fn a_jwks_url_other_than_the_providers_fails_provider() {
    let setup = Setup::new();
    let registered = "https://transmitter.example.com/.well-known/jwks.json";
    setup.org.set_providers(vec![setup.org.provider(
        PROVIDER_ID,
        PROVIDER_NAME,
        "ACTIVE",
        ISS,
        registered,
    )]);
    let url = setup.jwks_url_arg();
    let output = run(with_token(setup.doctor(&["--jwks-url", &url])));
    let lines = lines(&output);
    assert_keys_ok(&setup, &lines, &url);
    let advice = format!(
        "{PROVIDER_ID} ({PROVIDER_NAME:?}) has JWKS URL {registered}, not --jwks-url {url}: `okta-ssf provider update {PROVIDER_ID}` with the one you host"
    );
    assert_line(&lines, "provider", "fail", &advice);
    assert_exit(&output, 1);
}

#[test]
fn a_missing_endpoint_fails_endpoint() {
    let setup = Setup::new();
    setup.org.endpoint_missing(true);
    let output = run(with_token(setup.doctor(&["--jwks-url", &setup.jwks_url_arg()])));
    let lines = lines(&output);
    assert_line(&lines, "tls", "ok", "localhost presented a certificate this machine trusts");
    assert_eq!(line(&lines, "clock").result, "ok", "a 404 has a Date too");
    let advice = format!(
        "nothing at {} (404): the org may not have Identity Threat Protection, whose SSF receiver this is, or the domain is another org's",
        setup.org.endpoint()
    );
    assert_line(&lines, "endpoint", "fail", &advice);
    assert_keys_ok(&setup, &lines, &setup.org.jwks_url());
    assert_line(&lines, "provider", "ok", &provider_ok());
    assert_exit(&output, 1);
}

#[test]
fn an_inactive_provider_fails_provider() {
    let setup = Setup::new();
    let inactive =
        setup.org.provider(PROVIDER_ID, PROVIDER_NAME, "INACTIVE", ISS, &setup.org.jwks_url());
    setup.org.set_providers(vec![inactive]);
    let output = run(with_token(setup.doctor(&[])));
    let lines = lines(&output);
    assert_org_reachable(&setup, &lines);
    // The JWKS URL still comes from the provider, inactive or not.
    assert_keys_ok(&setup, &lines, &setup.org.jwks_url());
    let advice = format!(
        "{PROVIDER_ID} ({PROVIDER_NAME:?}) is INACTIVE: Okta refuses its SETs; `okta-ssf provider activate {PROVIDER_ID}`"
    );
    assert_line(&lines, "provider", "fail", &advice);
    assert_exit(&output, 1);
}

/// The seconds of a clock line's `this machine's clock is {N}s {direction} the org's; …`.
fn skew_of(line: &Line, direction: &str) -> u64 {
    let rest =
        line.detail.strip_prefix("this machine's clock is ").unwrap_or_else(|| panic!("{line:?}"));
    let (seconds, rest) = rest.split_once("s ").unwrap_or_else(|| panic!("{line:?}"));
    let advice = format!(
        "{direction} the org's; synchronise it (NTP): Okta refuses a SET whose iat is too far from its own clock"
    );
    assert_eq!(rest, advice);
    seconds.parse().unwrap_or_else(|_| panic!("{line:?}"))
}

#[test]
fn a_clock_ahead_of_the_orgs_fails_clock() {
    let setup = Setup::new();
    setup.org.date_skew(-300);
    let output = run(with_token(setup.doctor(&[])));
    let lines = lines(&output);
    let clock = line(&lines, "clock");
    assert_eq!(clock.result, "fail");
    let seconds = skew_of(clock, "ahead of");
    assert!((299..=305).contains(&seconds), "{clock:?}");
    // The rest still passes: the clock is advice, not a reason to stop.
    for check in CHECKS.iter().filter(|c| **c != "clock") {
        assert_eq!(line(&lines, check).result, "ok", "{lines:#?}");
    }
    assert_exit(&output, 1);
}

#[test]
fn a_clock_behind_the_orgs_fails_clock() {
    let setup = Setup::new();
    setup.org.date_skew(300);
    let output = run(setup.doctor(&["--jwks-url", &setup.jwks_url_arg()]));
    let lines = lines(&output);
    let clock = line(&lines, "clock");
    assert_eq!(clock.result, "fail");
    let seconds = skew_of(clock, "behind");
    assert!((295..=301).contains(&seconds), "{clock:?}");
    assert_exit(&output, 1);
}

#[test]
fn a_skew_under_a_minute_passes_clock() {
    let setup = Setup::new();
    setup.org.date_skew(-30);
    let output = run(setup.doctor(&["--jwks-url", &setup.jwks_url_arg()]));
    let lines = lines(&output);
    let clock = line(&lines, "clock");
    assert_eq!(clock.result, "ok", "{clock:?}");
    assert!(clock.detail.starts_with("this machine's clock is within 3"), "{clock:?}");
    assert_exit(&output, 0);
}

#[test]
fn an_untrusted_certificate_fails_tls_naming_root_certs() {
    let setup = Setup::new();
    let mut command = setup.bare(&["--key", ec_key().to_str().expect("utf-8")]);
    command.args(["--kid", KID, "--iss", ISS, "--jwks-url", &setup.jwks_url_arg()]);
    let output = run(with_token(command));
    let lines = lines(&output);
    assert_eq!(line(&lines, "domain").result, "ok");
    assert_line(
        &lines,
        "tls",
        "fail",
        "the TLS certificate of localhost was not trusted: its chain leads to no trusted root; trust that root with --root-certs FILE, or drop --no-system-roots and add it to the system's store (SSL_CERT_FILE names a bundle to use instead)",
    );
    assert_line(&lines, "clock", "skip", "no answer from the org");
    assert_line(&lines, "endpoint", "skip", "no answer from the org");
    // The JWKS, on the same untrusted host, and the provider API fail too; nothing is sent.
    // The JWKS host and the management API get the same advice as the org's TLS.
    let host = setup.org.jwks_url().split('/').nth(2).expect("host").to_owned();
    assert_mentions(&lines, "jwks", "fail", &[&host, "not trusted", "--root-certs"]);
    assert_line(&lines, "token", "skip", "the JWKS does not verify this key");
    assert_mentions(&lines, "provider", "fail", &["not trusted", "--root-certs"]);
    assert_exit(&output, 1);
    assert!(setup.org.seen().is_empty(), "{:?}", setup.org.seen());
}

#[test]
fn an_unusable_domain_fails_domain_and_skips_the_rest() {
    let mut command = Command::new(BIN);
    command.args(["doctor", "--domain", "{yourOktaDomain}", "--no-system-roots"]);
    command.args(["--key", ec_key().to_str().expect("utf-8"), "--kid", KID, "--iss", ISS]);
    command.env_remove("OKTA_CLIENT_TOKEN").env_remove("OKTA_CLIENT_ORGURL");
    let output = run(command);
    let lines = lines(&output);
    assert_eq!(line(&lines, "domain").result, "fail", "{lines:#?}");
    for check in &CHECKS[1..] {
        assert_line(&lines, check, "skip", "the domain is not usable");
    }
    assert_exit(&output, 1);
}

#[test]
fn a_wrong_api_token_fails_provider() {
    let setup = Setup::new();
    setup.org.require_token("00another-token");
    let output = run(with_token(setup.doctor(&["--jwks-url", &setup.jwks_url_arg()])));
    let lines = lines(&output);
    assert_keys_ok(&setup, &lines, &setup.org.jwks_url());
    assert_mentions(&lines, "provider", "fail", &["401"]);
    assert_exit(&output, 1);
}

// 3. Without management credentials.

#[test]
fn no_credentials_skips_provider_and_passes() {
    let setup = Setup::new();
    let output = run(setup.doctor(&["--jwks-url", &setup.jwks_url_arg()]));
    let lines = lines(&output);
    assert_org_reachable(&setup, &lines);
    assert_keys_ok(&setup, &lines, &setup.org.jwks_url());
    assert_line(&lines, "provider", "skip", NO_CREDENTIALS);
    assert_exit(&output, 0);
    assert!(!setup.org.seen().iter().any(|s| s.target == org::PROVIDERS_PATH));
}

#[test]
fn no_credentials_and_no_jwks_url_skips_jwks_token_and_provider() {
    let setup = Setup::new();
    let output = run(setup.doctor(&[]));
    let lines = lines(&output);
    assert_org_reachable(&setup, &lines);
    assert_line(
        &lines,
        "jwks",
        "skip",
        "give --jwks-url (or management credentials to read it from the provider)",
    );
    assert_line(&lines, "token", "skip", "no JWKS to verify with");
    assert_line(&lines, "provider", "skip", NO_CREDENTIALS);
    assert_exit(&output, 0);
}

/// Management credentials that are set but incomplete are a set-up to fix, not "no
/// credentials": the provider check must not be skipped as if none were given.
#[test]
fn incomplete_credentials_are_not_skipped_as_none() {
    let setup = Setup::new();
    let missing = setup.ca.with_file_name("no-such-oauth-key.pem");
    let mut command = setup.doctor(&["--jwks-url", &setup.jwks_url_arg()]);
    command.env("OKTA_CLIENT_CLIENTID", "0oa-doctor-service-app");
    command.env("OKTA_CLIENT_PRIVATEKEY", &missing).env("OKTA_CLIENT_KID", "oauth-1");
    let output = run(command);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    match output.status.code() {
        // A usage error (exit 2) that names the variable is as good as a failed check.
        Some(2) => assert!(stderr.contains("OKTA_CLIENT_PRIVATEKEY"), "{stderr}"),
        _ => {
            let lines = lines(&output);
            assert_mentions(&lines, "provider", "fail", &["OKTA_CLIENT_PRIVATEKEY"]);
            assert_exit(&output, 1);
        }
    }
    assert!(!stdout.contains(NO_CREDENTIALS), "{stdout}");
}

// 4. JSON lines.

#[test]
fn json_prints_one_object_per_check() {
    let setup = Setup::new();
    let output = run(with_token(setup.doctor(&["--json", "--jwks-url", &setup.jwks_url_arg()])));
    assert_exit(&output, 0);
    let stdout = String::from_utf8(output.stdout.clone()).expect("utf-8");
    let objects: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}")))
        .collect();
    assert_eq!(objects.len(), CHECKS.len(), "{stdout}");
    for (object, check) in objects.iter().zip(CHECKS) {
        let object = object.as_object().expect("an object");
        let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["check", "detail", "result"], "{object:?}");
        assert_eq!(object["check"], check);
        assert_eq!(object["result"], "ok", "{object:?}");
        assert!(object["detail"].as_str().is_some_and(|d| !d.is_empty()), "{object:?}");
    }
    assert_eq!(objects[6]["detail"], provider_ok());
}

#[test]
fn json_carries_fail_and_skip_with_their_details() {
    let setup = Setup::new();
    setup.org.endpoint_missing(true);
    let output = run(setup.doctor(&["--json", "--jwks-url", &setup.jwks_url_arg()]));
    assert_exit(&output, 1);
    let stdout = String::from_utf8(output.stdout.clone()).expect("utf-8");
    let objects: Vec<Value> =
        stdout.lines().map(|l| serde_json::from_str(l).expect("JSON")).collect();
    let results: Vec<(&str, &str)> = objects
        .iter()
        .map(|o| (o["check"].as_str().expect("check"), o["result"].as_str().expect("result")))
        .collect();
    assert_eq!(
        results,
        [
            ("domain", "ok"),
            ("tls", "ok"),
            ("clock", "ok"),
            ("endpoint", "fail"),
            ("jwks", "ok"),
            ("token", "ok"),
            ("provider", "skip"),
        ]
    );
    assert_eq!(objects[6]["detail"], NO_CREDENTIALS);
    assert!(objects[3]["detail"].as_str().expect("detail").contains("Identity Threat Protection"));
}

// 5. Usage errors.

#[test]
fn an_unreadable_key_file_is_a_usage_error() {
    let setup = Setup::new();
    let missing = setup.ca.with_file_name("no-such-key.pem");
    let mut command = setup.bare(&["--root-certs", setup.ca.to_str().expect("utf-8")]);
    command.args(["--key", missing.to_str().expect("utf-8"), "--kid", KID, "--iss", ISS]);
    let output = run(with_token(command));
    assert_exit(&output, 2);
    assert!(output.stdout.is_empty(), "no check ran: {}", String::from_utf8_lossy(&output.stdout));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.starts_with("okta-ssf: "), "{stderr}");
    assert!(stderr.contains("no-such-key.pem"), "{stderr}");
    assert!(setup.org.seen().is_empty(), "nothing reached the org");
}

#[test]
fn a_file_that_is_not_a_key_is_a_usage_error() {
    let setup = Setup::new();
    let mut command = setup.bare(&["--root-certs", setup.ca.to_str().expect("utf-8")]);
    // The CA's certificate: PEM, but no private key.
    command.args(["--key", setup.ca.to_str().expect("utf-8"), "--kid", KID, "--iss", ISS]);
    let output = run(command);
    assert_exit(&output, 2);
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("ca.pem"), "{stderr}");
}

#[test]
fn a_missing_required_option_is_a_usage_error() {
    let setup = Setup::new();
    let output = run(setup.bare(&["--key", ec_key().to_str().expect("utf-8"), "--iss", ISS]));
    assert_exit(&output, 2);
    assert!(output.stdout.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--kid"));
}

// Found in review: the provider that works among several, both near misses at once, a proxy.

#[test]
fn of_two_providers_with_the_issuer_the_active_one_is_checked() {
    let setup = Setup::new();
    let url = setup.org.jwks_url();
    setup.org.set_providers(vec![
        setup.org.provider("sse1old", "Old", "INACTIVE", ISS, &url),
        setup.org.provider(PROVIDER_ID, PROVIDER_NAME, "ACTIVE", ISS, &url),
    ]);
    let output = run(with_token(setup.doctor(&["--jwks-url", &url])));
    assert_line(&lines(&output), "provider", "ok", &provider_ok());
    assert_exit(&output, 0);
}

#[test]
fn an_issuer_off_by_a_slash_and_in_case_is_named_as_both() {
    let setup = Setup::new();
    let registered = format!("{}/", ISS.to_ascii_uppercase());
    let url = setup.org.jwks_url();
    setup.org.set_providers(vec![setup.org.provider(
        PROVIDER_ID,
        PROVIDER_NAME,
        "ACTIVE",
        &registered,
        &url,
    )]);
    let output = run(with_token(setup.doctor(&["--jwks-url", &url])));
    assert_mentions(
        &lines(&output),
        "provider",
        "fail",
        &[PROVIDER_ID, "by a trailing slash and in case"],
    );
    assert_exit(&output, 1);
}

#[test]
fn behind_a_proxy_the_name_is_left_to_the_proxy() {
    // A proxy that refuses connections: the name is not looked up here, and the probe fails.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let mut command = Command::new(BIN);
    command.args([
        "doctor",
        "--domain",
        "acme.example.invalid",
        "--no-system-roots",
        "--timeout",
        "5",
    ]);
    command.args(["--key", ec_key().to_str().expect("utf-8"), "--kid", KID, "--iss", ISS]);
    common::without_host_env(&mut command);
    command.env("HTTPS_PROXY", format!("http://127.0.0.1:{port}"));
    let output = run(command);
    let lines = lines(&output);
    assert_line(
        &lines,
        "domain",
        "ok",
        "acme.example.invalid is a usable org address; the proxy looks its name up",
    );
    assert_eq!(line(&lines, "tls").result, "fail", "{lines:#?}");
    assert_exit(&output, 1);
}
