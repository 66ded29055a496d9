#!/bin/sh
# t1002: broadcast with gossip survives partitions (every message reaches
# every node after healing); a node that forwards once and never retries
# loses messages under --nemesis partition and is invalid.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-maelstrom.sh"
cd "$TMP"

common="-w broadcast --node-count 5 --time-limit 5 --rate 20 --latency 20
    --nemesis partition --nemesis-interval 1 --recovery-time 2"
# shellcheck disable=SC2086
mael 0 $common --bin "$EX/broadcast.py"
run=$(run_dir)
grep -q ':lost-count 0' "$run/results.edn" || fail "gossip lost messages"
grep -q '"type":"topology"' "$run/messages.jsonl" || fail "no topology"
grep -q '"drop":"partition"' "$run/messages.jsonl" ||
    fail "no message was dropped by a partition"
grep -q ':servers {:send-count [1-9]' "$run/results.edn" ||
    fail "no server-server traffic counted"
# The message timeline: a Lamport diagram and its long-run page.
grep -q '<text x="[0-9]*" y="20" text-anchor="middle" font-weight="bold">n4' \
    "$run/messages.svg" || fail "no n4 column in messages.svg"
grep -q 'stroke-dasharray' "$run/messages.svg" || fail "no dropped arrow"
grep -q '^var C=\[.*"n0"' "$run/messages.html" || fail "messages.html columns"

# shellcheck disable=SC2086
mael 1 $common --bin "$EX/broadcast_noretry.py"
grep -q 'verdict: invalid' "$TMP/out" || fail "no-retry broadcast not invalid"
grep -q 'workload: :lost "#{' "$TMP/out" || fail "no lost messages reported"
exit 0
