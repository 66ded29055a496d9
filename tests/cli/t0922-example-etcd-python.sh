#!/bin/sh
# t0922: examples/etcd-python, a client in Python (standard library only)
# for a real etcd cluster on this test's own 3 local nodes: the correct
# client is valid, the planted bug (--bug cache-reads) is invalid. etcd is
# brought up and down by the example's db.sh, as --db-start would.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-cluster.sh"
command -v etcd >/dev/null 2>&1 || skip "no etcd (scripts/install-deps.sh)"
command -v curl >/dev/null 2>&1 || skip "no curl"
command -v python3 >/dev/null 2>&1 || skip "no python3"
EX=$TOP/examples/etcd-python
cd "$TMP"

cluster_up 3
NODES=$(echo $NODES)
DATA=$TMP/etcd
# db NODE CMD: the example's db.sh on NODE, as the external suite runs it.
db() {
    on "$1" env FAULTLINE_NODE="$1" FAULTLINE_NODES="$NODES" \
        sh "$EX/db.sh" "$2" "$DATA"
}
for n in $N1 $N2 $N3; do db "$n" setup || fail "setup $n"; done
for n in $N1 $N2 $N3; do db "$n" start & done
wait
for n in $N1 $N2 $N3; do
    curl -fs -m 2 "http://$n:2379/health" >/dev/null ||
        { tail -20 "$DATA/$n/etcd.log" >&2; fail "etcd on $n not up"; }
done

ext() {
    "$FAULTLINE" test external --nodes "$N1,$N2,$N3" --workload register \
        --concurrency 6 --rate 100 --time-limit 5 --op-timeout 5 \
        --threads-per-key 3 --ops-per-key 60 "$@"
}
expect_exit 0 ext --client-cmd "python3 $EX/client.py"
grep -q 'verdict: valid' "$TMP/out" || fail "correct client not valid"
grep -q 'ok [1-9][0-9]' "$TMP/err" || fail "too few :ok ops"

expect_exit 1 ext --client-cmd "python3 $EX/client.py --bug cache-reads"
grep -q 'verdict: invalid' "$TMP/out" || fail "cached reads not invalid"
grep -q 'linearizable:' "$TMP/out" || fail "no linearizability anomaly"

for n in $N1 $N2 $N3; do db "$n" teardown || fail "teardown $n"; done
[ ! -d "$DATA/$N1" ] || fail "teardown left $DATA/$N1"
exit 0
