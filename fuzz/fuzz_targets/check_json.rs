//! The token check's own JSON reader against serde_json: arbitrary bytes as a token's claims,
//! and as its header, must get the verdict serde_json's reading gives (see
//! `tests/common/json_oracle.rs`).
#![no_main]

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use libfuzzer_sys::fuzz_target;

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
    // Segments that are not UTF-8 are refused before any JSON is read.
    let Ok(text) = std::str::from_utf8(data) else { return };
    let got = okta_ssf::check_token(&token(HEADER.as_bytes(), data)).map(drop);
    assert_eq!(got, json_oracle::expected_for_claims(text), "claims {text:?}");
    let got = okta_ssf::check_token(&token(data, CLAIMS.as_bytes())).map(drop);
    assert_eq!(got, json_oracle::expected_for_header(text), "header {text:?}");
});
