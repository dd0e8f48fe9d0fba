"""CREATE EXTENSION walcast and its helpers."""
import psycopg
import pytest


@pytest.fixture
def ext(conn):
    conn.execute("CREATE EXTENSION walcast")
    return conn


def checks(conn, publication=None):
    sql = "SELECT \"check\", ok, detail FROM walcast.check(" + ("%s" if publication else "") + ")"
    rows = conn.execute(sql, (publication,) if publication else None).fetchall()
    return {name: (ok, detail) for name, ok, detail in rows}


def test_extension_creates_schema_and_functions(ext):
    names = {r[0] for r in ext.execute(
        "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'walcast'")}
    assert {"check", "create_slot", "drop_slot", "peek", "get"} <= names
    assert ext.execute("SELECT extversion FROM pg_extension WHERE extname = 'walcast'").fetchone()[0] == "0.1.0"


def test_check_reports_missing_publication_clearly(ext):
    result = checks(ext)
    assert result["wal_level"] == (True, "wal_level is logical")
    assert result["replication_slots"][0] is True
    assert "replication slots free" in result["replication_slots"][1]
    assert result["wal_senders"][0] is True
    ok, detail = result["publication"]
    assert ok is False
    assert "publication supabase_realtime does not exist" in detail
    assert "CREATE PUBLICATION supabase_realtime FOR ALL TABLES" in detail
    assert result["publication_tables"][0] is False


def test_check_with_publication_and_tables(ext):
    ext.execute("CREATE TABLE good (id int PRIMARY KEY)")
    ext.execute("CREATE TABLE nokey (v text)")
    ext.execute("CREATE PUBLICATION pub FOR TABLE good, nokey WITH (publish = 'insert, update')")
    result = checks(ext, "pub")
    assert result["publication"] == (True, "publication pub exists (publishes insert, update)")
    assert result["publication_tables"] == (True, "publication pub has 2 tables")
    ok, detail = result["replica_identity"]
    assert ok is False and "public.nokey" in detail and "public.good" not in detail


def test_check_empty_and_all_tables_publications(ext):
    ext.execute("CREATE PUBLICATION empty")
    assert checks(ext, "empty")["publication_tables"][0] is False
    assert "has no tables" in checks(ext, "empty")["publication_tables"][1]
    ext.execute("CREATE PUBLICATION supabase_realtime FOR ALL TABLES")
    ok, detail = checks(ext)["publication_tables"]
    assert ok is True and "FOR ALL TABLES" in detail


def test_check_reports_full_slots(cluster, ext):
    max_slots = int(ext.execute("SHOW max_replication_slots").fetchone()[0])
    used = ext.execute("SELECT count(*) FROM pg_replication_slots").fetchone()[0]
    made = []
    try:
        for i in range(max_slots - used):
            name = f"fill_{i}"
            ext.execute("SELECT pg_create_physical_replication_slot(%s)", (name,))
            made.append(name)
        ok, detail = checks(ext)["replication_slots"]
        assert ok is False and "all" in detail and "max_replication_slots" in detail
    finally:
        for name in made:
            ext.execute("SELECT pg_drop_replication_slot(%s)", (name,))


def test_create_peek_get_and_drop_slot(ext):
    ext.execute("CREATE TABLE t (id int PRIMARY KEY)")
    name, lsn = ext.execute("SELECT * FROM walcast.create_slot('gw')").fetchone()
    assert name == "gw" and lsn
    plugin, temporary = ext.execute("SELECT plugin, temporary FROM pg_replication_slots "
                                    "WHERE slot_name = 'gw'").fetchone()
    assert (plugin, temporary) == ("walcast", False)
    ext.execute("INSERT INTO t VALUES (1), (2), (3)")
    rows = [r[0] for r in ext.execute("SELECT * FROM walcast.peek('gw')")]
    assert [r["record"]["id"] for r in rows] == [1, 2, 3]
    assert isinstance(rows[0], dict) and rows[0]["type"] == "INSERT"
    # peek does not consume
    assert len(ext.execute("SELECT * FROM walcast.peek('gw')").fetchall()) == 3
    assert len(ext.execute("SELECT * FROM walcast.get('gw')").fetchall()) == 3
    assert ext.execute("SELECT * FROM walcast.peek('gw')").fetchall() == []
    ext.execute("SELECT walcast.drop_slot('gw')")
    assert ext.execute("SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'gw'").fetchone()[0] == 0


def test_create_slot_defaults_and_temporary(ext):
    assert ext.execute("SELECT slot_name FROM walcast.create_slot()").fetchone()[0] == "walcast"
    ext.execute("SELECT walcast.drop_slot()")
    ext.execute("SELECT walcast.create_slot('tmp', true)")
    assert ext.execute("SELECT temporary FROM pg_replication_slots WHERE slot_name = 'tmp'").fetchone()[0] is True


def test_peek_with_publication_and_upto(ext):
    ext.execute("CREATE TABLE a (id int PRIMARY KEY)")
    ext.execute("CREATE TABLE b (id int PRIMARY KEY)")
    ext.execute("CREATE PUBLICATION only_a FOR TABLE a")
    ext.execute("SELECT walcast.create_slot('s')")
    for i in range(5):
        ext.execute("INSERT INTO a VALUES (%s)", (i,))
        ext.execute("INSERT INTO b VALUES (%s)", (i,))
    assert {r[0]["table"] for r in ext.execute("SELECT * FROM walcast.peek('s', 'only_a')")} == {"a"}
    assert len(ext.execute("SELECT * FROM walcast.peek('s', 'only_a')").fetchall()) == 5
    assert len(ext.execute("SELECT * FROM walcast.peek('s', NULL, 2)").fetchall()) == 2
    with pytest.raises(psycopg.errors.UndefinedObject, match='publication "nope" does not exist'):
        ext.execute("SELECT * FROM walcast.peek('s', 'nope')")
    ext.execute("SELECT walcast.drop_slot('s')")
