//! The pre-send check reads a token's header and claims with a JSON reader of its own, built
//! for speed. These tests hold it to serde_json: for any text, the check's verdict must be the
//! one computed here from `serde_json::from_str::<Value>`, the parser `Token::claims` and
//! Okta's own side agree with. A mismatch either way is a bug: passing what serde_json refuses
//! would send a token whose claims cannot be read; refusing what it accepts would block a good
//! token.

mod common;

use common::json_oracle::{expected_for_claims, expected_for_header};
use common::{b64url, token_with_claims};
use okta_ssf::{Segment, TokenError, check_token};
use proptest::prelude::*;
use serde_json::Value;

const GOOD_CLAIMS: &str = r#"{"iss":"https://t.example","aud":"https://acme.okta.com","iat":1764460800,"jti":"j1","events":{"https://schemas.openid.net/secevent/caep/event-type/session-revoked":{}}}"#;

fn token_with_header(header: &str) -> String {
    format!(
        "{}.{}.{}",
        b64url(header.as_bytes()),
        b64url(GOOD_CLAIMS.as_bytes()),
        b64url(b"not a real signature")
    )
}

fn assert_claims_agree(claims: &str) {
    let got = check_token(&token_with_claims(claims)).map(drop);
    assert_eq!(got, expected_for_claims(claims), "claims: {claims:?}");
}

fn assert_header_agrees(header: &str) {
    let got = check_token(&token_with_header(header)).map(drop);
    assert_eq!(got, expected_for_header(header), "header: {header:?}");
}

/// Claims holding the required five, with `iat` (or another claim) spelled as given.
fn claims_with(name: &str, value: &str) -> String {
    let mut map = serde_json::Map::new();
    let good: Value = serde_json::from_str(GOOD_CLAIMS).expect("good claims");
    for (key, v) in good.as_object().expect("an object") {
        if key != name {
            map.insert(key.clone(), v.clone());
        }
    }
    let rest = Value::Object(map).to_string();
    format!(r#"{{"{name}":{value},{}"#, &rest[1..])
}

#[test]
fn good_claims_pass() {
    assert_eq!(
        check_token(&token_with_claims(GOOD_CLAIMS)).map(drop),
        Ok(())
    );
    assert_claims_agree(GOOD_CLAIMS);
}

#[test]
fn numbers_are_read_as_serde_json_reads_them() {
    for number in [
        "0",
        "-0",
        "7",
        "-7",
        "01",
        "-01",
        "00",
        "1.",
        ".5",
        "+1",
        "-",
        "1e",
        "1e+",
        "1E5",
        "1e-5",
        "1.5",
        "-1.5e3",
        "0.0",
        "-0.0",
        "123456789012345678",
        "-123456789012345678",
        "1234567890123456789",
        "-1234567890123456789",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775808",
        "-9223372036854775809",
        "18446744073709551615",
        "18446744073709551616",
        "1e308",
        "1e309",
        "-1e309",
        "1.7976931348623157e308",
        "1.7976931348623159e308",
        "1e-400",
        "0e999999999999999999999",
        "1e999999999999999999999",
        &"9".repeat(308),
        &"9".repeat(309),
        &"9".repeat(400),
        "1x",
        "1 2",
        "NaN",
        "Infinity",
    ] {
        assert_claims_agree(&claims_with("iat", number));
        assert_claims_agree(&claims_with("x", number));
        assert_claims_agree(number);
    }
}

#[test]
fn strings_and_escapes_are_read_as_serde_json_reads_them() {
    for string in [
        r#""""#,
        r#""a""#,
        r#""é""#,
        r#""\"""#,
        r#""\\""#,
        r#""\/""#,
        r#""\b\f\n\r\t""#,
        r#""\x""#,
        r#""\u00e9""#,
        r#""\u00E9""#,
        r#""\u12""#,
        r#""\u12g4""#,
        r#""\u0000""#,
        r#""\ud83d\ude00""#,
        r#""\ud83d""#,
        r#""\ud83dx""#,
        r#""\ud83d\n""#,
        r#""\ud83d\u0041""#,
        r#""\ud83d\ud83d\ude00""#,
        r#""\ude00""#,
        r#""\ude00\ud83d""#,
        "\"a\u{1}b\"",
        "\"tab\there\"",
        "\"\u{7f}\"",
        r#""unterminated"#,
        r#""ends in a backslash\"#,
    ] {
        assert_claims_agree(&claims_with("iss", string));
        assert_claims_agree(&claims_with("jti", string));
        assert_claims_agree(&claims_with("aud", &format!("[{string}]")));
        assert_claims_agree(&claims_with("x", string));
        assert_header_agrees(&format!(
            r#"{{"alg":{string},"kid":"k","typ":"secevent+jwt"}}"#
        ));
    }
}

#[test]
fn escaped_names_and_values_are_unescaped_before_they_are_judged() {
    // `none`, `HS256`, `iss` and `secevent+jwt` spelled with escapes mean what they spell.
    assert_header_agrees(r#"{"alg":"n\u006fne","kid":"k","typ":"secevent+jwt"}"#);
    assert_header_agrees(r#"{"alg":"\u0048S256","kid":"k","typ":"secevent+jwt"}"#);
    assert_header_agrees(r#"{"\u0061lg":"RS256","kid":"k","typ":"secevent\u002bjwt"}"#);
    assert_header_agrees(r#"{"alg":"RS256","kid":"\u006b","typ":"secevent+jwt"}"#);
    assert_claims_agree(&GOOD_CLAIMS.replace(r#""iss""#, r#""\u0069ss""#));
    assert_claims_agree(&GOOD_CLAIMS.replace(r#""jti":"j1""#, r#""jti":"\u006a""#));
    assert_eq!(
        check_token(&token_with_header(
            r#"{"alg":"n\u006fne","kid":"k","typ":"secevent+jwt"}"#
        ))
        .map(drop),
        Err(TokenError::AlgNone)
    );
}

#[test]
fn nesting_stops_where_serde_json_stops() {
    for depth in [1, 2, 100, 125, 126, 127, 128, 129, 1000] {
        // The claims object itself is one level.
        for (open, close) in [("[", "]"), (r#"{"a":"#, "}")] {
            let nested = format!("{}1{}", open.repeat(depth), close.repeat(depth));
            assert_claims_agree(&claims_with("x", &nested));
            assert_claims_agree(&nested);
        }
    }
    let deep = format!("{}1{}", "[".repeat(126), "]".repeat(126));
    assert_eq!(
        check_token(&token_with_claims(&claims_with("x", &deep))).map(drop),
        Ok(())
    );
    let deeper = format!("{}1{}", "[".repeat(127), "]".repeat(127));
    assert_eq!(
        check_token(&token_with_claims(&claims_with("x", &deeper))).map(drop),
        Err(TokenError::NotJson(Segment::Claims))
    );
}

#[test]
fn structure_is_read_as_serde_json_reads_it() {
    for claims in [
        "",
        " ",
        "{",
        "}",
        "{}",
        "[]",
        "null",
        "true",
        "\"text\"",
        "42",
        "{} ",
        " \t\r\n{}\n",
        "{}x",
        "{}{}",
        "\u{c}{}",
        "{,}",
        r#"{"a"}"#,
        r#"{"a":}"#,
        r#"{"a":1,}"#,
        r#"{"a":1 "b":2}"#,
        r#"{"a":[1,]}"#,
        r#"{"a":[,1]}"#,
        r#"{"a":[1 2]}"#,
        r#"{a:1}"#,
        r#"{"a":tru}"#,
        r#"{"a":nul}"#,
        r#"{"a":True}"#,
        r#"{"a":falsey}"#,
        r#"{"a" : [ true , false , null ] }"#,
        r#"{1:2}"#,
    ] {
        assert_claims_agree(claims);
        // The same text as the value of an extra claim, inside otherwise good claims.
        let good = GOOD_CLAIMS.strip_suffix('}').expect("an object");
        assert_claims_agree(&format!("{good},\"x\":{claims}}}"));
    }
}

#[test]
fn repeated_names_keep_their_last_value() {
    assert_claims_agree(&GOOD_CLAIMS.replace(r#""iat":1764460800"#, r#""iat":"x","iat":1"#));
    assert_claims_agree(&GOOD_CLAIMS.replace(r#""iat":1764460800"#, r#""iat":1,"iat":"x""#));
    assert_header_agrees(r#"{"alg":"none","alg":"RS256","kid":"k","typ":"secevent+jwt"}"#);
    assert_header_agrees(r#"{"alg":"RS256","alg":"none","kid":"k","typ":"secevent+jwt"}"#);
}

/// Pieces of JSON and of near-JSON, for texts that are valid, almost valid, or neither.
fn piece() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        " ",
        "\n",
        "\t",
        "\r",
        "\u{c}",
        "\"",
        "\\",
        "\"iss\"",
        "\"aud\"",
        "\"iat\"",
        "\"jti\"",
        "\"events\"",
        "\"alg\"",
        "\"kid\"",
        "\"typ\"",
        "\"x\"",
        "\"\"",
        "\"RS256\"",
        "\"none\"",
        "\"HS256\"",
        "\"secevent+jwt\"",
        "\"k\"",
        "0",
        "-0",
        "1",
        "-1",
        "01",
        "1.5",
        "1.",
        "1e5",
        "1e309",
        "-",
        "9223372036854775808",
        "-9223372036854775808",
        "18446744073709551616",
        "true",
        "false",
        "null",
        "tru",
        "\"\\u00e9\"",
        "\"\\ud83d\\ude00\"",
        "\"\\ud83d\"",
        "\"\\ude00\"",
        "\"\\q\"",
        "\"\\u12\"",
        "\"a\u{1}\"",
        "\"é\"",
        "{}",
        "[]",
        "{\"a\":{}}",
    ])
}

/// A JSON object written out from its entries, names as they are (no escaping).
fn object_text(entries: &[(&str, String)]) -> String {
    let body: Vec<String> = entries
        .iter()
        .map(|(name, value)| format!("\"{name}\":{value}"))
        .collect();
    format!("{{{}}}", body.join(","))
}

/// A JSON value written out with the spellings above, valid in form (numbers and strings
/// may still be refused).
fn json_text() -> impl Strategy<Value = String> {
    let leaf = prop::sample::select(vec![
        "0",
        "-0",
        "7",
        "1764460800",
        "-5",
        "1.5",
        "1e3",
        "1e309",
        "9223372036854775808",
        "-9223372036854775809",
        "true",
        "false",
        "null",
        "\"\"",
        "\"s\"",
        "\"https://a.example\"",
        "\"\\u0041\"",
        "\"\\ud83d\\ude00\"",
        "\"\\ud83d\"",
        "\"é\"",
    ])
    .prop_map(str::to_owned);
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5)
                .prop_map(|items| format!("[{}]", items.join(","))),
            prop::collection::vec(
                (
                    prop::sample::select(vec![
                        "iss", "aud", "iat", "jti", "events", "alg", "kid", "typ", "x", "",
                    ]),
                    inner
                ),
                0..6
            )
            .prop_map(|entries| object_text(&entries)),
        ]
    })
}

/// Claims whose entries are named after the required claims (or `x`), with values drawn from
/// `json_text` and from good values.
fn claims_text() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        3 => json_text(),
        1 => Just("\"https://a.example\"".to_owned()),
        1 => Just("1764460800".to_owned()),
        1 => Just(r#"{"https://e.example/x":{}}"#.to_owned()),
    ];
    prop::collection::vec(
        (
            prop::sample::select(vec!["iss", "aud", "iat", "jti", "events", "x"]),
            value,
        ),
        0..8,
    )
    .prop_map(|entries| object_text(&entries))
}

/// Headers whose entries are named `alg`, `kid`, `typ` (or `x`), with good, bad and odd values.
fn header_text() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        4 => prop::sample::select(vec![
            "\"RS256\"", "\"ES256\"", "\"none\"", "\"NoNe\"", "\"HS256\"", "\"hs512\"",
            "\"n\\u006fne\"", "\"secevent+jwt\"", "\"application/secevent+jwt\"",
            "\"SECEVENT+JWT\"", "\"jwt\"", "\"k\"", "\"\"", "\"é\"", "1", "null", "[]", "{}",
        ]).prop_map(str::to_owned),
        1 => json_text(),
    ];
    prop::collection::vec(
        (prop::sample::select(vec!["alg", "kid", "typ", "x"]), value),
        0..6,
    )
    .prop_map(|entries| object_text(&entries))
}

/// One edit that splices a piece in, or cuts a byte out.
fn splice(text: String, at: usize, piece: &str, cut: bool) -> String {
    let mut bytes = text.into_bytes();
    let at = at % (bytes.len() + 1);
    if cut && at < bytes.len() {
        bytes.remove(at);
    } else {
        bytes.splice(at..at, piece.bytes());
    }
    // Only whole UTF-8 reaches the JSON reader (a token's segment that is not UTF-8 is refused
    // before it); the lossy form keeps the case close to what was generated.
    String::from_utf8_lossy(&bytes).into_owned()
}

// Each case asserts through the helpers above; proptest turns their panics into failures
// and shrinks them.
proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn the_check_agrees_with_serde_json_on_generated_claims(claims in claims_text()) {
        assert_claims_agree(&claims);
    }

    #[test]
    fn the_check_agrees_with_serde_json_on_edited_claims(
        claims in claims_text(),
        edits in prop::collection::vec((any::<usize>(), piece(), any::<bool>()), 1..4),
    ) {
        let claims = edits.into_iter().fold(claims, |text, (at, piece, cut)| splice(text, at, piece, cut));
        assert_claims_agree(&claims);
    }

    #[test]
    fn the_check_agrees_with_serde_json_on_strings_of_pieces(
        pieces in prop::collection::vec(piece(), 0..24),
    ) {
        let claims = pieces.concat();
        assert_claims_agree(&claims);
        assert_header_agrees(&claims);
    }

    #[test]
    fn the_check_agrees_with_serde_json_on_generated_headers(
        header in header_text(),
        edits in prop::collection::vec((any::<usize>(), piece(), any::<bool>()), 0..3),
    ) {
        let header = edits.into_iter().fold(header, |text, (at, piece, cut)| splice(text, at, piece, cut));
        assert_header_agrees(&header);
    }

    #[test]
    fn the_check_agrees_with_serde_json_on_arbitrary_text_in_a_string(text in any::<String>()) {
        // Quotes, backslashes, control characters and any Unicode, where JSON allows text.
        assert_claims_agree(&claims_with("iss", &format!("\"{text}\"")));
        assert_claims_agree(&claims_with("x", &format!("\"{text}\"")));
        assert_header_agrees(&format!(r#"{{"alg":"{text}","kid":"k","typ":"secevent+jwt"}}"#));
    }
}
