"""The Phoenix Channels protocol as the gateway speaks it, with a plain WebSocket client, both serializers."""
import json

import pytest

from harness.phoenix import PhxClient

SERIALIZERS = ["1.0.0", "2.0.0"]


@pytest.fixture
def users(conn):
    conn.execute("CREATE TABLE public.users (id int PRIMARY KEY, name text, score numeric, tags int[], meta jsonb)")
    return "users"


@pytest.mark.parametrize("vsn", SERIALIZERS)
def test_heartbeat_is_answered_on_the_phoenix_topic(gateway, vsn):
    c = PhxClient(gateway.ws_url, vsn)
    ref = c.send("phoenix", "heartbeat", {})
    reply = c.reply_to(ref)
    assert reply["topic"] == "phoenix"
    assert reply["payload"] == {"status": "ok", "response": {}}
    c.close()


@pytest.mark.parametrize("vsn", SERIALIZERS)
def test_join_echoes_bindings_with_ids_then_changes_arrive(gateway, conn, users, vsn):
    c = PhxClient(gateway.ws_url, vsn)
    bindings = [{"event": "*", "schema": "public", "table": "users"},
                {"event": "INSERT", "schema": "public", "table": "users", "filter": "id=eq.1"}]
    join_ref, reply, system = c.join_changes("realtime:room1", bindings)
    assert reply["payload"]["status"] == "ok"
    echoed = reply["payload"]["response"]["postgres_changes"]
    assert len(echoed) == 2
    ids = [b["id"] for b in echoed]
    for sent, got in zip(bindings, echoed):
        assert isinstance(got["id"], int) and got["id"] > 0
        assert {k: v for k, v in got.items() if k != "id"} == sent
    assert system["payload"] == {"extension": "postgres_changes", "status": "ok",
                                 "message": "Subscribed to PostgreSQL", "channel": "room1"}

    conn.execute("INSERT INTO users VALUES (2, 'bob', 1.50, '{1,NULL,3}', '{\"a\": [1]}')")
    conn.execute("INSERT INTO users VALUES (1, 'ann', 10, NULL, NULL)")
    first, second = c.changes(2)
    for m in (first, second):
        assert m["topic"] == "realtime:room1"
        assert m["ref"] is None and m["join_ref"] is None
    assert first["payload"]["ids"] == [ids[0]]
    data = first["payload"]["data"]
    assert data["schema"] == "public" and data["table"] == "users" and data["type"] == "INSERT"
    assert data["record"] == {"id": 2, "name": "bob", "score": 1.50, "tags": [1, None, 3], "meta": {"a": [1]}}
    assert data["errors"] is None
    assert data["columns"][0] == {"name": "id", "type": "int4"}
    assert sorted(second["payload"]["ids"]) == sorted(ids)
    assert second["payload"]["data"]["record"]["name"] == "ann"
    c.close()


@pytest.mark.parametrize("vsn", SERIALIZERS)
def test_update_and_delete_carry_old_record(gateway, conn, users, vsn):
    c = PhxClient(gateway.ws_url, vsn)
    c.join_changes("realtime:any", [{"event": "*", "schema": "public", "table": "users"}])
    conn.execute("INSERT INTO users (id, name) VALUES (7, 'x')")
    conn.execute("UPDATE users SET name = 'y' WHERE id = 7")
    conn.execute("DELETE FROM users WHERE id = 7")
    ins, upd, dele = [m["payload"]["data"] for m in c.changes(3)]
    assert ins["type"] == "INSERT" and "old_record" not in ins
    assert upd["type"] == "UPDATE" and upd["record"]["name"] == "y" and upd["old_record"] == {"id": 7}
    assert dele["type"] == "DELETE" and dele["old_record"] == {"id": 7} and "record" not in dele
    c.close()


def test_event_filter_on_binding(gateway, conn, users):
    c = PhxClient(gateway.ws_url)
    c.join_changes("realtime:del", [{"event": "DELETE", "schema": "public", "table": "users"}])
    conn.execute("INSERT INTO users (id) VALUES (1)")
    conn.execute("DELETE FROM users WHERE id = 1")
    (m,) = c.changes(1)
    assert m["payload"]["data"]["type"] == "DELETE"
    c.close()


@pytest.mark.parametrize("vsn", SERIALIZERS)
def test_leave_replies_then_closes_with_join_ref(gateway, users, vsn):
    c = PhxClient(gateway.ws_url, vsn)
    join_ref, _, _ = c.join_changes("realtime:room1", [{"event": "*", "schema": "public", "table": "users"}])
    ref = c.send("realtime:room1", "phx_leave", {}, join_ref=join_ref)
    reply = c.reply_to(ref)
    assert reply["payload"]["status"] == "ok"
    close = c.wait(lambda m: m.get("event") == "phx_close")
    assert close["topic"] == "realtime:room1"
    assert close["ref"] == join_ref
    c.close()


def test_unknown_topic_gets_unmatched_topic_error(gateway):
    c = PhxClient(gateway.ws_url)
    ref = c.send("nope", "phx_join", {})
    assert c.reply_to(ref)["payload"] == {"status": "error", "response": {"reason": "unmatched topic"}}
    ref = c.send("realtime:never-joined", "broadcast", {"type": "broadcast", "event": "x", "payload": {}})
    assert c.reply_to(ref)["payload"] == {"status": "error", "response": {"reason": "unmatched topic"}}
    c.close()


def test_unknown_table_gives_system_error_and_channel_stays_joined(gateway, conn, users):
    c = PhxClient(gateway.ws_url)
    join_ref, reply, system = c.join_changes("realtime:x", [{"event": "*", "schema": "public", "table": "nope"}])
    assert reply["payload"]["status"] == "ok"
    assert system["payload"]["status"] == "error"
    assert system["payload"]["extension"] == "postgres_changes"
    assert "nope" in system["payload"]["message"]
    # still joined: a leave is answered and closes it
    ref = c.send("realtime:x", "phx_leave", {}, join_ref=join_ref)
    assert c.reply_to(ref)["payload"]["status"] == "ok"
    c.close()


def test_bad_filter_gives_system_error(gateway, users):
    c = PhxClient(gateway.ws_url)
    _, reply, system = c.join_changes("realtime:x", [{"event": "*", "schema": "public", "table": "users",
                                                        "filter": "id=foo.1"}])
    assert reply["payload"]["status"] == "ok"
    assert system["payload"]["status"] == "error"
    assert "filter" in system["payload"]["message"]
    c.close()


def test_malformed_frames_do_not_hurt_the_socket_or_others(gateway, conn, users):
    bystander = PhxClient(gateway.ws_url)
    bystander.join_changes("realtime:b", [{"event": "*", "schema": "public", "table": "users"}])
    c = PhxClient(gateway.ws_url)
    for junk in ["not json", "[1,2]", "{}", "[null, null, 5, \"phx_join\", {}]", "\"str\"", "[]"]:
        c.send_raw(junk)
    ref = c.send("phoenix", "heartbeat", {})
    assert c.reply_to(ref)["payload"]["status"] == "ok"
    conn.execute("INSERT INTO users (id) VALUES (99)")
    (m,) = bystander.changes(1)
    assert m["payload"]["data"]["record"]["id"] == 99
    c.close()
    bystander.close()


def test_other_endpoint_path_and_presence_config_on_join(gateway, conn, users):
    c = PhxClient(gateway.ws_url.replace("/socket/websocket", "/realtime/v1/websocket"))
    ref = c.send("realtime:p", "phx_join", {"config": {"broadcast": {"self": False}, "presence": {"key": "", "enabled": True},
                                                        "postgres_changes": [{"event": "*", "schema": "public"}]}})
    assert c.reply_to(ref)["payload"]["status"] == "ok"
    state = c.wait(lambda m: m.get("event") == "presence_state")
    assert state["payload"] == {}
    c.wait(lambda m: m.get("event") == "system")
    conn.execute("INSERT INTO users (id) VALUES (5)")
    (m,) = c.changes(1)
    assert m["payload"]["data"]["table"] == "users"
    c.close()


def test_unsupported_vsn_is_refused_at_upgrade(gateway):
    import websocket
    with pytest.raises(websocket.WebSocketBadStatusException) as e:
        websocket.create_connection(gateway.ws_url + "?vsn=3.0.0", timeout=5)
    assert e.value.status_code == 400
