"""The WAL each scenario decodes. `prepare` runs before the slots exist (its WAL is never decoded); `changes`
runs after, and produces exactly `expected_changes` row changes."""
from dataclasses import dataclass
from typing import Callable

# Seven columns of the common kinds: key, small and big integers, money-like numeric, text, time, flag, json.
MIXED_TABLE = """
CREATE TABLE mixed (
    id bigint PRIMARY KEY,
    qty integer NOT NULL,
    price numeric(12,2),
    name text,
    created timestamptz,
    active boolean,
    attrs jsonb
)"""

MIXED_ROWS = """
INSERT INTO mixed
SELECT g, g % 1000, (g % 100000) / 100.0, 'customer ' || g, timestamptz '2025-01-01 00:00:00+00' + g * interval '1 second',
       g % 2 = 0, jsonb_build_object('tier', g % 5, 'tags', jsonb_build_array('a', 'b'))
FROM generate_series({first}, {last}) g"""

# Thirty columns: the mixed kinds repeated, as a wide business table.
WIDE_COLUMNS = ["id bigint PRIMARY KEY"] + [
    [f"i{n} integer", f"b{n} bigint", f"t{n} text", f"n{n} numeric(12,2)", f"ts{n} timestamptz", f"f{n} boolean"][n % 6]
    for n in range(29)]
WIDE_VALUES = ["g"] + [
    [f"g + {n}", f"g * {n}", f"'value {n} of ' || g", f"(g % 1000) / 10.0 + {n}",
     f"timestamptz '2025-01-01 00:00:00+00' + (g + {n}) * interval '1 minute'", f"(g + {n}) % 3 = 0"][n % 6]
    for n in range(29)]


def rows_label(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:g}M"
    if n >= 1000:
        return f"{n / 1000:g}k"
    return str(n)


@dataclass
class Workload:
    name: str
    expected_changes: int
    prepare: list          # SQL run before the slots are created
    changes: list          # SQL run after: the WAL being decoded
    big: bool = False      # the large one: fewer repetitions in full mode


def mixed_insert_txn(rows: int) -> Workload:
    return Workload(f"{rows_label(rows)}-row insert txn (7 cols)", rows,
                    [MIXED_TABLE],
                    [MIXED_ROWS.format(first=1, last=rows)])


def mixed_update_txns(rows: int) -> Workload:
    # One transaction per updated row, committed from inside the server (a DO block may COMMIT in autocommit).
    return Workload(f"{rows_label(rows)} single-row update txns (7 cols)", rows,
                    [MIXED_TABLE, MIXED_ROWS.format(first=1, last=rows)],
                    [f"""DO $$ BEGIN
                          FOR i IN 1..{rows} LOOP
                            UPDATE mixed SET qty = qty + 1, name = 'renamed ' || i WHERE id = i;
                            COMMIT;
                          END LOOP;
                        END $$"""])


def wide_insert_txn(rows: int) -> Workload:
    return Workload(f"{rows_label(rows)}-row insert txn (30 cols)", rows,
                    [f"CREATE TABLE wide ({', '.join(WIDE_COLUMNS)})"],
                    [f"INSERT INTO wide SELECT {', '.join(WIDE_VALUES)} FROM generate_series(1, {rows}) g"])


def large_values(rows: int) -> Workload:
    # STORAGE EXTERNAL keeps the 100 KB values out of line and uncompressed: decoding must reassemble TOAST chunks
    # and every plugin writes (and escapes) the full 100 KB.
    return Workload(f"{rows_label(rows)} rows with 100 KB text", rows,
                    ["CREATE TABLE docs (id bigint PRIMARY KEY, title text, body text)",
                     "ALTER TABLE docs ALTER COLUMN body SET STORAGE EXTERNAL"],
                    [f"""INSERT INTO docs SELECT g, 'doc ' || g,
                              left(repeat('lorem ipsum "dolor" sit amet\\ ' || g || E'\\n', 4000), 102400)
                         FROM generate_series(1, {rows}) g"""])


def replica_identity_full(rows: int) -> Workload:
    # Updates and deletes carry the whole old row.
    return Workload(f"{rows_label(rows)} updates + {rows_label(rows)} deletes, REPLICA IDENTITY FULL (7 cols)", 2 * rows,
                    [MIXED_TABLE, "ALTER TABLE mixed REPLICA IDENTITY FULL", MIXED_ROWS.format(first=1, last=rows)],
                    ["UPDATE mixed SET qty = qty + 1, name = name || ' v2'", "DELETE FROM mixed"])


def all_workloads(size: Callable) -> list:
    """`size(quick, full)` picks a row count by mode (BenchContext.size)."""
    return [
        mixed_insert_txn(size(2_000, 200_000)),
        mixed_update_txns(size(2_000, 200_000)),
        wide_insert_txn(size(1_000, 100_000)),
        large_values(size(20, 2_000)),
        replica_identity_full(size(1_000, 100_000)),
        Workload(**{**mixed_insert_txn(size(4_000, 2_000_000)).__dict__, "big": True}),
    ]
