"""Legacy topics of the original Realtime server: events named after the change, bare change payloads."""
from harness.phoenix import PhxClient


def test_legacy_topics(gateway, conn):
    conn.execute("CREATE TABLE public.users (id int PRIMARY KEY, name text)")
    conn.execute("CREATE TABLE public.other (id int PRIMARY KEY)")
    c = PhxClient(gateway.ws_url, "1.0.0")
    topics = ["realtime:*", "realtime:public", "realtime:public:users", "realtime:public:users:id=eq.2"]
    for t in topics:
        _, reply = c.join(t, {})
        assert reply["payload"]["status"] == "ok", t
    conn.execute("INSERT INTO users VALUES (1, 'a')")
    conn.execute("INSERT INTO users VALUES (2, 'b')")
    conn.execute("UPDATE users SET name = 'c' WHERE id = 2")
    conn.execute("DELETE FROM users WHERE id = 1")
    conn.execute("INSERT INTO other VALUES (3)")
    expected = {
        "realtime:*": [("INSERT", 1), ("INSERT", 2), ("UPDATE", 2), ("DELETE", 1), ("INSERT", 3)],
        "realtime:public": [("INSERT", 1), ("INSERT", 2), ("UPDATE", 2), ("DELETE", 1), ("INSERT", 3)],
        "realtime:public:users": [("INSERT", 1), ("INSERT", 2), ("UPDATE", 2), ("DELETE", 1)],
        "realtime:public:users:id=eq.2": [("INSERT", 2), ("UPDATE", 2)],
    }
    got = {t: [] for t in topics}
    # realtime:* receives the last change; once it has, every other topic has had its share too (commit order).
    while len(got["realtime:*"]) < 5:
        m = c.wait(lambda m: m.get("event") in ("INSERT", "UPDATE", "DELETE"))
        p = m["payload"]
        assert m["ref"] is None
        assert p["type"] == m["event"]
        row = p.get("record") or p.get("old_record")
        got[m["topic"]].append((m["event"], row["id"]))
    for t in topics[1:]:
        while len(got[t]) < len(expected[t]):
            m = c.wait(lambda m, t=t: m.get("topic") == t)
            p = m["payload"]
            got[t].append((m["event"], (p.get("record") or p.get("old_record"))["id"]))
    assert got == expected
    c.close()
