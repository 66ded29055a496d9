#!/bin/sh
# t1006: protocol faults of a node are reported, not hidden: a stdout line
# that is not a message and a node that exits on its own make the net
# checker invalid (named in the verdict's anomalies); a node that answers
# init wrongly fails the run (exit 255) naming the node and its answer;
# --log-stderr copies node stderr, prefixed with the node id.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-maelstrom.sh"
cd "$TMP"

cat >bad.py <<'PY'
import json, sys
n = 0
for line in sys.stdin:
    m = json.loads(line)
    b = m["body"]
    if b["type"] == "init":
        me = b["node_id"]
    print("got", b["type"], file=sys.stderr, flush=True)
    n += 1
    if me == "n1" and n == 4:
        sys.exit(3)
    if me == "n0" and n == 3:
        print("this is not json", flush=True)
    reply = {"type": b["type"] + "_ok", "in_reply_to": b["msg_id"],
             "echo": b.get("echo")}
    print(json.dumps({"src": me, "dest": m["src"], "body": reply}), flush=True)
PY
mael 1 -w echo --bin python3 bad.py --node-count 2 --time-limit 2 --rate 20 \
    --rpc-timeout 0.5 --log-stderr
grep -q 'net: :errors \["1 stdout line(s) that are not messages" "1 node crash(es)"\]' \
    "$TMP/out" || fail "protocol errors not in the anomalies"
grep -q '^n0: got echo' "$TMP/err" || fail "--log-stderr did not copy stderr"
grep -q 'got init' "$(run_dir)/node-logs/n1.log" || fail "n1.log empty"
grep -q 'n0 wrote a line that is not a message.*this is not json' \
    "$(run_dir)/faultline.log" || fail "bad line not quoted in the log"

cat >wrong.py <<'PY'
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    body = {"type": "hello", "in_reply_to": m["body"]["msg_id"]}
    print(json.dumps({"src": "n0", "dest": m["src"], "body": body}), flush=True)
PY
mael 255 -w echo --bin python3 wrong.py --node-count 1 --time-limit 1
grep -q 'node n0 answered init with {"type":"hello","in_reply_to":1}, not init_ok' \
    "$TMP/err" || fail "bad init answer not explained"
exit 0
