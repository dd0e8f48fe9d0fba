"""Rows a database role can write that the gateway must still route: nothing a row contains may make the gateway
drop the change for every subscriber."""
import sys

from harness.phoenix import PhxClient


def test_row_nested_deeper_than_the_gateway_parses_still_reaches_unfiltered_bindings(gateway, conn):
    # 6,000 levels of jsonb: past the 4,096 levels the gateway parses a plugin object to (PostgreSQL itself
    # takes about 10,000 at its default max_stack_depth). Python's json needs room for it too.
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20000))
    conn.execute("CREATE TABLE public.deep (id int PRIMARY KEY, j jsonb)")
    plain = PhxClient(gateway.ws_url)
    plain.join_changes("realtime:plain", [{"event": "*", "schema": "public", "table": "deep"}])
    filtered = PhxClient(gateway.ws_url)
    filtered.join_changes("realtime:filtered", [{"event": "*", "schema": "public", "table": "deep",
                                                 "filter": "id=gte.1"}])
    depth = 6000
    conn.execute("INSERT INTO deep VALUES (1, (repeat('[', %s) || repeat(']', %s))::jsonb)", (depth, depth))
    conn.execute("INSERT INTO deep VALUES (2, '[]')")

    first, second = plain.changes(2, timeout=30)
    record = first["payload"]["data"]["record"]
    assert record["id"] == 1
    level, value = 0, record["j"]
    while value:
        level, value = level + 1, value[0]
    assert level == depth - 1, "the plugin's bytes are forwarded unchanged"
    assert second["payload"]["data"]["record"] == {"id": 2, "j": []}
    # A filter cannot judge a row the gateway could not parse: the filtered binding gets only the second row.
    (only,) = filtered.changes(1, timeout=30)
    assert only["payload"]["data"]["record"]["id"] == 2
    gateway.log.wait_for(r"nested deeper than 4096 levels in: record", timeout=10)
    plain.close()
    filtered.close()
