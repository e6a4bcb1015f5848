"""heron.Global: a global variable; `v` holds the runtime representation."""
from __future__ import annotations

from ..errors import Trap
from ..types import GlobalType
from .values import to_host, to_internal


class Global:
    """A global: `v` holds the runtime representation; `value(store)` the public one."""
    __slots__ = ("type", "v", "__weakref__")

    def __init__(self, store, ty, value):
        gt: GlobalType = getattr(ty, "internal", ty)
        self.type = gt
        self.v = to_internal(value, gt.valtype)

    @classmethod
    def _make(cls, gt: GlobalType, value) -> "Global":
        g = cls.__new__(cls)
        g.type = gt
        g.v = value
        return g

    def value(self, store=None):
        """The global's value as the public API gives values (wasmtime-py: Global.value(store))."""
        return to_host(self.v, self.type.valtype)

    get = value

    def set_value(self, store, value) -> None:
        if not self.type.mutable:
            raise Trap("global is immutable")
        self.v = to_internal(value, self.type.valtype)

    def __repr__(self) -> str:
        return f"<heron.Global {self.type.valtype} = {self.v!r}>"


__all__ = ["Global"]
