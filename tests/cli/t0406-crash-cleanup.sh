#!/bin/sh
# t0406-crash-cleanup.sh: faultline is SIGKILLed in the middle of a run
# while a partition, packet shapers, a paused process, a lazy mount and
# processes inside the nodes are all active; `faultline cluster down` then
# leaves no rule, namespace, mount, process, route or hosts line behind.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-cluster.sh"

cluster_up 3
for n in $NODES; do bg "$n" "$PROBE" serve 7003 120; done
bg "$N3" "$PROBE" ticker "$TMP/tick" 120
expect_exit 0 fault partition --topology one --seed 1
expect_exit 0 fault packet --targets "$N2" --delay 20ms
expect_exit 0 fault pause "$N3" --pattern "fl-netprobe ticker"
fuse=0
if [ -e /dev/fuse ] && command -v fusermount3 >/dev/null 2>&1; then
    expect_exit 0 fault lazyfs mount "$N1" "$TMP/lazy"
    grep -qF " $TMP/lazy fuse" /proc/mounts || fail "lazy mount not mounted"
    fuse=1
fi
# A faultline process in the middle of its work, killed hard.
# (sleep 60.<id>: a pattern no other process on the machine has)
"$FAULTLINE" cluster exec --state-dir "$STATE" --timeout 60s "$N2" sleep "60.$ID" &
fl=$!
i=0
until pgrep -x -f "sleep 60.$ID" >/dev/null; do
    i=$((i + 1))
    [ $i -gt 50 ] && fail "sleep 60.$ID did not start"
    sleep 0.1
done
kill -9 $fl
wait $fl 2>/dev/null

# This test's shapers: by the node their daemon was started for (another
# test's shapers on the machine use the same queue number).
my_shapers() {
    for p in $(pgrep -f "_shaper 4242"); do
        tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null |
            grep -qx "FAULTLINE_DAEMON=$N2" && echo "$p"
    done
}
[ -n "$(leftovers)" ] || fail "nothing was set up?"
[ -n "$(my_shapers)" ] || fail "the shaper of $N2 is not running?"
expect_exit 0 "$FAULTLINE" cluster down --state-dir "$STATE"
sleep 0.2
left=$(leftovers)
[ -z "$left" ] || fail "left behind: $left"
pgrep -f "ticker $TMP/tick" >/dev/null && fail "paused process left"
pgrep -x -f "sleep 60.$ID" >/dev/null && fail "sleep left"
[ -z "$(my_shapers)" ] || fail "shaper left"
[ $fuse = 1 ] ||
    skip "no FUSE (/dev/fuse, fusermount3): a lazy mount's cleanup was not checked"
echo ok
