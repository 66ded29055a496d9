#!/bin/sh
# t0701-heal-leftovers.sh: an etcd run is SIGKILLed while a partition and a
# pause are in force; more leftovers are added by hand (a clock offset,
# packet shaping, a stopped process, a lazy mount). The next run heals
# every node first, says what it removed, one line per thing, and passes
# (without healing, etcd never gets healthy and the run fails after its
# 60 s start timeout); the run after that has "nothing to heal".
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-cluster.sh"

[ -x /usr/bin/etcd ] || skip "etcd not installed (apt-get install etcd-server)"
cluster_up 3

# A run with partitions and pauses every second, killed once both are on.
"$FAULTLINE" test etcd --state-dir "$STATE" --etcd-dir "$TMP/etcd" \
    --store "$TMP/store" --concurrency 3 --time-limit 120 \
    --nemesis partition,pause --nemesis-interval 1 \
    >"$TMP/k.out" 2>"$TMP/k.err" &
victim=$!
partitioned() {
    for n in $NODES; do
        on "$n" iptables -S FAULTLINE 2>/dev/null | grep -q DROP && return 0
    done
    return 1
}
paused() {
    for n in $NODES; do
        for p in $(ip netns pids "${NSP}$n"); do
            st=$(cat /proc/$p/stat 2>/dev/null) || continue
            set -- ${st##*) }
            [ "$1" = T ] && return 0
        done
    done
    return 1
}
# Freeze the run (and give its commands in flight time to end) before
# looking, so the faults seen are the ones the SIGKILL leaves.
i=0
while :; do
    i=$((i + 1))
    [ $i -lt 300 ] || { cat "$TMP/k.err" >&2; fail "no partition+pause in 60 s"; }
    sleep 0.2
    kill -STOP $victim
    sleep 0.3
    partitioned && paused && break
    kill -CONT $victim
done
kill -9 $victim
wait $victim 2>/dev/null
partitioned || fail "the partition did not outlive the run"

# More leftovers, as a killed run or a `faultline fault` by hand leaves.
bg "$N3" "$PROBE" ticker "$TMP/tick" 300
sleep 0.2
expect_exit 0 fault pause "$N3" --pattern "fl-netprobe ticker"
expect_exit 0 fault clock bump "$N1" --delta 5s
expect_exit 0 fault packet --targets "$N2" --delay 20ms
lazy=
if [ -e /dev/fuse ] && command -v fusermount3 >/dev/null 2>&1; then
    lazy=$TMP/lazy
    expect_exit 0 fault lazyfs mount "$N1" "$lazy"
fi

expect_exit 0 "$FAULTLINE" test etcd --state-dir "$STATE" \
    --etcd-dir "$TMP/etcd" --store "$TMP/store" --concurrency 3 \
    --time-limit 3 --nemesis none
grep "heal:" "$TMP/err" >"$TMP/healed"
cat "$TMP/healed"
has() {
    grep -q "^faultline: heal: $1" "$TMP/healed" || fail "not healed: $1"
}
has "$NP[0-9]: partition: iptables chain FAULTLINE with [1-9]"
has "$NP[0-9]: daemon: pid [0-9]* (etcd --config-file .*) killed, it was stopped"
has "$N3: pause: stopped process pid [0-9]* (.*fl-netprobe ticker .*) resumed"
has "$N1: clock: offset +5.000 s reset"
has "$NP[0-9]: packet: iptables chain FAULTLINE-PKT"
has "$NP[0-9]: packet: shaper pid [0-9]*"
[ -z "$lazy" ] || has "$N1: lazyfs: mount $lazy unmounted"
grep -q "nothing to heal" "$TMP/healed" && fail "said nothing to heal"
for n in $NODES; do
    on "$n" iptables -S FAULTLINE >/dev/null 2>&1 && fail "chain left on $n"
done
[ -z "$lazy" ] || ! grep -q " $lazy fuse" /proc/mounts || fail "mount left"

expect_exit 0 "$FAULTLINE" test etcd --state-dir "$STATE" \
    --etcd-dir "$TMP/etcd" --store "$TMP/store" --concurrency 3 \
    --time-limit 2 --nemesis none
grep "heal:" "$TMP/err" >"$TMP/healed"
[ "$(cat "$TMP/healed")" = "faultline: heal: nothing to heal" ] ||
    fail "a clean cluster was healed: $(cat "$TMP/healed")"
echo ok
