"""SIMD code generation (compile/vectors.py): every instruction comes from the numerics
tables (the official SIMD scripts cover the semantics); here the compiler's own duties --
call results folded into SIMD templates keep Wasm order (effect items), immediates are
bound once per distinct value, frame slots that may hold a v128 are 16 bytes with None in
their upper word, v128 stack arguments are two words, and out-of-bounds vector accesses trap."""
from __future__ import annotations

import pytest

from heron import Config, Engine, Instance, Module, Store, Trap
from heron.compile.vectors import bound_row, may_hold_v128
from heron.numerics import V128_OPS
from heron.types import FuncType, V128

MATRIX = [(t, s) for t in ("x86_64-sysv", "x86_64-windows", "aarch64") for s in ("optimizing", "baseline")]


def run(wat: str, target: str = "x86_64-sysv", strategy: str = "optimizing"):
    engine = Engine(Config(target=target, strategy=strategy))
    module = Module(engine, wat)
    store = Store(engine)
    return module, store, Instance(store, module, []).exports(store)


ORDER = """(module
  (memory 1)
  (global $log (mut i64) (i64.const 0))
  (func $note (param $d i32) (result v128)     ;; log = log * 10 + d, returns splat d
    (global.set $log (i64.add (i64.mul (global.get $log) (i64.const 10)) (i64.extend_i32_u (local.get $d))))
    (i32x4.splat (local.get $d)))
  ;; bitselect's template evaluates its operands out of order: the calls must still run 1, 2, 3
  (func (export "select3") (result i64)
    (global.set $log (i64.const 0))
    (drop (v128.bitselect (call $note (i32.const 1)) (call $note (i32.const 2)) (call $note (i32.const 3))))
    (global.get $log))
  (func (export "sub2") (result i32)
    (i32x4.extract_lane 0 (i32x4.sub (call $note (i32.const 9)) (call $note (i32.const 4)))))
  (func (export "shuffle") (result i64)
    (i64x2.extract_lane 0 (i8x16.shuffle 16 17 18 19 0 1 2 3 8 9 10 11 12 13 14 15
      (call $note (i32.const 5)) (call $note (i32.const 6)))))
  (func (export "store_between") (result i64)
    (global.set $log (i64.const 0))
    (v128.store (i32.const 0) (call $note (i32.const 7)))
    (global.get $log))
  (func (export "oob") (param i32) (result i32)
    (i32x4.extract_lane 3 (v128.load offset=8 (local.get 0))))
  (func (export "oob_lane") (param i32) (param v128) (result v128)
    (v128.load16_lane 7 (local.get 0) (local.get 1)))
  (func (export "oob_store") (param i32)
    (v128.store32_lane 1 (local.get 0) (v128.const i32x4 1 2 3 4)))
)"""


@pytest.mark.parametrize("target, strategy", MATRIX)
def test_folded_calls_keep_wasm_order_and_accesses_trap(target, strategy):
    _, store, ex = run(ORDER, target, strategy)
    assert ex["select3"](store) == 123
    assert ex["sub2"](store) == 5
    assert ex["shuffle"](store) == (5 << 32) | 6
    assert ex["store_between"](store) == 7
    assert ex["oob"](store, 65536 - 24) == 0
    for args in ((65536 - 23,), (0xFFFFFFFF,)):
        with pytest.raises(Trap, match="out of bounds memory access"):
            ex["oob"](store, *args)
    with pytest.raises(Trap, match="out of bounds memory access"):
        ex["oob_lane"](store, 65535, 0)
    assert ex["oob_lane"](store, 65534, 0) == 0
    with pytest.raises(Trap, match="out of bounds memory access"):
        ex["oob_store"](store, 65533)


def test_rows_are_bound_once_per_immediate():
    a = bound_row("i32x4.extract_lane", 2)
    assert a is bound_row("i32x4.extract_lane", 2) and not a.immediates
    assert a.func((7 << 64) | 1) == 7
    assert bound_row("i32x4.add", None) is V128_OPS["i32x4.add"]
    pattern = tuple(range(31, 15, -1))
    assert bound_row("i8x16.shuffle", pattern) is bound_row("i8x16.shuffle", pattern)


SLOTS = """(module
  (func $many (param v128 v128 v128 v128 v128 v128 v128 v128 i32 v128 i64 v128) (result v128)
    (i32x4.add (local.get 9) (local.get 11)))
  (func $f (export "f") (param $x v128) (result v128) (local $y v128)
    (local.set $y (i32x4.splat (i32.const 3)))
    (call $many (local.get $x) (local.get $x) (local.get $x) (local.get $x) (local.get $x) (local.get $x)
                (local.get $x) (local.get $x) (i32.const 1) (local.get $y) (i64.const 2) (local.get $x)))
  (func $g (export "g") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
)"""


@pytest.mark.parametrize("target", ["x86_64-sysv", "x86_64-windows", "aarch64"])
def test_v128_slots_and_stack_arguments_are_two_words(target):
    module, store, ex = run(SLOTS, target, "baseline")
    assert ex["f"](store, 5) == add32(5, splat32(3))
    infos = {info.name: info for info in _infos(module)}
    f = infos["f"].layout
    # locals by type, operand positions 16 bytes in a function that may hold a v128, 8 in g
    assert f.slot_sizes[:2] == (16, 16) and set(f.slot_sizes[2:]) == {16}
    assert set(infos["g"].layout.slot_sizes) == {8}
    assert all(f.slot_offset(k) % 16 == 0 for k, size in enumerate(f.slot_sizes) if size == 16)
    # $many's stack arguments as the call wrote them (params 9 and 11, v128, on every target):
    # each a value in its lower word and None in its upper one
    many = infos["many"].layout.abi
    assert [many.params[p].offset for p in (9, 11)] == [many.params[9].offset, many.params[9].offset + 16]
    words = store.stack.words
    assert any(words[i:i + 4] == [splat32(3), None, 5, None] for i in range(len(words) - 4))


def _infos(module):
    return module.compiled.functions


def splat32(x: int) -> int:
    return sum((x & 0xFFFFFFFF) << (32 * k) for k in range(4))


def add32(a: int, b: int) -> int:
    return sum(((((a >> (32 * k)) + (b >> (32 * k))) & 0xFFFFFFFF) << (32 * k)) for k in range(4))


def test_may_hold_v128_finds_every_source():
    from heron.text.module import parse_module
    cases = {
        "(func (param i32) (result i32) (local.get 0))": False,
        "(func (param v128))": True,
        "(func (local v128))": True,
        "(func (drop (i32x4.splat (i32.const 1))))": True,
        "(global $g v128 (v128.const i64x2 0 0)) (func (drop (global.get $g)))": True,
        "(func $v (result v128) (v128.const i64x2 0 0)) (func (drop (call $v)))": True,
        "(type $t (func (result v128))) (table 1 funcref) (func (drop (call_indirect (type $t) (i32.const 0))))": True,
        "(tag $e (param v128)) (func (block $h (result v128) (try_table (catch $e $h) (nop)) (return)) drop)": True,
    }
    for text, want in cases.items():
        module = parse_module(f"(module {text})")
        f = module.funcs[-1]
        ft = module.func_type(len(module.imported("func")) + len(module.funcs) - 1)
        types = [module.func_type(i) for i in range(module.num_funcs())]
        assert may_hold_v128(module, ft, f, types) is want, text
    assert FuncType((V128,), ()).params == (V128,)



MULTI = """(module
  (func $three (param v128 v128) (result v128 v128 v128 i32)
    (local.get 1) (local.get 0) (i32x4.add (local.get 0) (local.get 1)) (i32.const 7))
  (func (export "f") (param v128 v128) (result v128 v128 v128 i32)
    (call $three (local.get 0) (local.get 1)))
  (func (export "g") (param v128 v128) (result v128)
    (call $three (local.get 0) (local.get 1))
    (drop) (i32x4.sub) (i32x4.sub))
)"""


@pytest.mark.parametrize("target, strategy", MATRIX)
def test_multiple_v128_results(target, strategy):
    """Three v128 results (the third beyond the vector return registers: the return area),
    to the host and to a Wasm caller."""
    _, store, ex = run(MULTI, target, strategy)
    assert ex["f"](store, 5, splat32(2)) == (splat32(2), 5, add32(5, splat32(2)), 7)
    # b - (a - (a + b)) = 2b
    assert ex["g"](store, 5, splat32(2)) == splat32(4)


@pytest.mark.parametrize("strategy", ["baseline", "optimizing"])
def test_simd_code_from_the_code_cache(tmp_path, strategy):
    """A SIMD function's code, constants and 16-byte slots survive the code cache."""
    from heron import wat2wasm
    data = bytes(wat2wasm(SLOTS))
    results = []
    for _ in range(2):
        engine = Engine(Config(strategy=strategy, cache=str(tmp_path)))
        module = Module(engine, data)
        store = Store(engine)
        results.append(Instance(store, module, []).exports(store)["f"](store, 5))
        sizes = module.compiled.function(1).layout.slot_sizes
        if strategy == "baseline":
            assert sizes[:2] == (16, 16)
    assert results == [add32(5, splat32(3))] * 2
    assert any(tmp_path.rglob("*"))
