#!/usr/bin/env python
"""Run the shared benchmark workloads on Heron and its peers in one interleaved run.

    .venv/bin/python bench/run.py [--quick] [--reps N] [--only fib,sum,...,call]

Heron engines that cannot import, compile or run a workload show "n/a: <reason>"; so do
peers that lack a proposal. See bench/README.md for what the columns mean.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.engines import (ENGINE_NAMES, PEERS, Engine, make_engines, short_reason,  # noqa: E402
                           wat_to_wasm)
from bench.measure import FuelCounter, calibrate, timed  # noqa: E402
from bench.report import Cell, call_table, exception_table, workload_table  # noqa: E402
from bench.simd_workloads import SIMD_WORKLOADS  # noqa: E402
from bench.workloads import (CALL_LADDER, CALL_NAME, CALL_QUICK, EXC_DEPTH, NOP_WAT,  # noqa: E402
                             WORKLOADS, Workload, bench_dir)

WORKLOADS = {**WORKLOADS, **SIMD_WORKLOADS}

TARGETS = ("x86_64-sysv", "x86_64-windows", "aarch64")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="smoke run: tiny sizes, 1 rep, no calibration")
    p.add_argument("--reps", type=int, default=None, help="timed repetitions per engine (default 5; 1 with --quick)")
    p.add_argument("--only", default="", help=f"comma-separated workloads: {', '.join([*WORKLOADS, CALL_NAME])}")
    p.add_argument("--engines", default=",".join(ENGINE_NAMES), help="comma-separated engines to run")
    p.add_argument("--target", default="x86_64-sysv", choices=TARGETS, help="Heron's compilation target")
    p.add_argument("--time", type=float, default=0.3, dest="target_time",
                   help="seconds one timed call should take (sizes are calibrated per engine)")
    p.add_argument("--timeout", type=float, default=120.0, help="give up on one call after this many seconds")
    p.add_argument("--json", type=Path, default=None, help="also write the raw results here")
    args = p.parse_args(argv)
    if args.reps is None:
        args.reps = 1 if args.quick else 5
    names = [n for n in args.only.split(",") if n] or [*WORKLOADS, CALL_NAME]
    unknown = [n for n in names if n not in WORKLOADS and n != CALL_NAME]
    if unknown:
        p.error(f"unknown workload(s) {', '.join(unknown)}; known: {', '.join([*WORKLOADS, CALL_NAME])}")
    args.names = names
    args.engine_names = [e for e in args.engines.split(",") if e]
    bad = [e for e in args.engine_names if e not in ENGINE_NAMES]
    if bad:
        p.error(f"unknown engine(s) {', '.join(bad)}; known: {', '.join(ENGINE_NAMES)}")
    return args


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Bench:
    """Runs every selected engine on one workload, interleaving the timed repetitions."""

    def __init__(self, engines: list[Engine], args: argparse.Namespace) -> None:
        self.engines = engines
        self.args = args
        self._wasm: dict[str, bytes] = {}

    def wasm_of(self, workload: Workload) -> bytes:
        if workload.name not in self._wasm:
            self._wasm[workload.name] = wat_to_wasm(workload.source())
        return self._wasm[workload.name]

    def _interleave(self, cells: dict[str, Cell], jobs: dict[str, object], run_one) -> None:
        """Rep 1 of every engine, then rep 2, ...; the order rotates so no engine is always first."""
        names = [e.name for e in self.engines if e.name in jobs]
        for rep in range(self.args.reps):
            shift = rep % len(names) if names else 0
            for name in names[shift:] + names[:shift]:
                cell = cells[name]
                if cell.reason is not None:
                    continue
                try:
                    cell.times.append(run_one(jobs[name], cell.size))
                except Exception as e:
                    cell.reason, cell.times = short_reason(e), []

    def run_workload(self, workload: Workload, fuel: FuelCounter) -> dict[str, Cell]:
        cells = {e.name: Cell(e.name) for e in self.engines}
        wat = workload.source()
        try:
            wasm = self.wasm_of(workload)
        except Exception as e:
            wasm = b""
            log(f"  cannot convert {workload.name} to binary: {short_reason(e)}")

        def run_one(call, size: int) -> float:
            t, result = timed(lambda: call(*workload.make_args(size)), self.args.timeout)
            workload.check(size, result)
            return t

        jobs = {}
        for engine in self.engines:
            cell = cells[engine.name]
            try:
                call = engine.prepare(workload, wat, wasm)
                if self.args.quick:
                    cell.size = workload.quick_size
                    run_one(call, cell.size)  # warm-up (pwasm compiles on first call) and check
                else:
                    cell.size = calibrate(lambda s: run_one(call, s), workload.ladder, workload.work,
                                          self.args.target_time)
                engine.check_warm()
                jobs[engine.name] = call
                log(f"  {workload.name:13} {engine.name:10} {workload.args_text(cell.size)}")
            except Exception as e:
                cell.reason = short_reason(e)
                log(f"  {workload.name:13} {engine.name:10} n/a: {cell.reason}")
        self._interleave(cells, jobs, run_one)
        for cell in cells.values():
            if cell.ok:
                cell.count, cell.count_is_proxy = fuel.count(workload, cell.size)
        return cells

    def run_calls(self) -> dict[str, Cell]:
        """Host-to-Wasm call overhead: an exported function that does nothing, called n times."""
        cells = {e.name: Cell(e.name) for e in self.engines}
        wasm = wat_to_wasm(NOP_WAT)

        def run_one(loop, n: int) -> float:
            return timed(lambda: loop(n), self.args.timeout)[0]

        jobs = {}
        for engine in self.engines:
            cell = cells[engine.name]
            try:
                loop = engine.prepare_call_loop(NOP_WAT, wasm)
                if self.args.quick:
                    cell.size = CALL_QUICK
                    run_one(loop, cell.size)
                else:
                    cell.size = calibrate(lambda n: run_one(loop, n), CALL_LADDER, float,
                                          self.args.target_time)
                engine.check_warm()
                jobs[engine.name] = loop
                log(f"  {CALL_NAME:13} {engine.name:10} {cell.size} calls")
            except Exception as e:
                cell.reason = short_reason(e)
                log(f"  {CALL_NAME:13} {engine.name:10} n/a: {cell.reason}")
        self._interleave(cells, jobs, run_one)
        return cells


def heron_state() -> str:
    try:
        import heron
        return f"heron {getattr(heron, '__version__', '?')} from {Path(heron.__file__).parent}"
    except Exception as e:
        return f"heron not importable: {short_reason(e)}"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    engines = make_engines(args.engine_names, args.target)
    bench = Bench(engines, args)
    fuel = FuelCounter(bench.wasm_of)
    names = [e.name for e in engines]
    peers = [p for p in PEERS if p in names]
    started = time.time()

    workloads = [WORKLOADS[n] for n in args.names if n in WORKLOADS]
    results: dict[str, dict[str, Cell]] = {}
    for workload in workloads:
        log(f"{workload.name}:")
        results[workload.name] = bench.run_workload(workload, fuel)
    calls = None
    if CALL_NAME in args.names:
        log(f"{CALL_NAME}:")
        calls = bench.run_calls()

    cpu = os.cpu_count()
    print(f"# Heron benchmark: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(started))}, "
          f"Python {platform.python_version()} on {platform.machine()} ({cpu} cpus), "
          f"{args.reps} rep(s){' (quick)' if args.quick else ''}, Heron target {args.target}")
    print(f"# workloads from {bench_dir()}; {heron_state()}")
    print()
    if workloads:
        print(workload_table(workloads, results, names, peers))
        print()
        print("M instr/s = Wasm instructions as Wasmtime's fuel counts them / median time; "
              "'vs P' = this engine's M instr/s / P's (above 1: faster than P).")
        if any(c.count_is_proxy for r in results.values() for c in r.values()):
            print("~ exc_legacy's count is exc.wat's at the same arguments (Wasmtime cannot run legacy EH).")
        print()
    if any(n.startswith("exc") for n in results):
        print(f"Exceptions, depth {EXC_DEPTH} (per iteration: recurse {EXC_DEPTH} frames, throw or return, catch):")
        print(exception_table(results, names))
        print("throw/return = time per iteration of exc (or exc_legacy, exc_maythrow) / exc_nothrow's: "
              "the cost of unwinding vs returning through the same frames.")
        print()
    if calls is not None:
        print(call_table(calls, names))
        print()
    if args.json:
        dump = {w: {n: vars(c) for n, c in r.items()} for w, r in results.items()}
        if calls is not None:
            dump[CALL_NAME] = {n: vars(c) for n, c in calls.items()}
        args.json.write_text(json.dumps(dump, indent=1))
    log(f"done in {time.time() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
