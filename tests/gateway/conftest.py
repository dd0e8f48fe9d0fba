import pytest

from harness.gateway import Gateway


@pytest.fixture
def publication(conn):
    conn.execute("CREATE PUBLICATION supabase_realtime FOR ALL TABLES")
    return "supabase_realtime"


@pytest.fixture
def gateway(cluster, db, publication):
    """A running gateway streaming the test's database; stopped (and checked to stop cleanly) afterwards."""
    gw = Gateway(cluster, db).start()
    yield gw
    gw.stop()


@pytest.fixture
def make_gateway(cluster, db, publication):
    started = []

    def make(**env):
        gw = Gateway(cluster, db, **env)
        started.append(gw)
        return gw

    yield make
    for gw in started:
        gw.stop()
