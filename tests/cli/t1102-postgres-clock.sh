#!/bin/sh
# t1102-postgres-clock.sh: clock faults reach PostgreSQL on the local
# cluster: its postgres runs with the time shim preloaded (LD_PRELOAD,
# FAULTLINE_CLOCK_FILE of its node), so after `faultline fault clock bump`
# the server's clock_timestamp() is off by the bump while the machine's
# clock is not.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-cluster.sh"

[ -x /usr/lib/postgresql/15/bin/postgres ] ||
    skip "postgresql-15 not installed (scripts/install-deps.sh)"
command -v psql >/dev/null 2>&1 || skip "no psql (postgresql-client-15)"

cluster_up 1
chmod 755 "$TMP"
stop_pg() {
    p=$(cat "$TMP/pg/$N1/postgres.pid" 2>/dev/null) && kill -9 "$p" 2>/dev/null
    sleep 1
}
expect_exit 0 "$FAULTLINE" test postgres --state-dir "$STATE" \
    --pg-dir "$TMP/pg" --store "$TMP/store" --time-limit 2 --nemesis none \
    --leave-db-running
trap 'stop_pg; cleanup' EXIT
pid=$(cat "$TMP/pg/$N1/postgres.pid") || fail "no postgres.pid"
tr '\0' '\n' <"/proc/$pid/environ" | grep -q '^LD_PRELOAD=.*libfaultline-time.so' ||
    fail "postgres runs without the time shim"
skew() {
    pg=$(psql -At -h "$N1" -U postgres -d postgres \
        -c "select extract(epoch from clock_timestamp())::bigint") ||
        fail "psql"
    echo $((pg - $(date +%s)))
}
[ "$(skew)" -lt 5 ] || fail "skewed before any fault"
fault clock bump "$N1" --delta 300s >/dev/null || fail "clock bump"
s=$(skew)
[ "$s" -ge 295 ] && [ "$s" -le 305 ] || fail "postgres clock off by $s s, not 300"
fault clock reset >/dev/null || fail "clock reset"
sleep 0.1
[ "$(skew)" -lt 5 ] || fail "still skewed after reset"
echo "ok t1102"
