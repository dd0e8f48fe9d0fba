"""Session-wide fixtures shared by the plugin and gateway integration tests."""
import os
import sys
import time
import uuid

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from harness.pgcluster import PgCluster  # noqa: E402


@pytest.fixture(scope="session")
def cluster():
    """One throwaway PostgreSQL 15 cluster for the whole run. The suite fails if any backend crashed."""
    c = PgCluster().init().start()
    yield c
    crashes = c.crash_lines()
    c.destroy()
    assert not crashes, "PostgreSQL backend crashed during the tests:\n" + "\n".join(crashes)


@pytest.fixture
def db(cluster):
    """A fresh database per test, so slots, publications and tables never leak between tests."""
    name = "t_" + uuid.uuid4().hex[:12]
    cluster.create_database(name)
    yield name
    with cluster.connect() as c:
        # A database with a replication slot cannot be dropped; a walsender may still hold the slot for a
        # moment after the gateway exited, so end it first.
        deadline = time.monotonic() + 30
        while True:
            rows = c.execute("SELECT slot_name, active_pid FROM pg_replication_slots WHERE database = %s",
                             (name,)).fetchall()
            if not rows:
                break
            for slot, pid in rows:
                if pid:
                    c.execute("SELECT pg_terminate_backend(%s)", (pid,))
                else:
                    c.execute("SELECT pg_drop_replication_slot(%s) FROM pg_replication_slots "
                              "WHERE slot_name = %s AND NOT active", (slot, slot))
            assert time.monotonic() < deadline, f"slots of {name} still active: {rows}"
            time.sleep(0.05)
        c.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def conn(cluster, db):
    with cluster.connect(db) as c:
        yield c
