//! A fake Okta org on loopback, over HTTPS with a certificate authority made at test time: the
//! SET endpoint, a JWKS, and the Security Events Providers list of the management API.
//!
//! Include it with `#[path = "common/org.rs"] mod org;` beside `mod common;`. Every answer is HTTP/1.1 with
//! `Content-Length`, a `Date` (shifted by [`FakeOrg::date_skew`], for clock checks) and
//! `Connection: close`. Each connection gets a thread of its own; all are joined on drop.
#![allow(dead_code)] // each test file uses a different part of this module

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use crate::common::net::TestPki;

/// The SET endpoint's path, as Okta serves it.
pub const EVENTS_PATH: &str = "/security/api/v1/security-events";
/// The management API's providers path.
pub const PROVIDERS_PATH: &str = "/api/v1/security-events-providers";
/// Where the org serves its JWKS.
pub const JWKS_PATH: &str = "/jwks.json";
/// The API token the providers API takes (`Authorization: SSWS <token>`) unless
/// [`FakeOrg::require_token`] names another.
pub const API_TOKEN: &str = "00fake-org-api-token";

/// One request the org received.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    /// The path and query, as the request line gave it.
    pub target: String,
    pub authorization: Option<String>,
    pub body: Vec<u8>,
}

struct State {
    endpoint_missing: bool,
    date_skew: i64,
    jwks: Value,
    providers: Vec<Value>,
    token: String,
    seen: Vec<Seen>,
}

/// The fake org. Configure it with its setters at any time; they apply to the next request.
pub struct FakeOrg {
    pub port: u16,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl FakeOrg {
    /// Starts the org on 127.0.0.1, port 0, serving `pki`'s certificate; its SET endpoint
    /// answers, its JWKS is empty (`{"keys": []}`) and it has no providers.
    pub fn start(pki: &TestPki) -> FakeOrg {
        let config = pki.server_config();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let state = Arc::new(Mutex::new(State {
            endpoint_missing: false,
            date_skew: 0,
            jwks: json!({"keys": []}),
            providers: Vec::new(),
            token: API_TOKEN.to_owned(),
            seen: Vec::new(),
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let (st, s) = (state.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let mut connections = Vec::new();
            for stream in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(tcp) = stream else { continue };
                let (config, state) = (config.clone(), st.clone());
                connections.push(std::thread::spawn(move || serve(tcp, config, &state)));
            }
            for connection in connections {
                let _ = connection.join();
            }
        });
        FakeOrg { port, state, stop, thread: Some(thread) }
    }

    /// The domain to give `--domain`: `localhost:PORT`.
    pub fn domain(&self) -> String {
        format!("localhost:{}", self.port)
    }

    /// `https://localhost:PORT`: the org's origin, and a SET's `aud`.
    pub fn origin(&self) -> String {
        format!("https://localhost:{}", self.port)
    }

    /// `https://localhost:PORT/jwks.json`.
    pub fn jwks_url(&self) -> String {
        format!("{}{JWKS_PATH}", self.origin())
    }

    /// `https://localhost:PORT/security/api/v1/security-events`.
    pub fn endpoint(&self) -> String {
        format!("{}{EVENTS_PATH}", self.origin())
    }

    /// The JWKS served at [`JWKS_PATH`].
    pub fn set_jwks(&self, jwks: Value) {
        self.lock().jwks = jwks;
    }

    /// The providers the list answers with (see [`FakeOrg::provider`]).
    pub fn set_providers(&self, providers: Vec<Value>) {
        self.lock().providers = providers;
    }

    /// With `true`, the SET endpoint is not there: `404`, as in an org without Identity Threat
    /// Protection.
    pub fn endpoint_missing(&self, missing: bool) {
        self.lock().endpoint_missing = missing;
    }

    /// The org's clock, in seconds ahead of this machine's (negative: behind), as its `Date`
    /// headers say.
    pub fn date_skew(&self, seconds: i64) {
        self.lock().date_skew = seconds;
    }

    /// The API token the providers API takes.
    pub fn require_token(&self, token: &str) {
        self.lock().token = token.to_owned();
    }

    /// The requests received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.lock().seen.clone()
    }

    /// A provider in the shape of Okta's list (`id`, `name`, `type`, `status`, `settings` with
    /// `issuer` and `jwks_url`, `_links`), with this org's links.
    pub fn provider(&self, id: &str, name: &str, status: &str, issuer: &str, jwks: &str) -> Value {
        let me = format!("{}{PROVIDERS_PATH}/{id}", self.origin());
        let (lifecycle, method) = match status {
            "ACTIVE" => ("deactivate", "POST"),
            _ => ("activate", "POST"),
        };
        json!({
            "id": id,
            "name": name,
            "type": "okta",
            "status": status,
            "settings": {"issuer": issuer, "jwks_url": jwks},
            "_links": {
                "self": {"href": me, "hints": {"allow": ["GET", "PUT", "DELETE"]}},
                lifecycle: {
                    "href": format!("{me}/lifecycle/{lifecycle}"),
                    "hints": {"allow": [method]},
                },
            },
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Drop for FakeOrg {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// One connection: the TLS handshake, one request, one answer, and the close.
fn serve(tcp: TcpStream, config: Arc<rustls::ServerConfig>, state: &Mutex<State>) {
    let _ = tcp.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = tcp.set_write_timeout(Some(Duration::from_secs(5)));
    let Ok(conn) = rustls::ServerConnection::new(config) else { return };
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    // A client that refuses the certificate, or the wake-up connection of drop, sends nothing.
    let Some(request) = read_request(&mut tls) else { return };
    let mut state = state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let (status, body) = route(&request, &state);
    let date = shifted_now(state.date_skew);
    state.seen.push(request);
    drop(state);
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Status",
    };
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nDate: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        httpdate::fmt_http_date(date),
        body.len()
    );
    let _ = tls.write_all(head.as_bytes());
    let _ = tls.write_all(body.as_bytes());
    tls.conn.send_close_notify();
    let _ = tls.flush();
    let _ = tls.sock.shutdown(std::net::Shutdown::Both);
}

fn shifted_now(skew: i64) -> SystemTime {
    let now = SystemTime::now();
    let by = Duration::from_secs(skew.unsigned_abs());
    if skew >= 0 { now + by } else { now - by }
}

/// The answer to `request`: a status and a JSON body.
fn route(request: &Seen, state: &State) -> (u16, String) {
    let path = request.target.split('?').next().unwrap_or_default();
    let okta_error = |code: &str, summary: &str| {
        json!({
            "errorCode": code,
            "errorSummary": summary,
            "errorLink": code,
            "errorId": "oaeFakeOrgRequest0001",
            "errorCauses": [],
        })
        .to_string()
    };
    let not_found =
        || (404, okta_error("E0000007", &format!("Not found: Resource not found: {path} (Page)")));
    let method = request.method.as_str();
    match path {
        EVENTS_PATH if state.endpoint_missing => not_found(),
        EVENTS_PATH if method == "POST" => (
            400,
            json!({
                "err": "invalid_request",
                "description": "Failed to parse the Security Event Token: it is not a compact JWS",
            })
            .to_string(),
        ),
        JWKS_PATH if method == "GET" => (200, state.jwks.to_string()),
        PROVIDERS_PATH if method == "GET" => {
            let wanted = format!("SSWS {}", state.token);
            match request.authorization.as_deref() {
                Some(given) if given == wanted => {
                    (200, Value::from(state.providers.clone()).to_string())
                }
                _ => (401, okta_error("E0000011", "Invalid token provided")),
            }
        }
        EVENTS_PATH | JWKS_PATH | PROVIDERS_PATH => {
            (405, okta_error("E0000022", "The endpoint does not support the provided HTTP method"))
        }
        _ => not_found(),
    }
}

/// Reads one request: the request line, the headers it needs, and a `Content-Length` body.
/// `None` if the peer went away (or never finished the handshake).
fn read_request(stream: &mut impl Read) -> Option<Seen> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).into_owned();
            let mut lines = head.split("\r\n");
            let mut request_line = lines.next()?.split(' ');
            let (method, target) =
                (request_line.next()?.to_owned(), request_line.next()?.to_owned());
            let header = |name: &str| {
                head.split("\r\n").skip(1).find_map(|line| {
                    let (key, value) = line.split_once(':')?;
                    key.trim().eq_ignore_ascii_case(name).then(|| value.trim().to_owned())
                })
            };
            let len: usize = header("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
            if data.len() >= end + 4 + len {
                let body = data[end + 4..end + 4 + len].to_vec();
                return Some(Seen { method, target, authorization: header("authorization"), body });
            }
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return None,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    }
}
