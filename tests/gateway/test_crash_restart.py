"""kill -9 of the gateway under load: the slot was confirmed only up to what the clients had been handed, so
a gateway started on the same slot delivers every change after that position to the clients connected to it
(at-least-once across a crash: a client that was connected before the crash may see those changes twice)."""
import signal
import threading

from harness.phoenix import PhxClient

BINDING = [{"event": "INSERT", "schema": "public", "table": "t"}]


def lsn(text):
    high, low = text.split("/")
    return (int(high, 16) << 32) | int(low, 16)


def ids_of(messages):
    return [m["payload"]["data"]["record"]["id"] for m in messages]


def test_kill_9_under_load_then_restart_delivers_every_unconfirmed_change(make_gateway, cluster, db, conn):
    conn.execute("CREATE TABLE public.t (id int PRIMARY KEY)")
    # The restarted gateway logs in as a role that cannot stream yet, so its client can subscribe before the
    # slot is replayed; granting REPLICATION then lets the stream start (it retries every 500 ms).
    conn.execute("CREATE ROLE gw LOGIN")
    conn.execute("GRANT SELECT ON public.t TO gw")

    first = make_gateway().start()
    before = PhxClient(first.ws_url)
    before.join_changes("realtime:t", BINDING)

    written = []
    lsn_after = {}  # id -> WAL insert position right after its commit (at or past the commit's end)
    stop_writing = threading.Event()

    def write():
        # One row per transaction, as fast as the connection allows: many commits in flight at the kill.
        with cluster.connect(db) as wc:
            i = 0
            while not stop_writing.is_set() and i < 100_000:
                i += 1
                wc.execute("INSERT INTO t VALUES (%s)", (i,))
                lsn_after[i] = lsn(wc.execute("SELECT pg_current_wal_insert_lsn()::text").fetchone()[0])
                written.append(i)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        seen_before = ids_of(before.changes(500, timeout=30))
        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait(10)
    finally:
        # Writing goes on a little while nobody streams: those changes too must come after the restart.
        stop_writing.set()
        writer.join()
    assert seen_before == list(range(1, 501))
    confirmed_at_crash = lsn(conn.execute("SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = %s",
                                          (first.slot,)).fetchone()[0])
    # The server resends every transaction whose commit ends past the confirmed position. Row i's commit ends
    # at or before lsn_after[i] and after lsn_after[i - 1], which brackets the first row to be resent.
    confirmed_rows = [i for i in written if lsn_after[i] <= confirmed_at_crash]
    last_surely_confirmed = confirmed_rows[-1] if confirmed_rows else 0
    first_surely_resent = min([i for i in written if i > 1 and lsn_after[i - 1] >= confirmed_at_crash] + [written[-1] + 1])
    assert last_surely_confirmed > 0, "the slot was never confirmed before the crash"

    second = make_gateway(DB_USER="gw").start(wait_replication=False)
    second.log.wait_for(r"must be superuser or replication role|permission denied", timeout=30)
    after = PhxClient(second.ws_url)
    after.join_changes("realtime:t", BINDING)
    mark = second.log.mark()
    conn.execute("ALTER ROLE gw REPLICATION")
    second.log.wait_for(r"streaming from slot", start=mark, timeout=30)
    conn.execute("INSERT INTO t VALUES (%s)", (written[-1] + 1,))  # and a live change after the replay
    last = written[-1] + 1

    got = []
    while not got or got[-1] != last:
        got.extend(ids_of(after.changes(1, timeout=30)))
    # Every change from the first one not confirmed at the crash, in order, once each within this process.
    assert got == list(range(got[0], last + 1)), "the restarted gateway skipped or repeated changes"
    # Nothing unconfirmed is lost, nothing confirmed comes again.
    assert last_surely_confirmed < got[0] <= first_surely_resent
