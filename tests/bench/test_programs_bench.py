"""bench/programs.py runs end to end: a row per engine, each output compared with wasmtime's."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def test_eh_tour_rows() -> None:
    pytest.importorskip("wasmtime")
    done = subprocess.run([sys.executable, str(REPO / "bench" / "programs.py"), "--programs", "eh_tour",
                           "--engines", "heron-opt,wasmtime"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("| eh_tour |")]
    assert [r.split("|")[2].strip() for r in rows] == ["heron-opt", "wasmtime"]
    for row in rows:
        assert "same (exit 5, 584 B)" in row, row
