"""Benchmark 1: decode throughput of walcast and its peers on identical WAL.

For each workload: a fresh database; its tables; one slot per peer, all created before any change, so every peer
decodes exactly the same WAL; then the changes. Each repetition peeks every slot (peek does not consume) in a
rotating order, each drain on a fresh connection, timed server-side.
"""
import contextlib
from concurrent.futures import ThreadPoolExecutor

from . import instructions, measure
from .peers import PEERS, PUBLICATION
from .workloads import all_workloads, mixed_insert_txn, mixed_update_txns

TITLE = "1. Decode throughput on identical WAL"
DESCRIPTION = """\
One slot per plugin is created before any change, so all decode the same WAL. Each slot is drained with
`pg_logical_slot_peek_changes` (`pg_logical_slot_peek_binary_changes` for pgoutput), summed server-side
(`count(*)`, `sum(octet_length(data))`) and timed with `clock_timestamp()` inside the server, on a fresh connection
per drain. Peers: walcast with default options; walcast with the gateway's options (`publication` +
`include-transaction`); pgoutput (`proto_version` 1, a publication FOR ALL TABLES); wal2json `format-version=2`;
test_decoding (defaults).

- **changes/s**: row changes in the workload / server-side drain time.
- **bytes/change**: total output bytes (BEGIN/COMMIT/RELATION rows included) / row changes.
- **backend CPU s**: user+system CPU of the decoding backend (/proc/<pid>/stat) during the drain.
- **peak RSS MB**: VmHWM of the decoding backend (a fresh backend per drain).
- **instructions/change**: the noise-free figure. The first two workloads again at a smaller size, each peer's peek run
  once in a single-user `postgres --single` under `valgrind --tool=callgrind`, minus a `SELECT 1` run, divided by the
  changes. Instruction counts do not drift with machine load the way times do."""

FULL_REPS = 3
BIG_FULL_REPS = 1  # the 2M-row transaction: one repetition keeps the whole run within its time budget


def run(ctx):
    ctx.note("Drains of one repetition run in a rotating order of peers, so drift on this noisy machine spreads "
             "evenly. Wall time also counts waiting for a core while other work runs; backend CPU and, above all, "
             "instructions/change are the steadier comparisons. The SQL functions materialise all output in a "
             "tuplestore (spilled to a temp file past work_mem), a cost that grows with output bytes; the gateway "
             "streams over the replication protocol and does not pay it. Where walcast's time goes, and a measured "
             "fix: tests/bench/decode/PROFILE.md.")
    # Enough decoding memory that only the big transaction spills; the same for every peer.
    with ctx.cluster(extra_conf="logical_decoding_work_mem = '64MB'\nmax_wal_size = '4GB'\n") as pg:
        for index, workload in enumerate(all_workloads(ctx.size)):
            reps = ctx.reps(BIG_FULL_REPS if workload.big else FULL_REPS)
            if workload.big and not ctx.quick and reps < FULL_REPS:
                ctx.note(f"`{workload.name}`: {reps} repetition(s) only, to keep the full run under ~30 min.")
            run_workload(ctx, pg, f"decode_{index}", workload, reps)
    count_instructions(ctx)
    write_headline(ctx)


def set_up(ctx, pg, dbname, workload):
    """A database holding one slot per peer, created before the workload's changes."""
    ctx.log(f"{workload.name}: preparing")
    pg.create_database(dbname)
    with pg.connect(dbname) as conn:
        conn.execute(measure.TIMED_DRAIN_FUNCTION)
        for sql in workload.prepare:
            conn.execute(sql)
        conn.execute(f"CREATE PUBLICATION {PUBLICATION} FOR ALL TABLES")
        for peer in PEERS:
            conn.execute("SELECT pg_create_logical_replication_slot(%s, %s)", [peer.slot, peer.plugin])
        ctx.log(f"{workload.name}: generating {workload.expected_changes} changes")
        for sql in workload.changes:
            conn.execute(sql)
        conn.execute("CHECKPOINT")


def count_instructions(ctx):
    if not instructions.available():
        ctx.note("instructions/change: skipped, valgrind is not installed (`apt-get install valgrind`).")
        return
    # Quick mode counts one small workload only: a callgrind start-up alone takes seconds. In full mode the two
    # workloads run side by side (one per core); counts do not depend on what else runs.
    workloads = [mixed_insert_txn(300)] if ctx.quick else [mixed_insert_txn(10_000), mixed_update_txns(10_000)]
    with contextlib.ExitStack() as stack:
        clusters = []
        for index, workload in enumerate(workloads):
            pg = stack.enter_context(ctx.cluster())
            set_up(ctx, pg, f"instr_{index}", workload)
            pg.stop()
            clusters.append((pg, f"instr_{index}", workload))
        ctx.log("counting instructions under callgrind:", ", ".join(w.name for w in workloads))
        with ThreadPoolExecutor(max_workers=2) as pool:
            counts = list(pool.map(lambda c: instructions.count_per_change(c[0], c[1], c[2].expected_changes),
                                   clusters))
    for (_, _, workload), per_change in zip(clusters, counts):
        for peer in PEERS:
            ctx.record("decode", workload.name, "instructions/change", peer.name, [per_change[peer.name]], "instr",
                       lower_is_better=True)


def write_headline(ctx):
    """The few ratios the issue asks about, as notes above the table."""
    figures = ctx.results.for_bench("decode")

    def median(scenario, measure, peer):
        for f in figures:
            if (f.scenario, f.measure, f.peer) == (scenario, measure, peer):
                return f.median
        return None

    scenarios = list(dict.fromkeys(f.scenario for f in figures))
    for measure, better in (("changes/s", lambda ours, peer: ours / peer),
                            ("backend CPU", lambda ours, peer: peer / ours),
                            ("instructions/change", lambda ours, peer: peer / ours)):
        for scenario in scenarios:
            parts = []
            for ours in ("walcast", "walcast (gateway opts)"):
                o = median(scenario, measure, ours)
                ratios = [(p, median(scenario, measure, p)) for p in ("pgoutput", "wal2json v2")]
                if o and all(v for _, v in ratios):
                    parts.append(f"{ours}: " + ", ".join(f"{better(o, v):.2f}x {p}" for p, v in ratios))
            if parts:
                ctx.note(f"- **{scenario}**, {measure}: " + "; ".join(parts) + " (>1 = walcast better)")
    big = [s for s in scenarios if median(s, "peak RSS", "walcast") and "insert txn (7 cols)" in s]
    if len(big) >= 2:
        rss = ", ".join(f"{s.split('-row')[0]} rows: {median(s, 'peak RSS', 'walcast'):.0f} MB" for s in big)
        ctx.note(f"- walcast backend peak RSS by transaction size (7 cols): {rss}; pgoutput on the largest: "
                 f"{median(big[-1], 'peak RSS', 'pgoutput'):.0f} MB (PostgreSQL's reorder buffer spills past "
                 f"logical_decoding_work_mem = 64MB for every plugin).")


def run_workload(ctx, pg, dbname, workload, reps):
    try:
        set_up(ctx, pg, dbname, workload)
        drains = {peer.name: [] for peer in PEERS}
        for rep in range(reps):
            order = PEERS[rep % len(PEERS):] + PEERS[:rep % len(PEERS)]
            for peer in order:
                d = measure.drain(pg, dbname, peer)
                check_complete(workload, peer, d)
                drains[peer.name].append(d)
                ctx.log(f"{workload.name} rep {rep + 1}/{reps} {peer.name}: {d.seconds:.2f} s, "
                        f"{d.rows} rows, {d.out_bytes} bytes, cpu {d.cpu_seconds:.2f} s, peak {d.peak_rss_mb:.0f} MB")
        record(ctx, workload, drains)
    finally:
        with pg.connect() as conn:
            for peer in PEERS:
                conn.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                             "WHERE slot_name = %s AND database = %s", [peer.slot, dbname])
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def check_complete(workload, peer, d):
    """A peer that decoded fewer rows than there were changes did not do the same work; its time means nothing."""
    if d.rows < workload.expected_changes:
        raise RuntimeError(f"{peer.name} decoded {d.rows} rows for {workload.expected_changes} changes "
                           f"in {workload.name!r}")


def record(ctx, workload, drains):
    n = workload.expected_changes
    for peer in PEERS:
        ds = drains[peer.name]
        ctx.record("decode", workload.name, "changes/s", peer.name, [n / d.seconds for d in ds], "changes/s",
                   lower_is_better=False)
    for peer in PEERS:
        ctx.record("decode", workload.name, "bytes/change", peer.name, [d.out_bytes / n for d in drains[peer.name]],
                   "B", lower_is_better=True)
    for peer in PEERS:
        ctx.record("decode", workload.name, "backend CPU", peer.name, [d.cpu_seconds for d in drains[peer.name]],
                   "s", lower_is_better=True)
    for peer in PEERS:
        ctx.record("decode", workload.name, "peak RSS", peer.name, [d.peak_rss_mb for d in drains[peer.name]],
                   "MB", lower_is_better=True)
