#!/usr/bin/env python
"""How much of a recursion's cost is CPython's frame-stack chunking, not the engine.

CPython 3.11 keeps Python frames in 16 KB chunks and frees a chunk as soon as the frame at
its base returns. A recursion whose depth oscillates across a chunk boundary -- every
iteration of exc_nothrow/exc_maythrow descends 50 frames and returns -- pays an mmap and a
munmap (and fresh page faults) at each crossing, several microseconds, about as much as the
50 frames themselves. Whether a boundary falls inside the recursion depends only on how
deep the Python stack already is when the export is called, so the same engine on the same
workload measures up to ~3x apart from one call site to another, and a ratio of two
workloads (maythrow/nothrow) depends on where each happened to land.

Heron enters a function that can recurse through a roomy frame (runtime/framestack.py),
so its rows should be flat; pwasm's and hand-written Python's show the cliff. This script
calls each engine's export from a range of Python stack depths (padding frames) and prints
microseconds per iteration: the fastest (no crossing), the median and the slowest, and
maythrow/nothrow at equal padding. bench/run.py measures at one depth.

    .venv/bin/python bench/frame_chunks.py [--engines heron-opt,pwasm,python] [--iters 5000]
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

from bench.engines import EngineUnavailable, make_engines, short_reason, wat_to_wasm  # noqa: E402
from bench.workloads import EXC_DEPTH, WORKLOADS  # noqa: E402

PADDINGS = range(0, 280, 10)        # Python frames below the call: spans two 16 KB chunks


def padded(depth: int, fn, *args):
    """Call fn(*args) under `depth` extra Python frames."""
    if depth == 0:
        return fn(*args)
    return padded(depth - 1, fn, *args)


def per_iteration(call, iters: int, padding: int, reps: int = 3) -> float:
    best = float("inf")
    for _ in range(reps):
        start = time.process_time()
        padded(padding, call, EXC_DEPTH, iters)
        best = min(best, time.process_time() - start)
    return best / iters * 1e6


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--engines", default="heron-opt,pwasm,python")
    p.add_argument("--iters", type=int, default=3000, help="iterations per timed call")
    p.add_argument("--target", default="x86_64-sysv")
    args = p.parse_args(argv)
    print(f"# microseconds per iteration (depth {EXC_DEPTH}) over {len(PADDINGS)} Python stack depths")
    print("| engine | workload | fastest | median | slowest |")
    print("|---|---|---|---|---|")
    gc.disable()
    for engine in make_engines(args.engines.split(","), args.target):
        rows = {}
        for name in ("exc_nothrow", "exc_maythrow"):
            workload = WORKLOADS[name]
            wat = workload.source()
            try:
                call = engine.prepare(workload, wat, wat_to_wasm(wat))
                workload.check(3, call(EXC_DEPTH, 3))
            except (EngineUnavailable, Exception) as e:
                print(f"| {engine.name} | {name} | n/a: {short_reason(e)} | | |")
                continue
            rows[name] = [per_iteration(call, args.iters, pad) for pad in PADDINGS]
            t = rows[name]
            print(f"| {engine.name} | {name} | {min(t):.2f} | {statistics.median(t):.2f} | {max(t):.2f} |")
        if len(rows) == 2:
            ratios = [m / n for m, n in zip(rows["exc_maythrow"], rows["exc_nothrow"])]
            print(f"| {engine.name} | maythrow/nothrow at equal depth | {min(ratios):.2f}x | "
                  f"{statistics.median(ratios):.2f}x | {max(ratios):.2f}x |")
            print(f"| {engine.name} | maythrow/nothrow, both without crossings | "
                  f"{min(rows['exc_maythrow']) / min(rows['exc_nothrow']):.2f}x | | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
