"""Everyday wasmtime-py snippets (snippets.py) run on wasmtime-py and on Heron: each
must behave the same -- the same result, or an error of the same category (error class
names differ: wasmtime.WasmtimeError is heron.HeronError)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

import heron

sys.path.insert(0, str(Path(__file__).parent))
import snippets  # noqa: E402

wasmtime = pytest.importorskip("wasmtime")


def outcome(w, snippet):
    engine_error = getattr(w, "WasmtimeError", None) or getattr(w, "HeronError")
    try:
        return ("ok", snippet(w))
    except w.Trap:
        return ("trap",)
    except engine_error:
        return ("error",)
    except (TypeError, ValueError, IndexError, KeyError) as e:
        return ("python-error", type(e).__name__)


@pytest.mark.parametrize("snippet", snippets.SNIPPETS, ids=lambda s: s.__name__)
def test_snippet_behaves_as_on_wasmtime(snippet):
    expected = outcome(wasmtime, snippet)
    actual = outcome(heron, snippet)
    assert actual == expected


def test_there_are_dozens_of_snippets():
    assert len(snippets.SNIPPETS) >= 75
