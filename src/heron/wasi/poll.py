"""poll_oneoff: wait until a clock deadline passes or a descriptor can be read or written.

Subscriptions are read with the caller's WASI version layout (abi.py). A regular file,
bytes in memory, a capture or a sink is always ready; a host stream or socket is
waited on with selectors; clocks become deadlines on the monotonic clock. A
subscription that cannot be waited on (a bad descriptor, a clock that does not exist)
produces an event carrying that error, as the spec's `event.error` allows -- so libc's
poll() can report POLLNVAL for one descriptor instead of failing the whole call.
"""
from __future__ import annotations

import os
import selectors
import time
from typing import TYPE_CHECKING

from .abi import EVENT, SUB_FD, SUB_HEAD
from .clock_ops import now
from .descriptors import FileDescriptor, SocketDescriptor, StreamDescriptor
from .errno import Errno, WasiError
from .flags import Eventrwflags, Eventtype, Subclockflags
from .memory import GuestMemory

if TYPE_CHECKING:
    from .context import WasiContext


_HANGUP = int(Eventrwflags.FD_READWRITE_HANGUP)


class _Sub:
    """One subscription: its event once it fires (error, nbytes, flags), or how to wait."""
    __slots__ = ("userdata", "type", "deadline", "host_fd", "event")

    def __init__(self, userdata: int, type_: int):
        self.userdata = userdata
        self.type = type_
        self.deadline: int | None = None        # monotonic ns, for clocks
        self.host_fd: int | None = None         # host fd to wait on, for streams and sockets
        self.event: tuple[int, int, int] | None = None   # (error, nbytes, flags) when ready


def _clock_sub(mem: GuestMemory, base: int, sub: _Sub) -> None:
    clock_id, timeout, _precision, flags = mem.unpack(mem.abi.sub_clock, base)
    try:
        current = now(clock_id)                   # EINVAL for a clock that does not exist
        remaining = timeout - current if flags & Subclockflags.SUBSCRIPTION_CLOCK_ABSTIME else timeout
    except WasiError as e:
        sub.event = (e.errno, 0, 0)
        return
    sub.deadline = time.monotonic_ns() + max(0, remaining)


def _fd_sub(ctx: WasiContext, mem: GuestMemory, base: int, sub: _Sub) -> None:
    (fd,) = mem.unpack(SUB_FD, base)
    desc = ctx.fds.lookup(fd)
    reading = sub.type == Eventtype.FD_READ
    if isinstance(desc, StreamDescriptor):
        stream = desc.input if reading else desc.output
        if stream is None:
            sub.event = (Errno.BADF, 0, 0)
        elif stream.fileno() is None:
            sub.event = (0, 1, 0)
        else:
            sub.host_fd = stream.fileno()
    elif isinstance(desc, SocketDescriptor):
        sub.host_fd = desc.sock.fileno()
    elif isinstance(desc, FileDescriptor):
        if reading:
            left = max(0, os.fstat(desc.fd).st_size - os.lseek(desc.fd, 0, os.SEEK_CUR))
            sub.event = (0, left, 0 if left else _HANGUP)
        else:
            sub.event = (0, 0, 0)
    else:
        sub.event = (Errno.BADF, 0, 0)


def _wait(subs: list[_Sub]) -> None:
    """Block until a host fd is ready or the earliest deadline passes (not at all if an
    event is already there); then mark what is ready."""
    waiting = [s for s in subs if s.host_fd is not None]
    deadlines = [s.deadline for s in subs if s.deadline is not None]
    ready_now = any(s.event is not None for s in subs)
    timeout = 0.0 if ready_now else \
        (max(0, min(deadlines) - time.monotonic_ns()) / 1e9 if deadlines else None)
    if waiting:
        with selectors.DefaultSelector() as sel:
            for s in waiting:
                mask = selectors.EVENT_READ if s.type == Eventtype.FD_READ else selectors.EVENT_WRITE
                try:
                    try:
                        key = sel.get_key(s.host_fd)
                        sel.modify(s.host_fd, key.events | mask)
                    except KeyError:
                        sel.register(s.host_fd, mask)
                except OSError:
                    # what epoll cannot wait on (a regular file, /dev/null) is always ready
                    s.event = (0, 1, 0)
                    s.host_fd = None
                    timeout = 0.0
            ready = {}
            for key, mask in sel.select(timeout):
                ready[key.fd] = mask
        for s in waiting:
            mask = selectors.EVENT_READ if s.type == Eventtype.FD_READ else selectors.EVENT_WRITE
            if s.host_fd is not None and ready.get(s.host_fd, 0) & mask:
                s.event = (0, 1, 0)
    elif timeout:
        time.sleep(timeout)
    clock_now = time.monotonic_ns()
    for s in subs:
        if s.deadline is not None and s.event is None and s.deadline <= clock_now:
            s.event = (0, 0, 0)


def poll_oneoff(ctx: WasiContext, mem: GuestMemory, in_ptr: int, out_ptr: int, nsubscriptions: int, nevents: int) -> None:
    if nsubscriptions == 0:
        raise WasiError(Errno.INVAL)            # would sleep forever: preview1 does not allow it
    size = mem.abi.subscription_size
    mem.check(in_ptr, size * nsubscriptions)
    mem.check(out_ptr, EVENT.size * nsubscriptions)
    mem.check(nevents, 4)
    subs = []
    for i in range(nsubscriptions):
        base = in_ptr + i * size
        userdata, tag = mem.unpack(SUB_HEAD, base)
        sub = _Sub(userdata, tag)
        if tag == Eventtype.CLOCK:
            _clock_sub(mem, base, sub)
        elif tag in (Eventtype.FD_READ, Eventtype.FD_WRITE):
            _fd_sub(ctx, mem, base, sub)
        else:
            raise WasiError(Errno.INVAL)
        subs.append(sub)
    while True:
        _wait(subs)
        fired = [s for s in subs if s.event is not None]
        if fired:
            break
    for k, s in enumerate(fired):
        error, nbytes, flags = s.event
        mem.pack(EVENT, out_ptr + k * EVENT.size, s.userdata, error, s.type, nbytes, flags)
    mem.set_u32(nevents, len(fired))


FUNCTIONS = {"poll_oneoff": poll_oneoff}
