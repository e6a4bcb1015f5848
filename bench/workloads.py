"""The benchmark workloads: which export to call, with which arguments, what it must return.

Each workload has one size knob (fib's n, a loop count, an iteration count k). The runner
picks a size per engine so that every engine runs for about the same time; instruction
counts (measured with Wasmtime's fuel) make the different sizes comparable.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parent.parent

EXC_DEPTH = 50  # recursion depth of the exception workloads (the README's figures use 50)


def bench_dir() -> Path:
    """Where the shared .wat workloads live: $HERON_BENCH_DIR, else ../shared/bench."""
    env = os.environ.get("HERON_BENCH_DIR")
    return Path(env) if env else REPO.parent / "shared" / "bench"


def _nice_ladder(lo: int, hi: int) -> tuple[int, ...]:
    """1, 1.5, 2, 3, 5, 7 x 10^k between lo and hi: steps small enough to land near a target time."""
    out = []
    scale = 1
    while scale <= hi:
        for m in (10, 15, 20, 30, 50, 70):
            v = m * scale // 10
            if lo <= v <= hi and v not in out:
                out.append(v)
        scale *= 10
    return tuple(out)


@lru_cache(maxsize=None)
def fib(n: int) -> int:
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def fib_calls(n: int) -> int:
    """How many times recursive fib(n) calls itself (the work it does)."""
    return 2 * fib(n + 1) - 1


@dataclass(frozen=True)
class Workload:
    name: str
    file: str | None            # a file in bench_dir(), or None when `wat` is given inline
    export: str
    make_args: Callable[[int], tuple]
    expected: Callable[[int], int]
    work: Callable[[int], float]      # relative work of one call at a size (for calibration)
    ladder: tuple[int, ...]           # sizes calibration may choose, smallest first
    quick_size: int
    needs: frozenset[str] = field(default_factory=frozenset)  # proposals: exceptions, legacy-exceptions, tail-call
    result_bits: int = 32
    size_label: str = "n"
    wat: str | None = None
    host: Callable[[int], int] | None = None   # imported as env.f: (i32) -> i32 (Wasm -> host calls)

    def source(self) -> str:
        if self.wat is not None:
            return self.wat
        return (bench_dir() / self.file).read_text()

    def args_text(self, size: int) -> str:
        return f"{self.export}({', '.join(str(a) for a in self.make_args(size))})"

    def check(self, size: int, result: object) -> None:
        """Raise WrongResult unless `result` is what the workload must return at this size."""
        value = unwrap_result(result)
        mask = (1 << self.result_bits) - 1
        want = self.expected(size)
        if not isinstance(value, int) or (value & mask) != (want & mask):
            raise WrongResult(f"wrong result: {value!r}, expected {want}")


class WrongResult(Exception):
    """An engine computed the wrong answer: its timing must not be reported."""


def unwrap_result(result: object) -> object:
    """Engines return a bare value (wasmtime, pwasm) or a list of results (pywasm)."""
    if isinstance(result, (list, tuple)) and len(result) == 1:
        return result[0]
    return result


def _exc_total(k: int, extra: int) -> int:
    return k * (k + 1) // 2 + k * extra


def _exc(name: str, needs: set[str], extra: int) -> Workload:
    return Workload(
        name=name, file=f"{name}.wat", export="run",
        make_args=lambda k: (EXC_DEPTH, k),
        expected=lambda k: _exc_total(k, extra),
        work=lambda k: k, ladder=_nice_ladder(1, 100_000), quick_size=3,
        needs=frozenset(needs), size_label="k")


WORKLOADS: dict[str, Workload] = {w.name: w for w in [
    Workload(name="fib", file="fib.wat", export="fib", make_args=lambda n: (n,),
             expected=fib, work=fib_calls, ladder=tuple(range(5, 36)), quick_size=12),
    Workload(name="sum", file="sum.wat", export="sum", make_args=lambda n: (n,),
             expected=lambda n: n * (n + 1) // 2, work=lambda n: n,
             ladder=_nice_ladder(10, 50_000_000), quick_size=500, result_bits=64),
    _exc("exc_nothrow", set(), 2 * EXC_DEPTH + 9),
    _exc("exc_maythrow", {"exceptions"}, 2 * EXC_DEPTH + 9),
    _exc("exc", {"exceptions"}, EXC_DEPTH + 9),
    _exc("exc_legacy", {"legacy-exceptions"}, EXC_DEPTH + 9),
    Workload(name="tail", file="tail.wat", export="tc", make_args=lambda n: (n,),
             expected=lambda n: 3 * n, work=lambda n: n,
             ladder=_nice_ladder(10, 10_000_000), quick_size=100, needs=frozenset({"tail-call"})),
]}

# Wasm-to-host call overhead: a loop in Wasm calling an imported host function n times.
HOSTCALL_WAT = """(module
  (import "env" "f" (func $f (param i32) (result i32)))
  (func (export "run") (param $n i32) (result i32) (local $acc i32)
    (block $done (loop $l
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $acc (i32.add (local.get $acc) (call $f (local.get $n))))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $l)))
    (local.get $acc)))"""


def host_parity(x: int) -> int:
    """The host function hostcall imports: the low bit of its argument."""
    return x & 1


WORKLOADS["hostcall"] = Workload(
    name="hostcall", file=None, wat=HOSTCALL_WAT, export="run", make_args=lambda n: (n,),
    expected=lambda n: (n + 1) // 2, work=lambda n: n, ladder=_nice_ladder(10, 10_000_000), quick_size=100,
    host=host_parity)

# Host-to-Wasm call overhead: a function that does nothing, called many times from Python.
NOP_WAT = '(module (func (export "nop")))'
CALL_LADDER = _nice_ladder(100, 2_000_000)
CALL_QUICK = 200
CALL_NAME = "call"  # the --only name of the call-overhead measurement

# exc_legacy cannot be counted with Wasmtime's fuel (Wasmtime has no legacy EH); it executes
# the same instructions per iteration as exc.wat give or take the try/block shape, so its
# instruction count is taken from exc.wat at the same arguments (marked ~ in the table).
COUNT_PROXY = {"exc_legacy": "exc"}
