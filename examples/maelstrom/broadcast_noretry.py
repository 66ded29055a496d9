#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A broken broadcast: forwards each new message to its neighbours once
and never retries, so a message sent into a partition is lost for good."""
from node import Node

node = Node()
messages = set()
neighbours = []


def topology(msg):
    neighbours[:] = msg["body"]["topology"].get(node.node_id, [])
    node.reply(msg, {"type": "topology_ok"})


def learn(m, skip):
    if m in messages:
        return
    messages.add(m)
    for n in neighbours:
        if n != skip:
            node.send(n, {"type": "forward", "message": m})


def broadcast(msg):
    learn(msg["body"]["message"], None)
    node.reply(msg, {"type": "broadcast_ok"})


node.on("topology", topology)
node.on("broadcast", broadcast)
node.on("forward", lambda m: learn(m["body"]["message"], m["src"]))
node.on("read", lambda m: node.reply(m, {"type": "read_ok", "messages": sorted(messages)}))
node.main()
