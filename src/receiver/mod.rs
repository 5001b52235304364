//! An Okta-like SET receiver on your own machine (feature `receiver`).
//!
//! It answers `POST /security/api/v1/security-events` the way Okta's contract says: `202` with an
//! empty body, or `400` with `{"err", "description"}`, after the same checks in the same order:
//!
//! 1. `Content-Type` is `application/secevent+jwt`, the body a compact JWS that passes
//!    [`check_token`](crate::check_token), else `invalid_request`;
//! 2. the `kid` names a key in the JWKS, else `invalid_key`;
//! 3. the signature verifies (RS256, ES256), else `authentication_failed`;
//! 4. `iss` is one of the configured issuers, else `invalid_issuer`;
//! 5. `aud` names the configured audience, else `invalid_audience`;
//! 6. the event is one Okta accepts, complete, with allowed values and snake_case names, else
//!    `invalid_request` with a description in Okta's words;
//! 7. otherwise `202`; like Okta, a repeated `jti` is answered `202` and dropped.
//!
//! Every request is logged as one JSON line (time, verdict, status, `jti`, `iss`, event type
//! and the decoded event), so a tester sees what Okta would have received. The log holds claim
//! values by design: it is the tester's own data, shown to the tester.
//!
//! It is a plain `std::net` server with a thread per connection, bounded in connections,
//! header and body sizes, and time.
//!
//! ```no_run
//! use okta_ssf::receiver::{Jwks, Receiver, ReceiverConfig};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let jwks = Jwks::from_json(&std::fs::read_to_string("jwks.json")?)?;
//! let config = ReceiverConfig::new(jwks, &["https://transmitter.example.com"], "https://acme.okta.com");
//! let receiver = Receiver::start("127.0.0.1:8935", config)?;
//! println!("listening on {}", receiver.local_addr());
//! receiver.wait();
//! # Ok(())
//! # }
//! ```

use std::collections::HashMap;
use std::fmt;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Value, json};

use crate::{ErrorCode, MAX_TOKEN_BYTES, OKTA_EVENTS_PATH};

mod judge;

use judge::{Judge, KeySource};
pub use judge::{Jwks, Verdict};

/// The most bytes of request line and headers read: 16 KiB.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// The default most connections served at once: 64. More are answered `503` and closed.
pub const DEFAULT_MAX_CONNECTIONS: usize = 64;
/// The default time a connection may take to send a request, and may stay idle: 10 seconds.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How many `jti`s are remembered to drop repeats: the oldest are forgotten past this.
pub const REMEMBERED_JTIS: usize = 100_000;
/// The shortest time between two fetches of a JWKS URL for an unknown `kid`: one minute.
pub const JWKS_REFETCH_INTERVAL: Duration = Duration::from_secs(60);

/// Why a receiver could not be configured or started.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReceiverError {
    /// The JWKS is not JSON, or not `{"keys": [...]}`.
    #[error("the JWKS is not a JSON document with a `keys` array")]
    JwksNotJson,
    /// The JWKS holds no RSA or P-256 key with a `kid`.
    #[error("the JWKS holds no usable key (RSA, or EC on P-256, each with a `kid`)")]
    JwksEmpty,
    /// The JWKS URL could not be fetched.
    #[error("could not fetch the JWKS from its URL")]
    JwksFetch(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The JWKS URL's TLS certificate is not trusted: its chain leads to no trusted root (see
    /// [`Jwks::fetch_trusting`]).
    #[error("the TLS certificate of the JWKS URL's host is not trusted")]
    JwksUntrusted(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The listening address could not be bound.
    #[error("could not listen on the given address")]
    Bind(#[source] io::Error),
}

/// What a receiver accepts, and how it treats clients.
pub struct ReceiverConfig {
    keys: KeySource,
    issuers: Vec<String>,
    audience: String,
    max_connections: usize,
    read_timeout: Duration,
    delay: Duration,
    rate_limit: Option<(u64, u64)>,
    log: Box<dyn Write + Send>,
}

impl fmt::Debug for ReceiverConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReceiverConfig")
            .field("keys", &self.keys)
            .field("issuers", &self.issuers)
            .field("audience", &self.audience)
            .field("max_connections", &self.max_connections)
            .field("read_timeout", &self.read_timeout)
            .field("delay", &self.delay)
            .field("rate_limit", &self.rate_limit)
            .finish_non_exhaustive()
    }
}

impl ReceiverConfig {
    /// A receiver that verifies with `jwks`, accepts the issuers `issuers` (compared byte for
    /// byte, as Okta does) and the audience `audience` (the org URL, such as
    /// `https://acme.okta.com`), and logs to standard output.
    pub fn new(jwks: Jwks, issuers: &[&str], audience: &str) -> ReceiverConfig {
        ReceiverConfig {
            keys: KeySource::Fixed(jwks),
            issuers: issuers.iter().map(|i| (*i).to_owned()).collect(),
            audience: audience.to_owned(),
            max_connections: DEFAULT_MAX_CONNECTIONS,
            read_timeout: DEFAULT_READ_TIMEOUT,
            delay: Duration::ZERO,
            rate_limit: None,
            log: Box::new(io::stdout()),
        }
    }

    /// The verdict a receiver of this configuration would give one request with this
    /// `Content-Type` and body, with no receiver started: to check a set-up (as `okta-ssf
    /// doctor` does) or a transmitter's tokens in a test.
    pub fn judge_one(self, content_type: Option<&str>, body: &[u8]) -> Verdict {
        Judge::new(self.keys, self.issuers, self.audience).judge(content_type, body)
    }

    /// Like [`new`](ReceiverConfig::new), with the JWKS fetched from `url` now, and again (at
    /// most once per [`JWKS_REFETCH_INTERVAL`]) when a token names a `kid` it lacks.
    ///
    /// # Errors
    ///
    /// As [`Jwks::fetch`].
    pub fn with_jwks_url(
        url: &str,
        issuers: &[&str],
        audience: &str,
    ) -> Result<ReceiverConfig, ReceiverError> {
        ReceiverConfig::with_jwks_url_trusting(url, issuers, audience, &[])
    }

    /// Like [`with_jwks_url`](ReceiverConfig::with_jwks_url), also trusting the root
    /// certificates in `roots_pem` to fetch the JWKS (see [`Jwks::fetch_trusting`]).
    ///
    /// # Errors
    ///
    /// As [`Jwks::fetch_trusting`].
    pub fn with_jwks_url_trusting(
        url: &str,
        issuers: &[&str],
        audience: &str,
        roots_pem: &[Vec<u8>],
    ) -> Result<ReceiverConfig, ReceiverError> {
        // One agent, for this fetch and every refetch.
        let agent = Jwks::agent(roots_pem)?;
        let cached = Jwks::fetch_with(&agent, url)?;
        let mut config = ReceiverConfig::new(Jwks::default(), issuers, audience);
        // `fetched` limits refetches for unknown kids; the first fetch does not count.
        config.keys = KeySource::Url { url: url.to_owned(), agent, cached, fetched: None };
        Ok(config)
    }

    /// Where the JSON log lines go.
    ///
    /// Defaults to standard output.
    pub fn log(mut self, writer: Box<dyn Write + Send>) -> ReceiverConfig {
        self.log = writer;
        self
    }

    /// The most connections served at once; more are answered `503` and closed.
    ///
    /// Defaults to [`DEFAULT_MAX_CONNECTIONS`] (64).
    pub fn max_connections(mut self, n: usize) -> ReceiverConfig {
        self.max_connections = n.max(1);
        self
    }

    /// How long a client has to send each whole request, counted from connecting or from the
    /// previous answer: a client that sends too slowly, or a kept-alive connection idle that
    /// long, is closed.
    ///
    /// Defaults to [`DEFAULT_READ_TIMEOUT`] (10 seconds).
    pub fn read_timeout(mut self, timeout: Duration) -> ReceiverConfig {
        self.read_timeout = timeout;
        self
    }

    /// Holds each answer back this long, to rehearse a slow receiver (a transmitter's timeouts,
    /// its throughput with several requests in flight).
    ///
    /// Defaults to none.
    pub fn delay(mut self, delay: Duration) -> ReceiverConfig {
        self.delay = delay;
        self
    }

    /// Answers at most `limit` requests in each window of `window` (whole seconds, at least one),
    /// as Okta's front door does: every answer carries `X-Rate-Limit-Limit`,
    /// `X-Rate-Limit-Remaining` and `X-Rate-Limit-Reset` (when the window ends, in seconds since
    /// the Unix epoch, by the `Date` it also carries), and a request past the limit is answered
    /// `429` with Okta's `E0000047` error body, so a transmitter's pacing can be watched offline.
    ///
    /// Defaults to no limit, and no rate-limit headers.
    pub fn rate_limit(mut self, limit: u64, window: Duration) -> ReceiverConfig {
        self.rate_limit = Some((limit, window.as_secs().max(1)));
        self
    }
}

struct State {
    judge: Judge,
    log: Mutex<Box<dyn Write + Send>>,
    read_timeout: Duration,
    delay: Duration,
    limiter: Option<Limiter>,
}

/// An Okta-like rate limit: `limit` requests in each fixed window of `window` seconds.
struct Limiter {
    limit: u64,
    window: u64,
    /// When the current window ends (seconds since the Unix epoch), and the requests in it.
    used: Mutex<(u64, u64)>,
}

impl Limiter {
    /// Counts one request at `now`: the headers its answer carries, and whether it is over.
    fn count(&self, now: u64) -> (String, bool) {
        let mut used = lock(&self.used);
        if now >= used.0 {
            *used = (now.saturating_add(self.window), 0);
        }
        used.1 += 1;
        let headers = format!(
            "x-rate-limit-limit: {}\r\nx-rate-limit-remaining: {}\r\nx-rate-limit-reset: {}\r\n",
            self.limit,
            self.limit.saturating_sub(used.1),
            used.0
        );
        (headers, used.1 > self.limit)
    }
}

/// Okta's answer past a rate limit.
const RATE_LIMITED_BODY: &str = r#"{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests.","errorLink":"E0000047","errorId":"okta-ssf-serve","errorCauses":[]}"#;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A thread that panicked while holding a lock left consistent data behind (each critical
    // section is a single insert or write), so a poisoned lock is used as it is.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl State {
    fn log(&self, verdict: &Verdict) {
        self.write_log(&verdict.log_line(rfc3339(SystemTime::now())));
    }

    /// The log line of a request answered before any verdict (a wrong path or method, a
    /// malformed or oversized request): its time, status and the status's reason.
    fn log_refusal(&self, status: u16, reason: &str) {
        let verdict = reason.to_ascii_lowercase().replace(' ', "_");
        self.write_log(
            &json!({"time": rfc3339(SystemTime::now()), "verdict": verdict, "status": status}),
        );
    }

    fn write_log(&self, line: &Value) {
        let mut log = lock(&self.log);
        // A log that cannot be written must not take the receiver down.
        let _ = writeln!(log, "{line}").and_then(|()| log.flush());
    }
}

/// `2026-11-30T03:20:00Z`.
fn rfc3339(at: SystemTime) -> String {
    humantime::format_rfc3339_seconds(at).to_string()
}

/// A running receiver. Dropping it (or [`shutdown`](Receiver::shutdown)) stops it and waits for
/// the connections in flight.
pub struct Receiver {
    addr: SocketAddr,
    state: Arc<State>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl fmt::Debug for Receiver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").field("addr", &self.addr).finish_non_exhaustive()
    }
}

impl Receiver {
    /// Binds `addr` (such as `127.0.0.1:8935`, or port 0 for any free port) and serves in
    /// background threads.
    ///
    /// # Errors
    ///
    /// [`ReceiverError::Bind`] when the address cannot be bound.
    pub fn start(
        addr: impl ToSocketAddrs,
        config: ReceiverConfig,
    ) -> Result<Receiver, ReceiverError> {
        let listener = TcpListener::bind(addr).map_err(ReceiverError::Bind)?;
        let addr = listener.local_addr().map_err(ReceiverError::Bind)?;
        let state = Arc::new(State {
            judge: Judge::new(config.keys, config.issuers, config.audience),
            log: Mutex::new(config.log),
            read_timeout: config.read_timeout,
            delay: config.delay,
            limiter: config.rate_limit.map(|(limit, window)| Limiter {
                limit,
                window,
                used: Mutex::new((0, 0)),
            }),
        });
        let stop = Arc::new(AtomicBool::new(false));
        let (state2, stop2) = (state.clone(), stop.clone());
        let max = config.max_connections;
        let thread = std::thread::Builder::new()
            .name("okta-ssf-receiver".into())
            .spawn(move || accept_loop(&listener, &state2, &stop2, max))
            .map_err(ReceiverError::Bind)?;
        Ok(Receiver { addr, state, stop, thread: Some(thread) })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The origin to give [`Client::new`](crate::Client::new), such as
    /// `http://127.0.0.1:8935`.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The verdict the receiver would give a request with this `Content-Type` and body,
    /// without a network (repeated `jti`s are remembered as if it had been sent).
    pub fn judge(&self, content_type: Option<&str>, body: &[u8]) -> Verdict {
        self.state.judge.judge(content_type, body)
    }

    /// Blocks until the receiver stops (it runs until the process ends or another thread
    /// shuts it down).
    pub fn wait(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    /// A handle that stops the receiver from another thread (a Ctrl-C handler, say).
    pub fn stopper(&self) -> impl Fn() + Send + Sync + 'static {
        let (stop, mut addr) = (self.stop.clone(), self.addr);
        // Listening on every address: wake it through the loopback one.
        if addr.ip().is_unspecified() {
            addr.set_ip(match addr.ip() {
                std::net::IpAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
                std::net::IpAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
            });
        }
        move || {
            stop.store(true, Ordering::SeqCst);
            // Wake the accept loop.
            let _ = TcpStream::connect_timeout(&addr, Duration::from_secs(1));
        }
    }

    /// Stops accepting, and waits for the connections in flight to finish.
    pub fn shutdown(self) {
        drop(self);
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        (self.stopper())();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn accept_loop(listener: &TcpListener, state: &Arc<State>, stop: &Arc<AtomicBool>, max: usize) {
    let active = Arc::new(AtomicUsize::new(0));
    // A handle on every open connection, to end idle kept-alive ones at shutdown.
    let open: Arc<Mutex<HashMap<usize, TcpStream>>> = Arc::default();
    let mut workers: Vec<JoinHandle<()>> = Vec::new();
    for (id, stream) in listener.incoming().enumerate() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        workers.retain(|w| !w.is_finished());
        let mut stream = match stream {
            Ok(stream) => stream,
            // Out of file descriptors, say: wait a little instead of spinning.
            Err(_) => {
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        if active.load(Ordering::SeqCst) >= max {
            let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
            let _ = stream.write_all(b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            continue;
        }
        active.fetch_add(1, Ordering::SeqCst);
        if let Ok(handle) = stream.try_clone() {
            lock(&open).insert(id, handle);
        }
        let slot = Slot { id, active: active.clone(), open: open.clone() };
        let (state, stop) = (state.clone(), stop.clone());
        let spawned =
            std::thread::Builder::new().name("okta-ssf-connection".into()).spawn(move || {
                // Given back when the thread ends, even by a panic.
                let _slot = slot;
                serve_connection(stream, &state, &stop);
            });
        // Out of threads, the connection and its slot were dropped with the closure.
        if let Ok(handle) = spawned {
            workers.push(handle);
        }
    }
    for stream in lock(&open).values() {
        let _ = stream.shutdown(std::net::Shutdown::Both);
    }
    for w in workers {
        let _ = w.join();
    }
}

struct Request {
    method: String,
    path: String,
    content_type: Option<String>,
    content_length: Option<usize>,
    chunked: bool,
    close: bool,
}

enum ReadError {
    /// The peer closed or went quiet: drop the connection without a word.
    Gone,
    /// Answer with this status, then close.
    Answer(u16, &'static str),
}

fn read_head(reader: &mut BufReader<TimedStream>) -> Result<Request, ReadError> {
    let mut head = Vec::with_capacity(1024);
    loop {
        let before = head.len();
        let n = reader
            .by_ref()
            .take((MAX_HEADER_BYTES + 1 - head.len()) as u64)
            .read_until(b'\n', &mut head)
            .map_err(|_| ReadError::Gone)?;
        if n == 0 {
            return Err(ReadError::Gone);
        }
        if head.len() > MAX_HEADER_BYTES {
            return Err(ReadError::Answer(431, "Request Header Fields Too Large"));
        }
        let line = &head[before..];
        if (line == b"\r\n" || line == b"\n") && before > 0 {
            break;
        }
        if (line == b"\r\n" || line == b"\n") && before == 0 {
            // Tolerate blank lines before a request line (RFC 9112 §2.2).
            head.clear();
        }
    }
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut parsed = httparse::Request::new(&mut headers);
    match parsed.parse(&head) {
        Ok(httparse::Status::Complete(_)) => {}
        _ => return Err(ReadError::Answer(400, "Bad Request")),
    }
    let header = |name: &str| {
        parsed
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .and_then(|h| std::str::from_utf8(h.value).ok())
            .map(str::trim)
    };
    let content_length = match header("content-length") {
        Some(v) => Some(v.parse::<usize>().map_err(|_| ReadError::Answer(400, "Bad Request"))?),
        None => None,
    };
    let chunked = header("transfer-encoding").is_some_and(|v| !v.eq_ignore_ascii_case("identity"));
    let close = header("connection").is_some_and(|v| v.eq_ignore_ascii_case("close"))
        || parsed.version == Some(0);
    Ok(Request {
        method: parsed.method.unwrap_or_default().to_owned(),
        path: parsed.path.unwrap_or_default().split('?').next().unwrap_or_default().to_owned(),
        content_type: header("content-type").map(str::to_owned),
        content_length,
        chunked,
        close,
    })
}

fn respond(
    stream: &mut TcpStream,
    status: u16,
    reason: &str,
    extra: &str,
    body: &[u8],
    close: bool,
) -> io::Result<()> {
    let connection = if close { "connection: close\r\n" } else { "" };
    let date = httpdate::fmt_http_date(SystemTime::now());
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-length: {}\r\ndate: {date}\r\n{extra}{connection}\r\n",
        body.len()
    );
    let mut out = head.into_bytes();
    out.extend_from_slice(body);
    stream.write_all(&out)
}

/// A connection's place among the open ones: counted in `active` and listed in `open` while
/// it lives.
struct Slot {
    id: usize,
    active: Arc<AtomicUsize>,
    open: Arc<Mutex<HashMap<usize, TcpStream>>>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        lock(&self.open).remove(&self.id);
        self.active.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A connection read under a deadline: every read waits at most until then, so a client that
/// trickles its request a byte at a time is cut off when the deadline passes.
struct TimedStream {
    stream: TcpStream,
    deadline: Instant,
}

impl Read for TimedStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        self.stream.set_read_timeout(Some(left))?;
        self.stream.read(buf)
    }
}

fn serve_connection(stream: TcpStream, state: &State, stop: &AtomicBool) {
    let _ = stream.set_write_timeout(Some(state.read_timeout));
    let _ = stream.set_nodelay(true);
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(TimedStream { stream, deadline: Instant::now() });
    while !stop.load(Ordering::SeqCst) {
        // The whole next request, idle wait included, must arrive within the read timeout.
        reader.get_mut().deadline = Instant::now() + state.read_timeout;
        let request = match read_head(&mut reader) {
            Ok(request) => request,
            Err(ReadError::Gone) => return,
            Err(ReadError::Answer(status, reason)) => {
                state.log_refusal(status, reason);
                let _ = respond(&mut writer, status, reason, "", b"", true);
                return;
            }
        };
        if request.chunked {
            state.log_refusal(411, "Length Required");
            let _ = respond(&mut writer, 411, "Length Required", "", b"", true);
            return;
        }
        let length = request.content_length.unwrap_or(0);
        if length > MAX_TOKEN_BYTES {
            state.log_refusal(413, "Content Too Large");
            let _ = respond(&mut writer, 413, "Content Too Large", "", b"", true);
            return;
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            // The client stopped halfway: nothing to answer.
            return;
        }
        let now =
            SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let (limits, over) =
            state.limiter.as_ref().map_or((String::new(), false), |l| l.count(now));
        std::thread::sleep(state.delay);
        let result = if over {
            state.log_refusal(429, "Too Many Requests");
            let extra = format!("{limits}content-type: application/json\r\n");
            respond(
                &mut writer,
                429,
                "Too Many Requests",
                &extra,
                RATE_LIMITED_BODY.as_bytes(),
                request.close,
            )
        } else if request.path != OKTA_EVENTS_PATH {
            state.log_refusal(404, "Not Found");
            respond(&mut writer, 404, "Not Found", &limits, b"", request.close)
        } else if request.method != "POST" {
            state.log_refusal(405, "Method Not Allowed");
            let extra = format!("allow: POST\r\n{limits}");
            respond(&mut writer, 405, "Method Not Allowed", &extra, b"", request.close)
        } else {
            let verdict = state.judge.judge(request.content_type.as_deref(), &body);
            state.log(&verdict);
            if verdict.status() == 202 {
                respond(&mut writer, 202, "Accepted", &limits, b"", request.close)
            } else {
                let body = json!({
                    "err": verdict.code().map(ErrorCode::as_str),
                    "description": verdict.description(),
                })
                .to_string();
                let extra = format!(
                    "content-type: application/json\r\ncontent-language: en-US\r\n{limits}"
                );
                respond(&mut writer, 400, "Bad Request", &extra, body.as_bytes(), request.close)
            }
        };
        if result.is_err() || request.close {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(rfc3339(SystemTime::UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(
            rfc3339(SystemTime::UNIX_EPOCH + Duration::from_secs(1_764_460_800)),
            "2025-11-30T00:00:00Z"
        );
        assert_eq!(
            rfc3339(SystemTime::UNIX_EPOCH + Duration::from_secs(951_782_400 + 3661)),
            "2000-02-29T01:01:01Z"
        );
    }
}
