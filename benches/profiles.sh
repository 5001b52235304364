#!/usr/bin/env bash
# Release-profile candidates side by side: the stripped size of `examples/publish` and of the
# `okta-ssf` binary under each, built from scratch into a target directory of its own.
# Usage: bash benches/profiles.sh   (from the repository root; takes several minutes)
# The throughput side of the choice: `bash benches/profiles.sh throughput` runs the throughput
# bench under each candidate (ONLY=... narrows the contenders, as in the bench itself).
set -euo pipefail
cd "$(dirname "$0")/.."

# name, then CARGO_PROFILE_RELEASE_* settings that override Cargo.toml's [profile.release].
configs=(
  "opt3|OPT_LEVEL=3 LTO=false CODEGEN_UNITS=16 PANIC=unwind"
  "opt3+lto+cgu1|OPT_LEVEL=3 LTO=fat CODEGEN_UNITS=1 PANIC=unwind"
  "opt3+lto+cgu1+abort|OPT_LEVEL=3 LTO=fat CODEGEN_UNITS=1 PANIC=abort"
  "opts+lto+cgu1|OPT_LEVEL=s LTO=fat CODEGEN_UNITS=1 PANIC=unwind"
  "opts+lto+cgu1+abort|OPT_LEVEL=s LTO=fat CODEGEN_UNITS=1 PANIC=abort"
)
work=${PROFILES_DIR:-$(mktemp -d)}
size_kib() { cp "$1" "$work/stripped" && strip "$work/stripped" && echo $(( $(stat -c %s "$work/stripped") / 1024 )); }

if [ "${1:-}" = throughput ]; then
  # The same candidates, as the bench profile (which inherits from release), on the throughput
  # bench: what each costs a publish loop. Pinned to one core, as the README's figures are.
  # panic=abort does not apply to benches, so those candidates are left out.
  for entry in "${configs[@]}"; do
    name=${entry%%|*}
    [[ $name == *abort ]] && continue
    vars=()
    for kv in ${entry#*|}; do vars+=("CARGO_PROFILE_BENCH_$kv"); done
    echo "== $name"
    env "${vars[@]}" CARGO_TARGET_DIR="$work/bench-$name" taskset -c 0 \
      cargo bench --quiet --bench throughput 2>/dev/null | grep -E '^(okta-ssf|bare ureq)'
  done
  exit 0
fi

printf '%-24s %14s %14s\n' profile "example KiB" "okta-ssf KiB"
for entry in "${configs[@]}"; do
  name=${entry%%|*}
  vars=()
  for kv in ${entry#*|}; do vars+=("CARGO_PROFILE_RELEASE_$kv"); done
  dir="$work/$name"
  env "${vars[@]}" CARGO_TARGET_DIR="$dir" cargo build --release --quiet --example publish
  env "${vars[@]}" CARGO_TARGET_DIR="$dir" cargo build --release --quiet --features cli --bin okta-ssf
  printf '%-24s %14s %14s\n' "$name" "$(size_kib "$dir/release/examples/publish")" "$(size_kib "$dir/release/okta-ssf")"
done
