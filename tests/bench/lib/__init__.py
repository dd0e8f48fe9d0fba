"""Shared machinery of the walcast benchmarks: the run context, result recording, tables and RESULTS.md."""
