"""A real C program (tests/wasi/data/c/libc_tour.c, built with clang 14 + wasi-libc; the
.wasm is committed beside its source, so no toolchain is needed) run by `heron run` and by
wasmtime-py: the same output, exit status and files left behind (default target; every
target with HERON_LONG_TESTS=1)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from program_runs import Outcome, run_on_wasmtime  # noqa: E402
from wasi_probe import DEFAULT_TARGET, LONG, TARGETS  # noqa: E402

DATA = Path(__file__).resolve().parent / "data" / "c"
SRC = Path(__file__).resolve().parents[2] / "src"
TOUR = DATA / "libc_tour.wasm"
STDIN = b"binary\0input\0\xff\n"
ARGS = ["one", "two three"]


def heron_run(box: Path, target: str) -> tuple[int, bytes, bytes]:
    env = dict(os.environ, PYTHONPATH=str(SRC), GREETING="hello there")
    proc = subprocess.run([sys.executable, "-m", "heron.cli.main", "run", "--target", target,
                           "--dir", f"{box}::/", "--env", "GREETING", str(TOUR), *ARGS],
                          input=STDIN, capture_output=True, env=env, timeout=300)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Outcome:
    tmp = tmp_path_factory.mktemp("wasmtime")
    box = tmp / "box"
    box.mkdir()
    result = run_on_wasmtime(TOUR, ARGS, tmp, box, argv0=str(TOUR), env=[("GREETING", "hello there")],
                             stdin=STDIN)
    assert sorted(os.listdir(box)) == []
    return result


@pytest.mark.parametrize("target", TARGETS if LONG else [DEFAULT_TARGET])
def test_libc_tour_matches_wasmtime(target, reference, tmp_path):
    box = tmp_path / "box"
    box.mkdir()
    code, out, err = heron_run(box, target)
    assert (code, out.decode(), err.decode()) == reference
    assert code == 3 and err == b"done\n"
    text = out.decode()
    assert "argc 3: [one] [two three]" in text and "GREETING=hello there" in text
    assert "entries: . .. e hard.txt n.txt soft" in text
    assert "stdin 15 bytes, 2 zeros" in text
    assert text.count(" ok\n") == 30 and "Operation" not in text
    assert os.listdir(box) == []
