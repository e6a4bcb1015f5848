"""bench/wasi_stdout.py works end to end: a quick run prints a timed row per engine and the
WASI layer's share."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_quick_run_prints_every_engine() -> None:
    done = subprocess.run([sys.executable, str(REPO / "bench" / "wasi_stdout.py"), "--quick"],
                          capture_output=True, text=True, timeout=120, cwd=REPO)
    assert done.returncode == 0, done.stderr
    rows = {}
    for line in done.stdout.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5:
            rows[cells[0]] = cells
    for engine in ("heron-opt", "heron-base", "heron-opt, no-op fd_write", "wasmtime"):
        assert engine in rows, done.stdout
        assert re.fullmatch(r"[\d.]+ms", rows[engine][1]), rows[engine]
    assert "WASI layer share" in done.stdout
