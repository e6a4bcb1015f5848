"""wasmtime-py's own examples (examples/*.py, ported to Heron) run as tests: each must
finish and print what the wasmtime-py original prints."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"heron_example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


EXPECTED = {
    "gcd": "gcd(6, 27) = 3\n",
    "hello": "Hello from Python!\n",
    "multi": "> 4 2\n>\n" + "".join(f"  {i}\n" for i in range(10)),
    "memory": "Checking memory...\nMutating memory...\nGrowing memory...\nCreating stand-alone memory...\n",
    "linking": "Hello, world!\n",
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_runs(name, capsys):
    load(name).run()
    assert capsys.readouterr().out == EXPECTED[name]


@pytest.mark.parametrize("name", ["gcd", "hello"])
def test_example_runs_as_a_script(name):
    p = subprocess.run([sys.executable, str(EXAMPLES / f"{name}.py")], capture_output=True, text=True, timeout=120)
    assert (p.returncode, p.stdout) == (0, EXPECTED[name]), p.stderr
