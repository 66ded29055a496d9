#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A broken g-counter: each node counts only the adds it received itself,
so a read sees a fraction of the total."""
from node import Node

node = Node()
total = [0]


def add(msg):
    total[0] += msg["body"]["delta"]
    node.reply(msg, {"type": "add_ok"})


node.on("add", add)
node.on("read", lambda m: node.reply(m, {"type": "read_ok", "value": total[0]}))
node.main()
