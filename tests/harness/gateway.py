"""Runs the real walcast-gateway binary against a test cluster and watches its log."""
import json
import os
import re
import subprocess
import threading
import time
import urllib.error
import urllib.request

from .pgcluster import free_port

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
GATEWAY_BIN = os.environ.get("WALCAST_GATEWAY_BIN", os.path.join(ROOT, "build", "gateway", "walcast-gateway"))


def http_get(port, path, timeout=10):
    """GET on the loopback port; returns (status, body) for error statuses too."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


class LogWatcher:
    """Collects a process's stderr lines; tests wait for a line to appear instead of sleeping."""

    def __init__(self, stream):
        self.lines = []
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self._thread.start()

    def _pump(self, stream):
        for raw in iter(stream.readline, b""):
            line = raw.decode(errors="replace").rstrip("\n")
            with self._cond:
                self.lines.append(line)
                self._cond.notify_all()

    def wait_for(self, pattern: str, timeout: float = 20.0, start: int = 0) -> str:
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self.lines[start:]:
                    if rx.search(line):
                        return line
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no log line matching {pattern!r} within {timeout}s; log:\n" + self.text())
                self._cond.wait(left)

    def mark(self) -> int:
        with self._cond:
            return len(self.lines)

    def text(self) -> str:
        with self._cond:
            return "\n".join(self.lines)


class Gateway:
    def __init__(self, cluster, dbname, slot="walcast_test", publication="supabase_realtime", **env):
        self.cluster = cluster
        self.port = free_port()
        self.slot = slot
        self.env = dict(os.environ)
        self.env.update({
            "DB_HOST": cluster.host, "DB_PORT": str(cluster.port), "DB_NAME": dbname, "DB_USER": cluster.user,
            "SLOT_NAME": slot, "PUBLICATION": publication, "PORT": str(self.port), "HOSTNAME": "127.0.0.1",
            "LOG_LEVEL": "debug", "MAX_RECONNECT_BACKOFF_MS": "500", "STATUS_INTERVAL_MS": "200",
        })
        self.env.update({k: str(v) for k, v in env.items()})
        self.proc = None
        self.log = None

    def start(self, wait_replication=True):
        self.proc = subprocess.Popen([GATEWAY_BIN], env=self.env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.log = LogWatcher(self.proc.stderr)
        self.log.wait_for(r"listening on")
        if wait_replication:
            self.log.wait_for(r"replication.*(streaming|started)")
        return self

    def stop(self, timeout=15):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("gateway did not exit within %ss of SIGTERM" % timeout)
        return self.proc.returncode if self.proc else None

    @property
    def ws_url(self):
        return f"ws://127.0.0.1:{self.port}/socket/websocket"

    def http_get(self, path):
        return http_get(self.port, path)

    def health(self):
        status, body = self.http_get("/health")
        return status, json.loads(body)
