#!/bin/sh
# t1008: --deterministic: two runs with the same seed send the same
# messages in the same order with the same (virtual) send and receive
# times, for nodes without timers: lin_kv.py (one chain of messages per
# request), under exponential latency with several clients (the runs end
# by wall time, so their common prefix is compared), and
# broadcast_noretry.py (each message fans out through the grid, so
# replies race) with one client, whose whole run is in virtual time, so
# the whole journals are compared; another seed gives other latencies.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-maelstrom.sh"
cd "$TMP"

journal() {
    # sent recv src dest body of every message, one per line
    python3 -c '
import json, sys
for l in open(sys.argv[1]):
    j = json.loads(l); m = j["msg"]
    print(j["sent"], j["recv"], m["src"], m["dest"],
          json.dumps(m["body"], sort_keys=True))' "$(run_dir)/messages.jsonl" >"$1"
}
# The runs end by wall time: compare what both have (at least 150 lines).
same_prefix() {
    n=$(wc -l <"$1")
    m=$(wc -l <"$2")
    [ "$m" -lt "$n" ] && n=$m
    [ "$n" -ge 150 ] || fail "only $n messages"
    head -n "$n" "$1" >a.cut
    head -n "$n" "$2" >b.cut
    cmp -s a.cut b.cut
}
common="-w lin-kv --bin $EX/lin_kv.py --node-count 3 --time-limit 3
    --rate 30 --concurrency 3 --latency 10 --latency-dist exponential
    --deterministic"
# shellcheck disable=SC2086
mael 0 $common --seed 11
journal one
grep -q ':quiesce-timeouts 0' "$(run_dir)/results.edn" || fail "timeouts"
# shellcheck disable=SC2086
mael 0 $common --seed 11
journal two
same_prefix one two || fail "same seed, other messages: $(diff a.cut b.cut | head -5)"
# shellcheck disable=SC2086
mael 0 $common --seed 12
journal three
same_prefix one three && fail "another seed gave the same messages"

common="-w broadcast --bin $EX/broadcast_noretry.py --node-count 5
    --time-limit 3 --rate 30 --concurrency 1 --latency 5
    --latency-dist exponential --recovery-time 0.2 --deterministic --seed 5"
# shellcheck disable=SC2086
mael 0 $common
journal four
grep -q '"type": "forward"' four || fail "no fan-out"
# shellcheck disable=SC2086
mael 0 $common
journal five
[ "$(wc -l <four)" -ge 150 ] || fail "only $(wc -l <four) messages"
cmp -s four five ||
    fail "broadcast: same seed, other messages: $(diff four five | head -5)"
exit 0
