#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Maelstrom g-counter over seq-kv: each node keeps its own total under
its own key (cas loop on the service, from a worker thread), and a read
sums every node's key after a write to a private key, which brings this
node's view of the sequentially consistent store up to date."""
import queue

from node import Node, RPCError

node = Node()
pending = queue.Queue()  # (request message, delta)


def add(msg):
    pending.put((msg, msg["body"]["delta"]))


def read(msg):
    pending.put((msg, None))


def kv_get(key):
    try:
        return node.sync_rpc("seq-kv", {"type": "read", "key": key})["value"]
    except RPCError as e:
        if e.code == 20:
            return 0
        raise


def do_add(delta):
    while True:
        cur = kv_get(node.node_id)
        try:
            node.sync_rpc("seq-kv", {"type": "cas", "key": node.node_id,
                                     "from": cur, "to": cur + delta,
                                     "create_if_not_exists": True})
            return
        except RPCError as e:
            if e.code not in (20, 22):
                raise


def do_read():
    barrier = f"sync-{node.node_id}"
    node.sync_rpc("seq-kv", {"type": "write", "key": barrier, "value": node.next_msg_id})
    return sum(kv_get(n) for n in node.node_ids)


def worker():
    while True:
        msg, delta = pending.get()
        try:
            if delta is None:
                node.reply(msg, {"type": "read_ok", "value": do_read()})
            else:
                do_add(delta)
                node.reply(msg, {"type": "add_ok"})
        except RPCError as e:
            node.reply(msg, {"type": "error", "code": 13, "text": e.text})


node.on("add", add)
node.on("read", read)
node.spawn(worker)
node.main()
