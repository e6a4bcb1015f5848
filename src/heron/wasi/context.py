"""The WASI state of one store: arguments, environment, the descriptor table, and the host
functions that serve its imports.

Store.set_wasi(config) makes one from a WasiConfig; Linker.define_wasi resolves each WASI
import through `import_item`, which makes the host function once per store.
"""
from __future__ import annotations

import os
import time
import weakref

from ..errors import HeronError
from .binding import host_function
from .descriptors import DirectoryDescriptor, SocketDescriptor, StreamDescriptor
from .fdtable import FdTable

_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)


class WasiContext:
    """What a WASI program of one store sees, and its host functions."""

    def __init__(self, store, config):
        self._store = weakref.ref(store)         # the Store holds this context, not the reverse
        self.args: list[bytes] = list(config._argv)
        self.environ: list[bytes] = [k + b"=" + v for k, v in config._env]
        self.fds = FdTable()
        self.start_ns = time.monotonic_ns()
        self._funcs: dict = {}
        self.fds.add(StreamDescriptor(input=config._stdin))
        self.fds.add(StreamDescriptor(output=config._stdout))
        self.fds.add(StreamDescriptor(output=config._stderr))
        try:
            for host, guest, mutable in config._preopens:
                try:
                    fd = os.open(host, _DIR_FLAGS)
                except OSError as e:
                    raise HeronError(f"failed to open preopened directory {host!r}: {e.strerror}") from None
                self.fds.add(DirectoryDescriptor(fd, preopen=guest, mutable=mutable))
            for sock in config._sockets:
                self.fds.add(SocketDescriptor(sock.dup()))
        except BaseException:
            self.fds.close_all()
            raise

    def import_item(self, module: str, name: str):
        """The host function for import `module::name` in this store, or None when `module`
        is not a WASI module; LinkError naming it when WASI has no such function."""
        key = (module, name)
        func = self._funcs.get(key)
        if func is None:
            func = host_function(self._store(), self, module, name)
            if func is not None:
                self._funcs[key] = func
        return func

    def close(self) -> None:
        """Close every descriptor (host files, directories, sockets) this context holds."""
        self.fds.close_all()

    def __del__(self):
        try:
            self.fds.close_all()
        except Exception:
            pass


__all__ = ["WasiContext"]
