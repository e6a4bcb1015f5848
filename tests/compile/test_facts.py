"""Branch-established lower bounds (x - c without a wrap-around test) against wasmtime."""
from __future__ import annotations

import pytest

from heron import Config, Engine, Instance, Module, Store

wasmtime = pytest.importorskip("wasmtime")

WAT = """(module
  (func (export "guard_return") (param i32) (result i32)
    (if (i32.eqz (local.get 0)) (then (return (i32.const 77))))
    (i32.sub (local.get 0) (i32.const 1)))
  (func (export "else_arm") (param i32) (result i32)
    (if (result i32) (i32.lt_s (local.get 0) (i32.const 5))
      (then (i32.sub (local.get 0) (i32.const 5)))
      (else (i32.sub (local.get 0) (i32.const 5)))))
  (func (export "then_arm") (param i32) (result i32)
    (if (result i32) (i32.gt_s (local.get 0) (i32.const 3))
      (then (i32.sub (local.get 0) (i32.const 4)))
      (else (i32.sub (local.get 0) (i32.const 4)))))
  (func (export "targeted_if") (param i32) (result i32)
    (if (i32.eqz (local.get 0)) (then (br 0)))
    (i32.sub (local.get 0) (i32.const 1)))
  (func (export "branch_to_if_end") (param i32) (result i32)
    (block $b
      (if (i32.eqz (local.get 0)) (then (br 0)) (else (nop))))
    (i32.sub (local.get 0) (i32.const 1)))
  (func (export "reassigned") (param i32) (result i32)
    (if (i32.eqz (local.get 0)) (then (return (i32.const 9))))
    (local.set 0 (i32.const 0))
    (i32.sub (local.get 0) (i32.const 1)))
  (func (export "loop_br_if") (param i32) (result i32) (local i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get 0)))
        (local.set 1 (i32.add (local.get 1) (i32.const 3)))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br $l)))
    (i32.sub (local.get 0) (i32.const 1)))
  (func (export "loop_head") (param i32) (result i32) (local i32)
    (if (i32.eqz (local.get 0)) (then (return (i32.const 5))))
    (loop $l
      (local.set 1 (i32.sub (local.get 0) (i32.const 1)))
      (local.set 0 (i32.const 0))
      (br_if $l (i32.eqz (local.get 1))))
    (local.get 1))
  (func (export "nested_block") (param i32) (result i32)
    (block $b
      (br_if $b (i32.eqz (local.get 0)))
      (drop (i32.sub (local.get 0) (i32.const 1))))
    (i32.sub (local.get 0) (i32.const 1)))
  (func (export "wide") (param i64) (result i64)
    (if (i64.ge_s (local.get 0) (i64.const 10)) (then (return (i64.sub (local.get 0) (i64.const 10)))))
    (i64.sub (local.get 0) (i64.const 10))))"""

NAMES = ["guard_return", "else_arm", "then_arm", "targeted_if", "branch_to_if_end", "reassigned",
         "loop_br_if", "loop_head", "nested_block", "wide"]
INPUTS = [0, 1, 2, 3, 4, 5, 6, 9, 10, 11, 0x7FFFFFFF, -0x80000000, -1, -5]


def test_facts_match_wasmtime():
    store = wasmtime.Store()
    ref = wasmtime.Instance(store, wasmtime.Module(store.engine, WAT), []).exports(store)
    for strategy in ("optimizing", "baseline"):
        engine = Engine(Config(strategy=strategy))
        hs = Store(engine)
        module = Module(engine, WAT)
        ex = Instance(hs, module, []).exports(hs)
        for name in NAMES:
            for x in (INPUTS if name != "loop_br_if" else range(12)):
                assert ex[name](hs, x) == ref[name](store, x), (strategy, name, x)
    assert "(l0 - 1)" in Module(Engine(Config()), WAT).source   # the guarded form was used
