"""The WASI descriptor table: fd numbers -> descriptors.

0, 1 and 2 are stdin, stdout and stderr; preopened directories follow from 3 in the order
they were configured (what wasi-libc scans at startup). A new descriptor takes the lowest
free number, as POSIX open does.
"""
from __future__ import annotations

import heapq
from typing import TypeVar

from .descriptors import Descriptor
from .errno import Errno, WasiError

D = TypeVar("D", bound=Descriptor)
MAX_FDS = 1 << 20        # EMFILE beyond this many open descriptors


class FdTable:
    """Descriptors by number, with lowest-free allocation."""

    def __init__(self):
        self._fds: dict[int, Descriptor] = {}
        self._free: list[int] = []        # heap of numbers given back (may be stale: lazily skipped)
        self._next = 0

    def add(self, desc: Descriptor) -> int:
        """Install `desc` at the lowest free number."""
        if len(self._fds) >= MAX_FDS:
            raise WasiError(Errno.MFILE)
        while self._free:
            fd = heapq.heappop(self._free)
            if fd not in self._fds:
                self._fds[fd] = desc
                return fd
        while self._next in self._fds:
            self._next += 1
        fd = self._next
        self._next += 1
        self._fds[fd] = desc
        return fd

    def get(self, fd: int) -> Descriptor:
        """The descriptor `fd` (EBADF if none)."""
        desc = self._fds.get(fd)
        if desc is None:
            raise WasiError(Errno.BADF)
        return desc

    def lookup(self, fd: int) -> Descriptor | None:
        """The descriptor `fd`, or None."""
        return self._fds.get(fd)

    def get_as(self, fd: int, kind: type[D], wrong: int = Errno.BADF) -> D:
        """The descriptor `fd` if it is a `kind`; else errno `wrong` (EBADF if there is none)."""
        desc = self.get(fd)
        if not isinstance(desc, kind):
            raise WasiError(wrong)
        return desc

    def remove(self, fd: int) -> Descriptor:
        """Take `fd` out of the table (its number becomes free); the caller closes it."""
        desc = self._fds.pop(fd, None)
        if desc is None:
            raise WasiError(Errno.BADF)
        heapq.heappush(self._free, fd)
        return desc

    def renumber(self, src: int, dst: int) -> None:
        """fd_renumber: `dst` now names what `src` named, and what `dst` named is closed. Both
        must be open (EBADF), as in wasmtime: renumbering replaces, it is no dup2 to any
        number. The descriptor keeps its own sandbox root wherever it is numbered."""
        desc = self.get(src)
        old = self.get(dst)
        if src == dst:
            return
        self._fds[dst] = desc
        del self._fds[src]
        heapq.heappush(self._free, src)
        old.close()

    def close_all(self) -> None:
        """Close every descriptor (the context is done)."""
        fds, self._fds = self._fds, {}
        for desc in fds.values():
            try:
                desc.close()
            except OSError:
                pass

    def items(self):
        return self._fds.items()

    def __contains__(self, fd: int) -> bool:
        return fd in self._fds

    def __len__(self) -> int:
        return len(self._fds)


__all__ = ["FdTable", "MAX_FDS"]
