#!/bin/sh
# t0400-cluster.sh: `faultline cluster up/status/exec/down` builds a local
# cluster whose nodes have their own names, addresses and hosts files, can
# reach each other and the control node by name, and leave nothing behind.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-cluster.sh"

expect_exit 254 "$FAULTLINE" cluster up --nodes 0 --state-dir "$STATE"
expect_exit 254 "$FAULTLINE" cluster up --subnet 10.1.2.3/16 --state-dir "$STATE"
expect_exit 254 "$FAULTLINE" cluster frob
expect_exit 1 "$FAULTLINE" cluster status --state-dir "$STATE"

cluster_up 3
[ "$(wc -l <"$TMP/up.out")" = 3 ] || fail "up should list 3 nodes"
# Idempotent: up again with the same settings loads the same cluster.
cluster_up 3
expect_exit 0 "$FAULTLINE" cluster status --state-dir "$STATE"
grep -q "^$N2 .* up" "$TMP/out" || fail "status: $(cat "$TMP/out")"

[ "$(on "$N2" hostname)" = "$N2" ] || fail "hostname in node"
on "$N1" getent hosts "$N3" | grep -q "${SUBNET%.0/24}.13" || fail "node hosts file"
getent hosts "$N1" | grep -q "${SUBNET%.0/24}.11" || fail "control /etc/hosts block"
on "$N1" getent hosts control >/dev/null || fail "control by name"

# Everything reachable: each node to every node, and control to nodes.
for n in $NODES; do bg "$n" "$PROBE" serve 7000 20; done
sleep 0.3
for n in $NODES; do
    got=$(on "$n" "$PROBE" probe 7000 1000 $NODES)
    [ "$got" = "1 1 1" ] || fail "$n reaches: $got"
done
[ "$("$PROBE" probe 7000 1000 $NODES)" = "1 1 1" ] || fail "control reaches"

# Exit codes pass through exec; hostile arguments stay single words.
expect_exit 7 "$FAULTLINE" cluster exec --state-dir "$STATE" "$N1" sh -c 'exit 7'
[ "$(on "$N1" printf '%s' '$(id) `x`; *')" = '$(id) `x`; *' ] || fail "quoting"
expect_exit 254 "$FAULTLINE" cluster exec --state-dir "$STATE" nosuchnode true

expect_exit 0 "$FAULTLINE" cluster down --state-dir "$STATE"
left=$(leftovers)
[ -z "$left" ] || fail "left behind: $left"
# down again is a no-op
expect_exit 0 "$FAULTLINE" cluster down --state-dir "$STATE"
echo ok
