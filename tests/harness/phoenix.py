"""A small Phoenix Channels client over a plain WebSocket, speaking vsn 1.0.0 (objects) or 2.0.0 (arrays),
so tests see the exact frames the gateway sends."""
import itertools
import json
import time

import websocket


class PhxClient:
    def __init__(self, url, vsn="2.0.0", timeout=10.0):
        self.vsn = vsn
        self.ws = websocket.create_connection(f"{url}?apikey=test&vsn={vsn}", timeout=timeout)
        self._refs = itertools.count(1)
        self.inbox = []

    def close(self):
        try:
            self.ws.close()
        except Exception:
            pass

    def send(self, topic, event, payload, join_ref=None, ref=None):
        ref = str(next(self._refs)) if ref is None else ref
        if self.vsn == "1.0.0":
            frame = {"topic": topic, "event": event, "payload": payload, "ref": ref}
            if join_ref is not None:
                frame["join_ref"] = join_ref
        else:
            frame = [join_ref, ref, topic, event, payload]
        self.ws.send(json.dumps(frame))
        return ref

    def send_raw(self, text):
        self.ws.send(text)

    def _decode(self, raw):
        msg = json.loads(raw)
        if isinstance(msg, list):
            join_ref, ref, topic, event, payload = msg[:5]
            return {"join_ref": join_ref, "ref": ref, "topic": topic, "event": event, "payload": payload}
        msg.setdefault("join_ref", None)
        return msg

    def recv(self, timeout=10.0):
        self.ws.settimeout(timeout)
        opcode, data = self.ws.recv_data()
        if opcode == websocket.ABNF.OPCODE_BINARY:
            return {"binary": data}
        return self._decode(data.decode())

    def wait(self, pred, timeout=10.0):
        """Returns the first message (from the inbox, then the socket) that satisfies pred."""
        for i, m in enumerate(self.inbox):
            if pred(m):
                return self.inbox.pop(i)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no matching message within {timeout}s; inbox: {self.inbox[-5:]}")
            m = self.recv(left)
            if pred(m):
                return m
            self.inbox.append(m)

    def reply_to(self, ref, timeout=10.0):
        return self.wait(lambda m: m.get("event") == "phx_reply" and m.get("ref") == ref, timeout)

    def join(self, topic, payload, timeout=10.0):
        ref = self.send(topic, "phx_join", payload, join_ref=None)
        # The join's own ref is the channel's join_ref (as phoenix.js does).
        reply = self.reply_to(ref, timeout)
        return ref, reply

    def join_changes(self, topic, bindings, wait_subscribed=True, timeout=10.0):
        payload = {"config": {"broadcast": {"ack": False, "self": False}, "presence": {"key": "", "enabled": False},
                              "postgres_changes": bindings, "private": False}}
        ref = str(next(self._refs))
        if self.vsn == "1.0.0":
            self.ws.send(json.dumps({"topic": topic, "event": "phx_join", "payload": payload, "ref": ref, "join_ref": ref}))
        else:
            self.ws.send(json.dumps([ref, ref, topic, "phx_join", payload]))
        reply = self.reply_to(ref, timeout)
        system = None
        if wait_subscribed and bindings:
            system = self.wait(lambda m: m.get("event") == "system" and m.get("topic") == topic, timeout)
        return ref, reply, system

    def changes(self, n, topic=None, timeout=10.0):
        out = []
        for _ in range(n):
            out.append(self.wait(lambda m: m.get("event") == "postgres_changes" and (topic is None or m["topic"] == topic), timeout))
        return out
