//! Publishes a token as an event happens; when the receiver cannot be reached now, keeps the
//! token in a spool for the cron job that runs `okta-ssf spool send`.
//!
//! ```text
//! cargo run --example spool_fallback --features spool -- <DOMAIN> <SPOOL_DIR> <TOKEN_FILE>
//! cargo run --example spool_fallback --features spool -- acme.okta.com /var/spool/okta-ssf event.jwt
//! ```
//!
//! Exit status: 0 accepted or queued, 1 rejected, 2 usage or configuration error.

use std::process::ExitCode;

use okta_ssf::spool::Spool;
use okta_ssf::{Client, Status};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [domain, dir, path] = args.as_slice() else {
        eprintln!("usage: spool_fallback <DOMAIN> <SPOOL_DIR> <TOKEN_FILE>");
        return ExitCode::from(2);
    };
    let setup = Client::new(domain)
        .map_err(|e| e.to_string())
        .and_then(|client| Ok((client, Spool::open(dir).map_err(|e| e.to_string())?)))
        .and_then(|(client, spool)| {
            let token = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
            Ok((client, spool, token))
        });
    let (client, spool, token) = match setup {
        Ok(ready) => ready,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match client.publish(&token) {
        Ok(Status::Accepted) => {
            println!("accepted");
            ExitCode::SUCCESS
        }
        Ok(Status::Rejected(rejection)) => {
            eprintln!("rejected: {rejection}");
            ExitCode::from(1)
        }
        Ok(other) => {
            eprintln!("an outcome this version does not know: {other:?}");
            ExitCode::from(1)
        }
        // Down, unreachable, rate limited: the cron job sends it later.
        Err(e) if e.is_retryable() => match spool.add(&token) {
            Ok(jti) => {
                println!("queued {jti} for later ({e})");
                ExitCode::SUCCESS
            }
            Err(spool_error) => {
                eprintln!("not sent ({e}) and not queued: {spool_error}");
                ExitCode::from(2)
            }
        },
        // A wrong set-up or a refused token: keeping it would not help.
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}
