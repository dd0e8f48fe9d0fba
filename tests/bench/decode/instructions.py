"""Instructions per change, counted by callgrind: the one decode figure this noisy machine cannot move.

Wall and CPU time drift ±30% here with whatever else runs; an instruction count does not. The cluster is stopped and
one single-user `postgres --single` runs every peer's peek in turn under `valgrind --tool=callgrind`, which dumps its
counters right before and right after each peek function: the "after" dumps hold exactly the decoding of one peek
(WAL reading, reorder buffer, the plugin, the tuplestore of the SQL function).
"""
import glob
import os
import re
import shutil
import subprocess

from harness.pgcluster import PG_BIN

from . import measure
from .peers import PEERS

PEEK_FUNCTIONS = ("pg_logical_slot_peek_changes", "pg_logical_slot_peek_binary_changes")


def available() -> bool:
    return shutil.which("valgrind") is not None


def _after_dump_totals(prefix: str) -> list:
    """Ir of each --dump-after dump, in the order the peeks ran."""
    dumps = []
    for path in glob.glob(prefix + ".*"):
        with open(path) as f:
            text = f.read(4096)
        if "Trigger: --dump-after=" in text:
            part = int(re.search(r"^part: (\d+)", text, re.M).group(1))
            dumps.append((part, int(re.search(r"^summary: (\d+)", text, re.M).group(1))))
    return [ir for _, ir in sorted(dumps)]


def count_per_change(pg, dbname: str, expected_changes: int) -> dict:
    """`pg` must hold the workload's slots and be stopped. Returns {peer name: instructions per change}."""
    outdir = os.path.join(pg.root, "callgrind-" + dbname)  # inside the cluster's own directory: the server's user
    os.makedirs(outdir)                                      # (postgres, when we are root) must write there
    os.chmod(outdir, 0o777)
    prefix = os.path.join(outdir, "cg.out")
    cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={prefix}"]
    for fn in PEEK_FUNCTIONS:
        cmd += [f"--dump-before={fn}", f"--dump-after={fn}"]
    cmd += [f"{PG_BIN}/postgres", "--single", "-D", pg.datadir, dbname]
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--"] + cmd
    script = "".join(measure.peek_query(peer) + "\n" for peer in PEERS)
    proc = subprocess.run(cmd, input=script, capture_output=True, text=True, timeout=3600)
    totals = _after_dump_totals(prefix)
    if proc.returncode != 0 or "ERROR:" in proc.stdout + proc.stderr or len(totals) != len(PEERS):
        raise RuntimeError(f"callgrind run failed (exit {proc.returncode}, {len(totals)} dumps):\n"
                           f"{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
    shutil.rmtree(outdir, ignore_errors=True)
    return {peer.name: ir / expected_changes for peer, ir in zip(PEERS, totals)}
