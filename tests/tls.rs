//! TLS for real: a local receiver whose certificate comes from a CA made at test time.

mod common;

use std::sync::atomic::Ordering;

use common::net::{TestPki, TlsReceiver};
use common::vector_token;
use okta_ssf::{Client, ClientBuilder, Error, Status};

#[test]
fn a_receiver_trusted_through_extra_roots_accepts() {
    let pki = TestPki::new(&["localhost"]);
    let receiver = TlsReceiver::start(&pki);
    let client = ClientBuilder::new(&format!("localhost:{}", receiver.port))
        .add_root_certificates_pem(pki.ca_pem.as_bytes())
        .build()
        .expect("client");
    assert!(client.endpoint().starts_with("https://localhost:"));
    assert_eq!(client.publish(&vector_token()).expect("published"), Status::Accepted);
    assert_eq!(receiver.requests.load(Ordering::SeqCst), 1);
}

#[test]
fn an_untrusted_certificate_fails_before_anything_is_sent() {
    let pki = TestPki::new(&["localhost"]);
    let receiver = TlsReceiver::start(&pki);
    let client = Client::new(&format!("https://localhost:{}", receiver.port)).expect("client");
    let err = client.publish(&vector_token()).expect_err("untrusted");
    assert!(matches!(err, Error::UntrustedCertificate { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "the receiver's TLS certificate is not trusted; if TLS is intercepted, trust its root"
    );
    let cause = std::error::Error::source(&err).map(ToString::to_string).unwrap_or_default();
    assert!(cause.contains("UnknownIssuer"), "{cause}");
    assert!(!err.is_retryable());
    assert_eq!(receiver.connections.load(Ordering::SeqCst), 1, "not retried");
    assert_eq!(receiver.requests.load(Ordering::SeqCst), 0, "nothing was sent");
}

#[test]
fn a_certificate_for_another_name_is_not_trusted() {
    let pki = TestPki::new(&["receiver.example"]);
    let receiver = TlsReceiver::start(&pki);
    let client = ClientBuilder::new(&format!("localhost:{}", receiver.port))
        .add_root_certificates_pem(pki.ca_pem.as_bytes())
        .build()
        .expect("client");
    let err = client.publish(&vector_token()).expect_err("wrong name");
    assert!(matches!(err, Error::UntrustedCertificate { .. }), "{err:?}");
    assert_eq!(receiver.requests.load(Ordering::SeqCst), 0);
}

#[test]
fn no_roots_at_all_is_refused_when_the_client_is_built() {
    let err =
        ClientBuilder::new("acme.okta.com").bundled_roots(false).build().expect_err("no roots");
    assert!(matches!(err, Error::InvalidCertificate { source: None }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "no usable root certificates: the extra ones are not readable PEM, or none are left"
    );
}

#[test]
fn only_the_roots_added_when_the_bundled_ones_are_off() {
    let pki = TestPki::new(&["localhost"]);
    let receiver = TlsReceiver::start(&pki);
    let client = ClientBuilder::new(&format!("localhost:{}", receiver.port))
        .bundled_roots(false)
        .add_root_certificates_pem(pki.ca_pem.as_bytes())
        .build()
        .expect("client");
    assert_eq!(client.publish(&vector_token()).expect("published"), Status::Accepted);
}
