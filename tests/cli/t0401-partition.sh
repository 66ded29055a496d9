#!/bin/sh
# t0401-partition.sh: a partition cuts exactly the grudge's pairs, checked
# with TCP connections between all node pairs, and heal restores them all;
# rules live only in our own FAULTLINE chain.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-cluster.sh"

cluster_up 5
for n in $NODES; do bg "$n" "$PROBE" serve 7000 60; done
sleep 0.3

# matrix: one line per node, "1" where its TCP connect to that node works.
matrix1() {
    for n in $NODES; do
        on "$n" "$PROBE" probe 7000 600 $NODES >"$TMP/m.$n" &
    done
    wait
    for n in $NODES; do cat "$TMP/m.$n"; done
}

# matrix [WANT]: as matrix1, measured a second time if it differs from
# WANT (a connect can miss its 0.6 s deadline on an overloaded CI machine).
matrix() {
    m=$(matrix1)
    if [ $# -gt 0 ] && [ "$m" != "$1" ]; then
        sleep 0.5
        m=$(matrix1)
    fi
    printf '%s\n' "$m"
}

# expected DESC: the matrix the grudge description "a drops b,c; ..." means.
expected() {
    printf '%s\n' "$1" | awk -v nodes="$NODES" '
    { n = split($0, cl, "; ")
      for (i = 1; i <= n; i++) {
          split(cl[i], w, " drops "); m = split(w[2], src, ",")
          for (j = 1; j <= m; j++) { cut[w[1] "/" src[j]] = 1; cut[src[j] "/" w[1]] = 1 }
      } }
    END { k = split(nodes, nd, " ")
      for (a = 1; a <= k; a++) { line = ""
          for (b = 1; b <= k; b++)
              line = line (b > 1 ? " " : "") ((nd[a] "/" nd[b]) in cut ? 0 : 1)
          print line } }'
}

all_ok=$(printf '1 1 1 1 1\n1 1 1 1 1\n1 1 1 1 1\n1 1 1 1 1\n1 1 1 1 1')
[ "$(matrix "$all_ok")" = "$all_ok" ] || fail "not fully connected at start"

# An explicit grudge: components {1,2} {3,4,5}.
expect_exit 0 fault partition --grudge "$N1,$N2|$N3,$N4,$N5"
want=$(printf '1 1 0 0 0\n1 1 0 0 0\n0 0 1 1 1\n0 0 1 1 1\n0 0 1 1 1')
got=$(matrix "$want")
[ "$got" = "$want" ] || fail "components: $got"

# Topologies: what was cut is exactly what the grudge says.
for t in majority one bridge majorities-ring; do
    expect_exit 0 fault partition --topology $t --seed 7
    desc=$(sed 's/^partitioned: //' "$TMP/out")
    [ "$desc" != none ] || fail "$t cut nothing"
    exp=$(expected "$desc")
    got=$(matrix "$exp")
    [ "$got" = "$exp" ] || fail "$t: $desc: got $got"
    case $t in
    majority) # a 2/3 split: 12 cut (dst,src) pairs
        [ "$(printf '%s' "$got" | tr -cd 0 | wc -c)" = 12 ] || fail "majority: $got" ;;
    one) [ "$(printf '%s' "$got" | tr -cd 0 | wc -c)" = 8 ] || fail "one: $got" ;;
    esac
done

# One-way: n2 drops packets from n1 only. TCP needs both ways, so the pair
# is cut both ways, the rule sits only on n2, and n1 keeps no rule.
expect_exit 0 fault partition --grudge "$N1>$N2"
want=$(printf '1 0 1 1 1\n0 1 1 1 1\n1 1 1 1 1\n1 1 1 1 1\n1 1 1 1 1')
got=$(matrix "$want")
[ "$got" = "$want" ] || fail "one-way: $got"
on "$N2" iptables -w -S FAULTLINE | grep -q -- "-s ${SUBNET%.0/24}.11/32 -j DROP" || fail "no rule on n2"
on "$N1" iptables -w -S FAULTLINE | grep -q DROP && fail "rule on n1"

# Rules that are not ours survive heal.
on "$N3" iptables -w -A INPUT -p udp --dport 9 -j DROP
expect_exit 0 fault heal
got=$(matrix "$all_ok")
[ "$got" = "$all_ok" ] || fail "heal: $got"
on "$N3" iptables -w -S INPUT | grep -q -- "--dport 9 -j DROP" || fail "heal removed a foreign rule"
on "$N3" iptables -w -S | grep -q FAULTLINE && fail "our chain left after heal"

expect_exit 254 fault partition --topology sideways
expect_exit 254 fault partition --grudge "$N1|nosuch"
echo ok
