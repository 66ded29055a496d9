#!/bin/sh
# t1004: a lin-kv node proxying to the lin-kv service is linearizable, also
# while nodes are killed (restarted with empty state) and paused; proxying
# to seq-kv instead gives stale reads that the checker catches.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-maelstrom.sh"
cd "$TMP"

mael 0 -w lin-kv --bin "$EX/lin_kv.py" --node-count 3 --time-limit 4 \
    --rate 50 --concurrency 2n
grep -q ':linear' "$(run_dir)/results.edn" ||
    grep -q ':workload {:valid? true' "$(run_dir)/results.edn" ||
    fail "no linearizability result"

mael 1 -w lin-kv --bin "$EX/lin_kv.py" seq-kv --node-count 3 \
    --time-limit 4 --rate 50 --concurrency 2n
grep -q 'key(s) invalid' "$TMP/out" || fail "stale reads not caught"

mael 0 -w lin-kv --bin "$EX/lin_kv.py" --node-count 3 --time-limit 5 \
    --rate 50 --concurrency 2n --nemesis kill,pause --nemesis-interval 0.7 \
    --rpc-timeout 1
run=$(run_dir)
grep -q ':f :kill, :value \[' "$run/history.edn" || fail "nothing killed"
grep -q ':f :pause, :value \[' "$run/history.edn" || fail "nothing paused"
# Every kill is followed by a fresh init of that node.
n=$(grep -c '"type":"init",' "$run/messages.jsonl")
[ "$n" -gt 3 ] || fail "killed nodes were not restarted ($n inits)"
exit 0
