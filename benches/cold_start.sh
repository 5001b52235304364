#!/usr/bin/env bash
# Cold start: one `okta-ssf publish` of one token over TLS to a local TLS receiver, a new
# process each time, beside `curl` posting the same bytes. okta-ssf runs with the system's
# certificate store (its default: the machine's bundle, read once per process) and with
# `--no-system-roots` (Mozilla's bundled roots only), so the store's cost shows by difference.
# Every run trusts the receiver through `--root-certs` / `--cacert`.
#
#   bash benches/cold_start.sh        (needs openssl and curl; knob: RUNS, default 40)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-40}
cargo build --release --features cli --quiet
bin=$PWD/target/release/okta-ssf
work=$(mktemp -d)
server_pid=
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
cd "$work"

# A CA and a certificate for localhost, made here.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=bench-ca \
  -keyout ca.key -out ca.pem 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost \
  -keyout server.key -out server.csr 2>/dev/null
printf 'subjectAltName=DNS:localhost\n' >san.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 \
  -extfile san.ext -out server.pem 2>/dev/null

port=$((20000 + RANDOM % 20000))
python3 - "$port" <<'PY' &
import http.server, ssl, sys
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(202)
        self.send_header("content-length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain("server.pem", "server.key")
server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
PY
server_pid=$!
for _ in $(seq 50); do
  curl -s --cacert ca.pem -o /dev/null "https://localhost:$port/" -X POST && break
  sleep 0.1
done

"$bin" sign --key "$OLDPWD/tests/data/ec-p256-pkcs8.pem" --kid bench \
  --iss https://transmitter.example.com --aud "https://localhost:$port" \
  --event session-revoked --user-email jane@example.com >token.jwt

python3 - "$runs" "$bin" "$port" <<'PY'
import statistics, subprocess, sys, time
runs, bin, port = int(sys.argv[1]), sys.argv[2], sys.argv[3]
domain = f"localhost:{port}"
contenders = {
    "curl --cacert": ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", "ca.pem",
                      "-H", "Content-Type: application/secevent+jwt", "-H", "Accept: application/json",
                      "--data-binary", "@token.jwt", f"https://{domain}/security/api/v1/security-events"],
    "okta-ssf publish (system store)": [bin, "publish", "-q", "-d", domain, "--root-certs", "ca.pem", "token.jwt"],
    "okta-ssf publish --no-system-roots": [bin, "publish", "-q", "-d", domain, "--no-system-roots",
                                           "--root-certs", "ca.pem", "token.jwt"],
}
times = {name: [] for name in contenders}
for _ in range(runs):
    # In alternation, so that each sees the same moments of a shared machine.
    for name, command in contenders.items():
        start = time.perf_counter()
        out = subprocess.run(command, capture_output=True, text=True)
        times[name].append((time.perf_counter() - start) * 1000)
        if out.returncode != 0 or (name.startswith("curl") and out.stdout != "202"):
            sys.exit(f"{name} failed: {out.stdout} {out.stderr}")
curl = statistics.median(times["curl --cacert"])
print(f"cold start, one token over TLS to a local receiver: {runs} runs each, in alternation")
print(f"{'contender':<36} {'median ms':>10} {'/ curl':>8}")
for name, values in times.items():
    m = statistics.median(values)
    print(f"{name:<36} {m:>10.1f} {m / curl:>8.2f}")
store = statistics.median(times["okta-ssf publish (system store)"]) - statistics.median(times["okta-ssf publish --no-system-roots"])
print(f"reading the system store costs {store:.1f} ms a process")
PY
