"""Reading the files the command line is given, safely, in one place (`heron run`,
`heron wast`, `heron explain`): only regular files, at most MAX_INPUT_BYTES, text only
as UTF-8. Anything else is one HeronError naming the file, which `heron` prints as one
line with a nonzero status -- never a traceback, never a read that does not end
(/dev/zero, a FIFO) or that exhausts memory."""
from __future__ import annotations

import os
import stat
from pathlib import Path

from ..errors import HeronError
from ..text.commands import ModuleSource

# Real programs are 0.5-5 MB of code; a larger input is refused rather than read.
MAX_INPUT_BYTES = 256 << 20
COMPONENT_HEADER = b"\0asm\x0d\x00\x01\x00"


def read_input(path: str | Path) -> bytes:
    """The bytes of the regular file `path` (HeronError for anything else)."""
    name = str(path)
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; only regular files are read
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as f:
            info = os.fstat(f.fileno())
            if not stat.S_ISREG(info.st_mode):
                kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
                raise HeronError(f"{name}: cannot read: {kind}")
            if info.st_size > MAX_INPUT_BYTES:
                raise HeronError(f"{name}: too large ({info.st_size} bytes; the limit is {MAX_INPUT_BYTES})")
            data = f.read(MAX_INPUT_BYTES + 1)
    except IsADirectoryError:
        raise HeronError(f"{name}: cannot read: a directory") from None
    except OSError as e:
        raise HeronError(f"{name}: cannot read: {e.strerror or e}") from None
    if len(data) > MAX_INPUT_BYTES:
        raise HeronError(f"{name}: too large (more than {MAX_INPUT_BYTES} bytes)")
    return data


def read_text(path: str | Path) -> str:
    """The UTF-8 text of the regular file `path` (HeronError for anything else)."""
    data = read_input(path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise HeronError(f"{path}: not UTF-8 text (byte {e.start})") from None


def module_source(path: str | Path) -> ModuleSource:
    """A module file as a source: binary if it starts with the Wasm magic, else text."""
    data = read_input(path)
    if data.startswith(COMPONENT_HEADER):
        raise HeronError(f"{path} is a WebAssembly component (WASI 0.2 and later); heron runs core "
                         f"modules (WASI preview1)")
    if data.startswith(b"\0asm"):
        return ModuleSource(kind="binary", line=1, data=data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise HeronError(f"{path} is neither a Wasm binary nor UTF-8 text (byte {e.start})") from None
    return ModuleSource(kind="text", line=1, text=text)


__all__ = ["read_input", "read_text", "module_source", "MAX_INPUT_BYTES"]
