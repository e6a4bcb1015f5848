"""`heron run`: errors are one clear line, no traceback, non-zero exit."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


DATA = Path(__file__).parent / "data"


def heron_run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "heron.cli.main", "run", *args],
                          capture_output=True, text=True)


@pytest.mark.parametrize("name, error", [("malformed.wat", "malformed module"),
                                         ("truncated.wasm", "malformed module"),
                                         ("invalid.wat", "invalid module"), ("missing.wasm", "cannot read")])
def test_errors_are_reported_without_traceback(name, error):
    proc = heron_run(str(DATA / name))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("heron run: error: ")
    assert len(proc.stderr.strip().splitlines()) == 1
    assert f"{DATA / name}: {error}" in proc.stderr


def test_invoke_prints_results():
    proc = heron_run("--invoke", "add", str(DATA / "valid.wat"), "1", "-2")
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "-1\n", "")


def test_trap_exits_134_with_the_trap_and_no_traceback():
    proc = heron_run("--invoke", "div", str(DATA / "div.wat"), "1", "0")
    assert proc.returncode == 134
    assert "wasm trap: integer divide by zero" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("args, message", [
    (["--invoke", "div", str(DATA / "div.wat"), "1"], "div takes 2 arguments, 1 given"),
    (["--invoke", "div", str(DATA / "div.wat"), "1", "x"], "argument 'x' is not a valid i32"),
    (["--invoke", "nope", str(DATA / "div.wat")], "no export named 'nope'"),
])
def test_run_errors_and_traps(args, message):
    proc = heron_run(*args)
    assert proc.returncode == 1
    assert message in proc.stderr and "Traceback" not in proc.stderr
