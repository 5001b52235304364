//! Memory: 100,000 publishes through one `Client` to a loopback receiver. Peak resident memory
//! (`VmHWM` in `/proc/self/status`) after the first thousand and at the end; the growth must
//! stay under 1 MiB.
//!
//! `cargo bench --bench memory` (knob: REQUESTS).

mod common;

use common::{knob, start_202_server, token_of_size};

fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn main() {
    let total = knob("REQUESTS", 100_000);
    let port = start_202_server();
    let client = okta_ssf::Client::new(&format!("http://127.0.0.1:{port}")).expect("client");
    let token = token_of_size(800);
    for _ in 0..1000 {
        assert!(client.publish(&token).expect("published").is_accepted());
    }
    let (peak_after_warmup, rss_after_warmup) = (status_kib("VmHWM:"), status_kib("VmRSS:"));
    for _ in 1000..total {
        assert!(client.publish(&token).expect("published").is_accepted());
    }
    let (peak_end, rss_end) = (status_kib("VmHWM:"), status_kib("VmRSS:"));
    let growth = peak_end.saturating_sub(peak_after_warmup);
    println!("memory: {total} publishes through one Client");
    println!(
        "peak resident after 1,000: {peak_after_warmup} KiB (resident {rss_after_warmup} KiB)"
    );
    println!("peak resident after {total}: {peak_end} KiB (resident {rss_end} KiB)");
    println!(
        "growth of the peak after the first thousand: {growth} KiB (target under 1024 KiB): {}",
        if growth < 1024 { "met" } else { "MISSED" }
    );
}
