"""The throw search and the resume (DESIGN.md section 4).

The throw routine is entered like any callee: the throwing frame wrote a frame record
(saved FP, return address) for it -- the exit record. From there the walker visits the
Wasm frames of the current activation, innermost first, reading only stack memory and
the compiler's metadata:

* the frame's FP and PC come from the frame record of the frame below it;
* its SP is `layout.walker_caller_sp(callee_fp)` of the frame below (FrameLayout, the
  callee's layout: a callee-popped incoming area lies between the two);
* if the call site at PC has handlers, the instance's vmctx is read from the slot
  `layout.walker_dynamic_context_address(sp)` and each handler's tag is resolved
  through it; the first whose tag instance *is* the thrown one (or a catch_all) wins.

The match becomes a `Resume(fp, sp, landing pad, exn)` raised into the generated
code, which only checks the FP and continues at that landing pad with that SP. No
match in this activation: the exception leaves Wasm as `heron.WasmException`; an exit
trampoline that sees it continues the search in the outer activation from its own
exit record.

No frame offset is computed here: every address comes from a FrameLayout method
(the walker_* ones, so HERON_UNWIND_FAULT can inject the historical mistakes).
"""
from __future__ import annotations

from typing import Callable

from ..errors import HeronError
from ..runtime.exceptions import Exn, Resume, uncaught
from ..target import FrameLayout
from ..target.frame import active_fault
from ..types import FuncType

_EMPTY = FuncType((), ())

# Test-only: called as observer(fp, sp, pc, vmctx_or_None, FunctionInfo) for every frame
# the search visits (tests/unwind checks each against what the compiler laid out).
WALK_OBSERVER: Callable | None = None


class UnwindError(HeronError):
    """The walker found something that is not a frame or a dynamic context (an engine crash)."""


def stub_layout(target) -> FrameLayout:
    """The frame of the throw routine as its callers lay it out: no arguments, wasm convention."""
    return FrameLayout.build(target, "wasm", _EMPTY, name="<throw>")


def walker_offsets(info, fault) -> tuple:
    """FrameLayout.walker_offsets() of one function, cached on its FunctionInfo per fault
    setting: (fault, caller SP - FP, return address - FP, saved FP - FP, dynctx slot - SP | None)."""
    w = (fault, *info.layout.walker_offsets())
    info.walker_offsets = w
    return w


def search(state, fp: int, pc: int, sp: int, exn: Exn) -> Resume | None:
    """Find the handler for `exn` in the activation whose innermost Wasm frame is (fp, pc, sp)."""
    words = state.words
    low = state.stack.low
    high = state.stack.base
    codemap = state.codemap
    sites = getattr(codemap, "_sites", {})
    tag = exn.tag
    observer = WALK_OBSERVER
    fault = active_fault()
    while True:
        site = sites.get(pc)
        if site is None:
            site = codemap.call_site(pc)
            if site is None:
                return None          # host code: the entry trampoline's return address
        info = site.func
        w = getattr(info, "walker_offsets", None)
        if w is None or w[0] != fault:
            w = walker_offsets(info, fault)
        handlers = site.handlers
        if handlers:
            vm = words[(sp + w[4] - low) >> 3]
            if observer is not None:
                observer(fp, sp, pc, vm, info)
            tags = getattr(vm, "tags", None)
            if tags.__class__ is not list:
                raise UnwindError(f"no dynamic context in the frame of {info.name} "
                                  f"(read {vm!r} at SP 0x{sp:x})")
            for tag_index, _kind, pad in handlers:
                if tag_index is None or tags[tag_index] is tag:
                    return Resume(fp, sp, pad, exn)
        elif observer is not None:
            observer(fp, sp, pc, None, info)
        if info.frame_elided:
            return None              # unreachable: nothing below an elided frame throws
        sp = fp + w[1]
        ra = fp + w[2]
        sfp = fp + w[3]
        if ra >= high or sfp < low:
            raise UnwindError(f"frame pointer 0x{fp:x} outside the stack")
        pc = words[(ra - low) >> 3]
        fp = words[(sfp - low) >> 3]
        if pc.__class__ is not int or fp.__class__ is not int:
            raise UnwindError("a frame record holds no return address / saved FP")


def throw_from_exit(state, exit_fp: int, exit_layout: FrameLayout, exn: Exn):
    """Search from the exit record at `exit_fp` (a frame laid out by `exit_layout`); raise
    the Resume, or the exception as WasmException if this activation does not catch it."""
    words = state.words
    low = state.stack.low
    fp = words[(exit_layout.saved_fp_address(exit_fp) - low) >> 3]
    pc = words[(exit_layout.return_address_address(exit_fp) - low) >> 3]
    sp = exit_layout.walker_caller_sp(exit_fp)
    resume = search(state, fp, pc, sp, exn)
    if resume is not None:
        raise resume
    raise uncaught(exn)


def make_thrower(state) -> Callable:
    """The runtime throw routine generated code calls as `_throw(exit_fp, exn)`."""
    layout = stub_layout(state.target)
    words = state.words
    low = state.stack.low

    def _throw(exit_fp: int, exn: Exn):
        # inlined throw_from_exit (the hot path of every throw)
        fp = words[(layout.saved_fp_address(exit_fp) - low) >> 3]
        pc = words[(layout.return_address_address(exit_fp) - low) >> 3]
        resume = search(state, fp, pc, layout.walker_caller_sp(exit_fp), exn)
        if resume is not None:
            raise resume
        raise uncaught(exn)

    return _throw


__all__ = ["search", "throw_from_exit", "make_thrower", "stub_layout", "UnwindError", "WALK_OBSERVER"]
