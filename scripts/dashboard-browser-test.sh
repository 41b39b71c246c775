#!/usr/bin/env bash
# The admin dashboard (GET / on the admin port) in headless Chromium, from Debian's package.
#
# Starts `turnout serve` on free loopback ports with a 50 % flag, puts the glasses workload on
# both stacks with `turnout bench --url … --stack split:50` in the background, then runs
# scripts/dashboard-browser-test.py: it opens the page, waits for the charts, checks the figures
# against /admin/compare, saves a screenshot, edits flags.yaml and expects the page to show it
# within 5 s. About 10 s (plus --settle: seconds of history before the screenshot).
#
# Usage:
#   scripts/dashboard-browser-test.sh [--turnout PATH] [--screenshot FILE.png] [--settle SECONDS]
# Default binary: $(swift build --show-bin-path)/turnout; default screenshot: reports/dashboard.png.
set -euo pipefail
cd "$(dirname "$0")/.."

turnout="${TURNOUT_BIN:-}"
screenshot="reports/dashboard.png"
settle=0
while [ $# -gt 0 ]; do
    case "$1" in
        --turnout) turnout="$2"; shift 2 ;;
        --screenshot) screenshot="$2"; shift 2 ;;
        --settle) settle="$2"; shift 2 ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
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
if ! command -v chromium >/dev/null; then
    echo "chromium not found: apt-get install -y chromium (README, Set up)" >&2
    exit 2
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port="$(free_port)"
admin_port="$(free_port)"
webhook_port="$(free_port)"
work="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

export AUGMENTOS_AUTH_JWT_SECRET="dashboard-browser-test-secret-0123456789abcdef"
# A guard that alerts only (a trip must not move the split under test), judging every second.
printf 'version: 1\nflags:\n  native-transport:\n    percentage: 50\n    guard:\n      window: 1s\n      min_samples: 10\n      action: alert\n' >"$work/flags.yaml"
"$turnout" bench --write-apps-yaml 2 --webhook-port "$webhook_port" >"$work/apps.yaml"

"$turnout" serve --host 127.0.0.1 --port "$port" --admin-port "$admin_port" \
    --flags "$work/flags.yaml" --apps "$work/apps.yaml" --log-level error >"$work/serve.log" 2>&1 &
pids+=("$!")
for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$admin_port/admin/flags" >/dev/null 2>&1 && break
    sleep 0.1
done

"$turnout" bench --url "ws://127.0.0.1:$port" --admin-url "http://127.0.0.1:$admin_port" \
    --webhook-port "$webhook_port" --scenario glasses --stack split:50 --users 10 --apps 2 \
    --duration 120s --quiet >"$work/bench.log" 2>&1 &
pids+=("$!")

python3 scripts/dashboard-browser-test.py --admin-url "http://127.0.0.1:$admin_port" \
    --flags "$work/flags.yaml" --screenshot "$screenshot" --settle "$settle" || {
    echo "--- serve.log"; tail -20 "$work/serve.log"; echo "--- bench.log"; tail -20 "$work/bench.log"; exit 1
}
