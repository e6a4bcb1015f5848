"""The frame cursor: the Wasm frames of one activation, innermost first, read only from
stack memory, the call-site table and each frame's FrameLayout (DESIGN.md section 4).

A frame is (FP, PC, SP): FP and PC come from the frame record of the frame below it
(saved FP at FP+0, return address at FP+8 on every target); SP is the frame's own
FP - fp_to_sp, the distance its call site records -- never derived from the frame below,
because a tail call may have grown or shrunk the callee-popped area between them. All
three come from FrameLayout's walker view (`walker_view()`), so HERON_UNWIND_FAULT can
inject the historical mistakes there and nowhere else.

The walk starts from an exit record (the throw routine's frame or an exit trampoline's:
its saved FP and return address name the innermost Wasm frame) or, for a trap, from
the trapping frame itself, and ends at a return address that is not a Wasm call site:
the entry trampoline's (host code). Throws, trap backtraces and `--trace-unwind` all walk
with this one cursor.
"""
from __future__ import annotations

from typing import Any, Iterator, NamedTuple

from ..errors import HeronError
from ..target.frame import active_fault


class UnwindError(HeronError):
    """The walker found something that is not a frame or a dynamic context (an engine crash)."""


class Frame(NamedTuple):
    """One Wasm frame as the walker sees it."""
    fp: int
    pc: int
    sp: int
    func: Any                # the CodeRange (compile.FunctionInfo)
    site: Any                # the CallSite at pc (None: the innermost frame of a trap)
    dynctx: int | None       # address of its dynamic-context slot, if the site has handlers


def walk(stack, codemap, fp: int, pc: int, callee_fp: int | None = None, *, first=None,
         only_handlers: bool = False, limit: int | None = None) -> Iterator[Frame]:
    """The frames of the activation whose innermost frame is at (fp, pc).

    callee_fp: the FP of the frame below it (an exit record), None for a trapping frame.
    first: the trapping frame's function when pc is an instruction, not a return address.
    only_handlers: yield only frames whose call site has handlers (the throw search): their
    SP and dynamic-context address are computed, every other frame is only stepped through.

    The step reads the frame record at the displacements FrameLayout gives (saved FP, return
    address: the same on every frame of a target); SP and the dynamic context come from the
    frame's own walker view, cached on its call site."""
    words = stack.words
    low = stack.low
    fault = active_fault()
    get = codemap.sites.get
    record = None                    # (saved FP - FP, return address - FP) words, per target
    count = 0
    try:
        if first is not None:
            view = first.layout.walker_view()
            record = (view.saved_fp >> 3, view.return_address >> 3)
            sp = first.layout.walker_sp(fp, callee_fp) if callee_fp is not None else first.layout.sp_from_fp(fp)
            yield Frame(fp, pc, sp, first, None, None)
            count = 1
            i = (fp - low) >> 3
            if i < 0:
                raise UnwindError(f"frame pointer 0x{fp:x} outside the stack")
            callee_fp, pc, fp = fp, words[i + record[1]], words[i + record[0]]
        if only_handlers and limit is None:
            # the throw search's loop: step through frames without handlers at the cost of a
            # dict lookup and two stack reads; SP and dynamic context only where handlers are
            if record is None:
                site = get(pc)
                if site is None:
                    return
                view = site.func.layout.walker_view()
                record = (view.saved_fp >> 3, view.return_address >> 3)
            sfp_off, ra_off = record
            while True:
                site = get(pc)
                if site is None:
                    break
                if site.stop:
                    if site.handlers:
                        view = site.walker
                        if view is None or view.fault != fault:
                            view = site.walker = site.func.layout.walker_view()
                        sp = view.sp(fp, callee_fp)
                        yield Frame(fp, pc, sp, site.func, site, view.dynamic_context_address(sp))
                    if site.elided:
                        return       # nothing below an elided frame has a frame record
                i = (fp - low) >> 3
                if i < 0:
                    raise UnwindError(f"frame pointer 0x{fp:x} outside the stack")
                callee_fp = fp
                pc = words[i + ra_off]
                fp = words[i + sfp_off]
        else:
            while True:
                site = get(pc)
                if site is None:
                    break
                view = site.walker
                if view is None or view.fault != fault:
                    view = site.walker = site.func.layout.walker_view()
                if record is None:
                    record = (view.saved_fp >> 3, view.return_address >> 3)
                handlers = site.handlers
                sp = view.sp(fp, callee_fp)
                dynctx = view.dynamic_context_address(sp) if handlers else None
                yield Frame(fp, pc, sp, site.func, site, dynctx)
                count += 1
                if site.elided or count == limit:
                    return           # nothing below an elided frame has a frame record
                i = (fp - low) >> 3
                if i < 0:
                    raise UnwindError(f"frame pointer 0x{fp:x} outside the stack")
                callee_fp, pc, fp = fp, words[i + record[1]], words[i + record[0]]
        if pc.__class__ is not int:
            raise UnwindError(f"a frame record holds no return address ({pc!r})")
        return                       # host code: the entry trampoline's return address
    except (TypeError, IndexError):
        raise UnwindError(f"a frame record holds no frame pointer (0x{fp!r})") from None


__all__ = ["Frame", "walk", "UnwindError"]
