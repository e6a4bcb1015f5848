"""Run a benchmark script's worker in a fresh Python process and read back its result.

startup.py and programs.py time each engine in its own interpreter (nothing imported or
warmed by another engine, peak memory per engine): the script re-runs itself with
`--worker ARGS...`, and the worker prints one JSON object as its last line.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def run_worker(script: str, args: list[str], timeout: float, error_width: int = 80) -> dict:
    """The worker's JSON result, or {"error": reason} when it timed out or failed."""
    env = dict(os.environ, PYTHONPATH=str(REPO / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cmd = [sys.executable, str(Path(script).resolve()), "--worker", *args]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout:.0f} s"}
    if p.returncode != 0:
        last = (p.stderr.strip().splitlines() or ["?"])[-1]
        return {"error": last[:error_width]}
    return json.loads(p.stdout.strip().splitlines()[-1])


__all__ = ["run_worker"]
