//! What the pre-send check must answer for a token's header or claims, computed from
//! serde_json's reading of them (`serde_json::from_str::<Value>`) and the rules
//! `okta_ssf::check_token` documents. The check reads JSON with a scanner of its own; this is
//! the independent answer it is held to, by `tests/check_agrees_with_serde_json.rs` and by the
//! `check_json` fuzz target (which includes this file).

use okta_ssf::{Segment, TokenError};
use serde_json::Value;

/// What the check must answer for these claims, from serde_json's reading of them.
pub fn expected_for_claims(claims: &str) -> Result<(), TokenError> {
    let Ok(value) = serde_json::from_str::<Value>(claims) else {
        return Err(TokenError::NotJson(Segment::Claims));
    };
    let Value::Object(map) = value else {
        return Err(TokenError::NotObject(Segment::Claims));
    };
    let text = |v: &Value| v.as_str().is_some_and(|s| !s.is_empty());
    let claim = |name: &'static str| map.get(name).ok_or(TokenError::MissingClaim(name));
    let wrong =
        |name: &'static str, expected: &'static str| TokenError::ClaimType { name, expected };
    if !text(claim("iss")?) {
        return Err(wrong("iss", "a non-empty string"));
    }
    let aud = claim("aud")?;
    let audiences_ok = match aud {
        Value::Array(list) => !list.is_empty() && list.iter().all(text),
        other => text(other),
    };
    if !audiences_ok {
        return Err(wrong(
            "aud",
            "a non-empty string or array of non-empty strings",
        ));
    }
    if claim("iat")?.as_i64().is_none() {
        return Err(wrong("iat", "an integer number of seconds"));
    }
    if !text(claim("jti")?) {
        return Err(wrong("jti", "a non-empty string"));
    }
    match claim("events")? {
        Value::Object(events) if events.is_empty() => Err(TokenError::NoEvents),
        Value::Object(events) if events.values().all(Value::is_object) => Ok(()),
        Value::Object(_) => Err(TokenError::EventNotObject),
        _ => Err(wrong("events", "a JSON object")),
    }
}

/// What the check must answer for this header, from serde_json's reading of it.
pub fn expected_for_header(header: &str) -> Result<(), TokenError> {
    let Ok(value) = serde_json::from_str::<Value>(header) else {
        return Err(TokenError::NotJson(Segment::Header));
    };
    let Value::Object(map) = value else {
        return Err(TokenError::NotObject(Segment::Header));
    };
    let text = |name| map.get(name).and_then(Value::as_str);
    let alg = text("alg").ok_or(TokenError::MissingHeader("alg"))?;
    if alg.eq_ignore_ascii_case("none") {
        return Err(TokenError::AlgNone);
    }
    if alg
        .as_bytes()
        .get(..2)
        .is_some_and(|p| p.eq_ignore_ascii_case(b"HS"))
    {
        return Err(TokenError::AlgSymmetric);
    }
    if text("kid").is_none_or(str::is_empty) {
        return Err(TokenError::MissingHeader("kid"));
    }
    let typ = text("typ").ok_or(TokenError::MissingHeader("typ"))?;
    let bare = typ
        .get(..12)
        .filter(|prefix| prefix.eq_ignore_ascii_case("application/"))
        .map_or(typ, |_| &typ[12..]);
    if !bare.eq_ignore_ascii_case("secevent+jwt") {
        return Err(TokenError::Typ);
    }
    Ok(())
}
