#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Transactions on local state only (txn-list-append and txn-rw-register).
Strict serializable on one node, since each txn runs alone; with several
nodes each has its own data and Elle finds the anomalies."""
from node import Node

node = Node()
data = {}


def txn(msg):
    out = []
    for f, k, v in msg["body"]["txn"]:
        k = str(k)
        if f == "r":
            cur = data.get(k)
            out.append([f, int(k), list(cur) if isinstance(cur, list) else cur])
        elif f == "append":
            data.setdefault(k, []).append(v)
            out.append([f, int(k), v])
        else:
            data[k] = v
            out.append([f, int(k), v])
    node.reply(msg, {"type": "txn_ok", "txn": out})


node.on("txn", txn)
node.main()
