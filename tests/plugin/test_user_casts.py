"""A role with nothing but its own schema must not get its code run by decoding.

PostgreSQL's to_json/to_jsonb call a user-defined `CAST (t AS json)` for a non-built-in type, and any role can
create one for a type it owns (an enum, a composite, a domain) with a LANGUAGE sql or plpgsql function. Decoding
must never call it: not in the walsender, and not when a superuser peeks (the function would run as the
superuser). Each test plays that role, then decodes as the superuser through pg_logical_slot_peek_changes and
through the walsender (pg_recvlogical), and checks: no backend crashed, the function's side effect never
happened, the value arrived in its plain form (the type's own output), and the next ordinary change decodes."""
import json
import os
import subprocess
import uuid

import pytest

from conftest import Slot

PG_RECVLOGICAL = "/usr/lib/postgresql/15/bin/pg_recvlogical"


def recvlogical(cluster, db, slot_name, endpos):
    """Everything up to endpos, read over the replication protocol by the superuser."""
    cmd = [PG_RECVLOGICAL, "-d", cluster.conninfo(db), "--slot", slot_name, "--start", "--no-loop",
           "-f", "-", "-E", endpos]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def current_lsn(conn):
    return conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()[0]


# One hostile type per case: the DDL mallory runs ({s} is her schema, {file} a path the function would write),
# the column type, the value inserted, and the value's plain rendering.
SQL_CAST = """
    CREATE FUNCTION {fn}(v {t}) RETURNS json LANGUAGE sql AS $$ SELECT '"hijacked"'::json $$;
    CREATE CAST ({t} AS json) WITH FUNCTION {fn}({t});"""

CASES = {
    "enum_sql": ("CREATE TYPE mood AS ENUM ('calm', 'angry');" + SQL_CAST.format(fn="mood_json", t="mood"),
                 "mood", "'angry'", "angry"),
    "enum_plpgsql_copy": ("""
        CREATE TYPE mood AS ENUM ('calm', 'angry');
        CREATE FUNCTION mood_json(v mood) RETURNS json LANGUAGE plpgsql AS $$
        BEGIN
            EXECUTE format('COPY (SELECT current_user) TO %L', '{file}');
            RETURN '"hijacked"'::json;
        END $$;
        CREATE CAST (mood AS json) WITH FUNCTION mood_json(mood);""", "mood", "'calm'", "calm"),
    "enum_plpgsql_raise": ("""
        CREATE TYPE mood AS ENUM ('calm', 'angry');
        CREATE FUNCTION mood_json(v mood) RETURNS json LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'mallory was here';
        END $$;
        CREATE CAST (mood AS json) WITH FUNCTION mood_json(mood);""", "mood", "'calm'", "calm"),
    "enum_plpgsql_writes_a_table": ("""
        CREATE TABLE loot (who text);
        CREATE TYPE mood AS ENUM ('calm', 'angry');
        CREATE FUNCTION mood_json(v mood) RETURNS json LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO {s}.loot VALUES (current_user);
            RETURN '"hijacked"'::json;
        END $$;
        CREATE CAST (mood AS json) WITH FUNCTION mood_json(mood);""", "mood", "'calm'", "calm"),
    "composite_sql": ("CREATE TYPE pt AS (x int, y text);" + SQL_CAST.format(fn="pt_json", t="pt"),
                      "pt", "ROW(1, 'a')", {"x": 1, "y": "a"}),
    "domain_sql": ("CREATE DOMAIN pos AS int CHECK (VALUE > 0);" + SQL_CAST.format(fn="pos_json", t="pos"),
                   "pos", "5", 5),
    "array_of_enum_sql": ("CREATE TYPE mood AS ENUM ('calm', 'angry');" + SQL_CAST.format(fn="mood_json", t="mood"),
                          "mood[]", "ARRAY['angry', NULL, 'calm']::mood[]", ["angry", None, "calm"]),
    "composite_holding_enum_sql": ("CREATE TYPE mood AS ENUM ('calm', 'angry');"
                                   + SQL_CAST.format(fn="mood_json", t="mood")
                                   + "CREATE TYPE holder AS (m mood, ms mood[]);",
                                   "holder", "ROW('angry', '{calm}')", {"m": "angry", "ms": ["calm"]}),
    "domain_over_enum_sql": ("CREATE TYPE mood AS ENUM ('calm', 'angry');"
                             + SQL_CAST.format(fn="mood_json", t="mood") + "CREATE DOMAIN dmood AS mood;",
                             "dmood", "'calm'", "calm"),
    "range_sql": ("CREATE TYPE floatrange AS RANGE (subtype = float8);"
                  + SQL_CAST.format(fn="fr_json", t="floatrange"), "floatrange", "'[1.5,2.5)'", "[1.5,2.5)"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_user_cast_to_json_is_never_called(cluster, db, conn, mallory, case):
    ddl, coltype, literal, plain = CASES[case]
    file = f"/tmp/walcast-cast-{uuid.uuid4().hex}"
    mallory.execute(ddl.format(s=mallory.schema, file=file))
    mallory.execute(f"CREATE TABLE victim (id int PRIMARY KEY, v {coltype})")
    if case in ("enum_sql", "domain_over_enum_sql", "array_of_enum_sql", "range_sql"):
        # The cast is live: PostgreSQL's own to_jsonb runs mallory's function for this value.
        assert "hijacked" in mallory.execute(f"SELECT to_jsonb({literal}::{coltype})::text").fetchone()[0]
    slot = Slot(conn)  # read through SQL
    streamed = Slot(conn, "walcast_stream")  # read through the walsender (which consumes what it reads)
    conn.execute("CREATE TABLE ordinary (id int PRIMARY KEY)")
    mallory.execute(f"INSERT INTO victim VALUES (1, {literal})")
    conn.execute("INSERT INTO ordinary VALUES (1)")
    want = [{"table": "victim", "record": {"id": 1, "v": plain}}, {"table": "ordinary", "record": {"id": 1}}]

    # (1) the walsender (the cast function would run as the replication role)
    result = recvlogical(cluster, db, streamed.name, current_lsn(conn))
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines() if line]
    assert [{"table": r["table"], "record": r["record"]} for r in rows] == want
    # (2) a superuser peeks (it would run as the superuser), twice: the same WAL decodes the same way
    for _ in range(2):
        rows = slot.changes(consume=False)
        assert [{"table": r["table"], "record": r["record"]} for r in rows] == want

    assert cluster.crash_lines() == []
    assert not os.path.exists(file), "the cast function ran as the decoding role"
    if case == "enum_plpgsql_writes_a_table":
        assert conn.execute(f"SELECT count(*) FROM {mallory.schema}.loot").fetchone()[0] == 0
    # the slot is not wedged: the next ordinary change decodes too
    conn.execute("INSERT INTO ordinary VALUES (2)")
    rows = slot.changes()
    assert rows[-1]["table"] == "ordinary" and rows[-1]["record"] == {"id": 2}


def test_plpgsql_cast_would_write_the_file_as_a_superuser(cluster, db, conn, mallory):
    """The COPY attack is real: called by a superuser, mallory's cast function writes a server file."""
    ddl, coltype, literal, _ = CASES["enum_plpgsql_copy"]
    file = f"/tmp/walcast-cast-{uuid.uuid4().hex}"
    mallory.execute(ddl.format(s=mallory.schema, file=file))
    with pytest.raises(Exception, match="permission denied|must be superuser|pg_write_server_files"):
        mallory.execute(f"SELECT to_jsonb({literal}::{mallory.schema}.{coltype})")
    conn.execute(f"SELECT to_jsonb({literal}::{mallory.schema}.{coltype})")
    try:
        assert os.path.exists(file)
    finally:
        if os.path.exists(file):
            os.unlink(file)


def test_extension_type_with_a_cast_to_json_is_its_output_text(conn, slot):
    """hstore ships a cast to json, which to_jsonb uses; walcast calls no cast, so an hstore value is its text
    form, a JSON string (the documented rule for any type with a cast to json). Types without one, such as
    citext, equal to_jsonb as usual."""
    conn.execute("CREATE EXTENSION hstore")
    conn.execute("CREATE EXTENSION citext")
    conn.execute("CREATE TABLE ext (id int PRIMARY KEY, h hstore, hs hstore[], c citext)")
    conn.execute("""INSERT INTO ext VALUES (1, 'a=>1, "b c"=>NULL', ARRAY['x=>y'::hstore], 'MiXeD')""")
    (row,) = slot.changes()
    h, hs, c, jb_h, jb_c = conn.execute(
        "SELECT h::text, hs[1]::text, c::text, to_jsonb(h), to_jsonb(c) FROM ext").fetchone()
    assert row["record"] == {"id": 1, "h": h, "hs": [hs], "c": c}
    assert jb_h == {"a": "1", "b c": None} and jb_c == c  # what to_jsonb would have made of them
