//! `okta_ssf::provider` (feature `provider`): Okta's Security Events Providers management API
//! (`/api/v1/security-events-providers`), as the OpenAPI spec of Okta's management API
//! (version 2026.06.3) and of the org authorization server's `/oauth2/v1/token` describe them.
//!
//! - With an API token: every call's method, path, headers and JSON body, matched exactly by
//!   httpmock, against answers shaped as the spec's examples (with `_links`), and what is parsed
//!   from them; the raw request on the wire (one `Accept`, no `Content-Type` without a body).
//! - Okta's error answers: `400` with `errorCauses`, `401`, `403`, `404` (never retried), `429`
//!   and `5xx` (retried, with `X-Okta-Retry-Count` and `X-Okta-Retry-For`), and `2xx` bodies
//!   that are not the API's JSON.
//! - What is refused before anything is sent: bad names, issuers and URLs, ids that would leave
//!   the provider's path, empty credentials.
//! - OAuth 2.0 client credentials with `private_key_jwt` and DPoP (RFC 9449), end to end against
//!   a scripted server that plays both the token endpoint and the API: the form, the client
//!   assertion and every DPoP proof verified with jsonwebtoken, the nonces of the token endpoint
//!   and of the API, the token's reuse and renewal, `Bearer` tokens, `invalid_client`.
//! - `Credentials::from_env`, in child processes of this test binary (the environment is the
//!   process's, shared by the tests of a binary).
//! - Redaction: no API token, private key, access token, client assertion or DPoP proof in any
//!   `Debug` or `Display` string, error or log line.
#![cfg(feature = "provider")]

mod common;

use std::collections::{HashMap, HashSet};
use std::process::Command;
use std::sync::{Mutex, Once};
use std::thread::ThreadId;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{Action, ScriptedServer, SeenRequest, answer, data, read_data};
use httpmock::When;
use httpmock::prelude::*;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use okta_ssf::provider::{
    Credentials, DEFAULT_SCOPES, OAuthError, OktaError, Provider, ProviderError, ProviderRequest,
    ProviderStatus, Providers,
};
use okta_ssf::sign::SigningKey;
use okta_ssf::{ClientBuilder, RetryPolicy};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// Fixtures

/// Long enough (over 16 bytes) that no single row of ureq's trace-level wire dump can hold it.
const API_TOKEN: &str = "00ssws-canary-Qx7pL2mN9vB4cR8tY6wZ";
const PROVIDERS_PATH: &str = "/api/v1/security-events-providers";
const TOKEN_PATH: &str = "/oauth2/v1/token";
const CLIENT_ID: &str = "0oa-canary-client-id";
const KID: &str = "app-key-1";
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const WELL_KNOWN_ID: &str = "sse1qg25RpusjUP6m0g5";
const ISSUER_ID: &str = "sse1qu4fUtsoD12iF0g5";
/// base64url(SHA-256("at-123")), computed with `openssl dgst -sha256 -binary`.
const ATH_OF_AT_123: &str = "pZOyhFN0Z9eQivPyniH1Gg1OzUpcjUffjr7n0FzCLck";

/// The spec's `SecurityEventsProviderResponseWellKnownUrl` example.
const WELL_KNOWN_EXAMPLE: &str = r#"{
  "id": "sse1qg25RpusjUP6m0g5",
  "name": "Security events provider with well-known URL",
  "type": "okta",
  "status": "ACTIVE",
  "settings": {
    "well_known_url": "https://example.okta.com/.well-known/ssf-configuration",
    "issuer": "Issuer",
    "jwks_url": "https://example.okta.com/jwks/path"
  },
  "_links": {
    "self": {
      "href": "https://example.okta.com/api/v1/security-events-providers/sse1qg25RpusjUP6m0g5",
      "hints": {"allow": ["GET", "PUT", "DELETE"]}
    },
    "deactivate": {
      "href": "https://example.okta.com/api/v1/security-events-providers/sse1qg25RpusjUP6m0g5/lifecycle/deactivate",
      "hints": {"allow": ["POST"]}
    }
  }
}"#;

/// The spec's `SecurityEventsProviderResponseIssuerAndJwksUrl` example.
const ISSUER_EXAMPLE: &str = r#"{
  "id": "sse1qu4fUtsoD12iF0g5",
  "name": "Security events provider with an issuer and a JWKS URL",
  "type": "okta",
  "status": "ACTIVE",
  "settings": {
    "issuer": "Issuer",
    "jwks_url": "https://example.okta.com/jwks/path"
  },
  "_links": {
    "self": {
      "href": "https://example.okta.com/api/v1/security-events-providers/sse1qu4fUtsoD12iF0g5",
      "hints": {"allow": ["GET", "PUT", "DELETE"]}
    },
    "deactivate": {
      "href": "https://example.okta.com/api/v1/security-events-providers/sse1qu4fUtsoD12iF0g5/lifecycle/deactivate",
      "hints": {"allow": ["POST"]}
    }
  }
}"#;

/// The spec's `DeactivatedSecurityEventsProviderResponse` example.
const DEACTIVATED_EXAMPLE: &str = r#"{
  "id": "sse1qg25RpusjUP6m0g5",
  "name": "Security events provider with well-known URL",
  "type": "okta",
  "status": "INACTIVE",
  "settings": {
    "well_known_url": "https://example.okta.com/.well-known/ssf-configuration",
    "issuer": "Issuer",
    "jwks_url": "https://example.okta.com/jwks/path"
  },
  "_links": {
    "self": {
      "href": "https://example.okta.com/api/v1/security-events-providers/sse1qg25RpusjUP6m0g5",
      "hints": {"allow": ["GET", "PUT", "DELETE"]}
    },
    "activate": {
      "href": "https://example.okta.com/api/v1/security-events-providers/sse1qg25RpusjUP6m0g5/lifecycle/activate",
      "hints": {"allow": ["POST"]}
    }
  }
}"#;

/// The spec's `ListOfSecurityEventsProviderInstances` example.
fn list_example() -> String {
    format!("[{WELL_KNOWN_EXAMPLE}, {ISSUER_EXAMPLE}]")
}

/// Okta's `E0000001` with causes, as the spec's `Error` schema shapes it.
const VALIDATION_400: &str = r#"{"errorCode":"E0000001","errorSummary":"Api validation failed: instance","errorLink":"E0000001","errorId":"oaeValid400","errorCauses":[{"errorSummary":"settings.jwks_url: The JWKS URL could not be fetched"},{"errorSummary":"name: A provider with this name already exists"}]}"#;
const INVALID_TOKEN_401: &str = r#"{"errorCode":"E0000011","errorSummary":"Invalid token provided","errorLink":"E0000011","errorId":"sampleQPivGUj_ND5v78vbYWW","errorCauses":[]}"#;
const ACCESS_DENIED_403: &str = r#"{"errorCode":"E0000006","errorSummary":"You do not have permission to perform the requested action","errorLink":"E0000006","errorId":"sampleNUSD_8fdkFd8fs8SDBK","errorCauses":[]}"#;
const NOT_FOUND_404: &str = r#"{"errorCode":"E0000007","errorSummary":"Not found: Resource not found: sse1nothere (SecurityEventsProvider)","errorLink":"E0000007","errorId":"sampleMlLvGUj_YD5v16vkYWY","errorCauses":[]}"#;
const TOO_MANY_429: &str = r#"{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests.","errorLink":"E0000047","errorId":"sampleQPivGUj_ND5v78vbYWW","errorCauses":[]}"#;
const SERVER_500: &str = r#"{"errorCode":"E0000009","errorSummary":"Internal Server Error","errorLink":"E0000009","errorId":"oae500","errorCauses":[]}"#;

const USE_DPOP_NONCE: &str = r#"{"error":"use_dpop_nonce","error_description":"Authorization server requires nonce in DPoP proof."}"#;
const DPOP_TOKEN: &str = r#"{"token_type":"DPoP","expires_in":3600,"access_token":"at-123","scope":"okta.securityEventsProviders.manage"}"#;

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("after 1970").as_secs()
}

/// Retries as the default policy makes them (3 attempts), without the waiting.
fn quick_retries() -> RetryPolicy {
    RetryPolicy::new()
        .backoff(Duration::from_millis(10), Duration::from_millis(20))
        .max_server_wait(Duration::from_millis(20))
}

fn builder(origin: &str) -> ClientBuilder {
    ClientBuilder::new(origin).retry(quick_retries())
}

fn with_api_token(origin: &str) -> Providers {
    Providers::new(builder(origin), Credentials::api_token(API_TOKEN))
        .expect("a loopback origin and a token")
}

/// The API service app's key: RSA (RS256), its public half in `rsa-public.pem`.
fn app_key() -> SigningKey {
    SigningKey::from_pem(read_data("rsa-pkcs8.pem").as_bytes(), KID).expect("the RSA test key")
}

fn with_oauth(origin: &str, credentials: Credentials) -> Providers {
    Providers::new(builder(origin), credentials).expect("a loopback origin and an OAuth client")
}

/// The base64 lines of a PEM file: the key material that must never be shown.
fn pem_lines(path: &str) -> Vec<String> {
    read_data(path)
        .lines()
        .filter(|l| !l.starts_with("-----") && l.len() >= 16)
        .map(str::to_owned)
        .collect()
}

fn json_answer(status: &str, body: &str) -> Action {
    answer(status, &[("Content-Type", "application/json")], body)
}

fn ok_json(body: &str) -> Action {
    json_answer("200 OK", body)
}

fn token_answer(kind: &str, access_token: &str) -> Action {
    let body = json!({
        "token_type": kind,
        "expires_in": 3600,
        "access_token": access_token,
        "scope": DEFAULT_SCOPES,
    });
    ok_json(&body.to_string())
}

// ---------------------------------------------------------------------------------------------
// Reading what was sent

fn request_line(request: &SeenRequest) -> &str {
    request.head.lines().next().unwrap_or_default()
}

fn is_token_request(request: &SeenRequest) -> bool {
    request_line(request).starts_with(&format!("POST {TOKEN_PATH} "))
}

/// How many header lines named `name` the request carried.
fn header_lines(request: &SeenRequest, name: &str) -> usize {
    let named =
        |l: &&str| l.split_once(':').is_some_and(|(n, _)| n.trim().eq_ignore_ascii_case(name));
    request.head.lines().skip(1).filter(named).count()
}

/// An `application/x-www-form-urlencoded` body, each name once.
fn form(body: &[u8]) -> HashMap<String, String> {
    fn decode(s: &str) -> String {
        let mut out = Vec::new();
        let mut bytes = s.bytes();
        while let Some(b) = bytes.next() {
            match b {
                b'%' => {
                    let hex: String = bytes.by_ref().take(2).map(char::from).collect();
                    out.push(u8::from_str_radix(&hex, 16).expect("a %XX escape"));
                }
                b'+' => out.push(b' '),
                b => out.push(b),
            }
        }
        String::from_utf8(out).expect("UTF-8")
    }
    let text = std::str::from_utf8(body).expect("a form is ASCII");
    let pairs: Vec<(String, String)> = text
        .split('&')
        .map(|pair| {
            let (name, value) = pair.split_once('=').expect("name=value");
            (decode(name), decode(value))
        })
        .collect();
    let map: HashMap<String, String> = pairs.iter().cloned().collect();
    assert_eq!(map.len(), pairs.len(), "a name repeated in the form: {text}");
    map
}

/// A compact JWS's header and claims, read without checking the signature.
fn jwt_parts(jwt: &str) -> (Value, Value) {
    let segments: Vec<&str> = jwt.split('.').collect();
    assert_eq!(segments.len(), 3, "not a compact JWS: {jwt}");
    let json = |segment: &str| -> Value {
        let bytes = URL_SAFE_NO_PAD.decode(segment).expect("base64url without padding");
        serde_json::from_slice(&bytes).expect("JSON")
    };
    (json(segments[0]), json(segments[1]))
}

fn assert_recent(claims: &Value, what: &str) -> u64 {
    let iat = claims["iat"].as_u64().unwrap_or_else(|| panic!("{what}: iat is not a number"));
    let now = unix_now();
    assert!(iat.abs_diff(now) <= 60, "{what}: iat {iat} is not near now ({now})");
    iat
}

/// Checks the client assertion (RFC 7523) against the app's public key and returns its claims.
fn verify_assertion(jwt: &str, token_url: &str, key: &DecodingKey, alg: Algorithm) -> Value {
    let (header, _) = jwt_parts(jwt);
    assert_eq!(header["kid"], KID, "{header}");
    let mut validation = Validation::new(alg);
    validation.set_audience(&[token_url]);
    validation.set_issuer(&[CLIENT_ID]);
    validation.sub = Some(CLIENT_ID.to_owned());
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    let claims = jsonwebtoken::decode::<Value>(jwt, key, &validation)
        .unwrap_or_else(|e| panic!("the client assertion does not verify: {e}"))
        .claims;
    assert_eq!(claims["iss"], CLIENT_ID);
    assert_eq!(claims["sub"], CLIENT_ID);
    assert_eq!(claims["aud"], token_url);
    let iat = assert_recent(&claims, "client assertion");
    let exp = claims["exp"].as_u64().expect("exp is a number");
    assert!(exp > iat, "exp {exp} is not after iat {iat}");
    assert!(claims["jti"].as_str().is_some_and(|j| j.len() >= 16), "jti: {claims}");
    claims
}

/// Checks a DPoP proof (RFC 9449 §4.2) for `htm` `htu`: its header, its signature by the key
/// of its own `jwk`, its claims. Returns the header and the claims.
fn verify_dpop(proof: &str, htm: &str, htu: &str) -> (Value, Value) {
    let (header, claims) = jwt_parts(proof);
    assert_eq!(header["typ"], "dpop+jwt", "{header}");
    assert_eq!(header["alg"], "ES256", "{header}");
    let jwk = header["jwk"].as_object().expect("a jwk in the proof's header");
    assert_eq!(jwk.get("kty"), Some(&json!("EC")));
    assert_eq!(jwk.get("crv"), Some(&json!("P-256")));
    assert!(!jwk.contains_key("d"), "the proof's jwk holds the private key: {header}");
    let (x, y) = (jwk["x"].as_str().expect("x"), jwk["y"].as_str().expect("y"));
    let key = DecodingKey::from_ec_components(x, y).expect("an EC public key");
    let mut validation = Validation::new(Algorithm::ES256);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_aud = false;
    jsonwebtoken::decode::<Value>(proof, &key, &validation)
        .unwrap_or_else(|e| panic!("the DPoP proof does not verify with its jwk: {e}"));
    assert_eq!(claims["htm"], htm, "{claims}");
    assert_eq!(claims["htu"], htu, "{claims}");
    assert_recent(&claims, "DPoP proof");
    assert!(claims["jti"].as_str().is_some_and(|j| j.len() >= 16), "jti: {claims}");
    (header, claims)
}

fn proof_of(request: &SeenRequest) -> String {
    assert_eq!(header_lines(request, "dpop"), 1, "one DPoP header: {}", request.head);
    request.header("dpop").expect("a DPoP header")
}

fn ath(access_token: &str) -> String {
    let hash = ring::digest::digest(&ring::digest::SHA256, access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(hash.as_ref())
}

// ---------------------------------------------------------------------------------------------
// What is parsed

fn assert_well_known_example(provider: &Provider, status: ProviderStatus) {
    assert_eq!(provider.id, WELL_KNOWN_ID);
    assert_eq!(provider.name, "Security events provider with well-known URL");
    assert_eq!(provider.kind, "okta");
    assert_eq!(provider.status, status);
    assert_eq!(provider.issuer.as_deref(), Some("Issuer"));
    assert_eq!(provider.jwks_url.as_deref(), Some("https://example.okta.com/jwks/path"));
    assert_eq!(
        provider.well_known_url.as_deref(),
        Some("https://example.okta.com/.well-known/ssf-configuration")
    );
}

fn assert_issuer_example(provider: &Provider) {
    assert_eq!(provider.id, ISSUER_ID);
    assert_eq!(provider.name, "Security events provider with an issuer and a JWKS URL");
    assert_eq!(provider.kind, "okta");
    assert_eq!(provider.status, ProviderStatus::Active);
    assert_eq!(provider.issuer.as_deref(), Some("Issuer"));
    assert_eq!(provider.jwks_url.as_deref(), Some("https://example.okta.com/jwks/path"));
    assert_eq!(provider.well_known_url, None);
}

fn issuer_request() -> ProviderRequest {
    ProviderRequest::issuer_and_jwks(
        "Security events provider with an issuer and a JWKS URL",
        "Issuer",
        "https://example.okta.com/jwks/path",
    )
    .expect("the spec's example request")
}

fn issuer_request_json() -> Value {
    json!({
        "name": "Security events provider with an issuer and a JWKS URL",
        "type": "okta",
        "settings": {"issuer": "Issuer", "jwks_url": "https://example.okta.com/jwks/path"},
    })
}

// ---------------------------------------------------------------------------------------------
// Every call with an API token

/// What every call with the API token must carry: its method and path, `SSWS`, JSON accepted,
/// no DPoP.
fn with_ssws(when: When, method: httpmock::Method, path: &str) -> When {
    when.method(method)
        .path(path)
        .header("authorization", format!("SSWS {API_TOKEN}"))
        .header("accept", "application/json")
        .header_missing("dpop")
}

/// A call without a body: no `Content-Type` (httpmock cannot match a `GET`'s body; the wire
/// test below checks that it is empty).
fn without_body(when: When) -> When {
    when.header_missing("content-type")
}

#[test]
fn list_gets_every_provider_with_the_api_token() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        without_body(with_ssws(when, GET, PROVIDERS_PATH));
        then.status(200).header("content-type", "application/json").body(list_example());
    });

    let providers = with_api_token(&server.base_url()).list().expect("listed");

    mock.assert_calls(1);
    assert_eq!(providers.len(), 2);
    assert_well_known_example(&providers[0], ProviderStatus::Active);
    assert_issuer_example(&providers[1]);
    // Okta's JSON shape again, without `_links`.
    let mut expected: Value = serde_json::from_str(WELL_KNOWN_EXAMPLE).expect("JSON");
    expected.as_object_mut().expect("object").remove("_links");
    assert_eq!(providers[0].to_json(), expected);
}

#[test]
fn get_reads_one_provider() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        without_body(with_ssws(when, GET, &format!("{PROVIDERS_PATH}/{WELL_KNOWN_ID}")));
        then.status(200).header("content-type", "application/json").body(WELL_KNOWN_EXAMPLE);
    });

    let provider = with_api_token(&server.base_url()).get(WELL_KNOWN_ID).expect("found");

    mock.assert_calls(1);
    assert_well_known_example(&provider, ProviderStatus::Active);
}

#[test]
fn create_with_an_issuer_and_a_jwks_url_posts_exactly_that() {
    let request = issuer_request();
    assert_eq!(request.to_json(), issuer_request_json());
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        with_ssws(when, POST, PROVIDERS_PATH)
            .header("content-type", "application/json")
            .json_body(issuer_request_json());
        then.status(200).header("content-type", "application/json").body(ISSUER_EXAMPLE);
    });

    let provider = with_api_token(&server.base_url()).create(&request).expect("created");

    mock.assert_calls(1);
    assert_issuer_example(&provider);
}

#[test]
fn create_with_a_well_known_url_posts_exactly_that() {
    let body = json!({
        "name": "Security events provider with well-known URL",
        "type": "okta",
        "settings": {"well_known_url": "https://example.okta.com/.well-known/ssf-configuration"},
    });
    let request = ProviderRequest::well_known(
        "Security events provider with well-known URL",
        "https://example.okta.com/.well-known/ssf-configuration",
    )
    .expect("the spec's example request");
    assert_eq!(request.to_json(), body);
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        with_ssws(when, POST, PROVIDERS_PATH)
            .header("content-type", "application/json")
            .json_body(body.clone());
        then.status(200).header("content-type", "application/json").body(WELL_KNOWN_EXAMPLE);
    });

    let provider = with_api_token(&server.base_url()).create(&request).expect("created");

    mock.assert_calls(1);
    assert_well_known_example(&provider, ProviderStatus::Active);
}

#[test]
fn replace_puts_the_request_to_the_provider() {
    let request = ProviderRequest::issuer_and_jwks(
        "Renamed provider",
        "https://risk.example.com",
        "https://risk.example.com/jwks.json",
    )
    .expect("valid");
    let mut renamed: Value = serde_json::from_str(ISSUER_EXAMPLE).expect("JSON");
    renamed["name"] = json!("Renamed provider");
    renamed["settings"] = json!({
        "issuer": "https://risk.example.com",
        "jwks_url": "https://risk.example.com/jwks.json",
    });
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        with_ssws(when, PUT, &format!("{PROVIDERS_PATH}/{ISSUER_ID}"))
            .header("content-type", "application/json")
            .json_body(json!({
                "name": "Renamed provider",
                "type": "okta",
                "settings": {
                    "issuer": "https://risk.example.com",
                    "jwks_url": "https://risk.example.com/jwks.json",
                },
            }));
        then.status(200).header("content-type", "application/json").body(renamed.to_string());
    });

    let provider =
        with_api_token(&server.base_url()).replace(ISSUER_ID, &request).expect("replaced");

    mock.assert_calls(1);
    assert_eq!(provider.id, ISSUER_ID);
    assert_eq!(provider.name, "Renamed provider");
    assert_eq!(provider.issuer.as_deref(), Some("https://risk.example.com"));
    assert_eq!(provider.jwks_url.as_deref(), Some("https://risk.example.com/jwks.json"));
    assert_eq!(provider.well_known_url, None);
}

#[test]
fn activate_posts_to_the_lifecycle_activate_path() {
    let server = MockServer::start();
    let path = format!("{PROVIDERS_PATH}/{WELL_KNOWN_ID}/lifecycle/activate");
    let mock = server.mock(|when, then| {
        without_body(with_ssws(when, POST, &path)).body("");
        then.status(200).header("content-type", "application/json").body(WELL_KNOWN_EXAMPLE);
    });

    let provider = with_api_token(&server.base_url()).activate(WELL_KNOWN_ID).expect("active");

    mock.assert_calls(1);
    assert_well_known_example(&provider, ProviderStatus::Active);
    assert_eq!(provider.status.to_string(), "ACTIVE");
}

#[test]
fn deactivate_posts_to_the_lifecycle_deactivate_path() {
    let server = MockServer::start();
    let path = format!("{PROVIDERS_PATH}/{WELL_KNOWN_ID}/lifecycle/deactivate");
    let mock = server.mock(|when, then| {
        without_body(with_ssws(when, POST, &path)).body("");
        then.status(200).header("content-type", "application/json").body(DEACTIVATED_EXAMPLE);
    });

    let provider = with_api_token(&server.base_url()).deactivate(WELL_KNOWN_ID).expect("inactive");

    mock.assert_calls(1);
    assert_well_known_example(&provider, ProviderStatus::Inactive);
    assert_eq!(provider.status.to_string(), "INACTIVE");
}

#[test]
fn delete_sends_delete_and_takes_an_empty_204() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        without_body(with_ssws(when, DELETE, &format!("{PROVIDERS_PATH}/{ISSUER_ID}"))).body("");
        then.status(204);
    });

    with_api_token(&server.base_url()).delete(ISSUER_ID).expect("deleted");

    mock.assert_calls(1);
}

#[test]
fn the_request_on_the_wire_has_each_header_once() {
    let server = ScriptedServer::start(vec![ok_json(&list_example()), ok_json(ISSUER_EXAMPLE)]);
    let providers = with_api_token(&server.origin());
    providers.list().expect("listed");
    providers.create(&issuer_request()).expect("created");

    let seen = server.requests();
    assert_eq!(seen.len(), 2);
    let (list, create) = (&seen[0], &seen[1]);
    assert_eq!(request_line(list), format!("GET {PROVIDERS_PATH} HTTP/1.1"));
    assert_eq!(request_line(create), format!("POST {PROVIDERS_PATH} HTTP/1.1"));
    for request in [list, create] {
        assert_eq!(header_lines(request, "accept"), 1, "{}", request.head);
        assert_eq!(request.header("accept").as_deref(), Some("application/json"));
        assert_eq!(header_lines(request, "authorization"), 1, "{}", request.head);
        assert_eq!(request.header("authorization"), Some(format!("SSWS {API_TOKEN}")));
        assert_eq!(header_lines(request, "dpop"), 0, "{}", request.head);
        assert_eq!(request.header("x-okta-retry-count"), None);
    }
    assert_eq!(header_lines(list, "content-type"), 0, "{}", list.head);
    assert!(list.body.is_empty());
    assert_eq!(header_lines(create, "content-type"), 1, "{}", create.head);
    assert_eq!(create.header("content-type").as_deref(), Some("application/json"));
    let body: Value = serde_json::from_slice(&create.body).expect("a JSON body");
    assert_eq!(body, issuer_request_json());
}

// ---------------------------------------------------------------------------------------------
// Okta's errors

fn okta_error(err: &ProviderError) -> &OktaError {
    match err {
        ProviderError::Okta(e) => e,
        other => panic!("expected ProviderError::Okta, got {other:?}"),
    }
}

#[test]
fn a_validation_error_carries_its_code_causes_and_request_id() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        with_ssws(when, POST, PROVIDERS_PATH).json_body(issuer_request_json());
        then.status(400)
            .header("content-type", "application/json")
            .header("X-Okta-Request-Id", "req-400-abc")
            .body(VALIDATION_400);
    });

    let err = with_api_token(&server.base_url()).create(&issuer_request()).expect_err("refused");

    mock.assert_calls(1);
    let e = okta_error(&err);
    assert_eq!(e.http_status, 400);
    assert_eq!(e.code.as_deref(), Some("E0000001"));
    let summary = e.summary.as_deref().expect("a summary");
    for part in [
        "Api validation failed: instance",
        "settings.jwks_url: The JWKS URL could not be fetched",
        "name: A provider with this name already exists",
    ] {
        assert!(summary.contains(part), "{summary:?} lacks {part:?}");
    }
    assert_eq!(e.request_id.as_deref(), Some("req-400-abc"));
    let text = err.to_string();
    assert!(text.starts_with("Okta answered HTTP 400 E0000001: "), "{text}");
    assert!(text.ends_with(" (request id req-400-abc)"), "{text}");
    assert!(!err.is_retryable());
}

/// One `GET` of a provider answered `status` with `body`: the error, after exactly one request.
fn refused_get(status: u16, body: &str) -> ProviderError {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        with_ssws(when, GET, &format!("{PROVIDERS_PATH}/sse1nothere"));
        then.status(status)
            .header("content-type", "application/json")
            .header("X-Okta-Request-Id", format!("req-{status}"))
            .body(body);
    });
    let err = with_api_token(&server.base_url()).get("sse1nothere").expect_err("an error");
    mock.assert_calls(1); // not retried
    let e = okta_error(&err);
    assert_eq!(e.http_status, status);
    assert_eq!(e.request_id, Some(format!("req-{status}")));
    assert!(!err.is_retryable(), "{err}");
    err
}

#[test]
fn unauthorized_is_not_retried_and_says_the_token_is_not_valid() {
    let err = refused_get(401, INVALID_TOKEN_401);
    assert_eq!(okta_error(&err).code.as_deref(), Some("E0000011"));
    assert_eq!(
        err.to_string(),
        "Okta answered HTTP 401 E0000011: Invalid token provided; the API token or the OAuth access token is not valid for this org (request id req-401)"
    );
}

#[test]
fn forbidden_is_not_retried_and_names_the_scope() {
    let err = refused_get(403, ACCESS_DENIED_403);
    assert_eq!(okta_error(&err).code.as_deref(), Some("E0000006"));
    let text = err.to_string();
    assert!(text.contains("You do not have permission to perform the requested action"), "{text}");
    assert!(
        text.contains("; the credentials lack the okta.securityEventsProviders.manage scope, or an admin role that may manage providers"),
        "{text}"
    );
}

#[test]
fn not_found_is_not_retried_and_says_no_provider_has_the_id() {
    let err = refused_get(404, NOT_FOUND_404);
    assert_eq!(okta_error(&err).code.as_deref(), Some("E0000007"));
    let text = err.to_string();
    assert!(text.contains("Not found: Resource not found: sse1nothere"), "{text}");
    assert!(
        text.contains("; no provider has this id, or the org has no Security Events Providers (Identity Threat Protection)"),
        "{text}"
    );
}

/// A `429` with Okta's rate-limit headers, its window ending now.
fn rate_limited(request_id: &str) -> Action {
    let reset = unix_now().to_string();
    answer(
        "429 Too Many Requests",
        &[
            ("Content-Type", "application/json"),
            ("X-Okta-Request-Id", request_id),
            ("X-Rate-Limit-Limit", "50"),
            ("X-Rate-Limit-Remaining", "0"),
            ("X-Rate-Limit-Reset", &reset),
        ],
        TOO_MANY_429,
    )
}

#[test]
fn a_rate_limited_call_is_retried_and_then_succeeds() {
    let server =
        ScriptedServer::start(vec![rate_limited("req-429-first"), ok_json(&list_example())]);

    let providers = with_api_token(&server.origin()).list().expect("listed after the retry");

    assert_eq!(providers.len(), 2);
    let seen = server.requests();
    assert_eq!(seen.len(), 2);
    for request in &seen {
        assert_eq!(request_line(request), format!("GET {PROVIDERS_PATH} HTTP/1.1"));
        assert_eq!(request.header("authorization"), Some(format!("SSWS {API_TOKEN}")));
    }
    assert_eq!(seen[0].header("x-okta-retry-count"), None);
    assert_eq!(seen[1].header("x-okta-retry-count").as_deref(), Some("1"));
    assert_eq!(seen[1].header("x-okta-retry-for").as_deref(), Some("req-429-first"));
}

#[test]
fn a_call_rate_limited_every_time_ends_as_okta_429_after_three_attempts() {
    let server = ScriptedServer::start(vec![rate_limited("req-429")]);

    let err = with_api_token(&server.origin()).get(WELL_KNOWN_ID).expect_err("rate limited");

    let seen = server.requests();
    assert_eq!(seen.len(), 3, "three attempts");
    let counts: Vec<Option<String>> = seen.iter().map(|r| r.header("x-okta-retry-count")).collect();
    assert_eq!(counts, [None, Some("1".to_owned()), Some("2".to_owned())]);
    let e = okta_error(&err);
    assert_eq!(e.http_status, 429);
    assert_eq!(
        e.summary.as_deref(),
        Some("API call exceeded rate limit due to too many requests.")
    );
    assert_eq!(e.request_id.as_deref(), Some("req-429"));
    assert!(err.is_retryable());
    assert!(err.to_string().contains("the org's rate limit for this API is used up"), "{err}");
}

#[test]
fn server_errors_are_retried_three_times_and_are_retryable() {
    for status in ["500 Internal Server Error", "503 Service Unavailable"] {
        let server = ScriptedServer::start(vec![json_answer(status, SERVER_500)]);

        let err = with_api_token(&server.origin())
            .replace(ISSUER_ID, &issuer_request())
            .expect_err(status);

        let seen = server.requests();
        assert_eq!(seen.len(), 3, "{status}: three attempts");
        for request in &seen {
            // Each attempt sends the same call, body and all.
            assert_eq!(request_line(request), format!("PUT {PROVIDERS_PATH}/{ISSUER_ID} HTTP/1.1"));
            assert_eq!(request.body, seen[0].body);
        }
        let e = okta_error(&err);
        assert_eq!(e.http_status.to_string(), status[..3]);
        assert_eq!(e.summary.as_deref(), Some("Internal Server Error"));
        assert!(err.is_retryable(), "{status}");
        assert!(err.to_string().contains("; Okta failed; trying later may help"), "{err}");
    }

    // And a failure that passes: the retry's answer is the call's.
    let server = ScriptedServer::start(vec![
        json_answer("503 Service Unavailable", SERVER_500),
        ok_json(ISSUER_EXAMPLE),
    ]);
    let provider =
        with_api_token(&server.origin()).replace(ISSUER_ID, &issuer_request()).expect("replaced");
    assert_issuer_example(&provider);
    assert_eq!(server.requests().len(), 2);
}

/// A create is not idempotent: one that may have reached Okta (a `5xx`, an answer that never
/// came) is not sent again, or Okta could register the provider twice. A `429` (Okta did not
/// take it) and a refused connection (nothing was sent) are retried as for any call.
#[test]
fn a_create_that_may_have_been_taken_is_not_sent_again() {
    let server = ScriptedServer::start(vec![json_answer("503 Service Unavailable", SERVER_500)]);
    let err = with_api_token(&server.origin()).create(&issuer_request()).expect_err("503");
    assert_eq!(okta_error(&err).http_status, 503);
    assert_eq!(server.requests().len(), 1, "a 503 create is not repeated");

    let silent = ScriptedServer::start(vec![Action::Silent]);
    let providers = Providers::new(
        builder(&silent.origin()).timeout(Duration::from_millis(300)),
        Credentials::api_token(API_TOKEN),
    )
    .expect("providers");
    let err = providers.create(&issuer_request()).expect_err("no answer");
    assert!(
        matches!(err, ProviderError::Http(okta_ssf::Error::Timeout { attempts: 1, .. })),
        "{err:?}"
    );
    assert_eq!(silent.requests().len(), 1, "a create that got no answer is not repeated");

    let limited = ScriptedServer::start(vec![
        json_answer("429 Too Many Requests", TOO_MANY_429),
        ok_json(ISSUER_EXAMPLE),
    ]);
    let provider = with_api_token(&limited.origin()).create(&issuer_request()).expect("created");
    assert_issuer_example(&provider);
    assert_eq!(limited.requests().len(), 2, "a 429 create is sent again");

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let err = with_api_token(&format!("http://127.0.0.1:{port}"))
        .create(&issuer_request())
        .expect_err("refused");
    assert!(
        matches!(err, ProviderError::Http(okta_ssf::Error::Connect { attempts: 3, .. })),
        "{err:?}"
    );
}

#[test]
fn a_success_whose_body_is_not_the_apis_json_is_an_invalid_answer() {
    let cases: [(&str, Action); 4] = [
        ("an HTML page", answer("200 OK", &[("Content-Type", "text/html")], "<html>portal</html>")),
        ("an object where a list belongs", ok_json(WELL_KNOWN_EXAMPLE)),
        ("a provider without an id", ok_json(r#"[{"name":"x","status":"ACTIVE"}]"#)),
        ("an empty body", answer("200 OK", &[], "")),
    ];
    for (what, action) in cases {
        let server = ScriptedServer::start(vec![action]);
        let err = with_api_token(&server.origin()).list().expect_err(what);
        assert!(matches!(err, ProviderError::InvalidAnswer(200)), "{what}: {err:?}");
        assert_eq!(server.requests().len(), 1, "{what}: not retried");
    }

    // A status this version does not know is kept as Okta spelled it.
    let server =
        ScriptedServer::start(vec![ok_json(r#"{"id":"sse1new","name":"n","status":"PENDING"}"#)]);
    let provider = with_api_token(&server.origin()).get("sse1new").expect("read");
    assert_eq!(provider.status, ProviderStatus::Other("PENDING".to_owned()));
    assert_eq!(provider.status.to_string(), "PENDING");
    assert_eq!((provider.issuer, provider.jwks_url, provider.well_known_url), (None, None, None));
}

// ---------------------------------------------------------------------------------------------
// Refused before anything is sent

fn assert_invalid(what: &str, result: Result<ProviderRequest, ProviderError>) -> String {
    match result {
        Err(ProviderError::InvalidRequest(why)) => {
            assert!(!why.is_empty(), "{what}");
            why
        }
        other => panic!("{what}: expected InvalidRequest, got {other:?}"),
    }
}

#[test]
fn requests_okta_would_refuse_are_not_made() {
    let (name, issuer, jwks) =
        ("Risk engine", "https://risk.example.com", "https://risk.example.com/jwks.json");
    let why = assert_invalid(
        "an http:// JWKS URL",
        ProviderRequest::issuer_and_jwks(name, issuer, "http://risk.example.com/jwks.json"),
    );
    assert!(why.contains("https://"), "{why}");
    assert_invalid(
        "a relative JWKS URL",
        ProviderRequest::issuer_and_jwks(name, issuer, "/jwks.json"),
    );
    assert_invalid(
        "a JWKS URL without a scheme",
        ProviderRequest::issuer_and_jwks(name, issuer, "risk.example.com/jwks.json"),
    );
    assert_invalid(
        "a JWKS URL with a space after it",
        ProviderRequest::issuer_and_jwks(name, issuer, "https://risk.example.com/jwks.json "),
    );
    let why = assert_invalid(
        "an issuer with a trailing space",
        ProviderRequest::issuer_and_jwks(name, "https://risk.example.com ", jwks),
    );
    assert!(why.contains("byte for byte"), "{why}");
    assert_invalid(
        "an issuer with a leading space",
        ProviderRequest::issuer_and_jwks(name, " https://risk.example.com", jwks),
    );
    assert_invalid("an empty issuer", ProviderRequest::issuer_and_jwks(name, "", jwks));
    assert_invalid(
        "an issuer over 700 characters",
        ProviderRequest::issuer_and_jwks(name, &"i".repeat(701), jwks),
    );
    assert_invalid("an empty name", ProviderRequest::issuer_and_jwks("", issuer, jwks));
    assert_invalid("a blank name", ProviderRequest::issuer_and_jwks("   ", issuer, jwks));
    assert_invalid(
        "a name over 100 characters",
        ProviderRequest::issuer_and_jwks(&"n".repeat(101), issuer, jwks),
    );
    let long_url = format!("https://risk.example.com/{}", "j".repeat(1001 - 25));
    assert_eq!(long_url.len(), 1001);
    assert_invalid(
        "a JWKS URL over 1,000 characters",
        ProviderRequest::issuer_and_jwks(name, issuer, &long_url),
    );
    assert_invalid(
        "an http:// well-known URL",
        ProviderRequest::well_known(name, "http://risk.example.com/.well-known/ssf-configuration"),
    );
    assert_invalid(
        "a relative well-known URL",
        ProviderRequest::well_known(name, "/.well-known/ssf-configuration"),
    );
    assert_invalid(
        "a well-known request without a name",
        ProviderRequest::well_known("", "https://risk.example.com/.well-known/ssf-configuration"),
    );

    // The limits themselves are allowed.
    ProviderRequest::issuer_and_jwks(&"n".repeat(100), &"i".repeat(700), &long_url[..1000])
        .expect("100-character name, 700-character issuer, 1,000-character URL");
}

#[test]
fn ids_that_would_leave_the_providers_path_are_not_sent() {
    let server = ScriptedServer::start(vec![ok_json(WELL_KNOWN_EXAMPLE)]);
    let providers = with_api_token(&server.origin());
    let request = issuer_request();
    for id in ["../x", "a/b", "..", "", "  ", "a?b", "a#b", "%2e%2e", "sse1 x", "a\\b", "sse1é"] {
        let results = [
            ("get", providers.get(id).map(drop)),
            ("replace", providers.replace(id, &request).map(drop)),
            ("activate", providers.activate(id).map(drop)),
            ("deactivate", providers.deactivate(id).map(drop)),
            ("delete", providers.delete(id)),
        ];
        for (call, result) in results {
            assert!(
                matches!(result, Err(ProviderError::InvalidRequest(_))),
                "{call}({id:?}): {result:?}"
            );
        }
    }
    assert_eq!(server.requests().len(), 0);
    assert_eq!(server.connections(), 0);
}

#[test]
fn empty_credentials_and_bad_domains_are_refused_when_built() {
    let server = ScriptedServer::start(vec![ok_json("[]")]);
    let origin = server.origin();
    for token in ["", "   "] {
        let err = Providers::new(builder(&origin), Credentials::api_token(token))
            .expect_err("an empty token");
        assert!(matches!(err, ProviderError::Credentials(_)), "{err:?}");
    }
    let err = Providers::new(builder(&origin), Credentials::private_key_jwt("  ", app_key()))
        .expect_err("an empty client id");
    assert!(matches!(err, ProviderError::Credentials(_)), "{err:?}");
    let err = Providers::new(builder("{yourOktaDomain}"), Credentials::api_token(API_TOKEN))
        .expect_err("a placeholder domain");
    assert!(matches!(err, ProviderError::Http(okta_ssf::Error::InvalidDomain(_))), "{err:?}");
    assert_eq!(server.requests().len(), 0);
}

// ---------------------------------------------------------------------------------------------
// OAuth 2.0 client credentials with private_key_jwt and DPoP

#[test]
fn oauth_with_dpop_end_to_end() {
    let server = ScriptedServer::start(vec![
        answer(
            "400 Bad Request",
            &[("Content-Type", "application/json"), ("DPoP-Nonce", "n-1")],
            USE_DPOP_NONCE,
        ),
        ok_json(DPOP_TOKEN),
        json_answer("503 Service Unavailable", SERVER_500),
        ok_json(&list_example()),
        ok_json(WELL_KNOWN_EXAMPLE),
    ]);
    let origin = server.origin();
    let providers = with_oauth(&origin, Credentials::private_key_jwt(CLIENT_ID, app_key()));

    let listed = providers.list().expect("listed");
    assert_eq!(listed.len(), 2);
    let one = providers.get(WELL_KNOWN_ID).expect("read with the same token");
    assert_well_known_example(&one, ProviderStatus::Active);

    let seen = server.requests();
    let lines: Vec<&str> = seen.iter().map(request_line).collect();
    let list_url = format!("{origin}{PROVIDERS_PATH}");
    let get_url = format!("{list_url}/{WELL_KNOWN_ID}");
    assert_eq!(
        lines,
        [
            format!("POST {TOKEN_PATH} HTTP/1.1"),
            format!("POST {TOKEN_PATH} HTTP/1.1"),
            format!("GET {PROVIDERS_PATH} HTTP/1.1"),
            format!("GET {PROVIDERS_PATH} HTTP/1.1"),
            format!("GET {PROVIDERS_PATH}/{WELL_KNOWN_ID} HTTP/1.1"),
        ],
        "one token for both calls"
    );

    // The token requests: the form, the assertion, the proofs and Okta's nonce.
    let token_url = format!("{origin}{TOKEN_PATH}");
    let app_public = DecodingKey::from_rsa_pem(read_data("rsa-public.pem").as_bytes())
        .expect("the RSA public key");
    let mut assertion_jtis = HashSet::new();
    let mut token_proofs = Vec::new();
    for request in &seen[..2] {
        assert_eq!(
            request.header("content-type").as_deref(),
            Some("application/x-www-form-urlencoded")
        );
        assert_eq!(request.header("accept").as_deref(), Some("application/json"));
        assert_eq!(request.header("authorization"), None, "{}", request.head);
        let form = form(&request.body);
        let names: HashSet<&str> = form.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            HashSet::from(["grant_type", "scope", "client_assertion_type", "client_assertion"])
        );
        assert_eq!(form["grant_type"], "client_credentials");
        assert_eq!(form["scope"], DEFAULT_SCOPES);
        assert_eq!(form["client_assertion_type"], ASSERTION_TYPE);
        let (header, _) = jwt_parts(&form["client_assertion"]);
        assert_eq!(header["alg"], "RS256");
        let claims =
            verify_assertion(&form["client_assertion"], &token_url, &app_public, Algorithm::RS256);
        assert!(
            assertion_jtis.insert(claims["jti"].to_string()),
            "a client assertion's jti reused"
        );
        token_proofs.push(verify_dpop(&proof_of(request), "POST", &token_url));
    }
    assert_eq!(token_proofs[0].1.get("nonce"), None, "no nonce before Okta asks for one");
    assert_eq!(token_proofs[1].1["nonce"], "n-1", "Okta's nonce on the second token request");
    for (_, claims) in &token_proofs {
        assert_eq!(claims.get("ath"), None, "no ath on a token request: {claims}");
    }

    // The API calls: the access token, bound to the proof by `ath`.
    assert_eq!(ath("at-123"), ATH_OF_AT_123);
    let mut api_proofs = Vec::new();
    for (request, url) in [(&seen[2], &list_url), (&seen[3], &list_url), (&seen[4], &get_url)] {
        assert_eq!(header_lines(request, "authorization"), 1, "{}", request.head);
        assert_eq!(request.header("authorization").as_deref(), Some("DPoP at-123"));
        assert_eq!(request.header("accept").as_deref(), Some("application/json"));
        let (header, claims) = verify_dpop(&proof_of(request), "GET", url);
        assert_eq!(claims["ath"], ATH_OF_AT_123, "{claims}");
        api_proofs.push((header, claims));
    }
    assert_eq!(seen[3].header("x-okta-retry-count").as_deref(), Some("1"), "the 503's retry");

    // Every proof is new (RFC 9449 §11.1), all signed by the one key of this process.
    let proofs: Vec<&(Value, Value)> = token_proofs.iter().chain(&api_proofs).collect();
    let jtis: HashSet<String> = proofs.iter().map(|(_, c)| c["jti"].to_string()).collect();
    assert_eq!(jtis.len(), proofs.len(), "a DPoP proof's jti was reused");
    for (header, _) in &proofs {
        assert_eq!(header["jwk"], proofs[0].0["jwk"], "one DPoP key for the process");
    }
}

#[test]
fn a_bearer_token_is_sent_as_bearer_without_a_proof() {
    let server = ScriptedServer::start(vec![
        token_answer("Bearer", "at-bearer-1"),
        ok_json(&list_example()),
        ok_json(WELL_KNOWN_EXAMPLE),
    ]);
    let providers =
        with_oauth(&server.origin(), Credentials::private_key_jwt(CLIENT_ID, app_key()));

    providers.list().expect("listed");
    providers.get(WELL_KNOWN_ID).expect("read");

    let seen = server.requests();
    assert_eq!(seen.len(), 3, "one token request");
    assert!(is_token_request(&seen[0]));
    for request in &seen[1..] {
        assert_eq!(request.header("authorization").as_deref(), Some("Bearer at-bearer-1"));
        assert_eq!(header_lines(request, "dpop"), 0, "{}", request.head);
    }
}

#[test]
fn without_dpop_no_proof_is_made_and_the_scopes_are_as_given() {
    let server = ScriptedServer::start(vec![token_answer("Bearer", "at-bearer-2"), ok_json("[]")]);
    let origin = server.origin();
    let ec_key = SigningKey::from_pem(read_data("ec-p256-pkcs8.pem").as_bytes(), KID)
        .expect("the P-256 test key");
    let credentials = Credentials::private_key_jwt(CLIENT_ID, ec_key).dpop(false).scopes(&[
        "okta.securityEventsProviders.read",
        " ",
        "okta.securityEventsProviders.manage",
    ]);
    let providers = with_oauth(&origin, credentials);
    assert!(format!("{providers:?}").contains(r#"auth: "OAuth""#), "{providers:?}");

    assert_eq!(providers.list().expect("an empty list"), []);

    let seen = server.requests();
    assert_eq!(seen.len(), 2);
    assert!(is_token_request(&seen[0]));
    for request in &seen {
        assert_eq!(header_lines(request, "dpop"), 0, "{}", request.head);
    }
    let form = form(&seen[0].body);
    assert_eq!(
        form["scope"],
        "okta.securityEventsProviders.read okta.securityEventsProviders.manage"
    );
    let (header, _) = jwt_parts(&form["client_assertion"]);
    assert_eq!(header["alg"], "ES256");
    let public = DecodingKey::from_ec_pem(read_data("ec-p256-public.pem").as_bytes())
        .expect("the P-256 public key");
    verify_assertion(
        &form["client_assertion"],
        &format!("{origin}{TOKEN_PATH}"),
        &public,
        Algorithm::ES256,
    );
    assert_eq!(seen[1].header("authorization").as_deref(), Some("Bearer at-bearer-2"));
}

#[test]
fn invalid_client_is_an_oauth_error_with_advice_and_no_secret() {
    let server = ScriptedServer::start(vec![json_answer(
        "401 Unauthorized",
        r#"{"error":"invalid_client","error_description":"The client_assertion signature is invalid."}"#,
    )]);
    let providers =
        with_oauth(&server.origin(), Credentials::private_key_jwt(CLIENT_ID, app_key()));

    let err = providers.list().expect_err("refused");

    let seen = server.requests();
    assert_eq!(seen.len(), 1, "one token request, not retried, and no API call");
    assert!(is_token_request(&seen[0]));
    let ProviderError::OAuth(OAuthError { http_status, error, description, .. }) = &err else {
        panic!("expected ProviderError::OAuth, got {err:?}");
    };
    assert_eq!((*http_status, error.as_str()), (401, "invalid_client"));
    assert_eq!(description.as_deref(), Some("The client_assertion signature is invalid."));
    let text = err.to_string();
    assert!(text.starts_with("Okta's token endpoint answered HTTP 401 invalid_client"), "{text}");
    assert!(
        text.contains("check the client id, that the app authenticates with \"Public key / Private key\", and that its key set holds this kid"),
        "{text}"
    );
    assert!(!err.is_retryable());
    let assertion = form(&seen[0].body)["client_assertion"].clone();
    let mut secrets = vec![assertion.clone(), signature_of(&assertion), proof_of(&seen[0])];
    secrets.extend(pem_lines("rsa-pkcs8.pem"));
    assert_no_secret("invalid_client error", &err, &secrets);
}

#[test]
fn the_apis_dpop_nonce_is_used_when_the_api_asks_for_one() {
    let server = ScriptedServer::start(vec![
        ok_json(DPOP_TOKEN),
        answer(
            "401 Unauthorized",
            &[
                (
                    "WWW-Authenticate",
                    r#"DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof""#,
                ),
                ("DPoP-Nonce", "rs-n-1"),
            ],
            "",
        ),
        ok_json(&list_example()),
    ]);
    let origin = server.origin();
    let providers = with_oauth(&origin, Credentials::private_key_jwt(CLIENT_ID, app_key()));

    providers.list().expect("listed with the API's nonce");

    let seen = server.requests();
    assert_eq!(seen.len(), 3, "no new token for a nonce");
    let url = format!("{origin}{PROVIDERS_PATH}");
    let (_, first) = verify_dpop(&proof_of(&seen[1]), "GET", &url);
    let (_, second) = verify_dpop(&proof_of(&seen[2]), "GET", &url);
    assert_eq!(first.get("nonce"), None);
    assert_eq!(second["nonce"], "rs-n-1");
    assert_ne!(first["jti"], second["jti"]);
    for request in &seen[1..] {
        assert_eq!(request.header("authorization").as_deref(), Some("DPoP at-123"));
    }
}

#[test]
fn a_refused_access_token_is_renewed_once() {
    let refused = json_answer("401 Unauthorized", INVALID_TOKEN_401);
    let server = ScriptedServer::start(vec![
        token_answer("DPoP", "at-old"),
        refused.clone(),
        token_answer("DPoP", "at-new"),
        ok_json(WELL_KNOWN_EXAMPLE),
    ]);
    let origin = server.origin();
    let providers = with_oauth(&origin, Credentials::private_key_jwt(CLIENT_ID, app_key()));

    providers.get(WELL_KNOWN_ID).expect("read with a new token");

    let seen = server.requests();
    let tokens: Vec<bool> = seen.iter().map(is_token_request).collect();
    assert_eq!(tokens, [true, false, true, false]);
    let url = format!("{origin}{PROVIDERS_PATH}/{WELL_KNOWN_ID}");
    for (request, token) in [(&seen[1], "at-old"), (&seen[3], "at-new")] {
        assert_eq!(request.header("authorization"), Some(format!("DPoP {token}")));
        assert_eq!(verify_dpop(&proof_of(request), "GET", &url).1["ath"], ath(token));
    }

    // A new token refused too is the error: no third round.
    let server = ScriptedServer::start(vec![
        token_answer("DPoP", "at-1"),
        refused.clone(),
        token_answer("DPoP", "at-2"),
        refused,
    ]);
    let providers =
        with_oauth(&server.origin(), Credentials::private_key_jwt(CLIENT_ID, app_key()));
    let err = providers.get(WELL_KNOWN_ID).expect_err("refused twice");
    assert_eq!(okta_error(&err).http_status, 401);
    assert_eq!(okta_error(&err).code.as_deref(), Some("E0000011"));
    assert_eq!(server.requests().len(), 4);
}

/// A token endpoint that issues a DPoP-bound token to a client whose DPoP is off: the API call
/// cannot carry the proof the token needs, so it is refused before it reaches the API (a call
/// sent without a proof and reported as failed could be one Okta carried out), with an error
/// that says the app requires DPoP.
#[test]
fn a_dpop_token_with_dpop_off_is_refused_before_the_api_call() {
    let server = ScriptedServer::start(vec![ok_json(DPOP_TOKEN), ok_json(ISSUER_EXAMPLE)]);
    let origin = server.origin();
    let credentials = Credentials::private_key_jwt(CLIENT_ID, app_key()).dpop(false);
    let providers = with_oauth(&origin, credentials);

    let result = providers.create(&issuer_request());

    let seen = server.requests();
    let api: Vec<&SeenRequest> = seen.iter().filter(|r| !is_token_request(r)).collect();
    assert!(api.is_empty(), "{:?}", api.iter().map(|r| &r.head).collect::<Vec<_>>());
    match result {
        Err(ProviderError::Credentials(why)) => assert!(why.contains("requires DPoP"), "{why}"),
        other => panic!("expected a credentials error, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Credentials::from_env, in a child process

const CHILD_MARKER: &str = "OKTA_SSF_TEST_FROM_ENV_CHILD";

/// Run by [`from_env_reads_the_variables_okta_sdks_read`] in a child process whose environment
/// it sets; does nothing in this process.
#[test]
#[ignore = "run in a child process by from_env_reads_the_variables_okta_sdks_read"]
fn from_env_child() {
    if std::env::var_os(CHILD_MARKER).is_none() {
        return;
    }
    match Credentials::from_env() {
        Ok(credentials) => println!("FROM_ENV ok {credentials:?}"),
        Err(e) => println!("FROM_ENV err {e} / {e:?}"),
    }
}

/// What `Credentials::from_env` makes of exactly the variables `vars` (the `OKTA_CLIENT_*` of
/// this process removed): `ok <Debug>` or `err <Display> / <Debug>`.
fn from_env(vars: &[(&str, &str)]) -> String {
    let mut child = Command::new(std::env::current_exe().expect("this test binary"));
    child.args(["from_env_child", "--exact", "--ignored", "--nocapture", "--test-threads=1"]);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("OKTA_CLIENT_") {
            child.env_remove(name);
        }
    }
    child.env(CHILD_MARKER, "1").envs(vars.iter().copied());
    let output = child.output().expect("the child runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    // The harness writes `test from_env_child ... ` before the child's own line.
    let line = stdout.lines().find_map(|l| l.split_once("FROM_ENV ").map(|(_, result)| result));
    line.unwrap_or_else(|| panic!("no result from the child: {stdout}")).to_owned()
}

#[test]
fn from_env_reads_the_variables_okta_sdks_read() {
    let pem_path = data("rsa-pkcs8.pem");
    let pem_path = pem_path.to_str().expect("a UTF-8 path");
    let pem = read_data("rsa-pkcs8.pem");
    let secrets: Vec<String> =
        pem_lines("rsa-pkcs8.pem").into_iter().chain([API_TOKEN.to_owned()]).collect();
    let oauth = [
        ("OKTA_CLIENT_CLIENTID", "0oa-env-client"),
        ("OKTA_CLIENT_PRIVATEKEY", pem.as_str()),
        ("OKTA_CLIENT_KID", "env-kid"),
    ];
    let oauth_debug = r#"ok Credentials::PrivateKeyJwt { client_id: "0oa-env-client", kid: "env-kid", scopes: "okta.securityEventsProviders.manage", dpop: true, .. }"#;

    // What each case is, its variables, and the start of what `from_env` makes of them.
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case> = vec![
        (
            "an API token",
            vec![("OKTA_CLIENT_TOKEN", API_TOKEN)],
            "ok Credentials::ApiToken([redacted])",
        ),
        ("an OAuth client with PEM text", oauth.to_vec(), oauth_debug),
        (
            "an OAuth client with a PEM file and scopes",
            vec![
                ("OKTA_CLIENT_CLIENTID", "0oa-env-client"),
                ("OKTA_CLIENT_PRIVATEKEY", pem_path),
                ("OKTA_CLIENT_KID", "env-kid"),
                (
                    "OKTA_CLIENT_SCOPES",
                    "okta.securityEventsProviders.read, okta.securityEventsProviders.manage",
                ),
            ],
            r#"ok Credentials::PrivateKeyJwt { client_id: "0oa-env-client", kid: "env-kid", scopes: "okta.securityEventsProviders.read okta.securityEventsProviders.manage", dpop: true, .. }"#,
        ),
        (
            "both, no mode: the token",
            [("OKTA_CLIENT_TOKEN", API_TOKEN)].into_iter().chain(oauth).collect(),
            "ok Credentials::ApiToken([redacted])",
        ),
        (
            "both, mode PrivateKey",
            [("OKTA_CLIENT_TOKEN", API_TOKEN), ("OKTA_CLIENT_AUTHORIZATIONMODE", "PrivateKey")]
                .into_iter()
                .chain(oauth)
                .collect(),
            oauth_debug,
        ),
        (
            "nothing",
            vec![],
            "err no management credentials: set OKTA_CLIENT_TOKEN (an API token), or OKTA_CLIENT_CLIENTID, OKTA_CLIENT_PRIVATEKEY and OKTA_CLIENT_KID (an API service app) / NoCredentials",
        ),
        (
            "mode PrivateKey without a client id",
            vec![("OKTA_CLIENT_TOKEN", API_TOKEN), ("OKTA_CLIENT_AUTHORIZATIONMODE", "PrivateKey")],
            "err management credentials: OKTA_CLIENT_AUTHORIZATIONMODE is PrivateKey but OKTA_CLIENT_CLIENTID is not set",
        ),
        (
            "mode SSWS without a token",
            [("OKTA_CLIENT_AUTHORIZATIONMODE", "SSWS")].into_iter().chain(oauth).collect(),
            "err management credentials: OKTA_CLIENT_AUTHORIZATIONMODE is SSWS but OKTA_CLIENT_TOKEN is not set",
        ),
        (
            "an unknown mode",
            [("OKTA_CLIENT_AUTHORIZATIONMODE", "Basic")].into_iter().chain(oauth).collect(),
            "err management credentials: OKTA_CLIENT_AUTHORIZATIONMODE must be SSWS or PrivateKey",
        ),
        (
            "a client id without a key",
            vec![("OKTA_CLIENT_CLIENTID", "0oa-env-client"), ("OKTA_CLIENT_KID", "env-kid")],
            "err management credentials: OKTA_CLIENT_CLIENTID is set but OKTA_CLIENT_PRIVATEKEY is not",
        ),
        (
            "a key without a kid",
            oauth[..2].to_vec(),
            "err management credentials: OKTA_CLIENT_KID is not set",
        ),
        (
            "a key file that is not there",
            vec![
                ("OKTA_CLIENT_CLIENTID", "0oa-env-client"),
                ("OKTA_CLIENT_PRIVATEKEY", "/nonexistent/okta-ssf/key.pem"),
                ("OKTA_CLIENT_KID", "env-kid"),
            ],
            "err management credentials: cannot read the file OKTA_CLIENT_PRIVATEKEY names",
        ),
    ];
    for (what, vars, expected) in cases {
        let got = from_env(&vars);
        assert!(got.starts_with(expected), "{what}: {got}");
        for secret in &secrets {
            assert!(!got.contains(secret.as_str()), "{what} shows a secret: {got}");
        }
    }

    // A public key where the private one belongs: the key's error, without the key.
    let public = read_data("rsa-public.pem");
    let got = from_env(&[
        ("OKTA_CLIENT_CLIENTID", "0oa-env-client"),
        ("OKTA_CLIENT_PRIVATEKEY", &public),
        ("OKTA_CLIENT_KID", "env-kid"),
    ]);
    assert!(got.starts_with("err the OAuth client's key: the PEM holds a public key"), "{got}");
}

// ---------------------------------------------------------------------------------------------
// Redaction

fn signature_of(jwt: &str) -> String {
    jwt.rsplit('.').next().unwrap_or_default().to_owned()
}

fn assert_clean(what: &str, text: &str, secrets: &[String]) {
    for secret in secrets {
        assert!(!text.contains(secret.as_str()), "{what} shows a secret ({secret}): {text}");
    }
}

fn assert_no_secret(what: &str, err: &ProviderError, secrets: &[String]) {
    assert_clean(&format!("{what} Display"), &err.to_string(), secrets);
    assert_clean(&format!("{what} Debug"), &format!("{err:?}"), secrets);
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        assert_clean(&format!("{what} source"), &s.to_string(), secrets);
        source = s.source();
    }
}

/// Every client assertion and DPoP proof the server saw, and their signatures.
fn jwts_seen(seen: &[SeenRequest]) -> Vec<String> {
    let mut jwts = Vec::new();
    for request in seen {
        if let Some(proof) = request.header("dpop") {
            jwts.push(proof);
        }
        if is_token_request(request) {
            jwts.push(form(&request.body)["client_assertion"].clone());
        }
    }
    let signatures: Vec<String> = jwts.iter().map(|j| signature_of(j)).collect();
    jwts.extend(signatures);
    jwts
}

/// The access token of the redaction tests: long, so that a piece of it means a leak.
const LONG_ACCESS_TOKEN: &str = "at-canary-5d8f1b2e9c7a4f6e0b3d8a1c";

#[test]
fn no_secret_in_debug_or_display() {
    let mut secrets: Vec<String> = vec![API_TOKEN.to_owned(), LONG_ACCESS_TOKEN.to_owned()];
    secrets.extend(pem_lines("rsa-pkcs8.pem"));

    // The credentials and the clients.
    let token = Credentials::api_token(API_TOKEN);
    assert_eq!(format!("{token:?}"), "Credentials::ApiToken([redacted])");
    let oauth = Credentials::private_key_jwt(CLIENT_ID, app_key());
    let debug = format!("{oauth:?}");
    assert!(debug.contains(CLIENT_ID) && debug.contains(KID), "{debug}");
    assert_clean("Credentials Debug", &debug, &secrets);

    // An SSWS client refused.
    let server = ScriptedServer::start(vec![json_answer("401 Unauthorized", INVALID_TOKEN_401)]);
    let ssws_origin = server.origin();
    let ssws = with_api_token(&ssws_origin);
    assert!(format!("{ssws:?}").contains(r#"auth: "SSWS""#), "{ssws:?}");
    assert_clean("Providers Debug", &format!("{ssws:?}"), &secrets);
    let mut errors = vec![("SSWS 401", ssws.list().expect_err("refused"))];

    // An OAuth client that got a token, then Okta failed: its errors and Debug after the token.
    let server = ScriptedServer::start(vec![
        answer(
            "400 Bad Request",
            &[("Content-Type", "application/json"), ("DPoP-Nonce", "n-1")],
            USE_DPOP_NONCE,
        ),
        token_answer("DPoP", LONG_ACCESS_TOKEN),
        json_answer("500 Internal Server Error", SERVER_500),
    ]);
    let providers = with_oauth(&server.origin(), oauth);
    errors.push(("OAuth 500", providers.list().expect_err("Okta failed")));
    errors.push(("OAuth 500 again", providers.activate(WELL_KNOWN_ID).expect_err("failed")));
    let debug = format!("{providers:?}");
    assert!(debug.contains(r#"auth: "OAuth with DPoP""#), "{debug}");
    assert_clean("OAuth Providers Debug", &debug, &secrets);
    let seen = server.requests();
    assert_eq!(seen.len(), 2 + 3 + 3);
    secrets.extend(jwts_seen(&seen));

    // The token endpoint refusing the client.
    let server = ScriptedServer::start(vec![json_answer(
        "400 Bad Request",
        r#"{"error":"invalid_scope","error_description":"The following scopes are not allowed: okta.securityEventsProviders.manage"}"#,
    )]);
    let refused = with_oauth(&server.origin(), Credentials::private_key_jwt(CLIENT_ID, app_key()));
    errors.push(("invalid_scope", refused.list().expect_err("refused")));
    secrets.extend(jwts_seen(&server.requests()));

    // Nothing listening, and what is refused before sending.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let nowhere = with_oauth(
        &format!("http://127.0.0.1:{port}"),
        Credentials::private_key_jwt(CLIENT_ID, app_key()),
    );
    errors.push(("no connection", nowhere.list().expect_err("no server")));
    errors.push(("bad id", ssws.get("../x").expect_err("refused")));
    errors.push((
        "empty token",
        Providers::new(builder(&ssws_origin), Credentials::api_token("")).expect_err("refused"),
    ));

    assert!(matches!(errors[3].1, ProviderError::OAuth(_)), "{:?}", errors[3].1);
    assert!(matches!(errors[4].1, ProviderError::Http(_)), "{:?}", errors[4].1);
    for (what, err) in &errors {
        assert_no_secret(what, err, &secrets);
    }
}

// ---------------------------------------------------------------------------------------------
// Log lines

/// Each record's thread (tests run side by side), level, target and text.
struct Capture(Mutex<Vec<(ThreadId, log::Level, String, String)>>);

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        let line = (
            std::thread::current().id(),
            record.level(),
            record.target().to_owned(),
            record.args().to_string(),
        );
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(line);
    }
    fn flush(&self) {}
}

static CAPTURE: Capture = Capture(Mutex::new(Vec::new()));
static INSTALL: Once = Once::new();

/// Every log line of every target, at every level. No line holds a whole secret. Lines at
/// `Debug` and above (the crate's, ureq's with its redacted headers) hold not even a piece of
/// the tokens. Not so ureq-proto's `Trace` lines: they dump the wire in rows of 16 bytes,
/// `Authorization` and the token request's form included, so a secret is there in pieces; every
/// secret here is longer than a row, and those lines are checked for whole secrets only.
#[test]
fn no_secret_in_log_lines() {
    INSTALL.call_once(|| {
        log::set_logger(&CAPTURE).expect("the only logger in this test binary");
        log::set_max_level(log::LevelFilter::Trace);
    });
    let me = std::thread::current().id();

    // SSWS, with a retry.
    let server = ScriptedServer::start(vec![
        json_answer("503 Service Unavailable", SERVER_500),
        ok_json("[]"),
    ]);
    with_api_token(&server.origin()).list().expect("listed after a retry");

    // OAuth: the token endpoint's nonce, the API's nonce, a retry.
    let server = ScriptedServer::start(vec![
        answer(
            "400 Bad Request",
            &[("Content-Type", "application/json"), ("DPoP-Nonce", "n-1")],
            USE_DPOP_NONCE,
        ),
        token_answer("DPoP", LONG_ACCESS_TOKEN),
        answer(
            "401 Unauthorized",
            &[("WWW-Authenticate", r#"DPoP error="use_dpop_nonce""#), ("DPoP-Nonce", "rs-n-1")],
            "",
        ),
        json_answer("503 Service Unavailable", SERVER_500),
        ok_json(&list_example()),
    ]);
    let providers =
        with_oauth(&server.origin(), Credentials::private_key_jwt(CLIENT_ID, app_key()));
    providers.list().expect("listed");
    let seen = server.requests();
    assert_eq!(seen.len(), 5);

    let mut secrets = vec![API_TOKEN.to_owned(), LONG_ACCESS_TOKEN.to_owned()];
    secrets.extend(pem_lines("rsa-pkcs8.pem"));
    secrets.extend(jwts_seen(&seen));
    for secret in &secrets {
        assert!(secret.len() > 16, "a secret short enough to fit a row of the dump: {secret}");
    }

    let lines: Vec<(log::Level, String, String)> = CAPTURE
        .0
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .iter()
        .filter(|(thread, ..)| *thread == me)
        .map(|(_, level, target, text)| (*level, target.clone(), text.clone()))
        .collect();
    let ours: Vec<&String> =
        lines.iter().filter(|(_, t, _)| t.starts_with("okta_ssf")).map(|(_, _, m)| m).collect();
    for expected in [
        "the token endpoint asked for a DPoP nonce",
        "new DPoP access token for 3600s",
        "the API asked for a DPoP nonce",
        "retrying in",
    ] {
        assert!(ours.iter().any(|m| m.contains(expected)), "no line with {expected:?}: {ours:#?}");
    }
    assert!(lines.iter().any(|(_, t, _)| !t.starts_with("okta_ssf")), "ureq's lines captured too");
    for (level, target, text) in &lines {
        assert_clean(&format!("a {level} line of {target}"), text, &secrets);
    }
    // Above the wire dump: not even a piece of the tokens.
    let pieces: Vec<String> = [API_TOKEN, LONG_ACCESS_TOKEN]
        .iter()
        .flat_map(|s| [s[..12].to_owned(), s[s.len() - 12..].to_owned()])
        .collect();
    for (level, target, text) in lines.iter().filter(|(level, ..)| *level <= log::Level::Debug) {
        assert_clean(&format!("a {level} line of {target}"), text, &pieces);
    }
}

// ---------------------------------------------------------------------------------------------
// Found in review

/// A list of 150 providers (some 75 KB, past the 64 KiB a SET answer may have) is read whole;
/// one past `MAX_ANSWER_BYTES` is a typed error, not "not the API's JSON".
#[test]
fn a_long_list_is_read_and_one_too_long_is_named() {
    let one: Value = serde_json::from_str(ISSUER_EXAMPLE).expect("example");
    let many: Vec<Value> = (0..150)
        .map(|i| {
            let mut provider = one.clone();
            provider["id"] = json!(format!("sse1many{i:04}"));
            provider
        })
        .collect();
    let body = serde_json::to_string(&many).expect("JSON");
    assert!(body.len() > 64 * 1024, "{} bytes", body.len());
    let server = ScriptedServer::start(vec![ok_json(&body)]);
    let listed = with_api_token(&server.origin()).list().expect("a long list");
    assert_eq!(listed.len(), 150);
    assert_eq!(listed[149].id, "sse1many0149");

    let huge = format!("[{}]", vec![ISSUER_EXAMPLE; 2000].join(","));
    assert!(huge.len() as u64 > okta_ssf::provider::MAX_ANSWER_BYTES);
    let server = ScriptedServer::start(vec![ok_json(&huge)]);
    let err = with_api_token(&server.origin()).list().expect_err("too long");
    assert!(matches!(err, ProviderError::AnswerTooLarge(200)), "{err:?}");
}

#[test]
fn urls_with_user_information_or_a_fragment_are_refused() {
    for (url, words) in [
        ("https://user:secret@tx.example.com/jwks.json", "user information"),
        ("https://tx.example.com/jwks.json#keys", "fragment"),
    ] {
        let err =
            ProviderRequest::issuer_and_jwks("n", "https://tx.example.com", url).expect_err(url);
        assert!(err.to_string().contains(words), "{url}: {err}");
        assert!(!err.to_string().contains("secret"), "{err}");
    }
}

/// RFC 9449 §8.2: a server may hand out the next nonce on any answer, a `200` too; the next
/// call's proof carries it, with no `401` first.
#[test]
fn a_nonce_on_a_successful_answer_is_used_next() {
    let server = ScriptedServer::start(vec![
        ok_json(DPOP_TOKEN),
        answer(
            "200 OK",
            &[("Content-Type", "application/json"), ("DPoP-Nonce", "rs-n-2")],
            &list_example(),
        ),
        ok_json(&list_example()),
    ]);
    let origin = server.origin();
    let providers = with_oauth(&origin, Credentials::private_key_jwt(CLIENT_ID, app_key()));
    providers.list().expect("first");
    providers.list().expect("second");
    let seen = server.requests();
    assert_eq!(seen.len(), 3);
    let url = format!("{origin}{PROVIDERS_PATH}");
    let (_, first) = verify_dpop(&proof_of(&seen[1]), "GET", &url);
    let (_, second) = verify_dpop(&proof_of(&seen[2]), "GET", &url);
    assert_eq!(first.get("nonce"), None);
    assert_eq!(second["nonce"], "rs-n-2");
}

/// One `Providers` is meant to be built once and shared between threads, as a `Client` is.
#[test]
fn providers_can_be_shared_between_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<Providers>();
    shared::<Credentials>();
    shared::<ProviderError>();
}

/// The access token is kept until shortly before it expires (a minute, or half its life when
/// that is shorter), then asked for again before the next call, not after a refusal.
#[test]
fn an_access_token_is_renewed_before_it_expires() {
    let short = |token: &str| {
        ok_json(&json!({"token_type": "DPoP", "expires_in": 4, "access_token": token}).to_string())
    };
    let server = ScriptedServer::start(vec![
        short("at-first"),
        ok_json(&list_example()),
        ok_json(&list_example()),
        short("at-second"),
        ok_json(&list_example()),
    ]);
    let providers =
        with_oauth(&server.origin(), Credentials::private_key_jwt(CLIENT_ID, app_key()));
    providers.list().expect("first");
    providers.list().expect("within its life: the same token");
    // Past half of four seconds; the second call came well within it, even on a busy machine.
    std::thread::sleep(Duration::from_millis(2200));
    providers.list().expect("a new token first");
    let seen = server.requests();
    let lines: Vec<&str> = seen.iter().map(request_line).collect();
    assert_eq!(seen.len(), 5, "{lines:?}");
    assert!(is_token_request(&seen[0]) && is_token_request(&seen[3]), "{lines:?}");
    assert_eq!(seen[2].header("authorization").as_deref(), Some("DPoP at-first"));
    assert_eq!(seen[4].header("authorization").as_deref(), Some("DPoP at-second"));
}
