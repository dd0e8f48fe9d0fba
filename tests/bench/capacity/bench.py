"""Benchmark 3 (issue 4): connection capacity. See DESCRIPTION."""
import math
import resource
import subprocess
import time

import loadgen
from harness.gateway import GATEWAY_BIN, Gateway, LogWatcher
from lib import proc

TITLE = "Connection capacity"
DESCRIPTION = """\
`walcast-loadgen idle` opens WebSocket connections to one gateway, each joined to one channel with a
`postgres_changes` binding (realtime-js's join, heartbeats every 25 s), from several loopback source addresses
(127.0.0.2-9, `IP_BIND_ADDRESS_NO_PORT`, so ports never run out), at most 256 handshakes in flight, until the
target or the first failure. Both the gateway and the load generator raise their `RLIMIT_NOFILE` soft limit to
the hard limit. Then one row is inserted (its `sent_ns` on the shared monotonic clock) and the time until every
connection has it is taken. RSS per connection is (gateway VmRSS with the connections - VmRSS before) / count."""

BENCH = "capacity"
SOURCES = ",".join(f"127.0.0.{i}" for i in range(2, 10))
FD_RESERVE = 200  # descriptors the gateway and the load generator keep for everything but client sockets


class RaisedLimitGateway(Gateway):
    """The harness gateway, started with its soft RLIMIT_NOFILE raised to the hard limit."""

    def start(self, wait_replication=True):
        def raise_nofile():
            soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

        self.proc = subprocess.Popen([GATEWAY_BIN], env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, preexec_fn=raise_nofile)
        self.log = LogWatcher(self.proc.stderr)
        self.log.wait_for(r"listening on")
        if wait_replication:
            self.log.wait_for(r"replication.*(streaming|started)|streaming from slot")
        return self


def gateway_fd_limit(pid):
    with open(f"/proc/{pid}/limits") as f:
        for line in f:
            if line.startswith("Max open files"):
                return int(line.split()[3])
    return 0


def hold(ctx, pg, db, gw, count, topics):
    """Opens `count` joined connections, sends one change to them all; returns the figures."""
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    per_process = max(100, hard - FD_RESERVE)
    processes = math.ceil(count / per_process)
    rss_before = proc.rss_mb(gw.proc.pid)
    started = time.monotonic()
    loads = []
    for i in range(processes):
        share = count // processes + (1 if i < count % processes else 0)
        loads.append(loadgen.IdleLoad(ctx.spawn, url=gw.ws_url + "?apikey=bench&vsn=2.0.0", clients=share,
                                      sources=SOURCES, topics=topics, topic=f"cap{i}", connect_in_flight=256,
                                      connect_timeout_s=240, wait_seconds=120, hold_seconds=600))
    try:
        readies = [l.wait_line("READY", 300) for l in loads]
        open_seconds = time.monotonic() - started
        ready = sum(r["pool"]["ready"] for r in readies)
        failed = sum(r["pool"]["failed"] for r in readies)
        first_error = next((r["pool"]["first_error"] for r in readies if r["pool"]["first_error"]), "")
        time.sleep(1.0)  # let freed handshake buffers settle before reading RSS (a reading, not a sync)
        rss_after = proc.rss_mb(gw.proc.pid)
        with pg.connect(db) as c:
            c.execute("INSERT INTO bench VALUES (1, %s, 'capacity')", (time.monotonic_ns(),))
        results = [l.wait_line("RESULT", 180) for l in loads]
        received = sum(r["pool"]["received"] for r in results)
    finally:
        dones = [l.stop() for l in loads]
    lat = [d["latency_us"] for d in dones if d.get("latency_us", {}).get("count")]
    return {
        "ready": ready, "failed": failed, "first_error": first_error, "open_seconds": open_seconds,
        "rss_before_mb": rss_before, "rss_after_mb": rss_after,
        "kb_per_connection": (rss_after - rss_before) * 1024 / ready if ready else float("nan"),
        "received": received,
        "all_ms": max((l["max"] for l in lat), default=float("nan")) / 1000,
        "p50_ms": (sorted(l["p50"] for l in lat)[len(lat) // 2] / 1000) if lat else float("nan"),
        "closed": sum(d.get("pool", {}).get("closed", 0) for d in dones),
    }


def run(ctx):
    target = ctx.size(200, 100_000)
    layouts = ctx.size([("shared", "one topic")], [("shared", "one topic"), ("distinct", "a topic each")])
    with ctx.cluster() as pg:
        for topics, label in layouts:
            db = f"capacity_{topics}"
            pg.create_database(db)
            with pg.connect(db) as c:
                c.execute("CREATE TABLE bench (seq bigint PRIMARY KEY, sent_ns bigint NOT NULL, body text NOT NULL)")
                c.execute("CREATE PUBLICATION supabase_realtime FOR TABLE bench")
            gw = RaisedLimitGateway(pg, db, slot=f"walcast_capacity_{topics}", LOG_LEVEL="info")
            try:
                gw.start()
                limit = gateway_fd_limit(gw.proc.pid)
                count = min(target, limit - FD_RESERVE)
                if count < target:
                    ctx.note(f"Target {target:,} connections not attempted: RLIMIT_NOFILE's hard limit here is "
                             f"{limit:,} and this sandbox cannot raise it (no CAP_SYS_RESOURCE: `prlimit "
                             f"--nofile=200000` is refused), so a gateway process can hold at most ~{limit:,} "
                             f"sockets. Measured at {count:,}; per-connection memory is what extrapolates.")
                ctx.log(f"{label}: opening {count} connections (gateway fd limit {limit})")
                r = hold(ctx, pg, db, gw, count, topics)
                ctx.log(f"{label}: {r}")
            finally:
                gw.stop(timeout=60)
            scenario = f"{r['ready']:,} idle connections, {label}"
            ctx.record(BENCH, scenario, "connections held", "walcast", r["ready"], "connections", lower_is_better=False)
            if r["ready"]:
                ctx.record(BENCH, scenario, "gateway RSS per connection", "walcast", r["kb_per_connection"], "KB",
                           lower_is_better=True)
                ctx.record(BENCH, scenario, "gateway RSS", "walcast", r["rss_after_mb"], "MB", lower_is_better=True)
                ctx.record(BENCH, scenario, "connect+join rate", "walcast", r["ready"] / r["open_seconds"],
                           "connections/s", lower_is_better=False)
            if r["received"]:
                ctx.record(BENCH, scenario, "one change to all connections", "walcast", r["all_ms"], "ms",
                           lower_is_better=True)
                ctx.record(BENCH, scenario, "one change, median connection", "walcast", r["p50_ms"], "ms",
                           lower_is_better=True)
            if r["failed"] or r["received"] < r["ready"] or r["closed"]:
                ctx.note(f"{scenario}: {r['failed']} connections failed to open, {r['ready'] - r['received']} "
                         f"did not receive the change, {r['closed']} closed by the server "
                         f"(first error: {r['first_error'] or 'none'}).")
