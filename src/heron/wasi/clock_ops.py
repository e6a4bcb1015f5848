"""clock_res_get and clock_time_get: the four WASI clocks, read from the host's.

realtime is time.time_ns (since 1970); monotonic is time.monotonic_ns; the CPU-time clocks
are this process's and this thread's CPU time -- a host that has them, so they work.
"""
from __future__ import annotations

import time
from typing import TYPE_CHECKING

from .errno import Errno, WasiError
from .flags import Clockid
from .memory import GuestMemory

if TYPE_CHECKING:
    from .context import WasiContext


# clock id -> (read the clock in ns, the name time.get_clock_info knows it by)
_CLOCKS = {
    Clockid.REALTIME: (time.time_ns, "time"),
    Clockid.MONOTONIC: (time.monotonic_ns, "monotonic"),
    Clockid.PROCESS_CPUTIME_ID: (time.process_time_ns, "process_time"),
    Clockid.THREAD_CPUTIME_ID: (getattr(time, "thread_time_ns", time.process_time_ns), "thread_time"),
}
_RESOLUTION_NS: dict[int, int] = {}


def now(clock_id: int) -> int:
    """The clock's current value in nanoseconds (EINVAL for an unknown clock)."""
    clock = _CLOCKS.get(clock_id)
    if clock is None:
        raise WasiError(Errno.INVAL)
    return clock[0]()


def resolution(clock_id: int) -> int:
    """The clock's resolution in nanoseconds, as the host reports it (at least 1)."""
    res = _RESOLUTION_NS.get(clock_id)
    if res is None:
        clock = _CLOCKS.get(clock_id)
        if clock is None:
            raise WasiError(Errno.INVAL)
        try:
            seconds = time.get_clock_info(clock[1]).resolution
        except ValueError:
            seconds = 1e-9
        res = _RESOLUTION_NS[clock_id] = max(1, round(seconds * 1e9))
    return res


def clock_res_get(ctx: WasiContext, mem: GuestMemory, clock_id: int, out: int) -> None:
    mem.set_u64(out, resolution(clock_id))


def clock_time_get(ctx: WasiContext, mem: GuestMemory, clock_id: int, precision: int, out: int) -> None:
    mem.set_u64(out, now(clock_id))


FUNCTIONS = {"clock_res_get": clock_res_get, "clock_time_get": clock_time_get}
