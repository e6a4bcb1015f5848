"""Walking the Wasm frames of an activation: reads only stack memory, the code map and
each frame's FrameLayout.

A frame is identified by its FP and the PC it is executing at (for the innermost
frame: where it trapped or called out; for the others: the return address found in
the frame record of the frame below). The walk starts from an exit record (or a
trap site) and stops after the frame whose FP is the activation's entry FP. The
exception unwinder (next issue) uses the same iterator and computes each frame's SP
with `layout.sp_from_fp(fp)`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator


@dataclass(frozen=True)
class WasmFrame:
    fp: int
    pc: int
    func: Any                 # compile.codemap.FunctionInfo
    call_site: Any            # CallSite for pc when pc is a return address, else None

    @property
    def sp(self) -> int:
        """The frame's steady SP, from its FrameLayout."""
        return self.func.layout.sp_from_fp(self.fp)

    def describe(self) -> str:
        return self.func.describe_pc(self.pc)


def walk(stack, codemap, fp: int, pc: int, entry_fp: int | None, limit: int | None = None) -> Iterator[WasmFrame]:
    """Frames from (fp, pc) outwards until the frame whose FP is `entry_fp` (inclusive)."""
    words = stack.words
    low = stack.low
    count = 0
    while True:
        func = codemap.lookup(pc)
        if func is None:
            return
        yield WasmFrame(fp, pc, func, codemap.call_site(pc))
        count += 1
        if fp == entry_fp or (limit is not None and count >= limit):
            return
        layout = func.layout
        ra_addr = layout.return_address_address(fp)
        fp_addr = layout.saved_fp_address(fp)
        if not (stack.low <= fp_addr and ra_addr < stack.base):
            return
        pc = words[(ra_addr - low) >> 3]
        fp = words[(fp_addr - low) >> 3]
        if not isinstance(pc, int) or not isinstance(fp, int):
            return
