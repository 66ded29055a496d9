#!/bin/sh
# t0906: examples/etcd-python/client.py's outcome(), the one place that
# maps an exception onto :fail or :info. A gateway error of a write is only
# certain when etcd rejected it before proposing (4xx); a 5xx (503
# "etcdserver: request timed out", 500 "context deadline exceeded") may
# follow a proposal that commits, so the write is :info. Failed reads and
# refused connections are :fail.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null 2>&1 || skip "no python3"
cat >"$TMP/t.py" <<'PY'
import io, socket, sys, urllib.error
sys.path.insert(0, sys.argv[1])
from client import outcome
def http(code):
    return urllib.error.HTTPError("http://n1:2379/v3/kv/put", code, "x", {},
                                  io.BytesIO(b"{}"))
refused = urllib.error.URLError(ConnectionRefusedError(111, "refused"))
cases = [("write", http(503), "info"), ("cas", http(500), "info"),
         ("write", http(504), "info"), ("write", http(400), "fail"),
         ("cas", http(429), "fail"), ("read", http(503), "fail"),
         ("write", refused, "fail"), ("read", refused, "fail"),
         ("write", socket.timeout("timed out"), "info"),
         ("cas", ConnectionResetError(104, "reset"), "info"),
         ("read", socket.timeout("timed out"), "fail")]
bad = 0
for f, e, want in cases:
    got = outcome(f, e)["type"]
    if got != want:
        print("%s %r: %s, want %s" % (f, e, got, want))
        bad = 1
sys.exit(bad)
PY
python3 "$TMP/t.py" "$TOP/examples/etcd-python" >"$TMP/out" 2>&1 ||
    { cat "$TMP/out" >&2; fail "outcome() maps an op wrongly"; }
echo "ok t0906"
