"""Pausing Python's cyclic garbage collector while a phase allocates many acyclic objects.

Decoding and validating a large module create hundreds of thousands of objects (types,
functions, control frames) and no reference cycles: they are freed by reference counting
alone. The cyclic collector would still scan the growing heap again and again (a cost that
grows faster than the module: ~10% of load time at 3 MB). Pausing it for the phase is safe,
and nests.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def paused_gc() -> Iterator[None]:
    """Disable the cyclic collector for the `with` block (if it was enabled)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
