"""Where a WASI program's stdin, stdout and stderr go: the process's own file descriptors,
files, bytes in memory (capture), a Python callback, or nothing.

Streams are byte streams (binary-safe, unbuffered: each fd_write is written through, so
nothing waits for a flush at exit). A stream reports host failures as OSError; the fd
functions turn those into errnos. Streams belong to the WasiConfig (every context made
from it shares them), so a guest's fd_close drops its descriptor, not the stream.
"""
from __future__ import annotations

import os
import sys
from typing import Callable


class OutputStream:
    """Where bytes written to a stdio descriptor go. Default: nowhere (a sink)."""

    def write(self, data) -> int:
        """Write `data`; return how many bytes were taken (all, unless the host wrote less)."""
        return len(data)

    def fileno(self) -> int | None:
        """A host fd to poll, or None (always ready)."""
        return None

    def isatty(self) -> bool:
        return False


class InputStream:
    """Where bytes read from stdin come from. Default: an empty stream (end of file)."""

    def read(self, size: int) -> bytes:
        return b""

    def fileno(self) -> int | None:
        return None

    def isatty(self) -> bool:
        return False


class HostOutput(OutputStream):
    """A host file descriptor: the process's own stdout/stderr, or a file (`keepalive` is the
    Python file object that owns it). Python's buffered sys.stdout/sys.stderr are flushed
    first so the program's output and the embedder's prints keep their order."""

    def __init__(self, fd: int, keepalive=None):
        self.fd = fd
        self.keepalive = keepalive
        self.python_stream = {1: "stdout", 2: "stderr"}.get(fd) if keepalive is None else None

    def write(self, data) -> int:
        if self.python_stream is not None:
            stream = getattr(sys, self.python_stream, None)
            if stream is not None:
                try:
                    stream.flush()
                except (OSError, ValueError):
                    pass
        done = os.write(self.fd, data)
        total = len(data)
        if done >= total:
            return done
        view = memoryview(data)            # a pipe took part of it: write the rest
        try:
            while 0 < done < total:
                try:
                    n = os.write(self.fd, view[done:])
                except OSError:
                    break                  # report what was written; the next call sees the error
                if n <= 0:
                    break
                done += n
            return done
        finally:
            view.release()

    def fileno(self) -> int | None:
        return self.fd

    def isatty(self) -> bool:
        return os.isatty(self.fd)


class HostInput(InputStream):
    """A host file descriptor read with os.read: the process's own stdin, or a file
    (`keepalive` owns it)."""

    def __init__(self, fd: int, keepalive=None):
        self.fd = fd
        self.keepalive = keepalive

    def read(self, size: int) -> bytes:
        return os.read(self.fd, size)

    def fileno(self) -> int | None:
        return self.fd

    def isatty(self) -> bool:
        return os.isatty(self.fd)


class OutputCapture(OutputStream):
    """Bytes a program wrote, kept in memory for the embedder (WasiConfig.capture_stdout()):
    `getvalue()` returns everything written so far."""

    def __init__(self):
        self._data = bytearray()

    def write(self, data) -> int:
        """Keep `data` (what the program wrote); returns how many bytes were taken."""
        self._data += data
        return len(data)

    def getvalue(self) -> bytes:
        """Everything written so far."""
        return bytes(self._data)

    def clear(self) -> None:
        """Forget what was written so far."""
        self._data.clear()

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"<heron.wasi.OutputCapture {len(self._data)} bytes>"


class CallbackOutput(OutputStream):
    """wasmtime-py's `stdout_custom`: each write calls `callback(bytes)`, which returns how
    many bytes it took (None: all of them)."""

    def __init__(self, callback: Callable[[bytes], int | None]):
        self.callback = callback

    def write(self, data) -> int:
        data = bytes(data)
        taken = self.callback(data)
        if taken is None:
            return len(data)
        if not isinstance(taken, int) or taken < 0:
            raise OSError(5, "stdout_custom callback failed")          # EIO
        return min(taken, len(data))


class BytesInput(InputStream):
    """stdin from bytes given by the embedder (WasiConfig.stdin_bytes)."""

    def __init__(self, data: bytes):
        self._data = bytes(data)
        self._pos = 0

    def read(self, size: int) -> bytes:
        chunk = self._data[self._pos:self._pos + size]
        self._pos += len(chunk)
        return chunk


def open_output_file(path) -> HostOutput:
    """A file created or truncated for a stdio output (wasmtime-py's stdout_file)."""
    file = open(path, "wb", buffering=0)
    return HostOutput(file.fileno(), keepalive=file)


def open_input_file(path) -> HostInput:
    """An existing file read as stdin (wasmtime-py's stdin_file)."""
    file = open(path, "rb", buffering=0)
    return HostInput(file.fileno(), keepalive=file)


__all__ = ["OutputStream", "InputStream", "HostOutput", "HostInput", "OutputCapture", "CallbackOutput",
           "BytesInput", "open_output_file", "open_input_file"]
