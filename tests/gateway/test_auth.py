"""Authorization end to end (issue 11): JWTs on the socket and on each channel, token refresh and expiry, private
channels guarded by policies on walcast.messages, REST and SQL broadcasts, table privileges at join, and what
/health and /metrics show. The real @supabase/realtime-js 2.x client drives every channel (tests/client/driver.mjs);
tokens are minted with Debian's python3-jwt.
"""
import json
import os
import socket
import time
import urllib.error
import urllib.request

import jwt
import pytest

from test_realtime_js import JsClient, NOT_READY, REQUIRED, js_client, _clients_installed  # noqa: F401

pytestmark = [] if REQUIRED else [pytest.mark.skipif(NOT_READY is not None, reason=NOT_READY or "")]

SECRET = "walcast-auth-test-secret-0123456789abcdef"
WAIT = 15.0


def token(role="authenticated", sub="alice", ttl=3600, secret=SECRET, alg="HS256", **extra):
    now = int(time.time())
    claims = {"role": role, "sub": sub, "iat": now, "exp": now + ttl, **extra}
    if role is None:
        del claims["role"]
    return jwt.encode(claims, secret, algorithm=alg)


def unsigned_token(**claims):
    """alg none: header and payload, empty signature."""
    import base64

    def b64(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()
    now = int(time.time())
    body = {"role": "authenticated", "sub": "alice", "exp": now + 3600, **claims}
    return f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(body)}."


@pytest.fixture
def schema(conn):
    """Roles, a published table, the extension and owner policies for private rooms room:<sub>."""
    for role in ("authenticated", "anon", "service_role"):
        conn.execute(f"DO $$ BEGIN CREATE ROLE {role} NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
    conn.execute("CREATE EXTENSION IF NOT EXISTS walcast")
    conn.execute("CREATE TABLE public.items (id int PRIMARY KEY, owner text, body text)")
    conn.execute("CREATE TABLE public.secrets (id int PRIMARY KEY, body text)")
    conn.execute("GRANT USAGE ON SCHEMA public TO authenticated, anon")
    conn.execute("GRANT SELECT ON public.items TO authenticated")
    conn.execute("""CREATE POLICY read_own_room ON walcast.messages FOR SELECT TO authenticated
                    USING (walcast.topic() = 'room:' || (current_setting('request.jwt.claims', true)::jsonb ->> 'sub'))""")
    conn.execute("""CREATE POLICY send_own_room ON walcast.messages FOR INSERT TO authenticated
                    WITH CHECK (walcast.topic() = 'room:' || (current_setting('request.jwt.claims', true)::jsonb ->> 'sub')
                                AND extension = 'broadcast')""")
    return conn


@pytest.fixture
def auth_gateway(make_gateway, schema):
    gw = make_gateway(JWT_SECRET=SECRET, JWT_LEEWAY_SECONDS="0", METRICS_JWT_SECRET="metrics-secret").start()
    return gw


def base(gw):
    return f"ws://127.0.0.1:{gw.port}/socket"


def status_of(client, cid):
    _, line = client.wait_for(lambda m: m["kind"] == "status" and m["channel"] == cid, f"status of {cid}")
    return line


def upgrade_status(port, apikey=None):
    """Sends a WebSocket upgrade by hand and returns (HTTP status, body)."""
    query = "?vsn=1.0.0" + (f"&apikey={apikey}" if apikey is not None else "")
    request = (f"GET /socket/websocket{query} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(request.encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            if b"101" in head.split(b"\r\n")[0]:
                return 101, ""
            length = [int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")]
            if length and len(body) >= length[0]:
                break
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body.decode()


def post(port, path, body, headers=None):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method="POST",
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def get(port, path, headers=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


# ---- tokens on the socket ----

@pytest.mark.parametrize("bad, why", [
    (lambda: token(secret="another-secret-another-secret-0000"), "signature"),
    (lambda: unsigned_token(), "none"),
    (lambda: token(ttl=-10), "expired"),
    (lambda: token(role=None), "role"),
    (lambda: "not-a-jwt", "malformed"),
    (lambda: None, "missing"),
])
def test_upgrade_with_a_bad_apikey_is_refused_with_401(auth_gateway, bad, why):
    status, body = upgrade_status(auth_gateway.port, bad())
    assert status == 401, (why, body)
    assert "error" in json.loads(body)
    ok, _ = upgrade_status(auth_gateway.port, token())
    assert ok == 101


def test_claim_validators_refuse_a_token_without_the_claim(make_gateway, schema):
    gw = make_gateway(JWT_SECRET=SECRET, JWT_CLAIM_VALIDATORS='{"iss":"https://auth.walcast.test"}').start()
    assert upgrade_status(gw.port, token())[0] == 401
    assert upgrade_status(gw.port, token(iss="https://elsewhere"))[0] == 401
    assert upgrade_status(gw.port, token(iss="https://auth.walcast.test"))[0] == 101


def test_valid_token_subscribes_and_receives_changes(auth_gateway, schema, js_client):
    c = js_client(client="v2", url=base(auth_gateway), apikey=token())
    c.subscribe("c1", "items", bindings=[{"event": "*", "schema": "public", "table": "items"}])
    schema.execute("INSERT INTO public.items VALUES (1, 'alice', 'hello')")
    [change] = c.changes(1)
    assert change["payload"]["new"] == {"id": 1, "owner": "alice", "body": "hello"}


def test_join_with_a_bad_access_token_gets_channel_error(auth_gateway, js_client):
    c = js_client(client="v2", url=base(auth_gateway), apikey=token())
    c.send(cmd="set_auth", token=token(ttl=-30))
    c.wait_for(lambda m: m["kind"] == "auth", "auth")
    c.send(cmd="subscribe", id="c1", topic="room:alice", config={"private": True})
    line = status_of(c, "c1")
    assert line["status"] == "CHANNEL_ERROR", c.transcript()
    assert "expired" in json.dumps(line["error"]), c.transcript()


def test_table_without_select_privilege_is_refused_at_join(auth_gateway, schema, js_client):
    c = js_client(client="v2", url=base(auth_gateway), apikey=token())
    c.send(cmd="subscribe", id="c1", topic="secrets",
           bindings=[{"event": "*", "schema": "public", "table": "secrets"}])
    assert status_of(c, "c1")["status"] == "SUBSCRIBED"
    _, system = c.wait_for(lambda m: m["kind"] == "system" and m["channel"] == "c1", "system message")
    assert system["payload"]["status"] == "error" and "may not SELECT public.secrets" in system["payload"]["message"]
    # A wildcard binding gets only the tables the role may select.
    c.subscribe("c2", "all", bindings=[{"event": "*", "schema": "public", "table": "*"}])
    schema.execute("INSERT INTO public.secrets VALUES (1, 'hidden')")
    schema.execute("INSERT INTO public.items VALUES (1, 'alice', 'visible')")
    [change] = c.changes(1, channel="c2")
    assert change["payload"]["table"] == "items"
    assert [m for m in c.all_changes() if m["payload"]["table"] == "secrets"] == []


# ---- refresh and expiry ----

def wait_until(t):
    """Waits for the wall clock itself (token expiry is a matter of time, not of an event to wait for)."""
    while time.time() < t:
        time.sleep(min(0.1, max(0.0, t - time.time())))


def test_expiry_closes_the_channel_and_nothing_more_arrives(auth_gateway, schema, js_client):
    short = token(ttl=2)
    exp = jwt.decode(short, options={"verify_signature": False})["exp"]
    c = js_client(client="v2", url=base(auth_gateway), apikey=token())
    c.send(cmd="set_auth", token=short)
    c.wait_for(lambda m: m["kind"] == "auth", "auth")
    c.subscribe("short", "items", bindings=[{"event": "INSERT", "schema": "public", "table": "items"}])
    _, system = c.wait_for(lambda m: m["kind"] == "system" and m["channel"] == "short"
                           and m["payload"].get("status") == "error", "expiry system message", timeout=10)
    assert system["payload"]["message"] == "Token has expired"
    assert time.time() >= exp
    c.wait_for(lambda m: m["kind"] == "status" and m["channel"] == "short" and m["status"] == "CLOSED", "CLOSED")
    # The socket stays open: a channel joined with a fresh token receives the next row; the expired one does not.
    c.send(cmd="set_auth", token=token())
    c.wait_for(lambda m: m["kind"] == "auth" and m["token"] != short, "auth")
    c.subscribe("fresh", "items2", bindings=[{"event": "INSERT", "schema": "public", "table": "items"}])
    schema.execute("INSERT INTO public.items VALUES (7, 'alice', 'after expiry')")
    c.changes(1, channel="fresh")
    assert c.all_changes(channel="short") == []


def test_set_auth_before_expiry_keeps_the_channel(auth_gateway, schema, js_client):
    short = token(ttl=3)
    exp = jwt.decode(short, options={"verify_signature": False})["exp"]
    c = js_client(client="v2", url=base(auth_gateway), apikey=token())
    c.send(cmd="set_auth", token=short)
    c.wait_for(lambda m: m["kind"] == "auth", "auth")
    c.subscribe("c1", "items", bindings=[{"event": "INSERT", "schema": "public", "table": "items"}])
    c.send(cmd="set_auth", token=token(ttl=600))
    c.wait_for(lambda m: m["kind"] == "auth" and m["token"] != short, "refreshed auth")
    wait_until(exp + 2.5)  # past the first token's expiry and at least two expiry sweeps
    schema.execute("INSERT INTO public.items VALUES (1, 'alice', 'still here')")
    c.changes(1, channel="c1")
    assert not [m for m in c.lines if m["kind"] == "system" and m["payload"].get("status") == "error"], c.transcript()


# ---- private channels ----

def test_private_channel_allowed_for_one_sub_and_refused_for_another(auth_gateway, js_client):
    alice = js_client(client="v2", url=base(auth_gateway), apikey=token(sub="alice"))
    alice.subscribe("a", "room:alice", config={"private": True, "broadcast": {"ack": True, "self": True}})
    bob = js_client(client="v2", url=base(auth_gateway), apikey=token(sub="bob"))
    bob.send(cmd="subscribe", id="b", topic="room:alice", config={"private": True})
    line = status_of(bob, "b")
    assert line["status"] == "CHANNEL_ERROR"
    assert "permissions to read" in json.dumps(line["error"])
    # A public channel of the same name is another topic: it neither sees nor feeds the private one. (Another client:
    # realtime-js hands back the existing channel object for a topic it already has.)
    public = js_client(client="v2", url=base(auth_gateway), apikey=token(sub="bob"))
    public.subscribe("pub", "room:alice", config={"broadcast": {"ack": True}})
    public.send(cmd="send", id="pub", event="forged", payload={"x": 1})
    _, sent = public.wait_for(lambda m: m["kind"] == "sent", "sent")
    assert sent["result"] == "ok"
    alice.send(cmd="send", id="a", event="hello", payload={"n": 1})
    _, sent = alice.wait_for(lambda m: m["kind"] == "sent", "sent")
    assert sent["result"] == "ok"
    _, got = alice.wait_for(lambda m: m["kind"] == "broadcast" and m["payload"]["event"] == "hello", "own broadcast")
    assert not [m for m in alice.lines if m["kind"] == "broadcast" and m["payload"]["event"] == "forged"]
    assert not [m for m in public.lines if m["kind"] == "broadcast" and m["payload"]["event"] == "hello"]


def test_send_refused_without_an_insert_policy(auth_gateway, schema, js_client):
    schema.execute("DROP POLICY send_own_room ON walcast.messages")
    alice = js_client(client="v2", url=base(auth_gateway), apikey=token(sub="alice"))
    alice.subscribe("a", "room:alice", config={"private": True, "broadcast": {"ack": True, "self": True}})
    alice.send(cmd="send", id="a", event="hello", payload={})
    _, sent = alice.wait_for(lambda m: m["kind"] == "sent", "sent")
    assert sent["result"] == "error", alice.transcript()
    alice.send(cmd="track", id="a", state={"online": True})
    _, tracked = alice.wait_for(lambda m: m["kind"] == "tracked", "tracked")
    assert tracked["result"] == "error", alice.transcript()


def test_walcast_send_is_delivered_on_commit_and_never_on_rollback(auth_gateway, schema, js_client):
    alice = js_client(client="v2", url=base(auth_gateway), apikey=token(sub="alice"))
    alice.subscribe("a", "room:alice", config={"private": True})
    schema.execute("BEGIN")
    schema.execute("SELECT walcast.send('{\"n\": 1}'::jsonb, 'rolled-back', 'room:alice')")
    schema.execute("ROLLBACK")
    schema.execute("SELECT walcast.send('{\"n\": 2}'::jsonb, 'committed', 'room:alice')")
    _, got = alice.wait_for(lambda m: m["kind"] == "broadcast", "broadcast from SQL")
    assert got["payload"]["event"] == "committed" and got["payload"]["payload"] == {"n": 2}
    assert got["payload"]["meta"] == {"source": "database"}
    assert not [m for m in alice.lines if m["kind"] == "broadcast" and m["payload"]["event"] == "rolled-back"]


def test_client_cannot_forge_a_database_broadcast(make_gateway, schema, js_client):
    gw = make_gateway().start()  # auth off: anyone may send to a public topic
    # vsn 1.0.0: the client's message goes as JSON, `meta` included, exactly as the client wrote it.
    a = js_client(client="v2", url=base(gw), vsn="1.0.0")
    a.subscribe("a", "news", config={"broadcast": {"self": True, "ack": True}})
    a.send(cmd="send", id="a", event="fake", payload={"n": 1}, meta={"source": "database", "kept": True})
    _, sent = a.wait_for(lambda m: m["kind"] == "sent", "sent")
    assert sent["result"] == "ok"
    _, got = a.wait_for(lambda m: m["kind"] == "broadcast" and m["payload"]["event"] == "fake", "own broadcast")
    assert got["payload"]["payload"] == {"n": 1}
    assert got["payload"]["meta"] == {"kept": True}, a.transcript()  # source gone, the rest kept
    # The database's own broadcast on the same topic does carry it.
    schema.execute("SELECT walcast.send('{}'::jsonb, 'real', 'news', false)")
    _, real = a.wait_for(lambda m: m["kind"] == "broadcast" and m["payload"]["event"] == "real", "database broadcast")
    assert real["payload"]["meta"] == {"source": "database"}


# ---- REST broadcast ----

def test_channel_send_before_subscribe_goes_over_rest(auth_gateway, js_client):
    listener = js_client(client="v2", url=base(auth_gateway), apikey=token(sub="alice"))
    listener.subscribe("l", "lobby")
    sender = js_client(client="v2", url=base(auth_gateway), apikey=token(sub="bob"))
    sender.send(cmd="send", id="s", topic="lobby", event="rest", payload={"via": "rest"})
    _, sent = sender.wait_for(lambda m: m["kind"] == "sent", "sent")
    assert sent["result"] == "ok", sender.transcript()
    _, got = listener.wait_for(lambda m: m["kind"] == "broadcast", "REST broadcast")
    assert got["payload"]["payload"] == {"via": "rest"}


def test_rest_broadcast_statuses(auth_gateway, js_client):
    port = auth_gateway.port
    alice = js_client(client="v2", url=base(auth_gateway), apikey=token(sub="alice"))
    alice.subscribe("a", "room:alice", config={"private": True})
    msg = {"topic": "room:alice", "event": "e", "payload": {"k": 1}, "private": True}
    assert post(port, "/api/broadcast", {"messages": [msg]})[0] == 401
    assert post(port, "/api/broadcast", {"messages": [msg]}, {"Authorization": "Bearer " + token(ttl=-5)})[0] == 401
    assert post(port, "/api/broadcast", b"{not json", {"apikey": token()})[0] == 400
    assert post(port, "/api/broadcast", {"messages": [{"event": "e"}]}, {"apikey": token()})[0] == 400
    assert post(port, "/api/broadcast", {"messages": [msg] * 101}, {"apikey": token()})[0] == 413
    assert post(port, "/api/broadcast", {"messages": [msg]}, {"apikey": token(sub="bob")})[0] == 403
    status, body = post(port, "/realtime/v1/api/broadcast", {"messages": [msg]},
                        {"apikey": token(sub="bob"), "Authorization": "Bearer " + token(sub="alice")})
    assert status == 202, body
    _, got = alice.wait_for(lambda m: m["kind"] == "broadcast", "REST broadcast")
    assert got["payload"]["payload"] == {"k": 1}
    # httpSend's form: the topic and event in the path, the payload as the body.
    assert post(port, "/api/broadcast/room:alice/events/single?private=true", {"k": 2},
                {"Authorization": "Bearer " + token(sub="alice")})[0] == 202
    alice.wait_for(lambda m: m["kind"] == "broadcast" and m["payload"]["payload"] == {"k": 2}, "second")
    # httpSend's binary form is not served.
    assert post(port, "/api/broadcast/room:alice/events/bin?private=true", b"\x00\x01",
                {"Authorization": "Bearer " + token(sub="alice"), "Content-Type": "application/octet-stream"})[0] == 415


# ---- health and metrics ----

def test_health_and_metrics_with_auth(auth_gateway):
    status, body = get(auth_gateway.port, "/health")
    health = json.loads(body)
    assert status == 200 and health["auth"] == "on"
    assert "slot" not in health["replication"] and "confirmed_lsn" not in health["replication"]
    metrics_token = jwt.encode({"exp": int(time.time()) + 60}, "metrics-secret", algorithm="HS256")
    status, body = get(auth_gateway.port, "/health", {"Authorization": "Bearer " + metrics_token})
    assert json.loads(body)["replication"]["slot"] == auth_gateway.slot
    assert get(auth_gateway.port, "/metrics")[0] == 401
    assert get(auth_gateway.port, "/metrics", {"Authorization": "Bearer " + token()})[0] == 401
    status, body = get(auth_gateway.port, "/metrics", {"Authorization": "Bearer " + metrics_token})
    assert status == 200
    # The client token refused above counts as a rejected token... of the metrics, not of a client: the metrics token
    # check is not counted. Refuse an upgrade to move the client counter.
    assert upgrade_status(auth_gateway.port, "not-a-jwt")[0] == 401
    _, body = get(auth_gateway.port, "/metrics", {"Authorization": "Bearer " + metrics_token})
    samples = dict(line.rsplit(" ", 1) for line in body.splitlines() if line and not line.startswith("#"))
    assert int(samples["walcast_tokens_rejected_total"]) >= 1
    for name in ("walcast_auth_queries_total", "walcast_auth_checks_cached_total", "walcast_auth_checks_refused_total",
                 "walcast_auth_timeouts_total", "walcast_auth_errors_total"):
        assert name in samples


def test_auth_off_says_so(gateway):
    status, health = gateway.health()
    assert health["auth"] == "off" and "slot" in health["replication"]
    gateway.log.wait_for(r"auth is off")


# ---- keys from a JWKS ----

def test_rs256_es256_and_eddsa_tokens_through_a_jwks_file(make_gateway, schema, js_client, tmp_path):
    from harness import tokens
    keys = [tokens.rsa_key("rsa-1"), tokens.ec_key("ec-1"), tokens.ed25519_key("ed-1")]
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(tokens.make_jwks(*keys)))
    gw = make_gateway(JWT_JWKS=str(path)).start()
    for key in keys:
        signed = tokens.sign(key, tokens.claims(role="authenticated", sub="alice"))
        c = js_client(client="v2", url=base(gw), apikey=signed)
        c.subscribe("a", "room:alice", config={"private": True})
    # A token signed by a key that is not in the document, under a kid that is, is refused.
    stranger = tokens.rsa_key("rsa-1")
    assert upgrade_status(gw.port, tokens.sign(stranger, tokens.claims(role="authenticated")))[0] == 401
    # An HS256 token "signed" with the RSA key's public PEM as the secret (algorithm confusion) is refused.
    # (python-jwt refuses to make one, so it is made by hand.)
    import hashlib
    import hmac
    head = tokens.b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}).encode())
    body = tokens.b64url(json.dumps(tokens.claims(role="authenticated")).encode())
    mac = hmac.new(keys[0].public_pem(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    assert upgrade_status(gw.port, f"{head}.{body}.{tokens.b64url(mac)}")[0] == 401


def test_a_jwks_that_cannot_work_stops_the_gateway_at_start(make_gateway, tmp_path):
    path = tmp_path / "jwks.json"
    path.write_text("{not json")
    gw = make_gateway(JWT_JWKS=str(path))
    with pytest.raises(AssertionError):
        gw.start()
    assert gw.proc.wait(10) != 0
    assert "JWT_JWKS" in gw.log.text()


def test_help_says_what_secret_key_base_is_for_and_the_gateway_accepts_it(make_gateway, schema):
    import subprocess
    from harness.gateway import GATEWAY_BIN
    out = subprocess.run([GATEWAY_BIN, "--help"], capture_output=True, text=True, timeout=10).stdout
    assert "SECRET_KEY_BASE" in out and "does not use it" in out
    gw = make_gateway(SECRET_KEY_BASE="x" * 64, JWT_SECRET=SECRET).start()
    assert upgrade_status(gw.port, token())[0] == 101


# ---- roles the gateway's database user may (not) become ----

@pytest.fixture
def gateway_role(schema):
    """A non-superuser gateway user set up as the Security section of the README says."""
    schema.execute("CREATE ROLE walcast_gateway LOGIN REPLICATION NOINHERIT")
    schema.execute("GRANT authenticated, anon TO walcast_gateway")
    schema.execute("GRANT EXECUTE ON FUNCTION walcast.insert_access_probes(text) TO walcast_gateway")
    yield "walcast_gateway"


def test_a_non_superuser_gateway_checks_policies_and_refuses_roles_it_cannot_become(
        make_gateway, schema, gateway_role, js_client):
    gw = make_gateway(JWT_SECRET=SECRET, DB_USER=gateway_role).start()
    alice = js_client(client="v2", url=base(gw), apikey=token(sub="alice"))
    alice.subscribe("a", "room:alice", config={"private": True})
    alice.subscribe("t", "items", bindings=[{"event": "INSERT", "schema": "public", "table": "items"}])
    schema.execute("INSERT INTO public.items VALUES (1, 'alice', 'x')")
    alice.changes(1, channel="t")
    # service_role exists but was not granted to the gateway's user: an error, not a denial, and it says why.
    svc = js_client(client="v2", url=base(gw), apikey=token(role="service_role", sub="svc"))
    svc.send(cmd="subscribe", id="s", topic="room:svc", config={"private": True})
    line = status_of(svc, "s")
    assert line["status"] == "CHANNEL_ERROR"
    assert "service_role" in json.dumps(line["error"]), svc.transcript()
    # A role that does not exist at all: the same.
    ghost = js_client(client="v2", url=base(gw), apikey=token(role="no_such_role", sub="g"))
    ghost.send(cmd="subscribe", id="g", topic="items",
               bindings=[{"event": "INSERT", "schema": "public", "table": "items"}])
    assert status_of(ghost, "g")["status"] == "SUBSCRIBED"
    _, system = ghost.wait_for(lambda m: m["kind"] == "system" and m["channel"] == "g", "system message")
    assert system["payload"]["status"] == "error" and "no_such_role" in system["payload"]["message"]


def test_refresh_to_a_role_without_the_table_closes_the_channel(auth_gateway, schema, js_client):
    c = js_client(client="v2", url=base(auth_gateway), apikey=token())
    c.subscribe("t", "items", bindings=[{"event": "INSERT", "schema": "public", "table": "items"}])
    c.send(cmd="set_auth", token=token(role="anon"))
    _, system = c.wait_for(lambda m: m["kind"] == "system" and m["channel"] == "t"
                           and m["payload"].get("status") == "error", "revocation")
    assert "anon may not SELECT public.items" in system["payload"]["message"]
    c.wait_for(lambda m: m["kind"] == "status" and m["channel"] == "t" and m["status"] == "CLOSED", "CLOSED")


def test_broadcast_changes_from_a_trigger_reaches_the_private_channel(auth_gateway, schema, js_client):
    schema.execute("""CREATE FUNCTION public.items_broadcast() RETURNS trigger LANGUAGE plpgsql AS $$
                      BEGIN
                        PERFORM walcast.broadcast_changes('room:' || NEW.owner, TG_OP, TG_OP, TG_TABLE_NAME,
                                                          TG_TABLE_SCHEMA, NEW, OLD, TG_LEVEL);
                        RETURN NULL;
                      END $$""")
    schema.execute("CREATE TRIGGER items_broadcast AFTER INSERT ON public.items "
                   "FOR EACH ROW EXECUTE FUNCTION public.items_broadcast()")
    alice = js_client(client="v2", url=base(auth_gateway), apikey=token(sub="alice"))
    alice.subscribe("a", "room:alice", config={"private": True})
    schema.execute("INSERT INTO public.items VALUES (5, 'bob', 'not for alice')")
    schema.execute("INSERT INTO public.items VALUES (6, 'alice', 'for alice')")
    _, got = alice.wait_for(lambda m: m["kind"] == "broadcast", "trigger broadcast")
    body = got["payload"]
    assert body["event"] == "INSERT" and body["meta"] == {"source": "database"}
    assert body["payload"]["record"] == {"id": 6, "owner": "alice", "body": "for alice"}
    assert body["payload"]["operation"] == "INSERT" and body["payload"]["old_record"] is None
