#!/bin/sh
# t0804: a run records its checkers and their options in test.edn
# (:checker); `check` of a history beside it uses them (flags override),
# `analyze` rebuilds the recorded checker (even for an unknown suite), and
# `check linearizable` on a bare copy of a by-key history warns that the
# values look like [key value] tuples instead of silently saying invalid.
. "$(dirname "$0")/lib.sh"
cd "$TMP"

run() { # run WORKLOAD BUG EXIT: a 1 s memkv run; its dir in $run
    expect_exit "$3" "$FAULTLINE" test memkv --workload "$1" --bug "$2" \
        --time-limit 1 --concurrency 10 --seed 11 --store "$TMP/store"
    run=$(sed -n 's/^store: //p' "$TMP/out")
    [ -d "$run" ] || fail "$1: no store dir"
}

run bank none 0
grep -q ':checker {:bank {:accounts 8, :total 100}' "$run/test.edn" ||
    fail "test.edn has no :checker: $(cat "$run/test.edn")"
expect_exit 0 "$FAULTLINE" check bank "$run/history.edn"
grep -q "bank options from $run/test.edn" "$TMP/err" || fail "bank: not told"
! grep -q ':inferred-total' "$TMP/out" || fail "bank: inferred despite test.edn"
# a flag overrides what the run recorded
expect_exit 1 "$FAULTLINE" check bank --total 99 "$run/history.edn"
grep -q ':wrong-total' "$TMP/out" || fail "bank --total 99: no wrong total"

run register none 0
grep -q ':checker {:linearizable {:model :cas-register, :independent? true}' \
    "$run/test.edn" || fail "register: no :checker"
# no --model, no --independent: both from test.edn
expect_exit 0 "$FAULTLINE" check linearizable "$run/history.edn"
grep -q ':failures \[\]' "$TMP/out" || fail "register: not checked by key"
# a bare copy: no test.edn, so say what is wrong
cp "$run/history.edn" bare.edn
expect_exit 254 "$FAULTLINE" check linearizable bare.edn
grep -q "bare.edn: --model is required" "$TMP/err" || fail "bare: no model"
expect_exit 1 "$FAULTLINE" check linearizable --model cas-register bare.edn
grep -q "warning: bare.edn: values look like \[key value\] tuples" \
    "$TMP/err" || fail "bare: no tuple warning: $(cat "$TMP/err")"
expect_exit 0 "$FAULTLINE" check linearizable --model cas-register \
    --independent bare.edn
! grep -q "warning" "$TMP/err" || fail "warned with --independent"

# a store dir written by hand (another harness): Elle's options from it
mkdir ext
cp "$TOP/tests/data/checkers/append.edn" ext/history.edn
echo '{:checker {:list-append {:consistency-models [:read-uncommitted]}}}' \
    >ext/test.edn
expect_exit 0 "$FAULTLINE" check list-append ext/history.edn
grep -q "list-append options from ext/test.edn" "$TMP/err" || fail "elle: not told"
expect_exit 1 "$FAULTLINE" check list-append --consistency-models \
    serializable ext/history.edn
grep -q ':G1c' "$TMP/out" || fail "elle: flags do not override test.edn"
echo '{:checker {:list-append {:consistency-models [:nonsense]}}}' \
    >ext/test.edn
expect_exit 254 "$FAULTLINE" check list-append ext/history.edn
echo '{:checker' >ext/test.edn
expect_exit 0 "$FAULTLINE" check total-queue ext/history.edn
grep -q "warning: ext/test.edn" "$TMP/err" || fail "broken test.edn: no warning"

# analyze uses the recorded :checker, also when the suite is unknown
run queue lost-update 1
sed 's/:suite "memkv"/:suite "elsewhere"/' "$run/test.edn" >t && mv t "$run/test.edn"
expect_exit 1 "$FAULTLINE" analyze "$run"
grep -q ':total-queue {:valid? false' "$run/results.edn" ||
    fail "analyze without the suite: total-queue not run"
sed 's/:checker {.*}$/:checker {:nope {}}/' "$run/test.edn" >t && mv t "$run/test.edn"
expect_exit 255 "$FAULTLINE" analyze "$run"
grep -q "unknown checker 'nope'" "$TMP/err" || fail "bad :checker not named"
exit 0
