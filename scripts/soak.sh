#!/usr/bin/env bash
# The soak: the glasses workload with churn against a spawned `turnout serve`, watching the
# server's RSS, descriptors and threads for growth (issue 15 §4; docs/operations.md, "Soak").
#
# `turnout bench --churn` does the work: 20 users with 2 apps each (JSON events at 5/s and
# audio at 10/s per user: the soak is about churn, not throughput, and a heavier load saturates
# a debug build on a shared 2-core machine), and every 10 s a step of churn: 2 users leave and 2 join, the flag
# moves to the next of 0,25,50,100,50,25 with on_change: migrate (every moved socket gets 1012
# and reconnects), one app is stopped and started again from the glasses, and one app stops
# reading for 4 s. At the end of each step, once every user is back with every app running, it
# samples the server's /proc into a CSV. It fails (exit 1) on any loss, lost session or
# unexpected close, or if after the warm-up (20 % of the run, at least 60 s) RSS grows more than
# 5 % or descriptors or threads grow at all. This script then draws the samples as an SVG.
#
# Usage:
#   scripts/soak.sh [--turnout PATH] [--minutes N] [--out DIR]
# Defaults: $(swift build --show-bin-path)/turnout (or $TURNOUT_BIN), 2 minutes, reports/soak.
# Writes DIR/soak.csv (the samples), DIR/soak.json (the whole report), DIR/soak.svg (the curve).
set -euo pipefail

cd "$(dirname "$0")/.."

turnout="${TURNOUT_BIN:-}"
minutes=2
out=reports/soak
while [ $# -gt 0 ]; do
    case "$1" in
        --turnout) turnout="$2"; shift 2 ;;
        --minutes) minutes="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
case "$minutes" in
    ''|*[!0-9]*) echo "--minutes takes a whole number of minutes from 1 to 60; got '$minutes'" >&2; exit 2 ;;
esac
if [ "$minutes" -lt 1 ] || [ "$minutes" -gt 60 ]; then
    echo "--minutes takes a whole number of minutes from 1 to 60; got $minutes" >&2
    exit 2
fi
if [ -z "$turnout" ]; then
    turnout="$(swift build --show-bin-path)/turnout"
fi
if [ ! -x "$turnout" ]; then
    echo "no turnout binary at $turnout (build it with 'swift build --product turnout', or pass --turnout)" >&2
    exit 2
fi
mkdir -p "$out"

status=0
"$turnout" bench --scenario glasses --spawn --ramp 0,25,50,100,50,25 --churn --duration "${minutes}m" --every 10s \
    --users 20 --apps 2 --rate 5 --audio-rate 10 --samples "$out/soak.csv" --json "$out/soak.json" || status=$?

# The warm-up the bench judged by: 20 % of the run, at least 60 s.
warmup=$(( minutes * 12 > 60 ? minutes * 12 : 60 ))
if [ -s "$out/soak.csv" ]; then
    python3 scripts/soak-plot.py "$out/soak.csv" --warmup "$warmup" \
        --title "turnout soak, ${minutes} min: server resources at the end of every 10 s step" > "$out/soak.svg"
    echo "soak: samples in $out/soak.csv, curve in $out/soak.svg"
fi
exit "$status"
