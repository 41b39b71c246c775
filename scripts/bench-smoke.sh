#!/usr/bin/env bash
# CI smoke for the two transport stacks under load: correctness, not speed.
#
# Spawns `turnout serve` from the given binary and runs the glasses scenario on both stacks
# (3 interleaved rounds, 10 s measured in all): small users and apps, JSON events and audio.
# `turnout bench` exits non-zero on any loss, reordering, unexpected close, init error, or when
# the server's /metrics message counters disagree with the bench's counts; so does this script.
#
# Usage:
#   scripts/bench-smoke.sh                  # builds nothing; uses $(swift build --show-bin-path)/turnout
#   scripts/bench-smoke.sh --turnout PATH   # another binary (e.g. a release build)
# Environment: TURNOUT_BIN does the same as --turnout; BENCH_SMOKE_JSON (default
# reports/bench-smoke.json) is where the results go.
set -euo pipefail

cd "$(dirname "$0")/.."

turnout="${TURNOUT_BIN:-}"
while [ $# -gt 0 ]; do
    case "$1" in
        --turnout) turnout="$2"; shift 2 ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
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

exec "$turnout" bench --spawn --stack both --scenario glasses --duration 10s \
    --users 4 --apps 2 --rate 20 --audio-rate 50 --json "$json"
