"""Value, function, table, memory, global and tag types of the module model.

Numeric/vector value types are the strings 'i32' 'i64' 'f32' 'f64' 'v128'.
Reference types are `RefType(nullable, heap)` where `heap` is an abstract heap
type name ('func', 'extern', 'exn', 'nofunc', 'noextern', 'noexn'; the GC names
'any', 'eq', 'i31', 'struct', 'array', 'none' exist only so that a module using
them can be reported as Unsupported('gc')) or an int type index.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Union

from .errors import HeronError

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


# ---------------------------------------------------------------------------- type equivalence
# Iso-recursive type canonicalization: module-local ids for the validator, and process-wide
# canonical objects so that the runtime can compare function types across modules.
# 
# A module's types are partitioned into recursion groups: the explicit `(rec ...)` groups of
# `Module.rec_groups`, and one singleton group for every other type. Two types are the same
# type iff their groups are structurally equal — same size, same member structures, where a
# reference to a member of the own group is compared by its position in the group and a
# reference outside it by the referenced type's canonical identity — and they sit at the same
# position in the group (Wasm 3.0, "type equivalence"). Without supertypes every type is final,
# so subtyping between defined types is this equality.

def group_spans(n_types: int, rec_groups) -> list[tuple[int, int]] | None:
    """Every recursion group as (start, count) in index order, singletons included (empty
    explicit groups are dropped). None when the explicit groups overlap or leave the range."""
    spans: list[tuple[int, int]] = []
    nxt = 0
    for start, count in sorted(rec_groups):
        if start < nxt or count < 0 or start + count > n_types:
            return None
        spans.extend((i, 1) for i in range(nxt, start))
        if count:
            spans.append((start, count))
        nxt = start + count
    spans.extend((i, 1) for i in range(nxt, n_types))
    return spans


def in_group_ref(heap, start: int, count: int):
    """('rec', position) for a reference to a member of the group [start, start+count), else None."""
    if isinstance(heap, int) and not isinstance(heap, bool) and start <= heap < start + count:
        return ("rec", heap - start)
    return None


# ---- process-wide canonical objects ---------------------------------------------------------

@dataclass(frozen=True, slots=True)
class RecFuncType(FuncType):
    """Member `index` of an explicit recursion group of two or more types.

    `group` holds the canonical structures of all members (in-group references as
    ('rec', position)); equality includes it, so a member equals only the same member of a
    structurally equal group, never a plain FuncType of the same signature."""
    group: tuple = ()
    index: int = 0


_INTERNED: dict[FuncType, FuncType] = {}


def intern(ft: FuncType) -> FuncType:
    """The one shared object for a canonical function type (identity-comparable)."""
    return _INTERNED.setdefault(ft, ft)


# id(module) -> (weak reference to it, number of types, canonical types)
_BY_MODULE: dict[int, tuple] = {}


def _forget(key: int) -> None:
    _BY_MODULE.pop(key, None)


def canonical_types(module) -> list[FuncType]:
    """The process-wide canonical object of each of a (valid) module's types, by type index.

    Typed references name other types by their canonical object (or ('rec', position) inside
    the own group), so equal types of different modules are the same object and unequal ones
    compare unequal. Computed once per module object."""
    key = id(module)
    cached = _BY_MODULE.get(key)
    if cached is not None and cached[0]() is module and cached[1] == len(module.types):
        return cached[2]
    types = module.types
    spans = group_spans(len(types), getattr(module, "rec_groups", ()))
    if spans is None:
        raise HeronError("malformed recursion groups")
    out: list[FuncType] = []
    for start, count in spans:
        def canon_val(t: ValType, start=start, count=count):
            if isinstance(t, RefType) and isinstance(t.heap, int) and not isinstance(t.heap, bool):
                rel = in_group_ref(t.heap, start, count)
                if rel is not None:
                    return RefType(t.nullable, rel)
                if not 0 <= t.heap < len(out):
                    raise HeronError(f"type {t.heap} referenced before its definition")
                return RefType(t.nullable, out[t.heap])
            return t
        members = tuple(FuncType(tuple(map(canon_val, ft.params)), tuple(map(canon_val, ft.results)))
                        for ft in types[start:start + count])
        if count == 1:
            out.append(intern(members[0]))
        else:
            out.extend(intern(RecFuncType(m.params, m.results, members, k))
                       for k, m in enumerate(members))
    try:
        ref = weakref.ref(module, lambda _r, key=key: _forget(key))
    except TypeError:           # not weakly referenceable: do not cache
        return out
    _BY_MODULE[key] = (ref, len(types), out)
    return out
