"""Fuel (`Config.consume_fuel`) against wasmtime-py's: after the same calls, `get_fuel()`
agrees exactly, and for every budget the same calls trap at the same place.

A case runs its calls in order on one instance (tests/runtime/fuel_cases.py), after
`set_fuel(budget)`; what is compared per call is the outcome (result, or trap code) and
`get_fuel()` after it. The sweep gives every budget from 0 to one past what the calls need,
so an out-of-fuel trap one check early or late shows. Both strategies on x86_64-sysv take
every budget; the other targets every budget up to 64 and beyond that every budget where
wasmtime's outcome changes, its neighbours and every 5th; HERON_LONG_TESTS=1 takes every
budget on every target, also with every function lowered flat.
"""
from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

import pytest

import heron
from heron import Config, Engine, Instance, Module, Store, Trap, TrapCode
from heron.compile import driver
from heron.runtime.fuel import WINDOW

sys.path.insert(0, str(Path(__file__).parent))
from fuel_cases import CASES, HOST_CASES, STARTUP  # noqa: E402

wasmtime = pytest.importorskip("wasmtime")

LONG = os.environ.get("HERON_LONG_TESTS", "") not in ("", "0")
PLENTY = 10 ** 6
TARGETS = ("x86_64-sysv", "x86_64-windows", "aarch64")
STRATEGIES = ("optimizing", "baseline")
BY_NAME = {name: (wat, calls) for name, wat, calls in CASES}


def _outcome(call):
    try:
        return ("ok", call())
    except wasmtime.Trap as trap:
        return ("trap", trap.trap_code.name if trap.trap_code is not None else str(trap))
    except Trap as trap:
        return ("trap", trap.trap_code.name if trap.trap_code is not None else str(trap.code))


@functools.lru_cache(maxsize=None)
def _wasmtime_module(wat: str):
    config = wasmtime.Config()
    config.consume_fuel = True
    for flag in ("wasm_exceptions", "wasm_tail_call", "wasm_function_references"):
        setattr(config, flag, True)
    engine = wasmtime.Engine(config)
    return engine, wasmtime.Module(engine, wat)


@functools.lru_cache(maxsize=None)
def wasmtime_run(wat: str, calls: tuple, budget: int) -> tuple:
    engine, module = _wasmtime_module(wat)
    store = wasmtime.Store(engine)
    store.set_fuel(PLENTY)
    exports = wasmtime.Instance(store, module, []).exports(store)
    store.set_fuel(budget)
    return tuple((_outcome(lambda: exports[name](store, *args)), store.get_fuel()) for name, args in calls)


@functools.lru_cache(maxsize=None)
def _heron_module(wat: str, strategy: str, target: str):
    config = Config(strategy=strategy, target=target, stack_size=1 << 16)   # small: a store per budget
    config.consume_fuel = True
    engine = Engine(config)
    return engine, Module(engine, wat)


def heron_run(wat: str, calls: tuple, budget: int, strategy: str, target: str) -> tuple:
    engine, module = _heron_module(wat, strategy, target)
    store = Store(engine)
    store.set_fuel(PLENTY)
    exports = Instance(store, module, []).exports(store)
    store.set_fuel(budget)
    return tuple((_outcome(lambda: exports[name](store, *args)), store.get_fuel()) for name, args in calls)


def budgets(wat: str, calls: tuple, every: bool) -> list[int]:
    """The budgets a case is run with: every budget up to one past what the calls need, or
    every one up to 64 and beyond that every budget where wasmtime's outcome changes, its
    neighbours and every 5th."""
    needed = PLENTY - wasmtime_run(wat, calls, PLENTY)[-1][1]
    if every or needed <= 64:
        return [PLENTY, *range(0, needed + 2)]
    chosen = {PLENTY, *range(0, 65), *range(65, needed + 2, 5)}
    previous = None
    for budget in range(0, needed + 2):
        outcome = tuple(o for o, _ in wasmtime_run(wat, calls, budget))
        if outcome != previous:
            chosen.update((budget - 1, budget, budget + 1))
        previous = outcome
    return sorted(b for b in chosen if b >= 0)


def check(name: str, strategy: str, target: str, every: bool) -> None:
    wat, calls = BY_NAME[name]
    calls = tuple(calls)
    for budget in budgets(wat, calls, every):
        expected = wasmtime_run(wat, calls, budget)
        got = heron_run(wat, calls, budget, strategy, target)
        assert got == expected, f"{name} {strategy} {target} with fuel {budget}"


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("name", list(BY_NAME))
def test_fuel_agrees_with_wasmtime_for_every_budget(name, strategy):
    check(name, strategy, "x86_64-sysv", every=True)


@pytest.mark.parametrize("target", TARGETS[1:])
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_fuel_agrees_on_every_target(target, strategy):
    for name in BY_NAME:
        check(name, strategy, target, every=LONG)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_fuel_agrees_when_lowered_flat(strategy, monkeypatch):
    """Every function lowered flat (its own br_table and jump forms): the default target and
    a few budgets; every target and budget with HERON_LONG_TESTS=1."""
    monkeypatch.setattr(driver, "FORCE_FLAT", True)
    _heron_module.cache_clear()
    try:
        for target in TARGETS if LONG else TARGETS[:1]:
            for name in BY_NAME:
                check(name, strategy, target, every=LONG)
    finally:
        _heron_module.cache_clear()


# ---------------------------------------------------------------------- the Store API

def fuel_store(strategy: str = "optimizing") -> Store:
    config = Config(strategy=strategy)
    config.consume_fuel = True
    return Store(Engine(config))


def test_a_new_store_has_no_fuel_and_traps_at_once():
    store = fuel_store()
    assert store.get_fuel() == 0
    module = Module(store.engine, '(module (func (export "f")))')
    f = Instance(store, module, []).exports(store)["f"]
    with pytest.raises(Trap) as info:
        f(store)
    assert info.value.trap_code is TrapCode.OUT_OF_FUEL
    assert str(info.value).startswith("all fuel consumed")


def test_fuel_needs_consume_fuel():
    store = Store()
    with pytest.raises(heron.HeronError, match="fuel is not configured"):
        store.set_fuel(10)
    with pytest.raises(heron.HeronError, match="fuel is not configured"):
        store.get_fuel()


def test_set_fuel_checks_its_argument():
    store = fuel_store()
    with pytest.raises(ValueError):
        store.set_fuel(-1)
    with pytest.raises(ValueError):
        store.set_fuel(1 << 64)
    with pytest.raises(TypeError):
        store.set_fuel(1.5)
    store.set_fuel((1 << 64) - 1)
    assert store.get_fuel() == (1 << 64) - 1


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_fuel_beyond_the_window_is_used_up_exactly(strategy):
    # the window compiled code counts in is 2**30 - 1 units; more waits in the reserve
    store = fuel_store(strategy)
    wat, calls = BY_NAME["loop"]
    exports = Instance(store, Module(store.engine, wat), []).exports(store)
    cost = PLENTY - wasmtime_run(wat, (("f", (10,)),), PLENTY)[0][1]
    for start in (WINDOW + 3, WINDOW + 60, 3 * WINDOW):
        store.set_fuel(start)
        store._state.fuel.cell[0] = 50              # as if the window had nearly run dry
        store._state.fuel.reserve = start - 50
        assert exports["f"](store, 10) == 55
        assert store.get_fuel() == start - cost
    for budget in range(cost - 12, cost + 2):       # the rest in the reserve: traps as exactly
        store.set_fuel(budget)
        store._state.fuel.cell[0] = 7
        store._state.fuel.reserve = budget - 7
        outcome = (_outcome(lambda: exports["f"](store, 10)), store.get_fuel())
        assert (outcome,) == wasmtime_run(wat, (("f", (10,)),), budget)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_store_is_usable_after_running_out(strategy):
    store = fuel_store(strategy)
    wat, _ = BY_NAME["fib"]
    fib = Instance(store, Module(store.engine, wat), []).exports(store)["fib"]
    store.set_fuel(100)
    with pytest.raises(Trap) as info:
        fib(store, 20)
    assert info.value.trap_code is TrapCode.OUT_OF_FUEL
    assert [f.func_name for f in info.value.frames][-1] == "fib" and len(info.value.frames) > 1
    assert store.get_fuel() == 0
    store.set_fuel(10_000)
    assert fib(store, 10) == 55
    assert store.get_fuel() == wasmtime_run(wat, (("fib", (10,)),), 10_000)[0][1]


def _host_case(strategy: str, host):
    store = fuel_store(strategy)
    _, wat, _ = HOST_CASES[0]
    i32 = heron.ValType.i32()
    func = heron.Func(store, heron.FuncType([i32], [i32]), host, access_caller=True)
    return store, Instance(store, Module(store.engine, wat), [func]).exports(store)["f"]


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_host_code_consumes_no_fuel_and_sees_the_callers_charge(strategy):
    seen = []

    def cb(caller, x):
        seen.append(caller.get_fuel())
        return x * 2
    store, f = _host_case(strategy, cb)
    store.set_fuel(1000)
    assert f(store, 3) == 8
    # f: entry 1, i32.const 1, drop, local.get 1, call 1 -> the host sees 996; then
    # i32.const and i32.add: 998 used... 1000 - 6 = 994 left
    assert seen == [996]
    assert store.get_fuel() == 994


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_host_code_can_set_the_fuel(strategy):
    def refill(caller, x):
        caller.set_fuel(500)
        return x
    store, f = _host_case(strategy, refill)
    store.set_fuel(10)
    assert f(store, 1) == 3
    assert store.get_fuel() == 498

    def drain(caller, x):
        caller.set_fuel(0)
        return x
    store, f = _host_case(strategy, drain)
    store.set_fuel(10)
    assert f(store, 1) == 3          # no check point after the call: the function completes
    assert store.get_fuel() == 0


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_host_call_with_the_store_sees_the_same_fuel(strategy):
    holder = {}

    def cb(caller, x):
        holder["fuel"] = holder["store"].get_fuel()
        return x
    store, f = _host_case(strategy, cb)
    holder["store"] = store
    store.set_fuel(50)
    f(store, 1)
    assert holder["fuel"] == 46


def test_the_wasmtime_host_case_agrees():
    def cb(caller, x):
        return x * 2
    config = wasmtime.Config()
    config.consume_fuel = True
    engine = wasmtime.Engine(config)
    store = wasmtime.Store(engine)
    _, wat, _ = HOST_CASES[0]
    i32 = wasmtime.ValType.i32()
    seen = []

    def host(x):
        seen.append(store.get_fuel())
        return x * 2
    func = wasmtime.Func(store, wasmtime.FuncType([i32], [i32]), host)
    f = wasmtime.Instance(store, wasmtime.Module(engine, wat), [func]).exports(store)["f"]
    store.set_fuel(1000)
    assert f(store, 3) == 8
    assert (seen, store.get_fuel()) == ([996], 994)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_fuel_with_store_limits(strategy):
    # a memory.grow refused by the store's limit charges no pages, as one refused by the
    # memory's maximum (compared with wasmtime-py under the same limit)
    wat, _ = BY_NAME["grow-dynamic"]
    store = fuel_store(strategy)
    store.set_limits(memory_size=3 * 65536)
    f = Instance(store, Module(store.engine, wat), []).exports(store)["f"]
    engine, module = _wasmtime_module(wat)
    wstore = wasmtime.Store(engine)
    wstore.set_limits(memory_size=3 * 65536)
    wstore.set_fuel(PLENTY)
    g = wasmtime.Instance(wstore, module, []).exports(wstore)["f"]
    for n in (3, 1, 0):
        store.set_fuel(1000)
        wstore.set_fuel(1000)
        assert (f(store, n), store.get_fuel()) == (g(wstore, n), wstore.get_fuel())


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_uncaught_exception_keeps_the_fuel_of_the_frames_it_unwound(strategy):
    store = fuel_store(strategy)
    module = Module(store.engine, '''(module (tag $e (export "e"))
        (func $g i32.const 1 drop i32.const 1 drop throw $e)
        (func (export "f") (call $g)))''')
    f = Instance(store, module, []).exports(store)["f"]
    store.set_fuel(100)
    with pytest.raises(heron.WasmException):
        f(store)
    assert store.get_fuel() == 94        # as wasmtime (tests: throw uncaught): 6 consumed


# ---------------------------------------------------------------------- instantiation

def _startup_imports(mod, store):
    return [mod.Table(store, mod.TableType(mod.ValType.funcref(), mod.Limits(3, None)), None),
            mod.Memory(store, mod.MemoryType(mod.Limits(1, None))),
            mod.Func(store, mod.FuncType([], []), lambda: None)]


@functools.lru_cache(maxsize=None)
def _startup_module(mod, wat: str, strategy: str):
    if mod is wasmtime:
        config = wasmtime.Config()
        config.wasm_extended_const = config.wasm_function_references = True
    else:
        config = Config(strategy=strategy, stack_size=1 << 16)
    config.consume_fuel = True
    engine = mod.Engine(config)
    return engine, mod.Module(engine, wat)


def _instantiate(mod, wat: str, budget: int, imports: bool, strategy: str = "optimizing") -> tuple:
    engine, module = _startup_module(mod, wat, strategy if mod is heron else "")
    store = mod.Store(engine)
    store.set_fuel(budget)
    outcome = _outcome(lambda: mod.Instance(store, module, _startup_imports(mod, store) if imports else []) and "ok")
    return outcome, store.get_fuel()


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("name, wat, imports", STARTUP, ids=[case[0] for case in STARTUP])
def test_instantiation_consumes_fuel_as_wasmtime(name, wat, imports, strategy):
    """Initializers Wasmtime cannot precompute and the start call cost fuel in its startup
    function; every budget traps (or not) where Wasmtime's does and leaves the same fuel."""
    needed = PLENTY - _instantiate(wasmtime, wat, PLENTY, bool(imports))[1]
    for budget in [PLENTY, *range(0, needed + 2)]:
        assert _instantiate(heron, wat, budget, bool(imports), strategy) == \
            _instantiate(wasmtime, wat, budget, bool(imports)), budget


REENTRY = '''(module (import "host" "cb" (func $cb (param i32) (result i32)))
    (func (export "work") (param i32) (result i32) (local i32)
      (block $d (loop $l (br_if $d (i32.eqz (local.get 0)))
        (local.set 1 (i32.add (local.get 1) (local.get 0)))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1))) (br $l)))
      (local.get 1))
    (func (export "f") (param i32) (result i32)
      (i32.add (call $cb (local.get 0)) (call $cb (i32.const 2)))))'''


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_host_calling_back_into_wasm_agrees_with_wasmtime(strategy):
    """Wasm -> host -> Wasm: the inner call's fuel is the store's, the outer call goes on
    from what the inner one left (and the host's own code costs nothing)."""
    outcomes = []
    for mod in (wasmtime, heron):
        if mod is wasmtime:
            config = wasmtime.Config()
        else:
            config = Config(strategy=strategy)
        config.consume_fuel = True
        engine = mod.Engine(config)
        store = mod.Store(engine)
        box = {}
        i32 = mod.ValType.i32()
        cb = mod.Func(store, mod.FuncType([i32], [i32]), lambda x: box["work"](store, x * 3))
        exports = mod.Instance(store, mod.Module(engine, REENTRY), [cb]).exports(store)
        box["work"] = exports["work"]
        row = []
        for budget in (10_000, 120, 60, 30, 5):
            store.set_fuel(budget)
            row.append((_outcome(lambda: exports["f"](store, 4)), store.get_fuel()))
        outcomes.append(row)
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_exception_thrown_by_the_host_lands_with_the_stores_fuel(strategy):
    # the landing pad goes on from the store (as after a Wasm throw): the host's own work is
    # free, so what is charged is f's code on the path taken
    store = fuel_store(strategy)
    tag = heron.Tag(store, heron.TagType(heron.FuncType([heron.ValType.i32()], [])))

    def thrower(x):
        raise heron.WasmException(tag, [x + 1])
    i32 = heron.ValType.i32()
    host = heron.Func(store, heron.FuncType([i32], []), thrower)
    module = Module(store.engine, '''(module (import "h" "e" (tag $e (param i32)))
        (import "h" "throw" (func $throw (param i32)))
        (func (export "f") (param i32) (result i32)
          (block $h (result i32)
            (try_table (catch $e $h) (call $throw (local.get 0)))
            (i32.const 0))))''')
    f = Instance(store, module, [tag, host]).exports(store)["f"]
    store.set_fuel(100)
    assert f(store, 41) == 42
    # entry 1, block 0, try_table 1, local.get 1, call 1 -> saved 4; landing: end of $h, end
    assert store.get_fuel() == 96
