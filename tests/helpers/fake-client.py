#!/usr/bin/env python3
# fake-client.py: a JSON-lines client (docs/client-protocol.md) for the CLI
# tests of --client-cmd. It keeps a correct register/set/counter store in a
# JSON file shared by all its processes (every op under flock), and
# misbehaves on purpose when asked, to test that faultline survives it.
#
# usage: fake-client.py STORE MODE [N]
#   MODE ok       behave
#   MODE hang     apply the Nth op (default 3) of each process, never answer
#   MODE crash    apply the Nth op, write to stderr, exit 3 without answering
#   MODE garbage  apply the Nth op, answer a line that is not JSON
#   MODE twice    apply the Nth op, answer it twice
#   MODE other    apply the Nth op, answer with another op's index
#   MODE long     apply the Nth op, answer a 9 MiB line
#   MODE openfail refuse to open
import fcntl
import json
import os
import sys
import time

store, mode = sys.argv[1], sys.argv[2]
nth = int(sys.argv[3]) if len(sys.argv) > 3 else 3


def send(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def apply(op):
    """Apply op to the shared store; return the completion."""
    with open(store, "a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        f.seek(0)
        text = f.read()
        db = json.loads(text) if text else {}
        f_, v = op["f"], op["value"]
        out = {"type": "ok"}
        if isinstance(v, list) and len(v) == 2 and f_ in ("read", "write", "cas"):
            k, arg = str(v[0]), v[1]
            cur = db.get(k)
            if f_ == "read":
                out["value"] = [v[0], cur]
            elif f_ == "write":
                db[k] = arg
            elif cur == arg[0]:
                db[k] = arg[1]
            else:
                out = {"type": "fail", "error": ":cas-mismatch"}
        elif f_ == "add" and op["value"] is not None:
            if mode_workload == "counter":
                db["counter"] = db.get("counter", 0) + v
            else:
                db.setdefault("set", []).append(v)
        elif f_ == "read":
            if mode_workload == "counter":
                out["value"] = db.get("counter", 0)
            else:
                out["value"] = {"#set": sorted(db.get("set", []))}
        f.seek(0)
        f.truncate()
        f.write(json.dumps(db))
        return out


mode_workload = "register"
count = 0
for line in sys.stdin:
    msg = json.loads(line)
    t = msg["type"]
    if t == "open":
        mode_workload = msg["test"].get("workload", "register")
        if mode == "openfail":
            send({"type": "fail", "error": "cannot connect"})
            continue
        send({"type": "ok"})
    elif t == "close":
        send({"type": "ok"})
        break
    else:
        count += 1
        out = apply(msg)
        if count != nth or mode == "ok":
            send(out)
            continue
        if mode == "hang":
            time.sleep(3600)
        elif mode == "crash":
            sys.stderr.write("fake-client: crashing on purpose\n")
            sys.stderr.flush()
            os._exit(3)
        elif mode == "garbage":
            sys.stdout.write("this is \x01 not json\n")
            sys.stdout.flush()
        elif mode == "twice":
            send(out)
            send(out)
        elif mode == "other":
            out["index"] = msg["index"] + 1000000
            send(out)
        elif mode == "long":
            sys.stdout.write('{"type":"ok","value":"' + "x" * (9 << 20) + '"}\n')
            sys.stdout.flush()
