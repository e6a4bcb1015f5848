"""Exception objects, exnref values, the throw routine and the resume (DESIGN.md 3-4).

* A *tag instance* is `heron.Tag` (runtime/tag.py): one per instance per defined tag;
  an imported tag is the exporter's object, so identity is the match criterion -- the
  rule this module gives the handler search (`tag_matcher`).
* An *exception object* (`Exn`) is a tag instance plus its payload in the runtime
  representation. An exnref value is the `Exn` itself; `ref.null exn` is None.
* The throw routine (`_throw(exit_fp, exn)` in generated code) is entered like any
  callee: the throwing frame wrote its frame record -- the exit record. It walks the
  activation with the one frame cursor (unwind/cursor.py), asks the handler search for
  the first matching handler and raises `Resume` aimed at that frame: its FP, the SP the
  walker computed, the landing-pad address and the exception. Generated code only asks
  "is `fp` mine (and the pad one of this try's)?" and continues there (compile/handlers.py).
* No handler in this activation: the exception leaves Wasm as `heron.WasmException`;
  an exit trampoline that sees it continues the search in the outer activation from
  its own exit record (`throw_from_exit`).
"""
from __future__ import annotations

import functools
from typing import Callable

from ..errors import HeronError, WasmException
from ..target import FrameLayout
from ..types import FuncType
from ..unwind import UnwindError, WalkObserver, find_handler, walk
from .values import to_host, to_internal

_EMPTY = FuncType((), ())

# Test-only: FP -> (SP, vmctx) as the compiler laid the frame out, written by code compiled
# with compile.handlers.SHADOW_FRAMES set (tests/unwind/test_frame_check.py).
SHADOW: dict = {}
# The observer new Stores give their throw searches (tests set it; `heron run --trace-unwind`
# sets a Store's own `unwind_observer`).
DEFAULT_OBSERVER: WalkObserver | None = None


class Exn:
    """An exception object: the thrown tag instance and its payload (runtime values)."""
    __slots__ = ("tag", "values")

    def __init__(self, tag, values: tuple):
        self.tag = tag
        self.values = values

    def __repr__(self) -> str:
        return f"<heron exn {self.tag!r} {self.values!r}>"


class Resume(Exception):
    """The walker's decision: continue the frame at `fp` at landing pad `pad` with SP `sp`."""
    __slots__ = ("fp", "sp", "pad", "exn")

    def __init__(self, fp: int, sp: int, pad: int, exn: Exn):
        self.fp = fp
        self.sp = sp
        self.pad = pad
        self.exn = exn


def tag_matcher(tag) -> Callable:
    """The handler-matching rule for a thrown tag instance: a handler's tag index, resolved
    through the instance found in the frame's dynamic-context slot, must be that instance."""
    def match(vmctx, tag_index: int) -> bool:
        tags = getattr(vmctx, "tags", None)
        if tags.__class__ is not list:
            raise UnwindError(f"no dynamic context in the frame (read {vmctx!r})")
        return tags[tag_index] is tag
    return match


def host_payload(exn: Exn) -> tuple:
    """The payload as public API values (signed integers)."""
    return tuple(to_host(v, t) for v, t in zip(exn.values, exn.tag.ftype.params))


def uncaught(exn: Exn) -> WasmException:
    """The host-visible form of an exception that left Wasm."""
    return WasmException(exn.tag, host_payload(exn), exn)


def from_host(e: WasmException) -> Exn:
    """The exception object a host function throws into Wasm by raising WasmException."""
    if isinstance(e.exnref, Exn):
        return e.exnref
    tag = e.tag
    ftype = getattr(tag, "ftype", None)
    if getattr(tag, "extern_kind", None) != "tag" or ftype is None:
        raise HeronError(f"WasmException needs a heron.Tag, not {type(tag).__name__}")
    params = ftype.params
    if len(e.payload) != len(params):
        raise HeronError(f"tag {tag!r} takes {len(params)} values, the payload has {len(e.payload)}")
    exn = Exn(tag, tuple(to_internal(v, t) for v, t in zip(e.payload, params)))
    e.exnref = exn
    return exn


def throw_from_exit(state, exit_fp: int, exit_layout: FrameLayout, exn: Exn):
    """Search from the exit record at `exit_fp` (a frame laid out by `exit_layout`); raise
    the Resume, or the exception as WasmException if this activation does not catch it."""
    words = state.words
    low = state.stack.low
    fp = words[(exit_layout.saved_fp_address(exit_fp) - low) >> 3]
    pc = words[(exit_layout.return_address_address(exit_fp) - low) >> 3]
    observer = state.unwind_observer
    if observer is not None:
        observer.begin(exn, fp, pc)
    frames = walk(state.stack, state.codemap, fp, pc, exit_fp, only_handlers=observer is None)
    handler = find_handler(frames, words, low, tag_matcher(exn.tag), observer)
    if observer is not None:
        observer.end(handler)
    if handler is not None:
        raise Resume(handler.fp, handler.sp, handler.pad, exn)
    raise uncaught(exn)


def make_thrower(state) -> Callable:
    """The runtime throw routine generated code calls as `_throw(exit_fp, exn)`: its callers
    lay its frame out as a wasm-convention call with no arguments."""
    layout = FrameLayout.build(state.target, "wasm", _EMPTY, name="<throw>")

    def _throw(exit_fp: int, exn: Exn):
        throw_from_exit(state, exit_fp, layout, exn)

    return _throw


def exception_namespace(state, inst) -> dict:
    """Names generated code uses for exceptions: the throw routine, the vmctx, tag instances."""
    thrower = getattr(state, "eh_throw", None)
    if thrower is None:
        thrower = state.eh_throw = make_thrower(state)
    ns = {"_throw": thrower, "Exn": Exn, "Resume": Resume, "VMCTX": inst, "SHADOW": SHADOW}
    for i, tag in enumerate(inst.tags):
        ns[f"TG{i}"] = tag
    return ns


__all__ = ["Exn", "Resume", "host_payload", "uncaught", "from_host", "exception_namespace",
           "tag_matcher", "throw_from_exit", "make_thrower", "SHADOW", "DEFAULT_OBSERVER"]
