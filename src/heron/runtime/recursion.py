"""The Python recursion limit, which Heron raises only while Wasm runs.

Wasm frames are Python frames (generated functions calling each other), so a deep Wasm
recursion needs a recursion limit far above CPython's default. But the limit also
guards the C stack of host code: `json.loads('[' * 200000)` relies on it to raise
RecursionError instead of overflowing the C stack. So the limit is raised when host
code enters Wasm (the entry trampolines, runtime/entry.py) and put back to what it was
whenever Wasm calls host code (the exit trampolines, runtime/boundary.py) and when
the call into Wasm returns.

Raising the limit is safe only because every call from Wasm to Wasm is one CPython
runs without growing the C stack (a positional call of a Python function); what does
grow it -- host frames between activations -- is bounded by MAX_ACTIVATIONS
(runtime/entry.py).
"""
from __future__ import annotations

import sys
from types import FrameType
from typing import Optional

get_limit = sys.getrecursionlimit
set_limit = sys.setrecursionlimit

# A Wasm frame takes at least 16 bytes of stack memory and at most two Python frames
# (its function, and an import thunk for a call into another instance).
BYTES_PER_PYTHON_FRAME = 8
HEADROOM = 10_000


def wasm_recursion_limit(stack_size: int) -> int:
    """The recursion limit Wasm needs to fill a stack of `stack_size` bytes before the
    stack check traps (plus headroom for the host frames around it)."""
    return stack_size // BYTES_PER_PYTHON_FRAME + HEADROOM


def python_depth() -> int:
    """The number of Python frames on the current thread's stack."""
    frame: Optional[FrameType] = sys._getframe()
    depth = 0
    while frame is not None:
        depth += 1
        frame = frame.f_back
    return depth


def restore_host_limit(limit: int, nested: bool = False) -> None:
    """Put the recursion limit back to the host's `limit` for host code that Wasm calls.

    When Wasm has already gone deeper than `limit`, or when this is a host call inside a
    host call (host and Wasm calling each other), the host gets `limit` or, if that is
    more, half of `limit` frames above the current depth: the frames below are Wasm
    frames, which hold no C stack, or host frames of the activations below, which
    MAX_ACTIVATIONS bounds. So a recursion between host and Wasm ends in the "call
    stack exhausted" trap, not in a RecursionError of whichever host function is
    innermost. (Walking the frames costs O(depth); only these cases pay it.)"""
    if not nested:
        try:
            set_limit(limit)
            return
        except RecursionError:
            pass
    depth = python_depth()
    target = max(limit, depth + limit // 2)
    while True:
        try:
            set_limit(target)
            return
        except RecursionError:
            # the depth CPython counts includes C-level calls, a few per host <-> Wasm crossing
            target += depth


__all__ = ["wasm_recursion_limit", "restore_host_limit", "python_depth", "get_limit", "set_limit"]
