#!/bin/sh
# t0700-run-lock.sh: a run holds a lock on its cluster. While an etcd run
# is going, a second run, `cluster down` and `fault` are refused at once,
# each naming the holder's pid and command, and change nothing. The holder
# is then SIGKILLed (its etcd daemons live on: the lock must not pass to
# them), and the same commands are accepted.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-cluster.sh"

[ -x /usr/bin/etcd ] || skip "etcd not installed (apt-get install etcd-server)"
cluster_up 3
run() {
    "$FAULTLINE" test etcd --state-dir "$STATE" --etcd-dir "$TMP/etcd" \
        --store "$TMP/store" --concurrency 3 "$@"
}
"$FAULTLINE" test etcd --state-dir "$STATE" --etcd-dir "$TMP/etcd" \
    --store "$TMP/store" --concurrency 3 --time-limit 120 --nemesis none \
    >"$TMP/h.out" 2>"$TMP/h.err" &
holder=$!
# Until the workload runs (etcd up on every node).
i=0
until grep -q "ops/s" "$TMP/h.err" 2>/dev/null; do
    i=$((i + 1))
    [ $i -lt 600 ] || { cat "$TMP/h.err" >&2; fail "no workload after 60 s"; }
    sleep 0.1
done
grep -q "^$holder .*faultline test etcd --state-dir" "$STATE/lock" ||
    fail "the lock file does not name the holder: $(cat "$STATE/lock")"

# refused NAME CMD...: CMD fails within 3 s naming the holder's pid and
# command line.
refused() {
    name=$1
    shift
    t0=$(date +%s%N)
    "$@" >"$TMP/out" 2>"$TMP/err" && fail "$name was accepted"
    ms=$((($(date +%s%N) - t0) / 1000000))
    [ $ms -lt 3000 ] || fail "$name took $ms ms to be refused"
    grep -q "in use by pid $holder (.*faultline test etcd --state-dir" \
        "$TMP/err" || { cat "$TMP/err" >&2; fail "$name: holder not named"; }
}
refused "a second run" run --time-limit 5 --nemesis none
refused "cluster down" "$FAULTLINE" cluster down --state-dir "$STATE"
refused "cluster up" "$FAULTLINE" cluster up --nodes 3 --state-dir "$STATE" \
    --bridge "$BR" --subnet "$SUBNET" --node-prefix "$NP" --netns-prefix "$NSP"
refused "fault partition" fault partition --topology one --seed 1
refused "fault heal" fault heal
"$FAULTLINE" cluster status --state-dir "$STATE" >/dev/null ||
    fail "the cluster went down under the run"
for n in $NODES; do
    on "$n" iptables -S FAULTLINE >/dev/null 2>&1 &&
        fail "a refused fault partitioned $n"
done
kill -0 $holder 2>/dev/null || fail "the holder died: $(cat "$TMP/h.err")"

# SIGKILL: the kernel drops the lock, even with its daemons still running.
kill -9 $holder
wait $holder 2>/dev/null
[ -n "$(ip netns pids "${NSP}$N1")" ] || fail "etcd did not outlive the run"
expect_exit 0 fault heal
expect_exit 0 run --time-limit 3 --nemesis none

# --test-count: one lock for all its runs; a `fault` trying all the time
# never gets in between two of them (where the run checks its history).
"$FAULTLINE" test etcd --state-dir "$STATE" --etcd-dir "$TMP/etcd" \
    --store "$TMP/store" --concurrency 3 --time-limit 2 --nemesis none \
    --test-count 2 >"$TMP/h.out" 2>"$TMP/h.err" &
holder=$!
i=0
until grep -q "^$holder " "$STATE/lock" 2>/dev/null; do
    i=$((i + 1))
    [ $i -lt 300 ] || fail "--test-count: no lock after 30 s"
    sleep 0.1
done
# Before its second run has begun, the fault must never get in.
while kill -0 $holder 2>/dev/null; do
    runs=$(grep -c "^faultline: etcd-register, seed" "$TMP/h.err")
    if fault heal >/dev/null 2>&1 && [ "$runs" -lt 2 ]; then
        fail "a fault got in between the runs of --test-count 2"
    fi
    sleep 0.05
done
wait $holder || fail "--test-count 2 failed: $(tail -3 "$TMP/h.err")"
[ "$(grep -c '^verdict: valid' "$TMP/h.out")" = 2 ] || fail "not 2 runs"
expect_exit 0 "$FAULTLINE" cluster down --state-dir "$STATE"
echo ok
