"""Every value renders as PostgreSQL's own to_jsonb() renders it: compared in SQL as jsonb over every built-in
type family, user-defined enums, domains and composites, and hostile text; plus exact text for key cases."""
import json
import re

import pytest

TYPES_DDL = """
CREATE TYPE mood AS ENUM ('happy', 'sad', 'it''s "complicated"');
CREATE DOMAIN posint AS int CHECK (VALUE > 0);
CREATE DOMAIN short_text AS text CHECK (length(VALUE) < 100);
CREATE DOMAIN stamp AS timestamptz;
CREATE DOMAIN int_list AS int[];
CREATE TYPE address AS (street text, zip int, tags text[]);
CREATE TYPE person AS (name text, home address, mood mood, score numeric);
CREATE DOMAIN person_d AS person;
CREATE TABLE everything (
    id int PRIMARY KEY,
    i2 int2, i4 int4, i8 int8, f4 float4, f8 float8, num numeric, num_t numeric(10,3), money money,
    b bool,
    t text, vc varchar(20), bp char(6), nm name, ch "char",
    by bytea,
    d date, tm time, tmtz timetz, ts timestamp, ts3 timestamp(3), tstz timestamptz, iv interval,
    u uuid, j json, jb jsonb,
    inet inet, cidr cidr, mac macaddr, mac8 macaddr8,
    pt point, ln line, ls lseg, bx box, pa path, pg polygon, ci circle,
    bt bit(3), vb varbit,
    tsv tsvector, tsq tsquery,
    x xml,
    r4 int4range, rn numrange, rts tstzrange, rd daterange, mr int4multirange,
    o oid, lsn pg_lsn,
    a_i int[], a_t text[], a_2d int[][], a_jb jsonb[], a_num numeric[], a_ts timestamptz[], a_b bool[],
    a_comp address[], a_mood mood[], a_f8 float8[],
    e mood, dom posint, dom_t short_text, dom_ts stamp, dom_arr int_list,
    comp address, nested person, dom_comp person_d
);
"""

ROWS = [
    # typical values
    """(1, 1, 2, 3, 1.5, 2.25, 3.75, 12.5, 9.99,
        true, 'plain', 'var', 'pad', 'nm', 'c', '\\xdeadbeef',
        '2024-02-29', '13:45:01.123456', '13:45:01+02', '2024-02-29 13:45:01.5', '2024-02-29 13:45:01.123456',
        '2024-02-29 13:45:01.123456+05:30', '1 year 2 mons 3 days 04:05:06.789',
        'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"b": [1, 2.50, "x"], "a": null}', '{"b": [1, 2.50], "a": {}}',
        '192.168.0.1/24', '10.0.0.0/8', '08:00:2b:01:02:03', '08:00:2b:01:02:03:04:05',
        '(1,2)', '{1,-1,0}', '[(0,0),(1,1)]', '(1,1),(0,0)', '[(0,0),(1,1),(2,0)]', '((0,0),(1,1),(1,0))', '<(0,0),5>',
        B'101', B'1101',
        'a fat cat', 'fat & (rat | cat)',
        '<a href="x">t&amp;</a>',
        '[1,10)', '(1.5,2.5]', '[2024-01-01 00:00+00,2024-02-01 00:00+00)', '[2024-01-01,2024-02-01)',
        '{[1,3), [5,7)}',
        4294967295, '16/B374D848',
        '{1,NULL,3}', '{"a","NULL",NULL,"c,d"}', '{{1,2},{3,NULL}}', ARRAY['{"k":1}'::jsonb, '[]'], '{1.50,NaN,-Infinity}',
        ARRAY['2024-01-01 00:00:00+00'::timestamptz, NULL], '{t,f,NULL}',
        ARRAY[ROW('s', 1, '{a}')::address, NULL], '{happy,sad}', '{1e100,-0,NaN,Infinity}',
        'sad', 5, 'dom', '2024-01-01 12:00:00+00', '{1,2}',
        ROW('Main St', 12345, '{x,y}'), ROW('ann', ROW('Elm', 1, NULL), 'happy', 1.0), ROW('bo', NULL, NULL, NULL))""",
    # edges
    """(2, -32768, -2147483648, -9223372036854775808, 'NaN', 'Infinity', 'NaN', -0.000, -922337203685477.58,
        false, '', '', '', '', '', '\\x',
        'infinity', '24:00:00', '00:00:00-15:59', '-infinity', '4713-01-01 00:00:00 BC', 'infinity', '-178000000 years',
        '00000000-0000-0000-0000-000000000000', '"just a string"', 'null',
        '::1', '::/0', 'ff:ff:ff:ff:ff:ff', 'ff:ff:ff:ff:ff:ff:ff:ff',
        '(1e300,-1e-300)', '{0,1,0}', '[(0,0),(0,0)]', '(0,0),(0,0)', '((0,0))', '((0,0))', '<(0,0),0>',
        B'000', B'',
        '', '',
        '<empty/>',
        'empty', '(,)', '(,)', '[-infinity,infinity]', '{}',
        0, '0/0',
        '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}',
        'it''s "complicated"', 2147483647, '', 'infinity', '{}',
        ROW(NULL, NULL, NULL), ROW(NULL, NULL, NULL, NULL), ROW(NULL, NULL, NULL, NULL))""",
    # more numbers
    """(3, 32767, 2147483647, 9223372036854775807, '-Infinity', '-Infinity', 'Infinity', 1234567.891, 0,
        NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
        NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
        NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
        NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)""",
    """(4, 0, 0, 0, 1e-45, 1e100, '-Infinity', 0, 0,
        NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
        NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
        NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
        NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)""",
    """(5, NULL, NULL, NULL, 3.4028235e38, 1.7976931348623157e308, 123456789012345678901234567890.123456789012345678901234567890,
        NULL, NULL,
        NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
        NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
        NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
        NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)""",
]

HOSTILE = [
    'double "quotes" and \'single\'',
    "back\\slash \\\\ \\n not a newline \\u0041",
    "".join(chr(c) for c in range(1, 32)) + "\x7f",
    "line1\nline2\r\nline3\ttab\bback\fform",
    "ünïcödé ÆØÅ 日本語 עברית العربية",
    "emoji 😀🎉👩‍👩‍👧 and \U0001F600",
    "</script><script>alert(1)</script>",
    '{"looks": "like json"}',
    "null",
    "   leading and trailing spaces   ",
    "\u2028\u2029 separators",
]


@pytest.fixture
def typed(conn, slot):
    conn.execute(TYPES_DDL)
    # to_jsonb renders timestamptz in the session time zone; so must the plugin, so test a non-UTC zone
    conn.execute("SET TimeZone = 'America/New_York'")
    for row in ROWS:
        conn.execute(f"INSERT INTO everything VALUES {row}")
    return slot


def test_every_column_of_every_row_equals_to_jsonb(conn, typed):
    mismatches = conn.execute("""
        WITH out AS (
            SELECT (c.data::jsonb) AS obj FROM pg_logical_slot_peek_changes('walcast_test', NULL, NULL) c
        )
        SELECT ev.id, k.key, out.obj->'record'->k.key AS got, k.value AS want
        FROM out
        JOIN everything ev ON ev.id = (out.obj->'record'->>'id')::int
        CROSS JOIN LATERAL jsonb_each(to_jsonb(ev)) k
        WHERE NOT (out.obj->'record' ? k.key) OR out.obj->'record'->k.key IS DISTINCT FROM k.value
        ORDER BY 1, 2""").fetchall()
    assert mismatches == []
    n, keys = conn.execute("""
        SELECT count(*), max((SELECT count(*) FROM jsonb_object_keys((c.data::jsonb)->'record')))
        FROM pg_logical_slot_peek_changes('walcast_test', NULL, NULL) c""").fetchone()
    assert n == len(ROWS)
    assert keys == conn.execute("SELECT count(*) FROM jsonb_object_keys((SELECT to_jsonb(ev) FROM everything ev "
                                "LIMIT 1))").fetchone()[0]


def test_column_types_are_typnames(conn, typed):
    (row,) = [r for r in typed.changes() if r["record"]["id"] == 1]
    types = {c["name"]: c["type"] for c in row["columns"]}
    assert types["i2"] == "int2" and types["f8"] == "float8" and types["vc"] == "varchar" and types["bp"] == "bpchar"
    assert types["a_i"] == "_int4" and types["a_2d"] == "_int4" and types["a_jb"] == "_jsonb"
    assert types["e"] == "mood" and types["dom"] == "posint" and types["comp"] == "address"
    assert types["tstz"] == "timestamptz" and types["jb"] == "jsonb" and types["u"] == "uuid"
    expected = conn.execute("""
        SELECT json_agg(json_build_object('name', a.attname, 'type', t.typname) ORDER BY a.attnum)
        FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
        WHERE a.attrelid = 'everything'::regclass AND a.attnum > 0 AND NOT a.attisdropped""").fetchone()[0]
    assert row["columns"] == expected


def test_exact_text_of_key_renderings(conn, typed):
    raw = {json.loads(t)["record"]["id"]: t for t in typed.raw()}
    r1, r2, r3, r4 = raw[1], raw[2], raw[3], raw[4]
    assert '"i8":3,' in r1 and '"num":3.75,' in r1 and '"num_t":12.500,' in r1
    assert '"b":true,' in r1 and '"by":"\\\\xdeadbeef"' in r1
    assert '"tstz":"2024-02-29T03:15:01.123456-05:00"' in r1
    assert '"ts":"2024-02-29T13:45:01.5"' in r1 and '"d":"2024-02-29"' in r1
    assert '"j":{"b": [1, 2.50, "x"], "a": null}' in r1 or '"j":{"b": [1, 2.50, "x"], "a": null},' in r1
    assert '"jb":{"a": {}, "b": [1, 2.50]}' in r1
    # arrays and composites are written structurally: equal to to_jsonb's as jsonb, composite keys in column order
    assert '"a_i":[1,null,3]' in r1 and '"a_2d":[[1,2],[3,null]]' in r1
    assert '"a_t":["a","NULL",null,"c,d"]' in r1 and '"a_jb":[{"k": 1},[]]' in r1
    assert '"e":"sad"' in r1 and '"dom":5,' in r1
    assert '"comp":{"street":"Main St","zip":12345,"tags":["x","y"]}' in r1
    assert '"nested":{"name":"ann","home":{"street":"Elm","zip":1,"tags":null},"mood":"happy","score":1.0}' in r1
    # numbers inside arrays follow to_jsonb's rules too: a float goes through numeric, spelled out in digits
    assert '"a_f8":[1' + '0' * 100 + ',0,"NaN","Infinity"]' in r1 and '"a_num":[1.50,"NaN","-Infinity"]' in r1
    assert '"mr":"{[1,3),[5,7)}"' in r1 and '"o":"4294967295"' in r1
    assert '"f4":"NaN"' in r2 and '"f8":"Infinity"' in r2 and '"num":"NaN"' in r2 and '"num_t":0.000' in r2
    assert '"b":false,' in r2 and '"i8":-9223372036854775808,' in r2
    assert '"d":"infinity"' in r2 and '"ts":"-infinity"' in r2
    assert '"j":"just a string"' in r2 and '"jb":null' in r2
    assert '"f4":"-Infinity"' in r3 and '"num":"Infinity"' in r3 and '"b":null' in r3
    assert '"f8":1' + '0' * 100 + ',' in r4 and '"f4":0.' + '0' * 44 + '1,' in r4
    for rid, text in raw.items():
        want = conn.execute("SELECT to_jsonb(f4)::text, to_jsonb(f8)::text, to_jsonb(num)::text "
                            "FROM everything WHERE id = %s", (rid,)).fetchone()
        for key, value in zip(("f4", "f8", "num"), want):
            assert f'"{key}":{value},' in text, (rid, key, value)


def test_hostile_text_round_trips_and_equals_to_jsonb(conn, slot):
    conn.execute("CREATE TABLE h (id int PRIMARY KEY, t text, vc varchar, a text[], j jsonb, k jsonb)")
    for i, s in enumerate(HOSTILE):
        conn.execute("INSERT INTO h VALUES (%s, %s, %s, ARRAY[%s, %s], jsonb_build_object(%s::text, %s::text), to_jsonb(%s::text))",
                     (i, s, s, s, s, s, s, s))
    rows = {r["record"]["id"]: r["record"] for r in slot.changes(consume=False)}
    for i, s in enumerate(HOSTILE):
        assert rows[i]["t"] == s
        assert rows[i]["vc"] == s
        assert rows[i]["a"] == [s, s]
        assert rows[i]["j"] == {s: s}
        assert rows[i]["k"] == s
    mismatches = conn.execute("""
        SELECT h.id FROM pg_logical_slot_peek_changes('walcast_test', NULL, NULL) c
        JOIN h ON h.id = ((c.data::jsonb)->'record'->>'id')::int
        WHERE (c.data::jsonb)->'record' <> to_jsonb(h)""").fetchall()
    assert mismatches == []


def test_hostile_text_exact_escapes(conn, slot):
    conn.execute("CREATE TABLE h (id int PRIMARY KEY, t text)")
    conn.execute("INSERT INTO h VALUES (1, %s)", ("q\" b\\ n\n c\x01 d\x1f é 😀",))
    (raw,) = slot.raw()
    assert '"t":"q\\" b\\\\ n\\n c\\u0001 d\\u001f é 😀"' in raw
    # identical to PostgreSQL's own escaping
    pg = conn.execute("SELECT to_jsonb(t)::text FROM h").fetchone()[0]
    assert f'"t":{pg}' in raw


def test_bytea_follows_bytea_output_like_to_jsonb(conn, slot):
    conn.execute("CREATE TABLE bin (id int PRIMARY KEY, b bytea)")
    conn.execute("INSERT INTO bin VALUES (1, '\\x00ff5c22'::bytea)")
    (raw,) = slot.raw(consume=False)
    assert '"b":"\\\\x00ff5c22"' in raw
    conn.execute("SET bytea_output = 'escape'")
    (raw,) = slot.raw()
    want = conn.execute("SELECT to_jsonb(b)::text FROM bin").fetchone()[0]
    assert f'"b":{want}' in raw


def test_json_with_line_breaks_stays_on_one_line(conn, slot):
    conn.execute("CREATE TABLE js (id int PRIMARY KEY, j json)")
    value = '{\n\t"a" : [1,\r\n 2], "s": "x\\ny"\n}'
    conn.execute("INSERT INTO js VALUES (1, %s)", (value,))
    (raw,) = slot.raw()
    assert "\n" not in raw and "\r" not in raw and "\t" not in raw
    assert json.loads(raw)["record"]["j"] == json.loads(value)


def test_json_with_nul_escape_inside_a_composite_does_not_stop_the_slot(conn, slot):
    """to_jsonb() cannot represent \\u0000 and raises an ERROR for it; one such row must not wedge decoding."""
    conn.execute("CREATE TYPE holder AS (j json, n int)")
    conn.execute("CREATE TABLE odd (id int PRIMARY KEY, h holder, a json[])")
    conn.execute("""INSERT INTO odd VALUES (1, ROW('{"s": "a\\u0000b"}', 1), ARRAY['"\\u0000"'::json])""")
    conn.execute("INSERT INTO odd VALUES (2, NULL, NULL)")
    rows = slot.changes()
    assert rows[0]["record"] == {"id": 1, "h": {"j": {"s": "a\u0000b"}, "n": 1}, "a": ["\u0000"]}
    assert rows[1]["record"] == {"id": 2, "h": None, "a": None}


STRUCTURE_DDL = """
CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE TYPE inner_t AS (tags text[], n int[], j jsonb);
CREATE TYPE outer_t AS (items inner_t[], label text, m mood);
CREATE DOMAIN inner_list AS inner_t[];
CREATE DOMAIN int_list AS int[];
CREATE DOMAIN dmood AS mood;
CREATE TYPE holder AS (l inner_list, d int_list, dm dmood, ms dmood[]);
CREATE TYPE withdrop AS (a int, gone text, c int[]);
ALTER TYPE withdrop DROP ATTRIBUTE gone;
CREATE TABLE tablerow (x int, y text, z int);
ALTER TABLE tablerow DROP COLUMN y;
CREATE TYPE pair AS (a int, b text);
CREATE TYPE pairrange AS RANGE (subtype = pair);
CREATE TYPE textrange AS RANGE (subtype = text);
CREATE TABLE nested (
    id int PRIMARY KEY,
    o outer_t, oa outer_t[], hl holder, il inner_list, ill int_list[], wd withdrop, wda withdrop[], tr tablerow,
    moods mood[], dmoods dmood[], r4 int4range[], rts tstzrange[], mr nummultirange, mrs int4multirange[],
    js json[], jbs jsonb[], f8 float8[], f4 float4[], tss timestamptz[], ds date[], a3 int[], lb int[],
    ov oidvector, iv int2vector, pt point[], pr pairrange, txr textrange, bys bytea[], us uuid[], bits varbit[]
);
"""

STRUCTURE_ROWS = [
    """(1,
        ROW(ARRAY[ROW('{a,"b c",NULL}', '{1,NULL}', '{"k": [1, {"z": null}]}')::inner_t, NULL,
                  ROW(NULL, '{}', 'null')::inner_t], 'lbl', 'sad'),
        ARRAY[ROW(ARRAY[ROW('{x}', '{{1,2},{3,4}}', '"s"')::inner_t], NULL, NULL)::outer_t, NULL],
        ROW(ARRAY[ROW('{q}', NULL, '[]')::inner_t]::inner_list, '{7,8}', 'happy', '{sad,NULL}'),
        ARRAY[ROW('{}', '{}', '{}')::inner_t], '{"{1,2}",NULL,"{}"}',
        ROW(1, '{1,NULL}'), ARRAY[ROW(2, NULL)::withdrop, NULL], ROW(5, 6),
        '{happy,NULL,sad}', '{sad}', '{"[1,3)",empty,NULL,"(,)"}',
        ARRAY['[2024-01-01 00:00+00,2024-02-01 00:00+00)'::tstzrange],
        '{[1.5,2.5), [1e20,)}', ARRAY['{[1,3),[5,7)}'::int4multirange, '{}'],
        ARRAY['{"a" : 1, "a": 2}'::json, '[1,\n2]', NULL, '"x"'], ARRAY['{"b": [1.0, 2], "a": "\\u00e9"}'::jsonb, 'null', '1e-5'],
        '{1e100,-0,NaN,Infinity,-Infinity,1.5,NULL,1e-300}', '{1e-45,3.4028235e38,NaN}',
        ARRAY['2024-02-29 13:45:01.5+00'::timestamptz, 'infinity', '-infinity', NULL],
        '{2024-02-29,infinity,NULL}', '{{{1,2},{3,4}},{{5,6},{7,NULL}}}', '[2:3]={1,2}',
        '1 2 3', '1 2', '{"(1,2)",NULL}', '["(1,x)","(2,\\"y\\")")', '["a\\"b",c)', '{"\\\\x00ff",NULL}',
        '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}', '{101,""}')""",
    """(2,
        ROW(NULL, NULL, NULL), '{}', ROW(NULL, NULL, NULL, NULL), '{}', '{}', ROW(NULL, NULL), '{}', ROW(NULL, NULL),
        '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '', '', '{}', 'empty',
        'empty', '{}', '{}', '{}')""",
    """(3, NULL, '{NULL}', NULL, '{NULL}', '{NULL,NULL}', NULL, '{NULL}', NULL, '{NULL}', '{NULL}', '{NULL}', '{NULL}',
        NULL, '{NULL}', '{NULL}', '{NULL}', '{NULL}', '{NULL}', '{NULL}', '{NULL}', '{{NULL},{NULL}}', NULL,
        NULL, NULL, '{NULL}', NULL, NULL, '{NULL}', '{NULL}', '{NULL}')""",
]


@pytest.fixture
def structured(conn, slot):
    conn.execute(STRUCTURE_DDL)
    conn.execute("SET TimeZone = 'Asia/Kolkata'")
    for row in STRUCTURE_ROWS:
        conn.execute(f"INSERT INTO nested VALUES {row}")
    return slot


def test_nested_structures_equal_to_jsonb(conn, structured):
    """Arrays of composites of arrays, domains over arrays of composites, arrays of enums, ranges, multiranges,
    json, jsonb, floats and timestamps, dropped attributes, and NULLs at every level: equal to to_jsonb."""
    mismatches = conn.execute("""
        WITH out AS (
            SELECT (c.data::jsonb) AS obj FROM pg_logical_slot_peek_changes('walcast_test', NULL, NULL) c
        )
        SELECT n.id, k.key, out.obj->'record'->k.key AS got, k.value AS want
        FROM out
        JOIN nested n ON n.id = (out.obj->'record'->>'id')::int
        CROSS JOIN LATERAL jsonb_each(to_jsonb(n)) k
        WHERE NOT (out.obj->'record' ? k.key) OR out.obj->'record'->k.key IS DISTINCT FROM k.value
        ORDER BY 1, 2""").fetchall()
    assert mismatches == []
    assert len(structured.changes(consume=False)) == len(STRUCTURE_ROWS)


def test_nested_structures_exact_text(conn, structured):
    raw = {json.loads(t)["record"]["id"]: t for t in structured.raw(consume=False)}
    r1, r2, r3 = raw[1], raw[2], raw[3]
    # composite keys in attribute order, a dropped attribute left out
    assert '"wd":{"a":1,"c":[1,null]}' in r1 and '"tr":{"x":5,"z":6}' in r1
    assert '"wda":[{"a":2,"c":null},null]' in r1
    assert '"a3":[[[1,2],[3,4]],[[5,6],[7,null]]]' in r1 and '"lb":[1,2]' in r1
    assert '"ill":[[1,2],null,[]]' in r1 and '"moods":["happy",null,"sad"]' in r1
    assert '"r4":["[1,3)","empty",null,"(,)"]' in r1
    assert '"mr":"{[1.5,2.5),[100000000000000000000,)}"' in r1 and '"mrs":["{[1,3),[5,7)}","{}"]' in r1
    # json embedded as written (duplicate keys and all), jsonb as jsonb_out writes it
    assert '"js":[{"a" : 1, "a": 2},[1, 2],null,"x"]' in r1
    assert '"jbs":[{"a": "é", "b": [1.0, 2]},null,0.00001]' in r1
    assert '"f4":[0.000000000000000000000000000000000000000000001,340282350000000000000000000000000000000,"NaN"]' in r1
    assert '"tss":["2024-02-29T19:15:01.5+05:30","infinity","-infinity",null]' in r1
    assert '"ov":["1","2","3"]' in r1 and '"iv":[1,2]' in r1 and '"pt":["(1,2)",null]' in r1
    assert '"pr":"[\\"(1,x)\\",\\"(2,y)\\")"' in r1 and '"txr":"[\\"a\\"\\"b\\",c)"' in r1
    assert '"bits":["101",""]' in r1
    assert '"o":{"items":null,"label":null,"m":null}' in r2 and '"oa":[]' in r2 and '"mr":"{}"' in r2
    assert '"pr":"empty"' in r2 and '"lb":[]' in r2
    assert '"a3":[[null],[null]]' in r3 and '"hl":null' in r3 and '"oa":[null]' in r3


JSONB_VALUES = [
    '{}', '[]', '"just a string"', '12.50', 'null', 'true', '[[], {}, [[]], {"a": {}}]',
    '{"b": 1, "a": [1, "x", null, false, {"c": "\\"q\\" \\\\ \\n \\u0001 é 😀"}], "": ""}',
    '[1e-20, -0.0, 123456789012345678901234567890, 1e131071]',
    '[' * 2000 + ']' * 2000,
]


def test_jsonb_text_is_jsonb_out(conn, slot):
    """jsonb is written from its binary form; the text must be exactly what jsonb_out writes."""
    conn.execute("CREATE TABLE jb (id int PRIMARY KEY, v jsonb, a jsonb[])")
    for i, v in enumerate(JSONB_VALUES):
        conn.execute("INSERT INTO jb VALUES (%s, %s::jsonb, ARRAY[%s::jsonb])", (i, v, v))
    # read the id by hand: Python's json refuses the 131072-digit number
    raw = {int(re.search(r'"record":\{"id":(\d+)', t).group(1)): t for t in slot.raw()}
    for i, v in enumerate(JSONB_VALUES):
        want = conn.execute("SELECT v::text FROM jb WHERE id = %s", (i,)).fetchone()[0]
        assert raw[i].endswith(f',"v":{want},"a":[{want}]}},"errors":null}}'), i


def chain_ddl(depth, leaf="v int"):
    """Composite types c0 .. c<depth>, each holding the one before: a value of c<depth> nests depth + 1 levels."""
    return [f"CREATE TYPE c0 AS ({leaf})"] + [f"CREATE TYPE c{i} AS (x c{i - 1})" for i in range(1, depth + 1)]


def chain_value(depth, leaf="1"):
    expr = f"ROW({leaf})::c0"
    for i in range(1, depth + 1):
        expr = f"ROW({expr})::c{i}"
    return expr


def test_value_nested_past_the_structural_cap_is_its_output_text(cluster, db, conn, slot):
    """Past 32 levels a value is written as its output function's text (a JSON string): built as an
    unprivileged role, whose types these are."""
    depth = 39  # 40 levels: 32 as JSON structure, the last 8 as record_out's text
    conn.execute("CREATE ROLE chainer LOGIN")
    conn.execute("CREATE SCHEMA chainer AUTHORIZATION chainer")
    try:
        with cluster.connect(db, user="chainer") as m:
            m.execute("SET search_path = chainer")
            for ddl in chain_ddl(depth):
                m.execute(ddl)
            m.execute(f"CREATE TABLE deep (id int PRIMARY KEY, v c{depth})")
            m.execute(f"INSERT INTO deep VALUES (1, {chain_value(depth)})")
            m.execute("INSERT INTO deep VALUES (2, NULL)")
            below_cap = "(v)" + ".x" * 32
            want_text = m.execute(f"SELECT ({below_cap})::text FROM deep WHERE id = 1").fetchone()[0]
        first, second = slot.changes()
        v = first["record"]["v"]
        for _ in range(32):
            assert set(v) == {"x"}
            v = v["x"]
        assert v == want_text and want_text.startswith('("(""(')
        assert first["errors"] is None
        assert second["record"] == {"id": 2, "v": None}
        assert cluster.crash_lines() == []
    finally:
        conn.execute("DROP SCHEMA chainer CASCADE")
        conn.execute("DROP ROLE chainer")
