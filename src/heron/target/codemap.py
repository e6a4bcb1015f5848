"""Code addresses, the code map and the call-site table: which function, which module,
which call site a PC is (DESIGN.md section 2 and 3).

Every compiled function owns a range of code addresses. Instruction `i` of a function
body sits at `start + 8*i`; the return address of a call at instruction `i` is
`start + 8*i + 4`, inside the caller's range and distinct from every instruction
address; landing pads get addresses after the body's instructions. The map is shared by
an Engine (all modules compiled for it), so a return address found in stack memory
identifies its function and module in O(log n), and its call site in O(1).

The call-site table is the exception table: one `CallSite` row per return address.
Worked example: a call at instruction 7 of a function whose code starts at 0x1000,
inside a `try_table (catch $e 0)`, in a frame with FP - SP = 64:

    CallSite(return_address=0x103c, func=<that function>, fp_to_sp=64, instr=7,
             offset=<module byte offset>, kind="call", handlers=((0, "catch", 0x1110),))

The walker reads the frame's SP as FP - 64, the instance's vmctx from the frame's
dynamic-context slot, resolves tag index 0 through it, and resumes at landing pad 0x1110
if that is the thrown tag.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

PC_STRIDE = 8
RA_DELTA = 4
# Return addresses of the entry trampoline (host -> Wasm): outside every function range.
HOST_RETURN_ADDRESS = 0x10


@dataclass(eq=False, slots=True)
class CallSite:
    """One call in compiled code, as the unwinder needs it (a row of the call-site table)."""
    return_address: int
    func: Any                         # the CodeRange (compile.FunctionInfo) holding the call
    fp_to_sp: int                     # this frame's FP - SP at the call (from FrameLayout)
    instr: int                        # index of the call instruction in the body
    offset: int | None                # byte offset of the call instruction in the module binary
    kind: str = "call"                # call | call_indirect | call_ref | throw | tail | elided
    handlers: tuple = ()              # ((tag index | None, kind, landing-pad address), ...) innermost first
    elided: bool = False              # its frame has no frame record (frame elision): nothing below throws
    stop: bool = False                # the throw search stops here: handlers to try, or an elided frame
    walker: Any = None                # the walker's cached FrameLayout.walker_view() (unwind/)

    def __post_init__(self) -> None:
        self.stop = bool(self.handlers) or self.elided


@dataclass(eq=False)
class CodeRange:
    """A function's code addresses [start, end) and its call sites, sorted by return address."""
    start: int
    end: int
    call_sites: list = field(default_factory=list)

    def pc(self, instr: int) -> int:
        return self.start + PC_STRIDE * instr

    def instr_at(self, pc: int) -> int:
        return (pc - self.start) // PC_STRIDE


class CodeMap:
    """Sorted code ranges; answers pc -> function and return address -> call site.

    `sites` is the call-site table, return address -> CallSite, the one lookup the
    unwinder makes per frame (bind `codemap.sites.get` once per walk). A module reserves one
    range for all its functions when it is loaded (`allocate`); each function is added when
    it is compiled, on its first call (compile/lazy.py)."""

    def __init__(self, first_address: int = 0x1000):
        self._starts: list[int] = []
        self._funcs: list = []
        self.sites: dict[int, CallSite] = {}
        self._next = first_address

    def allocate(self, size: int) -> int:
        """Reserve `size` bytes of code addresses (16-aligned); return the start."""
        start = self._next
        self._next = start + ((size + 15) & -16) + 16
        return start

    def add(self, func) -> None:
        """Register a function (a CodeRange) and its call sites, before any frame of it exists."""
        i = bisect.bisect_right(self._starts, func.start)
        self._starts.insert(i, func.start)
        self._funcs.insert(i, func)
        for site in func.call_sites:
            self.sites[site.return_address] = site

    def lookup(self, pc: int):
        """The function whose code range holds `pc`, or None (host code)."""
        i = bisect.bisect_right(self._starts, pc) - 1
        if i >= 0:
            f = self._funcs[i]
            if f.start <= pc < f.end:
                return f
        return None

    def call_site(self, return_address: int) -> CallSite | None:
        """The call site whose return address this is (None: not a Wasm call's)."""
        return self.sites.get(return_address)

    def __len__(self) -> int:
        return len(self._funcs)


__all__ = ["CodeMap", "CallSite", "CodeRange", "PC_STRIDE", "RA_DELTA", "HOST_RETURN_ADDRESS"]
