//! Domain and endpoint parsing on arbitrary input: never a panic, only the matching error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use okta_ssf::{Client, Error};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match Client::new(text) {
        Ok(client) => {
            let url = client.endpoint();
            assert!(url.ends_with("/security/api/v1/security-events"), "{url}");
            assert!(url.starts_with("https://") || url.starts_with("http://"), "{url}");
        }
        Err(Error::InvalidDomain(_)) => {}
        Err(other) => panic!("unexpected error kind: {other:?}"),
    }
    match Client::with_endpoint(text) {
        Ok(_) | Err(Error::InvalidEndpoint(_)) => {}
        Err(other) => panic!("unexpected error kind: {other:?}"),
    }
});
