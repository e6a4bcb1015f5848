"""Iso-recursive type canonicalization: module-local ids for the validator, and process-wide
canonical objects so that the runtime can compare function types across modules.

A module's types are partitioned into recursion groups: the explicit `(rec ...)` groups of
`Module.rec_groups`, and one singleton group for every other type. Two types are the same
type iff their groups are structurally equal — same size, same member structures, where a
reference to a member of the own group is compared by its position in the group and a
reference outside it by the referenced type's canonical identity — and they sit at the same
position in the group (Wasm 3.0, "type equivalence"). Without supertypes every type is final,
so subtyping between defined types is this equality.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass

from ..errors import HeronError
from ..types import FuncType, RefType, ValType


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
