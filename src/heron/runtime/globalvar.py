"""heron.Global: a global variable; `v` holds the runtime representation."""
from __future__ import annotations

from typing import Any

from ..errors import HeronError
from ..types import GlobalType as InternalGlobalType
from .api_types import GlobalType
from .store_arg import check_store, state_of
from .values import StoreOwned, to_host, to_internal


class Global(StoreOwned):
    """A global of a Store: `Global(store, GlobalType(ValType.i32(), True), 1)`, or an
    instance's export. `value(store)` reads it, `set_value(store, v)` writes a mutable one."""
    __slots__ = ("gtype", "v", "store", "__weakref__")
    extern_kind = "global"

    def __init__(self, store: Any, ty: GlobalType, value: Any):
        gt = getattr(ty, "internal", ty)
        if not isinstance(gt, InternalGlobalType):
            raise TypeError(f"expected a heron.GlobalType, got {type(ty).__name__}")
        state = state_of(store)
        self.gtype = gt
        self.store = state
        self.v = to_internal(value, gt.valtype, state)

    @classmethod
    def _make(cls, state: Any, gt: InternalGlobalType, value: Any) -> "Global":
        g = cls.__new__(cls)
        g.gtype = gt
        g.store = state
        g.v = value
        return g

    def type(self, store: Any = None) -> GlobalType:
        """The global's type."""
        check_store(self, store)
        return GlobalType._wrap(self.gtype)

    def value(self, store: Any = None) -> Any:
        """The global's value, as the public API gives values (signed integers)."""
        check_store(self, store)
        return to_host(self.v, self.gtype.valtype)

    get = value

    def set_value(self, store: Any, value: Any) -> None:
        """Set a mutable global (HeronError for an immutable one, TypeError for a value of
        the wrong type, or a funcref of another Store)."""
        check_store(self, store)
        if not self.gtype.mutable:
            raise HeronError("global is immutable")
        self.v = to_internal(value, self.gtype.valtype, self.store)

    def __repr__(self) -> str:
        return f"<heron.Global {self.gtype.valtype}>"


__all__ = ["Global"]
