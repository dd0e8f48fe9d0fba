"""Many clients, commit order, slow clients, big rows."""
import re
import threading

from harness.phoenix import PhxClient


def test_fifty_clients_see_the_same_changes_in_commit_order(gateway, cluster, db, conn):
    conn.execute("CREATE TABLE public.log (id int PRIMARY KEY, writer int)")
    clients = [PhxClient(gateway.ws_url, "2.0.0" if i % 2 else "1.0.0") for i in range(50)]
    for c in clients:
        c.join_changes("realtime:log", [{"event": "INSERT", "schema": "public", "table": "log"}])
    # Two writers commit concurrently. A test_decoding slot made before the writes records the true commit order.
    conn.execute("SELECT pg_create_logical_replication_slot('order_truth', 'test_decoding')")
    n_per_writer = 100

    def write(w):
        with cluster.connect(db) as wc:
            for i in range(n_per_writer):
                wc.execute("INSERT INTO log VALUES (%s, %s)", (w * 1000 + i, w))

    threads = [threading.Thread(target=write, args=(w,)) for w in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    commit_order = [int(re.search(r"id\[integer\]:(\d+)", r[0]).group(1)) for r in conn.execute(
        "SELECT data FROM pg_logical_slot_get_changes('order_truth', NULL, NULL) WHERE data LIKE 'table public.log:%'")]
    conn.execute("SELECT pg_drop_replication_slot('order_truth')")
    assert len(commit_order) == 2 * n_per_writer
    sequences = []
    for c in clients:
        sequences.append([m["payload"]["data"]["record"]["id"] for m in c.changes(2 * n_per_writer)])
        c.close()
    for seq in sequences:
        assert seq == commit_order


def test_slow_client_is_cut_off_while_others_keep_receiving(make_gateway, conn):
    gw = make_gateway(MAX_CLIENT_QUEUE_BYTES=65536).start()
    conn.execute("CREATE TABLE public.blobs (id int PRIMARY KEY, body text)")
    slow = PhxClient(gw.ws_url)
    slow.join_changes("realtime:b", [{"event": "*", "schema": "public", "table": "blobs"}])
    fast = PhxClient(gw.ws_url)
    fast.join_changes("realtime:b", [{"event": "*", "schema": "public", "table": "blobs"}])
    # The slow client never reads again; its socket buffers fill, then its queue passes the cap. The fast
    # client reads each row before the next is written, so it never has more than one message queued.
    rows = 80
    received = []
    for i in range(rows):
        conn.execute("INSERT INTO blobs VALUES (%s, repeat('x', 500000))", (i,))
        (m,) = fast.changes(1, timeout=30)
        received.append(m["payload"]["data"]["record"]["id"])
    assert received == list(range(rows))
    gw.log.wait_for(r"slow", timeout=30)
    status, body = gw.http_get("/metrics")
    assert "walcast_slow_client_closes_total 1" in body
    slow.close()
    fast.close()


def test_two_megabyte_row_arrives_whole(gateway, conn):
    conn.execute("CREATE TABLE public.docs (id int PRIMARY KEY, body text)")
    c = PhxClient(gateway.ws_url)
    c.join_changes("realtime:docs", [{"event": "*", "schema": "public", "table": "docs"}])
    body = "".join(chr(0x41 + (i % 26)) for i in range(2 * 1024 * 1024))
    conn.execute("INSERT INTO docs VALUES (1, %s)", (body,))
    (m,) = c.changes(1, timeout=30)
    assert m["payload"]["data"]["record"]["body"] == body
    c.close()
