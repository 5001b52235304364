//! Cost of the pre-send check on an 800-byte and a 4 KiB token, beside what it cannot avoid
//! doing (parsing the claims' JSON with serde_json), and of signing when the `sign` feature is
//! on.
//!
//! The check and its baseline run in alternation, round by round, so that both see the same
//! moments of a shared machine; each round's ratio is kept, and the medians are reported.
//!
//! `cargo bench --bench check` (knobs: ROUNDS, ITERS); `--features sign` adds signing.

mod common;

use std::hint::black_box;
use std::time::Instant;

use common::{knob, median, token_of_size};

/// Nanoseconds per call of `f`, over `iters` calls.
fn per_call(iters: usize, f: &mut impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..iters {
        f();
    }
    start.elapsed().as_nanos() as f64 / iters as f64
}

/// The median time of `f` over `rounds` rounds.
fn time_ns(rounds: usize, iters: usize, mut f: impl FnMut()) -> f64 {
    per_call(iters / 10, &mut f);
    let mut rounds: Vec<f64> = (0..rounds).map(|_| per_call(iters, &mut f)).collect();
    median(&mut rounds)
}

/// `a` and `b` timed in alternation: the median of each, and the median of their ratio.
fn side_by_side(
    rounds: usize,
    iters: usize,
    mut a: impl FnMut(),
    mut b: impl FnMut(),
) -> (f64, f64, f64) {
    per_call(iters / 10, &mut a);
    per_call(iters / 10, &mut b);
    let (mut ta, mut tb, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let (x, y) = (per_call(iters, &mut a), per_call(iters, &mut b));
        ta.push(x);
        tb.push(y);
        ratio.push(x / y);
    }
    (median(&mut ta), median(&mut tb), median(&mut ratio))
}

fn main() {
    let rounds = knob("ROUNDS", 31);
    let iters = knob("ITERS", 10_000);
    println!("check: {rounds} rounds x {iters} calls, check and baseline alternating");
    println!("{:<44} {:>12}", "operation", "median ns");
    for size in [800, 4096] {
        let token = token_of_size(size);
        let checked = okta_ssf::check_token(&token).expect("valid");
        let claims_json = serde_json::to_vec(&checked.claims()).expect("json");
        let (check, floor, ratio) = side_by_side(
            rounds,
            iters,
            || {
                black_box(okta_ssf::check_token(black_box(&token)).is_ok());
            },
            || {
                black_box(serde_json::from_slice::<serde_json::Value>(black_box(&claims_json)))
                    .ok();
            },
        );
        println!("{:<44} {check:>12.0}", format!("check_token, {}-byte token", token.len()));
        println!("{:<44} {floor:>12.0}", "  baseline: serde_json parse of its claims");
        println!("{:<44} {ratio:>12.2}", "  median ratio check / baseline");
        if size == 800 {
            println!(
                "check_token on 800 bytes under 3 us (guard): {}",
                if check < 3000.0 { "met" } else { "MISSED" }
            );
        }
    }
    #[cfg(feature = "sign")]
    sign(rounds, iters / 50);
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
        println!("{:<44} {ns:>12.0}", format!("sign_claims, {}", key.algorithm()));
    }
}
