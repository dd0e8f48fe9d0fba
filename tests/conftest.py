"""Session-wide fixtures shared by the plugin and gateway integration tests."""
import os
import sys
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
    cluster.drop_database(name)


@pytest.fixture
def conn(cluster, db):
    with cluster.connect(db) as c:
        yield c
