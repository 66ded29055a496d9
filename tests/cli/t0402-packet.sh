#!/bin/sh
# t0402-packet.sh: packet faults through the NFQUEUE shaper: the delay and
# loss asked for are within 10% of what 1000-packet UDP echo runs measure,
# and heal restores a clean path and stops the shapers.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-cluster.sh"

cluster_up 2
bg "$N2" "$PROBE" serve 7001 60
sleep 0.2

# within MEASURED WANT: |measured - want| <= 10% of want
within() {
    awk -v m="$1" -v w="$2" 'BEGIN { d = m - w; if (d < 0) d = -d; exit !(d <= 0.1 * w) }'
}
field() { printf '%s\n' "$1" | awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'; }

base=$(on "$N1" "$PROBE" udpping "$N2" 7001 50 2)
[ "$(field "$base" recv)" = 50 ] || fail "no clean path: $base"

# Delay: both directions pass a shaper (the target shapes its replies too),
# so a round trip carries twice the delay.
expect_exit 0 fault packet --targets "$N2" --delay 40ms --seed 11
got=$(on "$N1" "$PROBE" udpping "$N2" 7001 200 2)
rtt=$(field "$got" rtt_avg_ms)
within "$rtt" 80 || fail "delay 40ms each way: $got"
[ "$(field "$got" recv)" = 200 ] || fail "delay lost packets: $got"

# Loss p each way: a round trip survives with (1-p)^2.
expect_exit 0 fault packet --targets "$N2" --loss 0.2 --seed 12
got=$(on "$N1" "$PROBE" udpping "$N2" 7001 1000 1)
p=$(printf '%s\n' "$got" | awk '{ for (i = 1; i < NF; i++) if ($i == "recv") r = $(i + 1);
    print 1 - sqrt(r / 1000) }')
within "$p" 0.2 || fail "loss 0.2 each way measured $p: $got"

# Duplication shows up as duplicate echoes.
expect_exit 0 fault packet --targets "$N2" --duplicate 0.5 --seed 13
got=$(on "$N1" "$PROBE" udpping "$N2" 7001 200 2)
[ "$(field "$got" dup)" -gt 20 ] || fail "duplicate: $got"

expect_exit 0 fault heal
got=$(on "$N1" "$PROBE" udpping "$N2" 7001 100 1)
[ "$(field "$got" recv)" = 100 ] || fail "after heal: $got"
rtt=$(field "$got" rtt_avg_ms)
awk -v r="$rtt" 'BEGIN { exit !(r < 20) }' || fail "still slow after heal: $got"
on "$N1" iptables -w -S | grep -q FAULTLINE-PKT && fail "chain left"
ps -eo args | grep -v grep | grep -q "_shaper" && fail "shaper left running"

expect_exit 254 fault packet --loss 1.5
echo ok
