"""`heron wast` with execution on Heron's own runtime (RuntimeAdapter), when heron.runtime exists.

runtime.wast exercises what the adapter does: globals through `get`, externref identity,
funcref/null results, multi-value, either, traps, NaN patterns and payloads, the spectest
module, register + imports, unlinkable modules, a trapping start function, module
definitions and instances.

HERON_LONG_TESTS=1 also runs the whole required set with execution (default target and
strategy; the exception and tail-call scripts on every target under both strategies).
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from testsuite_paths import TESTSUITE, required_scripts

from heron.features import Features
from heron.script.adapters import STRATEGIES, TARGETS, RuntimeAdapter, runtime_available
from heron.script.runner import run_script

pytestmark = pytest.mark.skipif(not runtime_available(), reason="heron.runtime cannot execute yet")

DATA = Path(__file__).parent / "data"
LONG = os.environ.get("HERON_LONG_TESTS") == "1"
MATRIX = [(t, s) for t in TARGETS for s in STRATEGIES]
EVERY_CONFIGURATION = ("try_table", "throw", "throw_ref", "tag", "rethrow", "try_catch", "try_delegate",
                       "return_call", "return_call_indirect", "return_call_ref")


def runtime_factory(target, strategy, features):
    return RuntimeAdapter(target, strategy, features)


@pytest.mark.parametrize("target, strategy", MATRIX)
def test_runtime_script_passes_on_every_configuration(target, strategy):
    [result] = run_script(DATA / "runtime.wast", configs=[(target, strategy)], adapter_factory=runtime_factory)
    assert [(f.line, f.message) for f in result.failures] == []
    assert (result.passed, result.skipped) == (28, 0)
    assert result.by_kind["assert_unlinkable"].passed == 3
    assert result.by_kind["assert_return"].passed == 17 and result.by_kind["invoke"].passed == 1


SCRIPTS = required_scripts() if (LONG and TESTSUITE.is_dir()) else []


@pytest.mark.skipif(not LONG, reason="set HERON_LONG_TESTS=1 to execute the whole required set")
@pytest.mark.parametrize("entry", SCRIPTS, ids=[str(p.relative_to(TESTSUITE)) for p, _ in SCRIPTS])
def test_required_script_executes(entry):
    path, flags = entry
    configs = MATRIX if path.stem in EVERY_CONFIGURATION else None
    results = run_script(path, Features.from_args(flags), configs=configs, adapter_factory=runtime_factory)
    failures = [f"[{r.config}] line {f.line}: {f.kind}: {f.message}" for r in results for f in r.failures]
    assert failures == [], "\n".join(failures[:20])
