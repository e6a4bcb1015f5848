"""Runtime instances: functions, memories, tables, globals, tags; the tail-call request;
the bulk-memory and table helpers generated code calls.

These are also the public extern objects (heron.Func, heron.Memory, ...): wasmtime-py
style methods take the store first; generated code uses the underscore internals
(`Memory.data`, `Memory._grow`, `Table.elements`, `Global.v`, `Func.code`).
"""
from __future__ import annotations

from typing import Any, Callable

from ..errors import Trap, Unsupported
from ..types import I64, FuncType, GlobalType, MemType, TableType, TagType
from .values import M32, M64, results_to_host, to_host, to_internal

PAGE = 65536
MAX_PAGES_32 = 65536
MAX_PAGES_64 = 1 << 48
# What a Python process can hold: growth beyond this reports failure (-1), as an engine may.
PRACTICAL_MAX_BYTES = 1 << 31
PRACTICAL_MAX_TABLE = 10_000_000

TRAP_OOB_MEM = "out of bounds memory access"
TRAP_OOB_TABLE = "out of bounds table access"


class TailCall:
    """A `return_call` request: the nearest non-tail call site calls the thunk `f()` next
    (it calls the callee with its FP and arguments, bound when the request was made)."""
    __slots__ = ("f",)

    def __init__(self, f):
        self.f = f


class Func:
    """A function instance: compiled Wasm or a host callable behind an exit trampoline.

    `code(fp, *register_args)` is what compiled code calls; `__call__(store, *args)`
    is the host's entry into Wasm."""
    __slots__ = ("type", "code", "store", "host", "name", "instance", "index", "may_tail",
                 "access_caller", "_entry", "__weakref__")

    def __init__(self, store, ty, func: Callable, access_caller: bool = False):
        """A host function. With `access_caller`, `func(caller, *args)` gets a Caller for the
        calling instance first (wasmtime-py's convention); the per-instance import binding
        supplies it (runtime/boundary.py), so `code` -- the instance-less path tables and
        function references use -- refuses to guess one."""
        ft = getattr(ty, "internal", ty)
        state = store._state
        from .values import canonical_functype
        self.type = canonical_functype(ft)
        self.store = state
        self.host = func
        self.name = getattr(func, "__name__", "host")
        self.instance = None
        self.index = None
        self.may_tail = False
        self.access_caller = bool(access_caller)
        if self.access_caller:
            self.code = _caller_unknown(self.name)
            return
        from .exceptions import host_throws_into_wasm
        self.code = state.exit_trampoline(self.type, host_throws_into_wasm(state, func))

    @classmethod
    def _wasm(cls, state, ftype: FuncType, name: str, instance, index: int, may_tail: bool) -> "Func":
        f = cls.__new__(cls)
        f.type = ftype
        f.code = None
        f.store = state
        f.host = None
        f.name = name
        f.instance = instance
        f.index = index
        f.may_tail = may_tail
        f.access_caller = False
        return f

    def __call__(self, store, *args):
        try:
            return self._entry(args)
        except AttributeError:
            if hasattr(self, "_entry"):
                raise
        state = getattr(store, "_state", store)
        return state.enter(self, args)

    def ty(self, store=None):
        from .api import FuncType as PublicFuncType
        return PublicFuncType._wrap(self.type)

    type_of = ty

    def __repr__(self) -> str:
        return f"<heron.Func {self.name} {self.type}>"


def _caller_unknown(name: str):
    """`code` of an access_caller host function: reached through a table, a function
    reference or a generic entry, where no per-instance binding says who called."""
    def code(fp, *args):
        raise Unsupported("host function with access_caller",
                          f"{name!r} was called through a table, a function reference or another "
                          f"instance-less path; Heron passes a Caller only on direct calls of an import")
    code.__name__ = f"caller_unknown_{name}"
    return code


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
        from ..types import Limits
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
            raise Trap(TRAP_OOB_MEM)
        self.data[start:start + len(value)] = value
        return len(value)

    def __repr__(self) -> str:
        return f"<heron.Memory {len(self.data) // PAGE} pages>"


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
        from ..types import Limits
        return TableType(Limits(len(self.elements), self.type.limits.max), self.type.elem, self.type.addr)

    # public API
    def size(self, store=None) -> int:
        return len(self.elements)

    def get(self, store, index: int):
        if not 0 <= index < len(self.elements):
            raise Trap(TRAP_OOB_TABLE)
        return self.elements[index]

    def set(self, store, index: int, value) -> None:
        if not 0 <= index < len(self.elements):
            raise Trap(TRAP_OOB_TABLE)
        self.elements[index] = value

    def grow(self, store, delta: int, init=None) -> int:
        r = self._grow(init, delta)
        if r in (M32, M64) and delta:
            raise Trap("failed to grow table")
        return r

    def __repr__(self) -> str:
        return f"<heron.Table {len(self.elements)} x {self.type.elem}>"


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


class Tag:
    """An exception tag instance (identity matters: one per instantiation)."""
    __slots__ = ("type", "functype", "__weakref__")

    def __init__(self, store, ty):
        from .values import canonical_functype
        ft = canonical_functype(getattr(ty, "internal", ty))
        self.type = ft
        self.functype = ft

    @classmethod
    def _make(cls, ft: FuncType) -> "Tag":
        t = cls.__new__(cls)
        t.type = ft
        t.functype = ft
        return t

    def ty(self, store=None):
        """The tag's type (a heron.TagType), as wasmtime-py's `Tag.type(store)`."""
        from .api import FuncType as PublicFuncType, TagType
        return TagType(PublicFuncType._wrap(self.type))

    type_of = ty

    @property
    def params(self) -> list:
        """The payload's value types (heron.ValType)."""
        from .api import ValType
        return [ValType(t) for t in self.type.params]

    def eq(self, store, other: "Tag") -> bool:
        """Tags are compared by instance (identity), as Wasm handlers match them."""
        return self is other

    def __repr__(self) -> str:
        return f"<heron.Tag {self.type}>"


# ---------------------------------------------------------------------------- bulk helpers
def mem_fill(mem: bytearray, d: int, v: int, n: int) -> None:
    if d + n > len(mem):
        raise Trap(TRAP_OOB_MEM)
    if n:
        mem[d:d + n] = bytes((v & 0xFF,)) * n


def mem_copy(dst: bytearray, d: int, src: bytearray, s: int, n: int) -> None:
    if d + n > len(dst) or s + n > len(src):
        raise Trap(TRAP_OOB_MEM)
    if n:
        dst[d:d + n] = src[s:s + n]


def mem_init(mem: bytearray, d: int, data: bytes, s: int, n: int) -> None:
    if d + n > len(mem) or s + n > len(data):
        raise Trap(TRAP_OOB_MEM)
    if n:
        mem[d:d + n] = data[s:s + n]


def table_fill(t: list, i: int, v, n: int) -> None:
    if i + n > len(t):
        raise Trap(TRAP_OOB_TABLE)
    t[i:i + n] = [v] * n


def table_copy(dst: list, d: int, src: list, s: int, n: int) -> None:
    if d + n > len(dst) or s + n > len(src):
        raise Trap(TRAP_OOB_TABLE)
    if n:
        dst[d:d + n] = src[s:s + n]


def table_init(t: list, d: int, elems, s: int, n: int) -> None:
    if d + n > len(t) or s + n > len(elems):
        raise Trap(TRAP_OOB_TABLE)
    if n:
        t[d:d + n] = elems[s:s + n]


HELPERS: dict[str, Any] = {
    "_mfill": mem_fill, "_mcopy": mem_copy, "_minit": mem_init,
    "_tfill": table_fill, "_tcopy": table_copy, "_tinit": table_init,
    "TC": TailCall, "Trap": Trap,
}

__all__ = ["Func", "Memory", "Table", "Global", "Tag", "TailCall", "HELPERS", "results_to_host"]
