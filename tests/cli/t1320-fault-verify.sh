#!/bin/sh
# t1320-fault-verify.sh: faults prove they happened. An etcd run on this
# test's own 3 nodes with partitions every second: every :start-partition
# completion carries :observed-cut (the node pairs a TCP probe found cut),
# every heal :observed-cut-held and an empty :observed-cut, and nothing
# disagrees (no :fault-warnings); so are kills, pauses, clock bumps and
# packet shaping.
# Then a partition is broken by hand (the
# FAULTLINE rules flushed in every node's namespace mid-fault): the run
# reports it as :fault-warnings in results.edn and on stderr.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-cluster.sh"

[ -x /usr/bin/etcd ] || skip "etcd not installed (apt-get install etcd-server)"
cluster_up 3

run() {
    "$FAULTLINE" test etcd --state-dir "$STATE" --etcd-dir "$TMP/etcd" \
        --store "$TMP/store" --concurrency 3 "$@"
}

# 1. Partitions as intended, each topology of the schedule (3 nodes:
# minority-third cuts nothing; up to 4 runs until every other is seen).
: >"$TMP/nem"
for seed in 7 8 9 10; do
    expect_exit 0 run --time-limit 15 --nemesis partition \
        --nemesis-interval 1 --seed $seed
    H=$TMP/store/latest/history.edn
    R=$TMP/store/latest/results.edn
    grep -q 'fault-warnings' "$H" "$R" &&
        { grep -ho 'fault-warnings \[[^]]*\]' "$H" >&2; fail "warnings on intact partitions"; }
    grep ':nemesis' "$H" | grep -v ':invoke' >>"$TMP/nem"
    seen=0
    for t in one majority majorities-ring; do
        grep -q ":f :start-partition, :value :$t}" "$TMP/nem" &&
            seen=$((seen + 1))
    done
    [ $seen = 3 ] && break
done
[ $seen = 3 ] || { cat "$TMP/nem" >&2; fail "a topology never scheduled"; }
grep ':start-partition, :value \[:isolated {"' "$TMP/nem" >"$TMP/starts"
grep ':start-partition, :value \[:isolated {}\]' "$TMP/nem" |
    grep -v ':observed-cut \[\]' && fail "an empty partition cut something"
[ "$(wc -l <"$TMP/starts")" -ge 3 ] || fail "too few partitions"
grep -v ':observed-cut \[\[' "$TMP/starts" && fail "a partition not observed"
grep ':value :network-healed' "$TMP/nem" >"$TMP/heals"
grep -v ':observed-cut \[\]' "$TMP/heals" && fail "a heal not observed"
grep ':observed-cut-held \[\[' "$TMP/heals" >/dev/null ||
    fail "no partition observed at its end"

# 2. Kills, pauses, clock and packet faults as intended: /proc states of
# the DB's pids (:observed-procs), clock offsets, the shapers
# (:observed-shaping), no warnings.
expect_exit 0 run --time-limit 12 --nemesis kill,pause,clock,packet \
    --nemesis-interval 1 --seed 7
H=$TMP/store/latest/history.edn
grep -q 'fault-warnings' "$H" "$TMP/store/latest/results.edn" &&
    { grep -ho 'fault-warnings \[[^]]*\]' "$H" >&2; fail "warnings on intact faults"; }
obs() { # obs F: the completions of :f F that hit nodes
    grep ":process :nemesis, :f :$1, :value \[\"" "$H" >"$TMP/$1"
    [ -s "$TMP/$1" ] || fail "no :$1 in the history"
    grep -v ':observed-procs {"' "$TMP/$1" && fail ":$1 not observed"
    return 0
}
obs kill
grep -E '\[[0-9]+ "[RSDTt]"\]' "$TMP/kill" && fail "a killed process runs"
obs pause
grep -E '\[[0-9]+ "[RSDZ]"\]' "$TMP/pause" && fail "a paused process runs"
obs start
grep -E '"(gone|Z|T)"\]' "$TMP/start" && fail "a started process is not"
obs resume
grep -E '"[Tt]"\]' "$TMP/resume" && fail "a resumed process is stopped"
# a clock fault (which of bump, strobe or reset a short run draws depends
# on the schedule) carries the offsets observed after it
grep -Eq ':f :(bump-clock|strobe-clock|reset-clock), :value ([^,{]*|\{[^}]*\}), :clock-offsets \{' \
    "$H" || fail "no clock fault observed"
grep ':f :start-packet, :value \[:shaped \["' "$H" >"$TMP/pkt"
[ -s "$TMP/pkt" ] || fail "no packet fault"
grep -v ':observed-shaping {"[^}]*"nfqueue' "$TMP/pkt" && fail "shaping not seen"
grep ':f :stop-packet, :value :reliable' "$H" | grep '"nfqueue' &&
    fail "shaping left after a stop"

# 3. A partition broken by hand mid-fault is reported.
run --time-limit 16 --nemesis partition --nemesis-interval 6 --seed 7 \
    >"$TMP/b.out" 2>"$TMP/b.err" &
victim=$!
i=0
until on "$N1" iptables -S FAULTLINE 2>/dev/null | grep -q DROP; do
    i=$((i + 1))
    [ $i -lt 300 ] || { cat "$TMP/b.err" >&2; fail "no partition in 60 s"; }
    sleep 0.2
done
sleep 1.5
for n in $NODES; do on "$n" iptables -w -F FAULTLINE; done
wait $victim
R=$TMP/store/latest/results.edn
grep -q ':fault-warnings \[".*can reach each other though the partition cuts them' \
    "$R" || { cat "$R" >&2; fail "broken partition not in results.edn"; }
grep -q 'fault warning(s): see :fault-warnings' "$TMP/b.err" ||
    fail "broken partition not on stderr"
grep -q 'fault not as intended: .* can reach each other' "$TMP/b.err" ||
    fail "no warning when observed"
grep -q 'fault warnings: \[' "$TMP/store/latest/timeline.html" ||
    fail "warning not on the timeline"
echo ok
