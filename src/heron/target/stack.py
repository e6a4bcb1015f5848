"""StackMemory: the simulated native stack that frames really live in.

A contiguous region of byte addresses [low, base), growing down from `base` (the
initial SP). Storage is a Python list of 8-byte *words*: the word holding address `a`
is `words[(a - low) >> 3]`. Measured on CPython 3.11, an inlined word-list read+write
takes ~75 ns against ~130 ns for `struct.pack_into`/`unpack_from` on a bytearray (and
method calls cost more than either), so hot code should inline the raw primitive:

    words = stack.words; low = stack.low
    words[(addr - low) >> 3] = value          # write
    value = words[(addr - low) >> 3]          # read

Representation: one word holds one Python object -- an int for integers and addresses
(unsigned bit patterns), whatever the runtime uses for f32/f64 (float or bit pattern),
any object for references (funcref/externref/exnref) and vmctx pointers. A v128 value
takes a 16-aligned 16-byte slot: the whole value is stored in its lower word, the upper
word holds None. Every frame slot is 8-byte aligned, so sub-word (byte) access is not
modelled; the checked helpers reject misaligned addresses.

Exhaustion: `limit` = low + red_zone. Each prologue checks its new SP with
`check_sp(sp)` (or inlines `if sp < stack.limit: raise Trap(STACK_EXHAUSTED)`) before
writing slots; the red zone below the limit absorbs what may be written below an
already-checked SP before the next check (pushed stack arguments, return address,
saved FP, callee-saved registers). Python's negative list indexing would silently wrap
an address below `low`, which is why the check must come first.
"""
from __future__ import annotations

from ..errors import Trap
from .targets import TargetError

STACK_EXHAUSTED = "call stack exhausted"
DEFAULT_BASE = 0x7FFF_0000_0000
DEFAULT_SIZE = 4 * 1024 * 1024
DEFAULT_RED_ZONE = 64 * 1024   # > 1000 v128 stack arguments (16000 bytes) + frame record + saves

MASK32 = 0xFFFF_FFFF
MASK64 = 0xFFFF_FFFF_FFFF_FFFF


class StackMemory:
    """Simulated stack memory, byte-addressed, 8-byte words, growing down from `base`."""

    __slots__ = ("base", "size", "low", "limit", "red_zone", "words")

    def __init__(self, size: int = DEFAULT_SIZE, base: int = DEFAULT_BASE, red_zone: int = DEFAULT_RED_ZONE):
        if size <= 0 or size % 16 or base % 16:
            raise TargetError("stack size and base must be positive multiples of 16")
        if red_zone < 0 or red_zone >= size or red_zone % 16:
            raise TargetError("red zone must be a multiple of 16 smaller than the stack")
        self.base = base                 # highest address + 1; the initial SP
        self.size = size
        self.low = base - size           # lowest valid address
        self.red_zone = red_zone
        self.limit = self.low + red_zone  # an SP below this traps
        self.words: list = [0] * (size >> 3)

    # ------------------------------------------------------------ SP checks
    @property
    def initial_sp(self) -> int:
        return self.base

    def check_sp(self, sp: int) -> int:
        """Trap with 'call stack exhausted' if `sp` went below the limit; return sp."""
        if sp < self.limit:
            raise Trap(STACK_EXHAUSTED)
        return sp

    def used(self, sp: int) -> int:
        """Bytes in use when SP is `sp`."""
        return self.base - sp

    def contains(self, addr: int) -> bool:
        return self.low <= addr < self.base

    # ------------------------------------------------------------ checked word access
    def _index(self, addr: int) -> int:
        if addr & 7:
            raise TargetError(f"misaligned stack access at 0x{addr:x}")
        if addr < self.low:
            raise Trap(STACK_EXHAUSTED)
        if addr >= self.base:
            raise TargetError(f"stack access at 0x{addr:x} above the stack base 0x{self.base:x}")
        return (addr - self.low) >> 3

    def read(self, addr: int):
        """The object in the word at `addr` (any representation)."""
        return self.words[self._index(addr)]

    def write(self, addr: int, value) -> None:
        """Store any object (int, float, reference, vmctx) in the word at `addr`."""
        self.words[self._index(addr)] = value

    def read_u64(self, addr: int) -> int:
        return self.words[self._index(addr)]

    def write_u64(self, addr: int, value: int) -> None:
        self.words[self._index(addr)] = value & MASK64

    read_i64 = read_u64
    write_i64 = write_u64

    def read_i32(self, addr: int) -> int:
        return self.words[self._index(addr)] & MASK32

    def write_i32(self, addr: int, value: int) -> None:
        self.words[self._index(addr)] = value & MASK32

    def read_f32(self, addr: int):
        return self.words[self._index(addr)]

    def write_f32(self, addr: int, value) -> None:
        """Stores the runtime's f32 representation unchanged (no rounding here)."""
        self.words[self._index(addr)] = value

    read_f64 = read_f32
    write_f64 = write_f32

    def read_v128(self, addr: int):
        if addr & 15:
            raise TargetError(f"misaligned v128 stack access at 0x{addr:x}")
        return self.words[self._index(addr)]

    def write_v128(self, addr: int, value) -> None:
        if addr & 15:
            raise TargetError(f"misaligned v128 stack access at 0x{addr:x}")
        i = self._index(addr)
        self._index(addr + 8)
        self.words[i] = value
        self.words[i + 1] = None

    # ------------------------------------------------------------ inspection
    def dump(self, low: int, high: int) -> list[tuple[int, object]]:
        """(address, word) for every word in [low, high), highest address first."""
        return [(a, self.read(a)) for a in range((high - 8) & -8, low - 1, -8) if a >= low]

    def clear(self) -> None:
        """Zero every word in place (code that inlined `words` keeps a valid reference)."""
        self.words[:] = [0] * (self.size >> 3)
