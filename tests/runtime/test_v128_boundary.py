"""v128 at the host boundary: arguments and results of exports and host functions are ints
(lane 0 in the low bits; results unsigned, arguments modulo 2**128 or 16 bytes), globals
hold them, and exception payloads reach Python as 128-bit ints -- on every target and
strategy, with enough v128 parameters that some travel on the stack under both
conventions (wasm: 8 vector registers, Windows 4; system: Windows positional)."""
from __future__ import annotations

import pytest

import heron
from heron import FuncType, ValType

TARGETS = ["x86_64-sysv", "x86_64-windows", "aarch64"]
STRATEGIES = ["baseline", "optimizing"]
M128 = (1 << 128) - 1
V = ValType.v128()
I32 = ValType.i32()

# ten v128 and an i32 between them: stack arguments after padding on every target
WAT = """(module
  (import "host" "mix" (func $mix (param v128 v128 v128 v128 v128 i32 v128 v128 v128 v128 v128) (result v128 i32)))
  (tag $t (export "t") (param i32 v128 v128))
  (global $g (export "g") (mut v128) (v128.const i64x2 1 2))
  (func $sum (param v128 v128 v128 v128 v128 i32 v128 v128 v128 v128 v128) (result v128)
    (local $acc v128) (local $i i32)
    (i32x4.add (i32x4.add (i32x4.add (local.get 0) (local.get 1)) (i32x4.add (local.get 2) (local.get 3)))
      (i32x4.add (i32x4.add (i32x4.add (local.get 4) (i32x4.splat (local.get 5))) (local.get 6))
        (i32x4.add (i32x4.add (local.get 7) (local.get 8)) (i32x4.add (local.get 9) (local.get 10))))))
  (func (export "sum") (param v128 v128 v128 v128 v128 i32 v128 v128 v128 v128 v128) (result v128)
    (call $sum (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4) (local.get 5)
               (local.get 6) (local.get 7) (local.get 8) (local.get 9) (local.get 10)))
  (func (export "via_host") (param v128) (result v128 i32)
    (call $mix (local.get 0) (v128.const i32x4 1 1 1 1) (v128.const i32x4 2 2 2 2) (v128.const i32x4 3 3 3 3)
               (v128.const i32x4 4 4 4 4) (i32.const 5) (v128.const i32x4 6 6 6 6) (v128.const i32x4 7 7 7 7)
               (v128.const i32x4 8 8 8 8) (v128.const i32x4 9 9 9 9) (global.get $g)))
  (func (export "throw") (param i32 v128)
    (throw $t (local.get 0) (local.get 1) (i8x16.splat (local.get 0))))
  (func (export "catch") (param v128) (result v128) (local $i i32) (local $a v128) (local $b v128)
    (block $h (result i32 v128 v128)
      (try_table (catch $t $h) (call $mix (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0)
          (i32.const -1) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0)) drop drop)
      (return (v128.const i64x2 0 0)))
    (local.set $b) (local.set $a) (local.set $i)
    (i32x4.add (v128.xor (local.get $a) (local.get $b)) (i32x4.splat (local.get $i))))
)"""


def splat32(x: int) -> int:
    return sum((x & 0xFFFFFFFF) << (32 * k) for k in range(4))


def add32(*vs: int) -> int:
    return sum((sum((v >> (32 * k)) & 0xFFFFFFFF for v in vs) & 0xFFFFFFFF) << (32 * k) for k in range(4))


def _instance(target, strategy, mix):
    engine = heron.Engine(heron.Config(target=target, strategy=strategy))
    store = heron.Store(engine)
    host = heron.Func(store, FuncType([V] * 5 + [I32] + [V] * 5, [V, I32]), mix)
    inst = heron.Instance(store, heron.Module(engine, WAT), [host])
    return store, inst.exports(store)


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("target", TARGETS)
def test_v128_arguments_results_globals_and_host_functions(target, strategy):
    seen = []

    def mix(*args):
        seen.append(args)
        vs = [a for k, a in enumerate(args) if k != 5]
        return add32(*vs), args[5] + 1
    store, ex = _instance(target, strategy, mix)
    args = [splat32(k * 0x01010101) for k in range(5)] + [7] + [(1 << 127) | k for k in range(5)]
    assert ex["sum"](store, *args) == add32(*args[:5], splat32(7), *args[6:])
    # arguments modulo 2**128, or 16 bytes in memory order
    assert ex["sum"](store, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, bytes(range(16))) == add32(M128, int.from_bytes(bytes(range(16)), "little"))
    g = ex["g"]
    assert g.value(store) == (2 << 64) | 1
    g.set_value(store, heron.Val.v128(5))
    r, n = ex["via_host"](store, M128)
    assert n == 6 and seen[-1][0] == M128 and seen[-1][10] == 5 and seen[-1][5] == 5
    assert r == add32(M128, *(splat32(k) for k in (1, 2, 3, 4, 6, 7, 8, 9)), 5)
    assert heron.Val.v128(-1).as_v128() == M128 and heron.Val.v128(3).as_i32() is None
    with pytest.raises(TypeError):
        ex["sum"](store, 1.5, *args[1:])


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("target", TARGETS)
def test_v128_payloads_cross_the_host_boundary(target, strategy):
    state = {}

    def mix(*args):
        raise heron.WasmException(state["tag"], (args[5], args[0], (1 << 128) + 9))
    store, ex = _instance(target, strategy, mix)
    state["tag"] = ex["t"]
    with pytest.raises(heron.WasmException) as info:
        ex["throw"](store, 0x1FF, (1 << 128) - 2)
    payload = info.value.payload
    assert payload == (0x1FF, M128 - 1, int.from_bytes(bytes([0xFF] * 16), "little"))
    assert all(isinstance(v, int) and 0 <= v <= M128 for v in payload)
    # thrown by the host into Wasm: caught there, v128 payload values modulo 2**128
    x = splat32(0x80000001)
    assert ex["catch"](store, x) == add32(x ^ 9, splat32(0xFFFFFFFF))


CALLER_WAT = """(module
  (import "a" "sum" (func $sum (param v128 v128 v128 v128 v128 i32 v128 v128 v128 v128 v128) (result v128)))
  (func (export "go") (param v128) (result v128)
    (call $sum (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (i32.const 3)
               (local.get 0) (local.get 0) (local.get 0) (local.get 0) (v128.const i32x4 1 2 3 4)))
  (func (export "tail") (param v128) (result v128)
    (return_call $sum (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (i32.const 3)
               (local.get 0) (local.get 0) (local.get 0) (local.get 0) (v128.const i32x4 1 2 3 4)))
)"""


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("target", TARGETS)
def test_v128_stack_arguments_to_another_instance(target, strategy):
    """An import that is another instance's Wasm function: the import thunk re-passes the
    v128 stack arguments (system convention in, wasm convention out), for calls and tail calls."""
    engine = heron.Engine(heron.Config(target=target, strategy=strategy))
    store = heron.Store(engine)
    host = heron.Func(store, FuncType([V] * 5 + [I32] + [V] * 5, [V, I32]), lambda *a: (0, 0))
    a = heron.Instance(store, heron.Module(engine, WAT), [host]).exports(store)
    b = heron.Instance(store, heron.Module(engine, CALLER_WAT), [a["sum"]]).exports(store)
    x = splat32(0x10001)
    want = add32(*[x] * 9, splat32(3), sum(k + 1 << (32 * k) for k in range(4)))
    assert b["go"](store, x) == want
    assert b["tail"](store, x) == want
