#!/bin/sh
# t1010: --loss drops node-to-node messages (gossip with retries stays
# valid, a node that never retries loses broadcasts); --link-latency gives
# one link its own latency, both ways, and leaves the others alone.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-maelstrom.sh"
cd "$TMP"

common="-w broadcast --node-count 4 --time-limit 3 --rate 20
    --recovery-time 1 --loss 0.3"
# shellcheck disable=SC2086
mael 0 $common --bin "$EX/broadcast.py"
run=$(run_dir)
grep -q '"drop":"loss"' "$run/messages.jsonl" || fail "nothing lost"
grep -q ':dropped-loss [1-9]' "$run/results.edn" || fail "loss not counted"
# shellcheck disable=SC2086
mael 1 $common --bin "$EX/broadcast_noretry.py"

mael 0 -w broadcast --bin "$EX/broadcast.py" --node-count 4 --time-limit 2 \
    --rate 10 --recovery-time 1 --topology total --latency 1 \
    --link-latency n0-n1=150
python3 -c '
import json, sys
slow = fast = 0
for l in open(sys.argv[1]):
    j = json.loads(l); m = j["msg"]
    if j["recv"] is None or not m["src"].startswith("n") or not m["dest"].startswith("n"):
        continue
    d = (j["recv"] - j["sent"]) / 1e6
    if {m["src"], m["dest"]} == {"n0", "n1"}:
        assert d >= 150, ("n0-n1 too fast", d)
        slow += 1
    else:
        assert d < 120, ("other link slow", m["src"], m["dest"], d)
        fast += 1
assert slow > 0 and fast > 0, (slow, fast)
' "$(run_dir)/messages.jsonl" || fail "link latencies wrong"
exit 0
