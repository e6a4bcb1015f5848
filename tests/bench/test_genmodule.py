"""bench/genmodule.py: deterministic compiled-C-shaped modules that wasm-tools validates and
that Heron and wasmtime run to the same checksum."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from heron import Config, Engine, Instance, Module, Store
from heron.binary import decode
from testsuite_paths import wasm_tools

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import genmodule  # noqa: E402


@pytest.fixture(scope="module")
def small() -> bytes:
    return genmodule.generate(40_000, seed=11)


def test_deterministic_and_sized():
    a = genmodule.generate(50_000, seed=1)
    assert a == genmodule.generate(50_000, seed=1)
    assert a != genmodule.generate(50_000, seed=2)
    assert 45_000 <= len(a) <= 55_000
    m = decode(a)
    assert [e.name for e in m.exports] == ["_start"] and not m.imports
    assert 300 <= len(m.funcs) <= 450             # about 125 bytes a function
    ops = {i.op for f in m.funcs for i in f.body}
    assert {"loop", "br_if", "br_table", "call", "call_indirect", "i64.mul", "i32.load",
            "i64.store", "global.set", "select"} <= ops
    assert m.datas and m.elems


def test_presets():
    assert genmodule.parse_size("1mb") == 1_000_000 and genmodule.parse_size("3mb") == 3_000_000
    assert genmodule.parse_size("500k") == 500_000


def test_wasm_tools_validates(small, tmp_path):
    tool = wasm_tools()
    if tool is None:
        pytest.skip("wasm-tools not available")
    path = tmp_path / "gen.wasm"
    path.write_bytes(small)
    done = subprocess.run([tool, "validate", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_heron_and_wasmtime_agree(small):
    wasmtime = pytest.importorskip("wasmtime")
    store = wasmtime.Store()
    instance = wasmtime.Instance(store, wasmtime.Module(store.engine, small), [])
    expected = instance.exports(store)["_start"](store)
    engine = Engine(Config())
    heron_store = Store(engine)
    heron = Instance(heron_store, Module(engine, small), [])
    assert heron.exports(heron_store)["_start"](heron_store) == expected


def test_cli_writes_a_file(tmp_path):
    out = tmp_path / "m.wasm"
    done = subprocess.run([sys.executable, str(Path(genmodule.__file__)), "20k", "--seed", "4",
                           "-o", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == genmodule.generate(20_000, seed=4)
