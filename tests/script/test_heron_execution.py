"""`heron wast` with execution on Heron's own runtime (RuntimeAdapter), when heron.runtime exists.

runtime.wast exercises what the adapter does: globals through `get`, externref identity,
funcref/null results, multi-value, either, traps, NaN patterns and payloads, the spectest
module, register + imports, unlinkable modules, a trapping start function, module
definitions and instances.

It also runs the whole required set with execution: every command must pass or be skipped
for an unsupported proposal (the SIMD and relaxed-SIMD scripts: every command must pass,
nothing skipped), on the default target under both strategies. The exception and
tail-call scripts, and the SIMD scripts whose v128 values cross calls, memory and
linking (where targets differ: vector argument registers, 16-byte stack slots), run on
every target under both strategies; HERON_LONG_TESTS=1 runs every script so.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from testsuite_paths import TESTSUITE, is_simd_script, required_scripts

from heron.features import Features
from heron.script.adapters import STRATEGIES, TARGETS, RuntimeAdapter
from heron.script.runner import run_script

DATA = Path(__file__).parent / "data"
LONG = os.environ.get("HERON_LONG_TESTS") == "1"
MATRIX = [(t, s) for t in TARGETS for s in STRATEGIES]
EVERY_CONFIGURATION = ("try_table", "throw", "throw_ref", "tag", "rethrow", "try_catch", "try_delegate",
                       "return_call", "return_call_indirect", "return_call_ref",
                       "simd_linking", "simd_load", "simd_store", "simd_address", "simd_lane",
                       "simd_select", "simd_const", "relaxed_madd_nmadd")
# Every other script: the default target under both strategies (the full matrix is opt-in).
DEFAULT_TARGET_BOTH_STRATEGIES = [(TARGETS[0], s) for s in STRATEGIES]


def runtime_factory(target, strategy, features):
    return RuntimeAdapter(target, strategy, features)


@pytest.mark.parametrize("target, strategy", MATRIX)
def test_runtime_script_passes_on_every_configuration(target, strategy):
    [result] = run_script(DATA / "runtime.wast", configs=[(target, strategy)], adapter_factory=runtime_factory)
    assert [(f.line, f.message) for f in result.failures] == []
    assert (result.passed, result.skipped) == (28, 0)
    assert result.by_kind["assert_unlinkable"].passed == 3
    assert result.by_kind["assert_return"].passed == 17 and result.by_kind["invoke"].passed == 1


# Scripts that fail today for a known reason outside the runner (strict: a fix turns them green
# and this list must shrink).
KNOWN_FAILURES: dict[str, str] = {}

SCRIPTS = required_scripts() if TESTSUITE.is_dir() else []


def _param(entry):
    path, flags = entry
    marks = []
    if path.name in KNOWN_FAILURES:
        marks.append(pytest.mark.xfail(reason=KNOWN_FAILURES[path.name], strict=True))
    return pytest.param(path, flags, id=str(path.relative_to(TESTSUITE)), marks=marks)


@pytest.mark.parametrize("path, flags", [_param(e) for e in SCRIPTS])
def test_required_script_executes(path, flags):
    """Every command of the script passes or is skipped (unsupported proposal), with execution.
    The default target under both strategies; HERON_LONG_TESTS=1: every target and strategy for
    every script, else for the exception and tail-call scripts only."""
    configs = MATRIX if (LONG or path.stem in EVERY_CONFIGURATION) else DEFAULT_TARGET_BOTH_STRATEGIES
    results = run_script(path, Features.from_args(flags), configs=configs, adapter_factory=runtime_factory,
                         timeout=120)
    failures = [f"[{r.config}] line {f.line}: {f.kind}: {f.message}" for r in results for f in r.failures]
    assert failures == [], "\n".join(failures[:20])
    if is_simd_script(path):
        assert [r.skipped for r in results] == [0] * len(results), "a SIMD script skipped commands"
        assert all(r.passed for r in results)
