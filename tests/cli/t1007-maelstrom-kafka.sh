#!/bin/sh
# t1007: kafka with Maelstrom's send/poll/commit_offsets/
# list_committed_offsets bodies: one node with a local log is valid; two
# nodes numbering their own logs give inconsistent offsets; a killed node
# restarts with an empty log, and what it had acknowledged is lost.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-maelstrom.sh"
cd "$TMP"

common="-w kafka --bin $EX/kafka_local.py --time-limit 3 --rate 100
    --recovery-time 0.5"
# shellcheck disable=SC2086
mael 0 $common --node-count 1 --concurrency 2
run=$(run_dir)
grep -q ':f :poll, :value {[0-9]* \[\[0 ' "$run/history.edn" || fail "no polls"
grep -q '"type":"list_committed_offsets","keys":\["0"' "$run/messages.jsonl" ||
    fail "no list_committed_offsets"
grep -q '"type":"commit_offsets","offsets":{' "$run/messages.jsonl" ||
    fail "no commit_offsets"
# shellcheck disable=SC2086
mael 1 $common --node-count 2 --concurrency 2n
grep -q 'workload: :errors \[".* inconsistent offsets"' "$TMP/out" ||
    fail "inconsistent offsets not reported"
# shellcheck disable=SC2086
mael 1 $common --node-count 1 --concurrency 2 --nemesis kill \
    --nemesis-interval 0.3 --key-count 2 --rpc-timeout 0.3 --time-limit 5
grep -q ':f :kill, :value \["n0"\]' "$(run_dir)/history.edn" || fail "no kill"
exit 0
