"""The SIMD workloads (bench/simd_workloads.py): each kernel and its scalar twin compute the
answer the Python model gives, on wasmtime and on Heron under both strategies, and the
SIMD kernels really are SIMD (their scalar twins are not)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
_LIMIT = sys.getrecursionlimit()

from bench.engines import Heron, Wasmtime, wat_to_wasm  # noqa: E402
from bench.simd_workloads import SIMD_WORKLOADS, dot_once, hist_checksum  # noqa: E402

sys.setrecursionlimit(_LIMIT)    # bench/handwritten.py raises it on import (for its yardstick)

NAMES = sorted(SIMD_WORKLOADS)


def _engines():
    engines = [Heron("baseline", "x86_64-windows"), Heron("optimizing", "aarch64")]
    try:
        engines.append(Wasmtime())
    except Exception:  # noqa: BLE001 - wasmtime is a test extra
        pass
    return engines


@pytest.mark.parametrize("name", NAMES)
def test_workload_answers(name):
    w = SIMD_WORKLOADS[name]
    wat = w.source()
    wasm = wat_to_wasm(wat)
    for engine in _engines():
        call = engine.prepare(w, wat, wasm)
        for k in (1, 3):
            w.check(k, call(k))          # raises WrongResult
        w.check(2, call(2))              # a second call on the same instance starts afresh


def test_models_and_shapes():
    assert dot_once() != 0 and hist_checksum(2) != hist_checksum(1)
    for name, w in SIMD_WORKLOADS.items():
        simd_ops = sum(w.source().count(op) for op in ("v128.load", "i32x4.", "i8x16."))
        assert (simd_ops > 0) == name.startswith("simd_"), name
