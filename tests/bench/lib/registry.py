"""Which benchmarks `tests/bench/run` runs, in this order.

Each entry names a module under tests/bench/ that exposes `run(ctx)` (see context.py). A module whose file is
not there yet is skipped and reported as missing, so a half-built tree still runs the benchmarks it has.
"""

BENCHMARKS = [
    # (short name used by --only and in the results, module path relative to tests/bench)
    ("decode", "decode.bench"),
    ("e2e", "e2e.bench"),
    ("capacity", "capacity.bench"),
    ("auth", "auth.bench"),
]
