"""Room on CPython's frame stack for a deep Wasm recursion.

CPython 3.11 keeps Python frames in chunks (16 KB each, unless one frame needs more) and
frees a chunk as soon as the frame at its base returns. Wasm frames are Python frames, so a
Wasm recursion whose depth moves back and forth across a chunk boundary -- fib's tree, or a
loop that descends 50 frames and returns each iteration -- pays an mmap, a munmap and fresh
page faults at every crossing: measured, fib(20) 10x slower and a 50-frame round trip 2.6x
slower than the same call made from a Python stack a few frames shallower
(bench/frame_chunks.py). Where the boundaries fall depends only on how deep the host's
Python stack happens to be.

The remedy is an entry trampoline whose own frame is big: `with_room` gives it ROOM_WORDS
more words of (never touched) value stack, so calling it makes CPython allocate one chunk of
twice that size and put the frame at its base; the Wasm frames called from it fill the
other half, ~500 KB, some 2,000 frames, without a crossing. That allocation is itself an
mmap (~4 us), too much for every call of a short export. So only a function that can
recurse at all (compile/facts.py: reaches_recursion) gets a roomy form, used only when no
other Wasm activation is below it (nested entries run inside the outer one's room): its
first call is roomy (a program's one `_start` call benefits), a call shorter than SHORT_NS
switches the entry to the plain form, and a plain call longer than LONG_NS back.
"""
from __future__ import annotations

from types import FunctionType

# a frame of just over 2**16 words makes CPython allocate a 2**17-word (1 MB) chunk
ROOM_WORDS = 1 << 16
LONG_NS = 200_000       # a call this long is worth ~4 us of allocation (2%)
SHORT_NS = 20_000       # a call this short is not


def with_room(fn: FunctionType) -> FunctionType:
    """A copy of `fn` whose frame reserves ROOM_WORDS more words of value stack."""
    code = fn.__code__
    roomy = code.replace(co_stacksize=code.co_stacksize + ROOM_WORDS)
    return FunctionType(roomy, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__)


__all__ = ["ROOM_WORDS", "LONG_NS", "SHORT_NS", "with_room"]
