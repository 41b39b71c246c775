#!/usr/bin/env bash
# Runs the test suite under a sanitizer: `thread` (ThreadSanitizer) or `address`
# (AddressSanitizer), each in its own scratch folder so the normal build is left alone.
#
#   scripts/sanitizers.sh thread             # what CI runs
#   scripts/sanitizers.sh address
#   scripts/sanitizers.sh thread --filter TurnoutCoreTests
#
# The suites run one at a time (--no-parallel): a sanitizer makes the code 5-15x slower, and run
# side by side the servers under test miss the tests' real-time limits (a 2 s request-head
# timeout, 60 s test limits) on a 2-core machine. Any report fails the run: each sanitizer's
# runtime exits non-zero at the end when it reported anything, and this script also fails when the
# report log is not empty. Reports are kept in .build-tsan/reports/ or .build-asan/reports/.
set -euo pipefail
cd "$(dirname "$0")/.."

sanitizer="${1:-}"
case "$sanitizer" in
    thread | address) shift ;;
    *)
        echo "usage: scripts/sanitizers.sh thread|address [swift test options, e.g. --filter Suite]" >&2
        exit 2
        ;;
esac

scratch=".build-${sanitizer:0:1}san"  # .build-tsan or .build-asan
reports="$scratch/reports"
mkdir -p "$reports"
rm -f "$reports"/report.*

# halt_on_error=0: see every report of a run, not just the first.
export TSAN_OPTIONS="log_path=$PWD/$reports/report halt_on_error=0 ${TSAN_OPTIONS:-}"
# LeakSanitizer is off. At exit it reports the weak-reference side table of every live Swift
# object as leaked (the object reaches its side table only through its encoded reference count,
# which LSan cannot follow), and with it everything that object holds, so its report is noise.
# The leaks that matter, growth under churn, are what scripts/soak.sh measures.
export ASAN_OPTIONS="log_path=$PWD/$reports/report detect_leaks=0 ${ASAN_OPTIONS:-}"

started=$(date +%s)
status=0
swift build --build-tests --sanitize="$sanitizer" --scratch-path "$scratch"
swift test --skip-build --sanitize="$sanitizer" --scratch-path "$scratch" --no-parallel "$@" || status=$?

found=$(cat "$reports"/report.* 2>/dev/null | grep -c "^WARNING: ThreadSanitizer\|^==.*ERROR: \(AddressSanitizer\|LeakSanitizer\)" || true)
echo "sanitizers: $sanitizer, reports: $found, swift test exit: $status, $(($(date +%s) - started)) s"
if [ "$found" -gt 0 ]; then
    echo "sanitizers: the reports are in $reports/:" >&2
    ls "$reports" >&2
    exit 1
fi
exit "$status"
