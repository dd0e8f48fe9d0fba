"""Options: each one's effect, and bad or unknown options failing clearly when the slot starts."""
import re

import psycopg
import pytest


def make_table(conn):
    conn.execute("CREATE TABLE t (id int PRIMARY KEY, v text)")


def test_include_lsn_is_the_change_lsn(conn, slot):
    make_table(conn)
    conn.execute("INSERT INTO t VALUES (1, 'a')")
    conn.execute("INSERT INTO t VALUES (2, 'b')")
    expected = [r[0] for r in conn.execute(
        "SELECT lsn::text FROM pg_logical_slot_peek_changes('walcast_test', NULL, NULL, 'include-lsn', '1')")]
    rows = slot.changes(include_lsn=1)
    assert [r["lsn"] for r in rows] == expected
    for r in rows:
        assert re.fullmatch(r"[0-9A-F]+/[0-9A-F]+", r["lsn"])
    # the change's own LSN lies before its commit's, so the two inserts have increasing LSNs
    a, b = [int(x.split("/")[0], 16) << 32 | int(x.split("/")[1], 16) for x in (rows[0]["lsn"], rows[1]["lsn"])]
    assert a < b


def test_include_xid_is_the_transaction_id(conn, slot):
    make_table(conn)
    with conn.transaction():
        xid = conn.execute("SELECT txid_current()").fetchone()[0]
        conn.execute("INSERT INTO t VALUES (1, 'a')")
    (row,) = slot.changes(include_xid="on")
    assert row["xid"] == xid


def test_include_pk_lists_primary_key_columns_in_key_order(conn, slot):
    conn.execute("CREATE TABLE t (a int, b int, c text, PRIMARY KEY (b, a))")
    conn.execute("INSERT INTO t VALUES (1, 2, 'x')")
    (row,) = slot.changes(include_pk="yes")
    assert row["pk"] == ["b", "a"]


def test_extras_are_absent_by_default(conn, slot):
    make_table(conn)
    conn.execute("INSERT INTO t VALUES (1, 'a')")
    (row,) = slot.changes()
    assert set(row) == {"schema", "table", "type", "commit_timestamp", "columns", "record", "errors"}


@pytest.mark.parametrize("value,expected", [("1", True), ("0", False), ("true", True), ("FALSE", False),
                                            ("on", True), ("off", False), ("y", True), ("no", False)])
def test_booleans_accept_what_postgres_accepts(conn, slot, value, expected):
    make_table(conn)
    conn.execute("INSERT INTO t VALUES (1, 'a')")
    (row,) = slot.changes(include_xid=value)
    assert ("xid" in row) == expected


@pytest.mark.parametrize("opts,message", [
    ({"include_lsns": "1"}, 'unrecognized walcast option "include-lsns"'),
    ({"format_version": "2"}, 'unrecognized walcast option "format-version"'),
    ({"include_lsn": "maybe"}, 'walcast option "include-lsn" requires a boolean value, got "maybe"'),
    ({"include_transaction": "2"}, 'walcast option "include-transaction" requires a boolean value, got "2"'),
    ({"publication": ""}, 'invalid value for walcast option "publication"'),
    ({"publication": "a,,b"}, 'invalid value for walcast option "publication"'),
    ({"publication": "nope"}, 'publication "nope" does not exist'),
])
def test_bad_options_fail_at_start_with_a_clear_error(conn, slot, opts, message):
    make_table(conn)
    conn.execute("INSERT INTO t VALUES (1, 'a')")
    with pytest.raises(psycopg.errors.InvalidParameterValue if "exist" not in message
                       else psycopg.errors.UndefinedObject) as err:
        slot.changes(consume=False, **opts)
    assert message in str(err.value)
    # nothing was consumed by the failed attempt
    assert len(slot.changes()) == 1


def test_unknown_option_error_lists_the_valid_options(conn, slot):
    with pytest.raises(psycopg.errors.InvalidParameterValue) as err:
        slot.changes(bogus="1")
    for name in ("publication", "include-lsn", "include-xid", "include-transaction", "include-pk",
                 "include-messages", "include-truncate", "include-columns"):
        assert name in str(err.value)


def test_slot_creation_itself_needs_no_options(conn):
    conn.execute("SELECT pg_create_logical_replication_slot('plain', 'walcast')")
    conn.execute("SELECT pg_drop_replication_slot('plain')")
