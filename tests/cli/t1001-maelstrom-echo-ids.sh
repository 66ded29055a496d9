#!/bin/sh
# t1001: the Python echo and unique-ids nodes are valid; the store holds
# Maelstrom's artifacts (node logs, the message journal, net statistics);
# unique-ids stays valid and totally available under partitions.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-maelstrom.sh"
cd "$TMP"

mael 0 -w echo --bin "$EX/echo.py" --node-count 2 --time-limit 2 --rate 50
grep -q 'verdict: valid' "$TMP/out" || fail "echo not valid"
run=$(run_dir)
for f in history.edn results.edn messages.jsonl node-logs/n0.log \
    node-logs/n1.log; do
    [ -e "$run/$f" ] || fail "$f missing"
done
grep -q ':net {:all {:send-count' "$run/results.edn" || fail "no net stats"
grep -q ':f :echo, :value "Please echo' "$run/history.edn" ||
    fail "no echo ops in the history"
grep -q '"type":"init","node_id":"n1","node_ids":\["n0","n1"\]' \
    "$run/messages.jsonl" || fail "no init in the journal"
grep -q '"init_ok"' "$run/messages.jsonl" || fail "no init_ok"
n=$(grep -c ':type :ok, :process' "$run/history.edn")
[ "$n" -ge 40 ] || fail "only $n ok echoes"

mael 0 -w unique-ids --bin "$EX/unique_ids.py" --node-count 3 \
    --time-limit 3 --rate 300 --availability total --nemesis partition \
    --nemesis-interval 0.5
run=$(run_dir)
grep -q ':start-partition' "$run/history.edn" || fail "no partition"
grep -q ':availability {:ok-count' "$run/results.edn" || fail "no availability"
grep -q ':duplicated-count 0' "$run/results.edn" || fail "duplicates?"
exit 0
