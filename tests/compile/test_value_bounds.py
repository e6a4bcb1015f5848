"""Upper bounds of values (compile/instructions.py: Item.hi): a narrow load, shr_u or and by
a constant bound a value, and a shl or add whose result provably fits needs no mask. The
values must stay exact where it does not fit."""
from __future__ import annotations

import pytest

from heron import Config, Engine, Instance, Module, Store

WAT = """(module
  (memory 1)
  (data (i32.const 0) "\\ff\\ff\\ff\\ff\\80\\7f\\01\\00")
  (func (export "nibble_slot") (param i32) (result i32)   ;; fits: (255 >> 4) << 2
    (i32.shl (i32.shr_u (i32.load8_u (local.get 0)) (i32.const 4)) (i32.const 2)))
  (func (export "wide_shift") (param i32) (result i32)    ;; 65535 << 20 does not fit
    (i32.shl (i32.load16_u (local.get 0)) (i32.const 20)))
  (func (export "byte_sum") (param i32) (result i32)      ;; 255 + 255 fits
    (i32.add (i32.load8_u (local.get 0)) (i32.load8_u offset=1 (local.get 0))))
  (func (export "masked_shift") (param i32) (result i32)  ;; (x & 0xff) << 24 fits exactly
    (i32.shl (i32.and (local.get 0) (i32.const 255)) (i32.const 24)))
  (func (export "unbounded_shift") (param i32) (result i32)
    (i32.shl (local.get 0) (i32.const 3)))
  (func (export "high_half") (param i64) (result i64)     ;; (x >> 32) << 31 fits in 64 bits
    (i64.shl (i64.shr_u (local.get 0) (i64.const 32)) (i64.const 31)))
  (func (export "word_shift") (param i32) (result i64)    ;; 0xffffffff << 33 does not fit
    (i64.shl (i64.load32_u (local.get 0)) (i64.const 33))))
"""
DATA = bytes([0xFF, 0xFF, 0xFF, 0xFF, 0x80, 0x7F, 0x01, 0x00])
M32, M64 = (1 << 32) - 1, (1 << 64) - 1


def s32(v: int) -> int:
    return v - ((v >> 31) << 32)


def s64(v: int) -> int:
    return v - ((v >> 63) << 64)


def byte(a: int) -> int:
    return DATA[a] if a < len(DATA) else 0


def u16(a: int) -> int:
    return byte(a) | byte(a + 1) << 8


def u32(a: int) -> int:
    return u16(a) | u16(a + 2) << 16


CASES = {
    "nibble_slot": ([0, 4, 5, 6, 7], lambda a: s32((byte(a) >> 4) << 2)),
    "wide_shift": ([0, 2, 4, 5], lambda a: s32((u16(a) << 20) & M32)),
    "byte_sum": ([0, 3, 4, 6], lambda a: s32(byte(a) + byte(a + 1))),
    "masked_shift": ([0, 0xFF, 0x1FF, M32, 0x80], lambda x: s32(((x & 0xFF) << 24) & M32)),
    "unbounded_shift": ([0, 1, M32, 0x20000000], lambda x: s32((x << 3) & M32)),
    "high_half": ([0, M64, 1 << 63, 0x1234567890ABCDEF], lambda x: s64(((x >> 32) << 31) & M64)),
    "word_shift": ([0, 1, 4], lambda a: s64((u32(a) << 33) & M64)),
}


@pytest.mark.parametrize("strategy", ["optimizing", "baseline"])
def test_values_are_exact(strategy):
    engine = Engine(Config(strategy=strategy))
    store = Store(engine)
    exports = Instance(store, Module(engine, WAT), []).exports(store)
    for name, (args, ref) in CASES.items():
        for x in args:
            assert exports[name](store, x) == ref(x), (name, x)


def test_masks_only_where_a_value_may_not_fit():
    engine = Engine(Config(strategy="optimizing"))
    module = Module(engine, WAT)
    store = Store(engine)
    Instance(store, module, [])
    bodies = {chunk.partition("(")[0]: chunk for chunk in module.source.split("\ndef ")[1:]}
    masked = {i: "& 0xffffffff" in bodies[f"f{i}_e"] for i in range(7)}
    assert masked == {0: False, 1: True, 2: False, 3: False, 4: True, 5: False, 6: True}
