"""Helpers for the plugin's integration tests: a walcast slot per test and readers for its output."""
import json
import os
import uuid

import pytest

# WALCAST_PLUGIN_DIR points the test clusters at a build tree's walcast.so (see tests/harness/pgcluster.py).
PKGLIBDIR = os.environ.get("WALCAST_PLUGIN_DIR") or "/usr/lib/postgresql/15/lib"


@pytest.fixture(scope="session", autouse=True)
def plugin_installed():
    if not os.path.exists(os.path.join(PKGLIBDIR, "walcast.so")):
        pytest.fail("walcast.so is not installed: run `make -f Makefile.pgxs install` first")


class Slot:
    """A logical slot using the walcast plugin, read through the SQL interface."""

    def __init__(self, conn, name="walcast_test"):
        self.conn = conn
        self.name = name
        conn.execute("SELECT pg_create_logical_replication_slot(%s, 'walcast')", (name,))

    @staticmethod
    def _options(opts):
        flat = []
        for key, value in opts.items():
            flat += [key.replace("_", "-"), None if value is None else str(value)]
        return flat

    def raw(self, consume=True, **opts):
        """The output rows as text, in order. Consumes them unless consume=False."""
        fn = "pg_logical_slot_get_changes" if consume else "pg_logical_slot_peek_changes"
        rows = self.conn.execute(f"SELECT data FROM {fn}(%s, NULL, NULL, VARIADIC %s::text[])",
                                 (self.name, self._options(opts))).fetchall()
        return [r[0] for r in rows]

    def changes(self, consume=True, **opts):
        """The output rows parsed as JSON (each row must be one complete JSON object)."""
        return [json.loads(t) for t in self.raw(consume=consume, **opts)]


@pytest.fixture
def slot(conn):
    return Slot(conn)


def strip_volatile(obj):
    """The object without keys whose values change from run to run, for exact comparisons."""
    return {k: v for k, v in obj.items() if k not in ("commit_timestamp", "lsn", "xid", "commit_lsn")}


@pytest.fixture
def mallory(cluster, db, conn):
    """A connection as a fresh role that owns one schema and holds no other privilege (PostgreSQL 15 gives PUBLIC
    no CREATE on `public` or on the database); it works in that schema (`mallory.schema`)."""
    name = "mallory_" + uuid.uuid4().hex[:8]
    conn.execute(f"CREATE ROLE {name} LOGIN")
    conn.execute(f"CREATE SCHEMA {name} AUTHORIZATION {name}")
    with cluster.connect(db, user=name) as m:
        assert m.execute("SELECT rolsuper OR rolreplication OR rolcreaterole OR rolcreatedb FROM pg_roles "
                         "WHERE rolname = current_user").fetchone()[0] is False
        m.execute(f"SET search_path = {name}")
        m.schema = name
        yield m
    conn.execute(f"DROP SCHEMA {name} CASCADE")
    conn.execute(f"DROP OWNED BY {name}")
    conn.execute(f"DROP ROLE {name}")
