//! The judge: Okta's verdict on one request's `Content-Type` and body, and the keys it verifies
//! signatures with. Nothing here touches a socket; the parent module serves HTTP around it.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::sync::Mutex;
use std::time::Instant;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// base64url as JWKS publishers write it, padded or not, stray low bits and all: a key that
/// another tool published is read, and the signature check decides.
const JWK_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);
use ring::signature::{self, UnparsedPublicKey};
use serde_json::{Value, json};

use super::{JWKS_REFETCH_INTERVAL, REMEMBERED_JTIS, ReceiverError, lock};
use crate::lint::Warning;
use crate::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, ErrorCode, SECEVENT_JWT, bounded_text, check_token,
};

/// A public key from a JWKS.
#[derive(Clone)]
enum PublicKey {
    Rsa { n: Vec<u8>, e: Vec<u8> },
    P256 { point: Vec<u8> },
}

impl PublicKey {
    fn verify(&self, alg: &str, message: &[u8], sig: &[u8]) -> bool {
        match (self, alg) {
            (PublicKey::Rsa { n, e }, "RS256") => signature::RsaPublicKeyComponents { n, e }
                .verify(&signature::RSA_PKCS1_2048_8192_SHA256, message, sig)
                .is_ok(),
            (PublicKey::P256 { point }, "ES256") => {
                UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
                    .verify(message, sig)
                    .is_ok()
            }
            _ => false,
        }
    }
}

/// The keys a receiver verifies signatures with, by `kid`.
#[derive(Clone, Default)]
pub struct Jwks {
    keys: HashMap<String, PublicKey>,
}

impl fmt::Debug for Jwks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut kids: Vec<_> = self.keys.keys().collect();
        kids.sort();
        f.debug_struct("Jwks").field("kids", &kids).finish()
    }
}

impl Jwks {
    /// Reads a JWKS document; keys other than RSA and EC P-256, and keys without `kid`, are
    /// skipped.
    ///
    /// # Errors
    ///
    /// [`ReceiverError::JwksNotJson`] or [`ReceiverError::JwksEmpty`].
    pub fn from_json(text: &str) -> Result<Jwks, ReceiverError> {
        let doc: Value = serde_json::from_str(text).map_err(|_| ReceiverError::JwksNotJson)?;
        Jwks::from_value(&doc)
    }

    /// Like [`from_json`](Jwks::from_json), from a parsed document (such as
    /// [`sign::jwks`](crate::sign::jwks)).
    ///
    /// # Errors
    ///
    /// As [`from_json`](Jwks::from_json).
    pub fn from_value(doc: &Value) -> Result<Jwks, ReceiverError> {
        let keys = doc.get("keys").and_then(Value::as_array).ok_or(ReceiverError::JwksNotJson)?;
        let mut jwks = Jwks::default();
        for key in keys {
            let member = |name: &str| {
                key.get(name).and_then(Value::as_str).and_then(|v| JWK_BASE64.decode(v).ok())
            };
            let Some(kid) = key.get("kid").and_then(Value::as_str) else {
                continue;
            };
            let public = match key.get("kty").and_then(Value::as_str) {
                Some("RSA") => match (member("n"), member("e")) {
                    (Some(n), Some(e)) => PublicKey::Rsa { n, e },
                    _ => continue,
                },
                Some("EC") if key.get("crv").and_then(Value::as_str) == Some("P-256") => {
                    match (member("x"), member("y")) {
                        (Some(x), Some(y)) if x.len() == 32 && y.len() == 32 => {
                            PublicKey::P256 { point: [&[4u8][..], &x, &y].concat() }
                        }
                        _ => continue,
                    }
                }
                _ => continue,
            };
            jwks.keys.insert(kid.to_owned(), public);
        }
        if jwks.keys.is_empty() {
            return Err(ReceiverError::JwksEmpty);
        }
        Ok(jwks)
    }

    /// Fetches a JWKS from `url` (HTTPS, or HTTP to a loopback host), with ureq, the bound
    /// timeouts of this crate and a 1 MiB limit, trusting Mozilla's roots.
    ///
    /// # Errors
    ///
    /// [`ReceiverError::JwksFetch`], or as [`from_json`](Jwks::from_json).
    pub fn fetch(url: &str) -> Result<Jwks, ReceiverError> {
        Jwks::fetch_trusting(url, &[])
    }

    /// Like [`fetch`](Jwks::fetch), also trusting the root certificates in `roots_pem` (PEM
    /// bundles, such as the system store's from `okta_ssf::roots::system_roots_pem`).
    ///
    /// # Errors
    ///
    /// As [`fetch`](Jwks::fetch); [`ReceiverError::JwksFetch`] also when a bundle holds no
    /// readable certificate.
    pub fn fetch_trusting(url: &str, roots_pem: &[Vec<u8>]) -> Result<Jwks, ReceiverError> {
        Jwks::fetch_with(&Jwks::agent(roots_pem)?, url)
    }

    /// The agent that fetches JWKS documents, trusting Mozilla's roots and those in `roots_pem`:
    /// made once, so that a refetch does not read the certificates again.
    pub(super) fn agent(roots_pem: &[Vec<u8>]) -> Result<ureq::Agent, ReceiverError> {
        let mut tls = ureq::tls::TlsConfig::builder();
        if !roots_pem.is_empty() {
            let bundled = webpki_root_certs::TLS_SERVER_ROOT_CERTS.iter();
            let mut roots: Vec<_> =
                bundled.map(|der| ureq::tls::Certificate::from_der(der).to_owned()).collect();
            for pem in roots_pem {
                let certificates: Vec<_> = ureq::tls::parse_pem(pem)
                    .filter_map(|item| match item {
                        Ok(ureq::tls::PemItem::Certificate(certificate)) => Some(certificate),
                        _ => None,
                    })
                    .collect();
                if certificates.is_empty() {
                    let none = "a root certificate bundle holds no readable PEM certificate";
                    return Err(ReceiverError::JwksFetch(none.into()));
                }
                roots.extend(certificates);
            }
            tls = tls.root_certs(ureq::tls::RootCerts::new_with_certs(&roots));
        }
        Ok(ureq::Agent::config_builder()
            .tls_config(tls.build())
            .timeout_global(Some(DEFAULT_TIMEOUT))
            .timeout_connect(Some(DEFAULT_CONNECT_TIMEOUT))
            .max_redirects(0)
            .build()
            .into())
    }

    /// Fetches the JWKS at `url` through `agent`.
    pub(super) fn fetch_with(agent: &ureq::Agent, url: &str) -> Result<Jwks, ReceiverError> {
        // The same URL rules as a receiver's (only loopback may be plain HTTP): the public
        // constructor that states them checks this URL too.
        crate::Client::with_endpoint(url).map_err(|e| ReceiverError::JwksFetch(Box::new(e)))?;
        let text = agent
            .get(url)
            .header("Accept", "application/json")
            .call()
            .and_then(|mut r| r.body_mut().with_config().limit(1024 * 1024).read_to_string())
            .map_err(|e| match &e {
                ureq::Error::Rustls(rustls::Error::InvalidCertificate(_)) => untrusted(e),
                // rustls reports a handshake failure through the stream, as an I/O error.
                ureq::Error::Io(io)
                    if io.get_ref().and_then(|inner| inner.downcast_ref()).is_some_and(
                        |inner| matches!(inner, rustls::Error::InvalidCertificate(_)),
                    ) =>
                {
                    untrusted(e)
                }
                _ => ReceiverError::JwksFetch(Box::new(e)),
            })?;
        Jwks::from_json(&text)
    }

    fn get(&self, kid: &str) -> Option<&PublicKey> {
        self.keys.get(kid)
    }

    /// Whether its key `kid` is the public key of `jwk` (a JWK such as
    /// [`SigningKey::jwk`](crate::sign::SigningKey::jwk) makes): the same RSA modulus and
    /// exponent, or the same P-256 point. `None` when it has no key `kid`.
    pub fn holds(&self, kid: &str, jwk: &Value) -> Option<bool> {
        let theirs = self.get(kid)?;
        let mine = Jwks::from_value(&json!({"keys": [jwk]})).ok();
        let mine = mine.and_then(|jwks| jwks.keys.into_values().next());
        // A big-endian number is the same with or without leading zero bytes.
        let number =
            |bytes: &[u8]| bytes.iter().skip_while(|&&b| b == 0).copied().collect::<Vec<_>>();
        Some(match (theirs, mine) {
            (PublicKey::Rsa { n, e }, Some(PublicKey::Rsa { n: n2, e: e2 })) => {
                number(n) == number(&n2) && number(e) == number(&e2)
            }
            (PublicKey::P256 { point }, Some(PublicKey::P256 { point: point2 })) => {
                *point == point2
            }
            _ => false,
        })
    }
}

fn untrusted(e: ureq::Error) -> ReceiverError {
    ReceiverError::JwksUntrusted(Box::new(e))
}

/// Where the receiver's keys come from.
#[derive(Clone, Debug)]
pub(super) enum KeySource {
    Fixed(Jwks),
    Url { url: String, agent: ureq::Agent, cached: Jwks, fetched: Option<Instant> },
}

/// What the receiver decided about one request.
///
/// `Debug` shows the status, code and description only: the claims carry personal data.
#[derive(Clone, PartialEq, Eq)]
pub struct Verdict {
    status: u16,
    code: Option<ErrorCode>,
    description: Option<String>,
    duplicate: bool,
    jti: Option<String>,
    iss: Option<String>,
    event_type: Option<String>,
    event: Option<Value>,
    /// What Okta is known to refuse or drop in a token that got this far, in Okta's words or
    /// the lint's: logged, so that a token Okta may drop silently is flagged even when accepted.
    warnings: Vec<String>,
}

impl fmt::Debug for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verdict")
            .field("status", &self.status)
            .field("code", &self.code)
            .field("description", &self.description)
            .field("duplicate", &self.duplicate)
            .finish_non_exhaustive()
    }
}

impl Verdict {
    /// `202` or `400`.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The error code of a `400`.
    pub fn code(&self) -> Option<&ErrorCode> {
        self.code.as_ref()
    }

    /// The description of a `400`.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// Whether an accepted token repeated a `jti` seen before (and was dropped).
    pub fn is_duplicate(&self) -> bool {
        self.duplicate
    }

    fn refuse(code: ErrorCode, description: impl Into<String>) -> Verdict {
        Verdict {
            status: 400,
            code: Some(code),
            description: Some(description.into()),
            duplicate: false,
            jti: None,
            iss: None,
            event_type: None,
            event: None,
            warnings: Vec::new(),
        }
    }

    fn name(&self) -> &str {
        match (&self.code, self.duplicate) {
            (Some(code), _) => code.as_str(),
            (None, true) => "duplicate",
            (None, false) => "accepted",
        }
    }
}

impl Verdict {
    /// The log line for this verdict, at `time`. It holds claim values by design: the log is the
    /// tester's own data, shown to the tester.
    pub(super) fn log_line(&self, time: String) -> Value {
        json!({
            "time": time,
            "verdict": self.name(),
            "status": self.status,
            "description": self.description,
            "jti": self.jti,
            "iss": self.iss,
            "event_type": self.event_type,
            "event": self.event,
            "warnings": self.warnings,
        })
    }
}

/// Okta's checks, with the keys, issuers and audience they check against and the `jti`s seen.
pub(super) struct Judge {
    keys: Mutex<KeySource>,
    issuers: Vec<String>,
    audience: String,
    seen: Mutex<(HashSet<String>, VecDeque<String>)>,
}

impl Judge {
    pub(super) fn new(keys: KeySource, issuers: Vec<String>, audience: String) -> Judge {
        Judge { keys: Mutex::new(keys), issuers, audience, seen: Mutex::default() }
    }

    fn key(&self, kid: &str) -> Option<PublicKey> {
        let (url, agent) = {
            let mut keys = lock(&self.keys);
            match &mut *keys {
                KeySource::Fixed(jwks) => return jwks.get(kid).cloned(),
                KeySource::Url { url, agent, cached, fetched } => {
                    if let Some(key) = cached.get(kid) {
                        return Some(key.clone());
                    }
                    if fetched.is_some_and(|at| at.elapsed() < JWKS_REFETCH_INTERVAL) {
                        return None;
                    }
                    // Claimed now, so that other connections do not fetch too.
                    *fetched = Some(Instant::now());
                    (url.clone(), agent.clone())
                }
            }
        };
        // Fetched without the lock: connections whose keys are known are not held up.
        let fresh = Jwks::fetch_with(&agent, &url).ok()?;
        let key = fresh.get(kid).cloned();
        if let KeySource::Url { cached, .. } = &mut *lock(&self.keys) {
            *cached = fresh;
        }
        key
    }

    /// The verdict on one request: its `Content-Type` and body.
    pub(super) fn judge(&self, content_type: Option<&str>, body: &[u8]) -> Verdict {
        let media_type = content_type.map(|c| c.split(';').next().unwrap_or_default().trim());
        if !media_type.is_some_and(|m| m.eq_ignore_ascii_case(SECEVENT_JWT)) {
            return Verdict::refuse(
                ErrorCode::InvalidRequest,
                "Content-Type must be application/secevent+jwt",
            );
        }
        let Ok(text) = std::str::from_utf8(body) else {
            return Verdict::refuse(
                ErrorCode::InvalidRequest,
                "The request body is not a security event token",
            );
        };
        let token = match check_token(text) {
            Ok(token) => token,
            Err(e) => {
                return Verdict::refuse(
                    ErrorCode::InvalidRequest,
                    format!("Invalid security event token: {e}"),
                );
            }
        };
        let Some(key) = self.key(token.kid()) else {
            return Verdict::refuse(
                ErrorCode::InvalidKey,
                format!("No key found for kid={}", bounded_text(token.kid())),
            );
        };
        let trimmed = text.trim_matches(|c: char| c.is_ascii_whitespace());
        let (signing_input, sig) = trimmed.rsplit_once('.').unwrap_or_default();
        let sig = URL_SAFE_NO_PAD.decode(sig).unwrap_or_default();
        if !key.verify(token.alg(), signing_input.as_bytes(), &sig) {
            return Verdict::refuse(
                ErrorCode::AuthenticationFailed,
                format!(
                    "Could not verify message signature, Verification failed for kid={}",
                    bounded_text(token.kid())
                ),
            );
        }
        // The first event, its type and body taken together.
        let (event_type, event) = token.events().into_iter().next().unzip();
        let mut verdict = Verdict {
            status: 202,
            code: None,
            description: None,
            duplicate: false,
            jti: Some(token.jti().to_owned()),
            iss: Some(token.issuer().to_owned()),
            event_type,
            event,
            warnings: token
                .okta_warnings(Some(&self.audience))
                .iter()
                .map(ToString::to_string)
                .collect(),
        };
        let refuse = |mut v: Verdict, code, description: String| {
            v.status = 400;
            v.code = Some(code);
            v.description = Some(description);
            v
        };
        if !self.issuers.iter().any(|i| i == token.issuer()) {
            return refuse(verdict, ErrorCode::InvalidIssuer, "Invalid issuer".into());
        }
        if !token.audiences().any(|a| a == self.audience) {
            return refuse(verdict, ErrorCode::InvalidAudience, "Invalid audience".into());
        }
        // Only the warnings Okta refuses a token for count here; the rest (a stale `iat`, no
        // reason) are accepted by Okta too.
        if let Some(description) = token.okta_warnings(None).iter().find_map(okta_description) {
            return refuse(verdict, ErrorCode::InvalidRequest, description);
        }
        let mut seen = lock(&self.seen);
        let (set, order) = &mut *seen;
        if !set.insert(token.jti().to_owned()) {
            verdict.duplicate = true;
        } else {
            order.push_back(token.jti().to_owned());
            if order.len() > REMEMBERED_JTIS {
                if let Some(old) = order.pop_front() {
                    set.remove(&old);
                }
            }
        }
        verdict
    }
}

/// The description Okta gives for an event it refuses, or `None` for warnings Okta accepts.
fn okta_description(warning: &Warning) -> Option<String> {
    const PREFIX: &str = "Failed claim validation in security event token.";
    let path = |event_type: &str, member: &str| {
        format!("events.{}.{}", okta_event_name(event_type), camel_case(member))
    };
    match warning {
        Warning::UnknownEventType(_) => Some(format!("{PREFIX} 'events': Unsupported event type")),
        Warning::MissingMember { event_type, member } => {
            Some(format!("{PREFIX} '{}': The field cannot be left blank", path(event_type, member)))
        }
        Warning::ValueNotAllowed { event_type, member, .. } => {
            Some(format!("{PREFIX} '{}': Not one of the allowed values", path(event_type, member)))
        }
        Warning::CamelCase { event_type, member, .. } => Some(format!(
            "{PREFIX} 'events.{}.{member}': Unrecognized field",
            okta_event_name(event_type)
        )),
        _ => None,
    }
}

/// Okta's internal name for an event type, as its descriptions print it. The compliance event's
/// is the one Okta's spec shows; the others follow the same pattern.
fn okta_event_name(short_name: &str) -> String {
    match short_name {
        "device-compliance-change" => "mediationDeviceComplianceChangeEvent".to_owned(),
        other => format!("{}Event", camel_case(&other.replace('-', "_"))),
    }
}

/// `previous_status` → `previousStatus`, as Okta names fields in its descriptions.
fn camel_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' || c == '-' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn okta_style_names() {
        assert_eq!(camel_case("previous_status"), "previousStatus");
        assert_eq!(
            okta_event_name("device-compliance-change"),
            "mediationDeviceComplianceChangeEvent"
        );
        assert_eq!(okta_event_name("user-risk-change"), "userRiskChangeEvent");
        let w = Warning::MissingMember {
            event_type: "device-compliance-change",
            member: "previous_status",
        };
        assert_eq!(
            okta_description(&w).as_deref(),
            Some(
                "Failed claim validation in security event token. 'events.mediationDeviceComplianceChangeEvent.previousStatus': The field cannot be left blank"
            )
        );
        assert_eq!(okta_description(&Warning::IssuedLongAgo), None);
    }

    #[test]
    fn jwks_parsing() {
        assert!(matches!(Jwks::from_json("nope"), Err(ReceiverError::JwksNotJson)));
        assert!(matches!(
            Jwks::from_json(r#"{"keys": [{"kty": "oct", "kid": "k", "k": "AA"}]}"#),
            Err(ReceiverError::JwksEmpty)
        ));
        let jwks = Jwks::from_json(include_str!("../../tests/data/jwks.json")).expect("vectors");
        assert_eq!(format!("{jwks:?}"), r#"Jwks { kids: ["vector-ec-1", "vector-rsa-1"] }"#);
    }
}
