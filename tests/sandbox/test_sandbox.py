"""The sandbox holds (issue #11): no module and no host function crashes the interpreter
or changes process-wide state; limits refuse as specified; objects of another Store
are refused; a host function's own exceptions pass unchanged."""
from __future__ import annotations

import gc
import resource
import subprocess
import sys
from pathlib import Path

import pytest

import heron
from heron import (Engine, Func, FuncType, Global, GlobalType, HeronError, Instance, Limits, LinkError, Memory,
                   MemoryType, Module, ResourceLimitError, Store, Table, TableType, Trap, TrapCode, ValType)

PROBE = Path(__file__).with_name("deep_probe.py")
I32 = ValType.i32()


def run_probe(case: str) -> str:
    """Run a deep-recursion probe in a fresh interpreter; a crash fails with its signal."""
    p = subprocess.run([sys.executable, str(PROBE), case], capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, f"probe {case} died with status {p.returncode}: {p.stderr[-2000:]}"
    return p.stdout.strip()


@pytest.mark.parametrize("case", ["pure", "cross", "host"])
def test_recursion_at_any_depth_ends_in_the_stack_trap(case):
    assert run_probe(case) == "trap call stack exhausted | store usable: True"


def test_host_code_gets_the_recursion_limit_it_had():
    # a host function called from Wasm sees the process's limit, and json's C recursion
    # raises RecursionError instead of overflowing the C stack; it reaches the caller as is
    assert run_probe("json") == "RecursionError | store usable: True"


def test_store_creation_leaves_the_recursion_limit_alone():
    before = sys.getrecursionlimit()
    store = Store(Engine(heron.Config(stack_size=8 << 20)))
    m = Module(store.engine, '(module (func (export "f") (result i32) i32.const 1))')
    assert Instance(store, m, []).exports(store)["f"](store) == 1
    assert sys.getrecursionlimit() == before


def test_a_host_functions_own_exceptions_pass_unchanged():
    store = Store()
    m = Module(store.engine, '(module (import "" "h" (func $h)) (func (export "f") call $h))')

    def h():
        return 1 // 0
    f = Instance(store, m, [Func(store, FuncType([], []), h)]).exports(store)["f"]
    with pytest.raises(ZeroDivisionError):
        f(store)
    # Wasm's own division by zero is still a trap
    m2 = Module(store.engine, '(module (func (export "d") (param i32) (result i32) i32.const 1 local.get 0 i32.div_s))')
    with pytest.raises(Trap) as info:
        Instance(store, m2, []).exports(store)["d"](store, 0)
    assert info.value.trap_code is TrapCode.INTEGER_DIVISION_BY_ZERO


def test_module_strings_are_never_format_strings():
    store = Store()
    m = Module(store.engine, '(module (func (export "%300000000d") (param i32)))')
    f = Instance(store, m, []).exports(store)["%300000000d"]
    with pytest.raises(TypeError) as info:
        f(store)
    assert "got 0" in str(info.value) and len(str(info.value)) < 200


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs /proc to read the resident size")
def test_a_2gib_memory_costs_what_it_touches():
    store = Store()
    before = rss_bytes()
    m = Module(store.engine, '''(module (memory (export "m") 32767)
        (func (export "poke") (i32.store (i32.const 2000000000) (i32.const 7)))
        (func (export "grow") (result i32) (memory.grow (i32.const 1))))''')
    exports = Instance(store, m, []).exports(store)
    exports["poke"](store)
    view = memoryview(exports["m"].data)         # an exported buffer must not break growth
    assert exports["grow"](store) == 32767
    assert exports["m"].read(store, 2000000000, 2000000004) == bytearray(b"\x07\0\0\0")
    assert view[2000000000] == 7
    assert rss_bytes() - before < 300 << 20
    del view, exports
    gc.collect()


def test_limits_refuse_as_wasmtime_does():
    store = Store()
    store.set_limits(memory_size=3 * 65536, table_elements=5, instances=2, memories=3, tables=2)
    m = Module(store.engine, '''(module (memory (export "m") 1) (table (export "t") 1 funcref)
        (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
        (func (export "tgrow") (param i32) (result i32) (table.grow (ref.null func) (local.get 0))))''')
    e = Instance(store, m, []).exports(store)
    assert e["grow"](store, 2) == 1
    assert e["grow"](store, 1) == -1                 # beyond memory_size: -1
    with pytest.raises(HeronError):
        e["m"].grow(store, 1)
    assert e["tgrow"](store, 4) == 1
    assert e["tgrow"](store, 1) == -1                # beyond table_elements
    with pytest.raises(ResourceLimitError):
        Memory(store, MemoryType(Limits(4, None)))   # minimum beyond memory_size
    with pytest.raises(ResourceLimitError):
        Table(store, TableType(ValType.funcref(), Limits(6, None)), None)
    Instance(store, Module(store.engine, "(module)"), [])
    with pytest.raises(ResourceLimitError, match="instance count"):
        Instance(store, Module(store.engine, "(module)"), [])
    counted = Store()
    counted.set_limits(memories=1)
    Memory(counted, MemoryType(Limits(0, None)))
    with pytest.raises(ResourceLimitError, match="memory count"):
        Instance(counted, Module(counted.engine, "(module (memory 0))"), [])


def test_objects_of_another_store_are_refused():
    a, b = Store(), Store(Engine())
    ft = FuncType([], [])
    fa = Func(a, ft, lambda: None)
    m = Module(b.engine, '(module (import "" "f" (func)))')
    with pytest.raises(LinkError, match="another Store"):
        Instance(b, m, [fa])
    mem = Memory(a, MemoryType(Limits(1, None)))
    with pytest.raises(LinkError, match="another Store"):
        Instance(b, Module(b.engine, '(module (import "" "m" (memory 1)))'), [mem])
    with pytest.raises(TypeError):
        fa(b)
    with pytest.raises(TypeError):
        mem.size(b)
    tb = Table(b, TableType(ValType.funcref(), Limits(1, None)), None)
    with pytest.raises(TypeError, match="another Store"):
        tb.set(b, 0, fa)
    with pytest.raises(TypeError):
        tb.set(b, 0, "not a function")
    g = Global(b, GlobalType(ValType.funcref(), True), None)
    with pytest.raises(TypeError):
        g.set_value(b, object())
    with pytest.raises(TypeError, match="another Store"):
        g.set_value(b, fa)
    ext = Global(b, GlobalType(ValType.externref(), True), None)
    ext.set_value(b, object())                       # an externref may be any object
    linker = heron.Linker(b.engine)
    with pytest.raises(LinkError):
        linker.define(b, "", "f", fa)


def test_bad_arguments_raise_clean_errors():
    store = Store()
    mem = Memory(store, MemoryType(Limits(1, 2)))
    with pytest.raises(HeronError, match="negative"):
        mem.grow(store, -1)
    with pytest.raises(TypeError):
        mem.grow(store, "1")
    with pytest.raises(HeronError):
        mem.grow(store, 5)
    with pytest.raises(heron.DecodeError):
        Module(store.engine, b"\xff\xfe\x00garbage")
    with pytest.raises(TypeError):
        Module(store.engine, 42)
    with pytest.raises(TypeError):
        Func(store, FuncType([], []), "not callable")


def test_a_tag_of_another_store_is_not_thrown_into_wasm():
    a, b = Store(), Store()
    foreign = heron.Tag(a, heron.TagType(FuncType([I32], [])))
    m = Module(b.engine, '(module (import "" "h" (func $h)) (func (export "f") call $h))')

    def h():
        raise heron.WasmException(foreign, [1])
    f = Instance(b, m, [Func(b, FuncType([], []), h)]).exports(b)["f"]
    with pytest.raises(TypeError, match="same Store"):
        f(b)


def test_a_module_of_another_engine_is_refused():
    # its code addresses are in the other engine's code map: a catch_all would not catch
    m = Module(Engine(), '(module (tag $e) (func $t throw $e) '
                         '(func (export "f") (result i32) (block $h (try_table (catch_all $h) call $t)) i32.const 5))')
    with pytest.raises(LinkError, match="another Engine"):
        Instance(Store(Engine()), m, [])
    store = Store(m.engine)
    assert Instance(store, m, []).exports(store)["f"](store) == 5


def test_host_functions_see_the_hosts_recursion_limit():
    before = sys.getrecursionlimit()
    seen = []
    store = Store()
    m = Module(store.engine, '''(module (import "" "h" (func $h (param i32) (result i32)))
        (func $down (param i32) (result i32)
          local.get 0 i32.eqz if (result i32) i32.const 0 call $h
          else local.get 0 i32.const 1 i32.sub call $down end)
        (export "down" (func $down)))''')
    h = Func(store, FuncType([I32], [I32]), lambda x: seen.append(sys.getrecursionlimit()) or x)
    down = Instance(store, m, [h]).exports(store)["down"]
    assert down(store, 10) == 0          # shallow Wasm: exactly the host's limit
    assert down(store, 5000) == 0        # Wasm deeper than the limit: headroom above it
    assert seen[0] == before and seen[1] > before
    assert sys.getrecursionlimit() == before
