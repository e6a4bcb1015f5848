"""The validation context C: what every index space holds, plus type equivalence and subtyping.

Without GC every defined type is a final function type, in an explicit recursion
group `(rec ...)` or in a singleton group of its own. Two type indices denote the
same type when their groups are structurally equal and they sit at the same
position (iso-recursive equivalence, see canonical.py); a type may refer to the
members of its own group and to earlier types, never to later ones.
"""
from __future__ import annotations

from ..errors import Unsupported
from ..features import Features
from ..types import (ABSTRACT_HEAPS, GC_HEAPS, I32, I64, FuncType, GlobalType, MemType, RefType,
                     TableType, TagType, ValType)
from ..types import group_spans, in_group_ref

# Internal heap type of a reference popped from a polymorphic (unreachable) stack.
BOT = "bot"

# Heap types a given abstract heap type is a subtype of (besides itself).
_ABSTRACT_SUPERS = {"nofunc": ("func",), "noextern": ("extern",), "noexn": ("exn",)}

VALUE_TYPES = ("i32", "i64", "f32", "f64", "v128")

EXNREF_NONNULL = RefType(False, "exn")
EXNREF = RefType(True, "exn")
FUNCREF = RefType(True, "func")


class Invalid(Exception):
    """Raised inside the validator; turned into ValidationError with a location by the caller."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def result_str(ts) -> str:
    return "[" + " ".join("_" if t is None else str(t) for t in ts) + "]"


class Context:
    """Index spaces of a module, in the order the spec's context C lists them."""

    def __init__(self, types: list[FuncType], features: Features, rec_groups=()):
        self.features = features
        self.types = types
        self.canon: list[int] = []
        self.funcs: list[int] = []                 # type index of each function
        self.tables: list[TableType] = []
        self.mems: list[MemType] = []
        self.globals: list[GlobalType] = []
        self.tags: list[TagType] = []
        self.elems: list[RefType] = []
        self.num_datas = 0
        self.refs: set[int] = set()
        self._canonicalize(rec_groups)

    # ---- types -------------------------------------------------------------------------------
    def _canonicalize(self, rec_groups) -> None:
        """canon[i]: a module-local id, equal for two indices iff they denote the same type."""
        spans = group_spans(len(self.types), rec_groups)
        if spans is None:
            raise Invalid("malformed recursion groups")
        ids: dict[tuple, int] = {}
        for start, count in spans:
            for i in range(start, start + count):
                ft = self.types[i]
                if not isinstance(ft, FuncType):
                    raise Unsupported("gc", f"type {i} is not a function type")
                for t in (*ft.params, *ft.results):
                    self.check_valtype(t, limit=start + count, where=f"type {i}")
            group = tuple((tuple(self._canon_val(t, start, count) for t in ft.params),
                           tuple(self._canon_val(t, start, count) for t in ft.results))
                          for ft in self.types[start:start + count])
            for k in range(count):
                self.canon.append(ids.setdefault((group, k), len(ids)))

    def _canon_val(self, t: ValType, start: int, count: int):
        if isinstance(t, RefType) and isinstance(t.heap, int):
            rel = in_group_ref(t.heap, start, count)
            return ("ref", t.nullable, rel if rel is not None else self.canon[t.heap])
        return t

    def check_heap(self, heap, limit: int | None = None) -> None:
        if isinstance(heap, int):
            bound = len(self.types) if limit is None else limit
            if not 0 <= heap < bound:
                raise Invalid(f"unknown type {heap}")
            if "function-references" not in self.features:
                raise Invalid("typed function references require feature 'function-references'")
            return
        if heap in GC_HEAPS:
            raise Unsupported("gc", f"heap type {heap}")
        if heap not in ABSTRACT_HEAPS:
            raise Invalid(f"unknown heap type {heap!r}")
        if heap in ("exn", "noexn") and "exceptions" not in self.features:
            raise Invalid("exnref requires feature 'exceptions'")

    def check_valtype(self, t: ValType, limit: int | None = None, where: str = "") -> None:
        """A value type must be known, refer to existing types, and not need GC."""
        if isinstance(t, RefType):
            self.check_heap(t.heap, limit)
            if not t.nullable and "function-references" not in self.features:
                raise Invalid("non-nullable references require feature 'function-references'")
        elif t not in VALUE_TYPES:
            raise Invalid(f"unknown value type {t!r}")
        elif t == "v128" and "simd" not in self.features:
            raise Invalid("SIMD support is not enabled (feature 'simd')")

    def func_type(self, type_idx) -> FuncType:
        if not isinstance(type_idx, int) or not 0 <= type_idx < len(self.types):
            raise Invalid(f"unknown type {type_idx}")
        return self.types[type_idx]

    # ---- subtyping ---------------------------------------------------------------------------
    def heap_sub(self, h1, h2) -> bool:
        if h1 == h2:
            return True
        if h1 == BOT:
            return True
        if isinstance(h1, int):
            if isinstance(h2, int):
                return self.canon[h1] == self.canon[h2]
            return h2 == "func"
        if h1 == "nofunc":
            return h2 == "func" or isinstance(h2, int)
        return h2 in _ABSTRACT_SUPERS.get(h1, ())

    def val_sub(self, t1: ValType, t2: ValType) -> bool:
        """t1 <: t2 (None, the unknown type, matches everything)."""
        if t1 is None or t2 is None or t1 == t2:
            return True
        if isinstance(t1, RefType) and isinstance(t2, RefType):
            return (t2.nullable or not t1.nullable) and self.heap_sub(t1.heap, t2.heap)
        return False

    def results_sub(self, ts1, ts2) -> bool:
        return len(ts1) == len(ts2) and all(self.val_sub(a, b) for a, b in zip(ts1, ts2))

    # ---- index spaces ------------------------------------------------------------------------
    def func(self, x) -> FuncType:
        if not isinstance(x, int) or not 0 <= x < len(self.funcs):
            raise Invalid(f"unknown function {x}")
        return self.types[self.funcs[x]]

    def table(self, x) -> TableType:
        if not isinstance(x, int) or not 0 <= x < len(self.tables):
            raise Invalid(f"unknown table {x}")
        return self.tables[x]

    def mem(self, x) -> MemType:
        if not isinstance(x, int) or not 0 <= x < len(self.mems):
            raise Invalid(f"unknown memory {x}")
        return self.mems[x]

    def global_(self, x, visible: int | None = None) -> GlobalType:
        bound = len(self.globals) if visible is None else visible
        if not isinstance(x, int) or not 0 <= x < bound:
            raise Invalid(f"unknown global {x}")
        return self.globals[x]

    def tag(self, x) -> FuncType:
        if not isinstance(x, int) or not 0 <= x < len(self.tags):
            raise Invalid(f"unknown tag {x}")
        return self.types[self.tags[x].type_idx]

    def elem(self, x) -> RefType:
        if not isinstance(x, int) or not 0 <= x < len(self.elems):
            raise Invalid(f"unknown elem segment {x}")
        return self.elems[x]

    def data(self, x) -> None:
        if not isinstance(x, int) or not 0 <= x < self.num_datas:
            raise Invalid(f"unknown data segment {x}")


def min_addr(a: str, b: str) -> str:
    """The smaller of two address types (i32 if either is i32)."""
    return I32 if I32 in (a, b) else I64
