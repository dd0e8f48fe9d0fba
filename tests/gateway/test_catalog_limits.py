"""The catalog lookups a join makes (which published tables match, with which columns) are bounded and
guarded: a hung database connection answers joins with an error within CATALOG_QUERY_TIMEOUT_MS and does
not hold up shutdown, the backlog is capped at CATALOG_MAX_PENDING distinct lookups, identical lookups
are asked once, and lookups of clients that have left are never run. Each test tries to break one of
those against the real gateway and PostgreSQL 15."""
import re
import time

import pytest

from harness.freezable_proxy import FreezableProxy
from harness.phoenix import PhxClient

CATALOG_APP = b"walcast-gateway catalog"  # the catalog connection's application_name


def _binding(table):
    return {"event": "*", "schema": "public", "table": table}


def _metric(gw, name):
    status, body = gw.http_get("/metrics")
    assert status == 200
    m = re.search(rf"^{name} (\d+)$", body, re.M)
    assert m, f"{name} not in /metrics"
    return int(m.group(1))


def _system(client, topic, timeout):
    return client.wait(lambda m: m.get("event") == "system" and m.get("topic") == topic, timeout)["payload"]


@pytest.fixture
def proxy(cluster):
    p = FreezableProxy(cluster.host, cluster.port)
    yield p
    p.close()


@pytest.fixture
def tables(conn):
    names = ["t"] + [f"u{i}" for i in range(6)]
    for name in names:
        conn.execute(f"CREATE TABLE public.{name} (id int PRIMARY KEY)")
    return names


class _CatalogLock:
    """Holds pg_publication locked so the catalog's query waits in the server: the worker is busy and later
    lookups stay in its backlog for as long as the test needs. Taken after the gateway streams (starting the
    replication reads pg_publication too)."""

    def __init__(self, cluster, db):
        self._holder = cluster.connect(db, autocommit=False)
        self._held = False

    def take(self):
        self._holder.execute("LOCK TABLE pg_catalog.pg_publication IN ACCESS EXCLUSIVE MODE")
        self._held = True

    def release(self):
        if self._held:
            self._holder.rollback()
            self._held = False

    def close(self):
        self.release()
        self._holder.close()


@pytest.fixture
def catalog_lock(cluster, db):
    lock = _CatalogLock(cluster, db)
    yield lock
    lock.close()


def _wait_catalog_blocked(conn, timeout=20.0):
    """Until the catalog's query waits for the lock (a state of the server, asked until seen)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'walcast-gateway catalog' "
                           "AND wait_event_type = 'Lock'").fetchone()
        if row[0] > 0:
            return
    raise AssertionError("the catalog query never waited for the lock")


def test_a_frozen_catalog_connection_fails_joins_within_the_deadline_and_recovers(make_gateway, proxy, tables):
    """The catalog's established connection stops answering (half-open: bytes acknowledged, nothing back, no
    FIN). Joins get their `system` error within the deadline instead of ~15 minutes, joins behind the stuck
    one are not held up, reconnects meet the same frozen server and time out too, and once it thaws the
    catalog reconnects on its own and joins subscribe again."""
    timeout_s = 1.5
    gw = make_gateway(DB_HOST="127.0.0.1", DB_PORT=proxy.port, CATALOG_QUERY_TIMEOUT_MS=int(timeout_s * 1000)).start()
    warm = PhxClient(gw.ws_url)
    _, _, system = warm.join_changes("realtime:warm", [_binding("t")])
    assert system["payload"]["status"] == "ok", system  # the catalog connection exists, through the proxy
    timeouts_before = _metric(gw, "walcast_catalog_timeouts_total")

    proxy.freeze(CATALOG_APP)
    clients = [PhxClient(gw.ws_url) for _ in range(3)]
    start = time.monotonic()
    for i, c in enumerate(clients):
        c.join_changes(f"realtime:f{i}", [_binding(f"u{i}")], wait_subscribed=False)
    proxy.wait_held(timeout=10)  # the first lookup's query really went into the frozen connection
    for i, c in enumerate(clients):
        payload = _system(c, f"realtime:f{i}", timeout=timeout_s + 5)
        took = time.monotonic() - start
        assert payload["status"] == "error", payload
        assert "CATALOG_QUERY_TIMEOUT_MS" in payload["message"], payload
        assert took < timeout_s + 1.5, f"join {i} answered after {took:.2f}s, deadline {timeout_s}s"
    assert _metric(gw, "walcast_catalog_timeouts_total") > timeouts_before
    gw.log.wait_for(r"catalog: cannot reach the database: .*CATALOG_QUERY_TIMEOUT_MS")

    # Reconnect attempts open new connections the proxy freezes at their startup packet: connect times out.
    held = proxy.held_total
    proxy.wait_held(more_than=held, timeout=10)

    mark = gw.log.mark()
    proxy.thaw()
    gw.log.wait_for(r"catalog: database reachable again", timeout=15, start=mark)
    after = PhxClient(gw.ws_url)
    _, _, system = after.join_changes("realtime:after", [_binding("u0")])
    assert system["payload"]["status"] == "ok", system
    for c in clients + [warm, after]:
        c.close()


def test_sigterm_does_not_wait_for_a_stuck_catalog_query(make_gateway, proxy, tables):
    """A catalog query stuck on a frozen connection with a one-minute deadline: SIGTERM still ends the
    gateway promptly (the worker is woken out of its wait, not joined after it)."""
    gw = make_gateway(DB_HOST="127.0.0.1", DB_PORT=proxy.port, CATALOG_QUERY_TIMEOUT_MS=60000).start()
    warm = PhxClient(gw.ws_url)
    warm.join_changes("realtime:warm", [_binding("t")])
    proxy.freeze(CATALOG_APP)
    stuck = PhxClient(gw.ws_url)
    stuck.join_changes("realtime:stuck", [_binding("u0")], wait_subscribed=False)
    proxy.wait_held(timeout=10)  # the query is in the frozen connection
    # The clients go first: shutdown would otherwise also wait out their close handshake, which these
    # test clients (never reading) do not finish. The worker stays stuck in the query regardless.
    warm.close()
    stuck.close()

    start = time.monotonic()
    gw.proc.terminate()
    code = gw.proc.wait(timeout=20)
    took = time.monotonic() - start
    assert code == 0
    assert took < 5, f"shutdown took {took:.1f}s with a stuck catalog query\n" + gw.log.text()[-3000:]
    gw.log.wait_for(r"gateway: stopped")


def test_backlog_holds_max_pending_distinct_lookups_and_refuses_the_next_at_once(make_gateway, conn, tables,
                                                                              catalog_lock):
    """CATALOG_MAX_PENDING=3 with the worker held busy: three distinct lookups wait, the fourth is refused at
    once with a `system` error naming the limit, a lookup identical to a waiting one joins it (no refusal,
    no extra query), and the waiting ones are answered once the database answers again."""
    gw = make_gateway(CATALOG_MAX_PENDING=3, CATALOG_QUERY_TIMEOUT_MS=30000).start()
    catalog_lock.take()
    holder = PhxClient(gw.ws_url)
    holder.join_changes("realtime:hold", [_binding("t")], wait_subscribed=False)
    _wait_catalog_blocked(conn)
    queries_before = _metric(gw, "walcast_catalog_queries_total")
    refused_before = _metric(gw, "walcast_catalog_lookups_refused_total")

    three = PhxClient(gw.ws_url)
    three.join_changes("realtime:three", [_binding("u0"), _binding("u1"), _binding("u2")], wait_subscribed=False)
    same = PhxClient(gw.ws_url)
    same.join_changes("realtime:same", [_binding("u1")], wait_subscribed=False)
    over = PhxClient(gw.ws_url)
    over.join_changes("realtime:over", [_binding("u3")], wait_subscribed=False)
    # Answered while the database is still locked: the refusal never waits on it.
    payload = _system(over, "realtime:over", timeout=5)
    assert payload["status"] == "error", payload
    assert "CATALOG_MAX_PENDING = 3" in payload["message"], payload
    assert _metric(gw, "walcast_catalog_lookups_refused_total") == refused_before + 1
    gw.log.wait_for(r"catalog: 3 distinct lookups are waiting for the database \(CATALOG_MAX_PENDING\)")

    catalog_lock.release()
    assert _system(holder, "realtime:hold", timeout=10)["status"] == "ok"
    assert _system(three, "realtime:three", timeout=10)["status"] == "ok"
    assert _system(same, "realtime:same", timeout=10)["status"] == "ok"
    assert _metric(gw, "walcast_catalog_queries_total") == queries_before + 3  # u0, u1, u2: u1 asked once

    # The backlog drained: a new distinct lookup is accepted again.
    again = PhxClient(gw.ws_url)
    _, _, system = again.join_changes("realtime:again", [_binding("u3")])
    assert system["payload"]["status"] == "ok", system
    for c in (holder, three, same, over, again):
        c.close()


def test_lookups_of_clients_that_left_are_not_run(make_gateway, conn, tables, catalog_lock):
    """With the worker held busy, one client joins two tables and closes its socket, another joins and
    leaves the channel: when the database answers again none of their lookups is asked, only the lookup of
    a client still there."""
    gw = make_gateway(CATALOG_QUERY_TIMEOUT_MS=30000).start()
    catalog_lock.take()
    holder = PhxClient(gw.ws_url)
    holder.join_changes("realtime:hold", [_binding("t")], wait_subscribed=False)
    _wait_catalog_blocked(conn)
    queries_before = _metric(gw, "walcast_catalog_queries_total")
    dropped_before = _metric(gw, "walcast_catalog_lookups_dropped_total")
    clients_before = gw.health()[1]["clients"]

    gone = PhxClient(gw.ws_url)
    gone.join_changes("realtime:gone", [_binding("u0"), _binding("u1")], wait_subscribed=False)
    gone.close()
    leaver = PhxClient(gw.ws_url)
    ref, _, _ = leaver.join_changes("realtime:left", [_binding("u2")], wait_subscribed=False)
    leave_ref = leaver.send("realtime:left", "phx_leave", {}, join_ref=ref)
    leaver.reply_to(leave_ref)  # the channel is gone once this is answered
    # The closed socket is gone once the gateway counts one client fewer (the leaver still connected).
    deadline = time.monotonic() + 10
    while gw.health()[1]["clients"] != clients_before + 1:
        assert time.monotonic() < deadline, "the gateway never saw the closed socket"
    stays = PhxClient(gw.ws_url)
    stays.join_changes("realtime:stays", [_binding("u3")], wait_subscribed=False)

    catalog_lock.release()
    assert _system(holder, "realtime:hold", timeout=10)["status"] == "ok"
    # Lookups run in order: once the last one is answered, the departed ones have had their turn.
    assert _system(stays, "realtime:stays", timeout=10)["status"] == "ok"
    assert _metric(gw, "walcast_catalog_queries_total") == queries_before + 1
    assert _metric(gw, "walcast_catalog_lookups_dropped_total") == dropped_before + 3
    for c in (holder, leaver, stays):
        c.close()


def test_a_rejoin_storm_for_one_table_asks_the_database_once(make_gateway, conn, tables, catalog_lock):
    """Forty clients join the same table while the worker is busy (CATALOG_MAX_PENDING=1, so coalescing is
    the only way all are accepted): one query answers all of them."""
    gw = make_gateway(CATALOG_MAX_PENDING=1, CATALOG_QUERY_TIMEOUT_MS=30000).start()
    catalog_lock.take()
    holder = PhxClient(gw.ws_url)
    holder.join_changes("realtime:hold", [_binding("t")], wait_subscribed=False)
    _wait_catalog_blocked(conn)
    queries_before = _metric(gw, "walcast_catalog_queries_total")
    storm = [PhxClient(gw.ws_url) for _ in range(40)]
    for i, c in enumerate(storm):
        c.join_changes(f"realtime:s{i}", [_binding("u0")], wait_subscribed=False)
    catalog_lock.release()
    for i, c in enumerate(storm):
        assert _system(c, f"realtime:s{i}", timeout=10)["status"] == "ok"
    assert _metric(gw, "walcast_catalog_queries_total") == queries_before + 1
    for c in storm + [holder]:
        c.close()


def test_a_slow_but_alive_database_cancels_the_query_itself_and_keeps_serving(make_gateway, conn, tables,
                                                                             catalog_lock):
    """The catalog query waits on a lock in a server that is otherwise fine. The session's statement_timeout
    (3/4 of CATALOG_QUERY_TIMEOUT_MS) makes the server cancel it before the client deadline: the join gets
    the server's error, the connection is kept (no client timeout, not "unreachable"), and the next join
    subscribes at once."""
    gw = make_gateway(CATALOG_QUERY_TIMEOUT_MS=2000).start()
    timeouts_before = _metric(gw, "walcast_catalog_timeouts_total")
    catalog_lock.take()
    slow = PhxClient(gw.ws_url)
    start = time.monotonic()
    slow.join_changes("realtime:slow", [_binding("t")], wait_subscribed=False)
    payload = _system(slow, "realtime:slow", timeout=10)
    took = time.monotonic() - start
    assert payload["status"] == "error", payload
    assert "statement timeout" in payload["message"], payload
    assert 1.2 < took < 2.0, f"answered after {took:.2f}s; statement_timeout is 1.5s, the client deadline 2s"
    assert _metric(gw, "walcast_catalog_timeouts_total") == timeouts_before

    catalog_lock.release()
    after = PhxClient(gw.ws_url)
    _, _, system = after.join_changes("realtime:after", [_binding("u0")], timeout=5)
    assert system["payload"]["status"] == "ok", system
    for c in (slow, after):
        c.close()
