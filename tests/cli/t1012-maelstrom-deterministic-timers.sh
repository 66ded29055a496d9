#!/bin/sh
# t1012: --deterministic with nodes that use timers: broadcast.py gossips
# every 200 ms from a timer thread (threading.Event.wait) and g_counter.py
# waits for seq-kv replies with a timeout. Under the virtual-time shim,
# with one client thread, two runs with one seed give byte-identical
# histories (op times included: the run's clock is virtual) and
# byte-identical message journals, gossip included; another seed gives
# others. The node's clock is the virtual one.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-maelstrom.sh"
cd "$TMP"

keep() {
    cp "$(run_dir)/history.edn" "$1.edn"
    cp "$(run_dir)/messages.jsonl" "$1.jsonl"
    grep -q ':quiesce-timeouts 0' "$(run_dir)/results.edn" ||
        fail "$1: a node never went idle"
}
common="-w broadcast --bin $EX/broadcast.py --node-count 3 --time-limit 3
    --rate 20 --concurrency 1 --latency 10 --latency-dist exponential
    --recovery-time 1 --deterministic"
# shellcheck disable=SC2086
mael 0 $common --seed 11
keep one
grep -q '"type": "gossip"' one.jsonl || fail "no gossip"
# Gossip is sent at multiples of 200 ms of virtual time after a start.
grep -q '"sent":400000000,.*"gossip"' one.jsonl ||
    fail "no gossip at 400 ms virtual: $(grep -m3 gossip one.jsonl)"
# shellcheck disable=SC2086
mael 0 $common --seed 11
keep two
cmp -s one.edn two.edn ||
    fail "same seed, other history: $(diff one.edn two.edn | head -5)"
cmp -s one.jsonl two.jsonl ||
    fail "same seed, other messages: $(diff one.jsonl two.jsonl | head -5)"
# The op times are virtual: 3 s at 20/s is about 60 ops whatever the load.
n=$(grep -c ':type :invoke, :process 0, :f :add' one.edn)
[ "$n" -ge 15 ] || fail "only $n adds"
# shellcheck disable=SC2086
mael 0 $common --seed 12
keep three
cmp -s one.jsonl three.jsonl && fail "another seed gave the same messages"

common="-w g-counter --bin $EX/g_counter.py --node-count 2 --time-limit 2
    --rate 20 --concurrency 1 --latency 5 --recovery-time 0.5
    --deterministic --seed 3"
# shellcheck disable=SC2086
mael 0 $common
keep four
grep -q '"dest": "seq-kv"' four.jsonl || fail "no seq-kv traffic"
# shellcheck disable=SC2086
mael 0 $common
keep five
cmp -s four.edn five.edn ||
    fail "g-counter: other history: $(diff four.edn five.edn | head -5)"
cmp -s four.jsonl five.jsonl ||
    fail "g-counter: other messages: $(diff four.jsonl five.jsonl | head -5)"
exit 0
