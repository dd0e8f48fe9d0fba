"""The publication option: which tables and which actions are emitted, and how changes to publications apply."""
import psycopg
import pytest


def make_tables(conn):
    conn.execute("CREATE SCHEMA app")
    conn.execute("CREATE TABLE public.a (id int PRIMARY KEY)")
    conn.execute("CREATE TABLE public.b (id int PRIMARY KEY)")
    conn.execute("CREATE TABLE app.c (id int PRIMARY KEY)")


def touch_all(conn):
    for t in ("public.a", "public.b", "app.c"):
        conn.execute(f"INSERT INTO {t} VALUES (1)")
        conn.execute(f"UPDATE {t} SET id = 2")
        conn.execute(f"DELETE FROM {t}")
    conn.execute("TRUNCATE public.a, public.b, app.c")


def seen(rows):
    return [(r["schema"] + "." + r["table"], r["type"]) for r in rows]


ALL_ACTIONS = ["INSERT", "UPDATE", "DELETE"]


def test_without_publication_every_table_and_action_is_emitted(conn, slot):
    make_tables(conn)
    touch_all(conn)
    got = seen(slot.changes())
    assert len(got) == 12


def test_for_all_tables(conn, slot):
    make_tables(conn)
    conn.execute("CREATE PUBLICATION supabase_realtime FOR ALL TABLES")
    touch_all(conn)
    assert len(seen(slot.changes(publication="supabase_realtime"))) == 12


def test_table_list(conn, slot):
    make_tables(conn)
    conn.execute("CREATE PUBLICATION p FOR TABLE public.a, app.c")
    touch_all(conn)
    got = seen(slot.changes(publication="p"))
    assert got == [("public.a", t) for t in ALL_ACTIONS] + [("app.c", t) for t in ALL_ACTIONS] + \
        [("public.a", "TRUNCATE"), ("app.c", "TRUNCATE")]


def test_tables_in_schema(conn, slot):
    make_tables(conn)
    conn.execute("CREATE PUBLICATION p FOR TABLES IN SCHEMA app")
    touch_all(conn)
    assert seen(slot.changes(publication="p")) == [("app.c", t) for t in ALL_ACTIONS + ["TRUNCATE"]]


def test_published_actions_only(conn, slot):
    make_tables(conn)
    conn.execute("CREATE PUBLICATION p FOR TABLE public.a WITH (publish = 'insert, delete')")
    touch_all(conn)
    assert seen(slot.changes(publication="p")) == [("public.a", "INSERT"), ("public.a", "DELETE")]


def test_truncate_only_when_published(conn, slot):
    make_tables(conn)
    conn.execute("CREATE PUBLICATION p FOR TABLE public.a WITH (publish = 'truncate')")
    touch_all(conn)
    assert seen(slot.changes(publication="p")) == [("public.a", "TRUNCATE")]


def test_several_publications_union_their_tables_and_actions(conn, slot):
    make_tables(conn)
    conn.execute("CREATE PUBLICATION p1 FOR TABLE public.a WITH (publish = 'insert')")
    conn.execute("CREATE PUBLICATION p2 FOR TABLE public.a, public.b WITH (publish = 'delete')")
    touch_all(conn)
    assert seen(slot.changes(publication=" p1 , P2 ")) == [
        ("public.a", "INSERT"), ("public.a", "DELETE"), ("public.b", "DELETE")]


def test_quoted_publication_name(conn, slot):
    make_tables(conn)
    conn.execute('CREATE PUBLICATION "My Pub" FOR TABLE public.b')
    touch_all(conn)
    assert seen(slot.changes(publication='"My Pub"')) == [("public.b", t) for t in ALL_ACTIONS + ["TRUNCATE"]]


def test_unknown_publication_among_known_ones_is_an_error(conn, slot):
    make_tables(conn)
    conn.execute("CREATE PUBLICATION p FOR ALL TABLES")
    with pytest.raises(psycopg.errors.UndefinedObject, match='publication "typo" does not exist'):
        slot.changes(publication="p,typo")


def test_adding_and_dropping_tables_applies_from_that_point(conn, slot):
    """Membership is cached but invalidated: ALTER PUBLICATION between changes is seen at the right place in
    the stream, even when all of it is decoded in one call."""
    make_tables(conn)
    conn.execute("CREATE PUBLICATION p FOR TABLE public.a")
    conn.execute("INSERT INTO public.a VALUES (1)")
    conn.execute("INSERT INTO public.b VALUES (1)")
    conn.execute("ALTER PUBLICATION p ADD TABLE public.b")
    conn.execute("INSERT INTO public.b VALUES (2)")
    conn.execute("ALTER PUBLICATION p DROP TABLE public.a")
    conn.execute("INSERT INTO public.a VALUES (2)")
    conn.execute("INSERT INTO public.b VALUES (3)")
    conn.execute("ALTER PUBLICATION p SET (publish = 'update')")
    conn.execute("INSERT INTO public.b VALUES (4)")
    conn.execute("UPDATE public.b SET id = 5 WHERE id = 4")
    rows = slot.changes(publication="p")
    assert [(r["table"], r["type"], (r.get("record") or {}).get("id")) for r in rows] == [
        ("a", "INSERT", 1), ("b", "INSERT", 2), ("b", "INSERT", 3), ("b", "UPDATE", 5)]


def test_schema_added_to_publication_later(conn, slot):
    make_tables(conn)
    conn.execute("CREATE PUBLICATION p FOR TABLE public.a")
    conn.execute("INSERT INTO app.c VALUES (1)")
    conn.execute("ALTER PUBLICATION p ADD TABLES IN SCHEMA app")
    conn.execute("INSERT INTO app.c VALUES (2)")
    assert [r["record"]["id"] for r in slot.changes(publication="p")] == [2]


def test_partition_published_through_its_parent(conn, slot):
    conn.execute("CREATE TABLE m (id int, k int, PRIMARY KEY (id, k)) PARTITION BY LIST (k)")
    conn.execute("CREATE TABLE m1 PARTITION OF m FOR VALUES IN (1)")
    conn.execute("CREATE TABLE other (id int PRIMARY KEY)")
    conn.execute("CREATE PUBLICATION p FOR TABLE m")
    conn.execute("INSERT INTO m VALUES (1, 1)")
    conn.execute("INSERT INTO other VALUES (1)")
    rows = slot.changes(publication="p")
    assert [(r["table"], r["record"]) for r in rows] == [("m1", {"id": 1, "k": 1})]


def test_publication_created_after_the_changes_publishes_nothing_before_it(conn, slot):
    """A publication that exists now but not yet at a change's point in history filters that change out
    instead of failing the whole stream."""
    make_tables(conn)
    conn.execute("INSERT INTO public.a VALUES (1)")
    conn.execute("CREATE PUBLICATION p FOR TABLE public.a")
    conn.execute("INSERT INTO public.a VALUES (2)")
    assert [r["record"]["id"] for r in slot.changes(publication="p")] == [2]
