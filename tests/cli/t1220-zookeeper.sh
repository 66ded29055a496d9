#!/bin/sh
# t1220: the zookeeper suite on a private 3-node local cluster: a bad
# option is refused naming it, and so is a missing time shim; a short
# register run under partitions, kills and pauses is valid (sessions
# logged), with zoo.cfg and myid from the templates and
# the data wiped at teardown; in a second run the servers' clocks are
# bumped by +2 h in the middle and the znode mtimes stamped by the
# leader's JVM show it (:leader-clock-skew), so clock faults reach
# ZooKeeper; a set run is valid.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-cluster.sh"

[ -e /usr/share/java/zookeeper.jar ] && command -v java >/dev/null 2>&1 ||
    skip "zookeeper or java not installed (scripts/install-deps.sh)"

cluster_up 3
ZK=$TMP/zk
run() {
    "$FAULTLINE" test zookeeper --state-dir "$STATE" --concurrency 6 \
        --zookeeper-dir "$ZK" --store "$TMP/store" --heap 64m "$@"
}

expect_exit 254 run --heap lots
grep -q -- "--heap" "$TMP/err" || fail "no error naming --heap"
# Without the time shim clock faults would silently not reach the JVMs:
# the servers are not started.
expect_exit 254 env FAULTLINE_TIME_SO="$TMP/no-shim" "$FAULTLINE" test \
    zookeeper --state-dir "$STATE" --zookeeper-dir "$ZK" --time-limit 2 \
    --store "$TMP/store0"
grep -q "no time shim at $TMP/no-shim" "$TMP/err" ||
    fail "a missing time shim is not named"

# evidence STORE NAME: an invalid run's store is kept beside the build
# ($TMP goes at exit), and the failing key's last ops up to the one the
# checker could not linearize, with the faults before it, go to stderr:
# the CI log is then enough to tell a client bug (a write recorded :fail
# that took effect) from ZooKeeper's own (docs/zookeeper.md, "Known issue").
evidence() {
    keep="$O/t1220-invalid-$$-$2"
    cp -r "$1" "$keep" 2>/dev/null
    echo "t1220: $2 run invalid; store kept in $keep" >&2
    grep -A3 'invalid' "$TMP/out" >&2
    h=$(ls -d "$1"/*/latest)/history.edn
    key=$(sed -n 's/.*first key \([0-9-]*\).*/\1/p' "$TMP/out" | head -1)
    at=$(sed -n 's/.*:op {[^}]*:index \([0-9]*\).*/\1/p' "$TMP/out" | head -1)
    echo "key $key's ops up to index $at, then the faults before it:" >&2
    grep -E ":value \[$key[] ]|:process :nemesis" "$h" |
        awk -v at="${at:-999999999}" -F', :' '
            { i = $1; sub(/.*:index /, "", i) }
            i + 0 <= at + 0 { sub(/^\{/, ""); print }' >"$TMP/ev"
    grep -v ':nemesis' "$TMP/ev" | tail -n 40 >&2
    grep ':nemesis' "$TMP/ev" | cut -c1-160 >&2
}

# The register run under faults must be valid. Two clean-clone CI runs in
# about twenty ended invalid, once in this run, once in the clock run
# below; 80 runs here at the same load (about 80 ops/s) were all valid
# (docs/zookeeper.md, "Known issue"). An invalid run prints its evidence
# and is run once more: two in a row fail, as a client that records
# writes wrongly would.
register_run() {
    run --time-limit 10 --nemesis partition,kill,pause --nemesis-interval 3 \
        --seed "$1" >"$TMP/out" 2>"$TMP/err"
}
register_run 5
rc=$?
if [ $rc = 1 ]; then
    evidence "$TMP/store" register
    register_run 6
    rc=$?
    [ $rc = 1 ] && evidence "$TMP/store" register-again &&
        fail "register run invalid twice"
fi
[ $rc = 0 ] || { cat "$TMP/err" >&2; fail "register run: exit $rc"; }
grep -q "verdict: valid" "$TMP/out" || fail "register run not valid"
run_dir=$TMP/store/zookeeper-register/latest
grep -Eq ':f :(kill|pause|start-partition)' "$run_dir/history.edn" ||
    fail "no faults in the history"
grep -q "^server.2=$N2:2888:3888$" "$run_dir/$N1/zoo.cfg" ||
    fail "zoo.cfg not from the node list"
[ "$(cat "$run_dir/$N2/data_myid")" = 2 ] || fail "myid of $N2 is not 2"
# Session events are logged (docs/zookeeper.md, "The client").
grep -Eq "zookeeper: $N1:2181: session 0x[0-9a-f]+ connected" \
    "$run_dir/faultline.log" || fail "no session event in faultline.log"
[ -e "$ZK/$N1/data" ] && fail "teardown left $ZK/$N1/data"

# Bump every server's clock by +2 h in the middle of a run.
rm -f "$TMP/out" "$TMP/err" # the grep below must not see the last run's
run --time-limit 10 --store "$TMP/store2" >"$TMP/out" 2>"$TMP/err" &
pid=$!
run_dir=$TMP/store2/zookeeper-register/latest
i=0
# The progress line (every 2 s of the workload) says ops are flowing.
until grep -q 's left\]' "$TMP/err" 2>/dev/null; do
    i=$((i + 1))
    kill -0 $pid 2>/dev/null || { cat "$TMP/err" >&2; fail "run ended early"; }
    [ $i -lt 900 ] || { kill $pid; fail "no op completed in 90 s"; }
    sleep 0.1
done
sleep 3
# The run holds the cluster's lock, so `fault clock bump` is refused while
# it goes on: step the servers' clocks as something outside faultline would
# (an operator, a broken NTP), by writing the clock shim's offset files
# directly, in the format the clock nemesis writes (docs/nemesis.md).
mkdir -p "$STATE/clock"
for n in $N1 $N2 $N3; do
    echo 7200000000000 >"$STATE/clock/$n.tmp" &&
        mv "$STATE/clock/$n.tmp" "$STATE/clock/$n" || fail "clock bump"
done
wait $pid
rc=$?
fault clock reset >/dev/null
# This run checks that the jump reaches the JVM, not the verdict: one CI
# run (of about ten) said invalid here, unexplained so far (docs/zookeeper.md,
# "Known issue"). A valid verdict under faults is asserted by the run above.
[ $rc = 0 ] || [ $rc = 1 ] || { cat "$TMP/err" >&2; fail "clock run: exit $rc"; }
[ $rc = 1 ] && evidence "$TMP/store2" clock
# Writes acknowledged before the bump carry a small skew, those after it
# about +7200 s: the leader's JVM saw its clock jump.
skews=$(grep ':type :ok' "$run_dir/history.edn" |
    sed -n 's/.*:leader-clock-skew \([-0-9.]*\).*/\1/p')
# On failure: the first skew of every second of the run.
timeline() {
    grep ':type :ok' "$run_dir/history.edn" | sed -n \
        's/.*:time \([0-9]*\).*:leader-clock-skew \([-0-9.]*\).*/\1 \2/p' |
        awk '{ s = int($1 / 1e9); if (s != p) print s " s: " $2; p = s }' >&2
}
[ -n "$skews" ] || fail "no :leader-clock-skew in the history"
echo "$skews" | awk '$1 > -5 && $1 < 5 { n++ } END { exit !n }' ||
    { timeline; fail "no write before the bump with a small skew"; }
echo "$skews" | awk '$1 > 7150 && $1 < 7250 { n++ } END { exit !n }' ||
    { timeline; fail "no write after the bump saw the +2 h clock"; }

expect_exit 0 run --workload set --time-limit 8 --nemesis partition \
    --nemesis-interval 2
grep -q "verdict: valid" "$TMP/out" || fail "set run not valid"
echo "ok t1220"
