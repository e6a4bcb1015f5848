"""`heron.WasiConfig`: what a WASI program sees -- arguments, environment, stdio, preopened
directories -- spelled as wasmtime-py spells it.

Nothing of the host leaks in unless asked for: by default argv and the environment are
empty, stdin is empty, stdout and stderr go nowhere, and no directory is reachable.

Heron's additions (not in wasmtime-py): `capture_stdout()` / `capture_stderr()` keep what
the program writes as bytes for Python code; `stdin_bytes` feeds stdin from bytes;
`preopen_socket(sock)` hands a listening or connected socket to the program (what
`wasmtime run --tcplisten` does).
"""
from __future__ import annotations

import os
import socket
import sys
from typing import Callable, Iterable

from ..errors import HeronError
from .context import WasiContext
from .streams import (BytesInput, CallbackOutput, HostInput, HostOutput, InputStream, OutputCapture,
                      OutputStream, open_input_file, open_output_file)


def _to_bytes(value: str | bytes, what: str) -> bytes:
    """A WASI string as bytes: str is UTF-8 (undecodable host bytes kept, as os.fsencode does)."""
    if isinstance(value, (bytes, bytearray)):
        data = bytes(value)
    elif isinstance(value, str):
        data = value.encode("utf-8", "surrogateescape")
    else:
        raise TypeError(f"{what} must be str or bytes, not {type(value).__name__}")
    if b"\0" in data:
        raise HeronError(f"{what} contains a NUL byte: {value!r}")
    return data


class WasiConfig:
    """The WASI environment of a store (Store.set_wasi(config)), as in wasmtime-py."""

    def __init__(self) -> None:
        self._argv: list[bytes] = []
        self._env: list[tuple[bytes, bytes]] = []
        self._stdin: InputStream = InputStream()
        self._stdout: OutputStream = OutputStream()
        self._stderr: OutputStream = OutputStream()
        self._preopens: list[tuple[str, str, bool]] = []
        self._sockets: list[socket.socket] = []

    # ------------------------------------------------------------------ arguments, environment
    @property
    def argv(self) -> list[str]:
        """The program's arguments, argv[0] (the program name) first (settable)."""
        return [a.decode("utf-8", "surrogateescape") for a in self._argv]

    @argv.setter
    def argv(self, argv: Iterable[str | bytes]) -> None:
        """The program's arguments, argv[0] (the program name) first."""
        self._argv = [_to_bytes(a, "argument") for a in argv]

    def inherit_argv(self) -> None:
        """The arguments of this Python process (sys.argv)."""
        self.argv = [os.fsencode(a) for a in sys.argv]

    @property
    def env(self) -> list[tuple[str, str]]:
        """The environment as (name, value) pairs; nothing else is visible (settable, a dict too)."""
        return [(k.decode("utf-8", "surrogateescape"), v.decode("utf-8", "surrogateescape"))
                for k, v in self._env]

    @env.setter
    def env(self, pairs: Iterable[Iterable[str | bytes]]) -> None:
        """The environment: (name, value) pairs (a dict's items() too); nothing else is visible."""
        env = []
        for pair in (pairs.items() if isinstance(pairs, dict) else pairs):
            name, value = pair
            name_b = _to_bytes(name, "environment variable name")
            if not name_b or b"=" in name_b:
                raise HeronError(f"invalid environment variable name {name!r}")
            env.append((name_b, _to_bytes(value, "environment variable value")))
        self._env = env

    def inherit_env(self) -> None:
        """Every environment variable of this process."""
        environ = os.environb if hasattr(os, "environb") else \
            {k.encode("utf-8", "surrogateescape"): v.encode("utf-8", "surrogateescape")
             for k, v in os.environ.items()}
        self._env = [(k, v) for k, v in environ.items()]

    # ------------------------------------------------------------------ stdio
    def inherit_stdin(self) -> None:
        """This process's own stdin (file descriptor 0), read unbuffered and binary."""
        self._stdin = HostInput(0)

    def inherit_stdout(self) -> None:
        """This process's own stdout (file descriptor 1), written unbuffered and binary."""
        self._stdout = HostOutput(1)

    def inherit_stderr(self) -> None:
        """This process's own stderr (file descriptor 2)."""
        self._stderr = HostOutput(2)

    @property
    def stdin_file(self):
        """The file read as stdin, if one was set (settable: an existing file)."""
        return getattr(self._stdin, "path", None)

    @stdin_file.setter
    def stdin_file(self, path) -> None:
        """An existing file read as stdin."""
        self._stdin = self._open(open_input_file, path, "stdin")

    @property
    def stdout_file(self):
        """The file that receives stdout, if one was set (settable: created or truncated)."""
        return getattr(self._stdout, "path", None)

    @stdout_file.setter
    def stdout_file(self, path) -> None:
        """A file, created or truncated now, that receives stdout."""
        self._stdout = self._open(open_output_file, path, "stdout")

    @property
    def stderr_file(self):
        """The file that receives stderr, if one was set (settable: created or truncated)."""
        return getattr(self._stderr, "path", None)

    @stderr_file.setter
    def stderr_file(self, path) -> None:
        """A file, created or truncated now, that receives stderr."""
        self._stderr = self._open(open_output_file, path, "stderr")

    @staticmethod
    def _open(opener, path, which: str):
        try:
            stream = opener(path)
        except (OSError, TypeError, ValueError) as e:
            raise HeronError(f"failed to set {which} file {path!r}: {getattr(e, 'strerror', None) or e}") from None
        stream.path = path
        return stream

    @property
    def stdout_custom(self):
        """wasmtime-py: a callback given each write to stdout (settable)."""
        return getattr(self._stdout, "callback", None)

    @stdout_custom.setter
    def stdout_custom(self, callback: Callable[[bytes], int | None]) -> None:
        """wasmtime-py: call `callback(bytes)` for each write to stdout (returns the count taken, or None)."""
        self._stdout = CallbackOutput(callback)

    @property
    def stderr_custom(self):
        """wasmtime-py: a callback given each write to stderr (settable)."""
        return getattr(self._stderr, "callback", None)

    @stderr_custom.setter
    def stderr_custom(self, callback: Callable[[bytes], int | None]) -> None:
        """wasmtime-py: call `callback(bytes)` for each write to stderr."""
        self._stderr = CallbackOutput(callback)

    def capture_stdout(self) -> OutputCapture:
        """Heron: keep stdout in memory; the returned OutputCapture's getvalue() gives the bytes."""
        self._stdout = OutputCapture()
        return self._stdout

    def capture_stderr(self) -> OutputCapture:
        """Heron: keep stderr in memory; the returned OutputCapture's getvalue() gives the bytes."""
        self._stderr = OutputCapture()
        return self._stderr

    @property
    def stdin_bytes(self) -> bytes | None:
        """Heron: the bytes stdin reads before end of file, if set (settable)."""
        return getattr(self._stdin, "_data", None)

    @stdin_bytes.setter
    def stdin_bytes(self, data: bytes) -> None:
        """Heron: stdin reads these bytes, then end of file."""
        self._stdin = BytesInput(data)

    # ------------------------------------------------------------------ preopens
    def preopen_dir(self, path: str | os.PathLike, guest_path: str, fs_mutable: bool = True) -> None:
        """Let the program reach the host directory `path` as `guest_path` (and nothing above
        it). `fs_mutable=False` makes it read-only."""
        host = os.fspath(path)
        if not os.path.isdir(host):
            raise HeronError(f"failed to add preopen dir: {host!r} is not a directory")
        if not (os.open in os.supports_dir_fd and os.stat in os.supports_dir_fd):
            raise HeronError("preopened directories need a host with openat (a POSIX system)")
        _to_bytes(guest_path, "guest path")
        self._preopens.append((host, guest_path, bool(fs_mutable)))

    def preopen_socket(self, sock: socket.socket) -> None:
        """Heron: hand the program a socket (a listening one for sock_accept, or a connected
        one); it gets the next descriptor after the preopened directories."""
        if not isinstance(sock, socket.socket):
            raise TypeError("preopen_socket takes a socket.socket")
        self._sockets.append(sock)

    # ------------------------------------------------------------------ the store's context
    def context(self, store) -> WasiContext:
        """The WASI context Store.set_wasi installs: this configuration, with the preopened
        directories opened now."""
        return WasiContext(store, self)


__all__ = ["WasiConfig"]
