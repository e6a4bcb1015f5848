"""The public type objects of the embedder API, as wasmtime-py spells them (ValType,
FuncType, Limits, MemoryType, TableType, GlobalType, TagType, ImportType, ExportType):
thin wrappers over the module model's types (heron.types), which they keep as
`.internal`."""
from __future__ import annotations

from typing import Any, Iterable, Optional, Union

from .. import types as T


class ValType:
    """A value type: `ValType.i32()`, `.i64()`, `.f32()`, `.f64()`, `.v128()`, `.funcref()`,
    `.externref()`, `.exnref()`. Compares equal by type; `str()` is the text format's name."""
    __slots__ = ("internal",)

    def __init__(self, internal: Any):
        self.internal = internal

    @staticmethod
    def i32() -> "ValType":
        """The 32-bit integer type."""
        return ValType(T.I32)

    @staticmethod
    def i64() -> "ValType":
        """The 64-bit integer type."""
        return ValType(T.I64)

    @staticmethod
    def f32() -> "ValType":
        """The 32-bit float type."""
        return ValType(T.F32)

    @staticmethod
    def f64() -> "ValType":
        """The 64-bit float type."""
        return ValType(T.F64)

    @staticmethod
    def v128() -> "ValType":
        """The 128-bit vector type (SIMD). wasmtime-py 51 has no such constructor; its values
        here are ints, lane 0 in the low bits (runtime/values.py)."""
        return ValType(T.V128)

    @staticmethod
    def funcref() -> "ValType":
        """A nullable reference to a function."""
        return ValType(T.FUNCREF)

    @staticmethod
    def externref() -> "ValType":
        """A nullable reference to a host object (any Python object)."""
        return ValType(T.EXTERNREF)

    @staticmethod
    def exnref() -> "ValType":
        """A nullable reference to an exception (exception-handling proposal)."""
        return ValType(T.EXNREF)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ValType) and other.internal == self.internal

    def __hash__(self) -> int:
        return hash(self.internal)

    def __str__(self) -> str:
        return str(self.internal)

    __repr__ = __str__


def _vt(v: Any) -> Any:
    return v.internal if isinstance(v, ValType) else v


class FuncType:
    """A function type: parameter and result ValTypes."""

    def __init__(self, params: Iterable[Any] = (), results: Iterable[Any] = ()):
        self.internal = T.FuncType(tuple(_vt(p) for p in params), tuple(_vt(r) for r in results))

    @classmethod
    def _wrap(cls, ft: T.FuncType) -> "FuncType":
        o = cls.__new__(cls)
        o.internal = ft
        return o

    @property
    def params(self) -> list[ValType]:
        """The parameter types."""
        return [ValType(t) for t in self.internal.params]

    @property
    def results(self) -> list[ValType]:
        """The result types."""
        return [ValType(t) for t in self.internal.results]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FuncType) and other.internal == self.internal

    def __hash__(self) -> int:
        return hash(self.internal)

    def __repr__(self) -> str:
        return f"FuncType({self.internal})"


class Limits:
    """A memory's size in pages or a table's in elements: `min` and optional `max`."""

    def __init__(self, min: int, max: Optional[int] = None):
        for name, v in (("min", min), ("max", max)):
            if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 0):
                raise TypeError(f"Limits: {name} must be a non-negative int or None")
        self.min, self.max = min, max

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Limits) and (self.min, self.max) == (other.min, other.max)

    def __hash__(self) -> int:
        return hash((self.min, self.max))

    def __repr__(self) -> str:
        return f"Limits({self.min}, {self.max})"


class MemoryType:
    """A linear memory's type: limits in 64 KiB pages, 32- or 64-bit addresses, shared."""

    def __init__(self, limits: Limits, is_64: bool = False, shared: bool = False):
        self.internal = T.MemType(T.Limits(limits.min, limits.max), T.I64 if is_64 else T.I32, shared)

    @classmethod
    def _wrap(cls, mt: T.MemType) -> "MemoryType":
        o = cls.__new__(cls)
        o.internal = mt
        return o

    @property
    def limits(self) -> Limits:
        """Minimum and maximum size, in pages."""
        return Limits(self.internal.limits.min, self.internal.limits.max)

    @property
    def is_64(self) -> bool:
        """Does the memory use 64-bit addresses (memory64)?"""
        return self.internal.addr == T.I64

    @property
    def is_shared(self) -> bool:
        """Is the memory shared between threads (threads proposal)?"""
        return bool(self.internal.shared)

    @property
    def page_size(self) -> int:
        """The page size in bytes (always 65536 in Heron)."""
        return 65536

    @property
    def page_size_log2(self) -> int:
        """log2 of the page size."""
        return 16

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MemoryType) and other.internal == self.internal

    def __repr__(self) -> str:
        return f"MemoryType({self.limits!r}, is_64={self.is_64})"


class TableType:
    """A table's type: element reference type and limits in elements."""

    def __init__(self, valtype: ValType, limits: Limits, is_64: bool = False):
        self.internal = T.TableType(T.Limits(limits.min, limits.max), _vt(valtype), T.I64 if is_64 else T.I32)

    @classmethod
    def _wrap(cls, tt: T.TableType) -> "TableType":
        o = cls.__new__(cls)
        o.internal = tt
        return o

    @property
    def element(self) -> ValType:
        """The element type (a reference type)."""
        return ValType(self.internal.elem)

    @property
    def limits(self) -> Limits:
        """Minimum and maximum size, in elements."""
        return Limits(self.internal.limits.min, self.internal.limits.max)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TableType) and other.internal == self.internal

    def __repr__(self) -> str:
        return f"TableType({self.element}, {self.limits!r})"


class GlobalType:
    """A global's type: its value type and whether it is mutable."""

    def __init__(self, valtype: ValType, mutable: bool = False):
        self.internal = T.GlobalType(_vt(valtype), mutable)

    @classmethod
    def _wrap(cls, gt: T.GlobalType) -> "GlobalType":
        o = cls.__new__(cls)
        o.internal = gt
        return o

    @property
    def content(self) -> ValType:
        """The value type."""
        return ValType(self.internal.valtype)

    @property
    def mutable(self) -> bool:
        """Can the global be set?"""
        return bool(self.internal.mutable)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GlobalType) and other.internal == self.internal

    def __repr__(self) -> str:
        return f"GlobalType({self.content}, mutable={self.mutable})"


class TagType:
    """An exception tag's type: the function type of its payload (params only)."""

    def __init__(self, functype: FuncType):
        self.internal = functype.internal

    @property
    def functype(self) -> FuncType:
        """The payload as a function type (results are empty)."""
        return FuncType._wrap(self.internal)

    @property
    def params(self) -> list[ValType]:
        """The payload's value types."""
        return [ValType(t) for t in self.internal.params]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TagType) and other.internal == self.internal

    def __repr__(self) -> str:
        return f"TagType({self.internal})"


ExternType = Union[FuncType, MemoryType, TableType, GlobalType, TagType]


class ImportType:
    """One import of a module: `module`, `name`, and `type` (FuncType, MemoryType,
    TableType, GlobalType or TagType); `kind` names the kind ("func", "memory", ...)."""

    def __init__(self, module: str, name: str, kind: str, type: ExternType):
        self.module, self.name, self.kind = module, name, kind
        self._type = type

    @property
    def type(self) -> ExternType:
        """What the module expects for this import."""
        return self._type

    def __repr__(self) -> str:
        return f"ImportType({self.module!r}, {self.name!r}, {self._type!r})"


class ExportType:
    """One export of a module: `name` and `type`; `kind` names the kind."""

    def __init__(self, name: str, kind: str, type: ExternType):
        self.name, self.kind = name, kind
        self._type = type

    @property
    def type(self) -> ExternType:
        """The exported item's type."""
        return self._type

    def __repr__(self) -> str:
        return f"ExportType({self.name!r}, {self._type!r})"


__all__ = ["ValType", "FuncType", "Limits", "MemoryType", "TableType", "GlobalType", "TagType", "ImportType",
           "ExportType", "ExternType"]
