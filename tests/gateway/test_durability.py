"""Delivery guarantees across database trouble: nothing lost, nothing duplicated, the slot never held back."""
import json
import shutil
import struct
import threading
import time

import pytest
import websocket

from harness.gateway import Gateway
from harness.pgcluster import PgCluster
from harness.phoenix import PhxClient


def slot_row(conn, slot):
    return conn.execute("SELECT active_pid, confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = %s",
                        (slot,)).fetchone()


def wait_until(check, timeout=20.0, what="condition"):
    """Polls a database-side condition with a deadline (the state lives in Postgres, there is no event to wait on)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_walsender_terminated_mid_stream_loses_and_duplicates_nothing(gateway, cluster, db, conn):
    conn.execute("CREATE TABLE public.seq (id int PRIMARY KEY)")
    c = PhxClient(gateway.ws_url)
    c.join_changes("realtime:seq", [{"event": "INSERT", "schema": "public", "table": "seq"}])
    # Small transactions and one big one, so a kill can land inside a transaction the gateway is forwarding.
    total_small, big = 300, 3000
    done = threading.Event()

    def write():
        with cluster.connect(db) as wc:
            for i in range(total_small):
                wc.execute("INSERT INTO seq VALUES (%s)", (i,))
            wc.execute("INSERT INTO seq SELECT g FROM generate_series(%s::int, %s::int) g", (total_small, total_small + big - 1))
        done.set()

    writer = threading.Thread(target=write)
    writer.start()
    got = []
    kills = 0
    expected = total_small + big
    while len(got) < expected:
        m = c.wait(lambda m: m.get("event") == "postgres_changes", timeout=60)
        got.append(m["payload"]["data"]["record"]["id"])
        if len(got) in (50, 200, total_small + 100):
            pid = wait_until(lambda: slot_row(conn, gateway.slot)[0], what="walsender to be active")
            conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
            kills += 1
    writer.join()
    assert kills == 3
    assert got == list(range(expected))
    gateway.log.wait_for(r"reconnect|connection lost|retry", timeout=5)
    # After the last change, nothing more arrives: a marker row in another channel proves the stream is drained.
    c.join_changes("realtime:marker", [{"event": "INSERT", "schema": "public", "table": "seq", "filter": "id=eq.-1"}])
    conn.execute("INSERT INTO seq VALUES (-1)")
    c.wait(lambda m: m.get("topic") == "realtime:marker")
    extra = [m for m in c.inbox if m.get("topic") == "realtime:seq" and m["payload"]["data"]["record"]["id"] != -1]
    assert extra == []
    c.close()


def test_flush_position_advances_while_idle(gateway, cluster, db, conn):
    conn.execute("CREATE TABLE public.t (id int PRIMARY KEY)")
    c = PhxClient(gateway.ws_url)
    c.join_changes("realtime:t", [{"event": "*", "schema": "public", "table": "t"}])
    conn.execute("INSERT INTO t VALUES (1)")
    c.changes(1)
    # WAL the gateway has no change for (another database): the slot must still move past it.
    cluster.create_database(db + "_other")
    with cluster.connect(db + "_other") as other:
        other.execute("CREATE TABLE noise (x int)")
        other.execute("INSERT INTO noise SELECT generate_series(1, 1000)")
        target = other.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
    wait_until(lambda: conn.execute("SELECT confirmed_flush_lsn >= %s FROM pg_replication_slots WHERE slot_name = %s",
                                    (target, gateway.slot)).fetchone()[0], what="confirmed_flush_lsn to pass " + target)
    with cluster.connect() as admin:
        admin.execute(f'DROP DATABASE "{db}_other"')
    c.close()


def test_slot_is_not_confirmed_past_undelivered_changes(make_gateway, conn):
    """The confirmed position covers only what was handed to clients: after a delivered change it reaches
    that change's commit, and the slot stays permanent across gateway restarts."""
    conn.execute("CREATE TABLE public.t (id int PRIMARY KEY)")
    gw = make_gateway().start()
    c = PhxClient(gw.ws_url)
    c.join_changes("realtime:t", [{"event": "*", "schema": "public", "table": "t"}])
    conn.execute("INSERT INTO t VALUES (1)")
    commit_lsn = conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
    c.changes(1)
    wait_until(lambda: conn.execute("SELECT confirmed_flush_lsn >= %s FROM pg_replication_slots WHERE slot_name = %s",
                                    (commit_lsn, gw.slot)).fetchone()[0], what="flush to reach the delivered commit")
    c.close()
    assert gw.stop() == 0
    conn.execute("INSERT INTO t VALUES (2)")
    gw2 = make_gateway()
    gw2.start()
    gw2.log.wait_for(r"resum", timeout=20)


def test_database_restart_keeps_clients_connected_and_resumes():
    pg = PgCluster().init().start()
    try:
        with pg.connect() as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS walcast")
            conn.execute("CREATE PUBLICATION supabase_realtime FOR ALL TABLES")
            conn.execute("CREATE TABLE public.t (id int PRIMARY KEY)")
        gw = Gateway(pg, "postgres").start()
        try:
            c = PhxClient(gw.ws_url)
            c.join_changes("realtime:t", [{"event": "*", "schema": "public", "table": "t"}])
            with pg.connect() as conn:
                conn.execute("INSERT INTO t VALUES (1)")
            c.changes(1)
            mark = gw.log.mark()
            pg.restart()
            with pg.connect() as conn:
                conn.execute("INSERT INTO t VALUES (2)")
                conn.execute("INSERT INTO t VALUES (3)")
            got = [m["payload"]["data"]["record"]["id"] for m in c.changes(2, timeout=30)]
            assert got == [2, 3]
            gw.log.wait_for(r"(?i)reconnect|retry|lost", start=mark)
            status, health = gw.health()
            assert status == 200 and health["replication"]["connected"] is True
            c.close()
        finally:
            assert gw.stop() == 0
        assert not pg.crash_lines()
    finally:
        pg.destroy()


def _reinitialise(pg):
    """The same address, a new database: what a restore, a re-created container or a failover looks like."""
    pg.stop("immediate")
    shutil.rmtree(pg.datadir)
    pg.init().start()


def _prepare(pg):
    with pg.connect() as conn:
        conn.execute("CREATE PUBLICATION supabase_realtime FOR ALL TABLES")
        conn.execute("CREATE TABLE public.t (id int PRIMARY KEY)")


def test_database_replaced_under_the_gateway_streams_the_new_one():
    """A new system identifier means every remembered LSN is meaningless: the old database had written far more
    WAL, so kept positions would drop every new transaction as a replay, and the first status would confirm a
    position past the new server's WAL end. Clients keep their sockets and get the new database's changes."""
    pg = PgCluster().init().start()
    try:
        _prepare(pg)
        gw = Gateway(pg, "postgres").start()
        try:
            c = PhxClient(gw.ws_url)
            c.join_changes("realtime:t", [{"event": "*", "schema": "public", "table": "t"}])
            with pg.connect() as conn:
                for _ in range(3):  # 48 MB of WAL: the old database's positions lie far past the new one's
                    conn.execute("SELECT pg_switch_wal()")
                    conn.execute("CREATE TABLE filler AS SELECT 1 AS x; DROP TABLE filler")
                conn.execute("INSERT INTO t VALUES (1)")
            assert [m["payload"]["data"]["record"]["id"] for m in c.changes(1, timeout=30)] == [1]
            old_lsn = gw.health()[1]["replication"]["confirmed_lsn"]
            mark = gw.log.mark()
            _reinitialise(pg)
            _prepare(pg)
            gw.log.wait_for(r"the database changed: system \d+ timeline 1 is now system \d+", timeout=60, start=mark)
            gw.log.wait_for(r"slot walcast_test created", timeout=60, start=mark)
            gw.log.wait_for(r"streaming from slot", timeout=60, start=mark)
            with pg.connect() as conn:
                conn.execute("INSERT INTO t VALUES (2)")
                conn.execute("INSERT INTO t VALUES (3)")
                new_end = conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()[0]
            assert [m["payload"]["data"]["record"]["id"] for m in c.changes(2, timeout=30)] == [2, 3]
            # The slot on the new database is confirmed within its own WAL, never at the old database's position.
            with pg.connect() as conn:
                conn.execute("INSERT INTO t VALUES (4)")
            c.changes(1, timeout=30)
            with pg.connect() as conn:
                confirmed, beyond = conn.execute(
                    "SELECT confirmed_flush_lsn::text, confirmed_flush_lsn > pg_current_wal_lsn() "
                    "FROM pg_replication_slots WHERE slot_name = 'walcast_test'").fetchone()
            assert beyond is False, (confirmed, old_lsn, new_end)
            c.close()
        finally:
            assert gw.stop() == 0
        assert not pg.crash_lines()
    finally:
        pg.destroy()


def test_sigterm_confirms_only_what_clients_were_sent(make_gateway, cluster, db, conn):
    """On SIGTERM the stream stops first, what was handed over is flushed to the clients, then they get 1001:
    every transaction the slot confirms at exit reached the client, so nothing confirmed was dropped."""
    conn.execute("CREATE TABLE public.t (id int PRIMARY KEY)")
    gw = make_gateway().start()
    c = PhxClient(gw.ws_url)
    c.join_changes("realtime:t", [{"event": "INSERT", "schema": "public", "table": "t"}])
    stop_writing = threading.Event()
    written = []

    def write():
        # Transactions of 100 rows keep many changes in flight at any moment, so some are always between the
        # stream and the clients when the signal arrives.
        with cluster.connect(db) as wc:
            i = 0
            while not stop_writing.is_set() and i < 200_000:
                wc.execute("INSERT INTO t SELECT generate_series(%s::int, %s::int)", (i + 1, i + 100))
                written.extend(range(i + 1, i + 101))
                i += 100

    writer = threading.Thread(target=write)
    writer.start()
    received = []
    close_code = None
    try:
        while True:
            opcode, frame = c.ws.recv_data_frame(True)
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                close_code = struct.unpack("!H", frame.data[:2])[0]
                break
            msg = c._decode(frame.data.decode())
            if msg["event"] == "postgres_changes":
                received.append(msg["payload"]["data"]["record"]["id"])
                if len(received) == 2000:
                    gw.proc.terminate()  # SIGTERM while commits keep arriving
    finally:
        stop_writing.set()
        writer.join()
    assert gw.proc.wait(30) == 0
    assert close_code == 1001
    pending = {json.loads(r[0])["record"]["id"] for r in conn.execute(
        "SELECT data FROM pg_logical_slot_peek_changes(%s, NULL, NULL) WHERE data LIKE '{\"schema\":\"public\",\"table\":\"t\",%%'",
        (gw.slot,))}
    confirmed = set(written) - pending
    assert confirmed <= set(received), f"confirmed but never sent: {sorted(confirmed - set(received))[:10]}"
    assert received == sorted(received) and len(received) >= 2000
