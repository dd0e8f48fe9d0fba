"""Python side of walcast-loadgen (the C++ load generator in this folder): finds or builds the binary and runs
its modes. `e2e` and `commits` print one JSON object; `idle` talks in READY/RESULT/DONE lines (IdleLoad)."""
import json
import os
import select
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
TOP_BUILD = os.path.join(REPO, "build")                          # top-level CMake (add_subdirectory)
STANDALONE_BUILD = os.path.join(REPO, "build", "bench-loadgen")  # this folder alone


def binary() -> str:
    """Path of an up-to-date walcast-loadgen (WALCAST_LOADGEN_BIN wins); builds it when needed."""
    if os.environ.get("WALCAST_LOADGEN_BIN"):
        return os.environ["WALCAST_LOADGEN_BIN"]
    if os.path.isdir(os.path.join(TOP_BUILD, "tests", "bench", "loadgen")):
        subprocess.run(["cmake", "--build", TOP_BUILD, "--target", "walcast-loadgen", "-j2"], check=True,
                       stdout=subprocess.DEVNULL)
        return os.path.join(TOP_BUILD, "tests", "bench", "loadgen", "walcast-loadgen")
    if not os.path.exists(os.path.join(STANDALONE_BUILD, "CMakeCache.txt")):
        subprocess.run(["cmake", "-S", HERE, "-B", STANDALONE_BUILD, "-DCMAKE_BUILD_TYPE=RelWithDebInfo"],
                       check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", STANDALONE_BUILD, "-j2"], check=True, stdout=subprocess.DEVNULL)
    return os.path.join(STANDALONE_BUILD, "walcast-loadgen")


def _args(options: dict) -> list:
    out = []
    for key, value in options.items():
        for v in (value if isinstance(value, (list, tuple)) else [value]):
            out += ["--" + key.replace("_", "-"), str(v)]
    return out


def run_json(mode: str, timeout: float, **options) -> dict:
    """Runs one e2e/commits invocation and returns its JSON; raises with its stderr when it fails to report."""
    proc = subprocess.run([binary(), mode] + _args(options), capture_output=True, text=True, timeout=timeout)
    lines = [l for l in proc.stdout.splitlines() if l.startswith("{")]
    if not lines:
        raise RuntimeError(f"walcast-loadgen {mode} exited {proc.returncode} without a result:\n{proc.stderr[-2000:]}")
    result = json.loads(lines[-1])
    result["exit_code"] = proc.returncode
    result["stderr"] = proc.stderr[-2000:]
    return result


class IdleLoad:
    """One `walcast-loadgen idle` process holding `clients` joined connections until stop()."""

    def __init__(self, spawn, **options):
        self.proc = spawn([binary(), "idle"] + _args(options), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)

    def wait_line(self, tag: str, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"walcast-loadgen idle: no {tag} line within {timeout}s")
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if not ready:
                continue
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError(f"walcast-loadgen idle exited ({self.proc.wait()}) before {tag}: "
                                   + self.proc.stderr.read()[-2000:])
            if line.startswith(tag + " "):
                return json.loads(line[len(tag) + 1:])

    def stop(self, timeout: float = 60) -> dict:
        """Tells it to close its connections; returns its DONE report (or {} if it was gone)."""
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.flush()
            return self.wait_line("DONE", timeout)
        except (BrokenPipeError, RuntimeError, TimeoutError):
            return {}
        finally:
            if self.proc.poll() is None:
                self.proc.terminate()
            self.proc.wait(timeout=30)
