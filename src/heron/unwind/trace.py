"""`heron run --trace-unwind`: print each throw's walk as the walker performs it.

`tracing(trace)` wraps the real throw search (unwind/throw.py's `search`, through which
every throw and every re-thrown activation goes) for as long as it is active, and feeds
`begin`, `frame` (through the walker's WALK_OBSERVER hook) and `end`; when no trace is
active the walker runs untouched. The trace computes nothing of its own except what it prints: the dynamic-context address is the
walker's own FrameLayout call (`walker_dynamic_context_address`), so a fault injected with
HERON_UNWIND_FAULT shows in the trace exactly where it misleads the walker.
"""
from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Iterator, TextIO


def _instance_label(vmctx, labels: dict) -> str:
    """A short, stable name for an instance (vmctx) seen during the trace."""
    if vmctx is None:
        return "-"
    if not hasattr(vmctx, "tags"):
        return f"not an instance: {vmctx!r}"
    key = id(vmctx)
    if key not in labels:
        labels[key] = f"instance#{len(labels) + 1}"
    return labels[key]


def _tag_label(tag, vmctx, tag_index) -> str:
    if tag_index is None:
        return "catch_all"
    return f"tag {tag_index}"


class UnwindTrace:
    """Prints, per throw: the exception, then one line per Wasm frame visited (function,
    pc, fp, sp, dynamic-context address and the instance read there, handlers tried) and
    the outcome (handler matched and where execution resumes, or left the activation)."""

    def __init__(self, out: TextIO | None = None):
        self.out = out or sys.stderr
        self._labels: dict = {}
        self._throws = 0
        self._exn = None

    def _p(self, text: str) -> None:
        print(text, file=self.out)

    def begin(self, exn, fp: int, pc: int, sp: int) -> None:
        self._throws += 1
        self._exn = exn
        values = ", ".join(repr(v) for v in exn.values)
        self._p(f"unwind #{self._throws}: throw {exn.tag} payload ({values})")
        self._p(f"  start at the exit record: fp=0x{fp:x} pc=0x{pc:x} sp=0x{sp:x}")

    def frame(self, fp: int, sp: int, pc: int, vmctx, info, site=None) -> None:
        where = info.describe_pc(pc) if info is not None else f"pc 0x{pc:x}"
        line = f"  frame {where}: pc=0x{pc:x} fp=0x{fp:x} sp=0x{sp:x}"
        handlers = getattr(site, "handlers", ()) if site is not None else ()
        if handlers and info is not None and info.layout.has_dynamic_context:
            addr = info.layout.walker_dynamic_context_address(sp)
            line += f" dynctx@0x{addr:x} -> {_instance_label(vmctx, self._labels)}"
            tags = getattr(vmctx, "tags", None)
            tried = []
            for tag_index, kind, pad in handlers:
                if tag_index is None:
                    verdict = "matches"
                elif tags is not None and 0 <= tag_index < len(tags):
                    verdict = "matches" if tags[tag_index] is getattr(self._exn, "tag", None) else "no"
                else:
                    verdict = "unresolvable"
                tried.append(f"{kind} {_tag_label(None, vmctx, tag_index)}: {verdict}")
            line += "\n      handlers: " + "; ".join(tried)
        else:
            line += " (no handlers at this call site)"
        self._p(line)

    def end(self, resume) -> None:
        if resume is None:
            self._p("  no handler in this activation: the exception leaves Wasm here")
        else:
            self._p(f"  resume: landing pad 0x{resume.pad:x} in the frame at fp=0x{resume.fp:x}, "
                    f"sp=0x{resume.sp:x}")


@contextmanager
def tracing(trace: UnwindTrace) -> Iterator[UnwindTrace]:
    """Report every throw search to `trace` while the block runs."""
    from . import throw

    real_search = throw.search

    def traced_search(state, fp, pc, sp, exn):
        trace.begin(exn, fp, pc, sp)
        saved = throw.WALK_OBSERVER

        def observe(ofp, osp, opc, vmctx, info):
            if saved is not None:
                saved(ofp, osp, opc, vmctx, info)
            trace.frame(ofp, osp, opc, vmctx, info, state.codemap.call_site(opc))

        throw.WALK_OBSERVER = observe
        try:
            resume = real_search(state, fp, pc, sp, exn)
        finally:
            throw.WALK_OBSERVER = saved
        trace.end(resume)
        return resume

    throw.search = traced_search
    try:
        yield trace
    finally:
        throw.search = real_search


__all__ = ["UnwindTrace", "tracing"]
