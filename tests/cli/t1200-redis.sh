#!/bin/sh
# t1200: the redis suite end to end on a private 3-node local cluster.
# Bad options exit 254 naming the option. With the primary partitioned
# away (Sentinel fails over while clients still write to the old primary,
# which then resyncs from the new one), acknowledged adds are lost and the
# report names them; Sentinel's failover is in its log. A register run
# without faults is linearizable, and a queue run drains what it enqueued.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-cluster.sh"

cluster_up 3
run() {
    "$FAULTLINE" test redis --state-dir "$STATE" --store "$TMP/store" \
        --redis-dir "$TMP/redis" --concurrency 6 "$@"
}

expect_exit 254 run --wait -1
grep -q -- "--wait" "$TMP/err" || fail "no error naming --wait"
expect_exit 254 run --appendfsync sometimes
grep -q "sometimes" "$TMP/err" || fail "no error naming the fsync mode"
expect_exit 254 run --partition-targets primaries,nowhere
grep -q "nowhere" "$TMP/err" || fail "no error naming the topology"
expect_exit 254 run --redis-dir relative
grep -q "relative" "$TMP/err" || fail "no error naming the dir"
expect_exit 254 run --wait 1 --wait-timeout 3000 --request-timeout 2000
grep -q -- "--request-timeout" "$TMP/err" || fail "no error on the timeouts"

# The primary is cut off from both replicas for 5 s, by hand so that it
# happens in every run: Sentinel fails over after 1 s while the clients
# keep writing to the old primary, which later resyncs from the new one.
run --workload set --nemesis none --down-after 1000 --final-wait 12000 \
    --time-limit 10 >"$TMP/out" 2>"$TMP/err" &
pid=$!
i=0
until grep -q 'ops/s' "$TMP/err" 2>/dev/null; do
    i=$((i + 1))
    [ $i -lt 600 ] || { kill $pid; fail "the workload never started"; }
    sleep 0.1
done
# The run holds the cluster's lock, so `fault` would refuse: iptables in
# the nodes' namespaces, as the partition nemesis does.
ip_of() { awk -v n="$1" '$1 == n { print $2 }' "$TMP/up.out"; }
cut_off() { # cut_off -A|-D: add or remove the partition N1 | N2,N3
    for peer in $N2 $N3; do
        ip netns exec "$NSP$N1" iptables -w "$1" INPUT -s "$(ip_of $peer)" \
            -j DROP || return 1
        ip netns exec "$NSP$peer" iptables -w "$1" INPUT -s "$(ip_of $N1)" \
            -j DROP || return 1
    done
}
cut_off -A || { kill $pid; fail "partition"; }
sleep 5
cut_off -D || { kill $pid; fail "heal"; }
wait $pid
rc=$?
[ $rc = 1 ] || { cat "$TMP/err" >&2; fail "set run exited $rc, not 1"; }
grep -q "verdict: invalid" "$TMP/out" || fail "no lost writes found"
grep -Eq 'set-full: :lost "#\{[0-9]' "$TMP/out" ||
    fail "the report does not name the lost elements"
d=$TMP/store/redis-set/latest
grep -q ':lost-count [1-9]' "$d/results.edn" || fail "no :lost-count"
grep -q '+switch-master' "$d/$N2/sentinel.log" "$d/$N3/sentinel.log" ||
    fail "no Sentinel failover in the logs"
grep -q "Connecting to MASTER $N1:6379" "$d/$N2/redis.log" ||
    fail "$N2 did not start as a replica of $N1"
[ -s "$d/$N1/redis.log" ] || fail "no redis.log of $N1"
[ -e "$TMP/redis/redis/$N1" ] && fail "teardown left $N1's redis dir"

expect_exit 0 run --workload register --nemesis none --time-limit 4
grep -q "verdict: valid" "$TMP/out" || fail "register without faults invalid"
grep -q ':cas' "$TMP/store/redis-register/latest/history.edn" ||
    fail "no compare-and-set in the register history"

expect_exit 0 run --workload queue --nemesis none --time-limit 3
grep -q "verdict: valid" "$TMP/out" || fail "queue without faults invalid"
grep -q ':type :ok, :process [0-9]*, :f :drain' \
    "$TMP/store/redis-queue/latest/history.edn" || fail "no drain"
echo "ok t1200"
