"""Clients that attack the gateway with nothing but a WebSocket. Each guarantee is tested by breaking it."""
import re

import websocket

from harness.gateway import sanitized_build
from harness.phoenix import PhxClient


def _rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+) kB", f.read()).group(1))


def test_ping_flood_from_a_client_that_never_reads_counts_against_its_queue_cap(make_gateway, conn):
    """Beast answers every ping with a pong; a client that pings and never reads used to grow the gateway's
    write buffer by each pong without limit. Pongs count against MAX_CLIENT_QUEUE_BYTES like data: the client
    is closed as slow, its memory goes, and everyone else keeps receiving."""
    # Pings are also charged to the client's heartbeat allowance (close 4029, test_client_rate_limits.py); lifted
    # here so that the queue cap is what stops this client.
    gw = make_gateway(MAX_CLIENT_QUEUE_BYTES=65536, MAX_EVENTS_PER_SECOND=1000000).start()
    conn.execute("CREATE TABLE public.t (id int PRIMARY KEY)")
    other = PhxClient(gw.ws_url)
    other.join_changes("realtime:t", [{"event": "*", "schema": "public", "table": "t"}])
    rss_before = _rss_kb(gw.proc.pid)
    mark = gw.log.mark()

    flood = websocket.create_connection(gw.ws_url, timeout=30)
    payload = b"p" * 125  # the largest control frame payload
    closed = False
    sent = 0
    # Enough pongs to fill both kernel socket buffers many times over (each pong is 127 bytes): bounded in
    # count, and ended early once the gateway has closed the client.
    while sent < 600_000 and not closed:
        try:
            flood.ping(payload)
        except (OSError, websocket.WebSocketException):
            break  # the gateway tore the connection down
        sent += 1
        if sent % 10_000 == 0:
            closed = any("closed as slow" in line for line in gw.log.lines[mark:])
    gw.log.wait_for(r"closed as slow", timeout=30, start=mark)
    grown_mb = (_rss_kb(gw.proc.pid) - rss_before) / 1024
    if not sanitized_build():  # under ASan the RSS holds its shadow memory and quarantine too
        assert grown_mb < 32, f"gateway grew by {grown_mb:.1f} MB for {sent} pings"
    flood.sock.close()

    conn.execute("INSERT INTO t VALUES (1)")
    (m,) = other.changes(1, timeout=30)
    assert m["payload"]["data"]["record"] == {"id": 1}
    other.close()
