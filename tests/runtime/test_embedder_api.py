"""The wasmtime-py-shaped surface added for issue #11 (item 1), beyond what the snippets
compare with wasmtime-py: strict Config, TrapCode parity, Trap.frames, types of
imports and exports, Store data, Val."""
from __future__ import annotations

import pytest

import heron
from heron import Config, Engine, Instance, Module, Store, Trap, TrapCode, ValType


def test_config_refuses_options_it_does_not_know():
    config = Config()
    for name in ("cranelift_opt_level", "no_such_option"):
        with pytest.raises(AttributeError, match=name):
            setattr(config, name, True)
    with pytest.raises(TypeError, match="cranelift_opt_level"):
        Config(cranelift_opt_level=True)
    with pytest.raises(heron.HeronError):
        config.wasm_no_such_proposal = True
    with pytest.raises(heron.HeronError):
        config.strategy = "jit"


def test_config_cache_takes_wasmtime_spellings(tmp_path):
    config = Config()
    for value in (True, False, None, str(tmp_path), tmp_path):
        config.cache = value                         # the code cache (compile/cache.py)
    assert Engine(Config(cache=tmp_path)).code_cache.directory == tmp_path
    assert Engine(Config()).code_cache is None
    with pytest.raises(TypeError, match="cache"):
        config.cache = 3


def test_config_maps_wasmtime_names():
    config = Config()
    config.max_wasm_stack = 1 << 20
    assert config.stack_size == 1 << 20 == config.max_wasm_stack
    config.strategy = "cranelift"
    assert config.strategy == "optimizing"
    config.strategy = "winch"
    assert config.strategy == "baseline"
    config.wasm_tail_call = False
    assert "tail-call" not in config.features
    assert Engine(config).stack_size == 1 << 20


def test_trap_code_names_are_wasmtime_pys():
    wasmtime = pytest.importorskip("wasmtime")
    assert {c.name for c in wasmtime.TrapCode} <= {c.name for c in TrapCode}


def test_trap_frames_come_from_the_walker():
    store = Store()
    m = Module(store.engine, '''(module (func $inner (param i32) (result i32)
        local.get 0 i32.const 0 i32.div_s) (func $outer (export "outer") (param i32) (result i32)
        local.get 0 call $inner))''')
    with pytest.raises(Trap) as info:
        Instance(store, m, []).exports(store)["outer"](store, 1)
    trap = info.value
    assert trap.trap_code is TrapCode.INTEGER_DIVISION_BY_ZERO
    names = [(f.func_index, f.func_name) for f in trap.frames]
    assert names == [(0, "inner"), (1, "outer")]
    inner = trap.frames[0]
    assert inner.module_offset is not None and inner.func_offset is not None and inner.func_offset > 0
    assert trap.backtrace[0].startswith("inner @ 0x")


def test_import_and_export_types():
    store = Store()
    m = Module(store.engine, '''(module (import "a" "f" (func (param i64) (result f32)))
        (import "a" "t" (tag (param i32))) (memory (export "m") 1 5) (export "f" (func 0)))''')
    f_imp, t_imp = m.imports
    assert (f_imp.module, f_imp.name, f_imp.kind) == ("a", "f", "func")
    assert f_imp.type.params == [ValType.i64()] and f_imp.type.results == [ValType.f32()]
    assert isinstance(t_imp.type, heron.TagType) and t_imp.type.params == [ValType.i32()]
    exports = {e.name: e.type for e in m.exports}
    assert exports["m"].limits == heron.Limits(1, 5)
    assert exports["f"] == f_imp.type


def test_store_data_and_exports_by_index():
    store = Store(Engine(), data=["user state"])
    assert store.data() == ["user state"]
    assert heron.Storelike is Store
    m = Module(store.engine, '(module (func (export "b")) (global (export "a") i32 (i32.const 3)))')
    exports = Instance(store, m, []).exports(store)
    assert list(exports) == ["b", "a"]
    assert isinstance(exports.by_index[0], heron.Func) and exports.by_index[1].value(store) == 3
    store.gc()


def test_val_is_accepted_where_values_are():
    store = Store()
    g = heron.Global(store, heron.GlobalType(ValType.f32(), True), heron.Val.f32(0.1))
    assert g.value(store) == heron.Val.f32(0.1).value != 0.1
    assert heron.Val.i32(0xFFFFFFFF).value == -1
    assert heron.Val.ref_null(ValType.funcref()).value is None
    with pytest.raises(TypeError):
        heron.Val.funcref("not a function")


def test_memory_write_takes_bytes_only():
    store = Store()
    mem = heron.Memory(store, heron.MemoryType(heron.Limits(1, None)))
    with pytest.raises(TypeError):
        mem.write(store, 123)
    assert mem.write(store, memoryview(b"ab"), -2) == 2
    assert mem.read(store, -2) == bytearray(b"ab")
