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


class ArgumentError(HeronError, TypeError):
    """A Wasm function called with the wrong number of arguments: a HeronError (where
    wasmtime-py raises WasmtimeError) that is also a TypeError."""


class ResourceLimitError(HeronError):
    """A Store limit (`Store.set_limits`) refused to create a memory, table or instance."""


class TrapCode(str, Enum):
    """Why Wasm trapped. Each value is the message the spec interpreter (and `heron wast`)
    uses, so a TrapCode compares equal to that string. The member names are wasmtime-py's
    (`wasmtime.TrapCode`), plus three the spec distinguishes where wasmtime has one code
    (UNDEFINED_ELEMENT, NULL_FUNCTION_REFERENCE, NULL_EXCEPTION_REFERENCE); the members
    for the component model and stack switching exist for name parity and are never
    raised by Heron."""
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
    ATOMIC_WAIT_NON_SHARED_MEMORY = "atomic wait on non-shared memory"
    ARRAY_OUT_OF_BOUNDS = "out of bounds array access"
    ALLOCATION_TOO_LARGE = "allocation size too large"
    CAST_FAILURE = "cast failure"
    UNCAUGHT_EXCEPTION = "uncaught exception"
    CANNOT_ENTER_COMPONENT = "cannot enter component instance"
    NO_ASYNC_RESULT = "async-lifted export failed to produce a result"
    UNHANDLED_TAG = "unhandled tag"
    CONTINUATION_ALREADY_CONSUMED = "continuation already consumed"
    DISABLED_OPCODE = "disabled opcode"
    ASYNC_DEADLOCK = "deadlock detected: event loop cannot make further progress"
    CANNOT_LEAVE_COMPONENT = "cannot leave component instance"
    CANNOT_BLOCK_SYNC_TASK = "cannot block a synchronous task before returning"
    INVALID_CHAR = "invalid `char` bit pattern"
    DEBUG_ASSERT_STRING_ENCODING_FINISHED = "should have finished string encoding"
    DEBUG_ASSERT_EQUAL_CODE_UNITS = "code units should be equal"
    DEBUG_ASSERT_POINTER_ALIGNED = "pointer should have been aligned"
    DEBUG_ASSERT_UPPER_BITS_UNSET = "upper bits should be unset"
    STRING_OUT_OF_BOUNDS = "string content out-of-bounds"
    LIST_OUT_OF_BOUNDS = "list content out-of-bounds"
    INVALID_DISCRIMINANT = "invalid variant discriminant"
    UNALIGNED_POINTER = "unaligned pointer"
    TASK_CANCEL_NOT_CANCELLED = "`task.cancel` called by task which has not been cancelled"
    TASK_CANCEL_OR_RETURN_TWICE = "`task.return` or `task.cancel` called more than once"
    SUBTASK_CANCEL_AFTER_TERMINAL = "`subtask.cancel` called after terminal status delivered"
    TASK_RETURN_INVALID = "invalid `task.return` signature and/or options for current task"
    WAITABLE_SET_DROP_HAS_WAITERS = "cannot drop waitable set with waiters"
    SUBTASK_DROP_NOT_RESOLVED = "cannot drop a subtask which has not yet resolved"
    THREAD_NEW_INDIRECT_INVALID_TYPE = "start function does not match expected type"
    THREAD_NEW_INDIRECT_UNINITIALIZED = "the start function index points to an uninitialized function"
    BACKPRESSURE_OVERFLOW = "backpressure counter overflowed"
    UNSUPPORTED_CALLBACK_CODE = "unsupported callback code for async function"
    CANNOT_RESUME_THREAD = "cannot resume a thread which is not suspended"
    CONCURRENT_FUTURE_STREAM_OP = "cannot issue a read/write on a future/stream while there is a pending operation"
    REFERENCE_COUNT_OVERFLOW = "reference count overflow"
    STREAM_OP_TOO_BIG = "stream read/write count too large"
    WAITABLE_SYNC_AND_ASYNC = "waitable used both synchronously and asynchronously"

    def __str__(self) -> str:
        return self.value


_TRAP_CODES = {c.value: c for c in TrapCode}


class Frame:
    """One Wasm frame of a trap's backtrace (wasmtime-py's `Frame`): the function's
    index and name in its module, the module's name, and where it was executing as a
    byte offset in the module binary and from the function's first instruction."""
    __slots__ = ("func_index", "func_name", "module_name", "module_offset", "func_offset")

    def __init__(self, func_index: int, func_name: str | None, module_name: str | None,
                 module_offset: int | None, func_offset: int | None):
        self.func_index = func_index
        self.func_name = func_name
        self.module_name = module_name
        self.module_offset = module_offset
        self.func_offset = func_offset

    def __str__(self) -> str:
        where = f"{self.module_name}!" if self.module_name else ""
        name = self.func_name if self.func_name is not None else f"func[{self.func_index}]"
        return f"{where}{name}" + (f" @ 0x{self.module_offset:x}" if self.module_offset is not None else "")

    def __repr__(self) -> str:
        return f"<heron.Frame {self}>"


class Trap(HeronError):
    """A Wasm trap. `code` is the spec's trap message, e.g. 'integer divide by zero'
    (a `TrapCode` for the traps the spec names, else a plain message such as a host
    function's wrong result count); `frames` is the Wasm backtrace, innermost first."""

    def __init__(self, code: str, frames: list[Frame] | None = None):
        code = _TRAP_CODES.get(code, code)
        self.code = code
        self.message = str(code)
        self.frames: list[Frame] = list(frames or [])
        super().__init__(str(code))

    @property
    def trap_code(self) -> TrapCode | None:
        """The TrapCode of this trap, or None for a trap the spec does not name."""
        return self.code if isinstance(self.code, TrapCode) else None

    @property
    def backtrace(self) -> list[str]:
        """The backtrace as text, one line a frame, innermost first."""
        return [str(f) for f in self.frames]

    def __str__(self) -> str:
        if not self.frames:
            return str(self.code)
        lines = [str(self.code), "wasm backtrace:"]
        lines += [f"  {i}: {frame}" for i, frame in enumerate(self.frames)]
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
