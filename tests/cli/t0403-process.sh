#!/bin/sh
# t0403-process.sh: kill and start work on a real server (a TCP server run
# as a daemon with a pidfile), pause stops a process's progress and resume
# restarts it, grepkill-style faults reach only the node they are aimed at,
# and heal resumes whatever `fault pause` paused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-cluster.sh"

cluster_up 2
PID=$TMP/srv.pid
LOG=$TMP/srv.log

# start: a real server comes up and answers on its port.
expect_exit 0 fault start "$N1" --pidfile "$PID" --log "$LOG" -- "$PROBE" serve 7002 60
grep -q started "$TMP/out" || fail "start: $(cat "$TMP/out")"
sleep 0.3
[ "$(on "$N2" "$PROBE" probe 7002 1000 "$N1")" = 1 ] || fail "server not up"
expect_exit 0 fault start "$N1" --pidfile "$PID" -- "$PROBE" serve 7002 60
grep -q "already running" "$TMP/out" || fail "second start: $(cat "$TMP/out")"
grep -q "faultline starting" "$LOG" || fail "no start line in the log"

# kill: the process is gone and the port closed; start brings it back.
pid=$(cat "$PID")
expect_exit 0 fault kill "$N1" --pidfile "$PID"
[ -d "/proc/$pid" ] && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null && fail "still alive after kill"
[ "$(on "$N2" "$PROBE" probe 7002 300 "$N1")" = 0 ] || fail "port open after kill"
expect_exit 0 fault start "$N1" --pidfile "$PID" --log "$LOG" -- "$PROBE" serve 7002 60
sleep 0.3
[ "$(on "$N2" "$PROBE" probe 7002 1000 "$N1")" = 1 ] || fail "not back after start"

# pause/resume by pattern: a ticker stops counting, then goes on. The same
# program on n2 is not touched (the pattern is scoped to n1).
bg "$N1" "$PROBE" ticker "$TMP/tick1" 60
bg "$N2" "$PROBE" ticker "$TMP/tick2" 60
sleep 0.3
expect_exit 0 fault pause "$N1" --pattern "fl-netprobe ticker"
sleep 0.1
a=$(cat "$TMP/tick1"); b2=$(cat "$TMP/tick2")
sleep 0.5
b=$(cat "$TMP/tick1"); c2=$(cat "$TMP/tick2")
[ "$a" = "$b" ] || fail "paused ticker moved: $a -> $b"
[ "$c2" -gt "$b2" ] || fail "n2's ticker was paused too: $b2 -> $c2"
grep -q '^State:.*T' /proc/$(pgrep -f "ticker $TMP/tick1")/status || fail "not stopped"
expect_exit 0 fault resume "$N1" --pattern "fl-netprobe ticker"
sleep 0.3
c=$(cat "$TMP/tick1")
[ "$c" -gt "$b" ] || fail "resumed ticker did not move: $b -> $c"

# heal resumes what `fault pause` paused.
expect_exit 0 fault pause "$N1" --pattern "fl-netprobe ticker"
sleep 0.2
a=$(cat "$TMP/tick1")
expect_exit 0 fault heal
sleep 0.3
b=$(cat "$TMP/tick1")
[ "$b" -gt "$a" ] || fail "heal did not resume: $a -> $b"

# kill by pattern with a signal, on n1 only.
expect_exit 0 fault kill "$N1" --pattern "fl-netprobe ticker" --signal 9
sleep 0.2
pgrep -f "ticker $TMP/tick1" >/dev/null && fail "ticker on n1 survived"
pgrep -f "ticker $TMP/tick2" >/dev/null || fail "ticker on n2 was killed"

expect_exit 254 fault kill "$N1"
expect_exit 254 fault kill nosuch --pidfile "$PID"
echo ok
