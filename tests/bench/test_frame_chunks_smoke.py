"""bench/frame_chunks.py runs end to end: both workloads and the ratio rows for Heron."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_heron_rows() -> None:
    done = subprocess.run([sys.executable, str(REPO / "bench" / "frame_chunks.py"), "--engines", "heron-opt",
                           "--iters", "10"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    rows = [line.split("|")[1:-1] for line in done.stdout.splitlines() if line.startswith("| heron-opt |")]
    assert [r[1].strip() for r in rows] == ["exc_nothrow", "exc_maythrow", "maythrow/nothrow at equal depth",
                                            "maythrow/nothrow, both without crossings"]
    for row in rows[:2]:
        fastest, median, slowest = (float(x) for x in row[2:5])
        assert 0 < fastest <= median <= slowest
