"""Hostile logical messages. pg_logical_emit_message is executable by every role, so an unprivileged role can put
anything into a walcast message: it must never wedge the slot (an ERROR that repeats on every retry), crash a
backend, or make a row that is not one line of valid JSON. Each test plays a role with no privileges at all, and
then checks that the next ordinary change still decodes."""
import json
import subprocess
import uuid

import pytest

from conftest import Slot

TOO_LARGE = ["Error 413: Payload Too Large"]


@pytest.fixture
def mallory(cluster, db, conn):
    """A connection as a freshly created role with LOGIN and nothing else."""
    name = "mallory_" + uuid.uuid4().hex[:8]
    conn.execute(f"CREATE ROLE {name} LOGIN")
    with cluster.connect(db, user=name) as m:
        assert m.execute("SELECT rolsuper OR rolreplication FROM pg_roles WHERE rolname = current_user"
                         ).fetchone()[0] is False
        yield m
    conn.execute(f"DROP OWNED BY {name}")
    conn.execute(f"DROP ROLE {name}")


@pytest.fixture
def table(conn):
    conn.execute("CREATE TABLE ordinary (id int PRIMARY KEY)")
    return "ordinary"


def _reject_constant(name):
    raise ValueError(f"non-JSON constant {name}")


def strict_rows(texts):
    """Each row parsed as strict JSON (no NaN/Infinity tokens), asserting it is a single line."""
    rows = []
    for text in texts:
        assert "\n" not in text and "\r" not in text, text[:200]
        rows.append(json.loads(text, parse_constant=_reject_constant))
    return rows


def emit(m, content, transactional=True, prefix="walcast"):
    kind = "bytea" if isinstance(content, bytes) else "text"
    m.execute(f"SELECT pg_logical_emit_message(%s, %s, %s::{kind})", (transactional, prefix, content))


def ordinary_change_follows(cluster, conn, slot, table, **opts):
    """The slot is not wedged: an INSERT after the hostile input decodes, and no backend died."""
    (new_id,) = conn.execute(f"INSERT INTO {table} SELECT coalesce(max(id), 0) + 1 FROM {table} RETURNING id"
                             ).fetchone()
    rows = strict_rows(slot.raw(**opts))
    assert rows and rows[-1]["type"] == "INSERT" and rows[-1]["record"] == {"id": new_id}
    assert cluster.crash_lines() == []
    return rows[:-1]


def test_deep_nesting_is_delivered_as_a_string(cluster, conn, mallory, table):
    """The attack from the issue: 200,000 open brackets used to raise "stack depth limit exceeded" on every
    retry. Now the text arrives as a JSON string, on every read."""
    slot = Slot(conn)
    text = "[" * 200000
    emit(mallory, text, transactional=False)
    emit(mallory, "flush", prefix="not-walcast")  # a commit flushes the non-transactional message's WAL
    for _ in range(2):  # peeking twice decodes the same WAL twice
        (row,) = strict_rows(slot.raw(consume=False))
        assert row == {"type": "MESSAGE", "prefix": "walcast", "transactional": False, "content": text}
    (row,) = ordinary_change_follows(cluster, conn, slot, table)
    assert row["content"] == text
    balanced = "[" * 5000 + "]" * 5000
    emit(mallory, balanced)
    assert [r["content"] for r in ordinary_change_follows(cluster, conn, slot, table)] == [balanced]


def nested(depth):
    return "[" * depth + "1" + "]" * depth


def test_depth_limit_edges(cluster, conn, mallory, table):
    slot = Slot(conn)
    for content in [nested(512), nested(513), '{"a":' * 512 + "1" + "}" * 512, '{"a":' * 513 + "1" + "}" * 513]:
        emit(mallory, content)
    rows = ordinary_change_follows(cluster, conn, slot, table, consume=False)
    contents = [r["content"] for r in rows]
    assert contents[0] == json.loads(nested(512)), "512 levels (the default max-message-depth) are JSON"
    assert contents[1] == nested(513), "513 levels are delivered as the text"
    assert isinstance(contents[2], dict)
    assert isinstance(contents[3], str)
    # The MESSAGE object is one level around its content.
    assert max(_depth(r) for r in rows) == 513

    by_option = strict_rows(slot.raw(consume=False, max_message_depth=0))
    assert [type(r["content"]) for r in by_option[:4]] == [str] * 4
    by_option = strict_rows(slot.raw(consume=False, max_message_depth=513))
    assert [type(r["content"]) for r in by_option[:4]] == [list, list, dict, dict]
    slot.raw()
    emit(mallory, nested(1000))
    emit(mallory, nested(1001))
    emit(mallory, "1")
    emit(mallory, "[]")
    raw = slot.raw(consume=False, max_message_depth=1000)
    assert raw[0].endswith('"content":' + nested(1000) + "}")
    assert json.loads(raw[1])["content"] == nested(1001)
    rows = strict_rows(slot.raw(consume=False, max_message_depth=0))
    assert [r["content"] for r in rows[2:4]] == [1, "[]"]
    # jsonb takes every row (walcast.peek and walcast.get cast them).
    assert conn.execute("SELECT count(data::jsonb) FROM pg_logical_slot_peek_changes(%s, NULL, NULL, "
                        "'max-message-depth', '1000')", (slot.name,)).fetchone()[0] == 4


def _depth(value):
    """Nesting depth of a parsed JSON value, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, (list, dict)):
            deepest = max(deepest, d)
            stack.extend((c, d + 1) for c in (v.values() if isinstance(v, dict) else v))
    return deepest


# Content that is valid JSON but not something every consumer takes; each is delivered as its text.
REFUSED = [
    '"\\u0000"',                      # jsonb: unsupported Unicode escape sequence
    '{"a":"x\\u0000"}',
    '{"\\u0000":1}',
    '"\\ud800"',                      # lone high surrogate
    '"\\udc00"',                      # lone low surrogate
    '["\\udc00\\ud800"]',             # pair in the wrong order
    '"\\ud800\\u0041"',
    '1e400',                          # infinite as a double (Boost.JSON writes it back as Infinity)
    '[1e308]',
    '-' + '9' * 309,
    '0e-20000',                       # numeric: display scale above 16383
    '1e-1001',
    '0.' + '1' * 1000,                # more than 1000 digits
    'NaN', 'Infinity', '[1,]', "{'a':1}", '01', '\f1',
]

# Content that looks hostile but is fine everywhere; it is embedded as JSON.
ACCEPTED = [
    '"\\ud83d\\ude00"',
    '1e307',
    '-0',
    '1E-1000',
    '"\\u0001 control escape"',
    '{"dup":1,"dup":2}',
    '"\\u00e9\\u20ac"',
    '  [ 1 , {"a" : null} ]  ',
]


def test_values_a_consumer_would_refuse_are_strings(cluster, conn, mallory, table):
    slot = Slot(conn)
    for content in REFUSED + ACCEPTED:
        emit(mallory, content)
    rows = ordinary_change_follows(cluster, conn, slot, table, consume=False)
    contents = [r["content"] for r in rows]
    assert contents[:len(REFUSED)] == REFUSED
    assert contents[len(REFUSED):] == [json.loads(c) for c in ACCEPTED]
    # Every row, embedded or not, is valid jsonb: the SQL helpers' cast cannot fail on a message.
    assert conn.execute("SELECT count(data::jsonb) FROM pg_logical_slot_peek_changes(%s, NULL, NULL)",
                        (slot.name,)).fetchone()[0] == len(REFUSED) + len(ACCEPTED) + 1


def test_raw_newlines_and_tabs_become_spaces(cluster, conn, mallory, table):
    slot = Slot(conn)
    pretty = '{\n\t"a": [1,\r\n 2],\n\t"b": "x\\ny"\n}\n'
    text = "line one\nline two\r\n\ttabbed"
    emit(mallory, pretty)
    emit(mallory, text, transactional=False)
    raw = slot.raw(consume=False)
    assert raw[0] == ('{"type":"MESSAGE","prefix":"walcast","transactional":true,'
                      '"content":{  "a": [1,   2],  "b": "x\\ny" } }')
    rows = ordinary_change_follows(cluster, conn, slot, table)
    assert rows[0]["content"] == {"a": [1, 2], "b": "x\ny"}
    assert rows[1]["content"] == text


def test_invalid_bytes_are_hex(cluster, conn, mallory, table):
    slot = Slot(conn)
    emit(mallory, b"\xff\xfe\x00")
    emit(mallory, b'{"a":"\xed\xa0\x80"}')  # a UTF-8-encoded surrogate is not valid UTF-8
    emit(mallory, b'"\xc3\xa9"')            # valid UTF-8 JSON sent as bytea is JSON
    emit(mallory, b"nul\x00inside")
    rows = ordinary_change_follows(cluster, conn, slot, table)
    assert [r["content"] for r in rows] == ["\\xfffe00", "\\x7b2261223a22eda080227d", "é", "\\x6e756c00696e73696465"]


def test_oversize_message_is_413_without_content(cluster, conn, mallory, table):
    slot = Slot(conn)
    head = '{"type":"MESSAGE","prefix":"walcast","transactional":true,"content":'
    fitting = '"' + "y" * (1024 - len(head) - 3) + '"'  # the object is exactly 1024 bytes
    emit(mallory, fitting)
    emit(mallory, '"' + "y" * (1024 - len(head) - 2) + '"')  # one byte more
    emit(mallory, "x" * 1025)                                 # larger than the limit before escaping
    emit(mallory, "\x01" * 200)                               # 200 bytes that escape to 1200
    emit(mallory, "small")
    raw = slot.raw(consume=False, max_change_bytes=1024)
    assert len(raw[0]) == 1024 and json.loads(raw[0])["content"] == json.loads(fitting)
    rows = ordinary_change_follows(cluster, conn, slot, table, max_change_bytes=1024, include_lsn=1, include_xid=1)
    for row in rows[1:4]:
        assert list(row) == ["type", "prefix", "transactional", "errors", "lsn", "xid"]
        assert row["errors"] == TOO_LARGE
    assert rows[4]["content"] == "small"


def test_huge_message_of_control_bytes_is_413_not_an_error(cluster, conn, mallory, table):
    """180 MB of control bytes would escape to 1.08 GB, past PostgreSQL's 1 GB allocation limit: the old code
    raised "out of memory" on every retry. With the default max-change-bytes (128 MB) it is a 413 object."""
    slot = Slot(conn)
    mallory.execute("SELECT pg_logical_emit_message(true, 'walcast', repeat(chr(1), 180 * 1024 * 1024))")
    rows = ordinary_change_follows(cluster, conn, slot, table)
    assert rows == [{"type": "MESSAGE", "prefix": "walcast", "transactional": True, "errors": TOO_LARGE}]


def test_prefix_longer_than_the_limit_is_skipped_with_a_warning(cluster, conn, mallory, table):
    slot = Slot(conn)
    emit(mallory, "lost", prefix="walcast:" + "\x01" * 200)
    emit(mallory, "kept", prefix="walcast:room")
    notices = []
    conn.add_notice_handler(lambda diag: notices.append(diag.message_primary))
    rows = ordinary_change_follows(cluster, conn, slot, table, max_change_bytes=1024)
    assert [(r["prefix"], r["content"]) for r in rows] == [("walcast:room", "kept")]
    assert any("its prefix is longer than max-change-bytes (1024)" in n for n in notices), notices


def test_hostile_messages_over_the_replication_protocol(cluster, db, conn, mallory, table):
    """The gateway reads through a walsender: the same messages stream as valid one-line JSON, and the stream
    goes on to the next change."""
    conn.execute("SELECT pg_create_logical_replication_slot('hostile_ws', 'walcast')")
    emit(mallory, "[" * 200000)
    emit(mallory, '{"a":"\\u0000"}')
    emit(mallory, "\x01" * 60000)  # escapes to 360,002 bytes
    conn.execute(f"INSERT INTO {table} VALUES (1)")
    endpos = conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()[0]
    result = subprocess.run(
        ["/usr/lib/postgresql/15/bin/pg_recvlogical", "-d", cluster.conninfo(db), "--slot", "hostile_ws", "--start",
         "--no-loop", "-f", "-", "-E", endpos, "-o", "max-change-bytes=300000"], capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr
    rows = strict_rows(result.stdout.decode("utf-8").splitlines())
    assert [r.get("content", r.get("errors")) for r in rows[:3]] == ["[" * 200000, '{"a":"\\u0000"}', TOO_LARGE]
    assert rows[-1]["record"] == {"id": 1}
    assert cluster.crash_lines() == []
