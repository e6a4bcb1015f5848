"""The foundation's 'done when': on every script of the required set, without execution,
every module loads and validates, every assert_malformed sees a malformed module and every
assert_invalid an invalid one — nothing that can be checked without running code fails.

Runs in-process with the no-execution adapter (the fastest path); one test per script.
"""
from __future__ import annotations

import pytest

from testsuite_paths import TESTSUITE, required_scripts

from heron.features import Features
from heron.script.adapters import NoExecutionAdapter
from heron.script.runner import run_script

SCRIPTS = required_scripts() if TESTSUITE.is_dir() else []
CHECKED_KINDS = ("module", "assert_malformed", "assert_invalid")


def _id(entry) -> str:
    path, _ = entry
    return str(path.relative_to(TESTSUITE))


@pytest.mark.parametrize("entry", SCRIPTS, ids=[_id(e) for e in SCRIPTS])
def test_required_script_loads_validates_and_rejects(entry, testsuite_dir):
    path, flags = entry
    [result] = run_script(path, Features.from_args(flags),
                          adapter_factory=lambda target, strategy, features: NoExecutionAdapter())
    shown = "\n".join(f"  line {f.line}: {f.kind}: {f.message}" for f in result.failures[:20])
    assert result.failed == 0, f"{result.failed} failed in {_id(entry)}:\n{shown}"
    for kind in CHECKED_KINDS:
        counts = result.by_kind.get(kind)
        if counts is not None:
            assert counts.failed == 0
    assert result.passed + result.skipped > 0, "the script ran no command"


def test_required_set_is_the_expected_size(testsuite_dir):
    assert len(SCRIPTS) > 150
    assert any(flags == ["legacy-exceptions=y"] for _, flags in SCRIPTS)
