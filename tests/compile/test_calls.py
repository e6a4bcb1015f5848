"""Calls on the machine model: frame records in stack memory, stack arguments on every
target, tail calls in constant stack, deep recursion and stack exhaustion."""
from __future__ import annotations

import pytest

from heron import Config, Engine, Func, FuncType, Instance, Module, Store, Trap, ValType

TARGETS = ("x86_64-sysv", "x86_64-windows", "aarch64")
STRATEGIES = ("baseline", "optimizing")
MATRIX = [(t, s) for t in TARGETS for s in STRATEGIES]


def run(wat, target="x86_64-sysv", strategy="optimizing", imports=(), **cfg):
    engine = Engine(Config(target=target, strategy=strategy, **cfg))
    store = Store(engine)
    module = Module(engine, wat)
    imps = [imp(store) if callable(imp) and not isinstance(imp, Func) else imp for imp in imports]
    return store, Instance(store, module, imps).exports(store)


MANY_ARGS = """(module
  (func $f (param $d i32) (param i32 i32 i32 i32 i32 i32 i32 i32 i32 f64 f32 i64) (result i32)
    (if (i32.eqz (local.get $d))
      (then (return (i32.add (i32.add (local.get 1) (local.get 9))
                             (i32.add (i32.trunc_f64_s (local.get 10))
                                      (i32.add (i32.trunc_f32_s (local.get 11)) (i32.wrap_i64 (local.get 12))))))))
    (call $f (i32.sub (local.get $d) (i32.const 1))
      (i32.add (local.get 1) (i32.const 1)) (local.get 2) (local.get 3) (local.get 4) (local.get 5)
      (local.get 6) (local.get 7) (local.get 8) (local.get 9) (local.get 10) (local.get 11) (local.get 12)))
  (func (export "run") (param i32) (result i32)
    (call $f (local.get 0) (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4) (i32.const 5)
      (i32.const 6) (i32.const 7) (i32.const 8) (i32.const 9) (f64.const 10.5) (f32.const 11.5) (i64.const 12))))"""


@pytest.mark.parametrize("target,strategy", MATRIX)
def test_stack_arguments(target, strategy):
    store, ex = run(MANY_ARGS, target, strategy)
    assert ex["run"](store, 0) == 1 + 9 + 10 + 11 + 12
    assert ex["run"](store, 30) == 31 + 9 + 10 + 11 + 12


FRAMES = """(module
  (import "env" "probe" (func $probe))
  (func $c (param i32 i32 i32 i32 i32 i32 i32 i32 i32) (call $probe))
  (func $b (call $c (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4) (i32.const 5) (i32.const 6)
                    (i32.const 7) (i32.const 8) (i32.const 9)))
  (func $a (export "a") (call $b)))"""


@pytest.mark.parametrize("target,strategy", MATRIX)
def test_frame_records_are_in_stack_memory(target, strategy):
    engine = Engine(Config(target=target, strategy=strategy))
    store = Store(engine)
    seen = []

    def probe():
        frames = store.wasm_frames()
        seen.append(frames)

    module = Module(engine, FRAMES)
    ex = Instance(store, module, [Func(store, FuncType([], []), probe)]).exports(store)
    ex["a"](store)
    frames = seen[0]
    assert [f.func.name for f in frames] == ["c", "b", "a"]
    stack = store.stack
    for inner, outer in zip(frames, frames[1:]):
        layout = inner.func.layout
        # the frame record really holds the caller's FP and a return address inside the caller
        assert stack.read(layout.saved_fp_address(inner.fp)) == outer.fp
        ra = stack.read(layout.return_address_address(inner.fp))
        assert ra == outer.pc
        site = engine.codemap.call_site(ra)
        assert site is not None and site.func is outer.func and outer.func.start <= ra < outer.func.end
        assert site.fp_to_sp == outer.func.layout.fp_to_sp()
        # frames nest: the caller reserves the callee's stack-argument area at the bottom of its
        # frame (its outgoing area), so the callee's frame record sits right below the caller's SP
        assert layout.call_sp_from_fp(inner.fp) == outer.func.layout.sp_from_fp(outer.fp) == outer.sp
        assert layout.incoming_args_size <= outer.func.layout.outgoing_args_size
    # c's nine parameters: sysv passes 4 in registers (after the two vmctx), the rest on the stack,
    # in the caller's outgoing area. baseline writes them there and c reads them; optimizing
    # passes them to c's direct entry as Python arguments (the area is reserved, not written)
    c, b = frames[0], frames[1]
    stack_params = [p for p, loc in enumerate(c.func.layout.abi.params) if loc.reg is None]
    assert stack_params
    for p in stack_params:
        address = c.func.layout.incoming_arg_address(c.fp, p)
        assert b.sp <= address < b.sp + b.func.layout.outgoing_args_size
        if strategy == "baseline":
            assert stack.read(address) == p + 1


TAIL = """(module
  (func $count (param $n i32) (param $acc i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n)) (then (local.get $acc))
      (else (return_call $count (i32.sub (local.get $n) (i32.const 1)) (i32.add (local.get $acc) (i32.const 3))))))
  (func $even (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n)) (then (i32.const 1))
      (else (return_call $odd (i32.sub (local.get $n) (i32.const 1))))))
  (func $odd (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n)) (then (i32.const 0))
      (else (return_call $wide (i32.sub (local.get $n) (i32.const 1))
             (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4) (i32.const 5) (i32.const 6) (i32.const 7)))))
  (func $wide (param $n i32) (param i32 i32 i32 i32 i32 i32 i32) (result i32)
    (if (i32.ne (i32.add (local.get 1) (local.get 7)) (i32.const 8)) (then (unreachable)))
    (return_call $even (local.get $n)))
  (func (export "count") (param i32) (result i32) (call $count (local.get 0) (i32.const 0)))
  (func (export "even") (param i32) (result i32) (call $even (local.get 0))))"""


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_tail_call_chain_runs_in_constant_stack(strategy):
    # a 64 KiB usable stack: any growth per call would exhaust it long before the end
    store, ex = run(TAIL, strategy=strategy, stack_size=128 * 1024)
    assert ex["count"](store, 1_000_000) == 3_000_000
    assert ex["even"](store, 300_000) == 1     # even -> odd -> wide (more stack args) -> even ...
    assert ex["even"](store, 300_001) == 0


@pytest.mark.parametrize("target", TARGETS)
def test_tail_call_into_more_stack_args_every_target(target):
    for strategy in STRATEGIES:
        store, ex = run(TAIL, target, strategy)
        assert ex["even"](store, 1001) == 0


RECURSE = """(module
  (func $r (export "r") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $r (i32.sub (local.get 0) (i32.const 1))))))))"""


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_deep_recursion_traps_cleanly(strategy):
    store, ex = run(RECURSE, strategy=strategy, stack_size=1024 * 1024)
    with pytest.raises(Trap) as info:
        ex["r"](store, 100_000)
    assert info.value.code == "call stack exhausted"
    assert info.value.backtrace[0].startswith("r")
    # the store is usable afterwards
    assert ex["r"](store, 10) == 10


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_deep_recursion_that_fits_completes(strategy):
    store, ex = run(RECURSE, strategy=strategy)
    assert ex["r"](store, 20_000) == 20_000


def test_infinite_recursion_traps():
    store, ex = run('(module (func $f (export "f") (call $f)))', strategy="baseline")
    with pytest.raises(Trap) as info:
        ex["f"](store)
    assert info.value.code == "call stack exhausted"


def test_reentry_from_host_runs_below_the_exit_frame():
    engine = Engine(Config())
    store = Store(engine)
    box = {}

    def host(n):
        return box["f"](store, n - 1) + 100 if n else 0

    module = Module(engine, """(module
      (import "env" "h" (func $h (param i32) (result i32)))
      (func (export "f") (param i32) (result i32) (call $h (local.get 0))))""")
    ex = Instance(store, module, [Func(store, FuncType([ValType.i32()], [ValType.i32()]), host)]).exports(store)
    box["f"] = ex["f"]
    assert ex["f"](store, 5) == 500
    assert store._state.entries == [] and store._state.exits == []


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_recursion_through_tail_call_trampolines(strategy):
    # every level returns through a trampoline: must not grow the C stack (no f(*args) calls)
    store, ex = run("""(module
      (func $f (export "f") (param i32) (result i32)
        (if (result i32) (local.get 0)
          (then (i32.add (i32.const 1) (call $g (i32.sub (local.get 0) (i32.const 1)))))
          (else (i32.const 0))))
      (func $g (param i32) (result i32) (return_call $f (local.get 0))))""",
                    strategy=strategy, stack_size=16 * 1024 * 1024)
    assert ex["f"](store, 60_000) == 60_000


def test_host_wasm_ping_pong_is_bounded():
    engine = Engine(Config())
    store = Store(engine)
    box = {}

    def host(n):
        return box["f"](store, n - 1) + 1 if n else 0

    module = Module(engine, """(module
      (import "env" "h" (func $h (param i32) (result i32)))
      (func (export "f") (param i32) (result i32) (call $h (local.get 0))))""")
    ex = Instance(store, module, [Func(store, FuncType([ValType.i32()], [ValType.i32()]), host)]).exports(store)
    box["f"] = ex["f"]
    assert ex["f"](store, 1000) == 1000
    with pytest.raises(Trap) as info:
        ex["f"](store, 100_000)
    assert info.value.code == "call stack exhausted"
