//! The token check's own JSON reader against serde_json: arbitrary bytes as a token's claims,
//! and as its header, must get the verdict serde_json's reading gives (see
//! `tests/common/json_oracle.rs`); bytes that are not UTF-8 are not JSON.
#![no_main]

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use libfuzzer_sys::fuzz_target;
use okta_ssf::{Segment, TokenError};

#[path = "../../tests/common/json_oracle.rs"]
mod json_oracle;

const HEADER: &str = r#"{"alg":"RS256","kid":"k1","typ":"secevent+jwt"}"#;
const CLAIMS: &str = r#"{"iss":"https://t.example","aud":"https://acme.okta.com","iat":1764460800,"jti":"j1","events":{"https://schemas.openid.net/secevent/caep/event-type/session-revoked":{}}}"#;

fn token(header: &[u8], claims: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims),
        URL_SAFE_NO_PAD.encode(b"not a real signature")
    )
}

fuzz_target!(|data: &[u8]| {
    // Past this the token would be too large for the check, which then says so instead
    // (`-max_len` is 4 KiB unless raised).
    if data.len() > 32 * 1024 {
        return;
    }
    let got_claims = okta_ssf::check_token(&token(HEADER.as_bytes(), data)).map(drop);
    let got_header = okta_ssf::check_token(&token(data, CLAIMS.as_bytes())).map(drop);
    match std::str::from_utf8(data) {
        Ok(text) => {
            assert_eq!(got_claims, json_oracle::expected_for_claims(text), "claims {text:?}");
            assert_eq!(got_header, json_oracle::expected_for_header(text), "header {text:?}");
        }
        // JSON is UTF-8: serde_json refuses anything else, and so must the check.
        Err(_) => {
            assert_eq!(got_claims, Err(TokenError::NotJson(Segment::Claims)));
            assert_eq!(got_header, Err(TokenError::NotJson(Segment::Header)));
        }
    }
});
