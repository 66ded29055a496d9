#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Maelstrom echo: answer every echo with the same payload."""
from node import Node

node = Node()
node.on("echo", lambda m: node.reply(m, {"type": "echo_ok", "echo": m["body"]["echo"]}))
node.main()
