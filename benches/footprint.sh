#!/usr/bin/env bash
# Footprint of okta-ssf: crates in the normal dependency tree, release sizes, the clean build
# time of the default library, and the cold start of `okta-ssf publish --dry-run` on one token.
# Usage: bash benches/footprint.sh   (from the repository root; takes a few minutes)
set -euo pipefail
cd "$(dirname "$0")/.."

count_crates() {
  # shellcheck disable=SC2086 # $1 is one flag or none
  cargo tree -e normal $1 --prefix none --format '{p}' | sed 's/ (\*)//' | sort -u | wc -l
}
median_ms() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f", m}'; }

echo "crates in cargo tree -e normal (the package itself included):"
echo "  default features: $(count_crates "")"
echo "  --all-features:   $(count_crates --all-features)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$(date +%s.%N)
CARGO_TARGET_DIR="$work/clean" cargo build --release --lib --quiet
end=$(date +%s.%N)
echo "clean release build of the default library (dependencies included, $(nproc) cores): $(echo "$end - $start" | bc | xargs printf '%.1f') s"

cargo build --release --quiet --example publish
cargo build --release --quiet --features cli --bin okta-ssf
for bin in target/release/examples/publish target/release/okta-ssf; do
  cp "$bin" "$work/stripped"
  strip "$work/stripped"
  echo "$(basename "$bin") (release, stripped): $(( $(stat -c %s "$work/stripped") / 1024 )) KiB"
done

token=tests/data/valid/session-revoked-rs256.jwt
for _ in 1 2 3; do target/release/okta-ssf publish --dry-run "$token" >/dev/null 2>&1; done
for _ in $(seq 31); do
  s=$(date +%s%N)
  target/release/okta-ssf publish --dry-run "$token" >/dev/null 2>&1
  e=$(date +%s%N)
  echo "scale=3; ($e - $s) / 1000000" | bc
done | median_ms | xargs printf 'cold start, okta-ssf publish --dry-run on one token: median of 31 runs %s ms\n'
for _ in $(seq 31); do
  s=$(date +%s%N)
  /bin/true
  e=$(date +%s%N)
  echo "scale=3; ($e - $s) / 1000000" | bc
done | median_ms | xargs printf '  baseline, /bin/true in the same loop: median %s ms\n'
