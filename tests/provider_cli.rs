//! `okta-ssf provider`, run as a built binary against httpmock fakes of Okta's management API:
//! the credentials read from the environment (an API token, or an OAuth app's key as PEM text
//! or a file), the output, the checks made before calling Okta, and the exit statuses.
#![cfg(feature = "cli")]

mod common;

use std::process::{Command, Output, Stdio};

use httpmock::prelude::*;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_okta-ssf");
const PATH: &str = "/api/v1/security-events-providers";
const SECRET: &str = "00secret-api-token-never-shown";

/// `okta-ssf provider ARGS --domain <server>`, with nothing of the host's environment that
/// could change the outcome.
fn provider(server: &MockServer, args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command.arg("provider").args(args).args(["--domain", &server.base_url()]);
    common::without_host_env(&mut command);
    command.stdin(Stdio::null());
    command
}

fn with_token(mut command: Command) -> Output {
    command.env("OKTA_CLIENT_TOKEN", SECRET).output().expect("run okta-ssf")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn provider_json(id: &str, status: &str, issuer: &str) -> Value {
    json!({
        "id": id,
        "name": "Risk engine",
        "type": "okta",
        "status": status,
        "settings": {"issuer": issuer, "jwks_url": "https://tx.example.com/jwks.json"},
        "_links": {"self": {"href": format!("https://acme.okta.com{PATH}/{id}"), "hints": {"allow": ["GET", "PUT", "DELETE"]}}}
    })
}

#[test]
fn list_prints_one_line_per_provider_and_json_on_request() {
    let server = MockServer::start();
    let list = server.mock(|when, then| {
        when.method(GET)
            .path(PATH)
            .header("authorization", format!("SSWS {SECRET}"))
            .header("accept", "application/json");
        then.status(200).json_body(json!([
            provider_json("sse1aaa", "ACTIVE", "https://tx.example.com"),
            provider_json("sse1bbb", "INACTIVE", "https://other.example.com"),
        ]));
    });
    let output = with_token(provider(&server, &["list"]));
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(
        text(&output.stdout),
        "sse1aaa ACTIVE \"Risk engine\" iss=\"https://tx.example.com\" jwks_url=\"https://tx.example.com/jwks.json\"\n\
         sse1bbb INACTIVE \"Risk engine\" iss=\"https://other.example.com\" jwks_url=\"https://tx.example.com/jwks.json\"\n"
    );
    let output = with_token(provider(&server, &["list", "--json"]));
    let listed: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(listed[1]["id"], "sse1bbb");
    assert_eq!(listed[1]["status"], "INACTIVE");
    assert_eq!(listed[0]["settings"]["issuer"], "https://tx.example.com");
    list.assert_calls(2);
}

#[test]
fn create_sends_the_request_and_prints_the_new_provider() {
    let server = MockServer::start();
    let create = server.mock(|when, then| {
        when.method(POST).path(PATH).header("content-type", "application/json").json_body(json!({
            "name": "Risk engine",
            "type": "okta",
            "settings": {"issuer": "https://tx.example.com", "jwks_url": "https://tx.example.com/jwks.json"}
        }));
        then.status(200).json_body(provider_json("sse1new", "ACTIVE", "https://tx.example.com"));
    });
    let output = with_token(provider(
        &server,
        &[
            "create",
            "--name",
            "Risk engine",
            "--iss",
            "https://tx.example.com",
            "--jwks-url",
            "https://tx.example.com/jwks.json",
        ],
    ));
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(text(&output.stdout).starts_with("sse1new ACTIVE \"Risk engine\""));
    create.assert();
}

#[test]
fn settings_okta_would_not_fetch_or_match_are_refused_before_calling_okta() {
    let server = MockServer::start();
    let any = server.mock(|when, then| {
        when.any_request();
        then.status(200).json_body(json!([]));
    });
    for (args, words) in [
        (
            ["--iss", "https://tx.example.com", "--jwks-url", "http://tx.example.com/jwks.json"],
            "https",
        ),
        (["--iss", "https://tx.example.com", "--jwks-url", "/jwks.json"], "absolute"),
        (["--iss", "https://tx.example.com/ ", "--jwks-url", "https://tx.example.com/j"], "spaces"),
    ] {
        let mut all = vec!["create", "--name", "n"];
        all.extend(args);
        let output = with_token(provider(&server, &all));
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(text(&output.stderr).contains(words), "{args:?}: {}", text(&output.stderr));
    }
    let output = with_token(provider(&server, &["show", "../users"]));
    assert_eq!(output.status.code(), Some(2));
    any.assert_calls(0);
}

#[test]
fn okta_refusals_exit_2_with_advice_and_outages_exit_1() {
    let server = MockServer::start();
    let missing = server.mock(|when, then| {
        when.method(GET).path(format!("{PATH}/sse1gone"));
        then.status(404).header("x-okta-request-id", "req-404").json_body(json!({
            "errorCode": "E0000007",
            "errorSummary": "Not found: Resource not found: sse1gone (SecurityEventsProvider)",
            "errorLink": "E0000007",
            "errorId": "oae1",
            "errorCauses": []
        }));
    });
    let output = with_token(provider(&server, &["show", "sse1gone"]));
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("HTTP 404 E0000007: Not found"), "{stderr}");
    assert!(stderr.contains("req-404"), "{stderr}");
    missing.assert_calls(1);

    let down = server.mock(|when, then| {
        when.method(POST).path(format!("{PATH}/sse1down/lifecycle/activate"));
        then.status(503);
    });
    let output = with_token(provider(&server, &["activate", "sse1down", "--timeout", "5"]));
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("HTTP 503"), "{}", text(&output.stderr));
    down.assert_calls(3);
}

#[test]
fn delete_says_what_it_deleted() {
    let server = MockServer::start();
    let delete = server.mock(|when, then| {
        when.method(DELETE).path(format!("{PATH}/sse1old"));
        then.status(204);
    });
    let output = with_token(provider(&server, &["delete", "sse1old"]));
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "deleted sse1old\n");
    delete.assert();
}

#[test]
fn without_credentials_nothing_is_sent_and_the_variables_are_named() {
    let server = MockServer::start();
    let any = server.mock(|when, then| {
        when.any_request();
        then.status(200).json_body(json!([]));
    });
    let output = provider(&server, &["list"]).output().expect("run");
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("OKTA_CLIENT_TOKEN") && stderr.contains("OKTA_CLIENT_CLIENTID"),
        "{stderr}"
    );
    let output = provider(&server, &["list"])
        .env("OKTA_CLIENT_CLIENTID", "0oa1")
        .env("OKTA_CLIENT_PRIVATEKEY", common::data("ec-p256-pkcs8.pem"))
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("OKTA_CLIENT_KID"), "{}", text(&output.stderr));
    any.assert_calls(0);
}

#[test]
fn an_oauth_app_from_the_environment_gets_a_dpop_token_and_uses_it() {
    let server = MockServer::start();
    let token = server.mock(|when, then| {
        when.method(POST)
            .path("/oauth2/v1/token")
            .header("content-type", "application/x-www-form-urlencoded")
            .header_exists("dpop")
            .form_urlencoded_tuple("grant_type", "client_credentials")
            .form_urlencoded_tuple(
                "scope",
                "okta.securityEventsProviders.read okta.securityEventsProviders.manage",
            )
            .form_urlencoded_tuple_exists("client_assertion");
        then.status(200).json_body(json!({
            "token_type": "DPoP",
            "expires_in": 3600,
            "access_token": "at-from-okta",
            "scope": "okta.securityEventsProviders.manage"
        }));
    });
    let list = server.mock(|when, then| {
        when.method(GET)
            .path(PATH)
            .header("authorization", "DPoP at-from-okta")
            .header_exists("dpop");
        then.status(200).json_body(json!([provider_json(
            "sse1aaa",
            "ACTIVE",
            "https://tx.example.com"
        )]));
    });
    let pem_file = common::data("ec-p256-pkcs8.pem");
    let pem_text = std::fs::read_to_string(&pem_file).expect("key");
    // The key as a file's path, and as PEM text.
    for key in [pem_file.to_string_lossy().into_owned(), pem_text] {
        let output = provider(&server, &["list", "-v"])
            .env("OKTA_CLIENT_CLIENTID", "0oa1client")
            .env("OKTA_CLIENT_PRIVATEKEY", &key)
            .env("OKTA_CLIENT_KID", "app-key-1")
            .env(
                "OKTA_CLIENT_SCOPES",
                "okta.securityEventsProviders.read,okta.securityEventsProviders.manage",
            )
            .output()
            .expect("run");
        assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
        assert!(text(&output.stdout).starts_with("sse1aaa ACTIVE"));
        let everything = format!("{}{}", text(&output.stdout), text(&output.stderr));
        assert!(!everything.contains("at-from-okta"), "the access token was printed: {everything}");
        assert!(!everything.contains("PRIVATE KEY"), "the key was printed");
    }
    token.assert_calls(2);
    list.assert_calls(2);
}

#[test]
fn the_api_token_never_reaches_the_output_even_on_failures() {
    let server = MockServer::start();
    let refused = server.mock(|when, then| {
        when.any_request();
        then.status(401).json_body(json!({
            "errorCode": "E0000011",
            "errorSummary": "Invalid token provided",
            "errorCauses": []
        }));
    });
    let output = with_token(provider(&server, &["list", "-v"]));
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("E0000011") && stderr.contains("not valid for this org"), "{stderr}");
    assert!(!stderr.contains(SECRET) && !text(&output.stdout).contains(SECRET));
    refused.assert_calls(1);
}

/// ureq's trace lines dump each request's bytes, `Authorization` and all: the command drops
/// them whatever `RUST_LOG` asks for, and keeps the rest of the logging.
#[test]
fn no_rust_log_setting_prints_the_api_token() {
    let server = MockServer::start();
    let list = server.mock(|when, then| {
        when.method(GET).path(PATH);
        then.status(200).json_body(json!([]));
    });
    for filter in ["trace", "ureq_proto", "ureq", "ureq_proto=trace,okta_ssf=trace"] {
        let output = with_token({
            let mut command = provider(&server, &["list"]);
            command.env("RUST_LOG", filter);
            command
        });
        assert_eq!(output.status.code(), Some(0), "{filter}: {}", text(&output.stderr));
        let stderr = text(&output.stderr);
        assert!(stderr.contains("okta-ssf: debug:"), "{filter}: logging still works: {stderr}");
        // The dump splits lines every 16 bytes: look for pieces too.
        for piece in [SECRET, &SECRET[..10], &SECRET[10..20], "SSWS"] {
            assert!(!stderr.contains(piece), "{filter}: {piece:?} in {stderr}");
        }
    }
    list.assert_calls(4);
}

/// CI systems keep a PEM secret on one line, with `\n` for its line breaks.
#[test]
fn a_private_key_with_escaped_line_breaks_is_read() {
    let server = MockServer::start();
    let token = server.mock(|when, then| {
        when.method(POST).path("/oauth2/v1/token");
        then.status(200)
            .json_body(json!({"token_type": "Bearer", "expires_in": 3600, "access_token": "at-1"}));
    });
    let list = server.mock(|when, then| {
        when.method(GET).path(PATH).header("authorization", "Bearer at-1");
        then.status(200).json_body(json!([]));
    });
    let pem = std::fs::read_to_string(common::data("ec-p256-pkcs8.pem")).expect("key");
    let output = provider(&server, &["list"])
        .env("OKTA_CLIENT_CLIENTID", "0oa1client")
        .env("OKTA_CLIENT_PRIVATEKEY", pem.trim().replace('\n', "\\n"))
        .env("OKTA_CLIENT_KID", "app-key-1")
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    token.assert();
    list.assert();
}
