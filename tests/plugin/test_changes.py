"""INSERT, UPDATE and DELETE objects: exact JSON text, key order and the Realtime `data` shape."""
import datetime
import json
import re

from conftest import strip_volatile

TS_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def setup_table(conn):
    conn.execute("CREATE TABLE users (id int8 PRIMARY KEY, name text, active bool, tags text[])")


def test_insert_update_delete_exact_text(conn, slot):
    setup_table(conn)
    conn.execute("INSERT INTO users VALUES (1, 'ann', true, '{a,b}')")
    conn.execute("UPDATE users SET name = 'bob' WHERE id = 1")
    conn.execute("DELETE FROM users WHERE id = 1")
    rows = slot.raw()
    assert len(rows) == 3
    cols = ('"columns":[{"name":"id","type":"int8"},{"name":"name","type":"text"},'
            '{"name":"active","type":"bool"},{"name":"tags","type":"_text"}]')
    ts = r'"commit_timestamp":"[0-9T:.\-]+Z"'
    assert re.fullmatch(r'\{"schema":"public","table":"users","type":"INSERT",' + ts + "," + re.escape(cols)
                        + re.escape(',"record":{"id":1,"name":"ann","active":true,"tags":["a","b"]},"errors":null}'),
                        rows[0]), rows[0]
    assert re.fullmatch(r'\{"schema":"public","table":"users","type":"UPDATE",' + ts + "," + re.escape(cols)
                        + re.escape(',"record":{"id":1,"name":"bob","active":true,"tags":["a","b"]},'
                                    '"old_record":{"id":1},"errors":null}'), rows[1]), rows[1]
    assert re.fullmatch(r'\{"schema":"public","table":"users","type":"DELETE",' + ts + "," + re.escape(cols)
                        + re.escape(',"old_record":{"id":1},"errors":null}'), rows[2]), rows[2]


def test_key_order_matches_the_documented_order(conn, slot):
    setup_table(conn)
    conn.execute("INSERT INTO users VALUES (1, 'ann', true, NULL)")
    conn.execute("UPDATE users SET name = 'x'")
    conn.execute("DELETE FROM users")
    ins, upd, dele = slot.changes(include_pk=1, include_lsn=1, include_xid=1)
    assert list(ins) == ["schema", "table", "type", "commit_timestamp", "columns", "record", "errors", "pk", "lsn", "xid"]
    assert list(upd) == ["schema", "table", "type", "commit_timestamp", "columns", "record", "old_record", "errors",
                         "pk", "lsn", "xid"]
    assert list(dele) == ["schema", "table", "type", "commit_timestamp", "columns", "old_record", "errors", "pk",
                          "lsn", "xid"]


def test_commit_timestamp_is_utc_milliseconds_of_the_commit(conn, slot):
    setup_table(conn)
    before = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=1)
    with conn.transaction():
        conn.execute("INSERT INTO users VALUES (1, 'a', true, NULL)")
        conn.execute("INSERT INTO users VALUES (2, 'b', true, NULL)")
    after = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=1)
    a, b = slot.changes()
    assert TS_RE.match(a["commit_timestamp"])
    assert a["commit_timestamp"] == b["commit_timestamp"], "both rows share their transaction's commit time"
    ts = datetime.datetime.strptime(a["commit_timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc)
    assert before <= ts <= after


def test_each_row_is_its_own_object_in_statement_order(conn, slot):
    setup_table(conn)
    conn.execute("INSERT INTO users SELECT g, 'n' || g, g % 2 = 0, NULL FROM generate_series(1, 50) g")
    rows = slot.changes()
    assert [r["record"]["id"] for r in rows] == list(range(1, 51))
    assert all(r["type"] == "INSERT" for r in rows)


def test_dropped_columns_are_skipped_and_order_is_attnum(conn, slot):
    conn.execute("CREATE TABLE t (a int PRIMARY KEY, gone text, b text)")
    conn.execute("ALTER TABLE t DROP COLUMN gone")
    conn.execute("ALTER TABLE t ADD COLUMN c int")
    conn.execute("INSERT INTO t VALUES (1, 'x', 3)")
    (row,) = slot.changes()
    assert row["columns"] == [{"name": "a", "type": "int4"}, {"name": "b", "type": "text"},
                              {"name": "c", "type": "int4"}]
    assert list(row["record"].items()) == [("a", 1), ("b", "x"), ("c", 3)]


def test_hostile_schema_table_and_column_names_are_escaped(conn, slot):
    conn.execute('CREATE SCHEMA "we\\ird ""s"""')
    conn.execute('CREATE TABLE "we\\ird ""s""".\"tab\tle\" ("co""l" int PRIMARY KEY, "ünï 😀" text)')
    conn.execute('INSERT INTO "we\\ird ""s""".\"tab\tle\" VALUES (1, \'v\')')
    (text,) = slot.raw()
    row = json.loads(text)
    assert row["schema"] == 'we\\ird "s"'
    assert row["table"] == "tab\tle"
    assert row["record"] == {'co"l': 1, "ünï 😀": "v"}
    assert '"table":"tab\\tle"' in text


def test_null_values_are_json_null(conn, slot):
    setup_table(conn)
    conn.execute("INSERT INTO users VALUES (1, NULL, NULL, NULL)")
    (row,) = slot.changes()
    assert row["record"] == {"id": 1, "name": None, "active": None, "tags": None}


def test_include_columns_off_drops_the_columns_array(conn, slot):
    setup_table(conn)
    conn.execute("INSERT INTO users VALUES (1, 'a', true, NULL)")
    (row,) = slot.changes(include_columns=0)
    assert "columns" not in row
    assert strip_volatile(row) == {"schema": "public", "table": "users", "type": "INSERT",
                                   "record": {"id": 1, "name": "a", "active": True, "tags": None}, "errors": None}


def test_rolled_back_transactions_emit_nothing(conn, slot):
    setup_table(conn)
    conn.execute("BEGIN")
    conn.execute("INSERT INTO users VALUES (1, 'a', true, NULL)")
    conn.execute("ROLLBACK")
    conn.execute("INSERT INTO users VALUES (2, 'b', true, NULL)")
    assert [r["record"]["id"] for r in slot.changes()] == [2]


def test_subtransactions_keep_committed_and_drop_rolled_back_rows(conn, slot):
    setup_table(conn)
    with conn.transaction():
        conn.execute("INSERT INTO users VALUES (1, 'a', true, NULL)")
        conn.execute("SAVEPOINT s")
        conn.execute("INSERT INTO users VALUES (2, 'b', true, NULL)")
        conn.execute("ROLLBACK TO SAVEPOINT s")
        conn.execute("INSERT INTO users VALUES (3, 'c', true, NULL)")
    assert [r["record"]["id"] for r in slot.changes()] == [1, 3]
