"""The limits one connection meets (MAX_CHANNELS_PER_CLIENT, MAX_JOINS_PER_SECOND, MAX_EVENTS_PER_SECOND) and
the per-client log throttle (MAX_LOG_LINES_PER_CLIENT), each tried by a client that goes over it.

Bursts are sent as one TCP write of many WebSocket frames, so the gateway reads and handles them back to back in
well under a millisecond; a token takes 1/rate seconds to come back (hundreds of ms at the rates used here), so
the counts at each edge are exact and no test waits on the clock."""
import json
import re
import struct
import time

import websocket

from harness.phoenix import PhxClient


def _frames(texts):
    """Many client (masked) text frames as one byte string, for a single write."""
    return b"".join(websocket.ABNF.create_frame(t, websocket.ABNF.OPCODE_TEXT).format() for t in texts)


def _broadcast(topic, n, join_ref="1", event="flood"):
    return json.dumps([join_ref, str(1000 + n), topic, "broadcast",
                       {"type": "broadcast", "event": event, "payload": {"n": n}}])


def _wait_close(ws, timeout=20.0):
    """Reads until the server's close frame; returns (code, reason) and the data messages seen before it."""
    ws.settimeout(timeout)
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        opcode, data = ws.recv_data(control_frame=True)
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            code = struct.unpack("!H", data[:2])[0] if len(data) >= 2 else None
            return code, data[2:].decode(), seen
        if opcode in (websocket.ABNF.OPCODE_TEXT, websocket.ABNF.OPCODE_BINARY):
            seen.append(data)
    raise AssertionError("no close frame within %ss" % timeout)


def _who(client):
    """How the gateway names this client in its log: 'client N (127.0.0.1:port)'."""
    port = client.ws.sock.getsockname()[1]
    return r"client \d+ \(127\.0\.0\.1:%d\)" % port


def test_channel_cap_n_joins_allowed_the_next_refused_with_realtimes_reason(make_gateway):
    gw = make_gateway(MAX_CHANNELS_PER_CLIENT=5).start()
    c = PhxClient(gw.ws_url)
    for i in range(5):
        _, reply = c.join(f"realtime:c{i}", {"config": {}})
        assert reply["payload"]["status"] == "ok", reply
    _, refused = c.join("realtime:c5", {"config": {}})
    assert refused["payload"] == {"status": "error", "response": {
        "reason": "ChannelRateLimitReached: Too many channels (MAX_CHANNELS_PER_CLIENT 5)"}}
    # A leave makes room again; the socket was never at risk.
    ref = c.send("realtime:c0", "phx_leave", {}, join_ref="1")
    assert c.reply_to(ref)["payload"]["status"] == "ok"
    _, reply = c.join("realtime:c5", {"config": {}})
    assert reply["payload"]["status"] == "ok"
    gw.log.wait_for(_who(c) + r": realtime:c5: join refused, 5 channels joined already \(MAX_CHANNELS_PER_CLIENT\)")
    c.close()


def test_joins_per_second_n_allowed_the_next_refused_and_the_socket_stays(make_gateway):
    gw = make_gateway(MAX_JOINS_PER_SECOND=3).start()
    c = PhxClient(gw.ws_url)
    c.ws.sock.sendall(_frames(json.dumps([str(i), str(i), f"realtime:j{i}", "phx_join", {"config": {}}])
                              for i in range(1, 5)))
    replies = [c.reply_to(str(i)) for i in range(1, 5)]
    assert [r["payload"]["status"] for r in replies] == ["ok", "ok", "ok", "error"]
    assert replies[3]["payload"]["response"] == {
        "reason": "ClientJoinRateLimitReached: Too many joins per second (MAX_JOINS_PER_SECOND 3)"}
    # The connection is still served: a heartbeat is answered and the three channels relay broadcasts.
    assert c.reply_to(c.send("phoenix", "heartbeat", {}))["payload"]["status"] == "ok"
    gw.log.wait_for(_who(c) + r": realtime:j4: join refused, more than 3 joins per second \(MAX_JOINS_PER_SECOND\)")
    c.close()


def test_join_flood_ends_in_close_4029(make_gateway):
    """Refused joins count as events: a client that keeps joining past the join rate is a flood."""
    gw = make_gateway(MAX_JOINS_PER_SECOND=2, MAX_EVENTS_PER_SECOND=10).start()
    c = PhxClient(gw.ws_url)
    c.ws.sock.sendall(_frames(json.dumps([str(i), str(i), f"realtime:j{i}", "phx_join", {"config": {}}])
                              for i in range(1, 200)))
    code, reason, seen = _wait_close(c.ws)
    assert code == 4029
    assert reason == "Too many messages per second (MAX_EVENTS_PER_SECOND 10)"
    replies = [json.loads(m) for m in seen]
    statuses = [r[4]["status"] for r in replies if r[3] == "phx_reply"]
    assert statuses == ["ok"] * 2 + ["error"] * 10  # 2 joins, 10 refused joins (= events), then the close
    c.ws.sock.close()


def test_event_flood_is_closed_with_4029_and_other_clients_lose_nothing(make_gateway, conn):
    gw = make_gateway(MAX_EVENTS_PER_SECOND=20).start()
    conn.execute("CREATE TABLE public.t (id int PRIMARY KEY)")
    topic = "realtime:room"
    changes = [{"event": "*", "schema": "public", "table": "t"}]
    victim = PhxClient(gw.ws_url)
    victim.join_changes(topic, changes)
    other = PhxClient(gw.ws_url, "1.0.0")
    other.join(topic, {"config": {"broadcast": {"self": False}}})
    flood = PhxClient(gw.ws_url)
    flood.join(topic, {"config": {}})
    mark = gw.log.mark()

    other.send(topic, "broadcast", {"type": "broadcast", "event": "legit", "payload": {"n": 0}})
    conn.execute("INSERT INTO t VALUES (1)")
    # 20 broadcasts are within the allowance, the 21st is one too many; the other 479 must go nowhere.
    flood.ws.sock.sendall(_frames(_broadcast(topic, n) for n in range(500)))
    code, reason, _ = _wait_close(flood.ws)
    assert code == 4029
    assert reason == "Too many messages per second (MAX_EVENTS_PER_SECOND 20)"
    try:
        flood.ws.send_close()  # finish the closing handshake the way a browser would
    except (OSError, websocket.WebSocketException):
        pass
    flood.ws.sock.close()

    conn.execute("INSERT INTO t VALUES (2)")
    other.send(topic, "broadcast", {"type": "broadcast", "event": "legit", "payload": {"n": 1}})
    # The victim's heartbeat is answered as ever, and it sees every change and every legit broadcast.
    assert victim.reply_to(victim.send("phoenix", "heartbeat", {}))["payload"]["status"] == "ok"
    got = [m["payload"]["data"]["record"]["id"] for m in victim.changes(2)]
    assert got == [1, 2]
    legit = victim.wait(lambda m: m["event"] == "broadcast" and m["payload"]["event"] == "legit"
                        and m["payload"]["payload"]["n"] == 1)
    assert legit
    flooded = sorted(m["payload"]["payload"]["n"] for m in victim.inbox
                     if m["event"] == "broadcast" and m["payload"]["event"] == "flood")
    assert flooded == list(range(20)), "exactly the broadcasts within the allowance are relayed"
    assert any(m["event"] == "broadcast" and m["payload"]["payload"]["n"] == 0 and m["payload"]["event"] == "legit"
               for m in victim.inbox)
    gw.log.wait_for(r"MessagePerSecondRateLimitReached: more than 20 messages per second "
                    r"\(MAX_EVENTS_PER_SECOND\); closed with 4029", start=mark)
    victim.close()
    other.close()


def test_heartbeats_do_not_spend_the_event_allowance(make_gateway):
    """A client broadcasting at its limit keeps its heartbeats answered (realtime-js drops a socket whose
    heartbeat goes unanswered); the allowance itself stays spent."""
    gw = make_gateway(MAX_EVENTS_PER_SECOND=5).start()
    c = PhxClient(gw.ws_url)
    c.join("realtime:room", {"config": {}})
    beats = [json.dumps([None, f"hb{i}", "phoenix", "heartbeat", {}]) for i in range(20)]
    c.ws.sock.sendall(_frames([_broadcast("realtime:room", n) for n in range(5)] + beats))
    for i in range(20):
        assert c.reply_to(f"hb{i}")["payload"]["status"] == "ok"
    c.ws.sock.sendall(_frames([_broadcast("realtime:room", 5)]))
    code, _, _ = _wait_close(c.ws)
    assert code == 4029
    c.ws.sock.close()


def test_ping_flood_from_a_reading_client_is_closed_with_4029(gateway):
    """Beast answers every WebSocket ping with a pong; a client that reads its pongs is never slow, so pings are
    charged to the heartbeat allowance: MAX_EVENTS_PER_SECOND + MAX_CHANNELS_PER_CLIENT (200) at once."""
    c = PhxClient(gateway.ws_url)
    ping = websocket.ABNF.create_frame(b"p" * 125, websocket.ABNF.OPCODE_PING).format()
    c.ws.sock.sendall(ping * 200)
    # Once those 200 are answered (their pongs read), the allowance is spent; the next ping is one too many.
    c.ws.settimeout(20)
    for _ in range(200):
        opcode, _data = c.ws.recv_data(control_frame=True)
        assert opcode == websocket.ABNF.OPCODE_PONG
    c.ws.sock.sendall(ping * 1000)
    code, reason, _ = _wait_close(c.ws)
    assert code == 4029 and "MAX_EVENTS_PER_SECOND 100" in reason
    c.ws.sock.close()


def test_default_limits_bound_the_log_lines_of_a_flood_of_bad_frames(gateway):
    """With the defaults, 5,000 undecodable frames cost the log at most MAX_LOG_LINES_PER_CLIENT (10) lines
    about that client, and the client is closed at MAX_EVENTS_PER_SECOND (100)."""
    c = PhxClient(gateway.ws_url)
    who = _who(c)
    mark = gateway.log.mark()
    c.ws.sock.sendall(_frames(["{not json"] * 5000))
    code, reason, _ = _wait_close(c.ws)
    assert code == 4029 and "MAX_EVENTS_PER_SECOND 100" in reason
    c.ws.sock.close()
    summary = gateway.log.wait_for(r"(\d+) similar messages from " + who + " suppressed", start=mark)
    lines = [l for l in gateway.log.lines[mark:] if re.search("channels: " + who + ": ", l)]
    assert 1 <= len(lines) <= 10, lines
    # 100 bad frames were handled (a few more when the allowance refilled, at 100/s, while a slow sanitized build
    # handled the flood), plus the close's own line; what was not written was counted.
    assert 101 <= len(lines) + int(re.search(r"(\d+) similar", summary).group(1)) <= 110
    assert "MAX_LOG_LINES_PER_CLIENT" in summary


def test_log_throttle_counts_every_line_it_leaves_out(make_gateway):
    """With the event limit out of the way, a flood of bad frames writes at most MAX_LOG_LINES_PER_CLIENT lines per
    10 s window; the summary written when the client leaves accounts for every line left out."""
    gw = make_gateway(MAX_EVENTS_PER_SECOND=1000000, MAX_LOG_LINES_PER_CLIENT=5).start()
    c = PhxClient(gw.ws_url)
    who = _who(c)
    bystander = PhxClient(gw.ws_url)
    mark = gw.log.mark()
    started = time.monotonic()
    total = 20000
    c.ws.sock.sendall(_frames(["\x01 not a frame"] * total))
    # The heartbeat after the flood is answered only once every bad frame before it was handled.
    assert c.reply_to(c.send("phoenix", "heartbeat", {}), timeout=60)["payload"]["status"] == "ok"
    elapsed = time.monotonic() - started
    assert bystander.reply_to(bystander.send("phoenix", "heartbeat", {}))["payload"]["status"] == "ok"
    c.close()
    # The last summary is written when the client leaves; others, if the flood outlasted a window, before it.
    gw.log.wait_for(r"similar messages from " + who + " suppressed", start=mark)
    text = gw.log.lines[mark:]
    written = [l for l in text if re.search(who + r": MalformedWebSocketMessage", l)]
    suppressed = sum(int(m.group(1)) for l in text
                     for m in [re.search(r"(\d+) similar messages from " + who + " suppressed", l)] if m)
    windows = int(elapsed // 10) + 1
    assert 1 <= len(written) <= 5 * windows, (len(written), windows)
    assert len(written) + suppressed == total
    # The throttle is per client: the bystander's own line still gets written.
    bystander.send_raw("{bystander not json")
    gw.log.wait_for(_who(bystander) + r": MalformedWebSocketMessage", start=mark)
    bystander.close()
