#!/bin/sh
# t0751: `fault kill|pause|resume` that matches no process says so, naming
# the node and the pattern or pidfile, and exits 1; one that hits something
# says how many processes it hit and exits 0.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-cluster.sh"

cluster_up 2

expect_exit 1 fault kill "$N1" --pattern "no-such-program-$$"
grep -q "$N1: no process matched --pattern 'no-such-program-$$'" "$TMP/err" ||
    fail "kill by pattern: $(cat "$TMP/err")"
expect_exit 1 fault kill "$N1" --pidfile "$TMP/none.pid"
grep -q "$N1: no process matched --pidfile '$TMP/none.pid'" "$TMP/err" ||
    fail "kill by pidfile: $(cat "$TMP/err")"
expect_exit 1 fault kill "$N1" --pidfile "$TMP/none.pid" --signal 15
expect_exit 1 fault pause "$N1" --pattern "no-such-program-$$"
expect_exit 1 fault resume "$N1" --pattern "no-such-program-$$"
[ ! -s "$STATE/paused" ] || fail "a pause of nothing was noted: $(cat "$STATE/paused")"

# One node has it and the other not: the miss is named, the hit done.
bg "$N1" "$PROBE" ticker "$TMP/tick1" 60
sleep 0.3
expect_exit 1 fault kill "$N1" "$N2" --pattern "ticker $TMP/tick1"
grep -q "$N1: kill (1 process)" "$TMP/out" || fail "hit not reported: $(cat "$TMP/out")"
grep -q "$N2: no process matched" "$TMP/err" || fail "miss not reported"
sleep 0.2
pgrep -f "ticker $TMP/tick1" >/dev/null && fail "the ticker survived"

# A daemon with a pidfile: killed once (exit 0), then nothing left (exit 1).
expect_exit 0 fault start "$N1" --pidfile "$TMP/srv.pid" -- "$PROBE" serve 7003 60
sleep 0.2
expect_exit 0 fault kill "$N1" --pidfile "$TMP/srv.pid"
grep -q "$N1: kill (1 process)" "$TMP/out" || fail "pidfile kill: $(cat "$TMP/out")"
expect_exit 1 fault kill "$N1" --pidfile "$TMP/srv.pid"
echo ok
