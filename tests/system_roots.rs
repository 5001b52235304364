//! The system's certificate store (feature `system-roots`), chosen by `SSL_CERT_FILE`. The store
//! is read once per process, so each store is tried in a child process: this test binary, run
//! again with the variable set.
#![cfg(feature = "system-roots")]

mod common;

use std::process::Command;

use common::net::{TestPki, TlsReceiver};
use common::vector_token;
use okta_ssf::roots::{SystemRootsError, system_roots_pem};
use okta_ssf::{ClientBuilder, Error, Status};

/// Runs `child_with_a_store` with `SSL_CERT_FILE` naming `store`, in `mode`.
fn run_child(mode: &str, store: &std::path::Path, ca: &str, port: u16) {
    let output = Command::new(std::env::current_exe().expect("test binary"))
        .args(["--ignored", "--exact", "child_with_a_store", "--nocapture"])
        .env("SSL_CERT_FILE", store)
        .env_remove("SSL_CERT_DIR")
        .env("OKTA_SSF_STORE_MODE", mode)
        .env("OKTA_SSF_CA", ca)
        .env("OKTA_SSF_PORT", port.to_string())
        .output()
        .expect("run child");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains(&format!("OUTCOME {mode} ok")),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_store_named_by_ssl_cert_file_is_trusted_alone_or_with_the_bundled_roots() {
    let pki = TestPki::new(&["localhost"]);
    let receiver = TlsReceiver::start(&pki);
    let dir = std::env::temp_dir().join(format!("okta-ssf-store-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let store = dir.join("store.pem");
    std::fs::write(&store, &pki.ca_pem).expect("write store");
    run_child("trusted", &store, &pki.ca_pem, receiver.port);
    run_child("empty", &dir.join("missing.pem"), &pki.ca_pem, receiver.port);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
#[ignore = "run by the store test in a child process, with SSL_CERT_FILE set"]
fn child_with_a_store() {
    let var = |name: &str| std::env::var(name).expect("set by the parent test");
    let domain = format!("localhost:{}", var("OKTA_SSF_PORT"));
    match var("OKTA_SSF_STORE_MODE").as_str() {
        "trusted" => {
            let system = system_roots_pem().expect("the store holds the test CA");
            assert!(system.starts_with(b"-----BEGIN CERTIFICATE-----"));
            // The store beside the bundled roots, and the store alone.
            for bundled in [true, false] {
                let client = ClientBuilder::new(&domain)
                    .add_root_certificates_pem(system)
                    .bundled_roots(bundled)
                    .build()
                    .expect("client");
                assert_eq!(client.publish(&vector_token()).expect("published"), Status::Accepted);
            }
            // The library's default stays the bundled roots alone: the store is not read.
            let err = ClientBuilder::new(&domain)
                .build()
                .expect("client")
                .publish(&vector_token())
                .expect_err("untrusted");
            assert!(matches!(err, Error::UntrustedCertificate { .. }), "{err:?}");
        }
        "empty" => {
            let err = system_roots_pem().expect_err("no store");
            let SystemRootsError::Empty { problems } = &err else { panic!("{err:?}") };
            assert!(!problems.is_empty(), "the unreadable file is named");
            assert!(
                err.to_string()
                    .starts_with("the system's certificate store holds no readable certificate ("),
                "{err}"
            );
            // Read once per process: asked again, the same answer.
            assert_eq!(system_roots_pem().expect_err("no store"), err);
            // The test CA given as extra roots still works.
            let client = ClientBuilder::new(&domain)
                .add_root_certificates_pem(var("OKTA_SSF_CA").as_bytes())
                .build()
                .expect("client");
            assert_eq!(client.publish(&vector_token()).expect("published"), Status::Accepted);
        }
        other => panic!("unknown mode {other}"),
    }
    println!("OUTCOME {} ok", var("OKTA_SSF_STORE_MODE"));
}
