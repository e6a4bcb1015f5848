"""The fuel and epoch instrumentation (compile/metering.py) as generated code shows it:
nothing at all when both options are off, the options part of what compiled code is
keyed on, and the shape it promises when on (a loop iteration pays one statement; the
store is written only before calls, throws and returns)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

import heron
from heron import Config, Engine, Instance, Module, Store
from heron.compile import function as function_module
from heron.compile.metering import NO_INSTRUMENTATION, Instrumentation, operator_cost

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "runtime"))
from fuel_cases import CASES  # noqa: E402

BENCH = Path(__file__).resolve().parents[3] / "shared" / "bench"
STRATEGIES = ("optimizing", "baseline")


def corpus() -> list[str]:
    texts = [wat for _, wat, _ in CASES]
    if BENCH.is_dir():
        texts += [p.read_text() for p in sorted(BENCH.glob("*.wat"))]
    return texts


def source(wat: str, strategy: str, fuel: bool = False, epoch: bool = False) -> str:
    c = Config(strategy=strategy, features=heron.Features.all())
    c.consume_fuel = fuel
    c.epoch_interruption = epoch
    return Module(Engine(c), wat).source


class _Inert:
    """A stand-in for Metering that can emit nothing: what the compiler was without it."""
    on = fuel = epoch = False

    def __init__(self, fc):
        pass

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_nothing_changes_when_both_are_off(strategy, monkeypatch):
    texts = corpus()
    off = [source(wat, strategy) for wat in texts]
    monkeypatch.setattr(function_module, "Metering", _Inert)
    without = [source(wat, strategy) for wat in texts]
    assert off == without
    for text in off:
        assert "FUEL" not in text and "EPOCH_DUE" not in text and "fu" not in text.split()


def test_options_are_compile_options():
    assert NO_INSTRUMENTATION == Instrumentation() and not NO_INSTRUMENTATION.enabled
    both = Instrumentation(consume_fuel=True, epoch_interruption=True)
    assert both.enabled and both.key() == "fuel=1/epoch=1" and NO_INSTRUMENTATION.key() == "fuel=0/epoch=0"
    config = Config()
    config.consume_fuel = True
    engine = Engine(config)
    assert engine.instrumentation == Instrumentation(consume_fuel=True)
    module = Module(engine, '(module (func (export "f")))')
    assert module.compiled.options.instrumentation == engine.instrumentation
    # a module is bound to its engine: another engine's stores refuse it
    with pytest.raises(heron.LinkError):
        heron.Instance(heron.Store(), module, [])


def test_config_options_are_booleans():
    config = Config(consume_fuel=True, epoch_interruption=True)
    assert config.consume_fuel and config.epoch_interruption
    with pytest.raises(TypeError):
        config.consume_fuel = 1
    with pytest.raises(TypeError):
        Config(epoch_interruption="yes")
    assert Config().consume_fuel is False and Config().epoch_interruption is False


def test_operator_costs_are_wasmtimes():
    for op in ("nop", "drop", "block", "loop", "end", "else", "unreachable", "return"):
        assert operator_cost(op) == 0
    for op in ("i32.add", "local.get", "call", "if", "br", "br_table", "try_table", "throw", "select",
               "memory.fill", "return_call"):
        assert operator_cost(op) == 1


LOOP = '''(module (func (export "f") (param i32) (result i32) (local i32)
  (block $done (loop $l
    (br_if $done (i32.eqz (local.get 0)))
    (local.set 1 (i32.add (local.get 1) (local.get 0)))
    (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
    (br $l)))
  (local.get 1)))'''


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_a_loop_iteration_pays_one_statement(strategy):
    off = source(LOOP, strategy).splitlines()
    on = source(LOOP, strategy, fuel=True).splitlines()
    added = [line.strip() for line in on if line not in off and line.strip() != "pass"]
    # the entry's load-and-check, the back edge's charge-and-check, the save before return
    assert added[0] == "if (fu := FUEL[0] - 1) <= 0: fu = REFUEL(fu)"
    assert any(line.startswith("if (fu := fu - ") for line in added[1:])
    assert added[-1].startswith("FUEL[0] = fu - ")
    assert len(added) == 3


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_the_store_is_written_only_where_wasmtime_writes_it(strategy):
    wat = '''(module (func $g (param i32) (result i32) (local.get 0))
      (func (export "f") (param i32) (result i32) (local i32)
        (local.set 1 (i32.add (local.get 0) (i32.const 1)))
        (if (local.get 0) (then (local.set 1 (i32.const 2))))
        (drop (call $g (local.get 1)))
        (local.get 1)))'''
    text = source(wat, strategy, fuel=True)
    writes = [line.strip() for line in text.splitlines() if line.strip().startswith("FUEL[0]")]
    # $g's return; f: before the call, and its return
    assert len(writes) == 3


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_epoch_checks_at_entries_and_loop_headers(strategy):
    text = source(LOOP, strategy, epoch=True)
    assert text.count("if EPOCH_DUE: INTERRUPT()") == 2
    assert "FUEL" not in text


FIB = '''(module (func $fib (export "fib") (param i32) (result i32)
  (if (result i32) (i32.lt_s (local.get 0) (i32.const 2)) (then (local.get 0))
    (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                   (call $fib (i32.sub (local.get 0) (i32.const 2))))))))'''


def _engine(fuel: bool, cache=None) -> Engine:
    config = Config(cache=cache)
    config.consume_fuel = fuel
    return Engine(config)


def test_serialized_code_keeps_its_options(tmp_path):
    binary = heron.wat2wasm(FIB)
    data = Module(_engine(True), binary).serialize()
    with pytest.raises(heron.HeronError):
        Module.deserialize(_engine(False), data)
    engine = _engine(True)
    module = Module.deserialize(engine, data)
    store = Store(engine)
    store.set_fuel(10_000)
    assert Instance(store, module, []).exports(store)["fib"](store, 10) == 55
    assert store.get_fuel() < 10_000


def test_the_code_cache_keys_on_the_options(tmp_path):
    binary = heron.wat2wasm(FIB)
    with_fuel = Module(_engine(True, tmp_path), binary)
    assert "FUEL" in with_fuel.source
    without = Module(_engine(False, tmp_path), binary)       # same binary, same cache directory
    assert "FUEL" not in without.source
    again = Module(_engine(True, tmp_path), binary)
    assert again.source == with_fuel.source


def test_a_summarized_recursion_is_charged_once_per_tree():
    engine = _engine(True)
    text = Module(engine, FIB).source
    assert "def f0_s(" in text and "def f0_u(" in text
    twin = text[text.index("def f0_u("):text.index("def f0_s(")]
    assert "FUEL" not in twin                         # the twin runs uninstrumented
    store = Store(engine)
    fib = Instance(store, Module(engine, FIB), []).exports(store)["fib"]
    wasmtime = pytest.importorskip("wasmtime")
    config = wasmtime.Config()
    config.consume_fuel = True
    wengine = wasmtime.Engine(config)
    wstore = wasmtime.Store(wengine)
    wfib = wasmtime.Instance(wstore, wasmtime.Module(wengine, FIB), []).exports(wstore)["fib"]
    for n, fuel in ((20, 10 ** 9), (20, 100_000), (25, 10 ** 6), (15, 5_000)):
        store.set_fuel(fuel)
        wstore.set_fuel(fuel)
        outcomes = []
        for s, f in ((store, fib), (wstore, wfib)):
            try:
                outcomes.append((f(s, n), s.get_fuel()))
            except (heron.Trap, wasmtime.Trap) as trap:
                outcomes.append(("trap", s.get_fuel()))
        assert outcomes[0] == outcomes[1], (n, fuel)
