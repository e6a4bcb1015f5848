"""heron.Table: a table of references (a Python list; None is null), grown in place."""
from __future__ import annotations

from ..errors import Trap, TrapCode
from ..types import I64, Limits, TableType
from .values import M32, M64

PRACTICAL_MAX_TABLE = 10_000_000


class Table:
    """A table of references (a Python list; None is null), grown in place."""
    __slots__ = ("type", "elements", "max", "__weakref__")

    def __init__(self, store, ty, init=None):
        tt: TableType = getattr(ty, "internal", ty)
        self._setup(tt, init)

    def _setup(self, tt: TableType, init) -> None:
        self.type = tt
        limit = M64 if tt.addr == I64 else M32
        self.max = min(tt.limits.max if tt.limits.max is not None else limit, limit)
        if tt.limits.min > PRACTICAL_MAX_TABLE:
            raise Trap("table too large for this engine")
        self.elements = [init] * tt.limits.min

    @classmethod
    def _make(cls, tt: TableType, init=None) -> "Table":
        t = cls.__new__(cls)
        t._setup(tt, init)
        return t

    def _grow(self, init, delta: int):
        old = len(self.elements)
        new = old + delta
        fail = M64 if self.type.addr == I64 else M32
        if new > self.max or new > PRACTICAL_MAX_TABLE:
            return fail
        self.elements.extend([init] * delta)
        return old

    def current_type(self) -> TableType:
        return TableType(Limits(len(self.elements), self.type.limits.max), self.type.elem, self.type.addr)

    # public API
    def size(self, store=None) -> int:
        return len(self.elements)

    def get(self, store, index: int):
        if not 0 <= index < len(self.elements):
            raise Trap(TrapCode.TABLE_OUT_OF_BOUNDS)
        return self.elements[index]

    def set(self, store, index: int, value) -> None:
        if not 0 <= index < len(self.elements):
            raise Trap(TrapCode.TABLE_OUT_OF_BOUNDS)
        self.elements[index] = value

    def grow(self, store, delta: int, init=None) -> int:
        r = self._grow(init, delta)
        if r in (M32, M64) and delta:
            raise Trap("failed to grow table")
        return r

    def __repr__(self) -> str:
        return f"<heron.Table {len(self.elements)} x {self.type.elem}>"


__all__ = ["Table"]
