"""`heron run --trace-unwind`: print each throw's walk as the walker performs it.

`UnwindTrace` is a `WalkObserver`: the throw routine hands it to the search (through the
Store's `unwind_observer`), which reports every frame it visits with the numbers it
computed itself -- FP, PC, SP, the dynamic-context address and the instance read there,
the handlers tried -- and the outcome. Nothing is recomputed here, so a fault injected
with HERON_UNWIND_FAULT shows in the trace exactly where it misleads the walker.
"""
from __future__ import annotations

import sys
from typing import Callable, TextIO

from .cursor import Frame
from .search import Handler, WalkObserver


class UnwindTrace(WalkObserver):
    """Prints, per throw: the exception, then one line per Wasm frame visited and the outcome
    (the handler matched and where execution resumes, or that the exception left Wasm)."""

    def __init__(self, out: TextIO | None = None):
        self.out = out or sys.stderr
        self._labels: dict[int, str] = {}
        self._throws = 0

    def _p(self, text: str) -> None:
        print(text, file=self.out)

    def _instance(self, vmctx) -> str:
        """A short, stable name for an instance (vmctx) seen during the trace."""
        if not hasattr(vmctx, "tags"):
            return f"not an instance: {vmctx!r}"
        key = id(vmctx)
        if key not in self._labels:
            self._labels[key] = f"instance#{len(self._labels) + 1}"
        return self._labels[key]

    def begin(self, exn, fp: int, pc: int) -> None:
        self._throws += 1
        values = ", ".join(repr(v) for v in exn.values)
        self._p(f"unwind #{self._throws}: throw {exn.tag} payload ({values})")
        self._p(f"  start at the exit record: fp=0x{fp:x} pc=0x{pc:x}")

    def frame(self, frame: Frame, vmctx, match: Callable) -> None:
        line = f"  frame {frame.func.describe_pc(frame.pc)}: pc=0x{frame.pc:x} fp=0x{frame.fp:x} sp=0x{frame.sp:x}"
        if frame.dynctx is None:
            self._p(line + " (no handlers at this call site)")
            return
        line += f" dynctx@0x{frame.dynctx:x} -> {self._instance(vmctx)}"
        tried = []
        for tag_index, kind, _pad in frame.site.handlers:
            if tag_index is None:
                tried.append(f"{kind} catch_all: matches")
                continue
            try:
                verdict = "matches" if match(vmctx, tag_index) else "no"
            except Exception as e:  # noqa: BLE001 - a bad dynamic context is what the trace shows
                verdict = f"unresolvable ({type(e).__name__})"
            tried.append(f"{kind} tag {tag_index}: {verdict}")
        self._p(line + "\n      handlers: " + "; ".join(tried))

    def end(self, handler: Handler | None) -> None:
        if handler is None:
            self._p("  no handler in this activation: the exception leaves Wasm here")
        else:
            self._p(f"  resume: landing pad 0x{handler.pad:x} in the frame at fp=0x{handler.fp:x}, "
                    f"sp=0x{handler.sp:x}")


__all__ = ["UnwindTrace"]
