# SPDX-License-Identifier: MIT
"""A minimal Maelstrom node library (standard library only).

Messages are JSON objects, one per line: read from stdin, written to
stdout (flushed each time); logs go to stderr. Handlers run one at a time
under self.lock, on the main thread or on a timer thread (every()).
"""
import json
import sys
import threading


class RPCError(Exception):
    def __init__(self, code, text=""):
        super().__init__(text)
        self.code = code
        self.text = text


class Node:
    def __init__(self):
        self.node_id = None
        self.node_ids = []
        self.handlers = {}
        self.callbacks = {}
        self.next_msg_id = 0
        self.lock = threading.RLock()
        self.out_lock = threading.Lock()
        self.on("init", self._init)
        self.init_hooks = []

    def log(self, *args):
        print(*args, file=sys.stderr, flush=True)

    def on(self, type_, fn):
        self.handlers[type_] = fn

    def send(self, dest, body):
        line = json.dumps({"src": self.node_id, "dest": dest, "body": body})
        with self.out_lock:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    def reply(self, req, body):
        body = dict(body)
        body["in_reply_to"] = req["body"]["msg_id"]
        self.send(req["src"], body)

    def rpc(self, dest, body, callback):
        """Send body to dest; callback(reply_body) runs when it answers."""
        with self.lock:
            self.next_msg_id += 1
            msg_id = self.next_msg_id
            self.callbacks[msg_id] = callback
        body = dict(body)
        body["msg_id"] = msg_id
        self.send(dest, body)
        return msg_id

    def sync_rpc(self, dest, body, timeout=1.0):
        """Send and wait (from a timer thread, never from a handler)."""
        done = threading.Event()
        box = {}

        def cb(reply):
            box["r"] = reply
            done.set()

        msg_id = self.rpc(dest, body, cb)
        if not done.wait(timeout):
            with self.lock:
                self.callbacks.pop(msg_id, None)
            raise RPCError(0, "timeout")
        r = box["r"]
        if r.get("type") == "error":
            raise RPCError(r.get("code"), r.get("text", ""))
        return r

    def every(self, seconds, fn):
        def loop():
            ev = threading.Event()
            while not ev.wait(seconds):
                try:
                    fn()
                except Exception as e:  # keep gossiping
                    self.log("periodic task failed:", repr(e))
        threading.Thread(target=loop, daemon=True).start()

    def spawn(self, fn):
        threading.Thread(target=fn, daemon=True).start()

    def _init(self, msg):
        body = msg["body"]
        self.node_id = body["node_id"]
        self.node_ids = body["node_ids"]
        for hook in self.init_hooks:
            hook()
        self.reply(msg, {"type": "init_ok"})

    def main(self):
        for line in sys.stdin:
            line = line.strip()
            if not line:
                continue
            msg = json.loads(line)
            body = msg["body"]
            irt = body.get("in_reply_to")
            if irt is not None:
                with self.lock:
                    cb = self.callbacks.pop(irt, None)
                    if cb:
                        cb(body)
                continue
            fn = self.handlers.get(body.get("type"))
            if fn is None:
                if "msg_id" in body:
                    self.reply(msg, {"type": "error", "code": 10,
                                     "text": "unsupported: " + str(body.get("type"))})
                continue
            with self.lock:
                fn(msg)
