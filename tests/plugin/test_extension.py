"""CREATE EXTENSION walcast and its helpers."""
import json
import uuid

import psycopg
import pytest

FUNCTIONS_0_2_0 = ["check(text)", "create_slot(text,boolean)", "drop_slot(text)", "peek(text,text,integer)",
                   "get(text,text,integer)", "row_as_jsonb(text)"]
# 0.3.0 adds the private-channel and broadcast helpers (tests/plugin/test_extension_auth.py tests them).
FUNCTIONS = FUNCTIONS_0_2_0 + ["topic()", "send(jsonb,text,text,boolean)",
                               "broadcast_changes(text,text,text,text,text,record,record,text)",
                               "insert_access_probes(text)", "check_access(text,text,text,text[],text[],text[])"]


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
    assert {"check", "create_slot", "drop_slot", "peek", "get", "row_as_jsonb", "topic", "send", "broadcast_changes",
            "check_access", "insert_access_probes"} <= names
    assert ext.execute("SELECT extversion FROM pg_extension WHERE extname = 'walcast'").fetchone()[0] == "0.3.0"


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


@pytest.fixture
def role(cluster, db, conn):
    """A new role with LOGIN; dropped (with what it owns in this database) afterwards."""
    name = "r_" + uuid.uuid4().hex[:8]
    conn.execute(f"CREATE ROLE {name} LOGIN")
    yield name
    conn.execute(f"DROP OWNED BY {name}")
    conn.execute(f"DROP ROLE {name}")


def test_every_function_pins_its_search_path(ext):
    assert ext.execute("SELECT count(*) FROM pg_proc WHERE pronamespace = 'walcast'::regnamespace"
                       ).fetchone()[0] == len(FUNCTIONS)
    for f in FUNCTIONS:
        config = ext.execute("SELECT proconfig FROM pg_proc WHERE oid = %s::regprocedure", ("walcast." + f,)
                             ).fetchone()[0]
        assert config == ["search_path=pg_catalog, pg_temp"], f


def test_search_path_objects_of_other_roles_are_not_used(cluster, db, ext, role):
    """A role that can create in public plants a format() that matches check()'s integer arguments better than
    the built-in one, and the caller has a temporary table named like a catalog view (temporary relations are
    searched first unless pg_temp is listed). Called with public first on its search_path, check() still uses
    the built-ins."""
    ext.execute(f"GRANT CREATE ON SCHEMA public TO {role}")
    with cluster.connect(db, user=role) as m:
        m.execute("CREATE FUNCTION public.format(text, integer, integer) RETURNS text LANGUAGE sql "
                  "AS $$ SELECT 'planted' $$")
        m.execute("GRANT EXECUTE ON FUNCTION public.format(text, integer, integer) TO PUBLIC")
    ext.execute("CREATE TEMP TABLE pg_replication_slots (x int)")
    ext.execute("INSERT INTO pg_replication_slots SELECT generate_series(1, 1000)")
    ext.execute("SET search_path = public, pg_catalog")
    assert ext.execute("SELECT format('%s', 1, 2)").fetchone()[0] == "planted", "the plant works outside check()"
    result = checks(ext)
    assert "planted" not in json.dumps(result)
    ok, detail = result["replication_slots"]
    assert ok is True and "replication slots free" in detail


def definitions(conn, functions=FUNCTIONS_0_2_0):
    return {f: (conn.execute("SELECT pg_get_functiondef(%s::regprocedure)", ("walcast." + f,)).fetchone()[0],
                conn.execute("SELECT obj_description(%s::regprocedure, 'pg_proc')", ("walcast." + f,)).fetchone()[0])
            for f in functions}


def test_update_from_0_1_0_gives_the_0_2_0_definitions(cluster, db, conn):
    conn.execute("CREATE EXTENSION walcast VERSION '0.1.0'")
    conn.execute("CREATE TABLE t (id int PRIMARY KEY)")
    conn.execute("SELECT walcast.create_slot('upd')")
    conn.execute("INSERT INTO t VALUES (1)")
    conn.execute("ALTER EXTENSION walcast UPDATE TO '0.2.0'")
    assert conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'walcast'").fetchone()[0] == "0.2.0"
    fresh_db = "fresh_" + uuid.uuid4().hex[:8]
    cluster.create_database(fresh_db)
    try:
        with cluster.connect(fresh_db) as fresh:
            fresh.execute("CREATE EXTENSION walcast VERSION '0.2.0'")
            assert definitions(conn) == definitions(fresh)
    finally:
        with cluster.connect() as c:
            c.execute(f"DROP DATABASE {fresh_db}")
    # The updated helpers work on the slot made before the update.
    assert [r[0]["record"] for r in conn.execute("SELECT * FROM walcast.get('upd')")] == [{"id": 1}]
    conn.execute("SELECT walcast.drop_slot('upd')")


def test_refuses_a_walcast_schema_another_role_made(cluster, db, conn, role):
    """A role with CREATE on the database makes the schema first and plants a function in it; as its owner it
    could later drop or replace the superuser's helpers. CREATE EXTENSION refuses, with the reason."""
    conn.execute(f"GRANT CREATE ON DATABASE {db} TO {role}")
    with cluster.connect(db, user=role) as m:
        m.execute("CREATE SCHEMA walcast")
        m.execute("CREATE FUNCTION walcast.planted() RETURNS int LANGUAGE sql AS 'SELECT 1'")
    with pytest.raises(psycopg.errors.InsufficientPrivilege) as err:
        conn.execute("CREATE EXTENSION walcast")
    assert err.value.diag.message_primary == (
        f"schema walcast is owned by {role}, not by postgres, the role installing or updating walcast")
    assert "can drop or replace every object in it" in err.value.diag.message_detail
    assert conn.execute("SELECT count(*) FROM pg_extension WHERE extname = 'walcast'").fetchone()[0] == 0
    # 0.1.0 did not check; an installation made then is refused on update, and stays as it was.
    conn.execute("CREATE EXTENSION walcast VERSION '0.1.0'")
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match=f"schema walcast is owned by {role}"):
        conn.execute("ALTER EXTENSION walcast UPDATE")
    assert conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'walcast'").fetchone()[0] == "0.1.0"
    conn.execute("DROP EXTENSION walcast")


def test_accepts_a_walcast_schema_the_installer_made(conn):
    conn.execute("CREATE SCHEMA walcast")
    conn.execute("CREATE EXTENSION walcast")
    assert conn.execute("SELECT count(*) FROM pg_proc WHERE pronamespace = 'walcast'::regnamespace").fetchone()[0] == (
        len(FUNCTIONS))


def test_check_reports_library_and_plugin_allow_list(cluster, db, ext):
    has_allowlist = ext.execute("SELECT count(*) FROM pg_settings WHERE name = 'output_plugin_libraries'"
                                ).fetchone()[0] == 1
    result = checks(ext)
    assert result["library"] == (True, "the walcast library loads")
    if not has_allowlist:
        assert "output_plugin_libraries" not in result
        return
    ok, detail = result["output_plugin_libraries"]
    assert ok is True and "lists walcast" in detail
    ext.execute('SET output_plugin_libraries = pgoutput, "Odd Name"')
    ok, detail = checks(ext)["output_plugin_libraries"]
    assert ok is False
    assert 'ALTER SYSTEM SET output_plugin_libraries = pgoutput, "Odd Name", walcast;' in detail
    ext.execute("SET output_plugin_libraries = ''")
    ok, detail = checks(ext)["output_plugin_libraries"]
    assert ok is False and "ALTER SYSTEM SET output_plugin_libraries = walcast;" in detail
    ext.execute('SET output_plugin_libraries = pgoutput, "walcast"')
    assert checks(ext)["output_plugin_libraries"][0] is True


def test_check_reports_a_library_that_does_not_load(cluster, db, ext):
    with cluster.connect(db) as fresh:  # a backend that has not loaded walcast.so yet
        fresh.execute("SET dynamic_library_path = '/nonexistent'")
        ok, detail = checks(fresh)["library"]
    assert ok is False
    assert 'the walcast library does not load: could not access file "walcast"' in detail


def test_check_as_an_ordinary_role_says_what_it_cannot_check(cluster, db, ext, role):
    ext.execute(f"GRANT USAGE ON SCHEMA walcast TO {role}")
    with cluster.connect(db, user=role) as r:
        result = checks(r)
    assert result["library"][0] is None
    assert result["library"][1].startswith('not checked: access to library "walcast" is not allowed')
    if "output_plugin_libraries" in result:
        assert result["output_plugin_libraries"] == (
            None, "not checked: reading output_plugin_libraries needs superuser or membership in pg_read_all_settings")
    assert result["wal_level"][0] is True


# json values that are valid JSON but that jsonb refuses; the plugin embeds json column values as written.
NOT_JSONB = ['{"a": "\\u0000"}', '["\\ud800"]', '{"n": 1e1000000}']


def test_get_returns_rows_jsonb_cannot_hold_exactly_once(ext):
    ext.execute("CREATE TABLE j (id int PRIMARY KEY, v json)")
    ext.execute("SELECT walcast.create_slot('gj')")
    for i, value in enumerate(NOT_JSONB):
        ext.execute("INSERT INTO j VALUES (%s, %s)", (i, value))
    ext.execute("INSERT INTO j VALUES (99, '{\"fine\": true}')")
    peeked = [r[0] for r in ext.execute("SELECT * FROM walcast.peek('gj')")]
    got = [r[0] for r in ext.execute("SELECT * FROM walcast.get('gj')")]
    assert got == peeked and len(got) == 4
    # A row jsonb cannot hold comes back as a jsonb string of the row's text, and that text is the object.
    assert all(isinstance(r, str) for r in got[:3])
    assert [json.loads(r)["record"]["id"] for r in got[:3]] == [0, 1, 2]
    assert [json.loads(r)["record"]["v"] for r in got[:3]] == [json.loads(v) for v in NOT_JSONB]
    assert got[3]["record"] == {"id": 99, "v": {"fine": True}}
    # Consumed exactly once.
    assert ext.execute("SELECT * FROM walcast.get('gj')").fetchall() == []
    ext.execute("INSERT INTO j VALUES (100, '1')")
    assert [r[0]["record"]["id"] for r in ext.execute("SELECT * FROM walcast.get('gj')")] == [100]


def test_get_in_a_latin1_database_returns_escapes_the_encoding_cannot_hold(cluster):
    name = "l1_" + uuid.uuid4().hex[:8]
    with cluster.connect() as c:
        c.execute(f"CREATE DATABASE {name} WITH ENCODING 'LATIN1' TEMPLATE template0 LOCALE 'C'")
    try:
        with cluster.connect(name, client_encoding="UTF8") as conn:
            conn.execute("CREATE EXTENSION walcast")
            conn.execute("CREATE TABLE j (v json)")
            conn.execute("SELECT walcast.create_slot(%s)", (name,))
            conn.execute("INSERT INTO j VALUES ('\"\\u4e00\"'), ('\"\\u00e9 é\"')")
            rows = [r[0] for r in conn.execute("SELECT * FROM walcast.get(%s)", (name,))]
            assert isinstance(rows[0], str) and json.loads(rows[0])["record"] == {"v": "\u4e00"}
            assert rows[1]["record"] == {"v": "é é"}  # LATIN1 holds é, so this row is jsonb
            assert conn.execute("SELECT * FROM walcast.get(%s)", (name,)).fetchall() == []
            conn.execute("SELECT walcast.drop_slot(%s)", (name,))
    finally:
        with cluster.connect() as c:
            c.execute(f"DROP DATABASE {name} WITH (FORCE)")
