//! Hostile input: arbitrary strings and mutations of the valid vectors never make the token
//! check or the domain parser panic; each gives a value or a typed error.

mod common;

use common::read_data;
use okta_ssf::{Client, Error, check_token};
use proptest::prelude::*;

fn valid_vectors() -> Vec<String> {
    [
        "valid/device-risk-change-es256.jwt",
        "valid/session-revoked-rs256.jwt",
        "valid/session-revoked-es256-c-jose.jwt",
    ]
    .iter()
    .map(|path| read_data(path))
    .collect()
}

/// One edit to a byte string.
#[derive(Clone, Debug)]
enum Edit {
    Flip(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Truncate(usize),
    Duplicate(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Flip(i, b)),
        (any::<usize>(), prop_oneof![Just(b'.'), Just(b'='), Just(b' '), any::<u8>()])
            .prop_map(|(i, b)| Edit::Insert(i, b)),
        any::<usize>().prop_map(Edit::Delete),
        any::<usize>().prop_map(Edit::Truncate),
        (any::<usize>(), 1..64usize).prop_map(|(i, n)| Edit::Duplicate(i, n)),
    ]
}

fn apply(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let len = bytes.len().max(1);
        match *e {
            Edit::Flip(i, b) if !bytes.is_empty() => bytes[i % len] ^= b | 1,
            Edit::Insert(i, b) => bytes.insert(i % (bytes.len() + 1), b),
            Edit::Delete(i) if !bytes.is_empty() => {
                bytes.remove(i % len);
            }
            Edit::Truncate(i) => bytes.truncate(i % len),
            Edit::Duplicate(i, n) if !bytes.is_empty() => {
                let start = i % len;
                let piece: Vec<u8> = bytes[start..(start + n).min(bytes.len())].to_vec();
                bytes.splice(start..start, piece);
            }
            _ => {}
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn the_token_check_never_panics_on_arbitrary_strings(s in any::<String>()) {
        let _ = check_token(&s);
    }

    #[test]
    fn the_token_check_never_panics_on_jws_shaped_strings(s in "[A-Za-z0-9_=.+/ -]{0,400}") {
        let _ = check_token(&s);
    }

    #[test]
    fn mutated_vectors_give_a_value_or_a_typed_error(which in 0..3usize, edits in proptest::collection::vec(edit(), 1..6)) {
        let token = &valid_vectors()[which];
        let mutated = String::from_utf8_lossy(&apply(token.clone().into_bytes(), &edits)).into_owned();
        match check_token(&mutated) {
            // Whatever passes must keep passing, and parse to the same claims.
            Ok(parsed) => {
                let again = check_token(&mutated).expect("a passing token passes again");
                prop_assert_eq!(parsed.claims(), again.claims());
                prop_assert!(!parsed.event_types().collect::<Vec<_>>().is_empty());
            }
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }

    #[test]
    fn domain_parsing_never_panics(s in any::<String>()) {
        match Client::new(&s) {
            Ok(client) => prop_assert!(client.endpoint().ends_with("/security/api/v1/security-events")),
            Err(e) => prop_assert!(matches!(e, Error::InvalidDomain(_)), "{:?}", e),
        }
        match Client::with_endpoint(&s) {
            Ok(client) => prop_assert!(client.endpoint().starts_with("http")),
            Err(e) => prop_assert!(matches!(e, Error::InvalidEndpoint(_)), "{:?}", e),
        }
    }

    #[test]
    fn domain_like_inputs_are_https_unless_loopback(
        scheme in prop_oneof![Just(""), Just("https://"), Just("http://"), Just("HTTP://"), Just("ftp://")],
        host in "[a-z0-9.-]{0,30}|\\[[0-9a-f:]{0,20}\\]|127\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}|localhost",
        port in prop_oneof![Just(String::new()), (0u32..70000).prop_map(|p| format!(":{p}"))],
        tail in prop_oneof![Just(""), Just("/"), Just("/x"), Just("?q"), Just("#f")],
    ) {
        let input = format!("{scheme}{host}{port}{tail}");
        if let Ok(client) = Client::new(&input) {
            let url = client.endpoint();
            let loopback = host == "localhost" || host.starts_with("127.") || host == "[::1]";
            prop_assert!(url.starts_with("https://") || (loopback && url.starts_with("http://")), "{} -> {}", input, url);
        }
    }
}
