"""old_record follows the replica identity; tables without a usable identity say so in `errors`."""
NO_PK = ["Error 400: Bad Request, no primary key"]


def run(conn, slot, table_sql, identity_sql=None, **opts):
    conn.execute(table_sql)
    if identity_sql:
        conn.execute(identity_sql)
    conn.execute("INSERT INTO t VALUES (1, 10, 'a')")
    conn.execute("UPDATE t SET v = 'b'")
    conn.execute("UPDATE t SET id = 2, k = 20")
    conn.execute("DELETE FROM t")
    return slot.changes(**opts)


def test_default_identity_is_the_primary_key(conn, slot):
    ins, upd, upd_key, dele = run(conn, slot, "CREATE TABLE t (id int, k int, v text, PRIMARY KEY (id))")
    assert "old_record" not in ins
    assert upd["old_record"] == {"id": 1}
    assert upd_key["old_record"] == {"id": 1}, "the old key when the key changed"
    assert upd_key["record"] == {"id": 2, "k": 20, "v": "b"}
    assert dele["old_record"] == {"id": 2}
    assert "record" not in dele
    assert all(r["errors"] is None for r in (ins, upd, upd_key, dele))


def test_composite_primary_key(conn, slot):
    _, upd, upd_key, dele = run(conn, slot, "CREATE TABLE t (id int, k int, v text, PRIMARY KEY (k, id))")
    assert upd["old_record"] == {"id": 1, "k": 10}
    assert upd_key["old_record"] == {"id": 1, "k": 10}
    assert dele["old_record"] == {"id": 2, "k": 20}


def test_index_identity_is_the_index_columns(conn, slot):
    _, upd, upd_key, dele = run(
        conn, slot, "CREATE TABLE t (id int PRIMARY KEY, k int NOT NULL, v text); CREATE UNIQUE INDEX t_k ON t (k)",
        "ALTER TABLE t REPLICA IDENTITY USING INDEX t_k", include_pk=1)
    assert upd["old_record"] == {"k": 10}
    assert upd_key["old_record"] == {"k": 10}
    assert dele["old_record"] == {"k": 20}
    assert dele["pk"] == ["id"], "pk names the primary key even when the identity is another index"
    assert dele["errors"] is None


def test_full_identity_is_the_whole_old_row(conn, slot):
    _, upd, upd_key, dele = run(conn, slot, "CREATE TABLE t (id int PRIMARY KEY, k int, v text)",
                                "ALTER TABLE t REPLICA IDENTITY FULL")
    assert upd["old_record"] == {"id": 1, "k": 10, "v": "a"}
    assert upd_key["old_record"] == {"id": 1, "k": 10, "v": "b"}
    assert dele["old_record"] == {"id": 2, "k": 20, "v": "b"}


def test_full_identity_without_primary_key_is_usable(conn, slot):
    _, upd, _, dele = run(conn, slot, "CREATE TABLE t (id int, k int, v text)",
                          "ALTER TABLE t REPLICA IDENTITY FULL", include_pk=1)
    assert upd["old_record"] == {"id": 1, "k": 10, "v": "a"}
    assert dele["errors"] is None
    assert dele["pk"] == []


def test_nothing_identity_gives_empty_old_record_and_says_why(conn, slot):
    ins, upd, _, dele = run(conn, slot, "CREATE TABLE t (id int PRIMARY KEY, k int, v text)",
                            "ALTER TABLE t REPLICA IDENTITY NOTHING")
    assert ins["errors"] is None
    assert upd["old_record"] == {}
    assert upd["record"] == {"id": 1, "k": 10, "v": "b"}
    assert dele["old_record"] == {}
    assert upd["errors"] == dele["errors"] == ["Error 400: Bad Request, replica identity is NOTHING"]


def test_table_without_primary_key_keeps_inserts_and_flags_updates_and_deletes(conn, slot):
    ins, upd, upd_key, dele = run(conn, slot, "CREATE TABLE t (id int, k int, v text)", include_pk=1)
    assert ins["record"] == {"id": 1, "k": 10, "v": "a"}
    assert ins["errors"] is None
    assert ins["pk"] == []
    assert upd["record"] == {"id": 1, "k": 10, "v": "b"}
    for r in (upd, upd_key, dele):
        assert r["old_record"] == {}
        assert r["errors"] == NO_PK
    assert [r["type"] for r in (ins, upd, upd_key, dele)] == ["INSERT", "UPDATE", "UPDATE", "DELETE"]


def test_identity_change_between_changes_is_seen(conn, slot):
    conn.execute("CREATE TABLE t (id int PRIMARY KEY, v text)")
    conn.execute("INSERT INTO t VALUES (1, 'a'), (2, 'b')")
    conn.execute("DELETE FROM t WHERE id = 1")
    conn.execute("ALTER TABLE t REPLICA IDENTITY FULL")
    conn.execute("DELETE FROM t WHERE id = 2")
    rows = slot.changes()
    assert rows[2]["old_record"] == {"id": 1}
    assert rows[3]["old_record"] == {"id": 2, "v": "b"}
