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

# Limits. A history that needs a real search: N rounds of a write of i
# that completes beside a crashed write of i+1 (open to the end), then one
# read. hard.edn (N=3000) reads 1500: valid, after about 4,500
# configurations and 19 MB of search tables. hard-bad.edn (N=200) reads -1,
# never written, so every configuration is tried (about 20,000).
hard() {
    i=0
    while [ $i -lt "$1" ]; do
        echo "{:process $((2 * i)) :type :invoke :f :write :value $i}"
        echo "{:process $((2 * i + 1)) :type :invoke :f :write :value $((i + 1))}"
        echo "{:process $((2 * i)) :type :ok :f :write :value $i}"
        echo "{:process $((2 * i + 1)) :type :info :f :write :value $((i + 1))}"
        i=$((i + 1))
    done
    echo "{:process 0 :type :invoke :f :read :value nil}"
    echo "{:process 0 :type :ok :f :read :value $2}"
}
hard 3000 1500 >"$TMP/hard.edn"
hard 200 -1 >"$TMP/hard-bad.edn"
R="$L --model register --threads 1"
# Tight limits stop the search with :unknown and the cause...
expect_exit 2 $R --time-limit 0.001 "$TMP/hard.edn"
grep -q '^{:valid? :unknown, :cause :timeout,' "$TMP/out" ||
    fail "time limit: $(cat "$TMP/out")"
expect_exit 2 $R --memory-limit 1 "$TMP/hard.edn"
grep -q '^{:valid? :unknown, :cause :out-of-memory,' "$TMP/out" ||
    fail "memory limit: $(cat "$TMP/out")"
# ...and generous ones change nothing: the same verdict, failing op and
# search as without limits (but for the time taken).
for f in hard hard-bad; do
    want=1
    [ $f = hard ] && want=0
    expect_exit $want $R "$TMP/$f.edn"
    sed 's/ :time-ms [0-9]*//; s/ :memory-limit-bytes [0-9]*//' "$TMP/out" >"$TMP/$f.nolimit"
    grep -q ':configs [0-9]\{4\}' "$TMP/$f.nolimit" ||
        fail "$f.edn needs no real search: $(cat "$TMP/out")"
    expect_exit $want $R --time-limit 300 --memory-limit 512 "$TMP/$f.edn"
    sed 's/ :time-ms [0-9]*//; s/ :memory-limit-bytes [0-9]*//' "$TMP/out" >"$TMP/$f.limit"
    cmp -s "$TMP/$f.nolimit" "$TMP/$f.limit" ||
        fail "generous limits changed $f.edn's result: $(cat "$TMP/$f.nolimit" "$TMP/$f.limit")"
done
grep -q ':valid? false' "$TMP/hard-bad.limit" || fail "hard-bad.edn is valid"
