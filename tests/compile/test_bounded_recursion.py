"""Depth-bounded self recursion (optimizing, elided frames): the entry checks once that the
whole recursion fits and runs an unchecked twin; stack exhaustion must still happen at exactly
the same depth, and traps inside the twin keep their Wasm backtrace."""
from __future__ import annotations

import pytest

import heron.compile.driver as hc
from heron import Config, Engine, Instance, Module, Store, Trap
from heron.compile import calls

WAT = """(module
  (func $down (param $d i32) (param $x i32) (result i32)
    (if (i32.eqz (local.get $d)) (then (return (i32.div_u (i32.const 7) (local.get $x)))))
    (i32.add (call $down (i32.sub (local.get $d) (i32.const 1)) (local.get $x)) (i32.const 1)))
  (func $by2 (param $d i64) (result i64)
    (if (i64.lt_s (local.get $d) (i64.const 2)) (then (return (local.get $d))))
    (i64.add (call $by2 (i64.sub (local.get $d) (i64.const 2))) (i64.const 1)))
  (func $not_bounded (param $d i32) (result i32)
    (if (i32.eqz (local.get $d)) (then (return (i32.const 0))))
    (call $not_bounded (local.get $d)))
  (export "down" (func $down))
  (export "by2" (func $by2))
  (export "not_bounded" (func $not_bounded)))"""


def instantiate(bounded: bool, monkeypatch):
    if not bounded:
        monkeypatch.setattr(calls.CallLowering, "bounded_recursion_param", lambda self: None)
    engine = Engine(Config(stack_size=96 * 1024))   # small: the depth search stays fast
    module = Module(engine, WAT)
    store = Store(engine)
    exports = Instance(store, module, []).exports(store)
    return module, store, exports


def deepest(call) -> int:
    """The largest depth that does not exhaust the stack (binary search)."""
    def fits(d: int) -> bool:
        try:
            call(d)
            return True
        except Trap as e:
            assert "call stack exhausted" in str(e)
            return False
    lo, hi = 0, 1
    while fits(hi):
        lo, hi = hi, hi * 2
    while lo + 1 < hi:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid)
    return lo


def test_twin_emitted_only_for_bounded_recursion(monkeypatch):
    module, _, _ = instantiate(True, monkeypatch)
    src = module.source
    assert "def f0_u(" in src and "def f1_u(" in src   # d - 1 (i32), d - 2 after d >= 2 (i64)
    assert "def f2_u(" not in src                      # passes d unchanged: no bound
    assert "_u(" not in src.split("def f0_u(")[1].split("def ")[0].replace("f0_u(", "")


def test_results_and_exhaustion_depth_unchanged(monkeypatch):
    results = {}
    for bounded in (True, False):
        module, store, ex = instantiate(bounded, monkeypatch)
        assert ("_u(" in module.source) == bounded
        results[bounded] = (ex["down"](store, 100, 7), ex["by2"](store, 1001),
                            deepest(lambda d: ex["down"](store, d, 1)),
                            deepest(lambda d: ex["by2"](store, 2 * d) or 1))
        monkeypatch.undo()
    assert results[True] == results[False]
    assert results[True][:2] == (101, 501)


def test_trap_in_twin_has_backtrace(monkeypatch):
    _, store, ex = instantiate(True, monkeypatch)
    with pytest.raises(Trap) as info:
        ex["down"](store, 5, 0)
    assert "integer divide by zero" in str(info.value)
    assert len([f for f in info.value.backtrace if "down" in str(f)]) == 6


def test_walkable_frames_get_a_twin_that_writes_frame_records(monkeypatch):
    """Without elision the twin still skips the per-call stack checks, but keeps its FP and
    writes every frame record (a walker can read the whole recursion); it traps at the same
    depth as the checked version."""
    monkeypatch.setattr(hc, "ELIDE_FRAMES", False)
    module, store, ex = instantiate(True, monkeypatch)
    twin = module.source[module.source.index("def f0_u("):].split("\n# ")[0]
    assert twin.startswith("def f0_u(fp, ") and "] = fp" in twin and "call stack exhausted" not in twin
    assert ex["down"](store, 10, 7) == 11
    with pytest.raises(Trap) as info:
        ex["down"](store, 3, 0)
    assert [f.split(" @")[0] for f in info.value.backtrace] == ["down"] * 4


def test_caller_dispatches_to_twin_and_backtrace_keeps_it(monkeypatch):
    wat = WAT.replace('(export "down" (func $down))', '''(export "down" (func $down))
  (func (export "outer") (param i32 i32) (result i32)
    (i32.add (call $down (local.get 0) (local.get 1)) (i32.const 1000)))''')
    engine = Engine(Config(stack_size=96 * 1024))
    module = Module(engine, wat)
    store = Store(engine)
    ex = Instance(store, module, []).exports(store)
    assert "(f0_u(" in module.source           # the caller tests the bound itself
    assert ex["outer"](store, 10, 7) == 1011
    with pytest.raises(Trap) as info:
        ex["outer"](store, 3, 0)
    names = [f.split(" @")[0] for f in info.value.backtrace]
    assert names[:4] == ["down"] * 4 and len(names) == 5 and names[4] != "down"
    with pytest.raises(Trap) as info:
        ex["outer"](store, 10 ** 6, 7)
    assert "call stack exhausted" in str(info.value)
