#!/bin/sh
# t1009: `faultline serve` links a Maelstrom run's message timeline
# (messages.html) from the run list and serves it and messages.svg.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-maelstrom.sh"
. "$(dirname "$0")/serve-lib.sh"
cd "$TMP"
command -v curl >/dev/null 2>&1 || { echo "skip: no curl"; exit 77; }

mael 0 -w echo --bin "$EX/echo.py" --node-count 2 --time-limit 1 --rate 20
rel=${PWD}/store
serve_start "$rel"
[ "$(status /)" = 200 ] || fail "index"
grep -q 'messages.html">messages</a>' "$TMP/body" || fail "no messages link"
link=$(sed -n 's|.*href="\(/files/[^"]*/messages.html\)".*|\1|p' "$TMP/body" |
    head -n 1)
[ "$(status "$link")" = 200 ] || fail "messages.html not served ($link)"
grep -q '"n1"' "$TMP/body" || fail "messages.html has no n1"
[ "$(status "${link%.html}.svg")" = 200 ] || fail "messages.svg not served"
exit 0
