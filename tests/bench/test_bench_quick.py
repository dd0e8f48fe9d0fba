"""Keeps the benchmark code from rotting: `tests/bench/run --quick` must run every present benchmark to the end
and each must produce figures. Speeds are never asserted; this machine is too noisy and that is not the point."""
import json
import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from lib.registry import BENCHMARKS  # noqa: E402

RESULTS_MD = os.path.join(HERE, "RESULTS.md")


def _mtime(path):
    return os.stat(path).st_mtime_ns if os.path.exists(path) else None


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """One plain `tests/bench/run --quick` for the whole module: (parsed JSON figures, markdown report text)."""
    out_json = tmp_path_factory.mktemp("bench-quick") / "quick.json"
    committed_before = _mtime(RESULTS_MD)
    proc = subprocess.run(["/usr/bin/python3", os.path.join(HERE, "run"), "--quick", "--json", str(out_json)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"quick run failed:\n{proc.stdout[-5000:]}\n{proc.stderr[-5000:]}"
    assert _mtime(RESULTS_MD) == committed_before, "--quick must not touch the committed RESULTS.md"
    report = proc.stdout.strip().splitlines()[-1]  # "Report: <path>  (log: ...)"
    report_path = report.split()[1]
    assert os.path.abspath(report_path) != RESULTS_MD
    with open(report_path) as f:
        markdown = f.read()
    return json.loads(out_json.read_text()), markdown


def test_every_present_benchmark_produced_figures(quick_run):
    data, markdown = quick_run
    assert not data["errors"], data["errors"]
    present = [name for name, _ in BENCHMARKS if name not in data["missing"]]
    assert "decode" in present
    for name in present:
        figures = [f for f in data["figures"] if f["bench"] == name]
        assert figures, f"benchmark {name} produced no figures"
        for f in figures:
            assert f["values"] and all(v >= 0 for v in f["values"]), f
    assert "## Machine" in markdown and "tests/bench/run --quick" in markdown


def test_decode_covers_every_plugin_workload_and_measure(quick_run):
    figures = [f for f in quick_run[0]["figures"] if f["bench"] == "decode"]
    assert {f["peer"] for f in figures} == {"walcast", "walcast (gateway opts)", "pgoutput", "wal2json v2",
                                            "test_decoding"}
    timed = {"changes/s", "bytes/change", "backend CPU", "peak RSS"}
    assert len({f["scenario"] for f in figures if f["measure"] == "changes/s"}) == 6
    for measure in timed:
        assert len([f for f in figures if f["measure"] == measure]) == 6 * 5, measure
    counted = [f for f in figures if f["measure"] == "instructions/change"]
    if shutil.which("valgrind"):
        assert len(counted) == 5
    assert {f["measure"] for f in figures} <= timed | {"instructions/change"}
    for f in figures:
        if f["measure"] != "backend CPU":  # a tiny drain may take less than one clock tick of CPU
            assert f["median"] > 0, f


def test_auth_measures_every_configuration(quick_run):
    """The auth benchmark compares the same three configurations on every measure, and every join and broadcast
    it timed was answered or delivered (the benchmark itself fails otherwise)."""
    data, markdown = quick_run
    if "auth" in data["missing"]:
        pytest.skip("tests/bench/auth not present")
    figures = [f for f in data["figures"] if f["bench"] == "auth"]
    peers = {"auth off", "walcast auth on, public", "walcast auth on, private"}
    by_measure = {}
    for f in figures:
        by_measure.setdefault((f["scenario"], f["measure"]), set()).add(f["peer"])
    assert by_measure and all(p == peers for p in by_measure.values()), by_measure
    measures = {m for _, m in by_measure}
    assert measures == {"upgrades/s", "joins/s", "gateway CPU per join", "load generator CPU", "deliveries/s",
                        "gateway CPU per delivery"}
    assert len([k for k in by_measure if k[1] == "joins/s"]) == 2  # first joins (cache cold) and rejoins
    for f in figures:
        if f["measure"] in ("upgrades/s", "joins/s", "deliveries/s"):
            assert f["median"] > 0, f
    assert "on / off" in markdown
