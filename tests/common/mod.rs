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

use httpmock::MockServer;
use okta_ssf::{Client, ClientBuilder, RetryPolicy};

pub const EVENTS_PATH: &str = "/security/api/v1/security-events";

pub fn data(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(path)
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
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
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
        KeepAliveServer {
            port,
            connections,
            requests,
            stop,
            thread: Some(thread),
        }
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
        if writer
            .write_all(b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n")
            .is_err()
        {
            break;
        }
    }
    let _ = writer.shutdown(Shutdown::Both);
}
