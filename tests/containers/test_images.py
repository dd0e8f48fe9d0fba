"""The container images (docker/) built and run together, the way docker/compose.yml runs them.

Builds the debian:bookworm-slim base locally (no registry is reachable), then walcast-postgres and
walcast-gateway from this repository with podman, runs both on the host network on free ports, waits for
/health, and checks that a row inserted into the container's database reaches a WebSocket client; then
that SIGTERM closes clients with 1001, confirms the slot and exits 0. Also runs the gateway image against a
database outside any container, as an operator with an existing database would.

Podman, runc and debootstrap are installed from Debian when missing. Where containers genuinely cannot
run (not Linux, not root and nothing installed) the tests are skipped with the reason. Under CI=true any
other failure to install or run podman fails the tests instead of skipping them.
WALCAST_SKIP_CONTAINERS=1 skips them on purpose (reported as skipped), e.g. for a quick local run.
Everything podman creates is removed afterwards.
"""
import concurrent.futures
import json
import os
import subprocess
import time
import uuid

import psycopg
import pytest
import websocket

from harness.gateway import http_get
from harness.pgcluster import free_port
from harness.phoenix import PhxClient

import sandbox

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
COMPOSE = os.path.join(ROOT, "docker", "compose.yml")
IN_CI = os.environ.get("CI", "").lower() == "true"
TAG = "test-" + uuid.uuid4().hex[:8]


def load_compose():
    try:
        import yaml
    except ImportError:
        sandbox.install_python_yaml()
        import yaml
    with open(COMPOSE) as f:
        return yaml.safe_load(f)


class Timings:
    """Prints each step's duration as it ends (past pytest's capture), and a summary at the end."""

    def __init__(self, config):
        self._capture = config.pluginmanager.getplugin("capturemanager")
        self.steps = []

    def say(self, text):
        if self._capture:
            with self._capture.global_and_fixture_disabled():
                print(f"\ncontainers: {text}", flush=True)
        else:
            print(f"containers: {text}", flush=True)

    def step(self, name):
        timings = self

        class _Step:
            def __enter__(self):
                self.t0 = time.monotonic()
                timings.say(f"{name} ...")

            def __exit__(self, *exc):
                took = time.monotonic() - self.t0
                timings.steps.append((name, took))
                timings.say(f"{name}: {took:.0f}s" + (" (failed)" if exc[0] else ""))

        return _Step()


def unavailable(reason, impossible):
    if IN_CI and not impossible:
        pytest.fail(f"container images cannot be tested: {reason}")
    pytest.skip(f"container images not tested: {reason}")


@pytest.fixture(scope="module")
def images(pytestconfig):
    """A podman sandbox (sandbox.Sandbox) holding the two images built from this repository, with
    `.tags` (compose service name -> image tag), `.compose` (docker/compose.yml) and `.timings`."""
    if os.environ.get("WALCAST_SKIP_CONTAINERS") == "1":
        pytest.skip("container images not tested: WALCAST_SKIP_CONTAINERS=1")
    timings = Timings(pytestconfig)
    try:
        sandbox.ensure_tools(timings.say)
    except sandbox.Unavailable as e:
        unavailable(str(e), e.impossible)

    box = sandbox.Sandbox(timings.say)
    box.timings = timings
    started = time.monotonic()
    try:
        with timings.step("base image debian:bookworm-slim (debootstrap)"):
            try:
                box.make_base_image()
            except sandbox.Unavailable as e:
                unavailable(str(e), e.impossible)
        with timings.step("podman can run a container"):
            r = box.run("run", "--rm", "--network", "host", sandbox.BASE_IMAGE, "true", check=False)
            if r.returncode != 0:
                unavailable(f"podman cannot run a container here: {r.stderr.strip()[-1500:]}", impossible=False)

        compose = load_compose()
        tags = {name: f"localhost/{svc['image']}:{TAG}" for name, svc in compose["services"].items()}
        logs = {name: os.path.join(box.dir, f"build-{name}.log") for name in tags}
        with timings.step("build walcast-postgres and walcast-gateway (in parallel)"):
            builds = {}
            for name, svc in compose["services"].items():
                context = os.path.normpath(os.path.join(os.path.dirname(COMPOSE), svc["build"]["context"]))
                dockerfile = os.path.join(context, svc["build"]["dockerfile"])
                builds[name] = box.popen("build", "--pull=never", "--network", "host", "--format", "docker",
                                         "--build-arg", "BUILD_JOBS=2", "-f", dockerfile, "-t", tags[name],
                                         context, logfile=logs[name])
            deadline = time.monotonic() + 25 * 60
            try:
                for name, proc in builds.items():
                    try:
                        rc = proc.wait(max(1, deadline - time.monotonic()))
                    except subprocess.TimeoutExpired:
                        rc = "timeout after 25 minutes"
                    if rc != 0:
                        with open(logs[name]) as f:
                            raise AssertionError(f"building {name} failed ({rc}):\n{f.read()[-6000:]}")
            finally:
                for proc in builds.values():  # a failed build does not leave the other one running
                    if proc.poll() is None:
                        proc.kill()
                        proc.wait()
        for name, tag in tags.items():
            size = box.run("image", "inspect", tag, "--format", "{{.Size}}").stdout.strip()
            timings.say(f"image {svc_image(compose, name)}: {int(size) / 1e6:.0f} MB")
        box.tags = tags
        box.compose = compose
        yield box
    finally:
        with timings.step("clean up podman state"):
            box.close()
        timings.say("total " + f"{time.monotonic() - started:.0f}s; " +
                    ", ".join(f"{n}: {t:.0f}s" for n, t in timings.steps))


def svc_image(compose, name):
    return compose["services"][name]["image"]


# -- helpers that drive containers ------------------------------------------------------------------------

class Container:
    def __init__(self, box, name):
        self.box = box
        self.name = name

    @classmethod
    def start(cls, box, image, env, args=()):
        name = f"walcast-{uuid.uuid4().hex[:10]}"
        # No health timer: it needs systemd, absent here; the test runs the image's check itself.
        cmd = ["run", "--detach", "--name", name, "--network", "host", "--health-interval", "disable"]
        for k, v in env.items():
            cmd += ["--env", f"{k}={v}"]
        box.run(*cmd, image, *args, timeout=120)
        return cls(box, name)

    def state(self):
        out = self.box.run("inspect", self.name, "--format", "{{json .State}}").stdout
        return json.loads(out)

    def logs(self):
        r = self.box.run("logs", self.name, check=False)
        return r.stdout + r.stderr

    def healthcheck(self):
        """Runs the image's HEALTHCHECK once: 'healthy' or 'unhealthy'."""
        r = self.box.run("healthcheck", "run", self.name, check=False)
        return "healthy" if r.returncode == 0 else "unhealthy"

    def stop(self, timeout=30):
        """Sends the image's STOPSIGNAL and waits for the exit; returns the exit code."""
        self.box.run("stop", "--time", str(timeout), self.name, timeout=timeout + 30)
        return self.state()["ExitCode"]

    def remove(self):
        self.box.run("rm", "--force", "--volumes", "--time", "0", self.name, check=False)


def wait_healthy(container, port, timeout=60):
    def ok():
        assert container.state()["Running"], "container exited:\n" + container.logs()
        return http_get(port, "/health")[0] == 200
    try:
        sandbox.wait_until(ok, timeout, f"{container.name} /health 200")
    except AssertionError as e:
        raise AssertionError(f"{e}\nlog:\n{container.logs()}")


def gateway_env(compose, **overrides):
    """The gateway settings of docker/compose.yml, with the test's host and ports put in."""
    env = {k: str(v) for k, v in compose["services"]["gateway"]["environment"].items()}
    env.update({k: str(v) for k, v in overrides.items()})
    return env


def receive_insert(gw_port, connect, table):
    """Joins a channel on `table`, inserts a row with `connect()`, and returns (client, change message)."""
    client = PhxClient(f"ws://127.0.0.1:{gw_port}/socket/websocket")
    _, reply, system = client.join_changes("realtime:containers", [{"event": "INSERT", "schema": "public", "table": table}])
    assert reply["payload"]["status"] == "ok", reply
    assert system["payload"]["status"] == "ok", system
    with connect() as c:
        c.execute(f"INSERT INTO public.{table} (body) VALUES ('from a container test')")
        lsn = c.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
    [change] = client.changes(1, timeout=20)
    return client, change, lsn


def assert_closed_with_1001(client):
    """Waits for the gateway's close frame, which must carry 1001 (going away), answers it and drops the
    connection, as a browser does, so the gateway's shutdown is not left waiting for the client."""
    client.ws.settimeout(30)
    while True:
        opcode, data = client.ws.recv_data(control_frame=True)  # answers a close frame with one
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            client.ws.shutdown()
            code = int.from_bytes(data[:2], "big")
            assert code == 1001, f"close code {code}"
            return


# -- the tests ------------------------------------------------------------------------------------------------

def test_compose_file_describes_the_images_and_settings_tested():
    compose = load_compose()
    services = compose["services"]
    assert set(services) == {"postgres", "gateway"}
    for svc in services.values():
        assert os.path.isfile(os.path.join(os.path.dirname(COMPOSE), svc["build"]["context"], svc["build"]["dockerfile"]))
    pg, gw = services["postgres"], services["gateway"]
    env = gw["environment"]
    assert env["DB_HOST"] == "postgres", "the gateway reaches the database by its service name"
    assert str(env["DB_PASSWORD"]) == str(pg["environment"]["POSTGRES_PASSWORD"])
    assert env["PUBLICATION"] == pg["environment"]["WALCAST_PUBLICATION"]
    assert gw["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert any(str(p).endswith(":4000") for p in gw["ports"]) and any(str(p).endswith(":5432") for p in pg["ports"])
    with open(os.path.join(ROOT, "gateway", "src", "core", "config.cpp")) as f:
        known = f.read()
    for key in env:
        assert f'"{key}"' in known, f"compose sets {key}, which walcast-gateway does not read"


def test_images_run_together_and_stream_a_row(images):
    box, t = images, images.timings
    compose = box.compose
    pg_port, gw_port = free_port(), free_port()
    password = "pw-" + uuid.uuid4().hex[:8]
    pg_env = {k: str(v) for k, v in compose["services"]["postgres"]["environment"].items()}
    pg_env.update(POSTGRES_PASSWORD=password, PGPORT=pg_port)
    pg = gw = None
    try:
        with t.step("start walcast-postgres until healthy"):
            # Listening on loopback only: the host network is shared with the machine.
            pg = Container.start(box, box.tags["postgres"], pg_env, args=["-c", "listen_addresses=127.0.0.1"])
            sandbox.wait_until(lambda: pg.state()["Running"] and pg.healthcheck() == "healthy", 120,
                               "walcast-postgres healthy")
        conninfo = f"host=127.0.0.1 port={pg_port} user=postgres password={password} dbname=postgres"

        def connect():
            return psycopg.connect(conninfo, autocommit=True)

        with connect() as c:
            checks = c.execute("SELECT \"check\", ok, detail FROM walcast.check()").fetchall()
            assert all(ok for _, ok, _ in checks), checks
            assert c.execute("SELECT puballtables FROM pg_publication WHERE pubname = 'supabase_realtime'").fetchone() == (True,)
            c.execute("CREATE TABLE public.notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text)")
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(conninfo.replace(password, "wrong")).close()

        with t.step("start walcast-gateway until /health is 200"):
            env = gateway_env(compose, DB_HOST="127.0.0.1", DB_PORT=pg_port, DB_PASSWORD=password, PORT=gw_port,
                              LOG_LEVEL="debug", STATUS_INTERVAL_MS=200, MAX_RECONNECT_BACKOFF_MS=500,
                              IDLE_TIMEOUT_SECONDS=600)
            gw = Container.start(box, box.tags["gateway"], env)
            wait_healthy(gw, gw_port)
        assert gw.healthcheck() == "healthy", "the image's HEALTHCHECK disagrees with /health"
        assert box.run("exec", gw.name, "id", "-u").stdout.strip() == "10001", "the gateway must not run as root"
        assert "0.0.0.0:" in gw.logs(), "the image binds all interfaces despite the runtime's own HOSTNAME:\n" + gw.logs()

        with t.step("insert a row, receive it over the WebSocket"):
            client, change, lsn = receive_insert(gw_port, connect, "notes")
        data = change["payload"]["data"]
        assert (data["type"], data["schema"], data["table"]) == ("INSERT", "public", "notes"), change
        assert data["record"]["body"] == "from a container test", change

        with t.step("restart walcast-postgres: the gateway turns unhealthy, then reconnects"):
            assert pg.stop() == 0, pg.logs()
            sandbox.wait_until(lambda: http_get(gw_port, "/health")[0] == 503, 30, "/health 503 without a database")
            assert gw.healthcheck() == "unhealthy", "the image's HEALTHCHECK must fail while /health is 503"
            box.run("start", pg.name)
            wait_healthy(gw, gw_port)
        log = pg.logs()
        assert log.count("initializing") == 1 and "database system is ready" in log, log

        with t.step("SIGTERM the gateway"):
            # Read the close frame while the gateway shuts down, answering it as a real client would.
            closing = concurrent.futures.ThreadPoolExecutor(1).submit(assert_closed_with_1001, client)
            code = gw.stop()
            closing.result(timeout=30)
        client.close()
        log = gw.logs()
        assert code == 0, f"gateway exit code {code}; log:\n{log}"
        assert "received SIGTERM" in log and "stopped" in log, log
        with connect() as c:
            confirmed = c.execute("SELECT confirmed_flush_lsn >= %s::pg_lsn FROM pg_replication_slots "
                                  "WHERE slot_name = %s", (lsn, env["SLOT_NAME"])).fetchone()
        assert confirmed == (True,), f"slot not confirmed past the delivered row ({lsn})"

        with t.step("stop walcast-postgres"):
            code = pg.stop()
        assert code == 0, f"postgres exit code {code}; log:\n{pg.logs()}"
        assert "database system is shut down" in pg.logs()
    finally:
        for c in (gw, pg):
            if c:
                c.remove()


def test_gateway_image_streams_from_an_existing_database(images, cluster, conn, db):
    """An operator's own database, outside any container: only the gateway image runs."""
    box, t = images, images.timings
    conn.execute("CREATE PUBLICATION supabase_realtime FOR ALL TABLES")
    conn.execute("CREATE TABLE public.notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text)")
    gw_port = free_port()
    env = gateway_env(box.compose, DB_HOST=cluster.host, DB_PORT=cluster.port, DB_NAME=db, DB_USER=cluster.user,
                      PORT=gw_port, SLOT_NAME="walcast_container")
    del env["DB_PASSWORD"]  # the test cluster trusts local connections
    gw = Container.start(box, box.tags["gateway"], env)
    try:
        with t.step("gateway image on an existing database: start, stream a row"):
            wait_healthy(gw, gw_port)
            client, change, _ = receive_insert(gw_port, lambda: cluster.connect(db), "notes")
        assert change["payload"]["data"]["record"]["body"] == "from a container test"
        closing = concurrent.futures.ThreadPoolExecutor(1).submit(assert_closed_with_1001, client)
        assert gw.stop() == 0, gw.logs()
        closing.result(timeout=30)
        client.close()
    finally:
        gw.remove()


def test_postgres_image_refuses_to_start_without_a_password(images):
    r = images.run("run", "--rm", "--network", "host", images.tags["postgres"], check=False)
    assert r.returncode == 1
    assert "POSTGRES_PASSWORD is not set" in r.stdout + r.stderr
