"""Output in databases whose encoding is not UTF8.

Over the replication protocol (what the gateway reads) every object must be UTF-8 JSON whatever the database
encoding: converted from LATIN1, EUC_JP and the like, SQL_ASCII bytes escaped losslessly as \\u00XX, and a
database with no conversion to UTF8 (MULE_INTERNAL) refused at start with a clear message. Through the SQL
functions the output is `text`, which PostgreSQL keeps in the database encoding: it must be left unconverted."""
import json
import subprocess
import uuid

import pytest

PG_BIN = "/usr/lib/postgresql/15/bin"


@pytest.fixture
def encoded_db(cluster):
    """Makes databases WITH ENCODING ...; drops them (and their slots) afterwards."""
    made = []

    def make(encoding):
        name = f"enc_{encoding.lower()}_{uuid.uuid4().hex[:8]}"
        with cluster.connect() as c:
            c.execute(f"CREATE DATABASE {name} WITH ENCODING '{encoding}' TEMPLATE template0 LOCALE 'C'")
        made.append(name)
        return name

    yield make
    for name in made:
        cluster.drop_database(name)


def new_slot(conn):
    name = "enc_" + uuid.uuid4().hex[:10]
    conn.execute("SELECT pg_create_logical_replication_slot(%s, 'walcast')", (name,))
    return name


def end_lsn(conn):
    return conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()[0]


def stream(cluster, db, slot, endpos, *options):
    """pg_recvlogical's output as bytes (the walsender's bytes, untouched), and the process result."""
    cmd = [f"{PG_BIN}/pg_recvlogical", "-d", cluster.conninfo(db), "--slot", slot, "--start", "--no-loop",
           "-f", "-", "-E", endpos]
    for opt in options:
        cmd += ["-o", opt]
    return subprocess.run(cmd, capture_output=True, timeout=120)


def _reject_constant(name):
    raise ValueError(f"non-JSON constant {name}")


def streamed_rows(result):
    """Each streamed line as strict UTF-8 (an invalid byte raises) and strict JSON."""
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return [json.loads(line.decode("utf-8", errors="strict"), parse_constant=_reject_constant)
            for line in result.stdout.splitlines() if line]


def sql_rows(conn, slot, *options):
    return [json.loads(r[0]) for r in conn.execute(
        "SELECT data FROM pg_logical_slot_peek_changes(%s, NULL, NULL, VARIADIC %s::text[])",
        (slot, list(options))).fetchall()]


def essentials(rows):
    """What the tests compare: type, table, record or content (no timestamps or column types)."""
    out = []
    for r in rows:
        if r["type"] == "MESSAGE":
            out.append(("MESSAGE", r.get("content", r.get("errors"))))
        else:
            out.append((r["type"], r["table"], r.get("record")))
    return out


LATIN1_VALUE = "Ünïcödé ÿ «»"


def test_latin1_streams_utf8_and_sql_keeps_database_text(cluster, encoded_db):
    db = encoded_db("LATIN1")
    with cluster.connect(db, client_encoding="UTF8") as conn:
        conn.execute('CREATE TABLE "tablé" ("colonné" text, j json, b jsonb, a text[], id int PRIMARY KEY)')
        slot = new_slot(conn)
        conn.execute('INSERT INTO "tablé" VALUES (%s, %s, %s, %s, 1)',
                     (LATIN1_VALUE, '{"ç": "ñ"}', '{"ç": "ñ"}', ["é", '"q"']))
        conn.execute("SELECT pg_logical_emit_message(true, 'walcast', %s)", ('{"clé": "valeur é"}',))
        conn.execute("SELECT pg_logical_emit_message(true, 'walcast', 'naïve')")
        # An escape above 007F could be one jsonb cannot hold in this encoding: the text is delivered instead.
        conn.execute("SELECT pg_logical_emit_message(true, 'walcast', %s)", ('"\\u00e9"',))
        expected = [
            ("INSERT", "tablé", {"colonné": LATIN1_VALUE, "j": {"ç": "ñ"}, "b": {"ç": "ñ"}, "a": ["é", '"q"'],
                                 "id": 1}),
            ("MESSAGE", {"clé": "valeur é"}),
            ("MESSAGE", "naïve"),
            ("MESSAGE", '"\\u00e9"'),
        ]
        # SQL (peeked first: streaming consumes): PostgreSQL converts the text from LATIN1 to this client's
        # UTF8; had the plugin written UTF-8 bytes, they would read back as "Ã©".
        assert essentials(sql_rows(conn, slot)) == expected
        streamed = streamed_rows(stream(cluster, db, slot, end_lsn(conn)))
        assert essentials(streamed) == expected
        assert streamed[0]["columns"][0] == {"name": "colonné", "type": "text"}


def test_size_limit_applies_to_the_converted_object(cluster, encoded_db):
    """600 'é' are 600 bytes in LATIN1 and 1200 in UTF-8: under a 1024-byte limit the SQL text fits and the
    streamed object is a 413."""
    db = encoded_db("LATIN1")
    with cluster.connect(db, client_encoding="UTF8") as conn:
        slot = new_slot(conn)
        conn.execute("SELECT pg_logical_emit_message(true, 'walcast', repeat('é', 600))")
        conn.execute("SELECT pg_logical_emit_message(true, 'walcast', 'next')")
        assert essentials(sql_rows(conn, slot, "max-change-bytes", "1024")) == [
            ("MESSAGE", "é" * 600), ("MESSAGE", "next")]
        streamed = streamed_rows(stream(cluster, db, slot, end_lsn(conn), "max-change-bytes=1024"))
        assert essentials(streamed) == [("MESSAGE", ["Error 413: Payload Too Large"]), ("MESSAGE", "next")]
        assert "content" not in streamed[0]


def test_change_that_grows_past_the_limit_in_utf8_is_written_in_its_413_form(cluster, encoded_db):
    """The same for a row: whole through SQL, and over the walsender, where conversion doubles it, the 413 form
    with the table's metadata and no row images - then the next change as usual."""
    db = encoded_db("LATIN1")
    with cluster.connect(db, client_encoding="UTF8") as conn:
        conn.execute('CREATE TABLE "tablé" (id int PRIMARY KEY, "colonné" text)')
        conn.execute("ALTER TABLE \"tablé\" REPLICA IDENTITY FULL")
        slot = new_slot(conn)
        conn.execute("INSERT INTO \"tablé\" VALUES (1, repeat('é', 600))")
        conn.execute("UPDATE \"tablé\" SET id = 2")
        conn.execute("INSERT INTO \"tablé\" VALUES (3, 'next')")
        whole = sql_rows(conn, slot, "max-change-bytes", "1024")
        assert [r["record"]["colonné"] for r in whole[:1]] == ["é" * 600] and len(whole) == 3
        streamed = streamed_rows(stream(cluster, db, slot, end_lsn(conn), "max-change-bytes=1024"))
        assert [(r["type"], r["errors"]) for r in streamed] == [
            ("INSERT", ["Error 413: Payload Too Large"]), ("UPDATE", ["Error 413: Payload Too Large"]),
            ("INSERT", None)]
        for r in streamed[:2]:
            assert "record" not in r and "old_record" not in r
            assert r["table"] == "tablé" and r["columns"][1] == {"name": "colonné", "type": "text"}
        assert streamed[2]["record"] == {"id": 3, "colonné": "next"}


def test_sql_over_a_replication_connection_stays_in_the_database_encoding(cluster, encoded_db):
    """A walsender also runs plain SQL sent over a replication=database connection; its text results must not
    be converted (they are text in the database encoding, converted by the server for the client)."""
    db = encoded_db("LATIN1")
    with cluster.connect(db, client_encoding="UTF8") as conn:
        conn.execute("CREATE TABLE t (v text)")
        slot = new_slot(conn)
        conn.execute("INSERT INTO t VALUES ('café')")
    result = subprocess.run(
        [f"{PG_BIN}/psql", "-X", "-At", "-d", cluster.conninfo(db, replication="database", client_encoding="UTF8"),
         "-c", f"SELECT data FROM pg_logical_slot_peek_changes('{slot}', NULL, NULL)"],
        capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.decode("utf-8").splitlines()
    assert json.loads(line)["record"] == {"v": "café"}


def test_euc_jp_streams_utf8(cluster, encoded_db):
    db = encoded_db("EUC_JP")
    # Over 64 KB of two-byte characters, once shifted by an ASCII byte: in one of the two rows the conversion's
    # 64 KB chunk boundary falls inside a character, which must be carried over whole, never replaced.
    long_values = ["日a" + "本" * 40000, "日" + "本" * 40000]
    with cluster.connect(db, client_encoding="UTF8") as conn:
        conn.execute("CREATE TABLE 表 (列 text, id int PRIMARY KEY)")
        slot = new_slot(conn)
        conn.execute("INSERT INTO 表 VALUES ('日本語テキスト', 1)")
        conn.execute("INSERT INTO 表 VALUES (%s, 2), (%s, 3)", long_values)
        conn.execute("SELECT pg_logical_emit_message(true, 'walcast', %s)", ('{"キー": ["値", 1]}',))
        conn.execute("SELECT pg_logical_emit_message(true, 'walcast:部屋', 'テキスト')")
        expected = [
            ("INSERT", "表", {"列": "日本語テキスト", "id": 1}),
            ("INSERT", "表", {"列": long_values[0], "id": 2}),
            ("INSERT", "表", {"列": long_values[1], "id": 3}),
            ("MESSAGE", {"キー": ["値", 1]}),
            ("MESSAGE", "テキスト"),
        ]
        assert essentials(sql_rows(conn, slot)) == expected
        streamed = streamed_rows(stream(cluster, db, slot, end_lsn(conn)))
        assert essentials(streamed) == expected
        assert streamed[4]["prefix"] == "walcast:部屋"


def test_character_without_unicode_equivalent_is_replaced_not_an_error(cluster, encoded_db):
    """EUC_JP 0xF5A1 (a user-defined character) is valid EUC_JP with no Unicode equivalent: converting it
    raises an ERROR in PostgreSQL, which in a decoding callback would repeat on every retry. It is streamed as
    U+FFFD; the SQL text keeps the original bytes."""
    db = encoded_db("EUC_JP")
    with cluster.connect(db, client_encoding="UTF8") as conn:
        conn.execute("CREATE TABLE t (v text)")
        slot = new_slot(conn)
        conn.execute("INSERT INTO t VALUES (convert_from('\\xa4a2f5a1a4a2'::bytea, 'EUC_JP'))")
        conn.execute("INSERT INTO t VALUES ('after')")
        raw = conn.execute("SELECT convert_to(data, 'EUC_JP') FROM pg_logical_slot_peek_changes(%s, NULL, NULL)",
                           (slot,)).fetchall()
        assert b"\xa4\xa2\xf5\xa1\xa4\xa2" in raw[0][0]
        streamed = streamed_rows(stream(cluster, db, slot, end_lsn(conn)))
        assert [r["record"]["v"] for r in streamed] == ["あ\ufffdあ", "after"]
    assert cluster.crash_lines() == []


def test_sql_ascii_escapes_high_bytes_losslessly(cluster, encoded_db):
    """SQL_ASCII gives bytes >= 0x80 no meaning, so no conversion exists: each is streamed as \\u00XX, and the
    original bytes come back by encoding the JSON string as Latin-1."""
    db = encoded_db("SQL_ASCII")
    with cluster.connect(db) as conn:
        conn.execute(b'CREATE TABLE "caf\xe9" ("\xc3\xa9t\xe9" text, id int PRIMARY KEY)')
        slot = new_slot(conn)
        conn.execute(b"INSERT INTO \"caf\xe9\" VALUES (E'utf8 \xc3\xa9 raw \\xe9 \\xff', 1)")
        conn.execute(b"SELECT pg_logical_emit_message(true, 'walcast', '{\"k\":\"\xe9\xc3\xa9\"}'::bytea)")
        conn.execute(b"SELECT pg_logical_emit_message(true, 'walcast', 'text \xe9')")
        # SQL: the text is the database's own bytes.
        sql = [r[0] for r in conn.execute(
            "SELECT convert_to(data, 'SQL_ASCII') FROM pg_logical_slot_peek_changes(%s, NULL, NULL)",
            (slot,)).fetchall()]
        assert b'"caf\xe9"' in sql[0] and b"utf8 \xc3\xa9 raw \xe9 \xff" in sql[0]
        assert b'"content":{"k":"\xe9\xc3\xa9"}' in sql[1]
        result = stream(cluster, db, slot, end_lsn(conn))
        streamed = streamed_rows(result)
        assert b"\\u00e9" in result.stdout and max(result.stdout) < 0x80, "the stream itself is pure ASCII"

        def original(s):
            return s.encode("latin-1")

        insert, message, text_message = streamed
        assert original(insert["table"]) == b"caf\xe9"
        assert {original(k): original(v) if isinstance(v, str) else v for k, v in insert["record"].items()} == {
            b"\xc3\xa9t\xe9": b"utf8 \xc3\xa9 raw \xe9 \xff", b"id": 1}
        assert {original(k): original(v) for k, v in message["content"].items()} == {b"k": b"\xe9\xc3\xa9"}
        assert original(text_message["content"]) == b"text \xe9"


def test_mule_internal_is_refused_in_the_walsender(cluster, encoded_db):
    db = encoded_db("MULE_INTERNAL")
    with cluster.connect(db, client_encoding="LATIN1") as conn:
        conn.execute("CREATE TABLE t (v text)")
        slot = new_slot(conn)  # creating the slot is fine: it writes nothing
        conn.execute("INSERT INTO t VALUES ('ascii only')")
        result = stream(cluster, db, slot, end_lsn(conn))
        assert result.returncode != 0
        err = result.stderr.decode(errors="replace")
        assert f'walcast cannot stream database "{db}": its encoding MULE_INTERNAL has no conversion to UTF8' in err
        assert "pg_logical_slot_get_changes()" in err
        # The SQL functions still work: their text is in the database encoding.
        assert essentials(sql_rows(conn, slot)) == [("INSERT", "t", {"v": "ascii only"})]
    assert cluster.crash_lines() == []
