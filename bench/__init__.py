"""Benchmarks: Heron against its peers (pwasm, pywasm, wasmtime) on the shared workloads."""
