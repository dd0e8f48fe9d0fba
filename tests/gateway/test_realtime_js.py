"""The unmodified @supabase/realtime-js clients against the gateway: 2.x (ws transport, vsn 1.0.0 and 2.0.0, both
endpoint paths) and the legacy 1.x on legacy topics.

Each test starts tests/client/driver.mjs with a real client, sends it commands as JSON lines and asserts on the JSON
lines it prints (socket events, subscribe statuses and the payloads the library hands to application callbacks).
The Node packages come from `cd tests/client && npm ci` (scripts/test runs it); without them the module is skipped.
"""
import base64
import datetime
import hashlib
import hmac
import json
import os
import re
import shutil
import subprocess
import threading
import time

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CLIENT_DIR = os.path.join(ROOT, "tests", "client")
DRIVER = os.path.join(CLIENT_DIR, "driver.mjs")
NODE = shutil.which("node")
NEEDED_MODULES = ["@supabase/realtime-js", "realtime-js-v1", "ws"]
MISSING = [m for m in NEEDED_MODULES if not os.path.isfile(os.path.join(CLIENT_DIR, "node_modules", m, "package.json"))]

NOT_READY = ("node is not installed" if NODE is None else
             f"tests/client/node_modules lacks {MISSING}: run `cd tests/client && npm ci`" if MISSING else None)
# A developer without the Node packages gets a clean skip; CI (which runs npm ci first) must never pass by skipping.
REQUIRED = os.environ.get("CI") == "true" or os.environ.get("WALCAST_REQUIRE_JS_CLIENTS") == "1"
pytestmark = [] if REQUIRED else [pytest.mark.skipif(NOT_READY is not None, reason=NOT_READY or "")]


@pytest.fixture(autouse=True)
def _clients_installed():
    if NOT_READY is not None:
        pytest.fail(f"the real-client tests are required here: {NOT_READY}")

SERIALIZERS = ["1.0.0", "2.0.0"]
# The real server renders commit_timestamp in SQL as UTC with milliseconds and a literal Z.
COMMIT_TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
WAIT = 15.0


class JsClient:
    """One `node driver.mjs` process holding one real client socket. Lines it prints are kept in order."""

    def __init__(self, **config):
        self.config = config
        self.proc = subprocess.Popen([NODE, DRIVER, json.dumps(config)], cwd=CLIENT_DIR, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.lines = []
        self.stderr = []
        self._cond = threading.Condition()
        self._threads = [threading.Thread(target=self._pump_stdout, daemon=True),
                         threading.Thread(target=self._pump_stderr, daemon=True)]
        for t in self._threads:
            t.start()
        self.wait_for(lambda m: m["kind"] == "ready", what="driver ready")

    def _pump_stdout(self):
        for raw in iter(self.proc.stdout.readline, b""):
            text = raw.decode(errors="replace").rstrip("\n")
            try:
                msg = json.loads(text)
            except ValueError:
                msg = {"kind": "stdout", "text": text}
            with self._cond:
                self.lines.append(msg)
                self._cond.notify_all()
        with self._cond:
            self.lines.append({"kind": "exited"})
            self._cond.notify_all()

    def _pump_stderr(self):
        for raw in iter(self.proc.stderr.readline, b""):
            with self._cond:
                self.stderr.append(raw.decode(errors="replace").rstrip("\n"))

    def transcript(self):
        with self._cond:
            return self.transcript_locked()

    def send(self, **cmd):
        self.proc.stdin.write((json.dumps(cmd) + "\n").encode())
        self.proc.stdin.flush()

    def wait_for(self, pred, what, timeout=WAIT, start=0):
        """Returns (index, line) of the first printed line from `start` on that satisfies pred."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for i in range(start, len(self.lines)):
                    if pred(self.lines[i]):
                        return i, self.lines[i]
                if self.lines and self.lines[-1]["kind"] == "exited":
                    raise AssertionError(f"driver exited before {what}; transcript:\n{self.transcript_locked()}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {what} within {timeout}s; transcript:\n{self.transcript_locked()}")
                self._cond.wait(left)

    def transcript_locked(self):
        return "\n".join([json.dumps(m) for m in self.lines] + ["-- stderr --"] + self.stderr)

    def subscribe(self, cid, topic, wait_system=True, **spec):
        """Subscribes and waits until the library reports SUBSCRIBED (and, for postgres_changes bindings, until the
        gateway's "Subscribed to PostgreSQL" system message, after which changes are guaranteed to be captured)."""
        self.send(cmd="subscribe", id=cid, topic=topic, **spec)
        _, status = self.wait_for(lambda m: m["kind"] == "status" and m["channel"] == cid, f"status of {cid}")
        assert status["status"] == "SUBSCRIBED", f"{cid}: {status}\n{self.transcript()}"
        if wait_system and spec.get("bindings"):
            _, system = self.wait_for(lambda m: m["kind"] == "system" and m["channel"] == cid, f"system message of {cid}")
            assert system["payload"] == {"extension": "postgres_changes", "status": "ok",
                                         "message": "Subscribed to PostgreSQL", "channel": topic}, self.transcript()
        return status

    def changes(self, n, channel=None, binding=None, timeout=WAIT):
        """Waits until `n` callback payloads (of that channel/binding) have been printed; returns them in order."""
        def mine(m):
            return (m["kind"] == "change" and (channel is None or m["channel"] == channel)
                    and (binding is None or m["binding"] == binding))

        self.wait_for(lambda _m: sum(1 for m in self.lines if mine(m)) >= n,
                      f"{n} changes (channel={channel}, binding={binding})", timeout)
        with self._cond:
            return [m for m in self.lines if mine(m)]

    def all_changes(self, channel=None):
        with self._cond:
            return [m for m in self.lines if m["kind"] == "change" and (channel is None or m["channel"] == channel)]

    def errors(self):
        with self._cond:
            return [m for m in self.lines if m["kind"] == "error"]

    def close(self):
        if self.proc.poll() is None:
            try:
                self.send(cmd="quit")
                self.proc.stdin.close()
            except (BrokenPipeError, OSError):
                pass
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for t in self._threads:
            t.join(5)


@pytest.fixture
def js_client():
    """Factory for real-client drivers; every driver is stopped at teardown, killed if it does not quit."""
    started = []

    def make(**config):
        config.setdefault("apikey", "walcast-test")
        # The library's own log of every frame it pushes and receives lands in the transcript of a failing test.
        config.setdefault("trace", True)
        c = JsClient(**config)
        started.append(c)
        return c

    yield make
    for c in started:
        c.close()


@pytest.fixture
def users(conn):
    conn.execute("CREATE TABLE public.users (id int PRIMARY KEY, name text, score numeric, active bool, "
                 "tags int[], meta jsonb)")
    return "users"


def socket_base(gateway):
    """The endpoint an application hands to RealtimeClient: the client appends /websocket itself."""
    return f"ws://127.0.0.1:{gateway.port}/socket"


def assert_commit_timestamp(ts):
    assert isinstance(ts, str) and COMMIT_TS.match(ts), ts
    when = datetime.datetime.fromisoformat(ts.replace("Z", "+00:00"))
    skew = abs((datetime.datetime.now(datetime.timezone.utc) - when).total_seconds())
    assert skew < 120, f"commit_timestamp {ts} is {skew}s away from now"


@pytest.mark.parametrize("vsn", SERIALIZERS)
def test_insert_update_delete_reach_the_callbacks(gateway, conn, users, js_client, vsn):
    c = js_client(client="v2", url=socket_base(gateway), vsn=vsn)
    c.subscribe("c1", "room1", bindings=[{"event": "*", "schema": "public", "table": "users"}])
    _, opened = c.wait_for(lambda m: m["kind"] == "socket" and m["event"] == "open", "socket open")
    assert opened["url"].startswith(f"ws://127.0.0.1:{gateway.port}/socket/websocket?")
    assert f"vsn={vsn}" in opened["url"]

    conn.execute("INSERT INTO users VALUES (1, 'ann', 1.5, true, '{1,2}', '{\"a\": [1, {\"b\": null}]}')")
    conn.execute("UPDATE users SET name = 'bea', active = false WHERE id = 1")
    conn.execute("DELETE FROM users WHERE id = 1")
    ins, upd, dele = [m["payload"] for m in c.changes(3, channel="c1")]

    row = {"id": 1, "name": "ann", "score": 1.5, "active": True, "tags": [1, 2], "meta": {"a": [1, {"b": None}]}}
    assert ins["eventType"] == "INSERT"
    assert ins["schema"] == "public" and ins["table"] == "users"
    assert ins["new"] == row
    assert ins["old"] == {}
    assert ins["errors"] is None

    assert upd["eventType"] == "UPDATE"
    assert upd["new"] == dict(row, name="bea", active=False)
    assert upd["old"] == {"id": 1}  # default replica identity: the primary key

    assert dele["eventType"] == "DELETE"
    assert dele["new"] == {}
    assert dele["old"] == {"id": 1}

    stamps = [p["commit_timestamp"] for p in (ins, upd, dele)]
    for ts in stamps:
        assert_commit_timestamp(ts)
    assert stamps == sorted(stamps)
    assert c.errors() == []


@pytest.mark.parametrize("vsn", SERIALIZERS)
def test_replica_identity_full_gives_whole_old_row(gateway, conn, users, js_client, vsn):
    conn.execute("ALTER TABLE users REPLICA IDENTITY FULL")
    conn.execute("INSERT INTO users (id, name, score) VALUES (5, 'eve', 2)")
    c = js_client(client="v2", url=socket_base(gateway), vsn=vsn)
    c.subscribe("c1", "full", bindings=[{"event": "UPDATE", "schema": "public", "table": "users"},
                                        {"event": "DELETE", "schema": "public", "table": "users"}])
    conn.execute("UPDATE users SET score = 3 WHERE id = 5")
    conn.execute("DELETE FROM users WHERE id = 5")
    (upd,) = [m["payload"] for m in c.changes(1, channel="c1", binding=0)]
    (dele,) = [m["payload"] for m in c.changes(1, channel="c1", binding=1)]
    old_row = {"id": 5, "name": "eve", "score": 2, "active": None, "tags": None, "meta": None}
    assert upd["eventType"] == "UPDATE" and upd["old"] == old_row and upd["new"] == dict(old_row, score=3)
    assert dele["eventType"] == "DELETE" and dele["old"] == dict(old_row, score=3)


@pytest.mark.parametrize("vsn", SERIALIZERS)
def test_two_bindings_on_one_channel_fire_for_their_own_events(gateway, conn, users, js_client, vsn):
    c = js_client(client="v2", url=socket_base(gateway), vsn=vsn)
    c.subscribe("c1", "pair", bindings=[{"event": "INSERT", "schema": "public", "table": "users"},
                                        {"event": "DELETE", "schema": "public", "table": "users"}])
    conn.execute("INSERT INTO users (id, name) VALUES (1, 'a')")
    conn.execute("UPDATE users SET name = 'b' WHERE id = 1")
    conn.execute("DELETE FROM users WHERE id = 1")
    c.changes(1, channel="c1", binding=1)  # the DELETE: everything committed before it has been delivered
    got = [(m["binding"], m["payload"]["eventType"]) for m in c.all_changes("c1")]
    assert got == [(0, "INSERT"), (1, "DELETE")], "the UPDATE must reach neither binding"


@pytest.mark.parametrize("vsn", SERIALIZERS)
def test_overlapping_bindings_both_fire_for_one_change(gateway, conn, users, js_client, vsn):
    c = js_client(client="v2", url=socket_base(gateway), vsn=vsn)
    c.subscribe("c1", "overlap", bindings=[{"event": "*", "schema": "public", "table": "users"},
                                           {"event": "INSERT", "schema": "public", "table": "users",
                                            "filter": "id=eq.2"}])
    conn.execute("INSERT INTO users (id, name) VALUES (1, 'one')")
    conn.execute("INSERT INTO users (id, name) VALUES (2, 'two')")
    conn.execute("INSERT INTO users (id, name) VALUES (3, 'three')")
    c.changes(3, channel="c1", binding=0)
    got = [(m["binding"], m["payload"]["new"]["id"]) for m in c.all_changes("c1")]
    # Row 2 matches both bindings: one gateway message lists both ids and the library fires both callbacks.
    assert got == [(0, 1), (0, 2), (1, 2), (0, 3)]


# filter, rows inserted in this order as (id, name, score, active), the ids that must arrive
FILTER_CASES = [
    ("score=eq.5", [(1, "a", 4, None), (2, "b", 5, None)], [2]),
    ("score=neq.5", [(1, "a", 5, None), (2, "b", 4, None)], [2]),
    ("score=lt.5", [(1, "a", 5, None), (2, "b", 4.5, None)], [2]),
    ("score=lte.5", [(1, "a", 6, None), (2, "b", 5, None)], [2]),
    ("score=gt.5", [(1, "a", 5, None), (2, "b", 10, None)], [2]),  # numeric, not text: "10" > "5"
    ("score=gte.5", [(1, "a", 4, None), (2, "b", 5, None)], [2]),
    ("name=in.(ann,bob)", [(1, "cat", 1, None), (2, "bob", 1, None)], [2]),
    ("id=in.(2,3)", [(1, "x", 1, None), (2, "y", 1, None)], [2]),
    ("name=like.an%", [(1, "Anna", 1, None), (2, "anna", 1, None)], [2]),
    ("name=ilike.AN%", [(1, "bob", 1, None), (2, "Anna", 1, None)], [2]),
    ("active=is.null", [(1, "a", 1, True), (2, "b", 1, None)], [2]),
    ("score=not.eq.5", [(1, "a", 5, None), (2, "b", 6, None)], [2]),
    ("name=not.in.(ann,bob)", [(1, "ann", 1, None), (2, "cat", 1, None)], [2]),
]


@pytest.mark.parametrize("vsn", SERIALIZERS)
def test_filters_let_only_matching_rows_through(gateway, conn, js_client, vsn):
    # One table and one channel per case, so a channel can only ever see its own case's rows.
    for i in range(len(FILTER_CASES)):
        conn.execute(f"CREATE TABLE public.f{i} (id int PRIMARY KEY, name text, score numeric, active bool)")
    c = js_client(client="v2", url=socket_base(gateway), vsn=vsn)
    for i, (flt, _, _) in enumerate(FILTER_CASES):
        c.subscribe(f"f{i}", f"filter{i}", bindings=[{"event": "INSERT", "schema": "public", "table": f"f{i}",
                                                      "filter": flt}])
    # A channel that sees only the last row: once it has it, every earlier row has been delivered (commit order).
    c.subscribe("end", "end", bindings=[{"event": "INSERT", "schema": "public", "table": "f0",
                                         "filter": "id=eq.999"}])
    # Each case inserts its non-matching row before its matching one.
    for i, (_, rows, _) in enumerate(FILTER_CASES):
        for row in rows:
            conn.execute(f"INSERT INTO f{i} (id, name, score, active) VALUES (%s, %s, %s, %s)", row)
    conn.execute("INSERT INTO f0 (id, name) VALUES (999, 'end')")
    c.changes(1, channel="end")
    for i, (flt, _, expected) in enumerate(FILTER_CASES):
        got = [m["payload"]["new"]["id"] for m in c.all_changes(f"f{i}")]
        assert got == expected, f"filter {flt!r}: got ids {got}"
        assert all(m["payload"]["table"] == f"f{i}" for m in c.all_changes(f"f{i}"))
    assert c.errors() == []


def test_delete_filter_matches_old_row(gateway, conn, users, js_client):
    conn.execute("ALTER TABLE users REPLICA IDENTITY FULL")
    conn.execute("INSERT INTO users (id, name) VALUES (1, 'keep'), (2, 'drop')")
    c = js_client(client="v2", url=socket_base(gateway))
    c.subscribe("c1", "del", bindings=[{"event": "DELETE", "schema": "public", "table": "users",
                                        "filter": "name=eq.drop"}])
    conn.execute("DELETE FROM users WHERE id = 1")
    conn.execute("DELETE FROM users WHERE id = 2")
    c.changes(1, channel="c1")
    got = [m["payload"] for m in c.all_changes("c1")]
    assert [(p["eventType"], p["old"]["id"]) for p in got] == [("DELETE", 2)]


def test_realtime_v1_endpoint_path(gateway, conn, users, js_client):
    c = js_client(client="v2", url=f"ws://127.0.0.1:{gateway.port}/realtime/v1")
    c.subscribe("c1", "hosted", bindings=[{"event": "INSERT", "schema": "public", "table": "users"}])
    _, opened = c.wait_for(lambda m: m["kind"] == "socket" and m["event"] == "open", "socket open")
    assert opened["url"].startswith(f"ws://127.0.0.1:{gateway.port}/realtime/v1/websocket?")
    conn.execute("INSERT INTO users (id, name) VALUES (7, 'via hosted path')")
    (m,) = c.changes(1, channel="c1")
    assert m["payload"]["eventType"] == "INSERT" and m["payload"]["new"]["name"] == "via hosted path"


@pytest.mark.parametrize("vsn", SERIALIZERS)
def test_unsubscribed_channel_stops_receiving(gateway, conn, users, js_client, vsn):
    c = js_client(client="v2", url=socket_base(gateway), vsn=vsn)
    c.subscribe("gone", "gone", bindings=[{"event": "*", "schema": "public", "table": "users"}])
    c.subscribe("stay", "stay", bindings=[{"event": "*", "schema": "public", "table": "users"}])
    conn.execute("INSERT INTO users (id) VALUES (1)")
    c.changes(1, channel="gone")
    c.changes(1, channel="stay")
    c.send(cmd="unsubscribe", id="gone")
    _, left = c.wait_for(lambda m: m["kind"] == "unsubscribed" and m["channel"] == "gone", "unsubscribe result")
    assert left["result"] == "ok", left
    conn.execute("INSERT INTO users (id) VALUES (2)")
    c.changes(2, channel="stay")
    assert [m["payload"]["new"]["id"] for m in c.all_changes("gone")] == [1]
    assert c.errors() == []


def test_legacy_client_on_legacy_topics(gateway, conn, users, js_client):
    c = js_client(client="v1", url=socket_base(gateway))
    c.subscribe("table", "realtime:public:users", events=["INSERT", "*"])
    c.subscribe("row", "realtime:public:users:id=eq.2", events=["*"])
    _, opened = c.wait_for(lambda m: m["kind"] == "socket" and m["event"] == "open", "socket open")
    assert "vsn=1.0.0" in opened["url"]

    conn.execute("INSERT INTO users (id, name, score) VALUES (1, 'a', 1)")
    conn.execute("INSERT INTO users (id, name, score) VALUES (2, 'b', 2)")
    conn.execute("UPDATE users SET name = 'c' WHERE id = 2")
    conn.execute("DELETE FROM users WHERE id = 1")
    star = [m["payload"] for m in c.changes(4, channel="table", binding="*")]
    assert [(p["type"], (p.get("record") or p.get("old_record"))["id"]) for p in star] == \
        [("INSERT", 1), ("INSERT", 2), ("UPDATE", 2), ("DELETE", 1)]
    for p in star:
        assert p["schema"] == "public" and p["table"] == "users"
        assert_commit_timestamp(p["commit_timestamp"])
        assert {"name": "id", "type": "int4"} in [{k: col[k] for k in ("name", "type")} for col in p["columns"]]
    ins1, ins2, upd, dele = star
    assert ins1["record"] == {"id": 1, "name": "a", "score": 1, "active": None, "tags": None, "meta": None}
    assert "old_record" not in ins1
    assert upd["record"]["name"] == "c" and upd["old_record"] == {"id": 2}
    assert dele["old_record"] == {"id": 1} and "record" not in dele

    # on('INSERT') fired only for the inserts, each with the bare change object.
    inserts = [m["payload"] for m in c.all_changes("table") if m["binding"] == "INSERT"]
    assert inserts == [ins1, ins2]

    # The filtered legacy topic saw only row 2 (checked after the DELETE of row 1 reached the table topic).
    row = [(m["payload"]["type"], m["binding"]) for m in c.all_changes("row")]
    assert row == [("INSERT", "*"), ("UPDATE", "*")]
    assert c.errors() == []


def test_legacy_client_on_wildcard_topics(gateway, conn, users, js_client):
    conn.execute("CREATE TABLE public.other (id int PRIMARY KEY)")
    c = js_client(client="v1", url=socket_base(gateway))
    c.subscribe("all", "realtime:*", events=["*"])
    c.subscribe("public", "realtime:public", events=["UPDATE"])
    conn.execute("INSERT INTO users (id) VALUES (1)")
    conn.execute("INSERT INTO other VALUES (2)")
    conn.execute("UPDATE other SET id = 3")
    got = [(m["payload"]["table"], m["payload"]["type"]) for m in c.changes(3, channel="all")]
    assert got == [("users", "INSERT"), ("other", "INSERT"), ("other", "UPDATE")]
    (upd,) = c.changes(1, channel="public")
    assert upd["payload"]["record"] == {"id": 3} and upd["binding"] == "UPDATE"


@pytest.mark.parametrize("client,vsn", [("v2", "1.0.0"), ("v2", "2.0.0"), ("v1", None)])
def test_heartbeats_are_answered_so_the_client_keeps_its_socket(gateway, conn, users, js_client, client, vsn):
    # The libraries close the socket when a heartbeat is still unanswered as the next one is due.
    # Short enough to see several rounds, long enough that a loaded 2-core machine answers in time.
    c = js_client(client=client, url=socket_base(gateway), vsn=vsn, heartbeat_ms=800)
    if client == "v2":
        c.subscribe("c1", "beat", bindings=[{"event": "INSERT", "schema": "public", "table": "users"}])
    else:
        c.subscribe("c1", "realtime:public:users", events=["INSERT"])
    seen = 0
    for _ in range(3):
        seen, _m = c.wait_for(lambda m: m["kind"] == "heartbeat" and m["status"] == "ok", "heartbeat ok", start=seen + 1)
    conn.execute("INSERT INTO users (id) VALUES (1)")
    c.changes(1, channel="c1")
    with c._cond:
        beats = [m["status"] for m in c.lines if m["kind"] == "heartbeat"]
        sockets = [m["event"] for m in c.lines if m["kind"] == "socket"]
    assert set(beats) <= {"sent", "ok"}, beats
    assert sockets == ["open"], sockets


def test_subscription_errors_arrive_as_system_messages(gateway, conn, users, js_client):
    c = js_client(client="v2", url=socket_base(gateway))
    c.subscribe("nope", "nope", wait_system=False,
                bindings=[{"event": "*", "schema": "public", "table": "no_such_table"}])
    _, system = c.wait_for(lambda m: m["kind"] == "system" and m["channel"] == "nope", "system message")
    assert system["payload"]["extension"] == "postgres_changes"
    assert system["payload"]["status"] == "error"
    assert system["payload"]["channel"] == "nope"
    assert "Unable to subscribe to changes with given parameters" in system["payload"]["message"]

    c.subscribe("badop", "badop", wait_system=False,
                bindings=[{"event": "*", "schema": "public", "table": "users", "filter": "id=foo.1"}])
    _, system = c.wait_for(lambda m: m["kind"] == "system" and m["channel"] == "badop", "system message")
    assert system["payload"]["status"] == "error"
    assert system["payload"]["message"].startswith("Error parsing `filter` params"), system

    # The socket and a good channel on it keep working.
    c.subscribe("good", "good", bindings=[{"event": "*", "schema": "public", "table": "users"}])
    conn.execute("INSERT INTO users (id) VALUES (1)")
    c.changes(1, channel="good")
    assert c.all_changes("nope") == [] and c.all_changes("badop") == []


def test_schema_wide_binding_sees_every_table(gateway, conn, users, js_client):
    conn.execute("CREATE TABLE public.other (id int PRIMARY KEY)")
    c = js_client(client="v2", url=socket_base(gateway))
    c.subscribe("c1", "schema", bindings=[{"event": "*", "schema": "public"}])
    conn.execute("INSERT INTO users (id) VALUES (1)")
    conn.execute("INSERT INTO other VALUES (2)")
    got = [(m["payload"]["table"], m["payload"]["new"]["id"]) for m in c.changes(2, channel="c1")]
    assert got == [("users", 1), ("other", 2)]


def test_clients_of_both_serializers_and_generations_get_the_same_change(gateway, conn, users, js_client):
    clients = [js_client(client="v2", url=socket_base(gateway), vsn=vsn) for vsn in SERIALIZERS]
    for c in clients:
        c.subscribe("c1", "shared", bindings=[{"event": "INSERT", "schema": "public", "table": "users"}])
    legacy = js_client(client="v1", url=socket_base(gateway))
    legacy.subscribe("c1", "realtime:public:users", events=["INSERT"])
    conn.execute("INSERT INTO users (id, name) VALUES (1, 'everyone')")
    payloads = [c.changes(1, channel="c1")[0]["payload"] for c in clients]
    assert payloads[0] == payloads[1]
    (old_style,) = legacy.changes(1, channel="c1")
    assert old_style["payload"]["record"] == payloads[0]["new"]
    assert old_style["payload"]["commit_timestamp"] == payloads[0]["commit_timestamp"]


@pytest.mark.parametrize("vsn", SERIALIZERS)
def test_client_rejoins_after_gateway_restart(make_gateway, conn, users, js_client, vsn):
    first = make_gateway().start()
    port = first.port
    c = js_client(client="v2", url=f"ws://127.0.0.1:{port}/socket", vsn=vsn)
    c.subscribe("c1", "again", bindings=[{"event": "INSERT", "schema": "public", "table": "users"}])
    conn.execute("INSERT INTO users (id) VALUES (1)")
    c.changes(1, channel="c1")
    mark = len(c.lines)
    assert first.stop() == 0

    # The library notices the closed socket, reconnects with its own backoff and rejoins the channel by itself.
    c.wait_for(lambda m: m["kind"] == "socket" and m["event"] == "close", "socket close", start=mark)
    make_gateway(PORT=port).start()
    c.wait_for(lambda m: m["kind"] == "status" and m["channel"] == "c1" and m["status"] == "SUBSCRIBED",
               "SUBSCRIBED after rejoin", timeout=30, start=mark)
    c.wait_for(lambda m: m["kind"] == "system" and m["channel"] == "c1" and m["payload"]["status"] == "ok",
               "Subscribed to PostgreSQL after rejoin", timeout=30, start=mark)
    conn.execute("INSERT INTO users (id) VALUES (2)")
    ids = [m["payload"]["new"]["id"] for m in c.changes(2, channel="c1")]
    assert ids == [1, 2]


@pytest.mark.parametrize("vsn", SERIALIZERS)
def test_transaction_rows_arrive_in_order_with_one_commit_timestamp(gateway, conn, users, js_client, vsn):
    c = js_client(client="v2", url=socket_base(gateway), vsn=vsn, trace=False)  # no 2 MB frame in the log
    c.subscribe("c1", "tx", bindings=[{"event": "*", "schema": "public", "table": "users"}])
    big = "x" * (2 * 1024 * 1024)
    odd = "h\u00e9llo \"w\u00f6rld\" \\ \U0001F600 \u2028 \n\t end"
    with conn.transaction():
        conn.execute("INSERT INTO users (id, name) VALUES (1, %s)", (odd,))
        conn.execute("INSERT INTO users (id, name) VALUES (2, %s)", (big,))
        conn.execute("UPDATE users SET name = 'short' WHERE id = 2")
    got = [m["payload"] for m in c.changes(3, channel="c1", timeout=30)]
    assert [(p["eventType"], p["new"]["id"]) for p in got] == [("INSERT", 1), ("INSERT", 2), ("UPDATE", 2)]
    assert got[0]["new"]["name"] == odd
    assert got[1]["new"]["name"] == big
    assert len({p["commit_timestamp"] for p in got}) == 1


def make_jwt(role="anon", ttl=3600, secret=b"walcast-test-secret"):
    def b64(raw):
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps({"role": role, "exp": int(time.time()) + ttl}).encode())
    sig = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(sig)}"


@pytest.mark.parametrize("client,vsn", [("v2", "1.0.0"), ("v2", "2.0.0"), ("v1", None)])
def test_tokens_from_set_auth_do_not_disturb_the_channel(gateway, conn, users, js_client, client, vsn):
    # supabase-js always hands the client a token: it rides in the join payload and in access_token pushes.
    c = js_client(client=client, url=socket_base(gateway), vsn=vsn)
    c.send(cmd="set_auth", token=make_jwt(ttl=3600))
    c.wait_for(lambda m: m["kind"] == "auth", "first set_auth")
    if client == "v2":
        c.subscribe("c1", "authed", bindings=[{"event": "INSERT", "schema": "public", "table": "users"}])
    else:
        c.subscribe("c1", "realtime:public:users", events=["INSERT"])
    if client == "v2":  # the legacy client only patches channels that already exist when setAuth is called
        _, join = c.wait_for(lambda m: m["kind"] == "log" and m["log"] == "push" and "phx_join" in m["msg"], "join")
        assert "access_token" in join["data"], join
    mark = len(c.lines)
    c.send(cmd="set_auth", token=make_jwt(ttl=7200))
    c.wait_for(lambda m: m["kind"] == "log" and m["log"] == "push" and "access_token" in m["msg"],
               "access_token push", start=mark)
    conn.execute("INSERT INTO users (id) VALUES (1)")
    (m,) = c.changes(1, channel="c1")
    assert (m["payload"].get("new") or m["payload"].get("record"))["id"] == 1
    with c._cond:
        statuses = [m["status"] for m in c.lines if m["kind"] == "status"]
        sockets = [m["event"] for m in c.lines if m["kind"] == "socket"]
    assert statuses == ["SUBSCRIBED"] and sockets == ["open"]
    assert c.errors() == []


def test_driver_reports_an_unreachable_gateway(js_client):
    """The harness itself: with nothing listening the driver says so instead of going quiet."""
    from harness.pgcluster import free_port

    c = js_client(client="v2", url=f"ws://127.0.0.1:{free_port()}/socket", timeout_ms=2000)
    c.send(cmd="subscribe", id="c1", topic="nowhere", bindings=[])
    _, status = c.wait_for(lambda m: m["kind"] == "status" and m["channel"] == "c1", "status")
    assert status["status"] in ("CHANNEL_ERROR", "TIMED_OUT")
    c.wait_for(lambda m: m["kind"] == "socket" and m["event"] == "close", "socket close")
