#!/usr/bin/env python3
# noop-client.py: a no-op client of faultline's JSON-lines protocol in
# Python: every request is answered {"type":"ok"}. For bench_client_cmd.
import json
import sys

for line in sys.stdin:
    msg = json.loads(line)
    sys.stdout.write('{"type":"ok"}\n')
    sys.stdout.flush()
    if msg["type"] == "close":
        break
