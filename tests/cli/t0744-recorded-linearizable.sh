#!/bin/sh
# t0744: test.edn records linearizability under the checker's own name,
# :linearizable (as `check linearizable`, shrink --checker and the registry
# call it; memkv and external used to write :linear, which `check` and
# `shrink` did not find), and everything that reads a run back uses it:
# `check linearizable` and `shrink --checker linearizable` take the model
# and per-key splitting from it, `analyze` re-checks with it, also for a
# suite it does not know. A store written with :linear reads the same.
. "$(dirname "$0")/lib.sh"
cd "$TMP"

expect_exit 1 "$FAULTLINE" test memkv --workload register --bug stale-read \
    --time-limit 1 --concurrency 10 --seed 7 --store "$TMP/store"
run=$(sed -n 's/^store: //p' "$TMP/out")
[ -d "$run" ] || fail "no store dir"
grep -q ':checker {:linearizable {:model :cas-register, :independent? true}' \
    "$run/test.edn" || fail "test.edn: $(cat "$run/test.edn")"
# Another suite has no say: analyze must rebuild the recorded checker.
sed 's/:suite "memkv"/:suite "elsewhere"/' "$run/test.edn" >t &&
    mv t "$run/test.edn"

# reads NAME: check, shrink and analyze find the checker recorded as :NAME.
reads() {
    name=$1
    expect_exit 1 "$FAULTLINE" check linearizable "$run/history.edn"
    grep -q "linearizable options from $run/test.edn" "$TMP/err" ||
        fail ":$name: check not told: $(cat "$TMP/err")"
    # by key: a key's ops, not the whole history as one register
    grep -q ':failures \[[0-9]' "$TMP/out" ||
        fail ":$name: not by key: $(cat "$TMP/out")"

    expect_exit 1 "$FAULTLINE" shrink --checker linearizable \
        --out "$TMP/s-$name.edn" "$run/history.edn"
    grep -q "linearizable options from $run/test.edn" "$TMP/err" ||
        fail ":$name: shrink not told: $(cat "$TMP/err")"
    [ -s "$TMP/s-$name.edn" ] || fail ":$name: no shrunk history"

    rm -f "$run/results.edn"
    expect_exit 1 "$FAULTLINE" analyze "$run"
    grep -q "verdict: invalid" "$TMP/out" || fail ":$name: analyze verdict"
    grep -q ":$name {:valid? false" "$run/results.edn" ||
        fail ":$name: analyze did not re-check: $(cat "$run/results.edn")"
}
reads linearizable

# a run recorded before the fix
sed 's/:checker {:linearizable /:checker {:linear /' "$run/test.edn" >t &&
    mv t "$run/test.edn"
grep -q ':checker {:linear {' "$run/test.edn" || fail "sed"
reads linear
exit 0
