//! Builds a session-revoked event for a user, signs it with a PEM key, and publishes it.
//!
//! ```text
//! cargo run --features sign --example sign_and_publish -- \
//!     <DOMAIN> <KEY_PEM> <KID> <ISSUER> <USER_EMAIL>
//! ```
//!
//! Prints the JWKS to host at the provider's `jwks_url` with `--jwks <KEY_PEM> <KID>`.

use std::process::ExitCode;

use okta_ssf::sign::{Event, InitiatingEntity, SetBuilder, SigningKey, Subject, jwks};
use okta_ssf::{Client, Status};

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Vec<String>) -> Result<ExitCode, Box<dyn std::error::Error>> {
    if let [flag, key, kid] = args.as_slice() {
        if flag == "--jwks" {
            let key = SigningKey::from_pem(&std::fs::read(key)?, kid)?;
            println!("{}", serde_json::to_string_pretty(&jwks(&[&key]))?);
            return Ok(ExitCode::SUCCESS);
        }
    }
    let [domain, key, kid, issuer, email] = args.as_slice() else {
        eprintln!("usage: sign_and_publish <DOMAIN> <KEY_PEM> <KID> <ISSUER> <USER_EMAIL>");
        eprintln!("       sign_and_publish --jwks <KEY_PEM> <KID>");
        return Ok(ExitCode::from(2));
    };
    let client = Client::new(domain)?;
    let key = SigningKey::from_pem(&std::fs::read(key)?, kid)?;
    // The audience is the org's own origin (what `Client::new` derived from the domain).
    let audience = client.endpoint().trim_end_matches(okta_ssf::OKTA_EVENTS_PATH).to_owned();
    let event = Event::session_revoked(Subject::user_email(email))
        .initiating_entity(InitiatingEntity::Policy)
        .reason_admin("Session revoked by the transmitter's policy");
    let token = SetBuilder::new(issuer, &audience).event(event).sign(&key)?;
    match client.publish(&token)? {
        Status::Accepted => {
            println!("accepted");
            Ok(ExitCode::SUCCESS)
        }
        Status::Rejected(rejection) => {
            println!("rejected: {rejection}");
            Ok(ExitCode::from(1))
        }
        other => {
            println!("unknown outcome: {other:?}");
            Ok(ExitCode::from(1))
        }
    }
}
