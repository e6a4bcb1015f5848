"""The unwinding regression suite on Heron: every corpus case on every target and strategy.

Each case's expected outcome is established in corpus.py (Python model / hand-written)
and confirmed by wasmtime in test_corpus.py. A case would skip only if Heron raised
`heron.Unsupported` naming exceptions (none does since exception handling landed);
every other failure fails.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from corpus import CASES  # noqa: E402
import unwind_engines as engines  # noqa: E402

heron = pytest.importorskip("heron")

TARGETS = ["x86_64-sysv", "x86_64-windows", "aarch64"]
STRATEGIES = ["baseline", "optimizing"]
EXCEPTIONS_NOT_IMPLEMENTED = "exceptions not implemented yet"


def run_or_skip(case, target: str, strategy: str) -> tuple:
    """Heron's outcome; skip only for Unsupported naming exception handling."""
    try:
        return engines.run_heron(case, target, strategy)
    except heron.Unsupported as e:
        if "exception" in e.feature:
            pytest.skip(EXCEPTIONS_NOT_IMPLEMENTED)
        raise


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("target", TARGETS)
def test_unwind_regression(target, strategy, case):
    assert run_or_skip(case, target, strategy) == case.expected
