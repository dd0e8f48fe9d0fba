"""Runs the real walcast-gateway binary against a test cluster and watches its log."""
import functools
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

# A sanitizer build of the gateway (scripts/sanitize) reports on stderr and aborts. The options are set for every
# binary (a plain build ignores them); a report in the log fails the test whatever else it asserted.
# detect_leaks: LeakSanitizer runs when the gateway exits after SIGTERM, so a leak fails the test that stopped it.
# The memory-bound tests assert their RSS bound on a plain build only (sanitized_build() below).
SANITIZER_ENV = {
    "ASAN_OPTIONS": "halt_on_error=1:abort_on_error=1:detect_leaks=1:print_stacktrace=1:"
                    "detect_stack_use_after_return=1",
    "UBSAN_OPTIONS": "halt_on_error=1:abort_on_error=1:print_stacktrace=1",
    "TSAN_OPTIONS": "halt_on_error=1:abort_on_error=1:second_deadlock_stack=1",
}
# What ASan, LSan, UBSan and TSan print at the top of a report.
SANITIZER_REPORT = re.compile(r"ERROR: (Address|Leak|Thread|Memory)Sanitizer|WARNING: ThreadSanitizer|"
                              r"runtime error: |SUMMARY: \w+Sanitizer")


@functools.lru_cache(maxsize=None)
def _links_a_sanitizer(binary):
    out = subprocess.run(["ldd", binary], capture_output=True, text=True).stdout
    return any(lib in out for lib in ("libasan", "libtsan", "libubsan"))


def sanitized_build():
    """True when the gateway under test is a sanitizer build (scripts/sanitize). Its RSS then also holds the
    sanitizer's shadow memory, redzones and quarantine: a test bounding the gateway's memory by RSS asserts that
    bound on a plain build only (the main pytest run), and still runs its attack under the sanitizers."""
    return _links_a_sanitizer(GATEWAY_BIN)


def sanitizer_reports(lines):
    """The lines of a gateway log that start or sum up a sanitizer report."""
    return [line for line in lines if SANITIZER_REPORT.search(line)]


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

    def wait_closed(self, timeout: float):
        """Waits until the stream ended (the process exited and its last lines were read)."""
        self._thread.join(timeout)

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
        for name, value in SANITIZER_ENV.items():
            self.env.setdefault(name, value)
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
        self.check_no_sanitizer_report()
        return self.proc.returncode if self.proc else None

    def check_no_sanitizer_report(self):
        """Fails when the gateway printed a sanitizer report (read to the end of its stderr once it has exited)."""
        if not self.log:
            return
        if self.proc.poll() is not None:
            self.log.wait_closed(10)
        reports = sanitizer_reports(self.log.lines)
        if reports:
            raise AssertionError("the gateway reported a sanitizer error:\n" + "\n".join(reports) +
                                 "\n--- full log ---\n" + self.log.text())

    @property
    def ws_url(self):
        return f"ws://127.0.0.1:{self.port}/socket/websocket"

    def http_get(self, path):
        return http_get(self.port, path)

    def health(self):
        status, body = self.http_get("/health")
        return status, json.loads(body)
