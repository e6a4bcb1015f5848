"""Differential testing against wasmtime on generated modules (see harness.py).

Two streams of `wasm-tools smith` modules, one seed per index:
* `eh`: /work/shared/fuzz/smith_eh_tc.json as it is (exceptions + tail calls);
* `noeh`: the same configuration with exception instructions switched off, so the rest
  of Heron is exercised by every module even where exceptions are not supported;
* `simd`: SIMD and relaxed SIMD on (tests/differential/data/smith_eh_tc_simd.json, a copy
  of the shared configuration with those two switched on).

Every module runs on wasmtime and on Heron for 3 targets x 2 strategies; every Heron
configuration must agree with wasmtime (and so with every other). Modules wasmtime
rejects are skipped; modules Heron reports as Unsupported are counted and must stay a
small minority -- except exception handling, which is counted separately while Heron
cannot compile it yet.

Default: HERON_FUZZ_MODULES=20 modules per stream (about 5 s of CPU each);
set it higher for a longer run. HERON_FUZZ_STREAMS=big adds a third stream with larger
function bodies and more fuel (`harness.STREAMS`). HERON_FUZZ_FIRST shifts the seed range;
HERON_FUZZ_KEEP=DIR keeps the modules with findings.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from . import harness

pytest.importorskip("wasmtime")
if harness.wasm_tools() is None or not harness.SMITH_CONFIG.exists():
    pytest.skip("wasm-tools or the smith configuration is missing", allow_module_level=True)

COUNT = int(os.environ.get("HERON_FUZZ_MODULES", "20"))
FIRST = int(os.environ.get("HERON_FUZZ_FIRST", "0"))
# Unsupported (other than exceptions before they land) must stay below this share.
MAX_UNSUPPORTED_SHARE = 0.1


def run_stream(exceptions: bool | str, tmp_path: Path) -> harness.Stats:
    keep = Path(os.environ["HERON_FUZZ_KEEP"]) if os.environ.get("HERON_FUZZ_KEEP") else tmp_path
    stats = harness.Stats()
    configs = harness.all_configs()
    for index in range(FIRST, FIRST + COUNT):
        harness.check_module(index, exceptions, configs, stats, keep=keep)
    return stats


def report(stats: harness.Stats) -> str:
    lines = [stats.line()]
    for index, config, diffs in stats.mismatches[:20]:
        lines.append(f"  seed {index} on {config}:")
        lines += [f"    {d}" for d in diffs[:4]]
    return "\n".join(lines)


def check(stats: harness.Stats, label: str) -> None:
    print(f"\n[differential {label}] {report(stats)}")
    assert stats.compared + stats.rejected_by_wasmtime + stats.unsupported_total() == stats.modules
    assert not stats.mismatches, f"Heron disagrees with wasmtime ({label}):\n{report(stats)}"
    counted = dict(stats.unsupported)
    if not harness.heron_runs_exceptions():
        counted.pop("exceptions", None)      # skipped-for-exceptions until Heron compiles them
    assert sum(counted.values()) <= MAX_UNSUPPORTED_SHARE * stats.modules, report(stats)


def test_exceptions_and_tail_calls_stream(tmp_path):
    stats = run_stream(True, tmp_path)
    check(stats, "eh")


def test_stream_without_exception_instructions(tmp_path):
    stats = run_stream(False, tmp_path)
    check(stats, "noeh")
    assert stats.compared >= COUNT // 2 and stats.calls > 0


def test_simd_stream(tmp_path):
    """SIMD and relaxed SIMD on (a copy of the shared configuration: data/smith_eh_tc_simd.json):
    v128 arguments, results, globals and payloads compared with wasmtime bit for bit."""
    stats = run_stream("simd", tmp_path)
    check(stats, "simd")
    assert stats.compared >= COUNT // 2 and stats.calls > 0


@pytest.mark.skipif("big" not in os.environ.get("HERON_FUZZ_STREAMS", ""),
                    reason="opt-in: HERON_FUZZ_STREAMS=big (larger bodies, more fuel)")
def test_big_stream(tmp_path):
    stats = run_stream("big", tmp_path)
    check(stats, "big")


def test_values_are_compared_as_the_spec_allows():
    """NaNs equal whatever their payload; zeros by sign; ints by width; refs by null-ness."""
    assert harness.norm(float("nan"), "f32") == harness.norm(-float("nan"), "f32") == "nan"
    assert harness.norm(0.0, "f64") != harness.norm(-0.0, "f64")
    assert harness.norm(0xFFFF_FFFF, "i32") == harness.norm(-1, "i32") == -1
    assert harness.norm(1 << 63, "i64") == -(1 << 63)
    assert harness.norm(None, "funcref") == "null" and harness.norm(object(), "externref") == "ref"
    assert harness.norm(1.5, "f32") == "f32:0x3fc00000"
