#!/bin/sh
# t0102: several files (one line each, merged exit code), --json,
# --independent, element splitting, --out's linear.svg, and limits.
. "$(dirname "$0")/lib.sh"
K=$CORPUS/knossos/cas-register
L="$FAULTLINE check linearizable"

expect_exit 1 $L --model cas-register --init 0 "$K/good/memstress3-0.edn" \
    "$K/bad/bad-analysis.edn" "$K/good/memstress3-1.edn"
[ "$(wc -l <"$TMP/out")" -eq 3 ] || fail "expected 3 lines"
grep -q '^{:file ".*memstress3-0.edn", :valid? true' "$TMP/out" ||
    fail "no :file line: $(cat "$TMP/out")"
expect_exit 0 $L --model cas-register --init 0 "$K/good/memstress3-0.edn" \
    "$K/good/memstress3-1.edn"

expect_exit 1 $L --model cas-register --init 0 --json \
    "$K/bad/rethink-fail-minimal.edn"
grep -q '^{":valid?":false,' "$TMP/out" || fail "json: $(cat "$TMP/out")"
grep -q '":index":4' "$TMP/out" || fail "json op: $(cat "$TMP/out")"

cat >"$TMP/ind.edn" <<'EDN'
{:process 0 :type :invoke :f :write :value [:a 1]}
{:process 0 :type :ok :f :write :value [:a 1]}
{:process :nemesis :type :info :f :start :value nil}
{:process 1 :type :invoke :f :read :value [:b nil]}
{:process 1 :type :ok :f :read :value [:b 1]}
{:process 1 :type :invoke :f :read :value [:a nil]}
{:process 1 :type :ok :f :read :value [:a 1]}
EDN
expect_exit 1 $L --model register --independent --threads 2 "$TMP/ind.edn"
grep -q ':failures \[:b\]' "$TMP/out" || fail "failures: $(cat "$TMP/out")"
grep -q ':results {' "$TMP/out" || fail "results: $(cat "$TMP/out")"
sed 's/\[:b 1\]/[:b nil]/' "$TMP/ind.edn" >"$TMP/ind-ok.edn"
expect_exit 0 $L --model register --independent "$TMP/ind-ok.edn"

cat >"$TMP/q.edn" <<'EDN'
{:process 0 :type :invoke :f :enqueue :value 1}
{:process 0 :type :ok :f :enqueue :value 1}
{:process 1 :type :invoke :f :dequeue :value nil}
{:process 1 :type :ok :f :dequeue :value 1}
{:process 1 :type :invoke :f :dequeue :value nil}
{:process 1 :type :ok :f :dequeue :value 1}
EDN
expect_exit 1 $L --model unordered-queue "$TMP/q.edn"
grep -q ':element 1' "$TMP/out" || fail "element: $(cat "$TMP/out")"

expect_exit 1 $L --model cas-register --init 0 --out "$TMP/o" \
    "$K/bad/bad-analysis.edn"
[ -s "$TMP/o/linear.svg" ] || fail "no linear.svg"
grep -q '<svg' "$TMP/o/linear.svg" || fail "not an svg"
grep -q ':read 2' "$TMP/o/linear.svg" || fail "failing op not drawn"
expect_exit 0 $L --model cas-register --init 0 --out "$TMP/o2" \
    "$K/good/memstress3-0.edn"
[ ! -e "$TMP/o2/linear.svg" ] || fail "svg written for a valid history"

# Limits: generous ones change nothing.
expect_exit 0 $L --model cas-register --init 0 --time-limit 30 \
    --memory-limit 512 "$K/good/memstress3-51.edn"
