#!/usr/bin/env bash
# CI smoke for the two transport stacks under load: correctness, not speed.
#
# Spawns `turnout serve` from the given binary and runs the glasses scenario on both stacks
# (3 interleaved rounds, 10 s measured in all): small users and apps, JSON events and audio.
# Then a short ramp under load (issue 12 §4): the flag goes 0 → 100 → 0 % with on_change:
# migrate, one step every 3 s, while 20 users with an app each keep sending; every moved socket
# must reconnect onto its new stack and nothing sent on an open socket may be lost (about 15 s).
# `turnout bench` exits non-zero on any loss, reordering, unexpected close, init error, lost
# session, or when the server's /metrics message counters disagree with the bench's counts; so
# does this script.
#
# Usage:
#   scripts/bench-smoke.sh                  # builds nothing; uses $(swift build --show-bin-path)/turnout
#   scripts/bench-smoke.sh --turnout PATH   # another binary (e.g. a release build)
# Environment: TURNOUT_BIN does the same as --turnout; BENCH_SMOKE_JSON (default
# reports/bench-smoke.json) is where the results go, and the ramp's beside it (-ramp.json).
set -euo pipefail

cd "$(dirname "$0")/.."

turnout="${TURNOUT_BIN:-}"
while [ $# -gt 0 ]; do
    case "$1" in
        --turnout) turnout="$2"; shift 2 ;;
        -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
if [ -z "$turnout" ]; then
    turnout="$(swift build --show-bin-path)/turnout"
fi
if [ ! -x "$turnout" ]; then
    echo "no turnout binary at $turnout (build it with 'swift build --product turnout', or pass --turnout)" >&2
    exit 2
fi

json="${BENCH_SMOKE_JSON:-reports/bench-smoke.json}"
mkdir -p "$(dirname "$json")"

"$turnout" bench --spawn --stack both --scenario glasses --duration 10s \
    --users 4 --apps 2 --rate 20 --audio-rate 50 --json "$json"

exec "$turnout" bench --spawn --scenario glasses --ramp 0,100,0 --every 3s \
    --users 20 --apps 1 --rate 10 --audio-rate 20 --json "${json%.json}-ramp.json"
