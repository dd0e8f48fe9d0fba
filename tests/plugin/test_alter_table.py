"""Schema changes between changes are reflected in the very next change."""


def test_add_drop_rename_and_retype_columns(conn, slot):
    conn.execute("CREATE TABLE t (id int PRIMARY KEY, a text)")
    conn.execute("INSERT INTO t VALUES (1, 'x')")
    conn.execute("ALTER TABLE t ADD COLUMN b int DEFAULT 7")
    conn.execute("INSERT INTO t VALUES (2, 'y')")
    conn.execute("ALTER TABLE t RENAME COLUMN a TO title")
    conn.execute("INSERT INTO t VALUES (3, 'z', 8)")
    conn.execute("ALTER TABLE t ALTER COLUMN b TYPE numeric USING b / 2.0")
    conn.execute("INSERT INTO t VALUES (4, 'w', 1.25)")
    conn.execute("ALTER TABLE t DROP COLUMN title")
    conn.execute("INSERT INTO t VALUES (5, 9)")
    conn.execute("ALTER TABLE t RENAME TO t2")
    conn.execute("INSERT INTO t2 VALUES (6, 10)")
    rows = slot.changes()
    assert [(r["table"], r["record"]) for r in rows] == [
        ("t", {"id": 1, "a": "x"}),
        ("t", {"id": 2, "a": "y", "b": 7}),
        ("t", {"id": 3, "title": "z", "b": 8}),
        ("t", {"id": 4, "title": "w", "b": 1.25}),
        ("t", {"id": 5, "b": 9}),
        ("t2", {"id": 6, "b": 10}),
    ]
    assert [c["type"] for c in rows[3]["columns"]] == ["int4", "text", "numeric"]
    assert rows[4]["columns"] == [{"name": "id", "type": "int4"}, {"name": "b", "type": "numeric"}]


def test_schema_change_inside_one_transaction(conn, slot):
    conn.execute("CREATE TABLE t (id int PRIMARY KEY)")
    with conn.transaction():
        conn.execute("INSERT INTO t VALUES (1)")
        conn.execute("ALTER TABLE t ADD COLUMN v text")
        conn.execute("INSERT INTO t VALUES (2, 'two')")
        conn.execute("ALTER TABLE t ALTER COLUMN v TYPE int USING length(v)")
        conn.execute("INSERT INTO t VALUES (3, 3)")
    rows = slot.changes()
    assert [r["record"] for r in rows] == [{"id": 1}, {"id": 2, "v": "two"}, {"id": 3, "v": 3}]


def test_row_added_before_a_column_shows_it_as_default_on_update(conn, slot):
    conn.execute("CREATE TABLE t (id int PRIMARY KEY)")
    conn.execute("INSERT INTO t VALUES (1)")
    conn.execute("ALTER TABLE t ADD COLUMN flag bool NOT NULL DEFAULT true")
    conn.execute("ALTER TABLE t REPLICA IDENTITY FULL")
    conn.execute("UPDATE t SET id = 2")
    rows = slot.changes()
    assert rows[1]["old_record"] == {"id": 1, "flag": True}
    assert rows[1]["record"] == {"id": 2, "flag": True}


def test_primary_key_change_updates_identity_and_pk(conn, slot):
    conn.execute("CREATE TABLE t (id int, v text)")
    conn.execute("INSERT INTO t VALUES (1, 'a')")
    conn.execute("DELETE FROM t")
    conn.execute("ALTER TABLE t ADD PRIMARY KEY (id)")
    conn.execute("INSERT INTO t VALUES (2, 'b')")
    conn.execute("DELETE FROM t")
    rows = slot.changes(include_pk=1)
    assert rows[1]["errors"] == ["Error 400: Bad Request, no primary key"]
    assert rows[1]["pk"] == []
    assert rows[3]["errors"] is None
    assert rows[3]["old_record"] == {"id": 2}
    assert rows[3]["pk"] == ["id"]


def test_type_rename_is_reflected_in_columns(conn, slot):
    conn.execute("CREATE TYPE mood AS ENUM ('ok', 'sad')")
    conn.execute("CREATE TABLE t (id int PRIMARY KEY, m mood)")
    conn.execute("INSERT INTO t VALUES (1, 'ok')")
    conn.execute("ALTER TYPE mood RENAME TO feeling")
    conn.execute("ALTER TYPE feeling ADD VALUE 'glad'")
    conn.execute("INSERT INTO t VALUES (2, 'glad')")
    rows = slot.changes()
    assert rows[0]["columns"][1] == {"name": "m", "type": "mood"}
    assert rows[1]["columns"][1] == {"name": "m", "type": "feeling"}
    assert rows[1]["record"]["m"] == "glad"


def test_schema_rename_is_reflected(conn, slot):
    conn.execute("CREATE SCHEMA s1")
    conn.execute("CREATE TABLE s1.t (id int PRIMARY KEY)")
    conn.execute("INSERT INTO s1.t VALUES (1)")
    conn.execute("ALTER SCHEMA s1 RENAME TO s2")
    conn.execute("INSERT INTO s2.t VALUES (2)")
    assert [(r["schema"], r["record"]["id"]) for r in slot.changes()] == [("s1", 1), ("s2", 2)]


def test_table_without_columns(conn, slot):
    conn.execute("CREATE TABLE empty ()")
    conn.execute("INSERT INTO empty DEFAULT VALUES")
    conn.execute("ALTER TABLE empty ADD COLUMN x int")
    conn.execute("ALTER TABLE empty DROP COLUMN x")
    conn.execute("INSERT INTO empty DEFAULT VALUES")
    raw = slot.raw()
    assert len(raw) == 2
    for text in raw:
        assert '"columns":[],"record":{},"errors":null}' in text
