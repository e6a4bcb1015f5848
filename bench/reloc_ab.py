"""Hot-path cost of relocatable return addresses: generated code writes `RA<offset>` (an
instance global bound to the module's code base + offset when the function is installed)
into a callee's frame record, where it used to paste the absolute address; `CB+<offset>`
(the code base global plus a constant, added on every call) was the first design. This A/B
times the three forms of the same workloads in one process, repetitions interleaved:

    .venv/bin/python bench/reloc_ab.py --reps 9

Frames elided by the optimizing strategy write no frame record at all (fib, exc_nothrow
under `optimizing`), so the cost shows under `baseline` and in exc_maythrow.
"""
from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

import heron  # noqa: E402
from heron.compile import calls  # noqa: E402
from heron.target.codemap import PC_STRIDE, RA_DELTA  # noqa: E402

SHARED = REPO.parent / "shared" / "bench"
WORKLOADS = {"fib": ("fib.wat", "fib", (27,)), "exc_nothrow": ("exc_nothrow.wat", "run", (50, 4000)),
             "exc_maythrow": ("exc_maythrow.wat", "run", (50, 4000))}
relative = calls.CallLowering.record_site


def absolute(self, kind: str) -> str:
    """The old form: the absolute return address pasted as a literal."""
    relative(self, kind)
    info = self.fc.info
    return str(info.start + PC_STRIDE * self.out.instr + RA_DELTA)


def added(self, kind: str) -> str:
    """The first relocatable form: the code base global plus a constant, added per call."""
    relative(self, kind)
    info = self.fc.info
    return f"CB+{info.start - info.base + PC_STRIDE * self.out.instr + RA_DELTA}"


def prepare(path: Path, export: str, strategy: str, form):
    calls.CallLowering.record_site = form
    try:
        engine = heron.Engine(heron.Config(strategy=strategy))
        store = heron.Store(engine)
        module = heron.Module(engine, path.read_text())
        module.compiled.compile_all()
        fn = heron.Instance(store, module, []).exports(store)[export]
    finally:
        calls.CallLowering.record_site = relative
    return store, fn


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--only", default=",".join(WORKLOADS))
    args = ap.parse_args()
    print(f"{'workload':14} {'strategy':11} {'RA<offset>':>10} {'CB+offset':>10} {'absolute':>10} "
          f"{'RA cost':>8} {'CB+ cost':>8}")
    for name in args.only.split(","):
        file, export, call_args = WORKLOADS[name]
        for strategy in ("baseline", "optimizing"):
            runs = {f: prepare(SHARED / file, export, strategy, f) for f in (relative, added, absolute)}
            times = {f: [] for f in runs}
            for _ in range(args.reps):
                for f, (store, fn) in runs.items():
                    gc.disable()
                    t = time.perf_counter()
                    fn(store, *call_args)
                    times[f].append(time.perf_counter() - t)
                    gc.enable()
            # the fastest repetition: the least disturbed by a busy machine
            rel, add, ab = min(times[relative]), min(times[added]), min(times[absolute])
            print(f"{name:14} {strategy:11} {rel * 1e3:8.1f}ms {add * 1e3:8.1f}ms {ab * 1e3:8.1f}ms "
                  f"{100 * (rel / ab - 1):+7.1f}% {100 * (add / ab - 1):+7.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
