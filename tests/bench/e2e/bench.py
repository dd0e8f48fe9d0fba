"""Benchmark 2 (issue 4): end to end, commit -> client. See DESCRIPTION."""
import time

import loadgen
from harness.phoenix import PhxClient

from .systems import Lds, Notify, Walcast, peers_installed

TITLE = "End to end: commit → client"
DESCRIPTION = """\
`walcast-loadgen` (C++, Boost.Beast; tests/bench/loadgen) opens N WebSocket clients and subscribes them as
realtime-js 2.x does (vsn 2.0.0, `phx_join` with `config.postgres_changes` for INSERTs on `public.bench`,
heartbeats), or in the peer's own protocol. A separate libpq connection writes rows at a fixed rate: each
INSERT is its own transaction (rows that fall due while a commit is running go together in the next one), and
each row carries `sent_ns`, CLOCK_MONOTONIC read just before the statement that commits is sent. Every client
compares it with the same clock on arrival. Probe rows are written until every client has heard one; then 1 s
of warm-up, then the measured window; latency is p50/p95/p99/max over every (row, client) pair, delivered
messages/s is what all clients received divided by the time from the first measured send to the last arrival.
CPU is the server process's CPU time over that window (100 % = one core), RSS is its VmRSS at the end.
The maximum sustained rate (100 subscribers) steps the write rate up until rows are lost, the writer cannot
hold the rate, or p99 passes the system's budget (10 ms for walcast and NOTIFY, 2 × LD_WAIT + 50 ms for lds).
Peers: `@graphile/lds` 4.13.0 (wal2json polled with `pg_logical_slot_get_changes`; `LD_WAIT` is the pause
between polls, the CLI default is 125 ms), and an `AFTER INSERT/UPDATE/DELETE` trigger calling
`pg_notify(row_to_json(NEW))` relayed by a small Node `pg` + `ws` listener (tests/bench/e2e/notify_listener.js).
Everything (Postgres, server, load generator) shares this machine's 2 cores, so at high fan-out the load
generator's own receiving competes with the server it measures."""

BENCH = "e2e"
LDS_FAST_WAIT_MS = 10  # below ~10 ms lds spends its time on empty polls (each is a query plus a bookkeeping UPDATE)


def scenario_name(rate, clients):
    return f"{rate / 1000:g}k changes/s, {clients} subscriber{'s' if clients != 1 else ''}"


DRAIN_MAX_SECONDS = 20


def drive(ctx, pg, system, clients, rate, seconds, warmup=1.0):
    """One load-generator run against a started system; returns its JSON report."""
    system.wait_idle()
    system.truncate()
    with open("/proc/loadavg") as f:
        load = float(f.read().split()[0])
    if load > 2.5:
        ctx.log(f"  (machine load average {load:.1f} before this run: other processes compete for the 2 cores)")
    watch = [f"{name}={pid}" for name, pid in system.watch().items()]
    return loadgen.run_json(
        "e2e", timeout=seconds + warmup + DRAIN_MAX_SECONDS + 180, url=system.url, protocol=system.protocol,
        clients=clients, rate=rate, seconds=seconds, warmup_seconds=warmup, conninfo=pg.conninfo(system.db),
        watch=watch, drain_seconds=3, drain_max_seconds=DRAIN_MAX_SECONDS, connect_timeout_s=60, probe_timeout_s=30)


def window_seconds(rate, clients, seconds):
    """The measured window: shorter when the offered fan-out is far beyond what 2 cores can deliver, so an
    overloaded run ends in bounded time and memory (each stalled client may queue up to 8 MB in the gateway)."""
    offered = rate * clients
    return seconds if offered <= 200_000 else max(1.0, min(seconds, 2_000_000 / offered))


def summary(r):
    if r.get("error"):
        return f"error: {r['error']} ({r.get('pool', {}).get('first_error', '')})"
    lat, d, w = r["latency_us"], r["delivered"], r["write"]
    return (f"p50 {lat['p50'] / 1000:.2f} ms p99 {lat['p99'] / 1000:.2f} ms max {lat['max'] / 1000:.1f} ms, "
            f"{d['messages_per_s']:.0f} msg/s, lost {d['lost']}, wrote {w['achieved_rate']:.0f} rows/s "
            f"({w['rows_per_transaction']:.1f} rows/txn), procs {r['processes']}")


def record_run(ctx, system, scenario, r):
    peer = system.peer
    if r.get("error"):
        ctx.note(f"{peer}, {scenario}: no figures: {summary(r)}")
        return
    lat = r["latency_us"]
    for q in ("p50", "p95", "p99", "max"):
        ctx.record(BENCH, scenario, f"{q} latency", peer, lat[q] / 1000.0, "ms", lower_is_better=True)
    d = r["delivered"]
    ctx.record(BENCH, scenario, "delivered messages/s", peer, d["messages_per_s"], "msg/s", lower_is_better=False)
    procs = r["processes"]
    server = procs.get(system.server_name, {})
    if "cpu_percent" in server:
        ctx.record(BENCH, scenario, "server CPU", peer, server["cpu_percent"], "% of a core", lower_is_better=True)
        ctx.record(BENCH, scenario, "server RSS", peer, server["rss_mb"], "MB", lower_is_better=True)
        if d["received"]:
            ctx.record(BENCH, scenario, "server CPU per delivered message", peer,
                       server["cpu_seconds"] * 1e6 / d["received"], "µs", lower_is_better=True)
    if "cpu_percent" in procs.get("loadgen", {}):
        ctx.record(BENCH, scenario, "load generator CPU", peer, procs["loadgen"]["cpu_percent"], "% of a core",
                   lower_is_better=True)
    backend = procs.get(system.backend_name, {})
    if "cpu_percent" in backend:
        ctx.record(BENCH, scenario, "Postgres capture backend CPU", peer, backend["cpu_percent"], "% of a core",
                   lower_is_better=True)
    lost, closed = d["lost"], r["pool"]["closed"]
    if lost or closed or r["pool"]["out_of_order"]:
        ctx.note(f"{peer}, {scenario}: {lost:,} of {d['expected']:,} messages not delivered by the end of the drain "
                 f"(3 s without progress, at most {DRAIN_MAX_SECONDS} s), {closed} clients closed by the server, "
                 f"{r['pool']['out_of_order']} out of order (first error: {r['pool']['first_error'] or 'none'}); "
                 f"its latency figures cover only the delivered ones.")
    if r["write"]["achieved_rate"] < 0.95 * r["rate"]:
        ctx.note(f"{peer}, {scenario}: the writer reached only {r['write']['achieved_rate']:.0f} of "
                 f"{r['rate']:.0f} rows/s (Postgres commit-bound).")


def max_sustained(ctx, pg, system, clients, rates, seconds):
    """Steps the write rate up until latency climbs (p99 over the system's budget), rows are lost, or the
    writer cannot hold the rate; returns (last sustained rate, its report)."""
    best, best_report = 0, None
    for rate in rates:
        r = drive(ctx, pg, system, clients, rate, seconds)
        ctx.log(f"  {system.peer} max-rate step {rate}/s: {summary(r)}")
        if r.get("error"):
            break
        ok = (r["delivered"]["lost"] == 0 and r["write"]["achieved_rate"] >= 0.95 * rate
              and r["latency_us"]["p99"] <= system.p99_budget_ms * 1000)
        if not ok:
            break
        best, best_report = rate, r
    return best, best_report


def commit_rates(ctx, pg, system_or_none, db, connections, seconds):
    label = system_or_none.peer if system_or_none else "no change capture"
    for k in connections:
        with pg.connect(db) as c:
            c.execute("TRUNCATE bench")
        r = loadgen.run_json("commits", timeout=seconds + 60, conninfo=pg.conninfo(db), connections=k,
                             seconds=seconds, seq_base=10**12)
        if r.get("errors"):
            ctx.note(f"{label}: commit-rate run with {k} connection(s) failed: {r['errors'][0]}")
            continue
        ctx.log(f"  {label}: {k} connection(s): {r['commits_per_s']:.0f} commits/s")
        ctx.record(BENCH, f"single-row INSERT commits, {k} connection{'s' if k > 1 else ''}", "commits/s", label,
                   r["commits_per_s"], "commits/s", lower_is_better=False)


def notify_payload_limit(ctx, system):
    """Largest row the NOTIFY version can write at all (row_to_json text bytes), by bisection on the body."""
    import psycopg
    lo, hi = 0, 16000  # body bytes: lo works, hi fails
    error = ""
    with system.pg.connect(system.db) as c:
        while hi - lo > 1:
            mid = (lo + hi) // 2
            try:
                c.execute("INSERT INTO bench VALUES (-1000000, 0, repeat('x', %s))", (mid,))
                c.execute("DELETE FROM bench WHERE seq = -1000000")
                lo = mid
            except psycopg.Error as e:
                error = str(e).strip().splitlines()[0]
                hi = mid
        size = c.execute("SELECT length(row_to_json(r)::text) FROM (SELECT -1000000::bigint AS seq, 0::bigint AS "
                         "sent_ns, repeat('x', %s) AS body) r", (lo,)).fetchone()[0]
    return size, error


def walcast_big_row(ctx, system, body_bytes):
    """A row far over NOTIFY's limit through walcast: returns the milliseconds to arrive, or raises."""
    client = PhxClient(system.url.split("?")[0], vsn="2.0.0", timeout=30)
    try:
        client.join_changes("realtime:big", [{"event": "INSERT", "schema": "public", "table": "bench"}])
        sent = time.monotonic_ns()
        system.sql("INSERT INTO bench VALUES (-2000000, %s, repeat('y', %s))", (sent, body_bytes))
        # Rows of earlier runs may still be on their way; wait for this one.
        msg = client.wait(lambda m: m.get("event") == "postgres_changes"
                          and m["payload"]["data"]["record"].get("seq") == -2000000, timeout=60)
        took = (time.monotonic_ns() - sent) / 1e6
        body = msg["payload"]["data"]["record"]["body"]
        assert len(body) == body_bytes, f"walcast delivered a body of {len(body)} bytes, expected {body_bytes}"
        return took
    finally:
        client.close()


def run(ctx):
    rates = ctx.size([200], [1000, 10000])
    subscriber_counts = ctx.size([2], [1, 100, 1000])
    seconds = ctx.size(1.5, 5.0)
    ladder = ctx.size([], [100, 250, 500, 1000, 2000, 5000, 10000, 20000, 40000])
    commit_seconds = ctx.size(0.5, 3.0)
    commit_connections = ctx.size([1], [1, 2])
    big_row = ctx.size(64 * 1024, 1024 * 1024)

    with open("/proc/loadavg") as f:
        ctx.note(f"Load average when this benchmark started: {' '.join(f.read().split()[:3])} (2 cores; the "
                 f"server, Postgres and the load generator share them).")
    missing_peers = peers_installed()
    if missing_peers:
        ctx.note(f"lds and the NOTIFY listener were not run: {missing_peers}")

    with ctx.cluster() as pg:
        plans = [("walcast", lambda db: Walcast(ctx, pg, db))]
        if not missing_peers:
            plans.append(("lds_default", lambda db: Lds(ctx, pg, db, 125)))
            plans.append(("lds_fast", lambda db: Lds(ctx, pg, db, LDS_FAST_WAIT_MS)))
            plans.append(("notify", lambda db: Notify(ctx, pg, db)))
        if ctx.quick:
            plans = [p for p in plans if p[0] != "lds_fast"]

        base_db = "bench_baseline"
        pg.create_database(base_db)
        with pg.connect(base_db) as c:
            c.execute("CREATE TABLE bench (seq bigint PRIMARY KEY, sent_ns bigint NOT NULL, body text NOT NULL)")
        commit_rates(ctx, pg, None, base_db, commit_connections, commit_seconds)

        for key, make in plans:
            db = f"bench_{key}"
            pg.create_database(db)
            system = make(db)
            ctx.log(f"{system.peer}: starting")
            try:
                system.start()
                run_system(ctx, pg, system, key, rates, subscriber_counts, seconds, ladder, commit_connections,
                           commit_seconds, big_row)
            except Exception as e:
                if key == "walcast":
                    raise
                # A peer that cannot run is a finding about the peer, not a failure of this benchmark.
                ctx.note(f"{system.peer}: stopped with an error, remaining figures missing: {type(e).__name__}: "
                         f"{str(e).strip()[:400]}")
                ctx.log(f"{system.peer}: FAILED {e!r}")
            finally:
                try:
                    system.stop()
                except Exception as e:
                    ctx.log(f"{system.peer}: stop failed: {e!r}")


def run_system(ctx, pg, system, key, rates, subscriber_counts, seconds, ladder, commit_connections, commit_seconds,
               big_row):
    # The light measurements first: the overload scenarios at the end can leave a server busy for minutes.
    db = system.db
    system.wait_idle()
    system.truncate()
    commit_rates(ctx, pg, system, db, commit_connections, commit_seconds)
    if key == "notify":
        size, error = notify_payload_limit(ctx, system)
        ctx.record(BENCH, "largest row", "row JSON bytes that can be written", system.peer, size,
                   "bytes", lower_is_better=False)
        ctx.note(f"NOTIFY breaks past {size} bytes of row JSON: the INSERT itself fails with "
                 f"`{error}`, so the writer's transaction is rolled back, not just the notification lost.")
    if key == "walcast":
        system.wait_idle()
        took = walcast_big_row(ctx, system, big_row)
        ctx.record(BENCH, "largest row", "row JSON bytes that can be written", system.peer, big_row,
                   "bytes", lower_is_better=False)
        ctx.note(f"walcast delivered a row with a {big_row}-byte body whole in {took:.1f} ms "
                 f"(the largest size this benchmark tries, not a limit).")
    if ladder:
        best, report = max_sustained(ctx, pg, system, 100, ladder, 3.0)
        ctx.record(BENCH, "100 subscribers", "max sustained changes/s", system.peer, best,
                   "changes/s", lower_is_better=False)
        if report:
            ctx.record(BENCH, "100 subscribers, at the max sustained rate", "delivered messages/s",
                       system.peer, report["delivered"]["messages_per_s"], "msg/s", lower_is_better=False)
            ctx.record(BENCH, "100 subscribers, at the max sustained rate", "p99 latency", system.peer,
                       report["latency_us"]["p99"] / 1000, "ms", lower_is_better=True)
    # Fan-out grows along the grid, so each run leaves the least backlog for the next.
    for clients in subscriber_counts:
        for rate in rates:
            window = window_seconds(rate, clients, seconds)
            r = drive(ctx, pg, system, clients, rate, window, warmup=min(1.0, window / 5))
            ctx.log(f"  {system.peer} {scenario_name(rate, clients)}: {summary(r)}")
            record_run(ctx, system, scenario_name(rate, clients), r)
