#!/usr/bin/env bash
# client-ceiling.sh: the Swift bench client's own ceiling, so that every table can say whose limit
# a row hit. `turnout bench` (a SwiftNIO client) runs against the epoll floor of
# `turnout-echo-floor`, a server that costs almost nothing per message: what the client reaches
# there is the most it can offer any server. A Turnout or peer row near this figure measured the
# client, not the server.
#
#   bench/client-ceiling.sh [--turnout BIN] [--floor BIN] [--seconds S] [--out DIR]
#
# Measures echo (100 connections x 100 B) and broadcast (1 -> 16 on the floor's fan-out room),
# the floor pinned to CPU 0 and the bench to CPU 1, as bench/floors.sh and peers-table.sh do.
# Prints one markdown row per scenario: msgs/s, client CPU, server CPU. Needs no ../shared.
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
TURNOUT=$REPO/.build/release/turnout
FLOOR=$REPO/.build/release/turnout-echo-floor
SECS=5
OUT=""
die() { echo "client-ceiling: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --turnout) TURNOUT=$2; shift 2 ;;
    --floor) FLOOR=$2; shift 2 ;;
    --seconds) SECS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
case "$SECS" in ''|*[!0-9]*|0) die "--seconds takes a whole number of seconds >= 1, got '$SECS'" ;; esac
[ -x "$TURNOUT" ] || die "no turnout binary at $TURNOUT: swift build -c release --product turnout, or pass --turnout BIN"
[ -x "$FLOOR" ] || die "no floor binary at $FLOOR: swift build -c release --product turnout-echo-floor, or pass --floor BIN"
taskset -c 0,1 true 2>/dev/null || die "needs CPUs 0 and 1 (taskset)"
OUT=${OUT:-$(mktemp -d /tmp/client-ceiling.XXXX)}
mkdir -p "$OUT" || die "cannot create $OUT"

FPID=""
cleanup() { [ -n "$FPID" ] && kill "$FPID" 2>/dev/null && wait "$FPID" 2>/dev/null; FPID=""; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# measure NAME MODE BENCH-ARGS...: starts a fresh floor, runs the bench against it, keeps its JSON
measure() {
  local name=$1 mode=$2 port i; shift 2
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  taskset -c 0 "$FLOOR" epoll --port "$port" --mode "$mode" >"$OUT/$name.floor.log" 2>&1 &
  FPID=$!
  for i in $(seq 1 100); do curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/" && break; sleep 0.1; done
  echo "taskset -c 1 $TURNOUT bench --url ws://127.0.0.1:$port --server-pid $FPID --stack native --duration ${SECS}s $* --json $OUT/$name.json" >>"$OUT/commands.log"
  taskset -c 1 "$TURNOUT" bench --url "ws://127.0.0.1:$port" --server-pid "$FPID" --stack native \
    --duration "${SECS}s" "$@" --json "$OUT/$name.json" >"$OUT/$name.txt" 2>&1 \
    || echo "client-ceiling: the $name run failed; see $OUT/$name.txt" >&2
  cleanup
}

measure echo echo --scenario echo --connections 100 --size 100
measure broadcast fanout --scenario broadcast --subscribers 16 --size 100

python3 - "$OUT" <<'PY'
import json, sys, os
out = sys.argv[1]
print("| scenario, against the epoll floor | msgs/s (deliveries for broadcast) | bench client CPU (% of its core) | floor CPU (% of its core) |")
print("|---|---:|---:|---:|")
for name, title in [("echo", "echo 100 × 100 B"), ("broadcast", "broadcast 1 → 16")]:
    path = os.path.join(out, name + ".json")
    try:
        d = json.load(open(path))
    except Exception as e:
        print(f"| {title} | failed ({e}) | | |"); continue
    r = (d.get("summary") or [{}])[0]
    rate, client, server = r.get("messagesPerSecond"), r.get("clientCPUPercent"), r.get("serverCPUPercent")
    f = lambda v, fmt: (fmt.format(v) if v is not None else "?")
    print(f"| {title} | {f(rate, '{:,.0f}')} | {f(client, '{:.0f} %')} | {f(server, '{:.0f} %')} |")
print(f"\nRaw: {out} (commands.log, *.json, *.txt)")
PY
