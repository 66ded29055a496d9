#!/bin/sh
# t0350: test-all runs every workload and summarises; the same seed gives
# the same sequence of operations.
. "$(dirname "$0")/lib.sh"
cd "$TMP"

expect_exit 0 "$FAULTLINE" test-all memkv --time-limit 0.5 --concurrency 2
grep -q '7 successes' "$TMP/out" || fail "not 7 successes (one per workload)"
expect_exit 1 "$FAULTLINE" test-all memkv --workload counter --bug lost-update \
    --time-limit 1 --concurrency 4
grep -q '1 failures' "$TMP/out" || fail "failure not counted"

ops() {
    "$FAULTLINE" test memkv --workload bank --seed 99 --concurrency 1 \
        --time-limit 1 --rate 400 >/dev/null 2>&1 || fail "seeded run"
    grep ':invoke' store/latest/history.edn | head -60 |
        sed 's/.*:f \(.*\)}$/\1/' >"$1"
}
ops "$TMP/a"
ops "$TMP/b"
[ "$(wc -l <"$TMP/a")" -ge 60 ] || fail "too few ops"
cmp -s "$TMP/a" "$TMP/b" || fail "same seed, different ops"
exit 0
