//! The pre-send check on arbitrary input: never a panic; a passing token passes again.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(token) = okta_ssf::check_token(text) {
        let again = okta_ssf::check_token(text).expect("a passing token passes again");
        assert_eq!(token.claims(), again.claims());
        assert!(token.event_types().next().is_some());
    }
});
