#!/bin/sh
# t0320: each switchable memkv bug is caught, and the verdict names it.
. "$(dirname "$0")/lib.sh"
cd "$TMP"

run_bug() {
    w=$1 bug=$2 want=$3
    expect_exit 1 "$FAULTLINE" test memkv --workload "$w" --bug "$bug" \
        --time-limit 1 --concurrency 10 --seed 7
    grep -q 'verdict: invalid' "$TMP/out" || fail "$w/$bug: verdict"
    grep -q "$want" "$TMP/out" || fail "$w/$bug: anomaly '$want' not named"
}
run_bug set lost-update 'set: :lost'
run_bug counter lost-update 'counter: :errors'
run_bug bank lost-update ':wrong-total'
run_bug bank stale-read ':wrong-total'
run_bug register stale-read 'linear'
exit 0
