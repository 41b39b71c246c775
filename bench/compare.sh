#!/usr/bin/env bash
# compare.sh: Turnout's two stacks against Bun and Node+ws, measured with independent load clients
# (issue 11), then the Swift bench client's own ceiling, in one go.
#
#   bench/compare.sh [--loadgen DIR] [--turnout BIN] [--rounds N] [--seconds S]
#                    [--workloads "echo100 echo1000 fanout idle"] [--out DIR] [--no-ceiling]
#
# The peer table is ../shared/loadgen/peers-table.sh (lean Go gorilla/websocket clients, every
# server fresh per measurement and pinned to CPU 0, the client on CPU 1; medians of interleaved
# rounds; one markdown table per workload with the native/Bun, compat/Node+ws and native/compat
# ratios). Turnout's own SwiftNIO client saturates its core below Bun's rate, so it is not used
# for peer ratios; bench/client-ceiling.sh reports its ceiling against the epoll floor instead,
# so that any table made with it can say whose limit a row hit. The older method, with that
# client, is bench/compare-swift-client.sh.
#
# --loadgen defaults to ../shared/loadgen beside the repository (a clone alone does not have it:
# the script is for runs by hand; CI never runs it). Its install-peers.sh installs Go, Node's ws and
# Bun once. Floors and Swift peers beside native and Bun: bench/floors.sh.
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
LOADGEN=$REPO/../shared/loadgen
TURNOUT=$REPO/.build/release/turnout
ROUNDS=3
SECS=5
WORKLOADS="echo100 echo1000 fanout idle"
OUT=""
CEILING=1
die() { echo "compare.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --loadgen) LOADGEN=$2; shift 2 ;;
    --turnout) TURNOUT=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --seconds) SECS=$2; shift 2 ;;
    --workloads) WORKLOADS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --no-ceiling) CEILING=0; shift ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
for n in "$ROUNDS" "$SECS"; do
  case "$n" in ''|*[!0-9]*|0) die "--rounds and --seconds take whole numbers >= 1, got '$n'" ;; esac
done
[ -x "$LOADGEN/peers-table.sh" ] \
  || die "no peers-table.sh in $LOADGEN: pass --loadgen DIR (the shared loadgen folder; then run its install-peers.sh once)"
[ -x "$TURNOUT" ] || die "no turnout binary at $TURNOUT: swift build -c release --product turnout, or pass --turnout BIN"
OUT=${OUT:-$(mktemp -d /tmp/compare.XXXX)}
mkdir -p "$OUT" || die "cannot create $OUT"

echo "## Peers (independent Go clients): $LOADGEN/peers-table.sh"
OUT=$OUT/peers ROUNDS=$ROUNDS SECS=$SECS WORKLOADS=$WORKLOADS "$LOADGEN/peers-table.sh" "$TURNOUT" || exit $?
if [ "$CEILING" = 1 ]; then
  echo
  echo "## The Swift bench client's own ceiling: bench/client-ceiling.sh"
  "$HERE/client-ceiling.sh" --turnout "$TURNOUT" --seconds "$SECS" --out "$OUT/ceiling" || exit $?
fi
