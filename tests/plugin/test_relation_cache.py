"""The relation cache: each table's metadata is built once and invalidated precisely - a type, schema or table
change shows from its point in the stream on, unrelated catalog churn keeps entries, and entries of dropped
tables are freed, so a role that creates and drops tables without end cannot grow a walsender's memory."""
import os
import re
import subprocess
import tempfile
import time
import uuid

import pytest

PG_RECVLOGICAL = "/usr/lib/postgresql/15/bin/pg_recvlogical"


def column_types(row):
    return {c["name"]: c["type"] for c in row["columns"]}


def test_type_and_schema_renames_show_from_their_point_in_the_stream(conn, slot):
    conn.execute("CREATE SCHEMA app")
    conn.execute("CREATE TYPE app.mood AS ENUM ('sad', 'happy')")
    conn.execute("CREATE DOMAIN app.posint AS int CHECK (VALUE > 0)")
    conn.execute("CREATE TYPE app.pair AS (x int, y int)")
    conn.execute("CREATE TABLE app.t (id int PRIMARY KEY, m app.mood, moods app.mood[], p app.posint, "
                 "pr app.pair)")
    conn.execute("CREATE TABLE app.other (id int PRIMARY KEY)")
    insert = "INSERT INTO {}.t VALUES ({}, 'happy', '{{sad}}', 1, ROW(1, 2{}))"
    conn.execute(insert.format("app", 1, ""))
    conn.execute("ALTER TYPE app.mood RENAME TO feeling")
    conn.execute(insert.format("app", 2, ""))
    conn.execute("ALTER DOMAIN app.posint RENAME TO positive")
    conn.execute(insert.format("app", 3, ""))
    conn.execute("ALTER TYPE app.feeling ADD VALUE 'calm'")
    conn.execute("INSERT INTO app.t VALUES (4, 'calm', '{calm}', 1, ROW(1, 2))")
    conn.execute("ALTER TYPE app.pair RENAME ATTRIBUTE y TO z")
    conn.execute("ALTER TYPE app.pair ADD ATTRIBUTE w text")
    conn.execute(insert.format("app", 5, ", NULL"))
    conn.execute("ALTER SCHEMA app RENAME TO core")
    conn.execute(insert.format("core", 6, ", NULL"))
    # Churn that touches pg_type and pg_namespace but none of t's types or its schema.
    conn.execute("CREATE TEMP TABLE scratch (a int)")
    conn.execute("CREATE TYPE core.unrelated AS ENUM ('x')")
    conn.execute("ALTER TYPE core.unrelated RENAME TO unrelated2")
    conn.execute("CREATE SCHEMA elsewhere")
    conn.execute("ALTER SCHEMA elsewhere RENAME TO elsewhere2")
    conn.execute(insert.format("core", 7, ", NULL"))
    rows = [r for r in slot.changes() if r["table"] == "t"]
    assert [r["record"]["id"] for r in rows] == [1, 2, 3, 4, 5, 6, 7]
    types = [column_types(r) for r in rows]
    assert types[0] == {"id": "int4", "m": "mood", "moods": "_mood", "p": "posint", "pr": "pair"}
    assert types[1] == {"id": "int4", "m": "feeling", "moods": "_feeling", "p": "posint", "pr": "pair"}
    assert types[2]["p"] == "positive" and types[6] == types[2]
    assert rows[3]["record"]["m"] == "calm" and rows[3]["record"]["moods"] == ["calm"]
    assert rows[3]["record"]["pr"] == {"x": 1, "y": 2}
    assert rows[4]["record"]["pr"] == {"x": 1, "z": 2, "w": None}
    assert [r["schema"] for r in rows] == ["app"] * 5 + ["core"] * 2


def test_table_changes_show_from_their_point_in_the_stream(conn, slot):
    conn.execute("CREATE TABLE t (id int PRIMARY KEY, a int)")
    conn.execute("INSERT INTO t VALUES (1, 1)")
    conn.execute("ALTER TABLE t RENAME COLUMN a TO b")
    conn.execute("INSERT INTO t VALUES (2, 2)")
    conn.execute("ALTER TABLE t ALTER COLUMN b TYPE text")
    conn.execute("INSERT INTO t VALUES (3, 'x')")
    conn.execute("CREATE SCHEMA s")
    conn.execute("ALTER TABLE t SET SCHEMA s")
    conn.execute("INSERT INTO s.t VALUES (4, 'y')")
    rows = slot.changes()
    assert [(r["schema"], r["record"]) for r in rows] == [
        ("public", {"id": 1, "a": 1}), ("public", {"id": 2, "b": 2}), ("public", {"id": 3, "b": "x"}),
        ("s", {"id": 4, "b": "y"})]
    assert column_types(rows[2]) == {"id": "int4", "b": "text"}


def test_dropped_and_recreated_table_of_the_same_name(conn, slot):
    """Entries of dropped tables are freed between changes; a new table under the old name is built afresh."""
    for i in range(5):
        conn.execute("CREATE TABLE t (id int PRIMARY KEY, gen int DEFAULT %d)" % i)
        conn.execute("INSERT INTO t (id) VALUES (%d)" % i)
        conn.execute("DROP TABLE t")
    assert [r["record"] for r in slot.changes()] == [{"id": i, "gen": i} for i in range(5)]


# --- memory of a long-lived walsender -----------------------------------------------------------------------------

def walcast_cache_bytes(cluster, conn, pid):
    """The bytes held by the walsender's "walcast cache" memory context and all its children, from
    pg_log_backend_memory_contexts (the backend writes its contexts to the server log when next idle)."""
    start = len(cluster.log_text())
    assert conn.execute("SELECT pg_log_backend_memory_contexts(%s)", (pid,)).fetchone()[0]
    deadline = time.monotonic() + 60
    while True:
        text = cluster.log_text()[start:]
        if re.search(rf"\[{pid}\] LOG:\s+Grand total:", text):
            break
        assert time.monotonic() < deadline, "the walsender did not log its memory contexts"
        time.sleep(0.05)
    # Each context is logged as "level: N; name: X total in ..." after its parent; children past the first
    # 100 of a parent are summed up in "level: N; K more child contexts containing X total in ...", logged
    # with the parent's level right after the children.
    total = 0
    cache_level = None
    for line in text.splitlines():
        if f"[{pid}] LOG:" not in line:
            continue
        named = re.search(r"level: (\d+); (.*?): (\d+) total in", line)
        more = re.search(r"level: (\d+); \d+ more child contexts containing (\d+) total in", line)
        if more:
            if cache_level is not None and int(more.group(1)) >= cache_level:
                total += int(more.group(2))
        elif named:
            level = int(named.group(1))
            if cache_level is None:
                if named.group(2) == "walcast cache":
                    cache_level = level
                    total += int(named.group(3))
            elif level <= cache_level:
                break
            else:
                total += int(named.group(3))
    assert cache_level is not None, "no walcast cache context in the walsender's memory"
    return total


def test_creating_and_dropping_published_tables_keeps_walsender_memory_bounded(cluster, db, conn):
    """A role with only CREATE on its own schema creates, fills and drops 2,000 tables that a FOR ALL TABLES
    publication publishes, while one walsender decodes all of it. The plugin's cache holds what it held after
    the first 200: dropped tables' entries are freed."""
    role = "churn_" + uuid.uuid4().hex[:8]
    conn.execute(f"CREATE ROLE {role} LOGIN")
    conn.execute(f"CREATE SCHEMA {role} AUTHORIZATION {role}")
    conn.execute("CREATE TABLE marker (id int PRIMARY KEY)")
    conn.execute("CREATE PUBLICATION p FOR ALL TABLES")
    conn.execute("SELECT pg_create_logical_replication_slot('churn', 'walcast')")
    out = tempfile_path()
    proc = subprocess.Popen([PG_RECVLOGICAL, "-d", cluster.conninfo(db), "--slot", "churn", "--start",
                             "--no-loop", "-f", out, "-F", "0", "-o", "publication=p"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        pid = None
        deadline = time.monotonic() + 60
        while pid is None:
            pid = conn.execute("SELECT active_pid FROM pg_replication_slots WHERE slot_name = 'churn'").fetchone()[0]
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline, "pg_recvlogical did not start streaming"
            if pid is None:
                time.sleep(0.05)

        with cluster.connect(db, user=role) as hostile:
            def churn(first, last, marker):
                for i in range(first, last):
                    hostile.execute(f"CREATE TABLE {role}.t{i} (id int PRIMARY KEY, v text)")
                    hostile.execute(f"INSERT INTO {role}.t{i} VALUES ({i}, 'x')")
                    hostile.execute(f"DROP TABLE {role}.t{i}")
                conn.execute("INSERT INTO marker VALUES (%s)", (marker,))
                wait_for_line(out, f'"record":{{"id":{marker}}}', proc)

            churn(0, 200, 1)
            after_200 = walcast_cache_bytes(cluster, conn, pid)
            churn(200, 2000, 2)
            after_2000 = walcast_cache_bytes(cluster, conn, pid)
        with open(out) as f:
            assert sum(1 for line in f if f'"schema":"{role}"' in line) == 2000
        # 1,800 more tables' entries (a context each) would be well over a megabyte.
        assert after_2000 - after_200 < 64 * 1024, (after_200, after_2000)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def tempfile_path():
    fd, path = tempfile.mkstemp(prefix="walcast-churn-", suffix=".jsonl")
    os.close(fd)
    return path


def wait_for_line(path, needle, proc):
    deadline = time.monotonic() + 120
    while True:
        with open(path) as f:
            if needle in f.read():
                return
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline, f"{needle} did not arrive"
        time.sleep(0.05)
