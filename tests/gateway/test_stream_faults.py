"""A hand-over from the replication thread that throws (bad_alloc while posting a batch) must neither lose
the batch nor leave it counted as in flight (which stalled reads and froze the slot's confirmed position
until a restart). Driven through tests/probes/stream_fault_probe: the real ReplicationStream on a real
database, with a consumer whose chosen hand-over calls throw."""
import json
import os
import queue
import re
import subprocess
import threading
import time

from harness.gateway import LogWatcher

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PROBE = os.environ.get("WALCAST_STREAM_PROBE_BIN", os.path.join(ROOT, "build", "tests", "probes", "stream_fault_probe"))


def _start_probe(cluster, db, failing):
    proc = subprocess.Popen([PROBE, cluster.host, str(cluster.port), db, cluster.user, "probe_slot", "supabase_realtime",
                             failing], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lines = queue.Queue()

    def pump():
        for raw in iter(proc.stdout.readline, b""):
            lines.put(json.loads(raw))

    threading.Thread(target=pump, daemon=True).start()
    return proc, LogWatcher(proc.stderr), lines


def _lsn(text):
    high, low = text.split("/")
    return (int(high, 16) << 32) | int(low, 16)


def _read_changes(lines, count, timeout=60):
    got = []
    deadline = time.monotonic() + timeout
    while len(got) < count:
        try:
            got.append(lines.get(timeout=max(0.1, deadline - time.monotonic())))
        except queue.Empty:
            raise AssertionError(f"{len(got)} of {count} changes arrived within {timeout}s: "
                                 f"{[c['record']['id'] for c in got]}") from None
    return got


def test_failed_hand_overs_lose_nothing_repeat_nothing_and_the_slot_moves_on(cluster, db, conn, publication):
    conn.execute("CREATE TABLE items (id int PRIMARY KEY)")
    # Hand-over calls are numbered from the first batch. Call 1 carries row 1 alone (the test waits for it).
    # Then one transaction of 5,000 rows: 5,001 events, in batches of at most 1,000, so it takes at least
    # six calls. Calls 2 and 3 fail at its start (the retry fails too); call 6 fails in its middle, after
    # at least two of its batches were delivered, which the next session must not repeat.
    proc, log, lines = _start_probe(cluster, db, "2,3,6")
    try:
        log.wait_for(r"streaming from slot probe_slot")
        conn.execute("INSERT INTO items VALUES (1)")
        assert _read_changes(lines, 1)[0]["record"]["id"] == 1
        conn.execute("INSERT INTO items SELECT generate_series(2, 5001)")
        end_lsn = conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
        got = _read_changes(lines, 5000)
        assert [c["record"]["id"] for c in got] == list(range(2, 5002)), "every change once, in commit order"
        assert len(re.findall(r"handing \d+ events to the clients failed", log.text())) == 3
        # The session after call 6 got the transaction from its start again and skipped what was delivered.
        assert re.search(r"skipped [1-9]\d* replayed events already delivered", log.text())
        # Nothing left counted in flight: the confirmed position passes the last commit. The stream logs
        # every new confirmed position; a stalled one never reaches the end (wait_for fails after 30 s).
        wanted = _lsn(str(end_lsn))
        start = 0
        while True:
            line = log.wait_for(r"confirmed flush [0-9A-F]+/[0-9A-F]+", timeout=30, start=start)
            start = log.lines.index(line, start) + 1
            if _lsn(re.search(r"confirmed flush (\S+)", line).group(1)) >= wanted:
                break
        assert conn.execute("SELECT confirmed_flush_lsn >= %s FROM pg_replication_slots WHERE slot_name = 'probe_slot'",
                            (end_lsn,)).fetchone()[0]
        # And the stream still streams.
        conn.execute("INSERT INTO items VALUES (5002)")
        assert _read_changes(lines, 1)[0]["record"]["id"] == 5002
        assert lines.empty()
    finally:
        proc.stdin.close()
        proc.wait(timeout=15)
        conn.execute("SELECT pg_drop_replication_slot('probe_slot') FROM pg_replication_slots WHERE slot_name = "
                     "'probe_slot' AND NOT active")
    assert proc.returncode == 0
