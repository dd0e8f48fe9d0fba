"""max-change-bytes: a row change whose object would be larger is written without its row images and with
Realtime's "Error 413: Payload Too Large" - never as an ERROR, which would repeat on every retry and stop the
slot. Sized exactly at the edge, and tried with values built to pass PostgreSQL's 1 GB buffer limit: text that
escapes to six times its size, a FULL-identity row carried twice, numbers that print as 131,072 digits from five
stored bytes, and nesting whose output text doubles per level."""
import json
import subprocess

import pytest

from conftest import Slot

TOO_LARGE = ["Error 413: Payload Too Large"]
MB = 1024 * 1024
PG_RECVLOGICAL = "/usr/lib/postgresql/15/bin/pg_recvlogical"


def size(text):
    return len(text.encode())


def assert_413(obj, table, kind, errors=TOO_LARGE):
    assert obj["type"] == kind and obj["table"] == table
    assert obj["errors"] == errors
    assert "record" not in obj and "old_record" not in obj and "unchanged_toast" not in obj
    assert list(obj)[:5] == ["schema", "table", "type", "commit_timestamp", "columns"]


def ordinary_change_follows(cluster, conn, slot, **opts):
    """The slot is not wedged: an ordinary INSERT after the big change decodes, and no backend died."""
    conn.execute("CREATE TABLE IF NOT EXISTS ordinary (id serial PRIMARY KEY)")
    (new_id,) = conn.execute("INSERT INTO ordinary DEFAULT VALUES RETURNING id").fetchone()
    rows = slot.changes(**opts)
    assert rows[-1]["table"] == "ordinary" and rows[-1]["record"] == {"id": new_id}
    assert cluster.crash_lines() == []
    return rows[:-1]


# --- the edge ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    "a" * 1500,
    "a" * 700 + "\x01" * 150,        # the worst case (6 bytes a byte) does not fit, the exact count does
    "\"\\\n" * 200,
])
def test_object_exactly_at_the_limit_is_whole_and_one_byte_over_is_413(conn, slot, body):
    conn.execute("CREATE TABLE t (id int PRIMARY KEY, body text, j jsonb, a text[])")
    conn.execute("ALTER TABLE t REPLICA IDENTITY FULL")
    conn.execute("INSERT INTO t VALUES (1, %s, jsonb_build_object('k', %s::text), ARRAY[%s])", (body, body, body))
    conn.execute("UPDATE t SET id = 2")
    conn.execute("DELETE FROM t")
    whole = slot.raw(consume=False, include_lsn=1)
    for i, text in enumerate(whole):
        n = size(text)
        assert n > 1024
        (at_limit,) = [r for r in slot.raw(consume=False, include_lsn=1, max_change_bytes=n)
                       if json.loads(r)["lsn"] == json.loads(text)["lsn"]]
        assert at_limit == text
        (over,) = [json.loads(r) for r in slot.raw(consume=False, include_lsn=1, max_change_bytes=n - 1)
                   if json.loads(r)["lsn"] == json.loads(text)["lsn"]]
        assert_413(over, "t", json.loads(text)["type"])


def test_413_keeps_the_metadata_and_the_optional_keys(conn, slot):
    conn.execute("CREATE TABLE t (id int PRIMARY KEY, body text)")
    conn.execute("INSERT INTO t VALUES (1, repeat('x', 5000))")
    conn.execute("UPDATE t SET body = repeat('y', 5000)")
    conn.execute("DELETE FROM t")
    conn.execute("CREATE TABLE nopk (id int, body text)")
    conn.execute("INSERT INTO nopk VALUES (1, repeat('x', 5000))")
    conn.execute("UPDATE nopk SET body = repeat('z', 5000)")
    rows = slot.changes(max_change_bytes=2048, include_pk=1, include_lsn=1, include_xid=1)
    assert [r["type"] for r in rows] == ["INSERT", "UPDATE", "DELETE", "INSERT", "UPDATE"]
    no_pk = ["Error 400: Bad Request, no primary key"]
    for r, errors in zip(rows[:2] + rows[3:], [TOO_LARGE, TOO_LARGE, TOO_LARGE, no_pk + TOO_LARGE]):
        # an identity problem is reported next to the size problem
        assert_413(r, r["table"], r["type"], errors)
        assert list(r)[5:] == ["errors", "pk", "lsn", "xid"]
    assert rows[0]["pk"] == ["id"]
    assert rows[0]["columns"] == [{"name": "id", "type": "int4"}, {"name": "body", "type": "text"}]
    # the DELETE only carries the key: written whole
    assert rows[2]["old_record"] == {"id": 1} and rows[2]["errors"] is None


def test_unchanged_toast_is_left_out_of_a_413(conn, slot):
    conn.execute("CREATE TABLE docs (id int PRIMARY KEY, title text, body text, big text)")
    conn.execute("INSERT INTO docs SELECT 1, 't', string_agg(md5(g::text), ''), 'x' "
                 "FROM generate_series(1, 400) g")
    conn.execute("UPDATE docs SET title = repeat('n', 4000)")
    _, upd = slot.changes(max_change_bytes=2048)
    assert_413(upd, "docs", "UPDATE")


# --- values built to pass 1 GB ----------------------------------------------------------------------------

def test_180_megabytes_of_control_bytes_is_413_not_an_error(cluster, db, conn, mallory):
    """Each control byte escapes to six (\\u0001): 180 MB becomes 1.08 GB of JSON, past PostgreSQL's limit."""
    slot = Slot(conn)
    mallory.execute("CREATE TABLE ctl (id int PRIMARY KEY, t text)")
    mallory.execute("INSERT INTO ctl VALUES (1, repeat(chr(1), 180000000))")
    # default limit: its stored size alone is too large, so it is not even detoasted
    (row,) = slot.changes(consume=False)
    assert_413(row, "ctl", "INSERT")
    # at the largest limit the bytes fit but their escapes do not: counted exactly, then refused
    (row,) = slot.changes(consume=False, max_change_bytes=256 * MB)
    assert_413(row, "ctl", "INSERT")
    # over the replication protocol too
    end = conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()[0]
    result = subprocess.run([PG_RECVLOGICAL, "-d", cluster.conninfo(db), "--slot", slot.name, "--start",
                             "--no-loop", "-f", "-", "-E", end, "-o", f"max-change-bytes={256 * MB}"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    (row,) = [json.loads(line) for line in result.stdout.splitlines() if line]
    assert_413(row, "ctl", "INSERT")
    assert ordinary_change_follows(cluster, conn, slot) == []


def test_full_identity_update_of_two_300_megabyte_values_is_413(cluster, conn, slot):
    """REPLICA IDENTITY FULL carries the row twice: 1.2 GB of JSON for two 300 MB values."""
    conn.execute("CREATE TABLE wide (id int PRIMARY KEY, a text, b text, n int)")
    conn.execute("ALTER TABLE wide REPLICA IDENTITY FULL")
    conn.execute("INSERT INTO wide VALUES (1, repeat('a', 300000000), repeat('b', 300000000), 0)")
    conn.execute("UPDATE wide SET n = 1")
    for limit in (None, 256 * MB):
        opts = {"max_change_bytes": limit} if limit else {}
        ins, upd = slot.changes(consume=False, **opts)
        assert_413(ins, "wide", "INSERT")
        assert_413(upd, "wide", "UPDATE")
    assert len(ordinary_change_follows(cluster, conn, slot)) == 2


def test_values_that_each_fit_but_not_together_are_413(cluster, conn, slot):
    conn.execute("CREATE TABLE pairs (id int PRIMARY KEY, a text, b text)")
    conn.execute("INSERT INTO pairs VALUES (1, repeat('a', 100000000), repeat('b', 100000000))")
    (row,) = slot.changes(consume=False, max_change_bytes=150 * MB)
    assert_413(row, "pairs", "INSERT")
    assert len(ordinary_change_follows(cluster, conn, slot, max_change_bytes=150 * MB)) == 1


@pytest.mark.parametrize("column,value", [
    # each 1e131071 is stored in a few bytes and prints as 131,072 digits: 10,000 of them print as 1.3 GB
    ("jsonb", "(SELECT jsonb_agg(1e131071::numeric) FROM generate_series(1, 10000))"),
    ("numeric[]", "(SELECT array_agg(1e131071::numeric) FROM generate_series(1, 10000))"),
    ("nummultirange", "(SELECT range_agg(numrange(g * 1e131066, g * 1e131066 + 1)) FROM generate_series(1, 5000) g)"),
    ("jsonpath", "(SELECT ('$ ? (' || string_agg('@ == 1e131071', ' || ') || ')')::jsonpath "
                 "FROM generate_series(1, 10000))"),
])
def test_numbers_that_print_as_gigabytes_are_413(cluster, conn, mallory, column, value):
    slot = Slot(conn)
    mallory.execute(f"CREATE TABLE nums (id int PRIMARY KEY, v {column})")
    mallory.execute(f"INSERT INTO nums VALUES (1, {value})")
    for limit in (None, 256 * MB):
        opts = {"max_change_bytes": limit} if limit else {}
        (row,) = slot.changes(consume=False, **opts)
        assert_413(row, "nums", "INSERT")
    assert len(ordinary_change_follows(cluster, conn, slot)) == 1


# --- nesting whose output text doubles per level ------------------------------------------------------------

def chain(m, depth, leaf="v text"):
    m.execute(f"CREATE TYPE c0 AS ({leaf})")
    for i in range(1, depth + 1):
        m.execute(f"CREATE TYPE c{i} AS (x c{i - 1})")


def chain_value(depth, leaf):
    expr = f"ROW({leaf})::c0"
    for i in range(1, depth + 1):
        expr = f"ROW({expr})::c{i}"
    return expr


def test_value_nested_too_deep_for_its_output_text_is_413(cluster, conn, mallory):
    """Past 32 levels of structure a value would be its output text, but record_out doubles every quote at every
    level: 60 levels around a string of quotes print as 2^27 times its size. Refused, not built."""
    slot = Slot(conn)
    chain(mallory, 59)
    mallory.execute("CREATE TABLE deep (id int PRIMARY KEY, v c59)")
    mallory.execute(f"INSERT INTO deep VALUES (1, {chain_value(59, 'repeat(chr(34), 64)')})")
    (row,) = slot.changes(consume=False)
    assert_413(row, "deep", "INSERT")
    assert len(ordinary_change_follows(cluster, conn, slot)) == 1


def test_range_over_a_deep_composite_is_413_not_an_error(cluster, conn, mallory):
    """range_out prints its bounds with record_out, which doubles quotes per level: a range over a 35-level
    composite prints as gigabytes (PostgreSQL's own to_jsonb fails on it). Refused, not built."""
    slot = Slot(conn)
    chain(mallory, 34)
    mallory.execute("CREATE TYPE deeprange AS RANGE (subtype = c34)")
    mallory.execute("CREATE TABLE ranges (id int PRIMARY KEY, r deeprange, shallow deeprange)")
    low, high = chain_value(34, "'a'"), chain_value(34, "'b'")
    mallory.execute(f"INSERT INTO ranges VALUES (1, deeprange({low}, {high}), NULL)")
    with pytest.raises(Exception, match="out of memory|stack depth"):
        mallory.execute("SELECT to_jsonb(r) FROM ranges")
    (row,) = slot.changes(consume=False)
    assert_413(row, "ranges", "INSERT")
    assert len(ordinary_change_follows(cluster, conn, slot)) == 1


def test_range_over_a_shallow_composite_is_its_text(conn, mallory):
    slot = Slot(conn)
    mallory.execute("CREATE TYPE pair AS (a int, b text)")
    mallory.execute("CREATE TYPE pairrange AS RANGE (subtype = pair)")
    mallory.execute("CREATE TABLE ranges (id int PRIMARY KEY, r pairrange, m pairmultirange)")
    mallory.execute("""INSERT INTO ranges VALUES (1, '["(1,x)","(2,\\"y z\\")")', '{["(1,x)","(2,y)"), empty}')""")
    (row,) = slot.changes()
    want = mallory.execute("SELECT to_jsonb(r), to_jsonb(m) FROM ranges").fetchone()
    assert (row["record"]["r"], row["record"]["m"]) == want


def test_tsquery_too_deep_to_print_is_413_not_an_error(cluster, conn, mallory):
    """tsqueryout recurses once per operator and raises "stack depth limit exceeded" past about 17,000 levels, which
    `q && 'x'` in a loop builds in no time; a tsquery[] (TOASTed, unlike a bare tsquery) stores it. Refused
    after counting its depth without recursion; an ordinary query beside it still prints."""
    slot = Slot(conn)
    mallory.execute("CREATE TABLE queries (id int PRIMARY KEY, qs tsquery[])")
    mallory.execute("""DO $$
        DECLARE q tsquery := 'a';
        BEGIN
            FOR i IN 1..18000 LOOP
                q := q && 'b'::tsquery;
            END LOOP;
            INSERT INTO queries VALUES (1, ARRAY[q]);
        END $$""")
    with pytest.raises(Exception, match="stack depth limit exceeded"):
        mallory.execute("SELECT qs::text FROM queries")
    mallory.execute("INSERT INTO queries VALUES (2, ARRAY['a & !(b | c:*)'::tsquery, 'x <-> y', "
                    "(SELECT string_agg('w' || g, ' & ')::tsquery FROM generate_series(1, 3000) g)])")
    deep, ordinary = slot.changes(consume=False)
    assert_413(deep, "queries", "INSERT")
    want = mallory.execute("SELECT to_jsonb(qs) FROM queries WHERE id = 2").fetchone()[0]
    assert ordinary["record"] == {"id": 2, "qs": want}
    assert len(ordinary_change_follows(cluster, conn, slot)) == 2
