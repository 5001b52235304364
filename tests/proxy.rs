//! Proxies for real: a loopback CONNECT proxy in front of a TLS receiver. Proxy settings from
//! the environment are tested in a child process (this test binary, re-run with the variables
//! set), since changing this process's environment would race the other tests.

mod common;

use std::process::Command;
use std::sync::atomic::Ordering;

use common::net::{ConnectProxy, TestPki, TlsReceiver};
use common::vector_token;
use okta_ssf::{ClientBuilder, Error, RetryPolicy, Status};

#[test]
fn an_explicit_proxy_carries_the_request() {
    let pki = TestPki::new(&["receiver.example"]);
    let receiver = TlsReceiver::start(&pki);
    let proxy = ConnectProxy::start(receiver.port);
    let client = ClientBuilder::new("receiver.example")
        .proxy(&proxy.url())
        .add_root_certificates_pem(pki.ca_pem.as_bytes())
        .build()
        .expect("client");
    assert_eq!(client.publish(&vector_token()).expect("published"), Status::Accepted);
    assert_eq!(proxy.targets(), ["receiver.example:443"]);
    assert_eq!(receiver.requests.load(Ordering::SeqCst), 1);
}

/// Runs `child_publishes_with_environment_proxy` in a child process with `env` set, and returns
/// the outcome line it printed.
fn run_child(pki: &TestPki, domain: &str, mode: &str, env: &[(&str, String)]) -> String {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("okta-ssf-proxy-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).expect("write ca");
    let mut command = Command::new(std::env::current_exe().expect("test binary"));
    command
        .args([
            "--ignored",
            "--exact",
            "child_publishes_with_environment_proxy",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("OKTA_SSF_CHILD_DOMAIN", domain)
        .env("OKTA_SSF_CHILD_CA", &ca)
        .env("OKTA_SSF_CHILD_MODE", mode);
    for var in [
        "ALL_PROXY",
        "all_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "NO_PROXY",
        "no_proxy",
    ] {
        command.env_remove(var);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().expect("run child");
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        .find_map(|l| l.split_once("OUTCOME ").map(|(_, outcome)| outcome))
        .unwrap_or_else(|| panic!("no outcome in: {stdout}"))
        .to_owned()
}

#[test]
#[ignore = "run by the environment-proxy tests in a child process with the variables set"]
fn child_publishes_with_environment_proxy() {
    let var = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| panic!("{name} is set by the parent test"))
    };
    let ca = std::fs::read(var("OKTA_SSF_CHILD_CA")).expect("ca file");
    let mut builder = ClientBuilder::new(&var("OKTA_SSF_CHILD_DOMAIN"))
        .add_root_certificates_pem(&ca)
        .retry(RetryPolicy::never())
        .connect_timeout(std::time::Duration::from_secs(5));
    if var("OKTA_SSF_CHILD_MODE") == "no_proxy" {
        builder = builder.no_proxy();
    }
    let outcome = match builder.build().expect("client").publish(&vector_token()) {
        Ok(Status::Accepted) => "accepted".to_owned(),
        Ok(other) => format!("{other:?}"),
        // Whether the machine's name server says so at once or does not answer in time.
        Err(Error::NameNotFound { host, .. } | Error::NameTimeout { host, .. }) => {
            format!("lookup-failed {host}")
        }
        Err(other) => format!("error {other}"),
    };
    println!("OUTCOME {outcome}");
}

#[test]
fn the_environment_proxy_is_used() {
    let pki = TestPki::new(&["receiver.example"]);
    let receiver = TlsReceiver::start(&pki);
    let proxy = ConnectProxy::start(receiver.port);
    let outcome = run_child(&pki, "receiver.example", "default", &[("HTTPS_PROXY", proxy.url())]);
    assert_eq!(outcome, "accepted");
    assert_eq!(proxy.targets(), ["receiver.example:443"]);
    assert_eq!(receiver.requests.load(Ordering::SeqCst), 1);
}

#[test]
fn no_proxy_excludes_a_host() {
    // `.invalid` is reserved never to resolve (RFC 6761): excluded from the proxy, the client
    // must look it up itself, and the proxy sees nothing.
    let pki = TestPki::new(&["receiver.invalid"]);
    let receiver = TlsReceiver::start(&pki);
    let proxy = ConnectProxy::start(receiver.port);
    let env = [("HTTPS_PROXY", proxy.url()), ("NO_PROXY", "receiver.invalid".to_owned())];
    let outcome = run_child(&pki, "receiver.invalid", "default", &env);
    assert_eq!(outcome, "lookup-failed receiver.invalid");
    assert!(proxy.targets().is_empty(), "{:?}", proxy.targets());
    assert_eq!(receiver.requests.load(Ordering::SeqCst), 0);
}

#[test]
fn the_environment_can_be_turned_off() {
    let pki = TestPki::new(&["receiver.invalid"]);
    let receiver = TlsReceiver::start(&pki);
    let proxy = ConnectProxy::start(receiver.port);
    let outcome = run_child(&pki, "receiver.invalid", "no_proxy", &[("HTTPS_PROXY", proxy.url())]);
    assert_eq!(outcome, "lookup-failed receiver.invalid");
    assert!(proxy.targets().is_empty(), "{:?}", proxy.targets());
}

#[test]
fn a_loopback_receiver_ignores_the_environment_proxy() {
    let pki = TestPki::new(&["localhost"]);
    let receiver = TlsReceiver::start(&pki);
    let proxy = ConnectProxy::start(receiver.port);
    let domain = format!("localhost:{}", receiver.port);
    let outcome = run_child(
        &pki,
        &domain,
        "default",
        &[("HTTPS_PROXY", proxy.url()), ("HTTP_PROXY", proxy.url())],
    );
    assert_eq!(outcome, "accepted");
    assert!(proxy.targets().is_empty(), "{:?}", proxy.targets());
    assert_eq!(receiver.requests.load(Ordering::SeqCst), 1);
}
