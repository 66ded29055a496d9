#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A naive lin-kv: every request is forwarded to the lin-kv service and
its answer (value or error) passed back unchanged. Linearizable because
the service is. `lin_kv.py seq-kv` proxies to seq-kv instead, whose stale
reads are not linearizable (a broken node for tests)."""
import sys

from node import Node

node = Node()
service = sys.argv[1] if len(sys.argv) > 1 else "lin-kv"


def proxy(msg):
    body = {k: v for k, v in msg["body"].items() if k != "msg_id"}

    def back(reply):
        reply = {k: v for k, v in reply.items() if k not in ("msg_id", "in_reply_to")}
        node.reply(msg, reply)
    node.rpc(service, body, back)


for t in ("read", "write", "cas"):
    node.on(t, proxy)
node.main()
