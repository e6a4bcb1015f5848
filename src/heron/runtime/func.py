"""heron.Func: a function instance -- compiled Wasm, or a host callable behind an exit
trampoline. `code(fp, *register_args)` is what compiled code calls; `__call__(store,
*args)` is the host's entry into Wasm (runtime/entry.py)."""
from __future__ import annotations

from typing import Callable

from ..errors import Unsupported
from .api_types import FuncType as PublicFuncType
from .boundary import wasm_exit
from .exceptions import host_throws_into_wasm
from .values import canonical_functype
from ..types import FuncType


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
        self.code = wasm_exit(state, self.type, host_throws_into_wasm(state, func))

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


__all__ = ["Func"]
