"""heron.Tag: an exception tag instance. Identity is what handlers match: one per
instantiation of a defining module, the exporter's object when imported."""
from __future__ import annotations

from typing import Any

from ..types import FuncType
from .api_types import FuncType as PublicFuncType, TagType, ValType
from .store_arg import check_store, state_of
from .values import StoreOwned, canonical_functype


class Tag(StoreOwned):
    """An exception tag of a Store: `Tag(store, TagType(FuncType([ValType.i32()], [])))`
    or an instance's export. Handlers match tags by identity (one per instantiation);
    raise `heron.WasmException(tag, payload)` in a host function to throw it into Wasm."""
    __slots__ = ("ftype", "store", "__weakref__")
    extern_kind = "tag"

    def __init__(self, store: Any, ty: TagType):
        ft = getattr(ty, "internal", ty)
        if not isinstance(ft, FuncType):
            raise TypeError(f"expected a heron.TagType, got {type(ty).__name__}")
        self.ftype = canonical_functype(ft)
        self.store = state_of(store)

    @classmethod
    def _make(cls, state: Any, ft: FuncType) -> "Tag":
        t = cls.__new__(cls)
        t.ftype = ft
        t.store = state
        return t

    @property
    def functype(self) -> FuncType:
        """The payload's function type (module model)."""
        return self.ftype

    def type(self, store: Any = None) -> TagType:
        """The tag's type (a heron.TagType), as wasmtime-py's `Tag.type(store)`."""
        check_store(self, store)
        return TagType(PublicFuncType._wrap(self.ftype))

    ty = type

    @property
    def params(self) -> list:
        """The payload's value types (heron.ValType)."""
        return [ValType(t) for t in self.ftype.params]

    def eq(self, store: Any, other: "Tag") -> bool:
        """Tags are compared by instance (identity), as Wasm handlers match them."""
        return self is other

    def __repr__(self) -> str:
        return f"<heron.Tag {self.ftype}>"


__all__ = ["Tag"]
