"""Row filters, column lists and publish_via_partition_root, held against pgoutput itself.

Each test creates a pgoutput slot and a walcast slot before its changes, makes the changes once, and decodes the
same WAL with both plugins. The two streams are compared change by change: schema, table, action, the published
column names, and the new and old row as text. Where pgoutput cannot decode a case (it raises an ERROR on every
retry) the test says so and checks walcast's documented answer instead.
"""
import json
import uuid

import psycopg
import pytest

from harness import pgoutput

PGOUTPUT_SLOT = "pgoutput_test"


def _text(value):
    """A walcast JSON value as the text pgoutput sends for it (the tests use int, text and bool columns)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value)


def _items(row):
    return None if row is None else tuple((k, _text(v)) for k, v in row.items())


def from_pgoutput(changes):
    """pgoutput's changes in walcast's terms. A replica identity key ('K') carries nulls for the columns that were
    not logged, which walcast leaves out (key columns are never null); an UPDATE that logged no old row (key unchanged) is given the key from the new row,
    as walcast's old_record does; an unchanged TOASTed value ('u') is taken from the old row when the old row has
    it, as walcast does, and left out otherwise (walcast names it in unchanged_toast)."""
    out = []
    for c in changes:
        old = None
        if c.old is not None:
            old = {k: v for k, v in c.old.items() if c.old_kind == "O" or v is not None}
        new = None
        if c.new is not None:
            new = {}
            for k, v in c.new.items():
                if v is pgoutput.UNCHANGED_TOAST:
                    if old is not None and old.get(k) not in (None, pgoutput.UNCHANGED_TOAST):
                        new[k] = old[k]
                    continue
                new[k] = v
        if c.action == "UPDATE" and old is None:
            old = {k: new[k] for k in c.key_columns if k in new}
        out.append((c.schema, c.table, c.action, tuple(c.columns), _items(new), _items(old)))
    return out


def from_walcast(rows):
    return [(r["schema"], r["table"], r["type"], tuple(col["name"] for col in r["columns"]),
             _items(r.get("record")), _items(r.get("old_record"))) for r in rows]


class Both:
    """A walcast slot and a pgoutput slot created at the same point of the WAL."""

    def __init__(self, conn, slot):
        self.conn = conn
        self.walcast = slot
        conn.execute("SELECT pg_create_logical_replication_slot(%s, 'pgoutput')", (PGOUTPUT_SLOT,))

    def pgoutput(self, publications):
        return from_pgoutput(pgoutput.peek(self.conn, PGOUTPUT_SLOT, publications))

    def walcast_rows(self, publications):
        return self.walcast.changes(consume=False, publication=publications)

    def compare(self, publications):
        """Both decodings of everything so far; asserts they agree and returns walcast's rows."""
        expected = self.pgoutput(publications)
        rows = self.walcast_rows(publications)
        assert from_walcast(rows) == expected
        return rows


@pytest.fixture
def both(conn, slot):
    return Both(conn, slot)


def run(conn, *statements):
    for sql in statements:
        conn.execute(sql)


def seen(rows):
    return [(r["table"], r["type"], r.get("record"), r.get("old_record")) for r in rows]


def test_tables_postgresql_never_publishes(conn, both):
    """FOR ALL TABLES leaves out tables created with the system (information_schema's), as pgoutput does."""
    run(conn,
        "CREATE TABLE t (id int PRIMARY KEY)",
        "CREATE PUBLICATION p FOR ALL TABLES")
    run(conn,
        "INSERT INTO information_schema.sql_parts VALUES ('walcast', 'test', 'NO', NULL, NULL)",
        "INSERT INTO t VALUES (1)")
    assert [r["table"] for r in both.compare("p")] == ["t"]


# --- row filters -------------------------------------------------------------------------------------------------

def test_row_filter_with_default_identity(conn, both):
    """The filter is on a key column (PostgreSQL requires filter columns to be in the replica identity when
    UPDATE or DELETE are published). An UPDATE that moves the key into the filter becomes an INSERT, one that
    moves it out becomes a DELETE carrying the old key, one outside before and after is dropped."""
    run(conn,
        "CREATE TABLE t (id int, grp text, note text, PRIMARY KEY (id, grp))",
        "CREATE PUBLICATION p FOR TABLE t WHERE (grp = 'in')")
    run(conn,
        "INSERT INTO t VALUES (1, 'in', 'a'), (2, 'out', 'b'), (3, 'out', 'c'), (4, 'in', 'd')",
        "UPDATE t SET note = 'a2' WHERE id = 1",   # key unchanged, new row matches
        "UPDATE t SET note = 'b2' WHERE id = 2",   # key unchanged, new row does not match
        "UPDATE t SET grp = 'in' WHERE id = 3",    # moves in: INSERT
        "UPDATE t SET grp = 'out' WHERE id = 4",   # moves out: DELETE
        "UPDATE t SET grp = 'gone' WHERE id = 2",  # outside before and after: nothing
        "UPDATE t SET id = 10 WHERE id = 1",       # key changes inside the filter: UPDATE
        "DELETE FROM t")
    rows = both.compare("p")
    assert seen(rows) == [
        ("t", "INSERT", {"id": 1, "grp": "in", "note": "a"}, None),
        ("t", "INSERT", {"id": 4, "grp": "in", "note": "d"}, None),
        ("t", "UPDATE", {"id": 1, "grp": "in", "note": "a2"}, {"id": 1, "grp": "in"}),
        ("t", "INSERT", {"id": 3, "grp": "in", "note": "c"}, None),
        ("t", "DELETE", None, {"id": 4, "grp": "in"}),
        ("t", "UPDATE", {"id": 10, "grp": "in", "note": "a2"}, {"id": 1, "grp": "in"}),
        ("t", "DELETE", None, {"id": 3, "grp": "in"}),
        ("t", "DELETE", None, {"id": 10, "grp": "in"}),
    ]


def test_row_filter_with_full_identity(conn, both):
    """With REPLICA IDENTITY FULL the filter may use any column; the whole old row decides."""
    run(conn,
        "CREATE TABLE t (id int PRIMARY KEY, a int, note text)",
        "ALTER TABLE t REPLICA IDENTITY FULL",
        "CREATE PUBLICATION p FOR TABLE t WHERE (a > 10 AND note IS DISTINCT FROM 'secret')")
    run(conn,
        "INSERT INTO t VALUES (1, 1, 'x'), (2, 20, 'y'), (3, 30, 'secret'), (4, NULL, 'z')",
        "UPDATE t SET a = 30 WHERE id = 1",         # in: INSERT of the new row
        "UPDATE t SET a = 5 WHERE id = 2",          # out: DELETE of the whole old row
        "UPDATE t SET a = 3 WHERE id = 2",          # neither
        "UPDATE t SET a = 31 WHERE id = 1",         # both: UPDATE
        "UPDATE t SET note = 'public' WHERE id = 3",  # in through another column
        "UPDATE t SET a = 40 WHERE id = 4",         # NULL counts as not matching: INSERT
        "UPDATE t SET id = 5 WHERE id = 1",
        "DELETE FROM t")
    rows = both.compare("p")
    assert [(r["type"], (r.get("record") or r.get("old_record"))["id"]) for r in rows] == [
        ("INSERT", 2), ("INSERT", 1), ("DELETE", 2), ("UPDATE", 1), ("INSERT", 3), ("INSERT", 4), ("UPDATE", 5),
        ("DELETE", 3), ("DELETE", 4), ("DELETE", 5)]
    assert rows[2]["old_record"] == {"id": 2, "a": 20, "note": "y"}


def test_row_filters_of_several_publications(conn, both):
    """Per action, the filters of the publications that publish it are OR-ed; a publication that publishes the
    action without a filter (a plain table entry, FOR TABLES IN SCHEMA, FOR ALL TABLES) means no filter."""
    run(conn,
        "CREATE SCHEMA s",
        "CREATE TABLE s.t (id int PRIMARY KEY, a int)",
        "ALTER TABLE s.t REPLICA IDENTITY FULL",
        "CREATE TABLE s.u (id int PRIMARY KEY, a int)",
        "ALTER TABLE s.u REPLICA IDENTITY FULL",
        "CREATE PUBLICATION big FOR TABLE s.t WHERE (a > 100), s.u WHERE (a > 100) WITH (publish = 'insert, update')",
        "CREATE PUBLICATION neg FOR TABLE s.t WHERE (a < 0), s.u WHERE (a < 0)",
        "CREATE PUBLICATION del FOR TABLE s.t WITH (publish = 'delete')",
        "CREATE PUBLICATION sch FOR TABLES IN SCHEMA s WITH (publish = 'update')")
    for table in ("s.t", "s.u"):
        run(conn,
            f"INSERT INTO {table} VALUES (1, 500), (2, -5), (3, 7), (4, 8)",
            f"UPDATE {table} SET a = a + 1",
            f"DELETE FROM {table}")
    both.compare("big, neg")       # insert/update: a > 100 OR a < 0; delete: a < 0
    both.compare("big, neg, del")  # s.t deletes unfiltered
    rows = both.compare("big, neg, sch")  # updates unfiltered
    assert [(r["table"], r["type"], (r.get("record") or r.get("old_record"))["id"]) for r in rows] == [
        ("t", "INSERT", 1), ("t", "INSERT", 2), ("t", "UPDATE", 1), ("t", "UPDATE", 2), ("t", "UPDATE", 3),
        ("t", "UPDATE", 4), ("t", "DELETE", 2),
        ("u", "INSERT", 1), ("u", "INSERT", 2), ("u", "UPDATE", 1), ("u", "UPDATE", 2), ("u", "UPDATE", 3),
        ("u", "UPDATE", 4), ("u", "DELETE", 2)]


def test_unchanged_toast_value_copied_when_update_becomes_insert(conn, both):
    """An UPDATE that leaves a TOASTed value alone logs only a pointer in the new row; the FULL old row has the
    value. Turned into an INSERT, the new row must carry it."""
    run(conn,
        "CREATE TABLE t (id int PRIMARY KEY, a int, big text)",
        "ALTER TABLE t ALTER COLUMN big SET STORAGE EXTERNAL",
        "ALTER TABLE t REPLICA IDENTITY FULL",
        "CREATE PUBLICATION p FOR TABLE t WHERE (a > 10)")
    run(conn,
        "INSERT INTO t VALUES (1, 1, repeat('0123456789', 1000))",
        "UPDATE t SET a = 20",   # in: INSERT with big copied from the old row
        "UPDATE t SET a = 30")   # both: UPDATE
    rows = both.compare("p")
    assert [r["type"] for r in rows] == ["INSERT", "UPDATE"]
    assert rows[0]["record"]["big"] == "0123456789" * 1000


def test_alter_publication_set_where_applies_from_that_point(conn, both):
    """A filter changed between two changes applies from the second one on, even decoded in one call."""
    run(conn,
        "CREATE TABLE t (id int PRIMARY KEY, a int)",
        "CREATE PUBLICATION p FOR TABLE t WHERE (id > 10)")
    run(conn,
        "INSERT INTO t VALUES (1, 0), (11, 0)",
        "ALTER PUBLICATION p SET TABLE t WHERE (id < 10)",
        "INSERT INTO t VALUES (2, 0), (12, 0)",
        "ALTER PUBLICATION p SET TABLE t",
        "INSERT INTO t VALUES (3, 0), (13, 0)",
        "BEGIN",
        "INSERT INTO t VALUES (4, 0), (14, 0)",
        "ALTER PUBLICATION p SET TABLE t WHERE (id = 15)",
        "INSERT INTO t VALUES (5, 0), (15, 0)",
        "COMMIT")
    rows = both.compare("p")
    assert [r["record"]["id"] for r in rows] == [11, 2, 3, 13, 4, 14, 15]


# --- column lists ------------------------------------------------------------------------------------------------

def test_column_list_hides_a_column(conn, both):
    """Only the listed columns appear: in columns, record, old_record and pk."""
    run(conn,
        "CREATE TABLE users (id int PRIMARY KEY, name text, pw_hash text, admin bool)",
        "CREATE PUBLICATION p FOR TABLE users (id, name, admin)")
    run(conn,
        "INSERT INTO users VALUES (1, 'ann', 'hash1', false)",
        "UPDATE users SET pw_hash = 'hash2', admin = true",
        "UPDATE users SET id = 2",
        "DELETE FROM users")
    rows = both.compare("p")
    assert [r["type"] for r in rows] == ["INSERT", "UPDATE", "UPDATE", "DELETE"]
    text = json.dumps(rows)
    assert "pw_hash" not in text and "hash1" not in text and "hash2" not in text
    assert rows[2]["old_record"] == {"id": 1}
    pk_rows = both.walcast.changes(consume=False, publication="p", include_pk=True)
    assert {json.dumps(r["pk"]) for r in pk_rows} == {'["id"]'}


def test_column_list_leaves_out_hidden_key_columns_of_pk(conn, both):
    """An INSERT-only publication may leave key columns out of its list; pk then names only published ones."""
    run(conn,
        "CREATE TABLE t (tenant int, id int, body text, PRIMARY KEY (tenant, id))",
        "CREATE PUBLICATION p FOR TABLE t (id, body) WITH (publish = 'insert')")
    run(conn, "INSERT INTO t VALUES (7, 1, 'x')")
    both.compare("p")
    (row,) = both.walcast.changes(consume=False, publication="p", include_pk=True)
    assert row["pk"] == ["id"] and row["record"] == {"id": 1, "body": "x"}


def test_column_list_in_one_publication_and_all_columns_in_another(conn, both, cluster):
    """Publications that give one table different column lists make pgoutput fail on every retry. walcast
    emits the columns every one of them publishes - with REPLICA IDENTITY FULL also in old_record - and says
    so in the server log."""
    run(conn,
        "CREATE TABLE users (id int PRIMARY KEY, name text, pw_hash text)",
        "ALTER TABLE users REPLICA IDENTITY FULL",
        "CREATE PUBLICATION listed FOR TABLE users (id, name) WITH (publish = 'insert')",
        "CREATE PUBLICATION whole FOR TABLE users")
    run(conn,
        "INSERT INTO users VALUES (1, 'ann', 'hash1')",
        "UPDATE users SET pw_hash = 'hash2', name = 'bob'",
        "DELETE FROM users")
    with pytest.raises(psycopg.Error, match="cannot use different column lists"):
        both.pgoutput("listed, whole")
    rows = both.walcast_rows("listed, whole")
    assert seen(rows) == [
        ("users", "INSERT", {"id": 1, "name": "ann"}, None),
        ("users", "UPDATE", {"id": 1, "name": "bob"}, {"id": 1, "name": "ann"}),
        ("users", "DELETE", None, {"id": 1, "name": "bob"})]
    assert [c["name"] for c in rows[0]["columns"]] == ["id", "name"]
    assert 'publications listed, whole give table public.users different column lists' in cluster.log_text()
    # Each publication on its own agrees with pgoutput.
    both.compare("listed")
    both.compare("whole")


def test_column_lists_with_no_common_column(conn, both):
    """Disjoint lists leave no column at all, never every column."""
    run(conn,
        "CREATE TABLE t (id int PRIMARY KEY, a text, b text)",
        "CREATE PUBLICATION pa FOR TABLE t (id, a) WITH (publish = 'insert')",
        "CREATE PUBLICATION pb FOR TABLE t (b) WITH (publish = 'insert')")
    run(conn, "INSERT INTO t VALUES (1, 'x', 'y')")
    (row,) = both.walcast_rows("pa, pb")
    assert row["record"] == {} and row["columns"] == []


# --- publish_via_partition_root ----------------------------------------------------------------------------------

def make_partition_tree(conn, via_root, extra=""):
    """m (id, k, v) -> m1 (LIST k in 1, 2) -> m11 (k = 1, columns in another order), m12 (k = 2)."""
    run(conn,
        "CREATE TABLE m (id int NOT NULL, k int NOT NULL, v text, PRIMARY KEY (id, k)) PARTITION BY LIST (k)",
        "CREATE TABLE m1 PARTITION OF m FOR VALUES IN (1, 2) PARTITION BY LIST (k)",
        "CREATE TABLE m11 (v text, k int NOT NULL, id int NOT NULL)",
        "ALTER TABLE m1 ATTACH PARTITION m11 FOR VALUES IN (1)",
        "CREATE TABLE m12 PARTITION OF m1 FOR VALUES IN (2)",
        f"CREATE PUBLICATION p FOR TABLE m {extra} WITH (publish_via_partition_root = {via_root})")


@pytest.mark.parametrize("via_root", [True, False])
def test_publish_via_partition_root(conn, both, via_root):
    """With the option, changes of every partition arrive as the root's, in the root's column order, and only
    a TRUNCATE of the root is sent (as the root's). Without it, as the leaf's, and every truncated leaf is
    sent."""
    make_partition_tree(conn, str(via_root).lower())
    run(conn,
        "INSERT INTO m VALUES (1, 1, 'a'), (2, 2, 'b')",
        "UPDATE m SET v = 'c'",
        "UPDATE m SET k = 2 WHERE id = 1",  # moves between leaves: DELETE + INSERT
        "DELETE FROM m WHERE id = 2",
        "TRUNCATE m11",
        "TRUNCATE m1",
        "TRUNCATE m")
    rows = both.compare("p")
    tables = [(r["table"], r["type"]) for r in rows]
    if via_root:
        assert tables == [("m", "INSERT")] * 2 + [("m", "UPDATE")] * 2 + [
            ("m", "DELETE"), ("m", "INSERT"), ("m", "DELETE"), ("m", "TRUNCATE")]
        assert [c["name"] for c in rows[0]["columns"]] == ["id", "k", "v"]
        assert list(rows[0]["record"]) == ["id", "k", "v"]
    else:
        assert tables == [("m11", "INSERT"), ("m12", "INSERT"), ("m11", "UPDATE"), ("m12", "UPDATE"),
                          ("m11", "DELETE"), ("m12", "INSERT"), ("m12", "DELETE"),
                          ("m11", "TRUNCATE"), ("m11", "TRUNCATE"), ("m12", "TRUNCATE"),
                          ("m11", "TRUNCATE"), ("m12", "TRUNCATE")]
        assert list(rows[0]["record"]) == ["v", "k", "id"]


def test_partition_root_row_filter_and_column_list(conn, both):
    """Through the root, the root's row filter and column list apply to every partition's rows."""
    make_partition_tree(conn, "true", extra="(id, k) WHERE (k = 1)")
    run(conn,
        "INSERT INTO m VALUES (1, 1, 'a'), (2, 2, 'b')",
        "UPDATE m SET k = 2 WHERE id = 1",
        "UPDATE m SET k = 1 WHERE id = 2")
    rows = both.compare("p")
    assert seen(rows) == [
        ("m", "INSERT", {"id": 1, "k": 1}, None),
        ("m", "DELETE", None, {"id": 1, "k": 1}),
        ("m", "INSERT", {"id": 2, "k": 1}, None)]


def test_partition_published_through_the_topmost_ancestor_of_all_publications(conn, both):
    """One publication lists the leaf, another the root with publish_via_partition_root: the root wins, with
    the filters of the publications that publish the root only."""
    make_partition_tree(conn, "true", extra="WHERE (k = 2)")
    run(conn,
        "CREATE PUBLICATION leaf FOR TABLE m11",
        "INSERT INTO m VALUES (1, 1, 'a'), (2, 2, 'b')")
    rows = both.compare("p, leaf")
    assert seen(rows) == [("m", "INSERT", {"id": 2, "k": 2, "v": "b"}, None)]
    rows = both.compare("leaf")
    assert seen(rows) == [("m11", "INSERT", {"v": "a", "k": 1, "id": 1}, None)]


def test_partition_root_with_dropped_columns_and_replica_identity_full(conn, both):
    """Dropped columns leave holes in both row types at different places; rows are matched by name. The
    partition's own REPLICA IDENTITY FULL decides the old row (pgoutput sends that whole row too, flagged as the
    root's key)."""
    run(conn,
        "CREATE TABLE m (gone1 int, id int NOT NULL, k int NOT NULL, gone2 text, v text, PRIMARY KEY (id, k))"
        " PARTITION BY LIST (k)",
        "ALTER TABLE m DROP COLUMN gone1",
        "CREATE TABLE m1 (x int, v text, k int NOT NULL, id int NOT NULL, gone2 text)",
        "ALTER TABLE m1 DROP COLUMN x",
        "ALTER TABLE m ATTACH PARTITION m1 FOR VALUES IN (1)",
        "ALTER TABLE m DROP COLUMN gone2",
        "ALTER TABLE m1 REPLICA IDENTITY FULL",
        "CREATE PUBLICATION p FOR TABLE m WITH (publish_via_partition_root = true)")
    run(conn,
        "INSERT INTO m VALUES (1, 1, 'a')",
        "UPDATE m SET v = 'b'",
        "DELETE FROM m")
    rows = both.compare("p")
    assert seen(rows) == [
        ("m", "INSERT", {"id": 1, "k": 1, "v": "a"}, None),
        ("m", "UPDATE", {"id": 1, "k": 1, "v": "b"}, {"id": 1, "k": 1, "v": "a"}),
        ("m", "DELETE", None, {"id": 1, "k": 1, "v": "b"})]


def test_renaming_the_root_renames_published_partition_changes(conn, slot):
    """A partition's changes published as the root carry the root's name at that point of the stream. (pgoutput
    names relations by OID and does not send a renamed root again, so there is nothing to compare here.)"""
    make_partition_tree(conn, "true")
    run(conn,
        "INSERT INTO m VALUES (1, 1, 'a')",
        "ALTER TABLE m RENAME TO n",
        "INSERT INTO n VALUES (2, 1, 'b')",
        "ALTER TABLE n RENAME COLUMN v TO w",
        "INSERT INTO n VALUES (3, 1, 'c')",
        "ALTER SCHEMA public RENAME TO pub",
        "INSERT INTO pub.n VALUES (4, 1, 'd')")
    rows = slot.changes(publication="p")
    assert [r["schema"] for r in rows] == ["public"] * 3 + ["pub"]
    assert [(r["table"], r["record"]) for r in rows] == [
        ("m", {"id": 1, "k": 1, "v": "a"}), ("n", {"id": 2, "k": 1, "v": "b"}), ("n", {"id": 3, "k": 1, "w": "c"}),
        ("n", {"id": 4, "k": 1, "w": "d"})]


# --- a row filter that raises ------------------------------------------------------------------------------------

def test_row_filter_that_raises_skips_the_row_and_decoding_goes_on(conn, both, cluster):
    """A role allowed to write the table stores the one value that makes the filter divide by zero. pgoutput
    fails on that change on every retry; walcast logs a WARNING naming publication and table, leaves the row
    out (the filter might have hidden it) and decodes the next changes."""
    role = "writer_" + uuid.uuid4().hex[:8]
    run(conn,
        "CREATE TABLE t (id int PRIMARY KEY, a int)",
        "CREATE PUBLICATION p FOR TABLE t WHERE (100 / a > 1) WITH (publish = 'insert')",
        f"CREATE ROLE {role} LOGIN",
        f"GRANT INSERT ON t TO {role}")
    run(conn, "INSERT INTO t VALUES (1, 2)")
    with cluster.connect(conn.info.dbname, user=role) as hostile:
        hostile.execute("INSERT INTO t VALUES (2, 0)")
    run(conn, "INSERT INTO t VALUES (3, 5), (4, 500)")

    with pytest.raises(psycopg.errors.DivisionByZero):
        both.pgoutput("p")
    rows = both.walcast_rows("p")
    assert [r["record"] for r in rows] == [{"id": 1, "a": 2}, {"id": 3, "a": 5}]
    log = cluster.log_text()
    assert 'row filter of publication p on table public.t failed: division by zero' in log
    # The slot is not wedged: consuming works, and so does the next change.
    both.walcast.changes(publication="p")
    run(conn, "INSERT INTO t VALUES (5, 1)")
    assert [r["record"]["id"] for r in both.walcast.changes(publication="p")] == [5]


def test_constant_row_filter_that_raises(conn, both, cluster):
    """A filter whose constant part raises. pgoutput folds it when it loads the filter and fails there on every
    retry; walcast evaluates it per row, so each row fails the filter and the stream goes on."""
    run(conn,
        "CREATE TABLE t (id int PRIMARY KEY)",
        "CREATE TABLE u (id int PRIMARY KEY)",
        "CREATE PUBLICATION p FOR TABLE t WHERE (1 / 0 = 1 OR id < 0), u")
    run(conn, "INSERT INTO t VALUES (1), (-1)", "INSERT INTO u VALUES (1)")
    with pytest.raises(psycopg.errors.DivisionByZero):
        both.pgoutput("p")
    assert [(r["table"], r["record"]) for r in both.walcast_rows("p")] == [("u", {"id": 1})]
    assert "row filter of publication p on table public.t failed: division by zero" in cluster.log_text()


def test_row_filter_that_raises_on_every_row_logs_a_bounded_number_of_warnings(conn, both, cluster):
    run(conn,
        "CREATE TABLE t (id int PRIMARY KEY, a int)",
        "CREATE PUBLICATION p FOR TABLE t WHERE (100 / a > 1) WITH (publish = 'insert')",
        "INSERT INTO t SELECT g, 0 FROM generate_series(1, 1000) g")
    before = cluster.log_text().count("on table public.t failed")
    assert both.walcast_rows("p") == []
    after = cluster.log_text().count("on table public.t failed")
    assert after - before == 4  # at failures 1, 10, 100, 1000
