"""Host values <-> runtime values at the embedder boundary, and canonical function types.

Public API values are what wasmtime-py uses: i32/i64 as Python ints (results are
signed), f32/f64 as Python floats (an f32 NaN keeps its payload in the top mantissa
bits, see numerics), references as objects (None is null). Inside, integers are
unsigned bit patterns (numerics' representation contract).

v128 (wasmtime-py 51 has no v128 values: its Val raises "unimplemented v128 type"):
a v128 is a Python int, its 16 bytes read little-endian (lane 0 in the low bits), the
runtime representation itself -- results and exception payloads come back unsigned,
0 <= v < 2**128; arguments may be any int (taken modulo 2**128, so -1 is all ones) or
16 bytes (`bytes`/`bytearray`, memory order). `Val.v128(x)` makes a typed one.
"""
from __future__ import annotations

import math
from typing import Any, Optional

from ..errors import Trap
from ..types import F32, F64, I32, I64, V128, FuncType, RefType
from ..types import canonical_types, intern
from ..numerics import f32_round

M32 = 0xFFFF_FFFF
M64 = 0xFFFF_FFFF_FFFF_FFFF
M128 = (1 << 128) - 1


class StoreOwned:
    """Base of the objects a Store owns (Func, Memory, Table, Global, Tag): each has
    `store`, the StoreState it belongs to, and `extern_kind` ("func", "memory", ...).
    Lets values be checked for their Store without importing the classes."""
    __slots__ = ()
    extern_kind = ""
    store: Any
    ftype: Any


class Val:
    """A typed value, as wasmtime-py's `Val`: `Val.i32(5)`, `Val.f64(1.5)`,
    `Val.funcref(f)`, `Val.externref(obj)`, `Val.ref_null(ValType.funcref())`. The API
    takes plain Python values as well; a Val is accepted wherever a value is."""
    __slots__ = ("_type", "_value")

    def __init__(self, type: Any, value: Any):
        self._type = type
        self._value = value

    @classmethod
    def i32(cls, value: int) -> "Val":
        """A 32-bit integer (kept signed)."""
        return cls(I32, to_host(_int(value) & M32, I32))

    @classmethod
    def i64(cls, value: int) -> "Val":
        """A 64-bit integer (kept signed)."""
        return cls(I64, to_host(_int(value) & M64, I64))

    @classmethod
    def f32(cls, value: float) -> "Val":
        """A 32-bit float (rounded to f32)."""
        return cls(F32, to_internal(value, F32))

    @classmethod
    def f64(cls, value: float) -> "Val":
        """A 64-bit float."""
        return cls(F64, _float(value))

    @classmethod
    def v128(cls, value: int | bytes) -> "Val":
        """A 128-bit vector: an int (lane 0 in the low bits; modulo 2**128) or 16 bytes."""
        return cls(V128, to_internal(value, V128))

    @classmethod
    def externref(cls, value: Any) -> "Val":
        """A reference to any host object (None is null)."""
        return cls(RefType(True, "extern"), value)

    @classmethod
    def funcref(cls, func: Any) -> "Val":
        """A reference to a heron.Func (None is null)."""
        return cls(RefType(True, "func"), check_ref(func, RefType(True, "func")))

    @classmethod
    def ref_null(cls, ty: Any) -> "Val":
        """The null reference of reference type `ty` (a heron.ValType)."""
        t = getattr(ty, "internal", ty)
        if not isinstance(t, RefType):
            raise TypeError(f"ref_null needs a reference type, not {t}")
        return cls(t, None)

    @property
    def value(self) -> Any:
        """The plain Python value."""
        return self._value

    @property
    def type(self) -> Any:
        """The value's type (module model; str() gives its name)."""
        return self._type

    def as_i32(self) -> Optional[int]:
        """The value if this is an i32, else None."""
        return self._value if self._type == I32 else None

    def as_i64(self) -> Optional[int]:
        """The value if this is an i64, else None."""
        return self._value if self._type == I64 else None

    def as_f32(self) -> Optional[float]:
        """The value if this is an f32, else None."""
        return self._value if self._type == F32 else None

    def as_f64(self) -> Optional[float]:
        """The value if this is an f64, else None."""
        return self._value if self._type == F64 else None

    def as_v128(self) -> Optional[int]:
        """The value (an unsigned 128-bit int) if this is a v128, else None."""
        return self._value if self._type == V128 else None

    def as_externref(self) -> Any:
        """The referenced object if this is an externref, else None."""
        return self._value if isinstance(self._type, RefType) and self._type.heap == "extern" else None

    def as_funcref(self) -> Any:
        """The Func if this is a funcref, else None."""
        return self._value if isinstance(self._type, RefType) and self._type.heap == "func" else None

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Val):
            return self._type == other._type and self._value == other._value
        return self._value == other

    def __hash__(self) -> int:
        return hash(self._value)

    def __repr__(self) -> str:
        return f"Val({self._type}, {self._value!r})"


_FUNC_HEAPS = ("func", "nofunc")


def check_ref(value, t: RefType, state=None):
    """A host value for a reference of type `t`, refused with TypeError when it is not
    one: a funcref must be a heron.Func of the same Store (or None), a null only where
    `t` is nullable, an exnref an exception object; an externref may be any object."""
    if value is None:
        if not t.nullable:
            raise TypeError(f"null is not a value of the non-nullable type {t}")
        return None
    heap = t.heap
    if heap in _FUNC_HEAPS or isinstance(heap, FuncType):
        if not isinstance(value, StoreOwned) or value.extern_kind != "func":
            raise TypeError(f"expected a heron.Func for {t}, got {type(value).__name__}")
        if state is not None and value.store is not state:
            raise TypeError("the function belongs to another Store")
        if heap == "nofunc" or (isinstance(heap, FuncType) and value.ftype is not heap and value.ftype != heap):
            raise TypeError(f"a function of type {value.ftype} is not a {t}")
        return value
    if heap in ("exn", "noexn"):
        if heap == "noexn" or type(value).__name__ != "Exn":
            raise TypeError(f"expected an exception reference for {t}, got {type(value).__name__}")
        return value
    if heap == "noextern":
        raise TypeError(f"only null is a value of {t}")
    return value


def to_internal(value, t, state=None):
    """A host value as the runtime representation of type `t` (a reference checked
    against `t` and, given `state`, against the Store it must belong to)."""
    if value.__class__ is Val:
        value = value._value
    if t == I32:
        return _int(value) & M32
    if t == I64:
        return _int(value) & M64
    if t == F32:
        x = _float(value)
        return x if x != x else f32_round(x)
    if t == F64:
        return _float(value)
    if t == V128:
        return _v128(value)
    if isinstance(t, RefType):
        return check_ref(value, t, state)
    return value


def _v128(value) -> int:
    if isinstance(value, (bytes, bytearray)):
        if len(value) != 16:
            raise TypeError(f"a v128 is 16 bytes, not {len(value)}")
        return int.from_bytes(value, "little")
    if isinstance(value, int) and not isinstance(value, bool):
        return value & M128
    raise TypeError(f"expected a v128 (an int or 16 bytes), got {type(value).__name__}")


def _float(value) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raise TypeError(f"expected a float, got {type(value).__name__}")


def _int(value) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return int(value)
    raise TypeError(f"expected an integer, got {type(value).__name__}")


def to_host(value, t):
    """A runtime value as the public API returns it (signed integers)."""
    if t == I32:
        return value - ((value & 0x8000_0000) << 1)
    if t == I64:
        return value - ((value & 0x8000_0000_0000_0000) << 1)
    return value


def results_to_host(value, results: tuple):
    if not results:
        return None
    if len(results) == 1:
        return to_host(value, results[0])
    return tuple(to_host(v, t) for v, t in zip(value, results))


def canonical_type(module, type_idx: int) -> FuncType:
    """The engine-wide canonical object for a module's function type (identity-comparable).

    Equal types of different modules — iso-recursively: same recursion group structure,
    same position — are the same object; see heron.types (type equivalence)."""
    return canonical_types(module)[type_idx]


def canonical_valtype(module, t):
    """A value type whose typed-reference heap is the canonical function type, not an index."""
    if isinstance(t, RefType) and isinstance(t.heap, int) and not isinstance(t.heap, bool):
        return RefType(t.nullable, canonical_type(module, t.heap))
    return t


def canonical_functype(ft: FuncType) -> FuncType:
    """A host-given function type (a singleton group) as its canonical object."""
    return intern(ft)


def trap(code: str) -> Trap:
    return Trap(code)


def host_results(out, ftype: FuncType, state=None):
    """What a host function returned, as the runtime values of `ftype`'s results (None, one
    value, or a tuple); a host returning the wrong number of values traps."""
    results = ftype.results
    if not results:
        return None
    if len(results) == 1:
        if isinstance(out, (tuple, list)) and len(out) == 1:
            out = out[0]
        return to_internal(out, results[0], state)
    if not isinstance(out, (tuple, list)) or len(out) != len(results):
        raise TypeError(f"host function returned {type(out).__name__}, expected {len(results)} results")
    return tuple(to_internal(v, t, state) for v, t in zip(out, results))
