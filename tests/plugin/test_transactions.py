"""include-transaction: BEGIN/COMMIT objects in the exact format the gateway parses, written lazily."""
import re

TS = r'"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"'
MARKER = r'\{"type":"%s","xid":(\d+),"commit_lsn":"([0-9A-F]+/[0-9A-F]+)","commit_timestamp":(' + TS + r')\}'


def test_begin_and_commit_exact_format(conn, slot):
    conn.execute("CREATE TABLE t (id int PRIMARY KEY)")
    with conn.transaction():
        xid = conn.execute("SELECT txid_current()").fetchone()[0]
        conn.execute("INSERT INTO t VALUES (1), (2)")
    rows = slot.raw(include_transaction=1)
    assert len(rows) == 4
    begin = re.fullmatch(MARKER % "BEGIN", rows[0])
    commit = re.fullmatch(MARKER % "COMMIT", rows[3])
    assert begin, rows[0]
    assert commit, rows[3]
    assert int(begin.group(1)) == int(commit.group(1)) == xid
    assert begin.group(2) == commit.group(2)
    assert begin.group(3) == commit.group(3)
    assert '"type":"INSERT"' in rows[1] and '"type":"INSERT"' in rows[2]
    # the change objects carry the same commit timestamp
    assert f'"commit_timestamp":{begin.group(3)}' in rows[1]


def test_commit_lsn_is_the_end_of_the_commit_record(conn, slot):
    """After consuming through the SQL interface the slot's confirmed_flush_lsn is the end of the last
    decoded commit record, which is what commit_lsn must be."""
    conn.execute("CREATE TABLE t (id int PRIMARY KEY)")
    conn.execute("INSERT INTO t VALUES (1)")
    rows = slot.raw(include_transaction=1)
    commit_lsn = re.fullmatch(MARKER % "COMMIT", rows[-1]).group(2)
    confirmed = conn.execute("SELECT confirmed_flush_lsn::text FROM pg_replication_slots "
                             "WHERE slot_name = 'walcast_test'").fetchone()[0]
    assert commit_lsn == confirmed


def test_filtered_out_transactions_emit_no_begin_or_commit(conn, slot):
    conn.execute("CREATE TABLE pub (id int PRIMARY KEY)")
    conn.execute("CREATE TABLE other (id int PRIMARY KEY)")
    conn.execute("CREATE PUBLICATION p FOR TABLE pub")
    conn.execute("INSERT INTO other VALUES (1)")
    conn.execute("INSERT INTO pub VALUES (1)")
    conn.execute("INSERT INTO other VALUES (2)")
    rows = slot.changes(include_transaction=1, publication="p")
    assert [r["type"] for r in rows] == ["BEGIN", "INSERT", "COMMIT"]
    assert rows[1]["table"] == "pub"


def test_transactional_messages_sit_inside_and_non_transactional_stand_alone(conn, slot):
    conn.execute("CREATE TABLE t (id int PRIMARY KEY)")
    with conn.transaction():
        conn.execute("INSERT INTO t VALUES (1)")
        conn.execute("SELECT pg_logical_emit_message(true, 'walcast', 'inside')")
    conn.execute("SELECT pg_logical_emit_message(false, 'walcast', 'alone')")
    conn.execute("SELECT pg_logical_emit_message(true, 'walcast', 'only')")
    rows = slot.changes(include_transaction=1)
    kinds = [(r["type"], r.get("content")) for r in rows]
    assert kinds == [("BEGIN", None), ("INSERT", None), ("MESSAGE", "inside"), ("COMMIT", None),
                     ("MESSAGE", "alone"),
                     ("BEGIN", None), ("MESSAGE", "only"), ("COMMIT", None)]


def test_without_the_option_there_are_no_markers(conn, slot):
    conn.execute("CREATE TABLE t (id int PRIMARY KEY)")
    conn.execute("INSERT INTO t VALUES (1)")
    assert [r["type"] for r in slot.changes()] == ["INSERT"]


def test_large_transaction_decodes_row_by_row(conn, slot):
    """200k rows in one transaction: one object per row, in order, between one BEGIN and one COMMIT."""
    conn.execute("CREATE TABLE big (id int PRIMARY KEY, payload text)")
    conn.execute("INSERT INTO big SELECT g, repeat('x', 50) FROM generate_series(1, 200000) g")
    count = 0
    last_id = 0
    first = last = None
    cur = conn.cursor(name="big_reader")
    cur.itersize = 5000
    with conn.transaction():
        cur.execute("SELECT data FROM pg_logical_slot_get_changes('walcast_test', NULL, NULL, "
                    "'include-transaction', '1', 'include-columns', '0')")
        for (data,) in cur:
            if first is None:
                first = data
            last = data
            if data.startswith('{"schema"'):
                count += 1
                row_id = int(data.split('"record":{"id":', 1)[1].split(",", 1)[0])
                assert row_id == last_id + 1
                last_id = row_id
    assert first.startswith('{"type":"BEGIN"')
    assert last.startswith('{"type":"COMMIT"')
    assert count == 200000
