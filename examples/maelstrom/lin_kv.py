#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A naive lin-kv: every request is forwarded to the lin-kv service and
its answer (value or error) passed back unchanged. Linearizable because
the service is."""
from node import Node

node = Node()


def proxy(msg):
    body = {k: v for k, v in msg["body"].items() if k != "msg_id"}

    def back(reply):
        reply = {k: v for k, v in reply.items() if k not in ("msg_id", "in_reply_to")}
        node.reply(msg, reply)
    node.rpc("lin-kv", body, back)


for t in ("read", "write", "cas"):
    node.on(t, proxy)
node.main()
