"""The plugin over the streaming replication protocol (what the gateway uses), through pg_recvlogical."""
import json
import subprocess

import pytest

PG_RECVLOGICAL = "/usr/lib/postgresql/15/bin/pg_recvlogical"


def recv(cluster, db, slot, *options, endpos):
    cmd = [PG_RECVLOGICAL, "-d", cluster.conninfo(db), "--slot", slot, "--start", "--no-loop",
           "-f", "-", "-E", endpos]
    for opt in options:
        cmd += ["-o", opt]
    # --endpos makes it stop by itself once everything up to endpos was received; the timeout is a safety net
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


@pytest.fixture
def repl_slot(conn):
    conn.execute("SELECT pg_create_logical_replication_slot('ws', 'walcast')")
    return "ws"


def end_lsn(conn):
    return conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()[0]


def test_streams_changes_with_options_and_publication(cluster, db, conn, repl_slot):
    conn.execute("CREATE TABLE a (id int PRIMARY KEY, v text)")
    conn.execute("CREATE TABLE b (id int PRIMARY KEY)")
    conn.execute("CREATE PUBLICATION p FOR TABLE a")
    conn.execute("INSERT INTO a VALUES (1, 'x')")
    conn.execute("INSERT INTO b VALUES (1)")
    conn.execute("UPDATE a SET v = 'y'")
    result = recv(cluster, db, repl_slot, "publication=p", "include-transaction", "include-lsn=on",
                  endpos=end_lsn(conn))
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines() if line]
    assert [r["type"] for r in rows] == ["BEGIN", "INSERT", "COMMIT", "BEGIN", "UPDATE", "COMMIT"]
    assert rows[1]["record"] == {"id": 1, "v": "x"} and "lsn" in rows[1], "an option without a value means on"
    assert rows[4]["old_record"] == {"id": 1}


def test_unknown_publication_fails_at_start(cluster, db, conn, repl_slot):
    result = recv(cluster, db, repl_slot, "publication=missing", endpos=end_lsn(conn))
    assert result.returncode != 0
    assert 'publication "missing" does not exist' in result.stderr


def test_unknown_option_and_valueless_list_option_fail_at_start(cluster, db, conn, repl_slot):
    result = recv(cluster, db, repl_slot, "include-everything", endpos=end_lsn(conn))
    assert result.returncode != 0
    assert 'unrecognized walcast option "include-everything"' in result.stderr
    result = recv(cluster, db, repl_slot, "publication", endpos=end_lsn(conn))
    assert result.returncode != 0
    assert 'walcast option "publication" requires a value' in result.stderr


def test_filtered_big_transaction_streams_nothing_and_finishes(cluster, db, conn, repl_slot):
    """100k filtered-out changes: no output, no BEGIN/COMMIT, and the stream keeps going (progress updates)."""
    conn.execute("CREATE TABLE a (id int PRIMARY KEY)")
    conn.execute("CREATE TABLE noise (id int PRIMARY KEY)")
    conn.execute("CREATE PUBLICATION p FOR TABLE a")
    conn.execute("INSERT INTO noise SELECT generate_series(1, 100000)")
    conn.execute("INSERT INTO a VALUES (7)")
    result = recv(cluster, db, repl_slot, "publication=p", "include-transaction=1", endpos=end_lsn(conn))
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines() if line]
    assert [r["type"] for r in rows] == ["BEGIN", "INSERT", "COMMIT"]
    assert rows[1]["record"] == {"id": 7}


def _vm_hwm_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except FileNotFoundError:
        return None
    return None


def test_big_transaction_decodes_in_bounded_memory(cluster, db, conn, repl_slot):
    """150k rows of 1.5 kB in one transaction (~225 MB of row data) stream through a walsender whose peak
    memory stays far below the transaction's size: the plugin keeps nothing per transaction."""
    import time
    conn.execute("CREATE TABLE big (id int PRIMARY KEY, payload text)")
    conn.execute("ALTER TABLE big ALTER COLUMN payload SET STORAGE EXTERNAL")
    conn.execute("INSERT INTO big SELECT g, repeat(md5(g::text), 47) FROM generate_series(1, 150000) g")
    endpos = end_lsn(conn)
    cmd = [PG_RECVLOGICAL, "-d", cluster.conninfo(db), "--slot", repl_slot, "--start", "--no-loop",
           "-f", "-", "-E", endpos, "-o", "include-columns=0"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak_kb = 0
    count = 0
    deadline = time.monotonic() + 300
    pid = None
    for line in proc.stdout:
        assert time.monotonic() < deadline, "decoding took too long"
        count += 1
        if pid is None:
            row = conn.execute("SELECT pid FROM pg_stat_replication WHERE application_name = 'pg_recvlogical'"
                               ).fetchone()
            pid = row[0] if row else None
        if pid is not None and count % 5000 == 0:
            peak_kb = max(peak_kb, _vm_hwm_kb(pid) or 0)
    assert proc.wait(timeout=60) == 0, proc.stderr.read()
    assert count == 150000
    assert pid is not None
    assert 0 < peak_kb < 200 * 1024, f"walsender peak RSS {peak_kb} kB"
