"""Value, function, table, memory, global and tag types of the module model.

Numeric/vector value types are the strings 'i32' 'i64' 'f32' 'f64' 'v128'.
Reference types are `RefType(nullable, heap)` where `heap` is an abstract heap
type name ('func', 'extern', 'exn', 'nofunc', 'noextern', 'noexn'; the GC names
'any', 'eq', 'i31', 'struct', 'array', 'none' exist only so that a module using
them can be reported as Unsupported('gc')) or an int type index.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Union

I32, I64, F32, F64, V128 = "i32", "i64", "f32", "f64", "v128"
NUM_TYPES = (I32, I64, F32, F64)

ABSTRACT_HEAPS = ("func", "extern", "exn", "nofunc", "noextern", "noexn")
GC_HEAPS = ("any", "eq", "i31", "struct", "array", "none")
# Each abstract heap type's top (the hierarchy it belongs to) and bottom.
HEAP_TOP = {"func": "func", "nofunc": "func", "extern": "extern", "noextern": "extern",
            "exn": "exn", "noexn": "exn",
            "any": "any", "eq": "any", "i31": "any", "struct": "any", "array": "any", "none": "any"}
HEAP_BOTTOM = {"func": "nofunc", "extern": "noextern", "exn": "noexn", "any": "none"}

HeapType = Union[str, int]


@dataclass(frozen=True, slots=True)
class RefType:
    nullable: bool
    heap: HeapType

    def __str__(self) -> str:
        short = {"func": "funcref", "extern": "externref", "exn": "exnref", "nofunc": "nullfuncref",
                 "noextern": "nullexternref", "noexn": "nullexnref", "any": "anyref", "eq": "eqref",
                 "i31": "i31ref", "struct": "structref", "array": "arrayref", "none": "nullref"}
        if self.nullable and isinstance(self.heap, str):
            return short[self.heap]
        heap = self.heap if isinstance(self.heap, str) else str(self.heap)
        return f"(ref {'null ' if self.nullable else ''}{heap})"


FUNCREF = RefType(True, "func")
EXTERNREF = RefType(True, "extern")
EXNREF = RefType(True, "exn")

ValType = Union[str, RefType]


def is_num(t: ValType) -> bool:
    return t in NUM_TYPES


def is_ref(t: ValType) -> bool:
    return isinstance(t, RefType)


def is_defaultable(t: ValType) -> bool:
    """Locals of non-nullable reference type have no default value."""
    return not isinstance(t, RefType) or t.nullable


def valtype_str(t: ValType) -> str:
    return str(t)


@dataclass(frozen=True, slots=True)
class FuncType:
    params: tuple[ValType, ...] = ()
    results: tuple[ValType, ...] = ()

    def __str__(self) -> str:
        p = " ".join(map(str, self.params))
        r = " ".join(map(str, self.results))
        return f"[{p}] -> [{r}]"


@dataclass(frozen=True, slots=True)
class Limits:
    min: int
    max: int | None = None


@dataclass(frozen=True, slots=True)
class MemType:
    limits: Limits
    addr: str = I32          # 'i32' or 'i64' (memory64)
    shared: bool = False     # threads: decoded, then Unsupported('threads') at validation


@dataclass(frozen=True, slots=True)
class TableType:
    limits: Limits
    elem: RefType
    addr: str = I32          # 'i32' or 'i64' (table64)


@dataclass(frozen=True, slots=True)
class GlobalType:
    valtype: ValType
    mutable: bool = False


@dataclass(frozen=True, slots=True)
class TagType:
    type_idx: int            # index of a function type; its results must be empty


ExternType = Union[int, TableType, MemType, GlobalType, TagType]  # int: function type index
