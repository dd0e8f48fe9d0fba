"""The plugin under attack from a database role with no privileges beyond its own schema.

Every scenario runs its SQL as `mallory`, a LOGIN role whose only privilege is CREATE on the schema it owns
(PostgreSQL 15 grants PUBLIC no CREATE on `public` and no CREATE on the database). Then the same WAL is decoded
twice - by a superuser through pg_logical_slot_peek_changes (where a cast would run with the superuser's
rights) and through the walsender with pg_recvlogical (what the gateway uses) - and each time:
- no backend crashed (the server log shows no signal or exception exit),
- every output row is one line of strict UTF-8 that parses as JSON,
- an ordinary change committed after the attack still decodes (the slot is not wedged),
- nothing the role planted ran (no file written, no row inserted by its functions).
The feature tests (test_user_casts, test_change_size, test_messages_hostile, test_encodings,
test_publication_features) check exact output; this file checks that no attack breaks those invariants.
"""
import json
import os
import subprocess
import uuid

import pytest

PG_RECVLOGICAL = "/usr/lib/postgresql/15/bin/pg_recvlogical"


class Mallory:
    def __init__(self, cluster, db, conn):
        self.role = "mallory_" + uuid.uuid4().hex[:8]
        self.cluster, self.db, self.admin = cluster, db, conn
        conn.execute(f"CREATE ROLE {self.role} LOGIN")
        conn.execute(f"CREATE SCHEMA {self.role} AUTHORIZATION {self.role}")
        # What a planted function could write to, if it ever ran during decoding: a table anyone may insert into.
        conn.execute("CREATE TABLE public.side_effects (what text)")
        conn.execute("GRANT INSERT ON public.side_effects TO PUBLIC")
        conn.execute("CREATE TABLE public.canary (id serial PRIMARY KEY, note text)")
        self.file = f"/tmp/walcast-pwned-{uuid.uuid4().hex}"

    def run(self, *statements):
        with self.cluster.connect(self.db, user=self.role) as c:
            for sql in statements:
                c.execute(sql.replace("@S", self.role).replace("@FILE", self.file))

    def drop(self):
        self.admin.execute(f"DROP SCHEMA IF EXISTS {self.role} CASCADE")
        self.admin.execute(f"DROP OWNED BY {self.role}")
        self.admin.execute(f"DROP ROLE {self.role}")
        if os.path.exists(self.file):
            os.unlink(self.file)


@pytest.fixture
def mallory(cluster, db, conn):
    m = Mallory(cluster, db, conn)
    yield m
    m.drop()


def _check_rows(lines, where):
    for raw in lines:
        assert isinstance(raw, bytes)
        text = raw.decode("utf-8")  # strict: invalid UTF-8 fails here
        assert "\n" not in text and "\r" not in text, f"{where}: a row spans lines: {text[:200]!r}"
        json.loads(text)


def _decode_sql(conn, slot, options):
    flat = [x for kv in options for x in kv.split("=", 1)]
    rows = conn.execute("SELECT convert_to(data, 'UTF8') FROM pg_logical_slot_peek_changes(%s, NULL, NULL, "
                        "VARIADIC %s::text[])", (slot, flat)).fetchall()
    return [bytes(r[0]) for r in rows]


def _decode_walsender(cluster, db, slot, options, endpos):
    cmd = [PG_RECVLOGICAL, "-d", cluster.conninfo(db), "--slot", slot, "--start", "--no-loop", "-f", "-",
           "-E", endpos]
    for opt in options:
        cmd += ["-o", opt]
    result = subprocess.run(cmd, capture_output=True, timeout=600)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return [line for line in result.stdout.split(b"\n") if line]


def survive(cluster, db, conn, mallory, options=()):
    """Decodes everything so far plus one canary change both ways; asserts the invariants above."""
    note = uuid.uuid4().hex
    conn.execute("INSERT INTO public.canary (note) VALUES (%s)", (note,))
    endpos = conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()[0]
    outputs = {"sql": _decode_sql(conn, "hostile_sql", options),
               "walsender": _decode_walsender(cluster, db, "hostile_ws", options, endpos)}
    for where, lines in outputs.items():
        _check_rows(lines, where)
        canaries = [json.loads(l) for l in lines if b'"canary"' in l]
        assert any(c.get("record", {}).get("note") == note for c in canaries), f"{where}: canary not decoded"
    assert not cluster.crash_lines(), "a backend crashed:\n" + "\n".join(cluster.crash_lines())
    assert conn.execute("SELECT count(*) FROM public.side_effects").fetchone()[0] == 0, "planted code ran"
    assert not os.path.exists(mallory.file), "planted code wrote a server file"
    return outputs


@pytest.fixture
def slots(conn):
    conn.execute("SELECT pg_create_logical_replication_slot('hostile_sql', 'walcast')")
    conn.execute("SELECT pg_create_logical_replication_slot('hostile_ws', 'walcast')")


# Each scenario: SQL run as mallory, committed after the slots exist. @S is mallory's schema, @FILE a path that
# must never be written.
CAST_BODY_COPY = "$$ COPY (SELECT 'pwned') TO '@FILE'; SELECT '{}'::json $$"
SCENARIOS = {
    "enum with a LANGUAGE sql cast to json": [
        "CREATE TYPE @S.e AS ENUM ('a', 'b')",
        "CREATE FUNCTION @S.e_json(@S.e) RETURNS json LANGUAGE sql AS "
        "$$ INSERT INTO public.side_effects VALUES ('sql cast'); SELECT '{}'::json $$",
        "CREATE CAST (@S.e AS json) WITH FUNCTION @S.e_json(@S.e)",
        "CREATE TABLE @S.t (id int PRIMARY KEY, v @S.e, vs @S.e[])",
        "INSERT INTO @S.t VALUES (1, 'a', '{a,b}')",
    ],
    "range type with a plpgsql cast that writes a server file": [
        "CREATE TYPE @S.r AS RANGE (subtype = int4)",
        "CREATE FUNCTION @S.r_json(@S.r) RETURNS json LANGUAGE plpgsql AS $$ BEGIN "
        "EXECUTE format('COPY (SELECT 1) TO %L', '@FILE'); RETURN '{}'::json; END $$",
        "CREATE CAST (@S.r AS json) WITH FUNCTION @S.r_json(@S.r)",
        "CREATE TYPE @S.c AS (x int, y @S.r)",
        "CREATE TABLE @S.t (id int PRIMARY KEY, v @S.r, vs @S.r[], c @S.c)",
        "INSERT INTO @S.t VALUES (1, '[1,5)', '{\"[2,3)\"}', ROW(1, '[7,9)'))",
    ],
    "enum in a composite, an array and a domain, whose cast raises": [
        "CREATE TYPE @S.e AS ENUM ('x', 'y')",
        "CREATE DOMAIN @S.d AS @S.e",
        "CREATE TYPE @S.wrap AS (v @S.e, w @S.d)",
        "CREATE FUNCTION @S.e_json(@S.e) RETURNS json LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'no decoding for you'; END $$",
        "CREATE CAST (@S.e AS json) WITH FUNCTION @S.e_json(@S.e)",
        "CREATE TABLE @S.t (id int PRIMARY KEY, v @S.wrap, a @S.e[], d @S.d)",
        "INSERT INTO @S.t VALUES (1, ROW('x', 'y'), '{x,y}', 'y')",
    ],
    "composite types nested 100 deep": [
        "CREATE TYPE @S.n0 AS (v int)",
        "DO $$ BEGIN FOR i IN 1..100 LOOP EXECUTE format('CREATE TYPE @S.n%s AS (v @S.n%s)', i, i - 1); "
        "END LOOP; END $$",
        "CREATE TABLE @S.t (id int PRIMARY KEY, v @S.n100)",
        "DO $$ DECLARE e text := 'ROW(1)::@S.n0'; BEGIN FOR i IN 1..100 LOOP e := format('ROW(%s)::@S.n%s', e, i); "
        "END LOOP; EXECUTE format('INSERT INTO @S.t VALUES (1, %s)', e); END $$",
    ],
    "message nested 200,000 deep": [
        "SELECT pg_logical_emit_message(false, 'walcast', repeat('[', 200000))",
        "SELECT pg_logical_emit_message(true, 'walcast:deep', repeat('{\"a\":', 100000) || '1' || repeat('}', 100000))",
    ],
    "messages jsonb cannot hold": [
        "SELECT pg_logical_emit_message(true, 'walcast', '{\"a\":\"\\u0000\"}')",
        "SELECT pg_logical_emit_message(true, 'walcast', '{\"a\":\"\\ud800\"}')",
        "SELECT pg_logical_emit_message(true, 'walcast', '[1e999999999]')",
        "SELECT pg_logical_emit_message(true, 'walcast', E'{\"a\":\\n1}')",
        "SELECT pg_logical_emit_message(true, 'walcast', '\\xff00fe'::bytea)",
    ],
    "names made of quotes, backslashes and control characters": [
        "CREATE TABLE @S.\"t\"\"\\\n\t\x01\" (\"c\"\"\\\n\x02\" text PRIMARY KEY, \"é✓\" int)",
        "INSERT INTO @S.\"t\"\"\\\n\t\x01\" VALUES (E'\\x01\\n\"\\\\', 1)",
    ],
    "json values that jsonb rejects": [
        "CREATE TABLE @S.t (id int PRIMARY KEY, j json, ja json[])",
        "INSERT INTO @S.t VALUES (1, '{\"a\":\"\\u0000\"}', ARRAY['[1e999999999]'::json])",
    ],
    "table renamed, truncated and its schema dropped inside the transaction that changed it": [
        "CREATE TABLE @S.t (id int PRIMARY KEY, v text)",
        "CREATE TABLE @S.u (id int PRIMARY KEY)",
        "BEGIN",
        "INSERT INTO @S.t VALUES (1, 'before rename')",
        "ALTER TABLE @S.t RENAME TO t2",
        "INSERT INTO @S.t2 VALUES (2, 'after rename')",
        "ALTER TABLE @S.t2 ADD COLUMN w int, DROP COLUMN v",
        "UPDATE @S.t2 SET w = 1",
        "INSERT INTO @S.u VALUES (1)",
        "TRUNCATE @S.u, @S.t2",
        "DROP SCHEMA @S CASCADE",
        "COMMIT",
    ],
    "type renamed and table dropped inside the transaction that changed it": [
        "CREATE TYPE @S.e AS ENUM ('x')",
        "CREATE TABLE @S.t (id int PRIMARY KEY, v @S.e)",
        "BEGIN",
        "INSERT INTO @S.t VALUES (1, 'x')",
        "ALTER TYPE @S.e RENAME TO e2",
        "ALTER TYPE @S.e2 ADD VALUE 'y'",
        "UPDATE @S.t SET v = 'x'",
        "DROP TABLE @S.t",
        "DROP TYPE @S.e2",
        "COMMIT",
    ],
    "temporary tables and types churned between changes": [
        "CREATE TABLE @S.t (id int PRIMARY KEY)",
        "DO $$ BEGIN FOR i IN 1..200 LOOP INSERT INTO @S.t VALUES (i); "
        "EXECUTE format('CREATE TEMP TABLE tmp%s (x int) ON COMMIT DROP', i); END LOOP; END $$",
    ],
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_attack_leaves_decoding_intact(cluster, db, conn, mallory, slots, name):
    statements = SCENARIOS[name]
    if "BEGIN" in statements:
        with cluster.connect(db, user=mallory.role, autocommit=False) as c:
            for sql in statements:
                if sql in ("BEGIN", "COMMIT"):
                    if sql == "COMMIT":
                        c.commit()
                    continue
                c.execute(sql.replace("@S", mallory.role).replace("@FILE", mallory.file))
    else:
        mallory.run(*statements)
    survive(cluster, db, conn, mallory)
    survive(cluster, db, conn, mallory, options=("include-transaction=on", "include-pk=on", "include-lsn=on"))


def test_attack_through_the_gateway_options(cluster, db, conn, mallory, slots):
    """The gateway decodes with a publication and transaction markers; the planted cast must not run there."""
    conn.execute("CREATE PUBLICATION everything FOR ALL TABLES")
    mallory.run(*SCENARIOS["range type with a plpgsql cast that writes a server file"])
    mallory.run(*SCENARIOS["message nested 200,000 deep"])
    survive(cluster, db, conn, mallory, options=("publication=everything", "include-transaction=on"))
