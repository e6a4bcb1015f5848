"""Call results fold into their consumer (compile/operands.py: effect items) without
changing what runs when: every call still runs exactly once, in Wasm order, before any
later effect, and a backtrace through the caller still names the call instruction."""
from __future__ import annotations

import re

import pytest

from heron import Config, Engine, Instance, Module, Store, Trap

MATRIX = [(t, s) for t in ("x86_64-sysv", "aarch64") for s in ("optimizing", "baseline")]


def run(wat: str, target: str = "x86_64-sysv", strategy: str = "optimizing"):
    engine = Engine(Config(target=target, strategy=strategy))
    module = Module(engine, wat)
    store = Store(engine)
    return module, store, Instance(store, module, []).exports(store)


ORDER = """(module
  (global $log (mut i64) (i64.const 0))
  (func $note (param $d i32) (result i32)     ;; log = log * 10 + d, returns d
    (global.set $log (i64.add (i64.mul (global.get $log) (i64.const 10)) (i64.extend_i32_u (local.get $d))))
    (local.get $d))
  (func (export "sum3") (result i32)
    (i32.add (i32.add (call $note (i32.const 1)) (call $note (i32.const 2))) (call $note (i32.const 3))))
  (func (export "set_between") (result i32) (local $x i32)
    (local.set $x (i32.const 5))
    (call $note (local.get $x))                 ;; pending: reads $x = 5
    (local.set $x (i32.const 7))                ;; must not run before the call
    (i32.add (local.get $x)))
  (func (export "trap_after") (param $z i32) (result i32)
    (i32.div_u (call $note (i32.const 4)) (local.get $z)))
  (func (export "store_between") (result i32)
    (call $note (i32.const 8))
    (global.set $log (i64.const 0))             ;; the pending call logs first, then this resets
    (drop)
    (i32.wrap_i64 (global.get $log)))
  (func (export "log") (result i64) (global.get $log))
  (func (export "reset") (global.set $log (i64.const 0))))"""


@pytest.mark.parametrize("target,strategy", MATRIX)
def test_folded_calls_run_once_in_wasm_order(target, strategy):
    module, store, ex = run(ORDER, target, strategy)
    assert ex["sum3"](store) == 6 and ex["log"](store) == 123
    ex["reset"](store)
    assert ex["set_between"](store) == 12 and ex["log"](store) == 5
    ex["reset"](store)
    with pytest.raises(Trap, match="integer divide by zero"):
        ex["trap_after"](store, 0)
    assert ex["log"](store) == 4                 # the call ran before the division trapped
    ex["reset"](store)
    assert ex["store_between"](store) == 0 and ex["log"](store) == 0
    if strategy == "optimizing":
        assert re.search(r"return \(+\n\s*f\d+_e\(", module.source)   # sum3 folded its calls


FIB = """(module
  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_s (local.get $n) (i32.const 2))
      (then (if (result i32) (i32.eq (local.get $n) (i32.const -5)) (then (unreachable)) (else (local.get $n))))
      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                     (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
  (func (export "boom") (result i32)
    (i32.add (i32.const 1) (call $fib (i32.const -5)))))"""


@pytest.mark.parametrize("target,strategy", MATRIX)
def test_backtrace_through_a_folded_call_names_the_call(target, strategy):
    module, store, ex = run(FIB, target, strategy)
    assert ex["fib"](store, 20) == 6765
    with pytest.raises(Trap) as info:
        ex["boom"](store)
    frames = info.value.frames
    assert [f.func_name for f in frames] == ["fib", "func[1]"]
    # the caller frame's offset is its call instruction's, not the i32.add's that consumes it
    body = module.ast.funcs[1].body
    assert frames[1].module_offset == next(ins.offset for ins in body if ins.op == "call")
