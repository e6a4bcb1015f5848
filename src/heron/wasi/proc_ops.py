"""proc_exit, proc_raise, sched_yield, random_get.

proc_exit raises heron.ExitTrap: it is not a trap, so it leaves Wasm untouched by any
handler and the embedder (the CLI) decides what exiting means. Statuses of 126 and above
are refused as wasmtime refuses them (they would read as "not executable" or a signal).
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ..errors import ExitTrap, HeronError
from .errno import Errno, WasiError
from .flags import Signal
from .memory import GuestMemory

if TYPE_CHECKING:
    from .context import WasiContext


MAX_EXIT_STATUS = 126
MAX_RANDOM_CHUNK = 1 << 20


def proc_exit(ctx: WasiContext, mem: GuestMemory, code: int) -> None:
    if code >= MAX_EXIT_STATUS:
        raise HeronError(f"exit with invalid exit status outside of [0..{MAX_EXIT_STATUS}): "
                         f"proc_exit({code})")
    raise ExitTrap(code)


def proc_raise(ctx: WasiContext, mem: GuestMemory, sig: int) -> None:
    """Raising a signal in the host process is not something a sandboxed program may do:
    ENOTSUP (EINVAL for a number that is no WASI signal), as wasmtime."""
    if sig >= len(Signal):
        raise WasiError(Errno.INVAL)
    raise WasiError(Errno.NOTSUP)


def sched_yield(ctx: WasiContext, mem: GuestMemory) -> None:
    if hasattr(os, "sched_yield"):
        os.sched_yield()


def random_get(ctx: WasiContext, mem: GuestMemory, buf: int, size: int) -> None:
    mem.check(buf, size)
    done = 0
    while done < size:
        chunk = min(size - done, MAX_RANDOM_CHUNK)
        mem.write(buf + done, os.urandom(chunk))
        done += chunk


FUNCTIONS = {"proc_exit": proc_exit, "proc_raise": proc_raise, "sched_yield": sched_yield,
             "random_get": random_get}
