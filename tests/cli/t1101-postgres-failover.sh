#!/bin/sh
# t1101-postgres-failover.sh: `faultline test postgres --replicas 2
# --nemesis failover` on a private 3-node cluster: n2 and n3 stream from
# n1; each :failover (recorded with :from, :to and the promoted replica's
# WAL position) cuts the primary off, promotes a replica and repoints the
# clients. With asynchronous replication the set workload loses
# acknowledged inserts (invalid, :lost); with --sync-replication none.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-cluster.sh"

[ -x /usr/lib/postgresql/15/bin/postgres ] ||
    skip "postgresql-15 not installed (scripts/install-deps.sh)"

expect_exit 254 "$FAULTLINE" test postgres --nemesis failover
grep -q -- "--replicas" "$TMP/err" || fail "failover without replicas accepted"

cluster_up 3
chmod 755 "$TMP" # user postgres walks to its data dirs
run() {
    "$FAULTLINE" test postgres --state-dir "$STATE" --concurrency 6 \
        --pg-dir "$TMP/pg" --store "$TMP/store" --seed 3 --workload set \
        --replicas 2 --nemesis failover --nemesis-interval 3 \
        --time-limit 10 "$@"
}

expect_exit 1 run
grep -q "set: :lost" "$TMP/out" || fail "async replication lost nothing"
d=$TMP/store/postgres-set-serializable-r2/latest
grep -q ':f :failover, :value {:from "'"$N1"'", :to "t[0-9]*n[23]", :lsn "' \
    "$d/history.edn" || fail "no failover from $N1 in the history"
grep -q "primary_conninfo" "$d/$N2/postgres.log" 2>/dev/null ||
    grep -q "started streaming WAL" "$d/$N2/postgres.log" ||
    fail "$N2 never streamed from a primary"

expect_exit 0 run --sync-replication
grep -q "verdict: valid" "$TMP/out" || fail "sync replication lost writes"
d=$TMP/store/postgres-set-serializable-r2-sync/latest
grep -q ':f :failover, :value {:from' "$d/history.edn" ||
    fail "no failover in the sync run"
echo "ok t1101"
