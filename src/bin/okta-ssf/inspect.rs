//! `okta-ssf inspect`.

use std::path::PathBuf;

use okta_ssf::lint::decode_unverified;
use okta_ssf::{Client, check_token};
use serde_json::Value;

use crate::Usage;
use crate::input::each_line;

/// Decode tokens and show what Okta would refuse or drop.
///
/// Prints each token's header and claims (the signature is not verified), the verdict of the
/// pre-send check, and warnings for what Okta is known to refuse or drop.
///
/// Exit 0 when every token passes the check (warnings alone do not fail), 1 when one does not.
#[derive(clap::Args)]
#[command(after_help = crate::EXIT_STATUSES)]
pub(crate) struct Args {
    /// The Okta org the tokens are for, to check `aud` against.
    #[arg(long, short = 'd', env = "OKTA_CLIENT_ORGURL")]
    domain: Option<String>,
    /// Token files, one token per line; none or `-` reads standard input.
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
}

pub(crate) fn run(args: Args) -> Result<bool, Usage> {
    let org = args.domain.as_deref().map(Client::new).transpose()?.map(|c| c.origin().to_owned());
    let mut all_pass = true;
    let mut first = true;
    let all_read = each_line(&args.files, |line| {
        if !std::mem::take(&mut first) {
            println!();
        }
        println!("== {} ({} bytes)", line.source, line.token.len());
        if let Some(problem) = &line.problem {
            all_pass = false;
            println!("check: refused: {problem}");
            return;
        }
        let (header, claims) = decode_unverified(&line.token);
        let pretty = |v: Option<Value>| {
            v.map_or_else(
                || "(does not decode)".to_owned(),
                |v| serde_json::to_string_pretty(&elide(v)).unwrap_or_default(),
            )
        };
        println!("header: {}", pretty(header));
        println!("claims: {}", pretty(claims));
        match check_token(&line.token) {
            Ok(token) => {
                println!("check: passed");
                for warning in token.okta_warnings(org.as_deref()) {
                    println!("warning: {warning}");
                }
            }
            Err(e) => {
                all_pass = false;
                println!("check: refused: {e}");
            }
        }
    });
    if !all_read {
        return Err(Usage("some input could not be read (see above)".into()));
    }
    Ok(all_pass)
}

/// The longest string shown whole, in characters.
const SHOWN: usize = 200;

/// `value` with each string longer than [`SHOWN`] cut there, its size said.
fn elide(value: Value) -> Value {
    match value {
        Value::String(s) if s.chars().count() > SHOWN => {
            let shown: String = s.chars().take(SHOWN).collect();
            Value::String(format!("{shown}… ({} bytes in all)", s.len()))
        }
        Value::Array(items) => Value::Array(items.into_iter().map(elide).collect()),
        Value::Object(members) => {
            Value::Object(members.into_iter().map(|(k, v)| (k, elide(v))).collect())
        }
        other => other,
    }
}
