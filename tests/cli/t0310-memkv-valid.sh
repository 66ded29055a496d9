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

# The other workloads: ops happened, the workload's checker ran over them
# (its counts match the history) and found what a correct store gives.
# run_workload W: a short run; sets $run, $res (results.edn), $h (history).
run_workload() {
    expect_exit 0 "$FAULTLINE" test memkv --workload "$1" --time-limit 0.5 \
        --concurrency 5
    grep -q 'verdict: valid' "$TMP/out" || fail "$1: no verdict line"
    run=$(sed -n 's/^store: //p' "$TMP/out")
    res=$run/results.edn
    h=$run/history.edn
    grep -q '^{:valid? true' "$res" || fail "$1: results not valid"
}
# count F: the :ok completions of :f F in $h
count() {
    grep -c ":type :ok, .*:f :$1," "$h"
}
# stat KEY: the number after KEY in the checker's line of $res
stat() {
    sed -n "s/.* $1 \([0-9]*\).*/\1/p" "$chk" | head -n 1
}
# want KEY N: the checker's KEY is N
want() {
    [ "$(stat "$1")" = "$2" ] || fail "$chk: $1 $(stat "$1"), want $2"
}

run_workload set
chk=$TMP/set.chk
grep '^ :set {:valid? true' "$res" >"$chk" || fail "no :set result: $(cat "$res")"
adds=$(count add)
[ "$adds" -gt 100 ] && [ "$(count read)" -gt 0 ] ||
    fail "set: $adds adds, $(count read) reads"
want :attempt-count "$adds"
want :ok-count "$adds"
want :lost-count 0
want :unexpected-count 0
grep '^ :set-full {:valid? true' "$res" >"$chk" || fail "no :set-full result"
want :read-count "$(count read)"
want :stable-count "$adds"
want :lost-count 0
want :stale-count 0

run_workload counter
chk=$TMP/counter.chk
grep '^ :counter {:valid? true' "$res" >"$chk" || fail "no :counter result"
reads=$(count read)
[ "$(count add)" -gt 100 ] && [ "$reads" -gt 0 ] ||
    fail "counter: $(count add) adds, $reads reads"
want :read-count "$reads"
want :error-count 0
# Every read lies between 0 and the sum of all adds invoked, and the reads
# do not all see 0.
awk '/:type :invoke, .*:f :add,/ { sub(/.*:value /, ""); sum += $0 + 0 }
     /:type :ok, .*:f :read,/ { sub(/.*:value /, ""); v = $0 + 0
         if (v < 0 || v > sum) bad = 1; if (v > max) max = v }
     END { exit bad || max == 0 }' "$h" || fail "counter reads out of range"

run_workload bank
chk=$TMP/bank.chk
grep '^ :bank {:valid? true' "$res" >"$chk" || fail "no :bank result"
reads=$(count read)
[ "$(count transfer)" -gt 50 ] && [ "$reads" -gt 0 ] ||
    fail "bank: $(count transfer) transfers, $reads reads"
want :read-count "$reads"
want :error-count 0
# Every read sees the 8 accounts holding 100 in total.
awk '/:type :ok, .*:f :read,/ { sub(/.*:value \{/, ""); sub(/\}.*/, "")
         n = split($0, acct, ", "); total = 0
         for (i = 1; i <= n; i++) { split(acct[i], kv, " "); total += kv[2] }
         if (n != 8 || total != 100) bad = 1 }
     END { exit bad }' "$h" || fail "a bank read does not total 100"
exit 0
