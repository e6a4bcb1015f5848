"""Every input the command line is given gets one clean error line and a nonzero status
(issue #11): non-files, /dev/zero, directories, FIFOs, huge files, non-UTF-8 text."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from heron.cli import inputs

COMMANDS = ["run", "wast", "explain"]


def heron(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "heron.cli.main", *args], capture_output=True, text=True,
                          timeout=60)


def bad_inputs(tmp_path):
    binary = tmp_path / "noise.wat"
    binary.write_bytes(bytes(range(128, 256)) * 3)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    yield "missing", str(tmp_path / "missing.wasm"), "No such file"
    yield "directory", str(tmp_path), "a directory"
    yield "dev-zero", "/dev/zero", "not a regular file"
    yield "fifo", str(fifo), "not a regular file"
    yield "not-utf8", str(binary), "UTF-8"


@pytest.mark.parametrize("command", COMMANDS)
def test_bad_inputs_get_one_error_line(command, tmp_path):
    for label, path, expected in bad_inputs(tmp_path):
        p = heron(command, path)
        lines = p.stderr.strip().splitlines()
        assert p.returncode == 1, (label, p.stderr)
        assert len(lines) == 1 and expected in lines[0], (label, p.stderr)
        assert lines[0].startswith(f"heron {command}: error: "), (label, p.stderr)


def test_huge_files_are_refused_before_reading(tmp_path, monkeypatch):
    big = tmp_path / "big.wasm"
    with open(big, "wb") as f:
        f.truncate(inputs.MAX_INPUT_BYTES + 1)      # sparse: costs nothing
    for command in COMMANDS:
        p = heron(command, str(big))
        assert p.returncode == 1 and "too large" in p.stderr and p.stderr.count("\n") == 1, p.stderr
