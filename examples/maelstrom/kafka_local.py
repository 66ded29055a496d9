#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Maelstrom kafka on local state: one log per key, offsets are list
indices, polls return up to 10 messages. Correct on one node; on several
nodes each numbers its own log, so offsets clash and polls skip."""
from node import Node

node = Node()
logs = {}       # key -> [msg, ...]
committed = {}  # key -> offset


def send(msg):
    b = msg["body"]
    log = logs.setdefault(b["key"], [])
    log.append(b["msg"])
    node.reply(msg, {"type": "send_ok", "offset": len(log) - 1})


def poll(msg):
    out = {}
    for k, off in msg["body"]["offsets"].items():
        log = logs.get(k, [])
        if off < len(log):
            out[k] = [[o, log[o]] for o in range(off, min(len(log), off + 10))]
    node.reply(msg, {"type": "poll_ok", "msgs": out})


def commit(msg):
    for k, off in msg["body"]["offsets"].items():
        committed[k] = max(committed.get(k, -1), off)
    node.reply(msg, {"type": "commit_offsets_ok"})


def list_committed(msg):
    keys = msg["body"]["keys"]
    node.reply(msg, {"type": "list_committed_offsets_ok",
                     "offsets": {k: committed[k] for k in keys if k in committed}})


node.on("send", send)
node.on("poll", poll)
node.on("commit_offsets", commit)
node.on("list_committed_offsets", list_committed)
node.main()
