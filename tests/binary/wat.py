"""Text -> binary through the wasm-tools binary, for expectations computed at test time."""
from __future__ import annotations

import subprocess

import pytest

from testsuite_paths import wasm_tools


def wat2wasm(text: str) -> bytes:
    tool = wasm_tools()
    if tool is None:
        pytest.skip("wasm-tools not available")
    r = subprocess.run([tool, "parse", "-"], input=text.encode(), capture_output=True)
    assert r.returncode == 0, r.stderr.decode()
    return r.stdout
