#!/bin/sh
# t0351: the register workload catches memkv's lost-update bug (a cas that
# overwrites a write which landed between its read and its write) in a
# short run, names the non-linearizable op, and still writes its reports;
# `analyze` gets the same verdict. 3 s: about 8 bad keys are expected, so
# a miss is rarer than 1 in 1000.
. "$(dirname "$0")/lib.sh"
cd "$TMP"

expect_exit 1 "$FAULTLINE" test memkv --workload register --bug lost-update \
    --time-limit 3 --concurrency 10
grep -q 'verdict: invalid' "$TMP/out" || fail "verdict"
grep -q 'linearizable: [0-9]* key(s) invalid' "$TMP/out" || fail "no bad key named"
grep -q ':previous-ok\|:op {' "$TMP/out" || fail "bad op not named"
run=$(sed -n 's/^store: //p' "$TMP/out")
for f in results.edn timeline.html rate.dat latency-raw.dat; do
    [ -s "$run/$f" ] || fail "$f missing after the run"
done
rm "$run/timeline.html"
expect_exit 1 "$FAULTLINE" analyze "$run"
[ -s "$run/timeline.html" ] || fail "analyze did not rewrite the reports"
exit 0
