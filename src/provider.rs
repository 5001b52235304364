//! Okta's management API for Security Events Providers (feature `provider`): the registration
//! that tells an org which issuer and JWKS to trust for your SETs.
//!
//! [`Providers`] lists, reads, creates, replaces, activates, deactivates and deletes them at
//! `/api/v1/security-events-providers`, with the same retries, rate-limit pacing, deadline and
//! redaction as [`Client`]: it is built from a [`ClientBuilder`] and sends through one.
//! [`Credentials`] authenticate it, with the names Okta's SDKs read from the environment:
//!
//! | variable | meaning |
//! |---|---|
//! | `OKTA_CLIENT_TOKEN` | an API token, sent as `Authorization: SSWS …` |
//! | `OKTA_CLIENT_CLIENTID` | an API service app's client id, for OAuth 2.0 client credentials |
//! | `OKTA_CLIENT_PRIVATEKEY` | its private key (`private_key_jwt`): PEM text, or a PEM file's path |
//! | `OKTA_CLIENT_KID` | the `kid` of that key in the app's key set |
//! | `OKTA_CLIENT_SCOPES` | scopes, by spaces or commas (default `okta.securityEventsProviders.manage`) |
//! | `OKTA_CLIENT_AUTHORIZATIONMODE` | `SSWS` or `PrivateKey`, when both kinds are set |
//!
//! **OAuth.** The access token is asked for with a client assertion signed by the app's key
//! (RS256 or ES256, by [`SigningKey`]) and kept until a minute before it expires. Okta turns
//! "Require DPoP" on for new API service apps, so every request carries a DPoP proof (RFC 9449)
//! signed with a P-256 key made for each [`Providers`]: on the token request (again with Okta's nonce
//! when it answers `use_dpop_nonce`), and on each API call with the token's hash (`ath`) and
//! `Authorization: DPoP …`. An app that issues plain `Bearer` tokens gets `Bearer`.
//!
//! [`probe`] asks the org's SET endpoint whether a receiver is there, and what its clock says.
//!
//! **Secrets.** No API token, private key, access token, client assertion or DPoP proof appears
//! in a `Debug` or `Display` string, an error or a log line of this crate. ureq redacts such
//! headers in its own debug lines, but its `trace` level (`ureq_proto`) writes the raw bytes of
//! each request: keep that level off where secrets matter (the `okta-ssf` command drops ureq's
//! trace lines whatever `RUST_LOG` says).
//!
//! ```no_run
//! use okta_ssf::provider::{Credentials, ProviderRequest, Providers};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let builder = okta_ssf::ClientBuilder::new("acme.okta.com");
//! let providers = Providers::new(builder, Credentials::from_env()?)?;
//! let request = ProviderRequest::issuer_and_jwks(
//!     "Risk engine",
//!     "https://risk.example.com",
//!     "https://risk.example.com/jwks.json",
//! )?;
//! let provider = providers.create(&request)?;
//! println!("{} is {}", provider.id, provider.status);
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::SecureRandom as _;
use serde_json::{Map, Value, json};
use ureq::http::{Method, Request, Response};

use crate::sign::{SignError, SigningKey};
use crate::{
    Client, ClientBuilder, Error, ResponseInfo, Status, bounded_text, lock, okta_summary,
    response_info,
};

/// The path of the providers API, appended to the org's origin.
pub const PROVIDERS_PATH: &str = "/api/v1/security-events-providers";

/// The path of the org authorization server's token endpoint, appended to the org's origin.
pub const TOKEN_PATH: &str = "/oauth2/v1/token";

/// The scope the providers API needs, asked for when `OKTA_CLIENT_SCOPES` names none.
pub const DEFAULT_SCOPES: &str = "okta.securityEventsProviders.manage";

/// The most bytes of a management API answer read: 1 MiB, some 1,500 providers.
pub const MAX_ANSWER_BYTES: u64 = 1024 * 1024;

/// How an access token is renewed before Okta says it expires.
const RENEW_BEFORE: Duration = Duration::from_secs(60);

/// How [`Providers`] authenticates to Okta. `Debug` shows the kind, the client id and the
/// `kid`, never a secret.
pub struct Credentials(Auth);

enum Auth {
    ApiToken(String),
    PrivateKeyJwt { client_id: String, key: Box<SigningKey>, scopes: String, dpop: bool },
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Auth::ApiToken(_) => f.write_str("Credentials::ApiToken([redacted])"),
            Auth::PrivateKeyJwt { client_id, key, scopes, dpop } => f
                .debug_struct("Credentials::PrivateKeyJwt")
                .field("client_id", client_id)
                .field("kid", &key.kid())
                .field("scopes", scopes)
                .field("dpop", dpop)
                .finish_non_exhaustive(),
        }
    }
}

impl Credentials {
    /// An API token (`Authorization: SSWS …`), made in the Admin Console under Security → API.
    pub fn api_token(token: &str) -> Credentials {
        Credentials(Auth::ApiToken(token.trim().to_owned()))
    }

    /// OAuth 2.0 client credentials of an API service app whose client authentication is
    /// "Public key / Private key", signed with `key` (its `kid` as registered on the app), for
    /// the scope [`DEFAULT_SCOPES`], with DPoP.
    pub fn private_key_jwt(client_id: &str, key: SigningKey) -> Credentials {
        let (client_id, scopes) = (client_id.trim().to_owned(), DEFAULT_SCOPES.to_owned());
        Credentials(Auth::PrivateKeyJwt { client_id, key: Box::new(key), scopes, dpop: true })
    }

    /// The scopes to ask for, instead of [`DEFAULT_SCOPES`] (OAuth only).
    pub fn scopes(mut self, scopes: &[&str]) -> Credentials {
        if let Auth::PrivateKeyJwt { scopes: mine, .. } = &mut self.0 {
            *mine = scopes
                .iter()
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
        }
        self
    }

    /// Whether requests carry DPoP proofs (OAuth only): on by default, as Okta requires for new
    /// API service apps. Off only for an app that does not have "Require DPoP" and refuses proofs.
    pub fn dpop(mut self, on: bool) -> Credentials {
        if let Auth::PrivateKeyJwt { dpop, .. } = &mut self.0 {
            *dpop = on;
        }
        self
    }

    /// The credentials the environment names (see the module's table): an API token when
    /// `OKTA_CLIENT_TOKEN` is set, else the OAuth client; `OKTA_CLIENT_AUTHORIZATIONMODE`
    /// chooses when both are.
    ///
    /// # Errors
    ///
    /// [`ProviderError::NoCredentials`] when neither is set, [`ProviderError::Credentials`] when
    /// a part is missing or unreadable.
    pub fn from_env() -> Result<Credentials, ProviderError> {
        let get = |name: &str| {
            let value = std::env::var(name).ok()?;
            Some(value.trim().to_owned()).filter(|v| !v.is_empty())
        };
        let missing = |what: &str| ProviderError::Credentials(what.to_owned());
        let mode = get("OKTA_CLIENT_AUTHORIZATIONMODE").map(|m| m.to_ascii_lowercase());
        let client_id = get("OKTA_CLIENT_CLIENTID");
        let client_id = match (mode.as_deref(), get("OKTA_CLIENT_TOKEN")) {
            (Some("ssws") | None, Some(token)) => return Ok(Credentials::api_token(&token)),
            (Some("ssws"), None) => {
                let why = "OKTA_CLIENT_AUTHORIZATIONMODE is SSWS but OKTA_CLIENT_TOKEN is not set";
                return Err(missing(why));
            }
            (Some("privatekey"), _) => client_id.ok_or_else(|| {
                missing("OKTA_CLIENT_AUTHORIZATIONMODE is PrivateKey but OKTA_CLIENT_CLIENTID is not set")
            })?,
            (None, None) => client_id.ok_or(ProviderError::NoCredentials)?,
            (Some(_), _) => {
                return Err(missing("OKTA_CLIENT_AUTHORIZATIONMODE must be SSWS or PrivateKey"));
            }
        };
        let pem = get("OKTA_CLIENT_PRIVATEKEY").ok_or_else(|| {
            missing("OKTA_CLIENT_CLIENTID is set but OKTA_CLIENT_PRIVATEKEY is not")
        })?;
        let kid = get("OKTA_CLIENT_KID").ok_or_else(|| {
            missing("OKTA_CLIENT_KID is not set: the key's kid in the app's key set")
        })?;
        // PEM text itself, or the path of a file that holds it.
        let pem = match pem.contains("-----BEGIN") {
            // A CI secret often holds the PEM on one line, with `\n` for its line breaks.
            true => pem.replace("\\n", "\n").into_bytes(),
            false => std::fs::read(&pem).map_err(|e| {
                ProviderError::Credentials(format!(
                    "cannot read the file OKTA_CLIENT_PRIVATEKEY names: {e}"
                ))
            })?,
        };
        let key = SigningKey::from_pem(&pem, &kid).map_err(ProviderError::Key)?;
        let credentials = Credentials::private_key_jwt(&client_id, key);
        Ok(match get("OKTA_CLIENT_SCOPES") {
            Some(scopes) => credentials.scopes(&scopes.split([' ', ',']).collect::<Vec<_>>()),
            None => credentials,
        })
    }
}

/// Whether a provider sends events to Okta.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProviderStatus {
    /// `ACTIVE`: Okta takes its SETs.
    Active,
    /// `INACTIVE`: Okta refuses its SETs until it is activated.
    Inactive,
    /// A status this version does not know, as Okta spelled it.
    Other(String),
}

impl fmt::Display for ProviderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ProviderStatus::Active => "ACTIVE",
            ProviderStatus::Inactive => "INACTIVE",
            ProviderStatus::Other(other) => other,
        })
    }
}

/// A Security Events Provider as Okta returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Provider {
    /// Okta's id for it, such as `sse1qg25RpusjUP6m0g5`.
    pub id: String,
    /// Its name in the Admin Console.
    pub name: String,
    /// Its app type (`okta` for the providers this crate creates).
    pub kind: String,
    /// Whether it is active.
    pub status: ProviderStatus,
    /// The issuer Okta requires as the SETs' `iss`, byte for byte.
    pub issuer: Option<String>,
    /// Where Okta fetches the keys that verify the SETs.
    pub jwks_url: Option<String>,
    /// The transmitter's SSF configuration URL, when registered with one.
    pub well_known_url: Option<String>,
}

impl Provider {
    /// Reads a provider in Okta's JSON shape (as the API answers, or as
    /// [`to_json`](Provider::to_json) writes it); `None` without an `id`.
    pub fn from_json(value: &Value) -> Option<Provider> {
        let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
        let settings = value.get("settings").unwrap_or(&Value::Null);
        Some(Provider {
            id: text(value, "id")?,
            name: text(value, "name").unwrap_or_default(),
            kind: text(value, "type").unwrap_or_default(),
            status: match text(value, "status").as_deref() {
                Some("ACTIVE") => ProviderStatus::Active,
                Some("INACTIVE") => ProviderStatus::Inactive,
                other => ProviderStatus::Other(other.unwrap_or_default().to_owned()),
            },
            issuer: text(settings, "issuer"),
            jwks_url: text(settings, "jwks_url"),
            well_known_url: text(settings, "well_known_url"),
        })
    }

    /// The provider in Okta's JSON shape, without `_links`.
    pub fn to_json(&self) -> Value {
        let mut settings = Map::new();
        for (key, value) in [
            ("issuer", &self.issuer),
            ("jwks_url", &self.jwks_url),
            ("well_known_url", &self.well_known_url),
        ] {
            if let Some(value) = value {
                settings.insert(key.to_owned(), Value::String(value.clone()));
            }
        }
        json!({
            "id": self.id,
            "name": self.name,
            "type": self.kind,
            "status": self.status.to_string(),
            "settings": settings,
        })
    }
}

/// What [`Providers::create`] and [`Providers::replace`] send: a name and either an issuer with
/// a JWKS URL or an SSF well-known URL, checked before anything reaches Okta.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderRequest {
    name: String,
    settings: Value,
}

impl ProviderRequest {
    /// A provider whose SETs carry `iss` = `issuer` and are verified with the keys at `jwks_url`.
    ///
    /// # Errors
    ///
    /// [`ProviderError::InvalidRequest`] for an empty name or one over 100 characters, an
    /// issuer that is empty, has spaces around it or is over 700 characters, or a JWKS URL that
    /// is not an absolute `https://` URL of at most 1,000 characters.
    pub fn issuer_and_jwks(
        name: &str,
        issuer: &str,
        jwks_url: &str,
    ) -> Result<ProviderRequest, ProviderError> {
        let invalid = |why: &str| Err(ProviderError::InvalidRequest(why.to_owned()));
        if issuer.is_empty() || issuer.chars().count() > 700 {
            return invalid("the issuer must be 1 to 700 characters");
        }
        if issuer.trim() != issuer {
            return invalid("the issuer has spaces around it; Okta compares it byte for byte");
        }
        check_https_url("the JWKS URL", jwks_url)?;
        let settings = json!({"issuer": issuer, "jwks_url": jwks_url});
        Ok(ProviderRequest { name: check_name(name)?, settings })
    }

    /// A provider that Okta configures from the transmitter's SSF configuration document at
    /// `well_known_url` (`okta-ssf metadata` writes one).
    ///
    /// # Errors
    ///
    /// [`ProviderError::InvalidRequest`] for an empty name or one over 100 characters, or a URL
    /// that is not an absolute `https://` URL of at most 1,000 characters.
    pub fn well_known(name: &str, well_known_url: &str) -> Result<ProviderRequest, ProviderError> {
        check_https_url("the well-known URL", well_known_url)?;
        let settings = json!({"well_known_url": well_known_url});
        Ok(ProviderRequest { name: check_name(name)?, settings })
    }

    /// The request body: `{"name", "type": "okta", "settings"}`.
    pub fn to_json(&self) -> Value {
        json!({"name": self.name, "type": "okta", "settings": self.settings})
    }
}

fn check_name(name: &str) -> Result<String, ProviderError> {
    let name = name.trim();
    match name.is_empty() || name.chars().count() > 100 {
        true => Err(ProviderError::InvalidRequest("the name must be 1 to 100 characters".into())),
        false => Ok(name.to_owned()),
    }
}

/// Refuses, naming `what`, a URL that is not an absolute `https://` URL with a host, of at most
/// 1,000 characters, without spaces around it, user information or a fragment: what Okta can
/// fetch, and compares byte for byte.
///
/// # Errors
///
/// [`ProviderError::InvalidRequest`], saying which rule `url` breaks.
pub fn check_https_url(what: &str, url: &str) -> Result<(), ProviderError> {
    let invalid = |why: &str| Err(ProviderError::InvalidRequest(format!("{what} {why}")));
    if url.trim() != url {
        return invalid("has spaces around it; Okta compares it byte for byte");
    }
    if url.chars().count() > 1000 {
        return invalid("is longer than 1,000 characters");
    }
    if url.contains('#') {
        return invalid("has a fragment (`#…`); remove it");
    }
    match url.parse::<ureq::http::Uri>() {
        Ok(uri) if uri.authority().is_some_and(|a| a.as_str().contains('@')) => {
            invalid("holds user information (`user@`), which Okta would store: remove it")
        }
        Ok(uri)
            if uri.scheme_str() == Some("https") && uri.host().is_some_and(|h| !h.is_empty()) =>
        {
            Ok(())
        }
        Ok(uri) if uri.scheme_str() == Some("http") => {
            invalid("must be https://, not http://: Okta reaches it over TLS only")
        }
        _ => invalid(
            "must be an absolute https:// URL, such as https://transmitter.example.com/jwks.json",
        ),
    }
}

/// Okta's error answer (`errorCode`, `errorSummary`, `errorCauses`), or a failure after the
/// retries (`429`, `5xx`) with what its answer said.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct OktaError {
    /// The HTTP status.
    pub http_status: u16,
    /// Okta's `errorCode`, such as `E0000001` (validation) or `E0000007` (not found); not kept
    /// for a `429` or `5xx` that outlasted the retries.
    pub code: Option<String>,
    /// Okta's `errorSummary` and those of its `errorCauses`, at most
    /// [`MAX_SERVER_TEXT_CHARS`](crate::MAX_SERVER_TEXT_CHARS) characters.
    pub summary: Option<String>,
    /// Okta's `X-Okta-Request-Id`, for Okta support.
    pub request_id: Option<String>,
}

impl fmt::Display for OktaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Okta answered HTTP {}", self.http_status)?;
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        if let Some(summary) = &self.summary {
            write!(f, ": {summary}")?;
        }
        f.write_str(match self.http_status {
            401 => "; the API token or the OAuth access token is not valid for this org",
            403 => "; the credentials lack the okta.securityEventsProviders.manage scope, or an admin role that may manage providers",
            404 => "; no provider has this id, or the org has no Security Events Providers (Identity Threat Protection)",
            429 => "; the org's rate limit for this API is used up until its reset",
            500..=599 => "; Okta failed; trying later may help",
            _ => "",
        })?;
        match &self.request_id {
            Some(id) => write!(f, " (request id {id})"),
            None => Ok(()),
        }
    }
}

/// The token endpoint's refusal (RFC 6749 §5.2): `error` and `error_description`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct OAuthError {
    /// The HTTP status.
    pub http_status: u16,
    /// The `error` code, such as `invalid_client`, `invalid_scope` or `invalid_dpop_proof`.
    pub error: String,
    /// The `error_description`, at most
    /// [`MAX_SERVER_TEXT_CHARS`](crate::MAX_SERVER_TEXT_CHARS) characters.
    pub description: Option<String>,
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Okta's token endpoint answered HTTP {} {}", self.http_status, self.error)?;
        if let Some(description) = &self.description {
            write!(f, ": {description}")?;
        }
        f.write_str(match self.error.as_str() {
            "invalid_client" => "; check the client id, that the app authenticates with \"Public key / Private key\", and that its key set holds this kid",
            "invalid_scope" => "; grant the app the scope okta.securityEventsProviders.manage (Okta API Scopes)",
            "invalid_dpop_proof" => "; the app's DPoP setting and this client's disagree (see Credentials::dpop)",
            "unauthorized_client" => "; the app must allow the Client Credentials grant",
            _ => "",
        })
    }
}

/// What went wrong with a call to the providers API.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProviderError {
    /// A [`ProviderRequest`] breaks a rule; nothing was sent.
    #[error("invalid provider request: {0}")]
    InvalidRequest(String),
    /// No management credentials in the environment: neither `OKTA_CLIENT_TOKEN` nor
    /// `OKTA_CLIENT_CLIENTID` is set ([`Credentials::from_env`]).
    #[error(
        "no management credentials: set OKTA_CLIENT_TOKEN (an API token), or OKTA_CLIENT_CLIENTID, OKTA_CLIENT_PRIVATEKEY and OKTA_CLIENT_KID (an API service app)"
    )]
    NoCredentials,
    /// The management credentials are incomplete or unreadable; nothing was sent.
    #[error("management credentials: {0}")]
    Credentials(String),
    /// The OAuth key cannot be read, or signing with it failed; nothing was sent.
    #[error("the OAuth client's key: {0}")]
    Key(SignError),
    /// Okta's token endpoint refused the client (no access token).
    #[error("{0}")]
    OAuth(OAuthError),
    /// Okta answered the API call with an error.
    #[error("{0}")]
    Okta(OktaError),
    /// An answer longer than [`MAX_ANSWER_BYTES`]; it was not read.
    #[error("Okta's HTTP {0} answer is longer than {MAX_ANSWER_BYTES} bytes; it was not read")]
    AnswerTooLarge(u16),
    /// A `2xx` whose body is not the JSON the API documents.
    #[error("Okta answered HTTP {0} with a body that is not the providers API's JSON")]
    InvalidAnswer(u16),
    /// No answer: the name, the connection, TLS, a timeout (after the retries), as for
    /// [`Client::publish`].
    #[error("calling Okta: {0}")]
    Http(Error),
}

impl ProviderError {
    /// Whether the same call may succeed later: an outage, a timeout, `429` or `5xx`.
    pub fn is_retryable(&self) -> bool {
        match self {
            ProviderError::Http(e) => e.is_retryable(),
            ProviderError::Okta(e) => matches!(e.http_status, 429 | 500 | 502 | 503 | 504),
            _ => false,
        }
    }
}

/// An access token and when to ask for the next (no `Debug`: it is a secret).
#[derive(Clone)]
struct Access {
    token: String,
    dpop: bool,
    renew_at: Instant,
}

/// The OAuth client: its key, the process's DPoP key, the cached access token and the nonces
/// the token endpoint and the API asked for.
struct OAuth {
    client_id: String,
    key: SigningKey,
    scopes: String,
    dpop: Option<SigningKey>,
    token_url: String,
    tokens: Client,
    access: Mutex<Option<Access>>,
    token_nonce: Mutex<Option<String>>,
    api_nonce: Mutex<Option<String>>,
}

enum Authority {
    ApiToken(String),
    OAuth(Box<OAuth>),
}

/// Okta's Security Events Providers API for one org: build one and share it.
///
/// Its [`Client`] (from the [`ClientBuilder`] given) brings the org's domain, the timeouts, the
/// retry policy, the roots, the proxy and the pacing; the token endpoint gets a client of its
/// own, so that its rate limit and the API's are kept apart.
pub struct Providers {
    api: Client,
    authority: Authority,
}

impl fmt::Debug for Providers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let auth = match &self.authority {
            Authority::ApiToken(_) => "SSWS",
            Authority::OAuth(o) if o.dpop.is_some() => "OAuth with DPoP",
            Authority::OAuth(_) => "OAuth",
        };
        f.debug_struct("Providers")
            .field("org", &self.api.origin())
            .field("auth", &auth)
            .finish_non_exhaustive()
    }
}

/// An answer other than `429` and `5xx`, which the client retries.
struct Answer {
    info: ResponseInfo,
    body: Vec<u8>,
    /// Whether the body was longer than [`MAX_ANSWER_BYTES`] (and so not read).
    too_large: bool,
    /// `DPoP-Nonce`, and whether `WWW-Authenticate` asked for it.
    nonce: Option<String>,
    use_nonce: bool,
}

impl AsRef<ResponseInfo> for Answer {
    fn as_ref(&self) -> &ResponseInfo {
        &self.info
    }
}

impl Providers {
    /// The providers API of the org `builder` was made for (with [`ClientBuilder::new`]),
    /// authenticated by `credentials`.
    ///
    /// # Errors
    ///
    /// [`ProviderError::Http`] with the [`Error`] of [`ClientBuilder::build`];
    /// [`ProviderError::Credentials`] for an empty API token or client id; [`ProviderError::Key`]
    /// when the system cannot make the DPoP key.
    pub fn new(
        builder: ClientBuilder,
        credentials: Credentials,
    ) -> Result<Providers, ProviderError> {
        let api = builder.clone().build().map_err(ProviderError::Http)?;
        let authority = match credentials.0 {
            Auth::ApiToken(token) if token.is_empty() => {
                return Err(ProviderError::Credentials("the API token is empty".into()));
            }
            Auth::ApiToken(token) => Authority::ApiToken(token),
            Auth::PrivateKeyJwt { client_id, .. } if client_id.is_empty() => {
                return Err(ProviderError::Credentials("the client id is empty".into()));
            }
            Auth::PrivateKeyJwt { client_id, key, scopes, dpop } => {
                let dpop = match dpop {
                    true => Some(SigningKey::generate_p256("dpop").map_err(ProviderError::Key)?),
                    false => None,
                };
                Authority::OAuth(Box::new(OAuth {
                    client_id,
                    key: *key,
                    scopes,
                    dpop,
                    token_url: format!("{}{TOKEN_PATH}", api.origin()),
                    tokens: builder.build().map_err(ProviderError::Http)?,
                    access: Mutex::new(None),
                    token_nonce: Mutex::new(None),
                    api_nonce: Mutex::new(None),
                }))
            }
        };
        Ok(Providers { api, authority })
    }

    /// Every provider of the org.
    ///
    /// # Errors
    ///
    /// Any [`ProviderError`] but [`ProviderError::InvalidRequest`].
    pub fn list(&self) -> Result<Vec<Provider>, ProviderError> {
        let (status, body) = self.call(Method::GET, "", None)?;
        let Some(Value::Array(items)) = body else {
            return Err(ProviderError::InvalidAnswer(status));
        };
        items
            .iter()
            .map(|item| Provider::from_json(item).ok_or(ProviderError::InvalidAnswer(status)))
            .collect()
    }

    /// The provider with Okta's id `id`.
    ///
    /// # Errors
    ///
    /// As [`list`](Providers::list); [`ProviderError::Okta`] with `404` when there is none.
    pub fn get(&self, id: &str) -> Result<Provider, ProviderError> {
        self.one(Method::GET, id, "", None)
    }

    /// Registers a new provider; Okta makes it `ACTIVE`.
    ///
    /// Unlike the other calls, a create is sent again only when Okta surely did not take it (a
    /// refused connection, a `429`): after a `5xx` or an answer that never came it may exist,
    /// and [`list`](Providers::list) tells.
    ///
    /// # Errors
    ///
    /// As [`list`](Providers::list); [`ProviderError::Okta`] with `400` when Okta refuses the
    /// settings (its `errorCauses` say why).
    pub fn create(&self, request: &ProviderRequest) -> Result<Provider, ProviderError> {
        let (status, body) = self.call(Method::POST, "", Some(request.to_json()))?;
        body.as_ref().and_then(Provider::from_json).ok_or(ProviderError::InvalidAnswer(status))
    }

    /// Replaces the name and settings of the provider `id`.
    ///
    /// # Errors
    ///
    /// As [`create`](Providers::create) and [`get`](Providers::get).
    pub fn replace(&self, id: &str, request: &ProviderRequest) -> Result<Provider, ProviderError> {
        self.one(Method::PUT, id, "", Some(request.to_json()))
    }

    /// Makes the provider `id` `ACTIVE`: Okta takes its SETs again.
    ///
    /// # Errors
    ///
    /// As [`get`](Providers::get).
    pub fn activate(&self, id: &str) -> Result<Provider, ProviderError> {
        self.one(Method::POST, id, "/lifecycle/activate", None)
    }

    /// Makes the provider `id` `INACTIVE`: Okta refuses its SETs until it is activated.
    ///
    /// # Errors
    ///
    /// As [`get`](Providers::get).
    pub fn deactivate(&self, id: &str) -> Result<Provider, ProviderError> {
        self.one(Method::POST, id, "/lifecycle/deactivate", None)
    }

    /// Deletes the provider `id`.
    ///
    /// # Errors
    ///
    /// As [`get`](Providers::get).
    pub fn delete(&self, id: &str) -> Result<(), ProviderError> {
        self.call(Method::DELETE, &path_of(id)?, None).map(drop)
    }

    fn one(
        &self,
        method: Method,
        id: &str,
        action: &str,
        body: Option<Value>,
    ) -> Result<Provider, ProviderError> {
        let (status, body) = self.call(method, &format!("{}{action}", path_of(id)?), body)?;
        body.as_ref().and_then(Provider::from_json).ok_or(ProviderError::InvalidAnswer(status))
    }

    /// One API call: its `2xx` status and JSON body (none for an empty body).
    fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<(u16, Option<Value>), ProviderError> {
        let url = format!("{}{PROVIDERS_PATH}{path}", self.api.origin());
        let body = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        // Another round only for what an answer asked: a DPoP nonce, a new token; at most three.
        let mut round = 0;
        loop {
            round += 1;
            let access = match &self.authority {
                Authority::ApiToken(_) => None,
                Authority::OAuth(oauth) => Some(oauth.access()?),
            };
            let signing = Mutex::new(None);
            let make = || {
                let mut request = Request::builder()
                    .method(method.clone())
                    .uri(&url)
                    .header("Accept", "application/json");
                if !body.is_empty() {
                    request = request.header("Content-Type", "application/json");
                }
                request = match (&self.authority, &access) {
                    (Authority::ApiToken(token), _) => {
                        request.header("Authorization", format!("SSWS {token}"))
                    }
                    (Authority::OAuth(oauth), Some(access)) if access.dpop => {
                        let nonce = lock(&oauth.api_nonce).clone();
                        match oauth.proof(&method, &url, nonce.as_deref(), Some(&access.token)) {
                            Ok(proof) => request.header("DPoP", proof),
                            Err(e) => {
                                *lock(&signing) = Some(e);
                                return Err(not_sent());
                            }
                        }
                        .header("Authorization", format!("DPoP {}", access.token))
                    }
                    (_, access) => request.header(
                        "Authorization",
                        format!("Bearer {}", access.as_ref().map_or("", |a| &a.token)),
                    ),
                };
                request.body(body.as_slice())
            };
            let answer = self
                .api
                .exchange(method == Method::POST && path.is_empty(), make, read)
                .map_err(from_core);
            if let Some(e) = lock(&signing).take() {
                return Err(ProviderError::Key(e));
            }
            let answer = answer?;
            let status = answer.info.http_status();
            if let (Authority::OAuth(oauth), Some(nonce)) = (&self.authority, &answer.nonce) {
                // A server may hand out the next nonce on any answer (RFC 9449 §8.2).
                *lock(&oauth.api_nonce) = Some(nonce.clone());
            }
            if answer.too_large {
                return Err(ProviderError::AnswerTooLarge(status));
            }
            if (200..300).contains(&status) {
                if answer.body.trim_ascii().is_empty() {
                    return Ok((status, None));
                }
                return serde_json::from_slice(&answer.body)
                    .map(|v| (status, Some(v)))
                    .map_err(|_| ProviderError::InvalidAnswer(status));
            }
            if let (Authority::OAuth(oauth), 401, true) = (&self.authority, status, round < 3) {
                if answer.use_nonce && answer.nonce.is_some() {
                    log::debug!("the API asked for a DPoP nonce; sending again with it");
                    continue;
                }
                if round == 1 {
                    log::debug!("the API refused the access token; asking for a new one");
                    *lock(&oauth.access) = None;
                    continue;
                }
            }
            return Err(ProviderError::Okta(okta_error(&answer)));
        }
    }
}

/// The path of the provider `id`, refusing an id that would leave it.
fn path_of(id: &str) -> Result<String, ProviderError> {
    let id = id.trim();
    match !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        true => Ok(format!("/{id}")),
        false => Err(ProviderError::InvalidRequest(
            "a provider id is letters, digits, `-` and `_`, such as sse1qg25RpusjUP6m0g5".into(),
        )),
    }
}

/// The error that makes [`Client::exchange`] stop before sending anything (an invalid request:
/// never retried), for a request whose proof or assertion could not be signed.
fn not_sent() -> ureq::http::Error {
    match Request::builder().method(&b" "[..]).body(()) {
        Err(e) => e,
        Ok(_) => unreachable!("a space is not a method"),
    }
}

/// Reads an answer: `429` and `5xx` are the core's errors, retried; the rest is kept.
fn read(mut response: Response<ureq::Body>, attempt: u32) -> Result<Answer, Error> {
    let mut info = response_info(&response, attempt);
    let header =
        |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let nonce = header("dpop-nonce").filter(|n| n.len() <= 1024);
    let use_nonce = header("www-authenticate").is_some_and(|v| v.contains("use_dpop_nonce"));
    // A list of many providers is longer than the SET answers `read_body` bounds.
    let read = response.body_mut().with_config().limit(MAX_ANSWER_BYTES).read_to_vec();
    let (body, too_large) = match read {
        Ok(body) => (body, false),
        Err(ureq::Error::BodyExceedsLimit(_)) => (Vec::new(), true),
        Err(e) => return Err(Error::from_transport(e, attempt)),
    };
    let status = info.http_status();
    if status == 429 || (500..600).contains(&status) {
        let summary = serde_json::from_slice::<Value>(&body).ok();
        info.0.message = summary.as_ref().and_then(Value::as_object).and_then(okta_summary);
        return Err(if status == 429 { Error::RateLimited(info) } else { Error::Server(info) });
    }
    if (300..400).contains(&status) {
        return Err(Error::Redirect { status, location: None, info });
    }
    Ok(Answer { info, body, too_large, nonce, use_nonce })
}

/// The core's failure as the provider API's: `429` and `5xx` after the retries become Okta's
/// error, with what its answer said.
fn from_core(e: Error) -> ProviderError {
    match e {
        Error::RateLimited(info) | Error::Server(info) if !info.0.paced => {
            ProviderError::Okta(OktaError {
                http_status: info.http_status(),
                code: None,
                summary: info.message().map(str::to_owned),
                request_id: info.request_id().map(str::to_owned),
            })
        }
        other => ProviderError::Http(other),
    }
}

fn okta_error(answer: &Answer) -> OktaError {
    let body = serde_json::from_slice::<Value>(&answer.body).ok();
    let obj = body.as_ref().and_then(Value::as_object);
    OktaError {
        http_status: answer.info.http_status(),
        code: obj.and_then(|o| o.get("errorCode")?.as_str()).map(bounded_text),
        summary: obj.and_then(okta_summary),
        request_id: answer.info.request_id().map(str::to_owned),
    }
}

impl OAuth {
    /// The cached access token, or a new one from the token endpoint.
    fn access(&self) -> Result<Access, ProviderError> {
        if let Some(access) = lock(&self.access).as_ref().filter(|a| Instant::now() < a.renew_at) {
            return Ok(access.clone());
        }
        // A second round only for a nonce the token endpoint asked for.
        let mut round = 0;
        loop {
            round += 1;
            let signing = Mutex::new(None);
            let make = || {
                let nonce = lock(&self.token_nonce).clone();
                let signed = self.assertion().and_then(|assertion| {
                    let proof = self
                        .dpop
                        .as_ref()
                        .map(|_| self.proof(&Method::POST, &self.token_url, nonce.as_deref(), None))
                        .transpose()?;
                    Ok((assertion, proof))
                });
                let (assertion, proof) = match signed {
                    Ok(signed) => signed,
                    Err(e) => {
                        *lock(&signing) = Some(e);
                        return Err(not_sent());
                    }
                };
                let form = [
                    ("grant_type", "client_credentials"),
                    ("scope", &self.scopes),
                    (
                        "client_assertion_type",
                        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    ),
                    ("client_assertion", &assertion),
                ];
                let form = form
                    .iter()
                    .map(|(k, v)| format!("{k}={}", form_encode(v)))
                    .collect::<Vec<_>>()
                    .join("&");
                let mut request = Request::post(&self.token_url)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .header("Accept", "application/json");
                if let Some(proof) = proof {
                    request = request.header("DPoP", proof);
                }
                request.body(form.into_bytes())
            };
            let answer = self.tokens.exchange(false, make, read).map_err(from_core);
            if let Some(e) = lock(&signing).take() {
                return Err(ProviderError::Key(e));
            }
            let answer = answer?;
            let status = answer.info.http_status();
            if let Some(nonce) = answer.nonce.as_ref().filter(|_| self.dpop.is_some()) {
                *lock(&self.token_nonce) = Some(nonce.clone());
            }
            if answer.too_large {
                return Err(ProviderError::AnswerTooLarge(status));
            }
            let body = serde_json::from_slice::<Value>(&answer.body).ok();
            let text = |key: &str| body.as_ref().and_then(|b| b.get(key)?.as_str());
            if status == 200 {
                let (Some(token), Some(kind)) = (text("access_token"), text("token_type")) else {
                    return Err(ProviderError::InvalidAnswer(status));
                };
                let lifetime =
                    body.as_ref().and_then(|b| b.get("expires_in")?.as_u64()).unwrap_or(300);
                let lifetime = Duration::from_secs(lifetime.min(86_400));
                let renew_at =
                    Instant::now() + lifetime.saturating_sub(RENEW_BEFORE.min(lifetime / 2));
                let dpop = kind.eq_ignore_ascii_case("dpop");
                if dpop && self.dpop.is_none() {
                    let why = "Okta issued a DPoP-bound token, so the app requires DPoP: turn it on (Credentials::dpop, or drop --no-dpop)";
                    return Err(ProviderError::Credentials(why.into()));
                }
                let access = Access { token: token.to_owned(), dpop, renew_at };
                log::debug!("new {kind} access token for {}s", lifetime.as_secs());
                *lock(&self.access) = Some(access.clone());
                return Ok(access);
            }
            let error = text("error").map_or_else(|| "unknown_error".to_owned(), bounded_text);
            if error == "use_dpop_nonce"
                && answer.nonce.is_some()
                && round == 1
                && self.dpop.is_some()
            {
                log::debug!("the token endpoint asked for a DPoP nonce; asking again with it");
                continue; // with the nonce just kept
            }
            let description = text("error_description").map(bounded_text);
            return Err(ProviderError::OAuth(OAuthError {
                http_status: status,
                error,
                description,
            }));
        }
    }

    /// The client assertion (RFC 7523): `iss` = `sub` = the client id, `aud` = the token URL.
    fn assertion(&self) -> Result<String, SignError> {
        let now = unix_now();
        let claims = json!({
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": self.token_url,
            "iat": now,
            "exp": now + 300,
            "jti": random_id()?,
        });
        let header =
            json!({"alg": self.key.algorithm().as_str(), "kid": self.key.kid(), "typ": "JWT"});
        self.key.sign_jws(&header, claims.as_object().unwrap_or(&Map::new()))
    }

    /// A DPoP proof (RFC 9449 §4.2) for `method` `url`, with the server's nonce and, on an API
    /// call, the access token's hash.
    fn proof(
        &self,
        method: &Method,
        url: &str,
        nonce: Option<&str>,
        token: Option<&str>,
    ) -> Result<String, SignError> {
        let Some(key) = &self.dpop else { return Err(SignError::Signing) };
        let jwk = key.jwk();
        let public = json!({"kty": jwk["kty"], "crv": jwk["crv"], "x": jwk["x"], "y": jwk["y"]});
        let header = json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": public});
        let mut claims = Map::new();
        claims.insert("htm".into(), method.as_str().into());
        claims.insert("htu".into(), url.into());
        claims.insert("iat".into(), unix_now().into());
        claims.insert("jti".into(), random_id()?.into());
        if let Some(nonce) = nonce {
            claims.insert("nonce".into(), nonce.into());
        }
        if let Some(token) = token {
            let hash = ring::digest::digest(&ring::digest::SHA256, token.as_bytes());
            claims.insert("ath".into(), URL_SAFE_NO_PAD.encode(hash.as_ref()).into());
        }
        key.sign_jws(&header, &claims)
    }
}

/// What the org's SET endpoint answered [`probe`].
#[derive(Debug)]
#[non_exhaustive]
pub struct Probe {
    /// The receiver's answer as [`Client::publish`] reads it: a live Okta receiver refuses the
    /// probe with `400` `invalid_request`; a `404` says no receiver is there.
    pub outcome: Result<Status, Error>,
    /// The answer's `Date`: the server's clock, to compare with this machine's (Okta checks
    /// a SET's `iat` against its own).
    pub date: Option<SystemTime>,
}

/// The body [`probe`] sends: not a token, so no event can come of it.
const PROBE: &[u8] = b"okta-ssf-probe.not-a-token";

/// Sends the receiver of `client` a body that is not a token (nothing can be taken as an
/// event), to learn whether an SSF receiver answers there and what its clock says, as
/// `okta-ssf doctor` does. Any HTTP answer is read as it is, never retried; a request that gets
/// none is retried as [`Client::publish`] retries it.
///
/// # Errors
///
/// The [`Error`] of a request that got no HTTP answer: the name, the connection, TLS (an
/// untrusted certificate included), a timeout.
pub fn probe(client: &Client) -> Result<Probe, Error> {
    struct Probed(ResponseInfo, Probe);
    impl AsRef<ResponseInfo> for Probed {
        fn as_ref(&self) -> &ResponseInfo {
            &self.0
        }
    }
    let make = || {
        let request = Request::post(client.endpoint()).header("Content-Type", crate::SECEVENT_JWT);
        request.header("Accept", "application/json").body(PROBE)
    };
    let read = |response: Response<ureq::Body>, attempt| {
        let header = response.headers().get("date").and_then(|v| v.to_str().ok());
        let date =
            header.and_then(crate::parse_http_date).map(|s| UNIX_EPOCH + Duration::from_secs(s));
        let info = response_info(&response, attempt);
        let outcome =
            crate::read_answer(response, attempt, PROBE).map(crate::Delivery::into_status);
        Ok(Probed(info, Probe { outcome, date }))
    };
    client.exchange(false, make, read).map(|probed| probed.1)
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// 128 random bits, base64url: a `jti` no one else will use.
fn random_id() -> Result<String, SignError> {
    let mut bytes = [0u8; 16];
    ring::rand::SystemRandom::new().fill(&mut bytes).map_err(|_| SignError::Random)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// `application/x-www-form-urlencoded`: everything but unreserved characters percent-encoded.
fn form_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
