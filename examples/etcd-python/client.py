#!/usr/bin/env python3
# client.py: a faultline client for etcd in Python, standard library only.
# It speaks faultline's JSON-lines client protocol (docs/client-protocol.md)
# on stdin/stdout and etcd's v3 JSON gateway over HTTP (urllib), for the
# `register` workload of `faultline test external`: independent keys, each
# a register with read, write and compare-and-set.
#
#   faultline test external --client-cmd "python3 client.py" ...
#   faultline test external --client-cmd "python3 client.py --bug cache-reads"
#
# --bug cache-reads plants a bug: the client remembers what it last read or
# wrote per key and answers reads from that memory, so it misses the other
# clients' writes. faultline must call that invalid.
#
# The one rule a client must get right is Jepsen's: an op is "fail" only
# when it certainly did not take effect, "info" when it may have. See
# outcome() below.
import base64
import json
import socket
import sys
import urllib.error
import urllib.request

PORT = 2379


def b64(s):
    return base64.b64encode(str(s).encode()).decode()


def unb64(s):
    return base64.b64decode(s).decode()


class Etcd:
    def __init__(self, node, timeout_s):
        self.base = "http://%s:%d" % (node, PORT)
        self.timeout_s = timeout_s

    def call(self, path, body):
        req = urllib.request.Request(
            self.base + path, data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=self.timeout_s) as r:
            return json.loads(r.read())

    def get(self, key):
        r = self.call("/v3/kv/range", {"key": b64(key)})
        kvs = r.get("kvs") or []
        return int(unb64(kvs[0]["value"])) if kvs else None

    def put(self, key, value):
        self.call("/v3/kv/put", {"key": b64(key), "value": b64(value)})

    def cas(self, key, old, new):
        r = self.call("/v3/kv/txn", {
            "compare": [{"key": b64(key), "target": "VALUE",
                         "result": "EQUAL", "value": b64(old)}],
            "success": [{"request_put": {"key": b64(key),
                                         "value": b64(new)}}]})
        return bool(r.get("succeeded"))


def refused(e):
    """True when the request certainly never reached etcd."""
    reason = getattr(e, "reason", e)
    return isinstance(reason, ConnectionRefusedError)


def outcome(f, e):
    """Map an exception of op f to a completion. Reads change nothing, so
    a failed read is always "fail"; a write or cas that may have reached
    etcd is "info"."""
    if isinstance(e, urllib.error.HTTPError):
        # A 4xx is etcd rejecting the request before any proposal; a 5xx
        # (503 "etcdserver: request timed out", 500 "context deadline
        # exceeded") may follow a proposal that still commits.
        certain = f == "read" or 400 <= e.code < 500
        return {"type": "fail" if certain else "info",
                "error": "http %d" % e.code}
    if f == "read" or refused(e):
        return {"type": "fail", "error": "%s" % e}
    if isinstance(e, (socket.timeout, TimeoutError)):
        return {"type": "info", "error": ":timeout"}
    return {"type": "info", "error": "%s" % e}


class Client:
    def __init__(self, bug):
        self.bug = bug
        self.cache = {}
        self.db = None

    def open(self, msg):
        ms = msg["test"].get("answer-timeout-ms") or 10000
        # Answer (with an :info) before faultline gives up on us.
        self.db = Etcd(msg["node"], max(ms * 0.8 / 1000.0, 0.1))
        return {"type": "ok"}

    def invoke(self, msg):
        f, (k, v) = msg["f"], msg["value"]
        key = "r/%d" % k
        try:
            if f == "read":
                if self.bug == "cache-reads" and key in self.cache:
                    return {"type": "ok", "value": [k, self.cache[key]]}
                val = self.db.get(key)
                self.cache[key] = val
                return {"type": "ok", "value": [k, val]}
            if f == "write":
                self.db.put(key, v)
                self.cache[key] = v
                return {"type": "ok"}
            if f == "cas":
                if self.db.cas(key, v[0], v[1]):
                    self.cache[key] = v[1]
                    return {"type": "ok"}
                return {"type": "fail", "error": ":cas-mismatch"}
            return {"type": "fail", "error": "unknown f %s" % f}
        except Exception as e:  # noqa: BLE001 - every error has an outcome
            return outcome(f, e)


def main():
    bug = None
    if len(sys.argv) == 3 and sys.argv[1] == "--bug":
        bug = sys.argv[2]
    client = Client(bug)
    for line in sys.stdin:
        msg = json.loads(line)
        t = msg["type"]
        if t == "open":
            out = client.open(msg)
        elif t == "invoke":
            out = client.invoke(msg)
            out["index"] = msg["index"]  # lets faultline catch mix-ups
        else:
            out = {"type": "ok"}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()
        if t == "close":
            break


if __name__ == "__main__":
    main()
