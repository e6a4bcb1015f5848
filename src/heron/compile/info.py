"""FunctionInfo: what the compiler records about one compiled function -- its identity
(index, name, module), code range, FrameLayout, instruction offsets and call sites --
registered in the engine's code map (target/codemap.py) before any frame of it exists."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..target.codemap import CodeRange


@dataclass(eq=False)
class FunctionInfo(CodeRange):
    """A compiled function's identity, frame layout and code range."""
    index: int = 0                    # function index in its module
    name: str = ""
    module_name: str | None = None
    layout: Any = None                # target.FrameLayout
    offsets: list = field(default_factory=list)     # per instruction: module byte offset (or None)
    may_tail_call: bool = False
    frame_elided: bool = False
    slot_roles: list = field(default_factory=list)  # per frame slot: what it holds (explain)
    base: int = 0                     # the module's code base (generated code: `CB`); start - base is fixed

    def offset_at(self, pc: int) -> int | None:
        i = self.instr_at(pc)
        if 0 <= i < len(self.offsets):
            return self.offsets[i]
        return None

    def describe_pc(self, pc: int) -> str:
        off = self.offset_at(pc)
        where = f"{self.module_name}!" if self.module_name else ""
        return f"{where}{self.name}" + (f" @ 0x{off:x}" if off is not None else "")


__all__ = ["FunctionInfo"]
