"""heron.Func: a function instance -- compiled Wasm, or a host callable behind an exit
trampoline. `code(fp, *register_args)` is what compiled code calls; `__call__(store,
*args)` is the host's entry into Wasm (runtime/entry.py)."""
from __future__ import annotations

from typing import Callable

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
                 "_entry", "__weakref__")

    def __init__(self, store, ty, func: Callable, access_caller: bool = False):
        ft = getattr(ty, "internal", ty)
        state = store._state
        self.type = canonical_functype(ft)
        self.store = state
        self.host = func
        self.name = getattr(func, "__name__", "host")
        self.instance = None
        self.index = None
        self.may_tail = False
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


__all__ = ["Func"]
