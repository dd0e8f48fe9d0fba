"""One measured drain of one slot: how long the server took, how much it wrote, and what the decoding backend
used. Each drain gets a fresh connection, because VmHWM (peak RSS) is a per-process lifetime figure."""
from dataclasses import dataclass

from lib import proc

from .peers import Peer


@dataclass
class Drain:
    seconds: float      # server-side time of the decoding statement
    rows: int           # output rows (changes plus the plugin's BEGIN/COMMIT/RELATION rows)
    out_bytes: int      # total size of the output
    cpu_seconds: float  # user+system CPU of the decoding backend during the statement
    peak_rss_mb: float  # VmHWM of the decoding backend after the statement


# Installed in each benchmark database: runs one decoding query and times it with the server's own clock, so
# neither the client nor the wire is in the figure.
TIMED_DRAIN_FUNCTION = """
CREATE FUNCTION bench_timed_drain(query text, OUT n bigint, OUT bytes bigint, OUT seconds float8)
LANGUAGE plpgsql AS $$
DECLARE started timestamptz;
BEGIN
    started := clock_timestamp();
    EXECUTE query INTO n, bytes;
    seconds := extract(epoch FROM clock_timestamp() - started);
END $$"""


def peek_query(peer: Peer) -> str:
    """Decodes everything pending without consuming it (so repetitions see the same WAL), summed server-side so no
    output crosses the wire. pgoutput writes bytes, so it gets the binary peek."""
    fn = "pg_logical_slot_peek_binary_changes" if peer.binary else "pg_logical_slot_peek_changes"
    options = "".join(f", {quote_literal(name)}, {quote_literal(value)}" for name, value in peer.options)
    return (f"SELECT count(*), coalesce(sum(octet_length(data)), 0) "
            f"FROM {fn}({quote_literal(peer.slot)}, NULL, NULL{options})")


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def drain(cluster, dbname: str, peer: Peer) -> Drain:
    with cluster.connect(dbname) as conn:
        pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        query = peek_query(peer)
        cpu_before = proc.cpu_seconds(pid)
        rows, out_bytes, seconds = conn.execute("SELECT * FROM bench_timed_drain(%s)", [query]).fetchone()
        cpu = proc.cpu_seconds(pid) - cpu_before
        hwm = proc.peak_rss_mb(pid)
    return Drain(float(seconds), int(rows), int(out_bytes), cpu, hwm)
