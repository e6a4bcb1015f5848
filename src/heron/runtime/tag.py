"""heron.Tag: an exception tag instance. Identity is what handlers match: one per
instantiation of a defining module, the exporter's object when imported."""
from __future__ import annotations

from ..types import FuncType
from .api_types import FuncType as PublicFuncType, TagType, ValType
from .values import canonical_functype


class Tag:
    """An exception tag instance (identity matters: one per instantiation)."""
    __slots__ = ("type", "functype", "__weakref__")

    def __init__(self, store, ty):
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
        return TagType(PublicFuncType._wrap(self.type))

    type_of = ty

    @property
    def params(self) -> list:
        """The payload's value types (heron.ValType)."""
        return [ValType(t) for t in self.type.params]

    def eq(self, store, other: "Tag") -> bool:
        """Tags are compared by instance (identity), as Wasm handlers match them."""
        return self is other

    def __repr__(self) -> str:
        return f"<heron.Tag {self.type}>"


__all__ = ["Tag"]
