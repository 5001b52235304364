//! The local receiver: tokens made elsewhere, round trips with the client, load, and hostile
//! clients on raw sockets.
#![cfg(feature = "receiver")]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{b64url, read_data};
use okta_ssf::lint::EventType;
use okta_ssf::receiver::{Jwks, Receiver, ReceiverConfig};
use okta_ssf::sign::{
    ComplianceStatus, Event, InitiatingEntity, RiskLevel, SetBuilder, SigningKey, Subject, jwks,
};
use okta_ssf::{Client, ClientBuilder, ErrorCode, RetryPolicy, Status, TokenCheck};
use serde_json::Value;

const ISS: &str = "https://transmitter.example.com";
const AUD: &str = "https://example.okta.com";

/// Log lines written by the receiver, kept for the test to read.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl Write for Log {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Log {
    fn lines(&self) -> Vec<Value> {
        let bytes = self.0.lock().expect("lock").clone();
        String::from_utf8_lossy(&bytes)
            .lines()
            .map(|l| serde_json::from_str(l).expect("JSON line"))
            .collect()
    }
}

fn vector_receiver() -> (Receiver, Log) {
    let log = Log::default();
    let jwks = Jwks::from_json(&read_data("jwks.json")).expect("jwks");
    let config = ReceiverConfig::new(jwks, &[ISS], AUD).log(Box::new(log.clone()));
    (Receiver::start("127.0.0.1:0", config).expect("start"), log)
}

/// A client that sends whatever it is given (the receiver is what judges here), once.
fn raw_client(receiver: &Receiver) -> Client {
    ClientBuilder::new(&receiver.origin())
        .token_check(TokenCheck::Skip)
        .retry(RetryPolicy::never())
        .build()
        .expect("client")
}

fn rejection(status: Status) -> (ErrorCode, String) {
    match status {
        Status::Rejected(r) => (r.code().clone(), r.description().unwrap_or_default().to_owned()),
        other => panic!("expected a rejection, got {other:?}"),
    }
}

#[test]
fn every_valid_vector_is_accepted_and_logged() {
    let (receiver, log) = vector_receiver();
    let client = raw_client(&receiver);
    let manifest: Value = serde_json::from_str(&read_data("manifest.json")).expect("manifest");
    for name in manifest["valid"].as_array().expect("valid") {
        let token = read_data(&format!("valid/{}", name.as_str().expect("name")));
        assert_eq!(client.publish(&token).expect("answered"), Status::Accepted, "{name}");
    }
    let lines = log.lines();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["verdict"], "accepted");
    assert_eq!(lines[0]["status"], 202);
    assert_eq!(lines[0]["iss"], ISS);
    assert_eq!(lines[0]["jti"], "vector-jti-2");
    assert_eq!(lines[0]["event_type"], EventType::DeviceRiskChange.uri());
    assert_eq!(lines[0]["event"]["current_level"], "high");
    assert!(lines[0]["time"].as_str().expect("time").ends_with('Z'));
    // Accepted, and still flagged: the vectors were signed on 2025-11-30, and Okta drops a
    // stale `iat` without a word.
    assert_eq!(lines[0]["warnings"], serde_json::json!(["`iat` is more than a day old"]));
}

#[test]
fn every_invalid_vector_is_refused_as_invalid_request() {
    let (receiver, _log) = vector_receiver();
    let client = raw_client(&receiver);
    let manifest: Value = serde_json::from_str(&read_data("manifest.json")).expect("manifest");
    for name in manifest["invalid"].as_object().expect("invalid").keys() {
        let token = read_data(&format!("invalid/{name}"));
        let (code, description) = rejection(client.publish(&token).expect("answered"));
        assert_eq!(code, ErrorCode::InvalidRequest, "{name}");
        let reason = okta_ssf::check_token(&token).map(|_| ()).expect_err(name).to_string();
        assert_eq!(description, format!("Invalid security event token: {reason}"), "{name}");
    }
}

#[test]
fn a_changed_signature_byte_fails_authentication_and_an_unknown_kid_is_an_invalid_key() {
    let (receiver, _log) = vector_receiver();
    let client = raw_client(&receiver);
    let token = read_data("valid/session-revoked-rs256.jwt").trim().to_owned();
    let (signing_input, signature) = token.rsplit_once('.').expect("three parts");
    let mut sig = base64_decode(signature);
    sig[10] ^= 0x01;
    let tampered = format!("{signing_input}.{}", b64url(&sig));
    let (code, description) = rejection(client.publish(&tampered).expect("answered"));
    assert_eq!(code, ErrorCode::AuthenticationFailed);
    assert_eq!(
        description,
        "Could not verify message signature, Verification failed for kid=vector-rsa-1"
    );

    let key = SigningKey::from_pem(read_data("rsa-pkcs8.pem").as_bytes(), "not-in-the-jwks")
        .expect("key");
    let token = SetBuilder::new(ISS, AUD).event(session_revoked()).sign(&key).expect("signed");
    let (code, description) = rejection(client.publish(&token).expect("answered"));
    assert_eq!(
        (code, description.as_str()),
        (ErrorCode::InvalidKey, "No key found for kid=not-in-the-jwks")
    );
}

fn base64_decode(s: &str) -> Vec<u8> {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let (mut acc, mut bits, mut out) = (0u32, 0u32, Vec::new());
    for c in s.bytes() {
        let v = alphabet.iter().position(|&a| a == c).expect("base64url") as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

fn session_revoked() -> Event {
    Event::session_revoked(Subject::user_email("jane@acme.com"))
        .initiating_entity(InitiatingEntity::Policy)
        .reason_admin("Malware")
}

fn all_six() -> Vec<Event> {
    let user = || Subject::user_email("jane@acme.com");
    vec![
        session_revoked(),
        Event::device_compliance_change(
            Subject::device("d-1"),
            ComplianceStatus::NotCompliant,
            ComplianceStatus::Compliant,
        )
        .reason_admin("x"),
        Event::device_risk_change(Subject::device("d-1"), RiskLevel::High, RiskLevel::Low)
            .reason_admin("x"),
        Event::user_risk_change(user(), RiskLevel::Medium, RiskLevel::Low).reason_admin("x"),
        Event::ip_change(
            user(),
            "198.51.100.1".parse().expect("ip"),
            "198.51.100.2".parse().expect("ip"),
        )
        .reason_admin("x"),
        Event::identifier_changed(user()).new_value("j@acme.com"),
    ]
}

/// A receiver trusting a fresh key, and the key.
fn own_receiver(log: &Log) -> (Receiver, SigningKey) {
    let key = SigningKey::generate_p256("test-key").expect("key");
    let config = ReceiverConfig::new(Jwks::from_value(&jwks(&[&key])).expect("jwks"), &[ISS], AUD)
        .log(Box::new(log.clone()));
    (Receiver::start("127.0.0.1:0", config).expect("start"), key)
}

#[test]
fn round_trip_for_all_six_event_types_and_repeated_jtis() {
    let log = Log::default();
    let (receiver, key) = own_receiver(&log);
    let client = Client::new(&receiver.origin()).expect("client");
    for event in all_six() {
        let token = SetBuilder::new(ISS, AUD).event(event).sign(&key).expect("signed");
        assert_eq!(client.publish(&token).expect("answered"), Status::Accepted);
    }
    let token =
        SetBuilder::new(ISS, AUD).jti("same").event(session_revoked()).sign(&key).expect("signed");
    assert_eq!(client.publish(&token).expect("answered"), Status::Accepted);
    assert_eq!(
        client.publish(&token).expect("answered"),
        Status::Accepted,
        "a repeat is answered 202, like Okta"
    );
    let verdicts: Vec<String> =
        log.lines().iter().map(|l| l["verdict"].as_str().unwrap_or_default().to_owned()).collect();
    assert_eq!(
        verdicts,
        [
            "accepted",
            "accepted",
            "accepted",
            "accepted",
            "accepted",
            "accepted",
            "accepted",
            "duplicate"
        ]
    );
}

#[test]
fn issuer_audience_and_event_rules() {
    let log = Log::default();
    let (receiver, key) = own_receiver(&log);
    let client = Client::new(&receiver.origin()).expect("client");
    let publish = |iss: &str, aud: &str, event: Event| {
        let token = SetBuilder::new(iss, aud).event(event).sign(&key).expect("signed");
        rejection(client.publish(&token).expect("answered"))
    };
    assert_eq!(
        publish("https://other.example", AUD, session_revoked()),
        (ErrorCode::InvalidIssuer, "Invalid issuer".into())
    );
    assert_eq!(
        publish(ISS, "https://example.okta.com/", session_revoked()),
        (ErrorCode::InvalidAudience, "Invalid audience".into())
    );

    let member = |name: &str, value: Value| {
        let mut members = serde_json::Map::new();
        members.insert(
            "subject".into(),
            serde_json::json!({"device": {"format": "opaque", "id": "d"}}),
        );
        members.insert("current_status".into(), "compliant".into());
        members.insert(name.into(), value);
        Event::custom(EventType::DeviceComplianceChange.uri(), members)
    };
    let prefix = "Failed claim validation in security event token.";
    assert_eq!(
        publish(ISS, AUD, member("reason_admin", serde_json::json!({"en": "x"}))),
        (
            ErrorCode::InvalidRequest,
            format!(
                "{prefix} 'events.mediationDeviceComplianceChangeEvent.previousStatus': The field cannot be left blank"
            )
        )
    );
    assert_eq!(
        publish(ISS, AUD, member("previous_status", "NOT-COMPLIANT".into())),
        (
            ErrorCode::InvalidRequest,
            format!(
                "{prefix} 'events.mediationDeviceComplianceChangeEvent.previousStatus': Not one of the allowed values"
            )
        )
    );
    let mut camel = serde_json::Map::new();
    camel.insert("subject".into(), serde_json::json!({}));
    camel.insert("currentLevel".into(), "high".into());
    camel.insert("current_level".into(), "high".into());
    camel.insert("previous_level".into(), "low".into());
    assert_eq!(
        publish(ISS, AUD, Event::custom(EventType::UserRiskChange.uri(), camel)),
        (
            ErrorCode::InvalidRequest,
            format!("{prefix} 'events.userRiskChangeEvent.currentLevel': Unrecognized field")
        )
    );
    assert_eq!(
        publish(ISS, AUD, Event::custom("https://example.com/event", serde_json::Map::new())),
        (ErrorCode::InvalidRequest, format!("{prefix} 'events': Unsupported event type"))
    );
}

fn raw_exchange(receiver: &Receiver, bytes: &[u8]) -> String {
    let mut stream = TcpStream::connect(receiver.local_addr()).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    let _ = stream.write_all(bytes);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

fn still_serves(receiver: &Receiver) {
    let token = read_data("valid/session-revoked-rs256.jwt");
    assert_eq!(raw_client(receiver).publish(&token).expect("answered"), Status::Accepted);
}

#[test]
fn routing_and_content_type() {
    let (receiver, log) = vector_receiver();
    let token = read_data("valid/session-revoked-rs256.jwt");
    let request = |method: &str, path: &str, content_type: &str| {
        format!(
            "{method} {path} HTTP/1.1\r\nhost: x\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{token}",
            token.len()
        )
    };
    let answer =
        raw_exchange(&receiver, request("POST", "/other", "application/secevent+jwt").as_bytes());
    assert!(answer.starts_with("HTTP/1.1 404 "), "{answer}");
    let answer = raw_exchange(
        &receiver,
        request("GET", "/security/api/v1/security-events", "application/secevent+jwt").as_bytes(),
    );
    assert!(answer.starts_with("HTTP/1.1 405 ") && answer.contains("allow: POST"), "{answer}");
    let answer = raw_exchange(
        &receiver,
        request("POST", "/security/api/v1/security-events", "application/json").as_bytes(),
    );
    assert!(answer.starts_with("HTTP/1.1 400 "), "{answer}");
    assert!(
        answer.contains("content-type: application/json")
            && answer.contains("content-language: en-US"),
        "{answer}"
    );
    assert!(answer.ends_with(r#"{"description":"Content-Type must be application/secevent+jwt","err":"invalid_request"}"#), "{answer}");
    let answer = raw_exchange(
        &receiver,
        request(
            "POST",
            "/security/api/v1/security-events",
            "application/secevent+jwt; charset=utf-8",
        )
        .as_bytes(),
    );
    assert!(answer.starts_with("HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n"), "{answer}");
    // Every request is a log line, those answered before a verdict too.
    let verdicts: Vec<(String, u64)> = log
        .lines()
        .iter()
        .map(|l| {
            (
                l["verdict"].as_str().unwrap_or_default().to_owned(),
                l["status"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    let expected = [
        ("not_found", 404),
        ("method_not_allowed", 405),
        ("invalid_request", 400),
        ("accepted", 202),
    ];
    assert_eq!(verdicts, expected.map(|(v, s)| (v.to_owned(), s)));
}

#[test]
fn hostile_clients_get_an_error_or_a_closed_connection() {
    let (receiver, _log) = vector_receiver();
    // Garbage.
    let answer = raw_exchange(&receiver, b"\x00\x01\x02 garbage \xff\xfe\r\n\r\n");
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 400 "), "{answer}");
    still_serves(&receiver);
    // An oversized header block.
    let huge = format!(
        "POST /security/api/v1/security-events HTTP/1.1\r\nx-filler: {}\r\n\r\n",
        "a".repeat(64 * 1024)
    );
    let answer = raw_exchange(&receiver, huge.as_bytes());
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 431 "), "{answer}");
    still_serves(&receiver);
    // A body larger than declared: the extra bytes are read as a next request, which is garbage.
    let token = read_data("valid/session-revoked-rs256.jwt");
    let over = format!(
        "POST /security/api/v1/security-events HTTP/1.1\r\ncontent-type: application/secevent+jwt\r\ncontent-length: 10\r\n\r\n{token}"
    );
    let answer = raw_exchange(&receiver, over.as_bytes());
    assert!(answer.starts_with("HTTP/1.1 400 "), "{answer}");
    still_serves(&receiver);
    // A declared body over the limit.
    let answer = raw_exchange(
        &receiver,
        b"POST /security/api/v1/security-events HTTP/1.1\r\ncontent-length: 99999999\r\n\r\n",
    );
    assert!(answer.starts_with("HTTP/1.1 413 "), "{answer}");
    still_serves(&receiver);
    // A client that stops halfway through its body and hangs up.
    {
        let mut stream = TcpStream::connect(receiver.local_addr()).expect("connect");
        let _ = stream.write_all(b"POST /security/api/v1/security-events HTTP/1.1\r\ncontent-type: application/secevent+jwt\r\ncontent-length: 500\r\n\r\neyJhbGci");
    }
    still_serves(&receiver);
    // Chunked bodies are not taken.
    let answer = raw_exchange(&receiver, b"POST /security/api/v1/security-events HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n");
    assert!(answer.starts_with("HTTP/1.1 411 "), "{answer}");
    still_serves(&receiver);
}

#[test]
fn a_slow_client_is_timed_out_and_others_are_served() {
    let log = Log::default();
    let jwks = Jwks::from_json(&read_data("jwks.json")).expect("jwks");
    let config = ReceiverConfig::new(jwks, &[ISS], AUD)
        .log(Box::new(log))
        .read_timeout(Duration::from_millis(300));
    let receiver = Receiver::start("127.0.0.1:0", config).expect("start");
    let mut slow = TcpStream::connect(receiver.local_addr()).expect("connect");
    slow.write_all(b"POST /security/api/v1/security-events HTTP/1.1\r\n").expect("write");
    still_serves(&receiver);
    slow.set_read_timeout(Some(Duration::from_secs(3))).expect("timeout");
    let mut rest = Vec::new();
    let started = std::time::Instant::now();
    let _ = slow.read_to_end(&mut rest);
    assert!(started.elapsed() < Duration::from_secs(2), "the server closed the idle connection");
}

#[test]
fn a_client_trickling_its_request_is_cut_off_at_the_read_timeout() {
    let jwks = Jwks::from_json(&read_data("jwks.json")).expect("jwks");
    let config = ReceiverConfig::new(jwks, &[ISS], AUD)
        .log(Box::new(Log::default()))
        .read_timeout(Duration::from_millis(500));
    let receiver = Receiver::start("127.0.0.1:0", config).expect("start");
    let mut slow = TcpStream::connect(receiver.local_addr()).expect("connect");
    let started = std::time::Instant::now();
    // A byte every 50 ms would take a minute for this request; each byte keeps a per-read
    // timeout alive, but not the per-request one.
    let request = b"POST /security/api/v1/security-events HTTP/1.1\r\nx-filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
    let mut cut_off = false;
    for byte in request {
        if slow.write_all(&[*byte]).is_err() {
            cut_off = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
        if started.elapsed() > Duration::from_secs(5) {
            break;
        }
    }
    // The receiver closed the connection: writes fail, or reads see the end.
    slow.set_read_timeout(Some(Duration::from_secs(2))).expect("timeout");
    let mut rest = Vec::new();
    let closed = cut_off || slow.read_to_end(&mut rest).is_ok();
    assert!(closed && started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
    still_serves(&receiver);
}

#[test]
fn connections_over_the_bound_are_turned_away() {
    let jwks = Jwks::from_json(&read_data("jwks.json")).expect("jwks");
    let config =
        ReceiverConfig::new(jwks, &[ISS], AUD).log(Box::new(Log::default())).max_connections(2);
    let receiver = Receiver::start("127.0.0.1:0", config).expect("start");
    let _a = TcpStream::connect(receiver.local_addr()).expect("a");
    let _b = TcpStream::connect(receiver.local_addr()).expect("b");
    // The two connections are counted once the receiver has accepted them.
    let turned_away = (0..100).any(|_| {
        std::thread::sleep(Duration::from_millis(20));
        raw_exchange(&receiver, b"GET / HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 503 ")
    });
    assert!(turned_away, "a third connection is answered 503");
    drop((_a, _b));
    // Their slots come back once the receiver sees them closed.
    let served = (0..100).any(|_| {
        std::thread::sleep(Duration::from_millis(20));
        raw_exchange(&receiver, b"GET / HTTP/1.1\r\nconnection: close\r\n\r\n")
            .starts_with("HTTP/1.1 404 ")
    });
    assert!(served, "served again after the others left");
    still_serves(&receiver);
}

#[test]
fn a_jwks_url_is_fetched_cached_and_refetched_for_an_unknown_kid_at_most_once_a_minute() {
    use httpmock::prelude::*;
    let server = MockServer::start();
    let jwks_mock = server.mock(|when, then| {
        when.method(GET).path("/jwks.json");
        then.status(200).header("content-type", "application/json").body(read_data("jwks.json"));
    });
    let config = ReceiverConfig::with_jwks_url(&server.url("/jwks.json"), &[ISS], AUD)
        .expect("fetched")
        .log(Box::new(Log::default()));
    let receiver = Receiver::start("127.0.0.1:0", config).expect("start");
    jwks_mock.assert_calls(1);
    let client = raw_client(&receiver);
    for name in ["valid/session-revoked-rs256.jwt", "valid/device-risk-change-es256.jwt"] {
        assert_eq!(client.publish(&read_data(name)).expect("answered"), Status::Accepted);
    }
    jwks_mock.assert_calls(1); // cached
    let stranger = SigningKey::generate_p256("rotated-key").expect("key");
    for _ in 0..3 {
        let token =
            SetBuilder::new(ISS, AUD).event(session_revoked()).sign(&stranger).expect("signed");
        assert_eq!(rejection(client.publish(&token).expect("answered")).0, ErrorCode::InvalidKey);
    }
    jwks_mock.assert_calls(2); // one refetch for the unknown kid, then not again within a minute
}

#[test]
fn verdict_debug_hides_claim_values() {
    let log = Log::default();
    let (receiver, key) = own_receiver(&log);
    let token = SetBuilder::new(ISS, AUD)
        .jti("secret-jti-31337")
        .event(
            Event::session_revoked(Subject::user_email("secret.person@example.com"))
                .reason_admin("x"),
        )
        .sign(&key)
        .expect("signed");
    let verdict = receiver.judge(Some("application/secevent+jwt"), token.as_bytes());
    assert_eq!(verdict.status(), 202);
    let debug = format!("{verdict:?}");
    assert!(!debug.contains("secret"), "{debug}");
    assert!(debug.contains("status: 202"), "{debug}");
}

#[test]
fn a_rate_limit_and_a_delay_answer_as_okta_does() {
    let jwks = Jwks::from_json(&read_data("jwks.json")).expect("jwks");
    let config = ReceiverConfig::new(jwks, &[ISS], AUD)
        .log(Box::new(Log::default()))
        .delay(Duration::from_millis(100))
        .rate_limit(2, Duration::from_secs(60));
    let receiver = Receiver::start("127.0.0.1:0", config).expect("start");
    let url = format!("{}/security/api/v1/security-events", receiver.origin());
    let agent: ureq::Agent =
        ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let token = read_data("valid/session-revoked-rs256.jwt");
    let mut answers = Vec::new();
    for _ in 0..3 {
        let started = std::time::Instant::now();
        let mut answer = agent
            .post(&url)
            .header("Content-Type", "application/secevent+jwt")
            .send(token.trim())
            .expect("answer");
        assert!(started.elapsed() >= Duration::from_millis(100), "{:?}", started.elapsed());
        let header =
            |name: &str| answer.headers().get(name).map(|v| v.to_str().expect("ascii").to_owned());
        let seen = (
            answer.status().as_u16(),
            header("x-rate-limit-limit"),
            header("x-rate-limit-remaining"),
            header("x-rate-limit-reset"),
            header("date"),
        );
        let body = answer.body_mut().read_to_string().expect("body");
        answers.push((seen, body));
    }
    let reset = answers[0].0.3.clone().expect("reset").parse::<u64>().expect("seconds");
    let date = httpdate::parse_http_date(answers[0].0.4.as_deref().expect("date")).expect("date");
    let now = date.duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_secs();
    assert!((now + 59..=now + 60).contains(&reset), "reset {reset}, date {now}");
    let remaining: Vec<_> = answers
        .iter()
        .map(|((status, limit, left, ..), _)| (*status, limit.as_deref(), left.as_deref()))
        .collect();
    assert_eq!(
        remaining,
        [(202, Some("2"), Some("1")), (202, Some("2"), Some("0")), (429, Some("2"), Some("0"))]
    );
    let body: Value = serde_json::from_str(&answers[2].1).expect("JSON");
    assert_eq!(body["errorCode"], "E0000047");
    assert_eq!(body["errorSummary"], "API call exceeded rate limit due to too many requests.");
}

/// `Jwks::holds`: the key under a `kid` compared with a JWK by its numbers, so a published RSA
/// modulus with a leading zero byte still matches; another key or an unknown `kid` do not.
#[test]
fn a_jwks_tells_whether_it_holds_a_keys_public_half() {
    let rsa = SigningKey::from_pem(read_data("rsa-pkcs8.pem").as_bytes(), "r1").expect("rsa");
    let ec = SigningKey::from_pem(read_data("ec-p256-pkcs8.pem").as_bytes(), "e1").expect("ec");
    let mut padded = rsa.jwk();
    let n = b64url_decode(padded["n"].as_str().expect("n"));
    padded["n"] = Value::String(b64url(&[&[0u8][..], &n].concat()));
    let jwks = Jwks::from_value(&jwks(&[&ec])).expect("jwks");
    let with_padding = Jwks::from_value(&serde_json::json!({"keys": [padded]})).expect("jwks");

    assert_eq!(jwks.holds("e1", &ec.jwk()), Some(true));
    assert_eq!(with_padding.holds("r1", &rsa.jwk()), Some(true));
    let other = SigningKey::generate_p256("e1").expect("another key");
    assert_eq!(jwks.holds("e1", &other.jwk()), Some(false));
    assert_eq!(jwks.holds("e1", &rsa.jwk()), Some(false));
    assert_eq!(jwks.holds("nope", &ec.jwk()), None);
}

fn b64url_decode(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text).expect("base64url")
}
