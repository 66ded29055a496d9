#!/bin/sh
# t0310: a correct memkv passes every workload, leaves a complete store
# directory with its symlinks, and `analyze` re-checks it to the same verdict.
. "$(dirname "$0")/lib.sh"
cd "$TMP"

expect_exit 0 "$FAULTLINE" test memkv --workload register --time-limit 2 \
    --concurrency 10 --seed 42
grep -q 'verdict: valid' "$TMP/out" || fail "no verdict line"
grep -q 'seed 42' "$TMP/err" || fail "seed not printed"
grep -q 'ops/s' "$TMP/err" || fail "no progress line"
run=$(sed -n 's/^store: //p' "$TMP/out")
[ -d "$run" ] || fail "store dir $run missing"
for f in history.edn history.txt results.edn test.edn faultline.log; do
    [ -s "$run/$f" ] || fail "$f missing or empty"
done
[ -L store/latest ] && [ -L store/memkv-register/latest ] || fail "no latest"
[ ! -e store/current ] || fail "current left behind"
[ "$(cd store/latest && pwd -P)" = "$(cd "$run" && pwd -P)" ] ||
    fail "latest points elsewhere"
grep -q ':valid? true' "$run/results.edn" || fail "results not valid"
grep -q ':linear' "$run/results.edn" || fail "no linearizability result"
grep -q ':seed "42"' "$run/test.edn" || fail "seed not in test.edn"
n=$(wc -l <"$run/history.edn")
[ "$n" -gt 200 ] || fail "only $n ops in history.edn"
grep -q ':process 9' "$run/history.edn" || fail "thread 9 never ran"

expect_exit 0 "$FAULTLINE" analyze
grep -q 'verdict: valid' "$TMP/out" || fail "analyze verdict"
expect_exit 0 "$FAULTLINE" analyze "$run"
expect_exit 0 "$FAULTLINE" analyze store/memkv-register

for w in set counter bank; do
    expect_exit 0 "$FAULTLINE" test memkv --workload $w --time-limit 0.5 \
        --concurrency 5
done
exit 0
