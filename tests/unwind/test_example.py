"""examples/bug.wat (Wasmtime #11489's shape): the committed binary matches the text,
wasmtime computes 12345, and Heron -- API and `heron run` -- must print the same."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import unwind_engines as engines  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
BUG_WAT = REPO / "examples" / "bug.wat"
BUG_WASM = REPO / "examples" / "bug.wasm"
EXPECTED = 12345          # the payload: the five arguments 1..5 as decimal digits
TARGETS = ["x86_64-sysv", "x86_64-windows", "aarch64"]
STRATEGIES = ["baseline", "optimizing"]


def test_wasm_is_the_parsed_wat():
    """The binary cannot drift from the text: it is exactly `wasm-tools parse examples/bug.wat`."""
    assert BUG_WASM.read_bytes() == engines.wat_to_wasm(BUG_WAT.read_text())


def test_wasmtime_prints_12345():
    wasmtime = pytest.importorskip("wasmtime")
    engine = engines.wasmtime_engine()
    store = wasmtime.Store(engine)
    instance = wasmtime.Instance(store, wasmtime.Module(engine, BUG_WASM.read_bytes()), [])
    assert instance.exports(store)["_start"](store) == EXPECTED


def test_the_tail_call_spills_on_x86_64():
    """One stack argument on x86_64-sysv (rdi/rsi hold the vmctx pair; rdx rcx r8 r9 take four),
    three on Windows (r8 r9 take two), none on AArch64 (x2-x7)."""
    from heron.target.abi import assign
    five = ("i32",) * 5
    assert len(assign(five, "x86_64-sysv", "wasm").stack_param_indices()) == 1
    assert len(assign(five, "x86_64-windows", "wasm").stack_param_indices()) == 3
    assert len(assign(five, "aarch64", "wasm").stack_param_indices()) == 0
    assert assign(("i32",), "x86_64-sysv", "wasm").stack_args_size == 0


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("target", TARGETS)
def test_heron_api(target, strategy):
    import heron
    engine = heron.Engine(engines.heron_config(heron, target, strategy, legacy=False))
    store = heron.Store(engine)
    module = heron.Module(engine, BUG_WASM.read_bytes())
    result = heron.Instance(store, module, []).exports(store)["_start"](store)
    assert engines.normalize(("i32",), result) == ("ok", EXPECTED)


def test_heron_run_cli():
    """`heron run -W all-proposals=y examples/bug.wasm` prints 12345."""
    heron_cli = Path(sys.executable).parent / "heron"
    cmd = [str(heron_cli)] if heron_cli.exists() else [sys.executable, "-m", "heron.cli.main"]
    r = subprocess.run(cmd + ["run", "-W", "all-proposals=y", str(BUG_WASM)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [str(EXPECTED)]
