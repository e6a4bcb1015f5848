"""The embedder API: shape (wasmtime-py-like), host functions, imports/exports, traps."""
from __future__ import annotations

import pytest

import heron
from heron import (Config, Engine, Func, FuncType, Global, GlobalType, Instance, Limits, Linker, LinkError,
                   Memory, MemoryType, Module, Store, Trap, ValType)

TARGETS = ("x86_64-sysv", "x86_64-windows", "aarch64")
STRATEGIES = ("baseline", "optimizing")
MATRIX = [(t, s) for t in TARGETS for s in STRATEGIES]


def make(target="x86_64-sysv", strategy="optimizing", **kw):
    engine = Engine(Config(target=target, strategy=strategy, **kw))
    return engine, Store(engine)


ADD = """(module
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "swap") (param i64 f64) (result f64 i64) (local.get 1) (local.get 0))
  (memory (export "mem") 1)
  (global (export "g") (mut i32) (i32.const 7))
  (data (i32.const 8) "hi"))"""


def test_api_shape_round_trip():
    engine, store = make()
    module = Module(engine, ADD)
    assert "def f0(fp" in module.source
    instance = Instance(store, module, [])
    exports = instance.exports(store)
    assert exports["add"](store, 50, 20) == 70
    assert exports["add"](store, -1, 0) == -1                 # results are signed, like wasmtime-py
    assert exports["add"](store, 0x7FFFFFFF, 1) == -0x80000000
    assert exports["swap"](store, -5, 2.5) == (2.5, -5)        # multi-value -> tuple
    mem = exports["mem"]
    assert isinstance(mem, Memory)
    assert mem.read(store, 8, 10) == b"hi"
    assert exports["g"].get(store) == 7
    assert [e.name for e in module.exports] == ["add", "swap", "mem", "g"]


def test_module_from_binary_and_file(tmp_path):
    from heron.binary import encode
    from heron.text import parse_module
    engine, store = make()
    data = encode(parse_module(ADD, engine.features))
    path = tmp_path / "add.wasm"
    path.write_bytes(data)
    for module in (Module(engine, data), Module.from_file(engine, path)):
        assert Instance(store, module, []).exports(store)["add"](store, 2, 3) == 5


@pytest.mark.parametrize("target,strategy", MATRIX)
def test_host_function_round_trip(target, strategy):
    engine, store = make(target, strategy)
    seen = []

    def host(a, b, c, d, e, f, g, h):
        seen.append((a, b, c, d, e, f, g, h))
        return a * 1000 + h

    ft = FuncType([ValType.i32()] * 4 + [ValType.i64(), ValType.f64(), ValType.i32(), ValType.i32()],
                  [ValType.i32()])
    module = Module(engine, """(module
      (import "env" "h" (func $h (param i32 i32 i32 i32 i64 f64 i32 i32) (result i32)))
      (func (export "run") (param i32) (result i32)
        (call $h (local.get 0) (i32.const 2) (i32.const 3) (i32.const 4) (i64.const -5) (f64.const 6.5)
                 (i32.const 7) (i32.const 8))))""")
    linker = Linker(engine)
    linker.define(store, "env", "h", Func(store, ft, host))
    instance = linker.instantiate(store, module)
    assert instance.exports(store)["run"](store, 9) == 9008
    assert seen == [(9, 2, 3, 4, -5, 6.5, 7, 8)]


def test_host_trap_and_error_propagate():
    engine, store = make()

    def boom():
        raise Trap("unreachable")

    def oops():
        raise ValueError("host bug")

    module = Module(engine, """(module
      (import "env" "boom" (func $boom))
      (import "env" "oops" (func $oops))
      (func $mid (export "a") (call $boom))
      (func (export "b") (call $oops)))""")
    instance = Instance(store, module, [Func(store, FuncType([], []), boom), Func(store, FuncType([], []), oops)])
    with pytest.raises(Trap) as info:
        instance.exports(store)["a"](store)
    assert info.value.code == "unreachable"
    assert info.value.backtrace and "mid" in info.value.backtrace[0]
    with pytest.raises(ValueError):
        instance.exports(store)["b"](store)


def test_link_errors():
    engine, store = make()
    module = Module(engine, '(module (import "env" "f" (func (param i32))))')
    with pytest.raises(LinkError):
        Linker(engine).instantiate(store, module)
    wrong = Func(store, FuncType([ValType.i64()], []), lambda x: None)
    with pytest.raises(LinkError):
        Instance(store, module, [wrong])
    g = Global(store, GlobalType(ValType.i32(), False), 3)
    with pytest.raises(LinkError):
        Instance(store, module, [g])


def test_imported_memory_and_global():
    engine, store = make()
    mem = Memory(store, MemoryType(Limits(1, 2)))
    g = Global(store, GlobalType(ValType.i32(), True), 40)
    module = Module(engine, """(module
      (import "env" "m" (memory 1))
      (import "env" "g" (global $g (mut i32)))
      (func (export "bump") (result i32)
        (global.set $g (i32.add (global.get $g) (i32.const 2)))
        (i32.store (i32.const 0) (global.get $g))
        (memory.grow (i32.const 1))))""")
    inst = Instance(store, module, [mem, g])
    assert inst.exports(store)["bump"](store) == 1
    assert g.get(store) == 42
    assert mem.read(store, 0, 4) == (42).to_bytes(4, "little")
    assert mem.size(store) == 2


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_trap_codes_and_backtrace(strategy):
    engine, store = make(strategy=strategy)
    module = Module(engine, """(module
      (memory 1)
      (table 2 funcref)
      (func $div (param i32) (result i32) (i32.div_s (i32.const 1) (local.get 0)))
      (func $load (param i32) (result i32) (i32.load (local.get 0)))
      (func $callind (param i32) (call_indirect (local.get 0)))
      (func $outer (export "div") (param i32) (result i32) (call $div (local.get 0)))
      (func (export "load") (param i32) (result i32) (call $load (local.get 0)))
      (func (export "ind") (param i32) (call $callind (local.get 0))))""")
    ex = Instance(store, module, []).exports(store)
    cases = [("div", 0, "integer divide by zero"), ("load", 65534, "out of bounds memory access"),
             ("ind", 0, "uninitialized element"), ("ind", 5, "undefined element")]
    for name, arg, code in cases:
        with pytest.raises(Trap) as info:
            ex[name](store, arg)
        assert info.value.code == code
    with pytest.raises(Trap) as info:
        ex["div"](store, 0)
    assert [f.split(" @")[0] for f in info.value.backtrace] == ["div", "outer"]
    assert ex["div"](store, 1) == 1


def test_config_validation():
    with pytest.raises(heron.HeronError):
        Config(target="sparc")
    with pytest.raises(heron.HeronError):
        Config(strategy="jit")
    cfg = Config()
    cfg.wasm_tail_call = False
    assert "tail-call" not in cfg.features


REENTRY = '''(module
  (import "env" "host" (func $host))
  (func $inner (export "inner") unreachable)
  (func $mid (call $host))
  (func $outer (export "outer") (call $mid)))'''


@pytest.mark.parametrize("strategy", ["optimizing", "baseline"])
def test_trap_backtrace_spans_host_reentry(strategy):
    """Wasm -> host -> Wasm -> trap: the backtrace has the frames of both activations, as
    wasmtime's does (it stopped at the host frame: emscripten-style setjmp programs, whose
    every call goes through a host `invoke_*`, showed one activation of thousands)."""
    engine = Engine(Config(strategy=strategy))
    store = Store(engine)
    module = Module(engine, REENTRY)
    box = []
    host = Func(store, FuncType([], []), lambda: box[0].exports(store)["inner"](store))
    box.append(Instance(store, module, [host]))
    with pytest.raises(Trap) as info:
        box[0].exports(store)["outer"](store)
    assert [f.func_name for f in info.value.frames] == ["inner", "mid", "outer"]
    assert info.value.code == "unreachable"
