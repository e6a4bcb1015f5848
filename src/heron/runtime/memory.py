"""heron.Memory: a linear memory, grown in place (generated code keeps a reference to its
buffer, `Memory.data`)."""
from __future__ import annotations

from ..errors import Trap, TrapCode
from ..types import I64, Limits, MemType
from .values import M32, M64

PAGE = 65536
MAX_PAGES_32 = 65536
MAX_PAGES_64 = 1 << 48
# What a Python process can hold: growth beyond this reports failure (-1), as an engine may.
PRACTICAL_MAX_BYTES = 1 << 31


class Memory:
    """A linear memory: a bytearray grown in place (generated code keeps a reference)."""
    __slots__ = ("type", "data", "max_pages", "addr", "__weakref__")

    def __init__(self, store, ty):
        mt: MemType = getattr(ty, "internal", ty)
        self._setup(mt)

    def _setup(self, mt: MemType) -> None:
        self.type = mt
        self.addr = mt.addr
        limit = MAX_PAGES_64 if mt.addr == I64 else MAX_PAGES_32
        self.max_pages = min(mt.limits.max if mt.limits.max is not None else limit, limit)
        if mt.limits.min * PAGE > PRACTICAL_MAX_BYTES:
            raise Trap("out of memory: memory too large for this engine")
        self.data = bytearray(mt.limits.min * PAGE)

    @classmethod
    def _make(cls, mt: MemType) -> "Memory":
        m = cls.__new__(cls)
        m._setup(mt)
        return m

    def _grow(self, delta: int):
        old = len(self.data) // PAGE
        new = old + delta
        fail = M64 if self.addr == I64 else M32
        if new > self.max_pages or new * PAGE > PRACTICAL_MAX_BYTES:
            return fail
        if delta:
            try:
                self.data.extend(bytes(delta * PAGE))
            except MemoryError:
                return fail
        return old

    def current_type(self) -> MemType:
        return MemType(Limits(len(self.data) // PAGE, self.type.limits.max), self.addr, self.type.shared)

    # public API
    def size(self, store=None) -> int:
        return len(self.data) // PAGE

    def data_len(self, store=None) -> int:
        return len(self.data)

    def grow(self, store, delta: int) -> int:
        r = self._grow(delta)
        if r in (M32, M64) and delta:
            raise Trap("failed to grow memory")
        return r

    def read(self, store, start: int, stop: int) -> bytes:
        return bytes(self.data[start:stop])

    def write(self, store, value: bytes, start: int = 0) -> int:
        if start < 0 or start + len(value) > len(self.data):
            raise Trap(TrapCode.MEMORY_OUT_OF_BOUNDS)
        self.data[start:start + len(value)] = value
        return len(value)

    def __repr__(self) -> str:
        return f"<heron.Memory {len(self.data) // PAGE} pages>"


__all__ = ["Memory", "PAGE"]
