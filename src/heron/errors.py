"""The exception types a Heron user sees. Every failure Heron reports is one of these."""
from __future__ import annotations

from enum import Enum


class HeronError(Exception):
    """Base of every error Heron raises on purpose."""


class DecodeError(HeronError):
    """A malformed binary module: carries the byte offset where decoding failed."""

    def __init__(self, message: str, offset: int | None = None):
        self.message = message
        self.offset = offset
        super().__init__(f"{message} (at offset 0x{offset:x})" if offset is not None else message)


class ParseError(HeronError):
    """Malformed text (WAT/WAST): carries line and column (1-based)."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None, source: str | None = None):
        self.message = message
        self.line = line
        self.column = column
        self.source = source
        where = f"{source or '<input>'}:{line}:{column}: " if line is not None else ""
        super().__init__(f"{where}{message}")


class ValidationError(HeronError):
    """An invalid module: names the function, the instruction offset and what mismatched."""

    def __init__(self, message: str, func: int | str | None = None, offset: int | None = None):
        self.message = message
        self.func = func
        self.offset = offset
        parts = []
        if func is not None:
            parts.append(f"func {func}")
        if offset is not None:
            parts.append(f"offset 0x{offset:x}")
        super().__init__(f"{message} ({', '.join(parts)})" if parts else message)


class LinkError(HeronError):
    """Imports that do not match what the module asks for (unknown import, incompatible type)."""


class Unsupported(HeronError):
    """The module needs a feature Heron does not implement (yet); names that feature."""

    def __init__(self, feature: str, detail: str = ""):
        self.feature = feature
        self.detail = detail
        super().__init__(f"unsupported feature '{feature}'" + (f": {detail}" if detail else ""))


class TrapCode(str, Enum):
    """Why Wasm trapped. Each value is the message the spec interpreter (and `heron wast`)
    uses, so a TrapCode compares equal to that string; wasmtime-py's `TrapCode` names the
    same causes."""
    STACK_OVERFLOW = "call stack exhausted"
    MEMORY_OUT_OF_BOUNDS = "out of bounds memory access"
    HEAP_MISALIGNED = "unaligned atomic"
    TABLE_OUT_OF_BOUNDS = "out of bounds table access"
    INDIRECT_CALL_TO_NULL = "uninitialized element"
    UNDEFINED_ELEMENT = "undefined element"
    BAD_SIGNATURE = "indirect call type mismatch"
    INTEGER_OVERFLOW = "integer overflow"
    INTEGER_DIVISION_BY_ZERO = "integer divide by zero"
    BAD_CONVERSION_TO_INTEGER = "invalid conversion to integer"
    UNREACHABLE = "unreachable"
    NULL_REFERENCE = "null reference"
    NULL_FUNCTION_REFERENCE = "null function reference"
    NULL_EXCEPTION_REFERENCE = "null exception reference"
    INTERRUPT = "interrupt"
    OUT_OF_FUEL = "all fuel consumed"

    def __str__(self) -> str:
        return self.value


_TRAP_CODES = {c.value: c for c in TrapCode}


class Trap(HeronError):
    """A Wasm trap. `code` is the spec's trap message, e.g. 'integer divide by zero'
    (a `TrapCode` for the traps the spec names, else a plain message such as a host
    function's wrong result count)."""

    def __init__(self, code: str, backtrace: list | None = None):
        code = _TRAP_CODES.get(code, code)
        self.code = code
        self.message = str(code)
        self.backtrace = backtrace or []
        super().__init__(str(code))

    @property
    def trap_code(self) -> TrapCode | None:
        """The TrapCode of this trap, or None for a trap the spec does not name."""
        return self.code if isinstance(self.code, TrapCode) else None

    def __str__(self) -> str:
        if not self.backtrace:
            return str(self.code)
        lines = [str(self.code), "wasm backtrace:"]
        lines += [f"  {i}: {frame}" for i, frame in enumerate(self.backtrace)]
        return "\n".join(lines)


class ExitTrap(HeronError):
    """The program called WASI `proc_exit(code)`: it asked to end, it did not fail.

    Not a Trap: it leaves Wasm unchanged (no Wasm handler, not even `catch_all`, sees it),
    so the embedder decides what an exit means (the CLI exits with `code`)."""

    def __init__(self, code: int):
        self.code = code
        super().__init__(f"exited with status {code}")


class WasmException(HeronError):
    """A Wasm exception that left Wasm uncaught, or that a host function throws into Wasm."""

    def __init__(self, tag, payload=(), exnref=None):
        self.tag = tag
        self.payload = tuple(payload)
        self.exnref = exnref
        super().__init__(f"uncaught wasm exception (tag {tag!r}, payload {self.payload!r})")
