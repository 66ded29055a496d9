#!/bin/sh
# t0720: the workload runs to --time-limit. memkv's register workload
# (independent keys, whose generator is often pending) with the pause
# fault every 5 s: the store pauses at 0 s and resumes at 5 s, and the next
# fault (10 s) lies past the 8-s limit. The clients must still run to 8 s
# (they used to stop at 5 s, when the time limit took the far fault op for
# the end of the whole workload), and say nothing about ending early.
. "$(dirname "$0")/lib.sh"
cd "$TMP"

expect_exit 0 "$FAULTLINE" test memkv --workload register --nemesis pause \
    --nemesis-interval 5 --time-limit 8 --concurrency 4 --seed 7
run=$(sed -n 's/^store: //p' "$TMP/out")
[ -f "$run/history.edn" ] || fail "no history in '$run'"
# The last client invocation, in ns since the start.
last=$(grep ':type :invoke' "$run/history.edn" | grep -v ':process :nemesis' |
    sed -n 's/.*:time \([0-9]*\),.*/\1/p' | tail -n 1)
[ -n "$last" ] || fail "no client invocation"
[ "$last" -ge 7000000000 ] ||
    fail "clients stopped at $last ns of an 8-s time limit"
grep -q 'pause' "$run/history.edn" || fail "no fault in the history"
grep -q 'exhausted' "$TMP/err" && fail "said the generator ended early"
exit 0
