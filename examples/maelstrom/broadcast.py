#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Maelstrom broadcast with gossip: every 200 ms each node sends each
neighbour the messages that neighbour has not acknowledged yet, so
messages cross partitions once they heal."""
from node import Node

node = Node()
messages = set()
neighbours = []
acked = {}  # neighbour -> set of messages it has


def topology(msg):
    neighbours[:] = msg["body"]["topology"].get(node.node_id, [])
    for n in neighbours:
        acked.setdefault(n, set())
    node.reply(msg, {"type": "topology_ok"})


def broadcast(msg):
    messages.add(msg["body"]["message"])
    node.reply(msg, {"type": "broadcast_ok"})


def read(msg):
    node.reply(msg, {"type": "read_ok", "messages": sorted(messages)})


def gossip_in(msg):
    messages.update(msg["body"]["messages"])
    node.reply(msg, {"type": "gossip_ok", "messages": msg["body"]["messages"]})


def gossip():
    with node.lock:
        for n in neighbours:
            todo = messages - acked[n]
            if not todo:
                continue

            def ok(reply, n=n):
                acked[n].update(reply.get("messages", []))
            node.rpc(n, {"type": "gossip", "messages": sorted(todo)}, ok)


node.on("topology", topology)
node.on("broadcast", broadcast)
node.on("read", read)
node.on("gossip", gossip_in)
node.every(0.2, gossip)
node.main()
