"""Per-process resource readings from /proc (Linux), for backends and for processes a benchmark starts."""
import os

_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    with open(f"/proc/{pid}/stat") as f:
        # The command name (field 2) may contain spaces; fields after the closing paren are fixed.
        fields = f.read().rsplit(")", 1)[1].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / _TICKS


def _status_kb(pid: int, key: str) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise KeyError(f"{key} not in /proc/{pid}/status")


def peak_rss_mb(pid: int) -> float:
    """Highest resident set size over the process's lifetime (VmHWM), in MiB."""
    return _status_kb(pid, "VmHWM") / 1024.0


def rss_mb(pid: int) -> float:
    """Current resident set size (VmRSS), in MiB."""
    return _status_kb(pid, "VmRSS") / 1024.0
