"""The unwinding regression suite on Heron: every corpus case on every target and strategy.

Each case's expected outcome is established in corpus.py (Python model / hand-written)
and confirmed by wasmtime in test_corpus.py. Every failure fails (no skips: a lost
feature or a broken import must show).
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from corpus import CASES  # noqa: E402
import unwind_engines as engines  # noqa: E402

TARGETS = ["x86_64-sysv", "x86_64-windows", "aarch64"]
STRATEGIES = ["baseline", "optimizing"]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("target", TARGETS)
def test_unwind_regression(target, strategy, case):
    assert engines.run_heron(case, target, strategy) == case.expected
