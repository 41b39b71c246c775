#!/usr/bin/env bash
# The ramp guard's proof runs (issue 12, docs/benchmarks.md "The ramp guard"): a spawned server
# under `turnout bench --scenario glasses --stack split:50`, its native-transport flag carrying a
# guard with windows of a few seconds, with and without injected faults.
#
#   trip-closes   native:close=1011,rate=0.05: must trip on abnormal_closes within `consecutive`
#                 bad windows
#   trip-delay    native:delay=5ms,rate=0.2 (a fifth of native's messages 5 ms late): must trip
#                 on handling_p99
#   healthy       no fault: must never trip
#
# Usage:
#   scripts/guard-drill.sh trip-closes [--runs N]           # default 1 run of 30 s, seeds 1..N
#   scripts/guard-drill.sh trip-delay [--runs N]
#   scripts/guard-drill.sh healthy [--runs N] [--duration 60s]   # default 20 runs of 60 s
#   scripts/guard-drill.sh healthy --runs 1 --duration 10m
# Environment: TURNOUT_BIN (default: the release build, else the debug one); GUARD_DRILL_OUT
# (default .build/guard-drill) keeps each run's output; GUARD_DRILL_GUARD overrides the guard
# block (default window=3s,min_samples=100,consecutive=3). Prints one line per run and a
# summary; exits 1 when any run contradicts its mode (a trip run that did not trip, a healthy
# run that tripped or was not clean).
set -euo pipefail

cd "$(dirname "$0")/.."
mode="${1:-}"
shift || true
runs=""
duration=""
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs="$2"; shift 2 ;;
        --duration) duration="$2"; shift 2 ;;
        *) echo "guard-drill: unknown option $1" >&2; exit 2 ;;
    esac
done
case "$mode" in
    trip-closes) fault="native:close=1011,rate=0.05"; signal="abnormal_closes"; runs="${runs:-1}"; duration="${duration:-30s}" ;;
    trip-delay) fault="native:delay=5ms,rate=0.2"; signal="handling_p99"; runs="${runs:-1}"; duration="${duration:-30s}" ;;
    healthy) fault=""; signal=""; runs="${runs:-20}"; duration="${duration:-60s}" ;;
    *) echo "usage: scripts/guard-drill.sh trip-closes|trip-delay|healthy [--runs N] [--duration D]" >&2; exit 2 ;;
esac

turnout="${TURNOUT_BIN:-}"
if [ -z "$turnout" ]; then
    turnout="$(swift build -c release --show-bin-path)/turnout"
    [ -x "$turnout" ] || turnout="$(swift build --show-bin-path)/turnout"
fi
[ -x "$turnout" ] || { echo "guard-drill: no turnout binary at $turnout; build it first" >&2; exit 2; }
guard_block="${GUARD_DRILL_GUARD:-window=3s,min_samples=100,consecutive=3}"
out="${GUARD_DRILL_OUT:-.build/guard-drill}/$mode-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"

echo "guard-drill $mode: $runs run(s) of $duration, guard $guard_block, fault ${fault:-none}, $turnout"
bad=0
tripped=0
for seed in $(seq 1 "$runs"); do
    args=(bench --spawn --scenario glasses --stack split:50 --users 400 --apps 1 --rate 1 --audio-rate 0
        --duration "$duration" --quiet --guard "$guard_block")
    [ -n "$fault" ] && args+=(--server-fault "$fault" --fault-seed "$seed")
    status=0
    "$turnout" "${args[@]}" >"$out/run-$seed.txt" 2>&1 || status=$?
    line="$(grep '^guard: ' "$out/run-$seed.txt" || echo 'guard: (no guard line; see the output)')"
    echo "seed $seed (bench exit $status): $line"
    case "$line" in
        "guard: tripped on $signal "*) [ -n "$signal" ] && tripped=$((tripped + 1)) || bad=$((bad + 1)) ;;
        "guard: tripped"*) tripped=$((tripped + 1)); bad=$((bad + 1)) ;;
        "guard: armed"*) [ -n "$signal" ] && bad=$((bad + 1)) ;;
        *) bad=$((bad + 1)) ;;
    esac
    # A healthy run must also be clean: no loss, no reordering, no error.
    if [ -z "$fault" ] && [ "$status" -ne 0 ]; then bad=$((bad + 1)); fi
done
echo "guard-drill $mode: $tripped of $runs run(s) tripped; $bad contradicted the mode; outputs in $out"
[ "$bad" -eq 0 ]
