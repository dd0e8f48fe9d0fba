"""The harness fails a test whose gateway printed a sanitizer report (scripts/sanitize runs tests/gateway against an
ASan + UBSan gateway and relies on it). Checked here with a stand-in process that prints what a sanitized gateway
prints, since the real gateway has no report to give."""
import sys
import textwrap
import types

import pytest

import harness.gateway as harness_gateway
from harness.gateway import Gateway

# Starts like the gateway, then prints the given report when told to stop (as LeakSanitizer does at exit) and
# exits with the given status.
STAND_IN = textwrap.dedent("""\
    import signal, sys
    def stop(*_):
        sys.stderr.write(sys.argv[1] + "\\n")
        sys.stderr.flush()
        sys.exit(int(sys.argv[2]))
    signal.signal(signal.SIGTERM, stop)
    sys.stderr.write("info gateway: listening on 127.0.0.1\\n")
    sys.stderr.flush()
    signal.pause()
""")


def run_stand_in(tmp_path, monkeypatch, report, status):
    script = tmp_path / "stand_in.py"
    script.write_text(STAND_IN)
    wrapper = tmp_path / "gateway"
    wrapper.write_text(f"#!/bin/sh\nexec {sys.executable} {script} '{report}' {status}\n")
    wrapper.chmod(0o755)
    monkeypatch.setattr(harness_gateway, "GATEWAY_BIN", str(wrapper))
    cluster = types.SimpleNamespace(host="127.0.0.1", port=1, user="postgres")
    gw = Gateway(cluster, "postgres").start(wait_replication=False)
    return gw


@pytest.mark.parametrize("report", [
    "==42==ERROR: LeakSanitizer: detected memory leaks",
    "==42==ERROR: AddressSanitizer: heap-use-after-free on address 0x602000000010",
    "gateway/src/net/send_queue.cpp:10:5: runtime error: signed integer overflow",
    "WARNING: ThreadSanitizer: data race (pid=42)",
])
def test_a_sanitizer_report_at_exit_fails_the_test(tmp_path, monkeypatch, report):
    gw = run_stand_in(tmp_path, monkeypatch, report, 0)
    with pytest.raises(AssertionError, match="sanitizer error"):
        gw.stop()


def test_a_clean_exit_passes_and_the_options_reach_the_gateway(tmp_path, monkeypatch):
    gw = run_stand_in(tmp_path, monkeypatch, "info gateway: stopped", 0)
    assert "halt_on_error=1" in gw.env["ASAN_OPTIONS"] and "detect_leaks=1" in gw.env["ASAN_OPTIONS"]
    assert "halt_on_error=1" in gw.env["UBSAN_OPTIONS"]
    assert gw.stop() == 0
