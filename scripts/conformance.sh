#!/usr/bin/env bash
# Autobahn conformance gate for both transport stacks on /echo-ws.
#
# Runs the Autobahn TestSuite cases 1-7, 9 and 10 (12.* and 13.*, compression, excluded) with
# kosoku against ws://HOST:PORT/echo-ws?stack=native and ?stack=compat, prints a per-stack summary
# and exits non-zero unless every verdict is OK, NON-STRICT or INFORMATIONAL.
#
# Usage:
#   scripts/conformance.sh                       # builds nothing; starts $(swift build --show-bin-path)/turnout
#   scripts/conformance.sh --turnout PATH        # starts `PATH serve --dev --echo --port P` on a free port
#   scripts/conformance.sh --url ws://127.0.0.1:8002   # uses a server that is already running
# Environment: TURNOUT_BIN or TURNOUT_CONFORMANCE_URL do the same as the options;
# CONFORMANCE_PARALLELISM (default 2); CONFORMANCE_OUT (default reports/conformance).
# The server's /echo-ws must accept `?stack=native|compat` and use maxMessageSize 16 MiB (case 9).
set -euo pipefail

cd "$(dirname "$0")/.."

turnout="${TURNOUT_BIN:-}"
base_url="${TURNOUT_CONFORMANCE_URL:-}"
while [ $# -gt 0 ]; do
    case "$1" in
        --turnout) turnout="$2"; shift 2 ;;
        --url) base_url="$2"; shift 2 ;;
        -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done

parallelism="${CONFORMANCE_PARALLELISM:-2}"
out="${CONFORMANCE_OUT:-reports/conformance}"

if ! command -v kosoku >/dev/null 2>&1 || [ "$(python3 -m pip show kosoku 2>/dev/null | sed -n 's/^Version: //p')" != "0.1.0" ]; then
    python3 -m pip install --quiet kosoku==0.1.0
fi

server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
}
trap cleanup EXIT

if [ -z "$base_url" ]; then
    if [ -z "$turnout" ]; then
        turnout="$(swift build --show-bin-path)/turnout"
    fi
    if [ ! -x "$turnout" ]; then
        echo "no turnout binary at $turnout (build it with 'swift build --product turnout', or pass --turnout or --url)" >&2
        exit 2
    fi
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
    mkdir -p "$out"
    "$turnout" serve --dev --echo --host 127.0.0.1 --port "$port" --admin-port 0 >"$out/server.log" 2>&1 &
    server_pid=$!
    # Wait (at most 60 s) until the port accepts connections.
    python3 - "$port" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.2)
sys.exit("server did not start listening on port %d within 60 s" % port)
PY
    base_url="ws://127.0.0.1:$port"
fi

cases=(-i '1.*' -i '2.*' -i '3.*' -i '4.*' -i '5.*' -i '6.*' -i '7.*' -i '9.*' -i '10.*' -x '12.*' -x '13.*')
mkdir -p "$out"
status=0
for stack in native compat; do
    url="$base_url/echo-ws?stack=$stack"
    echo "== $stack: $url"
    rm -rf "$out/$stack"
    # kosoku exits 1 when a case fails; the verdicts are read from its report either way.
    kosoku "${cases[@]}" -p "$parallelism" -o "$out/$stack" "$url" >"$out/$stack.log" 2>&1 || true
    if ! python3 - "$out/$stack/index.json" "$stack" <<'PY'
import collections, json, sys
path, stack = sys.argv[1], sys.argv[2]
try:
    with open(path) as f:
        index = json.load(f)
except OSError as error:
    sys.exit(f"{stack}: no report ({error}); see the kosoku log")
allowed = {"OK", "NON-STRICT", "INFORMATIONAL"}
verdicts, closes, bad = collections.Counter(), collections.Counter(), []
for agent, cases in index.items():
    for case, result in cases.items():
        verdicts[result["behavior"]] += 1
        closes[result["behaviorClose"]] += 1
        if result["behavior"] not in allowed:
            bad.append((case, result["behavior"], result["behaviorClose"]))
total = sum(verdicts.values())
print(f"{stack}: {total} cases: " + ", ".join(f"{k} {v}" for k, v in sorted(verdicts.items())))
print(f"{stack}: closing behaviour: " + ", ".join(f"{k} {v}" for k, v in sorted(closes.items())))
key = lambda c: [int(p) for p in c[0].split(".")]
for case, behavior, close in sorted(bad, key=key):
    print(f"{stack}:   {case}: {behavior} (close {close})")
if total == 0 or bad:
    sys.exit(1)
PY
    then
        status=1
    fi
done

if [ "$status" -ne 0 ]; then
    echo "conformance: FAILED (reports in $out/)" >&2
else
    echo "conformance: both stacks OK (reports in $out/)"
fi
exit "$status"
