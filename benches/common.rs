//! Shared by the benchmarks: a loopback receiver that answers 202 as fast as it can, tokens,
//! and medians.
#![allow(dead_code)] // each bench uses a different part

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

/// A `std::net` server on 127.0.0.1 that answers every request `202` on kept-alive
/// connections. It runs until the process ends (benches are short-lived).
pub fn start_202_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || serve(stream));
        }
    });
    port
}

fn serve(stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let mut writer = stream.try_clone().expect("clone");
    let mut reader = BufReader::with_capacity(64 * 1024, stream);
    let mut line = Vec::with_capacity(256);
    loop {
        let mut content_length = 0usize;
        let mut first = true;
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if line == b"\r\n" && !first {
                break;
            }
            first = false;
            if line.len() > 15 && line[..15].eq_ignore_ascii_case(b"content-length:") {
                content_length = std::str::from_utf8(&line[15..])
                    .ok()
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
            }
        }
        let mut body = vec![0u8; content_length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        if writer.write_all(b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n").is_err() {
            return;
        }
    }
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

/// A well-shaped SET of about `size` bytes (the signature is 64 bytes of filler, as an ES256
/// one would be; an RS256 signature alone is 342 characters).
pub fn token_of_size(size: usize) -> String {
    let header = b64url(br#"{"alg":"ES256","kid":"bench-key-1","typ":"secevent+jwt"}"#);
    let signature = b64url(&[7u8; 64]);
    let claims = |padding: usize| {
        format!(
            r#"{{"iss":"https://transmitter.example.com","aud":"https://acme.okta.com","iat":1764460800,"jti":"bench-0001","events":{{"https://schemas.openid.net/secevent/caep/event-type/session-revoked":{{"subject":{{"user":{{"format":"email","email":"jane.doe@example.com"}}}},"event_timestamp":1764460800,"initiating_entity":"policy","reason_admin":{{"en":"{}"}}}}}}}}"#,
            "x".repeat(padding)
        )
    };
    let base = header.len() + 2 + signature.len() + b64url(claims(0).as_bytes()).len();
    let padding = size.saturating_sub(base) * 3 / 4;
    format!("{header}.{}.{signature}", b64url(claims(padding).as_bytes()))
}

pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 { values[n / 2] } else { (values[n / 2 - 1] + values[n / 2]) / 2.0 }
}

/// Environment knob for the number of rounds and iterations, so a quick run is possible.
pub fn knob(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

pub const READ_TIMEOUT: Duration = Duration::from_secs(30);
