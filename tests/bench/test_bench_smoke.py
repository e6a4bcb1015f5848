"""The benchmark runner works end to end: a quick fib run prints a timed row for every peer."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PEERS = ("pwasm", "pywasm", "wasmtime")


def test_quick_fib_prints_peer_rows() -> None:
    if not (REPO.parent / "shared" / "bench" / "fib.wat").exists() and "HERON_BENCH_DIR" not in __import__("os").environ:
        pytest.skip("shared bench workloads not found")
    done = subprocess.run([sys.executable, str(REPO / "bench" / "run.py"), "--quick", "--only", "fib"],
                          capture_output=True, text=True, timeout=60, cwd=REPO)
    assert done.returncode == 0, done.stderr
    rows = {}
    for line in done.stdout.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 6 and cells[0] == "fib":
            rows[cells[1]] = cells
    for peer in PEERS:
        assert peer in rows, f"no fib row for {peer}:\n{done.stdout}"
        _, _, call, median, _spread, rate = rows[peer][:6]
        assert call == "fib(12)"
        assert re.fullmatch(r"[\d.]+ (s|ms|us)", median), rows[peer]
        assert float(rate.replace(",", "")) > 0, rows[peer]
    # Heron rows are present either way: timed, or n/a with a reason.
    for heron in ("heron-base", "heron-opt"):
        assert heron in rows
