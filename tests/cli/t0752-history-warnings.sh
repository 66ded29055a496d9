#!/bin/sh
# t0752: a directory given as a history names itself and points at
# DIR/history.edn (exit 254); a completion timed before its invocation and
# a duplicate :index are warnings naming file:line, and the verdict is
# still computed (history stats, check linearizable, check stats (as every
# kind of checker/registry.h), check list-append, analyze of a stored run);
# on a big history too (check linearizable pairs on a second thread).
. "$(dirname "$0")/lib.sh"

mkdir "$TMP/run"
for cmd in "history stats" "check linearizable --model register" \
    "check list-append"; do
    expect_exit 254 "$FAULTLINE" $cmd "$TMP/run"
    grep -q "$TMP/run: is a directory" "$TMP/err" || fail "$cmd: $(cat "$TMP/err")"
    grep -q "$TMP/run/history.edn" "$TMP/err" || fail "$cmd: no hint"
done

cat >"$TMP/time.edn" <<'H'
{:index 0 :time 100 :type :invoke :process 0 :f :write :value 1}
{:index 1 :time 200 :type :ok :process 0 :f :write :value 1}
{:index 2 :time 900 :type :invoke :process 1 :f :read :value nil}
{:index 3 :time 300 :type :ok :process 1 :f :read :value 1}
H
expect_exit 0 "$FAULTLINE" history stats "$TMP/time.edn"
grep -q "time.edn:4: warning: completion at :time 300 is before its invocation's :time 900 (.*time.edn:3)" "$TMP/err" ||
    fail "no time-order warning: $(cat "$TMP/err")"
grep -q "^warnings: 1" "$TMP/out" || fail "warning not counted"
expect_exit 0 "$FAULTLINE" check linearizable --model register "$TMP/time.edn"
grep -q "time.edn:4: warning: completion at :time 300" "$TMP/err" ||
    fail "check linearizable: no warning: $(cat "$TMP/err")"
grep -q ":valid? true" "$TMP/out" || fail "no verdict"
expect_exit 0 "$FAULTLINE" check stats "$TMP/time.edn"
grep -q "time.edn:4: warning: completion at :time 300" "$TMP/err" ||
    fail "check stats: no warning: $(cat "$TMP/err")"
grep -q ":valid? true" "$TMP/out" || fail "check stats: no verdict"

cat >"$TMP/dup.edn" <<'H'
{:index 0 :time 100 :type :invoke :process 0 :f :write :value 1}
{:index 1 :time 200 :type :ok :process 0 :f :write :value 1}
{:index 1 :time 300 :type :invoke :process 1 :f :read :value nil}
{:index 3 :time 400 :type :ok :process 1 :f :read :value 2}
H
expect_exit 0 "$FAULTLINE" history stats "$TMP/dup.edn"
grep -q "dup.edn:3: warning: duplicate :index 1 (also at .*dup.edn:2)" "$TMP/err" ||
    fail "no duplicate warning: $(cat "$TMP/err")"
expect_exit 1 "$FAULTLINE" check linearizable --model register "$TMP/dup.edn"
grep -q "dup.edn:3: warning: duplicate :index 1" "$TMP/err" ||
    fail "check linearizable: no warning: $(cat "$TMP/err")"
grep -q ":valid? false" "$TMP/out" || fail "no verdict for the bad read"

# A big history: check linearizable pairs for the warnings on a thread of
# its own beside the check (and before it with --threads 1).
GEN=${O:-$TOP/build}/tests/helpers/lin_gen
"$GEN" -s 3 20:60000:5:2 >"$TMP/big.edn" || fail "lin_gen"
sed -i '$s/:index [0-9]*}/:index 7}/' "$TMP/big.edn"
for th in 2 1; do
    expect_exit 0 "$FAULTLINE" check linearizable --model cas-register \
        --init 0 --independent --threads $th "$TMP/big.edn"
    grep -q "big.edn:120000: warning: duplicate :index 7 (also at .*big.edn:8)" \
        "$TMP/err" || fail "big, --threads $th: $(cat "$TMP/err")"
    grep -q ":valid? true" "$TMP/out" || fail "big, --threads $th: no verdict"
done

cat >"$TMP/la.edn" <<'H'
{:index 0 :time 10 :type :invoke :process 0 :f :txn :value [[:append :x 1]]}
{:index 0 :time 20 :type :ok :process 0 :f :txn :value [[:append :x 1]]}
{:index 2 :time 90 :type :invoke :process 1 :f :txn :value [[:r :x nil]]}
{:index 3 :time 30 :type :ok :process 1 :f :txn :value [[:r :x [1]]]}
H
expect_exit 0 "$FAULTLINE" check list-append "$TMP/la.edn"
grep -q "la.edn:2: warning: duplicate :index 0" "$TMP/err" || fail "elle: $(cat "$TMP/err")"
grep -q "la.edn:4: warning: completion at :time 30" "$TMP/err" || fail "elle: no time warning"
# analyze: a stored run whose history.edn was edited by hand.
cd "$TMP"
expect_exit 0 "$FAULTLINE" test memkv --time-limit 1 --rate 50 --seed 7 --store st
run=$(sed -n 's/^store: //p' out)
sed -i '3s/:index 2,/:index 1,/' "$run/history.edn"
expect_exit 0 "$FAULTLINE" analyze "$run"
grep -q "history.edn:3: warning: duplicate :index 1 (also at .*history.edn:2)" err ||
    fail "analyze: no warning: $(cat err)"
grep -q "verdict: valid" out || fail "analyze: no verdict"
exit 0
