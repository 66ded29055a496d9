#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Maelstrom unique-ids: node id plus a local counter, no coordination."""
from node import Node

node = Node()
counter = [0]


def generate(msg):
    counter[0] += 1
    node.reply(msg, {"type": "generate_ok", "id": f"{node.node_id}-{counter[0]}"})


node.on("generate", generate)
node.main()
