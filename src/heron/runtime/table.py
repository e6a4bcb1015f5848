"""heron.Table: a table of references (a Python list; None is null), grown in place
(generated code keeps a reference to the list, `Table.elements`)."""
from __future__ import annotations

from typing import Any

from ..errors import HeronError, Trap, TrapCode
from ..types import I64, Limits, TableType as InternalTableType
from .api_types import TableType
from .store_arg import check_store, state_of
from .values import M32, M64, StoreOwned, check_ref

# What this engine supports for one table: growth beyond it reports failure (-1).
PRACTICAL_MAX_TABLE = 10_000_000


class Table(StoreOwned):
    """A table of references of a Store: `Table(store, TableType(ValType.funcref(),
    Limits(1, None)), None)`, or an instance's export. A funcref element is a heron.Func
    of the same Store or None; an externref element any Python object or None."""
    __slots__ = ("ttype", "elements", "max", "store", "__weakref__")
    extern_kind = "table"

    def __init__(self, store: Any, ty: TableType, init: Any = None):
        tt = getattr(ty, "internal", ty)
        if not isinstance(tt, InternalTableType):
            raise TypeError(f"expected a heron.TableType, got {type(ty).__name__}")
        state = state_of(store)
        self._setup(state, tt, check_ref(init, tt.elem, state))

    def _setup(self, state: Any, tt: InternalTableType, init: Any) -> None:
        self.ttype = tt
        self.store = state
        limit = M64 if tt.addr == I64 else M32
        self.max = min(tt.limits.max if tt.limits.max is not None else limit, limit)
        if tt.limits.min > PRACTICAL_MAX_TABLE:
            raise Trap("table too large for this engine")
        state.limits.new_table(tt.limits.min)
        self.elements = [init] * tt.limits.min

    @classmethod
    def _make(cls, state: Any, tt: InternalTableType, init: Any = None) -> "Table":
        t = cls.__new__(cls)
        t._setup(state, tt, init)
        return t

    def _grow(self, init: Any, delta: int) -> int:
        """table.grow: the old size, or -1 (as an unsigned value) on failure."""
        old = len(self.elements)
        new = old + delta
        fail = M64 if self.ttype.addr == I64 else M32
        if new > self.max or new > PRACTICAL_MAX_TABLE or not self.store.limits.table_allows(new):
            return fail
        self.elements.extend([init] * delta)
        return old

    def current_type(self) -> InternalTableType:
        """The module-model type with the current size as the minimum."""
        return InternalTableType(Limits(len(self.elements), self.ttype.limits.max), self.ttype.elem, self.ttype.addr)

    # public API
    def type(self, store: Any = None) -> TableType:
        """The table's type (as declared: its minimum is not the current size)."""
        check_store(self, store)
        return TableType._wrap(self.ttype)

    def size(self, store: Any = None) -> int:
        """The current number of elements."""
        check_store(self, store)
        return len(self.elements)

    @staticmethod
    def _check_index(index: Any) -> int:
        if isinstance(index, bool) or not isinstance(index, int):
            raise TypeError(f"table index must be an int, not {type(index).__name__}")
        return index

    def get(self, store: Any, index: int) -> Any:
        """The element at `index` (a Func, a host object or None); None as well for an
        index out of bounds, as wasmtime-py."""
        check_store(self, store)
        i = self._check_index(index)
        return self.elements[i] if 0 <= i < len(self.elements) else None

    def set(self, store: Any, index: int, value: Any) -> None:
        """Store `value` at `index`; TypeError for a value the element type cannot hold
        (a funcref must be a Func of this Store, or None)."""
        check_store(self, store)
        i = self._check_index(index)
        if not 0 <= i < len(self.elements):
            raise HeronError(f"{TrapCode.TABLE_OUT_OF_BOUNDS}: index {i} in a table of {len(self.elements)}")
        self.elements[i] = check_ref(value, self.ttype.elem, self.store)

    def grow(self, store: Any, delta: int, init: Any = None) -> int:
        """Grow by `delta` elements set to `init`; return the old size. Raises HeronError
        when the table cannot grow (its maximum, the Store's limits, or the engine's)."""
        check_store(self, store)
        if isinstance(delta, bool) or not isinstance(delta, int):
            raise TypeError(f"Table.grow: delta must be an int, not {type(delta).__name__}")
        if delta < 0:
            raise HeronError(f"Table.grow: delta must not be negative (got {delta})")
        r = self._grow(check_ref(init, self.ttype.elem, self.store), delta)
        if r in (M32, M64) and delta:
            raise HeronError(f"failed to grow table by `{delta}`")
        return r

    def __repr__(self) -> str:
        return f"<heron.Table {len(self.elements)} x {self.ttype.elem}>"


__all__ = ["Table", "PRACTICAL_MAX_TABLE"]
