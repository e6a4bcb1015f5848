"""What leaves an activation: a Trap gets its Wasm backtrace (walked through the frame
records in stack memory), a Python error raised by generated code (ZeroDivisionError,
struct.error on an out-of-bounds access, RecursionError) becomes the Trap it stands
for, anything else (a host function's own error -- even a ZeroDivisionError or a
RecursionError --, WasmException) passes unchanged.

A host function's error is told from generated code's by the traceback: a frame of an
exit trampoline (runtime/boundary.py) lies between the innermost Wasm frame and the
place the error was raised."""
from __future__ import annotations

from types import TracebackType

from ..compile import REGISTRY
from ..errors import Frame, HeronError, Trap
from ..unwind import walk
from .boundary import EXIT_FILENAME

MAX_BACKTRACE = 200

# Python exceptions generated code lets happen, when the line has no trap code of its own
_PY_TRAPS: dict[type, str] = {RecursionError: "call stack exhausted", ZeroDivisionError: "integer divide by zero"}


def escape(state, e: BaseException, entry_fp: int) -> BaseException:
    """What leaves the activation for an exception raised in it: a Trap gets its Wasm
    backtrace, a Python error raised by generated code becomes the Trap it stands for,
    anything else (a host function's own error, WasmException) passes unchanged."""
    if isinstance(e, Trap):
        # a trap from an inner activation (Wasm -> host -> Wasm) already has that one's
        # frames: this activation's follow them, as in wasmtime's backtraces
        here = backtrace(state, e.__traceback__, entry_fp)
        e.frames = (list(e.frames) + here)[:MAX_BACKTRACE] if e.frames else here
        e.__suppress_context__ = True
        return e.with_traceback(None)
    if isinstance(e, HeronError) or not isinstance(e, Exception):
        return e
    trap = convert(state, e, entry_fp)
    if trap is None:
        return e
    trap.__suppress_context__ = True
    return trap


def wasm_python_frames(tb: TracebackType | None) -> list:
    """(CompiledFunction, frame, lineno) of every generated-code frame of a traceback, innermost
    first: each compiled function has its own file name in REGISTRY (stubs and other Python
    frames have none and are skipped)."""
    found = []
    while tb is not None:
        cm = REGISTRY.get(tb.tb_frame.f_code.co_filename)
        if cm is not None:
            found.append((cm, tb.tb_frame, tb.tb_lineno))
        tb = tb.tb_next
    found.reverse()
    return found

def raised_by_host(tb: TracebackType | None) -> bool:
    """Was the exception of this traceback raised in host code that Wasm called (a
    exit trampoline frame lies after the innermost generated-code frame)?"""
    host = False
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename == EXIT_FILENAME:
            host = True
        elif REGISTRY.get(code.co_filename) is not None:
            host = False
        tb = tb.tb_next
    return host


def innermost_wasm(tb: TracebackType | None):
    frames = wasm_python_frames(tb)
    return frames[0] if frames else None


def frame_at(info, pc: int) -> Frame:
    """The public backtrace frame of function `info` executing at `pc`."""
    off = info.offset_at(pc)
    first = next((o for o in info.offsets if o is not None), None)
    return Frame(info.index, info.name, info.module_name, off,
                 off - first if off is not None and first is not None else None)


def backtrace(state, tb, entry_fp: int) -> list[Frame]:
    """The Wasm backtrace of a trap: frames walked through their records in stack memory.

    Elided frames (optimizing strategy, see DESIGN.md section 5) have no record; the
    metadata says so (`frame_elided`), and they are the innermost ones (an elided
    function only calls elided functions), so they are read from the Python frames of
    the generated code until the first frame that has a record, and the walk goes on
    from there."""
    frames: list[Frame] = []
    inner_twin = None
    for cm, frame, lineno in wasm_python_frames(tb):
        info, instr, _ = cm.where(lineno)
        if info is None:
            return frames
        if info.frame_elided:
            # `f<i>_e` (not the standard-ABI wrapper `f<i>`), or `f<i>_u`, the unchecked twin
            # of a depth-bounded recursion (compile/codegen.py), which has no FP; an `_e`
            # frame of the same function just outside a `_u` frame is the entry that
            # dispatched to it, not a call
            name = frame.f_code.co_name
            if name.endswith("_u") or (name.endswith("_e") and info is not inner_twin):
                frames.append(frame_at(info, info.pc(instr)))
            inner_twin = info if name.endswith("_u") else None
            continue
        fp = frame.f_locals.get("fp")
        if fp is None:
            return frames
        for f in walk(state.stack, state.codemap, fp, info.pc(instr), first=info, limit=MAX_BACKTRACE):
            frames.append(frame_at(f.func, f.pc))
        return frames[:MAX_BACKTRACE]
    return frames[:MAX_BACKTRACE]

def convert(state, exc: BaseException, entry_fp: int) -> Trap | None:
    """A Python exception raised by generated code, as the Trap it stands for (or None:
    a host function's own error, which passes unchanged)."""
    if raised_by_host(exc.__traceback__):
        return None
    found = innermost_wasm(exc.__traceback__)
    if found is None:
        code = _PY_TRAPS.get(type(exc))
        return Trap(code) if code and isinstance(exc, RecursionError) else None
    cm, frame, lineno = found
    info, instr, code = cm.where(lineno)
    if code is None:
        code = _PY_TRAPS.get(type(exc))
        if code is None:
            # the innermost Wasm frame was calling out: a host function's own error
            return None
    t = Trap(code)
    t.frames = backtrace(state, exc.__traceback__, entry_fp)
    return t


__all__ = ["escape", "backtrace", "convert", "frame_at", "raised_by_host"]
