#!/bin/sh
# t0520: browser tests in headless chromium (tests/browser/ui.js): the index
# lists the runs, a run page shows its plots, the timeline of a
# 1,000,000-op history opens, scrolls and shows details on hover, and
# traversal attempts from the page get 403/404. Prints the timings.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve-lib.sh"
command -v node >/dev/null || skip "no node (scripts/install-deps.sh)"
[ -x /usr/bin/chromium ] || [ -n "${CHROMIUM:-}" ] ||
    skip "no chromium (scripts/install-deps.sh)"

S=$TMP/store
"$MKSTORE" "$S/memkv/20261126T010000.000Z" --ops 2000 --seconds 20 --seed 1 ||
    fail "mkstore"
"$MKSTORE" "$S/memkv/20261126T020000.000Z" --ops 2000 --seconds 20 --seed 2 \
    --valid false || fail "mkstore"
"$MKSTORE" "$S/register/20261126T030000.000Z" --ops 2000 --seconds 20 \
    --seed 3 --valid unknown || fail "mkstore"
start=$(date +%s)
"$MKSTORE" "$S/big/20261126T040000.000Z" --ops 1000000 --seconds 300 \
    --seed 4 --no-history --timeline-only || fail "mkstore 1M"
echo "1,000,000-op store written in $(($(date +%s) - start)) s"
serve_start "$S"
node "$TOP/tests/browser/ui.js" --url "http://127.0.0.1:$PORT" --runs 4 \
    --run memkv/20261126T020000.000Z --big big/20261126T040000.000Z \
    --big-ops 1000000 || fail "browser tests"
