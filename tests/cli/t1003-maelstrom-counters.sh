#!/bin/sh
# t1003: a g-counter over seq-kv is valid (also under partitions, and as a
# pn-counter); a counter that keeps only local state is invalid.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-maelstrom.sh"
cd "$TMP"

mael 0 -w g-counter --bin "$EX/g_counter.py" --node-count 3 --time-limit 4 \
    --rate 20 --recovery-time 1 --nemesis partition --nemesis-interval 1
run=$(run_dir)
grep -q ':final-read-count [1-9]' "$run/results.edn" || fail "no final reads"
grep -q '"dest": *"seq-kv"' "$run/messages.jsonl" || fail "seq-kv unused"

mael 0 -w pn-counter --bin "$EX/g_counter.py" --node-count 3 \
    --time-limit 3 --rate 20 --recovery-time 1
grep -q ':f :add, :value -' "$(run_dir)/history.edn" || fail "no negative add"

mael 1 -w g-counter --bin "$EX/g_counter_local.py" --node-count 3 \
    --time-limit 3 --rate 20 --recovery-time 1
grep -q 'workload: :errors \[' "$TMP/out" || fail "bad reads not reported"
exit 0
