"""Extension 0.3.0: broadcasts from SQL (walcast.send, walcast.broadcast_changes) and the private-channel check
(walcast.messages policies, walcast.topic(), walcast.check_access)."""
import json
import uuid

import psycopg
import pytest

from test_extension import FUNCTIONS

ALL_TOPIC_CHECKS = ["read_broadcast", "read_presence", "write_broadcast", "write_presence"]


@pytest.fixture
def ext(conn):
    conn.execute("CREATE EXTENSION walcast")
    return conn


def messages(slot):
    """The walcast MESSAGE rows pending on the slot (peeked, not consumed), as (prefix, transactional, content)."""
    return [(r["prefix"], r["transactional"], r["content"]) for r in slot.changes(consume=False)
            if r["type"] == "MESSAGE"]


# --- walcast.send ---------------------------------------------------------------------------------------------


def test_send_is_delivered_on_commit_in_commit_order_with_the_changes(cluster, db, ext, slot):
    ext.execute("CREATE TABLE t (id int PRIMARY KEY)")
    a = cluster.connect(db, autocommit=False)
    b = cluster.connect(db, autocommit=False)
    try:
        # a starts first and sends first, but commits after b: its changes and message come after b's.
        a.execute("INSERT INTO t VALUES (1)")
        a.execute("SELECT walcast.send('{\"n\": 1}', 'from_a', 'room:1')")
        a.execute("INSERT INTO t VALUES (2)")
        b.execute("INSERT INTO t VALUES (10)")
        b.execute("SELECT walcast.send('[\"b\"]', 'from_b', 'room:2', false)")
        b.commit()
        a.commit()
        # Rolled back: its message is never decoded.
        a.execute("INSERT INTO t VALUES (3)")
        a.execute("SELECT walcast.send('{}', 'never', 'room:1')")
        a.rollback()
    finally:
        a.close()
        b.close()
    rows = slot.changes(consume=False)
    assert [(r["type"], r.get("record", {}).get("id") if r["type"] == "INSERT" else r["content"]["event"])
            for r in rows] == [("INSERT", 10), ("MESSAGE", "from_b"), ("INSERT", 1), ("MESSAGE", "from_a"),
                               ("INSERT", 2)]
    assert messages(slot) == [
        ("walcast", True, {"topic": "room:2", "event": "from_b", "payload": ["b"], "private": False}),
        ("walcast", True, {"topic": "room:1", "event": "from_a", "payload": {"n": 1}, "private": True}),
    ]


def test_send_content_keeps_its_key_order_and_a_null_payload(ext, slot):
    ext.execute("SELECT walcast.send(NULL, 'e', 't')")
    raw = [r for r in slot.raw(consume=False) if '"MESSAGE"' in r]
    assert len(raw) == 1
    content = json.loads(raw[0])["content"]
    assert list(content) == ["topic", "event", "payload", "private"]
    assert content == {"topic": "t", "event": "e", "payload": None, "private": True}


@pytest.mark.parametrize("args, missing", [("'{}', 'e', NULL", "topic"), ("'{}', NULL, 'room:1'", "event"),
                                           ("'{}', 'e', 'room:1', NULL", "private")])
def test_send_refuses_null_topic_event_or_private(ext, slot, args, missing):
    with pytest.raises(psycopg.errors.NullValueNotAllowed) as err:
        ext.execute(f"SELECT walcast.send({args})")
    assert err.value.diag.message_primary == f"walcast.send: {missing} must not be NULL"
    ext.execute("SELECT walcast.send('{}', 'after', 'room:1')")
    assert [c["event"] for _, _, c in messages(slot)] == ["after"]


# --- walcast.broadcast_changes ----------------------------------------------------------------------------------


def test_broadcast_changes_from_a_row_trigger(ext, slot):
    ext.execute("CREATE TABLE notes (id int PRIMARY KEY, room text, body text)")
    ext.execute("""
        CREATE FUNCTION notes_broadcast() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM walcast.broadcast_changes('room:' || coalesce(NEW.room, OLD.room), TG_OP, TG_OP, TG_TABLE_NAME,
                                              TG_TABLE_SCHEMA, NEW, OLD, TG_LEVEL);
            RETURN NULL;
        END $$""")
    ext.execute("CREATE TRIGGER notes_broadcast AFTER INSERT OR UPDATE OR DELETE ON notes "
                "FOR EACH ROW EXECUTE FUNCTION notes_broadcast()")
    ext.execute("INSERT INTO notes VALUES (1, 'a', 'hello')")
    ext.execute("UPDATE notes SET body = 'bye' WHERE id = 1")
    ext.execute("DELETE FROM notes WHERE id = 1")
    row = {"id": 1, "room": "a", "body": "hello"}
    later = dict(row, body="bye")
    base = {"schema": "public", "table": "notes"}
    assert [c for _, _, c in messages(slot)] == [
        {"topic": "room:a", "event": "INSERT", "private": True,
         "payload": dict(base, operation="INSERT", record=row, old_record=None)},
        {"topic": "room:a", "event": "UPDATE", "private": True,
         "payload": dict(base, operation="UPDATE", record=later, old_record=row)},
        {"topic": "room:a", "event": "DELETE", "private": True,
         "payload": dict(base, operation="DELETE", record=None, old_record=later)},
    ]


def test_broadcast_changes_refuses_statement_level_and_unknown_operations(ext):
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="FOR EACH ROW triggers only"):
        ext.execute("SELECT walcast.broadcast_changes('t', 'e', 'INSERT', 'x', 'public', NULL, NULL, 'STATEMENT')")
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="must be INSERT, UPDATE or DELETE, not TRUNCATE"):
        ext.execute("SELECT walcast.broadcast_changes('t', 'e', 'TRUNCATE', 'x', 'public', NULL, NULL)")


# --- upgrade ----------------------------------------------------------------------------------------------------

CATALOG_QUERIES = {
    "functions": """
        SELECT p.oid::regprocedure::text, pg_get_functiondef(p.oid), obj_description(p.oid, 'pg_proc'),
               p.prosecdef, p.proconfig, p.provolatile, p.proisstrict,
               (SELECT array_agg(format('%s:%s', a.grantee::regrole, a.privilege_type) ORDER BY 1)
                FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a)
        FROM pg_proc p WHERE p.pronamespace = 'walcast'::regnamespace ORDER BY 1""",
    "relations": """
        SELECT c.relname, c.relkind, c.relrowsecurity, c.relforcerowsecurity, obj_description(c.oid, 'pg_class'),
               (SELECT array_agg(format('%s:%s', a.grantee::regrole, a.privilege_type) ORDER BY 1)
                FROM aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a)
        FROM pg_class c WHERE c.relnamespace = 'walcast'::regnamespace ORDER BY 1""",
    "columns": """
        SELECT c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attidentity,
               pg_get_expr(d.adbin, d.adrelid), a.attacl::text
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE c.relnamespace = 'walcast'::regnamespace AND c.relkind = 'r' AND a.attnum > 0 ORDER BY 1, 2""",
    "constraints": """
        SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
        WHERE connamespace = 'walcast'::regnamespace ORDER BY 1""",
    "indexes": "SELECT indexdef FROM pg_indexes WHERE schemaname = 'walcast' ORDER BY 1",
    "policies": "SELECT policyname FROM pg_policies WHERE schemaname = 'walcast' ORDER BY 1",
    "schema": """
        SELECT (SELECT array_agg(format('%s:%s', a.grantee::regrole, a.privilege_type) ORDER BY 1)
                FROM aclexplode(n.nspacl) a)
        FROM pg_namespace n WHERE n.nspname = 'walcast'""",
    "members": """
        SELECT pg_describe_object(d.classid, d.objid, d.objsubid) FROM pg_depend d
        WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
          AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'walcast') ORDER BY 1""",
}


def catalog_dump(conn):
    return {name: conn.execute(sql).fetchall() for name, sql in CATALOG_QUERIES.items()}


def test_update_from_0_2_0_gives_the_same_objects_as_a_fresh_0_3_0(cluster, db, conn):
    conn.execute("CREATE EXTENSION walcast VERSION '0.2.0'")
    conn.execute("ALTER EXTENSION walcast UPDATE")
    assert conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'walcast'").fetchone()[0] == "0.3.0"
    updated = catalog_dump(conn)
    fresh_db = "fresh_" + uuid.uuid4().hex[:8]
    cluster.create_database(fresh_db)
    try:
        with cluster.connect(fresh_db) as fresh:
            fresh.execute("CREATE EXTENSION walcast")
            assert catalog_dump(fresh) == updated
    finally:
        with cluster.connect() as c:
            c.execute(f"DROP DATABASE {fresh_db}")
    assert sorted(r[0].replace('"', "") for r in updated["functions"]) == sorted("walcast." + f for f in FUNCTIONS)
    assert updated["relations"][0][:4] == ("messages", "r", True, False)
    assert updated["schema"][0][0] and "-:USAGE" in updated["schema"][0][0]  # "-" is PUBLIC
    assert "table walcast.messages" in [r[0] for r in updated["members"]]


def test_update_from_0_1_0_goes_through_to_0_3_0(conn):
    conn.execute("CREATE EXTENSION walcast VERSION '0.1.0'")
    conn.execute("ALTER EXTENSION walcast UPDATE")
    assert conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'walcast'").fetchone()[0] == "0.3.0"
    assert conn.execute("SELECT count(*) FROM walcast.check_access('room:1', 'postgres', '{}', '{read_broadcast}')"
                        ).fetchone()[0] == 1


# --- walcast.check_access ---------------------------------------------------------------------------------------


class Roles:
    """authenticated: the role tokens name; gateway: a LOGIN role like PostgREST's authenticator (NOINHERIT, a
    member of authenticated, EXECUTE on the probe helper); outsider: a role the gateway is not a member of."""

    def __init__(self, cluster, db, admin):
        tag = uuid.uuid4().hex[:8]
        self.authenticated, self.gateway, self.outsider = f"auth_{tag}", f"gw_{tag}", f"outsider_{tag}"
        self.cluster, self.db, self.admin = cluster, db, admin
        admin.execute(f"CREATE ROLE {self.authenticated} NOLOGIN")
        admin.execute(f"CREATE ROLE {self.outsider} NOLOGIN")
        admin.execute(f"CREATE ROLE {self.gateway} LOGIN NOINHERIT")
        admin.execute(f"GRANT {self.authenticated} TO {self.gateway}")
        admin.execute(f"GRANT EXECUTE ON FUNCTION walcast.insert_access_probes(text) TO {self.gateway}")

    def connect(self):
        return self.cluster.connect(self.db, user=self.gateway)

    def drop(self):
        for r in (self.gateway, self.authenticated, self.outsider):
            self.admin.execute(f"DROP OWNED BY {r}")
            self.admin.execute(f"DROP ROLE {r}")


@pytest.fixture
def roles(cluster, db, ext):
    r = Roles(cluster, db, ext)
    yield r
    r.drop()


def check(conn, topic, role, claims, checks=(), tables=()):
    rows = conn.execute("SELECT kind, name, allowed, detail FROM walcast.check_access(%s, %s, %s, %s, %s, %s)",
                        (topic, role, json.dumps(claims) if isinstance(claims, dict) else claims, list(checks),
                         [s for s, _ in tables], [t for _, t in tables])).fetchall()
    return rows


def allowed(rows):
    return {name: ok for _, name, ok, _ in rows}


def room_per_sub_policy(admin, role):
    """The README example: each user reads (and, with the INSERT policy, writes) the topic room:<sub>."""
    admin.execute(f"""CREATE POLICY "read own room" ON walcast.messages FOR SELECT TO {role}
        USING (walcast.topic() = 'room:' || (current_setting('request.jwt.claims', true)::jsonb ->> 'sub'))""")


def test_select_policy_per_sub_allows_alice_and_denies_bob(ext, roles):
    room_per_sub_policy(ext, roles.authenticated)
    with roles.connect() as gw:
        alice = check(gw, "room:alice", roles.authenticated, {"sub": "alice"}, ALL_TOPIC_CHECKS)
        assert [(k, n) for k, n, _, _ in alice] == [("topic", c) for c in ALL_TOPIC_CHECKS]
        assert allowed(alice) == {"read_broadcast": True, "read_presence": True,
                                  "write_broadcast": False, "write_presence": False}  # no INSERT policy
        bob = check(gw, "room:alice", roles.authenticated, {"sub": "bob"}, ALL_TOPIC_CHECKS)
        assert not any(allowed(bob).values())
        assert allowed(check(gw, "room:bob", roles.authenticated, {"sub": "bob"}, ["read_presence"])) == {
            "read_presence": True}
        # No claims at all: the policy's expression is NULL, which denies.
        assert allowed(check(gw, "room:alice", roles.authenticated, None, ["read_broadcast"])) == {
            "read_broadcast": False}


def test_write_needs_an_insert_policy_per_extension(ext, roles):
    room_per_sub_policy(ext, roles.authenticated)
    with roles.connect() as gw:
        rows = check(gw, "room:alice", roles.authenticated, {"sub": "alice"}, ["write_broadcast", "write_presence"])
        assert allowed(rows) == {"write_broadcast": False, "write_presence": False}
        assert all("row-level security" in detail for _, _, _, detail in rows)
    ext.execute(f"""CREATE POLICY "send in own room" ON walcast.messages FOR INSERT TO {roles.authenticated}
        WITH CHECK (extension = 'broadcast'
                    AND topic = 'room:' || (current_setting('request.jwt.claims', true)::jsonb ->> 'sub'))""")
    with roles.connect() as gw:
        assert allowed(check(gw, "room:alice", roles.authenticated, {"sub": "alice"}, ALL_TOPIC_CHECKS)) == {
            "read_broadcast": True, "read_presence": True, "write_broadcast": True, "write_presence": False}
        assert allowed(check(gw, "room:alice", roles.authenticated, {"sub": "bob"}, ["write_broadcast"])) == {
            "write_broadcast": False}
    assert ext.execute("SELECT count(*) FROM walcast.messages").fetchone()[0] == 0


def test_table_select_privilege_table_column_and_none(ext, roles):
    ext.execute('CREATE TABLE public.open (id int)')
    ext.execute('CREATE TABLE public.closed (id int)')
    ext.execute('CREATE TABLE public.cols (id int, secret text)')
    ext.execute('CREATE SCHEMA "Odd ""Schema"""')
    ext.execute('CREATE TABLE "Odd ""Schema"""."My Table" (id int)')
    ext.execute(f"GRANT SELECT ON public.open TO {roles.authenticated}")
    ext.execute(f"GRANT SELECT (id) ON public.cols TO {roles.authenticated}")
    ext.execute(f'GRANT USAGE ON SCHEMA "Odd ""Schema""" TO {roles.authenticated}')
    ext.execute(f'GRANT SELECT ON "Odd ""Schema"""."My Table" TO {roles.authenticated}')
    ext.execute("CREATE SCHEMA hidden")  # no USAGE for the role: its granted table cannot be named
    ext.execute("CREATE TABLE hidden.t (id int)")
    ext.execute(f"GRANT SELECT ON hidden.t TO {roles.authenticated}")
    tables = [("public", "open"), ("public", "closed"), ("public", "cols"), ("public", "nope"),
              ('Odd "Schema"', "My Table"), ("hidden", "t")]
    with roles.connect() as gw:
        rows = check(gw, "", roles.authenticated, {"sub": "alice"}, [], tables)
    assert [(k, n, ok) for k, n, ok, _ in rows] == [
        ("table", "public.open", True), ("table", "public.closed", False), ("table", "public.cols", True),
        ("table", "public.nope", False), ("table", '"Odd ""Schema"""."My Table"', True),
        ("table", "hidden.t", False)]
    assert rows[3][3] == "relation public.nope does not exist"
    assert rows[5][3] == "no USAGE on schema hidden"


def test_a_role_the_caller_cannot_become_is_an_error_not_a_denial(ext, roles):
    with roles.connect() as gw:
        with pytest.raises(psycopg.errors.InsufficientPrivilege) as err:
            check(gw, "room:a", roles.outsider, {"sub": "a"}, ["read_broadcast"], [("pg_catalog", "pg_class")])
        assert err.value.diag.message_primary == (
            f"cannot check access as role {roles.outsider}: permission denied to set role \"{roles.outsider}\"")
        assert err.value.diag.message_hint == (
            f"The gateway's database user must be a member of every role its tokens name: "
            f"GRANT {roles.outsider} TO {roles.gateway};")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match='role "no_such_role" does not exist'):
            check(gw, "room:a", "no_such_role", {}, [], [("pg_catalog", "pg_class")])
        # SET ROLE none would mean the gateway's own rights.
        with pytest.raises(psycopg.errors.InvalidParameterValue, match='role "none" cannot be checked'):
            check(gw, "room:a", "none", {}, ["read_broadcast"])
        with pytest.raises(psycopg.errors.InvalidParameterValue, match="no role"):
            check(gw, "room:a", "", {}, ["read_broadcast"])
        with pytest.raises(psycopg.errors.InvalidParameterValue, match="unknown check 'read_everything'"):
            check(gw, "room:a", roles.authenticated, {}, ["read_everything"])
        assert gw.execute("SELECT current_user").fetchone()[0] == roles.gateway


def test_public_cannot_execute_the_probe_helper(cluster, db, ext, roles):
    acl = ext.execute("SELECT array_agg(a.grantee::regrole::text) FROM pg_proc p, aclexplode(p.proacl) a "
                      "WHERE p.oid = 'walcast.insert_access_probes(text)'::regprocedure").fetchone()[0]
    assert "-" not in acl and sorted(acl) == sorted(["postgres", roles.gateway])  # "-" would be PUBLIC
    ext.execute(f"ALTER ROLE {roles.outsider} LOGIN")
    with cluster.connect(db, user=roles.outsider) as other:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied for function"):
            other.execute("SELECT * FROM walcast.insert_access_probes('room:planted')")
        # check_access itself says what is missing; checks that need no probe rows still work.
        with pytest.raises(psycopg.errors.InsufficientPrivilege) as err:
            check(other, "room:a", roles.outsider, {}, ["read_broadcast"])
        assert err.value.diag.message_hint == ("The gateway's database user needs GRANT EXECUTE ON FUNCTION "
                                               f"walcast.insert_access_probes(text) TO {roles.outsider};")
        assert allowed(check(other, "room:a", roles.outsider, {}, ["write_broadcast"])) == {"write_broadcast": False}
    assert ext.execute("SELECT count(*) FROM walcast.messages").fetchone()[0] == 0


def test_nothing_persists_after_a_check(ext, roles):
    """Policies whose functions write a table, set a session setting and take a sequence value: the row and the
    setting are rolled back with the probe rows, the role switch and walcast's own settings; only the sequence
    (never transactional) shows that the policies ran."""
    ext.execute("CREATE TABLE public.side_effects (what text)")
    ext.execute("CREATE SEQUENCE public.policy_runs")
    ext.execute(f"GRANT INSERT ON public.side_effects TO {roles.authenticated}")
    ext.execute(f"GRANT USAGE ON SEQUENCE public.policy_runs TO {roles.authenticated}")
    ext.execute("""CREATE FUNCTION public.noisy() RETURNS boolean LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO public.side_effects VALUES (walcast.topic());
            PERFORM set_config('app.leaked', 'yes', false);
            PERFORM nextval('public.policy_runs');
            RETURN true;
        END $$""")
    ext.execute(f"CREATE POLICY noisy_read ON walcast.messages FOR SELECT TO {roles.authenticated} USING (public.noisy())")
    ext.execute(f"CREATE POLICY noisy_write ON walcast.messages FOR INSERT TO {roles.authenticated} "
                "WITH CHECK (public.noisy())")
    with roles.connect() as gw:
        gw.execute("SET request.jwt.claims = 'the session''s own'")
        rows = check(gw, "room:x", roles.authenticated, {"sub": "x"}, ALL_TOPIC_CHECKS, [("public", "side_effects")])
        assert allowed(rows) == dict.fromkeys(ALL_TOPIC_CHECKS, True) | {"public.side_effects": False}
        assert gw.execute("SELECT current_user, current_setting('request.jwt.claims'), "
                          "coalesce(current_setting('walcast.topic', true), ''), "
                          "coalesce(current_setting('app.leaked', true), ''), walcast.topic()").fetchone() == (
            roles.gateway, "the session's own", "", "", None)
    assert ext.execute("SELECT count(*) FROM walcast.messages").fetchone()[0] == 0
    assert ext.execute("SELECT count(*) FROM public.side_effects").fetchone()[0] == 0
    assert ext.execute("SELECT last_value FROM public.policy_runs").fetchone()[0] >= 4


def test_a_policy_that_raises_denies_its_own_check_only(ext, roles):
    ext.execute("""CREATE FUNCTION public.boom(code text) RETURNS boolean LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION USING ERRCODE = code, MESSAGE = 'policy exploded'; END $$""")
    ext.execute(f"GRANT EXECUTE ON FUNCTION public.boom(text) TO {roles.authenticated}")
    # Presence reads raise; a policy raising walcast's own undo SQLSTATE must not cut the check short either.
    ext.execute(f"""CREATE POLICY r ON walcast.messages FOR SELECT TO {roles.authenticated}
        USING (CASE WHEN extension = 'presence' THEN public.boom('XX000') ELSE true END)""")
    ext.execute(f"""CREATE POLICY w ON walcast.messages FOR INSERT TO {roles.authenticated}
        WITH CHECK (CASE WHEN extension = 'presence' THEN public.boom('WCRB0') ELSE true END)""")
    ext.execute(f"GRANT SELECT ON walcast.messages TO {roles.authenticated}")
    with roles.connect() as gw:
        rows = check(gw, "room:a", roles.authenticated, {}, ALL_TOPIC_CHECKS, [("walcast", "messages")])
    assert [(n, ok) for _, n, ok, _ in rows] == [("read_broadcast", True), ("read_presence", False),
                                                ("write_broadcast", True), ("write_presence", False),
                                                ("walcast.messages", True)]
    assert rows[1][3] == rows[3][3] == "policy exploded"
    assert ext.execute("SELECT count(*) FROM walcast.messages").fetchone()[0] == 0


def test_a_policy_that_runs_past_statement_timeout_is_an_error(ext, roles):
    ext.execute(f"CREATE POLICY slow ON walcast.messages FOR SELECT TO {roles.authenticated} "
                "USING (pg_sleep(5) IS NOT NULL)")
    with roles.connect() as gw:
        gw.execute("SET statement_timeout = '200ms'")
        with pytest.raises(psycopg.errors.QueryCanceled):
            check(gw, "room:a", roles.authenticated, {}, ["read_broadcast"])
        gw.execute("RESET statement_timeout")
        assert gw.execute("SELECT current_user").fetchone()[0] == roles.gateway
    assert ext.execute("SELECT count(*) FROM walcast.messages").fetchone()[0] == 0


def test_a_role_cannot_plant_rows_or_pick_ids(cluster, db, ext, roles):
    """A role allowed to insert messages for real still cannot choose ids (which could collide with the probe rows
    of later checks) nor reach the probe helper."""
    ext.execute(f"CREATE POLICY w ON walcast.messages FOR INSERT TO {roles.authenticated} WITH CHECK (true)")
    ext.execute(f"ALTER ROLE {roles.outsider} LOGIN")
    ext.execute(f"GRANT {roles.authenticated} TO {roles.outsider}")
    with cluster.connect(db, user=roles.outsider) as r:
        r.execute(f"SET ROLE {roles.authenticated}")
        r.execute("INSERT INTO walcast.messages (topic, extension) VALUES ('room:a', 'broadcast')")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied for table messages"):
            r.execute("INSERT INTO walcast.messages (id, topic, extension) OVERRIDING SYSTEM VALUE "
                      "VALUES (1000000, 'room:a', 'broadcast')")
    assert ext.execute("SELECT count(*) FROM walcast.messages").fetchone()[0] == 1
    with roles.connect() as gw:
        assert allowed(check(gw, "room:a", roles.authenticated, {}, ["write_broadcast"])) == {"write_broadcast": True}
    assert ext.execute("SELECT count(*) FROM walcast.messages").fetchone()[0] == 1
