//! Sequential publishes over one kept-alive connection to a loopback receiver that answers
//! 202 as fast as it can: okta-ssf's `Client` side by side with bare ureq (the ceiling for
//! any ureq-based client) and a hand-written exchange on a raw `TcpStream` (the floor), plus
//! bare ureq under each way of setting a timeout, and both to `http://localhost`, a name to look
//! up, beside `http://127.0.0.1`.
//!
//! `cargo bench --bench throughput` (knobs: ROUNDS, REQUESTS, and ONLY, a comma-separated list
//! of name parts that keeps only the matching contenders). Rounds interleave the
//! contenders; the report gives each one's median rate and the ratios of the medians.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{knob, median, start_202_server, token_of_size};

const PATH: &str = "/security/api/v1/security-events";

/// What a contender's agent is configured through.
type AgentConfig = ureq::config::ConfigBuilder<ureq::typestate::AgentScope>;

fn ureq_agent(configure: impl FnOnce(AgentConfig) -> AgentConfig) -> ureq::Agent {
    let builder = ureq::Agent::config_builder().http_status_as_error(false).max_redirects(0);
    configure(builder).build().new_agent()
}

fn ureq_publish(agent: &ureq::Agent, url: &str, token: &str) {
    let mut response = agent
        .post(url)
        .header("Content-Type", "application/secevent+jwt")
        .header("Accept", "application/json")
        .send(token.as_bytes())
        .expect("ureq request");
    assert_eq!(response.status().as_u16(), 202);
    let _ = response.body_mut().read_to_vec();
}

/// The floor: the same request bytes, written at once, and the answer read by hand.
struct Raw {
    stream: TcpStream,
    request: Vec<u8>,
    buf: Vec<u8>,
}

impl Raw {
    fn new(port: u16, token: &str) -> Raw {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        let request = format!(
            "POST {PATH} HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\ncontent-type: application/secevent+jwt\r\naccept: application/json\r\nuser-agent: okta-ssf/{}\r\ncontent-length: {}\r\n\r\n{token}",
            env!("CARGO_PKG_VERSION"),
            token.len()
        )
        .into_bytes();
        Raw { stream, request, buf: vec![0; 4096] }
    }

    fn publish(&mut self) {
        self.stream.write_all(&self.request).expect("write");
        let mut filled = 0;
        loop {
            let n = self.stream.read(&mut self.buf[filled..]).expect("read");
            assert!(n > 0, "server closed");
            filled += n;
            if self.buf[..filled].windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
        assert!(self.buf.starts_with(b"HTTP/1.1 202"));
    }
}

/// Makes a fresh publisher, with a connection of its own.
type Factory = Box<dyn Fn() -> Box<dyn FnMut()>>;

/// A contender whose publisher is bare ureq with `configure` applied to its agent.
fn ureq_with(url: &str, token: &str, configure: fn(AgentConfig) -> AgentConfig) -> Factory {
    let (url, token) = (url.to_owned(), token.to_owned());
    Box::new(move || {
        let (agent, url, token) = (ureq_agent(configure), url.clone(), token.clone());
        Box::new(move || ureq_publish(&agent, &url, &token))
    })
}

const T: Duration = Duration::from_secs(30);
const IO: Duration = Duration::from_secs(10);
const CONNECT: Duration = Duration::from_secs(10);

/// A 10 s connect timeout and 30 s for each phase of a request, as okta-ssf's client bounds it.
fn phases_30s(b: AgentConfig) -> AgentConfig {
    b.timeout_connect(Some(CONNECT))
        .timeout_send_request(Some(T))
        .timeout_send_body(Some(T))
        .timeout_recv_response(Some(T))
        .timeout_recv_body(Some(T))
}

fn main() {
    let rounds = knob("ROUNDS", 9);
    let requests = knob("REQUESTS", 5000);
    let port = start_202_server();
    let origin = format!("http://127.0.0.1:{port}");
    let url = format!("{origin}{PATH}");
    let token = token_of_size(800);
    okta_ssf::check_token(&token).expect("a valid token");

    let mut contenders: Vec<(&str, Factory)> = vec![
        ("raw TcpStream (floor)", {
            let token = token.clone();
            Box::new(move || {
                let mut raw = Raw::new(port, &token);
                Box::new(move || raw.publish())
            })
        }),
        ("bare ureq, defaults (ceiling)", ureq_with(&url, &token, |b| b)),
        ("okta-ssf Client::publish", {
            let (origin, token) = (origin.clone(), token.clone());
            Box::new(move || {
                let (client, token) =
                    (okta_ssf::Client::new(&origin).expect("client"), token.clone());
                Box::new(move || assert!(client.publish(&token).expect("published").is_accepted()))
            })
        }),
        (
            "bare ureq to localhost",
            ureq_with(&url.replace("127.0.0.1", "localhost"), &token, |b| b),
        ),
        ("okta-ssf to localhost", {
            let (origin, token) = (origin.replace("127.0.0.1", "localhost"), token.clone());
            Box::new(move || {
                let (client, token) =
                    (okta_ssf::Client::new(&origin).expect("client"), token.clone());
                Box::new(move || assert!(client.publish(&token).expect("published").is_accepted()))
            })
        }),
        ("okta-ssf, no pacing", {
            let (origin, token) = (origin.clone(), token.clone());
            Box::new(move || {
                let client = okta_ssf::ClientBuilder::new(&origin)
                    .rate_limit_pacing(false)
                    .build()
                    .expect("client");
                let token = token.clone();
                Box::new(move || assert!(client.publish(&token).expect("published").is_accepted()))
            })
        }),
        ("okta-ssf, TokenCheck::Skip", {
            let (origin, token) = (origin.clone(), token.clone());
            Box::new(move || {
                let client = okta_ssf::ClientBuilder::new(&origin)
                    .token_check(okta_ssf::TokenCheck::Skip)
                    .build()
                    .expect("client");
                let token = token.clone();
                Box::new(move || assert!(client.publish(&token).expect("published").is_accepted()))
            })
        }),
        (
            "ureq + timeout_global 30s",
            ureq_with(&url, &token, |b| b.timeout_global(Some(T)).timeout_connect(Some(CONNECT))),
        ),
        (
            "ureq + timeout_per_call 30s",
            ureq_with(&url, &token, |b| b.timeout_per_call(Some(T)).timeout_connect(Some(CONNECT))),
        ),
        (
            "ureq + per_read/per_write 30s",
            ureq_with(&url, &token, |b| {
                b.timeout_per_read(Some(T))
                    .timeout_per_write(Some(T))
                    .timeout_connect(Some(CONNECT))
            }),
        ),
        (
            "ureq + global 30s, per_read/write 10s",
            ureq_with(&url, &token, |b| {
                b.timeout_global(Some(T))
                    .timeout_per_read(Some(IO))
                    .timeout_per_write(Some(IO))
                    .timeout_connect(Some(CONNECT))
            }),
        ),
        ("ureq + phase timeouts 30s", ureq_with(&url, &token, phases_30s)),
        (
            "ureq + phases 30s, per_read/write 10s",
            ureq_with(&url, &token, |b| {
                phases_30s(b).timeout_per_read(Some(IO)).timeout_per_write(Some(IO))
            }),
        ),
    ];
    // ONLY=<text>[,<text>...] keeps only the contenders whose name contains one of them (for
    // profiling one, or comparing a few).
    let only = std::env::var("ONLY").ok();
    if let Some(only) = &only {
        contenders.retain(|(name, _)| only.split(',').any(|part| name.contains(part)));
    }
    let mut rates: Vec<Vec<f64>> = vec![Vec::new(); contenders.len()];
    for round in 0..rounds {
        // Rotate the order so no contender always runs first. Each round opens new
        // connections: a loopback connection settles into a speed of its own for its lifetime,
        // so rounds on fresh connections sample that too.
        for k in 0..contenders.len() {
            let i = (k + round) % contenders.len();
            let mut run = (contenders[i].1)();
            for _ in 0..500 {
                run();
            }
            let start = Instant::now();
            for _ in 0..requests {
                run();
            }
            rates[i].push(requests as f64 / start.elapsed().as_secs_f64());
        }
    }
    let spreads: Vec<(f64, f64)> = rates
        .iter()
        .map(|r| {
            (r.iter().copied().fold(f64::INFINITY, f64::min), r.iter().copied().fold(0.0, f64::max))
        })
        .collect();
    // Each round's rates, in round order, before `median` sorts them.
    let by_round = rates.clone();
    let medians: Vec<f64> = rates.iter_mut().map(|r| median(r)).collect();
    // The median over rounds of `a`'s rate over `b`'s in the same round: both saw the same
    // moments of a shared machine.
    let round_ratio = |a: &str, b: &str| {
        let index = |prefix: &str| contenders.iter().position(|(name, _)| name.starts_with(prefix));
        let (a, b) = (index(a)?, index(b)?);
        let mut ratios: Vec<f64> =
            by_round[a].iter().zip(&by_round[b]).map(|(x, y)| x / y).collect();
        Some(median(&mut ratios))
    };
    // Ratios to the floor and the ceiling, when ONLY kept them.
    let median_of = |prefix: &str| {
        contenders.iter().position(|(name, _)| name.starts_with(prefix)).map(|i| medians[i])
    };
    let (floor, ceiling) = (median_of("raw TcpStream"), median_of("bare ureq"));
    let ratio =
        |m: f64, base: Option<f64>| base.map_or("-".to_owned(), |b| format!("{:.3}", m / b));
    println!(
        "throughput: {rounds} rounds x {requests} sequential requests, 800-byte token, a fresh kept-alive connection each round"
    );
    println!(
        "{:<40} {:>12} {:>10} {:>10}   min..max req/s",
        "contender", "median req/s", "/ floor", "/ ureq"
    );
    for (((name, _), &m), (lo, hi)) in contenders.iter().zip(&medians).zip(&spreads) {
        println!(
            "{name:<40} {m:>12.0} {:>10} {:>10}   {lo:.0}..{hi:.0}",
            ratio(m, floor),
            ratio(m, ceiling)
        );
    }
    // A name to look up: ureq alone resolves it for every request, this client once.
    let verdict = |ratio: f64, guard: f64| if ratio >= guard { "met" } else { "MISSED" };
    println!("median of the rounds' ratios:");
    if let Some(ratio) = round_ratio("bare ureq to localhost", "bare ureq, defaults") {
        println!("  bare ureq to localhost reaches {ratio:.3} of 127.0.0.1");
    }
    if let Some(ratio) = round_ratio("okta-ssf to localhost", "okta-ssf Client::publish") {
        let met = verdict(ratio, 0.95);
        println!("  okta-ssf to localhost reaches {ratio:.3} of 127.0.0.1 (guard 0.95): {met}");
    }
    if let Some(ratio) = round_ratio("okta-ssf Client::publish", "bare ureq, defaults") {
        let met = verdict(ratio, 0.85);
        println!("  okta-ssf reaches {ratio:.3} of bare ureq (guard 0.85): {met}");
    }
}
