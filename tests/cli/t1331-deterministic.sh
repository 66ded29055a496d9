#!/bin/sh
# t1331: --deterministic runs an in-process suite on one thread in
# simulated time: two memkv runs with one seed write byte-identical
# history.edn (and schedule.edn), a different seed does not; a stale-read
# run is invalid both times; replaying a deterministic run gives the same
# history again, byte for byte. Suites against real nodes, and memkv's
# blocking faults, are refused with exit 254.
. "$(dirname "$0")/lib.sh"
cd "$TMP"

run() {
    seed=$1
    dir=$2
    shift 2
    expect_exit 1 "$FAULTLINE" test memkv --deterministic --bug stale-read \
        --time-limit 20 --concurrency 10 --seed "$seed" --store "$TMP/$dir" "$@"
    grep -Eq 'deterministic: [0-9]+ ops in (19\.9|20\.0)[0-9]* s of simulated time' \
        "$TMP/err" || fail "no deterministic summary: $(tail -3 "$TMP/err")"
    (cd "$TMP/$dir/memkv-register/latest" && pwd -P)
}

A=$(run 5 a) || exit 1
B=$(run 5 b) || exit 1
C=$(run 6 c) || exit 1
n=$(wc -l <"$A/history.edn")
[ "$n" -gt 30000 ] || fail "only $n ops in 20 s of simulated time"
cmp "$A/history.edn" "$B/history.edn" || fail "same seed, different histories"
cmp "$A/schedule.edn" "$B/schedule.edn" || fail "same seed, different schedules"
cmp -s "$A/history.edn" "$C/history.edn" && fail "seeds 5 and 6 gave one history"
grep -q ':time 0, :type :invoke' "$A/history.edn" ||
    fail "simulated time does not start at 0"

# Replaying a deterministic run reproduces it exactly.
expect_exit 1 "$FAULTLINE" test memkv --replay "$A" --store "$TMP/r"
R=$(cd "$TMP/r/memkv-register/latest" && pwd -P)
grep -q ':deterministic true' "$R/test.edn" || fail "replay not deterministic"
cmp "$A/history.edn" "$R/history.edn" || fail "replay differs"

# Refused: a suite with real nodes, memkv's faults, an external client.
expect_exit 254 "$FAULTLINE" test etcd --deterministic --time-limit 1
grep -q -- '--deterministic: suite etcd runs against real nodes' "$TMP/err" ||
    fail "etcd: $(cat "$TMP/err")"
expect_exit 254 "$FAULTLINE" test memkv --deterministic --nemesis pause \
    --time-limit 1 --store "$TMP/x"
grep -q -- '--nemesis pause with --deterministic' "$TMP/err" ||
    fail "pause: $(cat "$TMP/err")"
expect_exit 254 "$FAULTLINE" test memkv --deterministic --client-cmd true \
    --time-limit 1 --store "$TMP/x"
grep -q -- '--deterministic: --client-cmd' "$TMP/err" ||
    fail "client-cmd: $(cat "$TMP/err")"
exit 0
