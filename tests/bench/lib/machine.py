"""What the benchmarks ran on: printed at the top of the table and of RESULTS.md."""
import os
import platform
import subprocess

PG_BIN = "/usr/lib/postgresql/15/bin"


def _first_line(cmd) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip()
        return out.splitlines()[0] if out else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_gib() -> float:
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    return 0.0


def _package_version(name: str) -> str:
    return _first_line(["dpkg-query", "-W", "-f=${Version}", name])


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def describe(repo: str) -> dict:
    return {
        "cpu": f"{os.cpu_count()} cores, {_cpu_model()}",
        "ram": f"{_ram_gib():.1f} GiB",
        "os": f"{platform.system()} {platform.release()}, {_first_line(['sh', '-c', '. /etc/os-release && echo $PRETTY_NAME'])}",
        "postgresql": _first_line([f"{PG_BIN}/postgres", "--version"]),
        "wal2json": _package_version("postgresql-15-wal2json"),
        "commit": _first_line(["git", "-C", repo, "rev-parse", "--short", "HEAD"]),
        "load average at start": load_average(),
    }
