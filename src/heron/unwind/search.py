"""The handler search: the first frame whose call site has a handler for the exception.

Like Wasmtime's `Handler::find` (crates/unwinder), it knows no Wasm rule: the runtime
passes `match(vmctx, tag_index) -> bool`, which resolves a handler's tag index through
the instance found in the frame's dynamic-context slot and compares tag *instances*
(one module instantiated twice has two distinct `$e`). Handlers of one site are tried
innermost first; a `catch_all` (tag index None) matches without asking.
"""
from __future__ import annotations

from typing import Callable, Iterable, NamedTuple

from .cursor import Frame


class Handler(NamedTuple):
    """Where to resume: the catching frame's FP and SP (the walker's) and its landing pad."""
    fp: int
    sp: int
    pad: int
    kind: str


class WalkObserver:
    """Sees a throw search as it happens (`--trace-unwind`, the frame-by-frame test): every
    frame visited, the vmctx read at frames with handlers, and the outcome."""

    def begin(self, exn, fp: int, pc: int) -> None:
        pass

    def frame(self, frame: Frame, vmctx, match: Callable) -> None:
        pass

    def end(self, handler: Handler | None) -> None:
        pass


def find_handler(frames: Iterable[Frame], words: list, low: int, match: Callable,
                 observer: WalkObserver | None = None) -> Handler | None:
    """The first handler of `frames` (a `walk`) whose tag `match` accepts, or None."""
    for frame in frames:
        dynctx = frame.dynctx
        if dynctx is None:
            if observer is not None:
                observer.frame(frame, None, match)
            continue
        vmctx = words[(dynctx - low) >> 3]
        if observer is not None:
            observer.frame(frame, vmctx, match)
        for tag_index, kind, pad in frame.site.handlers:
            if tag_index is None or match(vmctx, tag_index):
                return Handler(frame.fp, frame.sp, pad, kind)
    return None


__all__ = ["Handler", "find_handler", "WalkObserver"]
