"""A probe module for unit tests of WASI functions, one Wasm export per WASI function.

`probe_wat(version)` is a WAT module that imports every function of a WASI version and
exports a wrapper of the same name that calls it directly (so the call goes through the
per-instance import binding, as a real program's does), plus its memory. `Probe` puts
bytes into that memory from Python, calls a wrapper and reads back what the function
wrote: the errno is the wrapper's result.
"""
from __future__ import annotations

import os
import struct
from functools import lru_cache

import heron
from heron.wasi import SIGNATURES, functions

TARGETS = ("x86_64-sysv", "x86_64-windows", "aarch64")
DEFAULT_TARGET = "x86_64-sysv"
LONG = os.environ.get("HERON_LONG_TESTS") == "1"
P1 = "wasi_snapshot_preview1"
UNSTABLE = "wasi_unstable"
_TYPE = {"i": "i32", "I": "i64"}


def probe_wat(version: str = P1) -> str:
    lines = ["(module"]
    for name in functions(version):
        params = " ".join(_TYPE[c] for c in SIGNATURES[name])
        result = "" if name == "proc_exit" else " (result i32)"
        lines.append(f'  (import "{version}" "{name}" (func ${name} (param {params}){result}))')
    lines.append('  (memory (export "memory") 2)')
    for name in functions(version):
        sig = SIGNATURES[name]
        params = " ".join(_TYPE[c] for c in sig)
        result = "" if name == "proc_exit" else " (result i32)"
        args = " ".join(f"(local.get {i})" for i in range(len(sig)))
        lines.append(f'  (func (export "{name}") (param {params}){result} (call ${name} {args}))')
    lines.append(")")
    return "\n".join(lines)


@lru_cache(maxsize=None)
def _compiled(version: str, target: str, strategy: str) -> tuple:
    engine = heron.Engine(heron.Config(target=target, strategy=strategy))
    return engine, heron.Module(engine, probe_wat(version))


class Probe:
    """One instance of the probe module in a fresh store with `config`'s WASI context."""

    # scratch areas of the probe's memory (2 pages)
    PATH = 0x1000        # path strings
    PATH2 = 0x1800
    OUT = 0x2000         # results the function writes
    IOV = 0x3000         # iovec arrays
    BUF = 0x4000         # data buffers (up to 0x10000 bytes)

    def __init__(self, config: heron.WasiConfig | None = None, *, version: str = P1,
                 target: str = DEFAULT_TARGET, strategy: str = "optimizing"):
        self.config = config if config is not None else heron.WasiConfig()
        engine, module = _compiled(version, target, strategy)
        self.store = heron.Store(engine)
        self.store.set_wasi(self.config)
        linker = heron.Linker(engine)
        linker.define_wasi()
        self.instance = linker.instantiate(self.store, module)
        self.exports = self.instance.exports(self.store)
        self.memory = self.exports["memory"]
        self.wasi = self.store._state.wasi

    def __getattr__(self, name: str):
        if name in SIGNATURES:
            func = self.exports[name]
            return lambda *args: func(self.store, *args)
        raise AttributeError(name)

    def close(self) -> None:
        self.wasi.close()

    # ------------------------------------------------------------------ memory
    def write(self, ptr: int, data: bytes) -> int:
        self.memory.write(self.store, bytes(data), ptr)
        return ptr

    def read(self, ptr: int, size: int) -> bytes:
        return bytes(self.memory.read(self.store, ptr, ptr + size))

    def u16(self, ptr: int) -> int:
        return struct.unpack_from("<H", self.read(ptr, 2))[0]

    def u32(self, ptr: int) -> int:
        return struct.unpack_from("<I", self.read(ptr, 4))[0]

    def u64(self, ptr: int) -> int:
        return struct.unpack_from("<Q", self.read(ptr, 8))[0]

    def path(self, text: str | bytes, at: int | None = None) -> tuple[int, int]:
        """Put a path string in memory: (ptr, len) to pass."""
        data = text.encode() if isinstance(text, str) else text
        ptr = self.PATH if at is None else at
        self.write(ptr, data)
        return ptr, len(data)

    def iovecs(self, chunks: list[bytes], at: int | None = None, data_at: int | None = None) -> tuple[int, int]:
        """Lay out buffers holding `chunks` and an iovec array for them: (iovs, count)."""
        iov = self.IOV if at is None else at
        ptr = self.BUF if data_at is None else data_at
        for k, chunk in enumerate(chunks):
            self.write(ptr, chunk)
            self.write(iov + 8 * k, struct.pack("<II", ptr, len(chunk)))
            ptr += len(chunk) + 16
        return iov, len(chunks)

    def read_iovecs(self, sizes: list[int], at: int | None = None) -> tuple[int, int, list[tuple[int, int]]]:
        """Empty buffers of `sizes` behind an iovec array: (iovs, count, [(buf, len)])."""
        iov = self.IOV if at is None else at
        ptr = self.BUF
        bufs = []
        for k, size in enumerate(sizes):
            self.write(ptr, b"\xee" * size)
            self.write(iov + 8 * k, struct.pack("<II", ptr, size))
            bufs.append((ptr, size))
            ptr += size + 16
        return iov, len(sizes), bufs

    # ------------------------------------------------------------------ conveniences
    def open(self, path: str, *, dirfd: int = 3, oflags: int = 0, read: bool = True, write: bool = False,
             fdflags: int = 0, follow: bool = True, rights: int | None = None) -> tuple[int, int]:
        """path_open: (errno, new fd)."""
        if rights is None:
            rights = (2 if read else 0) | (64 if write else 0) | (1 << 14 if read else 0)
        p, n = self.path(path)
        err = self.path_open(dirfd, 1 if follow else 0, p, n, oflags, rights, rights, fdflags, self.OUT)
        return err, (self.u32(self.OUT) if err == 0 else -1)

    def write_fd(self, fd: int, data: bytes) -> tuple[int, int]:
        """fd_write of one buffer: (errno, bytes written)."""
        iov, n = self.iovecs([data])
        err = self.fd_write(fd, iov, n, self.OUT)
        return err, self.u32(self.OUT) if err == 0 else -1

    def read_fd(self, fd: int, size: int) -> tuple[int, bytes]:
        """fd_read into one buffer: (errno, bytes read)."""
        iov, n, bufs = self.read_iovecs([size])
        err = self.fd_read(fd, iov, n, self.OUT)
        if err:
            return err, b""
        return 0, self.read(bufs[0][0], self.u32(self.OUT))


__all__ = ["Probe", "probe_wat", "TARGETS", "DEFAULT_TARGET", "LONG", "P1", "UNSTABLE"]
