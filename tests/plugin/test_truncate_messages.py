"""TRUNCATE objects and walcast logical messages."""
import json

from conftest import strip_volatile


def flush_wal(conn):
    """A non-transactional message is not flushed by itself (PostgreSQL 15), and the SQL decoding functions
    read only flushed WAL: commit a transaction that wrote WAL, which flushes; its message has a prefix that
    walcast ignores, so it emits nothing itself."""
    conn.execute("SELECT pg_logical_emit_message(true, 'not-walcast', 'flush')")


def test_truncate_one_object_per_table(conn, slot):
    conn.execute("CREATE TABLE a (id int PRIMARY KEY)")
    conn.execute("CREATE TABLE b (id int PRIMARY KEY, v text)")
    conn.execute("CREATE TABLE c (id int PRIMARY KEY)")
    conn.execute("TRUNCATE a, b, c")
    rows = slot.changes(include_pk=1)
    assert [strip_volatile(r) for r in rows] == [
        {"schema": "public", "table": "a", "type": "TRUNCATE", "columns": [{"name": "id", "type": "int4"}],
         "errors": None, "pk": ["id"]},
        {"schema": "public", "table": "b", "type": "TRUNCATE",
         "columns": [{"name": "id", "type": "int4"}, {"name": "v", "type": "text"}], "errors": None, "pk": ["id"]},
        {"schema": "public", "table": "c", "type": "TRUNCATE", "columns": [{"name": "id", "type": "int4"}],
         "errors": None, "pk": ["id"]},
    ]
    assert all("record" not in r and "old_record" not in r for r in rows)


def test_truncate_cascade_lists_the_referencing_table(conn, slot):
    conn.execute("CREATE TABLE parent (id int PRIMARY KEY)")
    conn.execute("CREATE TABLE child (id int PRIMARY KEY, p int REFERENCES parent)")
    conn.execute("TRUNCATE parent CASCADE")
    assert sorted(r["table"] for r in slot.changes()) == ["child", "parent"]


def test_include_truncate_off(conn, slot):
    conn.execute("CREATE TABLE a (id int PRIMARY KEY)")
    conn.execute("TRUNCATE a")
    conn.execute("INSERT INTO a VALUES (1)")
    assert [r["type"] for r in slot.changes(include_truncate=0)] == ["INSERT"]


def test_message_exact_text(conn, slot):
    conn.execute("SELECT pg_logical_emit_message(true, 'walcast', '{\"event\":\"ping\",\"payload\":{\"n\":1}}')")
    conn.execute("SELECT pg_logical_emit_message(false, 'walcast:room1', 'plain \"text\"')")
    flush_wal(conn)
    assert slot.raw() == [
        '{"type":"MESSAGE","prefix":"walcast","transactional":true,"content":{"event":"ping","payload":{"n":1}}}',
        '{"type":"MESSAGE","prefix":"walcast:room1","transactional":false,"content":"plain \\"text\\""}',
    ]


def test_message_content_json_scalars_and_invalid_json(conn, slot):
    for content in ["42", "\"s\"", "[1, 2]", "null", "  {\"a\" : [true]}  ", "{bad", "", "1 2"]:
        conn.execute("SELECT pg_logical_emit_message(true, 'walcast', %s::text)", (content,))
    contents = [r["content"] for r in slot.changes()]
    assert contents == [42, "s", [1, 2], None, {"a": [True]}, "{bad", "", "1 2"]


def test_message_with_binary_content_is_hex(conn, slot):
    conn.execute("SELECT pg_logical_emit_message(true, 'walcast', '\\x00ff41'::bytea)")
    (row,) = slot.changes()
    assert row["content"] == "\\x00ff41"


def test_other_prefixes_are_ignored(conn, slot):
    for prefix in ["other", "walcastx", "walcast2:x", "Walcast", "", "pre:walcast"]:
        conn.execute("SELECT pg_logical_emit_message(true, %s, 'x')", (prefix,))
    conn.execute("SELECT pg_logical_emit_message(true, 'walcast:', 'ours')")
    assert [(r["prefix"], r["content"]) for r in slot.changes()] == [("walcast:", "ours")]


def test_message_extras_and_include_messages_off(conn, slot):
    with conn.transaction():
        xid = conn.execute("SELECT txid_current()").fetchone()[0]
        conn.execute("SELECT pg_logical_emit_message(true, 'walcast', '1')")
    conn.execute("SELECT pg_logical_emit_message(true, 'walcast', '2')")
    rows = slot.changes(consume=False, include_lsn=1, include_xid=1)
    assert list(rows[0]) == ["type", "prefix", "transactional", "content", "lsn", "xid"]
    assert rows[0]["xid"] == xid
    assert slot.changes(include_messages=0) == []


def test_hostile_message_text(conn, slot):
    text = 'quote " backslash \\ newline \n tab \t bell \x07 é 😀'
    conn.execute("SELECT pg_logical_emit_message(false, 'walcast', %s::text)", (text,))
    flush_wal(conn)
    (raw,) = slot.raw()
    assert json.loads(raw)["content"] == text
    assert "\\u0007" in raw
