#!/bin/sh
# t1201: WAIT is not consensus. On a private 4-node cluster with --wait 2
# and n4 the preferred replica (--preferred-replica: replica-priority 1),
# n4 is first cut off from the primary and the two other replicas (a
# minority: no failover; WAIT 2 is still acknowledged by n2 and n3, so the
# adds are :ok while n4 lags), then, without a heal, the primary is cut off
# from everyone and n4 rejoins n2 and n3: Sentinel promotes n4 by its
# priority, n2 and n3 resync from it, and adds that WAIT 2 acknowledged are
# lost. The report names them, and some of them were :ok. Each step lasts
# until what it is for has happened (offsets and roles asked with
# redis-cli), not a fixed time: the machine may be loaded.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-cluster.sh"
command -v redis-cli >/dev/null 2>&1 || skip "no redis-cli (redis-tools)"

# With --nodes the names are known before the run: exit 254.
for bad in xa1 xa9; do
    expect_exit 254 "$FAULTLINE" test redis --nodes xa1,xa2,xa3 \
        --preferred-replica $bad --time-limit 1
    grep -q -- "--preferred-replica: '$bad'" "$TMP/err" ||
        fail "no error naming --preferred-replica $bad"
done

cluster_up 4
run() {
    "$FAULTLINE" test redis --state-dir "$STATE" --store "$TMP/store" \
        --redis-dir "$TMP/redis" --concurrency 6 "$@"
}

# The nodes of a local cluster are known only when the run starts: a name
# that is not a replica's node fails setup, naming the option.
run --preferred-replica "$N1" --time-limit 1 >"$TMP/out" 2>"$TMP/err" &&
    fail "the first node accepted as the preferred replica"
grep -q -- "--preferred-replica: '$N1'" "$TMP/err" ||
    fail "no error naming --preferred-replica"

run --workload set --nemesis none --wait 2 --preferred-replica "$N4" \
    --down-after 1000 --final-wait 12000 --time-limit 30 \
    >"$TMP/out" 2>"$TMP/err" &
pid=$!
i=0
until grep -q 'ops/s' "$TMP/err" 2>/dev/null; do
    i=$((i + 1))
    [ $i -lt 600 ] || { kill $pid; fail "the workload never started"; }
    sleep 0.1
done
# The run holds the cluster's lock: iptables in the nodes' namespaces, as
# the partition nemesis does.
ip_of() { awk -v n="$1" '$1 == n { print $2 }' "$TMP/up.out"; }
cut() { # cut -A|-D X Y: add or remove the partition X | Y, both ways
    ip netns exec "$NSP$2" iptables -w "$1" INPUT -s "$(ip_of "$3")" \
        -j DROP &&
        ip netns exec "$NSP$3" iptables -w "$1" INPUT -s "$(ip_of "$2")" \
            -j DROP
}
# The replication offset of a node's Redis (asked from here: the control
# node is never cut off), and its role.
offset() {
    redis-cli -h "$(ip_of "$1")" INFO replication 2>/dev/null | tr -d '\r' |
        awk -F: '/^master_repl_offset:/ { print $2 }'
}
role() { redis-cli -h "$(ip_of "$1")" ROLE 2>/dev/null | head -1; }
# until_ TRIES CMD...: poll CMD every 0.2 s (the machine may be loaded).
until_() {
    n=$1
    shift
    while ! "$@"; do
        n=$((n - 1))
        [ $n -gt 0 ] || return 1
        sleep 0.2
    done
}
lagging() { # N4 is more than 2000 bytes (some 50 adds) behind N1
    a=$(offset $N1) b=$(offset $N4)
    [ -n "$a" ] && [ -n "$b" ] && [ $((a - b)) -gt 2000 ]
}
promoted() { [ "$(role $N4)" = master ]; }
# seen X: the Sentinel on X has N4 as a healthy replica (flags "slave", not
# s_down or disconnected), so a failover it leads can choose N4.
seen() {
    redis-cli -h "$(ip_of "$1")" -p 26379 SENTINEL replicas faultline \
        2>/dev/null | tr -d '\r' | awk -v ip="$(ip_of $N4)" '
        $0 == "ip" { getline; at = $0 }
        $0 == "flags" { getline; if (at == ip) f = $0 }
        END { exit f != "slave" }'
}
seen_by_all() { seen $N2 && seen $N3; }
# Step 1: N1,N2,N3 | N4, until N4 lags behind adds WAIT 2 acknowledged
# (N2 and N3 acknowledge them). Step 2: N4 rejoins N2 and N3 but not N1,
# until their Sentinels see it healthy again (else the failover's leader
# may leave it out). Step 3: N1 | N2,N3,N4, until Sentinel has promoted
# N4. Then heal.
for x in $N1 $N2 $N3; do cut -A $x $N4 || { kill $pid; fail "cut"; }; done
until_ 300 lagging || { kill $pid; fail "$N4 does not lag behind $N1"; }
for x in $N2 $N3; do cut -D $x $N4 || { kill $pid; fail "heal"; }; done
until_ 300 seen_by_all || { kill $pid; fail "Sentinels do not see $N4"; }
for x in $N2 $N3; do cut -A $N1 $x || { kill $pid; fail "cut"; }; done
until_ 300 promoted || { kill $pid; fail "$N4 was never promoted"; }
sleep 1
for x in $N2 $N3 $N4; do cut -D $N1 $x || { kill $pid; fail "heal"; }; done
wait $pid
rc=$?
[ $rc = 1 ] || { cat "$TMP/err" >&2; fail "set run exited $rc, not 1"; }
grep -q "verdict: invalid" "$TMP/out" || fail "no lost writes found"
grep -Eq 'set-full: :lost "#\{[0-9]' "$TMP/out" ||
    fail "the report does not name the lost elements"
d=$TMP/store/redis-set-wait/latest
grep -q "replica-priority 1" "$d/$N4/redis.conf" ||
    fail "$N4 is not the preferred replica"
grep -q "+selected-slave slave $(ip_of $N4):" "$d"/*/sentinel.log ||
    fail "Sentinel did not promote $N4"
# Lost elements whose add completed :ok, i.e. WAIT 2 acknowledged it.
acked=$(awk '
    FNR == NR {
        if (match($0, /:lost "#\{[^}]*\}"/)) {
            s = substr($0, RSTART + 9, RLENGTH - 11)
            n = split(s, part, " ")
            for (k = 1; k <= n; k++) {
                m = split(part[k], ab, "\\.\\.")
                lo[k] = ab[1]; hi[k] = m == 2 ? ab[2] : ab[1]
            }
        }
        next
    }
    /:type :ok, :process [0-9]*, :f :add, :value [0-9]*/ {
        match($0, /:value [0-9]*/)
        v = substr($0, RSTART + 7, RLENGTH - 7) + 0
        for (k = 1; k <= n; k++)
            if (v >= lo[k] + 0 && v <= hi[k] + 0) { c++; break }
    }
    END { print c + 0 }' "$d/results.edn" "$d/history.edn")
[ "$acked" -gt 0 ] || fail "no lost add was acknowledged by WAIT 2"
echo "ok t1201 ($acked acknowledged adds lost)"
