#!/usr/bin/env bash
# How often each client reads /etc/hosts (the start of every name lookup through getaddrinfo)
# while publishing to http://localhost over a kept-alive connection: bare ureq, which looks the
# name up for every request, beside okta-ssf's client, which keeps the addresses for 60 s.
#
#   bash benches/lookups.sh        (needs strace; knob: REQUESTS, default 1000)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v strace >/dev/null || { echo "strace is needed (apt-get install strace)" >&2; exit 1; }
requests=${REQUESTS:-1000}
bench=$(cargo bench --bench throughput --no-run --message-format=json 2>/dev/null |
  python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "throughput" and m.get("executable"):
        print(m["executable"])')
trace=$(mktemp)
trap 'rm -f "$trace"' EXIT
printf '%-32s %10s %16s\n' contender requests "/etc/hosts reads"
for contender in "bare ureq to localhost" "okta-ssf to localhost"; do
  ONLY="$contender" ROUNDS=1 REQUESTS=$requests strace -f -qq -e trace=openat -o "$trace" "$bench" --bench >/dev/null
  reads=$(grep -c '"/etc/hosts"' "$trace" || true)
  # Each round also sends 500 warm-up requests.
  printf '%-32s %10s %16s\n' "$contender" "$((requests + 500))" "$reads"
done
