"""Timing, calibration and instruction counting.

Instruction counts are "as Wasmtime's fuel counts them": run the workload once in Wasmtime
with fuel on; the fuel consumed is the number of (fuel-charged) Wasm instructions executed.
"""
from __future__ import annotations

import gc
import signal
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from .engines import EngineUnavailable
from .workloads import COUNT_PROXY, WORKLOADS, Workload

FUEL = 10**18


class BenchTimeout(EngineUnavailable):
    """One call ran past --timeout: the engine is dropped for this workload."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Interrupt a runaway pure-Python engine (a SIGALRM lands between bytecodes)."""
    if seconds <= 0 or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise BenchTimeout(f"timeout: one call over {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def timed(fn: Callable[[], Any], timeout: float) -> tuple[float, Any]:
    """Seconds one call takes, with the garbage collector off as timeit does."""
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        with time_limit(timeout):
            start = time.perf_counter()
            result = fn()
            elapsed = time.perf_counter() - start
    finally:
        if enabled:
            gc.enable()
    return elapsed, result


def calibrate(run: Callable[[int], float], ladder: tuple[int, ...], work: Callable[[int], float],
              target: float, max_growth: float = 16.0) -> int:
    """The ladder size at which one run takes about `target` seconds.

    Probes from the smallest size up, predicting each next size from the time measured so far
    (work grows at most `max_growth`-fold a probe, so a slow engine never gets a huge first jump).
    """
    i = 0
    while True:
        size = ladder[i]
        t = run(size)
        if t >= 0.4 * target or i == len(ladder) - 1:
            return size
        per_work = max(t, 1e-7) / work(size)
        best = i + 1
        for j in range(i + 1, len(ladder)):
            w = work(ladder[j])
            if w > work(size) * max_growth or per_work * w > target:
                break
            best = j
        i = best


class FuelCounter:
    """Counts executed instructions of a workload at given arguments, once each."""

    def __init__(self, wasm_of: Callable[[Workload], bytes]) -> None:
        self.wasm_of = wasm_of
        self.cache: dict[tuple[str, tuple], int] = {}
        try:
            import wasmtime
            self.wasmtime: Any = wasmtime
        except ImportError:
            self.wasmtime = None

    def count(self, workload: Workload, size: int) -> tuple[int | None, bool]:
        """(instruction count or None, whether it was borrowed from a proxy workload)."""
        proxy = COUNT_PROXY.get(workload.name)
        counted = WORKLOADS[proxy] if proxy else workload
        key = (counted.name, counted.make_args(size))
        if key not in self.cache:
            try:
                self.cache[key] = self._measure(counted, size)
            except Exception:
                return None, False
        return self.cache[key], proxy is not None

    def _measure(self, workload: Workload, size: int) -> int:
        wt = self.wasmtime
        if wt is None:
            raise EngineUnavailable("wasmtime not installed")
        cfg = wt.Config()
        cfg.consume_fuel = True
        cfg.wasm_exceptions = "exceptions" in workload.needs
        cfg.wasm_tail_call = "tail-call" in workload.needs
        engine = wt.Engine(cfg)
        store = wt.Store(engine)
        store.set_fuel(FUEL)
        imports = []
        if workload.host is not None:
            i32 = wt.ValType.i32()
            imports.append(wt.Func(store, wt.FuncType([i32], [i32]), workload.host))
        instance = wt.Instance(store, wt.Module(engine, self.wasm_of(workload)), imports)
        result = instance.exports(store)[workload.export](store, *workload.make_args(size))
        workload.check(size, result)
        return FUEL - store.get_fuel()
