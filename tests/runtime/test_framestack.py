"""Entries into functions that can recurse run in a roomy frame (runtime/framestack.py): which
functions count as recursive, when an entry switches form, and that both forms compute the
same results and traps."""
from __future__ import annotations

import time

import pytest

from heron import Config, Engine, Func, FuncType, Instance, Module, Store, Trap
from heron.compile.facts import reaches_recursion
from heron.runtime.framestack import LONG_NS, ROOM_WORDS

WAT = """(module
  (import "env" "h" (func $h))
  (table 1 funcref)
  (func $leaf (export "leaf") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  (func $chain (export "chain") (param i32) (result i32) (call $h) (call $leaf (local.get 0)))
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func $via_fib (export "via_fib") (param i32) (result i32) (call $fib (local.get 0)))
  (func $ping (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
      (else (call $pong (i32.sub (local.get 0) (i32.const 1))))))
  (func $pong (param i32) (result i32) (i32.add (call $ping (local.get 0)) (i32.const 1)))
  (func $mutual (export "mutual") (param i32) (result i32) (call $ping (local.get 0)))
  (func $indirect (export "indirect") (param i32) (result i32)
    (call_indirect (param i32) (result i32) (local.get 0) (i32.const 0)))
  (func $deep (export "deep") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0)) (then (unreachable))
      (else (call $deep (i32.sub (local.get 0) (i32.const 1)))))))
"""
# function indices: 0 = import h, 1 leaf, 2 chain, 3 fib, 4 via_fib, 5 ping, 6 pong, 7 mutual,
# 8 indirect, 9 deep


@pytest.fixture()
def instance():
    engine = Engine(Config(strategy="optimizing"))
    module = Module(engine, WAT)
    store = Store(engine)
    inst = Instance(store, module, [Func(store, FuncType([], []), lambda: None)])
    return store, module, inst.exports(store)


def test_which_functions_can_recurse(instance):
    _, module, _ = instance
    compiled = module.compiled
    facts, nimp = compiled.facts, compiled.nimp
    recursive = {idx for idx in range(10) if reaches_recursion(facts, nimp, idx)}
    # leaf and chain (a host import is not followed) cannot; fib and what calls it, the
    # ping/pong cycle and what calls into it, an indirect call and self-recursion can
    assert recursive == {3, 4, 5, 6, 7, 8, 9}
    assert compiled.may_recurse(4) and not compiled.may_recurse(2)


def short_call_switches_to_plain(store, fib, roomy: list) -> bool:
    """A short call (fib(1): a microsecond) makes the entry plain; a few tries, so that one
    call the machine happened to delay past SHORT_NS cannot fail the test."""
    for _ in range(5):
        assert fib(store, 1) == 1
        if roomy == [False]:
            return True
        roomy[0] = True
    return False


def test_entry_forms_switch_with_call_length(instance):
    store, _, exports = instance
    fib = exports["fib"]
    assert fib(store, 10) == 55                           # first call: roomy (and compiles fib)
    entry = fib._entry
    roomy = entry.__globals__["roomy"]
    assert entry.__globals__["entry_roomy"].__code__.co_stacksize >= ROOM_WORDS
    assert short_call_switches_to_plain(store, fib, roomy)
    start = time.perf_counter_ns()
    assert fib(store, 24) == 46368
    assert time.perf_counter_ns() - start > LONG_NS        # a long plain call ...
    assert roomy == [True]                                 # ... makes the next one roomy
    assert fib(store, 24) == 46368                         # roomy, long: stays roomy
    assert roomy == [True]
    assert short_call_switches_to_plain(store, fib, roomy)


def test_functions_that_cannot_recurse_have_one_form(instance):
    store, _, exports = instance
    leaf = exports["leaf"]
    assert leaf(store, 41) == 42
    assert "entry_roomy" not in leaf._entry.__globals__


def test_both_forms_trap_alike(instance):
    store, _, exports = instance
    deep = exports["deep"]
    assert exports["mutual"](store, 2000) == 2000
    seen = []
    for form in (True, False, True):                       # roomy, plain, roomy
        if seen:
            deep._entry.__globals__["roomy"][0] = form
        with pytest.raises(Trap) as info:
            deep(store, 3000)
        frames = info.value.frames
        seen.append((str(info.value).splitlines()[0], frames[0].func_name, frames[-1].func_name, len(frames)))
        assert deep._entry.__globals__["roomy"] == [form]  # a trapping call does not switch
    assert seen[0] == seen[1] == seen[2]
    assert seen[0][:3] == ("unreachable", "deep", "deep")
