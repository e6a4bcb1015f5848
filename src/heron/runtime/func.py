"""heron.Func: a function instance -- compiled Wasm, or a host callable behind an exit
trampoline. `code(fp, *register_args)` is what compiled code calls; `__call__(store,
*args)` is the host's entry into Wasm (runtime/entry.py)."""
from __future__ import annotations

from typing import Any, Callable

from ..errors import Unsupported
from .api_types import FuncType as PublicFuncType
from .boundary import wasm_exit
from .store_arg import state_of
from .values import StoreOwned, canonical_functype
from ..types import FuncType


class Func(StoreOwned):
    """A function of a Store: compiled Wasm (an instance's export) or a host function,
    `Func(store, FuncType([ValType.i32()], [ValType.i32()]), callable)`.

    Call it as `func(store, *args)`: integers are Python ints (results signed), floats
    Python floats, references Funcs / host objects / None; several results come back as
    a tuple. A host function receives and returns values the same way; a Python
    exception it raises reaches the caller of the Wasm code unchanged, and a
    `heron.WasmException` it raises is thrown into Wasm (catchable there)."""
    __slots__ = ("ftype", "code", "store", "host", "name", "instance", "index", "may_tail",
                 "access_caller", "_entry", "__weakref__")
    extern_kind = "func"
    code: Any
    host: Any
    index: Any
    instance: Any
    _entry: Callable

    def __init__(self, store: Any, ty: PublicFuncType, func: Callable, access_caller: bool = False):
        """A host function. With `access_caller`, `func(caller, *args)` gets a Caller for the
        calling instance first (wasmtime-py's convention); the per-instance import binding
        supplies it (runtime/boundary.py), so `code` -- the instance-less path tables and
        function references use -- refuses to guess one."""
        ft = getattr(ty, "internal", ty)
        if not isinstance(ft, FuncType):
            raise TypeError(f"expected a heron.FuncType, got {type(ty).__name__}")
        if not callable(func):
            raise TypeError(f"a host function must be callable, not {type(func).__name__}")
        state = state_of(store)
        self.ftype = canonical_functype(ft)
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
        self.code = wasm_exit(state, self.ftype, func)

    @classmethod
    def _wasm(cls, state, ftype: FuncType, name: str, instance, index: int, may_tail: bool) -> "Func":
        f = cls.__new__(cls)
        f.ftype = ftype
        f.code = None
        f.store = state
        f.host = None
        f.name = name
        f.instance = instance
        f.index = index
        f.may_tail = may_tail
        f.access_caller = False
        return f

    def __call__(self, store: Any, *args: Any) -> Any:
        """Call the function in `store` (the Store it belongs to) with `args`."""
        try:
            if store._state is self.store:
                return self._entry(args)
        except AttributeError:
            if hasattr(self, "_entry") and hasattr(store, "_state"):
                raise
        state = state_of(store)
        if state is not self.store:
            raise TypeError("this Func belongs to another Store")
        return state.enter(self, args)

    def type(self, store: Any = None) -> PublicFuncType:
        """The function's type (a heron.FuncType)."""
        return PublicFuncType._wrap(self.ftype)

    ty = type

    def __repr__(self) -> str:
        return f"<heron.Func {self.name} {self.ftype}>"


def _caller_unknown(name: str):
    """`code` of an access_caller host function: reached through a table, a function
    reference or a generic entry, where no per-instance binding says who called."""
    def code(fp, *args):
        raise Unsupported("host function with access_caller",
                          f"{name!r} was called through a table, a function reference or another "
                          f"instance-less path; Heron passes a Caller only on direct calls of an import")
    code.__name__ = f"caller_unknown_{name}"
    return code


__all__ = ["Func"]
