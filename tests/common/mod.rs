//! Helpers shared by the integration tests: the test vectors, a token builder, and a tiny
//! keep-alive HTTP server for what httpmock cannot show (how many connections a client opens).
#![allow(dead_code)] // each test file uses a different part of this module

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use httpmock::{Method, MockServer, When};
use okta_ssf::{Client, ClientBuilder, RetryPolicy};

pub mod net;

pub const EVENTS_PATH: &str = "/security/api/v1/security-events";

pub fn data(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(path)
}

pub fn read_data(path: &str) -> String {
    std::fs::read_to_string(data(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The valid RS256 vector, as it is on disk (ending in a newline).
pub fn vector_token() -> String {
    read_data("valid/session-revoked-rs256.jwt")
}

/// A client for an httpmock server, through `Client::new` with the server's loopback origin.
pub fn client_for(server: &MockServer) -> Client {
    Client::new(&server.base_url()).expect("a loopback origin is a valid domain")
}

/// What every publish must look like on the wire: a `POST` to the events path carrying
/// `token`'s exact bytes, with both media types and no credentials.
pub fn a_publish_of(when: When, token: &str) -> When {
    when.method(Method::POST)
        .path(EVENTS_PATH)
        .header("content-type", "application/secevent+jwt")
        .header("accept", "application/json")
        .header_missing("authorization")
        .body(token)
}

/// Like [`client_for`], with retries off: one request per call, for tests of a single answer.
pub fn single_try_client_for(server: &MockServer) -> Client {
    ClientBuilder::new(&server.base_url())
        .retry(RetryPolicy::never())
        .build()
        .expect("a loopback origin is a valid domain")
}

pub fn b64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n =
            chunk.iter().enumerate().fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// A well-shaped SET (not really signed) whose claims are `claims`.
pub fn token_with_claims(claims: &str) -> String {
    let header = r#"{"alg":"RS256","kid":"k1","typ":"secevent+jwt"}"#;
    format!(
        "{}.{}.{}",
        b64url(header.as_bytes()),
        b64url(claims.as_bytes()),
        b64url(b"not a real signature")
    )
}

/// A loopback HTTP/1.1 server that answers every request with `202` on kept-alive
/// connections and counts connections and requests. Stopped (and joined) on drop.
pub struct KeepAliveServer {
    pub port: u16,
    pub connections: Arc<AtomicUsize>,
    pub requests: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl KeepAliveServer {
    pub fn start() -> KeepAliveServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("local addr").port();
        let connections = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (c, r, s) = (connections.clone(), requests.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let mut workers = Vec::new();
            for stream in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                c.fetch_add(1, Ordering::SeqCst);
                let r = r.clone();
                workers.push(std::thread::spawn(move || serve_202(stream, &r)));
            }
            for w in workers {
                let _ = w.join();
            }
        });
        KeepAliveServer { port, connections, requests, stop, thread: Some(thread) }
    }
}

impl Drop for KeepAliveServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve_202(stream: TcpStream, requests: &AtomicUsize) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut writer = stream;
    loop {
        let mut content_length = 0usize;
        let mut line = String::new();
        // Request line, then headers until the blank line.
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        loop {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((name, value)) = l.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    content_length = value.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0; content_length];
        if reader.read_exact(&mut body).is_err() {
            break;
        }
        requests.fetch_add(1, Ordering::SeqCst);
        if writer.write_all(b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n").is_err() {
            break;
        }
    }
    let _ = writer.shutdown(Shutdown::Both);
}

/// What a [`ScriptedServer`] does with one request.
#[derive(Clone)]
pub enum Action {
    /// Write these bytes as the answer and keep the connection.
    Answer(Vec<u8>),
    /// Read the request and never answer; hold the connection until the client leaves.
    Silent,
    /// Read the request and close the connection without a byte.
    Close,
    /// Write the start of a status line, then reset the connection (RST: the request is left
    /// unread in the socket, so closing it resets).
    ResetInHeaders,
    /// Write `head`, then `body` one byte per `delay`.
    Trickle { head: Vec<u8>, body: Vec<u8>, delay: Duration },
}

/// An answer with a status and headers, and a body with its `Content-Length`.
pub fn answer(status: &str, headers: &[(&str, &str)], body: &str) -> Action {
    let mut text = format!("HTTP/1.1 {status}\r\ncontent-length: {}\r\n", body.len());
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    text.push_str(body);
    Action::Answer(text.into_bytes())
}

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct SeenRequest {
    pub head: String,
    pub body: Vec<u8>,
}

impl SeenRequest {
    /// The value of header `name` (case-insensitive), if present.
    pub fn header(&self, name: &str) -> Option<String> {
        self.head.lines().skip(1).find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    }
}

/// A loopback server that answers the n-th request it reads with the n-th [`Action`] (the last
/// one repeats), recording every request. Stopped (and joined) on drop.
pub struct ScriptedServer {
    pub port: u16,
    seen: Arc<std::sync::Mutex<Vec<SeenRequest>>>,
    connections: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl ScriptedServer {
    pub fn start(actions: Vec<Action>) -> ScriptedServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("local addr").port();
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let actions = Arc::new(actions);
        let connections = Arc::new(AtomicUsize::new(0));
        let (seen2, stop2, connections2) = (seen.clone(), stop.clone(), connections.clone());
        let thread = std::thread::spawn(move || {
            let mut workers = Vec::new();
            for stream in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                connections2.fetch_add(1, Ordering::SeqCst);
                let (seen, stop, actions) = (seen2.clone(), stop2.clone(), actions.clone());
                workers
                    .push(std::thread::spawn(move || run_script(stream, &seen, &stop, &actions)));
            }
            for w in workers {
                let _ = w.join();
            }
        });
        ScriptedServer { port, seen, connections, stop, thread: Some(thread) }
    }

    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn requests(&self) -> Vec<SeenRequest> {
        self.seen.lock().expect("lock").clone()
    }

    /// How many connections the server has accepted.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Peeks until a whole request (head and `Content-Length` body) is buffered; returns it and
/// its length without consuming it.
fn peek_request(stream: &TcpStream, stop: &AtomicBool) -> Option<(SeenRequest, usize)> {
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        if stop.load(Ordering::SeqCst) {
            return None;
        }
        let n = match stream.peek(&mut buf) {
            Ok(0) => return None,
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                continue;
            }
            Err(_) => return None,
        };
        let data = &buf[..n];
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).into_owned();
            let len = head
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.trim()
                        .eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse().ok())?
                })
                .unwrap_or(0usize);
            let total = end + 4 + len;
            if n >= total {
                let body = data[end + 4..total].to_vec();
                return Some((SeenRequest { head, body }, total));
            }
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn run_script(
    mut stream: TcpStream,
    seen: &std::sync::Mutex<Vec<SeenRequest>>,
    stop: &AtomicBool,
    actions: &[Action],
) {
    let _ = stream.set_read_timeout(Some(Duration::from_millis(50)));
    loop {
        let Some((request, len)) = peek_request(&stream, stop) else {
            return;
        };
        let action = {
            let mut seen = seen.lock().expect("lock");
            seen.push(request);
            actions[(seen.len() - 1).min(actions.len() - 1)].clone()
        };
        if let Action::ResetInHeaders = action {
            let _ = stream.write_all(b"HTTP/1.1 20");
            std::thread::sleep(Duration::from_millis(20));
            // The request is still unread: closing now makes the kernel send RST.
            return;
        }
        let mut consumed = vec![0u8; len];
        if stream.read_exact(&mut consumed).is_err() {
            return;
        }
        match action {
            Action::Answer(bytes) => {
                if stream.write_all(&bytes).is_err() {
                    return;
                }
            }
            Action::Silent => {
                // Until the client hangs up (or the test ends).
                let mut byte = [0u8; 1];
                while !stop.load(Ordering::SeqCst) {
                    match stream.read(&mut byte) {
                        Ok(0) => return,
                        Ok(_) => {}
                        Err(e)
                            if matches!(
                                e.kind(),
                                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                            ) => {}
                        Err(_) => return,
                    }
                }
                return;
            }
            Action::Close => return,
            Action::ResetInHeaders => unreachable!("handled above"),
            Action::Trickle { head, body, delay } => {
                if stream.write_all(&head).is_err() {
                    return;
                }
                for b in body {
                    if stop.load(Ordering::SeqCst) || stream.write_all(&[b]).is_err() {
                        return;
                    }
                    std::thread::sleep(delay);
                }
            }
        }
    }
}

/// What of the host's environment could change a run of the command: Okta's SDK variables,
/// proxies, the certificate store's location, `RUST_LOG`. Removed from `command`'s.
pub fn without_host_env(command: &mut std::process::Command) -> &mut std::process::Command {
    let okta = ["ORGURL", "TOKEN", "CLIENTID", "PRIVATEKEY", "KID", "SCOPES", "AUTHORIZATIONMODE"];
    for name in okta {
        command.env_remove(format!("OKTA_CLIENT_{name}"));
    }
    for proxy in ["ALL_PROXY", "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY"] {
        command.env_remove(proxy).env_remove(proxy.to_ascii_lowercase());
    }
    for var in ["SSL_CERT_FILE", "SSL_CERT_DIR", "RUST_LOG"] {
        command.env_remove(var);
    }
    command
}
