//! Publishes the token in a file to an Okta org, as a cron job would.
//!
//! ```text
//! cargo run --example publish -- <DOMAIN> <TOKEN_FILE>
//! cargo run --example publish -- acme.okta.com /var/lib/risk-engine/out/event.jwt
//! ```
//!
//! Exit status: 0 accepted, 1 rejected or failed, 2 usage or configuration error.

use std::process::ExitCode;

use okta_ssf::{Client, Status};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [domain, path] = args.as_slice() else {
        eprintln!(
            "usage: publish <DOMAIN> <TOKEN_FILE>   (for example: publish acme.okta.com event.jwt)"
        );
        return ExitCode::from(2);
    };
    let client = match Client::new(domain) {
        Ok(client) => client,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let token = match std::fs::read_to_string(path) {
        Ok(token) => token,
        Err(e) => {
            eprintln!("cannot read {path}: {e}");
            return ExitCode::from(2);
        }
    };
    match client.publish_detailed(&token) {
        Ok(delivery) => {
            let request_id = delivery.response().request_id().unwrap_or("-");
            match delivery.status() {
                Status::Accepted => {
                    println!(
                        "accepted (HTTP {}, request id {request_id})",
                        delivery.response().http_status()
                    );
                    ExitCode::SUCCESS
                }
                Status::Rejected(rejection) => {
                    println!("rejected: {rejection} (request id {request_id})");
                    ExitCode::from(1)
                }
                other => {
                    println!("unknown outcome: {other:?}");
                    ExitCode::from(1)
                }
            }
        }
        Err(e) => {
            println!("failed: {}", chain(&e));
            ExitCode::from(1)
        }
    }
}

/// The error and each of its causes, as one line.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
