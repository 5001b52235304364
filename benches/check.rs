//! Cost of the pre-send check on an 800-byte and a 4 KiB token, beside what it cannot avoid
//! doing (decoding the base64url and parsing the JSON of the claims), and of signing when the
//! `sign` feature is on.
//!
//! `cargo bench --bench check` (knobs: ROUNDS, ITERS); `--features sign` adds signing.

mod common;

use std::hint::black_box;
use std::time::Instant;

use common::{knob, median, token_of_size};

fn time_ns(rounds: usize, iters: usize, mut f: impl FnMut()) -> f64 {
    for _ in 0..iters / 10 {
        f();
    }
    let mut per_call: Vec<f64> = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..iters {
                f();
            }
            start.elapsed().as_nanos() as f64 / iters as f64
        })
        .collect();
    median(&mut per_call)
}

/// The floor under any check: parse the claims JSON (already decoded).
fn parse_claims_only(claims_json: &[u8]) -> serde_json::Value {
    serde_json::from_slice(claims_json).expect("json")
}

fn main() {
    let rounds = knob("ROUNDS", 15);
    let iters = knob("ITERS", 20_000);
    println!("check: median of {rounds} rounds x {iters} calls");
    println!("{:<44} {:>12}", "operation", "median ns");
    for size in [800, 4096] {
        let token = token_of_size(size);
        let checked = okta_ssf::check_token(&token).expect("valid");
        let claims_json = serde_json::to_vec(checked.claims()).expect("json");
        let check = time_ns(rounds, iters, || {
            black_box(okta_ssf::check_token(black_box(&token)).is_ok());
        });
        let floor = time_ns(rounds, iters, || {
            black_box(parse_claims_only(black_box(&claims_json)));
        });
        println!(
            "{:<44} {check:>12.0}",
            format!("check_token, {}-byte token", token.len())
        );
        println!(
            "{:<44} {floor:>12.0}",
            format!("  baseline: serde_json parse of its claims")
        );
        println!("{:<44} {:>12.2}", "  ratio check / baseline", check / floor);
        if size == 800 {
            println!(
                "check_token on 800 bytes under 5 us (target): {}",
                if check < 5000.0 { "met" } else { "MISSED" }
            );
        }
    }
    #[cfg(feature = "sign")]
    sign(rounds, iters / 100);
}

#[cfg(feature = "sign")]
fn sign(rounds: usize, iters: usize) {
    use okta_ssf::sign::{Event, SetBuilder, SigningKey, Subject};
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/");
    for (file, kid) in [("rsa-pkcs8.pem", "rsa"), ("ec-p256-pkcs8.pem", "ec")] {
        let key = SigningKey::from_pem(&std::fs::read(format!("{dir}{file}")).expect("key"), kid)
            .expect("key");
        let claims = SetBuilder::new("https://transmitter.example.com", "https://acme.okta.com")
            .iat(1_764_460_800)
            .jti("bench")
            .event(
                Event::session_revoked(Subject::user_email("jane@example.com"))
                    .reason_admin("bench"),
            )
            .build()
            .expect("claims");
        let ns = time_ns(rounds, iters.max(10), || {
            black_box(key.sign_claims(black_box(&claims)).expect("signed"));
        });
        println!(
            "{:<44} {ns:>12.0}",
            format!("sign_claims, {}", key.algorithm())
        );
    }
}
