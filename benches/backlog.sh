#!/usr/bin/env bash
# A backlog of signed tokens published by the `okta-ssf` command to its own local receiver:
#   - to `serve --delay 20` (every answer takes 20 ms, like a far-away receiver) with
#     `--concurrency` 1, 4 and 8: the rate against the N / 20 ms that N requests in flight allow
#     (target: at least 0.85 of it);
#   - to `serve --rate-limit 100/5` (an Okta-like window): the time against the limit's own pace,
#     with the client's pacing (target: within 1.2 of it, no failure and no 429).
#
#   bash benches/backlog.sh        (knobs: TOKENS, default 2000; LIMITED, default 600)
set -euo pipefail
cd "$(dirname "$0")/.."
tokens=${TOKENS:-2000}
limited=${LIMITED:-600}
cargo build --release --features cli --quiet
bin=target/release/okta-ssf
work=$(mktemp -d)
serve_pid=
cleanup() { [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

iss=https://transmitter.example.com
aud=https://example.okta.com
key=tests/data/ec-p256-pkcs8.pem
"$bin" jwks --key "$key" --kid backlog >"$work/jwks.json"
for _ in $(seq "$tokens"); do
  "$bin" sign --key "$key" --kid backlog --iss "$iss" --aud "$aud" \
    --event session-revoked --user-email jane@example.com
done >"$work/tokens.jwt"

port=$((20000 + RANDOM % 20000))
serve() {
  "$bin" serve --jwks "$work/jwks.json" --iss "$iss" --aud "$aud" --listen "127.0.0.1:$port" \
    --log "$work/serve.log" "$@" 2>/dev/null &
  serve_pid=$!
  for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return
    sleep 0.1
  done
  echo "serve did not start" >&2
  exit 1
}
stop() { kill "$serve_pid"; wait "$serve_pid" 2>/dev/null || true; serve_pid=; }
# Seconds a publish run takes; its summary goes to $work/summary.
publish() {
  local start end
  start=$(date +%s.%N)
  "$bin" publish --domain "http://127.0.0.1:$port" "$@" >/dev/null 2>"$work/summary" || true
  end=$(date +%s.%N)
  python3 -c "print(f'{$end - $start:.2f}')"
}

printf '%-34s %8s %10s %12s %8s\n' run seconds "tokens/s" "of target" result
serve --delay 20
for n in 1 4 8; do
  secs=$(publish --concurrency "$n" "$work/tokens.jwt")
  python3 - "$n" "$secs" "$tokens" "$(tail -n 1 "$work/summary")" <<'PY'
import sys
n, secs, tokens, summary = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rate, target = tokens / secs, n / 0.020
verdict = "met" if rate >= 0.85 * target and summary.startswith(f"{tokens} accepted") else "MISSED"
print(f"{'delay 20 ms, concurrency ' + str(n):<34} {secs:>8.2f} {rate:>10.0f} {rate / target:>12.2f} {verdict:>8}")
print(f"  {summary}")
PY
done
stop

serve --rate-limit 100/5
head -n "$limited" "$work/tokens.jwt" >"$work/limited.jwt"
secs=$(publish --concurrency 4 "$work/limited.jwt")
refused=$(grep -c '"status":429' "$work/serve.log" || true)
python3 - "$secs" "$limited" "$refused" "$(tail -n 1 "$work/summary")" <<'PY'
import sys
secs, tokens, refused, summary = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
# The limit's own pace: 100 requests in each 5 s window, the last window not waited out.
pace = (tokens / 100 - 1) * 5
ok = secs <= 1.2 * pace and refused == 0 and summary.startswith(f"{tokens} accepted")
print(f"{'rate limit 100/5 s, concurrency 4':<34} {secs:>8.2f} {tokens / secs:>10.0f} {pace / secs:>12.2f} {'met' if ok else 'MISSED':>8}")
print(f"  {summary}; {refused} answers were 429; the limit's pace: {pace:.0f} s")
PY
stop
