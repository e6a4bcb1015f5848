"""bench/resource_controls.py works end to end: a quick run prints a row per workload and
strategy with the four modes, and the fuel it consumed agrees with wasmtime-py's."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def test_quick_run_agrees_with_wasmtime() -> None:
    if not (REPO.parent / "shared" / "bench" / "fib.wat").exists() and "HERON_BENCH_DIR" not in os.environ:
        pytest.skip("shared bench workloads not found")
    pytest.importorskip("wasmtime")
    done = subprocess.run([sys.executable, str(REPO / "bench" / "resource_controls.py"), "--quick", "--check-fuel",
                           "--only", "fib,exc_nothrow"], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert done.returncode == 0, done.stdout + done.stderr
    rows = [line.split() for line in done.stdout.splitlines() if line.split()[:1] in (["fib"], ["exc_nothrow"])]
    assert [(r[0], r[1]) for r in rows] == [("fib", "optimizing"), ("fib", "baseline"),
                                            ("exc_nothrow", "optimizing"), ("exc_nothrow", "baseline")]
    assert all(len(r) == 11 and r[4] == "1.00x" for r in rows), done.stdout
    assert done.stdout.count("wasmtime-py agrees") == 4, done.stdout
