//! Sequential publishes over one kept-alive connection to a loopback receiver that answers
//! 202 as fast as it can: okta-ssf's `Client` side by side with bare ureq (the ceiling for
//! any ureq-based client) and a hand-written exchange on a raw `TcpStream` (the floor), plus
//! bare ureq under each way of setting a timeout.
//!
//! `cargo bench --bench throughput` (knobs: ROUNDS, REQUESTS). Rounds interleave the
//! contenders; the report gives each one's median rate and the ratios of the medians.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{knob, median, start_202_server, token_of_size};

const PATH: &str = "/security/api/v1/security-events";

/// A name and one publish.
type Contender = (&'static str, Box<dyn FnMut()>);

fn ureq_agent(
    configure: impl FnOnce(
        ureq::config::ConfigBuilder<ureq::typestate::AgentScope>,
    ) -> ureq::config::ConfigBuilder<ureq::typestate::AgentScope>,
) -> ureq::Agent {
    let builder = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0);
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
        Raw {
            stream,
            request,
            buf: vec![0; 4096],
        }
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

fn main() {
    let rounds = knob("ROUNDS", 7);
    let requests = knob("REQUESTS", 5000);
    let port = start_202_server();
    let origin = format!("http://127.0.0.1:{port}");
    let url = format!("{origin}{PATH}");
    let token = token_of_size(800);
    okta_ssf::check_token(&token).expect("a valid token");

    let client = okta_ssf::Client::new(&origin).expect("client");
    let bare = ureq_agent(|b| b);
    let t = Duration::from_secs(30);
    let global = ureq_agent(|b| {
        b.timeout_global(Some(t))
            .timeout_connect(Some(Duration::from_secs(10)))
    });
    let per_call = ureq_agent(|b| {
        b.timeout_per_call(Some(t))
            .timeout_connect(Some(Duration::from_secs(10)))
    });
    let per_io = ureq_agent(|b| {
        b.timeout_per_read(Some(t))
            .timeout_per_write(Some(t))
            .timeout_connect(Some(Duration::from_secs(10)))
    });
    let hybrid = ureq_agent(|b| {
        b.timeout_global(Some(t))
            .timeout_per_read(Some(Duration::from_secs(10)))
            .timeout_per_write(Some(Duration::from_secs(10)))
            .timeout_connect(Some(Duration::from_secs(10)))
    });
    let phases = ureq_agent(|b| {
        b.timeout_connect(Some(Duration::from_secs(10)))
            .timeout_send_request(Some(t))
            .timeout_send_body(Some(t))
            .timeout_recv_response(Some(t))
            .timeout_recv_body(Some(t))
    });
    let phases_io = ureq_agent(|b| {
        b.timeout_connect(Some(Duration::from_secs(10)))
            .timeout_send_request(Some(t))
            .timeout_send_body(Some(t))
            .timeout_recv_response(Some(t))
            .timeout_recv_body(Some(t))
            .timeout_per_read(Some(Duration::from_secs(10)))
            .timeout_per_write(Some(Duration::from_secs(10)))
    });
    let mut raw = Raw::new(port, &token);

    let mut contenders: Vec<Contender> = vec![
        ("raw TcpStream (floor)", Box::new(move || raw.publish())),
        (
            "bare ureq, defaults (ceiling)",
            Box::new({
                let (a, u, t) = (bare.clone(), url.clone(), token.clone());
                move || ureq_publish(&a, &u, &t)
            }),
        ),
        (
            "okta-ssf Client::publish",
            Box::new({
                let (c, t) = (client.clone(), token.clone());
                move || assert!(c.publish(&t).expect("published").is_accepted())
            }),
        ),
        (
            "ureq + timeout_global 30s",
            Box::new({
                let (a, u, t) = (global.clone(), url.clone(), token.clone());
                move || ureq_publish(&a, &u, &t)
            }),
        ),
        (
            "ureq + timeout_per_call 30s",
            Box::new({
                let (a, u, t) = (per_call.clone(), url.clone(), token.clone());
                move || ureq_publish(&a, &u, &t)
            }),
        ),
        (
            "ureq + per_read/per_write 30s",
            Box::new({
                let (a, u, t) = (per_io.clone(), url.clone(), token.clone());
                move || ureq_publish(&a, &u, &t)
            }),
        ),
        (
            "ureq + global 30s, per_read/write 10s",
            Box::new({
                let (a, u, t) = (hybrid.clone(), url.clone(), token.clone());
                move || ureq_publish(&a, &u, &t)
            }),
        ),
        (
            "ureq + phase timeouts 30s",
            Box::new({
                let (a, u, t) = (phases.clone(), url.clone(), token.clone());
                move || ureq_publish(&a, &u, &t)
            }),
        ),
        (
            "ureq + phases 30s, per_read/write 10s",
            Box::new({
                let (a, u, t) = (phases_io.clone(), url.clone(), token.clone());
                move || ureq_publish(&a, &u, &t)
            }),
        ),
    ];
    // ONLY=<text> keeps only the contenders whose name contains it (for profiling one).
    let only = std::env::var("ONLY").ok();
    if let Some(only) = &only {
        contenders.retain(|(name, _)| name.contains(only.as_str()));
    }
    // Warm up: connections open, caches warm.
    for (_, run) in contenders.iter_mut() {
        for _ in 0..500 {
            run();
        }
    }
    let mut rates: Vec<Vec<f64>> = vec![Vec::new(); contenders.len()];
    for round in 0..rounds {
        // Rotate the order so no contender always runs first.
        for k in 0..contenders.len() {
            let i = (k + round) % contenders.len();
            let run = &mut contenders[i].1;
            let start = Instant::now();
            for _ in 0..requests {
                run();
            }
            rates[i].push(requests as f64 / start.elapsed().as_secs_f64());
        }
    }
    let medians: Vec<f64> = rates.iter_mut().map(|r| median(r)).collect();
    if only.is_some() {
        for ((name, _), m) in contenders.iter().zip(&medians) {
            println!("{name:<40} {m:>12.0} req/s");
        }
        return;
    }
    let (floor, ceiling) = (medians[0], medians[1]);
    println!(
        "throughput: {rounds} rounds x {requests} sequential requests, 800-byte token, one kept-alive connection"
    );
    println!(
        "{:<40} {:>12} {:>10} {:>10}",
        "contender", "median req/s", "/ floor", "/ ureq"
    );
    for ((name, _), m) in contenders.iter().zip(&medians) {
        println!(
            "{name:<40} {m:>12.0} {:>10.3} {:>10.3}",
            m / floor,
            m / ceiling
        );
    }
    let ours = medians[2] / ceiling;
    println!(
        "okta-ssf reaches {ours:.3} of bare ureq (target 0.9): {}",
        if ours >= 0.9 { "met" } else { "MISSED" }
    );
}
