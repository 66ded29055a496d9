#!/bin/sh
# t1103-postgres-lazyfs.sh: `--nemesis lazyfs` puts each node's data dir on
# the lazy filesystem, and a kill of PostgreSQL loses what it had not
# fsynced (a crash of the machine). With the planted bug `--fsync off` the
# acknowledged inserts are gone after a crash (invalid, set-full's :lost);
# with fsync on, the same faults lose nothing. The mounts are gone after
# the run; lazyfs with failover is refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-cluster.sh"

[ -x /usr/lib/postgresql/15/bin/postgres ] ||
    skip "postgresql-15 not installed (scripts/install-deps.sh)"
[ -e /dev/fuse ] || skip "no /dev/fuse"
command -v fusermount3 >/dev/null 2>&1 || skip "no fusermount3 (fuse3)"

expect_exit 254 "$FAULTLINE" test postgres --replicas 1 \
    --nemesis failover,lazyfs
grep -q "lazyfs" "$TMP/err" || fail "no message naming lazyfs"

cluster_up 1
chmod 755 "$TMP" # user postgres walks to its data dirs
run() {
    "$FAULTLINE" test postgres --state-dir "$STATE" --concurrency 4 \
        --pg-dir "$TMP/pg" --store "$TMP/store" --workload set \
        --nemesis lazyfs --nemesis-interval 3 --time-limit 12 --seed 3 "$@"
}
d=$TMP/store/postgres-set-serializable/latest

expect_exit 1 run --fsync off
grep -q "verdict: invalid" "$TMP/out" || fail "fsync off not invalid"
grep -q ':lost-count [1-9]' "$d/results.edn" ||
    fail "fsync off: no acknowledged insert reported lost"
grep -Eq ':f :kill, :value \["' "$d/history.edn" || fail "no kill in the history"
grep -q "fsync = off" "$d/$N1/postgresql.conf" || fail "fsync not off"
grep -q "faultline-lazyfs $TMP/pg" /proc/mounts && fail "a lazy mount left over"
[ -e "$TMP/pg/$N1" ] && fail "teardown left $TMP/pg/$N1"

expect_exit 0 run
grep -q "verdict: valid" "$TMP/out" || fail "fsync on not valid"
grep -q ':lost-count 0' "$d/results.edn" || fail "fsync on lost inserts"
[ "$(grep -Ec ':f :kill, :value \["' "$d/history.edn")" -ge 2 ] ||
    fail "fewer than two crashes with fsync on"
grep -q "faultline-lazyfs $TMP/pg" /proc/mounts && fail "a lazy mount left over"
echo "ok t1103"
