//! The local receiver under load: 8 clients publishing 1,000 tokens each at once all get their
//! answers, and the receiver's memory stays flat. In a test binary of its own, so that no other
//! test shares the process whose memory it measures.
#![cfg(feature = "receiver")]

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use okta_ssf::receiver::{Jwks, Receiver, ReceiverConfig};
use okta_ssf::sign::{Event, InitiatingEntity, SetBuilder, SigningKey, Subject, jwks};
use okta_ssf::{Client, Status};

const ISS: &str = "https://transmitter.example.com";
const AUD: &str = "https://example.okta.com";

/// Counts the log lines the receiver writes, without keeping them.
#[derive(Clone, Default)]
struct LineCount(Arc<Mutex<usize>>);

impl Write for LineCount {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        *self.0.lock().expect("lock") += buf.iter().filter(|&&b| b == b'\n').count();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn session_revoked() -> Event {
    Event::session_revoked(Subject::user_email("jane@acme.com"))
        .initiating_entity(InitiatingEntity::Policy)
        .reason_admin("Malware")
}

fn resident_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

#[test]
fn eight_clients_publishing_a_thousand_tokens_each() {
    let lines = LineCount::default();
    let key = SigningKey::generate_p256("test-key").expect("key");
    let config = ReceiverConfig::new(Jwks::from_value(&jwks(&[&key])).expect("jwks"), &[ISS], AUD)
        .log(Box::new(lines.clone()));
    let receiver = Receiver::start("127.0.0.1:0", config).expect("start");
    let key = Arc::new(key);
    let round = |offset: usize| {
        let workers: Vec<_> = (0..8)
            .map(|c| {
                let (key, origin) = (key.clone(), receiver.origin());
                std::thread::spawn(move || {
                    let client = Client::new(&origin).expect("client");
                    let mut accepted = 0;
                    for i in 0..500 {
                        let token = SetBuilder::new(ISS, AUD)
                            .jti(&format!("load-{c}-{}", offset + i))
                            .event(session_revoked())
                            .sign(&key)
                            .expect("signed");
                        if client.publish(&token).expect("answered") == Status::Accepted {
                            accepted += 1;
                        }
                    }
                    accepted
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().expect("worker")).sum::<usize>()
    };
    assert_eq!(round(0), 4000);
    let halfway = resident_kib();
    assert_eq!(round(500), 4000);
    let end = resident_kib();
    // The second 4,000 requests cost no memory the first did not (the receiver remembers the
    // `jti`s it saw; 4,000 more are well within its bound).
    assert!(
        end.saturating_sub(halfway) < 4 * 1024,
        "resident memory grew from {halfway} KiB to {end} KiB"
    );
    assert_eq!(*lines.0.lock().expect("lock"), 8000);
}
