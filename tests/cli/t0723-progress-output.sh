#!/bin/sh
# t0723: what a run prints while it goes. Not a terminal: plain lines, no
# carriage returns, a progress line every 5 s (not a flood), and once the
# time limit is reached each stage says what the run does (healing,
# checking). On a terminal (script(1) gives one): the progress line is
# rewritten in place, the stages show on it, and the verdict's anomalies
# are printed once, not once on stderr and again on stdout.
. "$(dirname "$0")/lib.sh"
cd "$TMP"
command -v script >/dev/null || fail "script(1) (bsdutils) is needed"

# Not a terminal: 10 s, pause fault 0-3 s and 6-9 s.
expect_exit 0 "$FAULTLINE" test memkv --workload set --nemesis pause \
    --nemesis-interval 3 --time-limit 10 --concurrency 4 --seed 9
tr -d '\n' <"$TMP/err" | grep -q "$(printf '\r')" && fail "carriage return in: $(cat -A "$TMP/err")"
n=$(grep -c '^\[ *[0-9.]*s, *[0-9.]*s left\]' "$TMP/err")
[ "$n" -ge 1 ] && [ "$n" -le 3 ] || fail "$n progress lines in 10 s: $(cat "$TMP/err")"
grep -q '^\[ *[0-9.]*s, healing\]' "$TMP/err" || fail "no healing stage: $(cat "$TMP/err")"
grep -q '^\[ *[0-9.]*s, checking\]' "$TMP/err" || fail "no checking stage: $(cat "$TMP/err")"
# stages come after the workload, in order
awk '/healing\]/ { h = NR } /checking\]/ { c = NR } END { exit !(h && c && h < c) }' \
    "$TMP/err" || fail "stages out of order: $(cat "$TMP/err")"

# A terminal: an invalid run (lost updates), its anomalies printed once.
script -qec "\"$FAULTLINE\" test memkv --workload counter --bug lost-update \
    --time-limit 2 --concurrency 4 --seed 9" "$TMP/ts" >/dev/null 2>&1
grep -q 'verdict: invalid' "$TMP/ts" || fail "no invalid verdict: $(cat "$TMP/ts")"
n=$(grep -c '^counter: :errors' "$TMP/ts")
[ "$n" = 1 ] || fail "the anomaly line was printed $n times: $(cat "$TMP/ts")"
grep -q "$(printf '\r')\[ *[0-9.]*s, *[0-9.]*s left\]" "$TMP/ts" ||
    fail "no progress line rewritten in place"
grep -q "$(printf '\r')\[ *[0-9.]*s, checking\]" "$TMP/ts" ||
    fail "no checking stage on the terminal: $(cat -A "$TMP/ts")"
exit 0
