#!/bin/sh
# screenshots.sh [BUILD-DIR]: regenerates docs/img/{serve-index,serve-run,
# timeline}.png from a store built by the report_mkstore helper (simulated
# histories with a partition, a kill, a pause and a clock bump).
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
O=${1:-$TOP/build}
TMP=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$TMP"' EXIT
M=$O/tests/helpers/report_mkstore
S=$TMP/store
"$M" "$S/memkv-register/20261126T051200.120Z" --ops 6000 --seconds 30 --seed 11
"$M" "$S/memkv-register/20261126T053015.560Z" --ops 6000 --seconds 30 --seed 12 --valid false
"$M" "$S/memkv-cas/20261126T054501.007Z" --ops 4000 --seconds 30 --seed 13 --valid unknown
"$M" "$S/memkv-cas/20261126T055933.871Z" --ops 4000 --seconds 30 --seed 14
"$O/faultline" serve --store "$S" --port 0 >"$TMP/out" &
PID=$!
while ! grep -q serving "$TMP/out" 2>/dev/null; do sleep 0.1; done
PORT=$(sed -n 's|.*:\([0-9]*\)/$|\1|p' "$TMP/out")
mkdir -p "$TOP/docs/img"
node "$TOP/tests/browser/shots.js" --url "http://127.0.0.1:$PORT" \
    --run memkv-register/20261126T053015.560Z --out "$TOP/docs/img"
echo "wrote $TOP/docs/img/serve-index.png serve-run.png timeline.png"
