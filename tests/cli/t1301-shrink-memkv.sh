#!/bin/sh
# t1301: memkv's planted bugs shrink to small counterexamples that fail the
# same checker with the same anomaly type: `faultline shrink --checker KIND`
# takes the run's checker options from test.edn beside the history, and
# `faultline analyze --shrink` writes shrunk.edn into the run directory.
. "$(dirname "$0")/lib.sh"
cd "$TMP"

# run W BUG: a failing memkv run; $hist is its history
run() {
    expect_exit 1 "$FAULTLINE" test memkv --workload "$1" --bug "$2" \
        --time-limit 1 --concurrency 5 --seed 7 --store "$TMP/st-$1-$2"
    hist=$(ls "$TMP"/st-"$1"-"$2"/memkv-"$1"/*/history.edn | head -1)
}

# shrink KIND MAX ANOMALY CHECK-ARGS...: shrink $hist, at most MAX ops,
# anomaly ANOMALY, and `check KIND CHECK-ARGS` finds the result invalid
shrink() {
    kind=$1 max=$2 anomaly=$3
    shift 3
    expect_exit 1 "$FAULTLINE" shrink --checker "$kind" --out "$TMP/s.edn" \
        "$hist"
    grep "ops ->" "$TMP/err"
    grep -q "anomaly :$anomaly\$" "$TMP/err" || fail "$kind: $(cat "$TMP/err")"
    ops=$(wc -l <"$TMP/s.edn")
    [ "$ops" -le "$max" ] || fail "$kind: $ops ops"
    expect_exit 1 "$FAULTLINE" check "$kind" "$@" "$TMP/s.edn"
}

run register stale-read
shrink linearizable 10 nonlinearizable --model cas-register --independent
# a stale read keeps the write of the value it saw: some write in the
# shrunk history has the value a read or cas saw
grep -q ':f :write' "$TMP/s.edn" || fail "register: no write kept"

run register lost-update
shrink linearizable 10 nonlinearizable --model cas-register --independent

run set lost-update
shrink set 10 lost
# the lost element's add and the final read
grep -q ':type :ok, .*:f :add' "$TMP/s.edn" || fail "set: no add"
tail -1 "$TMP/s.edn" | grep -q ':f :read' || fail "set: final read not last"

run bank lost-update
shrink bank 10 wrong-total --total 100 --accounts 8

# counter reads carry the running sum: the shrunk history needs the adds
# that sum past the read, so no size bound; it must read too low, as the
# lost update did, not too high
run counter lost-update
shrink counter 100000 read-too-low

# analyze --shrink: shrunk.edn in the run directory
run register stale-read
dir=$(dirname "$hist")
expect_exit 1 "$FAULTLINE" analyze --shrink "$dir"
[ -s "$dir/shrunk.edn" ] || fail "analyze --shrink: no shrunk.edn"
grep -q "shrunk history: $dir/shrunk.edn" "$TMP/err" || fail "analyze: path"
[ "$(wc -l <"$dir/shrunk.edn")" -le 10 ] || fail "analyze: too big"
exit 0
