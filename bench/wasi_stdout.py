"""WASI stdout throughput: a program writing 10 MB to stdout in 4 KB fd_write calls, timed on
Heron (both strategies) and on wasmtime-py (its WasiConfig) in the same run.

    .venv/bin/python bench/wasi_stdout.py              # 10 MB in 4 KB writes, 5 reps
    .venv/bin/python bench/wasi_stdout.py --quick      # 1 MB, 1 rep (a smoke run)
    .venv/bin/python bench/wasi_stdout.py --mb 50 --chunk 65536 --reps 3

stdout goes to /dev/null (`stdout_file`) on every engine, so the run times the program and
the WASI layer, not a terminal. The program (WAT below) fills a 4 KB buffer once, then calls
fd_write in a loop. A third Heron row runs the same program with fd_write replaced by a
host function that only reports the bytes written: the difference between the two Heron
rows is what WASI itself costs (iovec decoding, the copy out of guest memory, the write).
The median of the reps is reported; compare the ratios of one run, not seconds across runs.
"""
from __future__ import annotations

import argparse
import gc
import statistics
import struct
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import heron  # noqa: E402

PROGRAM = r'''(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (local $left i32)
    (memory.fill (i32.const 4096) (i32.const 0x61) (i32.const CHUNK))
    (i32.store (i32.const 0) (i32.const 4096))          ;; iovec: buf
    (i32.store (i32.const 4) (i32.const CHUNK))         ;; iovec: len
    (local.set $left (i32.const CALLS))
    (loop $again
      (if (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16))
        (then unreachable))
      (if (i32.ne (i32.load (i32.const 16)) (i32.const CHUNK)) (then unreachable))
      (local.set $left (i32.sub (local.get $left) (i32.const 1)))
      (br_if $again (local.get $left)))))'''


def program(total: int, chunk: int) -> str:
    if chunk > 60000:
        raise SystemExit("--chunk must fit in one page after the iovec (at most 60000)")
    return PROGRAM.replace("CHUNK", str(chunk)).replace("CALLS", str(max(1, total // chunk)))


def timed(call) -> float:
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        call()
        return time.perf_counter() - start
    finally:
        gc.enable()


def wasi_start(api, engine, wat: str):
    """`_start` of the program with stdout to /dev/null, on heron or wasmtime (one API, two
    modules), as a call to time."""
    store = api.Store(engine)
    config = api.WasiConfig()
    config.stdout_file = "/dev/null"
    store.set_wasi(config)
    linker = api.Linker(engine)
    linker.define_wasi()
    instance = linker.instantiate(store, api.Module(engine, wat))
    start = instance.exports(store)["_start"]
    return lambda: start(store)


def heron_run(wat: str, strategy: str, target: str):
    return wasi_start(heron, heron.Engine(heron.Config(target=target, strategy=strategy)), wat)


def heron_noop_write(wat: str, strategy: str, target: str):
    """The same program with fd_write a host function that does no I/O (the baseline)."""
    engine = heron.Engine(heron.Config(target=target, strategy=strategy))
    store = heron.Store(engine)
    u32 = struct.Struct("<I")

    def fd_write(caller, fd, iovs, count, nwritten):
        memory = caller["memory"]
        data = memory.data
        u32.pack_into(data, nwritten, u32.unpack_from(data, iovs + 4)[0])
        return 0

    i32 = heron.ValType.i32()
    func = heron.Func(store, heron.FuncType([i32] * 4, [i32]), fd_write, access_caller=True)
    instance = heron.Instance(store, heron.Module(engine, wat), [func])
    start = instance.exports(store)["_start"]
    return lambda: start(store)


def wasmtime_run(wat: str):
    import wasmtime
    return wasi_start(wasmtime, wasmtime.Engine(), wat)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=10.0, help="MiB written (default 10)")
    parser.add_argument("--chunk", type=int, default=4096, help="bytes per fd_write (default 4096)")
    parser.add_argument("--reps", type=int, default=5, help="timed repetitions, median reported")
    parser.add_argument("--target", default="x86_64-sysv", help="Heron's target")
    parser.add_argument("--quick", action="store_true", help="1 MB, 1 rep: a smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.mb, args.reps = 1.0, 1
    total = int(args.mb * (1 << 20))
    wat = program(total, args.chunk)
    calls = max(1, total // args.chunk)
    engines = {
        "heron-opt": lambda: heron_run(wat, "optimizing", args.target),
        "heron-base": lambda: heron_run(wat, "baseline", args.target),
        "heron-opt, no-op fd_write": lambda: heron_noop_write(wat, "optimizing", args.target),
        "wasmtime": lambda: wasmtime_run(wat),
    }
    runs, times = {}, {}
    for name, make in engines.items():
        try:
            runs[name] = make()
            runs[name]()                                # warm: compile, first touch
        except Exception as e:                          # an engine that cannot run: say so, go on
            print(f"{name}: n/a: {type(e).__name__}: {e}", file=sys.stderr)
            runs.pop(name, None)
        times[name] = []
    for _ in range(args.reps):                          # interleaved reps
        for name, run in runs.items():
            times[name].append(timed(run))
    print(f"WASI stdout throughput: {calls * args.chunk / (1 << 20):g} MiB in {calls} fd_write calls of "
          f"{args.chunk} bytes, to /dev/null, median of {args.reps}")
    print(f"| {'engine':<26} | {'median':>9} | {'MB/s':>8} | {'us/call':>8} | {'vs wasmtime':>11} |")
    print(f"|{'-' * 28}|{'-' * 11}|{'-' * 10}|{'-' * 10}|{'-' * 13}|")
    reference = statistics.median(times["wasmtime"]) if times.get("wasmtime") else None
    for name in engines:
        if not times.get(name):
            print(f"| {name:<26} | {'n/a':>9} | {'':>8} | {'':>8} | {'':>11} |")
            continue
        t = statistics.median(times[name])
        ratio = f"{t / reference:.2f}x time" if reference else "n/a"
        print(f"| {name:<26} | {t * 1e3:7.1f}ms | {calls * args.chunk / 1e6 / t:8.1f} | "
              f"{t / calls * 1e6:8.2f} | {ratio:>11} |")
    if times.get("heron-opt") and times.get("heron-opt, no-op fd_write"):
        full = statistics.median(times["heron-opt"])
        noop = statistics.median(times["heron-opt, no-op fd_write"])
        print(f"WASI layer share of heron-opt's time: {max(0.0, (full - noop) / full):.0%} "
              f"({(full - noop) / calls * 1e6:.2f} us per fd_write)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
