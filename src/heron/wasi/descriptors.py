"""What a WASI file descriptor can stand for: a stdio stream, an open file, a directory
(a preopen or one opened below it), or a socket. Each kind owns its host resource and
closes it; the fd functions dispatch on the kind.

Rights, as plain ints: a descriptor reports the rights its kind and access mode allow
(wasmtime's values, which libc reads), and those decide nothing by themselves -- the kind
and the host do, with the errnos wasmtime gives (EBADF for writing a read-only file). A
right taken away with fd_fdstat_set_rights is enforced: using it is ENOTCAPABLE.
"""
from __future__ import annotations

import os
import socket

from .errno import Errno, WasiError
from .flags import (Fdflags, Filetype, PREOPEN_INHERITING, PREOPEN_RIGHTS, SOCKET_RIGHTS, STDIN_RIGHTS,
                    STDOUT_RIGHTS, file_rights)
from .streams import InputStream, OutputStream


class Descriptor:
    """An open WASI descriptor: its file type, rights and fd flags."""
    __slots__ = ("filetype", "rights_base", "rights_inheriting", "fdflags", "revoked")

    def __init__(self, filetype: int, rights_base: int, rights_inheriting: int, fdflags: int = 0):
        self.filetype = filetype
        self.rights_base = int(rights_base)
        self.rights_inheriting = int(rights_inheriting)
        self.fdflags = int(fdflags)
        self.revoked = 0                  # rights fd_fdstat_set_rights took away

    def require(self, right: int) -> None:
        """ENOTCAPABLE if `right` was taken away from this descriptor."""
        if self.revoked & right:
            raise WasiError(Errno.NOTCAPABLE)

    def narrow(self, base: int, inheriting: int) -> None:
        """fd_fdstat_set_rights: keep only `base` / `inheriting` (ENOTCAPABLE if that would add one)."""
        if base & ~self.rights_base or inheriting & ~self.rights_inheriting:
            raise WasiError(Errno.NOTCAPABLE)
        self.revoked |= self.rights_base & ~base
        self.rights_base = base
        self.rights_inheriting = inheriting

    def close(self) -> None:
        pass


class StreamDescriptor(Descriptor):
    """stdin, stdout or stderr: a stream (not seekable, no path operations)."""
    __slots__ = ("input", "output")

    def __init__(self, input: InputStream | None = None, output: OutputStream | None = None):
        stream = input if input is not None else output
        tty = stream.isatty()
        # a terminal is a character device; anything else a stream of unknown type (wasmtime)
        filetype = Filetype.CHARACTER_DEVICE if tty else Filetype.UNKNOWN
        rights = STDIN_RIGHTS if input is not None else STDOUT_RIGHTS
        super().__init__(filetype, rights, rights)
        self.input = input
        self.output = output


class FileDescriptor(Descriptor):
    """A file opened by path_open: a host fd whose offset is the WASI offset."""
    __slots__ = ("fd", "readable", "writable")

    def __init__(self, fd: int, filetype: int, readable: bool, writable: bool, fdflags: int):
        base, inheriting = file_rights(filetype, readable, writable)
        super().__init__(filetype, base, inheriting, fdflags)
        self.fd = fd
        self.readable = readable
        self.writable = writable

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


class DirectoryDescriptor(Descriptor):
    """A directory: every path operation resolves below it (sandbox.py). `preopen` is its
    guest name when it was preopened; `mutable` False makes it (and what is opened below
    it) read-only."""
    __slots__ = ("fd", "preopen", "mutable", "listing")

    def __init__(self, fd: int, preopen: str | None = None, mutable: bool = True, readable: bool = True):
        if preopen is not None:
            base, inheriting = PREOPEN_RIGHTS, PREOPEN_INHERITING
        else:
            base, inheriting = file_rights(Filetype.DIRECTORY, readable, False)
        super().__init__(Filetype.DIRECTORY, base, inheriting)
        self.fd = fd
        self.preopen = preopen
        self.mutable = mutable
        self.listing: list | None = None     # fd_readdir's entries, read again at cookie 0

    def check_mutable(self) -> None:
        """EPERM when the directory was preopened read-only (fs_mutable=False)."""
        if not self.mutable:
            raise WasiError(Errno.PERM)

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


class SocketDescriptor(Descriptor):
    """A socket the embedder handed in (WasiConfig.preopen_socket), or one sock_accept made."""
    __slots__ = ("sock",)

    def __init__(self, sock: socket.socket):
        filetype = Filetype.SOCKET_DGRAM if sock.type == socket.SOCK_DGRAM else Filetype.SOCKET_STREAM
        super().__init__(filetype, SOCKET_RIGHTS, SOCKET_RIGHTS,
                         0 if sock.getblocking() else Fdflags.NONBLOCK)
        self.sock = sock

    def close(self) -> None:
        self.sock.close()


__all__ = ["Descriptor", "StreamDescriptor", "FileDescriptor", "DirectoryDescriptor", "SocketDescriptor"]
