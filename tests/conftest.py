"""Shared test fixtures: where the official test suite is, and wasm-tools conversions of it."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from testsuite_paths import TESTSUITE, required_scripts, wasm_tools  # noqa: E402


@pytest.fixture(scope="session")
def testsuite_dir() -> Path:
    if not TESTSUITE.is_dir():
        pytest.skip(f"official test suite not found at {TESTSUITE} (set HERON_TESTSUITE)")
    return TESTSUITE
