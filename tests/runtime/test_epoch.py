"""Epoch interruption (`Config.epoch_interruption`, `Engine.increment_epoch()`,
`Store.set_epoch_deadline(n)`): Wasm traps with "interrupt" at a function entry, loop
header or large bulk operation once the engine's epoch reaches the store's deadline, as in
wasmtime-py; a timer thread interrupts an infinite loop and an endless recursion."""
from __future__ import annotations

import threading
import time

import pytest

import heron
from heron import Config, Engine, Instance, Module, Store, Trap, TrapCode

STRATEGIES = ("optimizing", "baseline")
TARGETS = ("x86_64-sysv", "x86_64-windows", "aarch64")

WAT = '''(module
  (import "h" "tick" (func $tick))
  (memory 1)
  (func (export "answer") (result i32) (i32.const 42))
  (func (export "spin") (loop $l (br $l)))
  (func $down (param i32) (result i32)
    (if (result i32) (local.get 0)
      (then (i32.add (call $down (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))
      (else (i32.const 0))))
  (func (export "down") (param i32) (result i32) (call $down (local.get 0)))
  (func $tree (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2)) (then (local.get 0))
      (else (i32.add (call $tree (i32.sub (local.get 0) (i32.const 1)))
                     (call $tree (i32.sub (local.get 0) (i32.const 2)))))))
  (func (export "recurse") (result i32) (call $tree (i32.const 80)))
  (func $tailforever (param i32) (result i32) (return_call $tailforever (i32.add (local.get 0) (i32.const 1))))
  (func (export "tail") (result i32) (call $tailforever (i32.const 0)))
  (func (export "tick_then_call") (result i32) (call $tick) (call $down (i32.const 3)))
  (func (export "tick_then_loop") (result i32) (local i32)
    (call $tick)
    (block $d (loop $l (br_if $d (local.get 0)) (local.set 0 (i32.const 1)) (br $l)))
    (local.get 0))
  (func (export "tick_then_fill") (param i32) (result i32)
    (call $tick) (memory.fill (i32.const 0) (i32.const 0) (local.get 0)) (i32.const 7))
  (func $deep (export "deep") (param i32 i32) (result i32)
    (if (i32.eq (local.get 0) (local.get 1)) (then (call $tick)))
    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
      (else (i32.add (call $deep (i32.sub (local.get 0) (i32.const 1)) (local.get 1)) (i32.const 1))))))'''


def setup(strategy: str = "optimizing", target: str = "x86_64-sysv", epoch: bool = True):
    config = Config(strategy=strategy, target=target)
    config.epoch_interruption = epoch
    engine = Engine(config)
    store = Store(engine)
    tick = heron.Func(store, heron.FuncType([], []), engine.increment_epoch)
    exports = Instance(store, Module(engine, WAT), [tick]).exports(store)
    return engine, store, exports


def interrupt(call) -> TrapCode | None:
    try:
        call()
    except Trap as trap:
        return trap.trap_code
    return None


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_a_new_store_traps_until_a_deadline_is_set(strategy):
    engine, store, exports = setup(strategy)
    assert interrupt(lambda: exports["answer"](store)) is TrapCode.INTERRUPT
    store.set_epoch_deadline(1)
    assert exports["answer"](store) == 42
    engine.increment_epoch()
    assert interrupt(lambda: exports["answer"](store)) is TrapCode.INTERRUPT
    store.set_epoch_deadline(2)                 # relative to the current epoch
    engine.increment_epoch()
    assert exports["answer"](store) == 42
    engine.increment_epoch()
    assert interrupt(lambda: exports["answer"](store)) is TrapCode.INTERRUPT


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_timer_thread_interrupts_an_infinite_loop(strategy, target):
    engine, store, exports = setup(strategy, target)
    store.set_epoch_deadline(1)
    timer = threading.Timer(0.05, engine.increment_epoch)
    timer.start()
    start = time.monotonic()
    with pytest.raises(Trap) as info:
        exports["spin"](store)
    timer.join()
    assert info.value.trap_code is TrapCode.INTERRUPT
    assert str(info.value).startswith("interrupt")
    assert info.value.frames and info.value.frames[0].func_index == 2
    assert time.monotonic() - start < 30
    # the store stays usable: a new deadline, and the next call runs
    store.set_epoch_deadline(1)
    assert exports["down"](store, 10) == 10


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("export", ["recurse", "tail"])
def test_timer_thread_interrupts_endless_calls(strategy, export):
    # a tree recursion (fib(80): 40 frames deep, practically endless) and a tail-call loop:
    # the timer's tick traps both at a function entry
    engine, store, exports = setup(strategy)
    store.set_epoch_deadline(1)
    timer = threading.Timer(0.05, engine.increment_epoch)
    timer.start()
    with pytest.raises(Trap) as info:
        exports[export](store)
    timer.join()
    assert info.value.trap_code is TrapCode.INTERRUPT


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_a_deep_recursion_is_interrupted_at_its_next_entry(strategy):
    # deep(10000, 5000) ticks the epoch 5000 frames down: the entry of frame 5001 traps
    engine, store, exports = setup(strategy)
    store.set_epoch_deadline(1)
    with pytest.raises(Trap) as info:
        exports["deep"](store, 10000, 5000)
    assert info.value.trap_code is TrapCode.INTERRUPT
    assert all(f.func_name == "deep" for f in info.value.frames) and len(info.value.frames) >= 200
    store.set_epoch_deadline(1)
    assert exports["deep"](store, 3000, 5000) == 3000        # usable again, no tick this time


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_deep_recursion_is_interrupted_at_a_function_entry(strategy):
    # the epoch moves while Wasm runs (a host import ticks it): the next function entry traps
    engine, store, exports = setup(strategy)
    store.set_epoch_deadline(1)
    with pytest.raises(Trap) as info:
        exports["tick_then_call"](store)
    assert info.value.trap_code is TrapCode.INTERRUPT
    assert [f.func_index for f in info.value.frames] == [3, 9]       # $down, tick_then_call


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_loop_header_and_bulk_operations_check(strategy):
    engine, store, exports = setup(strategy)
    store.set_epoch_deadline(1)
    assert interrupt(lambda: exports["tick_then_loop"](store)) is TrapCode.INTERRUPT
    store.set_epoch_deadline(1)
    assert interrupt(lambda: exports["tick_then_fill"](store, 5)) is TrapCode.INTERRUPT   # run-time length
    store.set_epoch_deadline(1)
    assert interrupt(lambda: exports["tick_then_fill"](store, 0)) is TrapCode.INTERRUPT


def test_these_agree_with_wasmtime():
    wasmtime = pytest.importorskip("wasmtime")
    config = wasmtime.Config()
    config.epoch_interruption = True
    config.wasm_tail_call = True
    engine = wasmtime.Engine(config)
    store = wasmtime.Store(engine)
    tick = wasmtime.Func(store, wasmtime.FuncType([], []), engine.increment_epoch)
    exports = wasmtime.Instance(store, wasmtime.Module(engine, WAT), [tick]).exports(store)

    def code(call):
        try:
            call()
        except wasmtime.Trap as trap:
            return trap.trap_code.name
        return None
    h_engine, h_store, h_exports = setup()
    for name, args in [("answer", ()), ("tick_then_call", ()), ("tick_then_loop", ()),
                       ("tick_then_fill", (5,)), ("tick_then_fill", (0,))]:
        for deadline in (None, 1, 3):
            if deadline is not None:
                store.set_epoch_deadline(deadline)
                h_store.set_epoch_deadline(deadline)
            expected = code(lambda: exports[name](store, *args))
            got = interrupt(lambda: h_exports[name](h_store, *args))
            assert (got.name if got else None) == expected, (name, deadline)


def test_without_the_option_nothing_is_checked():
    engine, store, exports = setup(epoch=False)
    engine.increment_epoch()
    store.set_epoch_deadline(0)               # accepted, as in wasmtime-py; no effect
    assert exports["answer"](store) == 42
    assert exports["tick_then_loop"](store) == 1


def test_deadline_argument_is_checked():
    _, store, _ = setup()
    with pytest.raises(ValueError):
        store.set_epoch_deadline(-1)
    with pytest.raises(TypeError):
        store.set_epoch_deadline(1.5)


def test_two_stores_of_one_engine_have_their_own_deadlines():
    config = Config()
    config.epoch_interruption = True
    engine = Engine(config)
    module = Module(engine, '(module (func (export "f") (result i32) (i32.const 1)))')
    a, b = Store(engine), Store(engine)
    fa = Instance(a, module, []).exports(a)["f"]
    fb = Instance(b, module, []).exports(b)["f"]
    a.set_epoch_deadline(1)
    b.set_epoch_deadline(3)
    engine.increment_epoch()
    assert interrupt(lambda: fa(a)) is TrapCode.INTERRUPT
    assert fb(b) == 1
    # a second instance in a store shares its deadline
    fa2 = Instance(a, module, []).exports(a)["f"]
    assert interrupt(lambda: fa2(a)) is TrapCode.INTERRUPT
    a.set_epoch_deadline(5)
    assert fa(a) == 1 and fa2(a) == 1


def test_fuel_and_epoch_together():
    config = Config()
    config.epoch_interruption = True
    config.consume_fuel = True
    engine = Engine(config)
    store = Store(engine)
    module = Module(engine, '(module (func (export "spin") (loop $l (br $l))))')
    spin = Instance(store, module, []).exports(store)["spin"]
    store.set_epoch_deadline(1)
    store.set_fuel(1000)
    assert interrupt(lambda: spin(store)) is TrapCode.OUT_OF_FUEL
    store.set_fuel(10 ** 12)
    timer = threading.Timer(0.05, engine.increment_epoch)
    timer.start()
    assert interrupt(lambda: spin(store)) is TrapCode.INTERRUPT
    timer.join()
    # the loop never wrote its fuel back (it calls nothing): as in wasmtime, the store still
    # holds what it had when the loop's function was entered
    assert store.get_fuel() == 10 ** 12
