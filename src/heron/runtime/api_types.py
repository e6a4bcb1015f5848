"""The public type objects of the embedder API, as wasmtime-py spells them (ValType,
FuncType, Limits, MemoryType, TableType, GlobalType, TagType, ImportType, ExportType):
thin wrappers over the module model's types (heron.types), which they keep as
`.internal`."""
from __future__ import annotations

from typing import Any, Iterable

from .. import types as T


class ValType:
    """A value type (wasmtime-py style constructors)."""
    __slots__ = ("internal",)

    def __init__(self, internal):
        self.internal = internal

    @staticmethod
    def i32() -> "ValType":
        return ValType(T.I32)

    @staticmethod
    def i64() -> "ValType":
        return ValType(T.I64)

    @staticmethod
    def f32() -> "ValType":
        return ValType(T.F32)

    @staticmethod
    def f64() -> "ValType":
        return ValType(T.F64)

    @staticmethod
    def funcref() -> "ValType":
        return ValType(T.FUNCREF)

    @staticmethod
    def externref() -> "ValType":
        return ValType(T.EXTERNREF)

    @staticmethod
    def exnref() -> "ValType":
        return ValType(T.EXNREF)

    def __eq__(self, other) -> bool:
        return isinstance(other, ValType) and other.internal == self.internal

    def __hash__(self) -> int:
        return hash(self.internal)

    def __str__(self) -> str:
        return str(self.internal)

    __repr__ = __str__


def _vt(v) -> Any:
    return v.internal if isinstance(v, ValType) else v


class FuncType:
    def __init__(self, params: Iterable = (), results: Iterable = ()):
        self.internal = T.FuncType(tuple(_vt(p) for p in params), tuple(_vt(r) for r in results))

    @classmethod
    def _wrap(cls, ft: T.FuncType) -> "FuncType":
        o = cls.__new__(cls)
        o.internal = ft
        return o

    @property
    def params(self) -> list[ValType]:
        return [ValType(t) for t in self.internal.params]

    @property
    def results(self) -> list[ValType]:
        return [ValType(t) for t in self.internal.results]

    def __repr__(self) -> str:
        return f"FuncType({self.internal})"


class Limits:
    def __init__(self, min: int, max: int | None = None):
        self.min, self.max = min, max


class MemoryType:
    def __init__(self, limits: Limits, is_64: bool = False, shared: bool = False):
        self.internal = T.MemType(T.Limits(limits.min, limits.max), T.I64 if is_64 else T.I32, shared)


class TableType:
    def __init__(self, valtype: ValType, limits: Limits, is_64: bool = False):
        self.internal = T.TableType(T.Limits(limits.min, limits.max), _vt(valtype), T.I64 if is_64 else T.I32)


class GlobalType:
    def __init__(self, valtype: ValType, mutable: bool = False):
        self.internal = T.GlobalType(_vt(valtype), mutable)


class TagType:
    def __init__(self, functype: FuncType):
        self.internal = functype.internal

    @property
    def functype(self) -> FuncType:
        return FuncType._wrap(self.internal)

    @property
    def params(self) -> list[ValType]:
        return [ValType(t) for t in self.internal.params]

    def __repr__(self) -> str:
        return f"TagType({self.internal})"


class ImportType:
    def __init__(self, module: str, name: str, kind: str, desc):
        self.module, self.name, self.kind, self.desc = module, name, kind, desc

    def __repr__(self) -> str:
        return f"ImportType({self.module!r}, {self.name!r}, {self.kind})"


class ExportType:
    def __init__(self, name: str, kind: str):
        self.name, self.kind = name, kind

    def __repr__(self) -> str:
        return f"ExportType({self.name!r}, {self.kind})"


__all__ = ["ValType", "FuncType", "Limits", "MemoryType", "TableType", "GlobalType", "TagType", "ImportType",
           "ExportType"]
