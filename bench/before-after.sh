#!/usr/bin/env bash
# Two builds of turnout, before and after a change, on echo and broadcast, in one session,
# interleaved, on both stacks: how docs/benchmarks.md checks that a change did not regress.
#
#   BEFORE=path/to/old/turnout AFTER=path/to/new/turnout bench/before-after.sh [ROUNDS] [SECONDS]
#   (default 3 rounds, 5 s per measurement; build each with `swift build -c release --product turnout`
#   in its own worktree)
#
# One client binary for every measurement (the after build's `turnout bench`), pinned to core 1;
# each measurement gets a fresh `turnout serve --echo` of the before or the after build, pinned
# to core 0, measured with --url and --server-pid (bench --spawn can only start its own binary).
# Per round, for each scenario and stack, before and after run back to back; the order of the
# two alternates between rounds (odd rounds before first, even rounds after first).
set -uo pipefail

ROUNDS=${1:-3}
SECS=${2:-5}
BEFORE=${BEFORE:?set BEFORE to the old build of turnout}
AFTER=${AFTER:?set AFTER to the new build of turnout}
CLIENT=$AFTER
OUT=${OUT:-reports/before-after}
mkdir -p "$OUT"
CONF=$(mktemp -d /tmp/bench-ba.XXXXXX)
"$CLIENT" bench --write-apps-yaml 16 --webhook-port 7010 > "$CONF/apps.yaml"
cat > "$CONF/flags.yaml" <<'YAML'
version: 1
flags:
  native-transport:
    description: bench-before-after
    enabled: true
    percentage: 0
    salt: native-transport
    endpoints: [glasses, app]
    users:
      native: []
      compat: []
    unidentified: compat
    on_change: keep
YAML
export AUGMENTOS_AUTH_JWT_SECRET=bench-before-after-secret-of-32-bytes-or-more
unset TURNOUT_DEV

SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; fi
  rm -rf "$CONF"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_health() { # public port, pid (/health is on the public port)
  for _ in $(seq 1 200); do
    kill -0 "$2" 2>/dev/null || return 1
    curl -fs "http://127.0.0.1:$1/health" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}

measure() { # version binary scenario stack round
  local version=$1 bin=$2 scenario=$3 stack=$4 r=$5
  local port admin; port=$(free_port); admin=$(free_port)
  taskset -c 0 "$bin" serve --echo --host 127.0.0.1 --port "$port" --admin-port "$admin" \
    --flags "$CONF/flags.yaml" --apps "$CONF/apps.yaml" --log-level warning > "$CONF/server.log" 2>&1 &
  SERVER_PID=$!
  if ! wait_health "$port" "$SERVER_PID"; then
    echo "round $r $scenario $stack $version: server did not start: $(tail -n 3 "$CONF/server.log")" >&2
    kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=""; return
  fi
  local args
  case "$scenario" in
    echo) args=(--scenario echo --connections 100 --size 100) ;;
    broadcast) args=(--scenario broadcast --subscribers 16 --size 100) ;;
  esac
  echo "round $r/$ROUNDS: $scenario $stack $version (server pid $SERVER_PID, load $(cut -d' ' -f1 /proc/loadavg))" >&2
  taskset -c 1 timeout 120 "$CLIENT" bench --url "ws://127.0.0.1:$port" --admin-url "http://127.0.0.1:$admin" \
    --server-pid "$SERVER_PID" "${args[@]}" --stack "$stack" --duration "${SECS}s" --quiet \
    --json "$OUT/$scenario-$stack-$version-$r.json" > "$CONF/bench.out" 2>&1 \
    || echo "round $r $scenario $stack $version: bench exit $?: $(grep -iE 'error|lost|drop|FAILED' "$CONF/bench.out" | head -n 3 | tr '\n' ' ')" >&2
  kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=""
}

echo "start $(date -u +%FT%TZ); load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for r in $(seq 1 "$ROUNDS"); do
  if [ $((r % 2)) -eq 1 ]; then ORDER=(before after); else ORDER=(after before); fi
  for scenario in echo broadcast; do
    for stack in compat native; do
      for v in "${ORDER[@]}"; do
        if [ "$v" = before ]; then bin=$BEFORE; else bin=$AFTER; fi
        measure "$v" "$bin" "$scenario" "$stack" "$r"
      done
    done
  done
done
echo "end $(date -u +%FT%TZ); load $(cut -d' ' -f1-3 /proc/loadavg)" >&2

python3 - "$OUT" "$ROUNDS" <<'PY'
import json, os, statistics, sys
d, rounds = sys.argv[1], int(sys.argv[2])
def load(sc, st, v, r):
    p = os.path.join(d, f"{sc}-{st}-{v}-{r}.json")
    if not os.path.exists(p): return None
    s = json.load(open(p))["summary"][0]
    s["us"] = s["serverCPUPercent"] * 1e4 / s["messagesPerSecond"] if s.get("serverCPUPercent") is not None and s.get("messagesPerSecond") else None
    return s
def med(xs): xs = [x for x in xs if x is not None]; return statistics.median(xs) if xs else None
def fms(x): return f"{x/1000:.2f} ms" if x >= 1000 else f"{x:.0f} µs"
print("| scenario | stack | msgs/s before | after | after/before | server µs/msg before | after | after/before | p99 before | after | after/before | errors+drops+reordered |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for sc, title in (("echo", "echo 100 × 100 B"), ("broadcast", "broadcast 1 → 16, 100 B (deliveries/s)")):
    for st in ("compat", "native"):
        b = [load(sc, st, "before", r) for r in range(1, rounds + 1)]
        a = [load(sc, st, "after", r) for r in range(1, rounds + 1)]
        b = [x for x in b if x]; a = [x for x in a if x]
        if not (a and b):
            print(f"| {title} | {st} | not measured |"); continue
        bad = sum(x["errors"] + x["drops"] + x["reordered"] for x in a + b)
        cells = []
        for key, fmt in (("messagesPerSecond", lambda x: f"{x:,.0f}"), ("us", lambda x: f"{x:.2f}"), ("p99Micros", fms)):
            mb, ma = med([x.get(key) for x in b]), med([x.get(key) for x in a])
            cells += [fmt(mb), fmt(ma), f"{ma/mb:.2f}×"]
        print(f"| {title} | {st} | " + " | ".join(cells) + f" | {bad} ({len(b)}+{len(a)} runs) |")
print()
print("per round (before → after, after/before):")
for sc in ("echo", "broadcast"):
    for st in ("compat", "native"):
        for r in range(1, rounds + 1):
            b, a = load(sc, st, "before", r), load(sc, st, "after", r)
            if not (a and b): continue
            print(f"  {sc:9} {st:6} r{r}: msgs/s {b['messagesPerSecond']:>9,.0f} → {a['messagesPerSecond']:>9,.0f} ({a['messagesPerSecond']/b['messagesPerSecond']:.2f}×)"
                  f"  µs/msg {b['us']:.2f} → {a['us']:.2f} ({a['us']/b['us']:.2f}×)"
                  f"  p99 {fms(b['p99Micros'])} → {fms(a['p99Micros'])}"
                  f"  server CPU {b['serverCPUPercent']:.0f}/{a['serverCPUPercent']:.0f} %  client CPU {b['clientCPUPercent']:.0f}/{a['clientCPUPercent']:.0f} %")
PY
