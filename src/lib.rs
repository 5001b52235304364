//! A blocking client that publishes Security Event Tokens (SETs, [RFC 8417]) to Okta's Shared
//! Signals receiver, `POST /security/api/v1/security-events`, by [RFC 8935] push delivery.
//!
//! The token goes out as its exact bytes with `Content-Type: application/secevent+jwt` and
//! `Accept: application/json`, no credentials ride along (the signature is the authentication),
//! redirects are never followed, and every answer becomes a typed value. No token, claim value
//! or response body (beyond the server's own error text) appears in a `Debug` or `Display`
//! string, an error or a log line: tokens carry personal data such as email addresses.
//!
//! # Tour
//!
//! - [`Client`]: build one per process and share it ([`Client::new`] for an Okta org,
//!   [`Client::with_endpoint`] for any RFC 8935 receiver, [`ClientBuilder`] for options).
//! - [`Client::publish`] checks a token, sends it and returns a [`Status`]: [`Status::Accepted`],
//!   or [`Status::Rejected`] with the receiver's [`Rejection`] ([`ErrorCode`] and description).
//!   [`Client::publish_detailed`] adds the HTTP status, Okta's request id and [`RateLimit`].
//! - Everything else, from a mistyped domain to a `503`, is an [`Error`] that says what happened
//!   and, through [`Error::is_retryable`], whether trying again may help.
//! - [`check_token`] runs the pre-send check on its own, without a network, and returns the
//!   parsed [`Token`] or a [`TokenError`] naming the problem.
//!
//! # Features
//!
//! The default build is this one module. `lint` adds `okta_ssf::lint` (Okta's event types, and
//! what Okta refuses or drops in a token that passes the check), `sign` adds `okta_ssf::sign`
//! (events, RS256 and ES256 signing, the JWKS), `receiver` adds `okta_ssf::receiver` (an
//! Okta-like receiver), `system-roots` adds `okta_ssf::roots` (the system's certificate store),
//! `spool` adds `okta_ssf::spool` (tokens kept between cron runs), `provider` adds
//! `okta_ssf::provider` (Okta's Security Events Providers API) and `cli` the `okta-ssf` command.
//! Each is built on this module's API; none is async.
//!
//! # Example: publish one token
//!
//! ```no_run
//! use okta_ssf::{Client, Status};
//!
//! # fn main() -> Result<(), okta_ssf::Error> {
//! # let token = "";
//! let client = Client::new("acme.okta.com")?;
//! match client.publish(token)? {
//!     Status::Accepted => println!("Okta took the event"),
//!     Status::Rejected(rejection) => eprintln!("Okta refused the event: {rejection}"),
//!     _ => eprintln!("an outcome this version does not know"),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Outcomes
//!
//! | the receiver answers | `publish` returns |
//! |---|---|
//! | `202`, or another `2xx` with an empty or JSON body | `Ok(Status::Accepted)`: taken, not yet acted on |
//! | another `2xx` with a page for a body | `Err(Error::NotAReceiver)`: a portal or proxy answered |
//! | `400` | `Ok(Status::Rejected(_))`: the `err` as [`Rejection::code`], the server's words |
//! | `3xx` | `Err(Error::Redirect)`: never followed |
//! | `401`, `403`, `404`, `429`, `5xx`, any other status | `Err(_)` of the matching variant |
//! | name lookup, connect, TLS, timeout, broken connection | `Err(_)` of the matching variant |
//!
//! # Retries, rate limits, timeouts
//!
//! A failure that may recover (a lookup or connection failure, a timeout, `429`, `500`, `502`,
//! `503`, `504`) is retried with the identical bytes, which is safe: Okta drops a repeated
//! `jti`. By default a call makes at most 3 attempts ([`RetryPolicy`]), keeps within the rate
//! limit the last answer told of ([`ClientBuilder::rate_limit_pacing`]), and never runs past its
//! 60 s deadline, name lookups included ([`ClientBuilder::deadline`]).
//!
//! [RFC 8417]: https://www.rfc-editor.org/rfc/rfc8417
//! [RFC 8935]: https://www.rfc-editor.org/rfc/rfc8935
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(rust_2018_idioms, unreachable_pub)]
#![cfg_attr(docsrs, feature(doc_cfg))]

use std::collections::HashMap;
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr, ToSocketAddrs};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Map, Value};

#[cfg(feature = "lint")]
pub mod lint;
#[cfg(feature = "provider")]
pub mod provider;
#[cfg(feature = "receiver")]
pub mod receiver;
#[cfg(feature = "system-roots")]
pub mod roots;
#[cfg(feature = "sign")]
pub mod sign;
#[cfg(feature = "spool")]
pub mod spool;

/// The path of Okta's SET receiver, appended to the org's origin by [`Client::new`].
pub const OKTA_EVENTS_PATH: &str = "/security/api/v1/security-events";

/// The media type of a Security Event Token (RFC 8417 §2.3), sent as `Content-Type`.
pub const SECEVENT_JWT: &str = "application/secevent+jwt";

/// The largest token, in bytes, that [`check_token`] (and so [`Client::publish`], unless its
/// check is [`TokenCheck::Skip`]) accepts: 64 KiB. Real SETs are well under 4 KiB.
pub const MAX_TOKEN_BYTES: usize = 64 * 1024;

/// The most bytes of a response body this crate reads: 64 KiB. A longer `400` body gives
/// [`Error::ResponseTooLarge`]; a longer one on another answer is not read.
pub const MAX_RESPONSE_BYTES: u64 = 64 * 1024;

/// The most characters of the server's own error text kept in a [`Rejection`] or an [`Error`].
pub const MAX_SERVER_TEXT_CHARS: usize = 1024;

/// The default time allowed to look up the receiver's name, and to connect: 10 seconds.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The default time allowed for one request once connected: 30 seconds.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The default bound on a whole [`Client::publish`] call, retries and waits included: 60 s.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(60);

/// The longest any time option of this crate can be: 24 hours. Longer values (up to
/// `Duration::MAX`) are taken as 24 hours, so that no deadline arithmetic can overflow.
pub const MAX_DURATION: Duration = Duration::from_secs(24 * 60 * 60);

/// A blocking client for one SET receiver.
///
/// Build one and share it: it is cheap to clone, and threads that share it share its pool of
/// kept-alive connections ([`ClientBuilder::max_idle_connections`]), its cache of looked-up
/// addresses and what it knows of the receiver's rate limit.
///
/// ```
/// # fn main() -> Result<(), okta_ssf::Error> {
/// let client = okta_ssf::Client::new("acme.okta.com")?;
/// assert_eq!(client.endpoint(), "https://acme.okta.com/security/api/v1/security-events");
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    agent: ureq::Agent,
    target: Target,
    /// The addresses the agent's [`Resolver`] keeps.
    known: Known,
    /// What the last answers said of the receiver's rate limit, for the client's threads.
    window: Mutex<Window>,
    window_changed: Condvar,
    /// The options it was built with, its time bounds clamped to [`MAX_DURATION`].
    options: ClientBuilder,
}

impl Client {
    /// A client for the Okta org at `domain`, with every option at its default.
    ///
    /// `domain` is what people paste: `acme.okta.com`, `https://acme.okta.com/`, any host (a
    /// custom domain such as `login.acme.com`) and an optional port. The token goes to
    /// `https://<domain>/security/api/v1/security-events`; plain `http://` only to a loopback host
    /// (`127.0.0.0/8`, `[::1]`, `localhost`), for local receivers and tests.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidDomain`], whose [`DomainError`] names the rule `domain` breaks (a
    /// placeholder such as `{yourOktaDomain}`, a path, user information, the `-admin` host…).
    pub fn new(domain: &str) -> Result<Client, Error> {
        ClientBuilder::new(domain).build()
    }

    /// A client for any RFC 8935 receiver, given the full URL of its push endpoint: `https://`
    /// (or `http://` to a loopback host), a path and a query, no user information or fragment.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidEndpoint`], with the [`DomainError`] that says what is wrong.
    pub fn with_endpoint(url: &str) -> Result<Client, Error> {
        ClientBuilder::with_endpoint(url).build()
    }

    /// The full URL tokens are posted to.
    pub fn endpoint(&self) -> &str {
        &self.inner.target.url
    }

    /// The receiver's origin, `scheme://host[:port]`: for an Okta org, what a SET's `aud` must
    /// be, such as `https://acme.okta.com` (for `acme.okta.com/` too, its trailing slash dropped).
    pub fn origin(&self) -> &str {
        &self.inner.target.origin
    }

    /// Checks `token` with [`check_token`], sends it, and says whether the receiver accepted it.
    /// Surrounding ASCII whitespace is trimmed; the rest is sent exactly as it is.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidToken`] when the pre-send check refuses the token (nothing is sent), and
    /// an [`Error`] for every other outcome but those of the crate's "Outcomes" table that are
    /// `Ok`. [`Error::is_retryable`] tells which may succeed later.
    pub fn publish(&self, token: &str) -> Result<Status, Error> {
        self.publish_detailed(token).map(Delivery::into_status)
    }

    /// Like [`publish`](Client::publish), and also returns what the answer said about itself:
    /// its HTTP status, Okta's `X-Okta-Request-Id` and the `X-Rate-Limit-*` headers.
    ///
    /// # Errors
    ///
    /// As [`publish`](Client::publish), the same details on the error ([`Error::response`]).
    pub fn publish_detailed(&self, token: &str) -> Result<Delivery, Error> {
        let token = token.trim_ascii();
        if self.inner.options.token_check == TokenCheck::Enforce {
            check_token(token).map_err(Error::InvalidToken)?;
        }
        // The URI was parsed once, when the client was built; a clone shares its bytes.
        let post = || ureq::http::Request::post(self.inner.target.uri.clone());
        let post = || post().header("Content-Type", SECEVENT_JWT);
        let post = || post().header("Accept", "application/json").body(token.as_bytes());
        self.exchange(false, post, |answer, n| read_answer(answer, n, token.as_bytes()))
    }

    /// Sends the request `make` builds, afresh for each attempt, and reads the answer with
    /// `read`, as often as this client's retry policy, pacing and deadline allow; for `publish`
    /// and the provider API (`okta_ssf::provider`) alike. A request that must not be carried out
    /// twice (`once`, such as a create) is sent again only after a refused connection or a `429`.
    fn exchange<B: ureq::AsSendBody, T: AsRef<ResponseInfo>>(
        &self,
        once: bool,
        make: impl Fn() -> ureq::http::Result<ureq::http::Request<B>>,
        read: impl Fn(ureq::http::Response<ureq::Body>, u32) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let (options, policy) = (&self.inner.options, &self.inner.options.retry);
        let deadline = Instant::now() + options.deadline;
        let mut first_request_id = None;
        let mut attempt = 1;
        loop {
            let send = || {
                let failed = |e| Error::from_transport(e, attempt);
                let mut request = make().map_err(|e| failed(ureq::Error::Http(e)))?;
                if attempt > 1 {
                    let headers = request.headers_mut();
                    headers.insert("X-Okta-Retry-Count", (attempt - 1).into());
                    if let Some(id) =
                        first_request_id.as_deref().and_then(|id: &str| id.parse().ok())
                    {
                        headers.insert("X-Okta-Retry-For", id);
                    }
                }
                // Only an attempt that could outlast the deadline pays for a per-request
                // configuration: its lookup, connect and phase bounds shrunk to fit what is left.
                let remaining = deadline.saturating_duration_since(Instant::now());
                if remaining < options.connect_timeout * 2 + options.timeout {
                    let connect = options.connect_timeout.min(remaining / 5);
                    let phases = options.timeout.min(remaining - connect * 2);
                    let config = self.inner.agent.configure_request(request);
                    request = bounded_phases!(config, connect, phases).build();
                }
                read(self.inner.agent.run(request).map_err(failed)?, attempt)
            };
            let err = match self.paced(deadline, attempt, send) {
                Ok(answer) => return Ok(answer),
                Err(err) => err,
            };
            // Forget the addresses when connecting to them failed, not when an answer was late.
            if let Error::Connect { source, .. } | Error::Timeout { source, .. } = &err {
                match source.downcast_ref() {
                    Some(ureq::Error::Timeout(phase)) if *phase != ureq::Timeout::Connect => {}
                    _ => lock(&self.inner.known).clear(),
                }
            }
            if attempt == 1 {
                first_request_id =
                    err.response().and_then(ResponseInfo::request_id).map(str::to_owned);
            }
            let paced = matches!(&err, Error::RateLimited(info) if info.0.paced);
            let taken = once && !matches!(err, Error::Connect { .. } | Error::RateLimited(_));
            if attempt > policy.max_retries || !err.is_retryable() || paced || taken {
                return Err(err);
            }
            let wait = policy.delay(&err, attempt);
            if Instant::now() + wait >= deadline {
                log::debug!("attempt {attempt} failed ({err}); a retry would pass the deadline");
                return Err(err);
            }
            log::debug!("attempt {attempt} failed ({err}); retrying in {wait:?}");
            std::thread::sleep(wait);
            attempt += 1;
        }
    }

    /// Runs `send` once the rate limit the last answers told of allows one more request in
    /// flight, after waiting for an answer or the window's reset if it must; never, with
    /// [`Error::RateLimited`], when the reset lies past `deadline`.
    fn paced<T: AsRef<ResponseInfo>>(
        &self,
        deadline: Instant,
        attempt: u32,
        send: impl FnOnce() -> Result<T, Error>,
    ) -> Result<T, Error> {
        if !self.inner.options.rate_limit_pacing {
            return send();
        }
        let mut window = lock(&self.inner.window);
        while let Some((ends, info)) = &window.last {
            let (ends, now) = (*ends, Instant::now());
            if ends <= now || window.in_flight < window.remaining {
                break;
            }
            if window.remaining == 0 && ends > deadline || now >= deadline {
                let mut info = info.clone(); // no request id or words of another token's answer
                let d = &mut *info.0;
                (d.http_status, d.request_id, d.message) = (429, None, None);
                (d.paced, d.retry_after, d.attempts) = (true, Some(ends - now), attempt - 1);
                return Err(Error::RateLimited(info));
            }
            let wait = ends.min(deadline) - now;
            log::debug!("rate limit: {} request(s) left; waiting {wait:?}", window.remaining);
            let changed = &self.inner.window_changed;
            window.waiting += 1;
            window = changed.wait_timeout(window, wait).unwrap_or_else(PoisonError::into_inner).0;
            window.waiting -= 1;
        }
        window.in_flight += 1;
        drop(window);
        let result = send();
        let mut window = lock(&self.inner.window);
        window.in_flight -= 1;
        if let Some(info) = result.as_ref().map_or_else(Error::response, |d| Some(d.as_ref())) {
            window.learn(info, self.inner.options.retry.max_server_wait);
        }
        // Waking no one would still cost a system call on every request.
        if window.waiting > 0 {
            self.inner.window_changed.notify_all();
        }
        result
    }
}

#[derive(Default)]
struct Window {
    /// The current window's `X-Rate-Limit-Reset`, and the fewest requests left an answer told of.
    reset: u64,
    remaining: u64,
    /// When it ends by this machine's clock, and the answer that said so.
    last: Option<(Instant, ResponseInfo)>,
    in_flight: u64,
    waiting: u64,
}

impl Window {
    /// Takes in what `info` says of the window; an end further than `longest` (a minute at least,
    /// Okta's window) counts as that.
    fn learn(&mut self, info: &ResponseInfo, longest: Duration) {
        let longest = longest.clamp(Duration::from_secs(60), MAX_DURATION);
        let limit = info.rate_limit().map_or((None, None), |l| (l.reset, l.remaining));
        let (Some(reset), Some(remaining), Some(wait)) = (limit.0, limit.1, info.0.reset_in) else {
            return;
        };
        // Answers may arrive out of order: within one window, the lowest count wins.
        if reset == self.reset && remaining > self.remaining {
            return;
        }
        (self.reset, self.remaining) = (reset, remaining);
        self.last = Some((Instant::now() + wait.min(longest), info.clone()));
    }
}

/// A lock that a panic elsewhere does not make unusable: what it guards is always consistent.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

type Addresses = ureq::unversioned::resolver::ResolvedSocketAddrs;

/// Each `host:port`'s addresses and when they were looked up.
type Known = Arc<Mutex<HashMap<String, (Instant, Addresses)>>>;

/// ureq's resolver, with a cache: ureq asks it for every request, pooled connection or not.
/// Addresses are kept for the `dns_cache` lifetime, and the client forgets them when connecting
/// fails. A lookup runs on a thread of its own and is given up when ureq's resolve timeout (the
/// connect timeout, or less near the deadline) runs out.
#[derive(Debug)]
struct Resolver {
    lifetime: Duration,
    known: Known,
}

impl ureq::unversioned::resolver::Resolver for Resolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        _: &ureq::config::Config,
        timeout: ureq::unversioned::transport::NextTimeout,
    ) -> Result<Addresses, ureq::Error> {
        let (Some(scheme), Some(authority)) = (uri.scheme(), uri.authority()) else {
            return Err(ureq::Error::HostNotFound);
        };
        let name = ureq::unversioned::resolver::DefaultResolver::host_and_port(scheme, authority)
            .ok_or(ureq::Error::HostNotFound)?;
        let mut found = self.empty();
        if let Ok(address) = name.parse::<std::net::SocketAddr>() {
            found.push(address); // an IP address: nothing to look up, no thread
            return Ok(found);
        }
        if let Some((at, addresses)) = lock(&self.known).get(&name) {
            if at.elapsed() < self.lifetime {
                return Ok(addresses.clone());
            }
        }
        log::debug!("looking up {name}");
        let (tell, answer) = std::sync::mpsc::sync_channel(1);
        let lookup = name.clone();
        std::thread::Builder::new()
            .name("okta-ssf lookup".into())
            .spawn(move || tell.send(lookup.to_socket_addrs()))
            .map_err(ureq::Error::Io)?;
        let host = authority.host().to_owned();
        let failed = |source| ureq::Error::Io(std::io::Error::other(LookupFailed { host, source }));
        let addresses = match answer.recv_timeout(*timeout.after) {
            Ok(Ok(addresses)) => addresses,
            Ok(Err(e)) => return Err(failed(Some(e))),
            Err(_) => return Err(failed(None)),
        };
        for address in addresses {
            if found.try_push(address).is_err() {
                break;
            }
        }
        if found.is_empty() {
            return Err(failed(Some(std::io::ErrorKind::NotFound.into())));
        }
        lock(&self.known).insert(name, (Instant::now(), found.clone()));
        Ok(found)
    }
}

/// A failed lookup, carried through ureq to [`Error::from_transport`] inside an I/O error; no
/// `source` when the system's answer did not come in time.
#[derive(Debug, thiserror::Error)]
#[error("looking up `{host}` failed")]
struct LookupFailed {
    host: String,
    source: Option<std::io::Error>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.inner.target.url)
            .field("options", &self.inner.options)
            .finish_non_exhaustive()
    }
}

/// Whether [`Client::publish`] runs [`check_token`] before sending.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum TokenCheck {
    /// Refuse, without sending, a token Okta would refuse for its shape (the default).
    #[default]
    Enforce,
    /// Send whatever is given (trimmed), for receivers other than Okta.
    Skip,
}

/// Options for a [`Client`], each documented with its default.
///
/// ```
/// # fn main() -> Result<(), okta_ssf::Error> {
/// let client = okta_ssf::ClientBuilder::new("acme.okta.com")
///     .timeout(std::time::Duration::from_secs(15))
///     .user_agent_product("mdm-sync/1.4")
///     .build()?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct ClientBuilder {
    target: Hidden,
    mode: TargetMode,
    connect_timeout: Duration,
    timeout: Duration,
    deadline: Duration,
    retry: RetryPolicy,
    user_agent_product: Option<String>,
    proxy: ProxyChoice,
    extra_roots_pem: Vec<Hidden<Vec<u8>>>,
    bundled_roots: bool,
    token_check: TokenCheck,
    dns_cache: Duration,
    max_idle_connections: usize,
    rate_limit_pacing: bool,
}

#[derive(Clone, Debug)]
enum ProxyChoice {
    FromEnvironment,
    Url(Hidden),
    Off,
}

/// What `Debug` must not show: a proxy URL or a domain may hold a password, and PEM is long.
#[derive(Clone)]
struct Hidden<T = String>(T);

impl<T> fmt::Debug for Hidden<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[hidden]")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TargetMode {
    OktaDomain,
    Endpoint,
}

impl ClientBuilder {
    /// Options for a client of the Okta org at `domain` (the forms [`Client::new`] takes),
    /// checked by [`build`](ClientBuilder::build).
    pub fn new(domain: &str) -> ClientBuilder {
        ClientBuilder::for_target(domain, TargetMode::OktaDomain)
    }

    /// Options for a client of any RFC 8935 receiver at `url` (the forms
    /// [`Client::with_endpoint`] takes), checked by [`build`](ClientBuilder::build).
    pub fn with_endpoint(url: &str) -> ClientBuilder {
        ClientBuilder::for_target(url, TargetMode::Endpoint)
    }

    fn for_target(target: &str, mode: TargetMode) -> ClientBuilder {
        ClientBuilder {
            target: Hidden(target.to_owned()),
            mode,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            deadline: DEFAULT_DEADLINE,
            retry: RetryPolicy::new(),
            user_agent_product: None,
            proxy: ProxyChoice::FromEnvironment,
            extra_roots_pem: Vec::new(),
            bundled_roots: true,
            token_check: TokenCheck::Enforce,
            dns_cache: Duration::from_secs(60),
            max_idle_connections: 8,
            rate_limit_pacing: true,
        }
    }

    /// The time allowed to look up the receiver's name, and again to open a connection, the
    /// TLS handshake included. A lookup that runs over is given up ([`Error::NameTimeout`]),
    /// whatever the system resolver's own limits. Longer than [`MAX_DURATION`] counts as
    /// [`MAX_DURATION`]. Defaults to [`DEFAULT_CONNECT_TIMEOUT`] (10 seconds).
    pub fn connect_timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.connect_timeout = timeout;
        self
    }

    /// The time allowed for one request once connected. Each of its four phases (sending the
    /// headers, sending the token, waiting for the answer's headers, reading its body) gets a
    /// quarter of it; a phase that runs over fails with [`Error::Timeout`]. Longer than
    /// [`MAX_DURATION`] counts as [`MAX_DURATION`]. Defaults to [`DEFAULT_TIMEOUT`] (30 s).
    pub fn timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.timeout = timeout;
        self
    }

    /// The bound on one whole [`Client::publish`] call, every lookup, attempt and wait included.
    /// When the next wait would cross it, the call returns the last failure; an attempt started
    /// near it gets only what is left. Longer than [`MAX_DURATION`] counts as [`MAX_DURATION`].
    /// Defaults to [`DEFAULT_DEADLINE`] (60 seconds).
    pub fn deadline(mut self, deadline: Duration) -> ClientBuilder {
        self.deadline = deadline;
        self
    }

    /// When a failed request is tried again: [`RetryPolicy::new`] (2 retries) by default.
    pub fn retry(mut self, policy: RetryPolicy) -> ClientBuilder {
        self.retry = policy;
        self
    }

    /// Appends your application's product token to the `User-Agent`, as in
    /// `okta-ssf/0.1.0 risk-engine/2.3`. Defaults to none: `okta-ssf/<version>`.
    pub fn user_agent_product(mut self, product: &str) -> ClientBuilder {
        self.user_agent_product = Some(product.to_owned());
        self
    }

    /// Sends every request through the HTTP or HTTPS proxy at `url` (for example
    /// `http://proxy.internal:3128`, user and password allowed), ignoring the environment.
    ///
    /// Defaults to the environment: `ALL_PROXY`, `HTTPS_PROXY` or `HTTP_PROXY` (upper or lower
    /// case), minus the hosts in `NO_PROXY`. A loopback receiver is never reached through a
    /// proxy taken from the environment.
    pub fn proxy(mut self, url: &str) -> ClientBuilder {
        self.proxy = ProxyChoice::Url(Hidden(url.to_owned()));
        self
    }

    /// Connects directly, whatever the environment's proxy variables say.
    pub fn no_proxy(mut self) -> ClientBuilder {
        self.proxy = ProxyChoice::Off;
        self
    }

    /// Trusts the root certificates in `pem` (one or more `BEGIN CERTIFICATE` blocks) beside
    /// Mozilla's roots (from `webpki-root-certs`), for networks that intercept TLS. May be
    /// called more than once. Defaults to none.
    pub fn add_root_certificates_pem(mut self, pem: &[u8]) -> ClientBuilder {
        self.extra_roots_pem.push(Hidden(pem.to_vec()));
        self
    }

    /// Whether Mozilla's roots, bundled with the crate (`webpki-root-certs`), are trusted: on by
    /// default. Off, only roots added are (such as the system's store, `okta_ssf::roots`).
    pub fn bundled_roots(mut self, on: bool) -> ClientBuilder {
        self.bundled_roots = on;
        self
    }

    /// Whether [`Client::publish`] runs [`check_token`] first. Defaults to [`TokenCheck::Enforce`].
    pub fn token_check(mut self, check: TokenCheck) -> ClientBuilder {
        self.token_check = check;
        self
    }

    /// How long the receiver's looked-up addresses are used before the name is looked up again;
    /// they are forgotten at once when connecting fails. `Duration::ZERO` looks the name up for
    /// every request, as ureq alone does. Defaults to 60 seconds (curl's DNS cache lifetime).
    pub fn dns_cache(mut self, lifetime: Duration) -> ClientBuilder {
        self.dns_cache = lifetime;
        self
    }

    /// How many idle connections the client keeps for reuse: a `Client` shared by N threads
    /// needs N to keep every thread on a kept-alive connection. Defaults to 8.
    pub fn max_idle_connections(mut self, connections: usize) -> ClientBuilder {
        self.max_idle_connections = connections;
        self
    }

    /// Whether [`Client::publish`] keeps within the rate limit the last answer told of
    /// (`X-Rate-Limit-Remaining` and `-Reset`, read against its `Date`), across the threads
    /// sharing the client: no more requests in flight than remain; when none do, a wait for the
    /// reset (a minute at most, or [`RetryPolicy::max_server_wait`] if longer), or at once,
    /// nothing sent, [`Error::RateLimited`] when it lies past the deadline. Defaults to on.
    pub fn rate_limit_pacing(mut self, on: bool) -> ClientBuilder {
        self.rate_limit_pacing = on;
        self
    }

    /// Checks every option and builds the [`Client`].
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidDomain`] or [`Error::InvalidEndpoint`] when the target is not usable.
    /// - [`Error::InvalidUserAgent`], [`Error::InvalidProxy`] or [`Error::InvalidCertificate`]
    ///   when the product token, the proxy URL or the extra root certificates are not usable.
    pub fn build(mut self) -> Result<Client, Error> {
        let target = parse_target(&self.target.0, self.mode).map_err(|e| match self.mode {
            TargetMode::OktaDomain => Error::InvalidDomain(e),
            TargetMode::Endpoint => Error::InvalidEndpoint(e),
        })?;
        let mut user_agent = concat!("okta-ssf/", env!("CARGO_PKG_VERSION")).to_owned();
        if let Some(product) = &self.user_agent_product {
            let product = product.trim();
            if product.is_empty() || !product.bytes().all(|b| (0x20..0x7f).contains(&b)) {
                return Err(Error::InvalidUserAgent);
            }
            user_agent.push(' ');
            user_agent.push_str(product);
        }
        // A proxy between this process and a receiver on the same machine is never wanted,
        // and is what a stray HTTP_PROXY in a developer's shell would do.
        if target.loopback && matches!(self.proxy, ProxyChoice::FromEnvironment) {
            self.proxy = ProxyChoice::Off;
        }
        let proxy = match &self.proxy {
            ProxyChoice::Off => None,
            ProxyChoice::Url(url) => {
                Some(ureq::Proxy::new(&url.0).map_err(|_| Error::InvalidProxy)?)
            }
            ProxyChoice::FromEnvironment => ureq::Proxy::try_from_env(),
        };
        let mut tls = ureq::tls::TlsConfig::builder();
        if !self.extra_roots_pem.is_empty() || !self.bundled_roots {
            let bundled =
                webpki_root_certs::TLS_SERVER_ROOT_CERTS.iter().filter(|_| self.bundled_roots);
            let mut roots: Vec<_> =
                bundled.map(|der| ureq::tls::Certificate::from_der(der).to_owned()).collect();
            for pem in &self.extra_roots_pem {
                roots.extend(parse_pem_certificates(&pem.0)?);
            }
            if roots.is_empty() {
                return Err(Error::InvalidCertificate { source: None });
            }
            tls = tls.root_certs(ureq::tls::RootCerts::new_with_certs(&roots));
        }
        self.connect_timeout = self.connect_timeout.min(MAX_DURATION);
        self.timeout = self.timeout.min(MAX_DURATION);
        self.deadline = self.deadline.min(MAX_DURATION);
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .https_only(!target.loopback)
            .user_agent(user_agent.as_str())
            .accept("application/json")
            .proxy(proxy)
            .tls_config(tls.build())
            .max_idle_connections(self.max_idle_connections)
            .max_idle_connections_per_host(self.max_idle_connections);
        let config = bounded_phases!(config, self.connect_timeout, self.timeout).build();
        let (known, window, window_changed) = (Known::default(), Mutex::default(), Condvar::new());
        let resolver = Resolver { lifetime: self.dns_cache, known: Arc::clone(&known) };
        let connector = ureq::unversioned::transport::DefaultConnector::new();
        let agent = ureq::Agent::with_parts(config, connector, resolver);
        let inner = Inner { agent, target, known, window, window_changed, options: self };
        Ok(Client { inner: Arc::new(inner) })
    }
}

/// Bounds the lookup and the connecting by `$connect` each, and each of a request's four phases
/// by a quarter of `$request`: ureq's overall timeouts cost a third of the rate (README,
/// "Performance"). Each read and write is bounded a millisecond under its phase, so that on a
/// healthy connection a read finds the socket's timeout already set and costs no `setsockopt`.
macro_rules! bounded_phases {
    ($builder:expr, $connect:expr, $request:expr) => {{
        let phase = $request / 4;
        let io = phase.saturating_sub(Duration::from_millis(1)).max(Duration::from_millis(1));
        $builder
            .timeout_resolve(Some($connect))
            .timeout_connect(Some($connect))
            .timeout_send_request(Some(phase))
            .timeout_send_body(Some(phase))
            .timeout_recv_response(Some(phase))
            .timeout_recv_body(Some(phase))
            .timeout_per_read(Some(io))
            .timeout_per_write(Some(io))
    }};
}
use bounded_phases;

fn parse_pem_certificates(pem: &[u8]) -> Result<Vec<ureq::tls::Certificate<'static>>, Error> {
    let found: Vec<_> = ureq::tls::parse_pem(pem)
        .filter_map(|item| match item {
            Ok(ureq::tls::PemItem::Certificate(cert)) => Some(Ok(cert)),
            Ok(_) => None,
            Err(e) => Some(Err(e)),
        })
        .collect::<Result<_, _>>()
        .map_err(|e| Error::InvalidCertificate { source: Some(Box::new(e)) })?;
    if found.is_empty() {
        return Err(Error::InvalidCertificate { source: None });
    }
    Ok(found)
}

/// When and how [`Client::publish`] tries a failed request again (RFC 8935 §2 allows sending
/// the same SET again; Okta drops a repeated `jti`).
///
/// Only failures that may recover are retried ([`Error::is_retryable`]), with the identical
/// bytes, `X-Okta-Retry-Count: N` and, when the first answer had one, `X-Okta-Retry-For: <its
/// X-Okta-Request-Id>`, as Okta's SDKs do. The wait before a retry is, after a `429` or `503`
/// that says how long, until `X-Rate-Limit-Reset` plus one second by the answer's `Date` (or
/// else its `Retry-After`), at most [`max_server_wait`](RetryPolicy::max_server_wait);
/// otherwise a random time up to `base × 2^(retry − 1)`, at most `max` (backoff with full
/// jitter). A retry whose wait would cross [`ClientBuilder::deadline`] is not made.
///
/// ```
/// # use std::time::Duration;
/// let patient = okta_ssf::RetryPolicy::new().max_retries(4).backoff(Duration::from_secs(1), Duration::from_secs(20));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RetryPolicy {
    max_retries: u32,
    base_delay: Duration,
    max_delay: Duration,
    max_server_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy::new()
    }
}

impl RetryPolicy {
    /// The default policy: up to 2 retries (3 attempts), backoff from 500 ms up to 8 s, and
    /// at most 30 s of waiting for a rate-limit reset.
    pub const fn new() -> RetryPolicy {
        RetryPolicy {
            max_retries: 2,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            max_server_wait: Duration::from_secs(30),
        }
    }

    /// No retries: every call makes exactly one request.
    pub const fn never() -> RetryPolicy {
        RetryPolicy::new().max_retries(0)
    }

    /// How many times a failed request may be sent again. Defaults to 2.
    pub const fn max_retries(mut self, retries: u32) -> RetryPolicy {
        self.max_retries = retries;
        self
    }

    /// The backoff between retries the server gave no time for: a random wait up to
    /// `base × 2^(retry − 1)`, never more than `max`. Defaults to 500 ms and 8 s.
    pub const fn backoff(mut self, base: Duration, max: Duration) -> RetryPolicy {
        self.base_delay = base;
        self.max_delay = max;
        self
    }

    /// The longest wait for a server-given time (`X-Rate-Limit-Reset`, `Retry-After`); a server
    /// asking for more is waited on this long and tried again. Defaults to 30 s.
    pub const fn max_server_wait(mut self, max: Duration) -> RetryPolicy {
        self.max_server_wait = max;
        self
    }

    /// The wait before retry number `retry` (1 for the first) after `err`.
    fn delay(&self, err: &Error, retry: u32) -> Duration {
        if let Some(wait) = err.response().and_then(ResponseInfo::retry_after) {
            return wait.min(self.max_server_wait).min(MAX_DURATION);
        }
        let exp = 2u32.saturating_pow(retry.saturating_sub(1));
        let ceiling = self.base_delay.saturating_mul(exp).min(self.max_delay).min(MAX_DURATION);
        ceiling.mul_f64(random_fraction())
    }
}

/// A number in `[0, 1)` for jitter: std's per-instance random hash keys, not a CSPRNG (none is
/// needed to spread retries out).
fn random_fraction() -> f64 {
    use std::hash::BuildHasher;
    let noise = std::collections::hash_map::RandomState::new().hash_one(Instant::now());
    (noise >> 11) as f64 / (1u64 << 53) as f64
}

/// What the receiver said about a token it was able to judge; failing to get a verdict at all
/// is an [`Error`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Status {
    /// The receiver took the SET (`202`, or another `2xx` with an empty or JSON body). Okta may
    /// still drop it silently: a SET whose subject it does not know, or whose `jti` it has seen.
    Accepted,
    /// The receiver refused the SET with `400`; sending the same token again will not help.
    Rejected(Rejection),
}

impl Status {
    /// `true` for [`Status::Accepted`].
    pub fn is_accepted(&self) -> bool {
        matches!(self, Status::Accepted)
    }
}

/// A receiver's reasons for refusing a SET (RFC 8935 §2.3).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Rejection {
    code: ErrorCode,
    description: Option<String>,
}

impl Rejection {
    /// The `err` member of the answer, or see [`ErrorCode::Unspecified`] and [`ErrorCode::Other`].
    pub fn code(&self) -> &ErrorCode {
        &self.code
    }

    /// The receiver's explanation, at most [`MAX_SERVER_TEXT_CHARS`] characters; the server's own
    /// text when the answer was not RFC 8935 JSON. Okta names fields in its internal camelCase
    /// here (`previousStatus` for the claim `previous_status`).
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.code, &self.description) {
            (ErrorCode::Unspecified, Some(d)) => f.write_str(d),
            (ErrorCode::Unspecified, None) => f.write_str("no reason given"),
            (code, Some(d)) => write!(f, "{code}: {d}"),
            (code, None) => write!(f, "{code}"),
        }
    }
}

/// The error codes of the IANA "Security Event Token Error Codes" registry, and room for more.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// `invalid_request`: not a SET, or the event does not match its definition (a missing
    /// member, a camelCase name, a value outside its list).
    InvalidRequest,
    /// `invalid_key`: the `kid` names no key in the provider's JWKS, or the key is unacceptable.
    InvalidKey,
    /// `invalid_issuer`: `iss` is not the issuer registered for the provider (byte for byte).
    InvalidIssuer,
    /// `invalid_audience`: `aud` does not name this org.
    InvalidAudience,
    /// `authentication_failed`: the signature did not verify with the provider's JWKS.
    AuthenticationFailed,
    /// `access_denied`: the transmitter is not allowed to send to this receiver.
    AccessDenied,
    /// A code this version does not know, as the server sent it; also the `errorCode` of Okta's
    /// generic error body (such as `E0000001`).
    Other(String),
    /// The answer carried no code at all (its body was empty or not JSON);
    /// [`Rejection::description`] keeps the server's words.
    Unspecified,
}

impl ErrorCode {
    /// The code as it appears on the wire, such as `invalid_request`; empty for
    /// [`ErrorCode::Unspecified`].
    pub fn as_str(&self) -> &str {
        match self {
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::InvalidKey => "invalid_key",
            ErrorCode::InvalidIssuer => "invalid_issuer",
            ErrorCode::InvalidAudience => "invalid_audience",
            ErrorCode::AuthenticationFailed => "authentication_failed",
            ErrorCode::AccessDenied => "access_denied",
            ErrorCode::Other(code) => code,
            ErrorCode::Unspecified => "",
        }
    }

    /// The code for the wire text `code` (an unknown one becomes [`ErrorCode::Other`]).
    pub fn from_wire(code: &str) -> ErrorCode {
        match code {
            "invalid_request" => ErrorCode::InvalidRequest,
            "invalid_key" => ErrorCode::InvalidKey,
            "invalid_issuer" => ErrorCode::InvalidIssuer,
            "invalid_audience" => ErrorCode::InvalidAudience,
            "authentication_failed" => ErrorCode::AuthenticationFailed,
            "access_denied" => ErrorCode::AccessDenied,
            other => ErrorCode::Other(bounded_text(other)),
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorCode::Unspecified => f.write_str("unspecified"),
            code => f.write_str(code.as_str()),
        }
    }
}

/// Okta's rate-limit headers, as an answer sent them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct RateLimit {
    /// Requests allowed in the current window (`X-Rate-Limit-Limit`).
    pub limit: Option<u64>,
    /// Requests left in the current window (`X-Rate-Limit-Remaining`).
    pub remaining: Option<u64>,
    /// When the window resets, in seconds since the Unix epoch by the server's clock
    /// (`X-Rate-Limit-Reset`).
    pub reset: Option<u64>,
}

/// The outcome of [`Client::publish_detailed`]: the [`Status`] and the answer's details.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    status: Status,
    info: ResponseInfo,
}

impl AsRef<ResponseInfo> for Delivery {
    fn as_ref(&self) -> &ResponseInfo {
        &self.info
    }
}

impl Delivery {
    /// The receiver's verdict.
    pub fn status(&self) -> &Status {
        &self.status
    }

    /// The verdict, by value.
    pub fn into_status(self) -> Status {
        self.status
    }

    /// The answer's HTTP status, Okta's request id, its rate-limit headers, and how many
    /// requests the delivery took.
    pub fn response(&self) -> &ResponseInfo {
        &self.info
    }
}

/// What an HTTP answer said about itself: status, request id, rate limit, the server's words.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ResponseInfo(Box<Details>); // boxed: `Error` holds one in most variants, and stays small

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Details {
    http_status: u16,
    request_id: Option<String>,
    rate_limit: Option<RateLimit>,
    retry_after: Option<Duration>,
    /// Until `X-Rate-Limit-Reset`, by the server's clock.
    reset_in: Option<Duration>,
    message: Option<String>,
    attempts: u32,
    /// The pacing's, for a request not sent.
    paced: bool,
}

impl ResponseInfo {
    /// The HTTP status.
    pub fn http_status(&self) -> u16 {
        self.0.http_status
    }

    /// Okta's `X-Okta-Request-Id`, when present: the id Okta support asks for.
    pub fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }

    /// The `X-Rate-Limit-*` headers, when present.
    pub fn rate_limit(&self) -> Option<&RateLimit> {
        self.0.rate_limit.as_ref()
    }

    /// How long the server asked to be left alone, from when the answer arrived: until
    /// `X-Rate-Limit-Reset` plus one second (by the answer's `Date`, the server's clock), or else
    /// its `Retry-After`. Present on `429` and `503` answers that carry either header, and on an
    /// [`Error::RateLimited`] of the client's pacing (then counted from the error).
    pub fn retry_after(&self) -> Option<Duration> {
        self.0.retry_after
    }

    /// The server's own error text (Okta's `errorSummary`, an RFC 8935 description, or the
    /// start of a body that is not JSON), at most [`MAX_SERVER_TEXT_CHARS`] characters.
    pub fn message(&self) -> Option<&str> {
        self.0.message.as_deref()
    }

    /// How many requests the call made, this answer's included.
    pub fn attempts(&self) -> u32 {
        self.0.attempts
    }
}

/// The server's message, when there is one, as `: <message>` for the end of an error text.
struct ServerSays<'a>(&'a ResponseInfo);

impl fmt::Display for ServerSays<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.0.message.as_ref().map_or(Ok(()), |m| write!(f, " (server says: {m})"))
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can keep a token from getting a verdict. Each variant says when it happens
/// and what to do; [`Error::is_retryable`] tells which a later try may cure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The domain given to [`Client::new`] or [`ClientBuilder::new`] cannot be used.
    #[error("invalid Okta domain: {0}")]
    InvalidDomain(DomainError),
    /// The URL given to [`Client::with_endpoint`] or [`ClientBuilder::with_endpoint`] is unusable.
    #[error("invalid receiver URL: {0}")]
    InvalidEndpoint(DomainError),
    /// The product token given to [`ClientBuilder::user_agent_product`] is not printable ASCII.
    #[error("invalid user-agent product token: use printable ASCII such as `my-app/1.2`")]
    InvalidUserAgent,
    /// The URL given to [`ClientBuilder::proxy`] cannot be parsed (not repeated: it may hold a
    /// password).
    #[error("invalid proxy URL: expected a form such as `http://proxy.internal:3128`")]
    InvalidProxy,
    /// The PEM given to [`ClientBuilder::add_root_certificates_pem`] holds no readable
    /// certificate, or no root is left to trust ([`ClientBuilder::bundled_roots`] off, none added).
    #[error("no usable root certificates: the extra ones are not readable PEM, or none are left")]
    InvalidCertificate {
        /// The PEM parser's complaint, when it had one.
        source: Option<BoxError>,
    },
    /// The pre-send check refused the token, so nothing was sent: Okta would refuse it too.
    #[error("token refused before sending: {0}")]
    InvalidToken(TokenError),
    /// A redirect, never followed: a token carries personal data and goes to exactly the address
    /// configured. Usually the domain is not the org's own (a custom domain, a typo, `http://`).
    #[error("receiver answered {status} redirect{}; redirects are not followed, check the domain or URL", .location.as_ref().map_or(String::new(), |l| format!(" to {l}")))]
    Redirect {
        /// The HTTP status, `3xx`.
        status: u16,
        /// Where the receiver pointed, when it said (at most [`MAX_SERVER_TEXT_CHARS`]).
        location: Option<String>,
        /// The rest of the answer's details.
        info: ResponseInfo,
    },
    /// `401`: the receiver wants credentials. Okta's SET endpoint takes none (the signature is
    /// the authentication), so the URL probably does not point at an SSF receiver.
    #[error("receiver answered 401 Unauthorized{}; this endpoint takes no credentials, check that the URL is an SSF receiver", ServerSays(.0))]
    Unauthorized(ResponseInfo),
    /// `403`: the receiver does not allow this transmitter. Check the Security Events Provider
    /// registered in the org.
    #[error("receiver answered 403 Forbidden{}; check that this transmitter is registered as a Security Events Provider", ServerSays(.0))]
    Forbidden(ResponseInfo),
    /// `404`: nothing at this URL. The org may lack Identity Threat Protection (the SSF
    /// receiver needs it), or the domain or URL is wrong.
    #[error("receiver answered 404 Not Found{}; the org may not have Identity Threat Protection, or the domain is wrong", ServerSays(.0))]
    NotFound(ResponseInfo),
    /// `429`: rate limited; send the same token again after [`ResponseInfo::retry_after`]. Also
    /// the pacing's error, nothing sent, when an answer left no request before a reset past the
    /// deadline: [`Error::response`] is `None`, and the info held says when the window resets.
    #[error("{}", Limited(.0))]
    RateLimited(ResponseInfo),
    /// `5xx`: the receiver failed; sending the same token later may succeed. `500`, `502`, `503`
    /// and `504` are retried by the [`RetryPolicy`].
    #[error("receiver failed with HTTP {}{}; retrying later may help", .0.http_status(), ServerSays(.0))]
    Server(ResponseInfo),
    /// Any other status a SET receiver should not send (`1xx` aside from the protocol's own,
    /// `4xx` other than those above).
    #[error("receiver answered unexpected HTTP status {}{}", .0.http_status(), ServerSays(.0))]
    UnexpectedStatus(ResponseInfo),
    /// A `2xx` other than `202` whose body is neither empty nor JSON: a captive portal's or a
    /// proxy's page (its start in [`ResponseInfo::message`]), so the token was probably not
    /// delivered. Not retried: the path to the receiver needs fixing first.
    #[error("receiver answered HTTP {} with a page that is not an SSF receiver's answer{}; the event was probably not delivered (a captive portal or a proxy?)", .0.http_status(), ServerSays(.0))]
    NotAReceiver(ResponseInfo),
    /// A `400` answer's body is longer than [`MAX_RESPONSE_BYTES`]; it was not read.
    #[error("receiver's {} answer is larger than {limit} bytes; it was not read", .info.http_status())]
    ResponseTooLarge {
        /// The bound that was exceeded, in bytes.
        limit: u64,
        /// The answer's details.
        info: ResponseInfo,
    },
    /// The receiver's name (or the proxy's) could not be looked up: it does not exist, or the
    /// name servers could not say. Retried like a connection failure.
    #[error("could not look up the name `{host}`{}; check the domain, and the machine's DNS", tries(*.attempts))]
    NameNotFound {
        /// The name that was looked up.
        host: String,
        /// The system resolver's answer.
        source: BoxError,
        /// How many requests the call made.
        attempts: u32,
    },
    /// Looking up the receiver's name (or the proxy's) took longer than the connect timeout or
    /// what was left of the deadline. Retried like a connection failure.
    #[error("looking up the name `{host}` timed out{}; check the machine's DNS", tries(*.attempts))]
    NameTimeout {
        /// The name that was looked up.
        host: String,
        /// How many requests the call made.
        attempts: u32,
    },
    /// The connection could not be opened: the host refused or could not be reached.
    #[error("could not connect to the receiver{}", tries(*.attempts))]
    Connect {
        /// The underlying failure.
        source: BoxError,
        /// How many requests the call made.
        attempts: u32,
    },
    /// The receiver's TLS certificate is not trusted (unknown issuer, expired, another name);
    /// nothing was sent. Behind a TLS-inspecting proxy, see
    /// [`ClientBuilder::add_root_certificates_pem`].
    #[error("the receiver's TLS certificate is not trusted; if TLS is intercepted, trust its root")]
    UntrustedCertificate {
        /// The certificate problem.
        source: BoxError,
        /// How many requests the call made.
        attempts: u32,
    },
    /// The TLS handshake failed for another reason than the certificate.
    #[error("TLS handshake with the receiver failed")]
    Tls {
        /// The underlying failure.
        source: BoxError,
        /// How many requests the call made.
        attempts: u32,
    },
    /// Connecting or the request ran out of time ([`ClientBuilder::timeout`]). Whether the
    /// receiver got the token is unknown; sending it again is safe.
    #[error("request to the receiver timed out{}", tries(*.attempts))]
    Timeout {
        /// The underlying failure.
        source: BoxError,
        /// How many requests the call made.
        attempts: u32,
    },
    /// The connection broke before the answer was complete. Whether the receiver got the token
    /// is unknown; sending it again is safe.
    #[error("connection to the receiver broke{}", tries(*.attempts))]
    Transport {
        /// The underlying failure.
        source: BoxError,
        /// How many requests the call made.
        attempts: u32,
    },
    /// The answer was not valid HTTP (or its headers were over ureq's bound). Not retried.
    #[error("receiver's answer is not valid HTTP")]
    InvalidResponse {
        /// The parser's complaint.
        source: BoxError,
        /// How many requests the call made.
        attempts: u32,
    },
}

/// [`Error::RateLimited`]'s words: the `429`'s, or the pacing's.
struct Limited<'a>(&'a ResponseInfo);

impl fmt::Display for Limited<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.0.paced {
            return f.write_str(
                "not sent: the receiver's rate limit allows no request before the deadline",
            );
        }
        let says = ServerSays(self.0);
        write!(
            f,
            "receiver answered 429 Too Many Requests{says}; wait for the rate-limit reset and retry"
        )
    }
}

/// ` after N attempts` when there was more than one.
fn tries(n: u32) -> String {
    if n > 1 { format!(" after {n} attempts") } else { String::new() }
}

impl Error {
    /// Whether sending the same token again later may succeed, and what the [`RetryPolicy`]
    /// retries: `429`, `500`, `502`, `503`, `504`, failed lookups and connections, timeouts and
    /// broken connections.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::RateLimited(_)
            | Error::NameNotFound { .. }
            | Error::NameTimeout { .. }
            | Error::Connect { .. }
            | Error::Timeout { .. }
            | Error::Transport { .. } => true,
            Error::Server(info) => matches!(info.http_status(), 500 | 502 | 503 | 504),
            _ => false,
        }
    }

    /// How many requests the call made before it gave up: 0 when it failed before sending
    /// (a configuration or token error), 1 without retries.
    pub fn attempts(&self) -> u32 {
        match self {
            Error::Connect { attempts, .. }
            | Error::Timeout { attempts, .. }
            | Error::Transport { attempts, .. }
            | Error::UntrustedCertificate { attempts, .. }
            | Error::Tls { attempts, .. }
            | Error::InvalidResponse { attempts, .. }
            | Error::NameNotFound { attempts, .. }
            | Error::NameTimeout { attempts, .. } => *attempts,
            Error::RateLimited(info) => info.attempts(),
            _ => self.response().map_or(0, ResponseInfo::attempts),
        }
    }

    /// The HTTP answer behind this error, when there was one: its status, Okta's request id,
    /// its rate-limit headers.
    pub fn response(&self) -> Option<&ResponseInfo> {
        match self {
            Error::Redirect { info, .. } | Error::ResponseTooLarge { info, .. } => Some(info),
            Error::RateLimited(info) if info.0.paced => None,
            Error::Unauthorized(info)
            | Error::Forbidden(info)
            | Error::NotFound(info)
            | Error::RateLimited(info)
            | Error::Server(info)
            | Error::NotAReceiver(info)
            | Error::UnexpectedStatus(info) => Some(info),
            _ => None,
        }
    }

    /// The error for a failed exchange, the call's request number `attempts`.
    fn from_transport(e: ureq::Error, attempts: u32) -> Error {
        use std::io::ErrorKind;
        // The I/O error's source is the system's answer, its text the name looked up.
        if let ureq::Error::Io(io) = &e {
            if let Some(lookup) = io.get_ref().and_then(|e| e.downcast_ref::<LookupFailed>()) {
                let (host, timed_out) = (bounded_text(&lookup.host), lookup.source.is_none());
                let ureq::Error::Io(io) = e else { return Error::NameTimeout { host, attempts } };
                return match timed_out {
                    true => Error::NameTimeout { host, attempts },
                    false => Error::NameNotFound { host, source: Box::new(io), attempts },
                };
            }
        }
        let connect = |source, attempts| Error::Connect { source, attempts };
        let timeout = |source, attempts| Error::Timeout { source, attempts };
        let tls = |source, attempts| Error::Tls { source, attempts };
        let untrusted = |source, attempts| Error::UntrustedCertificate { source, attempts };
        let broken = |source, attempts| Error::Transport { source, attempts };
        let invalid = |source, attempts| Error::InvalidResponse { source, attempts };
        let make = match &e {
            ureq::Error::Timeout(_) => timeout,
            ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => connect,
            ureq::Error::Rustls(rustls::Error::InvalidCertificate(_)) => untrusted,
            ureq::Error::Tls(_)
            | ureq::Error::Rustls(_)
            | ureq::Error::Pem(_)
            | ureq::Error::TlsRequired => tls,
            ureq::Error::Protocol(_)
            | ureq::Error::LargeResponseHeader(..)
            | ureq::Error::Http(_) => invalid,
            // rustls reports handshake failures through the stream, as an I/O error around
            // its own.
            ureq::Error::Io(io) => match io.get_ref().map(|inner| inner.downcast_ref()) {
                Some(Some(rustls::Error::InvalidCertificate(_))) => untrusted,
                Some(Some(_)) => tls,
                _ => match io.kind() {
                    ErrorKind::ConnectionRefused
                    | ErrorKind::AddrNotAvailable
                    | ErrorKind::HostUnreachable
                    | ErrorKind::NetworkUnreachable => connect,
                    ErrorKind::TimedOut | ErrorKind::WouldBlock => timeout,
                    _ => broken,
                },
            },
            _ => broken,
        };
        make(Box::new(e), attempts)
    }
}

/// Why a domain or receiver URL cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum DomainError {
    /// Nothing was given, or only whitespace.
    #[error("it is empty; pass your org's host, such as `acme.okta.com`")]
    Empty,
    /// A documentation placeholder such as `{yourOktaDomain}` was left in.
    #[error("it is a placeholder like `{{yourOktaDomain}}`; pass your org's host")]
    Placeholder,
    /// A receiver URL without `https://`.
    #[error("it has no scheme; start it with `https://`")]
    MissingScheme,
    /// A scheme other than `https` (or `http` to a loopback host).
    #[error("only `https://` can be used (and `http://` to a loopback host)")]
    UnsupportedScheme,
    /// `http://` to a host that is not loopback: tokens carry personal data.
    #[error("use `https://`: `http://` is only for a loopback host (127.0.0.0/8, ::1, localhost)")]
    InsecureHttp,
    /// User information (`user:password@`) in the address. It is not repeated in this message.
    #[error("it contains user information (`user@`); remove it: the URL carries no credentials")]
    UserInfo,
    /// A path after an Okta domain.
    #[error("it contains a path; pass only the host: `/security/api/v1/security-events` is added")]
    Path,
    /// A query string after an Okta domain.
    #[error("it contains a query string (`?…`); pass only the host")]
    Query,
    /// A fragment (`#…`).
    #[error("it contains a fragment (`#…`); remove it")]
    Fragment,
    /// Not something `http::Uri` can read (not repeated here: it may hold a password).
    #[error("it cannot be read as a URL; look for spaces, control characters or stray brackets")]
    Unparsable,
    /// The host in brackets is not an IPv6 address.
    #[error("`{0}` is not a valid IPv6 address")]
    InvalidHost(String),
    /// The port is not a number from 1 to 65535.
    #[error("the port must be a number from 1 to 65535")]
    InvalidPort,
    /// The Admin Console host (`acme-admin.okta.com`) instead of the org's.
    #[error("`{host}` is the Admin Console host; use `{suggestion}` instead")]
    AdminHost {
        /// The host given.
        host: String,
        /// The org's host: the same without `-admin`.
        suggestion: String,
    },
}

struct Target {
    url: String,
    /// `url`, parsed once so that requests need not parse it again.
    uri: ureq::http::Uri,
    /// `scheme://host[:port]`: what a SET's `aud` names for an Okta org.
    origin: String,
    loopback: bool,
}

/// Okta's hosts: only these have an Admin Console twin (`acme-admin.okta.com`); a custom domain
/// such as `sso-admin.acme.com` is just a name.
const OKTA_HOST_SUFFIXES: [&str; 5] =
    [".okta.com", ".oktapreview.com", ".okta-emea.com", ".okta-gov.com", ".okta.mil"];

/// Reads a domain or receiver URL with `http::Uri`, then applies the rules this crate adds:
/// no placeholder, no user information or fragment, a port from 1 to 65535, not the `-admin`
/// host, `http` only to loopback, and for an Okta domain no path or query.
fn parse_target(input: &str, mode: TargetMode) -> Result<Target, DomainError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(DomainError::Empty);
    }
    if is_placeholder(s) {
        return Err(DomainError::Placeholder);
    }
    // `http::Uri` drops a fragment without a word.
    if s.contains('#') {
        return Err(DomainError::Fragment);
    }
    let with_scheme;
    let s = match (s.contains("://"), mode) {
        (true, _) => s,
        (false, TargetMode::Endpoint) => return Err(DomainError::MissingScheme),
        (false, TargetMode::OktaDomain) => {
            with_scheme = format!("https://{s}");
            &with_scheme
        }
    };
    // Not echoed: what failed to parse may hold user information.
    let uri: ureq::http::Uri = s.parse().map_err(|_| DomainError::Unparsable)?;
    let scheme = match uri.scheme_str() {
        Some(scheme) if scheme.eq_ignore_ascii_case("https") => "https",
        Some(scheme) if scheme.eq_ignore_ascii_case("http") => "http",
        _ => return Err(DomainError::UnsupportedScheme),
    };
    let authority = uri.authority().ok_or(DomainError::Unparsable)?;
    if authority.as_str().contains('@') {
        return Err(DomainError::UserInfo);
    }
    // A name's trailing dot (`acme.okta.com.`) names the same host, and must not hide it.
    let mut host = authority.host().trim_end_matches('.').to_ascii_lowercase();
    let loopback = if let Some(literal) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        let ip: Ipv6Addr =
            literal.parse().map_err(|_| DomainError::InvalidHost(bounded_text(&host)))?;
        host = format!("[{ip}]");
        ip.is_loopback()
    } else if host.is_empty() {
        return Err(DomainError::Empty);
    } else {
        host == "localhost" || host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
    };
    // `Uri` passes `:https` and `:65536` as no port, and `+443`: 1 to 5 digits, from 1 to 65535.
    let after_host = authority.as_str().get(authority.host().len()..).unwrap_or_default();
    let digits = after_host.strip_prefix(':').filter(|p| p.bytes().all(|b| b.is_ascii_digit()));
    let port =
        match (after_host, digits.filter(|p| p.len() <= 5).and_then(|p| p.parse::<u16>().ok())) {
            ("", _) => None,
            (_, Some(port)) if port > 0 => Some(port),
            _ => return Err(DomainError::InvalidPort),
        };
    if OKTA_HOST_SUFFIXES.iter().any(|suffix| host.ends_with(suffix)) {
        if let Some((first, others)) = host.split_once('.') {
            if let Some(org) = first.strip_suffix("-admin").filter(|org| !org.is_empty()) {
                return Err(DomainError::AdminHost { suggestion: format!("{org}.{others}"), host });
            }
        }
    }
    if scheme == "http" && !loopback {
        return Err(DomainError::InsecureHttp);
    }
    let path_and_query = match mode {
        TargetMode::OktaDomain if !matches!(uri.path(), "" | "/") => {
            return Err(DomainError::Path);
        }
        TargetMode::OktaDomain if uri.query().is_some() => return Err(DomainError::Query),
        TargetMode::OktaDomain => OKTA_EVENTS_PATH,
        TargetMode::Endpoint => uri.path_and_query().map_or("/", |pq| pq.as_str()),
    };
    let default_port = if scheme == "https" { 443 } else { 80 };
    let origin = match port {
        Some(p) if p != default_port => format!("{scheme}://{host}:{p}"),
        _ => format!("{scheme}://{host}"),
    };
    let url = format!("{origin}{path_and_query}");
    // Made of parts `Uri` has just read; parsed again so that requests need not.
    let uri = url.parse().map_err(|_| DomainError::Unparsable)?;
    Ok(Target { url, uri, origin, loopback })
}

fn is_placeholder(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    s.contains(['{', '}', '<', '>', '$'])
        || ["yourokta", "your-okta", "your_okta"].iter().any(|p| lower.contains(p))
        // The default of the `yourOktaDomain` variable in Okta's OpenAPI spec.
        || lower.trim_start_matches("https://").trim_end_matches('/') == "subdomain.okta.com"
}

// ---------------------------------------------------------------------------------------------
// Answers

fn response_info(response: &ureq::http::Response<ureq::Body>, attempts: u32) -> ResponseInfo {
    let headers = response.headers();
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    let number = |name: &str| header(name).and_then(|v| v.parse::<u64>().ok());
    let rate_limit = RateLimit {
        limit: number("x-rate-limit-limit"),
        remaining: number("x-rate-limit-remaining"),
        reset: number("x-rate-limit-reset"),
    };
    let http_status = response.status().as_u16();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    let now = now.map_or(0, |d| d.as_secs());
    // The window's end itself, without the second of margin a retry after a `429` waits.
    let reset_in = server_wait(rate_limit.reset, None, header("date"), now)
        .map(|wait| wait.saturating_sub(Duration::from_secs(1)).min(MAX_DURATION));
    let retry_after = if matches!(http_status, 429 | 503) {
        server_wait(rate_limit.reset, header("retry-after"), header("date"), now)
    } else {
        None
    };
    ResponseInfo(Box::new(Details {
        http_status,
        request_id: header("x-okta-request-id").filter(|v| !v.is_empty()).map(bounded_text),
        rate_limit: (rate_limit != RateLimit::default()).then_some(rate_limit),
        retry_after,
        reset_in,
        message: None,
        attempts,
        paced: false,
    }))
}

/// The wait until `X-Rate-Limit-Reset` plus one second (what Okta's SDKs do), else `Retry-After`
/// (seconds or an HTTP date), by the server's clock when it sent `Date`.
fn server_wait(
    reset: Option<u64>,
    retry_after: Option<&str>,
    date: Option<&str>,
    local_now: u64,
) -> Option<Duration> {
    let server_now = date.and_then(parse_http_date).unwrap_or(local_now);
    if let Some(reset) = reset {
        return Some(Duration::from_secs(reset.saturating_sub(server_now).saturating_add(1)));
    }
    let retry_after = retry_after?;
    if let Ok(seconds) = retry_after.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    parse_http_date(retry_after).map(|at| Duration::from_secs(at.saturating_sub(server_now)))
}

/// An HTTP date (RFC 9110 §5.6.7), read by `httpdate`, in seconds since the Unix epoch.
fn parse_http_date(s: &str) -> Option<u64> {
    let at = httpdate::parse_http_date(s.trim()).ok()?;
    at.duration_since(std::time::UNIX_EPOCH).ok().map(|d| d.as_secs())
}

fn read_answer(
    mut response: ureq::http::Response<ureq::Body>,
    attempt: u32,
    sent: &[u8],
) -> Result<Delivery, Error> {
    let mut info = response_info(&response, attempt);
    let status = info.http_status();
    if (200..300).contains(&status) {
        // `202` is acceptance whatever its body (read, bounded, so that the connection is
        // reused); another `2xx` only with an empty or JSON body: not with a portal's page.
        let body = read_body(&mut response);
        let json = |body: &[u8]| serde_json::from_slice::<Value>(body).is_ok();
        return match body {
            _ if status == 202 => Ok(Delivery { status: Status::Accepted, info }),
            Ok(body) if body.trim_ascii().is_empty() || json(&body) => {
                Ok(Delivery { status: Status::Accepted, info })
            }
            Err(BodyError::Transport(e)) => Err(Error::from_transport(e, attempt)),
            Ok(body) => {
                info.0.message = own_words(plain_text(&body), sent);
                Err(Error::NotAReceiver(info))
            }
            Err(BodyError::TooLarge) => Err(Error::NotAReceiver(info)),
        };
    }
    if (300..400).contains(&status) {
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(|v| bounded_text(v.trim()));
        let _ = read_body(&mut response);
        return Err(Error::Redirect { status, location, info });
    }
    let body = match read_body(&mut response) {
        Ok(body) => body,
        Err(BodyError::TooLarge) if status == 400 => {
            return Err(Error::ResponseTooLarge { limit: MAX_RESPONSE_BYTES, info });
        }
        Err(BodyError::Transport(e)) if status == 400 => {
            return Err(Error::from_transport(e, attempt));
        }
        // For the other statuses the status says enough.
        Err(_) => Vec::new(),
    };
    let mut rejection = parse_rejection(&body);
    rejection.description = own_words(rejection.description, sent);
    if status == 400 {
        return Ok(Delivery { status: Status::Rejected(rejection), info });
    }
    info.0.message = rejection.description;
    Err(match status {
        401 => Error::Unauthorized(info),
        403 => Error::Forbidden(info),
        404 => Error::NotFound(info),
        429 => Error::RateLimited(info),
        500..=599 => Error::Server(info),
        _ => Error::UnexpectedStatus(info),
    })
}

enum BodyError {
    TooLarge,
    Transport(ureq::Error),
}

fn read_body(response: &mut ureq::http::Response<ureq::Body>) -> Result<Vec<u8>, BodyError> {
    match response.body().content_length() {
        Some(n) if n > MAX_RESPONSE_BYTES => return Err(BodyError::TooLarge),
        _ => {}
    }
    response.body_mut().with_config().limit(MAX_RESPONSE_BYTES).read_to_vec().map_err(|e| match e {
        ureq::Error::BodyExceedsLimit(_) => BodyError::TooLarge,
        other => BodyError::Transport(other),
    })
}

/// An error body's code (`err`, or Okta's `errorCode`) and words (`description`, Okta's
/// `errorSummary`s, or the start of a body that is not JSON); other JSON is never repeated.
fn parse_rejection(body: &[u8]) -> Rejection {
    let Ok(Value::Object(obj)) = serde_json::from_slice::<Value>(body) else {
        return Rejection { code: ErrorCode::Unspecified, description: plain_text(body) };
    };
    let text = |key: &str| obj.get(key).and_then(Value::as_str);
    let described = text("description").filter(|d| !d.is_empty()).map(bounded_text);
    let description = described.or_else(|| okta_summary(&obj));
    let code = match (text("err"), text("errorCode")) {
        (Some(err), _) => ErrorCode::from_wire(err),
        (None, Some(code)) => ErrorCode::Other(bounded_text(code)),
        (None, None) => ErrorCode::Unspecified,
    };
    Rejection { code, description }
}

/// Okta's generic error body: `errorSummary` and the summaries of its `errorCauses`.
fn okta_summary(obj: &Map<String, Value>) -> Option<String> {
    let causes = obj.get("errorCauses").and_then(Value::as_array);
    let summaries = std::iter::once(obj)
        .chain(causes.into_iter().flatten().filter_map(Value::as_object))
        .filter_map(|o| o.get("errorSummary")?.as_str().map(str::trim))
        .filter(|summary| !summary.is_empty());
    let text = summaries.collect::<Vec<_>>().join("; ");
    (!text.is_empty()).then(|| bounded_text(&text))
}

/// The server's words, unless they repeat the start of the token's claims (a server that
/// echoes what it got): the token must not reach an error or a verdict.
fn own_words(words: Option<String>, sent: &[u8]) -> Option<String> {
    let claims = sent.split(|&b| b == b'.').nth(1).unwrap_or_default();
    let start = std::str::from_utf8(claims.get(..24).unwrap_or(claims)).unwrap_or_default();
    let note = || "[the answer repeats the token; not shown]".to_owned();
    words.map(|w| if start.len() >= 8 && w.contains(start) { note() } else { w })
}

fn plain_text(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    (!text.is_empty()).then(|| bounded_text(text))
}

// ---------------------------------------------------------------------------------------------
// The pre-send check

/// A token that passed [`check_token`]: its header and claims as serde_json read them. `Debug`
/// shows only the algorithm and the event types: claim values carry personal data.
#[derive(Clone)]
pub struct Token {
    header: Map<String, Value>,
    claims: Map<String, Value>,
}

impl Token {
    /// The JOSE header (a copy).
    pub fn header(&self) -> Map<String, Value> {
        self.header.clone()
    }

    /// The claims (a copy).
    pub fn claims(&self) -> Map<String, Value> {
        self.claims.clone()
    }

    /// The header's `alg`, such as `RS256`.
    pub fn alg(&self) -> &str {
        string(&self.header, "alg")
    }

    /// The header's `kid`: the key in the provider's JWKS that must verify the signature.
    pub fn kid(&self) -> &str {
        string(&self.header, "kid")
    }

    /// The `iss` claim.
    pub fn issuer(&self) -> &str {
        string(&self.claims, "iss")
    }

    /// The `aud` claim's audiences (one for a string, each for an array).
    pub fn audiences(&self) -> impl Iterator<Item = &str> {
        let aud = self.claims.get("aud");
        let many = aud.and_then(Value::as_array).into_iter().flatten();
        aud.and_then(Value::as_str).into_iter().chain(many.filter_map(Value::as_str))
    }

    /// The `iat` claim, in seconds since the Unix epoch.
    pub fn issued_at(&self) -> i64 {
        self.claims.get("iat").and_then(Value::as_i64).unwrap_or_default()
    }

    /// The `jti` claim: the token's unique id.
    pub fn jti(&self) -> &str {
        string(&self.claims, "jti")
    }

    /// The `events` claim, event type URI to event object (a copy).
    pub fn events(&self) -> Map<String, Value> {
        self.claims.get("events").and_then(Value::as_object).cloned().unwrap_or_default()
    }

    /// The event type URIs in `events`, each once, sorted.
    pub fn event_types(&self) -> impl Iterator<Item = &str> {
        let events = self.claims.get("events").and_then(Value::as_object);
        events.into_iter().flat_map(Map::keys).map(String::as_str)
    }
}

/// The string `name` of `map`, which the check made sure of.
fn string<'a>(map: &'a Map<String, Value>, name: &str) -> &'a str {
    map.get(name).and_then(Value::as_str).unwrap_or_default()
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("alg", &self.alg())
            .field("event_types", &self.event_types().collect::<Vec<_>>())
            .field("claims", &"[redacted]")
            .finish()
    }
}

/// A part of a compact JWS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Segment {
    /// The first part: the JOSE header.
    Header,
    /// The second part: the claims.
    Claims,
    /// The third part: the signature.
    Signature,
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Segment::Header => "header",
            Segment::Claims => "claims",
            Segment::Signature => "signature",
        })
    }
}

/// Why [`check_token`] refused a token. No message repeats any of the token's content.
#[derive(Clone, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// Nothing but whitespace.
    #[error("the token is empty")]
    Empty,
    /// Longer than [`MAX_TOKEN_BYTES`].
    #[error("the token is {len} bytes, over the limit of {max} bytes")]
    TooLarge {
        /// The token's length in bytes.
        len: usize,
        /// The limit, [`MAX_TOKEN_BYTES`].
        max: usize,
    },
    /// A JSON document (unsigned claims, probably) instead of a signed token.
    #[error("this is a JSON document, not a signed token; sign the claims, send the compact JWS")]
    Json,
    /// Not three dot-separated segments.
    #[error("a compact JWS has three dot-separated segments, this has {0}")]
    Segments(usize),
    /// A segment ends in `=` padding.
    #[error("the {0} segment is padded with `=`; compact JWS segments are unpadded base64url")]
    Padded(Segment),
    /// A segment holds characters outside the base64url alphabet, has a length no encoding
    /// produces, or sets bits no encoder sets (`AB` for `AA`): base64url is read strictly.
    #[error("the {0} segment is not valid base64url")]
    Base64(Segment),
    /// The signature segment is empty: the token is not signed.
    #[error("the signature segment is empty; the token is not signed")]
    Unsigned,
    /// The header or claims do not decode to JSON.
    #[error("the {0} is not valid JSON")]
    NotJson(Segment),
    /// The header or claims are JSON, but not an object.
    #[error("the {0} is not a JSON object")]
    NotObject(Segment),
    /// A header parameter Okta requires (`alg`, `kid`, `typ`) is missing, not a string, or empty.
    #[error("the header has no `{0}` string; Okta requires `alg`, `kid` and `typ`")]
    MissingHeader(&'static str),
    /// `alg` is `none`.
    #[error("the header's `alg` is `none`; Okta accepts only signed tokens")]
    AlgNone,
    /// `alg` is an HMAC algorithm (`HS256` …), which a public JWKS cannot verify.
    #[error("`alg` is an HMAC, which a public JWKS cannot verify; sign with RS256 or ES256")]
    AlgSymmetric,
    /// `typ` is not `secevent+jwt` (compared case-insensitively, `application/` optional).
    #[error("the header's `typ` must be `secevent+jwt`")]
    Typ,
    /// A claim Okta requires (`iss`, `aud`, `iat`, `jti`, `events`) is missing.
    #[error("the claim `{0}` is missing")]
    MissingClaim(&'static str),
    /// A required claim has the wrong JSON type.
    #[error("the claim `{name}` must be {expected}")]
    ClaimType {
        /// The claim's name.
        name: &'static str,
        /// What it must be, in words.
        expected: &'static str,
    },
    /// `events` is an empty object.
    #[error("the claim `events` holds no event")]
    NoEvents,
    /// An entry of `events` is not a JSON object.
    #[error("each entry of the claim `events` must be a JSON object")]
    EventNotObject,
}

/// Checks `token` the way Okta will before it looks at the signature, without a network:
/// at most [`MAX_TOKEN_BYTES`] (surrounding whitespace ignored), three unpadded base64url
/// segments, a header with `alg` (not `none`, not HMAC), `kid` and `typ: secevent+jwt`, and
/// claims with `iss`, `aud`, an integer `iat`, `jti` and at least one event in `events`.
///
/// # Errors
///
/// The first [`TokenError`] found, which names the problem without repeating the token.
///
/// ```
/// use okta_ssf::{check_token, TokenError};
///
/// assert_eq!(check_token("  \n").unwrap_err(), TokenError::Empty);
/// assert_eq!(check_token("abc.def").unwrap_err(), TokenError::Segments(2));
/// ```
pub fn check_token(token: &str) -> Result<Token, TokenError> {
    let token = token.trim_ascii();
    if token.is_empty() {
        return Err(TokenError::Empty);
    }
    if token.len() > MAX_TOKEN_BYTES {
        return Err(TokenError::TooLarge { len: token.len(), max: MAX_TOKEN_BYTES });
    }
    if token.starts_with(['{', '[']) {
        return Err(TokenError::Json);
    }
    let mut parts = token.split('.');
    let (Some(header), Some(claims), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Segments(token.split('.').count()));
    };
    let header = decode_object(header, Segment::Header)?;
    check_header(&header)?;
    // After the header, so that `alg: none` (which comes with an empty signature) is named.
    if signature.is_empty() {
        return Err(TokenError::Unsigned);
    }
    decode_segment(signature, Segment::Signature)?;
    let claims = decode_object(claims, Segment::Claims)?;
    check_claims(&claims)?;
    Ok(Token { header, claims })
}

/// A header or claims segment, decoded and read by serde_json as a JSON object.
fn decode_object(segment: &str, which: Segment) -> Result<Map<String, Value>, TokenError> {
    match serde_json::from_slice(&decode_segment(segment, which)?) {
        Ok(Value::Object(members)) => Ok(members),
        Ok(_) => Err(TokenError::NotObject(which)),
        Err(_) => Err(TokenError::NotJson(which)),
    }
}

/// The header must have `alg` (not `none`, not HMAC), a non-empty `kid` and `typ: secevent+jwt`.
fn check_header(header: &Map<String, Value>) -> Result<(), TokenError> {
    let string = |name: &'static str| {
        header.get(name).and_then(Value::as_str).ok_or(TokenError::MissingHeader(name))
    };
    let alg = string("alg")?;
    if alg.eq_ignore_ascii_case("none") {
        return Err(TokenError::AlgNone);
    }
    // Compared as bytes: slicing a `str` inside a multi-byte character panics (found by fuzzing).
    if alg.as_bytes().get(..2).is_some_and(|prefix| prefix.eq_ignore_ascii_case(b"HS")) {
        return Err(TokenError::AlgSymmetric);
    }
    if string("kid")?.is_empty() {
        return Err(TokenError::MissingHeader("kid"));
    }
    let typ = string("typ")?;
    // Media types compare case-insensitively, and `application/` may be left out (RFC 7515).
    if !typ.eq_ignore_ascii_case(SECEVENT_JWT) && !typ.eq_ignore_ascii_case("secevent+jwt") {
        return Err(TokenError::Typ);
    }
    Ok(())
}

/// The claims Okta requires, each of the right type: `iss`, `aud`, `iat`, `jti`, `events`.
fn check_claims(claims: &Map<String, Value>) -> Result<(), TokenError> {
    let claim = |name: &'static str| claims.get(name).ok_or(TokenError::MissingClaim(name));
    let wrong =
        |name: &'static str, expected: &'static str| Err(TokenError::ClaimType { name, expected });
    let text = |value: &Value| value.as_str().is_some_and(|s| !s.is_empty());
    if !text(claim("iss")?) {
        return wrong("iss", "a non-empty string");
    }
    let aud_ok = match claim("aud")? {
        Value::Array(items) => !items.is_empty() && items.iter().all(text),
        aud => text(aud),
    };
    if !aud_ok {
        return wrong("aud", "a non-empty string or array of non-empty strings");
    }
    if claim("iat")?.as_i64().is_none() {
        return wrong("iat", "an integer number of seconds");
    }
    if !text(claim("jti")?) {
        return wrong("jti", "a non-empty string");
    }
    let Value::Object(events) = claim("events")? else {
        return wrong("events", "a JSON object");
    };
    if events.is_empty() {
        return Err(TokenError::NoEvents);
    }
    if !events.values().all(Value::is_object) {
        return Err(TokenError::EventNotObject);
    }
    Ok(())
}

/// base64url without padding, read strictly: no `=`, no character outside the alphabet, no set
/// bits past the last byte (RFC 7515 §2, RFC 4648 §3.5). The same engine writes it.
const BASE64URL: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

fn decode_segment(segment: &str, which: Segment) -> Result<Vec<u8>, TokenError> {
    if segment.ends_with('=') {
        return Err(TokenError::Padded(which));
    }
    BASE64URL.decode(segment).map_err(|_| TokenError::Base64(which))
}

// ---------------------------------------------------------------------------------------------
// The seam: the one private item the feature modules use. Everything else they need is public.

/// Text from a server, or from a user for an error message, made safe to print: control
/// characters folded to spaces, at most [`MAX_SERVER_TEXT_CHARS`] characters.
pub(crate) fn bounded_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(MAX_SERVER_TEXT_CHARS));
    for (n, c) in s.chars().enumerate() {
        if n == MAX_SERVER_TEXT_CHARS {
            out.push('…');
            break;
        }
        out.push(if c.is_control() { ' ' } else { c });
    }
    out
}

#[cfg(test)]
mod tests;
