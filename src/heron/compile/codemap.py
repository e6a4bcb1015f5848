"""Code addresses and the code map: which function, which module, which call site a PC is.

Every compiled function owns a range of code addresses. Instruction `i` of a function
body sits at `start + 8*i`; the return address of a call at instruction `i` is
`start + 8*i + 4`, inside the caller's range and distinct from every instruction
address. The map is shared by an Engine (all modules compiled for it), so a return
address found in stack memory identifies its function and module in O(log n).
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

PC_STRIDE = 8
RA_DELTA = 4
# Return addresses of the entry trampoline (host -> Wasm): outside every function range.
HOST_RETURN_ADDRESS = 0x10


@dataclass(eq=False)
class CallSite:
    """One call in compiled code, as the unwinder needs it."""
    return_address: int
    func: "FunctionInfo"
    fp_to_sp: int                     # this frame's FP - SP at the call (from FrameLayout)
    instr: int                        # index of the call instruction in the body
    offset: int | None                # byte offset of the call instruction in the module binary
    kind: str = "call"                # call | call_indirect | call_ref | exit
    handlers: tuple = ()              # exception handlers (next issue): (tag | None, kind, landing pad)


@dataclass(eq=False)
class FunctionInfo:
    """A compiled function's identity, frame layout and code range."""
    index: int                        # function index in its module
    name: str
    module_name: str | None
    start: int
    end: int
    layout: Any                       # target.FrameLayout
    offsets: list = field(default_factory=list)     # per instruction: module byte offset (or None)
    call_sites: list = field(default_factory=list)
    may_tail_call: bool = False
    frame_elided: bool = False
    base: int = 0                     # the module's code base (generated code: `CB`); start - base is fixed

    def pc(self, instr: int) -> int:
        return self.start + PC_STRIDE * instr

    def instr_at(self, pc: int) -> int:
        return (pc - self.start) // PC_STRIDE

    def offset_at(self, pc: int) -> int | None:
        i = self.instr_at(pc)
        if 0 <= i < len(self.offsets):
            return self.offsets[i]
        return None

    def describe_pc(self, pc: int) -> str:
        off = self.offset_at(pc)
        where = f"{self.module_name}!" if self.module_name else ""
        return f"{where}{self.name}" + (f" @ 0x{off:x}" if off is not None else "")


def _return_address(site: CallSite) -> int:
    return site.return_address


class CodeMap:
    """Sorted code ranges; answers pc -> function and return address -> call site.

    A module reserves one range for all its functions when it is loaded (`allocate`); each
    function is added when it is compiled, before any frame of it can exist."""

    def __init__(self, first_address: int = 0x1000):
        self._starts: list[int] = []
        self._funcs: list[FunctionInfo] = []
        self._sites: dict[int, CallSite] = {}
        self._next = first_address

    def allocate(self, size: int) -> int:
        """Reserve `size` bytes of code addresses (16-aligned); return the start."""
        start = self._next
        self._next = start + ((size + 15) & -16) + 16
        return start

    def add(self, info: FunctionInfo) -> None:
        i = bisect.bisect_right(self._starts, info.start)
        self._starts.insert(i, info.start)
        self._funcs.insert(i, info)
        for site in info.call_sites:
            self._sites[site.return_address] = site

    def lookup(self, pc: int) -> FunctionInfo | None:
        """The function whose code range holds `pc`, or None (host code)."""
        i = bisect.bisect_right(self._starts, pc) - 1
        if i >= 0:
            f = self._funcs[i]
            if f.start <= pc < f.end:
                return f
        return None

    def call_site(self, return_address: int) -> CallSite | None:
        """The call site whose return address this is: the function by bisection over the
        code ranges, then the site by bisection over its (address-ordered) call sites."""
        f = self.lookup(return_address)
        if f is None:
            return None
        sites = f.call_sites
        i = bisect.bisect_left(sites, return_address, key=_return_address)
        if i < len(sites) and sites[i].return_address == return_address:
            return sites[i]
        return self._sites.get(return_address)

    def __len__(self) -> int:
        return len(self._funcs)
