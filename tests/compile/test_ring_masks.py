"""add/sub/mul results feeding add/sub keep no inner mask (compile/instructions.py: RING_OPS):
Python ints are exact, so one mask at the end gives the same value modulo 2**bits."""
from __future__ import annotations

import itertools
import random

import pytest

from heron import Config, Engine, Instance, Module, Store

WAT = """(module
  (func (export "mad32") (param i32 i32 i32) (result i32)
    (i32.add (i32.mul (local.get 0) (local.get 1)) (local.get 2)))
  (func (export "chain32") (param i32 i32 i32) (result i32)
    (i32.sub (i32.add (i32.sub (local.get 0) (local.get 1)) (i32.mul (local.get 1) (local.get 2)))
             (i32.mul (local.get 2) (i32.const -7))))
  (func (export "mulsum32") (param i32 i32 i32) (result i32)
    (i32.mul (i32.add (local.get 0) (local.get 1)) (i32.sub (local.get 1) (local.get 2))))
  (func (export "chain64") (param i64 i64 i64) (result i64)
    (i64.sub (i64.add (i64.sub (local.get 0) (local.get 1)) (i64.mul (local.get 1) (local.get 2)))
             (i64.mul (local.get 2) (i64.const -7)))))
"""
M32, M64 = (1 << 32) - 1, (1 << 64) - 1


def signed(v: int, bits: int) -> int:
    return v - ((v >> (bits - 1)) << bits)


REFERENCE = {
    "mad32": (32, lambda a, b, c: (a * b + c)),
    "chain32": (32, lambda a, b, c: ((a - b) + b * c) - c * -7),
    "mulsum32": (32, lambda a, b, c: ((a + b) & M32) * ((b - c) & M32)),
    "chain64": (64, lambda a, b, c: ((a - b) + b * c) - c * -7),
}
EDGES = [0, 1, 2, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x7FFFFFFFFFFFFFFF, 0x8000000000000000,
         0xFFFFFFFFFFFFFFFF, 12345]


@pytest.mark.parametrize("strategy", ["optimizing", "baseline"])
def test_values_match_exact_arithmetic(strategy):
    engine = Engine(Config(strategy=strategy))
    store = Store(engine)
    exports = Instance(store, Module(engine, WAT), []).exports(store)
    rng = random.Random(7)
    for name, (bits, ref) in REFERENCE.items():
        mask = (1 << bits) - 1
        samples = [tuple(v & mask for v in t) for t in itertools.product(EDGES, repeat=3)]
        samples += [tuple(rng.getrandbits(bits) for _ in range(3)) for _ in range(200)]
        for a, b, c in samples:
            assert exports[name](store, a, b, c) == signed(ref(a, b, c) & mask, bits), (name, a, b, c)


def test_inner_masks_are_gone():
    engine = Engine(Config(strategy="optimizing"))
    module = Module(engine, WAT)
    store = Store(engine)
    Instance(store, module, [])
    source = module.source
    body = {}
    for chunk in source.split("\ndef ")[1:]:
        name, _, text = chunk.partition("(")
        body[name] = text
    # one mask per add/sub chain; mul keeps masked operands (mulsum32: two inner masks)
    assert body["f0_e"].count("& 0xffffffff") == 1
    assert body["f1_e"].count("& 0xffffffff") == 1
    assert body["f2_e"].count("& 0xffffffff") == 3
    assert body["f3_e"].count("& 0xffffffffffffffff") == 1
