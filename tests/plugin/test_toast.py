"""Unchanged TOAST values on UPDATE, and very large values."""
import json


def big(n, seed):
    # incompressible enough to be stored out of line: md5 chunks
    return f"(SELECT string_agg(md5(g::text || '{seed}'), '') FROM generate_series(1, {n}) g)"


def test_unchanged_toast_without_old_value_is_left_out_and_named(conn, slot):
    conn.execute("CREATE TABLE docs (id int PRIMARY KEY, title text, body text, extra text)")
    conn.execute(f"INSERT INTO docs VALUES (1, 't', {big(400, 'a')}, {big(400, 'b')})")
    conn.execute("UPDATE docs SET title = 'changed' WHERE id = 1")
    body, extra = conn.execute("SELECT body, extra FROM docs").fetchone()
    ins, upd = slot.changes()
    assert ins["record"]["body"] == body
    assert upd["record"] == {"id": 1, "title": "changed"}
    assert upd["unchanged_toast"] == ["body", "extra"]
    assert upd["old_record"] == {"id": 1}
    assert list(upd)[-1] == "unchanged_toast"


def test_unchanged_toast_key_order_with_extras(conn, slot):
    conn.execute("CREATE TABLE docs (id int PRIMARY KEY, body text)")
    conn.execute(f"INSERT INTO docs VALUES (1, {big(400, 'a')})")
    conn.execute("UPDATE docs SET id = 1")
    _, upd = slot.changes(include_pk=1, include_lsn=1, include_xid=1)
    assert list(upd)[-4:] == ["unchanged_toast", "pk", "lsn", "xid"]


def test_changed_toast_value_is_emitted_whole(conn, slot):
    conn.execute("CREATE TABLE docs (id int PRIMARY KEY, body text)")
    conn.execute(f"INSERT INTO docs VALUES (1, {big(400, 'a')})")
    conn.execute(f"UPDATE docs SET body = {big(400, 'c')}")
    body = conn.execute("SELECT body FROM docs").fetchone()[0]
    _, upd = slot.changes()
    assert upd["record"]["body"] == body
    assert "unchanged_toast" not in upd


def test_unchanged_toast_taken_from_full_identity_old_row(conn, slot):
    conn.execute("CREATE TABLE docs (id int PRIMARY KEY, title text, body text)")
    conn.execute("ALTER TABLE docs REPLICA IDENTITY FULL")
    conn.execute(f"INSERT INTO docs VALUES (1, 't', {big(400, 'a')})")
    conn.execute("UPDATE docs SET title = 'changed'")
    body = conn.execute("SELECT body FROM docs").fetchone()[0]
    _, upd = slot.changes()
    assert upd["record"] == {"id": 1, "title": "changed", "body": body}
    assert upd["old_record"] == {"id": 1, "title": "t", "body": body}
    assert "unchanged_toast" not in upd


def test_toasted_jsonb_and_array_columns(conn, slot):
    conn.execute("CREATE TABLE docs (id int PRIMARY KEY, n int, j jsonb, a text[])")
    conn.execute("INSERT INTO docs SELECT 1, 0, jsonb_agg(md5(g::text)), array_agg(md5(g::text)) "
                 "FROM generate_series(1, 2000) g")
    conn.execute("UPDATE docs SET n = 1")
    j, a = conn.execute("SELECT j, a FROM docs").fetchone()
    ins, upd = slot.changes()
    assert ins["record"]["j"] == j
    assert ins["record"]["a"] == a
    assert upd["record"] == {"id": 1, "n": 1}
    assert upd["unchanged_toast"] == ["j", "a"]


def test_64_megabyte_value_decodes_whole(conn, slot):
    conn.execute("CREATE TABLE blobs (id int PRIMARY KEY, body text)")
    conn.execute("INSERT INTO blobs SELECT 1, string_agg(md5(g::text), '') FROM generate_series(1, 2097152) g")
    size, digest = conn.execute("SELECT length(body), md5(body) FROM blobs").fetchone()
    assert size == 64 * 1024 * 1024
    (text,) = slot.raw()
    row = json.loads(text)
    import hashlib
    assert len(row["record"]["body"]) == size
    assert hashlib.md5(row["record"]["body"].encode()).hexdigest() == digest
