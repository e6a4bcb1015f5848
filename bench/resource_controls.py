#!/usr/bin/env python
"""What fuel and epoch checks cost: the same workload with `Config.consume_fuel`,
`Config.epoch_interruption`, both, or neither, timed interleaved in one run.

    .venv/bin/python bench/resource_controls.py                    # fib, exc_nothrow, sum
    .venv/bin/python bench/resource_controls.py --only fib --reps 9 --strategies optimizing
    .venv/bin/python bench/resource_controls.py --quick            # a smoke run, seconds
    .venv/bin/python bench/resource_controls.py --no-summaries     # per-call fuel everywhere

For each workload and strategy, every mode runs the same call (one size, calibrated so the
plain run takes about --time seconds), rep 1 of every mode, then rep 2, ... (the order
rotates), garbage collector off during a call, CPU time (time.process_time). Reported:
the median time of each mode and its ratio to the plain run of the same run -- compare
ratios, not seconds. Fuel is set far above what a call needs; the epoch deadline never
arrives. Each mode's result is checked against the workload's answer, and fuel runs
report the fuel consumed, which must equal wasmtime-py's (--check-fuel compares).
"""
from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
if str(REPO / "src") not in sys.path:
    sys.path.insert(0, str(REPO / "src"))

import heron  # noqa: E402
from heron.compile import driver  # noqa: E402

from bench.workloads import WORKLOADS, bench_dir, unwrap_result  # noqa: E402

MODES = {"off": (False, False), "fuel": (True, False), "epoch": (False, True), "both": (True, True)}
FUEL = 10 ** 15


def make_call(workload, strategy: str, target: str, fuel: bool, epoch: bool):
    """The workload's export, ready to call in a store of its own with this mode."""
    config = heron.Config(strategy=strategy, target=target)
    config.consume_fuel = fuel
    config.epoch_interruption = epoch
    engine = heron.Engine(config)
    module = heron.Module(engine, (bench_dir() / workload.file).read_text())
    store = heron.Store(engine)
    if fuel:
        store.set_fuel(FUEL)
    if epoch:
        store.set_epoch_deadline(1 << 62)
    func = heron.Instance(store, module, []).exports(store)[workload.export]
    return store, (lambda *args: func(store, *args))


def timed(call, args) -> tuple[float, object]:
    gc.disable()
    try:
        start = time.process_time()
        result = call(*args)
        return time.process_time() - start, result
    finally:
        gc.enable()


def calibrate(workload, call, target_time: float) -> int:
    """The largest size of the workload's ladder whose call takes at most target_time."""
    size = workload.ladder[0]
    for candidate in workload.ladder:
        seconds, _ = timed(call, workload.make_args(candidate))
        size = candidate
        if seconds >= target_time / 2:
            break
    return size


def wasmtime_fuel(workload, args) -> int | None:
    try:
        import wasmtime
    except ImportError:
        return None
    config = wasmtime.Config()
    config.consume_fuel = True
    engine = wasmtime.Engine(config)
    store = wasmtime.Store(engine)
    store.set_fuel(FUEL)
    instance = wasmtime.Instance(store, wasmtime.Module(engine, (bench_dir() / workload.file).read_text()), [])
    store.set_fuel(FUEL)
    instance.exports(store)[workload.export](store, *args)
    return FUEL - store.get_fuel()


def run(args: argparse.Namespace) -> int:
    status = 0
    print(f"{'workload':12} {'strategy':11} {'size':>8} " + " ".join(f"{m:>14}" for m in MODES))
    for name in args.only:
        workload = WORKLOADS[name]
        for strategy in args.strategies:
            calls = {mode: make_call(workload, strategy, args.target, *flags) for mode, flags in MODES.items()}
            size = workload.quick_size if args.quick else calibrate(workload, calls["off"][1], args.time)
            call_args = workload.make_args(size)
            times: dict[str, list[float]] = {mode: [] for mode in MODES}
            consumed = None
            order = list(MODES)
            for rep in range(args.reps):
                for mode in order[rep % len(order):] + order[:rep % len(order)]:
                    store, call = calls[mode]
                    if MODES[mode][0]:
                        store.set_fuel(FUEL)
                    seconds, result = timed(call, call_args)
                    workload.check(size, unwrap_result(result))
                    times[mode].append(seconds)
                    if MODES[mode][0]:
                        used = FUEL - store.get_fuel()
                        if consumed is not None and used != consumed:
                            raise AssertionError(f"fuel consumed differs between runs: {used} vs {consumed}")
                        consumed = used
            base = statistics.median(times["off"])
            cells = []
            for mode in MODES:
                med = statistics.median(times[mode])
                cells.append(f"{med * 1000:7.1f}ms {med / base:5.2f}x")
            print(f"{name:12} {strategy:11} {size:8} " + " ".join(f"{c:>14}" for c in cells))
            if args.check_fuel:
                reference = wasmtime_fuel(workload, call_args)
                verdict = "n/a (no wasmtime)" if reference is None else \
                    "agrees" if reference == consumed else f"DIFFERS: wasmtime {reference}"
                if reference is not None and reference != consumed:
                    status = 1
                print(f"{'':12} fuel consumed {consumed}, wasmtime-py {verdict}")
    return status


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", default="fib,exc_nothrow,sum", help="comma-separated workloads")
    p.add_argument("--strategies", default="optimizing,baseline", help="comma-separated strategies")
    p.add_argument("--target", default="x86_64-sysv")
    p.add_argument("--reps", type=int, default=None, help="timed repetitions per mode (default 7; 1 with --quick)")
    p.add_argument("--time", type=float, default=0.3, help="seconds one plain call should take")
    p.add_argument("--quick", action="store_true", help="smoke run: the workloads' tiny sizes, one rep")
    p.add_argument("--check-fuel", action="store_true", help="compare the fuel consumed with wasmtime-py's")
    p.add_argument("--no-summaries", action="store_true",
                   help="charge fuel per call everywhere (no fuel summaries of pure recursions, "
                        "compile/fuelsum.py): what the general instrumentation costs")
    args = p.parse_args(argv)
    if args.no_summaries:
        driver.summary_param = lambda fc, p: None
    args.only = [n for n in args.only.split(",") if n]
    bad = [n for n in args.only if n not in WORKLOADS]
    if bad:
        p.error(f"unknown workload(s) {', '.join(bad)}; known: {', '.join(WORKLOADS)}")
    args.strategies = [s for s in args.strategies.split(",") if s]
    if args.reps is None:
        args.reps = 1 if args.quick else 7
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
