#!/usr/bin/env bash
# Checks that the files the tests copied from ../shared (the design's shared folder, beside a
# checkout that has one) are still byte for byte the originals. By hand: a clone alone has no
# ../shared, so neither `swift test` nor CI reads it.
#
#   scripts/check-shared-copies.sh [SHARED_DIR]     # default ../shared beside the repository
set -u
cd "$(dirname "$0")/.."
shared=${1:-../shared}
[ -d "$shared" ] || { echo "check-shared-copies: no $shared (pass the shared folder's path)" >&2; exit 2; }
status=0
# copy in this repository              original in the shared folder
while read -r copy original; do
    if cmp -s "$copy" "$shared/$original"; then
        echo "same     $copy"
    else
        echo "DIFFERS  $copy: copy $shared/$original over it" >&2
        status=1
    fi
done <<'LIST'
Tests/TurnoutFlagsTests/Resources/bucketing-vectors.json bucketing-vectors.json
LIST
exit $status
