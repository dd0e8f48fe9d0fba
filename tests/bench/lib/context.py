"""The object every benchmark's `run(ctx)` receives: sizes for the mode, recording, logging and cleanup.

A benchmark module (see registry.py) looks like:

    TITLE = "Decode throughput on identical WAL"          # optional, heads its section in RESULTS.md
    DESCRIPTION = "What is measured and how (markdown)."  # optional

    def run(ctx):
        with ctx.cluster() as pg:                          # throwaway PostgreSQL 15, destroyed afterwards
            for rep in range(ctx.reps(3)):
                ...
        ctx.record("decode", "200k-row txn", "changes/s", "walcast", [..per repetition..], "changes/s",
                   lower_is_better=False)

Everything a benchmark starts through ctx (clusters, processes) is stopped when it returns or raises.
"""
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from .results import Figure, Results

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
TESTS = os.path.join(REPO, "tests")
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)

from harness.pgcluster import PgCluster  # noqa: E402


class BenchContext:
    def __init__(self, bench: str, quick: bool, results: Results, reps_override=None, log_file=None):
        self.bench = bench              # this benchmark's short name from the registry
        self.quick = quick              # True under --quick: tiny sizes, one repetition
        self.repo = REPO                # repository root
        self.results = results
        self.workdir = tempfile.mkdtemp(prefix=f"walcast-bench-{bench}-")  # scratch, removed afterwards
        self._reps_override = reps_override
        self._log_file = log_file
        self._clusters = []
        self._processes = []

    # ---- sizes -------------------------------------------------------------------------------------------
    def reps(self, full: int) -> int:
        """Repetitions to run: 1 in quick mode, `full` otherwise (or the --reps override)."""
        if self.quick:
            return 1
        return self._reps_override or full

    def size(self, quick, full):
        """Pick the quick-mode or the full-mode value of a workload parameter."""
        return quick if self.quick else full

    # ---- results -----------------------------------------------------------------------------------------
    def record(self, bench: str, scenario: str, measure: str, peer: str, values, unit: str,
               lower_is_better: bool):
        """One figure: `values` holds one number per repetition. Peers named walcast* are ours; the table
        shows each of them against every other peer of the same bench/scenario/measure."""
        values = [float(v) for v in (values if isinstance(values, (list, tuple)) else [values])]
        self.results.add(Figure(bench, scenario, measure, peer, values, unit, lower_is_better))

    def note(self, text: str):
        """A markdown line under this benchmark's section of RESULTS.md (caveats, reduced repetitions,
        profiling findings)."""
        self.results.notes.setdefault(self.bench, []).append(text)

    def log(self, *parts):
        line = f"[{time.strftime('%H:%M:%S')} {self.bench}] " + " ".join(str(p) for p in parts)
        print(line, file=sys.stderr, flush=True)
        if self._log_file:
            self._log_file.write(line + "\n")
            self._log_file.flush()

    # ---- owned resources ---------------------------------------------------------------------------------
    @contextlib.contextmanager
    def cluster(self, extra_conf: str = ""):
        """A started throwaway PostgreSQL 15 (tests/harness PgCluster, wal_level=logical, walcast allowed as an
        output plugin), destroyed on exit."""
        pg = PgCluster(extra_conf=extra_conf).init()
        self._clusters.append(pg)
        try:
            pg.start()
            yield pg
        finally:
            crashes = pg.crash_lines()
            pg.destroy()
            self._clusters.remove(pg)
            if crashes:
                raise RuntimeError("PostgreSQL backend crashed during the benchmark:\n" + "\n".join(crashes))

    def spawn(self, args, **popen_kwargs) -> subprocess.Popen:
        """Start a process that is terminated (then killed) when the benchmark ends, if still running. It gets
        its own process group so its children go too."""
        popen_kwargs.setdefault("start_new_session", True)
        proc = subprocess.Popen(args, **popen_kwargs)
        self._processes.append(proc)
        return proc

    def close(self):
        for proc in self._processes:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
        self._processes.clear()
        for pg in list(self._clusters):
            pg.destroy()
        self._clusters.clear()
        shutil.rmtree(self.workdir, ignore_errors=True)
