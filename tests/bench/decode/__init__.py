"""Benchmark 1: decode throughput of walcast and its peers on identical WAL."""
