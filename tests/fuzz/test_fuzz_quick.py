"""The libFuzzer targets (tests/fuzz/run) for a short fixed time each: any crash or broken invariant fails.

Fuzz longer by hand with `tests/fuzz/run --seconds 3600 [--only <target>]`."""
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SECONDS_PER_TARGET = 15


def test_fuzz_targets_survive_a_short_run():
    run = subprocess.run(
        [os.path.join(ROOT, "tests", "fuzz", "run"), "--seconds", str(SECONDS_PER_TARGET)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
    print(run.stdout)
    assert run.returncode == 0, "fuzzing failed (crash inputs are named above):\n" + run.stdout[-6000:]
