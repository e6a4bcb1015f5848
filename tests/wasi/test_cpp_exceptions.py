"""C++ exceptions compiled to Wasm exception handling, run as WASI programs.

tests/wasi/data/cpp/eh_tour.cpp (built by build.sh beside it with clang 22, libc++ and a
libc++abi exception runtime compiled with -fwasm-exceptions; the .wasm files are committed)
throws through frames with stack-passed arguments, runs destructors while unwinding,
rethrows, keeps an exception_ptr, throws out of constructors, virtual and indirect calls.
Three builds: exnref (try_table/throw_ref) at -O2 and at -O0, and the legacy encoding
(try/catch/rethrow/delegate). Each must print exactly what the program means to print --
the text below, which wasmtime-py prints too for the exnref builds (it has no legacy
exceptions) -- on the default target and both strategies; every target with
HERON_LONG_TESTS=1.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from program_runs import Outcome, run_on_heron, run_on_wasmtime  # noqa: E402
from wasi_probe import DEFAULT_TARGET, LONG, TARGETS  # noqa: E402

DATA = Path(__file__).resolve().parent / "data" / "cpp"
BUILDS = {"eh_tour": False, "eh_tour_O0": False, "eh_tour_legacy": True}   # name: legacy EH
STRATEGIES = ("optimizing", "baseline")

EXPECTED = """\
1 caught AppError 'deep 42' code 7
1 trail: +w8 +w7 +w6 +w5 +w4 +w3 +w2 +w1 +w0 -w0 -w1 -w2 -w3 -w4 -w5 -w6 -w7 -w8
2 call 0 -> 20
2 outer caught something else
2 inner caught out_of_range 'index 12', rethrowing
2 outer caught logic_error 'index 12'
2 trail: +inner0 -inner0 +inner1 -inner1 +inner2 -inner2
3 area 4.0
3 caught invalid_argument 'negative side -3'
3 trail: +pair1 +pair2 -pair2 -pair1
4 skipped: bad shape has no area
4 total area 9.25
5 first catch sum 42
5 rethrown from exception_ptr: 'deep 42' code 7
6 sum 332667 caught 166833
7 unwinding: 1
7 caught seven, now 0
"""


def run_heron(name: str, args: list[str], target: str, strategy: str) -> Outcome:
    return run_on_heron(DATA / f"{name}.wasm", args, target=target, strategy=strategy,
                        legacy_exceptions=BUILDS[name])


def matrix() -> list:
    cases = []
    for name in BUILDS:
        for target in TARGETS:
            for strategy in STRATEGIES:
                if LONG or (target == DEFAULT_TARGET and (name == "eh_tour" or strategy == "optimizing")):
                    cases.append((name, target, strategy))
    return cases


@pytest.mark.parametrize("name,target,strategy", matrix())
def test_eh_tour(name, target, strategy):
    assert run_heron(name, ["hello"], target, strategy) == (5, EXPECTED, "8 fatal: argument hello\n")


def test_eh_tour_without_arguments_exits_0():
    assert run_heron("eh_tour", [], DEFAULT_TARGET, "optimizing") == (0, EXPECTED, "")


@pytest.mark.parametrize("name", [n for n, legacy in BUILDS.items() if not legacy])
def test_wasmtime_prints_the_same(name, tmp_path):
    """The expected text is the reference engine's too, so it is no guess of Heron's."""
    assert run_on_wasmtime(DATA / f"{name}.wasm", ["hello"], tmp_path) == (5, EXPECTED, "8 fatal: argument hello\n")
